//! Space-Saving top-K (Metwally, Agrawal & El Abbadi, 2005): the heavy terms
//! of one window in `K` counters, whatever the vocabulary (trending.md §1.2,
//! layer B).
//!
//! Every term with more than `N / K` occurrences in the window is guaranteed
//! to hold a counter; a term that takes over the smallest counter inherits
//! its count as `error`, so `count − error` is a guaranteed lower bound and
//! `count` an upper bound. Counters sit in a binary min-heap keyed by count
//! (O(log K) per update, O(1) typical on Zipfian text, where increments hit
//! counters deep in the heap) with a hash index; term text is stored inline
//! (truncated to [`TERM_BYTES`] at a character boundary) so a window of a
//! million distinct terms never allocates per term.
//!
//! Each counter also has a 256-bit linear-counting bitmap of its authors
//! (Whang et al., 1990): ~±10 % up to a few hundred authors, which is what the
//! "at least 10 unique authors" filter needs. A taken-over counter restarts
//! its bitmap, so the author estimate never over-counts.

use serde::{Deserialize, Serialize};

use super::hash::HashKeyed;

/// Bytes of term text kept per counter (20 CJK characters).
pub(crate) const TERM_BYTES: usize = 60;

/// One counter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The term's hash.
    hash: u64,
    /// Occurrences counted (an upper bound).
    count: u32,
    /// Occurrences possibly belonging to evicted terms.
    error: u32,
    /// Linear-counting bitmap of authors.
    authors: [u64; 4],
    /// Length of the text in `text`.
    len: u8,
    /// The term's text, truncated.
    text: [u8; TERM_BYTES],
}

impl Entry {
    /// A counter for `term`.
    fn new(hash: u64, term: &str) -> Entry {
        let mut entry = Entry {
            hash,
            count: 0,
            error: 0,
            authors: [0; 4],
            len: 0,
            text: [0; TERM_BYTES],
        };
        entry.set_term(term);
        entry
    }

    /// Stores the text, cut at a character boundary.
    fn set_term(&mut self, term: &str) {
        let mut end = term.len().min(TERM_BYTES);
        while !term.is_char_boundary(end) {
            end -= 1;
        }
        self.text[..end].copy_from_slice(&term.as_bytes()[..end]);
        self.len = end as u8;
    }

    /// The term's hash.
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// The term (possibly truncated).
    pub(crate) fn term(&self) -> &str {
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or("")
    }

    /// Occurrences that certainly belong to this term.
    pub(crate) fn guaranteed(&self) -> u32 {
        self.count - self.error
    }

    /// Estimated unique authors since the term took this counter.
    pub(crate) fn authors(&self) -> u32 {
        let ones: u32 = self.authors.iter().map(|w| w.count_ones()).sum();
        let zeros = f64::from(256 - ones).max(0.5);
        (256.0 * (256.0 / zeros).ln()).round() as u32
    }
}

/// The top-K summary of one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "Packed", try_from = "Packed")]
pub(crate) struct SpaceSaving {
    /// K.
    capacity: usize,
    /// The counters, in insertion order.
    entries: Vec<Entry>,
    /// Entry indexes as a min-heap on count.
    heap: Vec<u32>,
    /// Position of each entry in `heap`.
    pos: Vec<u32>,
    /// Term hash → entry index.
    index: HashKeyed<u32>,
}

impl SpaceSaving {
    /// An empty summary with `capacity` counters (allocated up front so its
    /// memory is fixed from the start).
    pub(crate) fn new(capacity: usize) -> SpaceSaving {
        let capacity = capacity.max(1);
        SpaceSaving {
            capacity,
            entries: Vec::with_capacity(capacity),
            heap: Vec::with_capacity(capacity),
            pos: Vec::with_capacity(capacity),
            index: HashKeyed::with_capacity_and_hasher(capacity, Default::default()),
        }
    }

    /// Forgets every counter, keeping the allocations.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.heap.clear();
        self.pos.clear();
        self.index.clear();
    }

    /// Counts one occurrence of `term` (hash `hash`) by the author whose
    /// bitmap bit is `author_bit`.
    pub(crate) fn offer(&mut self, hash: u64, term: &str, author_bit: u8) {
        let word = usize::from(author_bit >> 6);
        let bit = 1u64 << (author_bit & 63);
        if let Some(&i) = self.index.get(&hash) {
            let entry = &mut self.entries[i as usize];
            entry.count = entry.count.saturating_add(1);
            entry.authors[word] |= bit;
            self.sift_down(self.pos[i as usize] as usize);
            return;
        }
        if self.entries.len() < self.capacity {
            let i = self.entries.len() as u32;
            let mut entry = Entry::new(hash, term);
            entry.count = 1;
            entry.authors[word] |= bit;
            self.entries.push(entry);
            self.heap.push(i);
            self.pos.push(self.heap.len() as u32 - 1);
            self.index.insert(hash, i);
            self.sift_up(self.heap.len() - 1);
            return;
        }
        // Take over the smallest counter.
        let i = self.heap[0];
        let entry = &mut self.entries[i as usize];
        self.index.remove(&entry.hash);
        entry.hash = hash;
        entry.error = entry.count;
        entry.count = entry.count.saturating_add(1);
        entry.authors = [0; 4];
        entry.authors[word] |= bit;
        entry.set_term(term);
        self.index.insert(hash, i);
        self.sift_down(0);
    }

    /// The guaranteed count of `hash` (0 if it holds no counter).
    pub(crate) fn guaranteed(&self, hash: u64) -> u32 {
        self.index
            .get(&hash)
            .map_or(0, |&i| self.entries[i as usize].guaranteed())
    }

    /// The counters.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Moves the heap slot `at` towards the root while its count is smaller.
    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if self.count_at(parent) <= self.count_at(at) {
                break;
            }
            self.swap(parent, at);
            at = parent;
        }
    }

    /// Moves the heap slot `at` towards the leaves while a child is smaller.
    fn sift_down(&mut self, mut at: usize) {
        let n = self.heap.len();
        loop {
            let left = 2 * at + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && self.count_at(right) < self.count_at(left) {
                right
            } else {
                left
            };
            if self.count_at(child) >= self.count_at(at) {
                break;
            }
            self.swap(child, at);
            at = child;
        }
    }

    /// The count of the entry at heap slot `at`.
    fn count_at(&self, at: usize) -> u32 {
        self.entries[self.heap[at] as usize].count
    }

    /// Swaps two heap slots.
    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a] as usize] = a as u32;
        self.pos[self.heap[b] as usize] = b as u32;
    }

    /// Heap bytes held (the index counted at its table size).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.heap.capacity() * 4
            + self.pos.capacity() * 4
            // hashbrown: one (key, value) slot plus one control byte per bucket,
            // buckets = capacity × 8/7 rounded up to a power of two.
            + (self.index.capacity() * 8 / 7).next_power_of_two() * (12 + 1)
    }
}

/// The serialized form: counters in insertion order plus the heap order, so
/// a restored summary evicts exactly as the original would.
#[derive(Serialize, Deserialize)]
struct Packed {
    capacity: usize,
    /// `(hash, count, error, authors, term)` per counter.
    entries: Vec<(u64, u32, u32, [u64; 4], String)>,
    heap: Vec<u32>,
}

impl From<SpaceSaving> for Packed {
    fn from(s: SpaceSaving) -> Packed {
        Packed {
            capacity: s.capacity,
            entries: s
                .entries
                .iter()
                .map(|e| (e.hash, e.count, e.error, e.authors, e.term().to_owned()))
                .collect(),
            heap: s.heap,
        }
    }
}

impl TryFrom<Packed> for SpaceSaving {
    type Error = String;

    fn try_from(p: Packed) -> Result<SpaceSaving, String> {
        let n = p.entries.len();
        if p.capacity == 0 || p.capacity > 1_000_000 || n > p.capacity || p.heap.len() != n {
            return Err("space-saving summary has an inconsistent shape".into());
        }
        let mut s = SpaceSaving::new(p.capacity);
        for (hash, count, error, authors, term) in p.entries {
            if error > count || s.index.insert(hash, s.entries.len() as u32).is_some() {
                return Err("space-saving counter is inconsistent".into());
            }
            let mut entry = Entry::new(hash, &term);
            entry.count = count;
            entry.error = error;
            entry.authors = authors;
            s.entries.push(entry);
        }
        s.pos = vec![u32::MAX; n];
        for (slot, &i) in p.heap.iter().enumerate() {
            match s.pos.get_mut(i as usize) {
                Some(pos) if *pos == u32::MAX => *pos = slot as u32,
                _ => return Err("space-saving heap is not a permutation".into()),
            }
        }
        s.heap = p.heap;
        if (1..n).any(|at| s.count_at((at - 1) / 2) > s.count_at(at)) {
            return Err("space-saving heap is out of order".into());
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trends::hash::hash_str;

    #[test]
    fn heavy_hitters_survive_a_flood_of_singletons() {
        let mut s = SpaceSaving::new(100);
        for i in 0..10_000u32 {
            if i % 10 == 0 {
                s.offer(hash_str("余额宝"), "余额宝", (i / 10 % 256) as u8);
            }
            let t = format!("t{i}");
            s.offer(hash_str(&t), &t, 0);
        }
        let heavy = s.guaranteed(hash_str("余额宝"));
        assert!(heavy >= 900, "{heavy}");
        let e = s.entries().iter().find(|e| e.term() == "余额宝");
        assert!(e.is_some_and(|e| e.authors() > 200));
        assert_eq!(s.entries().len(), 100);
    }

    #[test]
    fn truncates_at_a_character_boundary_and_round_trips() {
        let mut s = SpaceSaving::new(4);
        let long = "长".repeat(40);
        s.offer(hash_str(&long), &long, 1);
        s.offer(hash_str("a"), "a", 2);
        assert_eq!(s.entries()[0].term(), "长".repeat(20));
        let json = serde_json::to_string(&s).expect("serializes");
        let back: SpaceSaving = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, s);
        let bad = json.replace("\"heap\":[0,1]", "\"heap\":[0,0]");
        assert!(serde_json::from_str::<SpaceSaving>(&bad).is_err());
    }
}
