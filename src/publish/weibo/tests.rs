//! The Weibo publisher against the local stand-in for Weibo's API.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::bench::weibo::standin::{StandIn, StandInOptions, WriteBehaviour};
use crate::clock::ManualClock;
use crate::config::{SecretRef, WeiboConfig};
use crate::connectors::weibo::api::http_client;
use crate::metrics::Metrics;
use crate::model::{Author, ConnectorId, MailKind, MessageId, SocialParts};
use crate::publish::PublishResult;

const TOKEN: &str = "2.00publisherTOKEN";
const RIP: &str = "203.0.113.7";

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

struct Rig {
    standin: StandIn,
    publisher: WeiboPublisher,
    _dir: tempfile::TempDir,
}

/// A stand-in accepting [`TOKEN`] and a publisher whose token file holds it.
async fn rig() -> Rig {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let clock = ManualClock::new(start_time());
    let standin = StandIn::start(clock.clone(), StandInOptions::default())
        .await
        .expect("start stand-in");
    standin.set_tokens(&[TOKEN]);
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token file");
    let config = WeiboConfig {
        access_token: SecretRef::File(token_file),
        api_base: standin.api_base(),
        endpoints: Vec::new(),
        poll_interval: Duration::from_secs(60),
        requests_per_hour: 1000,
        count: 200,
        overlap: 20,
        rip: RIP.parse::<IpAddr>().ok(),
        push: false,
        app_secret: None,
        poll: true,
        // Short, so the hanging write gives up quickly.
        timeout: Duration::from_secs(2),
        enabled: true,
    };
    let api = WeiboApi::new(
        "weibo",
        &config,
        http_client().expect("http client"),
        clock,
        Metrics::new(),
    );
    Rig {
        standin,
        publisher: WeiboPublisher::new(api),
        _dir: dir,
    }
}

fn weibo_message(native_id: String, status_id: Option<i64>) -> Message {
    Message {
        id: MessageId::new(),
        channel: Channel::Weibo,
        connector: ConnectorId("weibo".into()),
        native_id,
        author: Author {
            id: "1234567890".into(),
            name: Some("小明".into()),
            address: None,
        },
        subject: None,
        text: "@支付宝 红包领取失败".into(),
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
        item_kind: Some("status".into()),
        instant_reply: None,
        social: Some(SocialParts {
            status_id: status_id.map(|id| id.to_string()),
            ..SocialParts::default()
        }),
    }
}

fn status_message(id: i64) -> Message {
    weibo_message(format!("status:{id}"), Some(id))
}

fn draft(target: &Message, body: &str) -> Draft {
    Draft::proposed(target, body.to_string(), Utc::now())
}

/// A comment mention and the status it is under, from the stand-in's log of
/// `comments/mentions` (read through a real API call, like the poller).
async fn comment_mention(standin: &StandIn) -> (i64, i64) {
    let cid = standin.post_comment_mentions(1)[0];
    let url = format!("{}/comments/mentions.json", standin.api_base());
    let page: Value = reqwest::Client::new()
        .get(url)
        .query(&[("access_token", TOKEN)])
        .send()
        .await
        .expect("read mentions")
        .json()
        .await
        .expect("json");
    let status = page["comments"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["id"].as_i64() == Some(cid)))
        .and_then(|c| c["status"]["id"].as_i64())
        .expect("the comment's status");
    (cid, status)
}

#[tokio::test]
async fn a_reply_to_a_comment_is_published_once_with_cid_id_and_rip() {
    let rig = rig().await;
    let (cid, status) = comment_mention(&rig.standin).await;
    let target = weibo_message(format!("comment:{cid}"), Some(status));
    let receipt = rig
        .publisher
        .publish(&draft(&target, "  您好，红包已补发，请查收。\n"), &target)
        .await
        .expect("published");
    let published = rig.standin.published();
    assert_eq!(published.len(), 1);
    let comment = &published[0];
    assert_eq!(comment.endpoint, "reply");
    assert_eq!(comment.cid, Some(cid));
    assert_eq!(comment.status_id, status);
    assert_eq!(comment.comment, "您好，红包已补发，请查收。");
    assert!(comment.text.starts_with("回复@"), "{}", comment.text);
    assert_eq!(comment.rip.as_deref(), Some(RIP));
    assert_eq!(receipt.channel_ref, Some(comment.id.to_string()));
    let request = rig
        .standin
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the write");
    assert_eq!(request.path, "/2/comments/reply.json");
    assert_eq!(
        request.query.get("without_mention").map(String::as_str),
        Some("0")
    );
    assert_eq!(
        request.query.get("comment_ori").map(String::as_str),
        Some("0")
    );
}

#[tokio::test]
async fn a_comment_on_a_status_is_created() {
    let rig = rig().await;
    let id = rig.standin.post_status_mentions(1)[0];
    let target = status_message(id);
    let receipt = rig
        .publisher
        .publish(&draft(&target, "您好，请私信我们订单号。"), &target)
        .await
        .expect("published");
    let published = rig.standin.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].endpoint, "create");
    assert_eq!(published[0].status_id, id);
    assert_eq!(published[0].cid, None);
    assert_eq!(published[0].text, "您好，请私信我们订单号。");
    assert_eq!(published[0].rip.as_deref(), Some(RIP));
    assert_eq!(receipt.channel_ref, Some(published[0].id.to_string()));
}

#[tokio::test]
async fn too_long_empty_or_unanswerable_drafts_are_refused_without_a_call() {
    let rig = rig().await;
    let id = rig.standin.post_status_mentions(1)[0];
    let target = status_message(id);
    let long = "支".repeat(141);
    match rig.publisher.publish(&draft(&target, &long), &target).await {
        Err(PublishError::Permanent(reason)) => assert!(reason.contains("141"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let blank = rig
        .publisher
        .publish(&draft(&target, " \n "), &target)
        .await;
    assert!(
        matches!(blank, Err(PublishError::Permanent(_))),
        "{blank:?}"
    );
    let no_status = weibo_message("comment:42".into(), None);
    let refused = rig
        .publisher
        .publish(&draft(&no_status, "您好"), &no_status)
        .await;
    match refused {
        Err(PublishError::Permanent(reason)) => assert!(reason.contains("status id"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let push = weibo_message("push:msg:1234".into(), None);
    let refused = rig.publisher.publish(&draft(&push, "您好"), &push).await;
    assert!(
        matches!(refused, Err(PublishError::Permanent(_))),
        "{refused:?}"
    );
    let mut wechat = status_message(id);
    wechat.channel = Channel::Wechat;
    let refused = rig
        .publisher
        .publish(&draft(&wechat, "您好"), &wechat)
        .await;
    assert!(
        matches!(refused, Err(PublishError::Permanent(_))),
        "{refused:?}"
    );
    assert!(
        rig.standin.requests().is_empty(),
        "{:?}",
        rig.standin.requests()
    );
    assert!(rig.standin.published().is_empty());
}

#[tokio::test]
async fn repeated_content_is_a_permanent_refusal_that_says_why() {
    let rig = rig().await;
    let ids = rig.standin.post_status_mentions(2);
    let (first, second) = (status_message(ids[0]), status_message(ids[1]));
    let body = "您好，已为您处理。";
    rig.publisher
        .publish(&draft(&first, body), &first)
        .await
        .expect("first published");
    match rig.publisher.publish(&draft(&second, body), &second).await {
        Err(PublishError::Permanent(reason)) => {
            assert!(reason.contains("20019"), "{reason}");
            assert!(reason.contains("edit the reply"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.standin.published().len(), 1);
}

#[tokio::test]
async fn a_502_after_recording_is_uncertain() {
    let rig = rig().await;
    let id = rig.standin.post_status_mentions(1)[0];
    let target = status_message(id);
    rig.standin
        .set_write_behaviour(WriteBehaviour::RecordThen502);
    let result = rig
        .publisher
        .publish(&draft(&target, "您好"), &target)
        .await;
    assert!(
        matches!(result, Err(PublishError::Uncertain(_))),
        "{result:?}"
    );
    assert_eq!(
        rig.standin.published().len(),
        1,
        "the stand-in did publish it"
    );
}

#[tokio::test]
async fn a_write_left_unanswered_is_uncertain() {
    let rig = rig().await;
    let id = rig.standin.post_status_mentions(1)[0];
    let target = status_message(id);
    rig.standin.set_write_behaviour(WriteBehaviour::Hang);
    let result = rig
        .publisher
        .publish(&draft(&target, "您好"), &target)
        .await;
    assert!(
        matches!(result, Err(PublishError::Uncertain(_))),
        "{result:?}"
    );
    let write = rig
        .standin
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the write reached the stand-in");
    assert_eq!(write.status, 0, "left unanswered");
    rig.standin.shutdown();
}

#[tokio::test]
async fn a_refused_token_is_transient_and_publishes_nothing() {
    let rig = rig().await;
    let id = rig.standin.post_status_mentions(1)[0];
    let target = status_message(id);
    rig.standin.set_tokens(&["2.00someoneelse"]);
    match rig
        .publisher
        .publish(&draft(&target, "您好"), &target)
        .await
    {
        Err(PublishError::Transient(reason)) => {
            assert!(reason.contains("access token"), "{reason}");
            assert!(!reason.contains(TOKEN), "no secret in the reason: {reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(rig.standin.published().is_empty());
}

#[tokio::test]
async fn other_refusals_map_to_what_they_mean() {
    let rig = rig().await;
    let id = rig.standin.post_status_mentions(1)[0];
    let target = status_message(id);
    let permanent = |r: &PublishResult| match r {
        Err(PublishError::Permanent(reason)) => Some(reason.clone()),
        _ => None,
    };
    let transient = |r: &PublishResult| match r {
        Err(PublishError::Transient(reason)) => Some(reason.clone()),
        _ => None,
    };
    let uncertain = |r: &PublishResult| match r {
        Err(PublishError::Uncertain(reason)) => Some(reason.clone()),
        _ => None,
    };
    type Pick = fn(&PublishResult) -> Option<String>;
    let cases: [(u16, i64, Pick, &str); 5] = [
        (403, 10014, permanent, "permission"),
        (400, 20101, permanent, "no longer exists"),
        (400, 10016, permanent, "rip"),
        (403, 10024, transient, "rate limit"),
        // A 5xx may come after Weibo acted: never retried by itself.
        (500, 10001, uncertain, "500"),
    ];
    for (status, code, pick, words) in cases {
        rig.standin
            .set_write_behaviour(WriteBehaviour::Fail(status, code));
        let result = rig
            .publisher
            .publish(&draft(&target, "您好"), &target)
            .await;
        let reason = pick(&result).unwrap_or_else(|| panic!("{code}: {result:?}"));
        assert!(reason.contains(words), "{code}: {reason}");
    }
    assert!(rig.standin.published().is_empty());
}
