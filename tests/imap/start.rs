//! Where a folder is first read from (`start`), that the backlog is a
//! historical import, and that a restart reads nothing twice.

use std::time::Duration;

use super::client::Mailbox;
use super::harness::Tapped;
use super::{imap_tree, mail};
use crate::support::dovecot::Dovecot;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_all_imports_the_backlog_once_as_historical_and_later_mail_is_not() {
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "start_all").await;
    for n in 0..40 {
        mailbox.append("INBOX", &mail("all", n)).await;
    }
    // Small batches: three UID FETCHes, acks awaited while the next is fetched.
    let extra = "start = \"all\"\nfetch_batch = 16\npoll_interval = \"10m\"\n";
    let tree = imap_tree(server, "help", "start_all", extra);
    let run = Tapped::start(&tree, "help").await;
    let seen = run.wait_stored(40, WAIT).await;
    assert_eq!(seen.len(), 40, "each backlog mail sent once: {seen:?}");
    assert!(seen.iter().all(|(_, historical)| *historical), "{seen:?}");
    assert!(seen[0].0.starts_with("INBOX;UIDVALIDITY="), "{}", seen[0].0);

    for n in 40..43 {
        mailbox.append("INBOX", &mail("all", n)).await;
    }
    let seen = run.wait_stored(43, WAIT).await;
    assert_eq!(seen.len(), 43);
    assert!(
        seen[40..].iter().all(|(_, historical)| !historical),
        "{seen:?}"
    );
    run.stop().await;

    // The position is in the store: a new run reads nothing again.
    let again = Tapped::start(&tree, "help").await;
    again.wait_idle(WAIT).await;
    assert!(again.seen().is_empty(), "{:?}", again.seen());
    assert_eq!(again.store.stats().messages.total, 43);
    assert_eq!(again.store.stats().duplicates, 0);
    again.stop().await;
    mailbox.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_new_skips_the_mail_already_there() {
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "start_new").await;
    for n in 0..5 {
        mailbox.append("INBOX", &mail("old", n)).await;
    }
    let tree = imap_tree(server, "help", "start_new", "poll_interval = \"10m\"\n");
    let run = Tapped::start(&tree, "help").await;
    run.wait_idle(WAIT).await;
    assert!(run.seen().is_empty(), "{:?}", run.seen());
    for n in 0..2 {
        mailbox.append("INBOX", &mail("new", n)).await;
    }
    let seen = run.wait_stored(2, WAIT).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|(_, historical)| !historical));
    run.stop().await;

    // The first position was stored although no mail carried it: mail that
    // arrives while the daemon is down is not skipped by a new first contact.
    mailbox.append("INBOX", &mail("offline", 0)).await;
    let again = Tapped::start(&tree, "help").await;
    let seen = again.wait_stored(3, WAIT).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    again.stop().await;
    mailbox.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_since_a_day_reads_from_the_first_mail_received_that_day() {
    let server = Dovecot::shared();
    let mut mailbox = Mailbox::login(server, "start_since").await;
    for n in 0..3 {
        let old = Some("\"01-Mar-2020 10:00:00 +0800\"");
        mailbox.append_dated("INBOX", old, &mail("2020", n)).await;
    }
    for n in 0..2 {
        mailbox.append("INBOX", &mail("recent", n)).await;
    }
    let extra = "start = \"since:2025-01-01\"\npoll_interval = \"10m\"\n";
    let tree = imap_tree(server, "help", "start_since", extra);
    let run = Tapped::start(&tree, "help").await;
    let seen = run.wait_stored(2, WAIT).await;
    run.wait_idle(WAIT).await;
    assert_eq!(run.seen().len(), 2, "{seen:?}");
    assert!(seen.iter().all(|(_, historical)| *historical));
    run.stop().await;
    mailbox.logout().await;
}
