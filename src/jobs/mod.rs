//! Work done on a wall-clock schedule: the daily digest (a note on a ticket
//! in the digest queue) and the store sweep (index entries and windows that
//! would otherwise grow forever).
//!
//! The schedule is tokio-cron-scheduler's, with cron jobs only (six fields
//! with seconds, China Standard Time): its repeated jobs stop firing once
//! they fall behind (issue #113). A job never overlaps itself: a tick that
//! finds the previous run still going is skipped with a log line. Each job
//! body is a plain async function of the store and `now`, so tests call it
//! without the scheduler.
//!
//! | file | does |
//! | --- | --- |
//! | `digest.rs` | the day's digest ticket and the note written on it |
//! | `sweep.rs` | removes stale conversations, acknowledgement windows, stuck media jobs, old digest records |

mod digest;
mod sweep;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, FixedOffset, Offset, Utc};
use tokio::task::JoinHandle;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use digest::{
    DIGEST_AUTHOR, DigestFacts, DigestReport, digest_title, render_digest, run_digest,
};
pub use sweep::{CHUNK, DIGEST_RETENTION_DAYS, SweepOptions, SweepReport, run_sweep};

use crate::clock::SharedClock;
use crate::config::JobsConfig;
use crate::incidents::TrendsView;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// Errors of the scheduler and of a job run.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The store failed; the run is retried at its next tick.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A blocking scan task died.
    #[error("job task failed: {0}")]
    Task(String),
    /// The scheduler refused a job or could not start.
    #[error("scheduler: {0}")]
    Scheduler(#[from] JobSchedulerError),
}

impl From<tokio::task::JoinError> for JobError {
    fn from(e: tokio::task::JoinError) -> Self {
        JobError::Task(e.to_string())
    }
}

/// China Standard Time: UTC+8 all year (no daylight saving since 1991), so
/// a fixed offset is exact and needs no time-zone database.
pub fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Checks a cron expression the way the scheduler parses it: six fields,
/// seconds first. The error is a sentence to show next to the value.
pub fn check_schedule(expression: &str) -> Result<(), String> {
    let fields = expression.split_whitespace().count();
    let hint = "write six fields, second minute hour day month weekday, such as \"0 0 9 * * *\" (09:00:00 China time every day)";
    if fields != 6 {
        return Err(format!("{fields} fields; {hint}"));
    }
    Job::new_tz(expression, china_time(), |_, _| {})
        .map(|_| ())
        .map_err(|_| hint.to_string())
}

/// What the jobs work with.
#[derive(Clone)]
pub struct JobDeps {
    /// The store.
    pub store: Store,
    /// What the trend detector last published.
    pub trends: TrendsView,
    /// Where runs and swept records are counted.
    pub metrics: Metrics,
    /// The time a run is for (the system clock in the daemon).
    pub clock: SharedClock,
}

/// One scheduled job's body.
#[derive(Debug, Clone)]
enum Task {
    Digest { queue: String },
    Sweep(SweepOptions),
}

impl Task {
    fn name(&self) -> &'static str {
        match self {
            Task::Digest { .. } => "digest",
            Task::Sweep(_) => "sweep",
        }
    }

    async fn run(
        &self,
        deps: &JobDeps,
        now: DateTime<Utc>,
        stop: &CancellationToken,
    ) -> Result<(), JobError> {
        match self {
            Task::Digest { queue } => {
                let report = run_digest(&deps.store, &deps.trends, queue, now).await?;
                tracing::info!(ticket = %report.ticket, opened = report.opened, note = %report.note, "Daily digest written.");
            }
            Task::Sweep(options) => {
                let report = run_sweep(&deps.store, options, now, stop).await?;
                for (kind, n) in report.counts() {
                    deps.metrics.count_swept(kind, n);
                }
                let [conversations, ack_windows, media_jobs, digest_days] =
                    report.counts().map(|(_, n)| n);
                tracing::info!(
                    conversations,
                    ack_windows,
                    media_jobs,
                    digest_days,
                    transactions = report.transactions,
                    interrupted = report.interrupted,
                    "Store swept."
                );
            }
        }
        Ok(())
    }
}

/// A job as the scheduler calls it: at most one run at a time.
struct Runner {
    task: Task,
    deps: JobDeps,
    busy: AtomicBool,
    stop: CancellationToken,
}

/// Clears the busy flag when a run ends, however it ends.
struct Idle<'a>(&'a AtomicBool);

impl Drop for Idle<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Runner {
    async fn tick(&self) {
        if self.stop.is_cancelled() {
            return;
        }
        let job = self.task.name();
        if self.busy.swap(true, Ordering::AcqRel) {
            tracing::warn!(job, "Previous run still in progress; this tick is skipped.");
            self.deps.metrics.count_job_run(job, "skipped");
            return;
        }
        let _idle = Idle(&self.busy);
        let now = self.deps.clock.now();
        match self.task.run(&self.deps, now, &self.stop).await {
            Ok(()) => self.deps.metrics.count_job_run(job, "ok"),
            Err(e) => {
                tracing::error!(job, error = %e, "Scheduled job failed; it runs again at its next tick.");
                self.deps.metrics.count_job_run(job, "failed");
            }
        }
    }
}

/// The running scheduler; it stops when the token given to [`start`] is cancelled.
pub struct Scheduled {
    done: Option<JoinHandle<()>>,
}

impl Scheduled {
    /// Resolves once the scheduler has shut down and every run has ended
    /// (after the stop token is cancelled).
    pub async fn stopped(self) {
        if let Some(done) = self.done
            && let Err(e) = done.await
        {
            tracing::error!(error = %e, "Job scheduler task failed.");
        }
    }
}

/// Registers the configured jobs and starts ticking; on `stop` the
/// scheduler shuts down and runs in progress finish (a sweep stops between
/// two chunks).
pub async fn start(
    config: &JobsConfig,
    deps: JobDeps,
    stop: CancellationToken,
) -> Result<Scheduled, JobError> {
    let mut planned = Vec::new();
    if config.enabled {
        if let Some(schedule) = &config.digest {
            let queue = config.digest_queue.clone();
            planned.push((schedule.clone(), Task::Digest { queue }));
        }
        if let Some(schedule) = &config.sweep {
            planned.push((
                schedule.clone(),
                Task::Sweep(SweepOptions::from_config(config)),
            ));
        }
    }
    if planned.is_empty() {
        tracing::info!("No scheduled jobs.");
        return Ok(Scheduled { done: None });
    }
    let mut scheduler = JobScheduler::new().await?;
    let runs = TaskTracker::new();
    // The scheduler keeps its jobs' closures after shutdown, in tasks that
    // outlive it: they get a weak handle, and the store (whose lock a
    // stopped daemon must release) is dropped with the strong ones below.
    let mut runners = Vec::new();
    for (schedule, task) in planned {
        let name = task.name();
        let runner = Arc::new(Runner {
            task,
            deps: deps.clone(),
            busy: AtomicBool::new(false),
            stop: stop.clone(),
        });
        let weak = Arc::downgrade(&runner);
        runners.push(runner);
        let tracker = runs.clone();
        let job = Job::new_async_tz(schedule.as_str(), china_time(), move |_id, _scheduler| {
            // Counted before anything runs: shutdown cancels, then waits for
            // the tracker, so a run either sees the cancellation or is waited for.
            let counted = tracker.token();
            let runner = weak.upgrade();
            Box::pin(async move {
                if let Some(runner) = runner {
                    runner.tick().await;
                }
                drop(counted);
            })
        })?;
        scheduler.add(job).await?;
        tracing::info!(job = name, %schedule, "Scheduled job registered (China time).");
    }
    scheduler.start().await?;
    let done = tokio::spawn(async move {
        stop.cancelled().await;
        if let Err(e) = scheduler.shutdown().await {
            tracing::warn!(error = %e, "Job scheduler did not shut down cleanly.");
        }
        runs.close();
        runs.wait().await;
        drop(runners);
    });
    Ok(Scheduled { done: Some(done) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_field_expressions_are_accepted_and_others_explained() {
        assert_eq!(check_schedule("0 0 9 * * *"), Ok(()));
        assert_eq!(check_schedule("* * * * * *"), Ok(()));
        assert_eq!(check_schedule("0 30 4 * * Mon-Fri"), Ok(()));
        let five = check_schedule("0 9 * * *").expect_err("five fields");
        assert!(five.starts_with("5 fields"), "{five}");
        assert!(check_schedule("0 0 25 * * *").is_err());
        assert!(check_schedule("every day").is_err());
    }

    fn runner(dir: &std::path::Path, stop: &CancellationToken) -> Runner {
        let options = crate::store::StoreOptions {
            fsync: false,
            ..Default::default()
        };
        let store = Store::open(dir, options).expect("open");
        Runner {
            task: Task::Digest {
                queue: "incidents".into(),
            },
            deps: JobDeps {
                store,
                trends: TrendsView::default(),
                metrics: Metrics::new(),
                clock: crate::clock::system(),
            },
            busy: AtomicBool::new(false),
            stop: stop.clone(),
        }
    }

    fn runs(metrics: &Metrics, outcome: &str) -> u64 {
        let labels = vec![
            ("job", "digest".to_string()),
            ("outcome", outcome.to_string()),
        ];
        metrics.job_runs.get_or_create(&labels).get()
    }

    #[tokio::test]
    async fn a_tick_during_a_run_is_skipped_and_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stop = CancellationToken::new();
        let runner = runner(dir.path(), &stop);
        // As if the previous tick's run were still going.
        runner.busy.store(true, Ordering::Release);
        runner.tick().await;
        assert_eq!(runs(&runner.deps.metrics, "skipped"), 1);
        assert_eq!(runner.deps.store.count_tickets().expect("count"), 0);

        runner.busy.store(false, Ordering::Release);
        runner.tick().await;
        assert_eq!(runs(&runner.deps.metrics, "ok"), 1);
        assert_eq!(runner.deps.store.count_tickets().expect("count"), 1);
        assert!(
            !runner.busy.load(Ordering::Acquire),
            "the flag is cleared after a run"
        );

        stop.cancel();
        runner.tick().await;
        assert_eq!(runs(&runner.deps.metrics, "ok"), 1, "no run after shutdown");
    }

    #[test]
    fn schedules_are_in_china_time() {
        let job =
            Job::new_async_tz("0 0 9 * * *", china_time(), |_, _| Box::pin(async {})).expect("job");
        let mut job = job;
        let next = job.job_data().expect("data").next_tick;
        let next = DateTime::from_timestamp(i64::try_from(next).unwrap_or_default(), 0)
            .expect("timestamp");
        // 09:00 in Beijing is 01:00 UTC.
        assert_eq!(next.format("%H:%M:%S").to_string(), "01:00:00");
        assert!(next > Utc::now());
    }
}
