//! The publisher's state machine against a scripted channel.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;

use super::*;
use crate::model::{Author, Channel, ConnectorId, MailKind, Message, MessageId};
use crate::publish::{Publish, PublishFuture, Receipt};
use crate::store::StoreOptions;

/// Answers with the scripted results in order (then `Ok`), counting calls.
#[derive(Default)]
struct Scripted {
    results: Mutex<VecDeque<Result<Receipt, PublishError>>>,
    calls: AtomicUsize,
}

impl Scripted {
    fn with(results: Vec<Result<Receipt, PublishError>>) -> Arc<Scripted> {
        Arc::new(Scripted {
            results: Mutex::new(results.into()),
            calls: AtomicUsize::new(0),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Publish for Scripted {
    fn publish<'a>(&'a self, _draft: &'a Draft, _target: &'a Message) -> PublishFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let next = self
            .results
            .lock()
            .map(|mut r| r.pop_front())
            .unwrap_or(None);
        Box::pin(async move { next.unwrap_or(Ok(Receipt::default())) })
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    channel: Arc<Scripted>,
    publisher: DraftPublisher,
}

fn fixture(results: Vec<Result<Receipt, PublishError>>) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
    let channel = Scripted::with(results);
    let mut publishers = Publishers::default();
    publishers.insert("wx", channel.clone());
    let publisher = DraftPublisher::new(
        store.clone(),
        publishers,
        Arc::new(Notify::new()),
        Metrics::new(),
    );
    Fixture {
        _dir: dir,
        store,
        channel,
        publisher,
    }
}

fn chat_message(connector: &str) -> Message {
    Message {
        id: MessageId::new(),
        channel: Channel::Wechat,
        connector: ConnectorId(connector.into()),
        native_id: format!("msg:1:{connector}"),
        author: Author {
            id: "oUser".into(),
            name: None,
            address: None,
        },
        subject: None,
        text: "红包领取失败".into(),
        full_text: None,
        attachments: vec![],
        thread: Default::default(),
        sent_at: None,
        received_at: Utc::now(),
        mail_kind: MailKind::Human,
        details: Default::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: Some("text".into()),
        instant_reply: None,
        social: None,
    }
}

/// Stores a message on `connector` and a draft answering it in `state`.
async fn seed(store: &Store, connector: &str, state: DraftState) -> DraftId {
    let target = chat_message(connector);
    let mut draft = Draft::proposed(&target, "您好，红包已补发。".into(), Utc::now());
    draft.state = state;
    let mut tx = store.begin().await;
    tx.insert_message(&target, None);
    tx.put_draft(&draft).expect("put draft");
    tx.commit().await.expect("commit");
    draft.id
}

fn state_of(store: &Store, id: DraftId) -> Draft {
    store
        .drafts(None)
        .expect("drafts")
        .into_iter()
        .find(|d| d.id == id)
        .expect("draft stored")
}

#[tokio::test]
async fn an_approved_draft_is_sent_once_and_audited() {
    let f = fixture(vec![]);
    let id = seed(&f.store, "wx", DraftState::Approved).await;
    let pass = f.publisher.pass(Utc::now()).await.expect("pass");
    assert_eq!(pass.sent, 1);
    let draft = state_of(&f.store, id);
    assert_eq!(draft.state, DraftState::Sent);
    assert!(draft.sent_at.is_some());
    // Nothing left to do: a second pass publishes nothing more.
    assert_eq!(f.publisher.pass(Utc::now()).await.expect("pass").sent, 0);
    assert_eq!(f.channel.calls(), 1);
    let actions: Vec<String> = f
        .store
        .audit_for(&id.to_string())
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["draft.sending", "draft.sent"]);
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_draft_with_its_reason() {
    let reason = "the 48-hour customer-service window has closed (45015)";
    let f = fixture(vec![Err(PublishError::Permanent(reason.into()))]);
    let id = seed(&f.store, "wx", DraftState::Approved).await;
    f.publisher.pass(Utc::now()).await.expect("pass");
    assert_eq!(
        state_of(&f.store, id).state,
        DraftState::Failed {
            reason: reason.into()
        }
    );
    f.publisher.pass(Utc::now()).await.expect("pass");
    assert_eq!(f.channel.calls(), 1);
}

#[tokio::test]
async fn an_uncertain_publication_is_left_for_a_person_and_never_retried() {
    let f = fixture(vec![Err(PublishError::Uncertain(
        "timed out after sending".into(),
    ))]);
    let id = seed(&f.store, "wx", DraftState::Approved).await;
    let pass = f.publisher.pass(Utc::now()).await.expect("pass");
    assert_eq!(pass.uncertain, 1);
    let draft = state_of(&f.store, id);
    assert_eq!(draft.state, DraftState::Uncertain);
    assert_eq!(draft.last_error.as_deref(), Some("timed out after sending"));
    f.publisher
        .pass(Utc::now() + chrono::Duration::hours(1))
        .await
        .expect("pass");
    assert_eq!(f.channel.calls(), 1);
}

#[tokio::test]
async fn a_transient_failure_waits_for_its_backoff_then_is_retried() {
    let f = fixture(vec![Err(PublishError::Transient(
        "system busy (-1)".into(),
    ))]);
    let id = seed(&f.store, "wx", DraftState::Approved).await;
    let now = Utc::now();
    let pass = f.publisher.pass(now).await.expect("pass");
    assert_eq!(pass.retried, 1);
    let draft = state_of(&f.store, id);
    assert_eq!(draft.state, DraftState::Approved);
    assert_eq!(draft.attempts, 1);
    let due = draft.next_attempt_at.expect("due");
    assert_eq!(pass.next_due, Some(due));
    // Not yet due: not called again.
    f.publisher.pass(now).await.expect("pass");
    assert_eq!(f.channel.calls(), 1);
    let pass = f.publisher.pass(due).await.expect("pass");
    assert_eq!(pass.sent, 1);
    assert_eq!(f.channel.calls(), 2);
}

#[tokio::test]
async fn transient_failures_give_up_after_the_last_attempt() {
    let busy = || Err(PublishError::Transient("system busy (-1)".into()));
    let f = fixture((0..MAX_ATTEMPTS).map(|_| busy()).collect());
    let id = seed(&f.store, "wx", DraftState::Approved).await;
    let mut now = Utc::now();
    for _ in 0..MAX_ATTEMPTS {
        f.publisher.pass(now).await.expect("pass");
        now += chrono::Duration::hours(1);
    }
    match state_of(&f.store, id).state {
        DraftState::Failed { reason } => assert!(
            reason.starts_with(&format!("gave up after {MAX_ATTEMPTS} attempts")),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(f.channel.calls(), MAX_ATTEMPTS as usize);
}

#[tokio::test]
async fn a_draft_left_sending_by_a_crash_becomes_uncertain_not_resent() {
    let f = fixture(vec![]);
    let id = seed(&f.store, "wx", DraftState::Sending).await;
    assert_eq!(f.publisher.recover(Utc::now()).await.expect("recover"), 1);
    f.publisher.pass(Utc::now()).await.expect("pass");
    assert_eq!(state_of(&f.store, id).state, DraftState::Uncertain);
    assert_eq!(f.channel.calls(), 0);
}

#[tokio::test]
async fn concurrent_passes_publish_a_draft_once() {
    let f = fixture(vec![]);
    for _ in 0..10 {
        seed(&f.store, "wx", DraftState::Approved).await;
    }
    let now = Utc::now();
    let (a, b) = tokio::join!(f.publisher.pass(now), f.publisher.pass(now));
    assert_eq!(a.expect("a").sent + b.expect("b").sent, 10);
    assert_eq!(f.channel.calls(), 10);
}

#[tokio::test]
async fn a_draft_for_a_connector_that_cannot_publish_fails_readably() {
    let f = fixture(vec![]);
    let id = seed(&f.store, "gone", DraftState::Approved).await;
    f.publisher.pass(Utc::now()).await.expect("pass");
    match state_of(&f.store, id).state {
        DraftState::Failed { reason } => assert!(reason.contains("connector gone"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
