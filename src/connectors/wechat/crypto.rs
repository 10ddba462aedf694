//! Safe-mode (安全模式) message encryption.
//!
//! Layout, from the official WXBizMsgCrypt samples and wechatpy
//! (research/wechat.md §2.3):
//!
//! ```text
//! base64( AES-256-CBC( key, iv = key[..16],
//!     pkcs7_32( random(16) ‖ len(msg) as u32 BE ‖ msg ‖ AppID ) ) )
//! ```
//!
//! Two quirks make stock tools fail here, so both steps are done by hand:
//! the PKCS#7 padding goes to **32-byte** blocks (pad values 17..=32 occur in
//! the published vectors and are refused by 16-byte unpadders), and the key is
//! the EncodingAESKey plus `=` decoded by a base64 decoder that tolerates
//! non-zero trailing bits (3 keys in 4 have them).
//!
//! No MAC protects the ciphertext: callers must check `msg_signature` before
//! calling [`SafeModeCipher::decrypt`], so the padding and length checks here
//! never act as an oracle for unsigned input.

use aes::Aes256;
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};

/// WeChat pads to 32 bytes, not AES's 16 (research/wechat.md §2.3, §7.4).
const PAD_BLOCK: usize = 32;
const RANDOM_LEN: usize = 16;
const LEN_FIELD: usize = 4;
const AES_BLOCK: usize = 16;

/// 43 characters + `=` carry 258 bits for a 32-byte key: the last character
/// has two unused bits, which a strict decoder refuses when they are non-zero.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Why a safe-mode message could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The configured EncodingAESKey is not 43 base64 characters (official
    /// sample code -40004).
    #[error("the EncodingAESKey must be 43 characters of [A-Za-z0-9+/]")]
    InvalidKey,
    /// The `Encrypt` text is not standard base64 (-40010).
    #[error("the ciphertext is not valid base64")]
    Base64,
    /// The ciphertext is empty or not whole AES blocks: truncated in transit.
    #[error("the ciphertext is {len} bytes, not a positive multiple of 16")]
    CiphertextLength {
        /// Decoded ciphertext length in bytes.
        len: usize,
    },
    /// The last byte is not a valid 32-byte-block PKCS#7 pad: wrong key or
    /// tampered ciphertext (-40007).
    #[error("the decrypted padding is invalid (wrong key or tampered ciphertext)")]
    Padding,
    /// The plaintext cannot hold the 16 random bytes and the length field:
    /// wrong key or tampered ciphertext (-40008).
    #[error("the decrypted plaintext is {len} bytes, too short for its 20-byte header")]
    TooShort {
        /// Plaintext length after unpadding.
        len: usize,
    },
    /// The declared message length does not fit the decrypted buffer: wrong
    /// key or tampered ciphertext (-40008).
    #[error("the decrypted message length {declared} exceeds the {available} bytes available")]
    MessageLength {
        /// The big-endian length field.
        declared: usize,
        /// Bytes left after the random prefix and the length field.
        available: usize,
    },
    /// The trailing id is not the configured AppID (-40005).
    #[error("the message was encrypted for AppID {found:?}, not {expected:?}")]
    AppIdMismatch {
        /// The configured AppID.
        expected: String,
        /// The id found in the message (lossily decoded).
        found: String,
    },
    /// The decrypted message is not UTF-8, so it cannot be XML.
    #[error("the decrypted message is not UTF-8")]
    NotUtf8,
    /// The system's random source failed, so no reply could be encrypted.
    #[error("no randomness for the reply: {0}")]
    Random(String),
}

/// The 32-byte AES key derived from an EncodingAESKey.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey([u8; 32]);

impl AesKey {
    /// Derives the key as `base64_decode(encoding_aes_key + "=")`, tolerating
    /// the unused trailing bits of the 43rd character.
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError::InvalidKey);
        }
        let mut padded = String::with_capacity(44);
        padded.push_str(encoding_aes_key);
        padded.push('=');
        let bytes = KEY_ENGINE
            .decode(padded)
            .map_err(|_| CryptoError::InvalidKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::InvalidKey)?;
        Ok(AesKey(key))
    }

    /// Builds a key from raw bytes (tests, and keys generated here).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        AesKey(bytes)
    }

    /// The EncodingAESKey that derives this key: base64 without the `=`.
    pub fn to_encoding_aes_key(&self) -> String {
        let mut text = STANDARD.encode(self.0);
        text.pop();
        text
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }
}

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A key must never reach a log line.
        f.write_str("AesKey(..)")
    }
}

/// One account's safe-mode cipher: the AES key and the AppID every message
/// must end with.
#[derive(Debug, Clone)]
pub struct SafeModeCipher {
    key: AesKey,
    app_id: String,
}

impl SafeModeCipher {
    /// A cipher for `app_id`. The AppID to configure is the one the platform
    /// encrypts with: for third-party platforms that is the component AppID
    /// (research/wechat.md §7.8).
    pub fn new(key: AesKey, app_id: impl Into<String>) -> Self {
        SafeModeCipher {
            key,
            app_id: app_id.into(),
        }
    }

    /// The AppID messages are checked against.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// Decrypts an `Encrypt` value to the message XML, checking padding,
    /// length and AppID. Check `msg_signature` first.
    pub fn decrypt(&self, encrypt: &str) -> Result<String, CryptoError> {
        let mut buf = STANDARD
            .decode(encrypt.trim())
            .map_err(|_| CryptoError::Base64)?;
        if buf.is_empty() || !buf.len().is_multiple_of(AES_BLOCK) {
            return Err(CryptoError::CiphertextLength { len: buf.len() });
        }
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        cbc::Decryptor::<Aes256>::new(&self.key.0.into(), &self.key.iv().into())
            .decrypt_blocks(blocks);
        let plain = unpad32(&buf)?;

        let (len_field, rest) = plain
            .get(RANDOM_LEN..)
            .and_then(|body| body.split_at_checked(LEN_FIELD))
            .ok_or(CryptoError::TooShort { len: plain.len() })?;
        let mut len_bytes = [0u8; LEN_FIELD];
        len_bytes.copy_from_slice(len_field);
        // A wrong key yields a random length (WxJava#622: "1611744036 > 320"):
        // bounds-check before slicing.
        let declared = usize::try_from(u32::from_be_bytes(len_bytes)).unwrap_or(usize::MAX);
        let (msg, app_id) = rest
            .split_at_checked(declared)
            .ok_or(CryptoError::MessageLength {
                declared,
                available: rest.len(),
            })?;
        if app_id != self.app_id.as_bytes() {
            return Err(CryptoError::AppIdMismatch {
                expected: self.app_id.clone(),
                // A wrong key leaves kilobytes of garbage here; the error
                // ends up in logs, so keep it short.
                found: String::from_utf8_lossy(&app_id[..app_id.len().min(64)]).into_owned(),
            });
        }
        String::from_utf8(msg.to_vec()).map_err(|_| CryptoError::NotUtf8)
    }

    /// Encrypts `msg` (a passive-reply XML) to an `Encrypt` value. The 16
    /// random bytes are the caller's, so tests are deterministic; in
    /// production they must come from a CSPRNG and never repeat.
    pub fn encrypt(&self, random: [u8; 16], msg: &[u8]) -> Result<String, CryptoError> {
        let len = u32::try_from(msg.len()).map_err(|_| CryptoError::MessageLength {
            declared: msg.len(),
            available: u32::MAX as usize,
        })?;
        let unpadded = RANDOM_LEN + LEN_FIELD + msg.len() + self.app_id.len();
        // Always pad, a whole block at an exact multiple: Tencent silently
        // drops replies without a pad (esap/wechat#43).
        let pad = PAD_BLOCK - unpadded % PAD_BLOCK;
        let mut buf = Vec::with_capacity(unpadded + pad);
        buf.extend_from_slice(&random);
        buf.extend_from_slice(&len.to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(self.app_id.as_bytes());
        // pad <= 32, so the cast is lossless.
        buf.resize(unpadded + pad, pad as u8);
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        cbc::Encryptor::<Aes256>::new(&self.key.0.into(), &self.key.iv().into())
            .encrypt_blocks(blocks);
        Ok(STANDARD.encode(&buf))
    }
}

/// Strips a PKCS#7 pad of 1..=32 bytes, all equal to the pad length.
fn unpad32(buf: &[u8]) -> Result<&[u8], CryptoError> {
    let &last = buf.last().ok_or(CryptoError::Padding)?;
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > buf.len() {
        return Err(CryptoError::Padding);
    }
    let (plain, padding) = buf.split_at(buf.len() - pad);
    if padding.iter().any(|&b| b != last) {
        return Err(CryptoError::Padding);
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A1_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const A1_APP_ID: &str = "wx2c2769f8efd9abc2";
    const A1_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
    const A1_XML: &str = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n\
<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n\
<CreateTime>1409735668</CreateTime>\n\
<MsgType><![CDATA[text]]></MsgType>\n\
<Content><![CDATA[abcdteT]]></Content>\n\
<MsgId>6054768590064713728</MsgId>\n\
</xml>";

    fn a1() -> SafeModeCipher {
        SafeModeCipher::new(AesKey::from_encoding_aes_key(A1_KEY).unwrap(), A1_APP_ID)
    }

    /// splitmix64: deterministic test data without a rand dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn bytes<const N: usize>(&mut self) -> [u8; N] {
            let mut out = [0u8; N];
            for b in &mut out {
                *b = self.next() as u8;
            }
            out
        }
    }

    /// wechatpy tests/test_crypto.py (WeCom: the corp id stands where the
    /// AppID does; same layout, key derivation and padding).
    const W_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
    const W_CORP_ID: &str = "wx49f0ab532d5d035a";
    const W_TOKEN: &str = "123456";

    fn w() -> SafeModeCipher {
        SafeModeCipher::new(AesKey::from_encoding_aes_key(W_KEY).unwrap(), W_CORP_ID)
    }

    #[test]
    fn wechatpy_echostr_vector() {
        let echo = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
        assert!(super::super::signature::verify_msg_signature(
            W_TOKEN,
            "1411443780",
            "437374425",
            echo,
            "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
        ));
        assert!(!w().decrypt(echo).unwrap().is_empty());
    }

    #[test]
    fn wechatpy_decrypt_vector() {
        let encrypt = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
        assert!(super::super::signature::verify_msg_signature(
            W_TOKEN,
            "1411525903",
            "461056294",
            encrypt,
            "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
        ));
        let xml = w().decrypt(encrypt).unwrap();
        assert!(xml.contains("<Content><![CDATA[test]]></Content>"), "{xml}");
        assert!(
            xml.contains("<FromUserName><![CDATA[messense]]></FromUserName>"),
            "{xml}"
        );
    }

    #[test]
    fn wechatpy_encrypt_vector() {
        let reply = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
        let expected = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3";
        let encrypt = w().encrypt(*b"1234567890123456", reply.as_bytes()).unwrap();
        assert_eq!(encrypt, expected);
        assert_eq!(
            super::super::signature::msg_signature(W_TOKEN, "1411525903", "461056294", &encrypt),
            "407518b7649e86ef23978113f92d27afa9296533"
        );
        assert_eq!(w().decrypt(&encrypt).unwrap(), reply);
    }

    #[test]
    fn official_sample_decrypts_to_the_exact_xml() {
        assert_eq!(a1().decrypt(A1_ENCRYPT).unwrap(), A1_XML);
    }

    #[test]
    fn official_sample_reencrypts_byte_for_byte() {
        // The sample's 16 "random" bytes are the ASCII text 89465c840c5f116f
        // (research/wechat.md §2.3); with them encryption must reproduce it.
        let random: [u8; 16] = *b"89465c840c5f116f";
        assert_eq!(a1().encrypt(random, A1_XML.as_bytes()).unwrap(), A1_ENCRYPT);
    }

    #[test]
    fn sample_key_needs_lenient_base64() {
        // The last character `G` has non-zero unused bits: a strict decoder
        // refuses it ("Invalid last symbol 71, offset 42").
        assert!(STANDARD.decode(format!("{A1_KEY}=")).is_err());
        let key = AesKey::from_encoding_aes_key(A1_KEY).unwrap();
        assert_eq!(&key.0[..4], &[0x69, 0xb7, 0x1d, 0x79]);
    }

    #[test]
    fn rejects_malformed_encoding_aes_keys() {
        for bad in [
            "",
            "abc",
            &format!("{A1_KEY}A"),
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDE!G",
        ] {
            assert_eq!(
                AesKey::from_encoding_aes_key(bad),
                Err(CryptoError::InvalidKey),
                "{bad}"
            );
        }
    }

    #[test]
    fn round_trips_random_keys_around_every_block_boundary() {
        let mut rng = Rng(0x0a11_ba5e);
        let mut pads_seen = [false; 33];
        for len in 0..=100usize {
            for app_id in ["wx2c2769f8efd9abc2", "wx1", ""] {
                let key = AesKey::from_bytes(rng.bytes::<32>());
                // Through the EncodingAESKey text, as configured in practice.
                let key = AesKey::from_encoding_aes_key(&key.to_encoding_aes_key()).unwrap();
                let cipher = SafeModeCipher::new(key, app_id);
                let msg: String = (0..len)
                    .map(|_| char::from(b'a' + (rng.next() % 26) as u8))
                    .collect();
                let encrypt = cipher.encrypt(rng.bytes::<16>(), msg.as_bytes()).unwrap();
                let raw = STANDARD.decode(&encrypt).unwrap();
                let unpadded = 16 + 4 + len + app_id.len();
                // Always a pad, and a whole 32-byte block at an exact multiple.
                assert_eq!(raw.len(), (unpadded / 32 + 1) * 32, "len {len}");
                pads_seen[raw.len() - unpadded] = true;
                assert_eq!(cipher.decrypt(&encrypt).unwrap(), msg, "len {len}");
            }
        }
        // Every pad value 1..=32 was exercised, including the 17..=32 that
        // 16-byte unpadders refuse.
        assert!(pads_seen[1..].iter().all(|&seen| seen));
    }

    #[test]
    fn round_trips_multibyte_utf8() {
        let cipher = a1();
        let msg = "<xml><Content><![CDATA[你好 😀 /::) [吃瓜]]]></Content></xml>";
        let encrypt = cipher.encrypt([7; 16], msg.as_bytes()).unwrap();
        assert_eq!(cipher.decrypt(&encrypt).unwrap(), msg);
    }

    #[test]
    fn wrong_app_id_is_a_typed_error() {
        let other = SafeModeCipher::new(
            AesKey::from_encoding_aes_key(A1_KEY).unwrap(),
            "wx0000000000000000",
        );
        assert_eq!(
            other.decrypt(A1_ENCRYPT),
            Err(CryptoError::AppIdMismatch {
                expected: "wx0000000000000000".into(),
                found: A1_APP_ID.into(),
            })
        );
    }

    #[test]
    fn non_base64_and_truncated_input_are_typed_errors() {
        let cipher = a1();
        assert_eq!(cipher.decrypt("not base64!"), Err(CryptoError::Base64));
        assert_eq!(
            cipher.decrypt(""),
            Err(CryptoError::CiphertextLength { len: 0 })
        );
        let raw = STANDARD.decode(A1_ENCRYPT).unwrap();
        for cut in [1, 15, 17, 31, 33] {
            let short = STANDARD.encode(&raw[..raw.len() - cut]);
            assert!(
                matches!(
                    cipher.decrypt(&short),
                    Err(CryptoError::CiphertextLength { .. })
                ),
                "cut {cut}"
            );
        }
        // Whole blocks dropped from the end: the pad is gone, or the length
        // field no longer fits.
        for keep in [16, 32, 48, 64, 288] {
            let short = STANDARD.encode(&raw[..keep]);
            assert!(cipher.decrypt(&short).is_err(), "keep {keep}");
        }
        // A well-padded plaintext shorter than the 20-byte header.
        let key = AesKey::from_encoding_aes_key(A1_KEY).unwrap();
        let mut buf = vec![0u8; 32];
        buf[18..].fill(14);
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        cbc::Encryptor::<Aes256>::new(&key.0.into(), &key.iv().into()).encrypt_blocks(blocks);
        assert_eq!(
            cipher.decrypt(&STANDARD.encode(&buf)),
            Err(CryptoError::TooShort { len: 18 })
        );
    }

    #[test]
    fn wrong_key_and_tampering_never_panic_and_never_pass() {
        let mut rng = Rng(42);
        let raw = STANDARD.decode(A1_ENCRYPT).unwrap();
        for _ in 0..2000 {
            let mut bad = raw.clone();
            let i = (rng.next() as usize) % bad.len();
            bad[i] ^= 1 << (rng.next() % 8);
            // Any flip garbles at least one block, so the message cannot come
            // back unchanged.
            assert_ne!(
                a1().decrypt(&STANDARD.encode(&bad)).ok().as_deref(),
                Some(A1_XML)
            );
        }
        for _ in 0..200 {
            let cipher = SafeModeCipher::new(AesKey::from_bytes(rng.bytes::<32>()), A1_APP_ID);
            assert!(cipher.decrypt(A1_ENCRYPT).is_err());
        }
    }

    #[test]
    fn padding_is_checked_to_32_bytes() {
        assert_eq!(unpad32(&[1, 2, 3, 3, 3]), Ok(&[1, 2][..]));
        assert_eq!(unpad32(&[1, 2, 3, 2, 3]), Err(CryptoError::Padding));
        assert_eq!(unpad32(&[0; 32]), Err(CryptoError::Padding));
        assert_eq!(unpad32(&[33; 64]), Err(CryptoError::Padding));
        assert_eq!(unpad32(&[32; 32]), Ok(&[][..]));
        assert_eq!(unpad32(&[21; 21]), Ok(&[][..]));
        assert_eq!(unpad32(&[]), Err(CryptoError::Padding));
    }

    #[test]
    fn bad_padding_after_decryption_is_a_typed_error() {
        // Encrypt a buffer whose last byte is 0 with the raw mode, then ask
        // the cipher to open it.
        let key = AesKey::from_encoding_aes_key(A1_KEY).unwrap();
        let mut buf = vec![0u8; 64];
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        cbc::Encryptor::<Aes256>::new(&key.0.into(), &key.iv().into()).encrypt_blocks(blocks);
        assert_eq!(
            a1().decrypt(&STANDARD.encode(&buf)),
            Err(CryptoError::Padding)
        );
    }

    #[test]
    fn garbage_length_field_is_bounds_checked() {
        // WxJava#622: a huge length must be an error, not an out-of-bounds slice.
        let key = AesKey::from_encoding_aes_key(A1_KEY).unwrap();
        let mut buf = vec![0u8; 64];
        buf[16..20].copy_from_slice(&1_611_744_036u32.to_be_bytes());
        buf[63] = 1;
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        cbc::Encryptor::<Aes256>::new(&key.0.into(), &key.iv().into()).encrypt_blocks(blocks);
        assert_eq!(
            a1().decrypt(&STANDARD.encode(&buf)),
            Err(CryptoError::MessageLength {
                declared: 1_611_744_036,
                available: 43
            })
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = AesKey::from_encoding_aes_key(A1_KEY).unwrap();
        assert_eq!(format!("{key:?}"), "AesKey(..)");
    }
}
