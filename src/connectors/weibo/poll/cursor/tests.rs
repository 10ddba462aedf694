use super::*;

/// How a server fills `total_number`.
#[derive(Clone, Copy)]
enum Total {
    /// Absent.
    None,
    /// Items matching `since_id` and `max_id`.
    Filtered,
    /// Every item of the timeline.
    Whole,
    /// The page's own length (a lazy server).
    PageLength,
}

/// A timeline served with Weibo's paging rules.
struct Server {
    ids: Vec<i64>,
    total: Total,
    /// `next_cursor`: the last id while more follow, 0 on the last page.
    cursors: bool,
    requests: usize,
}

impl Server {
    fn new(total: Total) -> Server {
        Server {
            ids: Vec::new(),
            total,
            cursors: false,
            requests: 0,
        }
    }

    fn add(&mut self, ids: impl IntoIterator<Item = i64>) {
        self.ids.extend(ids);
    }

    fn page(&mut self, q: PageQuery) -> PageSeen {
        self.requests += 1;
        let mut matching: Vec<i64> = self
            .ids
            .iter()
            .copied()
            .filter(|id| *id > q.since_id && q.max_id.is_none_or(|m| *id <= m))
            .collect();
        matching.sort_unstable_by(|a, b| b.cmp(a));
        let all = matching.len();
        matching.truncate(q.count as usize);
        let next_cursor = match (self.cursors, matching.last()) {
            (false, _) => None,
            (true, Some(last)) if all > matching.len() => Some(*last),
            (true, _) => Some(0),
        };
        let total_number = match self.total {
            Total::None => None,
            Total::Filtered => Some(all as u64),
            Total::Whole => Some(self.ids.len() as u64),
            Total::PageLength => Some(matching.len() as u64),
        };
        PageSeen {
            len: matching.len(),
            ids: matching,
            total_number,
            next_cursor,
        }
    }
}

/// Polls until the walk is done; returns every id read.
fn poll(cursor: &mut CursorState, server: &mut Server, overlap: u32, count: u32) -> Vec<i64> {
    let mut seen = Vec::new();
    loop {
        let q = cursor.query(overlap, count);
        let page = server.page(q);
        seen.extend(page.ids.iter().copied());
        if cursor.after_page(&page, overlap, count) == Step::Done {
            return seen;
        }
    }
}

fn ids(from: i64, n: i64) -> Vec<i64> {
    (0..n).map(|i| from + i * 7).collect()
}

#[test]
fn a_burst_larger_than_a_page_is_read_whole_whatever_total_number_means() {
    for total in [
        Total::None,
        Total::Filtered,
        Total::Whole,
        Total::PageLength,
    ] {
        let mut server = Server::new(total);
        let mut cursor = CursorState::default();
        server.add(ids(1_000, 10));
        poll(&mut cursor, &mut server, 0, 50);
        server.add(ids(10_000, 1_000));
        let seen = poll(&mut cursor, &mut server, 0, 50);
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique, ids(10_000, 1_000));
        assert_eq!(cursor.newest(), Some(10_000 + 999 * 7));
        assert!(cursor.walk.is_none());
    }
}

#[test]
fn an_exact_total_number_spares_the_closing_request() {
    let mut server = Server::new(Total::Filtered);
    let mut cursor = CursorState::default();
    server.add(ids(1_000, 10));
    poll(&mut cursor, &mut server, 0, 50);
    assert!(!cursor.total_is_exact, "one short page proves nothing");
    server.requests = 0;
    server.add(ids(10_000, 1_000));
    poll(&mut cursor, &mut server, 0, 50);
    assert_eq!(server.requests, 20, "1,000 items in pages of 50");
    // A walk of several pages that ends short where the total said proves it exact.
    server.add(ids(50_000, 70));
    poll(&mut cursor, &mut server, 0, 50);
    assert!(cursor.total_is_exact);
    // Exactly one full page: also no closing request once the count is known exact.
    server.requests = 0;
    server.add(ids(100_000, 50));
    poll(&mut cursor, &mut server, 0, 50);
    assert_eq!(server.requests, 1);
}

#[test]
fn without_a_usable_total_a_walk_of_full_pages_ends_with_one_more_request() {
    for total in [Total::None, Total::Whole, Total::PageLength] {
        let mut server = Server::new(total);
        let mut cursor = CursorState::default();
        server.add(ids(1_000, 10));
        poll(&mut cursor, &mut server, 0, 50);
        server.requests = 0;
        server.add(ids(10_000, 1_000));
        poll(&mut cursor, &mut server, 0, 50);
        assert_eq!(server.requests, 21);
        assert!(!cursor.total_is_exact);
    }
}

#[test]
fn a_walk_resumes_where_it_stopped_and_reads_no_page_twice() {
    let mut server = Server::new(Total::None);
    let mut cursor = CursorState::default();
    server.add(ids(1_000, 500));
    for _ in 0..3 {
        let q = cursor.query(0, 100);
        let page = server.page(q);
        assert_eq!(cursor.after_page(&page, 0, 100), Step::More);
    }
    // Stored, then read back as after a restart.
    let mut cursor = CursorState::decode(&cursor.encode()).unwrap();
    // Items arriving meanwhile are above the walk: the next walk takes them.
    server.add(ids(50_000, 30));
    let rest = poll(&mut cursor, &mut server, 0, 100);
    assert_eq!(rest.len(), 200);
    assert_eq!(server.requests, 6, "3 + 2 + the closing request");
    let next = poll(&mut cursor, &mut server, 0, 100);
    assert_eq!(next.len(), 30);
    assert_eq!(cursor.newest(), Some(50_000 + 29 * 7));
}

#[test]
fn the_overlap_catches_items_that_appear_late_below_the_newest() {
    let mut server = Server::new(Total::None);
    let mut cursor = CursorState::default();
    server.add(ids(1_000, 100));
    poll(&mut cursor, &mut server, 20, 200);
    // Appears now with an id below the 5th-newest stored.
    let late = 1_000 + 95 * 7 - 3;
    server.add([late]);
    let seen = poll(&mut cursor, &mut server, 20, 200);
    assert!(seen.contains(&late));
    assert_eq!(seen.len(), 21, "20 read again, 1 new");
    assert_eq!(cursor.recent.len(), 21);
}

#[test]
fn an_empty_timeline_is_one_request_per_poll() {
    let mut server = Server::new(Total::Filtered);
    let mut cursor = CursorState::default();
    for _ in 0..5 {
        assert!(poll(&mut cursor, &mut server, 20, 200).is_empty());
    }
    assert_eq!(server.requests, 5);
    assert_eq!(cursor.newest(), None);
}

#[test]
fn garbage_is_not_a_cursor() {
    assert_eq!(CursorState::decode(b"not json"), None);
    assert_eq!(
        CursorState::decode(&CursorState::default().encode()),
        Some(CursorState::default())
    );
}

#[test]
fn a_burst_skips_the_overlap_so_full_pages_cost_one_request_each() {
    let mut server = Server::new(Total::Filtered);
    let mut cursor = CursorState::default();
    server.add(ids(1_000, 250));
    poll(&mut cursor, &mut server, 20, 200);
    assert!(cursor.total_is_exact);
    server.requests = 0;
    server.add(ids(100_000, 1_000));
    let seen = poll(&mut cursor, &mut server, 20, 200);
    assert_eq!(seen.len(), 1_000);
    assert_eq!(server.requests, 5, "1,000 new items, pages of 200");
    // Whole-timeline totals cannot spare the closing request, but the overlap costs nothing more.
    let mut server = Server::new(Total::Whole);
    let mut cursor = CursorState::default();
    server.add(ids(1_000, 50));
    poll(&mut cursor, &mut server, 20, 200);
    server.requests = 0;
    server.add(ids(100_000, 1_000));
    poll(&mut cursor, &mut server, 20, 200);
    assert_eq!(server.requests, 6);
}

#[test]
fn a_next_cursor_proven_to_mean_more_ends_a_walk_of_full_pages_without_an_empty_request() {
    let mut server = Server::new(Total::Whole);
    server.cursors = true;
    let mut cursor = CursorState::default();
    server.add(ids(1_000, 10));
    poll(&mut cursor, &mut server, 0, 50);
    // The first burst teaches what the cursor means (and pays the closing request).
    server.add(ids(10_000, 120));
    poll(&mut cursor, &mut server, 0, 50);
    assert!(cursor.next_cursor.zero_means_end());
    server.requests = 0;
    server.add(ids(100_000, 1_000));
    let seen = poll(&mut cursor, &mut server, 0, 50);
    assert_eq!(seen.len(), 1_000);
    assert_eq!(server.requests, 20);
}

#[test]
fn a_cursor_that_is_always_zero_or_always_an_id_is_never_trusted() {
    for always in [0, 42] {
        let mut cursor = CursorState::default();
        let mut seen_total = 0;
        let mut requests = 0;
        let mut stored: Vec<i64> = Vec::new();
        let all = ids(1_000, 230);
        // Pages of 100 over 230 items: 100, 100, 30.
        loop {
            let q = cursor.query(0, 100);
            requests += 1;
            let mut page: Vec<i64> = all
                .iter()
                .copied()
                .filter(|id| *id > q.since_id && q.max_id.is_none_or(|m| *id <= m))
                .collect();
            page.sort_unstable_by(|a, b| b.cmp(a));
            page.truncate(100);
            seen_total += page.len();
            stored.extend(&page);
            let seen = PageSeen {
                len: page.len(),
                ids: page,
                total_number: None,
                next_cursor: Some(always),
            };
            if cursor.after_page(&seen, 0, 100) == Step::Done {
                break;
            }
        }
        assert_eq!(seen_total, 230);
        assert_eq!(requests, 3);
        assert!(!cursor.next_cursor.zero_means_end());
    }
}
