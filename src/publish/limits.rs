//! How long a reply may be on each channel, checked where a draft is
//! edited (the review desk) and again before it is published.

use super::wechat::MAX_TEXT_BYTES;
use crate::model::Channel;

/// Longest Weibo comment, in characters. Weibo documents "不超过140个汉字"
/// and counts two ASCII characters as one 汉字, so a Latin-heavy text may
/// pass at Weibo that this refuses: counting every `char` as one is the
/// conservative reading, never a 20012 after approval.
pub const WEIBO_MAX_CHARS: usize = 140;

/// Whether `body` (trimmed, as it would be published) fits `channel`; the
/// error says by how much it does not, for a reviewer.
pub fn check_length(channel: Channel, body: &str) -> Result<(), String> {
    let body = body.trim();
    match channel {
        Channel::Weibo => {
            let chars = body.chars().count();
            if chars > WEIBO_MAX_CHARS {
                return Err(format!(
                    "the reply is {chars} characters; Weibo comments take at most {WEIBO_MAX_CHARS} (shorten it by {})",
                    chars - WEIBO_MAX_CHARS
                ));
            }
        }
        Channel::Wechat => {
            if body.len() > MAX_TEXT_BYTES {
                return Err(format!(
                    "the reply is {} bytes; WeChat customer-service texts take at most {MAX_TEXT_BYTES} (a Chinese character is 3 bytes)",
                    body.len()
                ));
            }
        }
        // Mail has no length limit worth refusing a reply for.
        Channel::Email => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weibo_counts_characters_not_bytes() {
        let exactly = "支".repeat(WEIBO_MAX_CHARS);
        assert_eq!(check_length(Channel::Weibo, &exactly), Ok(()));
        let over = "a".repeat(WEIBO_MAX_CHARS + 1);
        let err = check_length(Channel::Weibo, &over)
            .err()
            .unwrap_or_default();
        assert!(err.contains("141 characters"), "{err}");
        // Surrounding whitespace is not published, so it does not count.
        assert_eq!(
            check_length(Channel::Weibo, &format!("  {exactly}\n")),
            Ok(())
        );
    }

    #[test]
    fn wechat_counts_utf8_bytes_and_email_has_no_limit() {
        let fits = "支".repeat(MAX_TEXT_BYTES / 3);
        assert_eq!(check_length(Channel::Wechat, &fits), Ok(()));
        let over = "支".repeat(MAX_TEXT_BYTES / 3 + 1);
        assert!(check_length(Channel::Wechat, &over).is_err());
        assert_eq!(check_length(Channel::Email, &over.repeat(10)), Ok(()));
    }
}
