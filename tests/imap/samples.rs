//! The charset samples of `data/samples/maildir/new`, appended to a real
//! mailbox and read over IMAP: the same counts as the Maildir route
//! (`tests/daemon.rs`), and every text readable.

use std::time::Duration;

use super::client::Mailbox;
use super::imap_tree;
use crate::support::dovecot::Dovecot;
use crate::support::{Daemon, num, repo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charset_samples_arrive_readable_over_imap() {
    let text =
        std::fs::read_to_string(repo().join("data/samples/expected.json")).expect("expected.json");
    let expected: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("expected.json is an object");
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "samples").await;
    for name in expected.keys() {
        let raw =
            std::fs::read(repo().join("data/samples/maildir/new").join(name)).expect("sample");
        mailbox.append("INBOX", &raw).await;
    }
    mailbox.logout().await;

    let malformed = expected
        .values()
        .filter(|v| v["kind"] == "malformed")
        .count() as u64;
    let messages = expected.len() as u64 - malformed;
    let tree = imap_tree(
        server,
        "help",
        "samples",
        "start = \"all\"\npoll_interval = \"10m\"\n",
    );
    let daemon = Daemon::start(&tree.config()).await;
    let stats = daemon
        .wait_stats(Duration::from_secs(20), |s| {
            num(s, "/messages/total") + num(s, "/quarantined") >= messages + malformed
        })
        .await;
    assert_eq!(num(&stats, "/messages/total"), messages, "{stats}");
    assert_eq!(num(&stats, "/quarantined"), malformed, "{stats}");
    assert_eq!(num(&stats, "/duplicates"), 0, "{stats}");

    let (_, list) = daemon.get("/api/messages?channel=email&limit=1000").await;
    assert_readable(&expected, list["messages"].as_array().expect("messages"));
    daemon.stop().await;
}

/// Every sample's text, found by its subject, holds the expected phrases and
/// no replacement character.
fn assert_readable(
    expected: &serde_json::Map<String, serde_json::Value>,
    list: &[serde_json::Value],
) {
    for (name, exp) in expected.iter().filter(|(_, v)| v["kind"] != "malformed") {
        let found = list
            .iter()
            .find(|m| m["subject"] == exp["subject"])
            .unwrap_or_else(|| panic!("{name}: no message with subject {}", exp["subject"]));
        let text = found["text"].as_str().unwrap_or("");
        let body = format!("{text}\n{}", found["full_text"].as_str().unwrap_or(""));
        for part in exp["text_contains"].as_array().into_iter().flatten() {
            let part = part.as_str().unwrap_or_default();
            assert!(
                body.contains(part),
                "{name}: {part:?} missing from {body:?}"
            );
        }
        assert!(
            !body.contains('\u{fffd}'),
            "{name}: replacement character in {body:?}"
        );
    }
}
