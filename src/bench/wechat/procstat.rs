//! CPU time per thread and bytes written to storage, from /proc.

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;

use super::CpuFigures;

/// `/proc/*/stat` times are in clock ticks; 100 per second on every Linux
/// this runs on (`getconf CLK_TCK`).
const CLOCK_TICKS: f64 = 100.0;

/// CPU seconds of this process's `bench-client` threads so far.
pub(super) fn client_cpu() -> f64 {
    threads_of(std::process::id())
        .into_iter()
        .filter(|(_, name, _)| name.starts_with("bench-client"))
        .map(|(_, _, secs)| secs)
        .sum()
}

/// CPU seconds of every thread of the server process but the client's,
/// keyed by (pid, thread id), with names.
pub(super) fn thread_cpu(server_pid: Option<u32>) -> HashMap<(u32, u64), (String, f64)> {
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
pub(super) fn process_cpu(pid: u32) -> Option<f64> {
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
pub(super) fn write_bytes(pid: u32) -> Option<u64> {
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

pub(super) fn cpu_delta(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_lines_parse() {
        let line = "123 (tokio-runtime-w) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0";
        assert_eq!(parse_stat(line), Some(("tokio-runtime-w".into(), 3.0)));
    }
}
