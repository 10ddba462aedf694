//! The sweep: stale entries go, live ones and everything else stay, in
//! bounded chunks.

use chrono::{DateTime, Duration, Utc};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::model::{Channel, MessageId, Priority, Ticket, TicketNumber, TicketState};
use crate::store::{DigestDay, MediaJob, MessageCounts, StoreOptions};

fn open_store(dir: &std::path::Path) -> Store {
    let options = StoreOptions {
        fsync: false,
        ..StoreOptions::default()
    };
    Store::open(dir, options).expect("open")
}

fn options(chunk: usize) -> SweepOptions {
    SweepOptions {
        conversation_retention: Duration::days(30),
        media_job_retention: Duration::days(4),
        chunk,
    }
}

fn ticket(number: &str, state: TicketState, updated_at: DateTime<Utc>) -> Ticket {
    Ticket {
        number: TicketNumber(number.into()),
        queue: "wechat".into(),
        priority: Priority::Normal,
        state,
        title: "聊天".into(),
        requester: "openid".into(),
        messages: vec![],
        assignee: None,
        created_at: updated_at,
        updated_at,
        incident: None,
    }
}

fn media_job(created_at: DateTime<Utc>) -> MediaJob {
    MediaJob {
        message: MessageId::new(),
        connector: "oa".into(),
        media_id: "m".into(),
        kind: "image".into(),
        created_at,
        attempts: 2,
        next_attempt_at: None,
    }
}

async fn conversation(store: &Store, author: &str) -> Option<String> {
    let tx = store.begin().await;
    tx.conversation_ticket(Channel::Wechat, "oa", author)
        .expect("read")
}

#[tokio::test]
async fn stale_entries_go_and_live_ones_stay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(dir.path());
    let now = Utc::now();
    let mut tx = store.begin().await;
    let tickets = [
        ("resolved", "20261101-000001", TicketState::Resolved, now),
        ("closed", "20261101-000002", TicketState::Closed, now),
        (
            "live",
            "20261101-000003",
            TicketState::Open,
            now - Duration::days(2),
        ),
        (
            "idle",
            "20261101-000004",
            TicketState::Open,
            now - Duration::days(40),
        ),
    ];
    for (author, number, state, updated) in tickets {
        crate::tickets::insert_new(&mut tx, &ticket(number, state, updated));
        tx.set_conversation_ticket(Channel::Wechat, "oa", author, number);
    }
    tx.set_conversation_ticket(Channel::Wechat, "oa", "gone", "20261101-000099");
    tx.set_ack_times("old@x.cn", &[now - Duration::hours(2)]);
    tx.set_ack_times(
        "recent@x.cn",
        &[now - Duration::hours(2), now - Duration::minutes(10)],
    );
    let stuck = media_job(now - Duration::days(5));
    let pending = media_job(now - Duration::days(1));
    tx.put_media_job(&stuck);
    tx.put_media_job(&pending);
    let record = DigestDay {
        ticket: "20261101-000005".into(),
        at: now,
        messages: MessageCounts::default(),
    };
    tx.set_digest_day(&TicketNumber::day_of(now - Duration::days(20)), &record);
    tx.set_digest_day(&TicketNumber::day_of(now - Duration::days(1)), &record);
    tx.commit().await.expect("commit");
    let stats = store.stats();

    let stop = CancellationToken::new();
    let report = run_sweep(&store, &options(CHUNK), now, &stop)
        .await
        .expect("sweep");
    assert_eq!(
        report.counts(),
        [
            ("conversation", 4),
            ("ack_window", 1),
            ("media_job", 1),
            ("digest_day", 1)
        ]
    );
    assert!(!report.interrupted);

    assert_eq!(
        conversation(&store, "live").await.as_deref(),
        Some("20261101-000003")
    );
    for author in ["resolved", "closed", "idle", "gone"] {
        assert_eq!(conversation(&store, author).await, None, "{author}");
    }
    let tx = store.begin().await;
    assert!(tx.ack_times("old@x.cn").expect("read").is_empty());
    assert_eq!(tx.ack_times("recent@x.cn").expect("read").len(), 2);
    drop(tx);
    assert_eq!(store.media_jobs().expect("jobs"), vec![pending]);
    // Tickets and counters are untouched.
    assert_eq!(store.count_tickets().expect("count"), 4);
    assert_eq!(store.stats(), stats);

    let again = run_sweep(&store, &options(CHUNK), now, &stop)
        .await
        .expect("sweep");
    assert_eq!(again.counts().map(|(_, n)| n), [0, 0, 0, 0]);
    assert_eq!(again.transactions, 0);
}

#[tokio::test]
async fn more_entries_than_a_chunk_are_swept_in_several_transactions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(dir.path());
    let now = Utc::now();
    let mut tx = store.begin().await;
    crate::tickets::insert_new(&mut tx, &ticket("20261101-000001", TicketState::Open, now));
    crate::tickets::insert_new(
        &mut tx,
        &ticket("20261101-000002", TicketState::Closed, now),
    );
    // `live…` sorts before `user…`: pages of 100 hold 30 live + 70 stale, 100, 80.
    for i in 0..30 {
        let author = format!("live{i:03}");
        tx.set_conversation_ticket(Channel::Wechat, "oa", &author, "20261101-000001");
    }
    for i in 0..250 {
        let author = format!("user{i:03}");
        tx.set_conversation_ticket(Channel::Wechat, "oa", &author, "20261101-000002");
    }
    tx.commit().await.expect("commit");

    let report = run_sweep(&store, &options(100), now, &CancellationToken::new())
        .await
        .expect("sweep");
    assert_eq!(report.conversations, 250);
    assert_eq!(report.transactions, 3);
    let left = store
        .sweep_page(Sweepable::Conversation, None, 1_000)
        .expect("page");
    assert_eq!(left.len(), 30);
    assert_eq!(
        conversation(&store, "live029").await.as_deref(),
        Some("20261101-000001")
    );
    assert_eq!(conversation(&store, "user249").await, None);
}

#[tokio::test]
async fn a_cancelled_sweep_stops_before_its_next_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(dir.path());
    let now = Utc::now();
    let mut tx = store.begin().await;
    tx.set_ack_times("old@x.cn", &[now - Duration::hours(2)]);
    tx.commit().await.expect("commit");
    let stop = CancellationToken::new();
    stop.cancel();
    let report = run_sweep(&store, &options(CHUNK), now, &stop)
        .await
        .expect("sweep");
    assert!(report.interrupted);
    assert_eq!(report.transactions, 0);
    let tx = store.begin().await;
    assert_eq!(tx.ack_times("old@x.cn").expect("read").len(), 1);
}
