//! The pushes of one run, signed, AES-encrypted and built into their
//! requests before the clock starts.

use std::collections::HashMap;
use std::time::Instant;

use super::ClientKind;
use super::corpus::{Rng, message_text, openid};
use super::target::{Secrets, Target};
use crate::bench::BenchError;
use crate::connectors::wechat::crypto::SafeModeCipher;
use crate::connectors::wechat::signature::{msg_signature, signature};

/// The official account's own id (`ToUserName`).
const ACCOUNT: &str = "gh_3f1c9a7b2e4d";

/// One push, ready to go on the wire.
pub(super) struct WirePush {
    /// The whole request (raw client) or the URL (reqwest).
    pub(super) request: Vec<u8>,
    /// The body, for reqwest (empty for the raw client, whose `request` holds it).
    pub(super) body: Vec<u8>,
}

/// What a push should become once stored, for the spot check.
pub(super) struct Expected {
    pub(super) sender: String,
    pub(super) content: String,
}

/// All pushes of one run, and what each should become.
pub(super) struct Batch {
    pub(super) wire: Vec<WirePush>,
    pub(super) expected: HashMap<String, Expected>,
    /// The plaintext XML and query of the first pushes, for the cost model.
    pub(super) samples: Vec<Sample>,
    pub(super) encrypt_seconds: f64,
}

/// One push as the handler sees it, for the single-thread cost model.
pub(super) struct Sample {
    pub(super) timestamp: String,
    pub(super) nonce: String,
    pub(super) signature: String,
    pub(super) msg_signature: String,
    pub(super) body: Vec<u8>,
}

/// Encrypts and signs `count` pushes and builds their requests.
pub(super) fn build_batch(
    cipher: &SafeModeCipher,
    secrets: &Secrets,
    target: &Target,
    client: ClientKind,
    count: usize,
    users: usize,
    seed: u64,
) -> Result<Batch, BenchError> {
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let senders: Vec<String> = (0..users).map(|_| openid(&mut rng)).collect();
    let now = chrono::Utc::now().timestamp();
    // Distinct across runs against the same server, too.
    let msg_id_base = 6_000_000_000_000_000_000u64 + (seed % 1_000_000_000) * 1_000_000;
    let mut wire = Vec::with_capacity(count);
    let mut expected = HashMap::with_capacity(count);
    let mut samples = Vec::new();
    for i in 0..count {
        let sender = senders
            .get((rng.next() % users as u64) as usize)
            .cloned()
            .unwrap_or_default();
        let msg_id = msg_id_base + i as u64;
        let content = message_text(&mut rng);
        let plain = format!(
            "<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
        );
        let mut random = [0u8; 16];
        for b in &mut random {
            *b = rng.next() as u8;
        }
        let encrypt = cipher
            .encrypt(random, plain.as_bytes())
            .map_err(|e| BenchError::Args(format!("cannot encrypt a push: {e}")))?;
        let timestamp = now.to_string();
        let nonce = (100_000_000 + rng.next() % 900_000_000).to_string();
        let sig = signature(&secrets.token, &timestamp, &nonce);
        let msg_sig = msg_signature(&secrets.token, &timestamp, &nonce, &encrypt);
        let query = format!(
            "signature={sig}&timestamp={timestamp}&nonce={nonce}&openid={sender}&encrypt_type=aes&msg_signature={msg_sig}"
        );
        let body = format!(
            "<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
        .into_bytes();
        if samples.len() < 2_000 {
            samples.push(Sample {
                timestamp,
                nonce,
                signature: sig,
                msg_signature: msg_sig,
                body: body.clone(),
            });
        }
        let push = match client {
            ClientKind::Raw => {
                let mut request = format!(
                    "POST {}{query} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Mozilla/4.0\r\nAccept: */*\r\nPragma: no-cache\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
                    target.path_prefix,
                    target.authority,
                    body.len()
                )
                .into_bytes();
                request.extend_from_slice(&body);
                WirePush {
                    request,
                    body: Vec::new(),
                }
            }
            ClientKind::Reqwest => WirePush {
                request: format!("{}{query}", target.url_prefix).into_bytes(),
                body,
            },
        };
        wire.push(push);
        expected.insert(
            format!("msg:{msg_id}:{sender}"),
            Expected { sender, content },
        );
    }
    Ok(Batch {
        wire,
        expected,
        samples,
        encrypt_seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::wechat::crypto::AesKey;
    use crate::connectors::wechat::signature::verify_msg_signature;
    use crate::connectors::wechat::xml;
    use crate::rules::RuleSet;

    use super::super::baseline::cost_model;

    #[test]
    fn pushes_decrypt_and_verify_like_the_handler_does() {
        let secrets = Secrets {
            token: "tok".into(),
            encoding_aes_key: AesKey::from_bytes([5; 32]).to_encoding_aes_key(),
            app_id: "wx0123456789abcdef".into(),
        };
        let cipher = SafeModeCipher::new(AesKey::from_bytes([5; 32]), secrets.app_id.clone());
        let target = Target::parse("http://127.0.0.1:9/wechat/x").unwrap();
        let batch = build_batch(&cipher, &secrets, &target, ClientKind::Raw, 50, 10, 1).unwrap();
        assert_eq!(batch.wire.len(), 50);
        assert_eq!(batch.expected.len(), 50);
        let head = String::from_utf8_lossy(&batch.wire[0].request);
        assert!(head.starts_with("POST /wechat/x?signature="), "{head}");
        assert!(head.contains("&encrypt_type=aes&msg_signature="), "{head}");
        let cost = cost_model(&secrets, &cipher, &RuleSet::default(), &batch.samples);
        assert_eq!(cost.samples, 50);
        for s in &batch.samples {
            let envelope = xml::parse_envelope(&s.body).unwrap();
            assert!(verify_msg_signature(
                "tok",
                &s.timestamp,
                &s.nonce,
                &envelope.encrypt,
                &s.msg_signature
            ));
            let push = xml::parse_push(cipher.decrypt(&envelope.encrypt).unwrap().as_bytes());
            assert!(push.is_ok());
        }
    }
}
