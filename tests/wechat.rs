//! The WeChat webhook end to end: a client simulator that signs and encrypts
//! exactly as WeChat does, real HTTP over loopback, the daemon in-process.

use std::net::SocketAddr;
use std::time::Duration;

use omnilisten::connectors::wechat::crypto::{AesKey, SafeModeCipher};
use omnilisten::connectors::wechat::signature::{msg_signature, signature};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Daemon, Tree, num};

pub(crate) const TOKEN: &str = "omnilisten-test-token";
pub(crate) const APP_ID: &str = "wx5823bf96d3bd56c7";
pub(crate) const OPENID: &str = "oUser_1234567890abcdef";

/// WeChat's side of the protocol, built from the protocol core.
pub(crate) struct WechatClient {
    addr: SocketAddr,
    cipher: SafeModeCipher,
}

impl WechatClient {
    pub(crate) fn new(addr: SocketAddr) -> WechatClient {
        WechatClient {
            addr,
            cipher: SafeModeCipher::new(key(), APP_ID),
        }
    }

    /// A plaintext-mode push signed with `token` at `timestamp`.
    async fn push_plain_as(
        &self,
        connector: &str,
        xml: &str,
        token: &str,
        timestamp: i64,
    ) -> (u16, String) {
        let ts = timestamp.to_string();
        let nonce = "1320562132";
        let sig = signature(token, &ts, nonce);
        let path = format!(
            "/wechat/{connector}?signature={sig}&timestamp={ts}&nonce={nonce}&openid={OPENID}"
        );
        http(self.addr, "POST", &path, xml.as_bytes()).await
    }

    pub(crate) async fn push_plain(&self, connector: &str, xml: &str) -> (u16, String) {
        self.push_plain_as(connector, xml, TOKEN, now()).await
    }

    /// A safe-mode push (or compatible mode when `compat`), encrypted with `cipher`.
    async fn push_encrypted_with(
        &self,
        cipher: &SafeModeCipher,
        connector: &str,
        xml: &str,
        compat: bool,
    ) -> (u16, String) {
        let ts = now().to_string();
        let nonce = "4242";
        let encrypt = cipher.encrypt([9u8; 16], xml.as_bytes()).expect("encrypt");
        let sig = signature(TOKEN, &ts, nonce);
        let msg_sig = msg_signature(TOKEN, &ts, nonce, &encrypt);
        let path = format!(
            "/wechat/{connector}?signature={sig}&timestamp={ts}&nonce={nonce}&openid={OPENID}&encrypt_type=aes&msg_signature={msg_sig}"
        );
        let body = if compat {
            // The plaintext fields next to Encrypt, as compatible mode sends them.
            let inner = xml.trim_start_matches("<xml>").trim_end_matches("</xml>");
            format!("<xml>{inner}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        } else {
            format!(
                "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            )
        };
        http(self.addr, "POST", &path, body.as_bytes()).await
    }

    pub(crate) async fn push_safe(&self, connector: &str, xml: &str) -> (u16, String) {
        self.push_encrypted_with(&self.cipher, connector, xml, false)
            .await
    }
}

impl WechatClient {
    /// The text of a passive reply, checked as WeChat would: the envelope's
    /// `MsgSignature` over its own timestamp and nonce, the AppID, and the
    /// To/From of the push swapped.
    pub(crate) fn reply_text(&self, body: &str) -> String {
        let xml = if body.contains("<Encrypt>") {
            let encrypt = between(body, "<Encrypt><![CDATA[", "]]></Encrypt>");
            let sig = between(body, "<MsgSignature><![CDATA[", "]]></MsgSignature>");
            let ts = between(body, "<TimeStamp>", "</TimeStamp>");
            let nonce = between(body, "<Nonce><![CDATA[", "]]></Nonce>");
            assert_eq!(
                sig,
                msg_signature(TOKEN, &ts, &nonce, &encrypt),
                "reply signature"
            );
            self.cipher
                .decrypt(&encrypt)
                .expect("reply decrypts with our AppID")
        } else {
            body.to_string()
        };
        assert_eq!(
            between(&xml, "<ToUserName><![CDATA[", "]]>"),
            OPENID,
            "{xml}"
        );
        assert_eq!(
            between(&xml, "<FromUserName><![CDATA[", "]]>"),
            "gh_account",
            "{xml}"
        );
        assert_eq!(between(&xml, "<MsgType><![CDATA[", "]]>"), "text", "{xml}");
        between(&xml, "<Content><![CDATA[", "]]></Content>")
    }
}

pub(crate) fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).map(|i| i + start.len());
    let from = from.unwrap_or_else(|| panic!("no {start} in {text}"));
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end} in {text}"));
    text[from..from + to].to_string()
}

/// The ticket number quoted in an instant reply.
pub(crate) fn ticket_in(reply: &str) -> String {
    let digits: String = reply
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find(|w| w.len() == 15 && w.as_bytes().get(8) == Some(&b'-'))
        .unwrap_or_else(|| panic!("no ticket number in {reply}"))
        .to_string();
    digits
}

pub(crate) fn key() -> AesKey {
    AesKey::from_bytes(*b"0123456789abcdefghijklmnopqrstuv")
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn text_push(msg_id: u64, content: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>",
        now()
    )
}

fn subscribe_event() -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>",
        now()
    )
}

/// A tree with WeChat connector `wx` (all modes) and `wxsafe` (safe only).
pub(crate) fn wechat_tree() -> Tree {
    let tree = Tree::new();
    tree.write("secrets/token", &format!("{TOKEN}\n"));
    tree.write("secrets/aes", &key().to_encoding_aes_key());
    for (id, accept) in [("wx", ""), ("wxsafe", "accept = [\"safe\"]\n")] {
        tree.write(
            &format!("connectors/{id}.toml"),
            &format!(
                "kind = \"wechat\"\ntoken_file = \"secrets/token\"\naes_key_file = \"secrets/aes\"\napp_id = \"{APP_ID}\"\n{accept}"
            ),
        );
    }
    tree
}

/// A minimal HTTP/1.1 request with a body; returns status and body.
pub(crate) async fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    // The server may answer (413) before reading the whole body.
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.get(split + 4..).unwrap_or(&[]);
    (status, String::from_utf8_lossy(body).into_owned())
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_verification_echoes_plain_and_decrypts_safe() {
    let tree = wechat_tree();
    let daemon = Daemon::start(&tree.config()).await;
    let ts = now().to_string();
    let sig = signature(TOKEN, &ts, "77");
    let path = format!("/wechat/wx?signature={sig}&timestamp={ts}&nonce=77&echostr=5837397520");
    assert_eq!(
        http(daemon.addr, "GET", &path, b"").await,
        (200, "5837397520".to_string())
    );

    let cipher = SafeModeCipher::new(key(), APP_ID);
    let echostr = cipher.encrypt([3u8; 16], b"8151413").expect("encrypt");
    let msg_sig = msg_signature(TOKEN, &ts, "78", &echostr);
    let path = format!(
        "/wechat/wx?msg_signature={msg_sig}&timestamp={ts}&nonce=78&echostr={}",
        percent_encode(&echostr)
    );
    assert_eq!(
        http(daemon.addr, "GET", &path, b"").await,
        (200, "8151413".to_string())
    );

    let forged = format!(
        "/wechat/wx?signature={}&timestamp={ts}&nonce=77&echostr=1",
        "0".repeat(40)
    );
    assert_eq!(http(daemon.addr, "GET", &forged, b"").await.0, 401);
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_push_is_stored_once_and_its_retry_answered_with_the_same_reply() {
    let tree = wechat_tree();
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    let xml = text_push(6_054_768_590_064_713_728, "我的订单还没到 🙁");
    let (status, body) = wechat.push_plain("wx", &xml).await;
    assert_eq!(status, 200, "{body}");
    // The default rule answers the first message with its ticket number.
    let reply = wechat.reply_text(&body);
    let ticket = ticket_in(&reply);
    // durable before the answer: no polling needed
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/messages/by_channel/wechat"), 1, "{stats}");

    // WeChat's retry after a lost answer: the same reply, stored once.
    let (status, again) = wechat.push_plain("wx", &xml).await;
    assert_eq!((status, wechat.reply_text(&again)), (200, reply.clone()));
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/messages/total"), 1, "{stats}");
    assert_eq!(num(&stats, "/duplicates"), 1, "{stats}");

    // The customer's next line joins the same ticket and is not answered again.
    let next = text_push(
        6_054_768_590_064_713_729,
        "订单号 2026112722001400000000000001",
    );
    assert_eq!(
        wechat.push_plain("wx", &next).await,
        (200, "success".to_string())
    );
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/tickets/total"), 1, "{stats}");
    let (_, t) = daemon.get(&format!("/api/tickets/{ticket}")).await;
    assert_eq!(
        t["ticket"]["messages"].as_array().map(Vec::len),
        Some(2),
        "{t}"
    );
    assert_eq!(t["ticket"]["queue"], "wechat", "{t}");

    let (_, list) = daemon.get("/api/messages?channel=wechat").await;
    let first = list["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["text"] == "我的订单还没到 🙁"))
        .expect("first message listed");
    assert_eq!(first["author"]["id"], OPENID);
    assert_eq!(first["instant_reply"], reply.as_str());
    assert_eq!(first["item_kind"], "text");
    assert_eq!(
        first["native_id"],
        format!("msg:6054768590064713728:{OPENID}")
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_and_compatible_mode_pushes_are_decrypted_stored_and_answered_encrypted() {
    let tree = wechat_tree();
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    let safe = text_push(1, "safe mode");
    let (status, body) = wechat.push_safe("wxsafe", &safe).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains("safe mode") && body.contains("<Encrypt>"),
        "{body}"
    );
    let first = wechat.reply_text(&body);
    let compat = text_push(2, "compatible mode");
    let cipher = SafeModeCipher::new(key(), APP_ID);
    let (status, body) = wechat
        .push_encrypted_with(&cipher, "wx", &compat, true)
        .await;
    assert_eq!(status, 200, "{body}");
    // Another account: another conversation, another ticket.
    assert_ne!(ticket_in(&wechat.reply_text(&body)), ticket_in(&first));
    // The retry of the safe push, through the same account.
    let (status, body) = wechat.push_safe("wxsafe", &safe).await;
    assert_eq!((status, wechat.reply_text(&body)), (200, first));
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/messages/by_channel/wechat"), 2, "{stats}");
    assert_eq!(num(&stats, "/duplicates"), 1, "{stats}");
    let (_, list) = daemon.get("/api/messages?channel=wechat").await;
    let texts: Vec<&str> = list["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"safe mode") && texts.contains(&"compatible mode"),
        "{texts:?}"
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rejection_has_its_status_and_stores_nothing() {
    let tree = wechat_tree();
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    let (_, before) = daemon.get("/api/stats").await;
    let xml = text_push(10, "hello");

    let forged = wechat
        .push_plain_as("wx", &xml, "not-the-token", now())
        .await;
    assert_eq!(forged.0, 401, "bad signature: {forged:?}");
    let stale = wechat.push_plain_as("wx", &xml, TOKEN, now() - 3600).await;
    assert_eq!(stale.0, 401, "stale timestamp: {stale:?}");
    let doctype = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><Content>&x;</Content></xml>";
    assert_eq!(wechat.push_plain("wx", doctype).await.0, 400, "DOCTYPE");
    assert_eq!(
        wechat.push_plain("wx", "<xml><MsgType>").await.0,
        400,
        "malformed"
    );
    let big = format!("<xml><Content>{}</Content></xml>", "a".repeat(65 * 1024));
    assert_eq!(wechat.push_plain("wx", &big).await.0, 413, "65 KiB body");
    let other_app = SafeModeCipher::new(key(), "wx0000000000000000");
    assert_eq!(
        wechat
            .push_encrypted_with(&other_app, "wx", &xml, false)
            .await
            .0,
        401,
        "wrong AppID"
    );
    assert_eq!(
        wechat.push_plain("wxsafe", &xml).await.0,
        403,
        "plain on a safe-only account"
    );
    assert_eq!(
        wechat.push_plain("nosuch", &xml).await.0,
        404,
        "unknown connector"
    );

    let (_, after) = daemon.get("/api/stats").await;
    assert_eq!(before, after, "a refusal stored something");
    let (_, metrics) = daemon.get("/metrics").await;
    let metrics = metrics.as_str().unwrap_or_default().to_string();
    assert!(
        metrics.contains("omnilisten_wechat_rejected_total{reason=\"signature\"} 1"),
        "{metrics}"
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_stored_and_opens_no_ticket() {
    let tree = wechat_tree();
    let daemon = Daemon::start(&tree.config()).await;
    let wechat = WechatClient::new(daemon.addr);
    assert_eq!(
        wechat.push_safe("wx", &subscribe_event()).await,
        (200, "success".to_string())
    );
    let stats = daemon
        .wait_stats(Duration::from_secs(5), |s| num(s, "/messages/total") == 1)
        .await;
    assert_eq!(num(&stats, "/tickets/total"), 0, "{stats}");
    let (_, list) = daemon.get("/api/messages?channel=wechat").await;
    assert_eq!(list["messages"][0]["text"], "[event] subscribe");
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_push_xml_is_backfilled_through_the_pipeline() {
    let tree = wechat_tree();
    tree.write("saved/1.xml", &text_push(99, "from the archive"));
    tree.write("saved/2.xml", "<xml><MsgType>text</MsgType>");
    let config = omnilisten::config::load(&tree.config()).expect("config");
    let files = [
        tree.path().join("saved/1.xml"),
        tree.path().join("saved/2.xml"),
    ];
    let summary = omnilisten::ingest::ingest_files(&config, "wx", &files)
        .await
        .expect("ingest");
    assert_eq!((summary.stored, summary.quarantined), (1, 1), "{summary}");
    let again = omnilisten::ingest::ingest_files(&config, "wx", &files[..1])
        .await
        .expect("ingest again");
    assert_eq!(again.duplicates, 1, "{again}");
}

/// WeChat retries whatever it thinks was not answered, possibly while the
/// first delivery is still in flight: under concurrency, every push is
/// stored exactly once and every delivery answered 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_encrypted_pushes_with_retries_are_each_stored_once() {
    const PUSHES: u64 = 300;
    const USERS: u64 = 40;
    let tree = wechat_tree();
    let daemon = Daemon::start(&tree.config()).await;
    let addr = daemon.addr;
    // Deliveries: each push once, every third twice more, shuffled by a fixed
    // permutation so retries of one MsgId overlap with each other.
    let mut deliveries: Vec<u64> = (0..PUSHES)
        .flat_map(|i| std::iter::repeat_n(i, if i % 3 == 0 { 3 } else { 1 }))
        .collect();
    let n = deliveries.len();
    for i in 0..n {
        deliveries.swap(i, (i * 7919 + 13) % n);
    }
    let total = deliveries.len() as u64;
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(deliveries));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let queue = queue.clone();
        workers.spawn(async move {
            let wechat = WechatClient::new(addr);
            let mut statuses = Vec::new();
            loop {
                let Some(i) = queue.lock().await.pop() else {
                    return statuses;
                };
                let user = format!("oUser_{:04}", i % USERS);
                let xml = text_push(1_000_000 + i, &format!("第{i}条：红包领取失败 🧧"))
                    .replace(OPENID, &user);
                let (status, body) = wechat.push_safe("wxsafe", &xml).await;
                statuses.push((i, status, body));
            }
        });
    }
    let mut answered = 0;
    while let Some(result) = workers.join_next().await {
        for (i, status, body) in result.expect("worker") {
            assert_eq!(status, 200, "push {i}: {body}");
            answered += 1;
        }
    }
    assert_eq!(answered, total);
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(
        num(&stats, "/messages/by_channel/wechat"),
        PUSHES,
        "{stats}"
    );
    assert_eq!(num(&stats, "/duplicates"), total - PUSHES, "{stats}");
    // One conversation ticket per customer, whatever the interleaving.
    assert_eq!(num(&stats, "/tickets/total"), USERS, "{stats}");
    daemon.stop().await;
}
