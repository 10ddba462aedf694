//! A local stand-in for Weibo's Open Platform API v2: the calls a mentions
//! poller and a reply publisher make, over real HTTP on loopback, with time
//! taken from a [`SharedClock`] so hours of rate limiting pass in
//! milliseconds. It follows `research/weibo.md`; where that is silent, the
//! choices are:
//!
//! * **Routes**: GET `/2/statuses/mentions.json`, `/2/comments/mentions.json`,
//!   `/2/comments/to_me.json` and their `/biz` twins (same data), GET
//!   `/2/account/rate_limit_status.json`, POST `/2/comments/create.json`,
//!   `/2/comments/reply.json` (and `/2/comments/reply/biz.json`). Anything
//!   else is 404 10020; a known path with another method is 405 10021.
//! * **Order of checks**: route → token → rate limits → injected fault →
//!   parameters → work. So a call with a bad token is never counted nor
//!   faulted, and a faulted call has been counted (the backend got it).
//! * **Token**: header `Authorization: OAuth2 <t>` wins over the
//!   `access_token` query or form parameter. None are valid until
//!   [`StandIn::set_tokens`]; an expired token stays 21327 until listed
//!   again; any other is 21332; none is 21301 "auth by Null spi!". All 403.
//! * **Limits**: hour windows from the top of the clock's hour; a call
//!   admitted counts toward the IP and the user limit (and, for writes, the
//!   comment limit) whatever its outcome (bad parameters, fault, 20019…); a
//!   call refused for a limit counts toward nothing. IP is checked first.
//!   `reset_time` is the next top of the hour in +08:00.
//! * **Paging**: `count` ≤ 0 or absent → default (20 statuses, 50
//!   comments), > 200 → 200; `page` ≤ 0 → 1; `since_id`/`max_id` ≤ 0 → none;
//!   empty values are absent; non-integers → 400 10017. `filter_by_type=1`
//!   drops reposts; the other filters and `trim_user` are checked to be
//!   integers and ignored. `next_cursor` is the last id returned, 0 on the
//!   last page; `total_number` counts the whole timeline (also beyond
//!   `max_depth`). With `shuffle_pages` the page's set is right, its order
//!   scrambled.
//! * **Data**: see `data` — a background pool (ordinary users' statuses,
//!   the account's own statuses) dated before the clock's start; every
//!   item refers only to older ones. One comment in eight on the account's
//!   statuses also @-mentions it and is then in both comment timelines
//!   (same id), as on Weibo.
//! * **Writes**: the 140-character limit counts chars of `comment` before
//!   the automatic `回复@name:` prefix; 20019 compares the published text
//!   (prefix included) with the last one the account published, whatever
//!   the token; `comment_ori` and `without_mention` must be integers. A
//!   reply's `id` and `cid` must each exist; they need not match.
//! * **Faults**: `fail_next` applies to the next admitted calls of any API
//!   but rate_limit_status; `fail_rate` to timeline reads only, one seeded
//!   draw per admitted read. A hanging call is answered (503, connection
//!   closed) only when the stand-in shuts down, and is logged with status 0.
//! * **Encoding**: parameters are percent-decoded UTF-8 (invalid bytes
//!   become U+FFFD); the first of repeated parameters wins. JSON is UTF-8
//!   with CJK unescaped.
//!
//! Files: `model` (public types), `state` (the shared state), `routes`
//! (HTTP and the order of checks), `params`, `limits`, `faults`, `reads`,
//! `writes`, `reply` (bodies and error texts), `data` (the world),
//! `render` (Weibo JSON), `corpus` (users and texts), `rng`.

mod corpus;
mod data;
mod faults;
mod limits;
mod model;
mod params;
mod reads;
mod render;
mod reply;
mod rng;
mod routes;
mod state;
mod writes;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::clock::SharedClock;
use state::Shared;

pub use corpus::{ACCOUNT_NAME, ACCOUNT_UID};
pub use model::{Fault, LoggedRequest, PublishedComment, StandInOptions, Timeline, WriteBehaviour};

/// A running stand-in; clones share it, and it stops at [`StandIn::shutdown`]
/// or when the last clone is dropped.
#[derive(Clone)]
pub struct StandIn {
    handle: Arc<Handle>,
}

/// The part whose drop stops the server (the server task holds only `Shared`).
struct Handle {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.stop.cancel();
    }
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn")
            .field("addr", &self.handle.addr)
            .finish_non_exhaustive()
    }
}

impl StandIn {
    /// Binds 127.0.0.1 on a free port and serves until shut down.
    pub async fn start(clock: SharedClock, options: StandInOptions) -> std::io::Result<StandIn> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(clock, options));
        let app = routes::router(shared.clone());
        let stop = shared.stop.clone();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "Weibo stand-in stopped with an error.");
            }
        });
        Ok(StandIn {
            handle: Arc::new(Handle { shared, addr }),
        })
    }

    /// The API base, `http://127.0.0.1:PORT/2`.
    pub fn api_base(&self) -> String {
        format!("http://{}/2", self.handle.addr)
    }

    /// The address the stand-in listens on.
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr
    }

    /// The stand-in's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.handle.shared.clock.now()
    }

    /// From now on exactly these tokens are accepted (others: 21332).
    pub fn set_tokens(&self, valid: &[&str]) {
        self.handle.shared.lock().limits.set_tokens(valid);
    }

    /// From now on `token` is answered 21327 expired_token.
    pub fn expire_token(&self, token: &str) {
        self.handle.shared.lock().limits.expire(token);
    }

    /// Adds `n` statuses mentioning @支付宝, created now; their ids.
    pub fn post_status_mentions(&self, n: usize) -> Vec<i64> {
        let now = self.now();
        self.handle.shared.lock().world.add_status_mentions(n, now)
    }

    /// Adds `n` comments mentioning @支付宝 under other statuses, created now.
    pub fn post_comment_mentions(&self, n: usize) -> Vec<i64> {
        let now = self.now();
        self.handle.shared.lock().world.add_comment_mentions(n, now)
    }

    /// Adds `n` comments under the account's own statuses, created now.
    pub fn post_comments_to_me(&self, n: usize) -> Vec<i64> {
        let now = self.now();
        self.handle.shared.lock().world.add_comments_to_me(n, now)
    }

    /// Adds `n` items that appear now with ids below the timeline's newest
    /// (between its 20th- and 2nd-newest) and times a few minutes back.
    pub fn post_late(&self, timeline: Timeline, n: usize) -> Vec<i64> {
        let now = self.now();
        self.handle.shared.lock().world.add_late(timeline, n, now)
    }

    /// Every id in `timeline`, oldest first.
    pub fn ids(&self, timeline: Timeline) -> Vec<i64> {
        self.handle.shared.lock().world.ids(timeline)
    }

    /// Changes the fraction of timeline reads that fail.
    pub fn set_fail_rate(&self, rate: f64) {
        self.handle.shared.lock().faults.set_rate(rate);
    }

    /// The next `n` admitted calls (not rate_limit_status) get `fault`.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.handle.shared.lock().faults.push(n, fault);
    }

    /// How valid comments/create and reply calls end from now on.
    pub fn set_write_behaviour(&self, behaviour: WriteBehaviour) {
        self.handle.shared.lock().write_behaviour = behaviour;
    }

    /// Every call so far, in the order served.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.handle.shared.lock().log.clone()
    }

    /// Every comment published so far (including those answered 502).
    pub fn published(&self) -> Vec<PublishedComment> {
        self.handle.shared.lock().published.clone()
    }

    /// Stops accepting calls; hanging calls are released and closed.
    pub fn shutdown(&self) {
        self.handle.shared.stop.cancel();
    }
}
