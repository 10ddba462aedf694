//! The link stage: finds each message's near-duplicate among earlier ones.
//! It owns the in-memory MinHash index and runs on its own thread, between
//! the parallel prepare stage and the single writer, so neither waits for it.

use tokio::sync::mpsc;

use super::{NearSettings, Prepared};
use crate::dedup::near::{NearIndex, Signature};
use crate::model::MessageId;
use crate::store::Store;
use crate::text;

/// Runs until `input` closes; blocking, so it gets a thread of its own.
pub(super) fn run(
    store: Store,
    mut input: mpsc::Receiver<Vec<Prepared>>,
    output: mpsc::Sender<Vec<Prepared>>,
    settings: NearSettings,
) {
    let mut index = rebuild(&store, settings);
    while let Some(mut batch) = input.blocking_recv() {
        for item in &mut batch {
            if let Ok(ready) = &mut item.result {
                link(&store, &mut index, ready);
            }
        }
        if output.blocking_send(batch).is_err() {
            break;
        }
    }
}

fn link(store: &Store, index: &mut NearIndex<MessageId>, ready: &mut super::Ready) {
    let Some(sig) = ready.signature.take() else {
        return;
    };
    let message = &mut ready.message;
    // A re-delivery of a stored message is the writer's business (exact
    // dedup); indexing it would leave an entry for an id never stored.
    if matches!(
        store.find_native(message.channel, &message.native_id),
        Ok(Some(_))
    ) {
        return;
    }
    match index.find(&sig) {
        Some(found) => message.near_duplicate_of = Some(found),
        // The index keeps one representative per cluster: a copy links to
        // the earliest message, and a flood of copies cannot crowd it.
        None => index.insert(message.id, sig),
    }
}

/// Rebuilds the index from the newest stored messages, so a restart does not
/// forget what it has seen.
fn rebuild(store: &Store, settings: NearSettings) -> NearIndex<MessageId> {
    let mut recent = Vec::new();
    let result = store.for_each_recent_message(settings.capacity, |m| {
        if m.near_duplicate_of.is_none()
            && let Some(sig) = Signature::of(&text::dedup_form(&m.text))
        {
            recent.push((m.id, sig));
        }
    });
    if let Err(e) = result {
        tracing::error!(error = %e, "Near-duplicate index could not be rebuilt.");
    }
    let mut index = NearIndex::new(settings.capacity, settings.threshold);
    // Oldest first, so eviction order matches arrival order.
    for (id, sig) in recent.into_iter().rev() {
        index.insert(id, sig);
    }
    index
}
