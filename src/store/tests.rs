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
