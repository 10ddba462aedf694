//! What the engine is told: the topics to watch and the engine's options.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::detector::Timing;
use super::emerging::EmergingOptions;
use super::series::{DAY, MINUTES_KEPT};

/// One watched topic (a rule's `[rule.trigger]`, trending.md §4.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicSpec {
    /// Stable id; state survives [`super::TrendEngine::replace_topics`] by id.
    pub id: String,
    /// The window whose unique authors are counted (1 min to 2 days).
    pub window: Duration,
    /// Unique authors the window needs at least (≥ 1).
    pub min_count: u32,
    /// How many times the baseline the window needs at least.
    pub min_ratio: f64,
    /// Fire when `P(X ≥ count | baseline)` is below this (`surprise = { p_value }`).
    pub p_value: f64,
    /// `for`: how long the condition must hold before firing.
    pub for_: Duration,
    /// How long the topic keeps firing after the condition stops holding.
    pub keep_firing_for: Duration,
    /// After resolving, how long before the topic may fire again.
    pub cooldown: Duration,
    /// The smallest expected count per window (quiet topics, cold start).
    pub lambda_floor: f64,
}

impl Default for TopicSpec {
    /// The defaults documented (and justified) in the module docs of
    /// [`super`]; all but `for` match `rules::topic::Trigger`'s.
    fn default() -> TopicSpec {
        TopicSpec {
            id: String::new(),
            window: Duration::from_secs(10 * 60),
            min_count: 8,
            min_ratio: 3.0,
            p_value: 1e-4,
            for_: Duration::from_secs(60),
            keep_firing_for: Duration::from_secs(30 * 60),
            cooldown: Duration::from_secs(2 * 3600),
            lambda_floor: 0.5,
        }
    }
}

/// Whole minutes in `d`, rounded up, saturating.
pub(crate) fn minutes(d: Duration) -> i64 {
    let secs = d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));
    i64::try_from(secs.div_ceil(60))
        .unwrap_or(i64::MAX)
        .min(i64::MAX / 4)
}

impl TopicSpec {
    /// The same spec with every field in its valid range (a NaN or
    /// out-of-range value falls back to the default or the nearest bound),
    /// so nothing downstream can misbehave on a bad config value.
    pub(crate) fn sanitized(mut self) -> TopicSpec {
        let d = TopicSpec::default();
        let window = minutes(self.window).clamp(1, MINUTES_KEPT);
        self.window = Duration::from_secs(window as u64 * 60);
        self.min_count = self.min_count.max(1);
        if !self.min_ratio.is_finite() || self.min_ratio < 0.0 {
            self.min_ratio = d.min_ratio;
        }
        if !(self.p_value > 0.0 && self.p_value <= 1.0) {
            self.p_value = d.p_value;
        }
        if !(self.lambda_floor.is_finite() && self.lambda_floor > 0.0) {
            self.lambda_floor = d.lambda_floor;
        }
        self.lambda_floor = self.lambda_floor.max(1e-6);
        self
    }

    /// The window in minutes (the spec is sanitized).
    pub(crate) fn window_minutes(&self) -> i64 {
        minutes(self.window).clamp(1, MINUTES_KEPT)
    }

    /// The durations in minutes, at most 28 days each (a gap in message
    /// time is evaluated minute by minute until firing topics resolve).
    pub(crate) fn timing(&self) -> Timing {
        let cap = |d| minutes(d).min(28 * DAY);
        Timing {
            hold: cap(self.for_),
            keep: cap(self.keep_firing_for),
            cooldown: cap(self.cooldown),
        }
    }
}

/// Engine-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineOptions {
    /// Messages up to this late (message time behind the newest seen) still
    /// count in their own minute, deduplicated; older ones only add to the
    /// rings that still hold their minute.
    pub late: Duration,
    /// Previous days the seasonal baseline looks at (1–28).
    pub baseline_days: u32,
    /// Minutes added on each side of the same-time-of-day reference window.
    pub baseline_halo: Duration,
    /// Divide each topic's `p_value` by the number of topics (Bonferroni).
    pub bonferroni: bool,
    /// Layer B, emerging terms.
    pub emerging: EmergingOptions,
}

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions {
            late: Duration::from_secs(10 * 60),
            baseline_days: 7,
            baseline_halo: Duration::from_secs(30 * 60),
            bonferroni: false,
            emerging: EmergingOptions::default(),
        }
    }
}

impl EngineOptions {
    /// The same options with every field in its valid range.
    pub(crate) fn sanitized(mut self) -> EngineOptions {
        let late = minutes(self.late).clamp(1, 60);
        self.late = Duration::from_secs(late as u64 * 60);
        self.baseline_days = self.baseline_days.clamp(1, 28);
        let halo = minutes(self.baseline_halo).clamp(0, 6 * 60);
        self.baseline_halo = Duration::from_secs(halo as u64 * 60);
        self.emerging = self.emerging.sanitized();
        self
    }

    /// Open minutes per counter.
    pub(crate) fn late_minutes(&self) -> i64 {
        minutes(self.late).clamp(1, 60)
    }
}
