//! `omnilisten ingest`: backfill files through the normal pipeline.
//!
//! Mail files (`.eml`, mbox) and saved WeChat pushes go in as they are. A
//! Weibo file is a saved `statuses` or `comments` page: it is split, and
//! each item goes in as its own input (`page.json#3` is its third item), so
//! one bad item is quarantined alone and overlapping pages dedup by item id.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::app::{open_store, pipeline_options};
use crate::config::Config;
use crate::connectors::files::{FileError, MailFile, historical_envelope, read_capped};
use crate::connectors::weibo::item::MAX_BODY_BYTES as MAX_WEIBO_PAGE_BYTES;
use crate::connectors::weibo::split_page;
use crate::connectors::{AckResult, Outcome};
use crate::metrics::Metrics;
use crate::model::{Channel, ConnectorId};
use crate::pipeline::Pipeline;
use crate::store::StoreError;

/// What a backfill did, in all and per file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IngestSummary {
    /// Inputs read (mails, pushes, Weibo items).
    pub read: u64,
    /// Newly stored.
    pub stored: u64,
    /// Already stored before.
    pub duplicates: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Not made durable (store failure).
    pub not_stored: u64,
    /// One entry per file given, in order.
    pub files: Vec<FileSummary>,
}

/// What became of one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// The file.
    pub path: PathBuf,
    /// Inputs read from it.
    pub read: u64,
    /// Newly stored.
    pub stored: u64,
    /// Already stored before.
    pub duplicates: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Not made durable (store failure).
    pub not_stored: u64,
    /// Why nothing of it was read (a Weibo error body, not a page).
    pub skipped: Option<String>,
}

impl IngestSummary {
    /// Every input was made durable and no file was skipped.
    pub fn is_complete(&self) -> bool {
        self.not_stored == 0 && self.files.iter().all(|f| f.skipped.is_none())
    }

    /// Adds one input's outcome (None: its ack was dropped) to the totals
    /// and to its file's counts.
    fn count(&mut self, file: usize, outcome: Option<AckResult>) {
        let file = self.files.get_mut(file);
        let (total, per_file) = match outcome {
            Some(Ok(Outcome::Stored(_))) => (&mut self.stored, file.map(|f| &mut f.stored)),
            Some(Ok(Outcome::Duplicate(_))) => {
                (&mut self.duplicates, file.map(|f| &mut f.duplicates))
            }
            Some(Ok(Outcome::Quarantined(_))) => {
                (&mut self.quarantined, file.map(|f| &mut f.quarantined))
            }
            _ => (&mut self.not_stored, file.map(|f| &mut f.not_stored)),
        };
        *total += 1;
        if let Some(n) = per_file {
            *n += 1;
        }
    }
}

impl fmt::Display for IngestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {}, stored {}, duplicates {}, quarantined {}, not stored {}",
            self.read, self.stored, self.duplicates, self.quarantined, self.not_stored
        )?;
        // One file's line would repeat the total.
        if self.files.len() > 1 || !self.is_complete() {
            for file in &self.files {
                write!(f, "\n  {file}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for FileSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.skipped {
            Some(reason) => write!(f, "{}: skipped: {reason}", self.path.display()),
            None => write!(
                f,
                "{}: read {}, stored {}, duplicates {}, quarantined {}, not stored {}",
                self.path.display(),
                self.read,
                self.stored,
                self.duplicates,
                self.quarantined,
                self.not_stored
            ),
        }
    }
}

/// Why a backfill could not run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No connector with that id in `connectors/`.
    #[error("no connector {0:?} in the config's connectors/ directory")]
    UnknownConnector(String),
    /// A file could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file-reading thread died.
    #[error("the file reader stopped: {0}")]
    Reader(String),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads every file and waits until each input is durable.
pub async fn ingest_files(
    config: &Config,
    connector: &str,
    files: &[PathBuf],
) -> Result<IngestSummary, IngestError> {
    let found = config
        .connectors
        .iter()
        .find(|c| c.id.0 == connector)
        .ok_or_else(|| IngestError::UnknownConnector(connector.to_string()))?;
    let max_bytes = found.kind.max_message_bytes();
    let channel = found.kind.channel();
    let id = ConnectorId(connector.to_string());
    let store = open_store(config).await?;
    let pipeline = Pipeline::spawn(
        store.clone(),
        Arc::new(config.rules.clone()),
        Metrics::new(),
        pipeline_options(config),
    );
    let input = pipeline.sender();
    // Files are read on a blocking thread, one input at a time; both queues
    // are bounded, so a huge mbox never sits in memory as a whole. Each ack
    // travels with the index of its file, for the per-file counts.
    let (acks_tx, mut acks_rx) = mpsc::channel::<(usize, oneshot::Receiver<AckResult>)>(4096);
    let paths = files.to_vec();
    let reader = tokio::task::spawn_blocking(move || -> Result<Vec<FileRead>, IngestError> {
        let mut reads = Vec::with_capacity(paths.len());
        for (index, path) in paths.iter().enumerate() {
            let mut submit = |origin: String, raw: Vec<u8>| {
                let mut envelope = historical_envelope(&id, channel, origin, raw);
                let (tx, rx) = oneshot::channel();
                envelope.ack = Some(tx);
                input.blocking_send(envelope).is_ok() && acks_tx.blocking_send((index, rx)).is_ok()
            };
            let read = if channel == Channel::Weibo {
                read_weibo_page(path, &mut submit)?
            } else {
                read_mail_file(path, max_bytes, &mut submit)?
            };
            let stopped = read.stopped;
            reads.push(read);
            if stopped {
                break;
            }
        }
        Ok(reads)
    });
    let mut summary = IngestSummary {
        files: files
            .iter()
            .map(|path| FileSummary {
                path: path.clone(),
                ..FileSummary::default()
            })
            .collect(),
        ..IngestSummary::default()
    };
    while let Some((index, rx)) = acks_rx.recv().await {
        summary.count(index, rx.await.ok());
    }
    let reads = reader
        .await
        .unwrap_or_else(|e| Err(IngestError::Reader(e.to_string())));
    pipeline.close().await;
    store.flush().await?;
    for (file, read) in summary.files.iter_mut().zip(reads?) {
        file.read = read.read;
        file.skipped = read.skipped;
    }
    summary.read = summary.files.iter().map(|f| f.read).sum();
    Ok(summary)
}

/// What the reader did with one file.
#[derive(Debug, Default)]
struct FileRead {
    /// Inputs handed to the pipeline.
    read: u64,
    /// Why the file was skipped whole.
    skipped: Option<String>,
    /// The pipeline went away: stop reading.
    stopped: bool,
}

/// A mail file (`.eml` or mbox) or a saved WeChat push, input by input.
fn read_mail_file(
    path: &Path,
    max_bytes: u64,
    submit: &mut impl FnMut(String, Vec<u8>) -> bool,
) -> Result<FileRead, IngestError> {
    let mut read = FileRead::default();
    for item in MailFile::open(path, max_bytes)? {
        let (origin, raw) = item?;
        if !submit(origin, raw) {
            read.stopped = true;
            break;
        }
        read.read += 1;
    }
    Ok(read)
}

/// A saved Weibo page, item by item. A file that is no page (an error body
/// saved by mistake, truncated JSON) holds no item to quarantine: it is
/// skipped with the reason.
fn read_weibo_page(
    path: &Path,
    submit: &mut impl FnMut(String, Vec<u8>) -> bool,
) -> Result<FileRead, IngestError> {
    let raw = read_capped(path, MAX_WEIBO_PAGE_BYTES as u64).map_err(|source| FileError {
        path: path.to_path_buf(),
        source,
    })?;
    let mut read = FileRead::default();
    let page = match split_page(&raw) {
        Ok(page) => page,
        Err(e) => {
            read.skipped = Some(e.to_string());
            return Ok(read);
        }
    };
    // Numbered from 1 in the page's order, like the mails of an mbox, but
    // submitted oldest first (Weibo ids grow with time; pages are newest
    // first): a replay must reach the trend detector in time order.
    let mut items: Vec<_> = page.items.into_iter().enumerate().collect();
    items.sort_by_key(|(n, item)| (item.id, std::cmp::Reverse(*n)));
    for (n, item) in items {
        if !submit(format!("{}#{}", path.display(), n + 1), item.raw) {
            read.stopped = true;
            break;
        }
        read.read += 1;
    }
    Ok(read)
}
