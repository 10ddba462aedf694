//! The review queue index: drafts by state, the drafts of one incident
//! next to each other, and the messages each draft covers.
//!
//! Keys:
//! * `dq/` ‖ state ‖ `/` ‖ group ‖ 0 ‖ draft uuid → empty, for every state;
//!   the group is `i` ‖ incident number, or `_` for replies drafted by
//!   per-message rules, so a reverse scan lists the newest incident first,
//!   its drafts newest first, then the single replies;
//! * `dgrp/` ‖ draft uuid → the draft's cover namespace (incident number,
//!   `reply:<template>`, or empty), to find its group again on a state change;
//! * `dcov/` ‖ draft uuid ‖ message uuid → empty: `inccover/` the other way.
//!
//! A draft's group is known only from its cover (`inccover/`), which
//! `src/incidents` writes after `put_draft` in the same transaction; so new
//! drafts and covers are indexed when the transaction is applied, from its
//! own writes, and no caller has to remember the index.

use std::collections::HashMap;

use super::index_scan::{Direction, IndexPage, MergedScan, collect_page};
use super::indexes::BatchSink;
use super::{Store, StoreError, Tx, decode, keys};
use crate::model::{Draft, DraftId, MessageId};

/// Group tag of drafts that belong to an incident (followed by its number).
const INCIDENT_TAG: char = 'i';
/// Group of drafts made by per-message rules (sorts below every incident).
const SINGLE_GROUP: &str = "_";

/// Every draft state name, in lifecycle order.
pub const DRAFT_STATE_NAMES: [&str; 8] = [
    "proposed",
    "edited",
    "approved",
    "sending",
    "sent",
    "failed",
    "uncertain",
    "rejected",
];

/// One entry of the review queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedDraft {
    /// The incident the draft answers for, if it is an incident's reply.
    pub incident: Option<String>,
    /// The draft.
    pub id: DraftId,
}

/// The queue group of a cover namespace.
fn group_of(namespace: &str) -> String {
    if namespace.is_empty() || namespace.starts_with("reply:") {
        SINGLE_GROUP.to_string()
    } else {
        format!("{INCIDENT_TAG}{namespace}")
    }
}

/// Parses the order part of a queue key: (incident, draft id).
fn parse_queue_order(order: &[u8]) -> Option<QueuedDraft> {
    let id_at = order.len().checked_sub(16)?;
    let id = uuid::Uuid::from_slice(order.get(id_at..)?).ok()?;
    let group = order.get(..id_at.checked_sub(1)?)?;
    let incident = match group.split_first() {
        Some((&tag, number)) if tag == INCIDENT_TAG as u8 => {
            Some(String::from_utf8_lossy(number).into_owned())
        }
        _ => None,
    };
    Some(QueuedDraft {
        incident,
        id: DraftId(id),
    })
}

/// Splits an `inccover/` key into (namespace, message).
fn parse_cover(key: &[u8]) -> Option<(&[u8], MessageId)> {
    let rest = key.strip_prefix(keys::INCIDENT_COVER)?;
    let id_at = rest.len().checked_sub(16)?;
    let namespace = rest.get(..id_at.checked_sub(1)?)?;
    let message = uuid::Uuid::from_slice(rest.get(id_at..)?).ok()?;
    Some((namespace, MessageId(message)))
}

impl Tx<'_> {
    /// Moves an existing draft's queue entry when its state changes; a new
    /// draft is indexed at apply. Called by `put_draft` with the record it
    /// replaces.
    pub(super) fn index_draft(
        &mut self,
        before: Option<&Draft>,
        draft: &Draft,
    ) -> Result<(), StoreError> {
        if self.new_drafts.contains(&draft.id) {
            return Ok(());
        }
        let Some(old) = before else {
            self.new_drafts.push(draft.id);
            return Ok(());
        };
        if old.state.name() == draft.state.name() {
            return Ok(());
        }
        let namespace = self
            .get(&keys::draft_group(draft.id.0))?
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default();
        let group = group_of(&namespace);
        self.remove(keys::draft_queue(old.state.name(), &group, draft.id.0));
        self.put(
            keys::draft_queue(draft.state.name(), &group, draft.id.0),
            Vec::new(),
        );
        Ok(())
    }

    /// Indexes the covers written in this transaction the other way round,
    /// and gives the drafts made in it their group and queue entry.
    pub(super) fn finish_draft_index(&mut self) -> Result<(), StoreError> {
        let covers: Vec<(String, MessageId, DraftId)> = self
            .written_with_prefix(keys::INCIDENT_COVER)
            .filter_map(|(key, value)| {
                let (namespace, message) = parse_cover(key)?;
                let draft = uuid::Uuid::from_slice(value).ok()?;
                Some((
                    String::from_utf8_lossy(namespace).into_owned(),
                    message,
                    DraftId(draft),
                ))
            })
            .collect();
        for (_, message, draft) in &covers {
            self.put(keys::draft_cover(draft.0, message.0), Vec::new());
        }
        for id in std::mem::take(&mut self.new_drafts) {
            let Some(draft) = self.draft(id)? else {
                continue;
            };
            let namespace = covers
                .iter()
                .find(|(_, _, d)| *d == id)
                .map(|(ns, _, _)| ns.as_str())
                .unwrap_or_default();
            self.put(keys::draft_group(id.0), namespace.as_bytes().to_vec());
            self.put(
                keys::draft_queue(draft.state.name(), &group_of(namespace), id.0),
                Vec::new(),
            );
        }
        Ok(())
    }
}

impl Store {
    /// A draft by id.
    pub fn draft(&self, id: DraftId) -> Result<Option<Draft>, StoreError> {
        let key = keys::draft(id.0);
        match self.db().get(&key)? {
            Some(bytes) => Ok(Some(decode(&key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// One page of the review queue over `states` (names), newest incident
    /// first and its drafts together, single replies last; strictly after
    /// the cursor `after`.
    pub fn draft_queue_page(
        &self,
        states: &[&str],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<IndexPage<QueuedDraft>, StoreError> {
        let prefixes: Vec<Vec<u8>> = states.iter().map(|s| keys::draft_queue_prefix(s)).collect();
        let scan = MergedScan::open(self, &prefixes, after, Direction::Descending)?;
        collect_page(scan, limit, usize::MAX, |order, _| {
            Ok(parse_queue_order(order))
        })
    }

    /// One page of an incident's drafts in every state, newest first,
    /// strictly after the cursor `after`: the queue's entries of the
    /// incident's group, one range per state.
    pub fn incident_draft_page(
        &self,
        number: &str,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<IndexPage<DraftId>, StoreError> {
        let group = group_of(number);
        let prefixes: Vec<Vec<u8>> = DRAFT_STATE_NAMES
            .iter()
            .map(|s| keys::draft_queue_group_prefix(s, &group))
            .collect();
        let scan = MergedScan::open(self, &prefixes, after, Direction::Descending)?;
        collect_page(scan, limit, usize::MAX, |order, _| {
            Ok(uuid::Uuid::from_slice(order).ok().map(DraftId))
        })
    }

    /// The cover namespace a draft was made under (incident number or
    /// `reply:<template>`); None when unknown.
    pub fn draft_namespace(&self, id: DraftId) -> Result<Option<String>, StoreError> {
        Ok(self
            .db()
            .get(keys::draft_group(id.0))?
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .filter(|ns| !ns.is_empty()))
    }

    /// The messages `id` covers (its target among them), oldest first: at
    /// most `limit`, and how many there are (counted up to `count_cap`).
    pub fn draft_covers(
        &self,
        id: DraftId,
        limit: usize,
        count_cap: usize,
    ) -> Result<(Vec<MessageId>, usize), StoreError> {
        let prefix = keys::draft_covers_prefix(id.0);
        let mut ids = Vec::new();
        let mut total = 0;
        for item in self.db().scan_prefix(&prefix).keys().take(count_cap) {
            let key = item?;
            total += 1;
            if ids.len() < limit
                && let Some(message) = keys::trailing_id(&key)
            {
                ids.push(message);
            }
        }
        Ok((ids, total))
    }
}

/// Writes the queue, group and cover entries of every stored draft.
pub(super) fn rebuild(db: &sled::Db, sink: &mut BatchSink) -> Result<(), StoreError> {
    let mut namespaces: HashMap<uuid::Uuid, String> = HashMap::new();
    for item in db.scan_prefix(keys::INCIDENT_COVER) {
        let (key, value) = item?;
        let (Some((namespace, message)), Ok(draft)) =
            (parse_cover(&key), uuid::Uuid::from_slice(&value))
        else {
            continue;
        };
        sink.put(db, keys::draft_cover(draft, message.0), Vec::new())?;
        namespaces
            .entry(draft)
            .or_insert_with(|| String::from_utf8_lossy(namespace).into_owned());
    }
    for item in db.scan_prefix(keys::DRAFT) {
        let (key, value) = item?;
        let draft: Draft = decode(&key, &value)?;
        let namespace = namespaces.get(&draft.id.0).cloned().unwrap_or_default();
        sink.put(
            db,
            keys::draft_queue(draft.state.name(), &group_of(&namespace), draft.id.0),
            Vec::new(),
        )?;
        sink.put(db, keys::draft_group(draft.id.0), namespace.into_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_orders_parse_back_to_their_incident() {
        let id = uuid::Uuid::now_v7();
        let key = keys::draft_queue("proposed", &group_of("20261128-000003"), id);
        let order = key
            .strip_prefix(keys::draft_queue_prefix("proposed").as_slice())
            .unwrap_or_default();
        assert_eq!(
            parse_queue_order(order),
            Some(QueuedDraft {
                incident: Some("20261128-000003".into()),
                id: DraftId(id)
            })
        );
        assert_eq!(group_of("reply:greeting"), SINGLE_GROUP);
        assert!(group_of("20261128-000003").as_str() > SINGLE_GROUP);
    }

    #[test]
    fn cover_keys_split_into_namespace_and_message() {
        let m = uuid::Uuid::now_v7();
        let key = keys::incident_cover("reply:greeting", m);
        assert_eq!(
            parse_cover(&key),
            Some((&b"reply:greeting"[..], MessageId(m)))
        );
    }
}
