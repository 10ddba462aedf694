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

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use super::{BenchError, metric_value};
use crate::connectors::Payload;
use crate::connectors::wechat::crypto::{AesKey, SafeModeCipher};
use crate::connectors::wechat::signature::{
    msg_signature, signature, verify_msg_signature, verify_signature,
};
use crate::connectors::wechat::xml;
use crate::model::ConnectorId;
use crate::pipeline::Limits;
use crate::rules::RuleSet;

/// The connector id of the in-process daemon's account.
const CONNECTOR: &str = "wxbench";
/// The official account's own id (`ToUserName`).
const ACCOUNT: &str = "gh_3f1c9a7b2e4d";
/// A request with no answer by then counts as a transport error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How many of the newest stored messages are compared with what was sent.
const SPOT_CHECK: usize = 200;
/// The product target this benchmark exists for.
const TARGET_RATE: f64 = 4_000.0;
/// The product target's p99, in milliseconds.
const TARGET_P99_MS: f64 = 20.0;
/// `/proc/*/stat` times are in clock ticks; 100 per second on every Linux
/// this runs on (`getconf CLK_TCK`).
const CLOCK_TICKS: f64 = 100.0;

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

/// The account's secrets, as WeChat and the server share them.
#[derive(Clone)]
struct Secrets {
    token: String,
    encoding_aes_key: String,
    app_id: String,
}

/// One push, ready to go on the wire.
struct WirePush {
    /// The whole request (raw client) or the URL (reqwest).
    request: Vec<u8>,
    /// The body, for reqwest (empty for the raw client, whose `request` holds it).
    body: Vec<u8>,
}

/// What a push should become once stored, for the spot check.
struct Expected {
    sender: String,
    content: String,
}

/// All pushes of one run, and what each should become.
struct Batch {
    wire: Vec<WirePush>,
    expected: HashMap<String, Expected>,
    /// The plaintext XML and query of the first pushes, for the cost model.
    samples: Vec<Sample>,
    encrypt_seconds: f64,
}

/// One push as the handler sees it, for the single-thread cost model.
struct Sample {
    timestamp: String,
    nonce: String,
    signature: String,
    msg_signature: String,
    body: Vec<u8>,
}

/// Where the pushes go.
struct Target {
    /// `host:port` to connect to.
    authority: String,
    /// Path and the query's fixed prefix (`/wechat/x?` or `/wechat?a=b&`).
    path_prefix: String,
    /// The full URL up to the query, for reqwest.
    url_prefix: String,
    /// For people.
    display: String,
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
            let target = Target::parse(&url)?;
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

/// The secrets from the given files, or fresh random ones.
fn secrets(args: &WechatBenchArgs) -> Result<Secrets, BenchError> {
    let read = |path: &Path| -> Result<String, BenchError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BenchError::Args(format!("cannot read {}: {e}", path.display())))?;
        Ok(text.trim().to_string())
    };
    let mut rng = Rng::new(seed());
    let token = match &args.token_file {
        Some(path) => read(path)?,
        None => rng.alnum(32),
    };
    let encoding_aes_key = match &args.aes_key_file {
        Some(path) => read(path)?,
        None => {
            let mut bytes = [0u8; 32];
            for b in &mut bytes {
                *b = rng.next() as u8;
            }
            AesKey::from_bytes(bytes).to_encoding_aes_key()
        }
    };
    let app_id = match &args.app_id {
        Some(id) => id.trim().to_string(),
        None => format!("wx{:016x}", rng.next()),
    };
    if token.is_empty() || app_id.is_empty() {
        return Err(BenchError::Args(
            "the Token and the AppID must not be empty".into(),
        ));
    }
    Ok(Secrets {
        token,
        encoding_aes_key,
        app_id,
    })
}

fn load_rules(dir: &Path) -> Result<RuleSet, BenchError> {
    let mut problems = Vec::new();
    let files = crate::config::toml_files_in(dir, &mut problems);
    let root = dir.parent().unwrap_or(Path::new(""));
    let rules = crate::rules::load_files(
        &files,
        root,
        &[ConnectorId(CONNECTOR.to_string())],
        &mut problems,
    );
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(BenchError::Config(
            crate::config::Problems(problems).to_string(),
        ))
    }
}

/// A daemon running in this process on a scratch directory.
struct InProcess {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), crate::app::AppError>>,
    dir: PathBuf,
}

impl InProcess {
    /// Writes a config tree with one safe-mode WeChat connector into `dir`
    /// and starts the daemon on it.
    async fn start(
        dir: &Path,
        secrets: &Secrets,
        args: &WechatBenchArgs,
    ) -> Result<InProcess, BenchError> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("connectors"))?;
        std::fs::create_dir_all(dir.join("secrets"))?;
        std::fs::create_dir_all(dir.join("rules"))?;
        write_secret(&dir.join("secrets/token"), &secrets.token)?;
        write_secret(&dir.join("secrets/aes_key"), &secrets.encoding_aes_key)?;
        std::fs::write(
            dir.join("omnilisten.toml"),
            format!(
                "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\ndurability = \"{}\"\n\n[log]\nlevel = \"warn\"\n",
                args.durability.as_str()
            ),
        )?;
        std::fs::write(
            dir.join(format!("connectors/{CONNECTOR}.toml")),
            format!(
                "kind = \"wechat\"\ntoken_file = \"secrets/token\"\naes_key_file = \"secrets/aes_key\"\napp_id = \"{}\"\naccept = [\"safe\"]\n",
                secrets.app_id
            ),
        )?;
        if let Some(rules) = &args.rules {
            copy_tree(rules, &dir.join("rules"))?;
        }
        let config = crate::config::load(&dir.join("omnilisten.toml"))
            .map_err(|p| BenchError::Config(p.to_string()))?;
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (bound_tx, bound_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stop_rx.await;
            };
            crate::app::run(config, shutdown, Some(bound_tx)).await
        });
        let addr = match bound_rx.await {
            Ok(addr) => addr,
            Err(_) => {
                // The daemon ended before it listened: its error says why.
                return Err(match task.await {
                    Ok(Err(e)) => BenchError::Daemon(e.to_string()),
                    Ok(Ok(())) => BenchError::Daemon("stopped before listening".into()),
                    Err(e) => BenchError::Daemon(e.to_string()),
                });
            }
        };
        Ok(InProcess {
            addr,
            stop,
            task,
            dir: dir.to_path_buf(),
        })
    }

    /// Stops the daemon gracefully and removes its directory.
    async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("in-process daemon: {e}"),
            Err(e) => eprintln!("in-process daemon: {e}"),
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copies the files and directories under `from` into `to` (templates
/// come along with the rules that name them).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn write_secret(path: &Path, value: &str) -> Result<(), BenchError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, format!("{value}\n"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

impl Clone for Target {
    fn clone(&self) -> Self {
        Target {
            authority: self.authority.clone(),
            path_prefix: self.path_prefix.clone(),
            url_prefix: self.url_prefix.clone(),
            display: self.display.clone(),
        }
    }
}

impl Target {
    fn parse(url: &str) -> Result<Target, BenchError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| BenchError::Args(format!("--url {url:?}: {e}")))?;
        if parsed.scheme() != "http" {
            return Err(BenchError::Args(format!(
                "--url {url:?}: only http:// is supported (the pushes are measured over loopback)"
            )));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| BenchError::Args(format!("--url {url:?} has no host")))?;
        let port = parsed.port_or_known_default().unwrap_or(80);
        let authority = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let query = parsed.query().map(|q| format!("{q}&")).unwrap_or_default();
        let path_prefix = format!("{}?{query}", parsed.path());
        Ok(Target {
            url_prefix: format!("http://{authority}{path_prefix}"),
            authority,
            path_prefix,
            display: url.to_string(),
        })
    }
}

/// Encrypts and signs `count` pushes and builds their requests.
fn build_batch(
    cipher: &SafeModeCipher,
    secrets: &Secrets,
    target: &Target,
    client: ClientKind,
    count: usize,
    users: usize,
    seed: u64,
) -> Result<Batch, BenchError> {
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let senders: Vec<String> = (0..users).map(|_| openid(&mut rng)).collect();
    let now = chrono::Utc::now().timestamp();
    // Distinct across runs against the same server, too.
    let msg_id_base = 6_000_000_000_000_000_000u64 + (seed % 1_000_000_000) * 1_000_000;
    let mut wire = Vec::with_capacity(count);
    let mut expected = HashMap::with_capacity(count);
    let mut samples = Vec::new();
    for i in 0..count {
        let sender = senders
            .get((rng.next() % users as u64) as usize)
            .cloned()
            .unwrap_or_default();
        let msg_id = msg_id_base + i as u64;
        let content = message_text(&mut rng);
        let plain = format!(
            "<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
        );
        let mut random = [0u8; 16];
        for b in &mut random {
            *b = rng.next() as u8;
        }
        let encrypt = cipher
            .encrypt(random, plain.as_bytes())
            .map_err(|e| BenchError::Args(format!("cannot encrypt a push: {e}")))?;
        let timestamp = now.to_string();
        let nonce = (100_000_000 + rng.next() % 900_000_000).to_string();
        let sig = signature(&secrets.token, &timestamp, &nonce);
        let msg_sig = msg_signature(&secrets.token, &timestamp, &nonce, &encrypt);
        let query = format!(
            "signature={sig}&timestamp={timestamp}&nonce={nonce}&openid={sender}&encrypt_type=aes&msg_signature={msg_sig}"
        );
        let body = format!(
            "<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
        .into_bytes();
        if samples.len() < 2_000 {
            samples.push(Sample {
                timestamp,
                nonce,
                signature: sig,
                msg_signature: msg_sig,
                body: body.clone(),
            });
        }
        let push = match client {
            ClientKind::Raw => {
                let mut request = format!(
                    "POST {}{query} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Mozilla/4.0\r\nAccept: */*\r\nPragma: no-cache\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
                    target.path_prefix,
                    target.authority,
                    body.len()
                )
                .into_bytes();
                request.extend_from_slice(&body);
                WirePush {
                    request,
                    body: Vec::new(),
                }
            }
            ClientKind::Reqwest => WirePush {
                request: format!("{}{query}", target.url_prefix).into_bytes(),
                body,
            },
        };
        wire.push(push);
        expected.insert(
            format!("msg:{msg_id}:{sender}"),
            Expected { sender, content },
        );
    }
    Ok(Batch {
        wire,
        expected,
        samples,
        encrypt_seconds: started.elapsed().as_secs_f64(),
    })
}

/// Times, on one thread, the work the daemon does per push: what the
/// webhook handler does (both signatures, the envelope, the compat probe,
/// AES, the plaintext parse) and the pipeline's prepare stage.
fn cost_model(
    secrets: &Secrets,
    cipher: &SafeModeCipher,
    rules: &RuleSet,
    samples: &[Sample],
) -> CostModel {
    let n = samples.len().max(1) as f64;
    let mut cost = CostModel {
        samples: samples.len(),
        ..CostModel::default()
    };
    let mut envelopes = Vec::with_capacity(samples.len());
    let t = Instant::now();
    for s in samples {
        if let Ok(envelope) = xml::parse_envelope(&s.body) {
            let compat = xml::parse_push(&s.body).is_ok();
            envelopes.push((envelope.encrypt, compat));
        }
    }
    cost.envelope_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let mut valid = 0usize;
    for (s, (encrypt, _)) in samples.iter().zip(&envelopes) {
        if verify_signature(&secrets.token, &s.timestamp, &s.nonce, &s.signature)
            && verify_msg_signature(
                &secrets.token,
                &s.timestamp,
                &s.nonce,
                encrypt,
                &s.msg_signature,
            )
        {
            valid += 1;
        }
    }
    cost.signatures_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let plains: Vec<String> = envelopes
        .iter()
        .filter_map(|(encrypt, _)| cipher.decrypt(encrypt).ok())
        .collect();
    cost.decrypt_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let parsed = plains
        .iter()
        .filter(|p| xml::parse_push(p.as_bytes()).is_ok())
        .count();
    cost.parse_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let limits = Limits {
        max_message_bytes: xml::MAX_BODY_BYTES as u64,
        max_attachment_bytes: 0,
    };
    let connector = ConnectorId(CONNECTOR.into());
    let payloads: Vec<Payload> = plains
        .into_iter()
        .map(|p| Payload::Wechat(p.into_bytes()))
        .collect();
    let now = chrono::Utc::now();
    let t = Instant::now();
    let prepared = payloads
        .iter()
        .filter(|p| crate::pipeline::prepare(&connector, p, now, &limits, rules).is_ok())
        .count();
    cost.prepare_us = t.elapsed().as_secs_f64() * 1e6 / n;
    if valid != samples.len() || parsed != samples.len() || prepared != samples.len() {
        // A bug in the generator, not a figure: say so rather than time it.
        eprintln!(
            "cost model: only {valid} signatures, {parsed} parses and {prepared} prepares of {} pushes succeeded",
            samples.len()
        );
    }
    cost
}

/// Times 50 × (write 4 KiB, fsync) of a scratch file in `dir`: the disk's
/// floor for one durable commit right now (virtual disks vary a lot).
fn fsync_probe(dir: &Path) -> Option<(f64, f64)> {
    use std::io::{Seek as _, Write as _};
    let path = dir.join(format!(".fsync-probe-{}", std::process::id()));
    let mut file = std::fs::File::create(&path).ok()?;
    let block = [0x5au8; 4096];
    let mut times = Vec::with_capacity(50);
    for i in 0..50u64 {
        let t = Instant::now();
        let ok = file.seek(std::io::SeekFrom::Start(i * 4096)).is_ok()
            && file.write_all(&block).is_ok()
            && file.sync_all().is_ok();
        if !ok {
            break;
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let _ = std::fs::remove_file(&path);
    if times.is_empty() {
        return None;
    }
    times.sort_by(f64::total_cmp);
    let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
    Some((median(times), p90))
}

/// Counters read from the target before and after a run.
#[derive(Default)]
struct Snapshot {
    stats: Option<Value>,
    metrics: String,
}

async fn snapshot(target: &Target) -> Snapshot {
    let stats = match http_get(&target.authority, "/api/stats").await {
        Ok((200, body)) => serde_json::from_slice(&body).ok(),
        _ => None,
    };
    let metrics = match http_get(&target.authority, "/metrics").await {
        Ok((200, body)) => String::from_utf8_lossy(&body).into_owned(),
        _ => String::new(),
    };
    Snapshot { stats, metrics }
}

fn stat(v: &Option<Value>, pointer: &str) -> i64 {
    v.as_ref()
        .and_then(|v| v.pointer(pointer))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// Sum of every sample of a labelled family (`name{...} value`).
fn family_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with('{'))
        .filter_map(|l| l.rsplit(' ').next())
        .filter_map(|v| v.parse::<f64>().ok())
        .sum()
}

async fn measure_run(
    args: &WechatBenchArgs,
    target: &Target,
    batch: Batch,
    server_pid: Option<u32>,
) -> Result<WechatRun, BenchError> {
    let before = snapshot(target).await;
    let Batch {
        wire,
        expected,
        encrypt_seconds,
        ..
    } = batch;
    let pushes = wire.len();
    let cpu_before = thread_cpu(server_pid);
    let process_before = server_pid.and_then(process_cpu);
    let io_before = server_pid.and_then(write_bytes);
    let load = {
        let wire = Arc::new(wire);
        let target = target.clone();
        let (client, concurrency, threads) = (args.client, args.concurrency, args.client_threads);
        let handle = std::thread::Builder::new()
            .name("bench-client".into())
            .spawn(move || drive(&target, wire, client, concurrency, threads))?;
        tokio::task::spawn_blocking(move || handle.join())
            .await
            .map_err(|e| BenchError::Http(e.to_string()))?
            .map_err(|_| BenchError::Http("the client thread panicked".into()))??
    };
    let cpu_after = thread_cpu(server_pid);
    let process_after = server_pid.and_then(process_cpu);
    let io_after = server_pid.and_then(write_bytes);
    let after = snapshot(target).await;
    let mut run = WechatRun {
        pushes,
        encrypt_seconds,
        ..load
    };
    run.disk_write_bytes = io_before.zip(io_after).map(|(a, b)| b.saturating_sub(a));
    let client = run.cpu.client;
    run.cpu = cpu_delta(&cpu_before, &cpu_after, server_pid.is_some());
    run.cpu.client = client;
    if let (Some(before), Some(after)) = (process_before, process_after) {
        // The process's own times include threads that have ended (a
        // Python server's per-connection threads) and the per-thread
        // rounding to clock ticks: shown as "(unattributed)".
        let mut total = after - before;
        if server_pid == Some(std::process::id()) {
            total -= client;
        }
        let alive: f64 = run.cpu.server.values().sum();
        if total - alive >= 0.01 {
            run.cpu
                .server
                .insert("(unattributed)".to_string(), total - alive);
        }
        run.cpu.server_total = total.max(alive);
    }
    if let (Some(_), Some(_)) = (&before.stats, &after.stats) {
        run.accounted = true;
        let delta = |p: &str| stat(&after.stats, p) - stat(&before.stats, p);
        run.stored = delta("/messages/by_channel/wechat");
        run.duplicates = delta("/duplicates");
        run.near_duplicates = delta("/near_duplicates");
        run.quarantined = delta("/quarantined");
        let m =
            |name: &str| metric_value(&after.metrics, name) - metric_value(&before.metrics, name);
        run.batches = m("omnilisten_store_batch_size_count");
        run.batched_inputs = m("omnilisten_store_batch_size_sum");
        run.syncs = m("omnilisten_store_sync_seconds_count");
        run.sync_seconds = m("omnilisten_store_sync_seconds_sum");
        run.commit_seconds = m("omnilisten_store_commit_seconds_sum");
        run.rejected = family_sum(&after.metrics, "omnilisten_wechat_rejected_total")
            - family_sum(&before.metrics, "omnilisten_wechat_rejected_total");
        let (matched, mismatched) = spot_check(target, &expected).await;
        run.spot_matched = matched;
        run.spot_mismatched = mismatched;
    }
    Ok(run)
}

/// Compares the newest stored WeChat messages with the pushes they came from.
async fn spot_check(target: &Target, expected: &HashMap<String, Expected>) -> (u64, u64) {
    let path = format!("/api/messages?channel=wechat&limit={SPOT_CHECK}");
    let Ok((200, body)) = http_get(&target.authority, &path).await else {
        return (0, 0);
    };
    let Ok(list) = serde_json::from_slice::<Value>(&body) else {
        return (0, 0);
    };
    let (mut matched, mut mismatched) = (0, 0);
    for m in list["messages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let Some(want) = m["native_id"].as_str().and_then(|id| expected.get(id)) else {
            // An earlier run's message on a long-running target.
            continue;
        };
        if m["text"].as_str() == Some(want.content.as_str())
            && m["author"]["id"].as_str() == Some(want.sender.as_str())
        {
            matched += 1;
        } else {
            mismatched += 1;
        }
    }
    (matched, mismatched)
}

/// Replays the pushes on a runtime of the calling thread's own.
fn drive(
    target: &Target,
    wire: Arc<Vec<WirePush>>,
    client: ClientKind,
    concurrency: usize,
    threads: usize,
) -> Result<WechatRun, BenchError> {
    // From the thread's start: connecting is the client's work too.
    let cpu_before = client_cpu();
    let runtime = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .thread_name("bench-client")
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("bench-client")
            .enable_all()
            .build()?
    };
    runtime.block_on(async {
        let next = Arc::new(AtomicUsize::new(0));
        let ready = Arc::new(tokio::sync::Barrier::new(concurrency + 1));
        let per_worker = wire.len() / concurrency + 1;
        let mut workers = Vec::with_capacity(concurrency);
        for _ in 0..concurrency {
            let worker = Worker {
                wire: wire.clone(),
                next: next.clone(),
                ready: ready.clone(),
                authority: target.authority.clone(),
                result: WechatRun {
                    latencies_us: Vec::with_capacity(per_worker),
                    ..WechatRun::default()
                },
            };
            workers.push(tokio::spawn(match client {
                ClientKind::Raw => worker.run_raw_boxed(),
                ClientKind::Reqwest => worker.run_reqwest_boxed(),
            }));
        }
        ready.wait().await;
        let started = Instant::now();
        let mut total = WechatRun::default();
        for worker in workers {
            let part = worker
                .await
                .map_err(|e| BenchError::Http(format!("a client worker failed: {e}")))?;
            total.merge(part);
        }
        total.elapsed = started.elapsed();
        // The client's threads end with this function: measure them here.
        total.cpu.client = client_cpu() - cpu_before;
        Ok(total)
    })
}

type WorkerFuture = std::pin::Pin<Box<dyn std::future::Future<Output = WechatRun> + Send>>;

/// One connection's worth of the load.
struct Worker {
    wire: Arc<Vec<WirePush>>,
    next: Arc<AtomicUsize>,
    ready: Arc<tokio::sync::Barrier>,
    authority: String,
    result: WechatRun,
}

impl Worker {
    fn run_raw_boxed(self) -> WorkerFuture {
        Box::pin(self.run_raw())
    }

    fn run_reqwest_boxed(self) -> WorkerFuture {
        Box::pin(self.run_reqwest())
    }

    fn error(&mut self, e: impl fmt::Display) {
        self.result.transport_errors += 1;
        if self.result.first_error.is_none() {
            self.result.first_error = Some(e.to_string());
        }
    }

    fn answered(&mut self, took: Duration, status: u16, body: &[u8]) {
        self.result
            .latencies_us
            .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
        *self.result.statuses.entry(status).or_default() += 1;
        let body = body.trim_ascii();
        if status != 200 {
            if self.result.first_error.is_none() {
                self.result.first_error = Some(format!(
                    "{status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                ));
            }
        } else if body == b"success" {
            self.result.success += 1;
        } else if body.starts_with(b"<xml") {
            // An instant reply a rule asked for: answered, not an error.
            self.result.replies += 1;
        } else {
            self.result.bad_bodies += 1;
        }
    }

    async fn run_raw(mut self) -> WechatRun {
        // A failed first connect is retried per push, and counted there.
        let mut conn = connect(&self.authority).await.ok();
        self.ready.wait().await;
        let mut buf = Vec::with_capacity(4096);
        let wire = self.wire.clone();
        while let Some(push) = self.next_push(&wire) {
            let stream = match conn.as_mut() {
                Some(stream) => stream,
                None => match connect(&self.authority).await {
                    Ok(stream) => {
                        self.result.reconnects += 1;
                        conn.insert(stream)
                    }
                    Err(e) => {
                        self.error(e);
                        continue;
                    }
                },
            };
            let sent = Instant::now();
            let answer =
                tokio::time::timeout(REQUEST_TIMEOUT, exchange(stream, &mut buf, &push.request))
                    .await;
            let took = sent.elapsed();
            match answer {
                Ok(Ok(response)) => {
                    let body = buf.get(response.body).unwrap_or(&[]);
                    self.answered(took, response.status, body);
                    if response.close {
                        conn = None;
                    }
                }
                Ok(Err(e)) => {
                    self.error(e);
                    conn = None;
                }
                Err(_) => {
                    self.error("no answer within 30 s");
                    conn = None;
                }
            }
        }
        self.result
    }

    fn next_push<'a>(&self, wire: &'a [WirePush]) -> Option<&'a WirePush> {
        wire.get(self.next.fetch_add(1, Ordering::Relaxed))
    }

    async fn run_reqwest(mut self) -> WechatRun {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .timeout(REQUEST_TIMEOUT)
            .build();
        self.ready.wait().await;
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                self.error(e);
                return self.result;
            }
        };
        let wire = self.wire.clone();
        while let Some(push) = self.next_push(&wire) {
            let url = String::from_utf8_lossy(&push.request);
            let sent = Instant::now();
            let answer = client
                .post(url.as_ref())
                .header(reqwest::header::CONTENT_TYPE, "text/xml")
                .header(reqwest::header::USER_AGENT, "Mozilla/4.0")
                .body(push.body.clone())
                .send()
                .await;
            match answer {
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.bytes().await {
                        Ok(body) => {
                            let took = sent.elapsed();
                            self.answered(took, status, &body);
                        }
                        Err(e) => self.error(e),
                    }
                }
                Err(e) => self.error(e),
            }
        }
        self.result
    }
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

    fn answered_ok(&self) -> u64 {
        self.success + self.replies
    }

    fn rate(&self) -> f64 {
        self.answered_ok() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn errors(&self) -> u64 {
        self.pushes as u64 - self.answered_ok()
    }

    /// Every push answered 200 and, where countable, stored exactly once.
    fn passed(&self) -> bool {
        self.errors() == 0
            && (!self.accounted
                || (self.stored == self.answered_ok() as i64
                    && self.duplicates == 0
                    && self.quarantined == 0
                    && self.spot_mismatched == 0))
    }

    fn per_commit(&self) -> f64 {
        self.batched_inputs / self.batches.max(1.0)
    }

    fn per_sync(&self) -> f64 {
        self.batched_inputs / self.syncs.max(1.0)
    }

    fn sync_ms(&self) -> f64 {
        self.sync_seconds / self.syncs.max(1.0) * 1e3
    }

    fn commit_ms(&self) -> f64 {
        self.commit_seconds / self.batches.max(1.0) * 1e3
    }

    fn server_cpu(&self) -> f64 {
        self.cpu.server_total
    }

    fn figures(&self) -> Figures {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        Figures {
            rate: self.rate(),
            p50: quantile(&sorted, 0.50),
            p90: quantile(&sorted, 0.90),
            p99: quantile(&sorted, 0.99),
            p999: quantile(&sorted, 0.999),
            max: quantile(&sorted, 1.0),
            per_commit: self.per_commit(),
            per_sync: self.per_sync(),
            sync_ms: self.sync_ms(),
            server_cores: self.server_cpu() / secs,
            client_cores: self.cpu.client / secs,
            server_us_per_push: self.server_cpu() * 1e6 / self.pushes.max(1) as f64,
            probe_fsync_ms: self.disk_probe.map_or(0.0, |(m, _)| m),
            disk_kib_per_push: self
                .disk_write_bytes
                .map_or(0.0, |b| b as f64 / 1024.0 / self.pushes.max(1) as f64),
            client_us_per_push: self.cpu.client * 1e6 / self.pushes.max(1) as f64,
            accounted: self.accounted,
            server_measured: self.cpu.measured,
            disk_measured: self.disk_write_bytes.is_some(),
        }
    }
}

/// The figures a summary takes the median of.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    rate: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    p999: f64,
    max: f64,
    per_commit: f64,
    per_sync: f64,
    sync_ms: f64,
    server_cores: f64,
    client_cores: f64,
    server_us_per_push: f64,
    client_us_per_push: f64,
    disk_kib_per_push: f64,
    probe_fsync_ms: f64,
    /// The batching figures were read from the target.
    accounted: bool,
    /// The server's CPU was measured.
    server_measured: bool,
    /// The server's storage writes were measured.
    disk_measured: bool,
}

impl Figures {
    fn median(all: &[Figures]) -> Figures {
        let m = |f: fn(&Figures) -> f64| median(all.iter().map(f).collect());
        Figures {
            rate: m(|f| f.rate),
            p50: m(|f| f.p50),
            p90: m(|f| f.p90),
            p99: m(|f| f.p99),
            p999: m(|f| f.p999),
            max: m(|f| f.max),
            per_commit: m(|f| f.per_commit),
            per_sync: m(|f| f.per_sync),
            sync_ms: m(|f| f.sync_ms),
            server_cores: m(|f| f.server_cores),
            client_cores: m(|f| f.client_cores),
            server_us_per_push: m(|f| f.server_us_per_push),
            client_us_per_push: m(|f| f.client_us_per_push),
            disk_kib_per_push: m(|f| f.disk_kib_per_push),
            probe_fsync_ms: m(|f| f.probe_fsync_ms),
            accounted: all.iter().any(|f| f.accounted),
            server_measured: all.iter().any(|f| f.server_measured),
            disk_measured: all.iter().any(|f| f.disk_measured),
        }
    }

    fn to_json(self) -> Value {
        let when = |ok: bool, v: f64| if ok { json!(v) } else { Value::Null };
        json!({
            "pushes_per_sec": round1(self.rate),
            "p50_ms": round2(self.p50),
            "p90_ms": round2(self.p90),
            "p99_ms": round2(self.p99),
            "p999_ms": round2(self.p999),
            "max_ms": round2(self.max),
            "pushes_per_commit": when(self.accounted, round1(self.per_commit)),
            "pushes_per_fsync": when(self.accounted, round1(self.per_sync)),
            "ms_per_fsync": when(self.accounted, round2(self.sync_ms)),
            "server_cores": when(self.server_measured, round2(self.server_cores)),
            "server_cpu_us_per_push": when(self.server_measured, round1(self.server_us_per_push)),
            "client_cores": round2(self.client_cores),
            "client_cpu_us_per_push": round1(self.client_us_per_push),
            "disk_kib_per_push": when(self.disk_measured, round1(self.disk_kib_per_push)),
            "probe_fsync_ms": round2(self.probe_fsync_ms),
        })
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The q-quantile of sorted microseconds, in milliseconds (nearest rank).
fn quantile(sorted_us: &[u32], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((sorted_us.len() as f64 * q).ceil() as usize).clamp(1, sorted_us.len());
    f64::from(sorted_us[rank - 1]) / 1e3
}

impl WechatBenchReport {
    /// Every run answered every push 200 and, where the target could be
    /// asked, stored each exactly once.
    pub fn passed(&self) -> bool {
        self.runs.iter().all(WechatRun::passed)
    }

    fn median(&self) -> Figures {
        let all: Vec<Figures> = self.runs.iter().map(WechatRun::figures).collect();
        Figures::median(&all)
    }

    fn met(&self) -> bool {
        let m = self.median();
        m.rate >= TARGET_RATE && m.p99 < TARGET_P99_MS
    }

    /// The report as one JSON object (for scripts).
    pub fn to_json(&self) -> Value {
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|r| {
                let mut v = r.figures().to_json();
                v["pushes"] = json!(r.pushes);
                v["seconds"] = json!(round2(r.elapsed.as_secs_f64()));
                v["statuses"] = json!(r.statuses);
                v["success"] = json!(r.success);
                v["replies"] = json!(r.replies);
                v["errors"] = json!(r.errors());
                v["stored"] = if r.accounted {
                    json!(r.stored)
                } else {
                    Value::Null
                };
                let by_thread: BTreeMap<&String, f64> = r
                    .cpu
                    .server
                    .iter()
                    .map(|(name, secs)| (name, round2(*secs)))
                    .collect();
                v["cpu_seconds_by_thread"] = json!(by_thread);
                v["passed"] = json!(r.passed());
                v
            })
            .collect();
        json!({
            "target": self.target,
            "client": self.client,
            "concurrency": self.concurrency,
            "durability": self.durability,
            "median": self.median().to_json(),
            "target_met": self.met(),
            "handler_cpu_us_per_push": round2(
                self.cost.signatures_us + self.cost.envelope_us + self.cost.decrypt_us + self.cost.parse_us
            ),
            "prepare_cpu_us_per_push": round2(self.cost.prepare_us),
            "passed": self.passed(),
            "runs": runs,
        })
    }
}

impl fmt::Display for WechatBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pushes = self.runs.first().map_or(0, |r| r.pushes);
        writeln!(
            f,
            "WeChat safe-mode pushes: {pushes} per run, {} connections, client {} ({} thread{}), target {}{}",
            self.concurrency,
            self.client,
            self.client_threads,
            if self.client_threads == 1 { "" } else { "s" },
            self.target,
            match self.durability {
                Some(d) => format!(" (in-process, durability {d})"),
                None => String::new(),
            }
        )?;
        if let Some(first) = self.runs.first() {
            writeln!(
                f,
                "pre-encryption: {pushes} pushes signed, encrypted and built in {:.2} s (not timed below)",
                first.encrypt_seconds
            )?;
        }
        let c = &self.cost;
        // omnilisten's own per-push work: only meaningful when it is the target.
        if c.samples > 0 && self.runs.iter().any(|r| r.accounted) {
            writeln!(
                f,
                "single-thread CPU per push ({} samples): handler {:.1} µs (signatures {:.1}, envelope + compat probe {:.1}, AES {:.1}, XML parse {:.1}); pipeline prepare {:.1} µs",
                c.samples,
                c.signatures_us + c.envelope_us + c.decrypt_us + c.parse_us,
                c.signatures_us,
                c.envelope_us,
                c.decrypt_us,
                c.parse_us,
                c.prepare_us
            )?;
        }
        for (i, r) in self.runs.iter().enumerate() {
            write_run(f, i + 1, r)?;
        }
        let m = self.median();
        writeln!(
            f,
            "median of {} run{}: {:.0} pushes/s; latency p50 {:.2} ms, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
            self.runs.len(),
            if self.runs.len() == 1 { "" } else { "s" },
            m.rate,
            m.p50,
            m.p90,
            m.p99,
            m.p999,
            m.max
        )?;
        if self.runs.iter().any(|r| r.accounted) {
            writeln!(
                f,
                "median batching: {:.1} pushes per commit, {:.1} per fsync, {:.2} ms per flush+fsync (disk probe: {:.2} ms per 4 KiB fsync)",
                m.per_commit, m.per_sync, m.sync_ms, m.probe_fsync_ms
            )?;
        }
        writeln!(
            f,
            "target (>= {TARGET_RATE:.0} pushes/s, p99 < {TARGET_P99_MS:.0} ms): {}; checks: {}",
            if self.met() { "met" } else { "NOT met" },
            match (self.passed(), self.runs.iter().all(|r| r.accounted)) {
                (true, true) => "every push answered 200 and stored exactly once",
                (true, false) => "every push answered 200 (storage not checked: no /api/stats)",
                (false, _) => "FAILED (see above)",
            }
        )
    }
}

fn write_run(f: &mut fmt::Formatter<'_>, n: usize, r: &WechatRun) -> fmt::Result {
    let fig = r.figures();
    writeln!(
        f,
        "run {n}: {} pushes in {:.2} s = {:.0} pushes/s; latency p50 {:.2} ms, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
        r.pushes,
        r.elapsed.as_secs_f64(),
        fig.rate,
        fig.p50,
        fig.p90,
        fig.p99,
        fig.p999,
        fig.max
    )?;
    let statuses: Vec<String> = r
        .statuses
        .iter()
        .map(|(status, n)| format!("{status}: {n}"))
        .collect();
    writeln!(
        f,
        "run {n}: answers {} (success {}, instant replies {}, other 200 bodies {}); transport errors {}; reconnects {}{}",
        if statuses.is_empty() {
            "none".to_string()
        } else {
            statuses.join(", ")
        },
        r.success,
        r.replies,
        r.bad_bodies,
        r.transport_errors,
        r.reconnects,
        match &r.first_error {
            Some(e) => format!("; first error: {e}"),
            None => String::new(),
        }
    )?;
    if r.accounted {
        writeln!(
            f,
            "run {n}: stored +{} WeChat messages for {} answered pushes ({}), duplicates +{}, quarantined +{}, refused +{:.0}, linked as near-duplicates +{}; newest {} stored match their push, {} do not",
            r.stored,
            r.answered_ok(),
            if r.stored == r.answered_ok() as i64 {
                "exact"
            } else {
                "MISMATCH"
            },
            r.duplicates,
            r.quarantined,
            r.rejected,
            r.near_duplicates,
            r.spot_matched,
            r.spot_mismatched
        )?;
        writeln!(
            f,
            "run {n}: {:.0} commits, mean {:.1} pushes each, {:.2} ms from batch start to durable; {:.0} flush+fsync, mean {:.1} pushes and {:.2} ms each; syncing busy {:.0}% of the run",
            r.batches,
            fig.per_commit,
            r.commit_ms(),
            r.syncs,
            fig.per_sync,
            fig.sync_ms,
            r.sync_seconds / r.elapsed.as_secs_f64().max(1e-9) * 100.0
        )?;
    } else {
        writeln!(
            f,
            "run {n}: the target has no /api/stats: storage not accounted for"
        )?;
    }
    if r.cpu.measured {
        let secs = r.elapsed.as_secs_f64().max(1e-9);
        let threads: Vec<String> = r
            .cpu
            .server
            .iter()
            .filter(|(_, s)| **s >= 0.005)
            .map(|(name, s)| format!("{name} {:.2}", s / secs))
            .collect();
        writeln!(
            f,
            "run {n}: CPU, in cores busy over the run: server {:.2} ({:.0} µs per push; {}), client {:.2} ({:.0} µs per push)",
            fig.server_cores,
            fig.server_us_per_push,
            threads.join(", "),
            fig.client_cores,
            fig.client_us_per_push
        )?;
    } else {
        writeln!(
            f,
            "run {n}: client CPU {:.2} cores ({:.0} µs per push); pass --server-pid for the server's",
            fig.client_cores, fig.client_us_per_push
        )?;
    }
    if let Some((median, p90)) = r.disk_probe {
        writeln!(
            f,
            "run {n}: disk probe before the run: write 4 KiB + fsync takes {median:.2} ms (p90 {p90:.2})"
        )?;
    }
    if let Some(bytes) = r.disk_write_bytes {
        writeln!(
            f,
            "run {n}: server wrote {:.1} MB to storage: {:.1} KiB per push, {:.1} MB/s",
            bytes as f64 / 1e6,
            bytes as f64 / 1024.0 / r.pushes.max(1) as f64,
            bytes as f64 / 1e6 / r.elapsed.as_secs_f64().max(1e-9)
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------
// The minimal HTTP/1.1 client.

/// Where the body of a response lies in the read buffer.
struct RawResponse {
    status: u16,
    body: std::ops::Range<usize>,
    /// The server will close the connection after this answer.
    close: bool,
}

async fn connect(authority: &str) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

fn bad(message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message.into())
}

/// Sends one request and reads its whole answer into `buf`.
async fn exchange(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    request: &[u8],
) -> std::io::Result<RawResponse> {
    stream.write_all(request).await?;
    buf.clear();
    let head_end = loop {
        if let Some(at) = find(buf, b"\r\n\r\n") {
            break at + 4;
        }
        read_more(stream, buf).await?;
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("non-UTF-8 head"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let mut close = version != "HTTP/1.1";
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| bad("bad Content-Length"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.contains("close") {
                close = true;
            } else if value.contains("keep-alive") {
                close = false;
            }
        }
    }
    if chunked {
        loop {
            if let Some(body) = dechunk(&buf[head_end..])? {
                // The decoded body replaces the chunked bytes.
                buf.truncate(head_end);
                buf.extend_from_slice(&body);
                return Ok(RawResponse {
                    status,
                    body: head_end..buf.len(),
                    close,
                });
            }
            read_more(stream, buf).await?;
        }
    }
    match length {
        Some(n) => {
            while buf.len() < head_end + n {
                read_more(stream, buf).await?;
            }
            Ok(RawResponse {
                status,
                body: head_end..head_end + n,
                close,
            })
        }
        None => {
            // No length: the body runs to the end of the connection.
            loop {
                buf.reserve(4096);
                if stream.read_buf(buf).await? == 0 {
                    break;
                }
            }
            Ok(RawResponse {
                status,
                body: head_end..buf.len(),
                close: true,
            })
        }
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.reserve(4096);
    if stream.read_buf(buf).await? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes a chunked body; `None` while it is incomplete.
fn dechunk(mut data: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = find(data, b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&data[..eol]).map_err(|_| bad("bad chunk size"))?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
        let rest = &data[eol + 2..];
        if size == 0 {
            // Trailers, if any, end with an empty line.
            return Ok(
                if rest.starts_with(b"\r\n") || find(rest, b"\r\n\r\n").is_some() {
                    Some(out)
                } else {
                    None
                },
            );
        }
        if rest.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&rest[..size]);
        data = &rest[size + 2..];
    }
}

/// A GET with `Connection: close`, for the target's API.
async fn http_get(authority: &str, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = connect(authority).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    let mut buf = Vec::new();
    let response = tokio::time::timeout(
        REQUEST_TIMEOUT,
        exchange(&mut stream, &mut buf, request.as_bytes()),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))??;
    Ok((
        response.status,
        buf.get(response.body).unwrap_or(&[]).to_vec(),
    ))
}

// ---------------------------------------------------------------------
// CPU time per thread, from /proc.

/// CPU seconds of this process's `bench-client` threads so far.
fn client_cpu() -> f64 {
    threads_of(std::process::id())
        .into_iter()
        .filter(|(_, name, _)| name.starts_with("bench-client"))
        .map(|(_, _, secs)| secs)
        .sum()
}

/// CPU seconds of every thread of the server process but the client's,
/// keyed by (pid, thread id), with names.
fn thread_cpu(server_pid: Option<u32>) -> HashMap<(u32, u64), (String, f64)> {
    let me = std::process::id();
    let mut out = HashMap::new();
    for (tid, name, secs) in threads_of(me) {
        if server_pid == Some(me) && !name.starts_with("bench-client") {
            out.insert((me, tid), (name, secs));
        }
    }
    if let Some(pid) = server_pid.filter(|p| *p != me) {
        for pid in process_tree(pid) {
            for (tid, name, secs) in threads_of(pid) {
                out.insert((pid, tid), (name, secs));
            }
        }
    }
    out
}

/// `pid` and its descendants (a gunicorn master and its workers).
fn process_tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut at = 0;
    while let Some(&p) = all.get(at) {
        at += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            all.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
        if all.len() > 4096 {
            break;
        }
    }
    all
}

/// User + system CPU seconds of process `pid` and its descendants, ended
/// threads included.
fn process_cpu(pid: u32) -> Option<f64> {
    let mut total = None;
    for p in process_tree(pid) {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        if let Some((_, secs)) = parse_stat(&text) {
            *total.get_or_insert(0.0) += secs;
        }
    }
    total
}

/// Bytes process `pid` and its descendants have caused to be written to
/// storage (`/proc/*/io`).
fn write_bytes(pid: u32) -> Option<u64> {
    let mut total = None;
    for p in process_tree(pid) {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{p}/io")) else {
            continue;
        };
        let bytes = text
            .lines()
            .find_map(|l| l.strip_prefix("write_bytes:"))
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(bytes) = bytes {
            *total.get_or_insert(0) += bytes;
        }
    }
    total
}

/// `(thread id, name, CPU seconds)` of every thread of `pid`.
fn threads_of(pid: u32) -> Vec<(u64, String, f64)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        let Ok(tid) = task.file_name().to_string_lossy().parse::<u64>() else {
            continue;
        };
        let mut text = String::new();
        let read = std::fs::File::open(task.path().join("stat"))
            .and_then(|mut f| f.read_to_string(&mut text));
        if let (Ok(_), Some((name, secs))) = (read, parse_stat(&text)) {
            out.push((tid, name, secs));
        }
    }
    out
}

/// `(name, user + system seconds)` from a `/proc/*/stat` line.
fn parse_stat(text: &str) -> Option<(String, f64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?;
    let fields: Vec<&str> = text.get(close + 2..)?.split(' ').collect();
    // Fields 14 and 15 of stat(5); the slice starts at field 3.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Worker threads share a name; numbered pools lose their number.
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_');
    Some((name.to_string(), (utime + stime) / CLOCK_TICKS))
}

fn cpu_delta(
    before: &HashMap<(u32, u64), (String, f64)>,
    after: &HashMap<(u32, u64), (String, f64)>,
    server_measured: bool,
) -> CpuFigures {
    let mut by_name: BTreeMap<String, f64> = BTreeMap::new();
    for (tid, (name, secs)) in after {
        let was = before.get(tid).map_or(0.0, |(_, s)| *s);
        *by_name.entry(name.clone()).or_default() += secs - was;
    }
    CpuFigures {
        server_total: by_name.values().sum(),
        server: by_name,
        client: 0.0,
        measured: server_measured,
    }
}

// ---------------------------------------------------------------------
// Generated pushes.

/// splitmix64: deterministic pushes from a seed, no rand dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }

    fn alnum(&mut self, len: usize) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(ALNUM[self.below(ALNUM.len())]))
            .collect()
    }
}

/// A seed from the kernel's randomness (the scratch Token and key come
/// from it), or from the clock where /dev/urandom cannot be read.
fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    match read {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            nanos ^ u64::from(std::process::id()).rotate_left(32)
        }
    }
}

/// An OpenID-shaped sender id: `o` and 27 URL-safe base64 characters.
fn openid(rng: &mut Rng) -> String {
    const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = String::with_capacity(28);
    id.push('o');
    for _ in 0..27 {
        id.push(char::from(B64URL[rng.below(B64URL.len())]));
    }
    id
}

const OPENERS: &[&str] = &[
    "在吗？",
    "你好，",
    "客服你好，",
    "您好！",
    "人工客服",
    "急！！",
    "请问一下，",
    "麻烦问下",
    "哈喽，",
    "客服在不在",
    "",
    "",
];

const WHEN: &[&str] = &[
    "昨天晚上",
    "今天早上",
    "刚刚",
    "上周五",
    "{day}号那天",
    "前天下午",
    "这个月",
    "从上个月开始",
    "半小时前",
    "中午吃饭的时候",
    "",
    "",
];

const SUBJECTS: &[&str] = &[
    "我的花呗",
    "借呗",
    "余额宝",
    "绑定的银行卡",
    "信用卡还款",
    "淘宝那笔订单",
    "水电费缴费",
    "ETC扣费",
    "医保电子凭证",
    "乘车码",
    "基金定投",
    "收到的红包",
    "给我妈的转账",
    "扫码付款",
    "亲情卡",
    "蚂蚁森林",
    "芝麻信用分",
    "刚申请的退款",
    "国际汇款",
    "商家收款码",
    "话费充值",
    "网商贷",
];

const PROBLEMS: &[&str] = &[
    "突然用不了了",
    "显示交易失败但是钱扣了",
    "一直提示系统繁忙",
    "被冻结了",
    "扣了两次钱",
    "到现在还没到账",
    "一直显示处理中",
    "莫名其妙少了{amt}元",
    "额度被降了",
    "提示存在风险不让付",
    "验证码一直收不到",
    "页面打不开",
    "密码输错三次被锁了",
    "显示异常请稍后再试",
    "好像被别人绑定了",
    "自动续费扣了{amt}元",
    "退款只退了一半",
    "收益没有显示",
    "人脸识别一直失败",
    "多扣了{amt}元手续费",
];

const SPECIFICS: &[&str] = &[
    "订单号{order}",
    "交易号{order}",
    "金额{amt}元",
    "尾号{four}的卡",
    "我手机尾号{four}",
    "一共{amt}元",
    "",
    "",
    "",
];

const DETAILS: &[&str] = &[
    "截图我发过了",
    "打了95188一直排队",
    "这钱是交房租的",
    "之前一直用得好好的",
    "我是用华为手机操作的",
    "同事也遇到一样的问题",
    "已经等了三天了",
    "App里的在线客服也问了",
    "我老婆的号也这样",
    "网络是好的",
    "",
    "",
    "",
];

const FEELINGS: &[&str] = &[
    "😭", "🙏🙏", "😡", "🤔", "😢", "[捂脸]", "[流泪]", "[抓狂]", "/::(", "[合十]", "❤️", "😂",
    "👍", "", "", "",
];

const QUESTIONS: &[&str] = &[
    "这是怎么回事？",
    "怎么处理？",
    "要多久能好？",
    "钱什么时候退回来？",
    "是不是系统出问题了？",
    "我该找谁？",
    "能帮我查一下吗",
    "谢谢！",
    "麻烦尽快处理",
    "急等回复",
    "怎么办啊",
    "辛苦了",
    "？？？",
    "",
];

/// A customer's message, 20 to 200 characters, mostly short, with emoji.
fn message_text(rng: &mut Rng) -> String {
    // The smaller of two uniform draws: most messages are short.
    let target = 20 + rng.below(181).min(rng.below(181));
    let mut text = String::from(rng.pick(OPENERS));
    while text.chars().count() < target {
        let parts = [
            rng.pick(WHEN),
            rng.pick(SUBJECTS),
            rng.pick(PROBLEMS),
            "，",
            rng.pick(SPECIFICS),
            rng.pick(FEELINGS),
            rng.pick(DETAILS),
            rng.pick(QUESTIONS),
            rng.pick(FEELINGS),
        ];
        for part in parts {
            let part = part
                .replace(
                    "{amt}",
                    &format!("{}.{:02}", 1 + rng.below(9_999), rng.below(100)),
                )
                .replace(
                    "{order}",
                    &format!("2026{:016}", rng.next() % 10_000_000_000_000_000),
                )
                .replace("{four}", &format!("{:04}", rng.below(10_000)))
                .replace("{day}", &(1 + rng.below(28)).to_string());
            text.push_str(&part);
        }
    }
    text.chars().take(target).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_20_to_200_characters() {
        let mut rng = Rng::new(7);
        let mut emoji = 0;
        for _ in 0..5_000 {
            let text = message_text(&mut rng);
            let n = text.chars().count();
            assert!((20..=200).contains(&n), "{n}: {text}");
            assert!(!text.contains("]]>"));
            emoji += usize::from(text.chars().any(|c| u32::from(c) >= 0x1F300));
        }
        assert!(emoji > 1_000, "{emoji}");
    }

    #[test]
    fn pushes_decrypt_and_verify_like_the_handler_does() {
        let secrets = Secrets {
            token: "tok".into(),
            encoding_aes_key: AesKey::from_bytes([5; 32]).to_encoding_aes_key(),
            app_id: "wx0123456789abcdef".into(),
        };
        let cipher = SafeModeCipher::new(AesKey::from_bytes([5; 32]), secrets.app_id.clone());
        let target = Target::parse("http://127.0.0.1:9/wechat/x").unwrap();
        let batch = build_batch(&cipher, &secrets, &target, ClientKind::Raw, 50, 10, 1).unwrap();
        assert_eq!(batch.wire.len(), 50);
        assert_eq!(batch.expected.len(), 50);
        let head = String::from_utf8_lossy(&batch.wire[0].request);
        assert!(head.starts_with("POST /wechat/x?signature="), "{head}");
        assert!(head.contains("&encrypt_type=aes&msg_signature="), "{head}");
        let cost = cost_model(&secrets, &cipher, &RuleSet::default(), &batch.samples);
        assert_eq!(cost.samples, 50);
        for s in &batch.samples {
            let envelope = xml::parse_envelope(&s.body).unwrap();
            assert!(verify_msg_signature(
                "tok",
                &s.timestamp,
                &s.nonce,
                &envelope.encrypt,
                &s.msg_signature
            ));
            let push = xml::parse_push(cipher.decrypt(&envelope.encrypt).unwrap().as_bytes());
            assert!(push.is_ok());
        }
    }

    #[test]
    fn chunked_bodies_decode_only_when_complete() {
        assert_eq!(
            dechunk(b"7\r\nsuccess\r\n0\r\n\r\n").unwrap(),
            Some(b"success".to_vec())
        );
        assert_eq!(dechunk(b"7\r\nsucc").unwrap(), None);
        assert_eq!(dechunk(b"7\r\nsuccess\r\n0\r\n").unwrap(), None);
        assert!(dechunk(b"zz\r\n").is_err());
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(quantile(&sorted, 0.5), 50.0);
        assert_eq!(quantile(&sorted, 0.99), 99.0);
        assert_eq!(quantile(&sorted, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
    }

    #[test]
    fn proc_stat_lines_parse() {
        let line = "123 (tokio-runtime-w) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0";
        assert_eq!(parse_stat(line), Some(("tokio-runtime-w".into(), 3.0)));
    }
}
