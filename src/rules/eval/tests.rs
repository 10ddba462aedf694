use chrono::Utc;

use super::*;
use crate::model::{Attachment, Author, Channel, ConnectorId, MailKind, MessageId};
use crate::rules::file::parse_for_test;

fn mail(subject: &str, text: &str) -> Message {
    Message {
        id: MessageId::new(),
        channel: Channel::Email,
        connector: ConnectorId("samples".into()),
        native_id: "m1@example.com".into(),
        author: Author {
            id: "li.lei@example.com".into(),
            name: Some("李雷".into()),
            address: Some("Li.Lei@Example.com".into()),
        },
        subject: Some(subject.into()),
        text: text.into(),
        full_text: None,
        attachments: Vec::new(),
        thread: Default::default(),
        sent_at: None,
        received_at: Utc::now(),
        mail_kind: MailKind::Human,
        details: Default::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

/// What the caller does: subject, newline, text, folded.
fn folded(msg: &Message) -> String {
    crate::text::fold(&format!(
        "{}\n{}",
        msg.subject.as_deref().unwrap_or(""),
        msg.text
    ))
}

fn run(rules: &str, msg: &Message) -> Evaluation {
    let rules = parse_for_test(rules, &[ConnectorId("samples".into())]);
    evaluate(&rules, msg, &folded(msg))
}

const DEFAULT_RULE: &str = include_str!("../../../rules/00-email-tickets.toml");

#[test]
fn the_default_rule_opens_a_normal_ticket_in_the_email_queue_for_human_mail() {
    let evaluation = run(DEFAULT_RULE, &mail("退款问题", "我的订单还没有退款"));
    assert_eq!(evaluation.matched.len(), 1);
    assert_eq!(
        evaluation.matched[0].reasons,
        ["channel is email", "mail is from a person"]
    );
    assert_eq!(
        evaluation.actions,
        Actions {
            open_ticket: true,
            queue: Some("email".into()),
            priority: Some(Priority::Normal),
            ..Actions::default()
        }
    );
}

#[test]
fn an_auto_reply_is_skipped_with_its_evidence() {
    let mut msg = mail("自动回复: 退款问题", "我正在休假");
    msg.mail_kind = MailKind::AutoReply {
        reason: "Auto-Submitted: auto-replied".into(),
    };
    let evaluation = run(DEFAULT_RULE, &msg);
    assert!(evaluation.matched.is_empty());
    assert_eq!(
        evaluation.skipped[0].reasons,
        ["mail is an auto-reply (Auto-Submitted: auto-replied)"]
    );
    assert!(!evaluation.actions.open_ticket);
}

const LAYERED: &str = r#"
[[rule]]
id = "all-mail"
[rule.when]
channel = ["email"]
[rule.then]
open_ticket = true
queue = "email"
priority = "normal"
tags = ["mail"]

[[rule]]
id = "fraud"
[rule.when]
keywords_any = ["转错", "诈骗"]
[rule.then]
priority = "urgent"
category = "fraud"
tags = ["money", "mail"]

[[rule]]
id = "off"
enabled = false
[rule.then]
ignore = true
"#;

#[test]
fn later_rules_override_priority_and_tags_accumulate() {
    let evaluation = run(LAYERED, &mail("转错账了", "我把钱转错给了陌生人"));
    let matched: Vec<&str> = evaluation
        .matched
        .iter()
        .map(|o| o.rule_id.as_str())
        .collect();
    assert_eq!(matched, ["all-mail", "fraud"]);
    assert_eq!(evaluation.matched[1].reasons, ["keyword 转错 found"]);
    assert_eq!(evaluation.skipped[0].reasons, ["disabled"]);
    let actions = &evaluation.actions;
    assert_eq!(actions.priority, Some(Priority::Urgent));
    assert_eq!(actions.queue.as_deref(), Some("email"));
    assert_eq!(actions.category.as_deref(), Some("fraud"));
    assert_eq!(actions.tags, ["mail", "money"]);
    assert!(actions.open_ticket);
}

#[test]
fn ignore_wins_over_open_ticket_and_stop_ends_evaluation() {
    let rules = r#"
[[rule]]
id = "newsletter"
[rule.when]
sender = ["*@news.example.com"]
[rule.then]
ignore = true
stop = true

[[rule]]
id = "tickets"
[rule.then]
open_ticket = true
"#;
    let mut msg = mail("本周优惠", "促销");
    msg.author.address = Some("Promo@News.Example.com".into());
    let evaluation = run(rules, &msg);
    assert_eq!(
        evaluation.matched[0].reasons,
        ["sender promo@news.example.com matches *@news.example.com"]
    );
    assert_eq!(
        evaluation.skipped[0].reasons,
        ["not evaluated: rule newsletter stops evaluation"]
    );
    assert!(evaluation.actions.ignore && !evaluation.actions.open_ticket);
}

#[test]
fn each_condition_explains_a_failure() {
    let cases = [
        ("channel = [\"weibo\"]", "channel is email, not weibo"),
        (
            "connector = [\"samples\"]\nchannel = [\"wechat\", \"weibo\"]",
            "channel is email, not one of wechat, weibo",
        ),
        (
            "keywords_any = [\"花呗\", \"借呗\"]",
            "none of the keywords 花呗, 借呗 found",
        ),
        (
            "keywords_all = [\"退款\", \"逾期\"]",
            "keyword 逾期 not found",
        ),
        ("regex = '\\d{28}'", "regex \\d{28} does not match"),
        (
            "sender = [\"a@b.c\"]",
            "sender li.lei@example.com matches none of a@b.c",
        ),
        ("has_attachments = true", "message has no attachments"),
        ("mail_kind = [\"bounce\"]", "mail is from a person"),
    ];
    for (when, reason) in cases {
        let rules = format!("[[rule]]\nid = \"r\"\n[rule.when]\n{when}\n");
        let evaluation = run(&rules, &mail("退款", "订单号 12345"));
        assert_eq!(evaluation.skipped[0].reasons, [reason], "{when}");
    }
}

#[test]
fn each_condition_explains_a_match() {
    let mut msg = mail(
        "Refund 退款",
        "交易号 2088123456789012345678901234 花呗逾期",
    );
    msg.attachments.push(Attachment {
        name: Some("截图.png".into()),
        mime_type: "image/png".into(),
        size: 10,
        content_hash: "00".into(),
        stored: true,
        missing: None,
        url: None,
    });
    let rules = r#"[[rule]]
id = "all"
[rule.when]
connector = ["samples"]
keywords_all = ["花呗", "逾期"]
regex = '\d{28}'
sender = ["*@example.com"]
has_attachments = true
keywords_any = ["REFUND"]
"#;
    let evaluation = run(rules, &msg);
    assert_eq!(
        evaluation.matched[0].reasons,
        [
            "connector is samples",
            "keyword refund found",
            "keywords 花呗, 逾期 all found",
            "regex \\d{28} matches \"2088123456789012345678901234\"",
            "sender li.lei@example.com matches *@example.com",
            "message has 1 attachment",
        ]
    );
}

#[test]
fn a_rule_without_conditions_matches_everything_and_says_so() {
    let evaluation = run("[[rule]]\nid = \"r\"\n", &mail("", ""));
    assert_eq!(
        evaluation.matched[0].reasons,
        ["no conditions: matches every message"]
    );
}

#[test]
fn the_evaluation_serializes_for_explain() {
    let evaluation = run(DEFAULT_RULE, &mail("你好", "请帮忙"));
    let json = serde_json::to_value(&evaluation).expect("serializes");
    assert_eq!(json["actions"]["priority"], "normal");
    assert_eq!(json["matched"][0]["rule_id"], "email-opens-ticket");
    assert_eq!(json["matched"][0]["file"], "rules/test.toml");
}

#[test]
fn an_empty_rule_set_does_nothing() {
    let msg = mail("x", "y");
    assert_eq!(
        evaluate(&RuleSet::default(), &msg, "x\ny"),
        Evaluation::default()
    );
}

const WECHAT_RULE: &str = include_str!("../../../rules/10-wechat.toml");

fn wechat(kind: &str, text: &str) -> Message {
    let mut msg = mail("", text);
    msg.channel = Channel::Wechat;
    msg.subject = None;
    msg.author.address = None;
    msg.item_kind = Some(kind.into());
    msg
}

#[test]
fn the_wechat_rule_answers_messages_and_leaves_events_alone() {
    let evaluation = run(WECHAT_RULE, &wechat("text", "我的余额宝转出失败"));
    assert_eq!(
        evaluation.matched[0].reasons,
        ["channel is wechat", "item is a text"]
    );
    let actions = &evaluation.actions;
    assert!(actions.open_ticket);
    assert_eq!(actions.queue.as_deref(), Some("wechat"));
    let reply = actions.instant_reply.as_ref().expect("instant reply");
    assert_eq!(reply.name, "wechat-received");
    let text = reply.template.render(&crate::outbound::Values {
        ticket: "20261128-000001",
        subject: "",
        name: "",
        topic: "",
    });
    assert!(text.contains("20261128-000001"), "{text}");

    let event = run(WECHAT_RULE, &wechat("event", "[event] subscribe"));
    assert!(event.matched.is_empty());
    assert_eq!(event.skipped[0].reasons, ["item is a event"]);
    assert!(!event.actions.open_ticket && event.actions.instant_reply.is_none());

    let mail = run(WECHAT_RULE, &mail("退款", "退款"));
    assert!(mail.matched.is_empty());
}
