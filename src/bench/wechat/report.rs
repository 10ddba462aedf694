//! The report: figures of a run, their quantiles and medians over runs,
//! and the report as text and JSON.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value, json};

use super::{WechatBenchReport, WechatRun};

/// The product target this benchmark exists for.
const TARGET_RATE: f64 = 4_000.0;
/// The product target's p99, in milliseconds.
const TARGET_P99_MS: f64 = 20.0;

impl WechatRun {
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

pub(super) fn median(mut values: Vec<f64>) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(quantile(&sorted, 0.5), 50.0);
        assert_eq!(quantile(&sorted, 0.99), 99.0);
        assert_eq!(quantile(&sorted, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
    }
}
