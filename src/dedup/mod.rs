//! Deduplication: exact keys for redelivered input, and a bounded
//! near-duplicate index for copies that differ cosmetically.
//!
//! - [`exact`] builds the store keys that make redelivery idempotent: the same
//!   mail fetched twice or a webhook retried maps to the same key.
//! - [`near`] finds earlier messages whose wording is nearly the same
//!   (MinHash on character 2-grams of [`crate::text::dedup_form`], LSH 32 × 4,
//!   verified with exact Jaccard; research/trending.md §3), so reposts and
//!   copy-paste complaints join one ticket.

pub mod exact;
pub mod near;
