//! The IMAP connector against a real Dovecot (`support::dovecot`): config
//! keys, backlog and start positions, IDLE latency, a server killed
//! mid-fetch, a folder renumbered (UIDVALIDITY), refused credentials, TLS
//! with an untrusted certificate, after-actions and a poison mail, SIGKILL
//! of the daemon while mail arrives, and the charset samples. Each test logs
//! in as a user of its own, so they run in parallel on one shared server.

mod after;
mod client;
mod config;
mod crash;
mod harness;
mod idle;
mod reconnect;
mod samples;
mod secrets;
mod start;
mod tls;

use std::time::Duration;

use crate::support::{Daemon, Tree, dovecot};

/// A tree with the IMAP password file and one connector `id`.
pub fn imap_tree(server: &dovecot::Dovecot, id: &str, user: &str, extra: &str) -> Tree {
    let tree = Tree::new();
    dovecot::write_secret(&tree);
    tree.write(
        &format!("connectors/{id}.toml"),
        &server.connector(user, extra),
    );
    tree
}

/// A distinct, realistic mail with a Message-ID of its own.
pub fn mail(tag: &str, n: usize) -> Vec<u8> {
    format!(
        "From: 客户{n} <c{n}@example.cn>\r\nTo: help@alipay.com\r\nSubject: 退款问题 {tag} {n}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0800\r\nMessage-ID: <{tag}.{n}@example.cn>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n商户答应退款，编号 {tag}-{n}，至今没有到账。\r\n"
    )
    .into_bytes()
}

/// Polls `/healthz` until the connector's state is `state`.
pub async fn wait_state(
    daemon: &Daemon,
    id: &str,
    state: &str,
    timeout: Duration,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let (_, health) = daemon.get("/healthz").await;
        if health["connectors"][id]["state"] == state {
            return health;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "connector {id} never reached {state}: {health}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
