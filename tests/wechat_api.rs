//! The WeChat outbound API client against a stand-in for `api.weixin.qq.com`
//! on loopback: token single-flight, persistence and refresh, send outcomes
//! the publisher acts on, and capped media downloads.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use omnilisten::connectors::wechat::api::{
    ApiConfig, Clock, Media, MediaError, NoTokenCache, SendError, StoreTokenCache, TokenCache,
    TokenEndpoint, WechatApi,
};
use omnilisten::store::{Store, StoreOptions};

use crate::support::wechat_api_server::{
    APP_ID, APP_SECRET, Behaviour, MediaItem, WechatApiServer,
};

const OPENID: &str = "oUser_1234567890abcdef";

fn http(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .timeout(timeout)
        .build()
        .unwrap()
}

fn config(server: &WechatApiServer, endpoint: TokenEndpoint) -> ApiConfig {
    ApiConfig {
        api_base: server.base_url(),
        app_id: APP_ID.to_string(),
        app_secret: APP_SECRET.to_string(),
        token_endpoint: endpoint,
    }
}

fn api(server: &WechatApiServer) -> WechatApi {
    WechatApi::new(
        config(server, TokenEndpoint::Stable),
        http(Duration::from_secs(5)),
        Arc::new(NoTokenCache),
    )
}

/// A clock the test moves by hand.
struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    fn new() -> (TestClock, Clock) {
        let now = Arc::new(Mutex::new(Utc::now()));
        let read = now.clone();
        (TestClock(now), Arc::new(move || *read.lock().unwrap()))
    }

    fn advance(&self, by: TimeDelta) {
        *self.0.lock().unwrap() += by;
    }
}

#[tokio::test]
async fn cold_cache_twenty_concurrent_sends_fetch_one_token() {
    let server = WechatApiServer::start().await;
    let api = api(&server);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.send_text(&format!("oUser_{i:02}"), &format!("回复 {i}"))
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.token_calls(), 1);
    let mut sent = server.sent();
    sent.sort_by(|a, b| a.touser.cmp(&b.touser));
    assert_eq!(sent.len(), 20);
    assert_eq!(sent[7].touser, "oUser_07");
    assert_eq!(sent[7].content, "回复 7");
}

#[tokio::test]
async fn content_is_sent_verbatim_including_quotes_and_emoji() {
    let server = WechatApiServer::start().await;
    let content = "He said \"hi\" \\ \n 你好 😀 </xml> ]]>";
    api(&server).send_text(OPENID, content).await.unwrap();
    assert_eq!(server.sent()[0].content, content);
}

#[tokio::test]
async fn token_saved_in_store_survives_a_new_client() {
    let server = WechatApiServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let cache =
        || -> Arc<dyn TokenCache> { Arc::new(StoreTokenCache::new(store.clone(), "wx-main")) };

    let first = WechatApi::new(
        config(&server, TokenEndpoint::Stable),
        http(Duration::from_secs(5)),
        cache(),
    );
    first.send_text(OPENID, "one").await.unwrap();
    assert_eq!(server.token_calls(), 1);
    drop(first);

    let second = WechatApi::new(
        config(&server, TokenEndpoint::Stable),
        http(Duration::from_secs(5)),
        cache(),
    );
    second.send_text(OPENID, "two").await.unwrap();
    assert_eq!(
        server.token_calls(),
        1,
        "the second client reuses the saved token"
    );
    assert_eq!(server.sent().len(), 2);

    // Another connector's cursor is separate.
    let other = StoreTokenCache::new(store.clone(), "wx-other");
    assert!(other.load().is_none());
}

#[tokio::test]
async fn token_is_refreshed_before_it_expires() {
    let server = WechatApiServer::start().await;
    let (clock, now) = TestClock::new();
    let api = WechatApi::with_clock(
        config(&server, TokenEndpoint::Classic),
        http(Duration::from_secs(5)),
        Arc::new(NoTokenCache),
        now,
    );
    api.send_text(OPENID, "one").await.unwrap();
    assert_eq!(server.token_calls(), 1);

    // 7200 s tokens, refreshed 5 minutes early.
    clock.advance(TimeDelta::seconds(7200 - 301));
    api.send_text(OPENID, "two").await.unwrap();
    assert_eq!(server.token_calls(), 1, "still outside the margin");

    clock.advance(TimeDelta::seconds(2));
    api.send_text(OPENID, "three").await.unwrap();
    assert_eq!(server.token_calls(), 2, "inside the margin: refreshed");
    assert_eq!(server.classic_calls(), 2);
    assert_eq!(server.sent().len(), 3);
}

#[tokio::test]
async fn short_lived_token_refreshes_at_ten_percent() {
    let server = WechatApiServer::start().await;
    server.set_expires_in(300);
    let (clock, now) = TestClock::new();
    let api = WechatApi::with_clock(
        config(&server, TokenEndpoint::Stable),
        http(Duration::from_secs(5)),
        Arc::new(NoTokenCache),
        now,
    );
    api.access_token().await.unwrap();
    clock.advance(TimeDelta::seconds(260));
    api.access_token().await.unwrap();
    assert_eq!(
        server.token_calls(),
        1,
        "a 5-minute margin would refresh a 300 s token at once"
    );
    clock.advance(TimeDelta::seconds(15));
    api.access_token().await.unwrap();
    assert_eq!(server.token_calls(), 2);
}

#[tokio::test]
async fn revoked_token_40001_is_replaced_once_and_the_message_sent_once() {
    let server = WechatApiServer::start().await;
    let api = api(&server);
    api.send_text(OPENID, "first").await.unwrap();
    server.revoke_current();

    api.send_text(OPENID, "second").await.unwrap();
    assert_eq!(server.token_calls(), 2, "one refresh");
    assert_eq!(
        server.forced_refreshes(),
        0,
        "the normal fetch already had a new token"
    );
    let contents: Vec<_> = server.sent().into_iter().map(|s| s.content).collect();
    assert_eq!(contents, ["first", "second"]);
}

#[tokio::test]
async fn expired_token_42001_is_replaced_once() {
    let server = WechatApiServer::start().await;
    let api = api(&server);
    api.send_text(OPENID, "first").await.unwrap();
    server.expire_all();

    api.send_text(OPENID, "second").await.unwrap();
    assert_eq!(server.token_calls(), 2);
    assert_eq!(server.sent().len(), 2);
}

#[tokio::test]
async fn rejected_token_that_stable_token_still_returns_is_force_refreshed() {
    let server = WechatApiServer::start().await;
    let api = api(&server);
    api.send_text(OPENID, "first").await.unwrap();
    server.poison_current();

    api.send_text(OPENID, "second").await.unwrap();
    assert_eq!(server.forced_refreshes(), 1);
    assert_eq!(
        server.token_calls(),
        3,
        "initial, normal (same token), forced"
    );
    assert_eq!(server.sent().len(), 2);
}

#[tokio::test]
async fn concurrent_rejections_share_one_replacement() {
    let server = WechatApiServer::start().await;
    let api = api(&server);
    api.access_token().await.unwrap();
    server.revoke_current();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.send_text(&format!("oUser_{i:02}"), "hi").await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.token_calls(), 2);
    assert_eq!(server.sent().len(), 20);
}

#[tokio::test]
async fn closed_window_45015_is_permanent_with_a_readable_reason() {
    let server = WechatApiServer::start().await;
    server.set_behaviour(OPENID, Behaviour::Fail(45015));
    let err = api(&server).send_text(OPENID, "late").await.unwrap_err();
    assert_eq!(err, SendError::window_closed());
    assert!(
        err.to_string().contains("48-hour customer-service window"),
        "{err}"
    );
    assert!(!err.is_transient() && !err.may_have_been_delivered());
    assert_eq!(server.received().len(), 1, "not retried");
    assert!(server.sent().is_empty());
}

#[tokio::test]
async fn quota_45047_is_permanent_with_a_readable_reason() {
    let server = WechatApiServer::start().await;
    server.set_behaviour(OPENID, Behaviour::Fail(45047));
    let err = api(&server).send_text(OPENID, "sixth").await.unwrap_err();
    match &err {
        SendError::Permanent { code, reason } => {
            assert_eq!(*code, Some(45047));
            assert_eq!(
                reason,
                "customer-service quota for this user exhausted (45047)"
            );
        }
        other => panic!("expected Permanent, got {other:?}"),
    }
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn system_busy_is_transient() {
    let server = WechatApiServer::start().await;
    server.set_behaviour(OPENID, Behaviour::Fail(-1));
    let err = api(&server).send_text(OPENID, "hi").await.unwrap_err();
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn hanging_send_is_uncertain_and_was_received() {
    let server = WechatApiServer::start().await;
    server.set_behaviour(OPENID, Behaviour::Hang);
    let api = WechatApi::new(
        config(&server, TokenEndpoint::Stable),
        http(Duration::from_millis(500)),
        Arc::new(NoTokenCache),
    );
    let started = Instant::now();
    let err = api.send_text(OPENID, "hi").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.may_have_been_delivered(), "{err:?}");
    assert_eq!(server.received().len(), 1, "the server did get it");

    // Neither the token nor the URL that carries it leaks into the error.
    let text = format!("{err} {err:?}");
    assert!(!text.contains("access_token="), "{text}");
    for token in server.issued_tokens() {
        assert!(!text.contains(&token), "{text}");
    }
}

#[tokio::test]
async fn html_502_is_uncertain() {
    let server = WechatApiServer::start().await;
    server.set_behaviour(OPENID, Behaviour::BadGateway);
    let err = api(&server).send_text(OPENID, "hi").await.unwrap_err();
    assert!(matches!(err, SendError::Uncertain { .. }), "{err:?}");
    assert!(err.to_string().contains("502"), "{err}");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn refused_connection_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let api = WechatApi::new(
        ApiConfig {
            api_base: format!("http://{addr}"),
            app_id: APP_ID.into(),
            app_secret: APP_SECRET.into(),
            token_endpoint: TokenEndpoint::Stable,
        },
        http(Duration::from_secs(2)),
        Arc::new(NoTokenCache),
    );
    let err = api.send_text(OPENID, "hi").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(!err.to_string().contains(APP_SECRET));
}

#[tokio::test]
async fn wrong_secret_wrong_appid_and_ip_whitelist_are_auth_errors() {
    let server = WechatApiServer::start().await;
    for endpoint in [TokenEndpoint::Stable, TokenEndpoint::Classic] {
        let mut cfg = config(&server, endpoint);
        cfg.app_secret = "wrong-secret".into();
        let api = WechatApi::new(cfg, http(Duration::from_secs(5)), Arc::new(NoTokenCache));
        let err = api.send_text(OPENID, "hi").await.unwrap_err();
        assert_eq!(
            err,
            SendError::Auth {
                code: Some(40125),
                reason: "invalid AppSecret (40125)".into()
            }
        );
        assert!(!format!("{err} {err:?} {api:?}").contains("wrong-secret"));

        let mut cfg = config(&server, endpoint);
        cfg.app_id = "wx0000000000000000".into();
        let api = WechatApi::new(cfg, http(Duration::from_secs(5)), Arc::new(NoTokenCache));
        let err = api.send_text(OPENID, "hi").await.unwrap_err();
        assert!(
            matches!(
                err,
                SendError::Auth {
                    code: Some(40013),
                    ..
                }
            ),
            "{err:?}"
        );
    }
    server.set_ip_whitelisted(false);
    let err = api(&server).send_text(OPENID, "hi").await.unwrap_err();
    assert!(err.to_string().contains("IP whitelist (40164)"), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn image_is_downloaded_with_name_and_type() {
    let server = WechatApiServer::start().await;
    let jpeg: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    server.register_media(
        "MEDIA_1",
        MediaItem::File {
            bytes: jpeg.clone(),
            content_type: "image/jpeg".into(),
            filename: "MEDIA_1.jpg".into(),
            chunked: false,
        },
    );
    let media = api(&server)
        .download_media("MEDIA_1", 64 * 1024)
        .await
        .unwrap();
    assert_eq!(
        media,
        Media::File {
            name: "MEDIA_1.jpg".into(),
            mime_type: "image/jpeg".into(),
            bytes: jpeg
        }
    );
}

#[tokio::test]
async fn file_name_with_a_path_is_stripped() {
    let server = WechatApiServer::start().await;
    server.register_media(
        "MEDIA_2",
        MediaItem::File {
            bytes: b"amr".to_vec(),
            content_type: "audio/amr".into(),
            filename: "../../etc/passwd".into(),
            chunked: true,
        },
    );
    let Media::File { name, .. } = api(&server).download_media("MEDIA_2", 1024).await.unwrap()
    else {
        panic!("expected a file");
    };
    assert_eq!(name, "passwd");
}

#[tokio::test]
async fn oversized_media_is_refused() {
    let server = WechatApiServer::start().await;
    let big = vec![0xAB; 5 * 1024 * 1024];
    for (id, chunked) in [("BIG_LENGTH", false), ("BIG_CHUNKED", true)] {
        server.register_media(
            id,
            MediaItem::File {
                bytes: big.clone(),
                content_type: "image/png".into(),
                filename: format!("{id}.png"),
                chunked,
            },
        );
    }
    let api = api(&server);
    for id in ["BIG_LENGTH", "BIG_CHUNKED"] {
        let err = api.download_media(id, 64 * 1024).await.unwrap_err();
        assert_eq!(err, MediaError::TooLarge { limit: 64 * 1024 }, "{id}");
    }
}

#[tokio::test]
async fn unknown_media_is_permanent_40007() {
    let server = WechatApiServer::start().await;
    let err = api(&server).download_media("NOPE", 1024).await.unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::Permanent {
                code: Some(40007),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.media_calls(), 1);
}

#[tokio::test]
async fn video_answers_with_its_url() {
    let server = WechatApiServer::start().await;
    let url = "http://203.205.158.76/vweixinp.tc.qq.com/1007_video.f10.mp4?vkey=ABC";
    server.register_media("VIDEO_1", MediaItem::Video(url.into()));
    let media = api(&server).download_media("VIDEO_1", 1024).await.unwrap();
    assert_eq!(media, Media::VideoUrl(url.into()));
}

#[tokio::test]
async fn media_download_refreshes_a_revoked_token_once() {
    let server = WechatApiServer::start().await;
    server.register_media(
        "VIDEO_1",
        MediaItem::Video("http://example.invalid/v.mp4".into()),
    );
    let api = api(&server);
    api.access_token().await.unwrap();
    server.revoke_current();
    api.download_media("VIDEO_1", 1024).await.unwrap();
    assert_eq!(server.token_calls(), 2);
    assert_eq!(server.media_calls(), 2);
}
