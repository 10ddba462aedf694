//! The writer's step against a real store: one transaction holds the ticket,
//! the outbox entry and the cap; replies to our acknowledgement thread back.

use chrono::Utc;

use super::*;
use crate::config::{AcknowledgementConfig, SmtpConfig, SmtpTls};
use crate::model::{Author, ConnectorId, Details, MailKind, MessageId, ThreadRefs};
use crate::rules::Actions;
use crate::store::{OutboxFilter, Store, StoreOptions};
use crate::tickets::{self, TicketChange};

fn acknowledger(cap: u32) -> Acknowledger {
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port: 2525,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "支付宝客服 <help@alipay.com>".parse().expect("from"),
        message_id_domain: "omni.alipay.com".into(),
        timeout: std::time::Duration::from_secs(5),
    };
    let ack = AcknowledgementConfig {
        enabled: true,
        body: Template::parse("工单 {ticket}").ok(),
        per_sender_per_hour: cap,
        ..AcknowledgementConfig::default()
    };
    Acknowledger::new(&smtp, &ack, Arc::new(Notify::new()), Metrics::new()).expect("enabled")
}

fn mail(native: &str, from: &str, subject: &str, in_reply_to: &[&str]) -> Message {
    Message {
        id: MessageId::new(),
        channel: Channel::Email,
        connector: ConnectorId("inbox".into()),
        native_id: native.into(),
        author: Author {
            id: from.into(),
            name: None,
            address: Some(from.into()),
        },
        subject: Some(subject.into()),
        text: "请帮忙".into(),
        full_text: None,
        attachments: vec![],
        thread: ThreadRefs {
            in_reply_to: in_reply_to.iter().map(|s| s.to_string()).collect(),
            references: vec![],
        },
        sent_at: None,
        received_at: Utc::now(),
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

fn opens_tickets() -> Actions {
    Actions {
        open_ticket: true,
        ..Actions::default()
    }
}

/// What the writer does with one message: assign, acknowledge, store.
async fn ingest(
    store: &Store,
    ack: &Acknowledger,
    mut m: Message,
    historical: bool,
) -> TicketChange {
    let mut tx = store.begin().await;
    let change = tickets::assign(&mut tx, &mut m, &opens_tickets()).expect("assign");
    if let TicketChange::Opened { number } = &change {
        ack.consider(&mut tx, historical, &m, number)
            .expect("consider");
    }
    tx.insert_message(&m, None);
    tx.commit().await.expect("commit");
    change
}

fn open_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
    (dir, store)
}

#[tokio::test]
async fn a_reply_to_our_acknowledgement_joins_the_ticket_by_message_id_alone() {
    let (_dir, store) = open_store();
    let ack = acknowledger(3);
    let opened = ingest(&store, &ack, mail("a@x.cn", "c@x.cn", "退款", &[]), false).await;
    let TicketChange::Opened { number } = opened else {
        panic!("expected a new ticket: {opened:?}");
    };
    let outbox = store.outbox(&OutboxFilter::default()).expect("outbox");
    assert_eq!(outbox.len(), 1);
    let ours = outbox[0].mail.message_id.clone();
    // The reply lost the [#number] (some clients rewrite subjects) and its
    // References; only In-Reply-To names our acknowledgement.
    let reply = mail("r@x.cn", "c@x.cn", "回复：收到", &[ours.as_str()]);
    let joined = ingest(&store, &ack, reply, false).await;
    assert_eq!(
        joined,
        TicketChange::Joined {
            number,
            via: "in-reply-to",
            reopened: false
        }
    );
    assert_eq!(
        store
            .outbox(&OutboxFilter::default())
            .expect("outbox")
            .len(),
        1
    );
}

#[tokio::test]
async fn the_cap_is_exact_across_transactions_and_history_is_never_acknowledged() {
    let (_dir, store) = open_store();
    let ack = acknowledger(3);
    for i in 0..6 {
        let m = mail(
            &format!("robot{i}@x.cn"),
            "robot@x.cn",
            &format!("第{i}封"),
            &[],
        );
        ingest(&store, &ack, m, false).await;
    }
    ingest(
        &store,
        &ack,
        mail("old@x.cn", "old@x.cn", "旧邮件", &[]),
        true,
    )
    .await;
    let outbox = store.outbox(&OutboxFilter::default()).expect("outbox");
    assert_eq!(outbox.len(), 3, "{outbox:#?}");
    assert!(outbox.iter().all(|e| e.mail.to.address == "robot@x.cn"));
    assert_eq!(store.stats().tickets.total, 7);
}

#[tokio::test]
async fn a_dropped_transaction_takes_the_decision_and_the_count_with_it() {
    let (_dir, store) = open_store();
    let ack = acknowledger(1);
    {
        let mut tx = store.begin().await;
        let mut m = mail("a@x.cn", "c@x.cn", "退款", &[]);
        let change = tickets::assign(&mut tx, &mut m, &opens_tickets()).expect("assign");
        let TicketChange::Opened { number } = change else {
            panic!("expected a new ticket");
        };
        ack.consider(&mut tx, false, &m, &number).expect("consider");
        // Dropped, as when a batch fails: nothing of it may remain.
    }
    assert!(
        store
            .outbox(&OutboxFilter::default())
            .expect("outbox")
            .is_empty()
    );
    ingest(&store, &ack, mail("b@x.cn", "c@x.cn", "退款", &[]), false).await;
    assert_eq!(
        store
            .outbox(&OutboxFilter::default())
            .expect("outbox")
            .len(),
        1
    );
}
