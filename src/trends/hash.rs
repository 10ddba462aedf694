//! Stable 64-bit hashes for authors and terms.
//!
//! The hashes end up in snapshots (open per-minute author sets, Space-Saving
//! entries), so they must not change between Rust releases the way
//! `DefaultHasher` may: this is a fixed word-at-a-time multiply–rotate hash
//! with the SplitMix64 finalizer, whose well-mixed bits HyperLogLog and the
//! Count-Min rows rely on.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Multiplier from xxHash64 (an odd constant with good bit dispersion).
const K1: u64 = 0x9E37_79B1_85EB_CA87;
/// Second xxHash64 prime, mixed into the length.
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// Hashes a string to 64 well-mixed bits; the same input gives the same hash
/// in every process and version.
pub(crate) fn hash_str(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(K2) ^ K1;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K1)
            .rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K1)
            .rotate_left(31);
    }
    mix64(h)
}

/// SplitMix64's finalizer: every input bit affects every output bit.
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A hasher for keys that already are [`hash_str`] outputs: hashing them
/// again would only cost time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys other than u64, which this crate never uses;
        // fold the bytes in anyway so the hasher stays correct.
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by pre-mixed 64-bit hashes.
pub(crate) type HashKeyed<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_spread() {
        assert_eq!(hash_str("支付宝"), hash_str("支付宝"));
        assert_ne!(hash_str("支付宝"), hash_str("支付宝 "));
        assert_ne!(hash_str(""), hash_str("\0"));
        // The top bits (HyperLogLog's register index) differ for near inputs.
        let a = hash_str("u1") >> 54;
        let b = hash_str("u2") >> 54;
        assert_ne!(a, b);
    }
}
