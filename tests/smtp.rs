//! Outgoing mail end to end: the daemon reads a Maildir and acknowledges new
//! tickets to a real SMTP receiver (aiosmtpd on loopback).

use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

use crate::support::smtp_sink::{Received, SmtpSink, free_port, received_in};
use crate::support::{Daemon, Tree, deliver, http_get, num, repo};

const OUR_DOMAIN: &str = "omnilisten.test.alipay.com";

/// A config tree whose daemon acknowledges through 127.0.0.1:`port`, with a
/// Maildir connector `inbox`; returns the tree and the Maildir.
fn desk(port: u16) -> (Tree, PathBuf) {
    let tree = Tree::new();
    tree.write(
        "omnilisten.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"支付宝客服 <help@alipay.com>\"\nmessage_id_domain = \"{OUR_DOMAIN}\"\ntimeout = \"5s\"\n\n\
             [acknowledgement]\nper_sender_per_hour = 3\n"
        ),
    );
    let template = std::fs::read_to_string(repo().join("rules/templates/acknowledgement.txt"))
        .expect("shipped template");
    tree.write("rules/templates/acknowledgement.txt", &template);
    let maildir = tree.maildir("inbox", "mail", "move");
    (tree, maildir)
}

/// A mail as a client writes it; `extra` holds more header lines.
fn mail(id: &str, from: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: help@alipay.com\r\nSubject: {subject}\r\n\
         Date: Fri, 27 Nov 2026 10:00:00 +0800\r\nMessage-ID: <{id}>\r\n{extra}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn to(received: &[Received], address: &str) -> Vec<Received> {
    received
        .iter()
        .filter(|r| r.rcpt_to.contains(address))
        .cloned()
        .collect()
}

/// Waits `quiet` and asserts the sink got nothing more meanwhile.
async fn stays_at(sink: &SmtpSink, n: usize, quiet: Duration) {
    tokio::time::sleep(quiet).await;
    assert_eq!(sink.received().len(), n, "no further mail may arrive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_mail_gets_one_acknowledgement_robots_and_history_none() {
    let sink_dir = tempfile::tempdir().expect("sink dir");
    let sink = SmtpSink::start(sink_dir.path());
    let (tree, md) = desk(sink.port);
    let person = mail(
        "a@x.cn",
        "王小明 <XiaoMing@example.cn>",
        "转账转错了",
        "References: <root@x.cn>\r\n",
        "我转错账了，请帮忙追回200元。",
    );
    deliver(&md, "1.person", &person);
    let auto_reply = mail(
        "ooo@x.cn",
        "李娜 <lina@example.cn>",
        "自动回复: 我在休假",
        "Auto-Submitted: auto-replied\r\n",
        "我正在休假，12月1日回来。",
    );
    deliver(&md, "2.auto", &auto_reply);
    let bounce = mail(
        "dsn@mx.example.cn",
        "Mail Delivery System <MAILER-DAEMON@mx.example.cn>",
        "Undelivered Mail Returned to Sender",
        "Return-Path: <>\r\n",
        "I'm sorry to have to inform you that your message could not be delivered.",
    );
    deliver(&md, "3.bounce", &bounce);
    let no_reply = mail(
        "n@bank.cn",
        "某银行 <noreply@notice.bank.cn>",
        "交易提醒",
        "",
        "您尾号1234的账户支出200元。",
    );
    deliver(&md, "4.noreply", &no_reply);

    let daemon = Daemon::start(&tree.config()).await;
    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 4)
        .await;
    assert_eq!(
        num(&stats, "/tickets/total"),
        2,
        "the person's and the no-reply mail: {stats}"
    );
    let got = sink.wait_for(1, Duration::from_secs(30)).await;
    stays_at(&sink, 1, Duration::from_millis(1500)).await;

    let ack = &got[0];
    let (_, tickets) = daemon.get("/api/tickets").await;
    let number = tickets["tickets"]
        .as_array()
        .and_then(|list| {
            list.iter()
                .find(|t| t["requester"] == "xiaoming@example.cn")
        })
        .and_then(|t| t["number"].as_str())
        .expect("the person's ticket")
        .to_string();
    assert_eq!(ack.rcpt_to, "XiaoMing@example.cn");
    assert_eq!(
        ack.parsed.subject.as_deref(),
        Some(format!("[#{number}] 转账转错了").as_str())
    );
    assert_eq!(ack.parsed.thread.in_reply_to, ["a@x.cn"]);
    assert_eq!(ack.parsed.thread.references, ["root@x.cn", "a@x.cn"]);
    let head = ack.head();
    assert!(head.contains("Auto-Submitted: auto-replied"), "{head}");
    assert!(head.contains("X-Auto-Response-Suppress: All"), "{head}");
    let id = ack.parsed.message_id.clone().expect("Message-ID");
    assert!(id.ends_with(&format!("@{OUR_DOMAIN}")), "{id}");
    assert!(
        ack.parsed.full_text.contains(&number),
        "{}",
        ack.parsed.full_text
    );
    assert!(
        ack.parsed.full_text.contains("王小明"),
        "{}",
        ack.parsed.full_text
    );

    let (status, outbox) = daemon.get("/api/outbox").await;
    assert_eq!(status, 200, "{outbox}");
    assert_eq!(outbox["outbox"][0]["state"], "sent", "{outbox}");
    assert_eq!(outbox["outbox"][0]["mail"]["message_id"], id.as_str());
    let (_, metrics) = http_get(daemon.addr, "/metrics").await;
    assert!(
        metrics.contains("omnilisten_outbox_sent_total 1"),
        "{metrics}"
    );
    assert!(
        metrics
            .contains("omnilisten_acknowledgements_skipped_total{reason=\"no_reply_address\"} 1"),
        "{metrics}"
    );
    daemon.stop().await;

    // A backfill (`omnilisten ingest`) opens tickets but acknowledges nothing.
    let old = tree.path().join("old.eml");
    let old_mail = mail(
        "old@x.cn",
        "老客户 <old@example.cn>",
        "去年的退款",
        "",
        "退款还没到。",
    );
    std::fs::write(&old, old_mail).expect("write eml");
    let cfg = omnilisten::config::load(&tree.config()).expect("config");
    let summary = omnilisten::ingest::ingest_files(&cfg, "inbox", &[old])
        .await
        .expect("ingest");
    assert_eq!(summary.stored, 1, "{summary}");
    let daemon = Daemon::start(&tree.config()).await;
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/tickets/total"), 3, "{stats}");
    let (_, outbox) = daemon.get("/api/outbox").await;
    assert_eq!(
        outbox["outbox"].as_array().map(Vec::len),
        Some(1),
        "{outbox}"
    );
    stays_at(&sink, 1, Duration::from_millis(1000)).await;
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_reply_to_the_acknowledgement_joins_the_same_ticket() {
    let sink_dir = tempfile::tempdir().expect("sink dir");
    let sink = SmtpSink::start(sink_dir.path());
    let (tree, md) = desk(sink.port);
    deliver(
        &md,
        "1.first",
        &mail(
            "first@x.cn",
            "c@example.cn",
            "花呗逾期",
            "",
            "我已经还款了，为什么显示逾期？",
        ),
    );
    let daemon = Daemon::start(&tree.config()).await;
    let ack = sink.wait_for(1, Duration::from_secs(30)).await.remove(0);
    let ack_id = ack.parsed.message_id.clone().expect("ack id");
    // The customer's client dropped the [#number] and References; only
    // In-Reply-To names our acknowledgement.
    deliver(
        &md,
        "2.reply",
        &mail(
            "reply@x.cn",
            "c@example.cn",
            "回复：您的来信",
            &format!("In-Reply-To: <{ack_id}>\r\n"),
            "补充：还款截图见附件。",
        ),
    );
    // A reply that keeps the subject joins as well.
    let subject = ack.parsed.subject.clone().unwrap_or_default();
    deliver(
        &md,
        "3.reply",
        &mail(
            "reply2@x.cn",
            "c@example.cn",
            &format!("Re: {subject}"),
            "",
            "还有一个问题。",
        ),
    );
    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| num(s, "/messages/total") == 3)
        .await;
    assert_eq!(num(&stats, "/tickets/total"), 1, "{stats}");
    let (_, tickets) = daemon.get("/api/tickets").await;
    let number = tickets["tickets"][0]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let (_, ticket) = daemon.get(&format!("/api/tickets/{number}")).await;
    assert_eq!(
        ticket["messages"].as_array().map(Vec::len),
        Some(3),
        "{ticket}"
    );
    stays_at(&sink, 1, Duration::from_millis(1000)).await;
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_responder_answering_every_acknowledgement_is_held_at_the_cap() {
    let sink_dir = tempfile::tempdir().expect("sink dir");
    let sink = SmtpSink::start(sink_dir.path());
    let (tree, md) = desk(sink.port);
    let daemon = Daemon::start(&tree.config()).await;
    // Two robots without any auto-reply header: one answers each
    // acknowledgement with a fresh, unthreaded mail (a new ticket each
    // time); the other threads its answers under our mail.
    deliver(
        &md,
        "robot.0",
        &mail("r0@bot.cn", "robot@bot.cn", "你好", "", "hello"),
    );
    deliver(
        &md,
        "threader.0",
        &mail("t0@bot.cn", "threader@bot.cn", "你好", "", "hello"),
    );
    let mut answered = 0;
    let mut quiet_since = Instant::now();
    let started = Instant::now();
    while quiet_since.elapsed() < Duration::from_secs(2) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the loop never settled"
        );
        let got = sink.received();
        for ack in got.iter().skip(answered) {
            answered += 1;
            quiet_since = Instant::now();
            let subject = ack.parsed.subject.clone().unwrap_or_default();
            let ack_id = ack.parsed.message_id.clone().unwrap_or_default();
            let name = format!("answer.{answered}");
            let answer = if ack.rcpt_to.contains("threader@") {
                let refs = format!("In-Reply-To: <{ack_id}>\r\nReferences: <{ack_id}>\r\n");
                mail(
                    &format!("t{answered}@bot.cn"),
                    "threader@bot.cn",
                    &format!("Re: {subject}"),
                    &refs,
                    "ok",
                )
            } else {
                mail(
                    &format!("r{answered}@bot.cn"),
                    "robot@bot.cn",
                    &format!("Thanks ({answered})"),
                    "",
                    "thanks",
                )
            };
            deliver(&md, &name, &answer);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = sink.received();
    assert_eq!(
        to(&got, "robot@bot.cn").len(),
        3,
        "held at per_sender_per_hour"
    );
    assert_eq!(
        to(&got, "threader@bot.cn").len(),
        1,
        "threaded answers join the ticket"
    );
    let stats = daemon
        .wait_stats(Duration::from_secs(10), |s| num(s, "/messages/total") == 6)
        .await;
    // robot: 1 + 3 answers, each a new ticket; threader: 1 ticket.
    assert_eq!(num(&stats, "/tickets/total"), 5, "{stats}");
    let (_, metrics) = http_get(daemon.addr, "/metrics").await;
    assert!(
        metrics.contains("omnilisten_acknowledgements_skipped_total{reason=\"over_cap\"} 1"),
        "{metrics}"
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_for_a_server_that_is_down_and_goes_once_when_it_is_up() {
    let port = free_port();
    let (tree, md) = desk(port);
    deliver(
        &md,
        "1.m",
        &mail("m@x.cn", "c@example.cn", "余额宝", "", "收益没有到账。"),
    );
    let daemon = Daemon::start(&tree.config()).await;
    // Wait for a failed attempt: the entry is back to pending with an error.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, outbox) = daemon.get("/api/outbox").await;
        let entry = &outbox["outbox"][0];
        if entry["state"] == "pending" && entry["last_error"].is_string() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no failed attempt seen: {outbox}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sink_dir = tempfile::tempdir().expect("sink dir");
    let sink = SmtpSink::start_on(port, sink_dir.path(), None);
    sink.wait_for(1, Duration::from_secs(30)).await;
    stays_at(&sink, 1, Duration::from_secs(2)).await;
    let (_, outbox) = daemon.get("/api/outbox").await;
    assert_eq!(outbox["outbox"][0]["state"], "sent", "{outbox}");
    assert!(num(&outbox, "/outbox/0/attempts") >= 2, "{outbox}");
    daemon.stop().await;
}

fn wait_for_file(dir: &Path, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while received_in(dir).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the slow sink never got the data"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_sending_and_sent_leaves_the_mail_uncertain_and_never_resent() {
    let port = free_port();
    let (tree, md) = desk(port);
    // The sink stores the mail, then holds its 250 for a minute: the daemon
    // is provably between "data handed over" and "accepted" when killed.
    let slow_dir = tempfile::tempdir().expect("sink dir");
    let slow = SmtpSink::start_on(port, slow_dir.path(), Some(Duration::from_secs(60)));
    deliver(
        &md,
        "1.m",
        &mail("m@x.cn", "c@example.cn", "退款", "", "退款一直没到账。"),
    );
    let mut child = crate::support::process::spawn_daemon(&tree, "smtp");
    wait_for_file(slow_dir.path(), Duration::from_secs(30));
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    slow.stop();

    let sink_dir = tempfile::tempdir().expect("sink dir");
    let sink = SmtpSink::start_on(port, sink_dir.path(), None);
    let daemon = Daemon::start(&tree.config()).await;
    // The sender's start-up recovery runs beside the HTTP server: poll.
    let gauge = "omnilisten_outbox_entries{state=\"uncertain\"} 1";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, metrics) = http_get(daemon.addr, "/metrics").await;
        if metrics.contains(gauge) {
            break;
        }
        assert!(Instant::now() < deadline, "no uncertain gauge: {metrics}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, outbox) = daemon.get("/api/outbox").await;
    assert_eq!(outbox["counts"]["uncertain"], 1, "{outbox}");
    assert_eq!(outbox["outbox"][0]["state"], "uncertain", "{outbox}");
    stays_at(&sink, 0, Duration::from_secs(3)).await;
    // Nothing else was lost or doubled: one message, one ticket.
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/messages/total"), 1, "{stats}");
    assert_eq!(num(&stats, "/tickets/total"), 1, "{stats}");
    daemon.stop().await;
}
