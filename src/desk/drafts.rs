//! The social-media team's review queue: drafts grouped by incident, and
//! the changes a reviewer makes: edit, approve, reject, reassign, and
//! deciding what became of a send nobody is sure of.
//!
//! ```text
//! proposed ─edit─► edited ─approve─► approved ─(publisher)─► sending ─► sent | failed | uncertain
//!     └──────────approve──────────────┘                         uncertain ─person─► sent | failed
//! proposed | edited | approved | failed ─reject─► rejected       failed ─approve─► approved
//! ```
//!
//! Every transition is read, checked and written inside one store
//! transaction, which holds the store's single writer lock: two reviewers
//! approving at once are serialized, and the second finds the draft
//! already approved (or further along) and changes nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::{
    Actor, DeskError, MessageBrief, Page, audit, clamp_limit, decode_cursor, encode_cursor,
};
use crate::model::{Channel, Draft, DraftId, DraftState, Message};
use crate::publish::{MAX_TEXT_BYTES, WEIBO_MAX_CHARS, check_length};
use crate::store::{AuditEntry, DRAFT_STATE_NAMES, Store, TicketSummary, Tx};

/// Title of the group of replies drafted by per-message rules.
pub const SINGLE_REPLIES: &str = "单条回复";
/// Why a draft failed when a person checked an uncertain send and found nothing published.
pub const NOT_PUBLISHED: &str = "人工确认未发布";
/// States listed when a query names none: what waits for a reviewer.
const DEFAULT_STATES: [&str; 3] = ["proposed", "edited", "uncertain"];
/// Covered messages a draft view carries.
const COVERED_SHOWN: usize = 50;
/// Covered messages counted for a view.
const COVERED_COUNTED: usize = 10_000;
/// Covered messages counted for a queue row (shown as "500+" beyond).
const COVERED_COUNTED_ROW: usize = 500;

/// Which drafts to list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DraftQuery {
    /// State names, comma-separated (`proposed,edited`), or `all`; default
    /// `proposed,edited,uncertain`.
    pub state: Option<String>,
    /// Where the page starts: a previous page's `next`.
    pub cursor: Option<String>,
    /// Drafts per page (1–200, default 50).
    pub limit: Option<usize>,
}

/// Drafts of one incident (or the single replies) on a page, in queue order.
#[derive(Debug, Clone, Serialize)]
pub struct DraftGroup {
    /// The incident number, or `single` for the single replies.
    pub key: String,
    /// The incident, if the group is one.
    pub incident: Option<String>,
    /// The incident's title, or [`SINGLE_REPLIES`].
    pub title: String,
    /// Its drafts on this page, newest first.
    pub drafts: Vec<DraftSummary>,
}

/// A draft as the queue shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DraftSummary {
    /// The draft.
    pub draft: Draft,
    /// The message it answers.
    pub target: Option<MessageBrief>,
    /// Messages it covers (its target and the near-duplicates), counted up to 500.
    pub covers: usize,
    /// The channel's limit and how much of it the body uses.
    pub limit: LengthLimit,
}

/// One draft with everything the review page shows.
#[derive(Debug, Clone, Serialize)]
pub struct DraftView {
    /// The draft.
    pub draft: Draft,
    /// The message it answers, whole (attachments, details).
    pub target: Option<Message>,
    /// The cluster's other messages it covers (at most 50).
    pub covered: Vec<MessageBrief>,
    /// How many messages it covers in all, its target included.
    pub covered_total: usize,
    /// The incident it answers for, if any.
    pub incident: Option<TicketSummary>,
    /// Audit trail, oldest first.
    pub audit: Vec<AuditEntry>,
    /// The channel's length limit.
    pub limit: LengthLimit,
}

/// A channel's length limit, for the edit box's counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LengthLimit {
    /// The channel.
    pub channel: Channel,
    /// What is counted: `chars` (Weibo), `bytes` (WeChat, UTF-8), or `none` (mail).
    pub unit: &'static str,
    /// The most allowed, if there is a limit.
    pub max: Option<usize>,
    /// How much the current body uses (trimmed, as it would be published).
    pub used: usize,
    /// Why the current body would be refused, if it would.
    pub problem: Option<String>,
}

impl LengthLimit {
    /// The limit of `channel` for `body`.
    pub fn of(channel: Channel, body: &str) -> LengthLimit {
        let trimmed = body.trim();
        let (unit, max, used) = match channel {
            Channel::Weibo => ("chars", Some(WEIBO_MAX_CHARS), trimmed.chars().count()),
            Channel::Wechat => ("bytes", Some(MAX_TEXT_BYTES), trimmed.len()),
            Channel::Email => ("none", None, trimmed.chars().count()),
        };
        LengthLimit {
            channel,
            unit,
            max,
            used,
            problem: check_length(channel, body).err(),
        }
    }
}

/// What a person found when checking an uncertain send on the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The reply is there: the draft is `sent`.
    Published,
    /// It is not: the draft is `failed` ([`NOT_PUBLISHED`]) and may be approved again.
    NotPublished,
}

/// One page of the review queue, drafts of the same incident together.
pub fn queue(store: &Store, query: &DraftQuery) -> Result<Page<DraftGroup>, DeskError> {
    let states = parse_states(query.state.as_deref())?;
    let after = decode_cursor(query.cursor.as_deref())?;
    let page = store.draft_queue_page(&states, after.as_deref(), clamp_limit(query.limit))?;
    let mut groups: Vec<DraftGroup> = Vec::new();
    for entry in page.items {
        let Some(draft) = store.draft(entry.id)? else {
            continue;
        };
        let summary = summarize(store, draft)?;
        match groups.last_mut() {
            Some(group) if group.incident == entry.incident => group.drafts.push(summary),
            _ => groups.push(group_header(store, entry.incident, summary)?),
        }
    }
    Ok(Page {
        items: groups,
        next: page.next.as_deref().map(encode_cursor),
    })
}

/// The state names of a query, checked.
fn parse_states(states: Option<&str>) -> Result<Vec<&str>, DeskError> {
    let Some(states) = states.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_STATES.to_vec());
    };
    if states == "all" {
        return Ok(DRAFT_STATE_NAMES.to_vec());
    }
    let mut out = Vec::new();
    for name in states.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(known) = DRAFT_STATE_NAMES.iter().find(|s| **s == name) else {
            return Err(DeskError::Invalid(format!(
                "unknown draft state {name:?} (one of {})",
                DRAFT_STATE_NAMES.join(", ")
            )));
        };
        if !out.contains(known) {
            out.push(*known);
        }
    }
    Ok(out)
}

fn group_header(
    store: &Store,
    incident: Option<String>,
    first: DraftSummary,
) -> Result<DraftGroup, DeskError> {
    let (key, title) = match &incident {
        Some(number) => {
            let title = match store.ticket(number)? {
                Some(ticket) => ticket.incident.map(|i| i.title).unwrap_or(ticket.title),
                None => number.clone(),
            };
            (number.clone(), title)
        }
        None => ("single".to_string(), SINGLE_REPLIES.to_string()),
    };
    Ok(DraftGroup {
        key,
        incident,
        title,
        drafts: vec![first],
    })
}

pub(super) fn summarize(store: &Store, draft: Draft) -> Result<DraftSummary, DeskError> {
    let target = store.message(draft.target)?.as_ref().map(MessageBrief::of);
    let (_, covers) = store.draft_covers(draft.id, 0, COVERED_COUNTED_ROW)?;
    Ok(DraftSummary {
        limit: LengthLimit::of(draft.channel, &draft.body),
        covers,
        target,
        draft,
    })
}

/// One draft with its target, the messages it covers, its incident and history.
pub fn get(store: &Store, id: DraftId) -> Result<DraftView, DeskError> {
    let draft = store.draft(id)?.ok_or_else(|| not_found(id))?;
    let target = store.message(draft.target)?;
    let (ids, covered_total) = store.draft_covers(id, COVERED_SHOWN + 1, COVERED_COUNTED)?;
    let mut covered = Vec::new();
    for message in ids.into_iter().filter(|m| *m != draft.target) {
        if covered.len() == COVERED_SHOWN {
            break;
        }
        covered.extend(store.message(message)?.as_ref().map(MessageBrief::of));
    }
    let incident = match store.draft_namespace(id)? {
        Some(ns) if !ns.starts_with("reply:") => store.ticket(&ns)?.as_ref().map(TicketSummary::of),
        _ => None,
    };
    Ok(DraftView {
        limit: LengthLimit::of(draft.channel, &draft.body),
        audit: store.audit_for(&id.to_string())?,
        covered_total: covered_total.max(usize::from(target.is_some())),
        covered,
        incident,
        target,
        draft,
    })
}

/// Replaces a proposed or edited draft's text. `expected_updated_at` is the
/// `updated_at` the reviewer's page showed: anything newer means someone
/// else changed it, and the edit is refused rather than overwriting theirs.
pub async fn edit(
    store: &Store,
    actor: &Actor,
    id: DraftId,
    body: &str,
    expected_updated_at: DateTime<Utc>,
) -> Result<Draft, DeskError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(DeskError::Invalid("a reply needs some text".into()));
    }
    let tx = store.begin().await;
    let mut draft = tx.draft(id)?.ok_or_else(|| not_found(id))?;
    if !matches!(draft.state, DraftState::Proposed | DraftState::Edited)
        || draft.updated_at != expected_updated_at
    {
        return Err(conflict(&draft));
    }
    check_length(draft.channel, body).map_err(DeskError::TooLong)?;
    if draft.body == body {
        return Ok(draft);
    }
    let before = state_with(&draft.state, serde_json::json!({ "body": draft.body }));
    draft.body = body.to_string();
    draft.state = DraftState::Edited;
    draft.updated_at = Utc::now();
    let after = state_with(&draft.state, serde_json::json!({ "body": draft.body }));
    write(tx, actor, &draft, "draft.edited", before, after).await?;
    Ok(draft)
}

/// Approves a draft for publication and wakes the publisher. A draft
/// already approved, sending or sent is returned as it is: a double click
/// or a second reviewer approves nothing twice. A failed draft may be
/// approved again: the publisher fails a draft only when the channel
/// certainly published nothing (an unsure send is `uncertain`, refused here).
pub async fn approve(
    store: &Store,
    wake: &Arc<Notify>,
    actor: &Actor,
    id: DraftId,
) -> Result<Draft, DeskError> {
    let tx = store.begin().await;
    let mut draft = tx.draft(id)?.ok_or_else(|| not_found(id))?;
    match draft.state {
        DraftState::Approved | DraftState::Sending | DraftState::Sent => return Ok(draft),
        DraftState::Proposed | DraftState::Edited | DraftState::Failed { .. } => {}
        DraftState::Uncertain | DraftState::Rejected { .. } => return Err(conflict(&draft)),
    }
    check_length(draft.channel, &draft.body).map_err(DeskError::TooLong)?;
    let before = serde_json::json!(draft.state);
    draft.state = DraftState::Approved;
    draft.approved_by = Some(actor.user.clone());
    draft.attempts = 0;
    draft.next_attempt_at = None;
    draft.last_error = None;
    draft.updated_at = Utc::now();
    let after = state_with(
        &draft.state,
        serde_json::json!({ "approved_by": draft.approved_by }),
    );
    write(tx, actor, &draft, "draft.approved", before, after).await?;
    // The publisher looks under the writer lock, after this commit.
    wake.notify_one();
    Ok(draft)
}

/// Rejects a draft with a reason (required). Rejecting a rejected draft
/// is a no-op; one being sent, sent or uncertain cannot be rejected.
pub async fn reject(
    store: &Store,
    actor: &Actor,
    id: DraftId,
    reason: &str,
) -> Result<Draft, DeskError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DeskError::Invalid("a rejection needs a reason".into()));
    }
    let tx = store.begin().await;
    let mut draft = tx.draft(id)?.ok_or_else(|| not_found(id))?;
    match draft.state {
        DraftState::Rejected { .. } => return Ok(draft),
        DraftState::Proposed
        | DraftState::Edited
        | DraftState::Approved
        | DraftState::Failed { .. } => {}
        DraftState::Sending | DraftState::Sent | DraftState::Uncertain => {
            return Err(conflict(&draft));
        }
    }
    let before = serde_json::json!(draft.state);
    draft.state = DraftState::Rejected {
        reason: reason.to_string(),
    };
    draft.updated_at = Utc::now();
    let after = serde_json::json!(draft.state);
    write(tx, actor, &draft, "draft.rejected", before, after).await?;
    Ok(draft)
}

/// Assigns a draft to another reviewer, or to nobody; the same one is a no-op.
pub async fn reassign(
    store: &Store,
    actor: &Actor,
    id: DraftId,
    reviewer: Option<&str>,
) -> Result<Draft, DeskError> {
    let reviewer = reviewer.map(str::trim).filter(|r| !r.is_empty());
    let tx = store.begin().await;
    let mut draft = tx.draft(id)?.ok_or_else(|| not_found(id))?;
    if draft.assignee.as_deref() == reviewer {
        return Ok(draft);
    }
    let before = serde_json::json!({ "assignee": draft.assignee });
    draft.assignee = reviewer.map(str::to_string);
    draft.updated_at = Utc::now();
    let after = serde_json::json!({ "assignee": draft.assignee });
    write(tx, actor, &draft, "draft.reassigned", before, after).await?;
    Ok(draft)
}

/// Records what a person found on the channel for an uncertain send:
/// published (`sent`) or not (`failed`, which may then be approved again
/// explicitly; it never goes back to `approved` by itself).
pub async fn resolve_uncertain(
    store: &Store,
    actor: &Actor,
    id: DraftId,
    resolution: Resolution,
) -> Result<Draft, DeskError> {
    let tx = store.begin().await;
    let mut draft = tx.draft(id)?.ok_or_else(|| not_found(id))?;
    let already = match (&draft.state, resolution) {
        (DraftState::Sent, Resolution::Published) => true,
        (DraftState::Failed { reason }, Resolution::NotPublished) => reason == NOT_PUBLISHED,
        _ => false,
    };
    if already {
        return Ok(draft);
    }
    if draft.state != DraftState::Uncertain {
        return Err(conflict(&draft));
    }
    let now = Utc::now();
    let before = state_with(
        &draft.state,
        serde_json::json!({ "last_error": draft.last_error }),
    );
    match resolution {
        Resolution::Published => {
            draft.state = DraftState::Sent;
            draft.sent_at = Some(now);
        }
        Resolution::NotPublished => {
            draft.state = DraftState::Failed {
                reason: NOT_PUBLISHED.into(),
            };
        }
    }
    draft.updated_at = now;
    let after = state_with(
        &draft.state,
        serde_json::json!({ "checked_by": actor.user }),
    );
    write(tx, actor, &draft, "draft.resolved", before, after).await?;
    Ok(draft)
}

/// Writes the changed draft and its one audit entry, and commits.
async fn write(
    mut tx: Tx<'_>,
    actor: &Actor,
    draft: &Draft,
    action: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), DeskError> {
    tx.put_draft(draft)?;
    tx.audit(&audit(
        actor,
        draft.updated_at,
        action,
        &draft.id.to_string(),
        before,
        after,
    ));
    tx.commit().await?;
    Ok(())
}

/// A state as JSON (`{"state": "failed", "reason": …}`) with `extra`'s fields added.
fn state_with(state: &DraftState, extra: serde_json::Value) -> serde_json::Value {
    let mut value = serde_json::json!(state);
    if let (Some(fields), serde_json::Value::Object(extra)) = (value.as_object_mut(), extra) {
        fields.extend(extra);
    }
    value
}

fn not_found(id: DraftId) -> DeskError {
    DeskError::NotFound(format!("draft {id}"))
}

fn conflict(draft: &Draft) -> DeskError {
    DeskError::Conflict {
        current: draft.state.name().into(),
    }
}
