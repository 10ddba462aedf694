//! `omnilisten bench wechat`: safe-mode WeChat pushes over real HTTP.
//!
//! Every push is signed and AES-encrypted exactly as WeChat does it, and
//! built into its complete HTTP request, before the clock starts. Then
//! `--concurrency` workers replay them, each over one keep-alive HTTP/1.1
//! connection, timing every request from its first byte sent to the last
//! byte of its answer. Every answer must be 200 `success`.
//!
//! The target is omnilisten started in-process on a scratch store (the
//! default), or any server at `--url` (a running omnilisten, or a wechatpy
//! receiver for comparison). When the target has omnilisten's `/api/stats`,
//! the run is accounted for afterwards: exactly one stored WeChat message
//! per answered push, none doubled, none quarantined, and the newest ones
//! carry the text that was sent; `/metrics` tells how the commits were
//! grouped.
//!
//! The client runs on a runtime and thread of its own (`bench-client`), so
//! its CPU time is reported apart from the server's. The default client is
//! a minimal hand-written HTTP/1.1 client over a tokio `TcpStream` (requests
//! are pre-built bytes: a `write` and a `read` per push); `--client reqwest`
//! measures the same with reqwest, which costs the client several times
//! more CPU — on two cores, CPU the server then lacks.
//!
//! Here: the options, the runs one after the other, and the figures they
//! yield. The account and the target are in `target`, the pushes in
//! `corpus` and `batch`, the load in `client` over `http`, one timed run
//! in `measure` with `procstat`, the cost model and disk probe in
//! `baseline`, and the report in `report`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::BenchError;
use crate::connectors::wechat::crypto::{AesKey, SafeModeCipher};
use crate::rules::RuleSet;

use baseline::{cost_model, fsync_probe};
use batch::build_batch;
use corpus::seed;
use measure::measure_run;
use target::{InProcess, Secrets, Target, load_rules, secrets};

mod baseline;
mod batch;
mod client;
mod corpus;
mod http;
mod measure;
mod procstat;
mod report;
mod target;

/// The connector id of the in-process daemon's account.
const CONNECTOR: &str = "wxbench";

/// Options of `omnilisten bench wechat`.
#[derive(Debug, Clone, clap::Args)]
pub struct WechatBenchArgs {
    /// Pushes per run.
    #[arg(long, default_value_t = 20_000)]
    pub pushes: usize,
    /// Concurrent connections, one worker each.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Runs (fresh pushes each; a fresh daemon each when in-process); the
    /// summary gives the median of every figure.
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Distinct senders (FromUserName) the pushes are spread over.
    #[arg(long, default_value_t = 5_000)]
    pub users: usize,
    /// Webhook URL of a running server; without it omnilisten is started
    /// in-process on 127.0.0.1:0 with a scratch store.
    #[arg(long, requires_all = ["token_file", "aes_key_file", "app_id"])]
    pub url: Option<String>,
    /// File holding the Token (required with --url; random otherwise).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// File holding the 43-character EncodingAESKey (required with --url; random otherwise).
    #[arg(long)]
    pub aes_key_file: Option<PathBuf>,
    /// The AppID the pushes are encrypted for (required with --url).
    #[arg(long)]
    pub app_id: Option<String>,
    /// HTTP client: `raw` (hand-written keep-alive HTTP/1.1, cheapest) or `reqwest`.
    #[arg(long, value_enum, default_value_t = ClientKind::Raw)]
    pub client: ClientKind,
    /// Threads of the client's own runtime.
    #[arg(long, default_value_t = 1)]
    pub client_threads: usize,
    /// Durability of the in-process daemon's store.
    #[arg(long, value_enum, default_value_t = DurabilityMode::Fsync)]
    pub durability: DurabilityMode,
    /// Rules directory (with its templates/) given to the in-process daemon
    /// as its `rules/` (default: none, so a push is stored and opens nothing).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Process whose CPU time per thread is reported (the server, with --url).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Scratch directory of the in-process daemon (removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Which HTTP client replays the pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientKind {
    /// Pre-built request bytes over a tokio `TcpStream`, keep-alive.
    Raw,
    /// One reqwest `Client` (one pooled connection) per worker.
    Reqwest,
}

/// Store durability of the in-process daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DurabilityMode {
    /// Every commit is fsynced (the default, and the product's promise).
    Fsync,
    /// sled's flush only (process-crash safe): shows what fsync costs.
    Flush,
}

impl DurabilityMode {
    fn as_str(self) -> &'static str {
        match self {
            DurabilityMode::Fsync => "fsync",
            DurabilityMode::Flush => "flush",
        }
    }
}

impl ClientKind {
    fn as_str(self) -> &'static str {
        match self {
            ClientKind::Raw => "raw HTTP/1.1",
            ClientKind::Reqwest => "reqwest",
        }
    }
}
/// Figures of one run.
#[derive(Debug, Clone, Default)]
struct WechatRun {
    pushes: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    success: u64,
    replies: u64,
    bad_bodies: u64,
    transport_errors: u64,
    reconnects: u64,
    first_error: Option<String>,
    /// Target has omnilisten's API: the accounting below is meaningful.
    accounted: bool,
    stored: i64,
    duplicates: i64,
    near_duplicates: i64,
    quarantined: i64,
    rejected: f64,
    spot_matched: u64,
    spot_mismatched: u64,
    batches: f64,
    batched_inputs: f64,
    syncs: f64,
    sync_seconds: f64,
    commit_seconds: f64,
    cpu: CpuFigures,
    /// Bytes the server process had written to storage over the run.
    disk_write_bytes: Option<u64>,
    /// The disk's fsync latency just before the run (median, p90) in ms.
    disk_probe: Option<(f64, f64)>,
    encrypt_seconds: f64,
}

impl WechatRun {
    fn merge(&mut self, other: WechatRun) {
        self.latencies_us.extend(other.latencies_us);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.success += other.success;
        self.replies += other.replies;
        self.bad_bodies += other.bad_bodies;
        self.transport_errors += other.transport_errors;
        self.reconnects += other.reconnects;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// CPU seconds over the timed phase.
#[derive(Debug, Clone, Default)]
struct CpuFigures {
    /// The server process, all threads (those that ended too) but the client's.
    server_total: f64,
    /// Server threads alive at the end, by name; `(unattributed)` holds the rest.
    server: BTreeMap<String, f64>,
    /// The client's threads.
    client: f64,
    /// Whether the server was measured at all.
    measured: bool,
}

/// Single-thread CPU per push of the work the daemon does for it, measured
/// on the first pushes before the run.
#[derive(Debug, Clone, Default)]
struct CostModel {
    samples: usize,
    signatures_us: f64,
    envelope_us: f64,
    decrypt_us: f64,
    parse_us: f64,
    prepare_us: f64,
}

/// Figures of all runs.
#[derive(Debug, Clone)]
pub struct WechatBenchReport {
    target: String,
    client: &'static str,
    client_threads: usize,
    concurrency: usize,
    durability: Option<&'static str>,
    cost: CostModel,
    runs: Vec<WechatRun>,
}

/// Runs the benchmark.
pub async fn run(args: WechatBenchArgs) -> Result<WechatBenchReport, BenchError> {
    if args.pushes == 0 || args.concurrency == 0 || args.runs == 0 || args.users == 0 {
        return Err(BenchError::Args(
            "--pushes, --concurrency, --runs and --users must be at least 1".into(),
        ));
    }
    if args.client == ClientKind::Reqwest {
        // reqwest is built without a TLS provider; `main` installs ring, a
        // library caller may not have.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let secrets = secrets(&args)?;
    let key = AesKey::from_encoding_aes_key(&secrets.encoding_aes_key)
        .map_err(|e| BenchError::Args(format!("--aes-key-file: {e}")))?;
    let cipher = SafeModeCipher::new(key, secrets.app_id.clone());
    let rules = match &args.rules {
        Some(dir) => load_rules(dir)?,
        None => RuleSet::default(),
    };
    let root = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("omnilisten-bench-wechat-{}", std::process::id()))
    });
    let outcome = run_all(&args, &secrets, &cipher, &rules, &root).await;
    if args.url.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    let (runs, cost, target_display) = outcome?;
    Ok(WechatBenchReport {
        target: target_display,
        client: args.client.as_str(),
        client_threads: args.client_threads,
        concurrency: args.concurrency,
        durability: args.url.is_none().then_some(args.durability.as_str()),
        cost,
        runs,
    })
}

/// Every run, one after the other; the cost model is taken on the first.
async fn run_all(
    args: &WechatBenchArgs,
    secrets: &Secrets,
    cipher: &SafeModeCipher,
    rules: &RuleSet,
    root: &Path,
) -> Result<(Vec<WechatRun>, CostModel, String), BenchError> {
    let mut runs = Vec::with_capacity(args.runs);
    let mut cost = CostModel::default();
    let mut target_display = String::new();
    for n in 0..args.runs {
        let daemon = match &args.url {
            Some(_) => None,
            None => Some(InProcess::start(&root.join(format!("run-{n}")), secrets, args).await?),
        };
        let url = match (&args.url, &daemon) {
            (Some(url), _) => url.clone(),
            (None, Some(d)) => format!("http://{}/wechat/{CONNECTOR}", d.addr),
            (None, None) => return Err(BenchError::Args("no target".into())),
        };
        let result = async {
            let mut target = Target::parse(&url)?;
            if let Some(d) = &daemon {
                target.api_token = Some(d.api_token.clone());
            }
            target_display = target.display.clone();
            let seed = seed() ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut batch = tokio::task::spawn_blocking({
                let cipher = cipher.clone();
                let secrets = secrets.clone();
                let (pushes, users, client) = (args.pushes, args.users, args.client);
                let target = target.clone();
                move || build_batch(&cipher, &secrets, &target, client, pushes, users, seed)
            })
            .await
            .map_err(|e| BenchError::Http(e.to_string()))??;
            if n == 0 {
                let samples = std::mem::take(&mut batch.samples);
                let (secrets, cipher, rules) = (secrets.clone(), cipher.clone(), rules.clone());
                cost = tokio::task::spawn_blocking(move || {
                    cost_model(&secrets, &cipher, &rules, &samples)
                })
                .await
                .unwrap_or_default();
            }
            let server_pid = match &daemon {
                Some(_) => Some(std::process::id()),
                None => args.server_pid,
            };
            let probe_dir = match &daemon {
                Some(d) => d.dir.clone(),
                None => std::env::temp_dir(),
            };
            let disk_probe = tokio::task::spawn_blocking(move || fsync_probe(&probe_dir))
                .await
                .ok()
                .flatten();
            let mut run = measure_run(args, &target, batch, server_pid).await?;
            run.disk_probe = disk_probe;
            Ok::<WechatRun, BenchError>(run)
        }
        .await;
        if let Some(daemon) = daemon {
            daemon.stop().await;
        }
        runs.push(result?);
    }
    Ok((runs, cost, target_display))
}
