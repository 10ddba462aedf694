//! The daemon end to end: samples, restart, Maildir moves, threading, health.

use std::time::Duration;

use crate::support::{Daemon, Tree, deliver, num, repo};

fn expected_samples() -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(repo().join("data/samples/expected.json"))
        .expect("data/samples/expected.json");
    match serde_json::from_str(&text).expect("expected.json is JSON") {
        serde_json::Value::Object(map) => map,
        other => panic!("expected.json is not an object: {other}"),
    }
}

fn samples_tree() -> Tree {
    let tree = Tree::new();
    tree.write(
        "connectors/samples.toml",
        &format!(
            "kind = \"maildir\"\npath = \"{}\"\nafter = \"keep\"\npoll_interval = \"100ms\"\n",
            repo().join("data/samples/maildir").display()
        ),
    );
    tree
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_are_counted_once_and_a_restart_changes_nothing() {
    let expected = expected_samples();
    let malformed = expected
        .values()
        .filter(|v| v["kind"] == "malformed")
        .count() as u64;
    let messages = expected.len() as u64 - malformed;
    let tree = samples_tree();

    let daemon = Daemon::start(&tree.config()).await;
    let (status, health) = daemon.get("/healthz").await;
    assert_eq!(status, 200, "{health}");
    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| {
            num(s, "/messages/total") + num(s, "/quarantined") >= messages + malformed
        })
        .await;
    assert_eq!(num(&stats, "/messages/total"), messages, "{stats}");
    assert_eq!(num(&stats, "/messages/by_channel/email"), messages);
    assert_eq!(num(&stats, "/quarantined"), malformed);
    assert_eq!(num(&stats, "/duplicates"), 0);
    let tickets = num(&stats, "/tickets/total");
    assert!(tickets >= 1, "the default rule opens tickets: {stats}");

    // The follow-up sample sits in its original's ticket.
    let (_, list) = daemon.get("/api/messages?channel=email&limit=1000").await;
    let list = list["messages"].as_array().expect("messages array").clone();
    let mut followups = 0;
    for m in &list {
        for parent in m["thread"]["in_reply_to"].as_array().into_iter().flatten() {
            if let Some(original) = list.iter().find(|o| o["native_id"] == *parent) {
                assert_eq!(
                    m["ticket"], original["ticket"],
                    "follow-up {m} joins its original"
                );
                assert!(m["ticket"].is_string());
                followups += 1;
            }
        }
    }
    assert!(followups >= 1, "the samples include a follow-up");
    // The bounce joins the ticket of the mail that bounced; robots open none.
    let mut bounces = 0;
    for m in &list {
        match m["mail_kind"]["kind"].as_str() {
            Some("bounce") => {
                let original = &m["mail_kind"]["original_message_id"];
                let bounced = list
                    .iter()
                    .find(|o| o["native_id"] == *original)
                    .expect("the bounced mail is a sample");
                assert_eq!(m["ticket"], bounced["ticket"], "{m}");
                bounces += 1;
            }
            Some("auto_reply") => assert!(m["ticket"].is_null(), "{m}"),
            _ => assert!(m["ticket"].is_string(), "a person's mail has a ticket: {m}"),
        }
    }
    assert_eq!(bounces, 1);

    let (status, ticket) = daemon
        .get(&format!(
            "/api/tickets/{}",
            list[0]["ticket"].as_str().unwrap_or("none")
        ))
        .await;
    if list[0]["ticket"].is_string() {
        assert_eq!(status, 200, "{ticket}");
        assert!(!ticket["audit"].as_array().expect("audit").is_empty());
    }
    let (status, q) = daemon.get("/api/quarantine").await;
    assert_eq!(status, 200);
    assert_eq!(
        q["quarantined"].as_array().map(Vec::len),
        Some(malformed as usize)
    );
    daemon.stop().await;

    let again = Daemon::start(&tree.config()).await;
    // Give the Maildir source several scans' time to (not) re-read anything.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, stats_again) = again.get("/api/stats").await;
    assert_eq!(stats_again, stats, "a restart changes no count");
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maildir_moves_stored_mail_to_cur_and_notices_new_files() {
    let tree = Tree::new();
    let md = tree.maildir("inbox", "mail", "move");
    let mut generator = omnilisten::bench::corpus::Generator::new(3);
    for i in 0..50 {
        deliver(
            &md,
            &format!("1764201600.M{i}P1.test"),
            &generator.unique_mail(),
        );
    }
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 50)
        .await;
    // Files delivered while running are noticed too.
    for i in 50..80 {
        deliver(
            &md,
            &format!("1764201601.M{i}P1.test"),
            &generator.unique_mail(),
        );
    }
    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 80)
        .await;
    assert_eq!(num(&stats, "/tickets/total"), 80);
    // Moving happens right after the ack; give the source a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(md.join("new")).expect("new").count() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "new/ never emptied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cur: Vec<_> = std::fs::read_dir(md.join("cur"))
        .expect("cur")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(cur.len(), 80);
    assert!(cur.iter().all(|n| n.ends_with(":2,")), "{cur:?}");
    daemon.stop().await;
}

fn mail(id: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: 王小明 <xiaoming@example.cn>\r\nTo: help@alipay.com\r\nSubject: {subject}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0800\r\nMessage-ID: <{id}>\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_ups_join_by_references_and_by_ticket_number_in_subject() {
    let tree = Tree::new();
    let md = tree.maildir("inbox", "mail", "move");
    deliver(
        &md,
        "1.a",
        &mail("a@x.cn", "转账转错了", "", "我转错账了，请帮忙追回200元。"),
    );
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/tickets/total") == 1)
        .await;
    let (_, tickets) = daemon.get("/api/tickets").await;
    let number = tickets["tickets"][0]["number"]
        .as_str()
        .expect("ticket number")
        .to_string();
    assert_eq!(number.len(), 15, "{number}");

    deliver(
        &md,
        "2.b",
        &mail(
            "b@x.cn",
            "Re: 转账转错了",
            "In-Reply-To: <a@x.cn>\r\nReferences: <a@x.cn>\r\n",
            "请问进展如何？",
        ),
    );
    deliver(
        &md,
        "3.c",
        &mail(
            "c@x.cn",
            &format!("[#{number}] 补充材料"),
            "",
            "补充一下转账截图。",
        ),
    );
    deliver(
        &md,
        "4.d",
        &mail("d@x.cn", "花呗逾期", "", "花呗显示逾期，但我已经还款了。"),
    );
    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 4)
        .await;
    assert_eq!(num(&stats, "/tickets/total"), 2, "{stats}");
    let (status, ticket) = daemon.get(&format!("/api/tickets/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        ticket["messages"].as_array().map(Vec::len),
        Some(3),
        "{ticket}"
    );
    let (status, _) = daemon.get("/api/tickets/20991231-000001").await;
    assert_eq!(status, 404);
    let (status, _) = daemon.get("/api/messages?channel=fax").await;
    assert_eq!(status, 400);
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_expose_ingest_counters() {
    let tree = Tree::new();
    let md = tree.maildir("inbox", "mail", "move");
    let raw = mail("m@x.cn", "退款", "", "商户退款一直没到账。");
    deliver(&md, "1.m", &raw);
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 1)
        .await;
    // The same mail delivered again (a re-fetch) is a duplicate, not a second message.
    deliver(&md, "2.m", &raw);
    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/duplicates") == 1)
        .await;
    assert_eq!(num(&stats, "/messages/total"), 1);
    let (status, text) = crate::support::http_get(daemon.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("omnilisten_messages_ingested_total{channel=\"email\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("omnilisten_duplicates_total{channel=\"email\"} 1"),
        "{text}"
    );
    assert!(text.contains("omnilisten_store_commit_seconds"), "{text}");
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_complaint_from_two_people_is_linked_not_dropped() {
    let tree = Tree::new();
    let md = tree.maildir("inbox", "mail", "move");
    let text = "双十二抢红包一直失败，页面显示系统繁忙，红包也没有到账，这是怎么回事？";
    deliver(&md, "1.a", &mail("n1@x.cn", "红包", "", text));
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 1)
        .await;
    let pasted = format!("＠支付宝 {text}！！！//@小明:同问");
    let other = String::from_utf8(mail("n2@x.cn", "红包失败", "", &pasted))
        .expect("utf8")
        .replace("xiaoming@example.cn", "lina@example.cn");
    deliver(&md, "2.b", other.as_bytes());
    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 2)
        .await;
    assert_eq!(num(&stats, "/near_duplicates"), 1, "{stats}");
    let (_, list) = daemon.get("/api/messages").await;
    let newest = &list["messages"][0];
    let oldest = &list["messages"][1];
    assert_eq!(newest["near_duplicate_of"][0], oldest["id"], "{list}");
    assert!(newest["near_duplicate_of"][1].as_f64().unwrap_or(0.0) >= 0.5);
    daemon.stop().await;
}
