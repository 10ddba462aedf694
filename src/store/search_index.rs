//! The desk's search indexes: messages by order number and by author,
//! and the outbox mail of each ticket.
//!
//! Keys:
//! * `sxo/` ‖ order number ‖ 0 ‖ inverted message uuid → empty;
//! * `sxa/` ‖ lowercase author id, address or name ‖ 0 ‖ inverted uuid → empty;
//! * `outtkt/` ‖ ticket number ‖ `/` ‖ outbox uuid → empty.
//!
//! A prefix scan finds every term starting with what was typed, in term
//! order, each term's messages newest first. A message adds one key per
//! distinct author term (two for most mail: address and name) and one per
//! order number: the writer's cost stays a few keys per message.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::indexes::BatchSink;
use super::{OutboxEntry, Store, StoreError, Tx, decode, keys, record};
use crate::model::{Author, Message, MessageId};

/// Longest term kept in a key, in bytes: a prefix search never needs more.
const MAX_TERM_BYTES: usize = 128;

/// What a search entry matched, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The message.
    pub message: MessageId,
    /// The indexed term it was found under (an order number, a lowercase author key).
    pub term: String,
}

/// The fields of a message record the search keys are made of.
#[derive(Debug, Default, Deserialize)]
struct Searchable {
    #[serde(default)]
    author: Author,
    #[serde(default)]
    details: OrderNumbers,
}

#[derive(Debug, Default, Deserialize)]
struct OrderNumbers {
    #[serde(default)]
    order_numbers: Vec<String>,
}

/// `term` cut to at most [`MAX_TERM_BYTES`] on a character boundary.
fn clip(term: &str) -> &str {
    let mut end = term.len().min(MAX_TERM_BYTES);
    while !term.is_char_boundary(end) {
        end -= 1;
    }
    term.get(..end).unwrap_or_default()
}

/// The author search term of one author field: lowercase, trimmed.
pub fn author_term(value: &str) -> String {
    clip(value.trim()).to_lowercase()
}

/// Every search key of a message.
fn search_keys(id: MessageId, author: &Author, orders: &[String]) -> BTreeSet<Vec<u8>> {
    let mut out = BTreeSet::new();
    let fields = [
        Some(&author.id),
        author.address.as_ref(),
        author.name.as_ref(),
    ];
    for field in fields.into_iter().flatten() {
        let term = author_term(field);
        if !term.is_empty() {
            out.insert(keys::search_entry(keys::SEARCH_AUTHOR, &term, id));
        }
    }
    for order in orders {
        let term = clip(order.trim());
        if !term.is_empty() {
            out.insert(keys::search_entry(keys::SEARCH_ORDER, term, id));
        }
    }
    out
}

impl Tx<'_> {
    /// Writes the search entries of a new message.
    pub(super) fn index_new_message(&mut self, message: &Message) {
        // Never read back inside a transaction: kept out of the read overlay.
        for key in search_keys(message.id, &message.author, &message.details.order_numbers) {
            self.put_blind(key, Vec::new());
        }
    }

    /// Moves a rewritten message's search entries; `old` is its previous record.
    pub(super) fn reindex_message(
        &mut self,
        old: Option<&[u8]>,
        message: &Message,
    ) -> Result<(), StoreError> {
        let new = search_keys(message.id, &message.author, &message.details.order_numbers);
        if let Some(old) = old {
            let fields: Searchable = decode(&keys::message(message.id), record::split(old).1)?;
            let old = search_keys(message.id, &fields.author, &fields.details.order_numbers);
            for key in old.difference(&new) {
                self.remove(key.clone());
            }
        }
        for key in new {
            self.put_blind(key, Vec::new());
        }
        Ok(())
    }

    /// Lists a new outbox entry under its ticket.
    pub(super) fn index_outbox(&mut self, entry: &OutboxEntry) {
        if let Some(ticket) = entry.mail.ticket.as_deref() {
            self.put(keys::outbox_ticket(ticket, entry.id.0), Vec::new());
        }
    }
}

impl Store {
    /// Messages carrying an order number that starts with `prefix` (or is
    /// exactly it), term order, newest first per number; at most `limit`.
    pub fn messages_by_order_number(
        &self,
        prefix: &str,
        exact: bool,
        limit: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        self.search(keys::SEARCH_ORDER, clip(prefix.trim()), exact, limit)
    }

    /// Messages whose author id, address or name starts with `prefix`
    /// (case-insensitive); at most `limit`.
    pub fn messages_by_author(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        self.search(keys::SEARCH_AUTHOR, &author_term(prefix), false, limit)
    }

    fn search(
        &self,
        index: &[u8],
        term: &str,
        exact: bool,
        limit: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        if term.is_empty() {
            return Ok(Vec::new());
        }
        let mut prefix = [index, term.as_bytes()].concat();
        if exact {
            prefix.push(0);
        }
        let mut out = Vec::new();
        for item in self.db().scan_prefix(prefix).keys().take(limit) {
            let key = item?;
            if let Some((message, term)) = keys::parse_search_entry(index, &key) {
                out.push(SearchHit {
                    message,
                    term: String::from_utf8_lossy(term).into_owned(),
                });
            }
        }
        Ok(out)
    }

    /// The outbox entries of ticket `number`, oldest first.
    pub fn outbox_for_ticket(&self, number: &str) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db()
            .scan_prefix(keys::outbox_ticket_prefix(number))
            .keys()
        {
            let key = item?;
            let Some(id) = keys::trailing_id(&key) else {
                continue;
            };
            let record_key = keys::outbox(id.0);
            if let Some(bytes) = self.db().get(&record_key)? {
                out.push(decode(&record_key, &bytes)?);
            }
        }
        Ok(out)
    }
}

/// Writes the search entries of every stored message and the ticket list of every outbox entry.
pub(super) fn rebuild(db: &sled::Db, sink: &mut BatchSink) -> Result<(), StoreError> {
    for item in db.scan_prefix(keys::MSG) {
        let (key, value) = item?;
        let Some(id) = keys::trailing_id(&key) else {
            continue;
        };
        let fields: Searchable = decode(&key, record::split(&value).1)?;
        for entry in search_keys(id, &fields.author, &fields.details.order_numbers) {
            sink.put(db, entry, Vec::new())?;
        }
    }
    for item in db.scan_prefix(keys::OUTBOX) {
        let (key, value) = item?;
        let entry: OutboxEntry = decode(&key, &value)?;
        if let Some(ticket) = entry.mail.ticket.as_deref() {
            sink.put(db, keys::outbox_ticket(ticket, entry.id.0), Vec::new())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_per_distinct_author_term_and_order_number() {
        let id = MessageId::new();
        let author = Author {
            id: "Li.Lei@Example.CN".into(),
            name: Some("李雷".into()),
            address: Some("li.lei@example.cn".into()),
        };
        let keys = search_keys(id, &author, &["2026112822001".into(), " ".into()]);
        assert_eq!(keys.len(), 3, "address and id are one term once lowercased");
    }

    #[test]
    fn long_terms_are_clipped_on_a_character_boundary() {
        let long = "支".repeat(100);
        let term = author_term(&long);
        assert!(term.len() <= MAX_TERM_BYTES);
        assert!(long.starts_with(&term));
    }
}
