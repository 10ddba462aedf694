//! Exact dedup keys: which stored message a redelivered input is.

use crate::model::Channel;

/// The native id of a mail: its Message-ID without the surrounding `<>` and
/// whitespace, or, when the header is missing or empty, `blake3:` and the hex
/// BLAKE3 hash of the raw bytes (so a re-fetched copy still dedups).
///
/// The Message-ID is otherwise kept as is: RFC 5322 ids compare
/// case-sensitively, so lowercasing would merge distinct mails.
pub fn email_native_id(message_id: Option<&str>, raw: &[u8]) -> String {
    let id = message_id
        .unwrap_or("")
        .trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace());
    if id.is_empty() {
        format!("blake3:{}", blake3::hash(raw).to_hex())
    } else {
        id.to_owned()
    }
}

/// The store key for a message's `(channel, native id)`: the channel name,
/// a 0x00 byte, then the native id's bytes.
///
/// Channel names never contain 0x00, so the separator keeps keys of different
/// channels apart even when one native id is a prefix of another, and all keys
/// of a channel share a scannable prefix. The native id is used byte for byte:
/// normalize it (e.g. with [`email_native_id`]) before calling.
pub fn key(channel: Channel, native_id: &str) -> Vec<u8> {
    let name = channel.as_str().as_bytes();
    let mut key = Vec::with_capacity(name.len() + 1 + native_id.len());
    key.extend_from_slice(name);
    key.push(0);
    key.extend_from_slice(native_id.as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_loses_brackets_and_whitespace_but_keeps_case() {
        assert_eq!(
            email_native_id(Some("  <AbC.123@mail.Example.com>\r\n"), b"raw"),
            "AbC.123@mail.Example.com"
        );
        assert_eq!(email_native_id(Some("x@y"), b"raw"), "x@y");
    }

    #[test]
    fn missing_or_empty_message_id_falls_back_to_content_hash() {
        let expected = format!("blake3:{}", blake3::hash(b"raw mail").to_hex());
        assert_eq!(email_native_id(None, b"raw mail"), expected);
        assert_eq!(email_native_id(Some(""), b"raw mail"), expected);
        assert_eq!(email_native_id(Some(" <> "), b"raw mail"), expected);
        assert_eq!(expected.len(), "blake3:".len() + 64);
        assert_ne!(email_native_id(None, b"other mail"), expected);
    }

    #[test]
    fn key_is_channel_nul_native_id() {
        assert_eq!(key(Channel::Email, "a@b"), b"email\0a@b".to_vec());
        assert_eq!(key(Channel::Weibo, "4890"), b"weibo\x004890".to_vec());
        assert_eq!(key(Channel::Wechat, ""), b"wechat\0".to_vec());
        assert_ne!(key(Channel::Weibo, "1"), key(Channel::Wechat, "1"));
    }
}
