//! The audit log in time order across every subject: the admin page's
//! recent changes and `GET /api/desk/audit`.
//!
//! Keys: `alog/` ‖ uuid v7 → JSON line (subject, actor, action).
//! [`Tx::audit`](super::Tx::audit) writes one with every
//! `audit/` ‖ subject ‖ 0 ‖ uuid entry, under the same uuid. UUIDv7 bytes
//! sort by creation (`Uuid::now_v7` is monotonic within a process, and the
//! writer lock orders transactions), so a reverse scan lists the newest
//! entry first, whatever its subject.
//!
//! The line carries what the filters look at, so an entry that does not
//! match costs one iterator step and a small decode, never a read of the
//! entry itself (whose before/after can hold a whole draft's text); only the
//! entries shown are read from `audit/`.
//!
//! Schema 2 → 3 builds the log from the `audit/` keys ([`build`]);
//! `Store::rebuild_desk_indexes` rebuilds it the same way.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::index_scan::{Direction, MergedScan, collect_page};
use super::indexes::BatchSink;
use super::{AuditEntry, Store, StoreError, decode, encode, keys};

/// Most log lines one [`Store::recent_audit`] call looks at before it
/// returns a short page with a cursor, so a filter that matches little (or
/// nothing) costs a bounded read per request instead of a scan of the
/// whole log.
pub const AUDIT_SCAN_BUDGET: usize = 5_000;
/// Most entries one page returns.
pub const AUDIT_PAGE_MAX: usize = 500;

/// The value of a log key: what the filters need, and the subject to find
/// the entry under. Borrowed when written, owned when read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LogLine<'a> {
    subject: Cow<'a, str>,
    actor: Cow<'a, str>,
    action: Cow<'a, str>,
}

/// The fields of a stored entry the migration copies into its log line
/// (`before`/`after` are skipped unread).
#[derive(Deserialize)]
struct EntryFields {
    actor: String,
    action: String,
}

/// Which entries a page of the log shows; every filter given must hold.
/// Empty strings count as no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuditFilter {
    /// Only entries by this actor (exactly: `wangli`, `system:publisher`).
    pub actor: Option<String>,
    /// Only actions starting with this (`draft.`, `ticket.state`, `auth.login`).
    pub action: Option<String>,
    /// Only subjects starting with this (`user:`, a ticket number, a draft id).
    pub subject: Option<String>,
}

impl AuditFilter {
    /// Whether an entry by `actor` doing `action` to `subject` passes.
    pub fn matches(&self, actor: &str, action: &str, subject: &str) -> bool {
        fn given(filter: &Option<String>) -> Option<&str> {
            filter.as_deref().filter(|v| !v.is_empty())
        }
        given(&self.actor).is_none_or(|a| a == actor)
            && given(&self.action).is_none_or(|p| action.starts_with(p))
            && given(&self.subject).is_none_or(|p| subject.starts_with(p))
    }
}

/// One entry of the log with its id (its place in the log).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// The entry's uuid v7, shared by its `audit/` and `alog/` keys.
    pub id: uuid::Uuid,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// One page of the log, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    /// Entries passing the filter.
    pub entries: Vec<AuditRecord>,
    /// Pass as `before` to go on: the last line looked at (which need not be
    /// shown, when the scan budget cut the page short); None at the oldest.
    pub next: Option<uuid::Uuid>,
    /// Log lines looked at, for tests and the benchmark.
    pub scanned: usize,
}

/// The log key and value for an entry stored under `id`.
pub(super) fn log_entry(id: uuid::Uuid, entry: &AuditEntry) -> (Vec<u8>, Vec<u8>) {
    let line = LogLine {
        subject: Cow::Borrowed(&entry.subject),
        actor: Cow::Borrowed(&entry.actor),
        action: Cow::Borrowed(&entry.action),
    };
    (keys::audit_log(id), encode(&line))
}

impl Store {
    /// Up to `limit` (1–[`AUDIT_PAGE_MAX`]) audit entries passing `filter`,
    /// newest first across all subjects, strictly older than `before` (a
    /// page's `next`; None: from the newest).
    ///
    /// Bounded: the call looks at no more than [`AUDIT_SCAN_BUDGET`] log
    /// lines. When the filter matches rarely, the page may come back short
    /// (even empty) with a `next` cursor anyway; following it continues the
    /// scan where this one stopped, so nothing is skipped or repeated. Only
    /// `next == None` means the log's oldest entry was reached.
    pub fn recent_audit(
        &self,
        before: Option<uuid::Uuid>,
        limit: usize,
        filter: &AuditFilter,
    ) -> Result<AuditPage, StoreError> {
        let limit = limit.clamp(1, AUDIT_PAGE_MAX);
        let prefixes = [keys::AUDIT_LOG.to_vec()];
        let cursor = before.map(|id| *id.as_bytes());
        let scan = MergedScan::open(
            self,
            &prefixes,
            cursor.as_ref().map(<[u8; 16]>::as_slice),
            Direction::Descending,
        )?;
        let page = collect_page(scan, limit, AUDIT_SCAN_BUDGET, |order, value| {
            let Ok(id) = uuid::Uuid::from_slice(order) else {
                return Ok(None);
            };
            let line: LogLine<'static> = decode(&keys::audit_log(id), value)?;
            if !filter.matches(&line.actor, &line.action, &line.subject) {
                return Ok(None);
            }
            self.audit_entry(&line.subject, id)
        })?;
        Ok(AuditPage {
            entries: page.items,
            next: page
                .next
                .and_then(|order| uuid::Uuid::from_slice(&order).ok()),
            scanned: page.scanned,
        })
    }

    /// The entry a log line points at; None (logged) when it is missing,
    /// which only a hand-edited store can cause.
    fn audit_entry(
        &self,
        subject: &str,
        id: uuid::Uuid,
    ) -> Result<Option<AuditRecord>, StoreError> {
        let key = keys::audit(subject, id);
        match self.db().get(&key)? {
            Some(bytes) => Ok(Some(AuditRecord {
                id,
                entry: decode(&key, &bytes)?,
            })),
            None => {
                tracing::warn!(%id, subject, "An audit log line points at no entry.");
                Ok(None)
            }
        }
    }
}

/// Schema 2 → 3: writes the log line of every stored audit entry, in
/// batches; returns the lines written. Lines already there are removed
/// first, so running it again (a crash midway) gives the same log.
pub(super) fn build(db: &sled::Db) -> Result<usize, StoreError> {
    let started = std::time::Instant::now();
    let mut sink = BatchSink::cleared(db, &[keys::AUDIT_LOG])?;
    for item in db.scan_prefix(keys::AUDIT) {
        let (key, value) = item?;
        let Some((subject, id)) = keys::parse_audit(&key) else {
            tracing::warn!(key = %String::from_utf8_lossy(&key), "Skipping a malformed audit key.");
            continue;
        };
        // One unreadable entry must not keep the store from opening: it
        // stays in its subject's trail, just not in the log.
        let fields: EntryFields = match decode(&key, &value) {
            Ok(fields) => fields,
            Err(e) => {
                tracing::warn!(error = %e, "Skipping an unreadable audit entry.");
                continue;
            }
        };
        // The subject of the key, not of the value: it is where the reader looks.
        let line = LogLine {
            subject: String::from_utf8_lossy(subject),
            actor: Cow::Owned(fields.actor),
            action: Cow::Owned(fields.action),
        };
        sink.put(db, keys::audit_log(id), encode(&line))?;
    }
    sink.flush(db)?;
    tracing::info!(
        lines = sink.written,
        seconds = started.elapsed().as_secs_f64(),
        "Built the time-ordered audit log."
    );
    Ok(sink.written)
}

#[cfg(test)]
mod tests;
