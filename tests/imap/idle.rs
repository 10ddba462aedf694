//! IMAP IDLE: new mail is stored within two seconds, with polling set to
//! ten minutes so that only IDLE can have done it.

use std::time::{Duration, Instant};

use super::client::Mailbox;
use super::{imap_tree, mail, wait_state};
use crate::support::Daemon;
use crate::support::dovecot::Dovecot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_appended_is_listed_within_two_seconds() {
    let server = Dovecot::shared();
    let tree = imap_tree(server, "help", "idle", "poll_interval = \"10m\"\n");
    let daemon = Daemon::start(&tree.config()).await;
    wait_state(&daemon, "help", "idle", Duration::from_secs(10)).await;
    let mut mailbox = Mailbox::login(server, "idle").await;
    for n in 0..3 {
        let raw = mail("idle", n);
        let subject = format!("退款问题 idle {n}");
        let appended = Instant::now();
        mailbox.append("INBOX", &raw).await;
        loop {
            let (_, list) = daemon.get("/api/messages?limit=10").await;
            let listed = list["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["subject"] == subject.as_str()));
            if listed {
                break;
            }
            assert!(
                appended.elapsed() < Duration::from_secs(2),
                "mail {n} not listed 2 s after APPEND: {list}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    mailbox.logout().await;
    daemon.stop().await;
}
