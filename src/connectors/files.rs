//! Backfill: `.eml` and mbox files read one mail at a time for `omnilisten ingest`,
//! and saved WeChat push XML (plaintext), one push per file.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::Utc;
use mail_parser::mailbox::mbox::MessageIterator;

use super::{Envelope, Payload, looks_like_mbox};
use crate::model::{Channel, ConnectorId};

/// A file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// The mails of one file, read lazily so an mbox of any size is streamed.
pub enum MailFile {
    /// A single `.eml`, not read yet.
    Single(Option<PathBuf>, u64),
    /// An mbox, read mail by mail.
    Mbox(PathBuf, usize, MessageIterator<BufReader<File>>),
}

impl MailFile {
    /// Opens `path`: an mbox (first line `From `) or a single mail.
    pub fn open(path: &Path, max_bytes: u64) -> Result<MailFile, FileError> {
        if looks_like_mbox(path) {
            let file = File::open(path).map_err(|source| FileError {
                path: path.to_path_buf(),
                source,
            })?;
            let iter = MessageIterator::new(BufReader::new(file));
            return Ok(MailFile::Mbox(path.to_path_buf(), 0, iter));
        }
        Ok(MailFile::Single(Some(path.to_path_buf()), max_bytes))
    }
}

impl Iterator for MailFile {
    /// Where the mail came from (`file` or `file#n`) and its bytes.
    type Item = Result<(String, Vec<u8>), FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            MailFile::Single(path, max) => {
                let path = path.take()?;
                Some(
                    read_capped(&path, *max)
                        .map(|raw| (path.display().to_string(), raw))
                        .map_err(|source| FileError { path, source }),
                )
            }
            MailFile::Mbox(path, n, iter) => {
                let item = iter.next()?;
                *n += 1;
                Some(
                    item.map(|m| (format!("{}#{n}", path.display()), m.unwrap_contents()))
                        .map_err(|source| FileError {
                            path: path.clone(),
                            source,
                        }),
                )
            }
        }
    }
}

/// An envelope for a backfilled input of `channel` (a mail, or a WeChat
/// push's XML). Marked historical, so it never triggers acknowledgements.
pub fn historical_envelope(
    connector: &ConnectorId,
    channel: Channel,
    origin: String,
    raw: Vec<u8>,
) -> Envelope {
    Envelope {
        connector: connector.clone(),
        origin,
        payload: Payload::of_channel(channel, raw),
        received_at: Utc::now(),
        checkpoint: None,
        historical: true,
        ack: None,
    }
}

/// Reads at most `max_bytes + 1` bytes, so an oversize file is recognised
/// (and quarantined) without loading all of it.
pub fn read_capped(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = File::open(path)?;
    let mut raw = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut raw)?;
    Ok(raw)
}
