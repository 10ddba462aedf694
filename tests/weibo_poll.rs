//! The Weibo poller against the stand-in API on loopback, on a manual
//! clock: bursts bigger than a page, injected server errors, a rate-limit
//! window, and a token that expires and is replaced.

use std::time::Duration;

use chrono::{DateTime, Utc};
use omnilisten::bench::weibo::standin::{StandIn, StandInOptions, Timeline};
use omnilisten::clock::{Clock, ManualClock};

use crate::support::weibo::{drive, start, weibo_tree};
use crate::support::{Daemon, Tree, num, reopen_store};

const TOKEN: &str = "2.00weibo-token-one";

/// After the daemon stopped: every id is in the store, and the store holds
/// nothing else, so none is stored twice.
async fn expect_stored_once(tree: &Tree, expected: &[(&str, &[i64])]) {
    let store = reopen_store(&tree.path().join("state"));
    let mut total = 0;
    for (kind, ids) in expected {
        for id in *ids {
            let key = format!("{kind}:{id}");
            let found = store
                .find_native(omnilisten::model::Channel::Weibo, &key)
                .expect("read");
            assert!(found.is_some(), "{key} is stored");
        }
        total += ids.len() as u64;
    }
    let stats = store.stats();
    assert_eq!(stats.messages.by_channel.get("weibo").copied(), Some(total));
}

async fn weibo_count(daemon: &Daemon) -> u64 {
    let (_, stats) = daemon.get("/api/stats").await;
    num(&stats, "/messages/by_channel/weibo")
}

/// The most calls made in any hour (sliding), by the stand-in's log.
fn busiest_hour(standin: &StandIn) -> usize {
    let times: Vec<DateTime<Utc>> = standin.requests().iter().map(|r| r.at).collect();
    times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            times[i..]
                .iter()
                .take_while(|u| **u - *t < chrono::Duration::hours(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_thousand_mentions_between_two_polls_are_all_stored_once_in_pages_of_fifty() {
    let clock = ManualClock::new(start());
    let standin = StandIn::start(clock.clone(), StandInOptions::default())
        .await
        .expect("stand-in");
    standin.set_tokens(&[TOKEN]);
    let first = standin.post_status_mentions(5);
    let tree = weibo_tree(
        &standin,
        TOKEN,
        "endpoints = [\"statuses_mentions\"]\ncount = 50\nrequests_per_hour = 150\npoll_interval = \"60s\"\n",
    );
    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    drive(
        &clock,
        Duration::from_secs(600),
        Duration::from_secs(10),
        async || weibo_count(&daemon).await == 5,
    )
    .await;
    let polls_before = standin.requests().len();
    let burst = standin.post_status_mentions(1_000);
    drive(
        &clock,
        Duration::from_secs(3 * 3600),
        Duration::from_secs(10),
        async || weibo_count(&daemon).await == 1_005,
    )
    .await;
    let pages: Vec<_> = standin.requests()[polls_before..]
        .iter()
        .filter(|r| r.path.contains("mentions"))
        .cloned()
        .collect();
    assert!(
        pages.len() <= 22,
        "1,000 items in pages of 50 took {} page requests",
        pages.len()
    );
    assert!(busiest_hour(&standin) <= 150);
    daemon.stop().await;
    expect_stored_once(&tree, &[("status", &first), ("status", &burst)]).await;
}

#[tokio::test]
async fn server_errors_and_a_rate_limit_window_lose_nothing_and_stay_within_the_budget() {
    let clock = ManualClock::new(start());
    // Weibo allows fewer calls than the connector's budget: the connector
    // meets 10023 and must wait for the window to reset.
    let options = StandInOptions {
        user_limit: 30,
        fail_rate: 0.10,
        seed: 7,
        // Pages out of id order and codes as strings, as live Weibo sometimes sends.
        shuffle_pages: true,
        string_error_codes: true,
        ..StandInOptions::default()
    };
    let standin = StandIn::start(clock.clone(), options)
        .await
        .expect("stand-in");
    standin.set_tokens(&[TOKEN]);
    let tree = weibo_tree(
        &standin,
        TOKEN,
        "count = 50\nrequests_per_hour = 120\npoll_interval = \"30s\"\n",
    );
    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let mut statuses = Vec::new();
    let mut comments = Vec::new();
    let mut to_me = Vec::new();
    // Three hours of traffic in bursts, some items becoming visible late.
    for round in 0..12 {
        statuses.extend(standin.post_status_mentions(60 + round * 7));
        comments.extend(standin.post_comment_mentions(25));
        to_me.extend(standin.post_comments_to_me(10));
        if round % 3 == 1 {
            statuses.extend(standin.post_late(Timeline::StatusMentions, 2));
        }
        let target = clock.now() + chrono::Duration::minutes(15);
        drive(
            &clock,
            Duration::from_secs(1200),
            Duration::from_secs(30),
            async || clock.now() >= target,
        )
        .await;
    }
    let expected = (statuses.len() + comments.len() + to_me.len()) as u64;
    drive(
        &clock,
        Duration::from_secs(6 * 3600),
        Duration::from_secs(30),
        async || weibo_count(&daemon).await >= expected,
    )
    .await;
    let log = standin.requests();
    let failures = log.iter().filter(|r| r.status >= 500).count();
    let limited = log.iter().filter(|r| r.error_code == Some(10023)).count();
    assert!(failures > 0, "the stand-in injected server errors");
    assert!(limited > 0, "the connector met the rate limit");
    assert!(busiest_hour(&standin) <= 120, "within requests_per_hour");
    // After a 10023 the connector waits for the reset instead of hammering.
    assert!(limited <= 12, "{limited} calls refused for the rate limit");
    daemon.stop().await;
    expect_stored_once(
        &tree,
        &[
            ("status", &statuses),
            ("comment", &comments),
            ("comment", &to_me),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_shows_auth_failed_and_a_new_token_file_resumes_with_no_gap() {
    let clock = ManualClock::new(start());
    let standin = StandIn::start(clock.clone(), StandInOptions::default())
        .await
        .expect("stand-in");
    standin.set_tokens(&[TOKEN]);
    let before = standin.post_status_mentions(3);
    let tree = weibo_tree(&standin, TOKEN, "endpoints = [\"statuses_mentions\"]\n");
    let daemon = Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    drive(
        &clock,
        Duration::from_secs(600),
        Duration::from_secs(10),
        async || weibo_count(&daemon).await == 3,
    )
    .await;
    standin.expire_token(TOKEN);
    let during = standin.post_status_mentions(40);
    drive(
        &clock,
        Duration::from_secs(1800),
        Duration::from_secs(10),
        async || {
            let (_, health) = daemon.get("/healthz").await;
            health["connectors"]["weibo"]["state"] == "auth_failed"
        },
    )
    .await;
    let (_, health) = daemon.get("/healthz").await;
    let error = health["connectors"]["weibo"]["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("21327"), "{error}");
    assert!(!error.contains(TOKEN), "the token never appears: {error}");
    let metrics = crate::support::http_get(daemon.addr, "/metrics").await.1;
    assert!(
        metrics.contains("omnilisten_connector_auth_failed{connector=\"weibo\"} 1"),
        "{metrics}"
    );
    // While the token is refused, nothing is spent on calls bound to fail.
    let calls = standin.requests().len();
    drive(
        &clock,
        Duration::from_secs(3600),
        Duration::from_secs(60),
        async || clock.now() > start() + chrono::Duration::hours(1),
    )
    .await;
    assert_eq!(standin.requests().len(), calls);
    // A person replaces the token file.
    standin.set_tokens(&["2.00weibo-token-two"]);
    std::fs::write(tree.path().join("weibo-token"), "2.00weibo-token-two\n").expect("new token");
    drive(
        &clock,
        Duration::from_secs(1800),
        Duration::from_secs(10),
        async || weibo_count(&daemon).await == 43,
    )
    .await;
    let (_, health) = daemon.get("/healthz").await;
    assert_ne!(health["connectors"]["weibo"]["state"], "auth_failed");
    daemon.stop().await;
    expect_stored_once(&tree, &[("status", &before), ("status", &during)]).await;
}
