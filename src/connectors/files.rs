//! Backfill: `.eml` and mbox files read into envelopes for `omnilisten ingest`.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{Envelope, Payload, looks_like_mbox};
use crate::model::ConnectorId;

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

/// Reads one file: an mbox yields one envelope per mail, anything else is one
/// `.eml`. Envelopes are marked historical, so they never trigger
/// acknowledgement mail.
pub fn read_mail_file(
    connector: &ConnectorId,
    path: &Path,
    max_bytes: u64,
) -> Result<Vec<Envelope>, FileError> {
    let err = |source| FileError {
        path: path.to_path_buf(),
        source,
    };
    let name = path.display().to_string();
    if looks_like_mbox(path) {
        let file = std::fs::File::open(path).map_err(err)?;
        let mut out = Vec::new();
        let iter = mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(file));
        for (i, item) in iter.enumerate() {
            let raw = item.map_err(err)?.unwrap_contents();
            out.push(envelope(connector, format!("{name}#{}", i + 1), raw));
        }
        return Ok(out);
    }
    let raw = read_capped(path, max_bytes).map_err(err)?;
    Ok(vec![envelope(connector, name, raw)])
}

/// Reads at most `max_bytes + 1` bytes, so an oversize file is recognised
/// (and quarantined) without loading all of it.
pub fn read_capped(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut raw = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut raw)?;
    Ok(raw)
}

fn envelope(connector: &ConnectorId, origin: String, raw: Vec<u8>) -> Envelope {
    Envelope {
        connector: connector.clone(),
        origin,
        payload: Payload::Email(raw),
        received_at: Utc::now(),
        checkpoint: None,
        historical: true,
        ack: None,
    }
}
