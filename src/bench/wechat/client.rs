//! The load: `--concurrency` workers on the client's own runtime and
//! thread, replaying the pushes with the raw client or reqwest and timing
//! every answer.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::batch::WirePush;
use super::http::{REQUEST_TIMEOUT, connect, exchange};
use super::procstat::client_cpu;
use super::target::Target;
use super::{ClientKind, WechatRun};
use crate::bench::BenchError;

/// Replays the pushes on a runtime of the calling thread's own.
pub(super) fn drive(
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
