//! The acknowledgement as built and as it reads back through our own parser.

use chrono::Utc;

use super::*;
use crate::model::{Author, Channel, ConnectorId, Details, MailKind, MessageId, ThreadRefs};

fn customer_mail(native_id: &str, subject: Option<&str>, thread: ThreadRefs) -> Message {
    Message {
        id: MessageId::new(),
        channel: Channel::Email,
        connector: ConnectorId("inbox".into()),
        native_id: native_id.into(),
        author: Author {
            id: "xiaoming@example.cn".into(),
            name: Some("王小明".into()),
            address: Some("XiaoMing@example.cn".into()),
        },
        subject: subject.map(str::to_owned),
        text: "我转错账了".into(),
        full_text: None,
        attachments: vec![],
        thread,
        sent_at: None,
        received_at: Utc::now(),
        mail_kind: MailKind::Human,
        details: Details::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 10,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

fn template() -> Template {
    Template::parse("{name}您好，工单 {ticket}：{subject}").expect("template")
}

fn ticket() -> TicketNumber {
    TicketNumber("20261127-000042".into())
}

#[test]
fn the_acknowledgement_threads_under_the_customers_mail() {
    let thread = ThreadRefs {
        in_reply_to: vec!["root@x.cn".into()],
        references: vec!["root@x.cn".into()],
    };
    let m = customer_mail("a@x.cn", Some("转账转错了"), thread);
    let ack = acknowledgement(&m, &ticket(), &template(), "omni.alipay.com").expect("ack");
    assert_eq!(ack.subject, "[#20261127-000042] 转账转错了");
    assert_eq!(ack.body, "王小明您好，工单 20261127-000042：转账转错了");
    assert_eq!(ack.to.address, "XiaoMing@example.cn");
    assert_eq!(ack.in_reply_to.as_deref(), Some("a@x.cn"));
    assert_eq!(ack.references, ["root@x.cn", "a@x.cn"]);
    assert!(ack.message_id.ends_with("@omni.alipay.com"));
    assert_eq!(ack.answers, Some(m.id));
    assert_eq!(ack.ticket.as_deref(), Some("20261127-000042"));
}

#[test]
fn no_subject_no_message_id_and_no_name_have_defaults() {
    let mut m = customer_mail("blake3:00ff", None, ThreadRefs::default());
    m.author.name = None;
    let ack = acknowledgement(&m, &ticket(), &template(), "omni.alipay.com").expect("ack");
    assert_eq!(ack.subject, format!("[#20261127-000042] {EMPTY_SUBJECT}"));
    assert!(ack.body.starts_with(NAME_FALLBACK));
    // A made-up native id is nothing a mail client could thread on.
    assert_eq!(ack.in_reply_to, None);
    assert!(ack.references.is_empty());
    m.author.address = None;
    m.author.id = String::new();
    assert!(acknowledgement(&m, &ticket(), &template(), "d").is_none());
}

#[test]
fn long_reference_chains_keep_their_root_and_newest_ids() {
    let refs: Vec<String> = (0..40).map(|i| format!("r{i}@x")).collect();
    let thread = ThreadRefs {
        in_reply_to: vec![],
        references: refs,
    };
    let m = customer_mail("last@x", Some("s"), thread);
    let ack = acknowledgement(&m, &ticket(), &template(), "d").expect("ack");
    assert_eq!(ack.references.len(), MAX_REFERENCES);
    assert_eq!(ack.references[0], "r0@x");
    assert_eq!(ack.references.last().map(String::as_str), Some("last@x"));
}

#[test]
fn the_rendered_mail_is_ascii_and_reads_back_as_an_automatic_reply() {
    let m = customer_mail(
        "a@x.cn",
        Some("花呗还款失败，请帮忙"),
        ThreadRefs::default(),
    );
    let ack = acknowledgement(&m, &ticket(), &template(), "omni.alipay.com").expect("ack");
    let from: Mailbox = "支付宝客服 <help@alipay.com>".parse().expect("from");
    let rendered = render(&ack, &from, Utc::now()).expect("render");
    assert!(rendered.bytes.is_ascii(), "no 8BITMIME needed");
    assert_eq!(rendered.envelope.to().len(), 1);
    let text = String::from_utf8_lossy(&rendered.bytes);
    assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");
    assert!(text.contains("X-Auto-Response-Suppress: All"), "{text}");
    assert!(!text.contains("Precedence"), "{text}");

    let parsed = crate::email::parse(&rendered.bytes, 1 << 20).expect("parses");
    assert_eq!(parsed.subject.as_deref(), Some(ack.subject.as_str()));
    assert_eq!(parsed.message_id.as_deref(), Some(ack.message_id.as_str()));
    assert_eq!(parsed.thread.in_reply_to, ["a@x.cn"]);
    assert_eq!(parsed.thread.references, ["a@x.cn"]);
    assert_eq!(parsed.from.name.as_deref(), Some("支付宝客服"));
    assert_eq!(parsed.full_text.trim_end(), ack.body);
    // Should our own mail ever come back in, it is not a person's mail.
    assert!(
        matches!(parsed.kind, MailKind::AutoReply { .. }),
        "{:?}",
        parsed.kind
    );
}

#[test]
fn a_bad_recipient_is_a_render_error_not_a_panic() {
    let mut ack = acknowledgement(
        &customer_mail("a@x", Some("s"), ThreadRefs::default()),
        &ticket(),
        &template(),
        "d",
    )
    .expect("ack");
    ack.to.address = "not an address".into();
    let from: Mailbox = "help@alipay.com".parse().expect("from");
    assert!(matches!(
        render(&ack, &from, Utc::now()),
        Err(RenderError::Recipient { .. })
    ));
    ack.to.address = "a@x.cn".into();
    ack.headers.push(("Bad: Name".into(), "v".into()));
    assert!(matches!(
        render(&ack, &from, Utc::now()),
        Err(RenderError::Build(_))
    ));
}

#[test]
fn an_agent_reply_threads_under_the_follow_up_without_robot_headers() {
    let thread = ThreadRefs {
        in_reply_to: vec!["ack@omni.alipay.com".into()],
        references: vec!["a@x.cn".into(), "ack@omni.alipay.com".into()],
    };
    let m = customer_mail(
        "b@x.cn",
        Some("Re: 回复：[#20261127-000042] 转账转错了"),
        thread,
    );
    let reply =
        agent_reply(&m, &ticket(), "已为您处理。".into(), "omni.alipay.com").expect("reply");
    assert_eq!(reply.kind, OutgoingKind::Reply);
    assert_eq!(reply.subject, "[#20261127-000042] 转账转错了");
    assert_eq!(reply.in_reply_to.as_deref(), Some("b@x.cn"));
    assert_eq!(
        reply.references,
        ["a@x.cn", "ack@omni.alipay.com", "b@x.cn"]
    );
    assert!(
        reply.headers.is_empty(),
        "a person wrote it: no Auto-Submitted"
    );
    let bare = customer_mail("c@x.cn", None, ThreadRefs::default());
    let reply = agent_reply(&bare, &ticket(), "好的".into(), "omni.alipay.com").expect("reply");
    assert_eq!(reply.subject, "[#20261127-000042] 关于您的来信");
}
