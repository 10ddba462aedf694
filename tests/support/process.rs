//! The built daemon as a separate process: spawn, graceful stop, seeded
//! delays for crash schedules, free loopback ports.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Tree;

/// Spawns `omnilisten run` on `tree`; its log goes to `daemon-<label>.log`
/// in the tree, for post-mortems.
pub fn spawn_daemon(tree: &Tree, label: impl std::fmt::Display) -> Child {
    let log = std::fs::File::create(tree.path().join(format!("daemon-{label}.log"))).expect("log");
    Command::new(env!("CARGO_BIN_EXE_omnilisten"))
        .args(["run", "--config"])
        .arg(tree.config())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn omnilisten")
}

/// SIGTERM, then a graceful exit within 10 seconds.
pub fn terminate(child: &mut Child) {
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

/// A seeded pseudo-random delay in `[min_ms, max_ms)`, so a failing crash
/// schedule can be replayed.
pub fn seeded_delay(seed: &mut u64, min_ms: u64, max_ms: u64) -> Duration {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    Duration::from_millis(min_ms + *seed % (max_ms - min_ms).max(1))
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
