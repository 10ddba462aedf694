//! The ticket list index: the desk's queue, newest `updated_at` first,
//! filtered by state, queue, priority and assignee, paged without loading
//! ticket records (each entry's value is the ticket's [`TicketSummary`]).
//!
//! Keys (`keys::TICKET_INDEX`), all ending in the same order part
//! `u64::MAX - updated ms` (BE) ‖ number, so any of them merge:
//! * `tix/sq/` ‖ state ‖ `/` ‖ queue ‖ 0 ‖ order: every ticket, once;
//! * `tix/as/` ‖ assignee ‖ 0 ‖ order: assigned tickets only;
//! * `tix/pr/` ‖ priority ‖ `/` ‖ order: every priority but `normal`;
//! * `tix/in/` ‖ `0` (firing) or `1` (resolved) ‖ `/` ‖ order: incident
//!   tickets only, so the incident list is one ascending range, firing first,
//!   however few incidents hide among the tickets.
//!
//! Why not one key per dimension plus an "all" list: every follow-up
//! message moves `updated_at` and so rewrites all of a ticket's keys in the
//! writer's batch; here a typical ticket (unassigned, normal) has one key.
//! "All tickets", "one state" or "one queue" read the few (state, queue)
//! ranges merged. A query with several filters walks the smallest range
//! (state counts come from the store's counters, assignee and priority
//! ranges are counted up to a cap) and filters the rest from the values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::index_scan::{Direction, IndexPage, MergedScan, collect_page};
use super::indexes::BatchSink;
use super::{Store, StoreError, Tx, decode, encode, keys};
use crate::model::{Priority, Ticket, TicketState};

/// Most index entries one list call looks at before it returns a short
/// page with a cursor: bounds a call whose filters the index does not cover.
pub const TICKET_SCAN_BUDGET: usize = 20_000;
/// Entries counted to size an assignee or priority range.
const PROBE_CAP: usize = 500;

/// One row of a ticket list, stored as the value of its index entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    /// Ticket number.
    pub number: String,
    /// Subject or topic.
    pub title: String,
    /// Lifecycle state.
    pub state: TicketState,
    /// Urgency.
    pub priority: Priority,
    /// Queue it is worked in.
    pub queue: String,
    /// Assigned agent, if any.
    pub assignee: Option<String>,
    /// The customer's id on the channel that opened it.
    pub requester: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When a message or a person last changed it.
    pub updated_at: DateTime<Utc>,
    /// Member messages (for an incident: messages linked so far).
    pub messages: u64,
    /// Whether it is an incident ticket (a trending topic).
    pub incident: bool,
}

impl TicketSummary {
    /// The row of `ticket`.
    pub fn of(ticket: &Ticket) -> TicketSummary {
        TicketSummary {
            number: ticket.number.0.clone(),
            title: ticket.title.clone(),
            state: ticket.state,
            priority: ticket.priority,
            queue: ticket.queue.clone(),
            assignee: ticket.assignee.clone(),
            requester: ticket.requester.clone(),
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            messages: match &ticket.incident {
                Some(incident) => incident.members,
                None => ticket.messages.len() as u64,
            },
            incident: ticket.incident.is_some(),
        }
    }
}

/// Whose tickets a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Tickets nobody is assigned to.
    Nobody,
    /// Tickets assigned to this user.
    User(String),
}

/// Which tickets a list shows; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketIndexFilter {
    /// Only this state.
    pub state: Option<TicketState>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this queue.
    pub queue: Option<String>,
    /// Only these assignees.
    pub assignee: Option<AssigneeFilter>,
    /// Only tickets whose number, title or requester contains this (lowercase).
    pub text: Option<String>,
}

impl TicketIndexFilter {
    /// Whether `row` passes every filter.
    pub fn matches(&self, row: &TicketSummary) -> bool {
        self.state.is_none_or(|s| s == row.state)
            && self.priority.is_none_or(|p| p == row.priority)
            && self.queue.as_ref().is_none_or(|q| *q == row.queue)
            && match &self.assignee {
                None => true,
                Some(AssigneeFilter::Nobody) => row.assignee.is_none(),
                Some(AssigneeFilter::User(u)) => row.assignee.as_ref() == Some(u),
            }
            && self.text.as_ref().is_none_or(|t| {
                row.number.contains(t.as_str())
                    || row.title.to_lowercase().contains(t.as_str())
                    || row.requester.to_lowercase().contains(t.as_str())
            })
    }
}

/// Where a ticket sits in the index: every field its keys are made of.
/// Read from an old record without decoding its message list's ids.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(super) struct Placement {
    number: String,
    state: TicketState,
    queue: String,
    #[serde(default)]
    priority: Priority,
    #[serde(default)]
    assignee: Option<String>,
    updated_at: DateTime<Utc>,
    #[serde(default)]
    incident: Option<IncidentPlacement>,
}

/// The one field of an incident its index key depends on; the rest of the
/// incident record is skipped unread.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct IncidentPlacement {
    #[serde(default)]
    resolved_at: Option<DateTime<Utc>>,
}

impl Placement {
    fn of(ticket: &Ticket) -> Placement {
        Placement {
            number: ticket.number.0.clone(),
            state: ticket.state,
            queue: ticket.queue.clone(),
            priority: ticket.priority,
            assignee: ticket.assignee.clone(),
            updated_at: ticket.updated_at,
            incident: ticket.incident.as_ref().map(|i| IncidentPlacement {
                resolved_at: i.resolved_at,
            }),
        }
    }

    /// The ticket's key in the incident dimension; None for other tickets.
    fn incident_key(&self, order: &[u8]) -> Option<Vec<u8>> {
        let resolved = self.incident.as_ref()?.resolved_at.is_some();
        Some([keys::ticket_incident_prefix(resolved).as_slice(), order].concat())
    }

    /// The ticket's index keys.
    pub(super) fn keys(&self) -> Vec<Vec<u8>> {
        let order = keys::ticket_order(self.updated_at, &self.number);
        let mut out = Vec::with_capacity(4);
        out.push(
            [
                keys::ticket_state_queue_prefix(self.state.as_str(), &self.queue),
                order.clone(),
            ]
            .concat(),
        );
        if let Some(assignee) = &self.assignee {
            out.push([keys::ticket_assignee_prefix(assignee), order.clone()].concat());
        }
        let incident = self.incident_key(&order);
        if self.priority != Priority::Normal {
            out.push([keys::ticket_priority_prefix(self.priority.as_str()), order].concat());
        }
        out.extend(incident);
        out
    }
}

/// The index entries of `ticket`: keys and the shared value.
pub(super) fn ticket_entries(ticket: &Ticket) -> (Vec<Vec<u8>>, Vec<u8>) {
    (
        Placement::of(ticket).keys(),
        encode(&TicketSummary::of(ticket)),
    )
}

impl Tx<'_> {
    /// Moves `ticket`'s index entries to where it is now. Called by
    /// `put_ticket` before the record is replaced, so the old record says
    /// which entries to remove; a read failure fails the whole commit.
    pub(super) fn index_ticket(&mut self, ticket: &Ticket) {
        let old = match self.get_json::<Placement>(&keys::ticket(&ticket.number.0)) {
            Ok(old) => old,
            Err(e) => {
                self.defer_error(e);
                return;
            }
        };
        let (new_keys, value) = ticket_entries(ticket);
        if let Some(old) = old
            && old != Placement::of(ticket)
        {
            for key in old.keys() {
                if !new_keys.contains(&key) {
                    self.remove(key);
                }
            }
        }
        // Index entries are never read back inside a transaction.
        for key in new_keys {
            self.put_blind(key, value.clone());
        }
    }
}

impl Store {
    /// One page of tickets passing `filter`, newest `updated_at` first,
    /// starting strictly after the cursor `after` (a page's `next`).
    pub fn ticket_page(
        &self,
        filter: &TicketIndexFilter,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<IndexPage<TicketSummary>, StoreError> {
        let prefixes = self.plan(filter)?;
        let scan = MergedScan::open(self, &prefixes, after, Direction::Ascending)?;
        collect_page(scan, limit, TICKET_SCAN_BUDGET, |order, value| {
            let row: TicketSummary = decode(order, value)?;
            Ok(filter.matches(&row).then_some(row))
        })
    }

    /// One page of incident tickets: the firing ones, then the resolved
    /// ones, each newest `updated_at` first, starting strictly after the
    /// cursor `after` (a page's `next`).
    pub fn incident_page(
        &self,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<IndexPage<TicketSummary>, StoreError> {
        let prefixes = [keys::TICKET_BY_INCIDENT.to_vec()];
        let scan = MergedScan::open(self, &prefixes, after, Direction::Ascending)?;
        collect_page(scan, limit, TICKET_SCAN_BUDGET, |order, value| {
            decode(order, value).map(Some)
        })
    }

    /// The ranges to walk for `filter`: the smallest candidate.
    fn plan(&self, filter: &TicketIndexFilter) -> Result<Vec<Vec<u8>>, StoreError> {
        let stats = self.stats();
        let by_state_size = match filter.state {
            Some(state) => stats
                .tickets
                .by_state
                .get(state.as_str())
                .copied()
                .unwrap_or(0),
            None => stats.tickets.total,
        };
        let mut best: (u64, Vec<Vec<u8>>) = (u64::MAX, Vec::new());
        if let Some(AssigneeFilter::User(user)) = &filter.assignee {
            let prefix = keys::ticket_assignee_prefix(user);
            best = (self.probe(&prefix)?, vec![prefix]);
        }
        if let Some(priority) = filter.priority.filter(|p| *p != Priority::Normal) {
            let prefix = keys::ticket_priority_prefix(priority.as_str());
            let size = self.probe(&prefix)?;
            if size < best.0 {
                best = (size, vec![prefix]);
            }
        }
        if by_state_size < best.0 || best.1.is_empty() {
            best = (by_state_size, self.state_queue_ranges(filter)?);
        }
        Ok(best.1)
    }

    /// Entries under `prefix`, counted up to [`PROBE_CAP`].
    fn probe(&self, prefix: &[u8]) -> Result<u64, StoreError> {
        let mut n = 0;
        for item in self.db().scan_prefix(prefix).keys().take(PROBE_CAP) {
            item?;
            n += 1;
        }
        Ok(n)
    }

    /// The (state, queue) ranges `filter` may find tickets in.
    fn state_queue_ranges(&self, filter: &TicketIndexFilter) -> Result<Vec<Vec<u8>>, StoreError> {
        let states: Vec<TicketState> = match filter.state {
            Some(state) => vec![state],
            None => TicketState::ALL.to_vec(),
        };
        let mut out = Vec::new();
        for state in states {
            match &filter.queue {
                Some(queue) => out.push(keys::ticket_state_queue_prefix(state.as_str(), queue)),
                None => {
                    for queue in self.queues_in_state(state)? {
                        out.push(keys::ticket_state_queue_prefix(state.as_str(), &queue));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The queues that have tickets in `state`: one seek per queue, jumping
    /// over each queue's entries rather than reading them.
    pub fn queues_in_state(&self, state: TicketState) -> Result<Vec<String>, StoreError> {
        let prefix = keys::ticket_state_prefix(state.as_str());
        let mut out = Vec::new();
        let mut from = prefix.clone();
        while let Some(item) = self.db().range(from.clone()..).keys().next() {
            let key = item?;
            let Some(rest) = key.strip_prefix(prefix.as_slice()) else {
                break;
            };
            let Some(end) = rest.iter().position(|b| *b == 0) else {
                break;
            };
            let queue = rest.get(..end).unwrap_or_default();
            out.push(String::from_utf8_lossy(queue).into_owned());
            // Past every key of this queue: `queue ‖ 0 ‖ …` < `queue ‖ 1`.
            from = [prefix.as_slice(), queue, &[1]].concat();
        }
        Ok(out)
    }

    /// Tickets whose number starts with `prefix` (`20261128-`, `20261128-0001`), in number order.
    pub fn tickets_by_number_prefix(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<TicketSummary>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::ticket(prefix)).take(limit) {
            let (key, value) = item?;
            let ticket: Ticket = decode(&key, &value)?;
            out.push(TicketSummary::of(&ticket));
        }
        Ok(out)
    }
}

/// Writes the index entries of every stored ticket into `batch` (the
/// migration that builds the index for a store written without it).
pub(super) fn rebuild(db: &sled::Db, sink: &mut BatchSink) -> Result<(), StoreError> {
    for item in db.scan_prefix(keys::TICKET) {
        let (key, value) = item?;
        let ticket: Ticket = decode(&key, &value)?;
        let (index_keys, summary) = ticket_entries(&ticket);
        for index_key in index_keys {
            sink.put(db, index_key, summary.clone())?;
        }
    }
    Ok(())
}

/// Schema 3 → 4: writes the incident entries (`tix/in/`) of every stored
/// incident ticket; returns the keys written. Entries already there are
/// removed first, so running it again (a crash midway) gives the same index.
pub(super) fn build_incident_index(db: &sled::Db) -> Result<usize, StoreError> {
    let started = std::time::Instant::now();
    let mut sink = BatchSink::cleared(db, &[keys::TICKET_BY_INCIDENT])?;
    for item in db.scan_prefix(keys::TICKET) {
        let (key, value) = item?;
        // The placement alone tells most tickets (no incident) apart
        // without building their message lists. One unreadable record must
        // not keep the store from opening: it is left out of the list.
        let built = decode::<Placement>(&key, &value).and_then(|placement| {
            let order = keys::ticket_order(placement.updated_at, &placement.number);
            match placement.incident_key(&order) {
                Some(index_key) => decode::<Ticket>(&key, &value)
                    .map(|ticket| Some((index_key, encode(&TicketSummary::of(&ticket))))),
                None => Ok(None),
            }
        });
        match built {
            Ok(Some((index_key, summary))) => sink.put(db, index_key, summary)?,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "Skipping an unreadable ticket."),
        }
    }
    sink.flush(db)?;
    tracing::info!(
        keys = sink.written,
        seconds = started.elapsed().as_secs_f64(),
        "Built the incident index."
    );
    Ok(sink.written)
}
