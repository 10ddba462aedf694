//! Store behaviour: atomic batches, counters, raw packs, drafts, schema.

use chrono::Utc;

use super::*;
use crate::model::{
    Author, Channel, ConnectorId, Details, Draft, DraftState, MailKind, Message, MessageId,
    ThreadRefs,
};

fn message(native: &str) -> Message {
    Message {
        id: MessageId::new(),
        channel: Channel::Email,
        connector: ConnectorId("t".into()),
        native_id: native.into(),
        author: Author::default(),
        subject: Some("退款".into()),
        text: "商户退款没有到账".into(),
        full_text: None,
        attachments: vec![],
        thread: ThreadRefs::default(),
        sent_at: None,
        received_at: Utc::now(),
        mail_kind: MailKind::Human,
        details: Details::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 3,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(dir, StoreOptions::default()).expect("open")
}

#[tokio::test]
async fn a_commit_is_atomic_and_reads_see_the_transactions_own_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let a = message("a@x");
    let b = message("b@x");
    let mut tx = store.begin().await;
    tx.insert_message(&a, Some(b"raw-a"));
    assert_eq!(
        tx.find_native(Channel::Email, "a@x").expect("read"),
        Some(a.id)
    );
    // Nothing is visible outside before the commit.
    assert_eq!(
        store.find_native(Channel::Email, "a@x").expect("read"),
        None
    );
    tx.insert_message(&b, Some(b"raw-bb"));
    tx.set_cursor("t", "uid", b"42");
    tx.commit().await.expect("commit");

    assert_eq!(store.message(a.id).expect("read"), Some(a.clone()));
    assert_eq!(store.raw(a.id).expect("raw"), Some(b"raw-a".to_vec()));
    assert_eq!(store.raw(b.id).expect("raw"), Some(b"raw-bb".to_vec()));
    assert_eq!(
        store.cursor("t", "uid").expect("cursor"),
        Some(b"42".to_vec())
    );
    assert_eq!(store.stats().messages.total, 2);
    assert_eq!(store.count_messages().expect("count"), 2);
}

#[tokio::test]
async fn a_dropped_transaction_leaves_no_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    {
        let mut tx = store.begin().await;
        tx.insert_message(&message("gone@x"), None);
    }
    assert_eq!(
        store.find_native(Channel::Email, "gone@x").expect("read"),
        None
    );
    assert_eq!(store.stats().messages.total, 0);
}

#[tokio::test]
async fn counters_and_records_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = message("keep@x");
    {
        let store = open(dir.path());
        let mut tx = store.begin().await;
        tx.insert_message(&m, Some(b"raw"));
        assert_eq!(tx.next_ticket_seq("20261127").expect("seq"), 1);
        assert_eq!(tx.next_ticket_seq("20261127").expect("seq"), 2);
        tx.commit().await.expect("commit");
    }
    let store = open(dir.path());
    assert_eq!(store.stats().messages.total, 1);
    assert_eq!(store.message(m.id).expect("read"), Some(m));
    let mut tx = store.begin().await;
    assert_eq!(tx.next_ticket_seq("20261127").expect("seq"), 3);
    assert_eq!(tx.next_ticket_seq("20261128").expect("seq"), 1);
}

#[tokio::test]
async fn drafts_are_counted_by_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let mut target = message("m1");
    target.channel = Channel::Weibo;
    let mut draft = Draft::proposed(&target, "您好，已为您加急处理。".into(), Utc::now());
    let mut tx = store.begin().await;
    tx.put_draft(&draft).expect("put");
    tx.commit().await.expect("commit");
    draft.state = DraftState::Approved;
    let mut tx = store.begin().await;
    tx.put_draft(&draft).expect("put");
    tx.commit().await.expect("commit");
    let stats = store.stats();
    assert_eq!(stats.drafts.total, 1);
    assert_eq!(stats.drafts.by_state.get("proposed"), Some(&0));
    assert_eq!(stats.drafts.by_state.get("approved"), Some(&1));
    assert_eq!(store.drafts(None).expect("list"), vec![draft.clone()]);
    assert!(store.drafts_in_state("proposed").expect("index").is_empty());
    assert_eq!(
        store.drafts_in_state("approved").expect("index"),
        vec![draft.clone()]
    );
    // End states leave the index.
    draft.state = DraftState::Sent;
    let mut tx = store.begin().await;
    tx.put_draft(&draft).expect("put");
    tx.commit().await.expect("commit");
    assert!(store.drafts_in_state("approved").expect("index").is_empty());
    assert!(store.drafts_in_state("sent").expect("index").is_empty());
}

#[test]
fn a_store_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path());
        store
            .db()
            .insert(keys::SCHEMA, &(SCHEMA_VERSION + 1).to_be_bytes())
            .expect("poke schema");
        store.db().flush().expect("flush");
    }
    match Store::open(dir.path(), StoreOptions::default()) {
        Err(StoreError::TooNew { found, supported }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a newer store must be refused"),
    }
}

#[tokio::test]
async fn large_raw_inputs_go_to_separate_packs_and_read_back_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let (a, b, c) = (message("big-a@x"), message("big-b@x"), message("small@x"));
    let raw_a = vec![b'a'; 3 * 1024 * 1024];
    let raw_b = vec![b'b'; 3 * 1024 * 1024];
    let mut tx = store.begin().await;
    tx.insert_message(&a, Some(&raw_a));
    tx.insert_message(&b, Some(&raw_b));
    tx.insert_message(&c, Some(b"small"));
    tx.commit().await.expect("commit");
    assert_eq!(store.raw(a.id).expect("raw"), Some(raw_a));
    assert_eq!(store.raw(b.id).expect("raw"), Some(raw_b));
    assert_eq!(store.raw(c.id).expect("raw"), Some(b"small".to_vec()));
    let packs = store.db().scan_prefix(keys::RAW_PACK).count();
    assert_eq!(packs, 2, "a pack is closed before it passes 4 MiB");
}

/// An open high-priority ticket, an incident (firing unless `resolved_at`)
/// when `incident`; shared with the index migration tests.
pub(in crate::store) fn incident_ticket(
    number: &str,
    incident: bool,
    updated_at: chrono::DateTime<Utc>,
    resolved_at: Option<chrono::DateTime<Utc>>,
) -> crate::model::Ticket {
    use crate::model::{Incident, Priority, Ticket, TicketNumber, TicketState};
    Ticket {
        number: TicketNumber(number.into()),
        queue: "incident".into(),
        priority: Priority::High,
        state: TicketState::Open,
        title: "支付失败".into(),
        requester: "trend:pay".into(),
        messages: vec![],
        assignee: None,
        created_at: updated_at,
        updated_at,
        incident: incident.then(|| Incident {
            topic: format!("topic-{number}"),
            title: "支付失败".into(),
            onset: updated_at,
            fired_at: updated_at,
            count: 12,
            baseline: 1.5,
            p_value: 1e-6,
            window_minutes: 30,
            members: 12,
            drafts: 0,
            resolved_at,
        }),
    }
}

async fn put_tickets(store: &Store, tickets: &[crate::model::Ticket]) {
    let mut tx = store.begin().await;
    for ticket in tickets {
        tx.put_ticket(ticket);
    }
    tx.commit().await.expect("commit");
}

/// Every incident, following `next` with pages of `limit`.
fn all_incidents(store: &Store, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = store.incident_page(after.as_deref(), limit).expect("page");
        assert!(page.items.len() <= limit);
        out.extend(page.items.into_iter().map(|t| t.number));
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

fn incident_index_keys(store: &Store) -> usize {
    store.db().scan_prefix(keys::TICKET_BY_INCIDENT).count()
}

#[tokio::test]
async fn a_resolved_incident_moves_behind_the_firing_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t0 = Utc::now() - chrono::Duration::hours(1);
    let at = |minutes: i64| t0 + chrono::Duration::minutes(minutes);
    put_tickets(
        &store,
        &[
            incident_ticket("20261128-000001", true, at(1), None),
            incident_ticket("20261128-000002", true, at(2), None),
            incident_ticket("20261128-000003", false, at(3), None),
        ],
    )
    .await;
    let page = store.incident_page(None, 10).expect("page");
    let numbers: Vec<&str> = page.items.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(numbers, ["20261128-000002", "20261128-000001"]);
    assert!(page.items.iter().all(|t| t.incident));
    assert_eq!(page.next, None);
    assert_eq!(incident_index_keys(&store), 2);

    // The newer one resolves: though now the newest, it goes last.
    put_tickets(
        &store,
        &[incident_ticket(
            "20261128-000002",
            true,
            at(10),
            Some(at(10)),
        )],
    )
    .await;
    assert_eq!(
        all_incidents(&store, 10),
        ["20261128-000001", "20261128-000002"]
    );
    let resolved = store.incident_page(None, 10).expect("page").items;
    assert_eq!(resolved[1].updated_at, at(10), "the row is the new one");
    assert_eq!(incident_index_keys(&store), 2, "the firing key is gone");
    let firing = store
        .db()
        .scan_prefix(keys::ticket_incident_prefix(false))
        .count();
    assert_eq!(firing, 1);

    // The non-incident ticket is listed elsewhere, never here.
    let all = store
        .ticket_page(&TicketIndexFilter::default(), None, 10)
        .expect("tickets");
    assert_eq!(all.items.len(), 3);
    assert!(!all_incidents(&store, 10).contains(&"20261128-000003".to_string()));
}

#[tokio::test]
async fn incident_pages_list_each_incident_once_firing_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t0 = Utc::now() - chrono::Duration::hours(1);
    let at = |minutes: i64| t0 + chrono::Duration::minutes(minutes);
    put_tickets(
        &store,
        &[
            incident_ticket("20261128-000001", true, at(1), Some(at(1))),
            incident_ticket("20261128-000002", true, at(2), None),
            incident_ticket("20261128-000003", true, at(3), Some(at(3))),
            incident_ticket("20261128-000004", false, at(4), None),
            incident_ticket("20261128-000005", true, at(5), None),
            incident_ticket("20261128-000006", true, at(6), None),
        ],
    )
    .await;
    assert_eq!(
        all_incidents(&store, 2),
        [
            "20261128-000006",
            "20261128-000005",
            "20261128-000002",
            "20261128-000003",
            "20261128-000001",
        ]
    );
    let first = store.incident_page(None, 2).expect("page");
    assert_eq!(first.items.len(), 2);
    assert!(first.next.is_some());
}
