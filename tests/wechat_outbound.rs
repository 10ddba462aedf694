//! The WeChat outbound side in the running daemon, against the local
//! stand-in for WeChat's API: pictures and voice fetched into attachments,
//! approved drafts published through the customer-service API exactly once.

use std::time::Duration;

use chrono::Utc;
use omnilisten::model::{Draft, DraftState, MessageId};

use crate::support::wechat_api_server::{APP_SECRET, Behaviour, MediaItem, WechatApiServer};
use crate::support::{Daemon, Tree};
use crate::wechat::{APP_ID, OPENID, WechatClient, now, text_push, wechat_tree};

/// The WeChat tree, with connector `wx` allowed to call the stand-in.
fn tree_with_api(api: &WechatApiServer, max_attachment_bytes: u64) -> Tree {
    let tree = wechat_tree();
    tree.write("secrets/app_secret", APP_SECRET);
    tree.write(
        "connectors/wx.toml",
        &format!(
            "kind = \"wechat\"\ntoken_file = \"secrets/token\"\naes_key_file = \"secrets/aes\"\napp_id = \"{APP_ID}\"\napp_secret_file = \"secrets/app_secret\"\napi_base = \"{}\"\n",
            api.base_url()
        ),
    );
    tree.write(
        "omnilisten.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\nmax_attachment_bytes = {max_attachment_bytes}\n"
        ),
    );
    tree
}

fn media_push(msg_type: &str, msg_id: u64, media_id: &str) -> String {
    let extra = match msg_type {
        "image" => "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl>".to_string(),
        _ => "<Format><![CDATA[amr]]></Format>".to_string(),
    };
    format!(
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{extra}<MediaId><![CDATA[{media_id}]]></MediaId><MsgId>{msg_id}</MsgId></xml>",
        now()
    )
}

fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..len.saturating_sub(4)).map(|i| (i * 31 % 251) as u8));
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_and_voice_are_fetched_into_attachments_and_big_ones_say_why_not() {
    let api = WechatApiServer::start().await;
    let picture = jpeg(20_000);
    let file = |bytes: Vec<u8>, content_type: &str, filename: &str| MediaItem::File {
        bytes,
        content_type: content_type.into(),
        filename: filename.into(),
        chunked: false,
    };
    api.register_media("IMG_1", file(picture.clone(), "image/jpeg", "IMG_1.jpg"));
    api.register_media("BIG_1", file(jpeg(300_000), "image/jpeg", "BIG_1.jpg"));
    api.register_media("VOICE_1", file(vec![b'#'; 900], "audio/amr", "VOICE_1.amr"));
    let tree = tree_with_api(&api, 100_000);
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    for (kind, id, media) in [
        ("image", 1, "IMG_1"),
        ("image", 2, "BIG_1"),
        ("voice", 3, "VOICE_1"),
    ] {
        let (status, body) = wechat.push_plain("wx", &media_push(kind, id, media)).await;
        assert_eq!(status, 200, "{body}");
    }
    let list = daemon
        .wait_json(
            "/api/messages?channel=wechat",
            Duration::from_secs(20),
            |v| {
                v["messages"].as_array().is_some_and(|m| {
                    m.len() == 3
                        && m.iter()
                            .all(|m| m["attachments"].as_array().is_some_and(|a| a.len() == 1))
                })
            },
        )
        .await;
    let attachment = |media: &str| {
        list["messages"]
            .as_array()
            .and_then(|m| {
                m.iter()
                    .map(|m| &m["attachments"][0])
                    .find(|a| a["name"].as_str().is_some_and(|n| n.starts_with(media)))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no attachment {media}: {list}"))
    };
    let image = attachment("IMG_1");
    assert_eq!(image["stored"], true, "{image}");
    assert_eq!(image["mime_type"], "image/jpeg");
    assert_eq!(image["size"], 20_000);
    assert_eq!(
        image["content_hash"],
        blake3::hash(&picture).to_hex().to_string()
    );
    let voice = attachment("VOICE_1");
    assert_eq!(
        (voice["stored"].clone(), voice["mime_type"].clone()),
        (true.into(), "audio/amr".into())
    );
    let big = attachment("BIG_1");
    assert_eq!(big["stored"], false, "{big}");
    assert!(
        big["missing"]
            .as_str()
            .is_some_and(|m| m.contains("100000-byte")),
        "{big}"
    );
    assert_eq!(api.media_calls(), 3);
    daemon.stop().await;
}

/// Stops nothing; adds an approved draft answering the newest WeChat message
/// to the (stopped) daemon's store.
async fn approve_reply(tree: &Tree, body: &str) -> (MessageId, Draft) {
    let store = crate::support::reopen_store(&tree.path().join("state"));
    let target = store
        .messages(&Default::default())
        .expect("messages")
        .into_iter()
        .find(|m| m.author.id == OPENID)
        .expect("a WeChat message");
    let mut draft = Draft::proposed(&target, body.into(), Utc::now());
    draft.state = DraftState::Approved;
    draft.approved_by = Some("user:reviewer".into());
    let mut tx = store.begin().await;
    tx.put_draft(&draft).expect("put draft");
    tx.commit().await.expect("commit");
    (target.id, draft)
}

async fn draft_state(daemon: &Daemon, want: &'static str) -> serde_json::Value {
    let drafts = daemon
        .wait_json("/api/drafts", Duration::from_secs(20), |v| {
            v["drafts"][0]["state"]["state"] == want
        })
        .await;
    drafts["drafts"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_draft_is_sent_once_through_the_customer_service_api_across_restarts() {
    let api = WechatApiServer::start().await;
    let tree = tree_with_api(&api, 1_000_000);
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    let (status, _) = wechat
        .push_plain("wx", &text_push(7, "红包领取失败，钱扣了"))
        .await;
    assert_eq!(status, 200);
    daemon.stop().await;

    let reply = "您好，红包已为您补发，请在“我的-红包”中查看。";
    approve_reply(&tree, reply).await;
    let daemon = Daemon::start(&tree.config()).await;
    let draft = draft_state(&daemon, "sent").await;
    assert!(draft["sent_at"].is_string(), "{draft}");
    let sent = api.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].touser.as_str(), sent[0].content.as_str()),
        (OPENID, reply)
    );
    daemon.stop().await;

    // A restart finds nothing to publish again.
    let daemon = Daemon::start(&tree.config()).await;
    draft_state(&daemon, "sent").await;
    let (_, metrics) = daemon.get("/metrics").await;
    assert!(
        !metrics
            .as_str()
            .unwrap_or_default()
            .contains("outcome=\"sent\"")
    );
    daemon.stop().await;
    assert_eq!(api.sent().len(), 1);
    assert_eq!(api.token_calls(), 1, "the token was kept in the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_refusal_fails_the_draft_with_a_readable_reason_and_is_not_retried() {
    let api = WechatApiServer::start().await;
    api.set_behaviour(OPENID, Behaviour::Fail(45047));
    let tree = tree_with_api(&api, 1_000_000);
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    wechat
        .push_plain("wx", &text_push(8, "花呗逾期了怎么办"))
        .await;
    daemon.stop().await;
    approve_reply(&tree, "您好，请在花呗页面申请延期还款。").await;
    let daemon = Daemon::start(&tree.config()).await;
    let draft = draft_state(&daemon, "failed").await;
    let reason = draft["state"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("45047"), "{draft}");
    assert_eq!(api.received().len(), 1, "refused once, never retried");
    assert!(api.sent().is_empty());
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_interrupted_mid_send_becomes_uncertain_and_is_not_resent() {
    let api = WechatApiServer::start().await;
    let tree = tree_with_api(&api, 1_000_000);
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    wechat
        .push_plain("wx", &text_push(9, "转错账了，能追回吗"))
        .await;
    daemon.stop().await;
    // What a crash between "sending" and the channel's answer leaves behind.
    let (_, mut draft) = approve_reply(&tree, "您好，已为您联系收款方。").await;
    {
        let store = crate::support::reopen_store(&tree.path().join("state"));
        draft.state = DraftState::Sending;
        let mut tx = store.begin().await;
        tx.put_draft(&draft).expect("put");
        tx.commit().await.expect("commit");
    }
    let daemon = Daemon::start(&tree.config()).await;
    let draft = draft_state(&daemon, "uncertain").await;
    assert!(
        draft["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("stopped")),
        "{draft}"
    );
    daemon.stop().await;
    assert!(
        api.received().is_empty(),
        "an uncertain draft is never resent"
    );
}
