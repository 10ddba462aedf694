//! Scheduled jobs in a running daemon: a digest scheduled every second
//! opens the day's digest ticket once and adds an internal note per run
//! (read through `/api/tickets/{number}/notes`), the sweep runs beside it,
//! and the daemon still stops gracefully with the scheduler running.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Daemon, Tree, http_get, reopen_store};

const MAIN: &str = r#"[server]
listen = "127.0.0.1:0"

[store]
path = "state"

[jobs]
digest = "* * * * * *"
digest_queue = "digest"
sweep = "* * * * * *"
"#;

/// Generous: the scheduler ticks every 500 ms, a run commits with fsync.
const TIMEOUT: Duration = Duration::from_secs(15);

fn digest_tickets(v: &Value) -> Vec<Value> {
    v["tickets"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter(|t| t["requester"] == "system:digest")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn notes(v: &Value) -> usize {
    v["notes"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_every_second_adds_notes_to_one_ticket_per_day() {
    let tree = Tree::new();
    tree.write("omnilisten.toml", MAIN);
    let daemon = Daemon::start(&tree.config()).await;

    let listed = daemon
        .wait_json("/api/tickets?queue=digest", TIMEOUT, |v| {
            !digest_tickets(v).is_empty()
        })
        .await;
    let ticket = digest_tickets(&listed).remove(0);
    let number = ticket["number"].as_str().expect("number").to_string();
    assert!(
        ticket["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("【每日摘要】")),
        "{ticket}"
    );
    assert_eq!(ticket["priority"], "low");
    let path = format!("/api/tickets/{number}/notes");
    let first = daemon.wait_json(&path, TIMEOUT, |v| notes(v) >= 1).await;
    let note = &first["notes"][0];
    assert_eq!(note["author"], "system:digest");
    assert_eq!(note["internal"], true);
    assert!(
        note["body"]
            .as_str()
            .is_some_and(|b| b.contains("四、消息与工单")),
        "{note}"
    );

    // The next second's run adds a note to the same ticket, not a ticket.
    daemon.wait_json(&path, TIMEOUT, |v| notes(v) >= 2).await;
    let (_, listed) = daemon.get("/api/tickets?queue=digest").await;
    let mut per_title: HashMap<String, usize> = HashMap::new();
    for t in digest_tickets(&listed) {
        *per_title.entry(t["title"].to_string()).or_default() += 1;
    }
    assert!(per_title.values().all(|n| *n == 1), "{listed}");

    let (status, missing) = daemon.get("/api/tickets/20000101-000001/notes").await;
    assert_eq!(status, 404, "{missing}");
    let (_, metrics) = http_get(daemon.addr, "/metrics").await;
    assert!(
        metrics.contains(r#"omnilisten_job_runs_total{job="digest",outcome="ok"}"#),
        "{metrics}"
    );
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let (_, metrics) = http_get(daemon.addr, "/metrics").await;
        if metrics.contains(r#"omnilisten_job_runs_total{job="sweep",outcome="ok"}"#) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    daemon.stop().await;
    // Every note the API showed was durable before the daemon let go.
    let store = reopen_store(&tree.path().join("state"));
    assert!(store.notes(&number).expect("notes").len() >= 2);
}
