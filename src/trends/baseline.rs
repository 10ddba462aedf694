//! The expected count of a topic's window: cycle-corrected and
//! share-normalized (trending.md §1.2, layer A).
//!
//! For the window `[start, end]` the topic's *share* of all unique-author
//! traffic is looked up at the same time of day on each of the previous
//! `days` days, widened by a halo on both sides (at 15-minute resolution a
//! 10-minute window alone would hold only a handful of counts; the halo gives
//! each day ~70 minutes of evidence). The median of those daily shares
//! (robust to a past burst, §1.2) times the current window's total traffic
//! is the expected count: the daily rhythm of overall volume cancels out, and
//! a topic that is always 1 % of traffic is expected to be 1 % of it now.
//! Buckets in which the topic was bursting are skipped ("never feed buckets
//! that were in a firing state back into the baseline").
//!
//! With no seasonal history yet (the first day of a topic, or after a long
//! outage) the baseline is *warm-up*: the topic's share over the hours it has
//! been watched so far. That estimate is uncertain when the history is short,
//! so the detector then scores with the exact conditional test for two
//! Poisson rates as well (see [`super::topic`]).

use super::series::{BUCKET, DAY, Series, bucket_of};

/// How the expected count was obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Basis {
    /// Median share over this many previous days at the same time of day;
    /// `topic` authors among `total` in those days' reference windows.
    Seasonal { days: u32, topic: u64, total: u64 },
    /// The share so far: `topic` authors among `total` over `minutes`.
    WarmUp {
        topic: u64,
        total: u64,
        minutes: u32,
    },
    /// No history at all: only the floor applies and nothing can fire.
    None,
}

/// The baseline of one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Expected {
    /// Expected count before the floor is applied.
    pub(crate) count: f64,
    /// Where it came from.
    pub(crate) basis: Basis,
}

/// What the baseline reads besides the two series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup {
    /// First minute of the window.
    pub(crate) start: i64,
    /// Last minute of the window (inclusive).
    pub(crate) end: i64,
    /// Unique-author traffic of all topics in the window.
    pub(crate) window_total: u64,
    /// First minute of the topic's usable history (bucket-aligned).
    pub(crate) history_from: i64,
    /// Previous days to look at.
    pub(crate) days: u32,
    /// Minutes added on each side of the same-time-of-day window.
    pub(crate) halo: i64,
}

/// The expected count of `topic` in the window described by `at`.
pub(crate) fn expected(topic: &Series, total: &Series, at: &Lookup) -> Expected {
    let mut shares = [0f64; 32];
    let mut n = 0usize;
    let (mut pooled_hits, mut pooled_traffic) = (0u64, 0u64);
    for day in 1..=i64::from(at.days.min(28)) {
        let shift = day * DAY;
        let from = bucket_of(at.start - shift - at.halo);
        let to = bucket_of(at.end - shift + at.halo);
        let (mut hits, mut traffic) = (0u64, 0u64);
        for bucket in from..=to {
            let first_minute = bucket * BUCKET;
            if first_minute < at.history_from
                || first_minute + BUCKET > at.start
                || topic.is_excluded(bucket)
            {
                continue;
            }
            hits += u64::from(topic.bucket(bucket));
            traffic += u64::from(total.bucket(bucket));
        }
        if traffic > 0 && n < shares.len() {
            shares[n] = hits as f64 / traffic as f64;
            n += 1;
            pooled_hits += hits;
            pooled_traffic += traffic;
        }
    }
    if n > 0 {
        let share = median(&mut shares[..n]);
        return Expected {
            count: share * at.window_total as f64,
            basis: Basis::Seasonal {
                days: n as u32,
                topic: pooled_hits,
                total: pooled_traffic,
            },
        };
    }
    warm_up(topic, total, at)
}

/// The share over the last day before the window, minute by minute.
fn warm_up(topic: &Series, total: &Series, at: &Lookup) -> Expected {
    let from = at.history_from.max(at.start - DAY);
    let (mut hits, mut traffic, mut minutes) = (0u64, 0u64, 0u32);
    let mut minute = from;
    while minute < at.start {
        let bucket = bucket_of(minute);
        let bucket_end = ((bucket + 1) * BUCKET).min(at.start);
        if !topic.is_excluded(bucket) {
            hits += topic.sum(minute, bucket_end - 1);
            traffic += total.sum(minute, bucket_end - 1);
            minutes += (bucket_end - minute) as u32;
        }
        minute = bucket_end;
    }
    if traffic == 0 {
        return Expected {
            count: 0.0,
            basis: Basis::None,
        };
    }
    Expected {
        count: hits as f64 / traffic as f64 * at.window_total as f64,
        basis: Basis::WarmUp {
            topic: hits,
            total: traffic,
            minutes,
        },
    }
}

/// Median of a non-empty slice (mean of the middle two for even lengths).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(end: i64) -> Lookup {
        Lookup {
            start: end - 9,
            end,
            window_total: 1_000,
            history_from: 0,
            days: 7,
            halo: 30,
        }
    }

    #[test]
    fn seasonal_median_of_shares() {
        let now = 10 * DAY + 600;
        let mut topic = Series::new(now);
        let mut total = Series::new(now);
        // 2 % share every day at this hour, except one bursting day at 50 %.
        for day in 1..=7 {
            for m in (now - day * DAY - 60)..(now - day * DAY + 60) {
                total.add(m, 100);
                topic.add(m, if day == 3 { 50 } else { 2 });
            }
        }
        let e = expected(&topic, &total, &lookup(now));
        assert!(matches!(e.basis, Basis::Seasonal { days: 7, .. }));
        assert!((e.count - 20.0).abs() < 1e-9, "{e:?}");
        // Excluding the bursting day's buckets leaves six clean days.
        topic.exclude(now - 3 * DAY - 60, now - 3 * DAY + 60);
        let e = expected(&topic, &total, &lookup(now));
        assert!(matches!(e.basis, Basis::Seasonal { days: 6, .. }));
    }

    #[test]
    fn warm_up_then_nothing() {
        let now = 5_000;
        let mut topic = Series::new(now);
        let mut total = Series::new(now);
        for m in 4_900..4_990 {
            total.add(m, 50);
            topic.add(m, 1);
        }
        let mut at = lookup(now);
        at.history_from = 4_890;
        let e = expected(&topic, &total, &at);
        assert!(matches!(e.basis, Basis::WarmUp { topic: 90, .. }), "{e:?}");
        assert!((e.count - 20.0).abs() < 1e-9);
        at.history_from = now;
        assert_eq!(expected(&topic, &total, &at).basis, Basis::None);
    }
}
