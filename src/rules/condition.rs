//! The conditions of `[rule.when]` and why each one holds or not.

use std::fmt;

use regex::Regex;

use crate::analysis::ExtractedDetails;
use crate::model::{Channel, ConnectorId, MailKind, Message};

/// What conditions look at: the message, its matching form and what the
/// analysis found in it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The message.
    pub message: &'a Message,
    /// Subject and text in the matching form (NFKC, simplified, lowercase).
    pub text: &'a str,
    /// Segmented words, once each.
    pub tokens: &'a [String],
    /// Hashtag topics, normalized.
    pub hashtags: &'a [String],
    /// Extracted details.
    pub details: &'a ExtractedDetails,
    /// The category set by earlier rules in this evaluation.
    pub category: Option<&'a str>,
}

/// A detail an agent needs, as `details` conditions name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailKind {
    /// `"order_number"`: a trade or order number.
    OrderNumber,
    /// `"amount"`: a sum of money.
    Amount,
    /// `"time"`: a date or a time of day.
    Time,
    /// `"phone"`: a mobile number.
    Phone,
    /// `"bank_card"`: a bank-card number.
    BankCard,
    /// `"account"`: a counterparty account.
    Account,
    /// `"id_card"`: an ID-card number.
    IdCard,
}

impl DetailKind {
    /// Every kind with its name in rule files.
    pub const CHOICES: [(&'static str, DetailKind); 7] = [
        ("order_number", DetailKind::OrderNumber),
        ("amount", DetailKind::Amount),
        ("time", DetailKind::Time),
        ("phone", DetailKind::Phone),
        ("bank_card", DetailKind::BankCard),
        ("account", DetailKind::Account),
        ("id_card", DetailKind::IdCard),
    ];

    fn name(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("detail", |(n, _)| *n)
    }

    fn found_in(self, d: &ExtractedDetails) -> bool {
        match self {
            DetailKind::OrderNumber => !d.order_numbers.is_empty(),
            DetailKind::Amount => !d.amounts.is_empty(),
            DetailKind::Time => !d.dates.is_empty() || !d.times.is_empty(),
            DetailKind::Phone => !d.phones.is_empty(),
            DetailKind::BankCard => !d.bank_cards.is_empty(),
            DetailKind::Account => !d.accounts.is_empty(),
            DetailKind::IdCard => !d.id_cards.is_empty(),
        }
    }
}

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
    /// `keywords_none`: none of these occurs (a veto: 教程, 攻略).
    KeywordsNone(Vec<String>),
    /// `tokens_any`: at least one of these is a segmented word of the text.
    TokensAny(Vec<String>),
    /// `tokens_all`: every one of these is a segmented word of the text.
    TokensAll(Vec<String>),
    /// `hashtags`: the post carries one of these `#话题#`.
    Hashtags(Vec<String>),
    /// `category`: an earlier rule set one of these categories.
    Category(Vec<String>),
    /// `details`: the analysis found at least one of these details.
    Details(Vec<DetailKind>),
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
            Condition::KeywordsAny(_)
                | Condition::KeywordsAll(_)
                | Condition::Regex(_)
                | Condition::TokensAny(_)
                | Condition::TokensAll(_)
                | Condition::Hashtags(_)
                | Condition::Category(_)
        )
    }

    /// Whether it holds, without saying why: the pipeline's path, which
    /// allocates nothing. [`Condition::check`] must agree with it (tested
    /// over a corpus in `eval/tests.rs` and `bench/rules/tests.rs`).
    pub fn holds(&self, subject: &Subject<'_>) -> bool {
        let msg = subject.message;
        let folded = subject.text;
        match self {
            Condition::Channel(channels) => channels.contains(&msg.channel),
            Condition::Connector(ids) => ids.contains(&msg.connector),
            Condition::MailKind(kinds) => kinds.contains(&MailKindName::of(&msg.mail_kind)),
            Condition::KeywordsAny(keywords) => {
                keywords.iter().any(|k| folded.contains(k.as_str()))
            }
            Condition::KeywordsAll(keywords) => {
                keywords.iter().all(|k| folded.contains(k.as_str()))
            }
            Condition::Regex(regex) => regex.is_match(folded),
            // Rare and cheap enough: one code path for the address rules.
            Condition::Sender(_) => self.check(subject).is_ok(),
            Condition::ItemKind(kinds) => msg
                .item_kind
                .as_deref()
                .is_some_and(|kind| kinds.iter().any(|k| k == kind)),
            Condition::KeywordsNone(keywords) => {
                !keywords.iter().any(|k| folded.contains(k.as_str()))
            }
            Condition::TokensAny(words) => words.iter().any(|w| subject.tokens.contains(w)),
            Condition::TokensAll(words) => words.iter().all(|w| subject.tokens.contains(w)),
            Condition::Hashtags(tags) => tags.iter().any(|t| subject.hashtags.contains(t)),
            Condition::Category(categories) => subject
                .category
                .is_some_and(|c| categories.iter().any(|x| x == c)),
            Condition::Details(kinds) => kinds.iter().any(|k| k.found_in(subject.details)),
            Condition::HasAttachments(wanted) => msg.attachments.is_empty() != *wanted,
        }
    }

    /// `Ok(why it holds)` or `Err(why it does not)`, in words for `explain`.
    pub fn check(&self, subject: &Subject<'_>) -> Result<String, String> {
        let msg = subject.message;
        let folded = subject.text;
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
            Condition::KeywordsNone(keywords) => {
                match keywords.iter().find(|k| folded.contains(k.as_str())) {
                    Some(found) => Err(format!("keyword {found} found, which vetoes the rule")),
                    None => Ok(format!("none of {} found", keywords.join(", "))),
                }
            }
            Condition::TokensAny(words) => {
                match words.iter().find(|w| subject.tokens.contains(w)) {
                    Some(found) => Ok(format!("word {found} found")),
                    None => Err(format!("none of the words {} found", words.join(", "))),
                }
            }
            Condition::TokensAll(words) => {
                match words.iter().find(|w| !subject.tokens.contains(w)) {
                    Some(missing) => Err(format!("word {missing} not found")),
                    None => Ok(format!("words {} all found", words.join(", "))),
                }
            }
            Condition::Hashtags(tags) => match tags.iter().find(|t| subject.hashtags.contains(t)) {
                Some(found) => Ok(format!("hashtag #{found}# found")),
                None if subject.hashtags.is_empty() => Err("the message has no hashtag".into()),
                None => Err(format!(
                    "hashtags #{}# are none of {}",
                    subject.hashtags.join("#, #"),
                    tags.join(", ")
                )),
            },
            Condition::Category(categories) => match subject.category {
                Some(c) if categories.iter().any(|x| x == c) => Ok(format!("category is {c}")),
                Some(c) => Err(format!(
                    "category is {c}, not one of {}",
                    categories.join(", ")
                )),
                None => Err("no category set by an earlier rule".to_string()),
            },
            Condition::Details(kinds) => match kinds.iter().find(|k| k.found_in(subject.details)) {
                Some(kind) => Ok(format!("{} found", kind.name())),
                None => {
                    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                    Err(format!("no {} found", names.join(" or ")))
                }
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
