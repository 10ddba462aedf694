//! `omnilisten bench rules`: messages per second through the per-message
//! path — text analysis, a rule set of realistic size (the shipped rules
//! plus generated ones, 100 by default) with the shipped topics, and the
//! trend engine — on one thread, and the memory of the trend state after a
//! million distinct terms.
//!
//! The input is a simulated week (`trends::sim`, with seed-topic bursts)
//! rendered into Chinese complaint texts (`text`), rendered before timing.
//! The rules are written to a scratch tree and loaded through the config
//! loader, so what is timed is the code the daemon runs. The store, dedup
//! and tickets are not in the path (`omnilisten bench` times those).
//!
//! | file | owns |
//! | --- | --- |
//! | `phrases` | the sentences, clauses and decorations texts are built from |
//! | `text` | rendering a simulated message into a text |
//! | `variants` | traditional characters and full-width forms |
//! | `ruleset` | the scratch rules tree, generated rules, topic specs |
//! | `path` | analysis → rules → trends for one message |
//! | `measure` | the timed runs and the memory phase |
//! | `report` | figures, text and JSON |

mod measure;
mod path;
mod phrases;
mod report;
mod ruleset;
mod text;
mod variants;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

pub use path::{Observed, Stages, WholePath};
pub use report::{CorpusFigures, MemoryFigures, RulesReport, RunFigures};
pub use ruleset::{SEED_TOPIC_RULES, generated_rules, spec_of, topic_specs};
pub use text::{Mix, Rendered, Renderer};
pub use variants::{to_full_width, to_traditional};

use super::BenchError;
use crate::model::Channel;
use crate::trends::sim::{Burst, SEED_TOPICS, Sim, SimConfig, default_start};

/// Options of `omnilisten bench rules`.
#[derive(Debug, Clone, clap::Args)]
pub struct RulesBenchArgs {
    /// Messages rendered from the simulated week and timed in each run.
    #[arg(long, default_value_t = 200_000)]
    pub messages: usize,
    /// Rules in force: the shipped ones plus generated ones up to this many.
    #[arg(long, default_value_t = 100)]
    pub rules: usize,
    /// Timed runs; the report gives each and their median.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Distinct new terms fed through the whole path in the memory phase (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    pub distinct_terms: usize,
    /// The rules directory the tree is copied from.
    #[arg(long, default_value = "rules")]
    pub rules_dir: PathBuf,
    /// Seed of the simulation and of the texts.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Scratch directory for the rules tree (removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The throughput target on one core (issue 6).
pub const TARGET_PER_SEC: f64 = 20_000.0;
/// The memory target of the trend state after a million distinct terms.
pub const TARGET_MEMORY_BYTES: usize = 64 * 1024 * 1024;

/// One message of the timed corpus, rendered.
#[derive(Debug, Clone)]
pub struct Item {
    /// Message time.
    pub at: DateTime<Utc>,
    /// Author id.
    pub author: String,
    /// The channel it came on.
    pub channel: Channel,
    /// Subject and text joined, as the pipeline analyzes them.
    pub text: String,
}

/// Runs the benchmark: loads the rules, measures the memory phase first
/// (so the process's RSS is not yet shaped by the corpus), renders the
/// corpus and times `runs` passes over it.
pub fn run(args: &RulesBenchArgs) -> Result<RulesReport, BenchError> {
    if args.messages == 0 || args.runs == 0 {
        return Err(BenchError::Args(
            "--messages and --runs must be at least 1".into(),
        ));
    }
    let scratch = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("omnilisten-bench-rules-{}", std::process::id()))
    });
    let loaded = ruleset::load_with_generated(&args.rules_dir, &scratch, args.rules);
    let _ = std::fs::remove_dir_all(&scratch);
    let (rules, generated) = loaded?;
    let (rule_count, topic_count) = (rules.rules.len(), rules.topics.len());
    let mut path = WholePath::new(rules, Default::default())?;

    let memory = (args.distinct_terms > 0)
        .then(|| measure::memory(&mut path, args.distinct_terms))
        .transpose()?;

    let started = Instant::now();
    let (corpus, bursts) = corpus(args.seed, args.messages);
    let render_time = started.elapsed();
    let corpus_figures = measure::describe(&path, &corpus, bursts, render_time);

    let mut runs = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        runs.push(measure::timed(&mut path, &corpus));
    }
    Ok(RulesReport {
        rules: rule_count,
        generated,
        topics: topic_count,
        corpus: corpus_figures,
        runs,
        memory,
    })
}

/// The seed-topic bursts of a simulated week starting at `start`: each
/// topic at each of `sizes` extra authors per minute, on days 1 to 5 at
/// hours that cover the daily peaks and the night (as the trend engine's
/// own tests schedule them).
pub fn burst_schedule(start: DateTime<Utc>, sizes: &[u32]) -> Vec<Burst> {
    const HOURS: [i64; 11] = [10, 21, 4, 15, 13, 0, 8, 19, 22, 11, 2];
    let mut bursts = Vec::new();
    for topic in 0..SEED_TOPICS.len() {
        for (i, &per_minute) in sizes.iter().enumerate() {
            let day = 1 + i as i64 % 6;
            let hour = HOURS[(topic + 2 * i) % HOURS.len()];
            let offset = chrono::Duration::days(day)
                + chrono::Duration::hours(hour)
                + chrono::Duration::minutes(7 * topic as i64);
            bursts.push(Burst {
                topic,
                onset: start + offset,
                duration: Duration::from_secs(40 * 60),
                per_minute,
                ramp: Duration::from_secs(120),
            });
        }
    }
    bursts
}

/// The first `messages` messages of the simulated traffic (60,000 a
/// weekday, bursts of every seed topic on days 1 to 5; longer than a week
/// when more messages are asked for), rendered; and the number of bursts.
pub fn corpus(seed: u64, messages: usize) -> (Vec<Item>, usize) {
    let start = default_start();
    let bursts = burst_schedule(start, &[5, 8, 10, 30, 60]);
    let count = bursts.len();
    let defaults = SimConfig::default();
    // Enough days for the messages asked for (weekends are quieter, bursts
    // add some), at least a week.
    let days = (messages as f64 / defaults.messages_per_day / 0.9).ceil() as u64;
    let config = SimConfig {
        seed,
        duration: Duration::from_secs(days.max(7) * 86_400),
        bursts,
        ..defaults
    };
    let mut renderer = Renderer::new(seed);
    let mut items = Vec::with_capacity(messages);
    Sim::new(config).run(|m| {
        if items.len() < messages {
            let rendered = renderer.render(m);
            items.push(Item {
                at: m.at,
                author: m.author.to_string(),
                channel: rendered.channel,
                text: rendered.joined(),
            });
        }
    });
    (items, count)
}
