//! Search by ticket number (whole, or a day's prefix `20261128-`), by order
//! or trade number (`details.order_numbers` of messages), and by author
//! (id, mail address or display name; case-insensitive prefix). Each is
//! one prefix scan of an index, bounded by the limit.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{DeskError, MessageBrief, clamp_limit};
use crate::store::{SearchHit, Store, TicketSummary};

/// What to search for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    /// What was typed.
    pub q: String,
    /// Search only this way; by default every way that fits what was typed.
    #[serde(default, deserialize_with = "super::blank_as_none")]
    pub kind: Option<SearchKind>,
    /// Most tickets and most messages returned (1–200, default 50).
    pub limit: Option<usize>,
}

/// A way to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// Ticket number, whole or a day's prefix.
    Ticket,
    /// Order or trade number, prefix.
    Order,
    /// Author id, mail address or display name, case-insensitive prefix.
    Author,
}

/// What a search found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    /// Tickets found by number, then the tickets of the messages found.
    pub tickets: Vec<TicketSummary>,
    /// Messages found by order number or author.
    pub messages: Vec<MessageHit>,
}

/// A message a search found, and why.
#[derive(Debug, Clone, Serialize)]
pub struct MessageHit {
    /// How it was found.
    pub matched: SearchKind,
    /// The indexed term that matched (an order number, a lowercase author key).
    pub term: String,
    /// The message.
    pub message: MessageBrief,
}

/// Searches every way that fits `query.q` (or only `query.kind`).
pub fn search(store: &Store, query: &SearchQuery) -> Result<SearchResults, DeskError> {
    let q = query.q.trim();
    let limit = clamp_limit(query.limit);
    let mut results = SearchResults::default();
    if q.is_empty() {
        return Ok(results);
    }
    let wants = |kind: SearchKind| query.kind.is_none_or(|k| k == kind);
    if wants(SearchKind::Ticket) {
        results.tickets = by_ticket_number(store, q, limit)?;
    }
    if wants(SearchKind::Order) {
        results.messages = by_order_number(store, q, limit)?;
    }
    if wants(SearchKind::Author) {
        let room = limit.saturating_sub(results.messages.len());
        results.messages.extend(by_author(store, q, room)?);
    }
    let mut seen: HashSet<String> = results.tickets.iter().map(|t| t.number.clone()).collect();
    for hit in &results.messages {
        if results.tickets.len() >= limit {
            break;
        }
        if let Some(number) = &hit.message.ticket
            && seen.insert(number.clone())
            && let Some(ticket) = store.ticket(number)?
        {
            results.tickets.push(TicketSummary::of(&ticket));
        }
    }
    Ok(results)
}

/// Tickets by number: `20261128-000042` (also as `#…` or `[#…]`), or a
/// prefix that names at least the day (`20261128`, `20261128-0001`).
pub fn by_ticket_number(
    store: &Store,
    q: &str,
    limit: usize,
) -> Result<Vec<TicketSummary>, DeskError> {
    let q = q
        .trim()
        .trim_start_matches('[')
        .trim_start_matches('#')
        .trim_end_matches(']');
    if !is_ticket_prefix(q) {
        return Ok(Vec::new());
    }
    Ok(store.tickets_by_number_prefix(q, limit)?)
}

/// `YYYYMMDD`, optionally followed by `-` and up to six digits.
fn is_ticket_prefix(q: &str) -> bool {
    let bytes = q.as_bytes();
    let day_ok = bytes.len() >= 8 && bytes.iter().take(8).all(u8::is_ascii_digit);
    let rest = bytes.get(8..).unwrap_or_default();
    let rest_ok = match rest.split_first() {
        None => true,
        Some((b'-', seq)) => seq.len() <= 6 && seq.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    };
    day_ok && rest_ok
}

/// Messages carrying an order number starting with `q`, newest first per number.
pub fn by_order_number(store: &Store, q: &str, limit: usize) -> Result<Vec<MessageHit>, DeskError> {
    let hits = store.messages_by_order_number(q, false, limit)?;
    load_hits(store, hits, SearchKind::Order)
}

/// Messages whose author id, address or name starts with `q` (any case).
pub fn by_author(store: &Store, q: &str, limit: usize) -> Result<Vec<MessageHit>, DeskError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let hits = store.messages_by_author(q, limit)?;
    load_hits(store, hits, SearchKind::Author)
}

fn load_hits(
    store: &Store,
    hits: Vec<SearchHit>,
    matched: SearchKind,
) -> Result<Vec<MessageHit>, DeskError> {
    let mut out = Vec::with_capacity(hits.len());
    for hit in hits {
        if let Some(message) = store.message(hit.message)? {
            out.push(MessageHit {
                matched,
                term: hit.term,
                message: MessageBrief::of(&message),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_prefixes_name_at_least_the_day() {
        assert!(is_ticket_prefix("20261128"));
        assert!(is_ticket_prefix("20261128-"));
        assert!(is_ticket_prefix("20261128-000042"));
        assert!(!is_ticket_prefix("2026112"));
        assert!(!is_ticket_prefix("20261128-0000421"));
        assert!(!is_ticket_prefix("20261128x"));
        assert!(!is_ticket_prefix("2026112822001234"));
    }
}
