//! Reconnect delays: exponential with jitter, so many daemons restarted
//! together do not hit the mail server in step.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

/// The delay before the next reconnect attempt.
#[derive(Debug)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    current: Duration,
    random: RandomState,
    draws: u64,
}

impl Backoff {
    /// Starts at `min` and doubles up to `max`.
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max,
            current: min,
            random: RandomState::new(),
            draws: 0,
        }
    }

    /// Back to the shortest delay, after a connection that worked.
    pub fn reset(&mut self) {
        self.current = self.min;
    }

    /// The next delay: between half and all of the current step ("equal
    /// jitter"), then the step doubles.
    pub fn next_delay(&mut self) -> Duration {
        let step = self.current;
        self.current = (self.current * 2).min(self.max);
        self.draws += 1;
        // std's RandomState is randomly keyed per process: enough for jitter,
        // without a dependency for it.
        let fraction = (self.random.hash_one(self.draws) % 1_000) as u32;
        step / 2 + step / 2 * fraction / 1_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(4));
        let mut steps = Vec::new();
        for _ in 0..6 {
            steps.push(b.next_delay());
        }
        let caps = [500, 1000, 2000, 4000, 4000, 4000];
        for (delay, cap) in steps.iter().zip(caps) {
            let cap = Duration::from_millis(cap);
            assert!(*delay >= cap / 2 && *delay <= cap, "{delay:?} vs {cap:?}");
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(500));
    }
}
