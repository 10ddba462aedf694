//! Unique authors per minute, exact while small, approximate beyond.
//!
//! Layer A counts an author once per topic per minute (trending.md §1.2:
//! count unique authors, not messages, so retries and copy-paste from one
//! person count once). A minute's set stays an exact list of 64-bit author
//! hashes up to [`EXACT_CAP`] authors, which covers every topic minute in
//! ordinary traffic; past that it turns into a HyperLogLog with 2¹⁰
//! one-byte registers (1 KiB, standard error 1.04/√1024 ≈ 3.3 %, and
//! linear counting below 2.5 × 1024 authors, which is within ~2 %), so a
//! minute with a million authors still costs 1 KiB. The register sum is kept
//! incrementally as an exact integer, so an estimate costs O(1) and is the
//! same after a snapshot round trip.
//!
//! Only the last few minutes stay open (the late-arrival tolerance); each
//! open minute lives in a small ring and is recycled lazily.

use serde::{Deserialize, Serialize};

/// Exact authors kept per minute before switching to HyperLogLog.
pub(crate) const EXACT_CAP: usize = 128;
/// HyperLogLog precision: 2^P registers.
const HLL_P: u32 = 10;
/// HyperLogLog register count.
const HLL_M: usize = 1 << HLL_P;
/// Fixed-point scale for the register sum Σ 2^-register: registers are at
/// most 64 − P + 1 = 55, so 2^55 makes every term an integer.
const SUM_SHIFT: u32 = 55;

/// A HyperLogLog sketch with an O(1) estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Hll {
    /// One register per bucket: the longest run of leading zeros seen, + 1.
    registers: Vec<u8>,
    /// Σ 2^(55 − register), exact.
    #[serde(skip)]
    sum: u128,
    /// Registers still zero.
    #[serde(skip)]
    zeros: u32,
}

impl Hll {
    /// An empty sketch.
    fn new() -> Hll {
        Hll {
            registers: vec![0; HLL_M],
            sum: (HLL_M as u128) << SUM_SHIFT,
            zeros: HLL_M as u32,
        }
    }

    /// Recomputes the derived sums after deserialization.
    fn rebuild(&mut self) -> Result<(), String> {
        if self.registers.len() != HLL_M {
            return Err("HyperLogLog has the wrong number of registers".into());
        }
        if self.registers.iter().any(|&r| u32::from(r) > SUM_SHIFT) {
            return Err("HyperLogLog register out of range".into());
        }
        self.sum = self
            .registers
            .iter()
            .map(|&r| 1u128 << (SUM_SHIFT - u32::from(r)))
            .sum();
        self.zeros = self.registers.iter().filter(|&&r| r == 0).count() as u32;
        Ok(())
    }

    /// Adds a hashed item.
    fn insert(&mut self, hash: u64) {
        let index = (hash >> (64 - HLL_P)) as usize;
        // A sentinel bit caps the run at 64 − P + 1.
        let rest = (hash << HLL_P) | (1u64 << (HLL_P - 1));
        let rank = (rest.leading_zeros() + 1) as u8;
        let old = self.registers[index];
        if rank > old {
            self.sum -= 1u128 << (SUM_SHIFT - u32::from(old));
            self.sum += 1u128 << (SUM_SHIFT - u32::from(rank));
            if old == 0 {
                self.zeros -= 1;
            }
            self.registers[index] = rank;
        }
    }

    /// The estimated number of distinct items.
    fn estimate(&self) -> f64 {
        let m = HLL_M as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let harmonic = self.sum as f64 / (1u64 << SUM_SHIFT) as f64;
        let raw = alpha * m * m / harmonic;
        if raw <= 2.5 * m && self.zeros > 0 {
            m * (m / f64::from(self.zeros)).ln()
        } else {
            raw
        }
    }
}

/// The authors of one (topic, minute).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MinuteAuthors {
    /// The minute this slot holds.
    minute: i64,
    /// Exact author hashes while at most [`EXACT_CAP`].
    exact: Vec<u64>,
    /// The sketch once the exact list overflowed.
    hll: Option<Hll>,
    /// How much of this minute's count was already added to the series.
    counted: u32,
}

impl MinuteAuthors {
    /// An empty slot for `minute`.
    fn new(minute: i64) -> MinuteAuthors {
        MinuteAuthors {
            minute,
            exact: Vec::new(),
            hll: None,
            counted: 0,
        }
    }

    /// Empties the slot for a new minute, keeping its allocations.
    fn reset(&mut self, minute: i64) {
        self.minute = minute;
        self.exact.clear();
        self.hll = None;
        self.counted = 0;
    }

    /// Adds an author; returns how much the minute's count grew (0 or 1
    /// while exact, the growth of the rounded estimate after).
    fn insert(&mut self, author: u64) -> u32 {
        if let Some(hll) = &mut self.hll {
            hll.insert(author);
            let estimate = hll.estimate().round().min(f64::from(u32::MAX)) as u32;
            // Never let the count shrink: the exact part already counted is a
            // lower bound the sketch may briefly undershoot.
            let grown = estimate.saturating_sub(self.counted);
            self.counted += grown;
            return grown;
        }
        if self.exact.contains(&author) {
            return 0;
        }
        if self.exact.len() < EXACT_CAP {
            self.exact.push(author);
            self.counted = self.counted.saturating_add(1);
            return 1;
        }
        let mut hll = Hll::new();
        for &h in &self.exact {
            hll.insert(h);
        }
        self.exact = Vec::new();
        self.hll = Some(hll);
        self.insert(author)
    }

    /// Heap bytes held.
    fn memory_bytes(&self) -> usize {
        self.exact.capacity() * 8 + self.hll.as_ref().map_or(0, |h| h.registers.capacity())
    }
}

/// The open minutes of one counter: the last `late` minutes, where late
/// messages still count in their own minute without double-counting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct OpenMinutes {
    /// Slot = minute mod `slots.len()`.
    slots: Vec<MinuteAuthors>,
}

impl OpenMinutes {
    /// Open minutes for a tolerance of `late` minutes (at least 1).
    pub(crate) fn new(late: usize) -> OpenMinutes {
        OpenMinutes {
            slots: (0..late.max(1))
                .map(|_| MinuteAuthors::new(i64::MIN))
                .collect(),
        }
    }

    /// Checks and completes a deserialized value.
    pub(crate) fn rebuild(&mut self) -> Result<(), String> {
        if self.slots.is_empty() {
            return Err("no open minutes".into());
        }
        for slot in &mut self.slots {
            if slot.exact.len() > EXACT_CAP {
                return Err("exact author set over its cap".into());
            }
            if let Some(hll) = &mut slot.hll {
                hll.rebuild()?;
            }
        }
        Ok(())
    }

    /// How many minutes stay open.
    pub(crate) fn len(&self) -> i64 {
        self.slots.len() as i64
    }

    /// Counts `author` in `minute`, which the caller checked is one of the
    /// open minutes (within `len()` of the newest); returns the growth of
    /// that minute's unique count.
    pub(crate) fn insert(&mut self, minute: i64, author: u64) -> u32 {
        let n = self.slots.len() as i64;
        let slot = &mut self.slots[minute.rem_euclid(n) as usize];
        if slot.minute != minute {
            // Distinct open minutes map to distinct slots, so the slot holds
            // a minute that has closed.
            slot.reset(minute);
        }
        slot.insert(author)
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<MinuteAuthors>()
            + self
                .slots
                .iter()
                .map(MinuteAuthors::memory_bytes)
                .sum::<usize>()
    }
}

/// Authors counted recently for one topic, so an author counts at most
/// once per topic window and not once per minute they write in.
///
/// Complaints come in threads: the same person follows up two or three
/// times within minutes. Counted per minute, each follow-up adds to the
/// window again and the window sum is over-dispersed against the Poisson
/// model (in the simulation, follow-ups alone multiplied false alarms by
/// six). trending.md §1.2 counts "unique (author, topic) per window"; this
/// map does it for sliding windows: an author counted at minute `m` is not
/// counted again before `m + window`, so no window holds them twice.
///
/// Bounded: at most `cap` authors; when full it drops the authors outside
/// the window (at most once per minute) and, if a burst keeps it full,
/// stops remembering new authors, which then count once per minute only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "Vec<(u64, i64)>", from = "Vec<(u64, i64)>")]
pub(crate) struct RecentAuthors {
    /// Author hash → the minute they were last counted.
    last: super::hash::HashKeyed<i64>,
    /// The minute of the last pruning pass.
    pruned: i64,
}

/// Authors remembered per topic at most (a full map: 8192 buckets × 17 B ≈ 140 KiB).
pub(crate) const RECENT_CAP: usize = 4_096;

impl RecentAuthors {
    /// An empty map.
    pub(crate) fn new() -> RecentAuthors {
        RecentAuthors {
            last: Default::default(),
            pruned: i64::MIN,
        }
    }

    /// Whether `author` writing at `minute` is new within `window` minutes
    /// (and so counts); remembers them if so.
    pub(crate) fn admit(&mut self, author: u64, minute: i64, window: i64) -> bool {
        if let Some(&last) = self.last.get(&author) {
            if minute.abs_diff(last) < window.unsigned_abs() {
                return false;
            }
            self.last.insert(author, last.max(minute));
            return true;
        }
        if self.last.len() >= RECENT_CAP && self.pruned != minute {
            self.pruned = minute;
            self.last
                .retain(|_, last| minute.saturating_sub(*last) < window);
        }
        if self.last.len() < RECENT_CAP {
            self.last.insert(author, minute);
        }
        true
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        (self.last.capacity() * 8 / 7).next_power_of_two() * (16 + 1)
    }
}

impl From<RecentAuthors> for Vec<(u64, i64)> {
    fn from(r: RecentAuthors) -> Vec<(u64, i64)> {
        // Sorted, so equal states serialize to equal bytes.
        let mut v: Vec<(u64, i64)> = r.last.into_iter().collect();
        v.sort_unstable();
        v
    }
}

impl From<Vec<(u64, i64)>> for RecentAuthors {
    fn from(v: Vec<(u64, i64)>) -> RecentAuthors {
        // A longer list than the cap can only come from a damaged snapshot.
        RecentAuthors {
            last: v.into_iter().take(RECENT_CAP).collect(),
            pruned: i64::MIN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trends::hash::hash_str;

    #[test]
    fn exact_then_sketch() {
        let mut open = OpenMinutes::new(5);
        let mut total = 0u32;
        for round in 0..3 {
            for i in 0..100 {
                total += open.insert(7, hash_str(&format!("a{i}")));
            }
            assert_eq!(total, 100, "round {round}: repeats count once");
        }
        for i in 100..20_000 {
            total += open.insert(7, hash_str(&format!("a{i}")));
        }
        let err = (f64::from(total) - 20_000.0).abs() / 20_000.0;
        assert!(err < 0.1, "estimate {total}");
        // A new minute in the same slot starts from zero.
        assert_eq!(open.insert(12, hash_str("a1")), 1);
    }

    #[test]
    fn sketch_round_trips_exactly() {
        let mut open = OpenMinutes::new(2);
        for i in 0..1_000 {
            open.insert(1, hash_str(&format!("x{i}")));
        }
        let json = serde_json::to_string(&open).unwrap_or_default();
        let mut back: OpenMinutes =
            serde_json::from_str(&json).unwrap_or_else(|_| OpenMinutes::new(1));
        assert!(back.rebuild().is_ok());
        assert_eq!(back, open);
    }

    #[test]
    fn an_author_counts_once_per_window() {
        let mut recent = RecentAuthors::new();
        let a = hash_str("a");
        assert!(recent.admit(a, 100, 10));
        assert!(!recent.admit(a, 105, 10));
        assert!(!recent.admit(a, 95, 10)); // late, still within the window
        assert!(recent.admit(a, 110, 10));
        // Full of current authors: new ones still count, unremembered.
        for i in 0..RECENT_CAP as u32 {
            recent.admit(hash_str(&format!("b{i}")), 200, 10);
        }
        assert!(recent.admit(hash_str("new"), 200, 10));
        assert!(recent.admit(hash_str("new"), 200, 10));
        // A minute later the old ones are pruned and memory stays bounded.
        assert!(recent.admit(hash_str("later"), 215, 10));
        assert!(!recent.admit(hash_str("later"), 216, 10));
        assert!(recent.memory_bytes() < 200_000);
    }
}
