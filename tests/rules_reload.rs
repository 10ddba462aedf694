//! Hot reload of `rules/` in a running daemon: a saved rule applies to the
//! next message; a broken file keeps the previous rules and says why in
//! `/healthz`.

use std::time::Duration;

use crate::support::{Daemon, Tree, deliver};

fn mail(id: &str, text: &str) -> Vec<u8> {
    format!(
        "From: wangfang@example.com\r\nTo: help@alipay.com\r\nSubject: Refund\r\nMessage-ID: <{id}@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    )
    .into_bytes()
}

async fn category_of(daemon: &Daemon, native: &str) -> Option<serde_json::Value> {
    let (_, list) = daemon.get("/api/messages?channel=email&limit=100").await;
    list["messages"]
        .as_array()?
        .iter()
        .find(|m| m["native_id"] == native)
        .map(|m| m["details"]["category"].clone())
}

async fn wait_category(daemon: &Daemon, native: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(category) = category_of(daemon, native).await {
            return category;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{native} never stored"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_rule_applies_to_the_next_message_and_a_broken_one_changes_nothing() {
    let tree = Tree::new();
    let maildir = tree.maildir("help", "mail", "move");
    let daemon = Daemon::start(&tree.config()).await;

    deliver(
        &maildir,
        "1.eml",
        &mail("before", "我想查一下上个月的账单明细"),
    );
    assert_eq!(
        wait_category(&daemon, "before@example.com").await,
        serde_json::Value::Null
    );

    tree.write(
        "rules/30-refund.toml",
        "[[rule]]\nid = \"refund\"\n[rule.when]\nkeywords_any = [\"账单\"]\n[rule.then]\ncategory = \"billing\"\n",
    );
    daemon
        .wait_json("/healthz", Duration::from_secs(20), |h| {
            h["rules"]["reloads"] == 1
        })
        .await;
    deliver(
        &maildir,
        "2.eml",
        &mail("after", "我想查一下上个月的账单明细"),
    );
    assert_eq!(wait_category(&daemon, "after@example.com").await, "billing");

    // A mistake keeps the rules in force and is shown with its file and line.
    tree.write(
        "rules/40-broken.toml",
        "[[rule]]\nid = \"broken\"\n[rule.when]\nregex = '(退款'\n",
    );
    let health = daemon
        .wait_json("/healthz", Duration::from_secs(20), |h| {
            h["rules"]["error"].is_string()
        })
        .await;
    let error = health["rules"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("40-broken.toml:4"), "{error}");
    assert_eq!(health["rules"]["reloads"], 1);
    deliver(&maildir, "3.eml", &mail("during", "账单金额不对"));
    assert_eq!(
        wait_category(&daemon, "during@example.com").await,
        "billing"
    );

    // Fixing the file clears the error.
    std::fs::remove_file(tree.path().join("rules/40-broken.toml")).expect("remove");
    daemon
        .wait_json("/healthz", Duration::from_secs(20), |h| {
            h["rules"]["error"].is_null() && h["rules"]["reloads"] == 2
        })
        .await;
    daemon.stop().await;
}
