//! Push parsing and reply building against samples of every type.
use super::*;

fn push(xml: &str) -> Push {
    parse_push(xml.as_bytes()).unwrap()
}

fn kind(xml: &str) -> PushKind {
    push(xml).kind
}

/// A push with the common header around `body`.
fn with_header(body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName>\n<FromUserName><![CDATA[fromUser]]></FromUserName>\n<CreateTime>1348831860</CreateTime>\n{body}\n</xml>"
    )
}

#[test]
fn text() {
    let p = push(&with_header(
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId>",
    ));
    assert_eq!(p.to_user_name, "toUser");
    assert_eq!(p.from_user_name, "fromUser");
    assert_eq!(p.create_time, 1_348_831_860);
    assert_eq!(
        p.kind,
        PushKind::Text {
            msg_id: 1_234_567_890_123_456,
            content: "this is a test".into()
        }
    );
}

#[test]
fn text_with_article_fields_and_unknown_elements_in_any_order() {
    // Vector A3 carries an undocumented <URL> before ToUserName.
    let xml = "<xml><URL><![CDATA[http://example.com/]]></URL><MsgId>1</MsgId><Content>hi</Content><MsgDataId>2</MsgDataId><Idx>1</Idx><MsgType>TEXT</MsgType><CreateTime>3</CreateTime><FromUserName>f</FromUserName><ToUserName>t</ToUserName></xml>";
    assert_eq!(
        kind(xml),
        PushKind::Text {
            msg_id: 1,
            content: "hi".into()
        }
    );
}

#[test]
fn image() {
    assert_eq!(
        kind(&with_header(
            "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgId>"
        )),
        PushKind::Image {
            msg_id: 1_234_567_890_123_456,
            pic_url: "http://mmbiz.qpic.cn/x".into(),
            media_id: "media_id".into()
        }
    );
}

#[test]
fn voice_with_and_without_recognition() {
    assert_eq!(
        kind(&with_header(
            "<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgID>1234567890123456</MsgID>"
        )),
        PushKind::Voice {
            msg_id: 1_234_567_890_123_456,
            media_id: "media_id".into(),
            format: "amr".into(),
            recognition: Some("腾讯微信团队".into())
        }
    );
    assert!(matches!(
        kind(&with_header(
            "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>speex</Format><MsgId>5</MsgId>"
        )),
        PushKind::Voice {
            msg_id: 5,
            recognition: None,
            ..
        }
    ));
}

#[test]
fn video_and_shortvideo() {
    let body = "<MediaId><![CDATA[media_id]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId><MsgId>1234567890123456</MsgId>";
    assert_eq!(
        kind(&with_header(&format!(
            "<MsgType><![CDATA[video]]></MsgType>{body}"
        ))),
        PushKind::Video {
            msg_id: 1_234_567_890_123_456,
            media_id: "media_id".into(),
            thumb_media_id: "thumb_media_id".into()
        }
    );
    assert_eq!(
        kind(&with_header(&format!(
            "<MsgType><![CDATA[shortvideo]]></MsgType>{body}"
        ))),
        PushKind::ShortVideo {
            msg_id: 1_234_567_890_123_456,
            media_id: "media_id".into(),
            thumb_media_id: "thumb_media_id".into()
        }
    );
}

#[test]
fn location() {
    assert_eq!(
        kind(&with_header(
            "<MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId>"
        )),
        PushKind::Location {
            msg_id: 1_234_567_890_123_456,
            latitude: 23.134521,
            longitude: 113.358803,
            scale: Some(20),
            label: "位置信息".into()
        }
    );
}

#[test]
fn link() {
    assert_eq!(
        kind(&with_header(
            "<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[公众平台官网链接]]></Title><Description><![CDATA[公众平台官网链接]]></Description><Url><![CDATA[url]]></Url><MsgId>1234567890123456</MsgId>"
        )),
        PushKind::Link {
            msg_id: 1_234_567_890_123_456,
            title: "公众平台官网链接".into(),
            description: "公众平台官网链接".into(),
            url: "url".into()
        }
    );
}

fn event(body: &str) -> Event {
    match kind(&with_header(&format!(
        "<MsgType><![CDATA[event]]></MsgType>{body}"
    ))) {
        PushKind::Event(event) => event,
        other => panic!("not an event: {other:?}"),
    }
}

#[test]
fn subscribe_plain_and_through_a_qr_code() {
    assert_eq!(
        event("<Event><![CDATA[subscribe]]></Event>"),
        Event::Subscribe {
            event_key: None,
            ticket: None
        }
    );
    assert_eq!(
        event(
            "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>"
        ),
        Event::Subscribe {
            event_key: Some("qrscene_123123".into()),
            ticket: Some("TICKET".into())
        }
    );
}

#[test]
fn unsubscribe() {
    let e = event("<Event><![CDATA[unsubscribe]]></Event>");
    assert_eq!(e, Event::Unsubscribe);
    assert_eq!(e.name(), "unsubscribe");
    assert_eq!(e.event_key(), None);
}

#[test]
fn scan() {
    let e = event(
        "<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
    );
    assert_eq!(
        e,
        Event::Scan {
            event_key: "SCENE_VALUE".into(),
            ticket: Some("TICKET".into())
        }
    );
    assert_eq!(e.name(), "SCAN");
}

#[test]
fn location_event() {
    assert_eq!(
        event(
            "<Event><![CDATA[LOCATION]]></Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>"
        ),
        Event::Location {
            latitude: 23.137466,
            longitude: 113.352425,
            precision: Some(119.38504)
        }
    );
}

#[test]
fn click_and_view() {
    assert_eq!(
        event("<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[EVENTKEY]]></EventKey>"),
        Event::Click {
            event_key: "EVENTKEY".into()
        }
    );
    let view = event(
        "<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[www.qq.com]]></EventKey><MenuId>MENUID</MenuId>",
    );
    assert_eq!(
        view,
        Event::View {
            url: "www.qq.com".into(),
            menu_id: Some("MENUID".into())
        }
    );
    assert_eq!(view.event_key(), Some("www.qq.com"));
    // Event names compare case-insensitively, as wechatpy does.
    assert!(matches!(
        event("<Event>click</Event><EventKey>k</EventKey>"),
        Event::Click { .. }
    ));
}

#[test]
fn unknown_event_is_kept_raw() {
    let xml = with_header(
        "<MsgType>event</MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><Status>success</Status>",
    );
    match kind(&xml) {
        PushKind::Event(Event::Unknown {
            event,
            event_key,
            raw,
        }) => {
            assert_eq!(event, "TEMPLATESENDJOBFINISH");
            assert_eq!(event_key, None);
            assert_eq!(raw, xml);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_msg_type_is_kept_raw_never_refused() {
    let xml = with_header(
        "<MsgType><![CDATA[miniprogrampage]]></MsgType><Title>t</Title><AppId>wx</AppId><PagePath>p</PagePath><MsgId>77</MsgId>",
    );
    assert_eq!(
        kind(&xml),
        PushKind::Unknown {
            msg_type: "miniprogrampage".into(),
            msg_id: Some(77),
            raw: xml.clone()
        }
    );
    // Even with nested elements the known fields are read and the rest kept.
    let nested = with_header("<MsgType>future</MsgType><Info><Deep>x</Deep></Info>");
    assert!(matches!(
        kind(&nested),
        PushKind::Unknown { msg_id: None, .. }
    ));
}

#[test]
fn official_sample_whitespace_before_cdata() {
    // The official sample writes `<MsgType>  <![CDATA[video]]></MsgType>`.
    assert!(matches!(
        kind(&with_header(
            "<MsgType>  <![CDATA[video]]>\n</MsgType><MediaId>m</MediaId><MsgId>1</MsgId>"
        )),
        PushKind::Video { .. }
    ));
}

#[test]
fn content_with_emoji_entities_and_split_cdata() {
    let content = |body: &str| match kind(&with_header(&format!(
        "<MsgType>text</MsgType><MsgId>1</MsgId><Content>{body}</Content>"
    ))) {
        PushKind::Text { content, .. } => content,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        content("<![CDATA[😀 /::) [吃瓜] 你好]]>"),
        "😀 /::) [吃瓜] 你好"
    );
    assert_eq!(content("<![CDATA[x ]]]]><![CDATA[> y]]>"), "x ]]> y");
    assert_eq!(
        content("a &lt;b&gt; &amp; &#x1F600; &#20320;"),
        "a <b> & 😀 你"
    );
    assert_eq!(content("  spaced  "), "  spaced  ");
    assert_eq!(content(""), "");
}

#[test]
fn refuses_doctype_and_entities() {
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>";
    assert_eq!(parse_push(xxe.as_bytes()), Err(XmlError::Doctype));
    assert_eq!(parse_envelope(xxe.as_bytes()), Err(XmlError::Doctype));
    let bomb = "<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><xml/>";
    assert_eq!(parse_push(bomb.as_bytes()), Err(XmlError::Doctype));
    let undeclared = with_header("<MsgType>text</MsgType><MsgId>1</MsgId><Content>&xxe;</Content>");
    assert_eq!(
        parse_push(undeclared.as_bytes()),
        Err(XmlError::UnknownEntity("xxe".into()))
    );
}

#[test]
fn refuses_oversize_bodies_before_parsing() {
    let filler = "a".repeat(MAX_BODY_BYTES);
    let big = with_header(&format!(
        "<MsgType>text</MsgType><MsgId>1</MsgId><Content>{filler}</Content>"
    ));
    assert_eq!(
        parse_push(big.as_bytes()),
        Err(XmlError::TooLarge { len: big.len() })
    );
    assert!(matches!(
        parse_envelope(big.as_bytes()),
        Err(XmlError::TooLarge { .. })
    ));
    let just_fits = "a".repeat(
        MAX_BODY_BYTES
            - with_header("<MsgType>text</MsgType><MsgId>1</MsgId><Content></Content>").len(),
    );
    let fits = with_header(&format!(
        "<MsgType>text</MsgType><MsgId>1</MsgId><Content>{just_fits}</Content>"
    ));
    assert_eq!(fits.len(), MAX_BODY_BYTES);
    assert!(parse_push(fits.as_bytes()).is_ok());
}

#[test]
fn malformed_input_is_a_typed_error_never_a_panic() {
    let cases: &[&[u8]] = &[
        b"",
        b"not xml",
        b"<xml>",
        b"<xml><a>1</b></xml>",
        b"<xml></xml><xml></xml>",
        b"<xml>loose text</xml>",
        b"\xff\xfe<xml/>",
        b"<xml><ToUserName>t</ToUserName><ToUserName>u</ToUserName></xml>",
        b"<xml/>",
        b"<xml><MsgType>text</MsgType></xml>",
    ];
    for case in cases {
        assert!(
            parse_push(case).is_err(),
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
    assert_eq!(
        parse_push(with_header("<MsgType>text</MsgType><MsgId>x1</MsgId>").as_bytes()),
        Err(XmlError::InvalidField {
            field: "MsgId",
            value: "x1".into()
        })
    );
    assert_eq!(
        parse_push(with_header("<MsgType>image</MsgType>").as_bytes()),
        Err(XmlError::MissingField("MsgId"))
    );
    // Every prefix of a valid push: an error or a push, never a panic.
    let xml =
        with_header("<MsgType>text</MsgType><MsgId>1</MsgId><Content><![CDATA[你好]]></Content>");
    for cut in 0..xml.len() {
        let _ = parse_push(&xml.as_bytes()[..cut]);
    }
}

#[test]
fn envelope_safe_and_compatible_mode() {
    let safe = "<xml>\n<ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<Encrypt><![CDATA[abc+/=]]></Encrypt>\n</xml>";
    assert_eq!(
        parse_envelope(safe.as_bytes()).unwrap(),
        EncryptedEnvelope {
            to_user_name: Some("gh_10f6c3c3ac5a".into()),
            encrypt: "abc+/=".into(),
            compat: false,
        }
    );
    let compatible = with_header(
        "<MsgType>text</MsgType><Content>abcdteT</Content><MsgId>1</MsgId><Encrypt><![CDATA[xyz]]></Encrypt>",
    );
    let envelope = parse_envelope(compatible.as_bytes()).unwrap();
    assert_eq!(envelope.encrypt, "xyz");
    assert!(envelope.compat);
    assert!(parse_push(compatible.as_bytes()).is_ok());
    assert_eq!(
        parse_envelope(b"<xml><ToUserName>t</ToUserName></xml>"),
        Err(XmlError::MissingField("Encrypt"))
    );
}

#[test]
fn passive_text_reply_round_trips_including_cdata_terminator() {
    let incoming = push(&with_header(
        "<MsgType>text</MsgType><MsgId>1</MsgId><Content>q</Content>",
    ));
    for content in ["你好 😀", "x ]]> y", "]]>]]>", "<b>&amp;</b>", ""] {
        let reply = PassiveReply::Text {
            content: content.into(),
        }
        .to_xml_for(&incoming, 12_345_678);
        let back = Fields::read(&reply).unwrap();
        assert_eq!(back.get("ToUserName"), Some("fromUser"));
        assert_eq!(back.get("FromUserName"), Some("toUser"));
        assert_eq!(back.get("CreateTime"), Some("12345678"));
        assert_eq!(back.get("MsgType"), Some("text"));
        assert_eq!(back.get("Content"), Some(content), "{reply}");
    }
}

#[test]
fn passive_media_replies() {
    let xml = PassiveReply::Image {
        media_id: "m1".into(),
    }
    .to_xml("o", "gh", 1);
    assert_eq!(
        xml,
        "<xml><ToUserName><![CDATA[o]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[m1]]></MediaId></Image></xml>"
    );
    let video = PassiveReply::Video {
        media_id: "m".into(),
        title: "t".into(),
        description: "d".into(),
    }
    .to_xml("o", "gh", 1);
    assert!(Fields::read(&video).is_ok());
    assert!(
        PassiveReply::Voice {
            media_id: "v".into()
        }
        .to_xml("o", "gh", 1)
        .contains("<Voice><MediaId><![CDATA[v]]></MediaId></Voice>")
    );
}

#[test]
fn encrypted_reply_envelope() {
    let xml = encrypted_reply_xml("ab+/==", "sig", 1_411_525_903, "461056294");
    assert_eq!(
        xml,
        "<xml><Encrypt><![CDATA[ab+/==]]></Encrypt><MsgSignature><![CDATA[sig]]></MsgSignature><TimeStamp>1411525903</TimeStamp><Nonce><![CDATA[461056294]]></Nonce></xml>"
    );
    assert_eq!(parse_envelope(xml.as_bytes()).unwrap().encrypt, "ab+/==");
}
