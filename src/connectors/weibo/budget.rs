//! The call budget of one Weibo connector: at most `requests_per_hour`
//! calls in any hour, reads and writes alike, and none at all while Weibo
//! says a rate limit is exhausted.
//!
//! A sliding hour is stricter than Weibo's windows, which reset at fixed
//! times: no fixed hour can then hold more than the budget either.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::SharedClock;

const HOUR: Duration = Duration::from_secs(3600);

/// Calls spent in the last hour, and a rate-limit block.
pub struct Budget {
    per_hour: u32,
    clock: SharedClock,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    calls: VecDeque<DateTime<Utc>>,
    blocked_until: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("per_hour", &self.per_hour)
            .field("spent", &self.spent())
            .finish()
    }
}

impl Budget {
    /// A budget of `per_hour` calls (at least one).
    pub fn new(per_hour: u32, clock: SharedClock) -> Budget {
        Budget {
            per_hour: per_hour.max(1),
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// Calls allowed per hour.
    pub fn per_hour(&self) -> u32 {
        self.per_hour
    }

    /// Waits until a call may be made and counts it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let now = self.clock.now();
                let mut state = self.lock();
                prune(&mut state.calls, now);
                match state.blocked_until {
                    Some(until) if until > now => Some(until - now),
                    _ if state.calls.len() < self.per_hour as usize => {
                        state.blocked_until = None;
                        state.calls.push_back(now);
                        None
                    }
                    // Full: the oldest call leaves the window first.
                    _ => state.calls.front().map(|oldest| *oldest + HOUR - now),
                }
            };
            match wait {
                None => return,
                Some(wait) => {
                    let wait = wait.to_std().unwrap_or(Duration::ZERO);
                    self.clock.sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }

    /// Counts a call if one may be made now; false (nothing counted) when
    /// the hour's calls are spent or a rate limit blocks. Writers use it:
    /// a reply claimed for sending must not sit waiting for the budget.
    pub fn try_acquire(&self) -> bool {
        let now = self.clock.now();
        let mut state = self.lock();
        prune(&mut state.calls, now);
        if state.blocked_until.is_some_and(|until| until > now)
            || state.calls.len() >= self.per_hour as usize
        {
            return false;
        }
        state.calls.push_back(now);
        true
    }

    /// Makes every caller wait until `until` (Weibo said a limit is reached).
    pub fn block_until(&self, until: DateTime<Utc>) {
        let mut state = self.lock();
        if state.blocked_until.is_none_or(|b| b < until) {
            state.blocked_until = Some(until);
        }
    }

    /// Whether calls wait for a rate-limit reset now, and until when.
    pub fn blocked_until(&self) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        self.lock().blocked_until.filter(|until| *until > now)
    }

    /// Calls made in the last hour.
    pub fn spent(&self) -> usize {
        let now = self.clock.now();
        let mut state = self.lock();
        prune(&mut state.calls, now);
        state.calls.len()
    }

    /// The steady spacing between two polls of one of `endpoints`
    /// endpoints that keeps a `share` of the budget for paging and replies.
    pub fn poll_spacing(&self, endpoints: usize, share: f64) -> Duration {
        let polls_per_hour = (f64::from(self.per_hour) * share.clamp(0.05, 1.0)).max(1.0);
        HOUR.mul_f64(endpoints.max(1) as f64 / polls_per_hour)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn prune(calls: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) {
    while calls.front().is_some_and(|t| *t + HOUR <= now) {
        calls.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::{Clock, ManualClock};

    #[tokio::test]
    async fn the_budget_waits_for_the_oldest_call_to_leave_the_hour() {
        let clock = ManualClock::new(DateTime::UNIX_EPOCH);
        let budget = Arc::new(Budget::new(3, clock.clone()));
        for _ in 0..3 {
            budget.acquire().await;
            clock.advance(Duration::from_secs(60));
        }
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.acquire().await }
        });
        tokio::task::yield_now().await;
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
        // The first call was at 0 s; the window frees it at 3600 s.
        assert_eq!(clock.next_deadline().map(|t| t.timestamp()), Some(3600));
        clock.advance(Duration::from_secs(3600 - 180));
        waiting.await.unwrap();
        assert_eq!(budget.spent(), 3);
    }

    #[tokio::test]
    async fn a_block_holds_every_call_until_it_ends() {
        let clock = ManualClock::new(DateTime::UNIX_EPOCH);
        let budget = Arc::new(Budget::new(100, clock.clone()));
        budget.block_until(DateTime::UNIX_EPOCH + chrono::Duration::seconds(900));
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.acquire().await }
        });
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(clock.next_deadline().map(|t| t.timestamp()), Some(900));
        clock.advance(Duration::from_secs(900));
        waiting.await.unwrap();
        assert_eq!(budget.blocked_until(), None);
    }

    #[test]
    fn try_acquire_refuses_instead_of_waiting() {
        let clock = ManualClock::new(DateTime::UNIX_EPOCH);
        let budget = Budget::new(2, clock.clone());
        assert!(budget.try_acquire());
        assert!(budget.try_acquire());
        assert!(!budget.try_acquire());
        assert_eq!(budget.spent(), 2);
        clock.advance(Duration::from_secs(3600));
        assert!(budget.try_acquire());
        budget.block_until(clock.now() + chrono::Duration::seconds(60));
        assert!(!budget.try_acquire());
    }

    #[test]
    fn spacing_spreads_the_budget_over_the_endpoints() {
        let clock = ManualClock::new(DateTime::UNIX_EPOCH);
        let budget = Budget::new(150, clock);
        assert_eq!(budget.poll_spacing(3, 1.0), Duration::from_secs(72));
        assert_eq!(budget.poll_spacing(3, 0.5), Duration::from_secs(144));
    }
}
