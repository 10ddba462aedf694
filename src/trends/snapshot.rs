//! The engine's whole state as one serde value, so a restart keeps the
//! seasonal history (7 days of baseline live in the 28-day rings), the alert
//! states and the emerging-terms baseline.
//!
//! Everything that decides future events is included (open author sets,
//! Space-Saving heap order, exact HyperLogLog sums, `f64` sketch totals as
//! bit patterns), so a restored engine produces exactly the events the
//! original would have. Every part is checked on the way in: a corrupt
//! snapshot is an error, never a panic later.

use serde::{Deserialize, Serialize};

use super::emerging::Emerging;
use super::engine::TrendEngine;
use super::series::Series;
use super::spec::EngineOptions;
use super::topic::TopicState;
use super::unique::OpenMinutes;

/// Format version written into snapshots.
const VERSION: u32 = 1;

/// A serializable copy of a [`TrendEngine`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// Format version.
    version: u32,
    /// The engine's options.
    options: EngineOptions,
    /// Per-topic state, in the engine's order.
    topics: Vec<TopicState>,
    /// All traffic.
    total: Series,
    /// Open minutes of all traffic.
    total_open: OpenMinutes,
    /// Newest minute seen.
    clock: Option<i64>,
    /// Newest minute with a message.
    last_data: i64,
    /// Layer B.
    emerging: Emerging,
}

/// Why a snapshot could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot restore trend state: {0}")]
pub struct RestoreError(String);

impl Snapshot {
    /// Copies the engine's state.
    pub(crate) fn of(engine: &TrendEngine) -> Snapshot {
        Snapshot {
            version: VERSION,
            options: engine.options.clone(),
            topics: engine.topics.clone(),
            total: engine.total.clone(),
            total_open: engine.total_open.clone(),
            clock: engine.clock,
            last_data: engine.last_data,
            emerging: engine.emerging.clone(),
        }
    }

    /// Checks every part and rebuilds the engine.
    pub(crate) fn into_engine(self) -> Result<TrendEngine, RestoreError> {
        let err = RestoreError;
        if self.version != VERSION {
            return Err(err(format!("unknown snapshot version {}", self.version)));
        }
        let options = self.options.sanitized();
        let late = options.late_minutes();
        let mut total_open = self.total_open;
        total_open.rebuild().map_err(err)?;
        self.total.validate().map_err(err)?;
        let mut topics = self.topics;
        for topic in &mut topics {
            topic.series.validate().map_err(err)?;
            topic.open.rebuild().map_err(err)?;
            if topic.open.len() != late || topic.series.head() != self.total.head() {
                return Err(err(format!("topic {} is out of step", topic.spec.id)));
            }
            topic.spec = topic.spec.clone().sanitized();
        }
        if total_open.len() != late {
            return Err(err("open minutes do not match the options".into()));
        }
        if self.clock.is_some_and(|clock| clock != self.total.head()) {
            return Err(err("clock and series are out of step".into()));
        }
        let mut emerging = self.emerging;
        emerging.rebuild().map_err(err)?;
        Ok(TrendEngine {
            options,
            topics,
            total: self.total,
            total_open,
            clock: self.clock,
            last_data: self.last_data,
            emerging,
        })
    }

    /// The snapshot as JSON bytes (for storing in sled).
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// A snapshot read back from [`Snapshot::to_json`]'s bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Snapshot, RestoreError> {
        serde_json::from_slice(bytes).map_err(|e| RestoreError(e.to_string()))
    }
}
