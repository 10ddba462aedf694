//! What the engine reports: a topic started or stopped trending, with the
//! numbers that explain why (trending.md §0: "spike alerts against a seasonal
//! baseline with an explanation of *why*").

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A change in a topic's trending state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrendEvent {
    /// The topic's window has been improbably busy for at least `for`.
    Firing {
        /// The topic's id.
        topic: String,
        /// When it fired (the minute boundary at which it was evaluated).
        at: DateTime<Utc>,
        /// When the burst condition first held (the start of pending).
        onset: DateTime<Utc>,
        /// Unique authors in the window ending at `at`.
        count: u32,
        /// Expected unique authors in that window (after the floor).
        baseline: f64,
        /// `P(X ≥ count)` under the baseline; never 0 (clamped to the
        /// smallest normal `f64` for astronomically unlikely counts).
        p_value: f64,
        /// The window length.
        window: Duration,
        /// How the baseline was obtained.
        basis: BaselineBasis,
    },
    /// The topic is no longer trending (after `keep_firing_for`).
    Resolved {
        /// The topic's id.
        topic: String,
        /// When it resolved.
        at: DateTime<Utc>,
    },
}

impl TrendEvent {
    /// The id of the topic the event is about.
    pub fn topic(&self) -> &str {
        match self {
            TrendEvent::Firing { topic, .. } | TrendEvent::Resolved { topic, .. } => topic,
        }
    }

    /// When the event happened (message time).
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            TrendEvent::Firing { at, .. } | TrendEvent::Resolved { at, .. } => *at,
        }
    }
}

/// Where a firing topic's expected count came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BaselineBasis {
    /// Median share at the same time of day over this many previous days.
    Seasonal {
        /// Days with usable history (1–7).
        days: u32,
    },
    /// The topic's share over its first hours (less than a day of history).
    WarmUp {
        /// Minutes of history behind the estimate.
        minutes: u32,
    },
}

impl fmt::Display for TrendEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrendEvent::Firing {
                topic,
                count,
                baseline,
                p_value,
                window,
                basis,
                ..
            } => {
                let minutes = window.as_secs() / 60;
                write!(
                    f,
                    "{topic}: {count} authors in {minutes} min vs {baseline:.1} expected"
                )?;
                match basis {
                    BaselineBasis::Seasonal { days } => {
                        write!(f, " at this hour ({days}-day seasonal baseline)")?
                    }
                    BaselineBasis::WarmUp { minutes } => write!(
                        f,
                        " from its first {:.1} h (no seasonal history yet)",
                        f64::from(*minutes) / 60.0
                    )?,
                }
                if *p_value <= f64::MIN_POSITIVE {
                    write!(f, ", p<1e-300")
                } else {
                    write!(f, ", p={p_value:.1e}")
                }
            }
            TrendEvent::Resolved { topic, .. } => write!(f, "{topic}: no longer trending"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reads_like_a_sentence() {
        let at = Utc
            .with_ymd_and_hms(2025, 12, 3, 2, 0, 0)
            .single()
            .unwrap_or_default();
        let e = TrendEvent::Firing {
            topic: "花呗逾期".into(),
            at,
            onset: at,
            count: 43,
            baseline: 3.1,
            p_value: 2e-19,
            window: Duration::from_secs(600),
            basis: BaselineBasis::Seasonal { days: 7 },
        };
        assert_eq!(
            e.to_string(),
            "花呗逾期: 43 authors in 10 min vs 3.1 expected at this hour (7-day seasonal baseline), p=2.0e-19"
        );
    }
}
