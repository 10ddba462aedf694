//! The time-ordered audit log: written with every entry, read newest first
//! in bounded pages, built on open for stores written before it existed.

use chrono::Utc;

use super::*;
use crate::model::{Priority, Ticket, TicketNumber, TicketState};
use crate::store::{SCHEMA_VERSION, StoreOptions, TicketIndexFilter};

fn options() -> StoreOptions {
    StoreOptions {
        fsync: false,
        ..StoreOptions::default()
    }
}

/// Opens the store again once the previous handle is gone: sled's flusher
/// thread lets go of the lock file shortly after the last handle drops.
fn reopen(dir: &std::path::Path) -> Store {
    crate::store::reopen_for_test(dir, options())
}

fn entry(actor: &str, action: &str, subject: &str) -> AuditEntry {
    AuditEntry {
        at: Utc::now(),
        actor: actor.into(),
        action: action.into(),
        subject: subject.into(),
        before: Some(serde_json::json!("new")),
        after: Some(serde_json::json!({ "n": subject })),
    }
}

/// Writes `entries`, one transaction each, so commits interleave subjects.
async fn write(store: &Store, entries: &[AuditEntry]) {
    for e in entries {
        let mut tx = store.begin().await;
        tx.audit(e);
        tx.commit().await.expect("commit");
    }
}

/// `n` entries cycling through three subjects, actors and actions.
fn mixed(n: usize) -> Vec<AuditEntry> {
    (0..n)
        .map(|i| match i % 3 {
            0 => entry("wangli", "draft.approved", &format!("0193b6f3-{i:04}")),
            1 => entry("liqiang", "ticket.state", &format!("20261128-{i:06}")),
            _ => entry("liqiang", "auth.login", "user:liqiang"),
        })
        .collect()
}

/// Every page from `before` on, following `next` to the end.
fn all_pages(store: &Store, limit: usize, filter: &AuditFilter) -> Vec<AuditRecord> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store.recent_audit(before, limit, filter).expect("page");
        out.extend(page.entries);
        match page.next {
            Some(next) => before = Some(next),
            None => return out,
        }
    }
}

fn log_lines(store: &Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    store
        .db()
        .scan_prefix(keys::AUDIT_LOG)
        .map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())).expect("line"))
        .collect()
}

fn remove_prefix(store: &Store, prefix: &[u8]) {
    for key in store.db().scan_prefix(prefix).keys() {
        store.db().remove(key.expect("key")).expect("remove");
    }
}

#[tokio::test]
async fn every_entry_gets_a_log_line_under_the_same_uuid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), options()).expect("open");
    let mut tx = store.begin().await;
    tx.audit(&entry("wangli", "draft.approved", "d1"));
    tx.audit(&entry("liqiang", "ticket.state", "20261128-000001"));
    tx.commit().await.expect("commit");
    let lines = log_lines(&store);
    assert_eq!(lines.len(), 2);
    let stored: Vec<_> = store.db().scan_prefix(keys::AUDIT).keys().collect();
    assert_eq!(stored.len(), 2);
    for (key, _) in &lines {
        let id = uuid::Uuid::from_slice(&key[keys::AUDIT_LOG.len()..]).expect("uuid");
        assert!(
            stored
                .iter()
                .any(|k| keys::parse_audit(k.as_ref().expect("key")).map(|(_, i)| i) == Some(id)),
            "the line's uuid names a stored entry"
        );
    }
    // The per-subject trail still reads as before.
    assert_eq!(store.audit_for("d1").expect("trail").len(), 1);
}

#[tokio::test]
async fn the_log_lists_newest_first_across_subjects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), options()).expect("open");
    let entries = mixed(9);
    write(&store, &entries).await;
    // Several entries of one transaction keep their order too.
    let mut tx = store.begin().await;
    tx.audit(&entry("zhaomin", "note.added", "20261128-000001"));
    tx.audit(&entry("zhaomin", "ticket.assigned", "20261128-000001"));
    tx.commit().await.expect("commit");
    let page = store
        .recent_audit(None, 100, &AuditFilter::default())
        .expect("page");
    assert_eq!(page.next, None);
    let actions: Vec<&str> = page
        .entries
        .iter()
        .map(|r| r.entry.action.as_str())
        .collect();
    assert_eq!(actions[..2], ["ticket.assigned", "note.added"]);
    let older: Vec<AuditEntry> = page.entries[2..].iter().map(|r| r.entry.clone()).collect();
    let expected: Vec<AuditEntry> = entries.into_iter().rev().collect();
    assert_eq!(older, expected);
    assert!(page.entries.windows(2).all(|w| w[0].id > w[1].id));
}

#[tokio::test]
async fn paging_by_cursor_has_no_gaps_and_no_repeats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), options()).expect("open");
    let entries = mixed(25);
    write(&store, &entries).await;
    let whole = store
        .recent_audit(None, 100, &AuditFilter::default())
        .expect("whole");
    assert_eq!(whole.entries.len(), 25);
    let first = store
        .recent_audit(None, 7, &AuditFilter::default())
        .expect("first");
    assert_eq!(first.entries.len(), 7);
    assert_eq!(first.next, Some(first.entries[6].id));
    let paged = all_pages(&store, 7, &AuditFilter::default());
    assert_eq!(paged, whole.entries);
    // A page of exactly what is left ends without a cursor.
    let tail = store
        .recent_audit(Some(whole.entries[19].id), 5, &AuditFilter::default())
        .expect("tail");
    assert_eq!(tail.entries, whole.entries[20..]);
    assert_eq!(tail.next, None);
    // Entries written after a page was read do not shift the pages after it.
    write(&store, &mixed(3)).await;
    let second = store
        .recent_audit(first.next, 7, &AuditFilter::default())
        .expect("second");
    assert_eq!(second.entries, whole.entries[7..14]);
}

#[tokio::test]
async fn filters_by_actor_action_prefix_and_subject_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), options()).expect("open");
    write(&store, &mixed(30)).await;
    let count = |filter: AuditFilter| all_pages(&store, 4, &filter);
    let by_wangli = count(AuditFilter {
        actor: Some("wangli".into()),
        ..AuditFilter::default()
    });
    assert_eq!(by_wangli.len(), 10);
    assert!(by_wangli.iter().all(|r| r.entry.actor == "wangli"));
    // Exact actor: a prefix of a name is not the name.
    let partial = count(AuditFilter {
        actor: Some("wang".into()),
        ..AuditFilter::default()
    });
    assert!(partial.is_empty());
    let tickets = count(AuditFilter {
        action: Some("ticket.".into()),
        ..AuditFilter::default()
    });
    assert_eq!(tickets.len(), 10);
    let logins = count(AuditFilter {
        actor: Some("liqiang".into()),
        action: Some("auth.login".into()),
        subject: Some("user:".into()),
    });
    assert_eq!(logins.len(), 10);
    assert!(logins.iter().all(|r| r.entry.subject == "user:liqiang"));
    let one = count(AuditFilter {
        subject: Some("20261128-000004".into()),
        ..AuditFilter::default()
    });
    assert_eq!(one.len(), 1);
    // Blank filters (an empty form field) filter nothing.
    let blank = count(AuditFilter {
        actor: Some(String::new()),
        action: Some(String::new()),
        subject: Some(String::new()),
    });
    assert_eq!(blank.len(), 30);
}

#[tokio::test]
async fn a_filter_that_matches_little_looks_at_a_bounded_number_of_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), options()).expect("open");
    let mut tx = store.begin().await;
    // The one match is the oldest entry, past the first call's budget.
    tx.audit(&entry("zhaomin", "auth.logout", "user:zhaomin"));
    for i in 0..AUDIT_SCAN_BUDGET + 10 {
        tx.audit(&entry("system:publisher", "draft.sent", &format!("d{i}")));
    }
    tx.commit().await.expect("commit");
    let filter = AuditFilter {
        actor: Some("zhaomin".into()),
        ..AuditFilter::default()
    };
    let first = store.recent_audit(None, 50, &filter).expect("first");
    assert!(first.entries.is_empty());
    assert_eq!(first.scanned, AUDIT_SCAN_BUDGET);
    let cursor = first.next.expect("a cut-short page carries a cursor");
    let second = store
        .recent_audit(Some(cursor), 50, &filter)
        .expect("second");
    assert_eq!(second.scanned, 11);
    assert_eq!(second.next, None);
    assert_eq!(second.entries.len(), 1);
    assert_eq!(second.entries[0].entry.action, "auth.logout");
    // Without a filter the budget is never the limit: a page is `limit` lines.
    let plain = store
        .recent_audit(None, 10_000, &AuditFilter::default())
        .expect("plain");
    assert_eq!(plain.entries.len(), AUDIT_PAGE_MAX);
    assert_eq!(plain.scanned, AUDIT_PAGE_MAX);
}

fn ticket(number: &str) -> Ticket {
    let now = Utc::now();
    Ticket {
        number: TicketNumber(number.into()),
        queue: "email".into(),
        priority: Priority::Normal,
        state: TicketState::New,
        title: "退款没有到账".into(),
        requester: "zhangwei@163.example.com".into(),
        messages: vec![],
        assignee: None,
        created_at: now,
        updated_at: now,
        incident: None,
    }
}

/// A store as an older build left it: entries under `audit/` only (and,
/// for schema 1, no desk indexes either); returns what the log read before.
async fn older_store(dir: &std::path::Path, schema: u32) -> Vec<AuditRecord> {
    let store = Store::open(dir, options()).expect("open");
    let mut tx = store.begin().await;
    tx.put_ticket(&ticket("20261128-000001"));
    tx.commit().await.expect("commit");
    write(&store, &mixed(40)).await;
    let before = all_pages(&store, 100, &AuditFilter::default());
    assert_eq!(before.len(), 40);
    remove_prefix(&store, keys::AUDIT_LOG);
    if schema == 1 {
        remove_prefix(&store, keys::TICKET_INDEX);
    }
    store
        .db()
        .insert(keys::SCHEMA, &schema.to_be_bytes())
        .expect("schema");
    store.flush().await.expect("flush");
    assert!(all_pages(&store, 100, &AuditFilter::default()).is_empty());
    before
}

fn schema(store: &Store) -> Vec<u8> {
    store
        .db()
        .get(keys::SCHEMA)
        .expect("read")
        .expect("schema")
        .to_vec()
}

#[tokio::test]
async fn opening_a_schema_2_store_builds_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = older_store(dir.path(), 2).await;
    let store = reopen(dir.path());
    assert_eq!(schema(&store), SCHEMA_VERSION.to_be_bytes());
    assert_eq!(all_pages(&store, 100, &AuditFilter::default()), before);
    // Running it again (a crash midway) writes the same lines, no more.
    let lines = log_lines(&store);
    assert_eq!(build(store.db()).expect("again"), 40);
    assert_eq!(log_lines(&store), lines);
    // And the log goes on from there.
    write(&store, &[entry("zhaomin", "auth.login", "user:zhaomin")]).await;
    let newest = store
        .recent_audit(None, 1, &AuditFilter::default())
        .expect("newest");
    assert_eq!(newest.entries[0].entry.actor, "zhaomin");
    assert_eq!(newest.next, Some(newest.entries[0].id));
}

#[tokio::test]
async fn an_unreadable_audit_entry_is_left_out_of_the_log_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = older_store(dir.path(), 2).await;
    {
        let store = reopen(dir.path());
        store
            .db()
            .insert(
                keys::audit("d1", uuid::Uuid::now_v7()),
                b"{not json".as_slice(),
            )
            .expect("insert");
        remove_prefix(&store, keys::AUDIT_LOG);
        store
            .db()
            .insert(keys::SCHEMA, &2u32.to_be_bytes())
            .expect("schema");
        store.flush().await.expect("flush");
    }
    let store = reopen(dir.path());
    assert_eq!(schema(&store), SCHEMA_VERSION.to_be_bytes());
    assert_eq!(all_pages(&store, 100, &AuditFilter::default()), before);
}

#[tokio::test]
async fn opening_a_schema_1_store_runs_every_migration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = older_store(dir.path(), 1).await;
    let store = reopen(dir.path());
    assert_eq!(schema(&store), SCHEMA_VERSION.to_be_bytes());
    assert_eq!(all_pages(&store, 100, &AuditFilter::default()), before);
    let tickets = store
        .ticket_page(&TicketIndexFilter::default(), None, 10)
        .expect("tickets");
    assert_eq!(tickets.items.len(), 1, "the 1 → 2 step ran too");
}

/// The migration's cost per entry; `cargo test --release --lib
/// audit_index::tests::migration_cost -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn migration_cost() {
    const N: usize = 200_000;
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path(), options()).expect("open");
        let started = std::time::Instant::now();
        for chunk in mixed(N).chunks(10_000) {
            let mut tx = store.begin().await;
            for e in chunk {
                tx.audit(e);
            }
            tx.commit().await.expect("commit");
        }
        let entry_bytes: usize = store
            .db()
            .scan_prefix(keys::AUDIT)
            .map(|item| item.map(|(k, v)| k.len() + v.len()).expect("entry"))
            .sum();
        println!(
            "wrote {N} entries with their lines in {:?}; entries {} bytes of keys+values ({} per entry)",
            started.elapsed(),
            entry_bytes,
            entry_bytes / N
        );
        remove_prefix(&store, keys::AUDIT_LOG);
        store.flush().await.expect("flush");
    }
    let store = reopen(dir.path());
    let started = std::time::Instant::now();
    let written = build(store.db()).expect("build");
    let took = started.elapsed();
    store.flush().await.expect("flush");
    let line_bytes: usize = log_lines(&store)
        .iter()
        .map(|(k, v)| k.len() + v.len())
        .sum();
    println!(
        "built {written} lines in {took:?} ({:.1} µs/line), {line_bytes} bytes of keys+values ({} per line)",
        took.as_secs_f64() * 1e6 / written as f64,
        line_bytes / written
    );
    let started = std::time::Instant::now();
    let page = store
        .recent_audit(None, 50, &AuditFilter::default())
        .expect("page");
    println!("first page of 50: {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let none = store
        .recent_audit(
            None,
            50,
            &AuditFilter {
                actor: Some("nobody".into()),
                ..AuditFilter::default()
            },
        )
        .expect("none");
    println!(
        "a filter matching nothing: {} lines in {:?}",
        none.scanned,
        started.elapsed()
    );
    assert_eq!(page.entries.len(), 50);
}
