//! Accounts and access in `omnilisten.toml`: `[auth]` (sessions, cookies,
//! login limits), `[[users]]` (people, with Argon2 password hashes) and
//! `[[api_tokens]]` (scripts, with the token in a file or the environment).
//!
//! A password hash is not a secret (it is what `omnilisten passwd` prints)
//! and may be written inline or read from `password_hash_file` when the
//! config is loaded, so `omnilisten check` sees a malformed one. A token
//! *is* a secret: only where to read it is written, and it is read when the
//! daemon starts.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use super::duration::parse_duration;
use super::secret::{SecretKeys, SecretRef, take_inline_secrets};
use super::source::FileCheck;
use crate::auth::{RateLimit, Role, check_hash};

/// The sections this file handles; `users` and `api_tokens` are arrays of
/// tables (`[[users]]`), `auth` a table.
pub const ARRAY_SECTIONS: [&str; 2] = ["users", "api_tokens"];

/// `[auth]`, `[[users]]` and `[[api_tokens]]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// `session_ttl`: how long a login lasts; default 12h, at least 1m.
    pub session_ttl: Duration,
    /// `secure_cookies`: mark cookies `Secure` (only sent over HTTPS); set
    /// it when the daemon is served behind TLS; default false.
    pub secure_cookies: bool,
    /// `login_limit`: failed logins allowed per user and IP address within
    /// a sliding window, then 429 with `Retry-After`; default `5/15m`.
    pub login_limit: RateLimit,
    /// `login_limit_ip`: failed logins allowed per IP address, whatever the
    /// user name; default `20/15m`.
    pub login_limit_ip: RateLimit,
    /// `trust_forwarded_for`: behind a reverse proxy on loopback, take the
    /// client's address from the last `X-Forwarded-For` entry (for the login
    /// limits and the audit log); default false.
    pub trust_forwarded_for: bool,
    /// `[[users]]`, in file order.
    pub users: Vec<UserConfig>,
    /// `[[api_tokens]]`, in file order.
    pub api_tokens: Vec<ApiTokenConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            login_limit: RateLimit {
                failures: 5,
                window: Duration::from_secs(15 * 60),
            },
            login_limit_ip: RateLimit {
                failures: 20,
                window: Duration::from_secs(15 * 60),
            },
            trust_forwarded_for: false,
            users: Vec::new(),
            api_tokens: Vec::new(),
        }
    }
}

/// One `[[users]]` entry: a person who logs in to the review desk.
#[derive(Clone, PartialEq, Eq)]
pub struct UserConfig {
    /// `name`: the login name, unique.
    pub name: String,
    /// `display_name`: shown on pages and in the audit log; default `name`.
    pub display_name: String,
    /// `role`: `reviewer`, `agent` or `admin`.
    pub role: Role,
    /// `password_hash` (or the contents of `password_hash_file`): an
    /// Argon2 PHC string from `omnilisten passwd`.
    pub password_hash: String,
}

impl std::fmt::Debug for UserConfig {
    /// Without the hash: it is not a secret, but a log has no use for it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserConfig")
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// One `[[api_tokens]]` entry: a script calling the JSON API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenConfig {
    /// `name`: who uses it; the audit log says `token:<name>`.
    pub name: String,
    /// `role`: what the token may do.
    pub role: Role,
    /// `token_env` / `token_file`: where the token is read at start.
    pub token: SecretRef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    session_ttl: Option<Spanned<String>>,
    secure_cookies: Option<bool>,
    login_limit: Option<Spanned<String>>,
    login_limit_ip: Option<Spanned<String>>,
    trust_forwarded_for: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    name: Option<Spanned<String>>,
    display_name: Option<Spanned<String>>,
    role: Option<Spanned<String>>,
    password_hash: Option<Spanned<String>>,
    password_hash_file: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApiToken {
    name: Option<Spanned<String>>,
    role: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
}

/// Checks one of `auth`, `users`, `api_tokens` into `slot`.
pub fn section<'a>(
    check: &mut FileCheck<'a>,
    name: &str,
    value: Spanned<DeValue<'a>>,
    slot: &mut AuthConfig,
) {
    match name {
        "auth" => {
            if let Some(raw) = check.deserialize::<RawAuth>(value) {
                auth(check, raw, slot);
            }
        }
        "users" => slot.users = users(check, value),
        _ => slot.api_tokens = api_tokens(check, value),
    }
}

fn auth(check: &mut FileCheck<'_>, raw: RawAuth, slot: &mut AuthConfig) {
    if let Some(ttl) = raw.session_ttl {
        match parse_duration(ttl.get_ref()) {
            Ok(d) if d >= Duration::from_secs(60) => slot.session_ttl = d,
            Ok(_) => check.report(ttl.span(), "session_ttl must be at least 1m"),
            Err(message) => check.report(ttl.span(), format!("session_ttl: {message}")),
        }
    }
    slot.secure_cookies = raw.secure_cookies.unwrap_or(slot.secure_cookies);
    slot.trust_forwarded_for = raw.trust_forwarded_for.unwrap_or(slot.trust_forwarded_for);
    for (key, value, target) in [
        ("login_limit", raw.login_limit, &mut slot.login_limit),
        (
            "login_limit_ip",
            raw.login_limit_ip,
            &mut slot.login_limit_ip,
        ),
    ] {
        if let Some(value) = value {
            match RateLimit::parse(value.get_ref()) {
                Ok(limit) => *target = limit,
                Err(message) => check.report(value.span(), format!("{key}: {message}")),
            }
        }
    }
}

/// The tables of an array section; anything else in it is reported.
fn tables<'a>(check: &mut FileCheck<'a>, value: Spanned<DeValue<'a>>) -> Vec<Spanned<DeValue<'a>>> {
    let DeValue::Array(items) = value.into_inner() else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter(|item| {
            let table = matches!(item.get_ref(), DeValue::Table(_));
            if !table {
                check.report(item.span(), "each entry must be a table");
            }
            table
        })
        .collect()
}

fn users<'a>(check: &mut FileCheck<'a>, value: Spanned<DeValue<'a>>) -> Vec<UserConfig> {
    let mut out = Vec::new();
    let mut seen = Names::default();
    for mut item in tables(check, value) {
        let span = item.span();
        if let DeValue::Table(table) = item.get_mut() {
            let inline = table
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == "password");
            if let Some(key_span) = inline.map(|(key, _)| key.span()) {
                check.report(
                    key_span,
                    "passwords are never written in config: write password_hash = \"$argon2id$...\" (made by `omnilisten passwd`)",
                );
                table.remove("password");
            }
        }
        let Some(raw) = check.deserialize::<RawUser>(item) else {
            continue;
        };
        let name = login_name(check, raw.name.as_ref(), &span, "user", &mut seen);
        let role = role(check, raw.role.as_ref(), &span);
        let hash = password_hash(check, raw.password_hash, raw.password_hash_file, &span);
        let display_name = raw
            .display_name
            .map(|d| d.into_inner().trim().to_string())
            .filter(|d| !d.is_empty());
        if let (Some(name), Some(role), Some(password_hash)) = (name, role, hash) {
            out.push(UserConfig {
                display_name: display_name.unwrap_or_else(|| name.clone()),
                name,
                role,
                password_hash,
            });
        }
    }
    out
}

fn api_tokens<'a>(check: &mut FileCheck<'a>, value: Spanned<DeValue<'a>>) -> Vec<ApiTokenConfig> {
    let mut out = Vec::new();
    let mut seen = Names::default();
    for mut item in tables(check, value) {
        let span = item.span();
        if let DeValue::Table(table) = item.get_mut() {
            take_inline_secrets(check, table);
        }
        let Some(raw) = check.deserialize::<RawApiToken>(item) else {
            continue;
        };
        let name = login_name(check, raw.name.as_ref(), &span, "token", &mut seen);
        let role = role(check, raw.role.as_ref(), &span);
        let keys = SecretKeys {
            name: "token",
            env: raw.token_env,
            file: raw.token_file,
        };
        let token = keys.into_ref(check, span.clone());
        if let (Some(name), Some(role), Some(token)) = (name, role, token) {
            out.push(ApiTokenConfig { name, role, token });
        }
    }
    out
}

/// Names seen so far in one section, with the line of their first use.
#[derive(Default)]
struct Names(HashMap<String, usize>);

/// A valid, unique name. Names are what the audit log records as the
/// actor, so they must not look like the log's own `system:`/`token:`
/// actors (no `:`), and must survive being typed into a login form.
fn login_name(
    check: &mut FileCheck<'_>,
    name: Option<&Spanned<String>>,
    table: &Range<usize>,
    what: &str,
    seen: &mut Names,
) -> Option<String> {
    let Some(name) = name else {
        check.report(table.clone(), format!("a {what} needs name = \"...\""));
        return None;
    };
    let text = name.get_ref().trim();
    let valid = !text.is_empty()
        && text.chars().count() <= 64
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ':');
    if !valid {
        let message = format!(
            "invalid {what} name \"{text}\": 1 to 64 characters, no spaces, control characters or `:`"
        );
        check.report(name.span(), message);
        return None;
    }
    let line = check.source.line_column(name.span().start).0;
    if let Some(first) = seen.0.get(text) {
        let message = format!("duplicate {what} \"{text}\" (first defined on line {first})");
        check.report(name.span(), message);
        return None;
    }
    seen.0.insert(text.to_string(), line);
    Some(text.to_string())
}

fn role(
    check: &mut FileCheck<'_>,
    role: Option<&Spanned<String>>,
    table: &Range<usize>,
) -> Option<Role> {
    let Some(role) = role else {
        check.report(
            table.clone(),
            "missing role = \"reviewer\", \"agent\" or \"admin\"",
        );
        return None;
    };
    let choices = Role::ALL.map(|r| (r.as_str(), r));
    check.choose("role", role, &choices)
}

/// The hash, inline or from its file, checked to be an Argon2 PHC string.
fn password_hash(
    check: &mut FileCheck<'_>,
    inline: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    table: &Range<usize>,
) -> Option<String> {
    let (text, span) = match (inline, file) {
        (Some(_), Some(file)) => {
            let message = "give either password_hash or password_hash_file, not both";
            check.report(file.span(), message);
            return None;
        }
        (None, None) => {
            let message = "missing password_hash = \"$argon2id$...\" (made by `omnilisten passwd`) or password_hash_file = \"path\"";
            check.report(table.clone(), message);
            return None;
        }
        (Some(inline), None) => (inline.get_ref().trim().to_string(), inline.span()),
        (None, Some(file)) => {
            let path = check.resolve(file.get_ref());
            match std::fs::read_to_string(&path) {
                Ok(text) => (text.trim().to_string(), file.span()),
                Err(e) => {
                    let message = format!("cannot read password_hash_file {}: {e}", path.display());
                    check.report(file.span(), message);
                    return None;
                }
            }
        }
    };
    match check_hash(&text) {
        Ok(()) => Some(text),
        Err(message) => {
            check.report(span, message);
            None
        }
    }
}

#[cfg(test)]
mod tests;
