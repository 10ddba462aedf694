//! Page splitting: ids in every form, error bodies, big pages, hostile input.
use super::*;
use crate::connectors::weibo::parse_page;

fn status(id: &str) -> String {
    format!(
        r#"{{"created_at":"Tue May 31 17:46:55 +0800 2011",{id},"text":"@支付宝 花呗逾期了",
            "user":{{"id":1404376560,"screen_name":"zaku"}}}}"#
    )
}

#[test]
fn ids_are_read_from_int_string_or_idstr() {
    let body = format!(
        r#"{{"statuses":[{},{},{},{},{}],"total_number":"5","next_cursor":3481481697541987}}"#,
        status(r#""id":3382905382185354"#),
        status(r#""id":"3382905382185355""#),
        status(r#""idstr":"3382905382185356""#),
        status(r#""id":"not a number","idstr":"3382905382185357""#),
        status(r#""mid":"3382905382185358""#),
    );
    let page = split_page(body.as_bytes()).unwrap();
    let ids: Vec<_> = page.items.iter().map(|i| i.id).collect();
    assert_eq!(
        ids,
        [
            Some(3382905382185354),
            Some(3382905382185355),
            Some(3382905382185356),
            Some(3382905382185357),
            None
        ]
    );
    assert_eq!(page.total_number, Some(5));
    assert_eq!(page.next_cursor, Some(3481481697541987));
    assert!(page.items.iter().all(|i| i.kind == ItemKind::Status));
}

#[test]
fn each_item_is_a_page_parse_page_reads() {
    let body = format!(
        r#"{{"statuses":[{},{}]}}"#,
        status(r#""id":1"#),
        status(r#""id":2"#)
    );
    let page = split_page(body.as_bytes()).unwrap();
    for (n, item) in page.items.iter().enumerate() {
        let parsed = parse_page(&item.raw).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].id, n as i64 + 1);
        assert_eq!(parsed[0].text.own, "@支付宝 花呗逾期了");
    }
    let value: Value = serde_json::from_slice(&page.items[0].raw).unwrap();
    assert_eq!(value["statuses"][0]["user"]["screen_name"], "zaku");
}

#[test]
fn comments_are_split_as_comments() {
    let body = r#"{"comments":[{"id":7,"text":"回复@客服:还是不行"},"not an object"],
        "total_number":2,"next_cursor":0}"#;
    let page = split_page(body.as_bytes()).unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].kind, ItemKind::Comment);
    assert_eq!(page.items[0].id, Some(7));
    assert!(page.items[0].raw.starts_with(b"{\"comments\":["));
    // Returned anyway, so that the pipeline quarantines it with its reason.
    assert_eq!(page.items[1].id, None);
    assert_eq!(page.items[1].raw, br#"{"comments":["not an object"]}"#);
}

#[test]
fn error_bodies_with_int_or_string_code_are_api_errors() {
    let int = br#"{"error":"User requests out of rate limit!","error_code":10023,"request":"/2/statuses/mentions.json"}"#;
    assert_eq!(
        split_page(int),
        Err(WeiboError::Api {
            code: 10023,
            message: "User requests out of rate limit!".into()
        })
    );
    let string = br#"{"error":"Insufficient app permissions!","error_code":"10014","request":"/2/short_url/shorten.json"}"#;
    assert!(matches!(
        split_page(string),
        Err(WeiboError::Api { code: 10014, .. })
    ));
    // An error body wins over a (stray) statuses key.
    let both = br#"{"statuses":[],"error":"expired_token","error_code":21327}"#;
    assert!(matches!(
        split_page(both),
        Err(WeiboError::Api { code: 21327, .. })
    ));
    let no_code = br#"{"error":"something"}"#;
    assert!(matches!(split_page(no_code), Err(WeiboError::Malformed(_))));
}

#[test]
fn a_full_page_of_200_statuses_splits_into_200_items() {
    let elements: Vec<String> = (0..200)
        .map(|n| {
            status(&format!(
                r#""id":{},"idstr":"{}""#,
                4_230_466_846_817_001_i64 - n,
                4_230_466_846_817_001_i64 - n
            ))
        })
        .collect();
    let body = format!(
        r#"{{"statuses":[{}],"total_number":950}}"#,
        elements.join(",")
    );
    let page = split_page(body.as_bytes()).unwrap();
    assert_eq!(page.items.len(), 200);
    assert_eq!(page.items[199].id, Some(4_230_466_846_816_802));
    assert_eq!(page.total_number, Some(950));
}

#[test]
fn an_empty_page_is_empty_and_a_null_array_is_no_page() {
    assert!(split_page(br#"{"statuses":[]}"#).unwrap().items.is_empty());
    assert!(matches!(
        split_page(br#"{"statuses":null}"#),
        Err(WeiboError::Malformed(_))
    ));
    let bom = b"\xEF\xBB\xBF {\"comments\":[]}";
    assert!(split_page(bom).unwrap().items.is_empty());
}

#[test]
fn not_a_page_is_malformed_and_too_large_is_refused_unread() {
    for body in [
        &b""[..],
        b"<xml></xml>",
        b"[]",
        b"{}",
        b"{\"type\":\"mention\"}",
        b"{\"statuses\":{}}",
        b"\xff\xfe",
    ] {
        assert!(
            matches!(split_page(body), Err(WeiboError::Malformed(_))),
            "{body:?}"
        );
    }
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(
        split_page(&big),
        Err(WeiboError::TooLarge {
            len: MAX_BODY_BYTES + 1
        })
    );
}

#[test]
fn garbage_and_every_truncation_never_panic() {
    let body = format!(
        r#"{{"statuses":[{},{}],"total_number":2}}"#,
        status(r#""id":"3382905382185354""#),
        status(r#""idstr":"\u4e2d""#)
    );
    let bytes = body.as_bytes();
    for end in 0..bytes.len() {
        let _ = split_page(&bytes[..end]);
    }
    // Byte flips at every position, and nesting deep enough to overflow a
    // naive recursive parser.
    for i in 0..bytes.len() {
        let mut mutated = bytes.to_vec();
        mutated[i] ^= 0x5a;
        let _ = split_page(&mutated);
    }
    let deep = format!(
        r#"{{"statuses":[{}1{}]}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(split_page(deep.as_bytes()).is_err());
}
