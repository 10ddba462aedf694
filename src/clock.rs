//! Time as the pollers see it: the system clock in the daemon, a manual
//! clock in tests and benchmarks, so hours of polling under a rate limit
//! run in milliseconds and never depend on wall-clock luck.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

/// A boxed sleep, so clocks can be shared as `Arc<dyn Clock>`.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of the current time and of sleeps measured against it.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
    /// Resolves once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// A clock shared between tasks.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock; sleeps are tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The system clock as a [`SharedClock`].
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// A clock that moves only when told to; sleepers wake when it passes
/// their deadline.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ManualState>,
}

#[derive(Debug)]
struct ManualState {
    now: DateTime<Utc>,
    sleepers: Vec<(DateTime<Utc>, oneshot::Sender<()>)>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            state: Mutex::new(ManualState {
                now: start,
                sleepers: Vec::new(),
            }),
        })
    }

    /// Moves the clock forward by `by` and wakes every sleeper now due.
    pub fn advance(&self, by: Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let due = {
            let mut state = self.lock();
            state.now = state.now.checked_add_signed(by).unwrap_or(state.now);
            let now = state.now;
            let (due, waiting): (Vec<_>, Vec<_>) =
                state.sleepers.drain(..).partition(|(at, _)| *at <= now);
            state.sleepers = waiting;
            due
        };
        for (_, wake) in due {
            let _ = wake.send(());
        }
    }

    /// How many sleepers wait (tests use it to know a task is parked).
    pub fn sleepers(&self) -> usize {
        let mut state = self.lock();
        state.sleepers.retain(|(_, tx)| !tx.is_closed());
        state.sleepers.len()
    }

    /// The earliest deadline anyone sleeps until.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        let mut state = self.lock();
        state.sleepers.retain(|(_, tx)| !tx.is_closed());
        state.sleepers.iter().map(|(at, _)| *at).min()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().now
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.lock();
            let by = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
            let at = state
                .now
                .checked_add_signed(by)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            if at <= state.now {
                let _ = tx.send(());
            } else {
                state.sleepers.push((at, tx));
            }
        }
        Box::pin(async move {
            // A dropped clock never wakes anyone: sleep forever, as time stopped.
            if rx.await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sleepers_wake_only_when_the_clock_passes_their_deadline() {
        let clock = ManualClock::new(DateTime::UNIX_EPOCH);
        let short = clock.sleep(Duration::from_secs(10));
        let long = clock.sleep(Duration::from_secs(60));
        assert_eq!(clock.sleepers(), 2);
        clock.advance(Duration::from_secs(9));
        assert_eq!(clock.sleepers(), 2);
        clock.advance(Duration::from_secs(1));
        short.await;
        assert_eq!(clock.sleepers(), 1);
        assert_eq!(
            clock.next_deadline(),
            Some(DateTime::UNIX_EPOCH + chrono::Duration::seconds(60))
        );
        clock.advance(Duration::from_secs(50));
        long.await;
        assert_eq!(clock.now().timestamp(), 60);
    }

    #[tokio::test]
    async fn a_zero_sleep_is_ready_at_once() {
        let clock = ManualClock::new(DateTime::UNIX_EPOCH);
        clock.sleep(Duration::ZERO).await;
        assert_eq!(clock.sleepers(), 0);
    }
}
