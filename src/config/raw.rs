//! `omnilisten.toml` as written: one serde struct per section, every key
//! optional (defaults are applied during validation) and unknown keys refused.
//! Keys that get a semantic check keep their span so the problem can point at them.

use serde::Deserialize;
use toml::Spanned;

/// The sections `omnilisten.toml` may have.
pub const SECTIONS: [&str; 11] = [
    "server",
    "store",
    "pipeline",
    "log",
    "dedup",
    "smtp",
    "acknowledgement",
    "jobs",
    "auth",
    "users",
    "api_tokens",
];

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: Option<Spanned<String>>,
}

/// `[store]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub path: Option<Spanned<String>>,
    pub cache_capacity_mb: Option<Spanned<u64>>,
    pub durability: Option<Spanned<String>>,
    pub max_attachment_bytes: Option<u64>,
    pub keep_raw: Option<bool>,
}

/// `[pipeline]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    pub queue_capacity: Option<Spanned<usize>>,
    pub batch_max: Option<Spanned<usize>>,
}

/// `[log]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    pub format: Option<Spanned<String>>,
    pub level: Option<Spanned<String>>,
}

/// `[dedup]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDedup {
    pub near_threshold: Option<Spanned<f64>>,
    pub near_capacity: Option<Spanned<usize>>,
}

/// `[jobs]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJobs {
    pub enabled: Option<bool>,
    pub digest: Option<Spanned<String>>,
    pub digest_queue: Option<Spanned<String>>,
    pub sweep: Option<Spanned<String>>,
    pub conversation_retention: Option<Spanned<String>>,
    pub media_job_retention: Option<Spanned<String>>,
}
