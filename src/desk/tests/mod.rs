//! The desk against a real store in a temporary directory.

mod bench;
mod drafts;
mod index;
mod search;
mod tickets;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

use super::*;
use crate::model::{
    Author, Channel, ConnectorId, Details, Draft, DraftId, DraftState, Incident, MailKind, Message,
    MessageId, Priority, ThreadRefs, Ticket, TicketNumber,
};
use crate::store::StoreOptions;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    wake: Arc<Notify>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = StoreOptions {
        fsync: false,
        ..StoreOptions::default()
    };
    let store = Store::open(dir.path(), options).expect("open");
    Fixture {
        _dir: dir,
        store,
        wake: Arc::new(Notify::new()),
    }
}

impl Fixture {
    fn desk(&self) -> Desk {
        Desk::new(self.store.clone(), self.wake.clone()).with_mail(ReplyMail {
            message_id_domain: "omni.alipay.com".into(),
            wake: None,
        })
    }
}

fn agent() -> Actor {
    Actor::new("alice", "agent")
}

fn message(channel: Channel, author: &str, at: DateTime<Utc>) -> Message {
    Message {
        id: MessageId::new(),
        channel,
        connector: ConnectorId(channel.as_str().into()),
        native_id: format!("{}@mail.example.cn", uuid::Uuid::now_v7().simple()),
        author: Author {
            id: author.into(),
            name: Some("王小明".into()),
            address: (channel == Channel::Email).then(|| author.to_string()),
        },
        subject: (channel == Channel::Email).then(|| "转账转错了".to_string()),
        text: "我昨天给朋友转账转错了，订单号 2026112822001400001234".into(),
        full_text: None,
        attachments: vec![],
        thread: ThreadRefs::default(),
        sent_at: Some(at),
        received_at: at,
        mail_kind: MailKind::Human,
        details: Details {
            order_numbers: vec!["2026112822001400001234".into()],
            ..Details::default()
        },
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

fn ticket_of(
    number: TicketNumber,
    queue: &str,
    messages: &[&Message],
    at: DateTime<Utc>,
) -> Ticket {
    Ticket {
        number,
        queue: queue.into(),
        priority: Priority::Normal,
        state: TicketState::New,
        title: "转账转错了".into(),
        requester: messages
            .first()
            .map(|m| m.author.id.clone())
            .unwrap_or_default(),
        messages: messages.iter().map(|m| m.id).collect(),
        assignee: None,
        created_at: at,
        updated_at: at,
        incident: None,
    }
}

/// Stores a ticket opened by `messages` (in that order) in `queue`; returns its number.
async fn seed_ticket(store: &Store, queue: &str, messages: Vec<Message>) -> String {
    let at = messages.first().map_or_else(Utc::now, |m| m.received_at);
    let mut tx = store.begin().await;
    let number = crate::tickets::next_number(&mut tx, at).expect("number");
    let refs: Vec<&Message> = messages.iter().collect();
    let ticket = ticket_of(number.clone(), queue, &refs, at);
    crate::tickets::insert_new(&mut tx, &ticket);
    for mut m in messages {
        m.ticket = Some(number.0.clone());
        tx.insert_message(&m, None);
    }
    tx.commit().await.expect("commit");
    number.0
}

/// Stores an incident ticket opened at `at`; returns its number.
async fn seed_incident(store: &Store, title: &str, at: DateTime<Utc>) -> String {
    let mut tx = store.begin().await;
    let number = crate::tickets::next_number(&mut tx, at).expect("number");
    let mut ticket = ticket_of(number.clone(), "incidents", &[], at);
    ticket.title = format!("【趋势】{title}");
    ticket.incident = Some(Incident {
        topic: title.into(),
        title: title.into(),
        onset: at,
        fired_at: at,
        count: 12,
        baseline: 1.0,
        p_value: 1e-6,
        window_minutes: 10,
        members: 0,
        drafts: 0,
        resolved_at: None,
    });
    crate::tickets::insert_new(&mut tx, &ticket);
    tx.commit().await.expect("commit");
    number.0
}

/// Stores a chat message and a draft answering it, covered under
/// `namespace` (an incident number or `reply:<template>`) with `copies`
/// near-duplicates covered by the same draft.
async fn seed_draft(
    store: &Store,
    channel: Channel,
    namespace: &str,
    state: DraftState,
    copies: usize,
) -> (DraftId, Message) {
    let target = message(channel, "oCustomer", Utc::now());
    let mut draft = Draft::proposed(&target, "您好，已为您加急处理。".into(), Utc::now());
    draft.state = state;
    let mut tx = store.begin().await;
    tx.insert_message(&target, None);
    tx.put_draft(&draft).expect("put draft");
    tx.set_incident_cover(namespace, target.id, draft.id);
    tx.commit().await.expect("commit");
    for _ in 0..copies {
        let mut copy = message(channel, "oOther", Utc::now());
        copy.near_duplicate_of = Some((target.id, 0.9));
        let mut tx = store.begin().await;
        tx.insert_message(&copy, None);
        tx.set_incident_cover(namespace, copy.id, draft.id);
        tx.commit().await.expect("commit");
    }
    (draft.id, target)
}

/// The audit entries of `subject` with `action`.
fn audits(store: &Store, subject: &str, action: &str) -> Vec<crate::store::AuditEntry> {
    store
        .audit_for(subject)
        .expect("audit")
        .into_iter()
        .filter(|a| a.action == action)
        .collect()
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}
