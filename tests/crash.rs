//! Crash safety: mail delivered while the daemon is killed with SIGKILL at
//! arbitrary moments and restarted ends up stored exactly once.

use std::time::{Duration, Instant};

use omnilisten::store::{Store, StoreOptions};

use crate::support::process::{free_port, seeded_delay, spawn_daemon, terminate};
use crate::support::{Tree, deliver};

const MAILS: usize = 5_000;

#[test]
fn sigkill_at_random_moments_loses_and_doubles_nothing() {
    let tree = Tree::new();
    tree.write(
        "omnilisten.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:{}\"\n\n[store]\npath = \"state\"\n\n[pipeline]\nbatch_max = 64\n",
            free_port()
        ),
    );
    let md = tree.maildir("inbox", "mail", "move");

    // An MDA delivers all the while the daemon dies and restarts.
    let md_writer = md.clone();
    let writer = std::thread::spawn(move || {
        let mut generator = omnilisten::bench::corpus::Generator::new(11);
        for i in 0..MAILS {
            deliver(
                &md_writer,
                &format!("{}.M{i}P7.crash", 1_764_201_600 + i),
                &generator.unique_mail(),
            );
            // About four seconds of delivery, so every kill lands mid-stream.
            if i % 50 == 49 {
                std::thread::sleep(Duration::from_millis(40));
            }
        }
    });

    let mut seed = 0x5eed_u64;
    let mut kills_with_mail_pending = 0;
    for round in 0..8 {
        let mut child = spawn_daemon(&tree, round);
        std::thread::sleep(seeded_delay(&mut seed, 150, 900));
        let pending = std::fs::read_dir(md.join("new")).expect("new/").count();
        if round % 3 == 2 {
            // Every third stop is a graceful one, mid-stream: it must drain
            // and exit within 10 s.
            terminate(&mut child);
        } else {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            if pending > 0 {
                kills_with_mail_pending += 1;
            }
        }
    }
    assert!(
        kills_with_mail_pending >= 3,
        "only {kills_with_mail_pending} kills hit a daemon with mail to ingest"
    );
    writer.join().expect("writer thread");

    // A last, undisturbed run ingests whatever is left and stops on SIGTERM.
    let mut child = spawn_daemon(&tree, 99);
    let deadline = Instant::now() + Duration::from_secs(180);
    while std::fs::read_dir(md.join("new")).expect("new/").count() > 0 {
        assert!(Instant::now() < deadline, "new/ never emptied");
        std::thread::sleep(Duration::from_millis(100));
    }
    terminate(&mut child);

    let store =
        Store::open(&tree.path().join("state"), StoreOptions::default()).expect("open store");
    let stats = store.stats();
    assert_eq!(
        store.count_messages().expect("count"),
        MAILS as u64,
        "after {kills_with_mail_pending} kills mid-ingest"
    );
    assert_eq!(stats.messages.total, MAILS as u64, "{stats:?}");
    assert_eq!(stats.tickets.total, MAILS as u64, "{stats:?}");
    assert_eq!(store.count_tickets().expect("tickets"), MAILS as u64);
    assert_eq!(stats.quarantined, 0, "{stats:?}");
    assert_eq!(
        std::fs::read_dir(md.join("cur")).expect("cur/").count(),
        MAILS
    );
}
