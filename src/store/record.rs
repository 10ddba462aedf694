//! How a message record is laid out: an optional pointer to its raw bytes,
//! then the message as JSON. Keeping the pointer inside the record saves a
//! key per message, and each key costs sled a node update.

use super::{StoreError, decode, encode};
use crate::model::Message;

/// First byte of a record that carries a raw pointer. JSON records start
/// with `{`, so the two layouts cannot be confused.
const WITH_RAW: u8 = 0x01;
/// Length of a raw pointer (`keys::raw_pointer`).
const POINTER_LEN: usize = 24;

/// Encodes a message record.
pub(super) fn encode_message(message: &Message, raw_pointer: Option<&[u8]>) -> Vec<u8> {
    let json = encode(message);
    match raw_pointer.filter(|p| p.len() == POINTER_LEN) {
        Some(pointer) => {
            let mut out = Vec::with_capacity(1 + POINTER_LEN + json.len());
            out.push(WITH_RAW);
            out.extend_from_slice(pointer);
            out.extend_from_slice(&json);
            out
        }
        None => json,
    }
}

/// Splits a record into its raw pointer (if any) and its JSON.
pub(super) fn split(bytes: &[u8]) -> (Option<&[u8]>, &[u8]) {
    match bytes.split_first() {
        Some((&WITH_RAW, rest)) if rest.len() >= POINTER_LEN => {
            let (pointer, json) = rest.split_at(POINTER_LEN);
            (Some(pointer), json)
        }
        _ => (None, bytes),
    }
}

/// Decodes a message record.
pub(super) fn decode_message(key: &[u8], bytes: &[u8]) -> Result<Message, StoreError> {
    decode(key, split(bytes).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_with_and_without_a_pointer_split_back() {
        let json = br#"{"id":"x"}"#;
        assert_eq!(split(json), (None, &json[..]));
        let mut with = vec![WITH_RAW];
        with.extend_from_slice(&[7u8; POINTER_LEN]);
        with.extend_from_slice(json);
        assert_eq!(split(&with), (Some(&[7u8; POINTER_LEN][..]), &json[..]));
        // A truncated record is treated as JSON, and fails to decode as such.
        assert_eq!(split(&with[..10]).0, None);
    }
}
