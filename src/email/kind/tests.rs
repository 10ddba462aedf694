//! Auto-reply and bounce detection, one evidence at a time.

use mail_parser::MessageParser;

use super::classify;
use crate::model::MailKind;

/// Classifies a mail made of `headers` (one per line) and a plain body.
fn kind_of(headers: &str) -> MailKind {
    let raw =
        format!("From: 刘洋 <liu.yang@example.com>\nTo: help@alipay.com\n{headers}\n\n您好\n");
    kind_of_raw(&raw)
}

fn kind_of_raw(raw: &str) -> MailKind {
    let Some(msg) = MessageParser::default().parse(raw.as_bytes()) else {
        panic!("test mail does not parse: {raw}");
    };
    let from = msg.from().and_then(|a| a.first()).and_then(|a| a.address());
    classify(&msg, from, msg.subject())
}

fn auto(reason: &str) -> MailKind {
    MailKind::AutoReply {
        reason: reason.into(),
    }
}

#[test]
fn a_plain_mail_is_human() {
    assert_eq!(kind_of("Subject: 商户退款延迟"), MailKind::Human);
}

#[test]
fn auto_reply_headers_name_their_evidence() {
    let cases = [
        (
            "Auto-Submitted: auto-replied",
            "Auto-Submitted: auto-replied",
        ),
        (
            "Auto-Submitted: auto-generated; owner-email=a@b",
            "Auto-Submitted: auto-generated; owner-email=a@b",
        ),
        ("X-Autoreply: yes", "X-Autoreply: yes"),
        ("X-Autorespond: 休假中", "X-Autorespond: 休假中"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
        ("Precedence: list", "Precedence: list"),
        ("Precedence: auto_reply", "Precedence: auto_reply"),
        (
            "X-Auto-Response-Suppress: All",
            "X-Auto-Response-Suppress: All",
        ),
        (
            "X-Auto-Response-Suppress: DR, OOF",
            "X-Auto-Response-Suppress: DR, OOF",
        ),
        (
            "X-Auto-Response-Suppress: AutoReply",
            "X-Auto-Response-Suppress: AutoReply",
        ),
        (
            "List-Id: 优惠活动 <promo.example.com>",
            "List-Id: 优惠活动 <promo.example.com>",
        ),
        (
            "List-Unsubscribe: <mailto:unsub@example.com>",
            "List-Unsubscribe: <mailto:unsub@example.com>",
        ),
    ];
    for (header, reason) in cases {
        assert_eq!(kind_of(header), auto(reason), "{header}");
    }
}

#[test]
fn headers_that_say_no_are_human() {
    for header in [
        "Auto-Submitted: no",
        "Auto-Submitted: No (a person wrote this)",
        "X-Autoreply: no",
        "Precedence: first-class",
        "X-Auto-Response-Suppress: DR, RN, NRN",
    ] {
        assert_eq!(kind_of(header), MailKind::Human, "{header}");
    }
}

#[test]
fn auto_reply_subjects_in_chinese_and_english() {
    for subject in [
        "自动回复: Re: 商户退款延迟",
        "自动回复：休假中",
        "自動回覆: 跨境支付",
        "自动答复: 关于您的退款申请",
        "Automatic reply: Cross-border payment frozen",
        "Auto-Reply: refund",
        "Out of Office: back on Dec 1",
        "Out of the office",
    ] {
        let kind = kind_of(&format!("Subject: {subject}"));
        assert_eq!(kind, auto(&format!("Subject: {subject}")), "{subject}");
    }
}

#[test]
fn subjects_that_only_mention_auto_replies_are_human() {
    for subject in [
        "Re: 关于自动回复的问题",
        "我收到了自动回复",
        "Outstanding refund",
        "Autoreplies keep coming",
    ] {
        assert_eq!(
            kind_of(&format!("Subject: {subject}")),
            MailKind::Human,
            "{subject}"
        );
    }
}

#[test]
fn long_evidence_is_shortened() {
    let long = "x".repeat(200);
    let MailKind::AutoReply { reason } = kind_of(&format!("List-Id: {long}")) else {
        panic!("not an auto-reply");
    };
    assert!(reason.chars().count() < 100, "{reason}");
    assert!(reason.ends_with('…'));
}

/// A DSN whose third part is `part3` (headers and body).
fn dsn(part3: &str) -> String {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx1.alipay.com>\nTo: help@alipay.com\n\
         Auto-Submitted: auto-replied\nSubject: Undelivered Mail Returned to Sender\n\
         Content-Type: multipart/report; report-type=\"Delivery-Status\"; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain\n\nUser unknown\n\
         --b\nContent-Type: message/delivery-status\n\nAction: failed\nStatus: 5.1.1\n\
         --b\n{part3}\n--b--\n"
    )
}

#[test]
fn dsn_with_rfc822_headers_names_the_original() {
    let raw = dsn(
        "Content-Type: text/rfc822-headers\n\nFrom: a@b\nMessage-ID: <orig.1@example.com>\nSubject: x\n",
    );
    assert_eq!(
        kind_of_raw(&raw),
        MailKind::Bounce {
            reason: "Content-Type: multipart/report; report-type=delivery-status".into(),
            original_message_id: Some("orig.1@example.com".into()),
        }
    );
}

#[test]
fn dsn_with_attached_message_names_the_original() {
    let raw = dsn(
        "Content-Type: message/rfc822\n\nFrom: a@b\nMessage-ID: <orig.2@example.com>\nSubject: 退款\n\n正文\n",
    );
    let MailKind::Bounce {
        original_message_id,
        ..
    } = kind_of_raw(&raw)
    else {
        panic!("not a bounce");
    };
    assert_eq!(original_message_id.as_deref(), Some("orig.2@example.com"));
}

#[test]
fn qmail_bounce_with_pasted_headers() {
    let raw = "Return-Path: <>\nFrom: MAILER-DAEMON@mail.example.net\nTo: help@alipay.com\n\
        Subject: failure notice\n\nHi. This is the qmail-send program.\n\
        --- Below this line is a copy of the message.\n\nReturn-Path: <help@alipay.com>\n\
        Message-ID: <orig.3@help.alipay.com>\nSubject: Re: 退款\n";
    assert_eq!(
        kind_of_raw(raw),
        MailKind::Bounce {
            reason: "Return-Path: <> and From: MAILER-DAEMON@mail.example.net".into(),
            original_message_id: Some("orig.3@help.alipay.com".into()),
        }
    );
}

#[test]
fn postmaster_without_report_is_a_bounce_without_original() {
    let raw = "From: postmaster@example.org\nTo: help@alipay.com\nSubject: 退信\n\n无法投递\n";
    assert_eq!(
        kind_of_raw(raw),
        MailKind::Bounce {
            reason: "From: postmaster@example.org".into(),
            original_message_id: None,
        }
    );
}

#[test]
fn read_receipts_are_auto_replies() {
    let raw = "From: a@example.com\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\n\n\
        --b\nContent-Type: text/plain\n\n已读\n--b--\n";
    assert_eq!(
        kind_of_raw(raw),
        auto("Content-Type: multipart/report; report-type=disposition-notification")
    );
}
