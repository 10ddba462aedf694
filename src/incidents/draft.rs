//! One official reply per near-duplicate cluster: the first message of a
//! cluster on a channel the topic has a template for gets a proposed draft;
//! its near-duplicates (reposts, the same complaint pasted again) are
//! recorded as covered by that draft instead of getting their own.

use chrono::{DateTime, Utc};

use crate::model::{Draft, Message};
use crate::outbound::{NAME_FALLBACK, Values};
use crate::rules::TopicRule;
use crate::store::{AuditEntry, StoreError, Tx};

/// Drafts a reply to `message` for the incident `number`, unless a draft
/// already covers it or the message it nearly duplicates. True when a
/// draft was made.
pub fn draft_for_cluster(
    tx: &mut Tx<'_>,
    topic: &TopicRule,
    number: &str,
    message: &Message,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(template) = topic.then.drafts.get(&message.channel) else {
        return Ok(false);
    };
    let covered_by = match tx.incident_cover(number, message.id)? {
        Some(draft) => Some(draft),
        None => match message.near_duplicate_of {
            Some((earlier, _)) => tx.incident_cover(number, earlier)?,
            None => None,
        },
    };
    if let Some(draft) = covered_by {
        // Covered: later copies of this copy are covered by the same draft.
        tx.set_incident_cover(number, message.id, draft);
        return Ok(false);
    }
    let ticket = message.ticket.as_deref().unwrap_or(number);
    let body = template.template.render(&Values {
        ticket,
        subject: message.subject.as_deref().unwrap_or_default(),
        name: message.author.name.as_deref().unwrap_or(NAME_FALLBACK),
        topic: &topic.title,
    });
    let draft = Draft::proposed(message, body.trim().to_string(), at);
    tx.put_draft(&draft)?;
    tx.set_incident_cover(number, message.id, draft.id);
    if let Some((earlier, _)) = message.near_duplicate_of {
        tx.set_incident_cover(number, earlier, draft.id);
    }
    tx.audit(&AuditEntry {
        at,
        actor: "system:trends".into(),
        action: "draft.proposed".into(),
        subject: draft.id.to_string(),
        before: None,
        after: Some(serde_json::json!({
            "incident": number,
            "topic": topic.id,
            "template": template.name,
            "message": message.id,
        })),
    });
    Ok(true)
}
