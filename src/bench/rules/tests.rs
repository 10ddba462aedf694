//! The whole path on the shipped rules: rendered texts → analysis → rules
//! and topics (`rules/*.toml` as shipped) → the trend engine with the
//! shipped topics' triggers. Deterministic: message time only, no sleeping.
//!
//! - The renderer's texts say what the simulation meant: a burst message
//!   of seed topic k matches topic k's rule, background matches none.
//! - A complaint in traditional characters, in full-width forms, passed on
//!   through a `//@user:` repost or with an emoji is one cluster: the same
//!   topics and the same terms.
//! - Bursts of every seed topic fire within 5 minutes of their onset, and
//!   background traffic raises at most one alarm.
//!
//! Debug builds run the detection test on a short stream (a background-only
//! day, then a day with one burst per topic) at a third of the volume; the
//! full weeks are `#[ignore]`d (`cargo test --release --lib bench::rules --
//! --ignored --nocapture`).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::phrases::{
    ANCHORS, ASKS, BACKGROUND_SUBJECTS, COMMON_CLAUSES, FILLER_CLAUSES, OPENERS, TERM_CLAUSES,
    TIMES, TOPIC_SUBJECTS,
};
use super::*;
use crate::analysis::Analyzer;
use crate::rules::RuleSet;
use crate::trends::TrendEvent;
use crate::trends::sim::{SimMessage, XorShift64, topic_terms};

/// The shipped rules of this checkout, loaded as the daemon loads them.
fn shipped() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        ruleset::load(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the shipped rules load")
    })
}

fn analyzer() -> &'static Analyzer {
    shipped().analyzer.as_ref().expect("rules/dict loads")
}

/// The index in `RuleSet::topics` of seed topic `k`'s rule.
fn rule_of(k: usize) -> usize {
    let id = SEED_TOPIC_RULES[k];
    shipped()
        .topics
        .iter()
        .position(|t| t.id == id)
        .unwrap_or_else(|| panic!("rules/40-topics.toml has no topic {id}"))
}

fn path() -> WholePath {
    WholePath::new(shipped().clone(), Default::default()).expect("the path builds")
}

/// Topic indexes and the set of terms of `text` through the path.
fn topics_and_terms(path: &WholePath, text: &str) -> (Vec<usize>, BTreeSet<String>) {
    let analysis = path.analyze(text);
    let topics = path.evaluate(Channel::Weibo, &analysis).topic_indexes;
    let mut terms: BTreeSet<String> = analysis.tokens.into_iter().collect();
    terms.extend(analysis.hashtags.into_iter().map(|h| format!("#{h}#")));
    (topics, terms)
}

#[test]
fn every_seed_topic_has_a_shipped_rule() {
    for k in 0..SEED_TOPICS.len() {
        rule_of(k);
    }
}

#[test]
fn every_phrase_comes_back_unchanged_from_traditional_characters() {
    let normalizer = analyzer().normalizer();
    let mut phrases: Vec<&str> = Vec::new();
    phrases.extend(ANCHORS.iter().flat_map(|a| a.iter().copied()));
    phrases.extend(TERM_CLAUSES.iter().flat_map(|(t, c)| [*t, c[0], c[1]]));
    phrases.extend(COMMON_CLAUSES.iter().flat_map(|(t, c)| [*t, c[0], c[1]]));
    phrases.extend(FILLER_CLAUSES);
    phrases.extend(OPENERS);
    phrases.extend(ASKS);
    phrases.extend(TIMES);
    phrases.extend(TOPIC_SUBJECTS);
    phrases.extend(BACKGROUND_SUBJECTS);
    let mut changed = 0;
    for phrase in phrases {
        let traditional = to_traditional(phrase);
        changed += usize::from(traditional != phrase);
        assert_eq!(normalizer.simplify(&traditional), phrase, "{traditional}");
    }
    assert!(
        changed > 200,
        "only {changed} phrases have traditional forms"
    );
}

/// A message about `topic` (or about nothing) with terms drawn as the
/// simulation draws them: two topic terms, then common words.
fn draw_terms(rng: &mut XorShift64, topic: Option<usize>) -> Vec<&'static str> {
    const COMMON: [&str; 8] = [
        "支付宝",
        "客服",
        "转账",
        "账户",
        "余额宝",
        "银行卡",
        "扣款",
        "借呗",
    ];
    let mut terms = Vec::new();
    if let Some(k) = topic {
        let own = topic_terms(k);
        for _ in 0..2 {
            terms.push(own[rng.below(own.len() as u64) as usize]);
        }
    }
    for _ in 0..4 {
        terms.push(COMMON[rng.below(COMMON.len() as u64) as usize]);
    }
    terms
}

#[test]
fn topic_texts_match_their_rule_and_background_texts_match_none() {
    let path = path();
    let at = crate::trends::sim::default_start();
    // Traditional and full-width forms far more often than in the stream.
    let mix = Mix {
        traditional: 0.3,
        full_width: 0.2,
        ..Mix::default()
    };
    let mut renderer = Renderer::with_mix(5, mix);
    let mut rng = XorShift64::new(5);
    for k in 0..SEED_TOPICS.len() {
        let want = rule_of(k);
        let mut others = 0;
        for i in 0..300 {
            let terms = draw_terms(&mut rng, Some(k));
            let message = SimMessage {
                at,
                author: "b0-1",
                topics: &[k],
                terms: &terms,
            };
            let rendered = renderer.render(&message);
            let analysis = path.analyze(&rendered.joined());
            let topics = path.evaluate(rendered.channel, &analysis).topic_indexes;
            assert!(
                topics.contains(&want),
                "{} #{i}: {:?} not about {} but {topics:?}\n{}",
                SEED_TOPICS[k],
                rendered.joined(),
                SEED_TOPIC_RULES[k],
                analysis.normalized
            );
            others += usize::from(topics.len() > 1);
        }
        // A complaint may touch a second topic, but rarely.
        assert!(
            others <= 3,
            "{}: {others} of 300 matched more",
            SEED_TOPICS[k]
        );
    }
    let mut matched = Vec::new();
    let n = 3_000;
    for _ in 0..n {
        let terms = draw_terms(&mut rng, None);
        let message = SimMessage {
            at,
            author: "u1",
            topics: &[],
            terms: &terms,
        };
        let rendered = renderer.render(&message);
        let analysis = path.analyze(&rendered.joined());
        if !path
            .evaluate(rendered.channel, &analysis)
            .topic_indexes
            .is_empty()
        {
            matched.push(rendered.joined());
        }
    }
    println!("background texts about a topic: {} of {n}", matched.len());
    assert!(matched.len() * 200 <= n, "{matched:#?}");
}

#[test]
fn a_complaint_in_another_script_width_repost_or_with_emoji_is_one_cluster() {
    let path = path();
    let mut renderer = Renderer::new(9);
    let mut rng = XorShift64::new(9);
    for round in 0..40 {
        let topic = (round % 7 < 6).then_some(round % 7);
        let terms = draw_terms(&mut rng, topic);
        let topics: Vec<usize> = topic.into_iter().collect();
        let mut base = renderer.complaint(&topics, &terms);
        if round % 3 == 0 {
            base = format!("#双十二# {base}");
        }
        let (want_topics, want_terms) = topics_and_terms(&path, &base);
        if let Some(k) = topic {
            assert!(want_topics.contains(&rule_of(k)), "{base}");
        }
        let variants = [
            to_traditional(&base),
            to_full_width(&base),
            format!("//@小王:{base}"),
            format!("//@糖糖不吃糖://@momo_88:{base}"),
            format!("{base}😭"),
            format!("{base} 🙏🏽🙏🏽"),
            to_full_width(&to_traditional(&format!("//@阿杰:{base}😡"))),
        ];
        for variant in &variants {
            let (topics, terms) = topics_and_terms(&path, variant);
            assert_eq!(topics, want_topics, "{base}\n{variant}");
            assert_eq!(terms, want_terms, "{base}\n{variant}");
        }
    }
}

#[test]
fn a_hundred_rules_load_through_the_config_loader() {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let shipped_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let (rules, generated) =
        ruleset::load_with_generated(&shipped_dir, scratch.path(), 100).expect("rules load");
    assert_eq!(rules.rules.len(), 100);
    assert_eq!(generated, 100 - shipped().rules.len());
    assert_eq!(rules.topics.len(), shipped().topics.len());
    // Some generated rules match rendered texts, most of them do not.
    let path = WholePath::new(rules, Default::default()).expect("the path builds");
    let mut renderer = Renderer::new(3);
    let mut rng = XorShift64::new(3);
    let (mut matched, mut generated_matches) = (0usize, BTreeSet::new());
    for i in 0..200 {
        let terms = draw_terms(&mut rng, (i % 3 == 0).then_some(i % 6));
        let topics: Vec<usize> = (i % 3 == 0).then_some(i % 6).into_iter().collect();
        let rendered = renderer.render(&SimMessage {
            at: crate::trends::sim::default_start(),
            author: "u",
            topics: &topics,
            terms: &terms,
        });
        let analysis = path.analyze(&rendered.joined());
        let evaluation = path.explain(rendered.channel, &analysis);
        // The pipeline's reason-free path decides exactly what explain says.
        let decided = path.evaluate(rendered.channel, &analysis);
        assert_eq!(decided.actions, evaluation.actions, "{}", rendered.joined());
        assert_eq!(decided.topic_indexes, evaluation.topic_indexes);
        matched += evaluation.matched.len();
        generated_matches.extend(
            evaluation
                .matched
                .iter()
                .filter(|o| o.rule_id.starts_with("bench-"))
                .map(|o| o.rule_id.clone()),
        );
    }
    println!(
        "{:.1} rules matched per message; {} generated rules matched at least once",
        matched as f64 / 200.0,
        generated_matches.len()
    );
    assert!(generated_matches.len() >= 20, "{generated_matches:?}");
    assert!(matched < 200 * 20);
}

/// How one burst was detected.
#[derive(Debug)]
struct Found {
    burst: Burst,
    /// Minutes from onset to firing; None when not firing 5 minutes in.
    delay: Option<i64>,
}

/// What a simulated stream did on the whole path.
#[derive(Debug, Default)]
struct Outcome {
    events: Vec<TrendEvent>,
    messages: usize,
    /// Burst messages that did not match their topic's rule.
    missed_texts: Vec<String>,
    /// Background messages the simulation meant about no topic that matched one.
    stray: usize,
}

/// Renders and feeds the whole stream of `config` through the path.
fn feed(config: SimConfig) -> Outcome {
    let end = config.start + chrono::Duration::from_std(config.duration).unwrap_or_default();
    let mut path = path();
    let seed_rules: Vec<usize> = (0..SEED_TOPICS.len()).map(rule_of).collect();
    let mut renderer = Renderer::new(config.seed);
    let mut out = Outcome::default();
    Sim::new(config).run(|m| {
        let rendered = renderer.render(m);
        let observed = path.observe(m.at, m.author, &rendered);
        out.messages += 1;
        for &k in m.topics {
            if !observed.topics.contains(&seed_rules[k]) && out.missed_texts.len() < 20 {
                out.missed_texts.push(rendered.joined());
            }
        }
        if m.topics.is_empty() && !observed.topics.is_empty() {
            out.stray += 1;
        }
        out.events.extend(observed.events);
    });
    out.events.extend(path.advance(end));
    out
}

/// Each burst's detection delay (the topic's last event up to 5 minutes
/// after onset says whether it fires), and the firings outside bursts.
fn judge(events: &[TrendEvent], bursts: &[Burst]) -> (Vec<Found>, Vec<TrendEvent>) {
    let mut found = Vec::new();
    for b in bursts {
        let id = SEED_TOPIC_RULES[b.topic];
        let deadline = b.onset + chrono::Duration::minutes(5);
        let last = events
            .iter()
            .rev()
            .find(|e| e.topic() == id && e.at() <= deadline);
        let delay = match last {
            Some(TrendEvent::Firing { at, .. }) => Some((*at - b.onset).num_minutes().max(0)),
            _ => None,
        };
        found.push(Found {
            burst: b.clone(),
            delay,
        });
    }
    let during = |e: &TrendEvent| {
        bursts.iter().any(|b| {
            SEED_TOPIC_RULES[b.topic] == e.topic()
                && e.at() >= b.onset
                && e.at() <= b.onset + chrono::Duration::from_std(b.duration).unwrap_or_default()
        })
    };
    let outside = events
        .iter()
        .filter(|e| matches!(e, TrendEvent::Firing { .. }) && !during(e))
        .cloned()
        .collect();
    (found, outside)
}

fn print_found(found: &[Found], outside: &[TrendEvent]) {
    for f in found {
        let b = &f.burst;
        match f.delay {
            Some(d) => println!(
                "{} ({}) +{}/min at {}: fired after {d} min",
                SEED_TOPICS[b.topic], SEED_TOPIC_RULES[b.topic], b.per_minute, b.onset
            ),
            None => println!(
                "{} ({}) +{}/min at {}: NOT firing 5 min in",
                SEED_TOPICS[b.topic], SEED_TOPIC_RULES[b.topic], b.per_minute, b.onset
            ),
        }
    }
    for e in outside {
        println!("  alarm outside the bursts: {} {e}", e.at());
    }
}

/// `start + days + hours + minutes`.
fn at(start: DateTime<Utc>, days: i64, hours: i64, minutes: i64) -> DateTime<Utc> {
    start
        + chrono::Duration::days(days)
        + chrono::Duration::hours(hours)
        + chrono::Duration::minutes(minutes)
}

/// One burst of each seed topic on day 2, at busy, quiet and night hours,
/// `per_minute[k]` extra authors a minute once ramped up over 2 minutes.
fn day_two_bursts(start: DateTime<Utc>, per_minute: [u32; 6]) -> Vec<Burst> {
    const HOURS: [(i64, i64); 6] = [(10, 5), (21, 10), (3, 40), (15, 20), (13, 0), (8, 30)];
    (0..SEED_TOPICS.len())
        .map(|k| Burst {
            topic: k,
            onset: at(start, 1, HOURS[k].0, HOURS[k].1),
            duration: Duration::from_secs(40 * 60),
            per_minute: per_minute[k],
            ramp: Duration::from_secs(120),
        })
        .collect()
}

#[test]
fn whole_path_fires_for_every_seed_topic_burst_within_five_minutes() {
    // Day 1: background only (the engine warms up on it); day 2: one
    // burst per topic. Debug builds run a third of the volume.
    let start = crate::trends::sim::default_start();
    let per_day = if cfg!(debug_assertions) {
        20_000.0
    } else {
        60_000.0
    };
    let bursts = day_two_bursts(start, [10; 6]);
    let config = SimConfig {
        seed: 17,
        duration: Duration::from_secs(2 * 86_400),
        messages_per_day: per_day,
        bursts: bursts.clone(),
        ..SimConfig::default()
    };
    let out = feed(config);
    let (found, outside) = judge(&out.events, &bursts);
    println!(
        "{} messages, {} background messages about a topic",
        out.messages, out.stray
    );
    print_found(&found, &outside);
    assert!(out.missed_texts.is_empty(), "{:#?}", out.missed_texts);
    let day_one: Vec<_> = outside
        .iter()
        .filter(|e| e.at() < at(start, 1, 0, 0))
        .collect();
    assert!(day_one.len() <= 1, "false alarms on day 1: {day_one:?}");
    let late: Vec<_> = found.iter().filter(|f| f.delay.is_none()).collect();
    assert!(late.is_empty(), "{late:#?}");
}

#[test]
#[ignore = "a simulated week through the whole path: run in release"]
fn whole_path_week_with_bursts_of_every_size() {
    let start = crate::trends::sim::default_start();
    let bursts = burst_schedule(start, &[5, 8, 10, 30, 60]);
    let config = SimConfig {
        seed: 7,
        bursts: bursts.clone(),
        ..SimConfig::default()
    };
    let out = feed(config);
    let (found, outside) = judge(&out.events, &bursts);
    println!(
        "{} messages, {} background messages about a topic",
        out.messages, out.stray
    );
    print_found(&found, &outside);
    let mut by_size: Vec<(u32, usize, usize)> = Vec::new();
    for f in &found {
        let b = &f.burst;
        match by_size.iter_mut().find(|s| s.0 == b.per_minute) {
            Some(s) => {
                s.1 += 1;
                s.2 += usize::from(f.delay.is_some());
            }
            None => by_size.push((b.per_minute, 1, usize::from(f.delay.is_some()))),
        }
    }
    for (size, n, ok) in &by_size {
        println!("+{size}/min: {ok} of {n} firing within 5 minutes");
    }
    assert!(out.missed_texts.is_empty(), "{:#?}", out.missed_texts);
    let big: Vec<_> = found
        .iter()
        .filter(|f| f.burst.per_minute >= 10 && f.delay.is_none())
        .collect();
    assert!(big.is_empty(), "{big:#?}");
}

#[test]
#[ignore = "three simulated weeks through the whole path: run in release"]
fn whole_path_background_weeks_raise_at_most_one_alarm() {
    for seed in [11u64, 12, 13] {
        let config = SimConfig {
            seed,
            ..SimConfig::default()
        };
        let out = feed(config);
        let alarms: Vec<_> = out
            .events
            .iter()
            .filter(|e| matches!(e, TrendEvent::Firing { .. }))
            .collect();
        println!(
            "seed {seed}: {} messages, {} about a topic by accident, {} false alarms",
            out.messages,
            out.stray,
            alarms.len()
        );
        for e in &alarms {
            println!("  {} {e}", e.at());
        }
        assert!(alarms.len() <= 1, "seed {seed}: {alarms:#?}");
    }
}

#[test]
#[ignore = "prints rendered texts for a look: --ignored --nocapture"]
fn print_a_sample_of_rendered_texts() {
    let (corpus, _) = corpus(1, 150_000);
    let background = corpus.iter().step_by(5_000);
    let bursts = corpus
        .iter()
        .filter(|i| i.author.starts_with('b'))
        .step_by(40);
    for item in background.chain(bursts) {
        println!(
            "{} {:?} {}: {}",
            item.at,
            item.channel,
            item.author,
            item.text.replace('\n', " ⏎ ")
        );
    }
}
