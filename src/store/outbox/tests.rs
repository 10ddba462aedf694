//! Outbox records: the state index follows the state, counts and listings
//! agree, acknowledgement windows come and go.

use chrono::{Duration, Utc};

use super::*;
use crate::outbound::{OutgoingKind, Recipient};
use crate::store::StoreOptions;

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        kind: OutgoingKind::Acknowledgement,
        ticket: Some("20261127-000001".into()),
        answers: None,
        to: Recipient {
            address: to.into(),
            name: None,
        },
        subject: "[#20261127-000001] 退款".into(),
        body: "已收到".into(),
        message_id: format!("{}@omni.test", uuid::Uuid::now_v7().simple()),
        in_reply_to: None,
        references: vec![],
        headers: vec![],
    }
}

fn open(dir: &std::path::Path) -> Store {
    crate::store::reopen_for_test(dir, StoreOptions::default())
}

#[tokio::test]
async fn the_state_index_follows_every_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let mut entry = OutboxEntry::pending(mail("a@x.cn"), Utc::now());
    let mut tx = store.begin().await;
    tx.put_outbox(&entry).expect("put");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.outbox_in_state("pending").expect("list"),
        [entry.clone()]
    );

    for state in [
        OutboxState::Sending,
        OutboxState::Sent,
        OutboxState::Uncertain,
        OutboxState::Failed {
            reason: "550 no such user".into(),
        },
    ] {
        entry.state = state;
        let mut tx = store.begin().await;
        tx.put_outbox(&entry).expect("put");
        tx.commit().await.expect("commit");
        let counts = store.outbox_counts().expect("counts");
        let indexed: u64 = counts.values().sum();
        // Exactly one index entry, except for `sent`, which has none.
        let expected = u64::from(entry.state != OutboxState::Sent);
        assert_eq!(indexed, expected, "{:?}: {counts:?}", entry.state);
        if expected == 1 {
            assert_eq!(counts.get(entry.state.name()), Some(&1));
        }
    }
    let listed = store.outbox(&OutboxFilter::default()).expect("list");
    assert_eq!(listed, [entry.clone()]);
    let failed = OutboxFilter {
        state: Some("failed".into()),
        limit: None,
    };
    assert_eq!(store.outbox(&failed).expect("list"), [entry.clone()]);
    let sent = OutboxFilter {
        state: Some("sent".into()),
        limit: None,
    };
    assert!(store.outbox(&sent).expect("list").is_empty());
}

#[tokio::test]
async fn entries_list_newest_first_and_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = {
        let store = open(dir.path());
        let mut tx = store.begin().await;
        let mut ids = Vec::new();
        for to in ["a@x.cn", "b@x.cn", "c@x.cn"] {
            let entry = OutboxEntry::pending(mail(to), Utc::now());
            ids.push(entry.id);
            tx.put_outbox(&entry).expect("put");
        }
        tx.commit().await.expect("commit");
        ids
    };
    let store = open(dir.path());
    let listed: Vec<OutboxId> = store
        .outbox(&OutboxFilter::default())
        .expect("list")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(listed, ids.iter().rev().copied().collect::<Vec<_>>());
    let oldest_first: Vec<OutboxId> = store
        .outbox_in_state("pending")
        .expect("list")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(oldest_first, ids);
}

#[tokio::test]
async fn ack_windows_are_read_back_and_pruned_when_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let now = Utc::now();
    let mut tx = store.begin().await;
    assert!(tx.ack_times("a@x.cn").expect("read").is_empty());
    tx.set_ack_times("a@x.cn", &[now - Duration::hours(2)]);
    tx.set_ack_times("b@x.cn", &[now - Duration::hours(2), now]);
    // The transaction reads its own write.
    assert_eq!(tx.ack_times("b@x.cn").expect("read").len(), 2);
    tx.commit().await.expect("commit");
    let stale = store
        .stale_ack_windows(now - Duration::hours(1))
        .expect("scan");
    assert_eq!(stale, ["a@x.cn"]);
    let mut tx = store.begin().await;
    tx.set_ack_times("a@x.cn", &[]);
    assert!(tx.ack_times("a@x.cn").expect("read").is_empty());
    tx.commit().await.expect("commit");
    assert!(
        store
            .stale_ack_windows(now - Duration::hours(1))
            .expect("scan")
            .is_empty()
    );
}

#[test]
fn the_state_is_flattened_into_the_record() {
    let mut entry = OutboxEntry::pending(mail("a@x.cn"), Utc::now());
    entry.state = OutboxState::Failed {
        reason: "550".into(),
    };
    let json = serde_json::to_value(&entry).expect("json");
    assert_eq!(json["state"], "failed");
    assert_eq!(json["reason"], "550");
    let back: OutboxEntry = serde_json::from_value(json).expect("back");
    assert_eq!(back, entry);
}
