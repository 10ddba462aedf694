use chrono::{TimeDelta, TimeZone, Utc};

use super::cache::CachedToken;
use super::media::{json_answer, sanitize_file_name};
use super::send::classify;
use super::token::{TokenReply, parse_reply};
use super::*;

fn at(h: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap() + TimeDelta::hours(h)
}

fn reply(json: &str) -> Result<CachedToken, TokenError> {
    let reply: TokenReply = serde_json::from_str(json).unwrap();
    parse_reply(reply, at(0))
}

#[test]
fn window_is_open_for_48_hours_after_the_users_last_message() {
    assert!(window_open(at(0), at(0)));
    assert!(window_open(at(0), at(47)));
    assert!(window_open(at(0), at(48) - TimeDelta::seconds(1)));
    assert!(!window_open(at(0), at(48)));
    assert!(!window_open(at(0), at(72)));
    // A last message "in the future" (clock skew) keeps the window open.
    assert!(window_open(at(1), at(0)));
}

#[test]
fn send_errcodes_are_classified() {
    assert!(matches!(classify(0, "ok"), Ok(())));
    for code in [40001, 40014, 42001] {
        assert!(matches!(classify(code, ""), Err(Attempt::TokenRejected(c)) if c == code));
    }
    assert!(matches!(
        classify(-1, "system error"),
        Err(Attempt::Failed(SendError::Transient { .. }))
    ));
    let Err(Attempt::Failed(err)) = classify(45015, "response out of time limit") else {
        panic!("45015 must fail");
    };
    assert_eq!(err, SendError::window_closed());
    assert_eq!(
        err.to_string(),
        "the 48-hour customer-service window has closed or the user unfollowed (45015)"
    );
    let Err(Attempt::Failed(err)) = classify(99999, "brand new error") else {
        panic!("unknown codes fail");
    };
    assert_eq!(
        err,
        SendError::Permanent {
            code: Some(99999),
            reason: "WeChat answered error 99999: brand new error".into()
        }
    );
}

#[test]
fn known_errcodes_have_readable_reasons() {
    for (code, words) in [
        (40003, "invalid openid"),
        (40013, "invalid AppID"),
        (40125, "invalid AppSecret"),
        (40164, "IP whitelist"),
        (43004, "does not follow"),
        (45009, "daily quota"),
        (45047, "quota for this user exhausted"),
        (48001, "not authorized"),
    ] {
        let reason = errcode::reason(code, "raw");
        assert!(reason.contains(words), "{code}: {reason}");
        assert!(reason.ends_with(&format!("({code})")), "{reason}");
    }
}

#[test]
fn long_errmsg_is_cut() {
    let reason = errcode::reason(12345, &"x".repeat(10_000));
    assert!(reason.len() < 300);
}

#[test]
fn token_reply_margin_is_five_minutes_or_ten_percent() {
    let t = reply(r#"{"access_token":"T","expires_in":7200}"#).unwrap();
    assert_eq!(t.expires_at, at(2));
    assert_eq!(t.refresh_at, at(2) - TimeDelta::minutes(5));
    let t = reply(r#"{"access_token":"T","expires_in":300}"#).unwrap();
    assert_eq!(t.refresh_at, at(0) + TimeDelta::seconds(270));
    assert!(t.is_fresh(at(0) + TimeDelta::seconds(269)));
    assert!(!t.is_fresh(at(0) + TimeDelta::seconds(270)));
}

#[test]
fn token_reply_errors() {
    assert_eq!(
        reply(r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#),
        Err(TokenError::Rejected {
            code: 40125,
            reason: "invalid AppSecret (40125)".into()
        })
    );
    assert!(matches!(
        reply(r#"{"errcode":-1,"errmsg":"system error"}"#),
        Err(TokenError::Unavailable { .. })
    ));
    assert!(matches!(
        reply(r#"{"expires_in":7200}"#),
        Err(TokenError::Unavailable { .. })
    ));
    assert!(matches!(
        reply(r#"{"access_token":"","expires_in":7200}"#),
        Err(TokenError::Unavailable { .. })
    ));
}

#[test]
fn secrets_are_redacted_in_debug() {
    let token = AccessToken::new("SECRET_TOKEN_VALUE");
    let cached = CachedToken {
        token: token.clone(),
        expires_at: at(2),
        refresh_at: at(1),
    };
    assert!(!format!("{token:?} {cached:?}").contains("SECRET_TOKEN_VALUE"));
    let config = ApiConfig {
        api_base: "https://api.weixin.qq.com".into(),
        app_id: "wx1".into(),
        app_secret: "APP_SECRET_VALUE".into(),
        token_endpoint: TokenEndpoint::Stable,
    };
    assert!(!format!("{config:?}").contains("APP_SECRET_VALUE"));
}

#[test]
fn cached_token_round_trips_through_json() {
    let cached = CachedToken {
        token: AccessToken::new("T"),
        expires_at: at(2),
        refresh_at: at(1),
    };
    let json = serde_json::to_vec(&cached).unwrap();
    assert_eq!(
        serde_json::from_slice::<CachedToken>(&json).unwrap(),
        cached
    );
}

#[test]
fn content_disposition_file_name() {
    let name = |v: &str| disposition_file_name(v);
    assert_eq!(
        name(r#"attachment; filename="MEDIA_ID.jpg""#).as_deref(),
        Some("MEDIA_ID.jpg")
    );
    assert_eq!(
        name("attachment; FileName=voice.amr").as_deref(),
        Some("voice.amr")
    );
    assert_eq!(
        name(r#"attachment; filename="../../etc/passwd""#).as_deref(),
        Some("passwd")
    );
    assert_eq!(
        name(r#"attachment; filename="C:\\temp\\x.png""#).as_deref(),
        Some("x.png")
    );
    assert_eq!(name(r#"attachment; filename="..""#), None);
    assert_eq!(name(r#"attachment; filename="""#), None);
    assert_eq!(name("attachment"), None);
    assert_eq!(name(r#"filename="x.jpg""#), None, "the type comes first");
}

#[test]
fn file_names_are_sanitized() {
    assert_eq!(
        sanitize_file_name("a\u{0}b\nc.jpg").as_deref(),
        Some("abc.jpg")
    );
    assert_eq!(sanitize_file_name(".hidden").as_deref(), Some("hidden"));
    assert_eq!(sanitize_file_name("dir/").as_deref(), None);
    let long = sanitize_file_name(&"图".repeat(200)).unwrap();
    assert!(long.len() <= 255 && long.chars().all(|c| c == '图'));
}

#[test]
fn media_json_answers() {
    assert_eq!(
        json_answer(br#"{"video_url":"http://v/1.mp4"}"#).ok(),
        Some(Media::VideoUrl("http://v/1.mp4".into()))
    );
    assert!(matches!(
        json_answer(br#"{"errcode":40007,"errmsg":"invalid media_id"}"#),
        Err(Attempt::Failed(MediaError::Permanent {
            code: Some(40007),
            ..
        }))
    ));
    assert!(matches!(
        json_answer(br#"{"errcode":42001,"errmsg":"access_token expired"}"#),
        Err(Attempt::TokenRejected(42001))
    ));
    assert!(matches!(
        json_answer(br#"{"errcode":-1}"#),
        Err(Attempt::Failed(MediaError::Transient { .. }))
    ));
    assert!(matches!(
        json_answer(b"not json"),
        Err(Attempt::Failed(MediaError::Permanent { code: None, .. }))
    ));
    assert!(matches!(
        json_answer(b"{}"),
        Err(Attempt::Failed(MediaError::Permanent { code: None, .. }))
    ));
}
