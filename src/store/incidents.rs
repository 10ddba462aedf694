//! What the trend detector keeps in the store: which incident each firing
//! topic has open, the messages of each incident, which of them a drafted
//! reply already covers, and the detector's own state.
//!
//! Keys: `incopen/` ‖ topic → number; `incmember/` ‖ number ‖ `/` ‖ uuid;
//! `inccover/` ‖ number ‖ `/` ‖ uuid → draft uuid; `meta/trends`.

use super::index_scan::{Direction, IndexPage, MergedScan, collect_page};
use super::{Store, StoreError, Tx, keys};
use crate::model::{DraftId, MessageId};

impl Tx<'_> {
    /// The incident `topic` has open, if any.
    pub fn open_incident(&self, topic: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .get(&keys::incident_open(topic))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Records the incident `topic` has open (None: it has none any more).
    pub fn set_open_incident(&mut self, topic: &str, number: Option<&str>) {
        match number {
            Some(number) => self.put(keys::incident_open(topic), number.as_bytes().to_vec()),
            None => self.remove(keys::incident_open(topic)),
        }
    }

    /// Whether `message` is already a member of the incident.
    pub fn is_incident_member(&self, number: &str, message: MessageId) -> Result<bool, StoreError> {
        Ok(self
            .get(&keys::incident_member(number, message.0))?
            .is_some())
    }

    /// Adds a message to an incident.
    pub fn add_incident_member(&mut self, number: &str, message: MessageId) {
        self.put(keys::incident_member(number, message.0), Vec::new());
    }

    /// The draft that covers `message` in the incident, if one does.
    pub fn incident_cover(
        &self,
        number: &str,
        message: MessageId,
    ) -> Result<Option<DraftId>, StoreError> {
        Ok(self
            .get(&keys::incident_cover(number, message.0))?
            .and_then(|v| uuid::Uuid::from_slice(&v).ok())
            .map(DraftId))
    }

    /// Records that `draft` covers `message` (and its near-duplicates).
    pub fn set_incident_cover(&mut self, number: &str, message: MessageId, draft: DraftId) {
        self.put(
            keys::incident_cover(number, message.0),
            draft.0.as_bytes().to_vec(),
        );
    }

    /// The trend detector's saved state.
    pub fn trend_state(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(keys::TREND_STATE)
    }

    /// Saves the trend detector's state in this batch.
    pub fn set_trend_state(&mut self, state: Vec<u8>) {
        self.put(keys::TREND_STATE.to_vec(), state);
    }
}

impl Store {
    /// The messages of an incident, oldest first, at most `limit`.
    pub fn incident_members(
        &self,
        number: &str,
        limit: usize,
    ) -> Result<Vec<MessageId>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::incident_member_prefix(number)) {
            let (key, _) = item?;
            if let Some(id) = keys::trailing_id(&key) {
                out.push(id);
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// One page of an incident's members, newest message first (ids are
    /// UUIDv7), strictly past the cursor `after` (a previous page's `next`).
    pub fn incident_member_page(
        &self,
        number: &str,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<IndexPage<MessageId>, StoreError> {
        let prefix = [keys::incident_member_prefix(number)];
        let scan = MergedScan::open(self, &prefix, after, Direction::Descending)?;
        collect_page(scan, limit, usize::MAX, |order, _| {
            Ok(uuid::Uuid::from_slice(order).ok().map(MessageId))
        })
    }

    /// The trend detector's saved state.
    pub fn trend_state(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db().get(keys::TREND_STATE)?.map(|v| v.to_vec()))
    }

    /// The incident each topic has open.
    pub fn open_incidents(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::INCIDENT_OPEN) {
            let (key, value) = item?;
            let topic = String::from_utf8_lossy(&key[keys::INCIDENT_OPEN.len()..]).into_owned();
            out.push((topic, String::from_utf8_lossy(&value).into_owned()));
        }
        Ok(out)
    }
}
