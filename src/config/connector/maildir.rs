//! `kind = "maildir"`: a local Maildir the mail server delivers into.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use crate::config::duration::parse_duration;
use crate::config::source::FileCheck;

/// A Maildir source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaildirConfig {
    /// `path` (required): the Maildir (holding `new/` and `cur/`), resolved against the config directory.
    pub path: PathBuf,
    /// `after`: what happens to a mail file once its message is durable; default `move`.
    pub after: MaildirAfter,
    /// `poll_interval`: how often `new/` is scanned; default `2s`.
    pub poll_interval: Duration,
    /// `max_message_bytes`: larger files are quarantined unread; default 25 MiB.
    pub max_message_bytes: u64,
    /// `enabled`: default true; a disabled connector is loaded but not started.
    pub enabled: bool,
}

/// What the Maildir source does with a file it has ingested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaildirAfter {
    /// `"move"`: `new/` → `cur/` (the Maildir way of marking mail seen), after the store commit.
    Move,
    /// `"keep"`: never touch the Maildir (read-only mounts, the samples in git);
    /// processed file names are remembered in the store instead.
    Keep,
}

/// `connectors/<id>.toml` for a Maildir, `kind` already removed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaildir {
    path: Spanned<String>,
    after: Option<Spanned<String>>,
    poll_interval: Option<Spanned<String>>,
    max_message_bytes: Option<Spanned<u64>>,
    enabled: Option<bool>,
}

/// Validates a Maildir connector's table. A path that does not exist is a
/// problem unless the connector is disabled.
pub(super) fn check<'a>(
    check: &mut FileCheck<'a>,
    table: Spanned<DeValue<'a>>,
) -> Option<MaildirConfig> {
    let raw: RawMaildir = check.deserialize(table)?;
    let enabled = raw.enabled.unwrap_or(true);
    let path = check.resolve(raw.path.get_ref());
    if raw.path.get_ref().trim().is_empty() {
        check.report(raw.path.span(), "path must not be empty");
    } else if enabled && !path.is_dir() {
        let what = if path.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        check.report(
            raw.path.span(),
            format!("maildir {} {what}", path.display()),
        );
    }
    let after = match raw.after {
        Some(after) => {
            let choices = [("move", MaildirAfter::Move), ("keep", MaildirAfter::Keep)];
            check
                .choose("after", &after, &choices)
                .unwrap_or(MaildirAfter::Move)
        }
        None => MaildirAfter::Move,
    };
    let poll_interval =
        raw.poll_interval.map_or(Duration::from_secs(2), |text| {
            match parse_duration(text.get_ref()) {
                Ok(d) if d.is_zero() => {
                    check.report(text.span(), "poll_interval must be longer than 0");
                    d
                }
                Ok(d) => d,
                Err(message) => {
                    check.report(text.span(), format!("poll_interval: {message}"));
                    Duration::ZERO
                }
            }
        });
    let max_message_bytes = raw.max_message_bytes.map_or(25 * 1024 * 1024, |max| {
        if *max.get_ref() == 0 {
            check.report(max.span(), "max_message_bytes must be at least 1");
        }
        max.into_inner()
    });
    Some(MaildirConfig {
        path,
        after,
        poll_interval,
        max_message_bytes,
        enabled,
    })
}
