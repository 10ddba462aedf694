//! `kind = "wechat"`: a WeChat Official Account (公众号) whose pushes arrive
//! at the daemon's `/wechat/{connector_id}`.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use crate::config::duration::parse_duration;
use crate::config::secret::{SecretKeys, SecretRef};
use crate::config::source::FileCheck;
use crate::connectors::wechat::api::TokenEndpoint;

/// WeChat's API host.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// A WeChat Official Account webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatConfig {
    /// `token_env` / `token_file` (required): the Token set in the WeChat
    /// console, which signs every request.
    pub token: SecretRef,
    /// `app_id` (required): the AppID safe-mode messages must end with.
    pub app_id: String,
    /// `aes_key_env` / `aes_key_file`: the 43-character EncodingAESKey;
    /// required when `accept` holds `safe` or `compat`.
    pub aes_key: Option<SecretRef>,
    /// `app_secret_env` / `app_secret_file`: for the outbound API (publishing
    /// approved drafts, downloading pictures and voice); without it neither happens.
    pub app_secret: Option<SecretRef>,
    /// `api_base`: WeChat's API host; default [`DEFAULT_API_BASE`].
    pub api_base: String,
    /// `token_endpoint`: `"stable"` (default, `/cgi-bin/stable_token`) or
    /// `"classic"` (`/cgi-bin/token`, which retires the previous token).
    pub token_endpoint: TokenEndpoint,
    /// `accept`: the message modes allowed; default all three.
    pub accept: WechatModes,
    /// `timestamp_window`: how far a request's `timestamp` may be from now; default `300s`.
    pub timestamp_window: Duration,
    /// `enabled`: default true; a disabled connector answers 404.
    pub enabled: bool,
}

/// Which of WeChat's three message modes a connector accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WechatModes {
    /// `"safe"`: ciphertext only (安全模式).
    pub safe: bool,
    /// `"compat"`: ciphertext next to the plaintext fields (兼容模式).
    pub compat: bool,
    /// `"plain"`: plaintext only (明文模式).
    pub plain: bool,
}

impl WechatModes {
    /// All three modes.
    pub const ALL: WechatModes = WechatModes {
        safe: true,
        compat: true,
        plain: true,
    };

    fn needs_key(self) -> bool {
        self.safe || self.compat
    }
}

/// `connectors/<id>.toml` for WeChat, `kind` already removed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWechat {
    token_env: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    app_id: Spanned<String>,
    aes_key_env: Option<Spanned<String>>,
    aes_key_file: Option<Spanned<String>>,
    app_secret_env: Option<Spanned<String>>,
    app_secret_file: Option<Spanned<String>>,
    api_base: Option<Spanned<String>>,
    token_endpoint: Option<Spanned<String>>,
    accept: Option<Spanned<Vec<Spanned<String>>>>,
    timestamp_window: Option<Spanned<String>>,
    enabled: Option<bool>,
}

/// Validates a WeChat connector's table.
pub(super) fn check<'a>(
    check: &mut FileCheck<'a>,
    table: Spanned<DeValue<'a>>,
) -> Option<WechatConfig> {
    let span = table.span();
    let raw: RawWechat = check.deserialize(table)?;
    let token = SecretKeys {
        name: "token",
        env: raw.token_env,
        file: raw.token_file,
    }
    .into_ref(check, span.clone());
    if raw.app_id.get_ref().trim().is_empty() {
        check.report(raw.app_id.span(), "app_id must not be empty");
    }
    let accept = accept(check, raw.accept);
    let has_key = raw.aes_key_env.is_some() || raw.aes_key_file.is_some();
    let aes_key = if has_key || accept.needs_key() {
        let keys = SecretKeys {
            name: "aes_key",
            env: raw.aes_key_env,
            file: raw.aes_key_file,
        };
        if !has_key {
            let message = "accept holds \"safe\" or \"compat\", which need the EncodingAESKey: add aes_key_env = \"NAME\" or aes_key_file = \"path\", or set accept = [\"plain\"]";
            check.report(span.clone(), message);
            None
        } else {
            keys.into_ref(check, span.clone())
        }
    } else {
        None
    };
    let has_secret = raw.app_secret_env.is_some() || raw.app_secret_file.is_some();
    let app_secret = if has_secret {
        SecretKeys {
            name: "app_secret",
            env: raw.app_secret_env,
            file: raw.app_secret_file,
        }
        .into_ref(check, span.clone())
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
    let timestamp_window = raw
        .timestamp_window
        .map_or(Duration::from_secs(300), |text| {
            match parse_duration(text.get_ref()) {
                Ok(d) if d.is_zero() => {
                    check.report(text.span(), "timestamp_window must be longer than 0");
                    d
                }
                Ok(d) => d,
                Err(message) => {
                    check.report(text.span(), format!("timestamp_window: {message}"));
                    Duration::ZERO
                }
            }
        });
    Some(WechatConfig {
        token: token?,
        app_id: raw.app_id.into_inner(),
        aes_key,
        app_secret,
        api_base,
        token_endpoint: raw
            .token_endpoint
            .and_then(|v| {
                let choices = [
                    ("stable", TokenEndpoint::Stable),
                    ("classic", TokenEndpoint::Classic),
                ];
                check.choose("token_endpoint", &v, &choices)
            })
            .unwrap_or_default(),
        accept,
        timestamp_window,
        enabled: raw.enabled.unwrap_or(true),
    })
}

fn accept(check: &mut FileCheck<'_>, raw: Option<Spanned<Vec<Spanned<String>>>>) -> WechatModes {
    let Some(list) = raw else {
        return WechatModes::ALL;
    };
    let span = list.span();
    let mut modes = WechatModes {
        safe: false,
        compat: false,
        plain: false,
    };
    let choices = [("safe", 0), ("compat", 1), ("plain", 2)];
    for item in list.into_inner() {
        match check.choose("mode", &item, &choices) {
            Some(0) => modes.safe = true,
            Some(1) => modes.compat = true,
            Some(2) => modes.plain = true,
            _ => {}
        }
    }
    if !(modes.safe || modes.compat || modes.plain) {
        check.report(
            span,
            "accept must name at least one of \"safe\", \"compat\", \"plain\"",
        );
    }
    modes
}
