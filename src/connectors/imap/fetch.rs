//! Fetching one batch of a folder and sending it into the pipeline, in
//! UID order: whole mails, the header alone of mail over
//! `max_message_bytes`, and a stand-in for mail the server will not deliver.

use chrono::Utc;
use tokio::sync::oneshot;

use super::commands::Connection;
use super::error::ImapError;
use super::folder::{FolderSync, Pending};
use super::position::{Position, cursor_name, uid_set};
use crate::connectors::{Checkpoint, Envelope, Payload};
use crate::model::Channel;

impl FolderSync<'_> {
    /// Fetches one batch in UID order and sends it: whole mails, and the
    /// header alone of mail over `max_message_bytes`.
    pub(super) async fn send_chunk(
        &mut self,
        conn: &mut Connection,
        position: Position,
        chunk: &[(u32, u32)],
        sent: &mut Vec<Pending>,
    ) -> Result<(), ImapError> {
        let max = self.config.max_message_bytes;
        let mut rest = chunk;
        while let Some(&(_, first_size)) = rest.first() {
            let oversize = u64::from(first_size) > max;
            let run = rest
                .iter()
                .take_while(|(_, s)| (u64::from(*s) > max) == oversize)
                .count();
            let uids: Vec<u32> = rest[..run].iter().map(|m| m.0).collect();
            if oversize {
                self.send_headers(conn, position, &rest[..run], sent)
                    .await?;
            } else {
                self.send_whole(conn, position, &uids, sent).await?;
            }
            rest = &rest[run..];
            if self.ctx.shutdown.is_cancelled() {
                return Err(ImapError::Interrupted);
            }
        }
        Ok(())
    }

    async fn send_whole(
        &mut self,
        conn: &mut Connection,
        position: Position,
        uids: &[u32],
        sent: &mut Vec<Pending>,
    ) -> Result<(), ImapError> {
        let mut fetches = conn.fetch(&uid_set(uids), "(UID BODY.PEEK[])").await?;
        let mut last = 0;
        let mut received = Vec::with_capacity(uids.len());
        let outcome = loop {
            let fetch = match fetches.next().await {
                Ok(Some(fetch)) => fetch,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            // Unsolicited flag updates come without a body.
            let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) else {
                continue;
            };
            // On shutdown the rest of the answer is read but not sent: the
            // connection stays in step for the after-actions and LOGOUT.
            if uids.binary_search(&uid).is_err() || self.ctx.shutdown.is_cancelled() {
                continue;
            }
            let payload = self
                .failures
                .payload(self.folder, position.validity, uid, body.to_vec());
            self.send(position, uid, payload, sent).await?;
            received.push(uid);
            last = uid;
        };
        drop(fetches);
        match outcome {
            // A requested mail the answer left out must not be skipped by
            // the position moving past it: ask for it alone, which tells
            // "expunged meanwhile" from a mail still there.
            Ok(()) if !self.ctx.shutdown.is_cancelled() && received.len() < uids.len() => {
                received.sort_unstable();
                for &uid in uids {
                    if received.binary_search(&uid).is_err() {
                        self.send_single(conn, position, uid, sent).await?;
                    }
                }
                Ok(())
            }
            // One mail the server cannot deliver must not block the folder:
            // the rest are fetched one by one, and what is still refused is
            // quarantined with the server's answer.
            Err(e) if e.is_refusal() => {
                for &uid in uids.iter().filter(|u| **u > last) {
                    self.send_single(conn, position, uid, sent).await?;
                }
                Ok(())
            }
            other => other,
        }
    }

    async fn send_single(
        &mut self,
        conn: &mut Connection,
        position: Position,
        uid: u32,
        sent: &mut Vec<Pending>,
    ) -> Result<(), ImapError> {
        let mut fetches = conn.fetch(&uid.to_string(), "(UID BODY.PEEK[])").await?;
        let mut body = None;
        let outcome = loop {
            match fetches.next().await {
                Ok(Some(fetch)) if fetch.uid == Some(uid) => {
                    body = fetch.body().map(<[u8]>::to_vec)
                }
                Ok(Some(_)) => {}
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        drop(fetches);
        let payload = match (outcome, body) {
            (Ok(()), Some(raw)) => self
                .failures
                .payload(self.folder, position.validity, uid, raw),
            (Ok(()), None) => return Ok(()), // expunged meanwhile
            (Err(e), _) if e.is_refusal() => Payload::Rejected {
                channel: Channel::Email,
                raw: self.placeholder(position, uid).into_bytes(),
                reason: format!("the IMAP server refused to deliver this mail: {e}"),
            },
            (Err(e), _) => return Err(e),
        };
        self.send(position, uid, payload, sent).await
    }

    async fn send_headers(
        &mut self,
        conn: &mut Connection,
        position: Position,
        mails: &[(u32, u32)],
        sent: &mut Vec<Pending>,
    ) -> Result<(), ImapError> {
        let uids: Vec<u32> = mails.iter().map(|m| m.0).collect();
        let mut fetches = conn
            .fetch(&uid_set(&uids), "(UID BODY.PEEK[HEADER])")
            .await?;
        let mut found = Vec::new();
        while let Some(fetch) = fetches.next().await? {
            if let (Some(uid), Some(header)) = (fetch.uid, fetch.header())
                && uids.binary_search(&uid).is_ok()
            {
                found.push((uid, header.to_vec()));
            }
        }
        drop(fetches);
        for (uid, header) in found {
            let size = mails.iter().find(|m| m.0 == uid).map_or(0, |m| m.1);
            let reason = format!(
                "mail of {size} bytes is over max_message_bytes ({}): only its header was fetched; it stays on the server as UID {uid} in {}",
                self.config.max_message_bytes, self.folder
            );
            let payload = Payload::Rejected {
                channel: Channel::Email,
                raw: header,
                reason,
            };
            self.send(position, uid, payload, sent).await?;
        }
        Ok(())
    }

    /// Stands in for a mail the server will not deliver; unique per UID so
    /// the quarantine (deduplicated by content) keeps one entry for each.
    fn placeholder(&self, position: Position, uid: u32) -> String {
        format!(
            "X-Omnilisten-Unfetchable: {};UIDVALIDITY={}/;UID={uid}\r\n\r\n",
            self.folder, position.validity
        )
    }

    async fn send(
        &self,
        position: Position,
        uid: u32,
        payload: Payload,
        sent: &mut Vec<Pending>,
    ) -> Result<(), ImapError> {
        if self.ctx.shutdown.is_cancelled() {
            return Ok(());
        }
        let (tx, ack) = oneshot::channel();
        let envelope = Envelope {
            connector: self.ctx.id.clone(),
            origin: format!(
                "{};UIDVALIDITY={}/;UID={uid}",
                self.folder, position.validity
            ),
            payload,
            received_at: Utc::now(),
            checkpoint: Some(Checkpoint {
                name: cursor_name(self.folder),
                value: position.at(uid).encode(),
            }),
            historical: position.is_historical(uid),
            ack: Some(tx),
        };
        // The pipeline closes only after every source returned.
        self.ctx
            .out
            .send(envelope)
            .await
            .map_err(|_| ImapError::Interrupted)?;
        sent.push(Pending { uid, ack });
        Ok(())
    }
}
