//! One watched topic: its counts, its baseline, its score and its state.
//!
//! The score is the one-sided Poisson tail `P(X ≥ k | λ')` with
//! `λ' = max(λ, lambda_floor)` (trending.md §1.2). The condition is
//! `p < p_value` and `k ≥ min_count` and `k / λ' ≥ min_ratio`; the
//! [`Detector`] turns it into firing and resolved events.
//!
//! During warm-up (no seasonal history yet) λ is the topic's share over the
//! few hours seen so far, an estimate with real uncertainty: a rule added at
//! a busy hour has seen only dozens of its messages. There the p-value is
//! also required to pass the exact conditional test for comparing two
//! Poisson rates (given `k + c` events split between the window and its
//! history, the window's part is `Binomial(k + c, T / (T + H))` under "no
//! change"), which is conservative exactly when the history is short. With
//! no history at all nothing can fire ("insufficient history", §1.2).

use serde::{Deserialize, Serialize};

use super::baseline::{self, Basis, Lookup};
use super::detector::{Detector, Step};
use super::event::{BaselineBasis, TrendEvent};
use super::minute_time;
use super::series::Series;
use super::spec::TopicSpec;
use super::stats::{ln_binomial_sf, ln_poisson_sf};
use super::unique::{OpenMinutes, RecentAuthors};

/// Everything the engine keeps for one topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TopicState {
    /// The sanitized spec.
    pub(crate) spec: TopicSpec,
    /// Unique authors per minute and per 15 minutes.
    pub(crate) series: Series,
    /// The open minutes' author sets.
    pub(crate) open: OpenMinutes,
    /// Authors counted within the last window.
    pub(crate) recent: RecentAuthors,
    /// First minute of usable history (bucket-aligned); `i64::MIN` until
    /// the engine sees its first message.
    pub(crate) history_from: i64,
    /// The alert state.
    pub(crate) detector: Detector,
}

/// Engine-wide inputs of one evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// Seasonal days to look back.
    pub(crate) days: u32,
    /// Halo around the same-time-of-day window, minutes.
    pub(crate) halo: i64,
    /// Divisor of `p_value` (the number of topics under Bonferroni, else 1).
    pub(crate) tests: u32,
}

impl TopicState {
    /// A fresh topic whose series end at `head`.
    pub(crate) fn new(spec: TopicSpec, head: i64, late: i64, history_from: i64) -> TopicState {
        TopicState {
            spec: spec.sanitized(),
            series: Series::new(head),
            open: OpenMinutes::new(late as usize),
            recent: RecentAuthors::new(),
            history_from,
            detector: Detector::default(),
        }
    }

    /// Counts `author` writing at `minute`: at most once per window, and
    /// once per minute while the minute is open (`open` is false for
    /// messages too late to deduplicate per minute).
    pub(crate) fn count(&mut self, minute: i64, author: u64, open: bool) {
        if !self
            .recent
            .admit(author, minute, self.spec.window_minutes())
        {
            return;
        }
        let grown = if open {
            self.open.insert(minute, author)
        } else {
            1
        };
        self.series.add(minute, grown);
    }

    /// Evaluates the window ending at minute `end` (complete), stepping the
    /// detector at the boundary `end + 1`.
    pub(crate) fn evaluate(
        &mut self,
        total: &Series,
        end: i64,
        ctx: Context,
    ) -> Option<TrendEvent> {
        let window = self.spec.window_minutes();
        let start = end - window + 1;
        let count = self.series.sum(start, end);
        let window_total = total.sum(start, end);
        let expected = baseline::expected(
            &self.series,
            total,
            &Lookup {
                start,
                end,
                window_total,
                history_from: self.history_from,
                days: ctx.days,
                halo: ctx.halo,
            },
        );
        let lambda = expected.count.max(self.spec.lambda_floor);
        let ln_p = match expected.basis {
            Basis::Seasonal { topic, total, .. } | Basis::WarmUp { topic, total, .. } => {
                let share = window_total as f64 / (window_total + total) as f64;
                ln_poisson_sf(count, lambda).max(ln_binomial_sf(count, count + topic, share))
            }
            Basis::None => 0.0,
        };
        let alpha = self.spec.p_value / f64::from(ctx.tests.max(1));
        let holds = count >= u64::from(self.spec.min_count)
            && count as f64 >= self.spec.min_ratio * lambda
            && ln_p < alpha.ln();
        if holds {
            self.series.exclude(start, end);
        }
        let now = end + 1;
        let step = self.detector.step(now, holds, self.spec.timing());
        if self.detector.is_firing() {
            self.series.exclude(end, end);
        }
        match step {
            Step::Quiet => None,
            Step::Fire { onset } => Some(TrendEvent::Firing {
                topic: self.spec.id.clone(),
                at: minute_time(now),
                onset: minute_time(onset),
                count: u32::try_from(count).unwrap_or(u32::MAX),
                baseline: lambda,
                p_value: ln_p.exp().max(f64::MIN_POSITIVE),
                window: self.spec.window,
                basis: match expected.basis {
                    Basis::Seasonal { days, .. } => BaselineBasis::Seasonal { days },
                    Basis::WarmUp { minutes, .. } => BaselineBasis::WarmUp { minutes },
                    // Unreachable in practice: without history p = 1.
                    Basis::None => BaselineBasis::WarmUp { minutes: 0 },
                },
            }),
            Step::Resolve => Some(TrendEvent::Resolved {
                topic: self.spec.id.clone(),
                at: minute_time(now),
            }),
        }
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.series.memory_bytes()
            + self.open.memory_bytes()
            + self.recent.memory_bytes()
            + self.spec.id.capacity()
    }
}
