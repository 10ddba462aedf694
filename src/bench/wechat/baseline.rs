//! Baselines taken outside the timed phase: the single-thread CPU cost of
//! the daemon's work per push, and the disk's fsync floor.

use std::path::Path;
use std::time::Instant;

use super::batch::Sample;
use super::report::median;
use super::target::Secrets;
use super::{CONNECTOR, CostModel};
use crate::connectors::Payload;
use crate::connectors::wechat::crypto::SafeModeCipher;
use crate::connectors::wechat::signature::{verify_msg_signature, verify_signature};
use crate::connectors::wechat::xml;
use crate::model::ConnectorId;
use crate::pipeline::Limits;
use crate::rules::RuleSet;

/// Times, on one thread, the work the daemon does per push: what the
/// webhook handler does (both signatures, the envelope, the compat probe,
/// AES, the plaintext parse) and the pipeline's prepare stage.
pub(super) fn cost_model(
    secrets: &Secrets,
    cipher: &SafeModeCipher,
    rules: &RuleSet,
    samples: &[Sample],
) -> CostModel {
    let n = samples.len().max(1) as f64;
    let mut cost = CostModel {
        samples: samples.len(),
        ..CostModel::default()
    };
    let mut envelopes = Vec::with_capacity(samples.len());
    let t = Instant::now();
    for s in samples {
        if let Ok(envelope) = xml::parse_envelope(&s.body) {
            let compat = xml::parse_push(&s.body).is_ok();
            envelopes.push((envelope.encrypt, compat));
        }
    }
    cost.envelope_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let mut valid = 0usize;
    for (s, (encrypt, _)) in samples.iter().zip(&envelopes) {
        if verify_signature(&secrets.token, &s.timestamp, &s.nonce, &s.signature)
            && verify_msg_signature(
                &secrets.token,
                &s.timestamp,
                &s.nonce,
                encrypt,
                &s.msg_signature,
            )
        {
            valid += 1;
        }
    }
    cost.signatures_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let plains: Vec<String> = envelopes
        .iter()
        .filter_map(|(encrypt, _)| cipher.decrypt(encrypt).ok())
        .collect();
    cost.decrypt_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let parsed = plains
        .iter()
        .filter(|p| xml::parse_push(p.as_bytes()).is_ok())
        .count();
    cost.parse_us = t.elapsed().as_secs_f64() * 1e6 / n;
    let limits = Limits {
        max_message_bytes: xml::MAX_BODY_BYTES as u64,
        max_attachment_bytes: 0,
    };
    let connector = ConnectorId(CONNECTOR.into());
    let payloads: Vec<Payload> = plains
        .into_iter()
        .map(|p| Payload::Wechat(p.into_bytes()))
        .collect();
    let now = chrono::Utc::now();
    let t = Instant::now();
    let prepared = payloads
        .iter()
        .filter(|p| crate::pipeline::prepare(&connector, p, now, &limits, rules).is_ok())
        .count();
    cost.prepare_us = t.elapsed().as_secs_f64() * 1e6 / n;
    if valid != samples.len() || parsed != samples.len() || prepared != samples.len() {
        // A bug in the generator, not a figure: say so rather than time it.
        eprintln!(
            "cost model: only {valid} signatures, {parsed} parses and {prepared} prepares of {} pushes succeeded",
            samples.len()
        );
    }
    cost
}

/// Times 50 × (write 4 KiB, fsync) of a scratch file in `dir`: the disk's
/// floor for one durable commit right now (virtual disks vary a lot).
pub(super) fn fsync_probe(dir: &Path) -> Option<(f64, f64)> {
    use std::io::{Seek as _, Write as _};
    let path = dir.join(format!(".fsync-probe-{}", std::process::id()));
    let mut file = std::fs::File::create(&path).ok()?;
    let block = [0x5au8; 4096];
    let mut times = Vec::with_capacity(50);
    for i in 0..50u64 {
        let t = Instant::now();
        let ok = file.seek(std::io::SeekFrom::Start(i * 4096)).is_ok()
            && file.write_all(&block).is_ok()
            && file.sync_all().is_ok();
        if !ok {
            break;
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let _ = std::fs::remove_file(&path);
    if times.is_empty() {
        return None;
    }
    times.sort_by(f64::total_cmp);
    let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
    Some((median(times), p90))
}
