//! The push receiver in-process: the router, a real pipeline and a store
//! in a temporary directory, requests signed as Weibo signs them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::*;
use crate::config::SecretRef;
use crate::connectors::StatusBoard;
use crate::connectors::wechat::signature::signature;
use crate::metrics::Metrics;
use crate::model::{Channel, ConnectorId};
use crate::pipeline::{Limits, NearSettings, Pipeline, PipelineOptions};
use crate::rules::RuleSet;
use crate::store::{Store, StoreOptions};
use crate::web::{WechatEndpoints, router};

const SECRET: &str = "weibo-app-secret-0123456789";
const CONNECTOR: &str = "weibo";

struct Rig {
    router: Router,
    store: Store,
    _pipeline: Pipeline,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store"), StoreOptions::default()).expect("store");
    let pipeline = Pipeline::spawn(
        store.clone(),
        Arc::new(RuleSet::default()),
        Metrics::new(),
        PipelineOptions {
            queue_capacity: 16,
            batch_max: 16,
            limits: Limits {
                max_message_bytes: 1024 * 1024,
                max_attachment_bytes: 1024 * 1024,
            },
            keep_raw: true,
            near: NearSettings {
                capacity: 100,
                threshold: 0.9,
            },
            trends: Default::default(),
        },
    );
    let secret_file = dir.path().join("app_secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).expect("secret file");
    let config = WeiboConfig {
        access_token: SecretRef::File(dir.path().join("token")),
        api_base: "http://127.0.0.1:9/2".into(),
        endpoints: Vec::new(),
        poll_interval: Duration::from_secs(60),
        requests_per_hour: 150,
        count: 200,
        overlap: 20,
        rip: None,
        push: true,
        app_secret: Some(SecretRef::File(secret_file)),
        poll: false,
        timeout: Duration::from_secs(2),
        enabled: true,
    };
    let status = StatusBoard::default();
    let ctx = SourceContext {
        id: ConnectorId(CONNECTOR.into()),
        out: pipeline.sender(),
        store: store.clone(),
        shutdown: CancellationToken::new(),
        status: status.clone(),
    };
    let endpoint = WeiboEndpoint::new(&config, ctx).expect("endpoint");
    let state = AppState {
        store: store.clone(),
        metrics: Metrics::new(),
        status,
        started: Instant::now(),
        wechat: WechatEndpoints::new(Vec::new()),
        weibo: WeiboEndpoints::new(vec![(CONNECTOR.to_string(), endpoint)]),
        rules: crate::rules::LiveRules::new(crate::rules::RuleSet::default()),
        trends: Default::default(),
        auth: std::sync::Arc::new(crate::auth::Auth::from_config(&Default::default())),
        desk: crate::desk::Desk::new(store.clone(), Default::default()),
    };
    Rig {
        router: router(state),
        store,
        _pipeline: pipeline,
        _dir: dir,
    }
}

/// A query signed with `secret` now.
fn signed_query(secret: &str) -> String {
    let ts = Utc::now().timestamp().to_string();
    let nonce = "8817263";
    let sig = signature(secret, &ts, nonce);
    format!("signature={sig}&timestamp={ts}&nonce={nonce}")
}

impl Rig {
    async fn call(&self, method: &str, uri: &str, body: Vec<u8>) -> (StatusCode, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::from(body))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1024 * 1024)
            .await
            .expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn push(&self, body: &str) -> (StatusCode, String) {
        let uri = format!("/weibo/{CONNECTOR}?{}", signed_query(SECRET));
        self.call("POST", &uri, body.as_bytes().to_vec()).await
    }

    fn stored(&self) -> u64 {
        self.store.count_messages().expect("count")
    }

    fn quarantined(&self) -> usize {
        self.store.quarantined(None).expect("quarantine").len()
    }
}

fn mention_json(subtype: &str, key: i64) -> String {
    format!(
        r#"{{"type":"mention","receiver_id":2000000001,"sender_id":"1234567890",
        "created_at":"Mon Jul 16 18:09:20 +0800 2012","text":"@支付宝 我的红包怎么没到账",
        "data":{{"subtype":"{subtype}","key":{key}}}}}"#
    )
}

#[tokio::test]
async fn verification_echoes_echostr_when_signed_with_the_app_secret() {
    let rig = rig().await;
    let uri = format!(
        "/weibo/{CONNECTOR}?{}&echostr=hello-5739",
        signed_query(SECRET)
    );
    assert_eq!(
        rig.call("GET", &uri, Vec::new()).await,
        (StatusCode::OK, "hello-5739".to_string())
    );
    let forged = format!(
        "/weibo/{CONNECTOR}?{}&echostr=hello-5739",
        signed_query("not-the-secret")
    );
    let (status, body) = rig.call("GET", &forged, Vec::new()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!body.contains("hello"), "{body}");
    let unknown = format!("/weibo/other?{}&echostr=x", signed_query(SECRET));
    assert_eq!(
        rig.call("GET", &unknown, Vec::new()).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_forged_or_stale_push_is_refused_and_nothing_stored() {
    let rig = rig().await;
    let body = mention_json("status", 5_012_345_678_901_234);
    let forged = format!("/weibo/{CONNECTOR}?{}", signed_query("not-the-secret"));
    let (status, _) = rig.call("POST", &forged, body.clone().into_bytes()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let ts = (Utc::now().timestamp() - 3600).to_string();
    let stale = format!(
        "/weibo/{CONNECTOR}?signature={}&timestamp={ts}&nonce=1",
        signature(SECRET, &ts, "1")
    );
    let (status, _) = rig.call("POST", &stale, body.clone().into_bytes()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let unsigned = format!("/weibo/{CONNECTOR}");
    let (status, _) = rig.call("POST", &unsigned, body.into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(rig.stored(), 0);
    assert_eq!(rig.quarantined(), 0);
}

#[tokio::test]
async fn a_mention_is_stored_once_across_weibos_retries() {
    let rig = rig().await;
    let key = 5_012_345_678_901_234_i64;
    let body = mention_json("status", key);
    for _ in 0..3 {
        assert_eq!(
            rig.push(&body).await,
            (StatusCode::OK, "success".to_string())
        );
    }
    assert_eq!(rig.stored(), 1);
    let id = rig
        .store
        .find_native(Channel::Weibo, &format!("status:{key}"))
        .expect("lookup")
        .expect("stored under the status id");
    let message = rig.store.message(id).expect("read").expect("message");
    assert_eq!(message.connector.0, CONNECTOR);
    assert_eq!(message.author.id, "1234567890");
    assert_eq!(
        message.social.and_then(|s| s.status_id),
        Some(key.to_string())
    );
}

#[tokio::test]
async fn a_comment_mention_is_stored_under_its_comment_id() {
    let rig = rig().await;
    let key = 4_987_654_321_000_001_i64;
    assert_eq!(
        rig.push(&mention_json("comment", key)).await.0,
        StatusCode::OK
    );
    let found = rig
        .store
        .find_native(Channel::Weibo, &format!("comment:{key}"))
        .expect("lookup");
    assert!(found.is_some());
}

#[tokio::test]
async fn a_wechat_format_xml_push_is_stored() {
    let rig = rig().await;
    let xml = "<xml><ToUserName><![CDATA[2000000001]]></ToUserName>\
        <FromUserName><![CDATA[1234567890]]></FromUserName>\
        <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
        <Content><![CDATA[@支付宝 退款什么时候到]]></Content><MsgId>6912345678</MsgId></xml>";
    for _ in 0..2 {
        assert_eq!(rig.push(xml).await, (StatusCode::OK, "success".to_string()));
    }
    assert_eq!(rig.stored(), 1);
    let found = rig
        .store
        .find_native(Channel::Weibo, "push:msg:6912345678")
        .expect("lookup");
    assert!(found.is_some());
}

#[tokio::test]
async fn another_type_is_answered_success_and_not_stored() {
    let rig = rig().await;
    let other = r#"{"type":"follow","sender_id":1234567890,
        "created_at":"Mon Jul 16 18:09:20 +0800 2012","text":"","data":{}}"#;
    assert_eq!(
        rig.push(other).await,
        (StatusCode::OK, "success".to_string())
    );
    let album = mention_json("album", 42);
    assert_eq!(rig.push(&album).await.0, StatusCode::OK);
    assert_eq!(rig.stored(), 0);
    assert_eq!(rig.quarantined(), 0);
}

#[tokio::test]
async fn a_signed_unreadable_push_is_quarantined_and_answered_success() {
    let rig = rig().await;
    // Weibo's retries of the same bytes are quarantined once (by content).
    for _ in 0..2 {
        assert_eq!(
            rig.push(r#"{"type":"mention","sender_id":1}"#).await,
            (StatusCode::OK, "success".to_string())
        );
    }
    assert_eq!(rig.stored(), 0);
    assert_eq!(rig.quarantined(), 1);
    assert_eq!(rig.push("  ").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_oversized_push_is_refused_before_anything_is_stored() {
    let rig = rig().await;
    let mut body = mention_json("status", 1);
    body.push_str(&" ".repeat(MAX_PUSH_BYTES_FOR_TEST));
    let (status, _) = rig.push(&body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(rig.stored(), 0);
    assert_eq!(rig.quarantined(), 0);
}

const MAX_PUSH_BYTES_FOR_TEST: usize = crate::connectors::weibo::push::MAX_PUSH_BYTES;
