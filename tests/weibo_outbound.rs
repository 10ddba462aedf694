//! The Weibo side of the running daemon beyond polling, against the local
//! stand-in for Weibo's API: approved replies published exactly once (a
//! reply to the comment, under its status, with the configured `rip`),
//! Weibo's refusals failing the draft with its reason, an unknown outcome
//! left to a person; and the push service, whose mention is stored once
//! however often it is pushed and whether or not the poller sees it too.
//!
//! The poller runs on a manual clock; the draft publisher and the push
//! endpoint on real time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use omnilisten::bench::weibo::standin::{
    ACCOUNT_UID, LoggedRequest, StandIn, StandInOptions, WriteBehaviour,
};
use omnilisten::clock::ManualClock;
use omnilisten::model::{Channel, Draft, DraftId, DraftState};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::weibo::{drive, start, weibo_tree};
use crate::support::{Daemon, Tree, http_get, num, reopen_store};

pub(crate) const TOKEN: &str = "2.00weibo-outbound-token";
const RIP: &str = "203.0.113.7";
const APP_SECRET: &str = "weibo-app-secret-7d1e0c";
/// How long real time may pass before a condition counts as never met.
const PATIENCE: Duration = Duration::from_secs(10);

/// A stand-in on `clock` that accepts [`TOKEN`] and requires `rip`.
pub(crate) async fn standin(clock: &Arc<ManualClock>) -> StandIn {
    let standin = StandIn::start(clock.clone(), StandInOptions::default())
        .await
        .expect("stand-in");
    standin.set_tokens(&[TOKEN]);
    standin
}

/// Waits (real time) until `done`; panics with `what` after [`PATIENCE`].
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The stored Weibo messages, newest first.
async fn weibo_messages(daemon: &Daemon) -> Vec<Value> {
    let (status, list) = daemon.get("/api/messages?channel=weibo").await;
    assert_eq!(status, 200, "{list}");
    list["messages"].as_array().cloned().unwrap_or_default()
}

fn with_native_id(messages: &[Value], native_id: &str) -> usize {
    messages
        .iter()
        .filter(|m| m["native_id"] == native_id)
        .count()
}

/// A timeline as the stand-in serves it (`count=5`, which the daemon never
/// asks for, so these reads are told apart from the poller's in the log).
async fn timeline(standin: &StandIn, path: &str, key: &str) -> Vec<Value> {
    let (status, body) = http_get(
        standin.addr(),
        &format!("/2/{path}?access_token={TOKEN}&count=5"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).expect("a JSON page");
    page[key].as_array().cloned().unwrap_or_default()
}

fn id_of(item: &Value) -> i64 {
    item["id"].as_i64().expect("an integer id")
}

/// The calls to comments/create and comments/reply.
pub(crate) fn writes(standin: &StandIn) -> Vec<LoggedRequest> {
    standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

/// A comment mentioning the account, polled into a fresh tree's store by
/// a daemon that is stopped again; (tree, comment id, its status's id).
pub(crate) async fn polled_comment_mention(
    standin: &StandIn,
    clock: &Arc<ManualClock>,
) -> (Tree, i64, i64) {
    let cid = standin.post_comment_mentions(1)[0];
    let comment = timeline(standin, "comments/mentions.json", "comments")
        .await
        .into_iter()
        .find(|c| id_of(c) == cid)
        .expect("the stand-in serves the new comment");
    let status_id = id_of(&comment["status"]);
    let tree = weibo_tree(
        standin,
        TOKEN,
        &format!("rip = \"{RIP}\"\nendpoints = [\"comments_mentions\"]\n"),
    );
    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let native_id = format!("comment:{cid}");
    drive(
        clock,
        Duration::from_secs(600),
        Duration::from_secs(10),
        async || with_native_id(&weibo_messages(&daemon).await, &native_id) == 1,
    )
    .await;
    daemon.stop().await;
    (tree, cid, status_id)
}

/// Adds an approved draft answering `comment:<cid>` to the stopped daemon's store.
async fn approve_reply(tree: &Tree, cid: i64, body: &str) -> DraftId {
    let store = reopen_store(&tree.path().join("state"));
    let native_id = format!("comment:{cid}");
    let id = store
        .find_native(Channel::Weibo, &native_id)
        .expect("read")
        .unwrap_or_else(|| panic!("{native_id} is stored"));
    let target = store.message(id).expect("read").expect("the message");
    let mut draft = Draft::proposed(&target, body.into(), Utc::now());
    draft.state = DraftState::Approved;
    draft.approved_by = Some("user:reviewer".into());
    let mut tx = store.begin().await;
    tx.put_draft(&draft).expect("put draft");
    tx.commit().await.expect("commit");
    draft.id
}

/// An approved draft too long for Weibo: refused before any call, so once
/// it is `failed` the publisher has been through the approved drafts.
async fn approve_barrier(tree: &Tree, cid: i64) -> DraftId {
    approve_reply(tree, cid, &"好".repeat(141)).await
}

/// The draft `id` as `/api/drafts` shows it, once it is in state `want`.
async fn draft_in(daemon: &Daemon, id: DraftId, want: &str) -> Value {
    let id = id.to_string();
    let find = |v: &Value| {
        v["drafts"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["id"] == id.as_str()))
            .cloned()
    };
    let drafts = daemon
        .wait_json("/api/drafts", PATIENCE, |v| {
            find(v).is_some_and(|d| d["state"]["state"] == want)
        })
        .await;
    find(&drafts).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_reply_to_a_weibo_comment_is_published_once_across_restarts() {
    let clock = ManualClock::new(start());
    let standin = standin(&clock).await;
    let (tree, cid, status_id) = polled_comment_mention(&standin, &clock).await;
    let reply = "您好，这笔扣款已原路退回，请在账单详情中查看。";
    let draft = approve_reply(&tree, cid, reply).await;

    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let sent = draft_in(&daemon, draft, "sent").await;
    assert!(sent["sent_at"].is_string(), "{sent}");
    let published = standin.published();
    assert_eq!(published.len(), 1, "{published:?}");
    let reply_call = &published[0];
    assert_eq!(
        (
            reply_call.endpoint.as_str(),
            reply_call.cid,
            reply_call.status_id
        ),
        ("reply", Some(cid), status_id),
        "{reply_call:?}"
    );
    assert_eq!(reply_call.comment, reply);
    assert!(
        reply_call.text.starts_with("回复@") && reply_call.text.ends_with(reply),
        "Weibo's own prefix notifies the customer: {}",
        reply_call.text
    );
    assert_eq!(reply_call.rip.as_deref(), Some(RIP));
    daemon.stop().await;

    // A restart finds nothing to publish again: once the later draft has
    // been dealt with, the sent one has been passed over.
    let barrier = approve_barrier(&tree, cid).await;
    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let refused = draft_in(&daemon, barrier, "failed").await;
    assert!(
        refused["state"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("141 characters")),
        "{refused}"
    );
    draft_in(&daemon, draft, "sent").await;
    daemon.stop().await;
    assert_eq!(standin.published().len(), 1, "published exactly once");
    assert_eq!(writes(&standin).len(), 1, "one write call in all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_text_fails_the_draft_with_weibos_reason() {
    let clock = ManualClock::new(start());
    let standin = standin(&clock).await;
    standin.set_write_behaviour(WriteBehaviour::Fail(400, 20019));
    let (tree, cid, _) = polled_comment_mention(&standin, &clock).await;
    let draft = approve_reply(&tree, cid, "您好，请提供订单号，我们为您查询。").await;

    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let failed = draft_in(&daemon, draft, "failed").await;
    let reason = failed["state"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("20019"), "{failed}");
    assert!(reason.contains("repeated"), "{failed}");
    daemon.stop().await;

    assert!(standin.published().is_empty());
    let writes = writes(&standin);
    assert_eq!(writes.len(), 1, "refused once, never retried: {writes:?}");
    assert_eq!((writes[0].status, writes[0].error_code), (400, Some(20019)));
    assert_eq!(writes[0].path, "/2/comments/reply.json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_whose_outcome_is_unknown_is_left_uncertain_not_resent() {
    let clock = ManualClock::new(start());
    let standin = standin(&clock).await;
    standin.set_write_behaviour(WriteBehaviour::RecordThen502);
    let (tree, cid, _) = polled_comment_mention(&standin, &clock).await;
    let draft = approve_reply(&tree, cid, "您好，退款将在1-3个工作日内到账。").await;

    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let uncertain = draft_in(&daemon, draft, "uncertain").await;
    assert!(
        uncertain["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("502")),
        "{uncertain}"
    );
    assert!(uncertain["sent_at"].is_null(), "{uncertain}");
    assert_eq!(standin.published().len(), 1, "Weibo did publish it");
    daemon.stop().await;

    // Weibo accepts everything again; the uncertain draft is still not resent.
    standin.set_write_behaviour(WriteBehaviour::Accept);
    let barrier = approve_barrier(&tree, cid).await;
    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    draft_in(&daemon, barrier, "failed").await;
    draft_in(&daemon, draft, "uncertain").await;
    daemon.stop().await;
    assert_eq!(standin.published().len(), 1);
    assert_eq!(writes(&standin).len(), 1, "never resent");
}

/// Weibo's query signature: SHA-1 hex over the sorted secret, timestamp, nonce.
fn signature(secret: &str, timestamp: &str, nonce: &str) -> String {
    let mut parts = [secret, timestamp, nonce];
    parts.sort_unstable();
    Sha1::digest(parts.concat().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The query Weibo signs its calls with, signed with `secret` now.
fn signed_query(secret: &str) -> String {
    let timestamp = Utc::now().timestamp().to_string();
    let nonce = "583920147";
    let signature = signature(secret, &timestamp, nonce);
    format!("signature={signature}&timestamp={timestamp}&nonce={nonce}")
}

/// POSTs `body` as JSON; returns status and body.
async fn post_json(addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// The poller's reads of statuses/mentions (the test's own ask for 5).
fn poller_reads(standin: &StandIn) -> Vec<LoggedRequest> {
    standin
        .requests()
        .into_iter()
        .filter(|r| {
            r.path == "/2/statuses/mentions.json"
                && r.query.get("count").map(String::as_str) != Some("5")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_from_weibos_push_service_is_stored_once_and_the_poll_does_not_store_it_again() {
    let clock = ManualClock::new(start());
    let standin = standin(&clock).await;
    let tree = weibo_tree(
        &standin,
        TOKEN,
        &format!(
            "rip = \"{RIP}\"\nendpoints = [\"statuses_mentions\"]\ncount = 50\npoll_interval = \"60s\"\npush = true\napp_secret_file = \"weibo-secret\"\n"
        ),
    );
    tree.write("weibo-secret", &format!("{APP_SECRET}\n"));
    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    // The poller's first look finds nothing; the mention is posted after it.
    until("the first poll", || !poller_reads(&standin).is_empty()).await;
    let id = standin.post_status_mentions(1)[0];
    let status = timeline(&standin, "statuses/mentions.json", "statuses")
        .await
        .into_iter()
        .find(|s| id_of(s) == id)
        .expect("the stand-in serves the new status");
    let push = json!({
        "type": "mention",
        "sender_id": status["user"]["id"],
        "receiver_id": ACCOUNT_UID,
        "created_at": status["created_at"],
        "text": status["text"],
        "data": {"subtype": "status", "key": id},
    })
    .to_string();
    let native_id = format!("status:{id}");

    // Weibo's URL verification.
    let (code, echo) = http_get(
        daemon.addr,
        &format!(
            "/weibo/weibo?{}&echostr=weibo-echo-3141",
            signed_query(APP_SECRET)
        ),
    )
    .await;
    assert_eq!((code, echo.as_str()), (200, "weibo-echo-3141"));

    // A push signed with another secret is refused and stores nothing.
    let (code, answer) = post_json(
        daemon.addr,
        &format!("/weibo/weibo?{}", signed_query("not-the-app-secret")),
        &push,
    )
    .await;
    assert!(matches!(code, 401 | 403), "{code} {answer}");
    assert_ne!(answer.trim(), "success");
    assert!(weibo_messages(&daemon).await.is_empty());

    // Weibo's push and its retry: both answered, one message.
    for attempt in 1..=2 {
        let (code, answer) = post_json(
            daemon.addr,
            &format!("/weibo/weibo?{}", signed_query(APP_SECRET)),
            &push,
        )
        .await;
        assert_eq!((code, answer.trim()), (200, "success"), "push {attempt}");
    }
    let messages = weibo_messages(&daemon).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(with_native_id(&messages, &native_id), 1, "{messages:?}");
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/duplicates"), 1, "{stats}");

    // The poller meets the pushed status and a new one nobody pushed. A
    // poll after the one that saw them means their page was dealt with
    // (the cursor moves only once every item on it is durable).
    let unpushed = standin.post_status_mentions(1)[0];
    drive(
        &clock,
        Duration::from_secs(1800),
        Duration::from_secs(10),
        async || {
            let reads = poller_reads(&standin);
            reads
                .iter()
                .position(|r| r.items >= 2)
                .is_some_and(|seen| reads.len() > seen + 1)
        },
    )
    .await;
    let messages = weibo_messages(&daemon).await;
    assert_eq!(with_native_id(&messages, &native_id), 1, "{messages:?}");
    assert_eq!(
        with_native_id(&messages, &format!("status:{unpushed}")),
        1,
        "{messages:?}"
    );
    assert_eq!(messages.len(), 2, "{messages:?}");
    daemon.stop().await;

    let store = reopen_store(&tree.path().join("state"));
    assert!(
        store
            .find_native(Channel::Weibo, &native_id)
            .expect("read")
            .is_some()
    );
    assert_eq!(
        store.stats().messages.by_channel.get("weibo").copied(),
        Some(2)
    );
}
