//! Trending topics end to end: a recorded Weibo stream (saved API pages)
//! replayed with `omnilisten ingest` on its own message time. Two quiet days
//! of ordinary mentions, then a burst of 双十二抢红包失败 from many users,
//! pasted and reposted: one incident ticket with the burst's messages, and
//! one drafted reply per near-duplicate cluster, not one per message.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::support::Tree;

const BACKGROUND: [&str; 6] = [
    "@支付宝 请问余额宝收益什么时候到账？",
    "@支付宝 怎么修改绑定的手机号",
    "@支付宝 账单里有一笔不认识的交易，帮忙看看",
    "@支付宝 芝麻信用分怎么提高",
    "@支付宝 电费缴纳成功了但是显示处理中",
    "@支付宝 客服电话是多少",
];

/// Three ways people wrote the same complaint during the burst.
const BURST: [&str; 3] = [
    "@支付宝 双十二抢红包一直显示系统繁忙，抢不到！#双十二抢红包失败#",
    "@支付宝 红包雨点了没反应，领不到红包，页面一直转圈",
    "@支付宝 抢红包失败了三次，客服也打不通 [怒]",
];

fn created_at(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%a %b %d %H:%M:%S %z %Y")
        .to_string()
}

fn status(id: i64, at: DateTime<Utc>, uid: i64, text: &str) -> Value {
    json!({
        "created_at": created_at(at),
        "id": id,
        "idstr": id.to_string(),
        "mid": id.to_string(),
        "text": text,
        "user": { "id": uid, "idstr": uid.to_string(), "screen_name": format!("用户{uid}") },
        "pic_urls": [],
    })
}

/// When the recorded burst starts (20:00 CST on 双十二).
fn onset() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 12, 12, 0, 0)
        .single()
        .expect("onset")
}

/// A tree with a disabled Weibo connector `wb` whose recorded mentions are
/// in `replay/mentions.json`: two and a half quiet days, the burst, and
/// `extra` statuses (time, user id, text).
pub(crate) fn recorded_tree(extra: &[(DateTime<Utc>, i64, &str)]) -> Tree {
    let tree = Tree::new();
    tree.write("secrets/weibo-token", "not-a-real-token\n");
    tree.write(
        "connectors/wb.toml",
        "kind = \"weibo\"\naccess_token_file = \"secrets/weibo-token\"\nenabled = false\n",
    );
    let start = Utc
        .with_ymd_and_hms(2026, 12, 10, 0, 0, 0)
        .single()
        .expect("start");
    let mut statuses = Vec::new();
    let mut id = 4_900_000_000_000_000_i64;
    let onset = onset();
    // Two and a half days of ordinary mentions, two a minute from 400
    // users, none about red packets; they go on during the burst.
    let mut at = start;
    let mut i = 0_i64;
    let mut burst = 0_i64;
    while at < onset + Duration::minutes(30) {
        id += 17;
        statuses.push(status(id, at, 1000 + i % 400, BACKGROUND[i as usize % 6]));
        i += 1;
        at += Duration::seconds(30);
        // 双十二 20:00 CST: 60 users in 12 minutes, each writing one of
        // three texts; half of them repost with a //@ chain.
        while burst < 60 && onset + Duration::seconds(12 * burst) < at {
            id += 17;
            let when = onset + Duration::seconds(12 * burst);
            let base = BURST[burst as usize % 3];
            let text = if burst % 2 == 0 {
                base.to_string()
            } else {
                format!("同问！{base} //@用户{}:{base}", 5000 + burst - 1)
            };
            statuses.push(status(id, when, 5000 + burst, &text));
            burst += 1;
        }
    }
    for (when, uid, text) in extra {
        id += 17;
        statuses.push(status(id, *when, *uid, text));
    }
    // Weibo pages are newest first.
    statuses.sort_by_key(|s| std::cmp::Reverse(s["id"].as_i64()));
    let page = json!({ "statuses": statuses, "total_number": statuses.len() });
    tree.write("replay/mentions.json", &page.to_string());
    tree
}

pub(crate) async fn replay(tree: &Tree) -> omnilisten::store::Store {
    let config = omnilisten::config::load(&tree.config()).unwrap_or_else(|p| panic!("config: {p}"));
    let summary = omnilisten::ingest::ingest_files(
        &config,
        "wb",
        &[tree.path().join("replay/mentions.json")],
    )
    .await
    .expect("ingest");
    assert!(summary.is_complete(), "{summary:?}");
    crate::support::reopen_store(&tree.path().join("state"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_burst_opens_one_incident_and_one_draft_per_cluster() {
    let tree = recorded_tree(&[]);
    let onset = onset();
    let config = omnilisten::config::load(&tree.config()).unwrap_or_else(|p| panic!("config: {p}"));
    assert!(
        config.rules.topics.len() >= 6,
        "the default topics are loaded"
    );
    let summary = omnilisten::ingest::ingest_files(
        &config,
        "wb",
        &[tree.path().join("replay/mentions.json")],
    )
    .await
    .expect("ingest");
    assert!(summary.is_complete(), "{summary:?}");

    let store = crate::support::reopen_store(&tree.path().join("state"));
    let open = store.open_incidents().expect("incidents");
    assert_eq!(open.len(), 1, "one topic fired: {open:?}");
    let (topic, number) = &open[0];
    assert_eq!(topic, "d12-hongbao-fail");
    let ticket = store
        .ticket(number)
        .expect("read")
        .expect("incident ticket");
    let incident = ticket.incident.clone().expect("incident details");
    assert_eq!(ticket.queue, "campaign-ops");
    assert!(
        incident.fired_at - onset <= Duration::minutes(5),
        "fired {} after the onset",
        incident.fired_at - onset
    );
    let members = store.incident_members(number, 1000).expect("members");
    assert_eq!(members.len(), 60, "every burst message is in the incident");
    assert_eq!(incident.members, 60);
    // Three texts: three clusters, three drafts (all on Weibo), not sixty.
    let drafts = store.drafts(Some(1000)).expect("drafts");
    assert_eq!(drafts.len(), 3, "{drafts:#?}");
    assert_eq!(incident.drafts, 3);
    for draft in &drafts {
        assert!(draft.body.contains("双十二"), "{}", draft.body);
        assert!(draft.body.chars().count() <= 140);
    }
    // Quiet days opened nothing and their messages are in no incident.
    let quiet = store
        .messages(&omnilisten::store::MessageFilter {
            channel: Some(omnilisten::model::Channel::Weibo),
            limit: Some(1000),
        })
        .expect("messages");
    let in_incident = quiet.iter().filter(|m| m.incident.is_some()).count();
    assert!(quiet.len() >= 1000, "the listing holds the newest messages");
    assert_eq!(in_incident, 60);
    assert!(
        quiet
            .iter()
            .filter(|m| m.incident.is_some())
            .all(|m| m.details.category.as_deref() == Some("promotion"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_trends_lists_the_watched_topics_as_messages_flow() {
    let tree = Tree::new();
    let maildir = tree.maildir("help", "mail", "move");
    let daemon = crate::support::Daemon::start(&tree.config()).await;
    let (_, empty) = daemon.get("/api/trends").await;
    assert!(
        empty["as_of"].is_null(),
        "nothing published before a message: {empty}"
    );
    for n in 0..3 {
        let mail = format!(
            "From: user{n}@example.com\r\nTo: help@alipay.com\r\nSubject: hongbao\r\nMessage-ID: <t{n}@example.com>\r\nDate: Sat, 12 Dec 2026 20:0{n}:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n双十二抢红包失败，一直显示系统繁忙\r\n"
        );
        crate::support::deliver(&maildir, &format!("{n}.eml"), mail.as_bytes());
    }
    let trends = daemon
        .wait_json("/api/trends", std::time::Duration::from_secs(20), |t| {
            t["as_of"].is_string()
        })
        .await;
    let topics = trends["topics"].as_array().cloned().unwrap_or_default();
    assert!(topics.len() >= 6, "{trends}");
    let hongbao = topics
        .iter()
        .find(|t| t["id"] == "d12-hongbao-fail")
        .expect("the 双十二 topic is listed");
    assert_eq!(hongbao["title"], "双十二抢红包失败");
    assert_eq!(hongbao["firing"], false, "three authors are no trend");
    assert!(trends["emerging"].is_array());
    daemon.stop().await;
}

/// Per-message rules that act on the incident and on single messages: a
/// page that will not load is not "抢红包失败" in words, but the campaign
/// team wants it on the incident (`join_ticket = "topic:…"`); a question
/// about the hotline gets one drafted answer per cluster of identical
/// questions (`draft_reply`), not one per person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_rules_join_the_incident_and_draft_one_reply_per_cluster() {
    let onset = onset();
    let white: Vec<(DateTime<Utc>, i64, &str)> = (0..5)
        .map(|k| {
            (
                onset + Duration::minutes(20 + k),
                7000 + k,
                "@支付宝 活动页面一直白屏，刷新也没用",
            )
        })
        .collect();
    let tree = recorded_tree(&white);
    tree.write(
        "rules/50-desk.toml",
        r#"
[[rule]]
id = "campaign-page-down"
[rule.when]
channel = ["weibo"]
keywords_any = ["活动页面"]
[rule.then]
join_ticket = "topic:d12-hongbao-fail"

[[rule]]
id = "hotline-answer"
[rule.when]
channel = ["weibo"]
keywords_any = ["客服电话"]
[rule.then]
draft_reply = "hotline"
"#,
    );
    tree.write(
        "rules/templates/hotline.txt",
        "{name}您好，支付宝客服热线 95188，24 小时服务。工单 {ticket}\n",
    );
    let store = replay(&tree).await;

    let open = store.open_incidents().expect("incidents");
    assert_eq!(open.len(), 1, "{open:?}");
    let number = &open[0].1;
    let ticket = store.ticket(number).expect("read").expect("incident");
    let incident = ticket.incident.expect("incident details");
    assert_eq!(
        incident.members, 65,
        "60 burst messages and 5 joined by rule"
    );
    assert_eq!(incident.drafts, 4);
    let members = store.incident_members(number, 1000).expect("members");
    assert_eq!(members.len(), 65);
    let joined: Vec<_> = members
        .iter()
        .filter_map(|id| store.message(*id).expect("read"))
        .filter(|m| m.text.contains("白屏"))
        .collect();
    assert_eq!(joined.len(), 5);
    for m in &joined {
        assert_eq!(m.incident.as_deref(), Some(number.as_str()));
        assert_eq!(
            m.ticket, None,
            "a joined message opens no ticket of its own"
        );
    }

    // The hotline question was asked ~1,200 times by 400 users in one
    // wording: one cluster, one draft, addressed to its first asker.
    let drafts = store.drafts(Some(1000)).expect("drafts");
    let hotline: Vec<_> = drafts.iter().filter(|d| d.body.contains("95188")).collect();
    assert_eq!(hotline.len(), 1, "{hotline:#?}");
    let target = store
        .message(hotline[0].target)
        .expect("read")
        .expect("target");
    assert!(target.text.contains("客服电话"), "{}", target.text);
    let ticket_number = target.ticket.clone().expect("the asker's ticket");
    assert!(
        hotline[0].body.contains(&ticket_number),
        "{}",
        hotline[0].body
    );
    // The joined messages are a fourth cluster of the incident: they get its
    // official reply, not their own.
    assert_eq!(drafts.len(), 5, "four incident drafts and the hotline one");
    let audit = store.audit_for(&hotline[0].id.to_string()).expect("audit");
    assert_eq!(audit[0].actor, "system:rules");
}
