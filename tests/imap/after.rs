//! What happens on the server once mail is stored (`after`), and a poison
//! mail (over `max_message_bytes`) that must not block its folder.

use std::time::Duration;

use super::client::Mailbox;
use super::{imap_tree, mail};
use crate::support::dovecot::Dovecot;
use crate::support::{Daemon, num};

const WAIT: Duration = Duration::from_secs(20);

/// Polls the test client's view of `folder` until `pred` holds.
async fn wait_folder(
    mailbox: &mut Mailbox,
    folder: &str,
    pred: impl Fn(&[(u32, Vec<String>)]) -> bool,
) -> Vec<(u32, Vec<String>)> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        // A move target appears only once the daemon has created it.
        let mails = if mailbox.exists(folder).await {
            mailbox.list(folder).await.1
        } else {
            Vec::new()
        };
        if pred(&mails) {
            return mails;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{folder}: {mails:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_seen_marks_stored_mail_and_nothing_else_changes() {
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "after_seen").await;
    for n in 0..3 {
        mailbox.append("INBOX", &mail("seen", n)).await;
    }
    let extra = "start = \"all\"\nafter = \"seen\"\npoll_interval = \"10m\"\n";
    let tree = imap_tree(server, "help", "after_seen", extra);
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(WAIT, |s| num(s, "/messages/total") == 3)
        .await;
    let seen = |m: &[(u32, Vec<String>)]| {
        m.len() == 3 && m.iter().all(|(_, f)| f.contains(&"Seen".to_string()))
    };
    wait_folder(&mut mailbox, "INBOX", seen).await;
    // /healthz shows the connector and its lag: nothing left waiting.
    let (status, health) = daemon.get("/healthz").await;
    assert_eq!(status, 200);
    let help = &health["connectors"]["help"];
    assert_eq!(help["kind"], "imap", "{health}");
    assert_eq!(help["lag"]["INBOX"], 0, "{health}");
    assert_eq!(help["ingested"], 3, "{health}");
    assert!(help["last_success"].is_string(), "{health}");
    daemon.stop().await;
    mailbox.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_move_and_an_oversize_mail_is_quarantined_without_blocking_the_folder() {
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "after_move").await;
    mailbox.append("INBOX", &mail("move", 0)).await;
    let mut big = mail("move", 1);
    big.extend(std::iter::repeat_n(b"0123456789abcdef\r\n".as_slice(), 12_000).flatten());
    mailbox.append("INBOX", &big).await;
    mailbox.append("INBOX", &mail("move", 2)).await;
    let extra = "start = \"all\"\nafter = \"move:Processed\"\nmax_message_bytes = 100000\npoll_interval = \"10m\"\n";
    let tree = imap_tree(server, "help", "after_move", extra);
    let daemon = Daemon::start(&tree.config()).await;
    let stats = daemon
        .wait_stats(WAIT, |s| {
            num(s, "/messages/total") == 2 && num(s, "/quarantined") == 1
        })
        .await;
    assert_eq!(num(&stats, "/duplicates"), 0, "{stats}");
    let (_, quarantine) = daemon.get("/api/quarantine").await;
    let entry = &quarantine["quarantined"][0];
    let reason = entry["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("over max_message_bytes (100000)"),
        "{entry}"
    );
    // Only the header was fetched, never the 216 KB body.
    assert!(
        entry["raw_size"].as_u64().unwrap_or(u64::MAX) < 2_000,
        "{entry}"
    );

    // The stored mail moved (Processed was created for it); the poison mail
    // stays in the inbox for a person to look at.
    wait_folder(&mut mailbox, "Processed", |m| m.len() == 2).await;
    wait_folder(&mut mailbox, "INBOX", |m| m.len() == 1).await;

    // The folder still flows after the poison mail.
    mailbox.append("INBOX", &mail("move", 3)).await;
    daemon
        .wait_stats(WAIT, |s| num(s, "/messages/total") == 3)
        .await;
    wait_folder(&mut mailbox, "Processed", |m| m.len() == 3).await;
    daemon.stop().await;
    mailbox.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_folder_names_are_read_and_moved_to() {
    // The wire names (modified UTF-7) of 客服/投诉 and 已处理, as a mail
    // program would create them.
    let (complaints, done) = ("&W6JnDQ-/&YpWLyQ-", "&XfJZBHQG-");
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "chinese_folders").await;
    mailbox.create(complaints).await;
    for n in 0..2 {
        mailbox.append(complaints, &mail("cn", n)).await;
    }
    let extra = "folders = [\"客服/投诉\"]\nstart = \"all\"\nafter = \"move:已处理\"\npoll_interval = \"10m\"\n";
    let tree = imap_tree(server, "help", "chinese_folders", extra);
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(WAIT, |s| num(s, "/messages/total") == 2)
        .await;
    wait_folder(&mut mailbox, done, |m| m.len() == 2).await;
    wait_folder(&mut mailbox, complaints, <[_]>::is_empty).await;
    daemon.stop().await;
    mailbox.logout().await;
}
