//! `[smtp]` and `[acknowledgement]` in `omnilisten.toml`: raw → validated,
//! and the acknowledgement template file.

use std::net::IpAddr;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeValue;

use super::duration::parse_duration;
use super::secret::{SecretKeys, take_inline_secrets};
use super::settings::{AcknowledgementConfig, SmtpConfig, SmtpTls};
use super::source::FileCheck;
use super::{Problem, SourceFile};
use crate::outbound::Template;

/// `[smtp]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSmtp {
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
    pub tls: Option<Spanned<String>>,
    pub allow_plaintext: Option<bool>,
    pub username: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
    pub password_file: Option<Spanned<String>>,
    pub from: Option<Spanned<String>>,
    pub message_id_domain: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

/// `[acknowledgement]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAcknowledgement {
    pub enabled: Option<bool>,
    pub template: Option<Spanned<String>>,
    pub per_sender_per_hour: Option<u32>,
    pub no_reply_patterns: Option<Vec<String>>,
}

/// Checks `[smtp]`, inline secrets included. None after a problem.
pub fn smtp_section<'a>(
    check: &mut FileCheck<'a>,
    mut value: Spanned<DeValue<'a>>,
) -> Option<SmtpConfig> {
    let span = value.span();
    if let DeValue::Table(table) = value.get_mut() {
        take_inline_secrets(check, table);
    }
    let raw: RawSmtp = check.deserialize(value)?;
    smtp(check, raw, span)
}

fn smtp(check: &mut FileCheck<'_>, raw: RawSmtp, table: Range<usize>) -> Option<SmtpConfig> {
    let Some(host) = raw.host.filter(|h| !h.get_ref().trim().is_empty()) else {
        check.report(table, "[smtp] needs host = \"smtp.example.com\"");
        return None;
    };
    let tls = match &raw.tls {
        Some(tls) => {
            let choices = [
                ("implicit", SmtpTls::Implicit),
                ("starttls", SmtpTls::Starttls),
                ("none", SmtpTls::None),
            ];
            check.choose("tls mode", tls, &choices)?
        }
        None => SmtpTls::Implicit,
    };
    if tls == SmtpTls::None && !raw.allow_plaintext.unwrap_or(false) && !is_loopback(host.get_ref())
    {
        let span = raw.tls.as_ref().map_or(host.span(), Spanned::span);
        check.report(
            span,
            "tls = \"none\" sends the password and the mail in the clear: only for a relay on loopback, or set allow_plaintext = true",
        );
    }
    let from = mailbox(check, raw.from.as_ref(), &table)?;
    let message_id_domain = match raw.message_id_domain {
        Some(d) => domain(check, &d)?,
        None => format!("omnilisten.{}", from.email.domain().to_lowercase()),
    };
    let password = credentials(
        check,
        &raw.username,
        raw.password_env,
        raw.password_file,
        &table,
    );
    let timeout = match raw.timeout {
        Some(t) => positive_duration(check, &t)?,
        None => std::time::Duration::from_secs(30),
    };
    let port = raw.port.map(Spanned::into_inner).unwrap_or(match tls {
        SmtpTls::Implicit => 465,
        SmtpTls::Starttls => 587,
        SmtpTls::None => 25,
    });
    Some(SmtpConfig {
        host: host.into_inner().trim().to_string(),
        port,
        tls,
        username: raw.username.map(Spanned::into_inner),
        password: password?,
        from,
        message_id_domain,
        timeout,
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn mailbox(
    check: &mut FileCheck<'_>,
    from: Option<&Spanned<String>>,
    table: &Range<usize>,
) -> Option<lettre::message::Mailbox> {
    let Some(from) = from else {
        check.report(
            table.clone(),
            "[smtp] needs from = \"支付宝客服 <help@alipay.com>\"",
        );
        return None;
    };
    match from.get_ref().parse() {
        Ok(mailbox) => Some(mailbox),
        Err(e) => {
            let message = format!(
                "invalid from \"{}\": {e}; write a name and an address, such as \"支付宝客服 <help@alipay.com>\"",
                from.get_ref()
            );
            check.report(from.span(), message);
            None
        }
    }
}

fn domain(check: &mut FileCheck<'_>, d: &Spanned<String>) -> Option<String> {
    let text = d.get_ref().trim();
    let valid = !text.is_empty()
        && text.contains('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !valid {
        let message = format!(
            "invalid message_id_domain \"{text}\": write a domain name such as \"omnilisten.help.alipay.com\""
        );
        check.report(d.span(), message);
        return None;
    }
    Some(text.to_lowercase())
}

/// The password reference: required with a username, refused without one.
/// `Some(None)` means "no login"; `None` means a problem was reported.
fn credentials(
    check: &mut FileCheck<'_>,
    username: &Option<Spanned<String>>,
    env: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    table: &Range<usize>,
) -> Option<Option<super::SecretRef>> {
    if username.is_none() {
        if let Some(key) = env.as_ref().or(file.as_ref()) {
            check.report(
                key.span(),
                "a password without username: add username = \"...\"",
            );
            return None;
        }
        return Some(None);
    }
    let keys = SecretKeys {
        name: "password",
        env,
        file,
    };
    keys.into_ref(check, table.clone()).map(Some)
}

fn positive_duration(
    check: &mut FileCheck<'_>,
    t: &Spanned<String>,
) -> Option<std::time::Duration> {
    match parse_duration(t.get_ref()) {
        Ok(d) if !d.is_zero() => Some(d),
        Ok(_) => {
            check.report(t.span(), "timeout must be longer than 0s");
            None
        }
        Err(message) => {
            check.report(t.span(), message);
            None
        }
    }
}

/// Checks `[acknowledgement]`; its presence turns acknowledgements on unless
/// `enabled = false`.
pub fn acknowledgement(
    check: &mut FileCheck<'_>,
    raw: RawAcknowledgement,
) -> AcknowledgementConfig {
    let mut ack = AcknowledgementConfig {
        enabled: raw.enabled.unwrap_or(true),
        ..AcknowledgementConfig::default()
    };
    if let Some(template) = raw.template {
        if template.get_ref().trim().is_empty() {
            check.report(template.span(), "template must not be empty");
        }
        ack.template = template.into_inner().into();
    }
    ack.template = check.resolve(&ack.template.to_string_lossy());
    if let Some(cap) = raw.per_sender_per_hour {
        ack.per_sender_per_hour = cap;
    }
    if let Some(patterns) = raw.no_reply_patterns {
        ack.no_reply_patterns = patterns
            .into_iter()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
    }
    ack
}

/// Acknowledgements go out through `[smtp]`: without it they cannot be on.
pub fn require_smtp(
    check: &mut FileCheck<'_>,
    smtp: Option<&SmtpConfig>,
    ack: &AcknowledgementConfig,
    section: Option<Range<usize>>,
) {
    if let (true, None, Some(span)) = (ack.enabled, smtp, section) {
        check.report(
            span,
            "acknowledgements are enabled but there is no [smtp] section to send them through",
        );
    }
}

/// Reads and parses the acknowledgement template; its problems carry the
/// template file's own lines.
pub fn load_template(path: &Path, problems: &mut Vec<Problem>) -> Option<Template> {
    let source = match SourceFile::read(path) {
        Ok(source) => source,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    match Template::parse(&source.text) {
        Ok(template) => Some(template),
        Err(errors) => {
            problems.extend(errors.into_iter().map(|e| Problem {
                file: path.to_path_buf(),
                line: e.line,
                column: e.column,
                message: e.message,
            }));
            None
        }
    }
}

#[cfg(test)]
mod tests;
