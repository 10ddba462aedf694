//! The daemon binary SIGKILLed at seeded random moments while 2,000 mails
//! arrive by APPEND: afterwards exactly 2,000 messages (the IMAP twin of
//! `tests/crash.rs`).

use std::time::{Duration, Instant};

use omnilisten::store::{Store, StoreOptions};

use super::client::append_in_background;
use super::imap_tree;
use crate::support::dovecot::Dovecot;
use crate::support::process::{free_port, seeded_delay, spawn_daemon, terminate};
use crate::support::{http_get, num};

const MAILS: usize = 2_000;

/// Polls the daemon's `/api/stats` until `n` messages are stored.
async fn wait_total(addr: std::net::SocketAddr, n: u64, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        // The daemon may not listen yet.
        let stats = match tokio::net::TcpStream::connect(addr).await {
            Ok(_) => {
                serde_json::from_str(&http_get(addr, "/api/stats").await.1).unwrap_or_default()
            }
            Err(_) => serde_json::Value::Null,
        };
        if num(&stats, "/messages/total") >= n {
            return;
        }
        assert!(Instant::now() < deadline, "never reached {n}: {stats}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_while_mail_arrives_stores_every_mail_once() {
    let server = Dovecot::shared();
    let extra = "start = \"all\"\nfetch_batch = 100\npoll_interval = \"10m\"\n";
    let tree = imap_tree(server, "help", "crash", extra);
    let port = free_port();
    tree.write(
        "omnilisten.toml",
        &format!("[server]\nlisten = \"127.0.0.1:{port}\"\n\n[store]\npath = \"state\"\n\n[pipeline]\nbatch_max = 64\n"),
    );
    let addr = format!("127.0.0.1:{port}").parse().expect("addr");
    let mut generator = omnilisten::bench::corpus::Generator::new(29);
    let mails = (0..MAILS).map(|_| generator.unique_mail()).collect();
    // About four seconds of arrivals, so the kills land mid-stream.
    let writer = append_in_background(
        server,
        "crash",
        "INBOX",
        mails,
        50,
        Duration::from_millis(60),
    );

    let mut seed = 0x1a9_u64;
    let mut kills_while_arriving = 0;
    for round in 0..7 {
        let mut child = spawn_daemon(&tree, round);
        tokio::time::sleep(seeded_delay(&mut seed, 200, 900)).await;
        if round % 3 == 2 {
            // Every third stop is graceful, mid-stream: drain and exit in time.
            terminate(&mut child);
        } else {
            kills_while_arriving += usize::from(!writer.is_finished());
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }
    assert!(
        kills_while_arriving >= 3,
        "only {kills_while_arriving} kills while mail arrived"
    );
    writer.join().expect("writer thread");

    let mut child = spawn_daemon(&tree, 99);
    wait_total(addr, MAILS as u64, Duration::from_secs(60)).await;
    terminate(&mut child);

    let store =
        Store::open(&tree.path().join("state"), StoreOptions::default()).expect("open store");
    let stats = store.stats();
    assert_eq!(store.count_messages().expect("count"), MAILS as u64);
    assert_eq!(stats.messages.total, MAILS as u64, "{stats:?}");
    assert_eq!(stats.quarantined, 0, "{stats:?}");
}
