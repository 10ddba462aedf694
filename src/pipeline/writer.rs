//! The writer stage: group commit. Each batch is deduplicated, linked to
//! tickets and applied as one atomic sled batch; the syncer makes it
//! durable, and only then are the sources' acks sent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{PipelineOptions, Prepared, Ready, Refused};
use crate::connectors::{AckResult, Envelope, NotStored, Outcome};
use crate::incidents::{TopicDesk, draft_for_rule, message_time};
use crate::metrics::Metrics;
use crate::model::{Channel, Message, MessageId, Quarantined};
use crate::outbound::{Acknowledger, NAME_FALLBACK, Values};
use crate::rules::{Actions, JoinTarget, RuleSet};
use crate::store::{MediaJob, Store, StoreError, Tx};
use crate::tickets::{self, TicketChange};

/// Pause after a failed commit before the next attempt, so a broken disk
/// does not turn into a busy loop.
const FAILURE_PAUSE: Duration = Duration::from_millis(500);

/// Applied batches that may wait for one flush. Each holds only its acks
/// (the data is already in sled), so the bound is about latency, not memory.
const SYNC_QUEUE: usize = 64;

/// How often the trend detector's state rides along with a batch. It is
/// saved with the batch's messages, so after a crash the detector resumes
/// from a state that matches the store; what it counted since is lost
/// (at most this long of counts, never an incident or a message).
const TREND_CHECKPOINT: Duration = Duration::from_secs(300);

/// A batch applied to the store but not yet durable.
struct Applied {
    acks: Vec<(Ack, Outcome)>,
    started: Instant,
}

pub(super) async fn run(
    store: Store,
    mut input: mpsc::Receiver<Vec<Prepared>>,
    metrics: Metrics,
    options: PipelineOptions,
    acknowledger: Option<Arc<Acknowledger>>,
    rules: Arc<RuleSet>,
) {
    let acknowledger = acknowledger.as_deref();
    // Pipelined group commit: while the syncer flushes, the writer goes on
    // applying batches, and the next flush covers all of them. Under many
    // small concurrent inputs (webhooks) one fsync must cover many batches,
    // so a slow disk means bigger groups, not lower throughput; sources
    // still feel it through their bounded queues and unacknowledged input.
    let (to_sync, syncing) = mpsc::channel(SYNC_QUEUE);
    let syncer = tokio::spawn(sync_loop(store.clone(), syncing, metrics.clone()));
    let mut desk = TopicDesk::load(&store, options.trends.clone());
    // Otherwise `/api/trends` and the incident charts stay empty until the next message.
    if let Err(e) = desk.publish_restored(&store, &rules) {
        tracing::warn!(error = %e, "Restored trends not shown; they will be at the next message.");
    }
    let mut checkpointed = Instant::now();
    while let Some(batch) = input.recv().await {
        let started = Instant::now();
        let size = batch.len();
        let checkpoint = checkpointed.elapsed() >= TREND_CHECKPOINT;
        let cx = BatchContext {
            metrics: &metrics,
            options: &options,
            acknowledger,
            checkpoint,
        };
        let (acks, result) = apply_batch(&store, batch, cx, &mut desk).await;
        match result {
            Ok(()) => {
                desk.batch_committed();
                if checkpoint {
                    checkpointed = Instant::now();
                }
                metrics.batch_size.observe(size as f64);
                if to_sync.send(Applied { acks, started }).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                desk.batch_failed();
                fail(acks, &e, &metrics);
                tokio::time::sleep(FAILURE_PAUSE).await;
            }
        }
    }
    drop(to_sync);
    if syncer.await.is_err() {
        tracing::error!("The store syncer ended abnormally.");
    }
    // The detector's history (seasonal baselines) survives a restart.
    let mut tx = store.begin().await;
    desk.save(&mut tx);
    if let Err(e) = tx.commit().await {
        tracing::error!(error = %e, "Trend state not saved.");
    }
}

/// Flushes applied batches, several at once when they queue up, and only
/// then sends their acks.
async fn sync_loop(store: Store, mut syncing: mpsc::Receiver<Applied>, metrics: Metrics) {
    while let Some(first) = syncing.recv().await {
        let mut group = vec![first];
        while let Ok(more) = syncing.try_recv() {
            group.push(more);
        }
        match store.sync().await {
            Ok(took) => {
                metrics.sync_seconds.observe(took.as_secs_f64());
                for applied in group {
                    metrics
                        .commit_seconds
                        .observe(applied.started.elapsed().as_secs_f64());
                    for (ack, outcome) in applied.acks {
                        if let Some(ack) = ack {
                            let _ = ack.send(Ok(outcome));
                        }
                    }
                }
            }
            Err(e) => {
                for applied in group {
                    fail(applied.acks, &e, &metrics);
                }
                tokio::time::sleep(FAILURE_PAUSE).await;
            }
        }
    }
}

fn fail(acks: Vec<(Ack, Outcome)>, e: &StoreError, metrics: &Metrics) {
    metrics.commit_failures.inc();
    tracing::error!(error = %e, inputs = acks.len(), "Commit failed; sources will offer the inputs again.");
    for (ack, _) in acks {
        if let Some(ack) = ack {
            let _ = ack.send(Err(NotStored(e.to_string())));
        }
    }
}

type Ack = Option<tokio::sync::oneshot::Sender<AckResult>>;

/// What applying a batch needs besides the batch and the desk.
#[derive(Clone, Copy)]
struct BatchContext<'a> {
    metrics: &'a Metrics,
    options: &'a PipelineOptions,
    acknowledger: Option<&'a Acknowledger>,
    /// Save the trend detector's state in this batch.
    checkpoint: bool,
}

/// Builds one transaction from a batch and applies it (not yet durable).
async fn apply_batch(
    store: &Store,
    batch: Vec<Prepared>,
    cx: BatchContext<'_>,
    desk: &mut TopicDesk,
) -> (Vec<(Ack, Outcome)>, Result<(), StoreError>) {
    let BatchContext {
        metrics,
        options,
        acknowledger,
        checkpoint,
    } = cx;
    let mut tx = store.begin().await;
    let mut acks = Vec::with_capacity(batch.len());
    let mut failure = None;
    for Prepared {
        mut envelope,
        result,
        rules,
    } in batch
    {
        let ack = envelope.ack.take();
        let applied = match result {
            Ok(ready) => apply_ready(
                &mut tx,
                &envelope,
                ready,
                Context {
                    metrics,
                    options,
                    acknowledger,
                    desk: &mut *desk,
                    rules: &rules,
                },
            ),
            Err(refused) => apply_refused(&mut tx, &envelope, refused, metrics),
        };
        match applied {
            Ok(outcome) => {
                if let Some(cp) = &envelope.checkpoint {
                    tx.set_cursor(&envelope.connector.0, &cp.name, &cp.value);
                }
                acks.push((ack, outcome));
            }
            Err(e) => {
                failure = Some(e);
                // Dropping the ack tells the source "not stored".
                break;
            }
        }
    }
    if let Some(e) = failure {
        drop(tx);
        return (acks, Err(e));
    }
    if checkpoint {
        desk.save(&mut tx);
    }
    let result = tx.apply().map(|_| ());
    (acks, result)
}

/// What applying one message needs besides the message.
struct Context<'a> {
    metrics: &'a Metrics,
    options: &'a PipelineOptions,
    acknowledger: Option<&'a Acknowledger>,
    desk: &'a mut TopicDesk,
    rules: &'a Arc<RuleSet>,
}

fn apply_ready(
    tx: &mut Tx<'_>,
    envelope: &Envelope,
    ready: Ready,
    cx: Context<'_>,
) -> Result<Outcome, StoreError> {
    let Context {
        metrics,
        options,
        acknowledger,
        desk,
        rules,
    } = cx;
    let Ready {
        mut message,
        attachment_content,
        evaluation,
        media,
        terms,
        ..
    } = ready;
    let channel = message.channel;
    if let Some(existing) = tx.find_native(channel, &message.native_id)? {
        tx.stats_mut().duplicates += 1;
        metrics.count_duplicate(channel.as_str());
        return Ok(Outcome::Duplicate(existing));
    }
    if message.near_duplicate_of.is_some() {
        tx.stats_mut().near_duplicates += 1;
        metrics.near_duplicates.inc();
    }
    let actions = &evaluation.actions;
    // `join_ticket = "topic:…"` while the topic has an incident open: the
    // message is one of its members instead of a ticket of its own.
    let joined_topic = match &actions.join_ticket {
        Some(JoinTarget::Topic(id)) => match rules.topics.iter().position(|t| &t.id == id) {
            Some(i) if tx.open_incident(id)?.is_some() => Some(i),
            _ => None,
        },
        _ => None,
    };
    let change = if joined_topic.is_some() {
        TicketChange::None
    } else {
        tickets::assign(tx, &mut message, actions)?
    };
    match &change {
        TicketChange::Opened { number } => {
            metrics.tickets_opened.inc();
            // Same transaction as the ticket: a crash keeps both or neither.
            if let Some(acknowledger) = acknowledger {
                acknowledger.consider(tx, envelope.historical, &message, number)?;
            }
        }
        TicketChange::Joined { .. } => {
            metrics.tickets_joined.inc();
        }
        TicketChange::None => {}
    }
    // A chat line joining an open conversation was answered when it opened.
    let first_of_ticket = !matches!(change, TicketChange::Joined { .. });
    if first_of_ticket {
        message.instant_reply = instant_reply(&message, actions);
    }
    // Trends count every new message (the detector needs the whole
    // traffic for its baseline), on the message's own time.
    let report = desk.observe(
        tx,
        rules,
        &mut message,
        &evaluation.topic_indexes,
        joined_topic,
        &terms,
    )?;
    if !report.opened.is_empty() {
        metrics.tickets_opened.inc_by(report.opened.len() as u64);
    }
    if let Some(template) = &actions.draft_reply
        && first_of_ticket
        && message.incident.is_none()
    {
        // An incident's members get the incident's official reply instead.
        draft_for_rule(tx, template, &message, message_time(&message))?;
    }
    for (hash, content) in &attachment_content {
        tx.put_attachment(hash, content);
    }
    if let Some(media) = media {
        // Same batch as the message: a crash cannot lose the download.
        tx.put_media_job(&MediaJob {
            message: message.id,
            connector: message.connector.0.clone(),
            media_id: media.media_id,
            kind: media.kind.to_string(),
            created_at: message.received_at,
            attempts: 0,
            next_attempt_at: None,
        });
    }
    let raw = options.keep_raw.then(|| envelope.payload.bytes());
    tx.insert_message(&message, raw);
    metrics.count_ingested(channel.as_str());
    Ok(Outcome::Stored(message.id))
}

/// The instant reply a rule asked for, rendered now that the ticket number
/// is known. Only WeChat can answer inside the push's own HTTP response.
fn instant_reply(message: &Message, actions: &Actions) -> Option<String> {
    let reply = actions.instant_reply.as_ref()?;
    if message.channel != Channel::Wechat {
        return None;
    }
    let text = reply.template.render(&Values {
        ticket: message.ticket.as_deref().unwrap_or_default(),
        subject: message.subject.as_deref().unwrap_or_default(),
        name: message.author.name.as_deref().unwrap_or(NAME_FALLBACK),
        topic: "",
    });
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn apply_refused(
    tx: &mut Tx<'_>,
    envelope: &Envelope,
    refused: Refused,
    metrics: &Metrics,
) -> Result<Outcome, StoreError> {
    let raw = envelope.payload.bytes();
    // Quarantine is deduplicated by content, so a re-read file is not
    // quarantined twice.
    let native = format!("quarantine:{}", blake3::hash(raw).to_hex());
    let channel = envelope.payload.channel();
    if let Some(existing) = tx.find_native(channel, &native)? {
        tx.stats_mut().duplicates += 1;
        metrics.count_duplicate(channel.as_str());
        return Ok(Outcome::Duplicate(existing));
    }
    let entry = Quarantined {
        id: MessageId::new(),
        connector: envelope.connector.clone(),
        origin: envelope.origin.clone(),
        reason: refused.reason,
        received_at: envelope.received_at,
        raw_size: raw.len() as u64,
    };
    tracing::warn!(connector = %entry.connector, origin = %entry.origin, reason = %entry.reason, "Input quarantined.");
    tx.quarantine(&entry, raw);
    tx.mark_native(channel, &native, entry.id);
    metrics.count_quarantined(&envelope.connector.0);
    Ok(Outcome::Quarantined(entry.id))
}
