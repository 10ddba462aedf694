//! Paging through index ranges: several key ranges that share one order
//! (the part of each key after its prefix) are read as one merged stream,
//! resuming strictly after a cursor. Only the heads of the ranges are held,
//! so a page deep in a list of 100,000 costs what the first page costs.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::ops::Bound;

use super::{Store, StoreError, keys};

/// One page read from an index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPage<T> {
    /// What the page shows, in index order.
    pub items: Vec<T>,
    /// Where the next page starts (the order part of the last key read); None at the end.
    pub next: Option<Vec<u8>>,
    /// Index entries looked at, for tests and the benchmark.
    pub scanned: usize,
}

/// Which way a merged scan walks the shared order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    /// Smallest order first.
    Ascending,
    /// Largest order first.
    Descending,
}

/// The current head of one range.
struct Head {
    order: Vec<u8>,
    value: sled::IVec,
    source: usize,
    direction: Direction,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    // BinaryHeap pops the largest: ascending scans invert the order.
    fn cmp(&self, other: &Self) -> Ordering {
        let by_order = match self.direction {
            Direction::Ascending => other.order.cmp(&self.order),
            Direction::Descending => self.order.cmp(&other.order),
        };
        by_order.then_with(|| other.source.cmp(&self.source))
    }
}

/// Several ranges read as one stream in their shared order.
pub(super) struct MergedScan {
    ranges: Vec<(usize, sled::Iter)>,
    heap: BinaryHeap<Head>,
    direction: Direction,
}

impl MergedScan {
    /// Opens one range per prefix, each starting strictly after `after`.
    pub(super) fn open(
        store: &Store,
        prefixes: &[Vec<u8>],
        after: Option<&[u8]>,
        direction: Direction,
    ) -> Result<MergedScan, StoreError> {
        let mut scan = MergedScan {
            ranges: Vec::with_capacity(prefixes.len()),
            heap: BinaryHeap::with_capacity(prefixes.len()),
            direction,
        };
        for prefix in prefixes {
            let whole_end = match keys::prefix_end(prefix) {
                Some(end) => Bound::Excluded(end),
                None => Bound::Unbounded,
            };
            let resume = after.map(|a| [prefix.as_slice(), a].concat());
            let range = match (direction, resume) {
                (Direction::Ascending, Some(from)) => (Bound::Excluded(from), whole_end),
                (Direction::Ascending, None) => (Bound::Included(prefix.clone()), whole_end),
                (Direction::Descending, Some(to)) => {
                    (Bound::Included(prefix.clone()), Bound::Excluded(to))
                }
                (Direction::Descending, None) => (Bound::Included(prefix.clone()), whole_end),
            };
            let source = scan.ranges.len();
            scan.ranges.push((prefix.len(), store.db().range(range)));
            scan.advance(source)?;
        }
        Ok(scan)
    }

    /// Pulls the next entry of range `source` onto the heap.
    fn advance(&mut self, source: usize) -> Result<(), StoreError> {
        let Some((prefix_len, iter)) = self.ranges.get_mut(source) else {
            return Ok(());
        };
        let item = match self.direction {
            Direction::Ascending => iter.next(),
            Direction::Descending => iter.next_back(),
        };
        if let Some(item) = item {
            let (key, value) = item?;
            let order = key.get(*prefix_len..).unwrap_or_default().to_vec();
            self.heap.push(Head {
                order,
                value,
                source,
                direction: self.direction,
            });
        }
        Ok(())
    }

    /// The next entry: its order part and its value.
    pub(super) fn next_entry(&mut self) -> Result<Option<(Vec<u8>, sled::IVec)>, StoreError> {
        let Some(head) = self.heap.pop() else {
            return Ok(None);
        };
        self.advance(head.source)?;
        Ok(Some((head.order, head.value)))
    }

    /// Whether entries remain.
    pub(super) fn is_exhausted(&self) -> bool {
        self.heap.is_empty()
    }
}

/// Reads up to `limit` entries that `keep` turns into items, looking at
/// no more than `budget` entries: a filter the index does not cover
/// cannot make a call scan everything. A page cut short by the budget still
/// carries a cursor, so the caller can go on from there.
pub(super) fn collect_page<T>(
    mut scan: MergedScan,
    limit: usize,
    budget: usize,
    mut keep: impl FnMut(&[u8], &sled::IVec) -> Result<Option<T>, StoreError>,
) -> Result<IndexPage<T>, StoreError> {
    let mut page = IndexPage {
        items: Vec::with_capacity(limit.min(256)),
        next: None,
        scanned: 0,
    };
    let mut last = None;
    while page.items.len() < limit && page.scanned < budget {
        let Some((order, value)) = scan.next_entry()? else {
            return Ok(page);
        };
        page.scanned += 1;
        if let Some(item) = keep(&order, &value)? {
            page.items.push(item);
        }
        last = Some(order);
    }
    if !scan.is_exhausted() {
        page.next = last;
    }
    Ok(page)
}
