//! Our own RFC 2047 decoder for header text, used only when mail-parser's
//! result lost characters.
//!
//! mail-parser decodes each encoded word on its own, so a GBK or UTF-8
//! character whose bytes an encoder split across two words (common with
//! long Chinese subjects) becomes two U+FFFD. Here adjacent words in the same
//! charset are joined before decoding, unknown GB/Big5 labels are mapped by
//! [`super::charset`], and raw 8-bit header bytes (some Chinese clients send
//! unencoded GBK subjects) go through the same mislabel fallbacks as bodies.

use std::sync::LazyLock;

use mail_parser::decoders::base64::base64_decode;
use regex::bytes::Regex;

use super::charset;

/// `=?charset?B|Q?payload?=`; the payload may not contain `?` or spaces.
static ENCODED_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=").expect("constant regex compiles")
});

/// Decoded bytes of consecutive encoded words sharing one charset.
struct Pending {
    label: String,
    bytes: Vec<u8>,
}

/// Decodes one header value (unfolded or not) to text.
pub(super) fn decode_header(raw: &[u8]) -> String {
    // Unfolding removes the line breaks; the whitespace after them stays.
    let raw: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    let mut out = String::with_capacity(raw.len());
    let mut pending: Option<Pending> = None;
    let mut last_end = 0;
    let mut after_word = false;
    for word in ENCODED_WORD.captures_iter(&raw) {
        let (Some(whole), Some(label), Some(kind), Some(payload)) =
            (word.get(0), word.get(1), word.get(2), word.get(3))
        else {
            continue;
        };
        let Some(bytes) = decode_payload(kind.as_bytes(), payload.as_bytes()) else {
            // Not really an encoded word: it stays in the next gap as text.
            continue;
        };
        let gap = raw.get(last_end..whole.start()).unwrap_or_default();
        // RFC 2047 §6.2: whitespace between two encoded words is not text.
        let drop_gap = after_word && gap.iter().all(u8::is_ascii_whitespace);
        let label = String::from_utf8_lossy(label.as_bytes()).into_owned();
        match &mut pending {
            Some(p) if drop_gap && same_charset(&p.label, &label) => {
                p.bytes.extend_from_slice(&bytes);
            }
            _ => {
                flush(&mut out, pending.take());
                if !drop_gap {
                    out.push_str(&charset::decode(None, gap));
                }
                pending = Some(Pending { label, bytes });
            }
        }
        last_end = whole.end();
        after_word = true;
    }
    flush(&mut out, pending);
    out.push_str(&charset::decode(
        None,
        raw.get(last_end..).unwrap_or_default(),
    ));
    out.trim().to_owned()
}

fn flush(out: &mut String, pending: Option<Pending>) {
    if let Some(p) = pending {
        out.push_str(&charset::decode(Some(&p.label), &p.bytes));
    }
}

fn same_charset(a: &str, b: &str) -> bool {
    charset::normalize_label(a) == charset::normalize_label(b)
}

/// Undoes the B or Q encoding of one word's payload.
fn decode_payload(kind: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
    match kind {
        b"b" | b"B" => base64_decode(payload),
        _ => Some(decode_q(payload)),
    }
}

/// RFC 2047 "Q": `_` is a space, `=XX` a byte, anything else itself.
/// A malformed `=` escape is kept literally rather than rejected.
fn decode_q(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len());
    let mut i = 0;
    while let Some(&b) = payload.get(i) {
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = payload
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        // Tiny encoder for the tests only; the code under test decodes.
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    let index = ((n >> (18 - 6 * i)) & 63) as usize;
                    out.push(char::from(ALPHABET[index]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn joins_a_gbk_character_split_across_two_words() {
        // 张 = D5 C5 in GBK, split between the two words.
        let raw = format!("=?GBK?B?{}?= =?GBK?B?{}?=", b64(b"\xd5"), b64(b"\xc5"));
        assert_eq!(decode_header(raw.as_bytes()), "张");
    }

    #[test]
    fn maps_labels_mail_parser_does_not_know() {
        let raw = format!("=?euc-cn?B?{}?=", b64(b"\xd5\xc5\x88\xd2"));
        assert_eq!(decode_header(raw.as_bytes()), "张堃");
    }

    #[test]
    fn keeps_text_between_words_and_drops_folding() {
        let raw = format!(
            "Re: =?UTF-8?Q?=E9=80=80=E6=AC=BE?=\r\n =?utf-8?B?{}?= (2026)",
            b64("延迟".as_bytes())
        );
        assert_eq!(decode_header(raw.as_bytes()), "Re: 退款延迟 (2026)");
        let raw = "=?UTF-8?Q?a_b?= and =?UTF-8?Q?c?=";
        assert_eq!(decode_header(raw.as_bytes()), "a b and c");
    }

    #[test]
    fn raw_8bit_gbk_header_is_decoded() {
        assert_eq!(decode_header(b"\xcd\xcb\xbf\xee 35\xd4\xaa"), "退款 35元");
    }

    #[test]
    fn malformed_words_do_not_panic() {
        for raw in [
            &b"=?"[..],
            b"=?gbk?B?!!!?=",
            b"=?gbk?Q?=Z?=",
            b"=?gbk?Q?=?=",
            b"=??B??=",
            b"=?x?q?=e9=",
        ] {
            let _ = decode_header(raw);
        }
        assert_eq!(decode_header(b"=?gbk?Q?=Z?="), "=Z");
    }
}
