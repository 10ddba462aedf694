//! Timing: each probe one request at a time (latency), then several
//! clients at once on one page (throughput), with `/healthz` asked
//! meanwhile to show whether the async threads stay free.

use std::time::{Duration, Instant};

use super::client::{Answer, Call, Session};
use super::probes::{Expect, Probe};
use crate::bench::BenchError;
use crate::desk::Latency;

/// Wrong answers kept per line (the rest are only counted).
const FAILURES_KEPT: usize = 3;

/// One probe's figures.
#[derive(Debug, Clone)]
pub(super) struct Row {
    /// Its latency; `rows` is unused (0).
    pub(super) latency: Latency,
    /// Requests sent.
    pub(super) requests: usize,
    /// Body bytes of the last answer.
    pub(super) bytes: usize,
    /// Answers that were not what the probe expects.
    pub(super) wrong: usize,
    /// The first few of them, said.
    pub(super) failures: Vec<String>,
}

/// Why `answer` to `call` is not what `expect` wants, if it is not.
fn check(call: &Call, answer: &Answer, expect: &Expect) -> Option<String> {
    let found = answer.body.contains(&expect.contains)
        || answer
            .location
            .as_deref()
            .is_some_and(|l| l.contains(&expect.contains));
    (answer.status != expect.status || !found).then(|| {
        format!(
            "{} answered {} (want {} with {:?})",
            call.path(),
            answer.status,
            expect.status,
            expect.contains
        )
    })
}

/// Sends `samples` requests of `probe` one after the other, cycling its calls.
pub(super) async fn time_probe(
    session: &Session,
    probe: &Probe,
    samples: usize,
) -> Result<Row, BenchError> {
    let mut times = Vec::with_capacity(samples);
    let (mut bytes, mut wrong, mut failures) = (0, 0, Vec::new());
    for (call, expect) in probe.calls.iter().cycle().take(samples) {
        let answer = session.send(call).await?;
        times.push(answer.took);
        bytes = answer.bytes;
        if let Some(why) = check(call, &answer, expect) {
            wrong += 1;
            if failures.len() < FAILURES_KEPT {
                failures.push(why);
            }
        }
    }
    Ok(Row {
        requests: times.len(),
        latency: Latency::of(&probe.name, times, 0),
        bytes,
        wrong,
        failures,
    })
}

/// Figures of several clients asking one page for a while.
#[derive(Debug, Clone)]
pub(super) struct LoadRow {
    /// The page's latency under load.
    pub(super) latency: Latency,
    /// Concurrent clients.
    pub(super) clients: usize,
    /// How long they asked.
    pub(super) elapsed: Duration,
    /// Answers received.
    pub(super) requests: usize,
    /// Answers other than 200.
    pub(super) errors: usize,
    /// `/healthz` asked meanwhile, every [`HEALTH_EVERY`].
    pub(super) health: Latency,
}

/// How often `/healthz` is asked during a load run.
const HEALTH_EVERY: Duration = Duration::from_millis(20);

/// `clients` clients ask `call` back to back for `seconds`.
pub(super) async fn load(
    session: &Session,
    name: &str,
    call: &Call,
    clients: usize,
    seconds: f64,
) -> Result<LoadRow, BenchError> {
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds.max(0.0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let (session, call) = (session.clone(), call.clone());
        workers.spawn(async move {
            let (mut times, mut errors) = (Vec::new(), 0);
            while Instant::now() < until {
                let answer = session.send(&call).await?;
                times.push(answer.took);
                errors += usize::from(answer.status != 200);
            }
            Ok::<_, BenchError>((times, errors))
        });
    }
    let health = {
        let session = session.clone();
        tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < until {
                times.push(session.send(&Call::Page("/healthz".into())).await?.took);
                tokio::time::sleep(HEALTH_EVERY).await;
            }
            Ok::<_, BenchError>(times)
        })
    };
    let (mut times, mut errors) = (Vec::new(), 0);
    while let Some(done) = workers.join_next().await {
        let (t, e) = done.map_err(|e| BenchError::Http(e.to_string()))??;
        times.extend(t);
        errors += e;
    }
    let health = health
        .await
        .map_err(|e| BenchError::Http(e.to_string()))??;
    Ok(LoadRow {
        requests: times.len(),
        latency: Latency::of(name, times, 0),
        clients: clients.max(1),
        elapsed: started.elapsed(),
        errors,
        health: Latency::of("/healthz", health, 0),
    })
}
