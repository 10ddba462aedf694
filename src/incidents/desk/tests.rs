//! The desk across batches: a firing whose batch fails is acted on again.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::model::{Author, ConnectorId, Details, MailKind, MessageId, ThreadRefs};
use crate::store::StoreOptions;

fn rules(dir: &std::path::Path) -> Arc<RuleSet> {
    let file = dir.join("t.toml");
    std::fs::write(
        &file,
        "[[topic]]\nid = \"refund\"\ntitle = \"退款\"\n[topic.when]\nkeywords_any = [\"退款\"]\n",
    )
    .expect("write rules");
    let mut problems = Vec::new();
    let set = crate::rules::load_files(&[file], dir, &[], &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    Arc::new(set)
}

fn complaint(author: u32, at: DateTime<Utc>) -> Message {
    Message {
        id: MessageId::new(),
        channel: Channel::Weibo,
        connector: ConnectorId("wb".into()),
        native_id: format!("s{author}"),
        author: Author {
            id: format!("u{author}"),
            ..Author::default()
        },
        subject: None,
        text: format!("退款一直没到账 {author}"),
        full_text: None,
        attachments: vec![],
        thread: ThreadRefs::default(),
        sent_at: Some(at),
        received_at: at,
        mail_kind: MailKind::Human,
        details: Details::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 1,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

/// Observes `message` (about the topic or not) in its own batch; applies
/// it unless `fail`.
async fn batch(
    store: &Store,
    desk: &mut TopicDesk,
    rules: &Arc<RuleSet>,
    mut message: Message,
    fail: bool,
) -> DeskReport {
    let mut tx = store.begin().await;
    let topics: &[usize] = if message.text.contains("退款") {
        &[0]
    } else {
        &[]
    };
    let report = desk
        .observe(&mut tx, rules, &mut message, topics, None, &[])
        .expect("observe");
    tx.insert_message(&message, None);
    if fail {
        drop(tx);
        desk.batch_failed();
    } else {
        tx.apply().expect("apply");
        desk.batch_committed();
    }
    report
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 12, 12, 0, 0)
        .single()
        .expect("time")
}

/// Three quiet hours before `start`: five authors a minute, one refund
/// complaint in ten minutes.
async fn quiet_hours(
    store: &Store,
    desk: &mut TopicDesk,
    rules: &Arc<RuleSet>,
    start: DateTime<Utc>,
) {
    let mut at = start - Duration::hours(3);
    let mut k = 10_000_u32;
    while at < start {
        for _ in 0..5 {
            let mut other = complaint(k % 300 + 10_000, at);
            other.text = "余额宝收益什么时候到账".into();
            other.native_id = format!("q{k}");
            k += 1;
            batch(store, desk, rules, other, false).await;
        }
        if (at - start).num_minutes() % 10 == 0 {
            batch(store, desk, rules, complaint(k + 50_000, at), false).await;
            k += 1;
        }
        at += Duration::minutes(1);
    }
}

#[tokio::test]
async fn an_incident_lost_with_its_batch_is_opened_by_the_retry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state"), StoreOptions::default()).expect("open");
    let rules = rules(dir.path());
    let mut desk = TopicDesk::load(&store, TrendsView::default());
    let start = noon();
    quiet_hours(&store, &mut desk, &rules, start).await;
    // A burst of new authors, ten a minute, until the topic fires.
    let mut fired_with = None;
    for n in 0..200_u32 {
        let message = complaint(n, start + Duration::seconds(6 * i64::from(n)));
        let report = batch(&store, &mut desk, &rules, message.clone(), true).await;
        if !report.opened.is_empty() {
            fired_with = Some((n, message));
            break;
        }
        // Not fired: this batch goes through after all.
        batch(&store, &mut desk, &rules, message, false).await;
    }
    let (n, message) = fired_with.expect("the burst fires");
    assert!(
        store.open_incidents().expect("read").is_empty(),
        "the batch failed"
    );

    // The source offers the same message again; the detector does not fire
    // a second time, but the desk acts on the lost firing.
    let report = batch(&store, &mut desk, &rules, message, false).await;
    assert_eq!(report.opened.len(), 1, "{report:?}");
    let open = store.open_incidents().expect("read");
    assert_eq!(open.len(), 1);
    let ticket = store.ticket(&open[0].1).expect("read").expect("ticket");
    let incident = ticket.incident.expect("incident");
    // The members the failed batch had taken were put back and linked.
    let members = store.incident_members(&open[0].1, 1000).expect("members");
    assert!(members.len() as u64 >= 8, "{} members", members.len());
    assert_eq!(incident.members, members.len() as u64);
    assert!(
        members.len() as u32 <= n + 1 + 20,
        "{} members",
        members.len()
    );

    // And a later batch does not open another one.
    let later = complaint(n + 1, start + Duration::seconds(6 * i64::from(n + 1)));
    let report = batch(&store, &mut desk, &rules, later, false).await;
    assert!(report.opened.is_empty());
    assert_eq!(store.open_incidents().expect("read").len(), 1);
}

#[tokio::test]
async fn a_restarted_desk_shows_the_restored_trends_before_any_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state"), StoreOptions::default()).expect("open");
    let rules = rules(dir.path());
    let view = TrendsView::default();
    let mut desk = TopicDesk::load(&store, view.clone());
    let start = noon();
    quiet_hours(&store, &mut desk, &rules, start).await;
    let mut burst = start;
    let mut n = 0_u32;
    while refund_incident(&store).is_none() {
        assert!(n < 200, "the burst fires");
        burst = start + Duration::seconds(6 * i64::from(n));
        batch(&store, &mut desk, &rules, complaint(n, burst), false).await;
        n += 1;
    }
    let number = refund_incident(&store).expect("incident");
    // Alone at the start of its minute, the last message is published with
    // every count, at the minute the restored desk's clock will show.
    let last = Utc
        .timestamp_opt((burst.timestamp().div_euclid(60) + 1) * 60, 0)
        .single()
        .expect("time");
    batch(&store, &mut desk, &rules, complaint(n, last), false).await;
    let before = view.current();
    assert_eq!(before.as_of, Some(last));
    let shown = &before.topics[0];
    assert!(shown.firing);
    assert_eq!(shown.incident.as_deref(), Some(number.as_str()));

    // Shutdown, as the writer does it.
    let mut tx = store.begin().await;
    desk.save(&mut tx);
    tx.commit().await.expect("commit");
    drop(desk);

    let view = TrendsView::default();
    let mut desk = TopicDesk::load(&store, view.clone());
    assert!(view.current().as_of.is_none());
    desk.publish_restored(&store, &rules).expect("publish");
    let after = view.current();
    assert_eq!(after.as_of, Some(last));
    assert_eq!(desk.published_minute, last.timestamp().div_euclid(60));
    assert_eq!(after.topics.len(), 1);
    let topic = &after.topics[0];
    assert_eq!(topic.id, "refund");
    assert_eq!(topic.title, "退款");
    assert!(topic.firing);
    assert_eq!(topic.incident.as_deref(), Some(number.as_str()));
    assert!(topic.last_hour.iter().any(|(_, n)| *n > 0));
    assert_eq!(topic.last_hour, shown.last_hour);
    assert_eq!(topic.last_day, shown.last_day);
    // Showing it opened and ended nothing.
    assert_eq!(
        store.open_incidents().expect("read"),
        vec![("refund".to_string(), number)]
    );
}

#[tokio::test]
async fn a_fresh_store_publishes_nothing_on_restore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state"), StoreOptions::default()).expect("open");
    let rules = rules(dir.path());
    let view = TrendsView::default();
    let mut desk = TopicDesk::load(&store, view.clone());
    desk.publish_restored(&store, &rules).expect("publish");
    let shown = view.current();
    assert!(shown.as_of.is_none());
    assert!(shown.topics.is_empty());
    assert_eq!(desk.published_minute, i64::MIN);
}

/// The incident the refund topic has open.
fn refund_incident(store: &Store) -> Option<String> {
    store
        .open_incidents()
        .expect("read")
        .into_iter()
        .find(|(topic, _)| topic == "refund")
        .map(|(_, number)| number)
}

/// One message in its own applied batch, carrying `terms`.
async fn with_terms(
    store: &Store,
    desk: &mut TopicDesk,
    rules: &Arc<RuleSet>,
    mut message: Message,
    terms: &[&str],
) -> DeskReport {
    let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
    // 退款 makes a message about the refund topic (index 0).
    let topics: &[usize] = if terms.iter().any(|t| t == "退款") {
        &[0]
    } else {
        &[]
    };
    let mut tx = store.begin().await;
    let report = desk
        .observe(&mut tx, rules, &mut message, topics, None, &terms)
        .expect("observe");
    tx.insert_message(&message, None);
    tx.apply().expect("apply");
    desk.batch_committed();
    report
}

fn emerging_rules(dir: &std::path::Path) -> Arc<RuleSet> {
    let file = dir.join("e.toml");
    std::fs::write(
        &file,
        "[emerging]\nquiet_for = \"20m\"\ncooldown = \"6h\"\nignore = [\"双十二\"]\n\n[[topic]]\nid = \"refund\"\n[topic.when]\nkeywords_any = [\"退款\"]\n",
    )
    .expect("write rules");
    let mut problems = Vec::new();
    let set = crate::rules::load_files(&[file], dir, &[], &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    Arc::new(set)
}

const WORDS: [&str; 12] = [
    "余额宝",
    "收益",
    "到账",
    "转账",
    "账单",
    "密码",
    "验证码",
    "手机号",
    "客服",
    "订单",
    "扣款",
    "提现",
];

#[tokio::test]
async fn a_spiking_hashtag_no_topic_names_opens_one_new_topic_ticket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state"), StoreOptions::default()).expect("open");
    let rules = emerging_rules(dir.path());
    let mut desk = TopicDesk::load(&store, TrendsView::default());
    let start = Utc
        .with_ymd_and_hms(2026, 12, 12, 12, 0, 0)
        .single()
        .expect("time");
    let mut k = 0_usize;
    let mut quiet = async |desk: &mut TopicDesk, from: DateTime<Utc>, to: DateTime<Utc>| {
        let mut at = from;
        let mut opened = Vec::new();
        while at < to {
            for _ in 0..5 {
                let terms = [WORDS[k % 12], WORDS[(k * 7 + 3) % 12]];
                let mut m = complaint((k % 300) as u32 + 10_000, at);
                m.native_id = format!("q{k}");
                k += 1;
                opened.extend(with_terms(&store, desk, &rules, m, &terms).await.opened);
            }
            at += Duration::minutes(1);
        }
        opened
    };
    let opened = quiet(&mut desk, start - Duration::hours(3), start).await;
    assert!(opened.is_empty(), "background opened {opened:?}");

    // 40 people in four minutes: a hashtag with a campaign word the team
    // told the rules to ignore; and 40 others about refunds (a topic), whose
    // 转圈 spikes too but is that topic's word.
    let tag = "#蚂蚁森林能量消失#";
    let mut spike = Vec::new();
    let mut opened = Vec::new();
    for n in 0..40_u32 {
        let at = start + Duration::seconds(6 * i64::from(n));
        let m = complaint(20_000 + n, at);
        spike.push(m.id);
        let report = with_terms(&store, &mut desk, &rules, m, &[tag, "双十二"]).await;
        opened.extend(report.opened);
        let m = complaint(25_000 + n, at + Duration::seconds(3));
        let report = with_terms(&store, &mut desk, &rules, m, &["退款", "转圈"]).await;
        opened.extend(report.opened);
    }
    opened.extend(
        quiet(
            &mut desk,
            start + Duration::minutes(4),
            start + Duration::minutes(8),
        )
        .await,
    );
    // The refund topic fires (its incident) and the hashtag gets a new
    // topic; 双十二 (ignored) and 转圈 (the refund burst's word) get none.
    assert_eq!(opened.len(), 2, "{opened:?}");
    let mut open = store.open_incidents().expect("read");
    open.sort();
    assert_eq!(open.len(), 2, "{open:?}");
    assert_eq!(open[0].0, format!("new:{tag}"));
    assert_eq!(open[1].0, "refund");
    let number = &open[0].1;
    let ticket = store.ticket(number).expect("read").expect("ticket");
    assert_eq!(ticket.queue, "incidents");
    assert!(ticket.title.contains(tag), "{}", ticket.title);
    let members = store.incident_members(number, 100).expect("members");
    assert_eq!(members.len(), 40, "the messages that made it spike");
    assert!(spike.iter().all(|id| members.contains(id)));
    let first = store.message(spike[0]).expect("read").expect("message");
    assert_eq!(first.incident.as_deref(), Some(number.as_str()));
    let listed = desk.view.current().new_topics;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ticket, *number);

    // A later message with the tag joins it.
    let later = complaint(30_000, start + Duration::minutes(9));
    let report = with_terms(&store, &mut desk, &rules, later, &[tag]).await;
    assert_eq!(report.linked, 1);

    // Quiet for longer than quiet_for: over; a new spike within the
    // cooldown opens nothing.
    let opened = quiet(
        &mut desk,
        start + Duration::minutes(10),
        start + Duration::minutes(60),
    )
    .await;
    assert!(opened.is_empty());
    let open = store.open_incidents().expect("read");
    assert!(open.iter().all(|(k, _)| !k.starts_with("new:")), "{open:?}");
    let ticket = store.ticket(number).expect("read").expect("ticket");
    assert!(ticket.incident.and_then(|i| i.resolved_at).is_some());
    let again = start + Duration::hours(1);
    // Bigger than the first (its baseline now holds the first spike).
    let mut opened = Vec::new();
    for n in 0..120_u32 {
        let m = complaint(40_000 + n, again + Duration::seconds(2 * i64::from(n)));
        opened.extend(
            with_terms(&store, &mut desk, &rules, m, &[tag])
                .await
                .opened,
        );
    }
    opened.extend(
        quiet(
            &mut desk,
            again + Duration::minutes(4),
            again + Duration::minutes(8),
        )
        .await,
    );
    assert!(opened.is_empty(), "cooldown: {opened:?}");
}
