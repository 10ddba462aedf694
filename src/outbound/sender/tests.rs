//! The outbox loop against the recording transport: at most once, retries,
//! give-up, and what a crash mid-send leaves behind.

use chrono::Duration as Span;

use super::*;
use crate::outbound::{OutgoingKind, OutgoingMail, Recipient, RecordingTransport};
use crate::store::StoreOptions;

struct Harness {
    _dir: tempfile::TempDir,
    store: Store,
    transport: RecordingTransport,
    sender: OutboxSender<RecordingTransport>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
    let transport = RecordingTransport::new();
    let from: Mailbox = "支付宝客服 <help@alipay.com>".parse().expect("from");
    let sender = OutboxSender::new(
        store.clone(),
        transport.clone(),
        from,
        Arc::new(Notify::new()),
        Metrics::new(),
    );
    Harness {
        _dir: dir,
        store,
        transport,
        sender,
    }
}

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        kind: OutgoingKind::Acknowledgement,
        ticket: Some("20261127-000001".into()),
        answers: None,
        to: Recipient {
            address: to.into(),
            name: Some("王小明".into()),
        },
        subject: "[#20261127-000001] 退款".into(),
        body: "已收到您的来信。".into(),
        message_id: crate::outbound::new_message_id("omni.test"),
        in_reply_to: Some("a@x.cn".into()),
        references: vec!["a@x.cn".into()],
        headers: vec![("Auto-Submitted".into(), "auto-replied".into())],
    }
}

impl Harness {
    async fn enqueue(&self, entry: &OutboxEntry) {
        let mut tx = self.store.begin().await;
        tx.put_outbox(entry).expect("put");
        tx.commit().await.expect("commit");
    }

    fn entry(&self, id: OutboxId) -> OutboxEntry {
        self.store
            .outbox(&crate::store::OutboxFilter::default())
            .expect("list")
            .into_iter()
            .find(|e| e.id == id)
            .expect("entry exists")
    }
}

#[tokio::test]
async fn a_pending_mail_is_sent_once_and_recorded() {
    let h = harness();
    let entry = OutboxEntry::pending(mail("xiaoming@example.cn"), Utc::now());
    h.enqueue(&entry).await;
    let report = h.sender.pass(Utc::now()).await.expect("pass");
    assert_eq!(report.sent, 1);
    let again = h.sender.pass(Utc::now()).await.expect("pass");
    assert_eq!(again.sent, 0);
    assert_eq!(h.transport.attempts().len(), 1);
    let stored = h.entry(entry.id);
    assert_eq!(stored.state, OutboxState::Sent);
    assert_eq!(stored.attempts, 1);
    let bytes = String::from_utf8_lossy(&h.transport.attempts()[0].bytes).into_owned();
    assert!(
        bytes.contains(&format!("Message-ID: <{}>", entry.mail.message_id)),
        "{bytes}"
    );
}

#[tokio::test]
async fn a_deferred_mail_waits_for_its_backoff_then_goes() {
    let h = harness();
    h.transport
        .script([Err(SendError::Deferred("451 try later".into()))]);
    let entry = OutboxEntry::pending(mail("a@x.cn"), Utc::now());
    h.enqueue(&entry).await;
    h.sender.pass(Utc::now()).await.expect("pass");
    let waiting = h.entry(entry.id);
    assert_eq!(waiting.state, OutboxState::Pending);
    assert!(waiting.next_attempt_at > Utc::now(), "{waiting:?}");
    assert!(waiting.last_error.as_deref().unwrap_or("").contains("451"));
    // Not due yet: nothing is attempted.
    let early = h.sender.pass(Utc::now()).await.expect("pass");
    assert_eq!(h.transport.attempts().len(), 1);
    assert_eq!(early.next_due, Some(waiting.next_attempt_at));
    // Due: sent.
    let later = Utc::now() + Span::seconds(5);
    assert_eq!(h.sender.pass(later).await.expect("pass").sent, 1);
    assert_eq!(h.entry(entry.id).state, OutboxState::Sent);
    assert_eq!(h.entry(entry.id).attempts, 2);
}

#[tokio::test]
async fn an_unreachable_server_stops_the_pass_and_keeps_everything_pending() {
    let h = harness();
    h.transport
        .script([Err(SendError::Unavailable("connection refused".into()))]);
    let first = OutboxEntry::pending(mail("a@x.cn"), Utc::now());
    let second = OutboxEntry::pending(mail("b@x.cn"), Utc::now());
    h.enqueue(&first).await;
    h.enqueue(&second).await;
    let report = h.sender.pass(Utc::now()).await.expect("pass");
    assert!(report.server_down);
    // The second mail was not tried against a server known to be down.
    assert_eq!(h.transport.attempts().len(), 1);
    assert_eq!(h.entry(first.id).state, OutboxState::Pending);
    assert_eq!(h.entry(second.id).state, OutboxState::Pending);
    let later = Utc::now() + Span::seconds(5);
    assert_eq!(h.sender.pass(later).await.expect("pass").sent, 2);
}

#[tokio::test]
async fn refused_and_unknown_outcomes_are_final() {
    let h = harness();
    h.transport.script([
        Err(SendError::Rejected("550 5.1.1 no such user".into())),
        Err(SendError::Unknown("connection reset after data".into())),
    ]);
    let refused = OutboxEntry::pending(mail("ghost@x.cn"), Utc::now());
    let unknown = OutboxEntry::pending(mail("b@x.cn"), Utc::now());
    h.enqueue(&refused).await;
    h.enqueue(&unknown).await;
    h.sender.pass(Utc::now()).await.expect("pass");
    let later = Utc::now() + Span::hours(1);
    h.sender.pass(later).await.expect("pass");
    assert_eq!(h.transport.attempts().len(), 2, "neither is retried");
    match h.entry(refused.id).state {
        OutboxState::Failed { reason } => assert!(reason.contains("550"), "{reason}"),
        other => panic!("expected failed, got {other:?}"),
    }
    assert_eq!(h.entry(unknown.id).state, OutboxState::Uncertain);
}

#[tokio::test]
async fn a_crash_mid_send_leaves_an_uncertain_entry_that_is_never_resent() {
    let h = harness();
    let mut entry = OutboxEntry::pending(mail("a@x.cn"), Utc::now());
    // What a run killed between "sending" and "sent" leaves on disk.
    entry.state = OutboxState::Sending;
    entry.attempts = 1;
    h.enqueue(&entry).await;
    assert_eq!(h.sender.recover(Utc::now()).await.expect("recover"), 1);
    let recovered = h.entry(entry.id);
    assert_eq!(recovered.state, OutboxState::Uncertain);
    assert!(recovered.last_error.is_some());
    h.sender
        .pass(Utc::now() + Span::hours(2))
        .await
        .expect("pass");
    assert!(h.transport.attempts().is_empty());
    assert_eq!(
        h.store.outbox_counts().expect("counts").get("uncertain"),
        Some(&1)
    );
    // Recovery is idempotent.
    assert_eq!(h.sender.recover(Utc::now()).await.expect("recover"), 0);
}

#[tokio::test]
async fn mail_that_cannot_be_built_or_is_a_day_old_fails_without_sending() {
    let h = harness();
    let broken = OutboxEntry::pending(mail("not an address"), Utc::now());
    let stale = OutboxEntry::pending(mail("a@x.cn"), Utc::now() - Span::hours(25));
    h.enqueue(&broken).await;
    h.enqueue(&stale).await;
    h.sender.pass(Utc::now()).await.expect("pass");
    assert!(h.transport.attempts().is_empty());
    for id in [broken.id, stale.id] {
        assert!(
            matches!(h.entry(id).state, OutboxState::Failed { .. }),
            "{:?}",
            h.entry(id)
        );
    }
}

#[test]
fn retries_back_off_exponentially_up_to_five_minutes() {
    let delays: Vec<u64> = (1..=12).map(|a| retry_delay(a).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    assert_eq!(retry_delay(0).as_secs(), 1);
    assert_eq!(retry_delay(u32::MAX).as_secs(), 300);
}
