//! Ring buffers of per-minute and per-15-minute counts (trending.md §1.2,
//! layer A: "per-minute u32 ring for 2 days + 15-min ring for 28 days",
//! ≈ 22 KB per series).
//!
//! Minutes are whole minutes since the Unix epoch (`i64`, may be negative).
//! A series covers the minutes `(head − 2 days, head]` exactly and the
//! buckets `(head_bucket − 28 days, head_bucket]`; older reads are 0 and
//! older writes are dropped. A per-bucket bit marks buckets excluded from the
//! topic's baseline because the topic was bursting in them (§1.2: "never feed
//! buckets that were in a firing state back into the baseline").

use serde::{Deserialize, Serialize};

/// Minutes in a day.
pub(crate) const DAY: i64 = 1_440;
/// Minutes kept at one-minute resolution: 2 days.
pub(crate) const MINUTES_KEPT: i64 = 2 * DAY;
/// Minutes per coarse bucket.
pub(crate) const BUCKET: i64 = 15;
/// Coarse buckets kept: 28 days.
pub(crate) const BUCKETS_KEPT: i64 = 28 * DAY / BUCKET;

/// The coarse bucket a minute falls in.
pub(crate) fn bucket_of(minute: i64) -> i64 {
    minute.div_euclid(BUCKET)
}

/// Ring slot of `index` in a ring of `len`.
fn slot(index: i64, len: i64) -> usize {
    // rem_euclid of a positive len is in 0..len, so the cast is lossless.
    index.rem_euclid(len) as usize
}

/// One counted quantity (a topic's unique authors, or all traffic) over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Series {
    /// Per-minute counts, slot = minute mod 2 days.
    minutes: Vec<u32>,
    /// Per-15-minute sums, slot = bucket mod 28 days.
    buckets: Vec<u32>,
    /// One bit per bucket slot: excluded from the baseline.
    excluded: Vec<u64>,
    /// The newest minute covered.
    head: i64,
}

impl Series {
    /// An empty series whose newest minute is `head`.
    pub(crate) fn new(head: i64) -> Series {
        Series {
            minutes: vec![0; MINUTES_KEPT as usize],
            buckets: vec![0; BUCKETS_KEPT as usize],
            excluded: vec![0; (BUCKETS_KEPT as usize).div_ceil(64)],
            head,
        }
    }

    /// Checks the shape of a deserialized series.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.minutes.len() != MINUTES_KEPT as usize
            || self.buckets.len() != BUCKETS_KEPT as usize
            || self.excluded.len() != (BUCKETS_KEPT as usize).div_ceil(64)
        {
            return Err("series rings have the wrong length".into());
        }
        // Message times are within chrono's ±262 000 years: ~2^38 minutes.
        if self.head.unsigned_abs() > 1 << 40 {
            return Err("series head is out of range".into());
        }
        Ok(())
    }

    /// The newest minute covered.
    pub(crate) fn head(&self) -> i64 {
        self.head
    }

    /// Moves the newest minute forward to `to`, clearing the slots that are
    /// recycled; costs at most one pass over each ring however far it jumps.
    pub(crate) fn advance(&mut self, to: i64) {
        if to <= self.head {
            return;
        }
        let from = (self.head + 1).max(to - MINUTES_KEPT + 1);
        for minute in from..=to {
            self.minutes[slot(minute, MINUTES_KEPT)] = 0;
        }
        let (old_bucket, new_bucket) = (bucket_of(self.head), bucket_of(to));
        let from = (old_bucket + 1).max(new_bucket - BUCKETS_KEPT + 1);
        for bucket in from..=new_bucket {
            let s = slot(bucket, BUCKETS_KEPT);
            self.buckets[s] = 0;
            self.excluded[s / 64] &= !(1u64 << (s % 64));
        }
        self.head = to;
    }

    /// Adds `n` to `minute` (and its bucket) where the rings still hold it;
    /// the caller has advanced the series to at least `minute`.
    pub(crate) fn add(&mut self, minute: i64, n: u32) {
        if minute > self.head {
            return;
        }
        if minute > self.head - MINUTES_KEPT {
            let s = slot(minute, MINUTES_KEPT);
            self.minutes[s] = self.minutes[s].saturating_add(n);
        }
        let bucket = bucket_of(minute);
        if bucket > bucket_of(self.head) - BUCKETS_KEPT {
            let s = slot(bucket, BUCKETS_KEPT);
            self.buckets[s] = self.buckets[s].saturating_add(n);
        }
    }

    /// The count of one minute (0 outside the 2-day ring).
    pub(crate) fn minute(&self, minute: i64) -> u32 {
        if minute > self.head || minute <= self.head - MINUTES_KEPT {
            return 0;
        }
        self.minutes[slot(minute, MINUTES_KEPT)]
    }

    /// Sum of the minutes `from..=to` (0 for the parts outside the ring).
    pub(crate) fn sum(&self, from: i64, to: i64) -> u64 {
        let from = from.max(self.head - MINUTES_KEPT + 1);
        let to = to.min(self.head);
        (from..=to)
            .map(|m| u64::from(self.minutes[slot(m, MINUTES_KEPT)]))
            .sum()
    }

    /// Whether `bucket` is inside the 28-day ring.
    pub(crate) fn holds_bucket(&self, bucket: i64) -> bool {
        let head = bucket_of(self.head);
        bucket <= head && bucket > head - BUCKETS_KEPT
    }

    /// The sum of one bucket (0 outside the ring).
    pub(crate) fn bucket(&self, bucket: i64) -> u32 {
        if !self.holds_bucket(bucket) {
            return 0;
        }
        self.buckets[slot(bucket, BUCKETS_KEPT)]
    }

    /// Whether `bucket` was marked as excluded from the baseline.
    pub(crate) fn is_excluded(&self, bucket: i64) -> bool {
        if !self.holds_bucket(bucket) {
            return false;
        }
        let s = slot(bucket, BUCKETS_KEPT);
        self.excluded[s / 64] & (1u64 << (s % 64)) != 0
    }

    /// Marks the buckets covering the minutes `from..=to` as excluded.
    pub(crate) fn exclude(&mut self, from: i64, to: i64) {
        let head = bucket_of(self.head);
        let first = bucket_of(from).max(head - BUCKETS_KEPT + 1);
        for bucket in first..=bucket_of(to).min(head) {
            let s = slot(bucket, BUCKETS_KEPT);
            self.excluded[s / 64] |= 1u64 << (s % 64);
        }
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.minutes.capacity() * 4 + self.buckets.capacity() * 4 + self.excluded.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_recycle_and_bound() {
        let mut s = Series::new(100);
        s.add(100, 3);
        s.add(95, 2);
        assert_eq!(s.sum(91, 100), 5);
        assert_eq!(s.sum(96, 100), 3);
        assert_eq!(s.bucket(bucket_of(100)), 5); // minutes 90..=104
        s.advance(100 + MINUTES_KEPT);
        // The minute fell off the fine ring but its bucket is still held.
        assert_eq!(s.minute(100), 0);
        assert_eq!(s.bucket(bucket_of(95)), 5);
        s.add(50, 1); // far too old for the minute ring: dropped there
        assert_eq!(s.minute(50), 0);
        s.exclude(100, 100);
        assert!(s.is_excluded(bucket_of(100)));
        // A jump of years clears everything in one pass.
        s.advance(10_000_000);
        assert_eq!(s.bucket(bucket_of(95)), 0);
        assert!(!s.is_excluded(bucket_of(100)));
        assert_eq!(s.sum(i64::MIN / 2, i64::MAX / 2), 0);
    }
}
