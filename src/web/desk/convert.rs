//! Desk results → the pages' view structs. Message text shown on a page
//! goes through the analysis' masking, so a card or phone number typed by a
//! customer never reaches a screen (or a screenshot) in full.

use crate::analysis::masked_text;
use crate::auth::{Auth, Permission};
use crate::desk::{
    DraftGroup, DraftSummary, DraftView, LengthLimit, MessageBrief, MessageHit, Page,
    SearchResults, TicketView,
};
use crate::model::{Details, MailKind, Message};
use crate::store::{AuditEntry, TicketSummary};
use crate::web::pages::view::{
    AttachmentRow, AuditRow, DetailsView, DraftGroupView, DraftPage, DraftRow, DraftsPage,
    IncidentRef, LimitUnit, LimitView, MessageHitRow, MessageRow, MessageView, NoteView,
    OutgoingView, Person, SearchPage, StateTab, ThreadItem, TicketPage, TicketRow, china_time,
    short_time,
};

/// The drafts queue's tabs: label and `state` value.
pub const DRAFT_TABS: [(&str, &str); 6] = [
    ("待审", "proposed,edited,uncertain"),
    ("已批准", "approved,sending"),
    ("已发送", "sent"),
    ("失败", "failed"),
    ("已驳回", "rejected"),
    ("全部", "all"),
];

/// Characters of a reply shown in a queue row.
const REPLY_EXCERPT_CHARS: usize = 60;

/// People whose role has `permission`, for assign and reassign forms.
pub fn people(auth: &Auth, permission: Permission) -> Vec<Person> {
    auth.users()
        .into_iter()
        .filter(|u| u.role.can(permission))
        .map(|u| Person {
            name: u.name.clone(),
            display_name: u.display_name.clone(),
        })
        .collect()
}

/// One audit entry as a trail line.
pub fn audit_row(entry: &AuditEntry) -> AuditRow {
    let compact = |v: &Option<serde_json::Value>| {
        v.as_ref().filter(|v| !v.is_null()).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    AuditRow {
        time: china_time(entry.at),
        actor: entry.actor.clone(),
        subject: entry.subject.clone(),
        action: entry.action.clone(),
        before: compact(&entry.before),
        after: compact(&entry.after),
    }
}

/// A message brief as a list row, its excerpt masked.
pub fn message_row(brief: &MessageBrief) -> MessageRow {
    MessageRow {
        id: brief.id.to_string(),
        channel: brief.channel,
        author: author_name(brief.author.name.as_deref(), &brief.author.id),
        time: short_time(brief.received_at),
        subject: brief.subject.as_deref().map(masked_text),
        excerpt: masked_text(&brief.excerpt),
        ticket: brief.ticket.clone(),
    }
}

fn author_name(name: Option<&str>, id: &str) -> String {
    name.filter(|n| !n.trim().is_empty())
        .unwrap_or(id)
        .to_string()
}

/// A whole message as a card, its text masked.
pub fn message_view(message: &Message) -> MessageView {
    let quoted = message
        .full_text
        .as_deref()
        .and_then(|full| full.strip_prefix(message.text.as_str()))
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(masked_text);
    MessageView {
        id: message.id.to_string(),
        channel: message.channel,
        author: author_name(message.author.name.as_deref(), &message.author.id),
        author_id: message
            .author
            .address
            .clone()
            .unwrap_or_else(|| message.author.id.clone()),
        time: china_time(message.received_at),
        subject: message.subject.as_deref().map(masked_text),
        text: masked_text(&message.text),
        quoted,
        attachments: message
            .attachments
            .iter()
            .map(|a| AttachmentRow {
                name: a.name.clone().unwrap_or_else(|| "（未命名附件）".into()),
                mime_type: a.mime_type.clone(),
                size: a.size,
                missing: a.missing.clone(),
            })
            .collect(),
        details: details_view(&message.details),
        ticket: message.ticket.clone(),
        mail_kind: match &message.mail_kind {
            MailKind::Human => None,
            MailKind::AutoReply { .. } => Some("自动回复".into()),
            MailKind::Bounce { .. } => Some("退信".into()),
        },
    }
}

/// Extracted details; the analysis stored them masked already.
fn details_view(d: &Details) -> DetailsView {
    DetailsView {
        order_numbers: d.order_numbers.clone(),
        amounts: d.amounts.clone(),
        dates: d.dates.clone(),
        times: d.times.clone(),
        phones: d.phones.clone(),
        bank_cards: d.bank_cards.clone(),
        accounts: d.accounts.clone(),
        category: d.category.clone(),
    }
}

/// A draft as a queue row.
pub fn draft_row(summary: &DraftSummary, people: &[Person]) -> DraftRow {
    let draft = &summary.draft;
    let (author, first_line, time) = match &summary.target {
        Some(t) => (
            author_name(t.author.name.as_deref(), &t.author.id),
            masked_text(t.excerpt.lines().next().unwrap_or_default()),
            short_time(t.received_at),
        ),
        None => (String::new(), String::new(), short_time(draft.created_at)),
    };
    let mut reply_excerpt: String = draft.body.chars().take(REPLY_EXCERPT_CHARS).collect();
    if draft.body.chars().nth(REPLY_EXCERPT_CHARS).is_some() {
        reply_excerpt.push('…');
    }
    DraftRow {
        id: draft.id.to_string(),
        channel: draft.channel,
        state: draft.state.clone(),
        author,
        first_line,
        reply_excerpt,
        time,
        assignee: draft.assignee.as_deref().map(|a| display(people, a)),
        covers: summary.covers,
        over_limit: summary.limit.problem.is_some(),
    }
}

fn display(people: &[Person], name: &str) -> String {
    people
        .iter()
        .find(|p| p.name == name)
        .map_or(name, |p| p.display_name.as_str())
        .to_string()
}

/// The queue page for `state` from one page of groups.
pub fn drafts_page(
    page: &Page<DraftGroup>,
    state: &str,
    paged: bool,
    people: &[Person],
) -> DraftsPage {
    DraftsPage {
        tabs: DRAFT_TABS
            .iter()
            .map(|(label, value)| StateTab {
                label: (*label).to_string(),
                value: (*value).to_string(),
                count: None,
            })
            .collect(),
        state: state.to_string(),
        groups: page
            .items
            .iter()
            .map(|g| DraftGroupView {
                title: g.title.clone(),
                incident: g.incident.as_ref().map(|number| IncidentRef {
                    number: number.clone(),
                    title: g.title.clone(),
                    firing: false,
                    members: 0,
                }),
                drafts: g.drafts.iter().map(|d| draft_row(d, people)).collect(),
            })
            .collect(),
        next: page.next.clone(),
        paged,
    }
}

/// The edit box's counter.
fn limit_view(limit: &LengthLimit) -> LimitView {
    LimitView {
        unit: match limit.unit {
            "chars" => LimitUnit::Chars,
            "bytes" => LimitUnit::Bytes,
            _ => LimitUnit::None,
        },
        max: limit.max,
        used: limit.used,
        problem: limit.problem.clone(),
    }
}

/// An incident ticket as a reference.
fn incident_ref(t: &TicketSummary) -> IncidentRef {
    IncidentRef {
        number: t.number.clone(),
        title: t.title.clone(),
        firing: false,
        members: t.messages,
    }
}

/// One draft's page.
pub fn draft_page(view: &DraftView, reviewers: Vec<Person>) -> DraftPage {
    let draft = &view.draft;
    DraftPage {
        id: draft.id.to_string(),
        channel: draft.channel,
        connector: draft.connector.to_string(),
        state: draft.state.clone(),
        body: draft.body.clone(),
        version: draft.updated_at.to_rfc3339(),
        created: china_time(draft.created_at),
        updated: china_time(draft.updated_at),
        assignee: draft.assignee.clone(),
        approved_by: draft.approved_by.clone(),
        last_error: draft.last_error.clone(),
        next_attempt: draft.next_attempt_at.map(china_time),
        sent_at: draft.sent_at.map(china_time),
        incident: view.incident.as_ref().map(incident_ref),
        target: view.target.as_ref().map(message_view),
        covered: view.covered.iter().map(message_row).collect(),
        covered_total: view.covered_total,
        limit: limit_view(&view.limit),
        reviewers,
        audit: view.audit.iter().map(audit_row).collect(),
    }
}

/// A ticket summary as a queue row.
pub fn ticket_row(t: &TicketSummary, people: &[Person]) -> TicketRow {
    TicketRow {
        number: t.number.clone(),
        title: masked_text(&t.title),
        requester: t.requester.clone(),
        queue: t.queue.clone(),
        priority: t.priority,
        state: t.state,
        assignee: t.assignee.as_deref().map(|a| display(people, a)),
        updated: short_time(t.updated_at),
        messages: t.messages,
        incident: t.incident,
    }
}

/// One ticket's page: messages, notes and our mail merged by time.
pub fn ticket_page(view: &TicketView, agents: Vec<Person>, mail_enabled: bool) -> TicketPage {
    let ticket = &view.ticket;
    let mut timed: Vec<(chrono::DateTime<chrono::Utc>, ThreadItem)> = Vec::new();
    for m in &view.messages {
        timed.push((
            m.received_at,
            ThreadItem::Message(Box::new(message_view(m))),
        ));
    }
    for n in &view.notes {
        timed.push((
            n.at,
            ThreadItem::Note(NoteView {
                author: display(&agents, &n.author),
                time: china_time(n.at),
                body: n.body.clone(),
                internal: n.internal,
            }),
        ));
    }
    for o in &view.outbox {
        let state = serde_json::to_value(&o.state)
            .ok()
            .and_then(|v| v.get("state").and_then(|s| s.as_str()).map(str::to_string))
            .unwrap_or_default();
        timed.push((
            o.created_at,
            ThreadItem::Outgoing(OutgoingView {
                author: "客服".into(),
                time: china_time(o.created_at),
                to: o.mail.to.address.clone(),
                subject: o.mail.subject.clone(),
                body: o.mail.body.clone(),
                state,
                error: o.last_error.clone(),
            }),
        ));
    }
    // A stable sort keeps a note written in the same second after its message.
    timed.sort_by_key(|(at, _)| *at);
    let number = ticket.number.to_string();
    TicketPage {
        reply_subject: format!("Re: {} [#{number}]", ticket.title),
        number,
        title: masked_text(&ticket.title),
        requester: ticket.requester.clone(),
        channel: view
            .messages
            .first()
            .map_or(crate::model::Channel::Email, |m| m.channel),
        queue: ticket.queue.clone(),
        priority: ticket.priority,
        state: ticket.state,
        assignee: ticket.assignee.clone(),
        created: china_time(ticket.created_at),
        updated: china_time(ticket.updated_at),
        thread: timed.into_iter().map(|(_, item)| item).collect(),
        omitted: view.messages_omitted,
        incident: view.incident.as_ref().map(|i| IncidentRef {
            number: ticket.number.to_string(),
            title: ticket.title.clone(),
            firing: false,
            members: i.total,
        }),
        agents,
        mail_enabled,
        audit: view.audit.iter().map(audit_row).collect(),
    }
}

/// The search page for `q` from the desk's results.
pub fn search_page(
    q: &str,
    kind: Option<String>,
    results: &SearchResults,
    people: &[Person],
) -> SearchPage {
    SearchPage {
        q: q.to_string(),
        kind,
        tickets: results
            .tickets
            .iter()
            .map(|t| ticket_row(t, people))
            .collect(),
        messages: results.messages.iter().map(hit_row).collect(),
    }
}

fn hit_row(hit: &MessageHit) -> MessageHitRow {
    MessageHitRow {
        matched: serde_json::to_value(hit.matched)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        term: masked_text(&hit.term),
        message: message_row(&hit.message),
    }
}
