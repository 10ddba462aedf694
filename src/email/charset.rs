//! Charset labels → decoders, and the fallbacks for mislabelled text.
//!
//! Real-world Chinese mail is labelled `GB2312` but written in GBK (or
//! GB18030) by the sending client, so every GB label decodes as GB18030, the
//! superset. The decoders themselves are encoding_rs's, reached through
//! mail-parser's public `charset_decoder` (encoding_rs is not a direct
//! dependency of this crate).

use mail_parser::decoders::charsets::{DecoderFnc, map::charset_decoder};

/// The replacement character a lossy decoder leaves behind.
pub(super) const REPLACEMENT: char = '\u{FFFD}';

/// Every label we know for the GB2312 → GBK → GB18030 family, normalized
/// (lowercase, `_` → `-`). mail-parser knows most of them but not all
/// (`euc-cn`, `x-gb2312`, `cp-936`, ...); those would decode as lossy UTF-8.
const GB_LABELS: &[&str] = &[
    "gb2312",
    "gb-2312",
    "gb2312-80",
    "gb-2312-80",
    "csgb2312",
    "x-gb2312",
    "euc-cn",
    "x-euc-cn",
    "cseuccn",
    "chinese",
    "iso-ir-58",
    "csiso58gb231280",
    "gbk",
    "x-gbk",
    "csgbk",
    "cp936",
    "cp-936",
    "x-cp936",
    "ms936",
    "windows-936",
    "936",
    "x-mac-chinesesimp",
    "gb18030",
    "gb-18030",
    "x-gb18030",
    "csgb18030",
];

/// Labels for Big5 (encoding_rs's Big5 is the HKSCS superset, which is what
/// Hong Kong and Taiwanese clients actually send).
const BIG5_LABELS: &[&str] = &[
    "big5",
    "big-5",
    "big5-hkscs",
    "big5hkscs",
    "cn-big5",
    "x-big5",
    "x-x-big5",
    "csbig5",
    "cp950",
    "ms950",
    "windows-950",
    "x-mac-chinesetrad",
];

/// Labels that promise 7-bit text; 8-bit bytes under them are mislabelled.
const ASCII_LABELS: &[&str] = &["us-ascii", "ascii", "us", "ansi-x3.4-1968", "iso646-us"];

/// The charset families we treat specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// Any GB label: decoded as GB18030.
    Gb18030,
    /// Any Big5 label: decoded as Big5-HKSCS.
    Big5,
    /// `us-ascii` and friends.
    Ascii,
    /// Everything else: left to mail-parser's table.
    Other,
}

/// Lowercases, trims quotes and whitespace, drops an RFC 2231 `*language`
/// suffix and spells `_` as `-`, so `"GB_2312-80"` and `gb_2312-80*zh` meet.
pub(super) fn normalize_label(label: &str) -> String {
    let label = label.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let label = label.split('*').next().unwrap_or(label);
    label.to_ascii_lowercase().replace('_', "-")
}

/// Which family a charset label belongs to.
pub(super) fn family(label: &str) -> Family {
    let label = normalize_label(label);
    if GB_LABELS.contains(&label.as_str()) {
        Family::Gb18030
    } else if BIG5_LABELS.contains(&label.as_str()) {
        Family::Big5
    } else if ASCII_LABELS.contains(&label.as_str()) {
        Family::Ascii
    } else {
        Family::Other
    }
}

/// The decoder we use for `label`: GB18030 for the GB family, Big5 for the
/// Big5 family, else mail-parser's own table. None for unknown labels and for
/// ASCII labels (whose bytes, if 8-bit, are mislabelled anyway).
fn decoder_for(label: &str) -> Option<DecoderFnc> {
    match family(label) {
        Family::Gb18030 => charset_decoder(b"gb18030"),
        Family::Big5 => charset_decoder(b"big5"),
        Family::Ascii => None,
        Family::Other => charset_decoder(normalize_label(label).as_bytes()),
    }
}

/// True when mail-parser's decoding of a part labelled `label`, which gave
/// `decoded`, cannot be trusted and the bytes must be decoded again.
pub(super) fn needs_redecode(label: Option<&str>, decoded: &str) -> bool {
    if decoded.contains(REPLACEMENT) {
        return true;
    }
    let Some(label) = label else {
        return false;
    };
    match family(label) {
        // A CJK label mail-parser does not know fell back to lossy UTF-8 (or,
        // for plain ASCII bytes, is harmless to decode again).
        Family::Gb18030 | Family::Big5 => charset_decoder(label.as_bytes()).is_none(),
        // mail-parser decodes `us-ascii` as windows-1252, which turns GBK
        // bytes into Latin mojibake without any replacement character.
        Family::Ascii => !decoded.is_ascii(),
        Family::Other => false,
    }
}

/// Decodes `bytes` declared as `label`, best effort, never lossy when some
/// candidate decodes cleanly.
///
/// Order: the declared charset; strict UTF-8 (GB-labelled mail that is
/// really UTF-8); GB18030 (unlabelled or wrongly labelled Chinese, by far the
/// most common mislabel in a Chinese mailbox). When every candidate loses
/// characters, the declared charset's lossy result wins.
pub(super) fn decode(label: Option<&str>, bytes: &[u8]) -> String {
    let declared = label.and_then(decoder_for).map(|decoder| decoder(bytes));
    if let Some(text) = &declared
        && !text.contains(REPLACEMENT)
    {
        return text.clone();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    if let Some(text) = decode_gb18030(bytes)
        && !text.contains(REPLACEMENT)
    {
        return text;
    }
    declared.unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}

/// GB18030 via encoding_rs (None only if mail-parser was built without
/// `full_encoding`, in which case it has no GB decoder at all).
fn decode_gb18030(bytes: &[u8]) -> Option<String> {
    charset_decoder(b"gb18030").map(|decoder| decoder(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 张堃镕 in GBK: 堃 and 镕 are not in GB2312.
    const GBK_ONLY: &[u8] = b"\xd5\xc5\x88\xd2\xe9\x46";
    /// 😭 in GB18030: a four-byte sequence.
    const FOUR_BYTE: &[u8] = b"\x95\x30\x83\x31";

    #[test]
    fn every_gb_label_decodes_gbk_only_and_four_byte_sequences() {
        let mut bytes = GBK_ONLY.to_vec();
        bytes.extend_from_slice(FOUR_BYTE);
        for label in [
            "GB2312",
            "gb2312",
            "GBK",
            "gb_2312-80",
            "GB_2312-80",
            "x-gbk",
            "cp936",
            "CP936",
            "euc-cn",
            "x-gb2312",
            "GB18030",
            "\"gb2312\"",
            "gb2312*zh-cn",
        ] {
            assert_eq!(decode(Some(label), &bytes), "张堃镕😭", "label {label}");
        }
    }

    /// Pins what mail-parser 0.11.9 itself does with the labels it knows, so
    /// an upgrade that narrows them (a strict GB2312 decoder) fails here
    /// rather than in production.
    #[test]
    fn mail_parser_decodes_known_gb_labels_as_gb18030() {
        let mut bytes = GBK_ONLY.to_vec();
        bytes.extend_from_slice(FOUR_BYTE);
        for label in ["gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030"] {
            let decoder = charset_decoder(label.as_bytes());
            assert!(decoder.is_some(), "mail-parser lost label {label}");
            assert_eq!(decoder.map(|d| d(&bytes)).as_deref(), Some("张堃镕😭"));
            assert!(!needs_redecode(Some(label), "张堃镕😭"));
        }
    }

    #[test]
    fn labels_mail_parser_does_not_know_are_redecoded() {
        for label in ["euc-cn", "x-gb2312", "cp-936", "x-big5", "big-5"] {
            assert!(charset_decoder(label.as_bytes()).is_none(), "{label}");
            assert!(needs_redecode(Some(label), "plain ascii"), "{label}");
        }
    }

    #[test]
    fn big5_labels_decode_traditional_chinese() {
        // 凍結 in Big5.
        let bytes = b"\xad\xe1\xb5\xb2";
        for label in ["big5", "Big5-HKSCS", "x-big5", "cp950"] {
            assert_eq!(decode(Some(label), bytes), "凍結", "label {label}");
        }
    }

    #[test]
    fn mislabelled_and_unlabelled_text_falls_back() {
        // Really UTF-8, labelled GB2312.
        assert_eq!(decode(Some("gb2312"), "退款".as_bytes()), "退款");
        // Really GBK, unlabelled, labelled utf-8 or us-ascii.
        assert_eq!(decode(None, GBK_ONLY), "张堃镕");
        assert_eq!(decode(Some("utf-8"), GBK_ONLY), "张堃镕");
        assert_eq!(decode(Some("us-ascii"), GBK_ONLY), "张堃镕");
        assert!(needs_redecode(Some("us-ascii"), "Õ\u{c5}"));
        // Unknown label, ASCII bytes.
        assert_eq!(decode(Some("x-unknown"), b"hello"), "hello");
    }

    #[test]
    fn hopeless_bytes_stay_lossy_without_panicking() {
        let text = decode(Some("utf-8"), b"\xff\xfe\xff");
        assert!(text.contains(REPLACEMENT));
        assert_eq!(decode(Some(""), b""), "");
    }
}
