//! `omnilisten bench`: generated mail through parse → normalize → dedup →
//! tickets → durable store, with throughput, ack latency, memory and the
//! cost of durability. `omnilisten bench wechat` (`wechat/`) measures
//! safe-mode WeChat pushes over HTTP instead; `omnilisten bench rules`
//! (`rules/`) times text analysis, 100 rules and the trend engine per
//! message on one thread; `omnilisten bench desk` (`desk/`) times the
//! review desk's pages and JSON API over HTTP on 100,000 tickets.
//!
//! The mix imitates the support mailbox: UTF-8 quoted-printable and base64,
//! GBK 8-bit, HTML-only, multipart with a screenshot, auto-replies,
//! follow-ups, exact re-deliveries and near-duplicate complaints.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::connectors::{AckResult, Envelope, Outcome, Payload};
use crate::metrics::Metrics;
use crate::model::ConnectorId;
use crate::pipeline::{Limits, NearSettings, Pipeline, PipelineOptions};
use crate::rules::RuleSet;
use crate::store::{Store, StoreError, StoreOptions};

pub mod corpus;
pub mod desk;
pub mod rules;
pub mod wechat;
pub mod weibo;

/// `omnilisten bench [SCENARIO]`: the mail benchmark's options, or a scenario.
#[derive(Debug, Clone, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchCommand {
    /// Another scenario than mail; none runs the mail benchmark.
    #[command(subcommand)]
    pub scenario: Option<BenchScenario>,
    /// The mail benchmark's options.
    #[command(flatten)]
    pub mail: BenchArgs,
}

/// Benchmark scenarios besides the default mail one.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BenchScenario {
    /// Safe-mode WeChat pushes over HTTP: throughput, latency, group commit.
    Wechat(wechat::WechatBenchArgs),
    /// The Weibo poller against a stand-in API: calls per stored mention, empty polls, budget.
    Weibo(weibo::WeiboBenchArgs),
    /// Analysis, 100 rules and the trend engine on one thread; trend memory after a million new terms.
    Rules(rules::RulesBenchArgs),
    /// The review desk's pages and JSON API over HTTP on a big store: latency per page, requests/s.
    Desk(desk::DeskHttpBenchArgs),
}

/// What `omnilisten bench` prints, and whether its checks passed.
#[derive(Debug, Clone)]
pub struct BenchOutcome {
    /// The report, as text or JSON.
    pub text: String,
    /// False when a check failed (an answer not 200, a push not stored once).
    pub passed: bool,
}

/// Runs the benchmark the command names.
pub async fn dispatch(command: BenchCommand) -> Result<BenchOutcome, BenchError> {
    match command.scenario {
        None => Ok(BenchOutcome {
            text: run(command.mail).await?.to_string(),
            passed: true,
        }),
        Some(BenchScenario::Wechat(args)) => {
            let json = args.json;
            let report = wechat::run(args).await?;
            Ok(BenchOutcome {
                text: if json {
                    report.to_json().to_string()
                } else {
                    report.to_string()
                },
                passed: report.passed(),
            })
        }
        Some(BenchScenario::Weibo(args)) => {
            let report = weibo::run(args).await?;
            Ok(BenchOutcome {
                text: report.to_string(),
                passed: report.passed(),
            })
        }
        Some(BenchScenario::Desk(args)) => {
            let report = desk::run(&args).await?;
            Ok(BenchOutcome {
                text: report.to_string(),
                passed: report.passed(),
            })
        }
        Some(BenchScenario::Rules(args)) => {
            // CPU-bound on purpose on this one thread: the figures are per core.
            let report = rules::run(&args)?;
            Ok(BenchOutcome {
                text: if args.json {
                    report.to_json().to_string()
                } else {
                    report.to_string()
                },
                passed: report.passed(),
            })
        }
    }
}

/// Options of `omnilisten bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Mails to ingest per run.
    #[arg(long, default_value_t = 50_000)]
    pub messages: u64,
    /// Which durability modes to measure: fsync, flush or both.
    #[arg(long, default_value = "both")]
    pub durability: String,
    /// Most inputs per commit.
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Config whose rules are applied (tickets need the default rule).
    #[arg(long, default_value = "omnilisten.toml")]
    pub config: PathBuf,
    /// Scratch directory for the stores (removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Errors that stop the benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Scratch directory failure.
    #[error("scratch directory: {0}")]
    Io(#[from] std::io::Error),
    /// Bad arguments.
    #[error("{0}")]
    Args(String),
    /// The generated configuration was refused.
    #[error("bench config: {0}")]
    Config(String),
    /// The in-process daemon failed.
    #[error("in-process daemon: {0}")]
    Daemon(String),
    /// The load could not be driven (a client task or thread failed).
    #[error("client: {0}")]
    Http(String),
    /// The desk benchmark's store could not be filled.
    #[error("filling the desk store: {0}")]
    Desk(#[from] crate::desk::DeskError),
}

/// Figures of one run.
#[derive(Debug, Clone)]
pub struct RunReport {
    mode: &'static str,
    messages: u64,
    stored: u64,
    duplicates: u64,
    quarantined: u64,
    elapsed: Duration,
    latency_p50: Duration,
    latency_p99: Duration,
    rss_mb: Vec<f64>,
    peak_rss_mb: f64,
    disk_mb: f64,
    commits: f64,
    commit_seconds: f64,
    sync_seconds: f64,
}

/// Figures of all runs.
#[derive(Debug, Clone)]
pub struct BenchReport {
    runs: Vec<RunReport>,
    generate_per_sec: f64,
}

/// Runs the benchmark.
pub async fn run(args: BenchArgs) -> Result<BenchReport, BenchError> {
    let modes: &[(&'static str, bool)] = match args.durability.as_str() {
        "fsync" => &[("fsync", true)],
        "flush" => &[("flush", false)],
        "both" => &[("fsync", true), ("flush", false)],
        other => return Err(BenchError::Args(format!("unknown durability {other:?}"))),
    };
    // The shipped config's rules and sizes, so the figures describe the
    // daemon as configured; built-in defaults when there is no config.
    let loaded = crate::config::load(&args.config).ok();
    let (rules, mut options, cache_mb) = match &loaded {
        Some(cfg) => (
            cfg.rules.clone(),
            crate::app::pipeline_options(cfg),
            cfg.store.cache_capacity_mb,
        ),
        None => (RuleSet::default(), default_options(), 64),
    };
    options.batch_max = args.batch;
    let rules = Arc::new(rules);
    let root = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("omnilisten-bench-{}", std::process::id()))
    });
    let generate_per_sec = corpus::generation_rate(20_000);
    let mut runs = Vec::new();
    for (mode, fsync) in modes {
        let dir = root.join(mode);
        let _ = std::fs::remove_dir_all(&dir);
        let report = run_one(
            &args,
            mode,
            *fsync,
            &dir,
            rules.clone(),
            options.clone(),
            cache_mb,
        )
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        runs.push(report?);
    }
    let _ = std::fs::remove_dir_all(&root);
    Ok(BenchReport {
        runs,
        generate_per_sec,
    })
}

async fn run_one(
    args: &BenchArgs,
    mode: &'static str,
    fsync: bool,
    dir: &std::path::Path,
    rules: Arc<RuleSet>,
    options: PipelineOptions,
    cache_mb: u64,
) -> Result<RunReport, BenchError> {
    let store = Store::open(
        dir,
        StoreOptions {
            cache_capacity: cache_mb * 1024 * 1024,
            fsync,
        },
    )?;
    let metrics = Metrics::new();
    let pipeline = Pipeline::spawn(store.clone(), rules, metrics.clone(), options);
    let (ack_tx, ack_rx) = mpsc::channel::<(Instant, oneshot::Receiver<AckResult>)>(8192);
    let counter = tokio::spawn(count_acks(ack_rx, args.messages));
    let input = pipeline.sender();
    let total = args.messages;
    let started = Instant::now();
    // Generation runs on a thread of its own, like a real source reading
    // files or sockets; its rate is reported separately.
    let feeder = std::thread::spawn(move || {
        let connector = ConnectorId("bench".into());
        let mut generator = corpus::Generator::new(42);
        for _ in 0..total {
            let (tx, rx) = oneshot::channel();
            let envelope = Envelope {
                connector: connector.clone(),
                origin: "bench".into(),
                payload: Payload::Email(generator.next_mail()),
                received_at: chrono::Utc::now(),
                checkpoint: None,
                historical: true,
                ack: Some(tx),
            };
            if input.blocking_send(envelope).is_err()
                || ack_tx.blocking_send((Instant::now(), rx)).is_err()
            {
                break;
            }
        }
    });
    let _ = tokio::task::spawn_blocking(move || feeder.join()).await;
    let counts = counter.await.unwrap_or_default();
    let elapsed = started.elapsed();
    pipeline.close().await;
    store.flush().await?;
    let disk_mb = store.size_on_disk().unwrap_or(0) as f64 / 1e6;
    let rendered = metrics.render();
    let commits = metric_value(&rendered, "omnilisten_store_commit_seconds_count");
    Ok(RunReport {
        mode,
        messages: args.messages,
        stored: counts.stored,
        duplicates: counts.duplicates,
        quarantined: counts.quarantined,
        elapsed,
        latency_p50: percentile(&counts.latencies, 0.50),
        latency_p99: percentile(&counts.latencies, 0.99),
        rss_mb: counts.rss_mb,
        peak_rss_mb: proc_status_mb("VmHWM:"),
        disk_mb,
        commits,
        commit_seconds: metric_value(&rendered, "omnilisten_store_commit_seconds_sum"),
        sync_seconds: metric_value(&rendered, "omnilisten_store_sync_seconds_sum"),
    })
}

fn default_options() -> PipelineOptions {
    PipelineOptions {
        queue_capacity: 1024,
        batch_max: 512,
        limits: Limits {
            max_message_bytes: 25 * 1024 * 1024,
            max_attachment_bytes: 10 * 1024 * 1024,
        },
        keep_raw: true,
        near: NearSettings {
            capacity: 10_000,
            threshold: 0.5,
        },
        trends: Default::default(),
    }
}

/// Reads one sample's value from the Prometheus text.
fn metric_value(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[derive(Default)]
struct AckCounts {
    stored: u64,
    duplicates: u64,
    quarantined: u64,
    latencies: Vec<Duration>,
    rss_mb: Vec<f64>,
}

async fn count_acks(
    mut rx: mpsc::Receiver<(Instant, oneshot::Receiver<AckResult>)>,
    total: u64,
) -> AckCounts {
    let mut counts = AckCounts::default();
    let sample_every = (total / 10).max(1);
    let mut n = 0u64;
    while let Some((sent, ack)) = rx.recv().await {
        let outcome = ack.await;
        n += 1;
        if n.is_multiple_of(16) {
            counts.latencies.push(sent.elapsed());
        }
        if n.is_multiple_of(sample_every) {
            counts.rss_mb.push(proc_status_mb("VmRSS:"));
        }
        match outcome {
            Ok(Ok(Outcome::Stored(_))) => counts.stored += 1,
            Ok(Ok(Outcome::Duplicate(_))) => counts.duplicates += 1,
            Ok(Ok(Outcome::Quarantined(_))) => counts.quarantined += 1,
            _ => {}
        }
    }
    counts
}

fn percentile(samples: &[Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let idx = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(idx).copied().unwrap_or_default()
}

/// A `Vm*` line of /proc/self/status in MB (0 where unavailable).
fn proc_status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "corpus generation: {:.0} mails/s (not included below)",
            self.generate_per_sec
        )?;
        for r in &self.runs {
            let secs = r.elapsed.as_secs_f64().max(1e-9);
            writeln!(
                f,
                "[{}] {} mails in {:.2} s = {:.0} mails/s end to end (stored {}, duplicates {}, quarantined {})",
                r.mode,
                r.messages,
                secs,
                r.messages as f64 / secs,
                r.stored,
                r.duplicates,
                r.quarantined
            )?;
            writeln!(
                f,
                "[{}] ack latency p50 {:.1} ms, p99 {:.1} ms; RSS over the run (MB): {}; peak {:.0} MB; store on disk {:.0} MB",
                r.mode,
                r.latency_p50.as_secs_f64() * 1e3,
                r.latency_p99.as_secs_f64() * 1e3,
                r.rss_mb
                    .iter()
                    .map(|m| format!("{m:.0}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                r.peak_rss_mb,
                r.disk_mb
            )?;
        }
        for r in &self.runs {
            let n = r.commits.max(1.0);
            writeln!(
                f,
                "[{}] {} commits, mean {:.1} mails each; per commit: {:.1} ms total, of which {:.1} ms flush+fsync; {:.0}% of the run was spent syncing",
                r.mode,
                r.commits,
                r.messages as f64 / n,
                r.commit_seconds / n * 1e3,
                r.sync_seconds / n * 1e3,
                r.sync_seconds / r.elapsed.as_secs_f64().max(1e-9) * 100.0
            )?;
        }
        if let (Some(a), Some(b)) = (
            self.runs.iter().find(|r| r.mode == "fsync"),
            self.runs.iter().find(|r| r.mode == "flush"),
        ) {
            let ratio = a.elapsed.as_secs_f64() / b.elapsed.as_secs_f64().max(1e-9);
            writeln!(
                f,
                "durability cost: fsync run takes {ratio:.2}x the time of the flush-only run"
            )?;
        }
        Ok(())
    }
}
