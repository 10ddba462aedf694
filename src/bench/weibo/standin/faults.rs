//! Injected failures: the next-n queue (`fail_next`) for any API call, and
//! a seeded random fraction (`fail_rate`) of timeline reads. Random ones
//! alternate between the gateway's HTML 502 and Weibo's JSON 5xx system
//! errors (10001, 10002, 10003, 10009, 10011 in turn), so a client meets
//! both shapes within a few failures.

use std::collections::VecDeque;

use super::model::Fault;
use super::reply::Reply;
use super::rng::Rng;

/// The JSON errors random failures cycle through: (HTTP status, code).
const SYSTEM_ERRORS: &[(u16, i64)] = &[
    (500, 10001),
    (503, 10002),
    (500, 10003),
    (503, 10009),
    (500, 10011),
];

/// Pending and random failures.
#[derive(Debug)]
pub(crate) struct Faults {
    rng: Rng,
    rate: f64,
    queue: VecDeque<Fault>,
    /// Random failures injected so far: picks the next one's shape.
    injected: usize,
}

impl Faults {
    /// Random failures at `rate`, drawn from `seed`.
    pub(crate) fn new(seed: u64, rate: f64) -> Faults {
        Faults {
            rng: Rng::new(seed ^ 0x4641_554c_5453), // "FAULTS"
            rate,
            queue: VecDeque::new(),
            injected: 0,
        }
    }

    /// Changes the random fraction from now on.
    pub(crate) fn set_rate(&mut self, rate: f64) {
        self.rate = rate;
    }

    /// Queues `fault` for the next `n` calls.
    pub(crate) fn push(&mut self, n: usize, fault: Fault) {
        self.queue.extend(std::iter::repeat_n(fault, n));
    }

    /// The failure for an admitted call, if any: queued ones first, then
    /// (reads only) one random draw per call.
    pub(crate) fn next(&mut self, read: bool) -> Option<Reply> {
        if let Some(fault) = self.queue.pop_front() {
            return Some(reply(fault));
        }
        if !read || self.rate <= 0.0 || !self.rng.chance(self.rate) {
            return None;
        }
        let n = self.injected;
        self.injected += 1;
        if n.is_multiple_of(2) {
            return Some(Reply::Html502);
        }
        let (status, code) = SYSTEM_ERRORS[(n / 2) % SYSTEM_ERRORS.len()];
        Some(Reply::code(status, code))
    }
}

/// How `fault` is answered.
fn reply(fault: Fault) -> Reply {
    match fault {
        Fault::Html502 => Reply::Html502,
        Fault::Json5xx(status, code) | Fault::Error(status, code) => Reply::code(status, code),
        Fault::Hang => Reply::Hang,
    }
}
