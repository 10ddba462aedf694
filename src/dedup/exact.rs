//! Exact dedup keys: which stored message a redelivered input is.

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
}
