//! WeChat's error answers: `{"errcode":N,"errmsg":"…"}`, HTTP 200 either way.

use serde::Deserialize;

/// errcodes that mean "this access token is no good": invalid or not the
/// latest (40001), malformed (40014), expired (42001). An expired token has
/// been seen answering 40014, so all three mean "refresh" (research §5.3).
pub(super) const TOKEN_ERRCODES: [i64; 3] = [40001, 40014, 42001];

/// "System busy, retry later".
pub(super) const BUSY: i64 = -1;

/// The fields every WeChat JSON answer may carry.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Status {
    /// 0 on success; absent from some successful answers (tokens, media).
    pub errcode: Option<i64>,
    /// WeChat's own text, sometimes Chinese, with a request id.
    #[serde(default)]
    pub errmsg: String,
}

/// Is `code` a token error that a refresh may cure?
pub(super) fn is_token_error(code: i64) -> bool {
    TOKEN_ERRCODES.contains(&code)
}

/// How much of WeChat's `errmsg` an error keeps: enough to search for, not a wall of text.
const ERRMSG_LIMIT: usize = 200;

/// A sentence an operator can act on, ending in the code.
pub(super) fn reason(code: i64, errmsg: &str) -> String {
    let known = match code {
        -1 => "WeChat is busy; retry later",
        40001 => "the access token is invalid or not the latest, or the AppSecret is wrong",
        40003 => "invalid openid: the user is not a follower of this account",
        40007 => "invalid media_id: unknown, or older than the 3 days temporary media are kept",
        40013 => "invalid AppID",
        40014 => "malformed access token",
        40125 => "invalid AppSecret",
        40164 => "this server's IP address is not on the account's IP whitelist",
        42001 => "the access token has expired",
        43004 => "the user does not follow the account",
        45009 => "the account's daily quota for this API is used up",
        45015 => "the 48-hour customer-service window has closed or the user unfollowed",
        45047 => "customer-service quota for this user exhausted",
        48001 => "the account is not authorized for this API",
        _ => "",
    };
    if known.is_empty() {
        let msg: String = errmsg.chars().take(ERRMSG_LIMIT).collect();
        format!("WeChat answered error {code}: {msg}")
    } else {
        format!("{known} ({code})")
    }
}
