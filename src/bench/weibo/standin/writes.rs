//! comments/create and comments/reply: checks in Weibo's order (after the
//! token and the rate limits, which the router did): `rip`, `comment`,
//! `id`, `cid`, length (20012), repeat of the last published text (20019),
//! unknown status (20101), unknown comment (20201); then the configured
//! `WriteBehaviour` decides whether the comment is published and answered.

use chrono::{DateTime, Utc};

use super::model::{PublishedComment, WriteBehaviour};
use super::params::{Params, invalid, missing};
use super::render;
use super::reply::Reply;
use super::state::State;

/// Weibo's limit: 140 characters (汉字 or not, counted as chars here).
const MAX_CHARS: usize = 140;

/// Which write endpoint was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// comments/create.json
    Create,
    /// comments/reply.json (and its `/biz` twin)
    Reply,
}

/// A validated comment, ready to publish.
struct Draft {
    status: i64,
    cid: Option<i64>,
    comment: String,
    text: String,
    rip: Option<String>,
}

/// Serves one admitted write.
pub(crate) fn comment(
    state: &mut State,
    now: DateTime<Utc>,
    write: Write,
    params: &Params,
) -> Reply {
    let draft = match validate(state, write, params) {
        Ok(draft) => draft,
        Err(reply) => return reply,
    };
    match state.write_behaviour {
        WriteBehaviour::Accept => {
            let id = publish(state, now, write, draft);
            Reply::ok(render::comment(&state.world, id, true), 1)
        }
        WriteBehaviour::Fail(status, code) => Reply::code(status, code),
        WriteBehaviour::Hang => Reply::Hang,
        WriteBehaviour::RecordThen502 => {
            publish(state, now, write, draft);
            Reply::Html502
        }
        WriteBehaviour::RecordThenHang => {
            publish(state, now, write, draft);
            Reply::Hang
        }
    }
}

fn validate(state: &State, write: Write, params: &Params) -> Result<Draft, Reply> {
    let rip = params
        .get("rip")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if rip.is_none() && state.options.require_rip {
        return Err(missing("rip"));
    }
    let comment = params.required("comment")?.to_owned();
    let status = required_id(params, "id")?;
    let cid = match write {
        Write::Create => None,
        Write::Reply => Some(required_id(params, "cid")?),
    };
    let without_mention = params.int("without_mention")?.unwrap_or(0) == 1;
    params.int("comment_ori")?;
    if comment.chars().count() > MAX_CHARS {
        return Err(Reply::code(400, 20012));
    }
    // Replies are prefixed like Weibo's own client does, unless told not to.
    let parent = cid.and_then(|c| state.world.comments.get(&c));
    let text = match parent {
        Some(parent) if !without_mention => {
            let name = state
                .world
                .users
                .get(parent.user)
                .map(|u| u.screen_name.as_str())
                .unwrap_or_default();
            format!("回复@{name}:{comment}")
        }
        _ => comment.clone(),
    };
    if state.last_text.as_deref() == Some(text.as_str()) {
        return Err(Reply::code(400, 20019));
    }
    if !state.world.statuses.contains_key(&status) {
        return Err(Reply::code(400, 20101));
    }
    if cid.is_some() && parent.is_none() {
        return Err(Reply::code(400, 20201));
    }
    Ok(Draft {
        status,
        cid,
        comment,
        text,
        rip,
    })
}

/// A present, integer id parameter.
fn required_id(params: &Params, key: &str) -> Result<i64, Reply> {
    params.required(key)?;
    params.int(key)?.ok_or_else(|| invalid(key))
}

/// Stores the comment and remembers it; returns its id.
fn publish(state: &mut State, now: DateTime<Utc>, write: Write, draft: Draft) -> i64 {
    let id = state
        .world
        .publish(now, draft.status, draft.cid, draft.text.clone());
    state.last_text = Some(draft.text.clone());
    state.published.push(PublishedComment {
        id,
        endpoint: match write {
            Write::Create => "create",
            Write::Reply => "reply",
        }
        .to_owned(),
        status_id: draft.status,
        cid: draft.cid,
        text: draft.text,
        comment: draft.comment,
        rip: draft.rip,
        created_at: now,
    });
    id
}
