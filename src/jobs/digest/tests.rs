//! The digest: its text from a constructed trends view and store, one
//! ticket per China day, one note per run.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::incidents::{Published, TopicView, TrendsView};
use crate::model::{
    Author, Channel, ConnectorId, Details, Incident, MailKind, Message, MessageId, ThreadRefs,
};
use crate::store::{StoreOptions, TicketFilter};
use crate::trends::EmergingTerm;

/// 2026-11-28 09:00 in Beijing.
fn morning() -> DateTime<Utc> {
    china_time()
        .with_ymd_and_hms(2026, 11, 28, 9, 0, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn open_store(dir: &std::path::Path) -> Store {
    let options = StoreOptions {
        fsync: false,
        ..StoreOptions::default()
    };
    Store::open(dir, options).expect("open")
}

fn message(channel: Channel, at: DateTime<Utc>) -> Message {
    Message {
        id: MessageId::new(),
        channel,
        connector: ConnectorId("t".into()),
        native_id: MessageId::new().to_string(),
        author: Author::default(),
        subject: None,
        text: "余额宝收益没到账".into(),
        full_text: None,
        attachments: vec![],
        thread: ThreadRefs::default(),
        sent_at: None,
        received_at: at,
        mail_kind: MailKind::Human,
        details: Details::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

fn incident_ticket(number: &str, topic: &str, state: TicketState, at: DateTime<Utc>) -> Ticket {
    Ticket {
        number: TicketNumber(number.into()),
        queue: "incidents".into(),
        priority: Priority::High,
        state,
        title: format!("【趋势】{topic}"),
        requester: "system:trends".into(),
        messages: vec![],
        assignee: None,
        created_at: at,
        updated_at: at,
        incident: Some(Incident {
            topic: topic.into(),
            title: topic.into(),
            onset: at - Duration::minutes(20),
            fired_at: at,
            count: 40,
            baseline: 2.5,
            p_value: 1e-9,
            window_minutes: 10,
            members: 57,
            drafts: 3,
            resolved_at: None,
        }),
    }
}

fn topic(id: &str, title: &str, last_day: u64, incident: Option<&str>) -> TopicView {
    TopicView {
        id: id.into(),
        title: title.into(),
        firing: incident.is_some(),
        incident: incident.map(String::from),
        last_hour: vec![],
        last_day,
    }
}

fn trends(now: DateTime<Utc>) -> TrendsView {
    let view = TrendsView::default();
    view.publish(Published {
        as_of: Some(now - Duration::minutes(1)),
        topics: vec![
            topic("huabei", "花呗还款", 56, None),
            topic("yuebao", "余额宝收益未到账", 1234, Some("20261128-000001")),
            topic("quiet", "安静的话题", 0, None),
        ],
        emerging: vec![EmergingTerm {
            term: "双十一红包".into(),
            count: 85,
            authors: 60,
            baseline: 3.2,
            score: 12.34,
        }],
        ..Published::default()
    });
    view
}

/// A store with messages and three incident tickets: one firing, one
/// resolved but open, one closed.
async fn seeded(dir: &std::path::Path, now: DateTime<Utc>) -> Store {
    let store = open_store(dir);
    let mut tx = store.begin().await;
    for _ in 0..3 {
        tx.insert_message(&message(Channel::Wechat, now), None);
    }
    tx.insert_message(&message(Channel::Email, now), None);
    // Numbered by the day's counter, as the trend desk does.
    let number = crate::tickets::next_number(&mut tx, now).expect("number");
    assert_eq!(number.0, "20261128-000001");
    let firing = incident_ticket(&number.0, "余额宝收益未到账", TicketState::New, now);
    let mut resolved = incident_ticket(
        "20261127-000004",
        "花呗还款",
        TicketState::Open,
        now - Duration::days(1),
    );
    if let Some(i) = resolved.incident.as_mut() {
        i.resolved_at = Some(now - Duration::hours(20));
    }
    let closed = incident_ticket(
        "20261120-000002",
        "转账失败",
        TicketState::Closed,
        now - Duration::days(8),
    );
    for ticket in [&firing, &resolved, &closed] {
        crate::tickets::insert_new(&mut tx, ticket);
    }
    tx.set_open_incident("yuebao", Some("20261128-000001"));
    tx.commit().await.expect("commit");
    store
}

fn digest_tickets(store: &Store) -> Vec<Ticket> {
    let filter = TicketFilter {
        queue: Some("incidents".into()),
        ..TicketFilter::default()
    };
    store
        .tickets(&filter)
        .expect("tickets")
        .into_iter()
        .filter(|t| t.requester == DIGEST_AUTHOR)
        .collect()
}

#[tokio::test]
async fn the_digest_lists_topics_by_volume_terms_open_incidents_and_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = morning();
    let store = seeded(dir.path(), now).await;
    let report = run_digest(&store, &trends(now), "incidents", now)
        .await
        .expect("digest");
    let notes = store.notes(&report.ticket).expect("notes");
    assert_eq!(notes.len(), 1);
    let body = &notes[0].body;
    assert!(notes[0].internal);
    assert_eq!(notes[0].author, DIGEST_AUTHOR);

    assert!(
        body.starts_with("【每日摘要】2026-11-28（2026-11-28 09:00 北京时间）"),
        "{body}"
    );
    // Busiest topic first, with its incident; the quiet one last.
    let yuebao = body.find("1. 余额宝收益未到账：1234，正在上升，事件单 20261128-000001");
    let huabei = body.find("2. 花呗还款：56");
    let quiet = body.find("3. 安静的话题：0");
    assert!(
        yuebao.is_some() && huabei.is_some() && quiet.is_some(),
        "{body}"
    );
    assert!(yuebao < huabei && huabei < quiet, "{body}");
    assert!(
        body.contains("1. 「双十一红包」85 条消息，约 60 位用户（预期 3.2，得分 12.3）"),
        "{body}"
    );
    // Open incidents, newest first; the closed one is not listed.
    let firing = body.find("- 20261128-000001 【趋势】余额宝收益未到账［新建］：关联 57 条消息，草稿 3 份；话题仍在上升（始于 2026-11-28 08:40）");
    let resolved = body.find("- 20261127-000004 【趋势】花呗还款［处理中］：关联 57 条消息，草稿 3 份；话题已于 2026-11-27 13:00 平息");
    assert!(
        firing.is_some() && resolved.is_some() && firing < resolved,
        "{body}"
    );
    assert!(!body.contains("20261120-000002"), "{body}");
    assert!(
        body.contains("消息累计 4 条（email 1、wechat 3、weibo 0）"),
        "{body}"
    );
    assert!(
        body.contains("工单累计 3 张（新建 1、处理中 1、等待中 0、已解决 0、已关闭 1）"),
        "{body}"
    );
    // Nothing to compare with on the first day.
    assert!(!body.contains("自上次摘要"), "{body}");
}

#[tokio::test]
async fn a_day_gets_one_ticket_and_every_run_adds_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = morning();
    let store = seeded(dir.path(), now).await;
    let view = trends(now);

    let first = run_digest(&store, &view, "incidents", now)
        .await
        .expect("digest");
    assert!(first.opened);
    let later = now + Duration::hours(6);
    let second = run_digest(&store, &view, "incidents", later)
        .await
        .expect("digest");
    assert!(!second.opened);
    assert_eq!(second.ticket, first.ticket);

    let tickets = digest_tickets(&store);
    assert_eq!(tickets.len(), 1);
    let ticket = &tickets[0];
    assert_eq!(ticket.title, "【每日摘要】2026-11-28");
    assert_eq!(ticket.priority, Priority::Low);
    assert_eq!(ticket.state, TicketState::New);
    assert_eq!(ticket.number.0, "20261128-000002");
    assert_eq!(ticket.updated_at, later);
    let notes = store.notes(&first.ticket).expect("notes");
    assert_eq!(
        notes.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![first.note, second.note]
    );
    let actions: Vec<String> = store
        .audit_for(&first.ticket)
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["digest.opened", "note.added", "note.added"]);
    assert_eq!(store.stats().tickets.total, 4);

    // 16:00 UTC is already the next day in Beijing: a new ticket.
    let tomorrow = now + Duration::hours(15);
    let third = run_digest(&store, &view, "incidents", tomorrow)
        .await
        .expect("digest");
    assert!(third.opened);
    assert_ne!(third.ticket, first.ticket);
    assert!(third.ticket.starts_with("20261129-"));
    assert_eq!(digest_tickets(&store).len(), 2);
}

#[tokio::test]
async fn the_next_day_says_how_many_messages_arrived_since() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = morning();
    let store = seeded(dir.path(), now).await;
    let view = TrendsView::default();
    run_digest(&store, &view, "incidents", now)
        .await
        .expect("digest");
    let mut tx = store.begin().await;
    for _ in 0..2 {
        tx.insert_message(&message(Channel::Weibo, now), None);
    }
    tx.commit().await.expect("commit");
    let tomorrow = now + Duration::days(1);
    let report = run_digest(&store, &view, "incidents", tomorrow)
        .await
        .expect("digest");
    let notes = store.notes(&report.ticket).expect("notes");
    let body = &notes[0].body;
    assert!(
        body.contains("自上次摘要（2026-11-28 09:00）以来新增 2 条（email 0、wechat 0、weibo 2）"),
        "{body}"
    );
    // Nothing published since the start: said so rather than an empty list.
    assert!(body.contains("暂无趋势数据"), "{body}");
}
