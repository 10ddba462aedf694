//! Secrets stay out of the logs, even at TRACE level: async-imap prints
//! every protocol line there, LOGIN included.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::client::Mailbox;
use super::{imap_tree, mail};
use crate::support::dovecot::{Dovecot, PASSWORD};
use crate::support::{http_get, num};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_imap_password_never_reaches_the_log_at_trace_level() {
    let server = Dovecot::shared();
    let tree = imap_tree(server, "help", "secrets", "start = \"all\"\n");
    let mut mailbox = Mailbox::login(server, "secrets").await;
    mailbox.append("INBOX", &mail("secret", 1)).await;
    mailbox.logout().await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    tree.write(
        "omnilisten.toml",
        &format!("[server]\nlisten = \"127.0.0.1:{port}\"\n\n[store]\npath = \"state\"\n"),
    );
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let log_path = tree.path().join("trace.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_omnilisten"))
        .args(["run", "--config"])
        .arg(tree.config())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn omnilisten");
    // The mail is stored once the connector logged in and fetched.
    let state = tree.path().join("state");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            let (_, body) = http_get(addr, "/api/stats").await;
            let stats: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            if num(&stats, "/messages/total") == 1 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the mail was never stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();

    let store = omnilisten::store::Store::open(&state, Default::default()).expect("store");
    assert_eq!(
        store.stats().messages.total,
        1,
        "the connector logged in and fetched"
    );
    let text = std::fs::read_to_string(&log_path).expect("log");
    assert!(text.contains("TRACE"), "the log really is at trace level");
    assert!(!text.contains(PASSWORD), "the password leaked into the log");
}
