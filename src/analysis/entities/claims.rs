//! Which byte ranges earlier extractors have taken.

use std::collections::BTreeMap;

/// Disjoint claimed byte ranges, keyed by start.
#[derive(Debug, Default)]
pub(super) struct Claims {
    ranges: BTreeMap<usize, usize>,
}

impl Claims {
    /// Whether `start..end` overlaps a claimed range.
    ///
    /// Ranges are disjoint, so their ends ascend with their starts: the last
    /// range starting before `end` is the only one that can reach `start`.
    pub(super) fn overlaps(&self, start: usize, end: usize) -> bool {
        self.ranges
            .range(..end)
            .next_back()
            .is_some_and(|(_, &claimed_end)| claimed_end > start)
    }

    /// Claims `start..end` unless it overlaps; returns whether it did.
    pub(super) fn claim(&mut self, start: usize, end: usize) -> bool {
        if start >= end || self.overlaps(start, end) {
            return false;
        }
        self.ranges.insert(start, end);
        true
    }
}
