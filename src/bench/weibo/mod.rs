//! `omnilisten bench weibo`: what the Weibo poller spends. The daemon runs
//! in-process against the stand-in (`standin`) on a manual clock, so hours
//! of rate-limited polling take seconds, and the stand-in's request log is
//! the measurement: calls per 200 stored items, empty polls against what
//! the poll interval requires, and the busiest hour against the budget.
//!
//! Two servers are measured, because what a walk of full pages costs at
//! its end depends on whether the server says where the timeline ends:
//! with `next_cursor` hints (the last id while more follow, 0 at the end)
//! and without (0 always, as in the documentation's examples).

pub mod standin;

mod scenario;

use std::fmt;
use std::path::PathBuf;

pub use scenario::{Load, Measured};

use super::BenchError;

/// Options of `omnilisten bench weibo`.
#[derive(Debug, Clone, clap::Args)]
pub struct WeiboBenchArgs {
    /// Page size (`count`).
    #[arg(long, default_value_t = 200)]
    pub count: u32,
    /// The connector's `requests_per_hour`.
    #[arg(long, default_value_t = 150)]
    pub requests_per_hour: u32,
    /// The connector's `poll_interval`, in seconds.
    #[arg(long, default_value_t = 60)]
    pub poll_interval: u64,
    /// Clock hours of steady traffic per steady scenario.
    #[arg(long, default_value_t = 3)]
    pub hours: u64,
    /// Items of the burst scenario, posted at once after a quiet hour.
    #[arg(long, default_value_t = 1000)]
    pub burst: usize,
    /// Scratch directory (removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Every scenario's figures.
#[derive(Debug, Clone)]
pub struct WeiboReport {
    /// The arguments measured with.
    pub args: WeiboBenchArgs,
    /// One row per scenario and server.
    pub rows: Vec<Measured>,
}

impl WeiboReport {
    /// Whether every item was stored once and every hour kept to the budget.
    pub fn passed(&self) -> bool {
        self.rows
            .iter()
            .all(|r| r.stored == r.posted && r.busiest_hour <= self.args.requests_per_hour as usize)
    }
}

/// Runs every scenario against both servers.
pub async fn run(args: WeiboBenchArgs) -> Result<WeiboReport, BenchError> {
    let base = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("omnilisten-bench-weibo-{}", std::process::id()))
    });
    let loads = [
        Load::Steady { per_minute: 1 },
        Load::Steady { per_minute: 20 },
        Load::Steady { per_minute: 400 },
        Load::Burst { items: args.burst },
    ];
    let mut rows = Vec::new();
    for hints in [true, false] {
        for (i, load) in loads.iter().enumerate() {
            let dir = base.join(format!("{}-{i}", if hints { "hints" } else { "plain" }));
            rows.push(scenario::measure(&args, *load, hints, &dir).await?);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    Ok(WeiboReport { args, rows })
}

impl fmt::Display for WeiboReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.args;
        writeln!(
            f,
            "Weibo poller against the stand-in: one endpoint, count = {}, requests_per_hour = {}, poll_interval = {} s, manual clock",
            a.count, a.requests_per_hour, a.poll_interval
        )?;
        writeln!(
            f,
            "{:<8} {:<22} {:>8} {:>8} {:>9} {:>14} {:>12} {:>14} {:>13}",
            "server",
            "load",
            "clock",
            "items",
            "requests",
            "req/200 items",
            "empty polls",
            "polls by time",
            "busiest hour"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<8} {:<22} {:>7}m {:>8} {:>9} {:>14.3} {:>12} {:>14} {:>13}",
                if r.hints { "hints" } else { "plain" },
                r.load.to_string(),
                r.clock_minutes,
                format!("{}/{}", r.stored, r.posted),
                r.requests,
                r.per_200(),
                r.empty_polls,
                r.polls_by_interval,
                r.busiest_hour
            )?;
        }
        writeln!(
            f,
            "hints: next_cursor is the last id while more follow, 0 at the end; plain: next_cursor 0 always, total_number counts the whole timeline"
        )?;
        write!(
            f,
            "empty polls: timeline requests that returned nothing; polls by time: clock time / the poll spacing (the empty polls an idle timeline needs)"
        )
    }
}
