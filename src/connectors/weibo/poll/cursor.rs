//! Where one endpoint stands: the newest ids stored and, when a poll
//! stopped midway (rate limit, crash), the walk to resume. Stored as the
//! endpoint's cursor after each page is durable, so nothing between two
//! polls is skipped however large the burst, and a restart repeats at most
//! one page.
//!
//! A walk reads newest-first pages of `(since, ∞)` with `max_id` moving
//! down. It ends at a short page, or once it holds as many items as the
//! first page's `total_number` said match — trusted only when that number
//! cannot be the page's own length (larger than the page), or once an
//! earlier walk proved it exact. That saves the empty request a walk of
//! full pages would otherwise end with.

use serde::{Deserialize, Serialize};

use crate::connectors::weibo::api::PageQuery;

/// One endpoint's stored position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorState {
    /// The newest ids stored, newest first; at most `overlap + 1`.
    pub recent: Vec<i64>,
    /// The poll in progress, when one stopped midway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk: Option<Walk>,
    /// An earlier walk showed `total_number` counts exactly the items
    /// matching the query, so a full first page holding all of them ends the walk.
    #[serde(default)]
    pub total_is_exact: bool,
    /// What this server's `next_cursor` was seen to mean.
    #[serde(default)]
    pub next_cursor: CursorEvidence,
}

/// What a server's `next_cursor` has shown: some send the last id while
/// more items follow and 0 on the last page, which spares the request that
/// would otherwise find the page after a full last page empty; others send
/// 0 always, or an id always. Trusted only once both halves were seen and
/// never contradicted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorEvidence {
    /// A non-zero `next_cursor` was followed by more items.
    pub nonzero_then_more: bool,
    /// A zero `next_cursor` was followed by nothing (or came on a short last page).
    pub zero_then_end: bool,
    /// A zero `next_cursor` was followed by more items: it means nothing here.
    pub contradicted: bool,
}

impl CursorEvidence {
    /// Whether a zero `next_cursor` on a full page ends the walk.
    pub fn zero_means_end(&self) -> bool {
        self.nonzero_then_more && self.zero_then_end && !self.contradicted
    }
}

/// A poll in progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walk {
    /// Items above this id are wanted (`since_id`, exclusive).
    pub since: i64,
    /// `max_id` of the next page; None before the first page.
    pub next_max: Option<i64>,
    /// The newest ids seen in this walk, newest first; at most `overlap + 1`.
    pub top: Vec<i64>,
    /// How many items the first page said match, when believed.
    pub expected: Option<u64>,
    /// `total_number` of the first page, to learn whether it is exact.
    pub first_total: Option<u64>,
    /// Items read so far in this walk.
    pub fetched: u64,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_cursor: Option<i64>,
}

/// What to do after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Read the next page.
    More,
    /// The walk is complete: everything above `since` is stored.
    Done,
}

/// What a page held, as the cursor needs it.
#[derive(Debug, Clone, Default)]
pub struct PageSeen {
    /// Ids of the items on the page, any order; unreadable ids left out.
    pub ids: Vec<i64>,
    /// Items on the page, readable ids or not.
    pub len: usize,
    /// The page's `total_number`.
    pub total_number: Option<u64>,
    /// The page's `next_cursor`.
    pub next_cursor: Option<i64>,
}

impl CursorState {
    /// Reads a stored cursor; None when it is not one (a person edited the
    /// store, or an old format): the caller starts over, and the id dedup
    /// keeps that from storing anything twice.
    pub fn decode(bytes: &[u8]) -> Option<CursorState> {
        serde_json::from_slice(bytes).ok()
    }

    /// The bytes to store.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The highest id stored.
    pub fn newest(&self) -> Option<i64> {
        self.recent.first().copied()
    }

    /// The walk to continue, starting one if none is in progress: it reads
    /// back over the `overlap` newest stored items, to catch items that
    /// became visible late below them.
    pub fn walk(&mut self, overlap: u32) -> &mut Walk {
        // Fewer items stored than the overlap: read everything again.
        let since = self.recent.get(overlap as usize).copied().unwrap_or(0);
        self.walk.get_or_insert_with(|| Walk {
            since,
            ..Walk::default()
        })
    }

    /// The next request of the walk in progress.
    pub fn query(&mut self, overlap: u32, count: u32) -> PageQuery {
        let walk = self.walk(overlap);
        PageQuery {
            since_id: walk.since,
            max_id: walk.next_max,
            count,
        }
    }

    /// Records a page whose items are all durable, and says whether the
    /// walk goes on.
    pub fn after_page(&mut self, page: &PageSeen, overlap: u32, count: u32) -> Step {
        let keep = overlap as usize + 1;
        let exact_known = self.total_is_exact;
        let newest = self.newest();
        let recent = self.recent.clone();
        let mut evidence = self.next_cursor.clone();
        let walk = self.walk(overlap);
        let first = walk.next_max.is_none();
        match walk.last_cursor.filter(|_| !first) {
            Some(0) if page.len > 0 => evidence.contradicted = true,
            Some(0) => evidence.zero_then_end = true,
            Some(_) if page.len > 0 => evidence.nonzero_then_more = true,
            _ => {}
        }
        walk.last_cursor = page.next_cursor;
        walk.fetched += page.len as u64;
        merge_newest(&mut walk.top, &page.ids, keep);
        let lowest = page.ids.iter().min().copied();
        let short = page.len < count as usize;
        if first {
            walk.first_total = page.total_number;
            walk.expected = page.total_number.filter(|total| {
                *total > page.len as u64 || (exact_known && *total == page.len as u64)
            });
            // A burst: the first page is full of new items. Reading the
            // overlap back would cost a page at the bottom of the walk, so
            // this walk stops at the newest stored id instead.
            if let (Some(newest), Some(low)) = (newest, lowest)
                && !short
                && low > newest
                && walk.since < newest
            {
                let skipped = recent.iter().filter(|id| **id > walk.since).count() as u64;
                walk.since = newest;
                walk.expected = walk.expected.map(|n| n.saturating_sub(skipped));
                walk.first_total = None;
            }
        }
        if short && page.next_cursor == Some(0) {
            evidence.zero_then_end = true;
        }
        let cursor_end = !short && page.next_cursor == Some(0) && evidence.zero_means_end();
        let counted = walk.expected.is_some_and(|n| walk.fetched >= n) || cursor_end;
        let bottom = lowest.is_none_or(|low| low <= walk.since.saturating_add(1));
        if short || counted || bottom {
            // Only a walk of several pages ending short proves the count:
            // a lazy server's "total" of one short page is its length too.
            let proved_exact =
                short && walk.first_total == Some(walk.fetched) && walk.fetched > u64::from(count);
            let top = std::mem::take(&mut walk.top);
            self.walk = None;
            self.next_cursor = evidence;
            merge_newest(&mut self.recent, &top, keep);
            if proved_exact {
                self.total_is_exact = true;
            }
            Step::Done
        } else {
            walk.next_max = lowest.map(|low| low - 1);
            self.next_cursor = evidence;
            Step::More
        }
    }
}

/// Merges `ids` into `list` (newest first, no repeats), keeping `keep`.
fn merge_newest(list: &mut Vec<i64>, ids: &[i64], keep: usize) {
    list.extend_from_slice(ids);
    list.sort_unstable_by(|a, b| b.cmp(a));
    list.dedup();
    list.truncate(keep);
}

#[cfg(test)]
mod tests;
