//! Per-connector status, shown at `/healthz`.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::ConnectorId;

/// What a connector is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorState {
    /// Not started yet.
    Starting,
    /// Working or waiting for the next poll.
    Running,
    /// Connected and waiting for new input (IMAP IDLE, or between polls).
    Idle,
    /// Retrying after an error.
    BackingOff,
    /// The credentials were refused; waits for new ones.
    AuthFailed,
    /// Stopped on shutdown.
    Stopped,
    /// Gave up with an error.
    Failed,
}

/// One connector's status.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectorStatus {
    /// `kind` from its config file.
    pub kind: String,
    /// Current state.
    pub state: ConnectorState,
    /// Last time input was stored or a poll succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// Last error, if the connector is not healthy.
    pub last_error: Option<String>,
    /// Inputs made durable since start.
    pub ingested: u64,
    /// Lag: inputs waiting at the source, per folder or endpoint, as of the
    /// last check (0 once everything seen is durable).
    pub lag: BTreeMap<String, u64>,
}

/// Shared table of connector statuses.
#[derive(Clone, Default)]
pub struct StatusBoard {
    inner: Arc<RwLock<BTreeMap<String, ConnectorStatus>>>,
}

impl StatusBoard {
    /// Registers a connector in state `Starting`.
    pub fn register(&self, id: &ConnectorId, kind: &str) {
        self.update(id, |s| s.kind = kind.to_string());
    }

    /// Changes a connector's state; clears the error when it runs again.
    pub fn set_state(&self, id: &ConnectorId, state: ConnectorState, error: Option<String>) {
        self.update(id, |s| {
            s.state = state;
            s.last_error = error;
        });
    }

    /// Records `n` inputs made durable now.
    pub fn record_success(&self, id: &ConnectorId, n: u64) {
        self.update(id, |s| {
            s.ingested += n;
            s.last_success = Some(Utc::now());
        });
    }

    /// Records how many inputs wait at the source in `part` (a folder).
    pub fn set_lag(&self, id: &ConnectorId, part: &str, waiting: u64) {
        self.update(id, |s| {
            s.lag.insert(part.to_string(), waiting);
        });
    }

    /// A snapshot for `/healthz`.
    pub fn snapshot(&self) -> BTreeMap<String, ConnectorStatus> {
        match self.inner.read() {
            Ok(m) => m.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn update(&self, id: &ConnectorId, f: impl FnOnce(&mut ConnectorStatus)) {
        let mut map = match self.inner.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let entry = map.entry(id.0.clone()).or_insert_with(|| ConnectorStatus {
            kind: String::new(),
            state: ConnectorState::Starting,
            last_success: None,
            last_error: None,
            ingested: 0,
            lag: BTreeMap::new(),
        });
        f(entry);
    }
}
