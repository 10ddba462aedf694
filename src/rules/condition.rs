//! The conditions of `[rule.when]` and why each one holds or not.

use std::fmt;

use regex::Regex;

use crate::model::{Channel, ConnectorId, MailKind, Message};

/// One condition of `[rule.when]`; a list holds when the message matches any element.
#[derive(Debug, Clone)]
pub enum Condition {
    /// `channel`: any of these channels.
    Channel(Vec<Channel>),
    /// `connector`: any of these connector ids.
    Connector(Vec<ConnectorId>),
    /// `mail_kind`: any of these kinds of mail.
    MailKind(Vec<MailKindName>),
    /// `keywords_any`: at least one occurs in the folded text (keywords are folded with `text::fold` when loaded).
    KeywordsAny(Vec<String>),
    /// `keywords_all`: every one occurs in the folded text (folded like `keywords_any`).
    KeywordsAll(Vec<String>),
    /// `regex`: matches the folded text.
    Regex(Regex),
    /// `sender`: the author's mail address matches any pattern.
    Sender(Vec<SenderPattern>),
    /// `has_attachments`: whether the message has attachments.
    HasAttachments(bool),
    /// `item_kind`: the item's kind on its channel is any of these (WeChat `text`, `event`…).
    ItemKind(Vec<String>),
}

/// A kind of mail without its evidence, as rules name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKindName {
    /// `"human"`.
    Human,
    /// `"auto_reply"`.
    AutoReply,
    /// `"bounce"`.
    Bounce,
}

impl MailKindName {
    /// Every kind with its name in rule files.
    pub const CHOICES: [(&'static str, MailKindName); 3] = [
        ("human", MailKindName::Human),
        ("auto_reply", MailKindName::AutoReply),
        ("bounce", MailKindName::Bounce),
    ];

    /// The kind of a message's mail.
    pub fn of(kind: &MailKind) -> MailKindName {
        match kind {
            MailKind::Human => MailKindName::Human,
            MailKind::AutoReply { .. } => MailKindName::AutoReply,
            MailKind::Bounce { .. } => MailKindName::Bounce,
        }
    }
}

/// A `sender` entry: an exact address, or `*` followed by a suffix (`*@example.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderPattern {
    /// The whole address, lowercase.
    Exact(String),
    /// The end of the address, lowercase, without the `*`.
    Suffix(String),
}

impl SenderPattern {
    /// Parses a pattern; `*` is only allowed at the start.
    pub fn parse(text: &str) -> Result<SenderPattern, String> {
        let lower = text.trim().to_lowercase();
        let (pattern, rest) = match lower.strip_prefix('*') {
            Some(rest) => (SenderPattern::Suffix(rest.to_string()), rest),
            None => (SenderPattern::Exact(lower.clone()), lower.as_str()),
        };
        if rest.is_empty() || rest.contains('*') {
            return Err(format!(
                "invalid sender pattern \"{text}\": write an address (\"a@example.com\") or `*` and its end (\"*@example.com\")"
            ));
        }
        Ok(pattern)
    }

    /// Whether a lowercase address matches.
    pub fn matches(&self, address: &str) -> bool {
        match self {
            SenderPattern::Exact(exact) => address == exact,
            SenderPattern::Suffix(suffix) => address.ends_with(suffix.as_str()),
        }
    }
}

impl fmt::Display for SenderPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SenderPattern::Exact(exact) => f.write_str(exact),
            SenderPattern::Suffix(suffix) => write!(f, "*{suffix}"),
        }
    }
}

impl Condition {
    /// Whether it looks at what a message says (a topic needs one such
    /// condition; channel or sender alone is not a subject).
    pub fn is_about_content(&self) -> bool {
        matches!(
            self,
            Condition::KeywordsAny(_) | Condition::KeywordsAll(_) | Condition::Regex(_)
        )
    }

    /// `Ok(why it holds)` or `Err(why it does not)`, in words for `explain`.
    pub fn check(&self, msg: &Message, folded: &str) -> Result<String, String> {
        match self {
            Condition::Channel(channels) => one_of("channel", &msg.channel, channels),
            Condition::Connector(ids) => one_of("connector", &msg.connector, ids),
            Condition::MailKind(kinds) => {
                let described = describe_mail_kind(&msg.mail_kind);
                let kind = MailKindName::of(&msg.mail_kind);
                if kinds.contains(&kind) {
                    Ok(described)
                } else {
                    Err(described)
                }
            }
            Condition::KeywordsAny(keywords) => keywords_any(keywords, folded),
            Condition::KeywordsAll(keywords) => keywords_all(keywords, folded),
            Condition::Regex(regex) => match regex.find(folded) {
                Some(m) => Ok(format!(
                    "regex {} matches \"{}\"",
                    regex.as_str(),
                    excerpt(m.as_str())
                )),
                None => Err(format!("regex {} does not match", regex.as_str())),
            },
            Condition::Sender(patterns) => sender(patterns, msg),
            Condition::ItemKind(kinds) => match msg.item_kind.as_deref() {
                Some(kind) if kinds.iter().any(|k| k == kind) => Ok(format!("item is a {kind}")),
                Some(kind) => Err(format!("item is a {kind}")),
                None => Err("message has no item kind (mail)".to_string()),
            },
            Condition::HasAttachments(wanted) => {
                let count = msg.attachments.len();
                let described = match count {
                    0 => "message has no attachments".to_string(),
                    1 => "message has 1 attachment".to_string(),
                    n => format!("message has {n} attachments"),
                };
                if (count > 0) == *wanted {
                    Ok(described)
                } else {
                    Err(described)
                }
            }
        }
    }
}

fn one_of<T: PartialEq + fmt::Display>(
    what: &str,
    actual: &T,
    allowed: &[T],
) -> Result<String, String> {
    if allowed.contains(actual) {
        return Ok(format!("{what} is {actual}"));
    }
    let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    match names.as_slice() {
        [only] => Err(format!("{what} is {actual}, not {only}")),
        _ => Err(format!(
            "{what} is {actual}, not one of {}",
            names.join(", ")
        )),
    }
}

fn describe_mail_kind(kind: &MailKind) -> String {
    match kind {
        MailKind::Human => "mail is from a person".to_string(),
        MailKind::AutoReply { reason } => format!("mail is an auto-reply ({reason})"),
        MailKind::Bounce { reason, .. } => format!("mail is a bounce ({reason})"),
    }
}

fn keywords_any(keywords: &[String], folded: &str) -> Result<String, String> {
    match keywords.iter().find(|k| folded.contains(k.as_str())) {
        Some(found) => Ok(format!("keyword {found} found")),
        None => Err(format!(
            "none of the keywords {} found",
            keywords.join(", ")
        )),
    }
}

fn keywords_all(keywords: &[String], folded: &str) -> Result<String, String> {
    if let Some(missing) = keywords.iter().find(|k| !folded.contains(k.as_str())) {
        return Err(format!("keyword {missing} not found"));
    }
    match keywords {
        [only] => Ok(format!("keyword {only} found")),
        _ => Ok(format!("keywords {} all found", keywords.join(", "))),
    }
}

fn sender(patterns: &[SenderPattern], msg: &Message) -> Result<String, String> {
    let Some(address) = msg.author.address.as_deref() else {
        return Err("message has no sender address".to_string());
    };
    let address = address.to_lowercase();
    match patterns.iter().find(|p| p.matches(&address)) {
        Some(pattern) => Ok(format!("sender {address} matches {pattern}")),
        None => {
            let listed: Vec<String> = patterns.iter().map(ToString::to_string).collect();
            Err(format!(
                "sender {address} matches none of {}",
                listed.join(", ")
            ))
        }
    }
}

/// At most 40 characters of matched text, so a greedy regex does not paste a whole mail into `explain`.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
