//! Helpers for tests against the Weibo stand-in on a manual clock.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use omnilisten::bench::weibo::standin::StandIn;
use omnilisten::clock::{Clock, ManualClock};

use super::Tree;

/// Where the manual clocks of the Weibo tests start.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 12, 1, 0, 0)
        .single()
        .expect("valid start")
}

/// A tree with connector `weibo` on the stand-in, its token in a file;
/// `extra` adds keys to the connector file.
pub fn weibo_tree(standin: &StandIn, token: &str, extra: &str) -> Tree {
    let tree = Tree::new();
    tree.write("weibo-token", &format!("{token}\n"));
    tree.write(
        "connectors/weibo.toml",
        &format!(
            "kind = \"weibo\"\napi_base = \"{}\"\naccess_token_file = \"weibo-token\"\ntimeout = \"5s\"\n{extra}",
            standin.api_base()
        ),
    );
    tree
}

/// Moves the manual clock to the next wake-up (at most `step`) and gives the
/// daemon real time to act on it, until `done` or `limit` of clock time.
pub async fn drive(
    clock: &ManualClock,
    limit: Duration,
    step: Duration,
    mut done: impl AsyncFnMut() -> bool,
) {
    let began = clock.now();
    loop {
        if done().await {
            return;
        }
        let elapsed = (clock.now() - began).to_std().unwrap_or_default();
        assert!(elapsed <= limit, "not done after {elapsed:?} of clock time");
        let next = clock
            .next_deadline()
            .and_then(|t| (t - clock.now()).to_std().ok())
            .unwrap_or(step)
            .clamp(Duration::from_millis(1), step);
        clock.advance(next);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
}
