//! Request signatures: `signature` (three values) and `msg_signature` (four).
//!
//! Both are the lowercase hex SHA-1 of the values sorted byte-wise and
//! concatenated without separator. In safe and compatible mode WeChat sends
//! both parameters and both must be checked: mixing them up is the most
//! reported WeChat integration bug (research/wechat.md §7.1).

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// The URL signature WeChat sends on the verification GET and on every POST:
/// SHA-1 over the sorted `token`, `timestamp`, `nonce`.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sorted_sha1_hex(&mut [token, timestamp, nonce])
}

/// The `msg_signature` of safe and compatible mode: SHA-1 over the sorted
/// `token`, `timestamp`, `nonce` and the `Encrypt` text exactly as received
/// (after XML unescaping, before base64 decoding). The same value signs an
/// encrypted passive reply (`MsgSignature`).
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sorted_sha1_hex(&mut [token, timestamp, nonce, encrypt])
}

/// Checks a received `signature` in constant time.
pub fn verify_signature(token: &str, timestamp: &str, nonce: &str, received: &str) -> bool {
    hex_eq(&signature(token, timestamp, nonce), received)
}

/// Checks a received `msg_signature` in constant time.
pub fn verify_msg_signature(
    token: &str,
    timestamp: &str,
    nonce: &str,
    encrypt: &str,
    received: &str,
) -> bool {
    hex_eq(&msg_signature(token, timestamp, nonce, encrypt), received)
}

fn sorted_sha1_hex(parts: &mut [&str]) -> String {
    // 字典序: a byte-wise sort, which is what `str`'s Ord is.
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts.iter() {
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// Constant time so that a forger cannot learn the expected signature a byte
/// at a time from response timings. WeChat sends lowercase hex; uppercase is
/// accepted too because the case carries no secret.
fn hex_eq(expected: &str, received: &str) -> bool {
    let received = received.to_ascii_lowercase();
    bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official sample message (WXBizMsgCrypt sample, vector A1).
    const A1_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    #[test]
    fn doc_enc_worked_example() {
        // DOC-ENC: Token=AAAAA, timestamp=1714037059, nonce=486452656.
        assert_eq!(
            signature("AAAAA", "1714037059", "486452656"),
            "899cf89e464efb63f54ddac96b0a0a235f53aa78"
        );
    }

    #[test]
    fn official_sample_signature_and_msg_signature() {
        assert_eq!(
            signature("spamtest", "1409735669", "1320562132"),
            "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"
        );
        assert_eq!(
            msg_signature("spamtest", "1409735669", "1320562132", A1_ENCRYPT),
            "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
        );
        assert!(verify_msg_signature(
            "spamtest",
            "1409735669",
            "1320562132",
            A1_ENCRYPT,
            "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
        ));
    }

    #[test]
    fn wechatpy_callback_vector() {
        assert_eq!(
            signature("789", "456", "123"),
            "f7c3bc1d808e04732adf679965ccc34ca7ae3441"
        );
    }

    #[test]
    fn the_three_value_signature_does_not_pass_as_msg_signature() {
        // research/wechat.md §7.1: passing `signature` where `msg_signature`
        // is due must fail, not be "fixed" by dropping Encrypt.
        let three = signature("spamtest", "1409735669", "1320562132");
        assert!(!verify_msg_signature(
            "spamtest",
            "1409735669",
            "1320562132",
            A1_ENCRYPT,
            &three
        ));
    }

    #[test]
    fn rejects_forged_truncated_and_empty_signatures() {
        let good = signature("t", "1", "2");
        assert!(verify_signature("t", "1", "2", &good));
        assert!(verify_signature("t", "1", "2", &good.to_ascii_uppercase()));
        assert!(!verify_signature("t", "1", "2", &good[..39]));
        assert!(!verify_signature("t", "1", "2", ""));
        assert!(!verify_signature("t", "1", "3", &good));
        let mut flipped = good.into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(!verify_signature("t", "1", "2", &flipped));
    }
}
