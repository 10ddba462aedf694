//! Crash safety: mail delivered while the daemon is killed with SIGKILL at
//! arbitrary moments and restarted ends up stored exactly once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use omnilisten::store::{Store, StoreOptions};

use crate::support::{Tree, deliver};

const MAILS: usize = 5_000;

fn spawn_daemon(tree: &Tree, round: usize) -> Child {
    let log = std::fs::File::create(tree.path().join(format!("daemon-{round}.log"))).expect("log");
    Command::new(env!("CARGO_BIN_EXE_omnilisten"))
        .args(["run", "--config"])
        .arg(tree.config())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn omnilisten")
}

/// SIGTERM, then a graceful exit within 10 seconds.
fn terminate(child: &mut Child) {
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let stopped = Instant::now();
    let status = child.wait().expect("wait");
    assert!(status.success(), "graceful exit: {status:?}");
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "exit within 10 s"
    );
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A seeded pseudo-random delay, so a failing schedule can be replayed.
fn delay(seed: &mut u64, min_ms: u64, max_ms: u64) -> Duration {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    Duration::from_millis(min_ms + *seed % (max_ms - min_ms))
}

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
        std::thread::sleep(delay(&mut seed, 150, 900));
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
