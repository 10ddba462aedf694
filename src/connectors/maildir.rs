//! `kind = "maildir"`: picks up mail files from a Maildir.
//!
//! With `after = "move"` a file is moved from `new/` to `cur/` once the
//! pipeline reports it durable; a crash between the two leaves it in `new/`,
//! and the re-read is caught by dedup. With `after = "keep"` nothing is moved
//! (for Maildirs owned by someone else, such as the shipped samples): the file
//! name is recorded as a checkpoint in the same batch as the message.

use std::collections::VecDeque;
use std::path::Path;

use chrono::Utc;
use tokio::sync::oneshot;

use super::files::read_capped;
use super::{
    AckResult, Checkpoint, ConnectorState, Envelope, Outcome, Payload, SourceContext, SourceError,
};
use crate::config::{MaildirAfter, MaildirConfig};

/// Acks awaited at once; bounds the files read ahead of the store.
const ACK_WINDOW: usize = 4096;

/// A running Maildir source.
pub struct MaildirSource {
    config: MaildirConfig,
}

struct Pending {
    name: String,
    dir: &'static str,
    ack: oneshot::Receiver<AckResult>,
}

impl MaildirSource {
    /// Builds the source from its validated config.
    pub fn new(config: MaildirConfig) -> MaildirSource {
        MaildirSource { config }
    }

    /// Scans until shutdown, every `poll_interval`.
    pub async fn run(self, ctx: SourceContext) -> Result<(), SourceError> {
        ctx.status.set_state(&ctx.id, ConnectorState::Running, None);
        loop {
            match self.scan_once(&ctx).await {
                Ok(_) => ctx.status.set_state(&ctx.id, ConnectorState::Running, None),
                Err(e) => {
                    tracing::warn!(connector = %ctx.id, error = %e, "Maildir scan failed.");
                    ctx.status
                        .set_state(&ctx.id, ConnectorState::BackingOff, Some(e.to_string()));
                }
            }
            tokio::select! {
                _ = ctx.shutdown.cancelled() => break,
                _ = tokio::time::sleep(self.config.poll_interval) => {}
            }
        }
        ctx.status.set_state(&ctx.id, ConnectorState::Stopped, None);
        Ok(())
    }

    /// One pass over the Maildir; returns how many files were made durable.
    pub async fn scan_once(&self, ctx: &SourceContext) -> Result<u64, SourceError> {
        let mut pending = VecDeque::new();
        let mut done = 0;
        let dirs: &[&'static str] = match self.config.after {
            MaildirAfter::Move => &["new"],
            MaildirAfter::Keep => &["new", "cur"],
        };
        for dir in dirs {
            let names = list(&self.config.path.join(dir)).map_err(|e| unavailable(ctx, e))?;
            for name in names {
                if ctx.shutdown.is_cancelled() {
                    break;
                }
                if self.already_seen(ctx, &name)? {
                    continue;
                }
                let Some(p) = self.submit(ctx, dir, name).await else {
                    break;
                };
                pending.push_back(p);
                if pending.len() >= ACK_WINDOW
                    && let Some(p) = pending.pop_front()
                {
                    done += self.finish(ctx, p).await;
                }
            }
        }
        // Every submitted file is awaited, also on shutdown: the pipeline
        // drains its queue before it stops.
        while let Some(p) = pending.pop_front() {
            done += self.finish(ctx, p).await;
        }
        Ok(done)
    }

    fn already_seen(&self, ctx: &SourceContext, name: &str) -> Result<bool, SourceError> {
        if self.config.after != MaildirAfter::Keep {
            return Ok(false);
        }
        let seen = ctx
            .store
            .cursor(&ctx.id.0, &seen_key(name))
            .map_err(|e| unavailable(ctx, e))?;
        Ok(seen.is_some())
    }

    async fn submit(
        &self,
        ctx: &SourceContext,
        dir: &'static str,
        name: String,
    ) -> Option<Pending> {
        let path = self.config.path.join(dir).join(&name);
        let max = self.config.max_message_bytes;
        let read_path = path.clone();
        // File reads block; keep them off the async workers.
        let read = tokio::task::spawn_blocking(move || read_capped(&read_path, max)).await;
        let raw = match read {
            Ok(Ok(raw)) => raw,
            // Moved away by another process meanwhile: nothing to say.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Some(Pending::skipped(name, dir));
            }
            Ok(Err(e)) => {
                // It stays in place and is tried again next scan; warn, or
                // the mail would wait unseen forever.
                tracing::warn!(connector = %ctx.id, file = %path.display(), error = %e, "Maildir file unreadable; it stays for the next scan.");
                return Some(Pending::skipped(name, dir));
            }
            Err(e) => {
                tracing::error!(connector = %ctx.id, error = %e, "Maildir read task failed.");
                return Some(Pending::skipped(name, dir));
            }
        };
        let checkpoint = (self.config.after == MaildirAfter::Keep).then(|| Checkpoint {
            name: seen_key(&name),
            value: b"1".to_vec(),
        });
        let (tx, rx) = oneshot::channel();
        let envelope = Envelope {
            connector: ctx.id.clone(),
            origin: format!("{dir}/{name}"),
            payload: Payload::Email(raw),
            received_at: Utc::now(),
            checkpoint,
            historical: false,
            ack: Some(tx),
        };
        ctx.out.send(envelope).await.ok()?;
        Some(Pending { name, dir, ack: rx })
    }

    async fn finish(&self, ctx: &SourceContext, p: Pending) -> u64 {
        let outcome = match p.ack.await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => {
                tracing::warn!(connector = %ctx.id, file = %p.name, error = %e, "Mail not stored; it stays for the next scan.");
                return 0;
            }
            // Skipped files and a pipeline gone on shutdown: retried next start.
            Err(_) => return 0,
        };
        ctx.status.record_success(&ctx.id, 1);
        if self.config.after == MaildirAfter::Move && p.dir == "new" {
            let from = self.config.path.join("new").join(&p.name);
            let to = self.config.path.join("cur").join(cur_name(&p.name));
            if let Err(e) = std::fs::rename(&from, &to) {
                tracing::warn!(connector = %ctx.id, file = %p.name, error = %e, ?outcome, "Stored mail could not be moved to cur/; dedup will absorb the re-read.");
            }
        }
        matches!(outcome, Outcome::Stored(_)) as u64
    }
}

impl Pending {
    fn skipped(name: String, dir: &'static str) -> Pending {
        // A receiver whose sender is already dropped resolves to Err at once.
        let (_, ack) = oneshot::channel();
        Pending { name, dir, ack }
    }
}

fn seen_key(name: &str) -> String {
    // The flags suffix changes when a mail client reads the file; the unique
    // part before `:` does not.
    let unique = name.split(':').next().unwrap_or(name);
    format!("seen/{unique}")
}

fn cur_name(name: &str) -> String {
    if name.contains(":2,") {
        name.to_string()
    } else {
        format!("{name}:2,")
    }
}

/// File names in a Maildir subdirectory, sorted (Maildir names start with the
/// delivery time, so this is roughly arrival order); dot files are skipped.
fn list(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        if let Some(name) = entry.file_name().to_str()
            && !name.starts_with('.')
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

fn unavailable(ctx: &SourceContext, e: impl std::fmt::Display) -> SourceError {
    SourceError::Unavailable {
        connector: ctx.id.clone(),
        detail: e.to_string(),
    }
}
