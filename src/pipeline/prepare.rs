//! The CPU stage: raw input → normalized message, rule evaluation and
//! near-duplicate signature. Pure: no store access, so it runs on blocking
//! threads in parallel and is what `omnilisten explain` shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::connectors::Payload;
use crate::connectors::wechat::dedup::DedupKey;
use crate::connectors::wechat::xml::{self, Event, PushKind};
use crate::dedup::exact;
use crate::dedup::near::Signature;
use crate::email;
use crate::model::{
    Attachment, Author, Channel, ConnectorId, Details, MailKind, Message, MessageId, ThreadRefs,
};
use crate::rules::{self, Evaluation, RuleSet, Subject};
use crate::text;

mod weibo;

/// Limits that shape what is kept.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest mail accepted, in bytes; larger input is quarantined.
    pub max_message_bytes: u64,
    /// Attachment content above this size is described but not kept.
    pub max_attachment_bytes: u64,
}

/// A message ready to be committed.
#[derive(Debug)]
pub struct Ready {
    /// The normalized message (ticket and near-duplicate link not yet set).
    pub message: Message,
    /// Attachment content to keep, by hash.
    pub attachment_content: Vec<(String, Vec<u8>)>,
    /// Near-duplicate signature of the text, when it is long enough to judge.
    pub signature: Option<Signature>,
    /// What the rules say.
    pub evaluation: Evaluation,
    /// A file the channel keeps on its side, to fetch after the message is stored.
    pub media: Option<MediaRef>,
    /// Words and hashtags (`#话题#`) for the emerging-terms counter.
    pub terms: Vec<String>,
}

/// A channel-side file named in a message (a WeChat `MediaId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// The channel's id for it.
    pub media_id: String,
    /// `image` or `voice`.
    pub kind: &'static str,
}

/// Why an input was refused; becomes the quarantine reason.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// Human-readable reason.
    pub reason: String,
}

/// Normalizes one input and evaluates the rules on it.
pub fn prepare(
    connector: &ConnectorId,
    payload: &Payload,
    received_at: DateTime<Utc>,
    limits: &Limits,
    rules: &RuleSet,
) -> Result<Ready, Refused> {
    match payload {
        Payload::Email(raw) => prepare_email(connector, raw, received_at, limits, rules),
        Payload::Wechat(raw) => prepare_wechat(connector, raw, received_at, rules),
        Payload::Weibo(raw) => weibo::prepare_weibo(connector, raw, received_at, rules),
        Payload::Rejected { reason, .. } => Err(Refused {
            reason: reason.clone(),
        }),
    }
}

fn prepare_email(
    connector: &ConnectorId,
    raw: &[u8],
    received_at: DateTime<Utc>,
    limits: &Limits,
    rules: &RuleSet,
) -> Result<Ready, Refused> {
    let max = usize::try_from(limits.max_message_bytes).unwrap_or(usize::MAX);
    let parsed = email::parse(raw, max).map_err(|e| Refused {
        reason: e.to_string(),
    })?;
    let mut attachments = Vec::with_capacity(parsed.attachments.len());
    let mut attachment_content = Vec::new();
    for a in parsed.attachments {
        let hash = blake3::hash(&a.content).to_hex().to_string();
        let size = a.content.len() as u64;
        let stored = size <= limits.max_attachment_bytes;
        if stored {
            attachment_content.push((hash.clone(), a.content));
        }
        attachments.push(Attachment {
            name: a.name,
            mime_type: a.mime_type,
            size,
            content_hash: hash,
            stored,
            missing: None,
            url: None,
        });
    }
    let full_text = (parsed.full_text != parsed.text).then_some(parsed.full_text);
    let message = Message {
        id: MessageId::new(),
        channel: Channel::Email,
        connector: connector.clone(),
        native_id: exact::email_native_id(parsed.message_id.as_deref(), raw),
        author: parsed.from,
        subject: parsed.subject,
        text: parsed.text,
        full_text,
        attachments,
        thread: parsed.thread,
        sent_at: parsed.date,
        received_at,
        mail_kind: parsed.kind,
        details: Details::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: raw.len() as u64,
        item_kind: None,
        instant_reply: None,
        social: None,
    };
    Ok(finish(message, attachment_content, rules))
}

/// A WeChat push: the sender's OpenID as author, the words (or a readable
/// line for what has none) as text, and the retry-proof dedup key as
/// native id. Media stays at WeChat until the outbound API fetches it.
fn prepare_wechat(
    connector: &ConnectorId,
    raw: &[u8],
    received_at: DateTime<Utc>,
    rules: &RuleSet,
) -> Result<Ready, Refused> {
    let push = xml::parse_push(raw).map_err(|e| Refused {
        reason: e.to_string(),
    })?;
    let message = Message {
        id: MessageId::new(),
        channel: Channel::Wechat,
        connector: connector.clone(),
        native_id: DedupKey::of(&push).native_id(),
        author: Author {
            id: push.from_user_name.clone(),
            name: None,
            address: None,
        },
        subject: None,
        text: push_text(&push.kind),
        full_text: None,
        attachments: Vec::new(),
        thread: ThreadRefs::default(),
        sent_at: DateTime::from_timestamp(push.create_time, 0),
        received_at,
        mail_kind: MailKind::Human,
        details: Details::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: raw.len() as u64,
        item_kind: Some(push_kind_name(&push.kind)),
        instant_reply: None,
        social: None,
    };
    let media = match &push.kind {
        PushKind::Image { media_id, .. } if !media_id.is_empty() => Some(MediaRef {
            media_id: media_id.clone(),
            kind: "image",
        }),
        PushKind::Voice { media_id, .. } if !media_id.is_empty() => Some(MediaRef {
            media_id: media_id.clone(),
            kind: "voice",
        }),
        _ => None,
    };
    Ok(Ready {
        media,
        ..finish(message, Vec::new(), rules)
    })
}

/// The push's `MsgType` as rules name it: every event is `event`.
fn push_kind_name(kind: &PushKind) -> String {
    let name = match kind {
        PushKind::Text { .. } => "text",
        PushKind::Image { .. } => "image",
        PushKind::Voice { .. } => "voice",
        PushKind::Video { .. } => "video",
        PushKind::ShortVideo { .. } => "shortvideo",
        PushKind::Location { .. } => "location",
        PushKind::Link { .. } => "link",
        PushKind::Event(_) => "event",
        PushKind::Unknown { msg_type, .. } => return msg_type.to_lowercase(),
    };
    name.to_string()
}

/// The customer's words, or a line saying what was sent.
fn push_text(kind: &PushKind) -> String {
    match kind {
        PushKind::Text { content, .. } => content.clone(),
        PushKind::Image { pic_url, .. } => format!("[image] {pic_url}"),
        PushKind::Voice {
            recognition: Some(words),
            ..
        } if !words.trim().is_empty() => words.clone(),
        PushKind::Voice { format, .. } => format!("[voice message, {format}]"),
        PushKind::Video { .. } => "[video]".to_string(),
        PushKind::ShortVideo { .. } => "[short video]".to_string(),
        PushKind::Location {
            latitude,
            longitude,
            label,
            ..
        } => format!("[location] {label} ({latitude}, {longitude})"),
        PushKind::Link {
            title,
            description,
            url,
            ..
        } => format!("[link] {title}\n{description}\n{url}"),
        PushKind::Event(event) => event_text(event),
        PushKind::Unknown { msg_type, .. } => format!("[{msg_type} message]"),
    }
}

fn event_text(event: &Event) -> String {
    match event {
        Event::Subscribe {
            event_key: Some(key),
            ..
        } => format!("[event] subscribe via QR code {key}"),
        Event::Location {
            latitude,
            longitude,
            ..
        } => format!("[event] LOCATION ({latitude}, {longitude})"),
        other => match other.event_key() {
            Some(key) => format!("[event] {} {key}", other.name()),
            None => format!("[event] {}", other.name()),
        },
    }
}

/// The subject line and the text, analyzed as one.
fn analyze_message(
    analyzer: &crate::analysis::Analyzer,
    message: &Message,
) -> crate::analysis::Analysis {
    let joined = match message.subject.as_deref() {
        Some(subject) if !subject.trim().is_empty() => format!("{subject}\n{}", message.text),
        _ => message.text.clone(),
    };
    analyzer.analyze(&joined)
}

/// The rules' verdict on a prepared message with every reason, for
/// `omnilisten explain` (the pipeline decides the same without the words).
pub fn explain_rules(message: &Message, rules: &RuleSet) -> rules::Evaluation {
    match rules.analyzer.as_ref() {
        Some(analyzer) => {
            let analysis = analyze_message(analyzer, message);
            rules::evaluate_subject(
                rules,
                &Subject {
                    message,
                    text: &analysis.normalized,
                    tokens: &analysis.tokens,
                    hashtags: &analysis.hashtags,
                    details: &analysis.details,
                    category: None,
                },
            )
        }
        None => {
            let folded_text = text::fold(&message.text);
            let folded = match message.subject.as_deref().map(text::fold) {
                Some(subject) if !subject.is_empty() && !folded_text.is_empty() => {
                    format!("{subject} {folded_text}")
                }
                Some(subject) if !subject.is_empty() => subject,
                _ => folded_text,
            };
            rules::evaluate(rules, message, &folded)
        }
    }
}

/// Computes what every channel shares: the matching form, the signature and
/// the rule evaluation.
fn finish(
    mut message: Message,
    attachment_content: Vec<(String, Vec<u8>)>,
    rules: &RuleSet,
) -> Ready {
    // Folded once: fold turns the line break between subject and text into
    // a space anyway, so joining the folded parts gives the same string.
    let folded_text = text::fold(&message.text);
    let folded_subject = message.subject.as_deref().map(text::fold);
    let folded = match folded_subject.as_deref() {
        Some(subject) if !subject.is_empty() && !folded_text.is_empty() => {
            format!("{subject} {folded_text}")
        }
        Some(subject) if !subject.is_empty() => subject.to_string(),
        _ => folded_text.clone(),
    };
    let dedup_form = text::dedup_form_of_folded(&folded_text);
    let (evaluation, terms, dedup_form) = match rules.analyzer.as_ref() {
        Some(analyzer) => {
            let analysis = analyze_message(analyzer, &message);
            let evaluation = rules::evaluate_actions(
                rules,
                &Subject {
                    message: &message,
                    text: &analysis.normalized,
                    tokens: &analysis.tokens,
                    hashtags: &analysis.hashtags,
                    details: &analysis.details,
                    category: None,
                },
            );
            analysis.details.apply_to(&mut message.details);
            let mut terms = analysis.tokens;
            terms.extend(analysis.hashtags.into_iter().map(|h| format!("#{h}#")));
            // Traditional and simplified copies of a complaint are one cluster.
            let simplified = analyzer.normalizer().simplify(&dedup_form).into_owned();
            (evaluation, terms, simplified)
        }
        None => (
            rules::evaluate(rules, &message, &folded),
            Vec::new(),
            dedup_form,
        ),
    };
    if let Some(category) = &evaluation.actions.category {
        message.details.category = Some(category.clone());
    }
    message.details.tags = evaluation.actions.tags.clone();
    let signature = Signature::of(&dedup_form);
    Ready {
        message,
        attachment_content,
        signature,
        evaluation,
        media: None,
        terms,
    }
}
