//! Ticket operations: lifecycle, assignment, notes, replies by email, views.

use super::*;
use crate::store::OutboxState;

#[tokio::test]
async fn tickets_follow_the_lifecycle_and_closed_is_final() {
    let f = fixture();
    let desk = f.desk();
    let number = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "a@x.cn", Utc::now())],
    )
    .await;
    let me = agent();
    use TicketState::*;
    for (to, expected) in [
        (Open, New),
        (Pending, Open),
        (Open, Pending),
        (Resolved, Open),
        (Open, Resolved),
        (Resolved, Open),
        (Closed, Resolved),
    ] {
        let now = desk
            .set_ticket_state(&me, &number, to, Some(expected))
            .await
            .expect("allowed");
        assert_eq!(now, to);
    }
    for to in [New, Open, Pending, Resolved] {
        match desk.set_ticket_state(&me, &number, to, None).await {
            Err(DeskError::Invalid(why)) => assert!(why.contains("closed is final"), "{why}"),
            other => panic!("closed → {to:?} must be refused: {other:?}"),
        }
    }
    // Closed again: a no-op, no audit entry.
    let before = audits(&f.store, &number, "ticket.state").len();
    assert_eq!(
        desk.set_ticket_state(&me, &number, Closed, Some(Open))
            .await
            .expect("no-op"),
        Closed
    );
    assert_eq!(audits(&f.store, &number, "ticket.state").len(), before);
    assert_eq!(before, 7);
    let stats = f.store.stats();
    assert_eq!(stats.tickets.by_state.get("closed"), Some(&1));
    assert_eq!(stats.tickets.by_state.get("new"), Some(&0));
}

#[tokio::test]
async fn new_cannot_go_back_and_a_stale_expected_state_is_a_conflict() {
    let f = fixture();
    let desk = f.desk();
    let number = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "a@x.cn", Utc::now())],
    )
    .await;
    let me = agent();
    desk.set_ticket_state(&me, &number, TicketState::Resolved, Some(TicketState::New))
        .await
        .expect("resolve");
    // Another agent still sees `new` and tries to open it.
    match desk
        .set_ticket_state(&me, &number, TicketState::Pending, Some(TicketState::New))
        .await
    {
        Err(DeskError::Conflict { current }) => assert_eq!(current, "resolved"),
        other => panic!("expected a conflict: {other:?}"),
    }
    match desk
        .set_ticket_state(&me, &number, TicketState::New, None)
        .await
    {
        Err(DeskError::Invalid(why)) => assert!(why.contains("cannot become new"), "{why}"),
        other => panic!("nothing goes back to new: {other:?}"),
    }
    assert!(matches!(
        desk.set_ticket_state(&me, "20991231-000001", TicketState::Open, None)
            .await,
        Err(DeskError::NotFound(_))
    ));
}

#[tokio::test]
async fn each_change_writes_one_audit_entry_with_before_and_after() {
    let f = fixture();
    let desk = f.desk();
    let number = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "a@x.cn", Utc::now())],
    )
    .await;
    let me = agent();
    desk.set_ticket_state(&me, &number, TicketState::Open, Some(TicketState::New))
        .await
        .expect("open");
    desk.assign_ticket(&me, &number, Some("bob"))
        .await
        .expect("assign");
    desk.assign_ticket(&me, &number, Some("bob"))
        .await
        .expect("same: no-op");
    desk.assign_ticket(&me, &number, None)
        .await
        .expect("unassign");
    let trail = f.store.audit_for(&number).expect("audit");
    let summary: Vec<_> = trail
        .iter()
        .map(|a| {
            (
                a.actor.as_str(),
                a.action.as_str(),
                a.before.clone(),
                a.after.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "alice",
                "ticket.state",
                Some(serde_json::json!({"state": "new"})),
                Some(serde_json::json!({"state": "open"}))
            ),
            (
                "alice",
                "ticket.assigned",
                Some(serde_json::json!({"assignee": null})),
                Some(serde_json::json!({"assignee": "bob"}))
            ),
            (
                "alice",
                "ticket.assigned",
                Some(serde_json::json!({"assignee": "bob"})),
                Some(serde_json::json!({"assignee": null}))
            ),
        ]
    );
    assert!(trail.iter().all(|a| a.subject == number));
    assert!(matches!(
        desk.assign_ticket(&me, &number, Some(UNASSIGNED)).await,
        Err(DeskError::Invalid(_))
    ));
}

#[tokio::test]
async fn notes_need_text_and_are_audited_once() {
    let f = fixture();
    let desk = f.desk();
    let number = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "a@x.cn", Utc::now())],
    )
    .await;
    assert!(matches!(
        desk.add_note(&agent(), &number, "  ").await,
        Err(DeskError::Invalid(_))
    ));
    let id = desk
        .add_note(&agent(), &number, "已联系银行")
        .await
        .expect("note");
    let notes = f.store.notes(&number).expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].id, notes[0].author.as_str(), notes[0].internal),
        (id, "alice", true)
    );
    assert_eq!(audits(&f.store, &number, "note.added").len(), 1);
    assert!(matches!(
        desk.add_note(&agent(), "20991231-000001", "x").await,
        Err(DeskError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_reply_by_email_queues_one_mail_threaded_under_the_last_customer_mail() {
    let f = fixture();
    let desk = f.desk();
    let first = message(
        Channel::Email,
        "xiaoming@example.cn",
        Utc::now() - minutes(30),
    );
    let mut follow_up = message(
        Channel::Email,
        "xiaoming@example.cn",
        Utc::now() - minutes(5),
    );
    follow_up.subject = Some("Re: [#PLACEHOLDER] 转账转错了".into());
    follow_up.thread = ThreadRefs {
        in_reply_to: vec![first.native_id.clone()],
        references: vec![first.native_id.clone()],
    };
    let mut bounce = message(Channel::Email, "mailer-daemon@example.cn", Utc::now());
    bounce.mail_kind = MailKind::Bounce {
        reason: "report".into(),
        original_message_id: None,
    };
    let (first_native, follow_native, follow_id) = (
        first.native_id.clone(),
        follow_up.native_id.clone(),
        follow_up.id,
    );
    let number = seed_ticket(&f.store, "email", vec![first, follow_up, bounce]).await;
    let mail_wake = Arc::new(Notify::new());
    let desk = desk.with_mail(ReplyMail {
        message_id_domain: "omni.alipay.com".into(),
        wake: Some(mail_wake.clone()),
    });
    let id = desk
        .reply_by_email(&agent(), &number, "您好，款项已追回。")
        .await
        .expect("reply");

    let pending = f.store.outbox_in_state("pending").expect("outbox");
    assert_eq!(pending.len(), 1, "exactly one mail for the SMTP sender");
    let entry = &pending[0];
    assert_eq!(entry.id, id);
    assert_eq!(entry.state, OutboxState::Pending);
    let mail = &entry.mail;
    assert_eq!(mail.kind, crate::outbound::OutgoingKind::Reply);
    assert_eq!(mail.ticket.as_deref(), Some(number.as_str()));
    assert_eq!(mail.answers, Some(follow_id));
    assert_eq!(mail.to.address, "xiaoming@example.cn");
    assert_eq!(mail.in_reply_to.as_deref(), Some(follow_native.as_str()));
    assert_eq!(mail.references, vec![first_native, follow_native]);
    assert!(
        mail.subject.starts_with(&format!("[#{number}] ")),
        "{}",
        mail.subject
    );
    assert_eq!(mail.body, "您好，款项已追回。");
    // The customer's answer to our mail joins the ticket by In-Reply-To.
    assert_eq!(
        f.store
            .find_native(Channel::Email, &mail.message_id)
            .expect("read"),
        Some(follow_id)
    );

    let view = desk.ticket(&number).expect("view");
    assert_eq!(view.ticket.state, TicketState::Pending);
    assert_eq!(view.outbox.len(), 1);
    let replied = audits(&f.store, &number, "ticket.replied");
    assert_eq!(replied.len(), 1);
    assert_eq!(replied[0].before, Some(serde_json::json!({"state": "new"})));
    assert_eq!(
        f.store.audit_for(&number).expect("audit").len(),
        1,
        "one change, one entry"
    );
    tokio::time::timeout(std::time::Duration::from_secs(1), mail_wake.notified())
        .await
        .expect("the outbox sender is woken");
}

#[tokio::test]
async fn a_reply_by_email_is_refused_for_chat_tickets_closed_ones_and_without_smtp() {
    let f = fixture();
    let desk = f.desk();
    let chat = seed_ticket(
        &f.store,
        "wechat",
        vec![message(Channel::Wechat, "oUser", Utc::now())],
    )
    .await;
    match desk.reply_by_email(&agent(), &chat, "您好").await {
        Err(DeskError::Invalid(why)) => assert!(why.contains("WeChat"), "{why}"),
        other => panic!("a WeChat ticket has no mail to answer: {other:?}"),
    }
    let mail = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "a@x.cn", Utc::now())],
    )
    .await;
    desk.set_ticket_state(&agent(), &mail, TicketState::Closed, None)
        .await
        .expect("close");
    assert!(matches!(
        desk.reply_by_email(&agent(), &mail, "您好").await,
        Err(DeskError::Invalid(_))
    ));
    let no_smtp = Desk::new(f.store.clone(), f.wake.clone());
    assert!(matches!(
        no_smtp.reply_by_email(&agent(), &mail, "您好").await,
        Err(DeskError::Invalid(_))
    ));
    assert!(
        f.store
            .outbox_in_state("pending")
            .expect("outbox")
            .is_empty()
    );
    assert_eq!(audits(&f.store, &chat, "ticket.replied").len(), 0);
}

#[tokio::test]
async fn a_ticket_view_has_its_thread_notes_trail_and_incident_members() {
    let f = fixture();
    let desk = f.desk();
    let at = Utc::now();
    let number = seed_ticket(
        &f.store,
        "email",
        vec![
            message(Channel::Email, "a@x.cn", at - minutes(2)),
            message(Channel::Email, "a@x.cn", at),
        ],
    )
    .await;
    desk.add_note(&agent(), &number, "先核实身份")
        .await
        .expect("note");
    let view = desk.ticket(&number).expect("view");
    assert_eq!(view.messages.len(), 2);
    assert!(view.messages[0].received_at < view.messages[1].received_at);
    assert_eq!(view.messages[0].details.order_numbers.len(), 1);
    assert_eq!(view.notes.len(), 1);
    assert_eq!(view.audit.len(), 1);
    assert!(view.incident.is_none());

    let incident = seed_incident(&f.store, "红包领取失败", at).await;
    let mut tx = f.store.begin().await;
    for _ in 0..3 {
        let m = message(Channel::Weibo, "1234567", Utc::now());
        tx.insert_message(&m, None);
        tx.add_incident_member(&incident, m.id);
    }
    tx.commit().await.expect("commit");
    let view = desk.ticket(&incident).expect("view");
    let members = view.incident.expect("incident summary");
    assert_eq!(members.recent.len(), 3);
    assert!(members.recent[0].id > members.recent[2].id, "newest first");
    assert!(matches!(
        desk.ticket("20991231-000001"),
        Err(DeskError::NotFound(_))
    ));
}

#[tokio::test]
async fn the_queue_pages_newest_updated_first_by_cursor() {
    let f = fixture();
    let desk = f.desk();
    let start = Utc::now() - Duration::hours(5);
    let mut numbers = Vec::new();
    for i in 0..7 {
        let m = message(Channel::Email, &format!("c{i}@x.cn"), start + minutes(i));
        numbers.push(seed_ticket(&f.store, "email", vec![m]).await);
    }
    // Touching the oldest moves it to the top.
    desk.add_note(&agent(), &numbers[0], "跟进")
        .await
        .expect("note");
    let mut seen = Vec::new();
    let mut query = TicketQuery {
        limit: Some(3),
        ..TicketQuery::default()
    };
    loop {
        let page = desk.tickets(&query).expect("page");
        seen.extend(page.items.into_iter().map(|t| t.number));
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    let mut expected: Vec<String> = numbers[1..].iter().rev().cloned().collect();
    expected.insert(0, numbers[0].clone());
    assert_eq!(seen, expected);
    query.cursor = Some("not-hex".into());
    assert!(matches!(desk.tickets(&query), Err(DeskError::Invalid(_))));
}

#[test]
fn a_query_from_a_form_reads_blank_selects_as_no_filter() {
    let query: TicketQuery = serde_json::from_value(serde_json::json!({
        "state": "", "priority": "high", "queue": "", "assignee": "-"
    }))
    .expect("query");
    assert_eq!((query.state, query.priority), (None, Some(Priority::High)));
    let query: TicketQuery = serde_json::from_value(serde_json::json!({})).expect("empty");
    assert_eq!(query.state, None);
    assert!(serde_json::from_value::<TicketQuery>(serde_json::json!({"state": "bogus"})).is_err());
}
