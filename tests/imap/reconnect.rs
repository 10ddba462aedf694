//! The server going away: killed mid-fetch, a folder renumbered
//! (UIDVALIDITY), credentials refused. Nothing lost, nothing doubled.

use std::time::Duration;

use super::client::Mailbox;
use super::{imap_tree, mail, wait_state};
use crate::support::dovecot::Dovecot;
use crate::support::{Daemon, num};

const MAILS: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_killed_mid_fetch_is_reconnected_and_every_mail_stored_once() {
    // A server of its own: killing the shared one would disturb other tests.
    let server = Dovecot::start();
    let mut mailbox = Mailbox::login(&server, "failover").await;
    for n in 0..MAILS {
        mailbox.append("INBOX", &mail("failover", n)).await;
    }
    mailbox.logout().await;
    let extra = "start = \"all\"\nfetch_batch = 100\npoll_interval = \"10m\"\n";
    let tree = imap_tree(&server, "help", "failover", extra);
    let daemon = Daemon::start(&tree.config()).await;
    let at_kill = daemon
        .wait_stats(Duration::from_secs(30), |s| {
            num(s, "/messages/total") >= 100
        })
        .await;
    server.kill();
    let at_kill = num(&at_kill, "/messages/total");
    assert!(
        at_kill < MAILS as u64 / 2,
        "the fetch ended before the kill ({at_kill})"
    );

    let health = wait_state(&daemon, "help", "backing_off", Duration::from_secs(10)).await;
    let error = health["connectors"]["help"]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(!error.is_empty(), "{health}");
    server.restart();

    let stats = daemon
        .wait_stats(Duration::from_secs(30), |s| {
            num(s, "/messages/total") == MAILS as u64
        })
        .await;
    assert_eq!(
        num(&stats, "/duplicates"),
        0,
        "acks were awaited before reconnecting: {stats}"
    );
    assert_eq!(num(&stats, "/quarantined"), 0, "{stats}");
    let health = wait_state(&daemon, "help", "idle", Duration::from_secs(10)).await;
    assert!(
        health["connectors"]["help"]["last_error"].is_null(),
        "{health}"
    );
    assert!(
        health["connectors"]["help"]["last_success"].is_string(),
        "{health}"
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recreated_folder_is_read_again_without_duplicates() {
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "renumber").await;
    mailbox.create("Support").await;
    for n in 0..5 {
        mailbox.append("Support", &mail("renumber", n)).await;
    }
    let (before, _) = mailbox.list("Support").await;
    // A short poll: while the folder is gone it cannot be IDLEd on.
    let extra = "folders = [\"Support\"]\nstart = \"all\"\npoll_interval = \"1s\"\n";
    let tree = imap_tree(server, "help", "renumber", extra);
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(Duration::from_secs(20), |s| num(s, "/messages/total") == 5)
        .await;

    mailbox.delete("Support").await;
    // Dovecot ends every session that had the deleted folder selected.
    let mut mailbox = Mailbox::login(server, "renumber").await;
    mailbox.create("Support").await;
    for n in 0..8 {
        mailbox.append("Support", &mail("renumber", n)).await;
    }
    let (after, mails) = mailbox.list("Support").await;
    assert_ne!(
        before, after,
        "Dovecot gave the new folder a new UIDVALIDITY"
    );
    assert_eq!(mails.len(), 8);
    let stats = daemon
        .wait_stats(Duration::from_secs(20), |s| {
            num(s, "/messages/total") == 8 && num(s, "/duplicates") == 5
        })
        .await;
    assert_eq!(num(&stats, "/tickets/total"), 8, "{stats}");
    daemon.stop().await;
    mailbox.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_show_as_auth_failed() {
    let server = Dovecot::shared();
    let tree = imap_tree(server, "help", "auth_failed", "poll_interval = \"10m\"\n");
    tree.write("secrets/imap", "not-the-password\n");
    let daemon = Daemon::start(&tree.config()).await;
    let health = wait_state(&daemon, "help", "auth_failed", Duration::from_secs(10)).await;
    let error = health["connectors"]["help"]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.starts_with("login refused"), "{health}");
    assert!(!error.contains("not-the-password"), "{health}");
    daemon.stop().await;
}
