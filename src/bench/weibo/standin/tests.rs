//! The stand-in over loopback HTTP, driven by a manual clock.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use super::*;
use crate::clock::ManualClock;

const TOKEN: &str = "2.00abcdefTOKEN";

/// 2026-11-28 17:30:00 +08:00.
fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// A plain-http client; reqwest wants a rustls provider installed even
/// for http URLs.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

struct Rig {
    standin: StandIn,
    clock: Arc<ManualClock>,
    http: reqwest::Client,
}

impl Rig {
    async fn new(options: StandInOptions) -> Rig {
        let clock = ManualClock::new(start_time());
        let standin = StandIn::start(clock.clone(), options).await.expect("start");
        standin.set_tokens(&[TOKEN]);
        let http = client();
        Rig {
            standin,
            clock,
            http,
        }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        self.get_as(Some(TOKEN), path, query).await
    }

    async fn get_as(
        &self,
        token: Option<&str>,
        path: &str,
        query: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut request = self
            .http
            .get(format!("{}/{path}", self.standin.api_base()))
            .query(query);
        if let Some(token) = token {
            request = request.query(&[("access_token", token)]);
        }
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/{path}", self.standin.api_base()))
            .header("Authorization", format!("OAuth2 {TOKEN}"))
            .form(form)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn ids_of(body: &Value, key: &str) -> Vec<i64> {
    body[key]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default()
}

fn code(body: &Value) -> Option<i64> {
    body["error_code"].as_i64()
}

#[tokio::test]
async fn max_id_paging_walks_450_mentions_in_three_pages() {
    let rig = Rig::new(StandInOptions::default()).await;
    let posted = rig.standin.post_status_mentions(450);
    assert!(posted.windows(2).all(|w| w[0] < w[1]), "ids grow with time");
    assert!(
        posted
            .iter()
            .all(|id| (4_900_000_000_000_000..5_000_000_000_000_000).contains(id))
    );
    let mut seen: Vec<i64> = Vec::new();
    let mut max_id = String::from("0");
    let mut pages = 0;
    loop {
        let (status, body) = rig
            .get(
                "statuses/mentions.json",
                &[("count", "200"), ("max_id", &max_id)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total_number"], 450);
        let page = ids_of(&body, "statuses");
        pages += 1;
        assert!(page.windows(2).all(|w| w[0] > w[1]), "newest first");
        seen.extend(&page);
        if page.len() < 200 {
            assert_eq!(body["next_cursor"], 0, "last page");
            break;
        }
        assert_eq!(body["next_cursor"].as_i64(), page.last().copied());
        max_id = (page[page.len() - 1] - 1).to_string();
    }
    assert_eq!(pages, 3);
    seen.reverse();
    assert_eq!(seen, posted);
    // count above 200 is clamped; the default is 20 for statuses.
    let (_, body) = rig.get("statuses/mentions.json", &[("count", "500")]).await;
    assert_eq!(ids_of(&body, "statuses").len(), 200);
    let (_, body) = rig.get("statuses/mentions/biz.json", &[]).await;
    assert_eq!(ids_of(&body, "statuses").len(), 20);
}

#[tokio::test]
async fn since_id_is_exclusive_and_max_id_inclusive() {
    let rig = Rig::new(StandInOptions::default()).await;
    let ids = rig.standin.post_status_mentions(10);
    let (since, max) = (ids[2].to_string(), ids[6].to_string());
    let (status, body) = rig
        .get(
            "statuses/mentions.json",
            &[("since_id", &since), ("max_id", &max)],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ids_of(&body, "statuses"),
        vec![ids[6], ids[5], ids[4], ids[3]]
    );
    let (_, body) = rig
        .get(
            "statuses/mentions.json",
            &[("since_id", &since), ("count", "2"), ("page", "2")],
        )
        .await;
    assert_eq!(ids_of(&body, "statuses"), vec![ids[7], ids[6]]);
    let (status, body) = rig
        .get("statuses/mentions.json", &[("since_id", "abc")])
        .await;
    assert_eq!((status, code(&body)), (400, Some(10017)));
    assert_eq!(body["request"], "/2/statuses/mentions.json");
}

#[tokio::test]
async fn items_look_like_weibo_json() {
    let rig = Rig::new(StandInOptions::default()).await;
    rig.standin.post_status_mentions(60);
    rig.standin.post_comment_mentions(30);
    rig.standin.post_comments_to_me(30);
    let (_, body) = rig.get("statuses/mentions.json", &[("count", "100")]).await;
    let statuses = body["statuses"].as_array().cloned().unwrap_or_default();
    assert_eq!(statuses.len(), 60);
    for s in &statuses {
        assert_eq!(s["created_at"], "Sat Nov 28 17:30:00 +0800 2026");
        assert_eq!(s["mid"], s["idstr"]);
        assert!(
            s["text"].as_str().is_some_and(|t| t.contains("@支付宝")),
            "{s}"
        );
        assert!(s["user"]["province"].is_string());
        let pics = s["pic_urls"].as_array().map_or(0, Vec::len);
        assert_eq!(pics > 0, s.get("original_pic").is_some());
    }
    assert!(statuses.iter().any(|s| s.get("retweeted_status").is_some()));
    assert!(
        statuses
            .iter()
            .any(|s| s["pic_urls"].as_array().is_some_and(|p| !p.is_empty()))
    );
    let (_, body) = rig.get("comments/mentions.json", &[("count", "100")]).await;
    let comments = body["comments"].as_array().cloned().unwrap_or_default();
    assert!(comments.len() >= 30);
    for c in &comments {
        assert_ne!(c["mid"], c["idstr"]);
        assert!(c["status"]["id"].as_i64() < c["id"].as_i64());
        if let Some(parent) = c.get("reply_comment") {
            assert!(c["text"].as_str().is_some_and(|t| t.starts_with("回复@")));
            assert!(parent["id"].as_i64() < c["id"].as_i64());
        }
    }
    let (_, body) = rig.get("comments/to_me.json", &[]).await;
    let comments = body["comments"].as_array().cloned().unwrap_or_default();
    assert_eq!(comments.len(), 30, "default count 50 covers them all");
    assert!(
        comments
            .iter()
            .all(|c| c["status"]["user"]["id"] == ACCOUNT_UID)
    );
}

#[tokio::test]
async fn tokens_missing_invalid_and_expired_are_403_with_their_codes() {
    let rig = Rig::new(StandInOptions::default()).await;
    let (status, body) = rig.get_as(None, "comments/to_me.json", &[]).await;
    assert_eq!((status, code(&body)), (403, Some(21301)));
    assert_eq!(body["error"], "auth by Null spi!");
    let (status, body) = rig.get_as(Some("nope"), "comments/to_me.json", &[]).await;
    assert_eq!((status, code(&body)), (403, Some(21332)));
    rig.standin.expire_token(TOKEN);
    let (status, body) = rig.get("comments/to_me.json", &[]).await;
    assert_eq!((status, code(&body)), (403, Some(21327)));
    let (status, body) = rig
        .post(
            "comments/create.json",
            &[("id", "1"), ("comment", "x"), ("rip", "1.2.3.4")],
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, Some(21327)),
        "header token checked too"
    );
    rig.standin.set_tokens(&[TOKEN]);
    let (status, _) = rig.get("comments/to_me.json", &[]).await;
    assert_eq!(status, 200);
    let log = rig.standin.requests();
    assert_eq!(log.len(), 5);
    assert_eq!(log[1].token.as_deref(), Some("nope"));
    assert!(log.iter().all(|r| !r.query.contains_key("access_token")));
}

#[tokio::test]
async fn user_limit_gives_10023_until_the_next_hour() {
    let options = StandInOptions {
        user_limit: 5,
        ..StandInOptions::default()
    };
    let rig = Rig::new(options).await;
    for _ in 0..5 {
        let (status, _) = rig.get("statuses/mentions.json", &[]).await;
        assert_eq!(status, 200);
    }
    for _ in 0..3 {
        let (status, body) = rig.get("statuses/mentions.json", &[]).await;
        assert_eq!((status, code(&body)), (403, Some(10023)));
        assert_eq!(body["error"], "User requests out of rate limit!");
    }
    let (status, body) = rig.get("account/rate_limit_status.json", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["remaining_user_hits"], 0);
    assert_eq!(body["user_limit"], 5);
    assert_eq!(body["reset_time"], "2026-11-28 18:00:00");
    assert_eq!(body["reset_time_in_seconds"], 1800);
    assert_eq!(
        body["remaining_ip_hits"],
        10_000 - 5,
        "refused calls are not counted"
    );
    rig.clock.advance(Duration::from_secs(1799));
    let (_, body) = rig.get("account/rate_limit_status.json", &[]).await;
    assert_eq!(body["reset_time_in_seconds"], 1);
    let (status, _) = rig.get("statuses/mentions.json", &[]).await;
    assert_eq!(status, 403);
    rig.clock.advance(Duration::from_secs(1));
    let (status, _) = rig.get("statuses/mentions.json", &[]).await;
    assert_eq!(status, 200);
    let (_, body) = rig.get("account/rate_limit_status.json", &[]).await;
    assert_eq!(body["remaining_user_hits"], 4);
    assert_eq!(body["reset_time"], "2026-11-28 19:00:00");
    assert_eq!(body["reset_time_in_seconds"], 3600);
}

#[tokio::test]
async fn ip_limit_and_counted_status_calls() {
    let options = StandInOptions {
        ip_limit: 3,
        status_limit_counts: true,
        string_error_codes: true,
        ..StandInOptions::default()
    };
    let rig = Rig::new(options).await;
    rig.standin.set_tokens(&[TOKEN, "other"]);
    let (status, _) = rig.get("account/rate_limit_status.json", &[]).await;
    assert_eq!(status, 200);
    let (status, _) = rig.get("comments/mentions.json", &[]).await;
    assert_eq!(status, 200);
    let (status, _) = rig
        .get_as(Some("other"), "comments/mentions.json", &[])
        .await;
    assert_eq!(status, 200);
    let (status, body) = rig
        .get_as(Some("other"), "comments/mentions.json", &[])
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error_code"], "10022", "codes as strings when asked");
}

#[tokio::test]
async fn fail_rate_is_deterministic_for_a_seed() {
    async fn run(seed: u64) -> Vec<u16> {
        let options = StandInOptions {
            fail_rate: 0.3,
            seed,
            user_limit: 1000,
            ..StandInOptions::default()
        };
        let rig = Rig::new(options).await;
        let mut statuses = Vec::new();
        for _ in 0..300 {
            let (status, body) = rig.get("comments/to_me.json", &[]).await;
            match status {
                200 => {}
                502 => assert!(
                    body.as_str()
                        .is_some_and(|b| b.starts_with("<html><body><h1>502 Bad Gateway</h1>"))
                ),
                _ => assert!(
                    code(&body).is_some_and(|c| (10001..=10011).contains(&c)),
                    "{body}"
                ),
            }
            statuses.push(status);
        }
        statuses
    }
    let first = run(7).await;
    assert_eq!(first, run(7).await);
    assert_ne!(first, run(8).await);
    let failed = first.iter().filter(|s| **s != 200).count();
    assert!((60..=120).contains(&failed), "{failed} of 300");
    assert!(first.contains(&502) && (first.contains(&500) || first.contains(&503)));
}

#[tokio::test]
async fn fail_next_and_hang() {
    let rig = Rig::new(StandInOptions::default()).await;
    rig.standin.fail_next(1, Fault::Json5xx(503, 10002));
    rig.standin.fail_next(1, Fault::Error(403, 10023));
    rig.standin.fail_next(1, Fault::Hang);
    let (status, body) = rig.get("account/rate_limit_status.json", &[]).await;
    assert_eq!(status, 200, "status calls are never faulted: {body}");
    let (status, body) = rig.get("statuses/mentions.json", &[]).await;
    assert_eq!((status, code(&body)), (503, Some(10002)));
    let (status, body) = rig.get("statuses/mentions.json", &[]).await;
    assert_eq!((status, code(&body)), (403, Some(10023)));
    let hung = rig
        .http
        .get(format!("{}/statuses/mentions.json", rig.standin.api_base()))
        .query(&[("access_token", TOKEN)])
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(hung.is_err_and(|e| e.is_timeout()));
    let (status, _) = rig.get("statuses/mentions.json", &[]).await;
    assert_eq!(status, 200);
    let log = rig.standin.requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![200, 503, 403, 0, 200]
    );
}

#[tokio::test]
async fn writes_check_length_repeats_and_targets() {
    let rig = Rig::new(StandInOptions::default()).await;
    let statuses = rig.standin.post_status_mentions(3);
    let comments = rig.standin.post_comment_mentions(2);
    let id = statuses[0].to_string();
    let ok = [
        ("id", id.as_str()),
        ("comment", "您好，已私信您处理进度。"),
        ("rip", "203.0.113.9"),
    ];
    let (status, body) = rig.post("comments/create.json", &ok).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], ACCOUNT_UID);
    assert_eq!(body["status"]["id"], statuses[0]);
    assert_eq!(body["text"], "您好，已私信您处理进度。");
    let (status, body) = rig.post("comments/create.json", &ok).await;
    assert_eq!((status, code(&body)), (400, Some(20019)));
    assert_eq!(body["error"], "Repeat conetnt!");
    let long = "好".repeat(141);
    let (status, body) = rig
        .post(
            "comments/create.json",
            &[("id", &id), ("comment", &long), ("rip", "203.0.113.9")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, Some(20012)));
    let exactly = "好".repeat(140);
    let (status, _) = rig
        .post(
            "comments/create.json",
            &[("id", &id), ("comment", &exactly), ("rip", "203.0.113.9")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = rig
        .post(
            "comments/create.json",
            &[("id", &id), ("comment", "再问一次")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, Some(10016)));
    let (status, body) = rig
        .post(
            "comments/create.json",
            &[("id", &id), ("comment", ""), ("rip", "1.1.1.1")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, Some(10016)));
    let (status, body) = rig
        .post(
            "comments/create.json",
            &[("id", "42"), ("comment", "谢谢"), ("rip", "1.1.1.1")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, Some(20101)));
    let cid = comments[0].to_string();
    let parent_status = rig.standin.published().len(); // 2 so far
    assert_eq!(parent_status, 2);
    let (status, body) = rig
        .post(
            "comments/reply.json",
            &[
                ("id", &id),
                ("cid", "43"),
                ("comment", "谢谢"),
                ("rip", "1.1.1.1"),
            ],
        )
        .await;
    assert_eq!((status, code(&body)), (400, Some(20201)));
    let (status, body) = rig
        .post(
            "comments/reply.json",
            &[
                ("id", &id),
                ("cid", &cid),
                ("comment", "谢谢反馈"),
                ("rip", "1.1.1.1"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("回复@") && t.ends_with(":谢谢反馈"))
    );
    assert_eq!(body["reply_comment"]["id"], comments[0]);
    let published = rig.standin.published();
    assert_eq!(published.len(), 3);
    assert_eq!(published[2].endpoint, "reply");
    assert_eq!(published[2].cid, Some(comments[0]));
    assert_eq!(published[2].comment, "谢谢反馈");
    assert_eq!(published[0].rip.as_deref(), Some("203.0.113.9"));
}

#[tokio::test]
async fn record_then_502_publishes_but_answers_a_gateway_error() {
    let rig = Rig::new(StandInOptions::default()).await;
    let id = rig.standin.post_status_mentions(1)[0].to_string();
    rig.standin
        .set_write_behaviour(WriteBehaviour::RecordThen502);
    let form = [
        ("id", id.as_str()),
        ("comment", "已为您加急处理"),
        ("rip", "198.51.100.7"),
    ];
    let (status, body) = rig.post("comments/create.json", &form).await;
    assert_eq!(status, 502);
    assert!(body.as_str().is_some_and(|b| b.contains("502 Bad Gateway")));
    let published = rig.standin.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].text, "已为您加急处理");
    assert_eq!(published[0].status_id.to_string(), id);
    rig.standin.set_write_behaviour(WriteBehaviour::Accept);
    let (status, body) = rig.post("comments/create.json", &form).await;
    assert_eq!(
        (status, code(&body)),
        (400, Some(20019)),
        "the retry meets its own first attempt"
    );
    rig.standin
        .set_write_behaviour(WriteBehaviour::Fail(403, 20016));
    let (status, body) = rig
        .post(
            "comments/create.json",
            &[("id", &id), ("comment", "新内容"), ("rip", "198.51.100.7")],
        )
        .await;
    assert_eq!((status, code(&body)), (403, Some(20016)));
    assert_eq!(rig.standin.published().len(), 1);
}

#[tokio::test]
async fn comment_limit_is_10024() {
    let options = StandInOptions {
        comment_limit: 2,
        require_rip: false,
        ..StandInOptions::default()
    };
    let rig = Rig::new(options).await;
    let id = rig.standin.post_status_mentions(1)[0].to_string();
    for text in ["一", "二"] {
        let (status, _) = rig
            .post("comments/create.json", &[("id", &id), ("comment", text)])
            .await;
        assert_eq!(status, 200);
    }
    let (status, body) = rig
        .post("comments/create.json", &[("id", &id), ("comment", "三")])
        .await;
    assert_eq!((status, code(&body)), (403, Some(10024)));
    let (_, body) = rig.get("account/rate_limit_status.json", &[]).await;
    assert_eq!(body["api_rate_limits"][0]["remaining_hits"], 0);
    assert_eq!(body["remaining_user_hits"], 148);
}

#[tokio::test]
async fn late_items_get_ids_below_the_newest() {
    let rig = Rig::new(StandInOptions::default()).await;
    for timeline in Timeline::ALL {
        let before = match timeline {
            Timeline::StatusMentions => rig.standin.post_status_mentions(30),
            Timeline::CommentMentions => rig.standin.post_comment_mentions(30),
            Timeline::CommentsToMe => rig.standin.post_comments_to_me(30),
        };
        let newest = before.iter().copied().max().unwrap_or_default();
        let late = rig.standin.post_late(timeline, 5);
        assert_eq!(late.len(), 5);
        let ids = rig.standin.ids(timeline);
        for id in &late {
            assert!(
                *id < newest && *id > before[before.len() - 21],
                "{timeline:?}"
            );
            assert!(ids.contains(id));
            assert!(!before.contains(id));
        }
    }
    let (_, body) = rig.get("statuses/mentions.json", &[("count", "50")]).await;
    let late_created = body["statuses"].as_array().map(|s| {
        s.iter()
            .filter(|s| s["created_at"] != "Sat Nov 28 17:30:00 +0800 2026")
            .count()
    });
    assert_eq!(late_created, Some(5), "late items are dated minutes back");
}

#[tokio::test]
async fn depth_cap_and_shuffled_pages() {
    let options = StandInOptions {
        max_depth: Some(50),
        shuffle_pages: true,
        ..StandInOptions::default()
    };
    let rig = Rig::new(options).await;
    let ids = rig.standin.post_status_mentions(120);
    let (_, body) = rig.get("statuses/mentions.json", &[("count", "200")]).await;
    assert_eq!(body["total_number"], 120);
    let mut page = ids_of(&body, "statuses");
    assert_eq!(page.len(), 50);
    assert!(!page.windows(2).all(|w| w[0] > w[1]), "scrambled");
    page.sort();
    assert_eq!(page, ids[70..]);
    let max = ids[60].to_string();
    let (_, body) = rig.get("statuses/mentions.json", &[("max_id", &max)]).await;
    assert_eq!(
        ids_of(&body, "statuses").len(),
        0,
        "older than the newest 50"
    );
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_shutdown() {
    let rig = Rig::new(StandInOptions::default()).await;
    let (status, body) = rig.get("statuses/home_timeline.json", &[]).await;
    assert_eq!((status, code(&body)), (404, Some(10020)));
    let (status, body) = rig.post("statuses/mentions.json", &[]).await;
    assert_eq!((status, code(&body)), (405, Some(10021)));
    let (status, body) = rig.get("comments/create.json", &[]).await;
    assert_eq!((status, code(&body)), (405, Some(10021)));
    let clone = rig.standin.clone();
    clone.shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fresh = client();
    let gone = fresh
        .get(format!("{}/statuses/mentions.json", rig.standin.api_base()))
        .send()
        .await;
    assert!(gone.is_err());
}
