//! The CPU stage: raw input → normalized message, rule evaluation and
//! near-duplicate signature. Pure: no store access, so it runs on blocking
//! threads in parallel and is what `omnilisten explain` shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::connectors::Payload;
use crate::dedup::exact;
use crate::dedup::near::Signature;
use crate::email;
use crate::model::{Attachment, Channel, ConnectorId, Details, Message, MessageId};
use crate::rules::{self, Evaluation, RuleSet};
use crate::text;

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
        raw_size: raw.len() as u64,
    };
    Ok(finish(message, attachment_content, rules))
}

/// Computes what every channel shares: the matching form, the signature and
/// the rule evaluation.
fn finish(
    mut message: Message,
    attachment_content: Vec<(String, Vec<u8>)>,
    rules: &RuleSet,
) -> Ready {
    let folded = text::fold(&format!(
        "{}\n{}",
        message.subject.as_deref().unwrap_or(""),
        message.text
    ));
    let evaluation = rules::evaluate(rules, &message, &folded);
    if let Some(category) = &evaluation.actions.category {
        message.details.category = Some(category.clone());
    }
    message.details.tags = evaluation.actions.tags.clone();
    let signature = Signature::of(&text::dedup_form(&message.text));
    Ready {
        message,
        attachment_content,
        signature,
        evaluation,
    }
}
