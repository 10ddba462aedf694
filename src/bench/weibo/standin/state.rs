//! The state every handler and every handle method shares, behind one std
//! mutex: a call is decided and logged in one critical section, so the log
//! order is the order calls were served in. Never held across `.await`.

use std::sync::{Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

use super::data::World;
use super::faults::Faults;
use super::limits::Limits;
use super::model::{LoggedRequest, PublishedComment, StandInOptions, WriteBehaviour};
use super::rng::Rng;
use crate::clock::SharedClock;

/// What the server task and the handles hold.
pub(crate) struct Shared {
    /// Time as the stand-in sees it.
    pub(crate) clock: SharedClock,
    /// Cancelled at shutdown; hanging calls wait for it.
    pub(crate) stop: CancellationToken,
    state: Mutex<State>,
}

/// Everything mutable.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) options: StandInOptions,
    pub(crate) world: World,
    pub(crate) limits: Limits,
    pub(crate) faults: Faults,
    pub(crate) write_behaviour: WriteBehaviour,
    /// Text of the last comment published (20019 on a repeat).
    pub(crate) last_text: Option<String>,
    pub(crate) log: Vec<LoggedRequest>,
    pub(crate) published: Vec<PublishedComment>,
    /// Scrambles pages when `shuffle_pages` is on.
    pub(crate) shuffler: Rng,
}

impl Shared {
    /// Fresh state for `options`, its background dated before the clock's now.
    pub(crate) fn new(clock: SharedClock, options: StandInOptions) -> Shared {
        let now = clock.now();
        let state = State {
            world: World::new(options.seed, now),
            limits: Limits::default(),
            faults: Faults::new(options.seed, options.fail_rate),
            write_behaviour: WriteBehaviour::Accept,
            last_text: None,
            log: Vec::new(),
            published: Vec::new(),
            shuffler: Rng::new(options.seed ^ 0x5348_5546), // "SHUF"
            options,
        };
        Shared {
            clock,
            stop: CancellationToken::new(),
            state: Mutex::new(state),
        }
    }

    /// The state; a panic elsewhere does not make it unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
