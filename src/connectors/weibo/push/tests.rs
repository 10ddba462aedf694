//! Push parsing: the JSON mention in both subtypes, unknown types, the
//! WeChat-compatible XML, and hostile bodies.
use super::*;

fn parse(body: &str) -> PushMessage {
    parse_push(body.as_bytes()).unwrap()
}

#[test]
fn json_mention_of_a_status() {
    let push = parse(
        r#"{"type":"mention","receiver_id":2375086267,"sender_id":1404376560,
            "created_at":"Mon Jul 16 18:09:20 +0800 2012",
            "text":"@支付宝 花呗显示逾期但我已经还了 [怒]",
            "data":{"subtype":"status","key":3470000000000001}}"#,
    );
    assert_eq!(
        push.kind,
        PushKind::Mention {
            subtype: ItemKind::Status,
            key: 3470000000000001
        }
    );
    assert_eq!(push.sender_id, "1404376560");
    assert_eq!(push.created_at.to_rfc3339(), "2012-07-16T10:09:20+00:00");
    assert_eq!(push.text, "@支付宝 花呗显示逾期但我已经还了 [怒]");
    assert_eq!(push.native_id(), "status:3470000000000001");
}

#[test]
fn json_mention_of_a_comment_with_string_ids() {
    let push = parse(
        r#"{"type":"mention","recipient_id":"2375086267","sender_id":"1404376560",
            "created_at":"Mon Jul 16 18:09:20 +0800 2012","text":"回复@支付宝:退款还没到",
            "data":{"subtype":"comment","key":"3526584588286949"}}"#,
    );
    assert_eq!(push.sender_id, "1404376560");
    assert_eq!(push.native_id(), "comment:3526584588286949");
}

#[test]
fn unknown_types_and_subtypes_are_other_not_errors() {
    let text = parse(
        r#"{"type":"text","receiver_id":1,"sender_id":2,
            "created_at":"Mon Jul 16 18:09:20 +0800 2012","text":"私信","data":{}}"#,
    );
    assert_eq!(text.kind, PushKind::Other("text".into()));
    assert_eq!(text.native_id(), "push:2:1342433360");
    let album = parse(
        r#"{"type":"mention","sender_id":2,"created_at":"Mon Jul 16 18:09:20 +0800 2012",
            "data":{"subtype":"album","key":"x"}}"#,
    );
    assert_eq!(album.kind, PushKind::Other("mention/album".into()));
    assert_eq!(album.text, "");
}

#[test]
fn json_without_what_it_needs_is_refused() {
    let cases = [
        (
            r#"{"sender_id":1,"created_at":"Mon Jul 16 18:09:20 +0800 2012"}"#,
            "type",
        ),
        (
            r#"{"type":"mention","created_at":"Mon Jul 16 18:09:20 +0800 2012"}"#,
            "sender_id",
        ),
        (r#"{"type":"mention","sender_id":1}"#, "created_at"),
        (
            r#"{"type":"mention","sender_id":1,"created_at":"Mon Jul 16 18:09:20 +0800 2012","data":{"subtype":"status"}}"#,
            "data.key",
        ),
    ];
    for (body, field) in cases {
        assert_eq!(
            parse_push(body.as_bytes()),
            Err(WeiboError::MissingField(field)),
            "{body}"
        );
    }
    let bad_key = r#"{"type":"mention","sender_id":1,"created_at":"Mon Jul 16 18:09:20 +0800 2012","data":{"subtype":"status","key":"abc"}}"#;
    assert!(matches!(
        parse_push(bad_key.as_bytes()),
        Err(WeiboError::InvalidField {
            field: "data.key",
            ..
        })
    ));
    let bad_date = r#"{"type":"mention","sender_id":1,"created_at":"2012-07-16"}"#;
    assert!(matches!(
        parse_push(bad_date.as_bytes()),
        Err(WeiboError::BadDate(_))
    ));
}

#[test]
fn wechat_compatible_xml() {
    let push = parse(
        "\u{feff}<xml><ToUserName><![CDATA[2375086267]]></ToUserName>\n\
         <FromUserName><![CDATA[1404376560]]></FromUserName>\n\
         <CreateTime>1342433360</CreateTime><MsgType><![CDATA[text]]></MsgType>\n\
         <Content>  <![CDATA[转错账了 &怎么办]]>  </Content><MsgId>5765449542843</MsgId></xml>",
    );
    assert_eq!(
        push.kind,
        PushKind::Text {
            msg_id: Some(5765449542843)
        }
    );
    assert_eq!(push.sender_id, "1404376560");
    assert_eq!(push.created_at.timestamp(), 1342433360);
    assert_eq!(push.text, "转错账了 &怎么办");
    assert_eq!(push.native_id(), "push:msg:5765449542843");

    let no_id = parse(
        "<xml><ToUserName>a</ToUserName><FromUserName>1404376560</FromUserName>\
         <CreateTime>1342433360</CreateTime><MsgType>text</MsgType>\
         <Content>退款 &lt;35元&gt; &#x1F62D;</Content></xml>",
    );
    assert_eq!(no_id.kind, PushKind::Text { msg_id: None });
    assert_eq!(no_id.text, "退款 <35元> 😭");
    assert_eq!(no_id.native_id(), "push:1404376560:1342433360");

    let event = parse(
        "<xml><FromUserName>1</FromUserName><CreateTime>1</CreateTime>\
         <MsgType>event</MsgType><Event>follow</Event></xml>",
    );
    assert_eq!(event.kind, PushKind::Other("event".into()));
}

#[test]
fn doctype_entities_and_bad_xml_are_refused() {
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
               <xml><FromUserName>1</FromUserName><CreateTime>1</CreateTime>\
               <MsgType>text</MsgType><Content>&xxe;</Content></xml>";
    match parse_push(xxe.as_bytes()) {
        Err(WeiboError::Malformed(reason)) => assert!(reason.contains("DOCTYPE"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let cases = [
        "<xml><FromUserName>1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content></xml>",
        "<xml><FromUserName>1</FromUserName><FromUserName>2</FromUserName></xml>",
        "<xml><FromUserName>1</FromUserName>",
        "<xml/><xml/>",
        "<xml>loose text</xml>",
    ];
    for body in cases {
        assert!(
            matches!(parse_push(body.as_bytes()), Err(WeiboError::Malformed(_))),
            "{body}"
        );
    }
    assert_eq!(
        parse_push(b"<xml><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>"),
        Err(WeiboError::MissingField("FromUserName"))
    );
    assert!(matches!(
        parse_push(b"<xml><FromUserName>1</FromUserName><CreateTime>x</CreateTime><MsgType>text</MsgType></xml>"),
        Err(WeiboError::InvalidField { field: "CreateTime", .. })
    ));
}

#[test]
fn oversize_empty_and_garbage_bodies_never_panic() {
    let big = format!("{{\"text\":\"{}\"}}", "a".repeat(MAX_PUSH_BYTES));
    assert!(matches!(
        parse_push(big.as_bytes()),
        Err(WeiboError::Malformed(reason)) if reason.contains("over the")
    ));
    for body in [
        &b""[..],
        b"   ",
        b"hello",
        b"\xff<xml>",
        b"<",
        b"{",
        b"<xml><\xff/></xml>",
    ] {
        assert!(parse_push(body).is_err(), "{body:?}");
    }
    let json = br#"{"type":"mention","sender_id":1,"created_at":"Mon Jul 16 18:09:20 +0800 2012","text":"x","data":{"subtype":"comment","key":12}}"#;
    let xml = b"<xml><FromUserName>1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[x]]></Content><MsgId>7</MsgId></xml>";
    for body in [&json[..], &xml[..]] {
        for end in 0..body.len() {
            let _ = parse_push(&body[..end]);
        }
        for i in 0..body.len() {
            let mut mutated = body.to_vec();
            mutated[i] ^= 0x21;
            let _ = parse_push(&mutated);
        }
    }
}
