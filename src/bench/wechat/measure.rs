//! One timed run: the target's counters before and after, the load, the
//! server's CPU and disk writes, and the stored-once accounting.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::batch::{Batch, Expected};
use super::client::drive;
use super::http::http_get;
use super::procstat::{cpu_delta, process_cpu, thread_cpu, write_bytes};
use super::target::Target;
use super::{WechatBenchArgs, WechatRun};
use crate::bench::{BenchError, metric_value};

/// How many of the newest stored messages are compared with what was sent.
const SPOT_CHECK: usize = 200;

/// Counters read from the target before and after a run.
#[derive(Default)]
struct Snapshot {
    stats: Option<Value>,
    metrics: String,
}

async fn snapshot(target: &Target) -> Snapshot {
    let stats = match http_get(&target.authority, "/api/stats", target.api_token.as_deref()).await {
        Ok((200, body)) => serde_json::from_slice(&body).ok(),
        _ => None,
    };
    let metrics = match http_get(&target.authority, "/metrics", None).await {
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

pub(super) async fn measure_run(
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
    let Ok((200, body)) = http_get(&target.authority, &path, target.api_token.as_deref()).await
    else {
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
