//! One measured run: a fresh daemon and stand-in on a manual clock, a
//! load of mentions, and the stand-in's log read afterwards.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use tokio::sync::oneshot;

use super::WeiboBenchArgs;
use super::standin::{StandIn, StandInOptions};
use crate::bench::BenchError;
use crate::clock::{Clock, ManualClock, SharedClock};

const TOKEN: &str = "2.00bench-token";

/// The traffic of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// So many new mentions every clock minute.
    Steady {
        /// Mentions per minute.
        per_minute: usize,
    },
    /// An hour of one mention a minute, then so many mentions at once.
    Burst {
        /// Mentions in the burst.
        items: usize,
    },
}

impl fmt::Display for Load {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Load::Steady { per_minute } => write!(f, "steady {per_minute}/min"),
            Load::Burst { items } => write!(f, "burst of {items}"),
        }
    }
}

/// What one scenario cost.
#[derive(Debug, Clone)]
pub struct Measured {
    /// The traffic.
    pub load: Load,
    /// Whether the server sent `next_cursor` hints.
    pub hints: bool,
    /// Clock minutes from start until everything was stored.
    pub clock_minutes: u64,
    /// Mentions posted.
    pub posted: u64,
    /// Mentions stored.
    pub stored: u64,
    /// Calls made (every endpoint, rate-limit status included).
    pub requests: usize,
    /// Timeline calls that returned no item.
    pub empty_polls: usize,
    /// Clock time divided by the poll spacing.
    pub polls_by_interval: u64,
    /// Most calls in any sliding hour.
    pub busiest_hour: usize,
    /// Real seconds the scenario took.
    pub real_seconds: f64,
}

impl Measured {
    /// Calls per 200 stored items.
    pub fn per_200(&self) -> f64 {
        if self.stored == 0 {
            return f64::NAN;
        }
        self.requests as f64 * 200.0 / self.stored as f64
    }
}

/// Runs one scenario in `dir`.
pub async fn measure(
    args: &WeiboBenchArgs,
    load: Load,
    hints: bool,
    dir: &Path,
) -> Result<Measured, BenchError> {
    let started = Instant::now();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let begin: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 12, 12, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let clock = ManualClock::new(begin);
    let shared: SharedClock = clock.clone();
    let options = StandInOptions {
        user_limit: 1_000_000,
        ip_limit: 1_000_000,
        cursor_hints: hints,
        ..StandInOptions::default()
    };
    let standin = StandIn::start(shared.clone(), options).await?;
    standin.set_tokens(&[TOKEN]);
    write_tree(dir, args, &standin.api_base())?;
    let config = crate::config::load(&dir.join("omnilisten.toml"))
        .map_err(|p| BenchError::Config(p.to_string()))?;
    let (stop, stop_rx) = oneshot::channel::<()>();
    let (bound_tx, bound_rx) = oneshot::channel();
    let daemon = tokio::spawn(async move {
        let shutdown = async {
            let _ = stop_rx.await;
        };
        crate::app::run_with_clock(config, shutdown, Some(bound_tx), shared).await
    });
    let addr = bound_rx
        .await
        .map_err(|_| BenchError::Daemon("stopped before listening".into()))?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| BenchError::Http(e.to_string()))?;
    let stats_url = format!("http://{addr}/api/stats");
    let stored = async || -> Result<u64, BenchError> {
        let body: serde_json::Value = http
            .get(&stats_url)
            .send()
            .await
            .map_err(|e| BenchError::Http(e.to_string()))?
            .json()
            .await
            .map_err(|e| BenchError::Http(e.to_string()))?;
        Ok(body
            .pointer("/messages/by_channel/weibo")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0))
    };

    let mut posted = 0u64;
    // A burst is measured from the moment it is posted: the quiet hour
    // before it only sets the cursor.
    let mut from_request = 0;
    let mut from_time = begin;
    let mut stored_before = 0;
    let mut posted_before = 0;
    match load {
        Load::Steady { per_minute } => {
            for minute in 0..args.hours * 60 {
                posted += standin.post_status_mentions(per_minute).len() as u64;
                let until = begin + chrono::Duration::minutes(minute as i64 + 1);
                run_until(&clock, until).await?;
            }
        }
        Load::Burst { items } => {
            // An hour of ordinary traffic first, so the timeline is not empty
            // before the burst (an empty one makes every total exact).
            for minute in 0..60 {
                posted += standin.post_status_mentions(1).len() as u64;
                run_until(&clock, begin + chrono::Duration::minutes(minute + 1)).await?;
            }
            from_request = standin.requests().len();
            from_time = clock.now();
            stored_before = stored().await?;
            posted_before = posted;
            posted += standin.post_status_mentions(items).len() as u64;
        }
    }
    // Drain: until everything posted is stored, at most two more hours.
    let limit = clock.now() + chrono::Duration::hours(2);
    while stored().await? < posted && clock.now() < limit {
        let step = clock.now() + chrono::Duration::seconds(10);
        run_until(&clock, step).await?;
    }
    let stored_all = stored().await?;
    let end = clock.now();
    let _ = stop.send(());
    match daemon.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(BenchError::Daemon(e.to_string())),
        Err(e) => return Err(BenchError::Daemon(e.to_string())),
    }
    standin.shutdown();
    let log: Vec<_> = standin.requests().into_iter().skip(from_request).collect();
    let timeline: Vec<_> = log.iter().filter(|r| r.path.contains("mentions")).collect();
    let empty_polls = timeline
        .iter()
        .filter(|r| r.status == 200 && r.items == 0)
        .count();
    let times: Vec<DateTime<Utc>> = log.iter().map(|r| r.at).collect();
    let busiest_hour = (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t - times[i] < chrono::Duration::hours(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    let clock_seconds = (end - from_time).num_seconds().max(0) as u64;
    let spacing = spacing(args);
    let _ = std::fs::remove_dir_all(dir);
    Ok(Measured {
        load,
        hints,
        clock_minutes: clock_seconds / 60,
        posted: posted - posted_before,
        stored: stored_all.saturating_sub(stored_before),
        requests: log.len(),
        empty_polls,
        polls_by_interval: clock_seconds / spacing.as_secs().max(1),
        busiest_hour,
        real_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The spacing the poller keeps for one endpoint (see `poll`).
fn spacing(args: &WeiboBenchArgs) -> Duration {
    let budget = crate::connectors::weibo::budget::Budget::new(
        args.requests_per_hour,
        Arc::new(crate::clock::SystemClock),
    );
    Duration::from_secs(args.poll_interval).max(budget.poll_spacing(1, 0.8))
}

fn write_tree(dir: &Path, args: &WeiboBenchArgs, api_base: &str) -> Result<(), BenchError> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("connectors"))?;
    std::fs::create_dir_all(dir.join("rules"))?;
    std::fs::write(
        dir.join("omnilisten.toml"),
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\n\n[log]\nlevel = \"warn\"\n",
    )?;
    std::fs::write(dir.join("token"), format!("{TOKEN}\n"))?;
    std::fs::write(
        dir.join("connectors/weibo.toml"),
        format!(
            "kind = \"weibo\"\napi_base = \"{api_base}\"\naccess_token_file = \"token\"\nendpoints = [\"statuses_mentions\"]\ncount = {}\nrequests_per_hour = {}\npoll_interval = \"{}s\"\n",
            args.count, args.requests_per_hour, args.poll_interval
        ),
    )?;
    Ok(())
}

/// Advances the clock wake-up by wake-up until `until`, letting the poller
/// finish each round (it is parked on the clock again) before the next.
async fn run_until(clock: &Arc<ManualClock>, until: DateTime<Utc>) -> Result<(), BenchError> {
    loop {
        wait_parked(clock).await?;
        let now = clock.now();
        if now >= until {
            return Ok(());
        }
        let next = clock.next_deadline().unwrap_or(until).min(until);
        clock.advance((next - now).to_std().unwrap_or(Duration::from_millis(1)));
    }
}

/// Waits (real time) until the poller sleeps on the clock.
async fn wait_parked(clock: &ManualClock) -> Result<(), BenchError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while clock.sleepers() == 0 {
        if Instant::now() > deadline {
            return Err(BenchError::Daemon(
                "the poller did not come back to the clock within 60 s".into(),
            ));
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    Ok(())
}
