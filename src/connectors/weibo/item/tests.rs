//! Page parsing against the shapes in research/weibo.md.
use super::*;

#[test]
fn statuses_page_with_string_and_int_ids() {
    let body = r#"{"statuses":[
        {"created_at":"Tue May 31 17:46:55 +0800 2011","id":"11488058246","mid":"11488058246",
         "idstr":"11488058246","text":"@支付宝 求助 [怒]\u200b","favorited":false,
         "user":{"id":1404376560,"idstr":"1404376560","screen_name":"zaku","province":"11"},
         "pic_urls":[{"thumbnail_pic":"http://ww1.sinaimg.cn/thumbnail/a.jpg"},
                     {"thumbnail_pic":"http://ww1.sinaimg.cn/thumbnail/b.jpg"}],
         "retweeted_status":null,"geo":null},
        {"created_at":"Wed Jun 01 00:00:00 +0800 2011","id":3382905382185354,
         "text":"转发 //@A:原评","user":{"idstr":"42","screen_name":"b"},
         "pic_urls":[],"pic_ids":["006abc"],
         "retweeted_status":{"id":1,"deleted":"1","text":"此微博已被原作者删除。"}}
    ],"previous_cursor":0,"next_cursor":0,"total_number":2}"#;
    let items = parse_page(body.as_bytes()).unwrap();
    assert_eq!(items.len(), 2);
    let a = &items[0];
    assert_eq!(a.kind, ItemKind::Status);
    assert_eq!(a.id, 11488058246);
    assert_eq!(a.created_at.to_rfc3339(), "2011-05-31T09:46:55+00:00");
    assert_eq!((a.author_id, a.author_name.as_str()), (1404376560, "zaku"));
    assert_eq!(a.text.own, "@支付宝 求助 [怒]");
    assert_eq!(a.text.mentions, ["支付宝"]);
    assert_eq!(a.pictures.len(), 2);
    assert_eq!((a.quoted.as_deref(), a.in_reply_to), (None, None));
    let b = &items[1];
    assert_eq!((b.id, b.author_id), (3382905382185354, 42));
    assert_eq!(b.quoted.as_deref(), Some("此微博已被原作者删除。"));
    assert_eq!(b.pictures, ["006abc"]);
    assert_eq!(b.text.repost_chain, [("A".to_string(), "原评".to_string())]);
}

#[test]
fn comments_page_with_status_and_reply() {
    let body = r#"{"comments":[
        {"created_at":"Mon Jul 16 18:09:20 +0800 2012","id":3526584588286949,
         "mid":"2121212245977249","idstr":"3526584588286949","text":"回复@客服:还是不行",
         "user":{"id":7,"screen_name":"c"},
         "status":{"id":"3526000000000001","text":"花呗怎么还款","user":{"id":8}},
         "reply_comment":{"id":3526584500000000,"text":"请私信","user":{"id":9}}},
        {"created_at":"Mon Jul 16 18:10:00 +0800 2012","id":"3526584588286950",
         "text":"同问","user":{"id":"10","screen_name":"d"},
         "status":{"idstr":"3526000000000001","text":"花呗怎么还款"}}
    ],"total_number":2}"#;
    let items = parse_page(body.as_bytes()).unwrap();
    assert_eq!(items.len(), 2);
    let a = &items[0];
    assert_eq!(a.kind, ItemKind::Comment);
    assert_eq!(a.id, 3526584588286949, "id, not mid");
    assert_eq!(a.quoted.as_deref(), Some("花呗怎么还款"));
    assert_eq!(a.in_reply_to, Some(3526584500000000));
    assert_eq!(a.text.mentions, ["客服"]);
    let b = &items[1];
    assert_eq!((b.id, b.author_id), (3526584588286950, 10));
    assert_eq!(b.in_reply_to, Some(3526000000000001));
}

#[test]
fn error_body_with_int_or_string_code() {
    let s =
        br#"{"error":"expired_token","error_code":"21327","request":"/2/statuses/update.json"}"#;
    assert_eq!(
        parse_page(s),
        Err(WeiboError::Api {
            code: 21327,
            message: "expired_token".to_string()
        })
    );
    let i = br#"{"error":"User requests out of rate limit!","error_code":10023,"request":"/2/x"}"#;
    assert!(matches!(
        parse_page(i),
        Err(WeiboError::Api { code: 10023, .. })
    ));
}

#[test]
fn malformed_input_is_an_error() {
    for body in [
        &b"{\"statuses\":[{"[..],
        b"not json",
        b"",
        b"[]",
        b"{}",
        b"\xff\xfe",
        br#"{"statuses":[{"id":"abc","created_at":"Tue May 31 17:46:55 +0800 2011","user":{"id":1}}]}"#,
        br#"{"statuses":[{"id":1,"user":{"id":1}}]}"#,
        br#"{"statuses":[{"id":1,"created_at":"yesterday","user":{"id":1}}]}"#,
        br#"{"statuses":[{"id":1,"created_at":"Tue May 31 17:46:55 +0800 2011"}]}"#,
        br#"{"error":"x","error_code":"abc"}"#,
    ] {
        assert!(parse_page(body).is_err(), "{:?}", String::from_utf8_lossy(body));
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let depth = 10_000;
    let body = format!(
        "{{\"statuses\":[{}{}]}}",
        "{\"retweeted_status\":".repeat(depth),
        "}".repeat(depth)
    );
    assert!(parse_page(body.as_bytes()).is_err());
}

#[test]
fn oversized_body_is_refused() {
    let body = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(
        parse_page(&body),
        Err(WeiboError::TooLarge {
            len: MAX_BODY_BYTES + 1
        })
    );
}
