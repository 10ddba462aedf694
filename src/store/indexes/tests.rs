//! A store written without the desk's indexes gets them on open.

use chrono::{Duration, Utc};

use super::*;
use crate::model::{
    Author, Channel, ConnectorId, Details, Draft, DraftState, MailKind, Message, MessageId,
    Priority, Ticket, TicketNumber, TicketState,
};
use crate::outbound::{OutgoingKind, OutgoingMail, Recipient};
use crate::store::{
    AssigneeFilter, OutboxEntry, SCHEMA_VERSION, Store, StoreOptions, TicketIndexFilter,
};

fn options() -> StoreOptions {
    StoreOptions {
        fsync: false,
        ..StoreOptions::default()
    }
}

fn message(i: usize) -> Message {
    Message {
        id: MessageId::new(),
        channel: if i.is_multiple_of(2) {
            Channel::Email
        } else {
            Channel::Weibo
        },
        connector: ConnectorId("t".into()),
        native_id: format!("m{i}@x.cn"),
        author: Author {
            id: format!("user{i}@x.cn"),
            name: Some(format!("用户{i}")),
            address: Some(format!("user{i}@x.cn")),
        },
        subject: Some("退款".into()),
        text: "退款没有到账".into(),
        full_text: None,
        attachments: vec![],
        thread: Default::default(),
        sent_at: None,
        received_at: Utc::now(),
        mail_kind: MailKind::Human,
        details: Details {
            order_numbers: vec![format!("20261128{i:08}")],
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

/// What the indexes answer, for comparing before and after.
#[derive(Debug, PartialEq)]
struct Answers {
    all: Vec<String>,
    assigned: Vec<String>,
    urgent_open: Vec<String>,
    queue: Vec<(Option<String>, crate::model::DraftId)>,
    authors: usize,
    orders: usize,
    outbox: usize,
    covers: usize,
}

fn answers(store: &Store, first_draft: crate::model::DraftId, ticket: &str) -> Answers {
    let numbers = |filter: &TicketIndexFilter| -> Vec<String> {
        let page = store.ticket_page(filter, None, 1000).expect("page");
        page.items.into_iter().map(|t| t.number).collect()
    };
    let all_states = crate::store::DRAFT_STATE_NAMES;
    Answers {
        all: numbers(&TicketIndexFilter::default()),
        assigned: numbers(&TicketIndexFilter {
            assignee: Some(AssigneeFilter::User("bob".into())),
            ..TicketIndexFilter::default()
        }),
        urgent_open: numbers(&TicketIndexFilter {
            state: Some(TicketState::Open),
            priority: Some(Priority::Urgent),
            ..TicketIndexFilter::default()
        }),
        queue: store
            .draft_queue_page(&all_states, None, 1000)
            .expect("queue")
            .items
            .into_iter()
            .map(|q| (q.incident, q.id))
            .collect(),
        authors: store
            .messages_by_author("user", 1000)
            .expect("authors")
            .len(),
        orders: store
            .messages_by_order_number("20261128", false, 1000)
            .expect("orders")
            .len(),
        outbox: store.outbox_for_ticket(ticket).expect("outbox").len(),
        covers: store.draft_covers(first_draft, 100, 100).expect("covers").1,
    }
}

async fn fill(store: &Store) -> (crate::model::DraftId, String) {
    let mut tx = store.begin().await;
    let mut first_ticket = String::new();
    for i in 0..30 {
        let mut m = message(i);
        let at = Utc::now() - Duration::minutes(i as i64);
        let number = crate::tickets::next_number(&mut tx, at).expect("number");
        m.ticket = Some(number.0.clone());
        let ticket = Ticket {
            number: TicketNumber(number.0.clone()),
            queue: if i.is_multiple_of(3) { "email" } else { "vip" }.into(),
            priority: Priority::ALL[i % 4],
            state: TicketState::ALL[i % 5],
            title: format!("退款 {i}"),
            requester: m.author.id.clone(),
            messages: vec![m.id],
            assignee: i.is_multiple_of(2).then(|| "bob".to_string()),
            created_at: at,
            updated_at: at,
            incident: None,
        };
        crate::tickets::insert_new(&mut tx, &ticket);
        tx.insert_message(&m, None);
        if i == 0 {
            first_ticket = number.0.clone();
            let mail = OutgoingMail {
                kind: OutgoingKind::Reply,
                ticket: Some(number.0.clone()),
                answers: Some(m.id),
                to: Recipient {
                    address: m.author.id.clone(),
                    name: None,
                },
                subject: "[#x] 退款".into(),
                body: "好的".into(),
                message_id: "r1@omni".into(),
                in_reply_to: None,
                references: vec![],
                headers: vec![],
            };
            tx.put_outbox(&OutboxEntry::pending(mail, Utc::now()))
                .expect("outbox");
        }
    }
    let mut first_draft = None;
    for i in 0..12 {
        let m = message(100 + i);
        let mut draft = Draft::proposed(&m, "您好".into(), Utc::now());
        if i % 4 == 1 {
            draft.state = DraftState::Sent;
        }
        tx.insert_message(&m, None);
        tx.put_draft(&draft).expect("draft");
        let namespace = if i.is_multiple_of(2) {
            first_ticket.clone()
        } else {
            "reply:hi".into()
        };
        tx.set_incident_cover(&namespace, m.id, draft.id);
        if i == 0 {
            let copy = message(200);
            tx.insert_message(&copy, None);
            tx.set_incident_cover(&namespace, copy.id, draft.id);
        }
        first_draft.get_or_insert(draft.id);
    }
    tx.commit().await.expect("commit");
    (
        first_draft.unwrap_or(crate::model::DraftId(uuid::Uuid::nil())),
        first_ticket,
    )
}

fn index_keys(store: &Store) -> usize {
    INDEX_PREFIXES
        .iter()
        .map(|p| store.db().scan_prefix(p).count())
        .sum()
}

#[tokio::test]
async fn opening_a_store_written_without_indexes_builds_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (draft, ticket, before, keys_before) = {
        let store = Store::open(dir.path(), options()).expect("open");
        let (draft, ticket) = fill(&store).await;
        let before = answers(&store, draft, &ticket);
        assert_eq!(before.all.len(), 30);
        assert_eq!(before.assigned.len(), 15);
        assert_eq!(before.queue.len(), 12);
        assert_eq!(before.covers, 2);
        let keys_before = index_keys(&store);
        // What a schema-1 build left behind: the records, no index entries.
        for prefix in INDEX_PREFIXES {
            for key in store.db().scan_prefix(prefix).keys() {
                store.db().remove(key.expect("key")).expect("remove");
            }
        }
        store
            .db()
            .insert(keys::SCHEMA, &1u32.to_be_bytes())
            .expect("schema");
        store.flush().await.expect("flush");
        assert!(answers(&store, draft, &ticket).all.is_empty());
        (draft, ticket, before, keys_before)
    };
    let store = crate::store::reopen_for_test(dir.path(), options());
    let schema = store.db().get(keys::SCHEMA).expect("read").expect("schema");
    assert_eq!(schema.as_ref(), SCHEMA_VERSION.to_be_bytes());
    assert_eq!(answers(&store, draft, &ticket), before);
    assert_eq!(index_keys(&store), keys_before);
    // Running it again (a crash midway) rebuilds the same entries, no more.
    build_desk_indexes(store.db()).expect("again");
    assert_eq!(index_keys(&store), keys_before);
    assert_eq!(answers(&store, draft, &ticket), before);
}

fn incident_ticket(number: &str, minutes_ago: i64, resolved: bool) -> Ticket {
    let at = Utc::now() - Duration::minutes(minutes_ago);
    crate::store::tests::incident_ticket(number, true, at, resolved.then_some(at))
}

fn incident_numbers(store: &Store) -> Vec<String> {
    let page = store.incident_page(None, 1000).expect("incidents");
    page.items.into_iter().map(|t| t.number).collect()
}

#[tokio::test]
async fn opening_a_schema_3_store_builds_the_incident_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (all_before, audit_before) = {
        let store = Store::open(dir.path(), options()).expect("open");
        fill(&store).await;
        let mut tx = store.begin().await;
        tx.put_ticket(&incident_ticket("20261128-900001", 5, true));
        tx.put_ticket(&incident_ticket("20261128-900002", 3, false));
        tx.put_ticket(&incident_ticket("20261128-900003", 1, true));
        tx.commit().await.expect("commit");
        assert_eq!(incident_numbers(&store).len(), 3);
        let all_before = numbers_all(&store);
        let audit_before = audit_lines(&store);
        // What a schema-3 build left behind: every index but `tix/in/`.
        for key in store.db().scan_prefix(keys::TICKET_BY_INCIDENT).keys() {
            store.db().remove(key.expect("key")).expect("remove");
        }
        // A damaged ticket record must not keep the store from opening.
        store
            .db()
            .insert(keys::ticket("20261128-900009"), &b"{\"number\": 7"[..])
            .expect("damaged");
        store
            .db()
            .insert(keys::SCHEMA, &3u32.to_be_bytes())
            .expect("schema");
        store.flush().await.expect("flush");
        assert!(incident_numbers(&store).is_empty());
        (all_before, audit_before)
    };
    let store = crate::store::reopen_for_test(dir.path(), options());
    let schema = store.db().get(keys::SCHEMA).expect("read").expect("schema");
    assert_eq!(schema.as_ref(), 4u32.to_be_bytes());
    assert_eq!(SCHEMA_VERSION, 4);
    assert_eq!(
        incident_numbers(&store),
        ["20261128-900002", "20261128-900003", "20261128-900001"]
    );
    assert_eq!(
        numbers_all(&store),
        all_before,
        "other dimensions untouched"
    );
    assert_eq!(audit_lines(&store), audit_before);
    // Running it again (a crash midway) writes the same keys, no more.
    assert_eq!(
        crate::store::ticket_index::build_incident_index(store.db()).expect("again"),
        3
    );
    assert_eq!(store.db().scan_prefix(keys::TICKET_BY_INCIDENT).count(), 3);
}

fn numbers_all(store: &Store) -> Vec<String> {
    let page = store
        .ticket_page(&TicketIndexFilter::default(), None, 1000)
        .expect("page");
    page.items.into_iter().map(|t| t.number).collect()
}

fn audit_lines(store: &Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    store
        .db()
        .scan_prefix(keys::AUDIT_LOG)
        .map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())).expect("line"))
        .collect()
}

#[tokio::test]
async fn rebuilding_the_desk_indexes_restores_lost_audit_log_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), options()).expect("open");
    fill(&store).await;
    let mut tx = store.begin().await;
    for i in 0..10 {
        tx.audit(&crate::store::AuditEntry {
            at: Utc::now(),
            actor: "wangli".into(),
            action: "ticket.state".into(),
            subject: format!("20261128-{i:06}"),
            before: None,
            after: Some(serde_json::json!({ "i": i })),
        });
    }
    tx.put_ticket(&incident_ticket("20261128-900001", 2, false));
    tx.commit().await.expect("commit");
    let filter = crate::store::AuditFilter::default();
    let before = store.recent_audit(None, 100, &filter).expect("audit");
    assert_eq!(before.entries.len(), 10);
    let lines = audit_lines(&store);
    let index_before = index_keys(&store);

    // Lose every other log line and an index entry or two.
    for (key, _) in lines.iter().step_by(2) {
        store.db().remove(key).expect("remove");
    }
    for key in store.db().scan_prefix(keys::TICKET_BY_INCIDENT).keys() {
        store.db().remove(key.expect("key")).expect("remove");
    }
    assert_eq!(
        store
            .recent_audit(None, 100, &filter)
            .expect("audit")
            .entries
            .len(),
        5
    );

    let written = store.rebuild_desk_indexes().await.expect("rebuild");
    assert_eq!(written, index_before + lines.len());
    assert_eq!(audit_lines(&store), lines);
    assert_eq!(
        store.recent_audit(None, 100, &filter).expect("audit"),
        before
    );
    assert_eq!(incident_numbers(&store), ["20261128-900001"]);
    assert_eq!(index_keys(&store), index_before);
}
