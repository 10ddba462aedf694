//! Bounded stages from raw input to durable, acknowledged messages.
//!
//! ```text
//! sources ──(queue_capacity)──► prepare ──(4)──► link ──(4)──► writer ──► acks
//!            Envelope               parse,          near-dup      dedup, tickets,
//!                                   normalize,      (MinHash)     one atomic batch,
//!                                   rules (2 threads)             flush, fsync
//! ```
//!
//! Both queues are bounded: when the store is slow, the writer stops taking
//! batches, the prepare stage stops taking envelopes, and the sources wait in
//! `send`. Acks go out only after the batch holding the input is durable.

mod link;
mod prepare;
mod writer;

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use prepare::{Limits, MediaRef, Ready, Refused, explain_rules, prepare};

use crate::connectors::Envelope;
use crate::metrics::Metrics;
use crate::outbound::Acknowledger;
use crate::rules::{LiveRules, RuleSet};
use crate::store::Store;

/// Near-duplicate index settings.
#[derive(Debug, Clone, Copy)]
pub struct NearSettings {
    /// Cluster representatives remembered (oldest evicted first).
    pub capacity: usize,
    /// Minimum Jaccard similarity of character 2-grams.
    pub threshold: f32,
}

/// How the pipeline is sized.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Envelopes that may wait before sources block.
    pub queue_capacity: usize,
    /// Most inputs committed in one batch.
    pub batch_max: usize,
    /// Size limits.
    pub limits: Limits,
    /// Keep raw input bytes for audit.
    pub keep_raw: bool,
    /// Near-duplicate index settings.
    pub near: NearSettings,
    /// Where the trend detector publishes for `/api/trends`.
    pub trends: crate::incidents::TrendsView,
}

/// A running pipeline.
pub struct Pipeline {
    input: mpsc::Sender<Envelope>,
    prepare: JoinHandle<()>,
    link: Option<std::thread::JoinHandle<()>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// An input after the prepare stage.
struct Prepared {
    envelope: Envelope,
    result: Result<Ready, Refused>,
    /// The rules it was evaluated with (the writer acts on their topics).
    rules: Arc<RuleSet>,
}

impl Pipeline {
    /// Starts the stages on the current runtime; no acknowledgements.
    pub fn spawn(
        store: Store,
        rules: impl Into<LiveRules>,
        metrics: Metrics,
        options: PipelineOptions,
    ) -> Pipeline {
        Pipeline::spawn_with(store, rules, metrics, options, None)
    }

    /// Starts the stages; the writer enqueues acknowledgements of new
    /// tickets through `acknowledger`, in the ticket's own transaction.
    pub fn spawn_with(
        store: Store,
        rules: impl Into<LiveRules>,
        metrics: Metrics,
        options: PipelineOptions,
        acknowledger: Option<Arc<Acknowledger>>,
    ) -> Pipeline {
        let (input, input_rx) = mpsc::channel(options.queue_capacity.max(1));
        let (prepared_tx, prepared_rx) = mpsc::channel(2);
        let (linked_tx, linked_rx) = mpsc::channel(2);
        let rules: LiveRules = rules.into();
        // The writer shows the restored trends under the titles in force at start.
        let rules_at_start = rules.current();
        let prepare = tokio::spawn(prepare_stage(
            input_rx,
            prepared_tx,
            rules,
            metrics.clone(),
            options.clone(),
        ));
        let link_store = store.clone();
        let near = options.near;
        let link = std::thread::Builder::new()
            .name("omnilisten-link".into())
            .spawn(move || link::run(link_store, prepared_rx, linked_tx, near))
            .map_err(|e| tracing::error!(error = %e, "Cannot start the near-duplicate thread."))
            .ok();
        // The writer's work is synchronous sled calls and CPU; a thread of its
        // own keeps it off the async workers that serve HTTP and sources.
        let handle = tokio::runtime::Handle::current();
        let writer = std::thread::Builder::new()
            .name("omnilisten-writer".into())
            .spawn(move || {
                let writer = writer::run(
                    store,
                    linked_rx,
                    metrics,
                    options,
                    acknowledger,
                    rules_at_start,
                );
                handle.block_on(writer)
            })
            .map_err(|e| tracing::error!(error = %e, "Cannot start the writer thread."))
            .ok();
        Pipeline {
            input,
            prepare,
            link,
            writer,
        }
    }

    /// The queue sources send into.
    pub fn sender(&self) -> mpsc::Sender<Envelope> {
        self.input.clone()
    }

    /// Stops taking input and waits until everything queued is durable and
    /// acknowledged. Every other sender clone must be dropped first.
    pub async fn close(self) {
        drop(self.input);
        if let Err(e) = self.prepare.await {
            tracing::error!(error = %e, "Prepare stage ended abnormally.");
        }
        if let Some(link) = self.link {
            // The link thread ends as soon as the prepare stage has closed its queue.
            let joined = tokio::task::spawn_blocking(move || link.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::error!("Near-duplicate thread ended abnormally.");
            }
        }
        if let Some(writer) = self.writer {
            let joined = tokio::task::spawn_blocking(move || writer.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::error!("Writer thread ended abnormally.");
            }
        }
    }
}

async fn prepare_stage(
    mut input: mpsc::Receiver<Envelope>,
    output: mpsc::Sender<Vec<Prepared>>,
    rules: LiveRules,
    metrics: Metrics,
    options: PipelineOptions,
) {
    let mut batch = Vec::with_capacity(options.batch_max);
    while input.recv_many(&mut batch, options.batch_max).await > 0 {
        metrics.set_queue_depth("prepare", input.len());
        let envelopes = std::mem::take(&mut batch);
        // One rule set per batch: a reload takes effect at the next batch.
        let prepared = prepare_parallel(envelopes, &rules.current(), &options.limits).await;
        if output.send(prepared).await.is_err() {
            break;
        }
    }
}

/// Splits a batch over two blocking threads (the machine has two cores) and
/// keeps the input order, so a follow-up never overtakes its original.
async fn prepare_parallel(
    mut envelopes: Vec<Envelope>,
    rules: &Arc<RuleSet>,
    limits: &Limits,
) -> Vec<Prepared> {
    let second = envelopes.split_off(envelopes.len() / 2);
    let run = |chunk: Vec<Envelope>| {
        let rules = rules.clone();
        let limits = limits.clone();
        tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|envelope| {
                    // A panic in a parser must not drop the input: the other
                    // inputs of the batch still commit, and their checkpoints
                    // (IMAP UIDs) would move past it. Quarantine it instead.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        prepare(
                            &envelope.connector,
                            &envelope.payload,
                            envelope.received_at,
                            &limits,
                            &rules,
                        )
                    }))
                    .unwrap_or_else(|_| {
                        Err(Refused {
                            reason: "the parser panicked on this input (a bug; kept for a fix)"
                                .into(),
                        })
                    });
                    Prepared {
                        envelope,
                        result,
                        rules: rules.clone(),
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let (a, b) = tokio::join!(run(envelopes), run(second));
    let mut out = Vec::new();
    for part in [a, b] {
        match part {
            Ok(items) => out.extend(items),
            // Only reachable if the runtime cancels the task: the inputs'
            // ack senders are dropped, so their sources offer them again.
            Err(e) => tracing::error!(error = %e, "Prepare task failed."),
        }
    }
    out
}
