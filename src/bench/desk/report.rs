//! The table `omnilisten bench desk` prints.

use std::fmt;
use std::time::Duration;

use super::measure::{LoadRow, Row};

/// What `omnilisten bench desk` measured.
#[derive(Debug, Clone)]
pub struct DeskHttpReport {
    /// Customer tickets stored.
    pub tickets: usize,
    /// Drafts stored.
    pub drafts: usize,
    /// Time to fill the store.
    pub populate: Duration,
    /// `/proc/loadavg` when the timing started.
    pub load_average: String,
    /// One line per page or call, one request at a time.
    pub(super) rows: Vec<Row>,
    /// The concurrent runs.
    pub(super) loads: Vec<LoadRow>,
}

impl DeskHttpReport {
    /// True when every answer was the expected one.
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.wrong == 0 && r.requests > 0)
            && self.loads.iter().all(|l| l.errors == 0)
    }

    /// Each line's name and 95th percentile, in the table's order.
    pub fn p95s(&self) -> Vec<(String, Duration)> {
        self.rows
            .iter()
            .map(|r| (r.latency.name.clone(), r.latency.p95))
            .collect()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl fmt::Display for DeskHttpReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "store: {} tickets (+1 long), {} drafts; filled in {:.1} s; load average {}",
            self.tickets,
            self.drafts,
            self.populate.as_secs_f64(),
            self.load_average
        )?;
        writeln!(
            f,
            "{:<62} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9}",
            "request (one at a time, full HTTP over loopback)",
            "n",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "bytes"
        )?;
        for r in &self.rows {
            let l = &r.latency;
            writeln!(
                f,
                "{:<62} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9}",
                l.name,
                r.requests,
                ms(l.p50),
                ms(l.p95),
                ms(l.p99),
                ms(l.max),
                r.bytes
            )?;
        }
        for l in &self.loads {
            let secs = l.elapsed.as_secs_f64().max(1e-9);
            writeln!(
                f,
                "{} × {} clients for {:.1} s: {} requests, {:.0} req/s, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, {} not 200; /healthz meanwhile p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                l.latency.name,
                l.clients,
                secs,
                l.requests,
                l.requests as f64 / secs,
                ms(l.latency.p50),
                ms(l.latency.p95),
                ms(l.latency.p99),
                l.errors,
                ms(l.health.p50),
                ms(l.health.p99),
                ms(l.health.max)
            )?;
        }
        for r in self.rows.iter().filter(|r| r.wrong > 0) {
            writeln!(
                f,
                "WRONG: {} ({} of {}): {}",
                r.latency.name,
                r.wrong,
                r.requests,
                r.failures.join("; ")
            )?;
        }
        if self.rows.iter().any(|r| r.requests == 0) {
            writeln!(
                f,
                "WRONG: a line sent no request (too few approvable drafts?)"
            )?;
        }
        Ok(())
    }
}
