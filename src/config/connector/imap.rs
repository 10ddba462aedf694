//! `kind = "imap"`: a remote mailbox read over IMAP (the support mailbox).

use std::net::IpAddr;
use std::ops::Range;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use crate::config::duration::parse_duration;
use crate::config::secret::{SecretKeys, SecretRef};
use crate::config::source::FileCheck;

/// An IMAP source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapConfig {
    /// `host` (required): the IMAP server's name; also the TLS server name.
    pub host: String,
    /// `port`: default 993 with `tls = "implicit"`, 143 otherwise.
    pub port: u16,
    /// `tls`: how the connection is protected; default `implicit`.
    pub tls: ImapTls,
    /// `ca_file`: PEM certificates trusted in addition to the public roots
    /// (a company CA, or a server's own certificate); relative to the config
    /// directory. There is no switch that turns certificate checks off.
    pub ca_file: Option<std::path::PathBuf>,
    /// `username` (required): the login name.
    pub username: String,
    /// `auth` with its secret: `password_env`/`password_file` or `token_file`.
    pub auth: ImapAuth,
    /// `folders`: the mailboxes read, in order; default `["INBOX"]`. The
    /// first one is watched with IDLE.
    pub folders: Vec<String>,
    /// `poll_interval`: how often folders are checked without IDLE, and the
    /// safety-net check while idling; default `60s`.
    pub poll_interval: Duration,
    /// `start`: what is read the first time a folder is seen; default `new`.
    pub start: ImapStart,
    /// `after`: what happens on the server once a mail is durable; default `keep`.
    pub after: ImapAfter,
    /// `max_message_bytes`: larger mail is quarantined from its header alone,
    /// never downloaded whole; default 25 MiB.
    pub max_message_bytes: u64,
    /// `fetch_batch`: UIDs per `UID FETCH`; default 500.
    pub fetch_batch: u32,
    /// `command_timeout`: the longest any IMAP command may take before the
    /// connection is dropped and re-opened; default `60s`.
    pub command_timeout: Duration,
    /// `enabled`: default true; a disabled connector is loaded but not started.
    pub enabled: bool,
}

/// How the IMAP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapTls {
    /// `"implicit"`: TLS from the first byte (IMAPS, port 993).
    Implicit,
    /// `"starttls"`: plain connect, then `STARTTLS` before logging in (port 143).
    Starttls,
    /// `"none"`: no TLS; only for loopback hosts or with `allow_plaintext = true`.
    None,
}

/// How omnilisten logs in, with where its secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapAuth {
    /// `"login"`: the IMAP `LOGIN` command with a password.
    Login(SecretRef),
    /// `"plain"`: `AUTHENTICATE PLAIN` with a password.
    Plain(SecretRef),
    /// `"xoauth2"`: `AUTHENTICATE XOAUTH2` with an access token read from
    /// `token_file` at every login, so a token refreshed by another process is
    /// picked up when the old one is refused.
    Xoauth2(SecretRef),
}

/// What is read the first time a folder is seen (no position stored yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapStart {
    /// `"all"`: every mail already in the folder, as a historical import.
    All,
    /// `"new"`: only mail that arrives from now on.
    New,
    /// `"since:YYYY-MM-DD"`: mail from the first one received on or after
    /// that day, as a historical import.
    Since(NaiveDate),
}

/// What happens to a mail on the server once its message is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapAfter {
    /// `"keep"`: nothing; the stored position alone says what was read.
    Keep,
    /// `"seen"`: set `\Seen`.
    Seen,
    /// `"move:FOLDER"`: move it to FOLDER (created when missing).
    Move(String),
}

/// `connectors/<id>.toml` for IMAP, `kind` already removed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImap {
    host: Spanned<String>,
    port: Option<Spanned<u16>>,
    tls: Option<Spanned<String>>,
    allow_plaintext: Option<bool>,
    ca_file: Option<Spanned<String>>,
    username: Spanned<String>,
    auth: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    folders: Option<Spanned<Vec<String>>>,
    poll_interval: Option<Spanned<String>>,
    start: Option<Spanned<String>>,
    after: Option<Spanned<String>>,
    max_message_bytes: Option<Spanned<u64>>,
    fetch_batch: Option<Spanned<u32>>,
    command_timeout: Option<Spanned<String>>,
    enabled: Option<bool>,
}

/// Validates an IMAP connector's table. Every problem is reported before
/// giving up, so one typo does not hide the next.
pub(super) fn check<'a>(
    check: &mut FileCheck<'a>,
    table: Spanned<DeValue<'a>>,
) -> Option<ImapConfig> {
    let span = table.span();
    let raw: RawImap = check.deserialize(table)?;
    let host = raw.host.get_ref().trim().to_string();
    if host.is_empty() {
        check.report(raw.host.span(), "host must not be empty");
    }
    let tls = tls(check, &raw, &host, span.clone());
    if raw.username.get_ref().trim().is_empty() {
        check.report(raw.username.span(), "username must not be empty");
    }
    let folders = folders(check, raw.folders.as_ref());
    let after = raw
        .after
        .as_ref()
        .map_or(Some(ImapAfter::Keep), |a| after(check, a, &folders));
    let start = raw
        .start
        .as_ref()
        .map_or(Some(ImapStart::New), |s| start(check, s));
    let auth = auth(check, &raw, span);
    let poll_interval = positive_duration(check, "poll_interval", raw.poll_interval, 60);
    let command_timeout = positive_duration(check, "command_timeout", raw.command_timeout, 60);
    let max_message_bytes = at_least_one(check, "max_message_bytes", raw.max_message_bytes);
    let fetch_batch = fetch_batch(check, raw.fetch_batch);
    if let Some(port) = raw.port.as_ref().filter(|p| *p.get_ref() == 0) {
        check.report(port.span(), "port must be 1 to 65535");
    }
    let ca_file = raw.ca_file.as_ref().and_then(|f| {
        let path = check.resolve(f.get_ref());
        if path.is_file() {
            Some(path)
        } else {
            check.report(
                f.span(),
                format!("ca_file {} does not exist", path.display()),
            );
            None
        }
    });
    let tls = tls?;
    Some(ImapConfig {
        host,
        port: raw.port.map_or(
            if tls == ImapTls::Implicit { 993 } else { 143 },
            Spanned::into_inner,
        ),
        tls,
        ca_file,
        username: raw.username.into_inner(),
        auth: auth?,
        folders,
        poll_interval,
        start: start?,
        after: after?,
        max_message_bytes: max_message_bytes.unwrap_or(25 * 1024 * 1024),
        fetch_batch,
        command_timeout,
        enabled: raw.enabled.unwrap_or(true),
    })
}

/// `tls`, refusing clear text (and so the password) beyond the machine
/// unless the file says `allow_plaintext = true`.
fn tls(
    check: &mut FileCheck<'_>,
    raw: &RawImap,
    host: &str,
    table: Range<usize>,
) -> Option<ImapTls> {
    let choices = [
        ("implicit", ImapTls::Implicit),
        ("starttls", ImapTls::Starttls),
        ("none", ImapTls::None),
    ];
    let tls = match &raw.tls {
        Some(tls) => check.choose("tls", tls, &choices),
        None => Some(ImapTls::Implicit),
    };
    let plaintext_ok = raw.allow_plaintext.unwrap_or(false) || is_loopback(host);
    if tls == Some(ImapTls::None) && !plaintext_ok {
        let at = raw.tls.as_ref().map_or(table, Spanned::span);
        let message = format!(
            "tls = \"none\" would send the password in clear text to {host}: use it only for a loopback host, or set allow_plaintext = true"
        );
        check.report(at, message);
    }
    tls
}

/// True for `localhost` and loopback addresses, where clear text never
/// leaves the machine.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.eq_ignore_ascii_case("localhost.")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn auth(check: &mut FileCheck<'_>, raw: &RawImap, table: Range<usize>) -> Option<ImapAuth> {
    let choices = [("login", 0u8), ("plain", 1), ("xoauth2", 2)];
    let mechanism = match &raw.auth {
        Some(auth) => check.choose("auth", auth, &choices)?,
        None => 0,
    };
    if mechanism == 2 {
        if let Some(password) = raw.password_env.as_ref().or(raw.password_file.as_ref()) {
            check.report(
                password.span(),
                "auth = \"xoauth2\" logs in with token_file, not a password",
            );
        }
        let Some(file) = &raw.token_file else {
            check.report(table, "auth = \"xoauth2\" needs token_file = \"path\"");
            return None;
        };
        let keys = SecretKeys {
            name: "token",
            env: None,
            file: Some(file.clone()),
        };
        return keys.into_ref(check, table).map(ImapAuth::Xoauth2);
    }
    if let Some(token) = &raw.token_file {
        check.report(
            token.span(),
            "token_file is only used with auth = \"xoauth2\"",
        );
    }
    let keys = SecretKeys {
        name: "password",
        env: raw.password_env.clone(),
        file: raw.password_file.clone(),
    };
    let secret = keys.into_ref(check, table)?;
    Some(if mechanism == 1 {
        ImapAuth::Plain(secret)
    } else {
        ImapAuth::Login(secret)
    })
}

fn folders(check: &mut FileCheck<'_>, raw: Option<&Spanned<Vec<String>>>) -> Vec<String> {
    let Some(raw) = raw else {
        return vec!["INBOX".to_string()];
    };
    let list = raw.get_ref();
    if list.is_empty() {
        check.report(raw.span(), "folders must name at least one folder");
    }
    if list
        .iter()
        .any(|f| f.trim().is_empty() || f.contains(['\r', '\n']))
    {
        check.report(
            raw.span(),
            "folder names must not be empty or contain line breaks",
        );
    }
    let mut seen = Vec::new();
    for folder in list {
        if seen.contains(&folder) {
            check.report(raw.span(), format!("folder \"{folder}\" is listed twice"));
        }
        seen.push(folder);
    }
    list.clone()
}

fn start(check: &mut FileCheck<'_>, raw: &Spanned<String>) -> Option<ImapStart> {
    match raw.get_ref().as_str() {
        "all" => Some(ImapStart::All),
        "new" => Some(ImapStart::New),
        other => {
            match other.strip_prefix("since:") {
                Some(day) => match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
                    Ok(date) => Some(ImapStart::Since(date)),
                    Err(_) => {
                        check.report(raw.span(), format!("start = \"{other}\": write the day as since:YYYY-MM-DD, such as since:2026-11-01"));
                        None
                    }
                },
                None => {
                    check.report(raw.span(), format!("unknown start `{other}`: expected one of `all`, `new`, `since:YYYY-MM-DD`"));
                    None
                }
            }
        }
    }
}

fn after(
    check: &mut FileCheck<'_>,
    raw: &Spanned<String>,
    folders: &[String],
) -> Option<ImapAfter> {
    match raw.get_ref().as_str() {
        "keep" => Some(ImapAfter::Keep),
        "seen" => Some(ImapAfter::Seen),
        other => match other.strip_prefix("move:") {
            Some(target) if target.trim().is_empty() || target.contains(['\r', '\n']) => {
                check.report(raw.span(), "after = \"move:FOLDER\" needs a folder name");
                None
            }
            // Moving into a folder that is read would feed every mail back in.
            Some(target) if folders.iter().any(|f| f == target) => {
                check.report(
                    raw.span(),
                    format!("after moves mail into \"{target}\", which is one of the folders read"),
                );
                None
            }
            Some(target) => Some(ImapAfter::Move(target.to_string())),
            None => {
                check.report(
                    raw.span(),
                    format!(
                        "unknown after `{other}`: expected one of `keep`, `seen`, `move:FOLDER`"
                    ),
                );
                None
            }
        },
    }
}

fn positive_duration(
    check: &mut FileCheck<'_>,
    key: &str,
    raw: Option<Spanned<String>>,
    default_secs: u64,
) -> Duration {
    let Some(text) = raw else {
        return Duration::from_secs(default_secs);
    };
    match parse_duration(text.get_ref()) {
        Ok(d) if d.is_zero() => {
            check.report(text.span(), format!("{key} must be longer than 0"));
            d
        }
        Ok(d) => d,
        Err(message) => {
            check.report(text.span(), format!("{key}: {message}"));
            Duration::from_secs(default_secs)
        }
    }
}

fn at_least_one(check: &mut FileCheck<'_>, key: &str, raw: Option<Spanned<u64>>) -> Option<u64> {
    let raw = raw?;
    if *raw.get_ref() == 0 {
        check.report(raw.span(), format!("{key} must be at least 1"));
    }
    Some(raw.into_inner())
}

fn fetch_batch(check: &mut FileCheck<'_>, raw: Option<Spanned<u32>>) -> u32 {
    let Some(raw) = raw else {
        return 500;
    };
    // Dovecot refuses command lines over 64 KiB; 10,000 sparse UIDs stay below.
    if !(1..=10_000).contains(raw.get_ref()) {
        check.report(raw.span(), "fetch_batch must be 1 to 10000");
    }
    raw.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.8.9.1",
            "::1",
            "[::1]",
            "LOCALHOST",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["imap.example.com", "10.0.0.1", "localhost.example.com", ""] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
