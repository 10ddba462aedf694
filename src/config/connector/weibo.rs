//! `kind = "weibo"`: the mentions and comments of a Weibo account, polled
//! from the open or the commercial API, and optionally pushed by Weibo's
//! push service to `/weibo/{connector_id}`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use crate::config::duration::parse_duration;
use crate::config::secret::{SecretKeys, SecretRef};
use crate::config::source::{FileCheck, quoted_list};
use crate::connectors::weibo::endpoint::{Endpoint, EndpointKind};

/// The open API; the commercial one is `https://c.api.weibo.com/2`.
pub const DEFAULT_API_BASE: &str = "https://api.weibo.com/2";
/// The largest page Weibo serves.
pub const MAX_PAGE: u32 = 200;

/// A Weibo account's mentions and comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeiboConfig {
    /// `access_token_env` / `access_token_file` (required): the OAuth2 token;
    /// a file is read again after a token error, so replacing it resumes the connector.
    pub access_token: SecretRef,
    /// `api_base`: default [`DEFAULT_API_BASE`].
    pub api_base: String,
    /// `endpoints`: the timelines polled; default all three at their open-API paths.
    pub endpoints: Vec<Endpoint>,
    /// `poll_interval`: the shortest time between two polls of one endpoint; default `60s`.
    pub poll_interval: Duration,
    /// `requests_per_hour`: the calls this connector may spend, reads and writes; default 150.
    pub requests_per_hour: u32,
    /// `count`: page size, at most 200; default 200.
    pub count: u32,
    /// `overlap`: how many of the newest stored items each poll reads again,
    /// to catch items that appear late below them; default 20.
    pub overlap: u32,
    /// `rip`: the client IP the write endpoints require.
    pub rip: Option<IpAddr>,
    /// `push`: accept Weibo's push service at `/weibo/{connector_id}`; default false.
    pub push: bool,
    /// `app_secret_env` / `app_secret_file`: signs pushes; required with `push = true`.
    pub app_secret: Option<SecretRef>,
    /// `poll`: poll the endpoints; default true (false for a push-only account).
    pub poll: bool,
    /// `timeout`: deadline of one API call; default `30s`.
    pub timeout: Duration,
    /// `enabled`: default true.
    pub enabled: bool,
}

/// `endpoints` as written: a list of names, or a table of name → path.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawEndpoints {
    Names(Vec<String>),
    Paths(BTreeMap<String, String>),
}

/// `connectors/<id>.toml` for Weibo, `kind` already removed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeibo {
    access_token_env: Option<Spanned<String>>,
    access_token_file: Option<Spanned<String>>,
    api_base: Option<Spanned<String>>,
    endpoints: Option<Spanned<RawEndpoints>>,
    poll_interval: Option<Spanned<String>>,
    requests_per_hour: Option<Spanned<u32>>,
    count: Option<Spanned<u32>>,
    overlap: Option<Spanned<u32>>,
    rip: Option<Spanned<String>>,
    push: Option<bool>,
    app_secret_env: Option<Spanned<String>>,
    app_secret_file: Option<Spanned<String>>,
    poll: Option<bool>,
    timeout: Option<Spanned<String>>,
    enabled: Option<bool>,
}

/// Validates a Weibo connector's table.
pub(super) fn check<'a>(
    check: &mut FileCheck<'a>,
    table: Spanned<DeValue<'a>>,
) -> Option<WeiboConfig> {
    let span = table.span();
    let raw: RawWeibo = check.deserialize(table)?;
    let access_token = SecretKeys {
        name: "access_token",
        env: raw.access_token_env,
        file: raw.access_token_file,
    }
    .into_ref(check, span.clone());
    let push = raw.push.unwrap_or(false);
    let has_secret = raw.app_secret_env.is_some() || raw.app_secret_file.is_some();
    let app_secret = if has_secret || push {
        if !has_secret {
            check.report(
                span.clone(),
                "push = true needs the App Secret that signs pushes: add app_secret_env = \"NAME\" or app_secret_file = \"path\"",
            );
            None
        } else {
            SecretKeys {
                name: "app_secret",
                env: raw.app_secret_env,
                file: raw.app_secret_file,
            }
            .into_ref(check, span.clone())
        }
    } else {
        None
    };
    let api_base = raw.api_base.map_or(DEFAULT_API_BASE.to_string(), |base| {
        let text = base.get_ref().trim_end_matches('/').to_string();
        if !(text.starts_with("http://") || text.starts_with("https://")) {
            check.report(base.span(), "api_base must start with http:// or https://");
        }
        text
    });
    let endpoints = endpoints(check, raw.endpoints);
    let requests_per_hour = raw.requests_per_hour.map_or(150, |n| {
        if *n.get_ref() == 0 {
            check.report(n.span(), "requests_per_hour must be at least 1");
        }
        *n.get_ref()
    });
    let count = raw.count.map_or(MAX_PAGE, |n| {
        if !(1..=MAX_PAGE).contains(n.get_ref()) {
            check.report(n.span(), format!("count must be between 1 and {MAX_PAGE}"));
        }
        (*n.get_ref()).clamp(1, MAX_PAGE)
    });
    let overlap = raw.overlap.map_or(20, |n| {
        if *n.get_ref() >= count {
            let message = format!("overlap must be smaller than count ({count})");
            check.report(n.span(), message);
        }
        (*n.get_ref()).min(count.saturating_sub(1))
    });
    let rip = raw
        .rip
        .and_then(|text| match text.get_ref().trim().parse() {
            Ok(ip) => Some(ip),
            Err(_) => {
                check.report(text.span(), "rip must be an IP address such as 203.0.113.7");
                None
            }
        });
    let poll = raw.poll.unwrap_or(true);
    if !poll && !push {
        check.report(
            span.clone(),
            "with poll = false and no push = true this connector would receive nothing",
        );
    }
    Some(WeiboConfig {
        access_token: access_token?,
        api_base,
        endpoints,
        poll_interval: duration(check, "poll_interval", raw.poll_interval, 60),
        requests_per_hour,
        count,
        overlap,
        rip,
        push,
        app_secret,
        poll,
        timeout: duration(check, "timeout", raw.timeout, 30),
        enabled: raw.enabled.unwrap_or(true),
    })
}

fn duration(
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
            Duration::from_secs(default_secs)
        }
        Ok(d) => d,
        Err(message) => {
            check.report(text.span(), format!("{key}: {message}"));
            Duration::from_secs(default_secs)
        }
    }
}

fn endpoints(check: &mut FileCheck<'_>, raw: Option<Spanned<RawEndpoints>>) -> Vec<Endpoint> {
    let Some(raw) = raw else {
        return EndpointKind::ALL.map(Endpoint::standard).to_vec();
    };
    let span = raw.span();
    let known = quoted_list(EndpointKind::ALL.map(EndpointKind::name));
    let named: Vec<(String, Option<String>)> = match raw.into_inner() {
        RawEndpoints::Names(names) => names.into_iter().map(|n| (n, None)).collect(),
        RawEndpoints::Paths(paths) => paths.into_iter().map(|(n, p)| (n, Some(p))).collect(),
    };
    let mut out: Vec<Endpoint> = Vec::new();
    for (name, path) in named {
        let Some(kind) = EndpointKind::parse(&name) else {
            check.report(
                span.clone(),
                format!("unknown endpoint `{name}`: expected one of {known}"),
            );
            continue;
        };
        if out.iter().any(|e| e.kind == kind) {
            check.report(span.clone(), format!("endpoint `{name}` is listed twice"));
            continue;
        }
        let path = match path {
            Some(p) if p.trim().trim_start_matches('/').is_empty() => {
                check.report(span.clone(), format!("endpoint `{name}` has an empty path"));
                continue;
            }
            Some(p) => p.trim().trim_start_matches('/').to_string(),
            None => kind.default_path().to_string(),
        };
        out.push(Endpoint { kind, path });
    }
    if out.is_empty() {
        check.report(span, format!("endpoints must name at least one of {known}"));
    }
    out
}
