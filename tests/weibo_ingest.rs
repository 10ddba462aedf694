//! `omnilisten ingest` and `explain` on saved Weibo pages: each item of
//! overlapping pages is stored once, with its words, markup, reply targets
//! and pictures; an error body saved as a page is skipped with its reason.

use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::support::{Daemon, Tree, num, repo};

fn omnilisten(tree: &Tree, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_omnilisten"))
        .args(args)
        .arg("--config")
        .arg(tree.config())
        .output()
        .expect("run omnilisten")
}

/// A tree with a Weibo connector `wb` that the daemon does not start (no
/// network in tests); `ingest` and `explain` only need its channel.
fn weibo_tree() -> Tree {
    let tree = Tree::new();
    tree.write("secrets/weibo-token", "not-a-real-token\n");
    tree.write(
        "connectors/wb.toml",
        "kind = \"weibo\"\naccess_token_file = \"secrets/weibo-token\"\nenabled = false\n",
    );
    tree
}

fn sample(name: &str) -> String {
    repo()
        .join("data/samples/weibo")
        .join(name)
        .display()
        .to_string()
}

/// A later poll of the mentions: one new status and one without an author
/// above the two newest statuses of the sample page, which it repeats.
fn later_page(tree: &Tree) -> String {
    let first: Value = serde_json::from_slice(
        &std::fs::read(sample("mentions-page.json")).expect("read the sample page"),
    )
    .expect("the sample page is JSON");
    let newest = &first["statuses"];
    let page = json!({
        "statuses": [
            {
                "created_at": "Sat Dec 12 10:05:00 +0800 2026",
                "id": 5243820000000001_i64,
                "idstr": "5243820000000001",
                "text": "@支付宝 花呗逾期的事还没人处理吗？#花呗# [怒]",
                "user": {"id": 6012345678_i64, "screen_name": "一只想抢红包的猫"},
                "pic_urls": []
            },
            {
                "created_at": "Sat Dec 12 10:04:00 +0800 2026",
                "id": "5243819999999999",
                "text": "没有作者的一条"
            },
            newest[0],
            newest[1]
        ],
        "previous_cursor": 0,
        "next_cursor": 0,
        "total_number": 4
    });
    tree.write("later.json", &page.to_string());
    tree.path().join("later.json").display().to_string()
}

fn by_native_id<'a>(messages: &'a [Value], native_id: &str) -> &'a Value {
    let found: Vec<_> = messages
        .iter()
        .filter(|m| m["native_id"] == native_id)
        .collect();
    assert_eq!(found.len(), 1, "{native_id} stored once: {messages:?}");
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_saved_pages_store_each_item_once_with_its_fields() {
    let tree = weibo_tree();
    let mentions = sample("mentions-page.json");
    let comments = sample("comments-page.json");
    let later = later_page(&tree);

    let args = [
        "ingest",
        "--connector",
        "wb",
        mentions.as_str(),
        comments.as_str(),
        later.as_str(),
    ];
    let first = omnilisten(&tree, &args);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("read 12, stored 9, duplicates 2, quarantined 1, not stored 0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mentions-page.json: read 5, stored 5, duplicates 0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("later.json: read 4, stored 1, duplicates 2, quarantined 1"),
        "{stdout}"
    );

    // Again, with an error body saved as if it were a page: nothing is
    // stored twice, and the bad file is skipped with its reason.
    tree.write(
        "expired.json",
        r#"{"error":"expired_token","error_code":21327,"request":"/2/statuses/mentions.json"}"#,
    );
    let expired = tree.path().join("expired.json").display().to_string();
    let mut again_args = args.to_vec();
    again_args.push(&expired);
    let again = omnilisten(&tree, &again_args);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(!again.status.success(), "a skipped file fails the run");
    // The quarantined item too: the same bytes are not quarantined twice.
    assert!(
        stdout.contains("read 12, stored 0, duplicates 12"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expired.json: skipped: Weibo API error 21327: expired_token"),
        "{stdout}"
    );

    let daemon = Daemon::start(&tree.config()).await;
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/messages/total"), 9, "{stats}");
    let (_, list) = daemon.get("/api/messages?channel=weibo&limit=100").await;
    let messages = list["messages"].as_array().expect("messages").clone();
    assert_eq!(messages.len(), 9, "{list}");
    assert!(messages.iter().all(|m| m["channel"] == "weibo"));
    let (_, quarantine) = daemon.get("/api/quarantine").await;
    let reasons = quarantine["quarantined"].as_array().expect("quarantined");
    assert!(
        reasons
            .iter()
            .any(|q| q["reason"].as_str().is_some_and(|r| r.contains("user"))
                && q["origin"]
                    .as_str()
                    .is_some_and(|o| o.ends_with("later.json#2"))),
        "{quarantine}"
    );
    daemon.stop().await;

    // A repost: the author's own words, the chain, the official root.
    let repost = by_native_id(&messages, "status:5243810291012345");
    assert_eq!(repost["item_kind"], "status");
    assert_eq!(repost["author"]["id"], "7123456789");
    assert_eq!(repost["author"]["name"], "奶茶要三分糖");
    assert_eq!(repost["text"], "@支付宝 我也是!付款时红包直接消失了 [怒]");
    assert_eq!(repost["sent_at"], "2026-12-12T01:41:07Z");
    let social = &repost["social"];
    assert_eq!(social["repost_chain"][0]["user"], "小鱼干不加糖");
    assert_eq!(social["repost_chain"][1]["text"], "转发微博");
    assert_eq!(social["hashtags"], json!(["双十二抢红包失败"]));
    assert_eq!(social["emoticons"], json!(["怒", "泪"]));
    assert_eq!(social["quoted"]["author"], "支付宝");
    assert_eq!(social["quoted"]["id"], "5243790000000001");
    assert_eq!(social["status_id"], "5243810291012345");

    // Pictures stay at Weibo, referenced at their large size.
    let wrong_transfer = by_native_id(&messages, "status:5243802233445566");
    let pictures = wrong_transfer["attachments"]
        .as_array()
        .expect("attachments");
    assert_eq!(pictures.len(), 2);
    assert_eq!(
        pictures[0]["url"],
        "http://wx3.sinaimg.cn/large/006wrongTly1hzzpay01.jpg"
    );
    assert_eq!(
        pictures[1]["url"],
        "http://wx3.sinaimg.cn/large/006wrongTly1hzzpay02.png"
    );
    assert_eq!(pictures[1]["mime_type"], "image/png");
    assert_eq!(pictures[1]["stored"], false);

    // Full-width text normalized, the trailing U+200B gone.
    let overdue = by_native_id(&messages, "status:5243795566778899");
    assert_eq!(
        overdue["text"],
        "@支付宝 花呗显示逾期3天,可我12月9号就已经还款了,有还款记录!征信会不会受影响??客服电话一直打不通 [怒] 详情 http://t.cn/A6Kq9ZzT"
    );
    assert!(overdue.get("full_text").is_none_or(Value::is_null));
    assert_eq!(overdue["social"]["links"], json!(["http://t.cn/A6Kq9ZzT"]));

    let deleted_root = by_native_id(&messages, "status:5243770099887766");
    assert_eq!(
        deleted_root["social"]["quoted"]["text"],
        "此微博已被原作者删除。"
    );

    // A reply to the official comment: addressing stripped, reply targets kept.
    let reply = by_native_id(&messages, "comment:5243811122233344");
    assert_eq!(reply["item_kind"], "comment");
    assert_eq!(
        reply["text"],
        "退款申请编号2026120411112222,商家说已经退了,但我支付宝里根本没有 [怒]"
    );
    assert_eq!(
        reply["thread"]["in_reply_to"],
        json!(["comment:5243806600000001"])
    );
    assert_eq!(reply["social"]["status_id"], "5243799900000001");
    assert_eq!(reply["social"]["reply_to_comment"], "5243806600000001");
    let on_status = by_native_id(&messages, "comment:5243809988776655");
    assert_eq!(
        on_status["thread"]["in_reply_to"],
        json!(["status:5243799900000001"])
    );
    by_native_id(&messages, "status:5243820000000001");
}

#[test]
fn explain_shows_the_first_item_of_a_saved_page() {
    let tree = weibo_tree();
    let mentions = sample("mentions-page.json");
    for args in [
        vec!["explain", mentions.as_str()],
        vec!["explain", "--connector", "wb", mentions.as_str()],
    ] {
        let out = omnilisten(&tree, &args);
        let json: Value = serde_json::from_slice(&out.stdout).expect("explain prints JSON");
        assert!(out.status.success(), "{json}");
        assert_eq!(json["page"]["items"], 5, "{json}");
        assert_eq!(json["message"]["channel"], "weibo", "{json}");
        assert_eq!(
            json["message"]["native_id"], "status:5243810291012345",
            "{json}"
        );
    }
    let comments = sample("comments-page.json");
    let out = omnilisten(&tree, &["explain", &comments]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("explain prints JSON");
    assert_eq!(json["page"]["items"], 3, "{json}");
    assert_eq!(json["message"]["item_kind"], "comment", "{json}");
}
