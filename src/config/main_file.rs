//! `omnilisten.toml`: raw sections → validated settings.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use super::Problem;
use super::accounts::{self, AuthConfig};
use super::outgoing;
use super::parse_duration;
use super::raw::{RawDedup, RawJobs, RawLog, RawPipeline, RawServer, RawStore, SECTIONS};
use super::settings::{
    AcknowledgementConfig, DedupConfig, Durability, JobsConfig, LogConfig, LogFormat,
    PipelineConfig, ServerConfig, SmtpConfig, StoreConfig,
};
use super::source::{FileCheck, SourceFile, quoted_list};

/// The validated contents of `omnilisten.toml`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub pipeline: PipelineConfig,
    pub log: LogConfig,
    pub dedup: DedupConfig,
    pub smtp: Option<SmtpConfig>,
    pub acknowledgement: AcknowledgementConfig,
    pub jobs: JobsConfig,
    pub auth: AuthConfig,
}

/// Checks the main file; every section absent from it keeps its defaults.
/// On problems the returned settings are partial and must not be used.
pub fn check(source: &SourceFile, base_dir: &Path) -> (Settings, Vec<Problem>) {
    let mut check = FileCheck::new(source, base_dir);
    let mut settings = Settings::default();
    let mut acknowledgement_section = None;
    if let Some(document) = check.parse() {
        // Each section is deserialized on its own so that a mistake in one
        // does not hide the mistakes in the others.
        for (key, value) in document.into_inner() {
            let name = key.get_ref().as_ref();
            let known = SECTIONS.contains(&name);
            // `[[users]]` and `[[api_tokens]]` are arrays of tables.
            let array = accounts::ARRAY_SECTIONS.contains(&name);
            let shaped = match value.get_ref() {
                DeValue::Array(_) => array,
                DeValue::Table(_) => !array,
                _ => false,
            };
            if !known || !shaped {
                let message = if array {
                    format!("`{name}` must be an array of tables: [[{name}]]")
                } else if known {
                    format!("`{name}` must be a table: [{name}]")
                } else {
                    let expected = quoted_list(SECTIONS);
                    format!("unknown section `{name}`, expected one of {expected}")
                };
                check.report(key.span(), message);
                continue;
            }
            match name {
                "server" => apply(&mut check, value, server, &mut settings.server),
                "store" => apply(&mut check, value, store, &mut settings.store),
                "pipeline" => apply(&mut check, value, pipeline, &mut settings.pipeline),
                "log" => apply(&mut check, value, log, &mut settings.log),
                "smtp" => settings.smtp = outgoing::smtp_section(&mut check, value),
                "acknowledgement" => {
                    acknowledgement_section = Some(key.span());
                    let slot = &mut settings.acknowledgement;
                    apply(&mut check, value, outgoing::acknowledgement, slot);
                }
                "jobs" => apply(&mut check, value, jobs, &mut settings.jobs),
                "auth" | "users" | "api_tokens" => {
                    accounts::section(&mut check, name, value, &mut settings.auth)
                }
                _ => apply(&mut check, value, dedup, &mut settings.dedup),
            }
        }
    }
    settings.store.path = base_dir.join(&settings.store.path);
    let (smtp, ack) = (settings.smtp.as_ref(), &settings.acknowledgement);
    outgoing::require_smtp(&mut check, smtp, ack, acknowledgement_section);
    (settings, check.into_problems())
}

/// Deserializes one section and validates it into `slot`.
fn apply<'a, R: Deserialize<'a>, T>(
    check: &mut FileCheck<'a>,
    value: Spanned<DeValue<'a>>,
    validate: fn(&mut FileCheck<'a>, R) -> T,
    slot: &mut T,
) {
    if let Some(raw) = check.deserialize(value) {
        *slot = validate(check, raw);
    }
}

fn server(check: &mut FileCheck<'_>, raw: RawServer) -> ServerConfig {
    let mut server = ServerConfig::default();
    if let Some(listen) = raw.listen {
        match listen.get_ref().parse::<SocketAddr>() {
            Ok(addr) => server.listen = addr,
            Err(_) => check.report(
                listen.span(),
                format!(
                    "invalid listen address \"{}\": write an IP address and port, such as \"127.0.0.1:8080\"",
                    listen.get_ref()
                ),
            ),
        }
    }
    server
}

fn store(check: &mut FileCheck<'_>, raw: RawStore) -> StoreConfig {
    let mut store = StoreConfig::default();
    // Resolved against the config directory by `check`, default or not.
    if let Some(path) = raw.path.filter(|p| non_empty(check, "path", p)) {
        store.path = path.into_inner().into();
    }
    if let Some(mb) = raw.cache_capacity_mb {
        store.cache_capacity_mb = at_least(check, "cache_capacity_mb", &mb, 1);
    }
    if let Some(durability) = raw.durability {
        let choices = [("fsync", Durability::Fsync), ("flush", Durability::Flush)];
        store.durability = check
            .choose("durability", &durability, &choices)
            .unwrap_or(store.durability);
    }
    store.max_attachment_bytes = raw
        .max_attachment_bytes
        .unwrap_or(store.max_attachment_bytes);
    store.keep_raw = raw.keep_raw.unwrap_or(store.keep_raw);
    store
}

fn pipeline(check: &mut FileCheck<'_>, raw: RawPipeline) -> PipelineConfig {
    let mut pipeline = PipelineConfig::default();
    if let Some(capacity) = raw.queue_capacity {
        pipeline.queue_capacity = at_least(check, "queue_capacity", &capacity, 1);
    }
    if let Some(batch) = raw.batch_max {
        if !(1..=10_000).contains(batch.get_ref()) {
            check.report(batch.span(), "batch_max must be between 1 and 10000");
        }
        pipeline.batch_max = *batch.get_ref();
    }
    pipeline
}

fn log(check: &mut FileCheck<'_>, raw: RawLog) -> LogConfig {
    let mut log = LogConfig::default();
    if let Some(format) = raw.format {
        let choices = [("text", LogFormat::Text), ("json", LogFormat::Json)];
        log.format = check
            .choose("log format", &format, &choices)
            .unwrap_or(log.format);
    }
    if let Some(level) = raw.level {
        let parsed = tracing_subscriber::EnvFilter::builder().parse(level.get_ref());
        if let Err(e) = parsed {
            let message = format!("invalid log level \"{}\": {e}", level.get_ref());
            check.report(level.span(), message);
        }
        log.level = level.into_inner();
    }
    log
}

fn dedup(check: &mut FileCheck<'_>, raw: RawDedup) -> DedupConfig {
    let mut dedup = DedupConfig::default();
    if let Some(threshold) = raw.near_threshold {
        let value = *threshold.get_ref();
        // Written as a negation so NaN is refused too.
        if !(value > 0.0 && value <= 1.0) {
            check.report(
                threshold.span(),
                "near_threshold must be above 0 and at most 1",
            );
        }
        dedup.near_threshold = value as f32;
    }
    if let Some(capacity) = raw.near_capacity {
        dedup.near_capacity = at_least(check, "near_capacity", &capacity, 1);
    }
    dedup
}

fn jobs(check: &mut FileCheck<'_>, raw: RawJobs) -> JobsConfig {
    let mut jobs = JobsConfig {
        enabled: raw.enabled.unwrap_or(true),
        ..JobsConfig::default()
    };
    if let Some(digest) = raw.digest {
        jobs.digest = schedule(check, "digest", digest);
    }
    if let Some(sweep) = raw.sweep {
        jobs.sweep = schedule(check, "sweep", sweep);
    }
    if let Some(queue) = raw
        .digest_queue
        .filter(|q| non_empty(check, "digest_queue", q))
    {
        jobs.digest_queue = queue.into_inner().trim().to_string();
    }
    if let Some(value) = raw.conversation_retention {
        let found = retention(check, "conversation_retention", value, 1);
        jobs.conversation_retention = found.unwrap_or(jobs.conversation_retention);
    }
    if let Some(value) = raw.media_job_retention {
        // WeChat deletes media after 3 days; the fetcher gives up then by itself.
        let found = retention(check, "media_job_retention", value, 3);
        jobs.media_job_retention = found.unwrap_or(jobs.media_job_retention);
    }
    jobs
}

/// A retention of at least `min_days`, or None after reporting why not.
fn retention(
    check: &mut FileCheck<'_>,
    key: &str,
    value: Spanned<String>,
    min_days: u64,
) -> Option<std::time::Duration> {
    match parse_duration(value.get_ref()) {
        Ok(d) if d.as_secs() >= min_days * 86_400 => Some(d),
        Ok(_) => {
            check.report(value.span(), format!("{key} must be at least {min_days}d"));
            None
        }
        Err(message) => {
            check.report(value.span(), format!("{key}: {message}"));
            None
        }
    }
}

/// A cron expression (six fields, with seconds), or None for `""` (off).
fn schedule(check: &mut FileCheck<'_>, key: &str, value: Spanned<String>) -> Option<String> {
    let expression = value.get_ref().trim();
    if expression.is_empty() {
        return None;
    }
    if let Err(why) = crate::jobs::check_schedule(expression) {
        check.report(
            value.span(),
            format!("invalid cron expression \"{expression}\" for {key}: {why}"),
        );
        return None;
    }
    Some(expression.to_string())
}

/// The value, after reporting it when it is below `min`.
fn at_least<T: Copy + PartialOrd + std::fmt::Display>(
    check: &mut FileCheck<'_>,
    key: &str,
    value: &Spanned<T>,
    min: T,
) -> T {
    if *value.get_ref() < min {
        check.report(value.span(), format!("{key} must be at least {min}"));
    }
    *value.get_ref()
}

fn non_empty(check: &mut FileCheck<'_>, key: &str, value: &Spanned<String>) -> bool {
    let empty = value.get_ref().trim().is_empty();
    if empty {
        check.report(value.span(), format!("{key} must not be empty"));
    }
    !empty
}
