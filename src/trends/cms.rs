//! A forward-decayed Count-Min Sketch with conservative update: the
//! long-run baseline of every term in fixed memory (trending.md §1.2,
//! layer B; Cormode & Muthukrishnan; forward decay after Cormode et al.,
//! ICDE 2009).
//!
//! An occurrence at time `t` adds the weight `2^((t − landmark) / half_life)`
//! instead of 1, so the decayed count at time `now` is the stored sum divided
//! by the weight of `now`: recent occurrences count fully, one a half-life
//! old counts half, and nothing has to be touched as time passes. Weights
//! grow without bound, so once they reach 2¹⁶ the landmark moves forward by
//! whole half-lives and every cell is scaled by the matching power of two
//! (exact in floating point); f32 cells then never overflow.
//!
//! Conservative update (raise only the cells below `min + w`) keeps the
//! one-sided over-estimate of Count-Min but much smaller on Zipfian text; an
//! over-estimated baseline only makes a term look *less* surprising, the safe
//! side for alerts.

use serde::{Deserialize, Serialize};

use super::hash::mix64;

/// Renormalize once weights reach 2^this.
const RENORMALIZE_AFTER: i64 = 16;
/// Seed of the second hash that spaces the rows (double hashing).
const ROW_SEED: u64 = 0x5851_F42D_4C95_7F2D;

/// The sketch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DecayedCms {
    /// Columns per row, as a power of two.
    width_log2: u32,
    /// Rows.
    depth: u32,
    /// `depth` rows of `2^width_log2` cells, row after row.
    #[serde(with = "packed")]
    table: Vec<f32>,
    /// Seconds at which the weight is 1.
    landmark: i64,
    /// Half-life in seconds.
    half_life: i64,
    /// Sum of all weights added (the decayed total, times the weight).
    #[serde(with = "f64_bits")]
    total: f64,
}

impl DecayedCms {
    /// An empty sketch whose weight is 1 at `landmark` (seconds).
    pub(crate) fn new(width_log2: u32, depth: u32, half_life: i64, landmark: i64) -> DecayedCms {
        DecayedCms {
            width_log2,
            depth,
            table: vec![0.0; (1usize << width_log2) * depth as usize],
            landmark,
            half_life: half_life.max(1),
            total: 0.0,
        }
    }

    /// Checks a deserialized sketch.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(1..=24).contains(&self.width_log2)
            || !(1..=8).contains(&self.depth)
            || self.table.len() != (1usize << self.width_log2) * self.depth as usize
            || self.half_life < 1
            || !self.total.is_finite()
        {
            return Err("count-min sketch has an inconsistent shape".into());
        }
        Ok(())
    }

    /// The weight of an occurrence at `at` (seconds).
    pub(crate) fn weight(&self, at: i64) -> f64 {
        let halvings = (at.saturating_sub(self.landmark)) as f64 / self.half_life as f64;
        halvings.clamp(-1_000.0, 100.0).exp2()
    }

    /// Moves the landmark forward when weights at `at` grew too large.
    pub(crate) fn renormalize(&mut self, at: i64) {
        let halvings = at.saturating_sub(self.landmark).div_euclid(self.half_life);
        if halvings < RENORMALIZE_AFTER {
            return;
        }
        if halvings > 200 {
            // Everything has decayed to nothing.
            self.table.iter_mut().for_each(|c| *c = 0.0);
            self.total = 0.0;
        } else {
            let factor = (-(halvings as f64)).exp2();
            let cell_factor = factor as f32;
            self.table.iter_mut().for_each(|c| *c *= cell_factor);
            self.total *= factor;
        }
        self.landmark = self
            .landmark
            .saturating_add(halvings.saturating_mul(self.half_life));
    }

    /// The cells of `hash`, one per row.
    fn cells(&self, hash: u64) -> impl Iterator<Item = usize> + use<> {
        let step = mix64(hash ^ ROW_SEED) | 1;
        let shift = 64 - self.width_log2;
        let width = 1usize << self.width_log2;
        (0..self.depth as usize).map(move |row| {
            let h = hash.wrapping_add((row as u64).wrapping_mul(step));
            row * width + (h >> shift) as usize
        })
    }

    /// Adds an occurrence of `hash` with weight `w` (conservative update).
    pub(crate) fn add(&mut self, hash: u64, w: f64) {
        let mut cells = [0usize; 16];
        let mut n = 0;
        let mut min = f32::INFINITY;
        for cell in self.cells(hash) {
            cells[n] = cell;
            n += 1;
            min = min.min(self.table[cell]);
        }
        let target = min + w as f32;
        for &cell in &cells[..n] {
            if self.table[cell] < target {
                self.table[cell] = target;
            }
        }
    }

    /// Adds `w` to the total of all occurrences.
    pub(crate) fn add_total(&mut self, w: f64) {
        self.total += w;
    }

    /// The decayed count of `hash` as of `at` (an over-estimate).
    pub(crate) fn count(&self, hash: u64, at: i64) -> f64 {
        let min = self
            .cells(hash)
            .map(|cell| self.table[cell])
            .fold(f32::INFINITY, f32::min);
        f64::from(min) / self.weight(at)
    }

    /// The decayed total of all occurrences as of `at`.
    pub(crate) fn total(&self, at: i64) -> f64 {
        self.total / self.weight(at)
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.table.capacity() * 4
    }
}

/// `f64` fields as their bit patterns: exact through JSON.
mod f64_bits {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the bits.
    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(v.to_bits())
    }

    /// Reads the bits.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        u64::deserialize(d).map(f64::from_bits)
    }
}

/// The table as base64 of a zero-run-length encoding: a sketch of a quiet
/// week is mostly zeros and packs to a few hundred KB instead of 16 MiB of
/// JSON numbers; a full one is 4 bytes a cell plus base64's third.
mod packed {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Most cells a snapshot may hold (2^24 columns × 8 rows, the largest
    /// sketch the options allow), so a corrupt snapshot cannot make us
    /// allocate without bound.
    const MAX_CELLS: usize = 1 << 27;

    fn put_varint(out: &mut Vec<u8>, mut v: usize) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn get_varint(bytes: &[u8], at: &mut usize) -> Option<usize> {
        let mut v = 0usize;
        for shift in (0..64).step_by(7) {
            let b = *bytes.get(*at)?;
            *at += 1;
            v |= usize::from(b & 0x7F).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    /// Encodes `[zeros][literals][literal f32s…]` records.
    pub(crate) fn encode(table: &[f32]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < table.len() {
            let zeros = table[i..].iter().take_while(|&&c| c == 0.0).count();
            i += zeros;
            let literals = table[i..].iter().take_while(|&&c| c != 0.0).count();
            put_varint(&mut out, zeros);
            put_varint(&mut out, literals);
            for c in &table[i..i + literals] {
                out.extend_from_slice(&c.to_le_bytes());
            }
            i += literals;
        }
        out
    }

    /// Decodes what [`encode`] wrote; `None` on any inconsistency.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<f32>> {
        let mut table = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let zeros = get_varint(bytes, &mut at)?;
            let literals = get_varint(bytes, &mut at)?;
            if table.len().checked_add(zeros)?.checked_add(literals)? > MAX_CELLS {
                return None;
            }
            table.resize(table.len() + zeros, 0.0);
            for _ in 0..literals {
                let word = bytes.get(at..at + 4)?;
                table.push(f32::from_le_bytes([word[0], word[1], word[2], word[3]]));
                at += 4;
            }
        }
        Some(table)
    }

    /// Writes the table.
    pub(crate) fn serialize<S: Serializer>(table: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(encode(table)))
    }

    /// Reads the table.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = STANDARD.decode(text).map_err(D::Error::custom)?;
        decode(&bytes).ok_or_else(|| D::Error::custom("corrupt count-min table"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trends::hash::hash_str;

    #[test]
    fn decays_by_half_life_and_renormalizes() {
        let day = 86_400;
        let mut cms = DecayedCms::new(10, 4, day, 0);
        let h = hash_str("支付宝");
        for _ in 0..100 {
            cms.add(h, cms.weight(0));
            cms.add_total(cms.weight(0));
        }
        assert!((cms.count(h, 0) - 100.0).abs() < 1e-3);
        assert!((cms.count(h, day) - 50.0).abs() < 1e-3);
        // Twenty days later the landmark moves; the decayed count is the same.
        let before = cms.count(h, 20 * day);
        cms.renormalize(20 * day);
        assert!(cms.weight(20 * day) <= 2.0);
        assert!((cms.count(h, 20 * day) - before).abs() < 1e-9 * before.max(1.0));
        assert!((cms.total(20 * day) - before).abs() < 1e-9 * before.max(1.0));
        // Never under-estimates; an absent term reads (nearly) zero.
        assert!(cms.count(hash_str("absent"), 20 * day) <= before);
    }

    #[test]
    fn packs_and_unpacks() {
        let mut table = vec![0.0f32; 1_000];
        table[3] = 1.5;
        table[4] = 2.0;
        table[999] = 7.0;
        let bytes = packed::encode(&table);
        assert!(bytes.len() < 40);
        assert_eq!(packed::decode(&bytes), Some(table));
        assert_eq!(packed::decode(&[0x80]), None);
        assert_eq!(packed::decode(&[0, 2, 1, 2, 3]), None);
    }
}
