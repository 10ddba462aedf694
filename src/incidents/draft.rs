//! One reply per near-duplicate cluster: the first message of a cluster
//! gets a proposed draft; its near-duplicates (reposts, the same complaint
//! pasted again) are recorded as covered by that draft instead of getting
//! their own. Incidents draft from their topic's per-channel templates;
//! per-message rules (`draft_reply`) from theirs.

use chrono::{DateTime, Utc};

use crate::model::{Channel, Draft, Message};
use crate::outbound::{NAME_FALLBACK, Values};
use crate::rules::{DraftTemplate, TopicRule};
use crate::store::{AuditEntry, StoreError, Tx};

/// What one draft is made from and recorded under.
pub struct DraftRequest<'a> {
    /// Namespace of the cover index: an incident number, or `reply:<template>`.
    pub cover: &'a str,
    /// The template.
    pub template: &'a DraftTemplate,
    /// `{topic}` in the template.
    pub topic: &'a str,
    /// Who asked, for the audit log (`system:trends`, `system:rules`).
    pub actor: &'a str,
    /// Why, for the audit log.
    pub why: serde_json::Value,
}

/// Drafts an incident's official reply to `message` on its channel, unless
/// the topic has no template for that channel or a draft already covers it.
pub fn draft_for_incident(
    tx: &mut Tx<'_>,
    topic: &TopicRule,
    number: &str,
    message: &Message,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(template) = topic.then.drafts.get(&message.channel) else {
        return Ok(false);
    };
    draft_for_cluster(
        tx,
        &DraftRequest {
            cover: number,
            template,
            topic: &topic.title,
            actor: "system:trends",
            why: serde_json::json!({ "incident": number, "topic": topic.id }),
        },
        message,
        at,
    )
}

/// Drafts the reply a per-message rule asked for, on the message's own
/// channel when that channel publishes drafts (Weibo, WeChat).
pub fn draft_for_rule(
    tx: &mut Tx<'_>,
    template: &DraftTemplate,
    message: &Message,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !matches!(message.channel, Channel::Weibo | Channel::Wechat) {
        return Ok(false);
    }
    let cover = format!("reply:{}", template.name);
    draft_for_cluster(
        tx,
        &DraftRequest {
            cover: &cover,
            template,
            topic: "",
            actor: "system:rules",
            why: serde_json::json!({ "rule_template": template.name }),
        },
        message,
        at,
    )
}

/// Drafts a reply to `message` unless a draft of the same namespace
/// already covers it or the message it nearly duplicates. True when a
/// draft was made.
pub fn draft_for_cluster(
    tx: &mut Tx<'_>,
    request: &DraftRequest<'_>,
    message: &Message,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let cover = request.cover;
    let covered_by = match tx.incident_cover(cover, message.id)? {
        Some(draft) => Some(draft),
        None => match message.near_duplicate_of {
            Some((earlier, _)) => tx.incident_cover(cover, earlier)?,
            None => None,
        },
    };
    if let Some(draft) = covered_by {
        // Covered: later copies of this copy are covered by the same draft.
        tx.set_incident_cover(cover, message.id, draft);
        return Ok(false);
    }
    let ticket = message
        .ticket
        .as_deref()
        .or(message.incident.as_deref())
        .unwrap_or_default();
    let body = request.template.template.render(&Values {
        ticket,
        subject: message.subject.as_deref().unwrap_or_default(),
        name: message.author.name.as_deref().unwrap_or(NAME_FALLBACK),
        topic: request.topic,
    });
    let body = body.trim();
    if body.is_empty() {
        return Ok(false);
    }
    let draft = Draft::proposed(message, body.to_string(), at);
    tx.put_draft(&draft)?;
    tx.set_incident_cover(cover, message.id, draft.id);
    if let Some((earlier, _)) = message.near_duplicate_of {
        tx.set_incident_cover(cover, earlier, draft.id);
    }
    let mut after = request.why.clone();
    if let Some(map) = after.as_object_mut() {
        map.insert("template".into(), request.template.name.clone().into());
        map.insert("message".into(), message.id.to_string().into());
    }
    tx.audit(&AuditEntry {
        at,
        actor: request.actor.into(),
        action: "draft.proposed".into(),
        subject: draft.id.to_string(),
        before: None,
        after: Some(after),
    });
    Ok(true)
}
