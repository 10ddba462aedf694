//! The figures of `omnilisten bench rules`, as text and JSON.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::path::Stages;
use super::{TARGET_MEMORY_BYTES, TARGET_PER_SEC};

/// The timed corpus.
#[derive(Debug, Clone)]
pub struct CorpusFigures {
    /// Messages.
    pub messages: usize,
    /// UTF-8 bytes of what is analyzed.
    pub bytes: usize,
    /// Mean characters per message.
    pub mean_chars: f64,
    /// Seed-topic bursts in the simulated week.
    pub bursts: usize,
    /// Share of messages about at least one topic (a sample).
    pub about_topic: f64,
    /// Share of messages with an emoji (a sample).
    pub with_emoji: f64,
    /// Time of the first message.
    pub first: Option<DateTime<Utc>>,
    /// Time of the last message.
    pub last: Option<DateTime<Utc>>,
    /// Time to generate and render it (not timed below).
    pub render_time: Duration,
}

/// One timed pass.
#[derive(Debug, Clone)]
pub struct RunFigures {
    /// Messages.
    pub messages: usize,
    /// UTF-8 bytes analyzed.
    pub bytes: usize,
    /// Wall time of the pass.
    pub elapsed: Duration,
    /// Time per stage, summed over the messages.
    pub stages: Stages,
    /// Median time per message.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest message.
    pub max: Duration,
    /// Topics that fired.
    pub firings: usize,
    /// Topics that resolved.
    pub resolutions: usize,
    /// The engine's memory at the end.
    pub engine_bytes: usize,
}

impl RunFigures {
    /// Messages per second of wall time.
    pub fn per_sec(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Megabytes (10⁶) of text per second.
    pub fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Mean microseconds per message of a stage's summed time.
    pub fn mean_us(&self, stage: Duration) -> f64 {
        stage.as_secs_f64() * 1e6 / self.messages.max(1) as f64
    }

    /// Shares of analysis, rules and trends in the staged time.
    pub fn shares(&self) -> [f64; 3] {
        let total = self.stages.total().as_secs_f64().max(1e-12);
        [
            self.stages.analysis.as_secs_f64() / total,
            self.stages.rules.as_secs_f64() / total,
            self.stages.trends.as_secs_f64() / total,
        ]
    }
}

/// The memory phase.
#[derive(Debug, Clone)]
pub struct MemoryFigures {
    /// Never-seen terms that reached the engine.
    pub distinct_terms: usize,
    /// Messages that carried them.
    pub messages: usize,
    /// Wall time of the phase.
    pub elapsed: Duration,
    /// `TrendEngine::memory_bytes` of the fresh engine.
    pub engine_before: usize,
    /// … after the terms.
    pub engine_after: usize,
    /// `TrendEngine::emerging_memory_bytes` of the fresh engine.
    pub emerging_before: usize,
    /// … after the terms.
    pub emerging_after: usize,
    /// Process RSS before the engine was made.
    pub rss_before: usize,
    /// … after the terms.
    pub rss_after: usize,
}

impl MemoryFigures {
    /// RSS growth over the phase (0 if it shrank).
    pub fn rss_growth(&self) -> usize {
        self.rss_after.saturating_sub(self.rss_before)
    }

    /// Whether both the engine's account and the RSS growth are under the target.
    pub fn passed(&self) -> bool {
        self.engine_after < TARGET_MEMORY_BYTES && self.rss_growth() < TARGET_MEMORY_BYTES
    }
}

/// Everything `omnilisten bench rules` measured.
#[derive(Debug, Clone)]
pub struct RulesReport {
    /// Rules in force.
    pub rules: usize,
    /// How many of them were generated.
    pub generated: usize,
    /// Topics.
    pub topics: usize,
    /// The corpus.
    pub corpus: CorpusFigures,
    /// The timed passes.
    pub runs: Vec<RunFigures>,
    /// The memory phase, unless skipped.
    pub memory: Option<MemoryFigures>,
}

/// The median of `values` (the upper one of an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The medians of a report's runs.
#[derive(Debug, Clone, Copy)]
struct Medians {
    per_sec: f64,
    mb_per_sec: f64,
    p50_us: f64,
    p99_us: f64,
    shares: [f64; 3],
}

impl RulesReport {
    fn medians(&self) -> Medians {
        let of = |f: &dyn Fn(&RunFigures) -> f64| median(self.runs.iter().map(f).collect());
        Medians {
            per_sec: of(&|r| r.per_sec()),
            mb_per_sec: of(&|r| r.mb_per_sec()),
            p50_us: of(&|r| r.p50.as_secs_f64() * 1e6),
            p99_us: of(&|r| r.p99.as_secs_f64() * 1e6),
            shares: [
                of(&|r| r.shares()[0]),
                of(&|r| r.shares()[1]),
                of(&|r| r.shares()[2]),
            ],
        }
    }

    /// Whether the median throughput met the target.
    pub fn throughput_met(&self) -> bool {
        self.medians().per_sec >= TARGET_PER_SEC
    }

    /// Whether the memory target was met (or not measured). Throughput is
    /// reported against its target but does not fail the command: it
    /// depends on the machine, memory does not.
    pub fn passed(&self) -> bool {
        self.memory.as_ref().is_none_or(MemoryFigures::passed)
    }

    /// The report as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let m = self.medians();
        let runs: Vec<serde_json::Value> = self
            .runs
            .iter()
            .map(|r| {
                let [analysis, rules, trends] = r.shares();
                serde_json::json!({
                    "messages": r.messages,
                    "seconds": r.elapsed.as_secs_f64(),
                    "messages_per_sec": r.per_sec(),
                    "mb_per_sec": r.mb_per_sec(),
                    "p50_us": r.p50.as_secs_f64() * 1e6,
                    "p99_us": r.p99.as_secs_f64() * 1e6,
                    "max_us": r.max.as_secs_f64() * 1e6,
                    "share": {"analysis": analysis, "rules": rules, "trends": trends},
                    "mean_us": {
                        "analysis": r.mean_us(r.stages.analysis),
                        "rules": r.mean_us(r.stages.rules),
                        "trends": r.mean_us(r.stages.trends),
                    },
                    "firings": r.firings,
                    "resolutions": r.resolutions,
                    "engine_bytes": r.engine_bytes,
                })
            })
            .collect();
        let c = &self.corpus;
        serde_json::json!({
            "rules": self.rules,
            "generated_rules": self.generated,
            "topics": self.topics,
            "corpus": {
                "messages": c.messages,
                "bytes": c.bytes,
                "mean_chars": c.mean_chars,
                "bursts": c.bursts,
                "about_topic": c.about_topic,
                "with_emoji": c.with_emoji,
                "render_seconds": c.render_time.as_secs_f64(),
            },
            "runs": runs,
            "median": {
                "messages_per_sec": m.per_sec,
                "mb_per_sec": m.mb_per_sec,
                "p50_us": m.p50_us,
                "p99_us": m.p99_us,
                "share": {"analysis": m.shares[0], "rules": m.shares[1], "trends": m.shares[2]},
                "target_messages_per_sec": TARGET_PER_SEC,
                "target_met": m.per_sec >= TARGET_PER_SEC,
            },
            "memory": self.memory.as_ref().map(|mem| serde_json::json!({
                "distinct_terms": mem.distinct_terms,
                "messages": mem.messages,
                "seconds": mem.elapsed.as_secs_f64(),
                "engine_bytes_before": mem.engine_before,
                "engine_bytes_after": mem.engine_after,
                "emerging_bytes_before": mem.emerging_before,
                "emerging_bytes_after": mem.emerging_after,
                "rss_bytes_before": mem.rss_before,
                "rss_bytes_after": mem.rss_after,
                "rss_growth_bytes": mem.rss_growth(),
                "target_bytes": TARGET_MEMORY_BYTES,
                "target_met": mem.passed(),
            })),
            "passed": self.passed(),
        })
    }
}

/// Bytes as MB (10⁶).
fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// A percentage.
fn pct(share: f64) -> f64 {
    share * 100.0
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

impl fmt::Display for RulesReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "analysis → {} rules ({} shipped + {} generated) and {} topics → trend engine, one thread",
            self.rules,
            self.rules - self.generated,
            self.generated,
            self.topics
        )?;
        let c = &self.corpus;
        let span = match (c.first, c.last) {
            (Some(a), Some(b)) => format!(", {:.1} days", (b - a).num_minutes() as f64 / 1440.0),
            _ => String::new(),
        };
        writeln!(
            f,
            "corpus: {} messages of a simulated week{span} with {} seed-topic bursts, {:.1} MB, {:.1} characters each on average, {:.1}% about a topic, {:.1}% with emoji (rendered in {:.1} s, not timed)",
            c.messages,
            c.bursts,
            mb(c.bytes),
            c.mean_chars,
            pct(c.about_topic),
            pct(c.with_emoji),
            c.render_time.as_secs_f64()
        )?;
        for (i, r) in self.runs.iter().enumerate() {
            let [analysis, rules, trends] = r.shares();
            writeln!(
                f,
                "run {}: {:.0} msg/s, {:.2} MB/s; per message p50 {:.1} µs, p99 {:.1} µs, max {:.0} µs; mean analysis {:.1} µs ({:.0}%), rules {:.1} µs ({:.0}%), trends {:.1} µs ({:.0}%); {} firings, {} resolved; engine {:.1} MB",
                i + 1,
                r.per_sec(),
                r.mb_per_sec(),
                r.p50.as_secs_f64() * 1e6,
                r.p99.as_secs_f64() * 1e6,
                r.max.as_secs_f64() * 1e6,
                r.mean_us(r.stages.analysis),
                pct(analysis),
                r.mean_us(r.stages.rules),
                pct(rules),
                r.mean_us(r.stages.trends),
                pct(trends),
                r.firings,
                r.resolutions,
                mb(r.engine_bytes)
            )?;
        }
        let m = self.medians();
        writeln!(
            f,
            "median of {} runs: {:.0} msg/s (target {:.0} on one core: {}), {:.2} MB/s; p50 {:.1} µs, p99 {:.1} µs; analysis {:.0}%, rules {:.0}%, trends {:.0}%",
            self.runs.len(),
            m.per_sec,
            TARGET_PER_SEC,
            met(m.per_sec >= TARGET_PER_SEC),
            m.mb_per_sec,
            m.p50_us,
            m.p99_us,
            pct(m.shares[0]),
            pct(m.shares[1]),
            pct(m.shares[2])
        )?;
        if let Some(mem) = &self.memory {
            write!(
                f,
                "trend state after {} distinct new terms ({} messages through the whole path in {:.1} s): engine {:.1} → {:.1} MB (emerging terms {:.1} → {:.1} MB); process RSS {:.1} → {:.1} MB, +{:.1} MB (target under {} MiB: {})",
                mem.distinct_terms,
                mem.messages,
                mem.elapsed.as_secs_f64(),
                mb(mem.engine_before),
                mb(mem.engine_after),
                mb(mem.emerging_before),
                mb(mem.emerging_after),
                mb(mem.rss_before),
                mb(mem.rss_after),
                mb(mem.rss_growth()),
                TARGET_MEMORY_BYTES / (1024 * 1024),
                met(mem.passed())
            )?;
        }
        Ok(())
    }
}
