//! Tests of the whole analysis against the shipped dictionary directory.

use std::path::PathBuf;
use std::sync::OnceLock;

use super::Analyzer;

mod dict;
mod garbage;
mod labelled;
mod markup;
mod masking;
mod throughput;
mod units;
mod variants;

/// `rules/dict` of this checkout.
fn dict_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules/dict")
}

/// One analyzer for all tests: loading jieba takes a while.
fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::load(&dict_dir()).expect("rules/dict loads"))
}
