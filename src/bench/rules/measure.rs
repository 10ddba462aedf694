//! The measurements: timed passes over the corpus, and the trend state's
//! memory after a stream of never-seen terms.

use std::time::{Duration, Instant};

use super::path::{Stages, WholePath};
use super::report::{CorpusFigures, MemoryFigures, RunFigures};
use super::{BenchError, Item};
use crate::analysis::normalize::is_emoji;
use crate::trends::sim::default_start;
use crate::trends::{EngineOptions, TrendEvent};

/// One pass over `corpus` with a fresh engine, every message timed stage
/// by stage. Each stage's results are dropped inside its own timing, so
/// freeing them is charged where it is caused.
pub(super) fn timed(path: &mut WholePath, corpus: &[Item]) -> RunFigures {
    path.reset(EngineOptions::default());
    let mut latencies: Vec<u32> = Vec::with_capacity(corpus.len());
    let mut stages = Stages::default();
    let (mut firings, mut resolutions) = (0usize, 0usize);
    let started = Instant::now();
    for item in corpus {
        let t0 = Instant::now();
        let analysis = path.analyze(&item.text);
        let t1 = Instant::now();
        let topics = path.evaluate(item.channel, &analysis).topic_indexes;
        let t2 = Instant::now();
        let (terms, events) = path.count(item.at, &item.author, &topics, analysis);
        drop(terms);
        let t3 = Instant::now();
        for event in &events {
            match event {
                TrendEvent::Firing { .. } => firings += 1,
                TrendEvent::Resolved { .. } => resolutions += 1,
            }
        }
        stages.analysis += t1 - t0;
        stages.rules += t2 - t1;
        stages.trends += t3 - t2;
        latencies.push(u32::try_from((t3 - t0).as_nanos()).unwrap_or(u32::MAX));
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    RunFigures {
        messages: corpus.len(),
        bytes: corpus.iter().map(|i| i.text.len()).sum(),
        elapsed,
        stages,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: percentile(&latencies, 1.0),
        firings,
        resolutions,
        engine_bytes: path.engine().memory_bytes(),
    }
}

/// What the corpus holds, measured once (not timed).
pub(super) fn describe(
    path: &WholePath,
    corpus: &[Item],
    bursts: usize,
    render_time: Duration,
) -> CorpusFigures {
    let bytes: usize = corpus.iter().map(|i| i.text.len()).sum();
    let chars: usize = corpus.iter().map(|i| i.text.chars().count()).sum();
    let mut about_topic = 0;
    let mut with_emoji = 0;
    // A sample is enough for the shares.
    let step = (corpus.len() / 20_000).max(1);
    let mut sampled = 0;
    for item in corpus.iter().step_by(step) {
        sampled += 1;
        let analysis = path.analyze(&item.text);
        if !path
            .evaluate(item.channel, &analysis)
            .topic_indexes
            .is_empty()
        {
            about_topic += 1;
        }
        if item.text.chars().any(is_emoji) {
            with_emoji += 1;
        }
    }
    let share = |n: usize| n as f64 / sampled.max(1) as f64;
    CorpusFigures {
        messages: corpus.len(),
        bytes,
        mean_chars: chars as f64 / corpus.len().max(1) as f64,
        bursts,
        about_topic: share(about_topic),
        with_emoji: share(with_emoji),
        first: corpus.first().map(|i| i.at),
        last: corpus.last().map(|i| i.at),
        render_time,
    }
}

/// Letters for the never-seen words: no `b`, `f`, `h`, `i`, `l`, `o`, `u`,
/// `z`, so no word contains an alias (`zfb`, `zhifubao`) or reads as a
/// number (`l`, `o`).
const LETTERS: &[u8] = b"acdegjkmnpqrstvwxy";

/// Never-seen words per message: six words and two hashtags.
const NEW_PER_MESSAGE: usize = 8;

/// The `n`-th never-seen word: `q` and `n` in base 18.
fn new_word(mut n: usize) -> String {
    let mut out = vec![b'q'];
    loop {
        out.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
        if n == 0 {
            break;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The `i`-th message of the memory phase: a complaint around six new
/// words and two new hashtags.
fn new_terms_message(i: usize) -> String {
    let base = i * NEW_PER_MESSAGE;
    let words: Vec<String> = (0..6).map(|j| new_word(base + j)).collect();
    format!(
        "支付宝又出了新问题，{} {} {}，还有{}和{}，{}也不行 #新梗{}# #{}话题#",
        words[0],
        words[1],
        words[2],
        words[3],
        words[4],
        words[5],
        new_word(base + 6),
        new_word(base + 7)
    )
}

/// Whether `term` is one of the memory phase's never-seen words or hashtags.
fn is_new_term(term: &str) -> bool {
    term.starts_with('q') || term.starts_with("#新梗") || term.ends_with("话题#")
}

/// Feeds messages carrying never-seen words and hashtags through the whole
/// path, with a fresh engine, until `distinct` of them have reached the
/// engine as terms; reports the engine's own account of its memory and the
/// process's resident memory before and after.
pub(super) fn memory(path: &mut WholePath, distinct: usize) -> Result<MemoryFigures, BenchError> {
    let rss_before = rss_bytes();
    path.reset(EngineOptions::default());
    let engine_before = path.engine().memory_bytes();
    let emerging_before = path.engine().emerging_memory_bytes();
    let t0 = default_start();
    let mut fed = 0usize;
    let mut messages = 0usize;
    let started = Instant::now();
    while fed < distinct {
        let text = new_terms_message(messages);
        // Five messages a second from 5,000 authors: a busy day's rate.
        let at = t0 + chrono::Duration::milliseconds(messages as i64 * 200);
        let author = format!("m{}", messages % 5_000);
        let analysis = path.analyze(&text);
        let topics = path
            .evaluate(crate::model::Channel::Weibo, &analysis)
            .topic_indexes;
        let (terms, _) = path.count(at, &author, &topics, analysis);
        let new = terms.iter().filter(|t| is_new_term(t)).count();
        if new == 0 {
            return Err(BenchError::Args(format!(
                "the analysis kept none of the new words of {text:?}: {terms:?}"
            )));
        }
        fed += new;
        messages += 1;
    }
    let elapsed = started.elapsed();
    Ok(MemoryFigures {
        distinct_terms: fed,
        messages,
        elapsed,
        engine_before,
        engine_after: path.engine().memory_bytes(),
        emerging_before,
        emerging_after: path.engine().emerging_memory_bytes(),
        rss_before,
        rss_after: rss_bytes(),
    })
}

/// The process's resident set (`VmRSS` of /proc/self/status), 0 where
/// unavailable.
pub(super) fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The `q` quantile of sorted nanoseconds.
fn percentile(sorted: &[u32], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    Duration::from_nanos(u64::from(sorted[i.min(sorted.len() - 1)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_words_are_distinct_and_alias_free() {
        let words: Vec<String> = (0..5_000).map(new_word).collect();
        let mut sorted = words.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), words.len());
        assert!(
            words
                .iter()
                .all(|w| !w.contains("zfb") && w.starts_with('q'))
        );
    }
}
