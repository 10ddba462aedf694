//! The timeline reads (statuses/mentions, comments/mentions,
//! comments/to_me and their `/biz` twins): `since_id` exclusive, `max_id`
//! inclusive, then `count`/`page` slice the newest-first rest.

use serde_json::{Value, json};

use super::model::Timeline;
use super::params::Params;
use super::render;
use super::reply::Reply;
use super::state::State;

/// Largest page Weibo serves; larger `count`s are clamped to it.
const MAX_COUNT: i64 = 200;
/// Flags that are accepted, checked to be integers, and otherwise ignored
/// (except `filter_by_type`, which drops reposts from statuses).
const FLAGS: &[&str] = &[
    "filter_by_author",
    "filter_by_source",
    "filter_by_type",
    "trim_user",
    "flag",
    "has_type",
];

/// Paging parameters after defaults.
struct Paging {
    since_id: i64,
    max_id: i64,
    count: usize,
    page: usize,
    originals_only: bool,
}

impl Paging {
    fn parse(params: &Params, timeline: Timeline) -> Result<Paging, Reply> {
        for flag in FLAGS {
            params.int(flag)?;
        }
        let default_count = if timeline.is_comments() { 50 } else { 20 };
        // Zero or negative values mean "not given", as 0 does for the ids.
        let count = params
            .int("count")?
            .filter(|c| *c > 0)
            .unwrap_or(default_count)
            .min(MAX_COUNT);
        let page = params.int("page")?.filter(|p| *p > 0).unwrap_or(1);
        Ok(Paging {
            since_id: params.int("since_id")?.unwrap_or(0).max(0),
            max_id: params.int("max_id")?.filter(|m| *m > 0).unwrap_or(i64::MAX),
            count: count as usize,
            page: usize::try_from(page).unwrap_or(usize::MAX),
            originals_only: params.int("filter_by_type")? == Some(1) && !timeline.is_comments(),
        })
    }
}

/// One page of `timeline`.
pub(crate) fn timeline(state: &mut State, timeline: Timeline, params: &Params) -> Reply {
    let paging = match Paging::parse(params, timeline) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let ids = state.world.timeline(timeline);
    let total = ids.len();
    // With a depth cap only the newest N are reachable; total_number still
    // counts them all, which is how a client can notice the gap.
    let floor = match state.options.max_depth {
        Some(0) => i64::MAX,
        Some(depth) => ids.iter().rev().nth(depth - 1).copied().unwrap_or(i64::MIN),
        None => i64::MIN,
    };
    let lo = paging.since_id.saturating_add(1).max(floor);
    let hi = paging.max_id;
    let mut selected: Vec<i64> = Vec::new();
    let mut more = false;
    if lo <= hi {
        let offset = (paging.page - 1).saturating_mul(paging.count);
        let mut matching = ids.range(lo..=hi).rev().copied().filter(|id| {
            !paging.originals_only
                || state
                    .world
                    .statuses
                    .get(id)
                    .is_some_and(|s| s.retweeted.is_none())
        });
        selected = matching.by_ref().skip(offset).take(paging.count).collect();
        more = matching.next().is_some();
    }
    let next_cursor = match selected.last() {
        Some(last) if more && state.options.cursor_hints => *last,
        _ => 0,
    };
    if state.options.shuffle_pages {
        state.shuffler.shuffle(&mut selected);
    }
    let items = selected.len();
    let body = if timeline.is_comments() {
        let comments: Vec<Value> = selected
            .iter()
            .map(|id| render::comment(&state.world, *id, true))
            .collect();
        json!({
            "comments": comments,
            "marks": [],
            "hasvisible": false,
            "previous_cursor": 0,
            "next_cursor": next_cursor,
            "total_number": total,
        })
    } else {
        let statuses: Vec<Value> = selected
            .iter()
            .map(|id| render::status(&state.world, *id))
            .collect();
        json!({
            "statuses": statuses,
            "advertises": [],
            "ad": [],
            "hasvisible": false,
            "previous_cursor": 0,
            "next_cursor": next_cursor,
            "total_number": total,
            "interval": 0,
        })
    };
    Reply::ok(body, items)
}
