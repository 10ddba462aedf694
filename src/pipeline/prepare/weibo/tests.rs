//! Weibo items and pushes → messages: words, markup, quoted posts, reply
//! targets, pictures, and what is refused.
use super::*;

fn prepare(raw: &str) -> Result<Message, String> {
    prepare_weibo(
        &ConnectorId("weibo".into()),
        raw.as_bytes(),
        DateTime::<Utc>::UNIX_EPOCH,
        &RuleSet::default(),
    )
    .map(|ready| ready.message)
    .map_err(|refused| refused.reason)
}

fn message(raw: &str) -> Message {
    prepare(raw).unwrap_or_else(|reason| panic!("refused: {reason}"))
}

fn social(message: &Message) -> &SocialParts {
    message.social.as_ref().expect("social parts")
}

/// A repost with everything a status can carry: full-width characters,
/// hashtags, a t.cn link, emoticons, a `//@` chain, the retweeted root,
/// three pictures and a trailing U+200B.
const REPOST: &str = r#"{"statuses":[{
    "created_at":"Sat Dec 12 00:03:17 +0800 2026","id":5112233445566778,"mid":"5112233445566778",
    "idstr":"5112233445566778",
    "text":"@支付宝 #双十二抢红包失败# 红包显示领取成功但是付款时用不了！ＡＰＰ版本１０.５ [怒][怒] http://t.cn/A6xYz1Qp //@花呗小能手:我也是 [泪] //@蚂蚁财富:转发微博\u200b",
    "user":{"id":6012345678,"idstr":"6012345678","screen_name":"一只想抢红包的猫"},
    "pic_urls":[{"thumbnail_pic":"http://wx1.sinaimg.cn/thumbnail/006abcDEgy1hredpack1.jpg"},
                {"thumbnail_pic":"http://wx2.sinaimg.cn/thumbnail/006abcDEgy1hredpack2.gif"},
                {"thumbnail_pic":"http://wx3.sinaimg.cn/thumbnail/006abcDEgy1hredpack3.png"}],
    "thumbnail_pic":"http://wx1.sinaimg.cn/thumbnail/006abcDEgy1hredpack1.jpg",
    "bmiddle_pic":"http://wx1.sinaimg.cn/bmiddle/006abcDEgy1hredpack1.jpg",
    "original_pic":"http://wx1.sinaimg.cn/large/006abcDEgy1hredpack1.jpg",
    "retweeted_status":{"id":"5112200000000001","idstr":"5112200000000001",
        "created_at":"Fri Dec 11 23:59:00 +0800 2026","text":"双十二红包活动开始啦！\u200b",
        "user":{"id":2375086267,"screen_name":"支付宝"}}
}],"total_number":1}"#;

#[test]
fn a_repost_with_markup_chain_root_and_pictures() {
    let m = message(REPOST);
    assert_eq!(m.channel, Channel::Weibo);
    assert_eq!(m.native_id, "status:5112233445566778");
    assert_eq!(m.item_kind.as_deref(), Some("status"));
    assert_eq!(m.author.id, "6012345678");
    assert_eq!(m.author.name.as_deref(), Some("一只想抢红包的猫"));
    assert_eq!(m.author.address, None);
    assert_eq!(
        m.text,
        "@支付宝 #双十二抢红包失败# 红包显示领取成功但是付款时用不了!APP版本10.5 [怒][怒] http://t.cn/A6xYz1Qp"
    );
    let full = m.full_text.as_deref().expect("full text differs");
    assert!(full.ends_with("//@蚂蚁财富:转发微博"), "{full:?}");
    assert_eq!(
        m.sent_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-12-11T16:03:17+00:00")
    );
    assert!(m.thread.in_reply_to.is_empty());

    let s = social(&m);
    assert_eq!(s.mentions, ["支付宝"]);
    assert_eq!(s.hashtags, ["双十二抢红包失败"]);
    assert_eq!(s.links, ["http://t.cn/A6xYz1Qp"]);
    assert_eq!(s.emoticons, ["怒", "泪"]);
    assert_eq!(
        s.repost_chain,
        [
            RepostLayer {
                user: "花呗小能手".into(),
                text: "我也是 [泪]".into()
            },
            RepostLayer {
                user: "蚂蚁财富".into(),
                text: "转发微博".into()
            },
        ]
    );
    assert_eq!(
        s.quoted,
        Some(QuotedPost {
            id: Some("5112200000000001".into()),
            author: Some("支付宝".into()),
            text: "双十二红包活动开始啦!".into(),
        })
    );
    assert_eq!(s.status_id.as_deref(), Some("5112233445566778"));
    assert_eq!(s.reply_to_comment, None);

    let pictures: Vec<_> = m
        .attachments
        .iter()
        .map(|a| {
            (
                a.url.as_deref().unwrap_or(""),
                a.name.as_deref().unwrap_or(""),
                a.mime_type.as_str(),
            )
        })
        .collect();
    assert_eq!(
        pictures,
        [
            (
                "http://wx1.sinaimg.cn/large/006abcDEgy1hredpack1.jpg",
                "006abcDEgy1hredpack1.jpg",
                "image/jpeg"
            ),
            (
                "http://wx2.sinaimg.cn/large/006abcDEgy1hredpack2.gif",
                "006abcDEgy1hredpack2.gif",
                "image/gif"
            ),
            (
                "http://wx3.sinaimg.cn/large/006abcDEgy1hredpack3.png",
                "006abcDEgy1hredpack3.png",
                "image/png"
            ),
        ]
    );
    assert!(
        m.attachments
            .iter()
            .all(|a| !a.stored && a.size == 0 && a.content_hash.is_empty() && a.missing.is_none())
    );
}

#[test]
fn a_plain_status_has_no_full_text_and_its_trailing_zero_width_space_is_gone() {
    let m = message(
        r#"{"statuses":[{"created_at":"Thu Dec 10 09:30:00 +0800 2026","id":"5111000000000001",
            "text":"@支付宝 花呗显示逾期，但我昨天已经还款了，征信会受影响吗？[泪]\u200b",
            "user":{"id":"1404376560","screen_name":""},"pic_urls":[]}]}"#,
    );
    assert_eq!(
        m.text,
        "@支付宝 花呗显示逾期,但我昨天已经还款了,征信会受影响吗?[泪]"
    );
    assert_eq!(m.full_text, None);
    assert_eq!(m.author.name, None, "an empty screen name is no name");
    assert!(m.attachments.is_empty());
    assert_eq!(social(&m).quoted, None);
}

#[test]
fn a_comment_reply_strips_its_addressing_and_points_at_the_comment() {
    let m = message(
        r#"{"comments":[{"created_at":"Sat Dec 12 10:15:00 +0800 2026","id":5112300000000009,
            "mid":"2121212245977249","idstr":"5112300000000009",
            "text":"回复@支付宝客服：退款申请编号2026121200123，商家同意了但是7天了还没到账 [怒]",
            "user":{"id":7012345678,"screen_name":"退款等到花儿谢"},
            "status":{"id":5112233445566000,"text":"双十二退款进度查询请戳 http://t.cn/A6refund",
                      "user":{"id":2375086267,"screen_name":"支付宝"}},
            "reply_comment":{"id":"5112299999999999","text":"请提供退款申请编号","user":{"id":2375086267}}}]}"#,
    );
    assert_eq!(
        m.native_id, "comment:5112300000000009",
        "the id, never the mid"
    );
    assert_eq!(m.item_kind.as_deref(), Some("comment"));
    assert_eq!(
        m.text,
        "退款申请编号2026121200123,商家同意了但是7天了还没到账 [怒]"
    );
    assert!(
        m.full_text
            .as_deref()
            .is_some_and(|f| f.starts_with("回复@支付宝客服:"))
    );
    assert_eq!(m.thread.in_reply_to, ["comment:5112299999999999"]);
    let s = social(&m);
    assert_eq!(s.status_id.as_deref(), Some("5112233445566000"));
    assert_eq!(s.reply_to_comment.as_deref(), Some("5112299999999999"));
    let quoted = s.quoted.as_ref().expect("the status commented on");
    assert_eq!(quoted.id.as_deref(), Some("5112233445566000"));
    assert_eq!(quoted.text, "双十二退款进度查询请戳 http://t.cn/A6refund");
    assert!(m.attachments.is_empty());
}

#[test]
fn a_comment_without_reply_points_at_its_status() {
    let m = message(
        r#"{"comments":[{"created_at":"Sat Dec 12 10:15:00 +0800 2026","id":"5112300000000010",
            "text":"同问，转错账了怎么追回","user":{"id":"8"},
            "status":{"idstr":"5112233445566000","text":"x"}}]}"#,
    );
    assert_eq!(m.thread.in_reply_to, ["status:5112233445566000"]);
    assert_eq!(social(&m).reply_to_comment, None);
    assert_eq!(m.text, "同问,转错账了怎么追回");
}

#[test]
fn a_deleted_root_reads_as_deleted() {
    for root in [
        r#"{"id":1,"deleted":"1","text":"此微博已被原作者删除。"}"#,
        r#"{"id":1,"deleted":1}"#,
    ] {
        let raw = format!(
            r#"{{"statuses":[{{"created_at":"Sat Dec 12 00:03:17 +0800 2026","id":2,
                "text":"这条被删了？//@某人:原来说可以退","user":{{"id":3}},"retweeted_status":{root}}}]}}"#
        );
        let m = message(&raw);
        let quoted = social(&m).quoted.clone().expect("quoted");
        assert_eq!(quoted.text, "此微博已被原作者删除。");
        assert_eq!((quoted.id.as_deref(), quoted.author), (Some("1"), None));
        assert_eq!(m.text, "这条被删了?");
    }
}

#[test]
fn pictures_from_pic_ids_or_a_lone_original() {
    let ids = message(
        r#"{"statuses":[{"created_at":"Sat Dec 12 00:03:17 +0800 2026","id":2,"text":"截图",
            "user":{"id":3},"pic_urls":[],"pic_ids":["006abcDEgy1hshot"]}]}"#,
    );
    assert_eq!(
        ids.attachments[0].url.as_deref(),
        Some("https://wx1.sinaimg.cn/large/006abcDEgy1hshot.jpg")
    );
    let lone = message(
        r#"{"statuses":[{"created_at":"Sat Dec 12 00:03:17 +0800 2026","id":2,"text":"截图",
            "user":{"id":3},"original_pic":"https://wx4.sinaimg.cn/large/abc.JPEG?x=1"}]}"#,
    );
    assert_eq!(lone.attachments.len(), 1);
    assert_eq!(lone.attachments[0].name.as_deref(), Some("abc.JPEG"));
    assert_eq!(lone.attachments[0].mime_type, "image/jpeg");
}

#[test]
fn a_pushed_mention_has_the_polled_items_native_id() {
    let status = message(
        r#"{"type":"mention","receiver_id":2375086267,"sender_id":6012345678,
            "created_at":"Sat Dec 12 00:03:17 +0800 2026",
            "text":"@支付宝 #双十二抢红包失败# [怒]\u200b","data":{"subtype":"status","key":5112233445566778}}"#,
    );
    assert_eq!(status.native_id, "status:5112233445566778");
    assert_eq!(status.item_kind.as_deref(), Some("status"));
    assert_eq!(status.author.id, "6012345678");
    assert_eq!(status.text, "@支付宝 #双十二抢红包失败# [怒]");
    assert_eq!(social(&status).hashtags, ["双十二抢红包失败"]);
    assert_eq!(
        social(&status).status_id.as_deref(),
        Some("5112233445566778")
    );

    let comment = message(
        r#"{"type":"mention","sender_id":"7","created_at":"Sat Dec 12 00:03:17 +0800 2026",
            "text":"回复@支付宝:还是没到账","data":{"subtype":"comment","key":"5112300000000009"}}"#,
    );
    assert_eq!(comment.native_id, "comment:5112300000000009");
    assert_eq!(comment.text, "还是没到账");
    assert_eq!(social(&comment).status_id, None);

    let xml = message(
        "<xml><ToUserName>2375086267</ToUserName><FromUserName>7</FromUserName>\
         <CreateTime>1765468997</CreateTime><MsgType>text</MsgType>\
         <Content><![CDATA[转错账了，对方不退]]></Content></xml>",
    );
    assert_eq!(xml.native_id, "push:7:1765468997");
    assert_eq!(xml.item_kind.as_deref(), Some("push"));
    assert_eq!(xml.text, "转错账了,对方不退");
}

#[test]
fn what_is_not_one_item_is_refused_with_its_reason() {
    let other =
        prepare(r#"{"type":"follow","sender_id":1,"created_at":"Sat Dec 12 00:03:17 +0800 2026"}"#);
    assert_eq!(other.unwrap_err(), "not a mention push (type follow)");
    let two = prepare(r#"{"statuses":[{"id":1},{"id":2}]}"#);
    assert!(two.unwrap_err().contains("this page holds 2"));
    assert!(
        prepare(r#"{"comments":[]}"#)
            .unwrap_err()
            .contains("holds 0")
    );
    let api = prepare(
        r#"{"error":"expired_token","error_code":21327,"request":"/2/statuses/mentions.json"}"#,
    );
    assert_eq!(api.unwrap_err(), "Weibo API error 21327: expired_token");
    let no_date = prepare(r#"{"statuses":[{"id":1,"text":"x","user":{"id":2}}]}"#);
    assert!(no_date.unwrap_err().contains("created_at"));
    assert!(
        prepare("{\"statuses\":[")
            .unwrap_err()
            .contains("malformed")
    );
    assert!(prepare(r#"{"hello":1}"#).unwrap_err().contains("neither"));
    assert!(prepare("<xml><MsgType>text</MsgType></xml>").is_err());
}
