//! `connectors/*.toml`: one file per source instance; the file stem is the
//! connector id and `kind` selects the source (`src/connectors/<kind>/`).

mod imap;
mod maildir;
mod wechat;
mod weibo;

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub use imap::{ImapAfter, ImapAuth, ImapConfig, ImapStart, ImapTls};
pub use maildir::{MaildirAfter, MaildirConfig};
pub use wechat::{DEFAULT_API_BASE, WechatConfig, WechatModes};
pub use weibo::WeiboConfig;

use super::Problem;
use super::secret::take_inline_secrets;
use super::source::{FileCheck, SourceFile, quoted_list};
use crate::model::{Channel, ConnectorId};

/// The connector kinds this build knows.
pub const KNOWN_KINDS: [&str; 4] = ["imap", "maildir", "wechat", "weibo"];

/// One configured source instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    /// The file stem, e.g. `samples` for `connectors/samples.toml`.
    pub id: ConnectorId,
    /// The file it was read from.
    pub file: PathBuf,
    /// Kind and kind-specific settings.
    pub kind: ConnectorKind,
}

/// What kind of source a connector is, with its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectorKind {
    /// `kind = "imap"`.
    Imap(ImapConfig),
    /// `kind = "maildir"`.
    Maildir(MaildirConfig),
    /// `kind = "wechat"`.
    Wechat(WechatConfig),
    /// `kind = "weibo"`.
    Weibo(WeiboConfig),
}

impl ConnectorKind {
    /// The `kind` value in the file.
    pub fn name(&self) -> &'static str {
        match self {
            ConnectorKind::Imap(_) => "imap",
            ConnectorKind::Maildir(_) => "maildir",
            ConnectorKind::Wechat(_) => "wechat",
            ConnectorKind::Weibo(_) => "weibo",
        }
    }

    /// The channel its messages arrive on.
    pub fn channel(&self) -> Channel {
        match self {
            ConnectorKind::Imap(_) | ConnectorKind::Maildir(_) => Channel::Email,
            ConnectorKind::Wechat(_) => Channel::Wechat,
            ConnectorKind::Weibo(_) => Channel::Weibo,
        }
    }

    /// The largest input this connector accepts, in bytes.
    pub fn max_message_bytes(&self) -> u64 {
        match self {
            ConnectorKind::Imap(imap) => imap.max_message_bytes,
            ConnectorKind::Maildir(maildir) => maildir.max_message_bytes,
            ConnectorKind::Wechat(_) => crate::connectors::wechat::xml::MAX_BODY_BYTES as u64,
            ConnectorKind::Weibo(_) => crate::connectors::weibo::item::MAX_BODY_BYTES as u64,
        }
    }

    /// Whether the daemon starts it.
    pub fn enabled(&self) -> bool {
        match self {
            ConnectorKind::Imap(imap) => imap.enabled,
            ConnectorKind::Maildir(maildir) => maildir.enabled,
            ConnectorKind::Wechat(wechat) => wechat.enabled,
            ConnectorKind::Weibo(weibo) => weibo.enabled,
        }
    }
}

/// The connector id a file's stem gives, if the stem is a valid id.
pub fn id_from_file(path: &Path) -> Result<ConnectorId, Problem> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let mut chars = stem.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if first_ok && rest_ok && stem.len() <= 63 {
        Ok(ConnectorId(stem.to_string()))
    } else {
        let message = format!(
            "the file name gives the connector id, and \"{stem}\" is not one: use up to 63 of a-z, 0-9, _ and -, starting with a letter or digit"
        );
        Err(Problem::whole_file(path, message))
    }
}

/// Reads and validates one connector file. `None` after a problem.
pub fn load_file(
    path: &Path,
    base_dir: &Path,
    problems: &mut Vec<Problem>,
) -> Option<ConnectorConfig> {
    let id = id_from_file(path).map_err(|p| problems.push(p)).ok();
    let source = SourceFile::read(path).map_err(|p| problems.push(p)).ok()?;
    let mut check = FileCheck::new(&source, base_dir);
    let kind = check
        .parse()
        .and_then(|document| kind(&mut check, document));
    problems.extend(check.into_problems());
    Some(ConnectorConfig {
        id: id?,
        file: path.to_path_buf(),
        kind: kind?,
    })
}

fn kind<'a>(check: &mut FileCheck<'a>, document: Spanned<DeTable<'a>>) -> Option<ConnectorKind> {
    let span = document.span();
    let mut table = document.into_inner();
    take_inline_secrets(check, &mut table);
    let known = quoted_list(KNOWN_KINDS);
    let Some(kind) = table.remove("kind") else {
        check.report(span, format!("missing `kind`: one of {known}"));
        return None;
    };
    let rest = Spanned::new(span, DeValue::Table(table));
    match kind.get_ref().as_str() {
        Some("imap") => imap::check(check, rest).map(ConnectorKind::Imap),
        Some("maildir") => maildir::check(check, rest).map(ConnectorKind::Maildir),
        Some("wechat") => wechat::check(check, rest).map(ConnectorKind::Wechat),
        Some("weibo") => weibo::check(check, rest).map(ConnectorKind::Weibo),
        Some(other) => {
            let message = format!("unknown connector kind `{other}`: known kinds are {known}");
            check.report(kind.span(), message);
            None
        }
        None => {
            check.report(
                kind.span(),
                format!("`kind` must be a string: one of {known}"),
            );
            None
        }
    }
}
