//! `omnilisten bench desk`: the review desk's pages and JSON API timed over
//! real HTTP on a big store.
//!
//! It fills a scratch store with the service benchmark's generated data
//! (`crate::desk::DeskBenchArgs::populate`: 100,000 tickets, one ticket
//! with 600 messages, 10,000 drafts over 40 incidents by default), starts
//! the daemon in-process on it (`crate::app::run`, so the router and its
//! state are the real ones) on 127.0.0.1:0 with a user and an API token
//! made for the run, logs in through `POST /login`, and times full
//! requests over loopback with reqwest: every page one at a time (p50–max
//! and bytes), the approve form with its CSRF token, then several clients
//! at once on `/tickets` and `/drafts` (requests/s) while `/healthz` is
//! asked on the side. Every answer is checked (status and a piece of
//! content); a wrong one fails the run.
//!
//! The client runs on a thread and runtime of its own, so it never waits
//! behind the server's tasks. Here: the options and the run; `daemon` starts
//! the server, `client` speaks HTTP, `probes` says what is asked, `measure`
//! times it, `report` prints it.

use std::path::{Path, PathBuf};

use super::BenchError;
use crate::desk::DeskBenchArgs;

mod client;
mod daemon;
mod measure;
mod probes;
mod report;
#[cfg(test)]
mod tests;

pub use report::DeskHttpReport;

use client::{Call, Session};
use daemon::{Credentials, Daemon};
use probes::{KEYS, Keys, spread};

/// Options of `omnilisten bench desk`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeskHttpBenchArgs {
    /// Customer tickets stored, one message each.
    #[arg(long, default_value_t = 100_000)]
    pub tickets: usize,
    /// Drafts stored (70 % for incidents).
    #[arg(long, default_value_t = 10_000)]
    pub drafts: usize,
    /// Timed requests per page (and approvals).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Concurrent clients of the throughput runs.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Seconds of each throughput run (0: none).
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Scratch directory (removed afterwards); default under the temp dir.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Fills the store, starts the daemon, times the desk over HTTP, stops it.
pub async fn run(args: &DeskHttpBenchArgs) -> Result<DeskHttpReport, BenchError> {
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("omnilisten-bench-desk-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = run_in(args, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(args: &DeskHttpBenchArgs, dir: &Path) -> Result<DeskHttpReport, BenchError> {
    let fill = DeskBenchArgs {
        tickets: args.tickets,
        drafts: args.drafts,
        samples: args.samples,
        ..DeskBenchArgs::default()
    };
    let filled = fill.populate(&dir.join("state")).await?;
    let id = |d: &crate::model::DraftId| d.0.to_string();
    let keys = Keys {
        tickets: spread(&filled.tickets, KEYS),
        orders: spread(&filled.orders, KEYS),
        // Newest first: the approvals take the oldest approvable ones.
        drafts: spread(&filled.drafts, KEYS).iter().rev().map(id).collect(),
        approvable: filled
            .approvable
            .iter()
            .take(args.samples)
            .map(id)
            .collect(),
        incidents: spread(&filled.incidents, KEYS),
        long_ticket: (filled.long_ticket, filled.long_ticket_messages),
    };
    let (daemon, credentials) = Daemon::start(dir).await?;
    let base = format!("http://{}", daemon.addr);
    let load_average = load_average();
    let (driven_args, populate) = (args.clone(), filled.elapsed);
    let client = std::thread::Builder::new()
        .name("bench-client".into())
        .spawn(move || drive(&base, &credentials, &keys, &driven_args))?;
    // Joined off the async threads: the daemon runs on them meanwhile.
    let driven = tokio::task::spawn_blocking(move || client.join())
        .await
        .map_err(|e| BenchError::Http(e.to_string()))?
        .map_err(|_| BenchError::Http("the client thread panicked".into()));
    let stopped = daemon.stop().await;
    let (rows, loads) = driven??;
    stopped?;
    Ok(DeskHttpReport {
        tickets: args.tickets,
        drafts: args.drafts,
        populate,
        load_average,
        rows,
        loads,
    })
}

/// What the client thread measured.
type Driven = (Vec<measure::Row>, Vec<measure::LoadRow>);

/// The client side, on its own current-thread runtime.
fn drive(
    base: &str,
    credentials: &Credentials,
    keys: &Keys,
    args: &DeskHttpBenchArgs,
) -> Result<Driven, BenchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let session = Session::login(base, credentials).await?;
        let mut rows = Vec::new();
        for probe in probes::reads(&session, keys).await? {
            rows.push(measure::time_probe(&session, &probe, args.samples).await?);
        }
        let approvals = probes::approvals(keys);
        rows.push(measure::time_probe(&session, &approvals, approvals.calls.len()).await?);
        let mut loads = Vec::new();
        if args.seconds > 0.0 {
            for path in [
                crate::web::pages::paths::TICKETS,
                crate::web::pages::paths::DRAFTS,
            ] {
                let name = format!("GET {path}");
                let call = Call::Page(path.to_string());
                loads
                    .push(measure::load(&session, &name, &call, args.clients, args.seconds).await?);
            }
        }
        Ok((rows, loads))
    })
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), or "?".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
