//! Precision and recall per entity kind on `data/samples/entities.tsv`.

use std::collections::BTreeMap;

use super::analyzer;
use crate::analysis::EntityKind;

/// `(kind, value)` pairs of one sample line's labels.
fn labels(field: &str) -> Vec<(EntityKind, String)> {
    field
        .split(';')
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (kind, value) = l.split_once('=').expect("label is kind=value");
            let kind = EntityKind::parse(kind.trim()).expect("known entity kind");
            (kind, value.trim().to_string())
        })
        .collect()
}

#[derive(Default)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

#[test]
fn labelled_entities_reach_95_percent_precision_and_recall_per_kind() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/samples/entities.tsv");
    let text = std::fs::read_to_string(path).expect("entities.tsv");
    let mut scores: BTreeMap<EntityKind, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut lines = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (sentence, field) = line.split_once('\t').expect("sentence<TAB>labels");
        lines += 1;
        let mut expected = labels(field);
        let found: Vec<(EntityKind, String)> = analyzer()
            .analyze(sentence)
            .entities
            .iter()
            .map(|e| (e.kind, e.label()))
            .collect();
        for got in &found {
            let score = scores.entry(got.0).or_default();
            match expected.iter().position(|e| e == got) {
                Some(i) => {
                    expected.swap_remove(i);
                    score.tp += 1;
                }
                None => {
                    score.fp += 1;
                    misses.push(format!("extra {got:?} in {sentence}"));
                }
            }
        }
        for missed in expected {
            scores.entry(missed.0).or_default().fn_ += 1;
            misses.push(format!("missed {missed:?} in {sentence}"));
        }
    }
    assert!(lines >= 60, "entities.tsv has {lines} sentences");
    for (kind, s) in &scores {
        println!(
            "{:<8} tp {:>3} fp {:>2} fn {:>2}  precision {:.3}  recall {:.3}",
            kind.as_str(),
            s.tp,
            s.fp,
            s.fn_,
            s.precision(),
            s.recall()
        );
    }
    for m in &misses {
        println!("{m}");
    }
    for kind in EntityKind::ALL {
        let s = scores
            .get(&kind)
            .expect("every kind is labelled at least once");
        assert!(
            s.precision() >= 0.95 && s.recall() >= 0.95,
            "{}: precision {:.3} recall {:.3}\n{}",
            kind.as_str(),
            s.precision(),
            s.recall(),
            misses.join("\n")
        );
    }
}
