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

#[tokio::test]
async fn an_incident_lost_with_its_batch_is_opened_by_the_retry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state"), StoreOptions::default()).expect("open");
    let rules = rules(dir.path());
    let mut desk = TopicDesk::load(&store, TrendsView::default());
    let start = Utc
        .with_ymd_and_hms(2026, 12, 12, 12, 0, 0)
        .single()
        .expect("time");
    // Three quiet hours: five authors a minute, one refund complaint in ten minutes.
    let mut at = start - Duration::hours(3);
    let mut k = 10_000_u32;
    while at < start {
        for _ in 0..5 {
            let mut other = complaint(k % 300 + 10_000, at);
            other.text = "余额宝收益什么时候到账".into();
            other.native_id = format!("q{k}");
            k += 1;
            batch(&store, &mut desk, &rules, other, false).await;
        }
        if (at - start).num_minutes() % 10 == 0 {
            batch(&store, &mut desk, &rules, complaint(k + 50_000, at), false).await;
            k += 1;
        }
        at += Duration::minutes(1);
    }
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
