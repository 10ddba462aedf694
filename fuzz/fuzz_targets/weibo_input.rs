//! Fuzzes what Weibo sends: API pages (`split_page`, then each item through
//! the pipeline's prepare stage), push messages (`parse_push`) and the text
//! analysis every message goes through. No input may panic; whatever an
//! item yields must be a Weibo message with a `status:`/`comment:` id.

#![no_main]

use std::sync::OnceLock;

use chrono::Utc;
use libfuzzer_sys::fuzz_target;
use omnilisten::analysis::Analyzer;
use omnilisten::connectors::Payload;
use omnilisten::connectors::weibo::{parse_push, split_page};
use omnilisten::model::{Channel, ConnectorId};
use omnilisten::pipeline::{Limits, prepare};
use omnilisten::rules::RuleSet;

fn analyzer() -> Option<&'static Analyzer> {
    static ANALYZER: OnceLock<Option<Analyzer>> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::default_only().ok()).as_ref()
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_message_bytes: 1 << 20,
        max_attachment_bytes: 1 << 20,
    };
    let rules = RuleSet::default();
    let connector = ConnectorId("fuzz".into());
    if let Ok(page) = split_page(data) {
        for item in page.items {
            let payload = Payload::Weibo(item.raw);
            if let Ok(ready) = prepare(&connector, &payload, Utc::now(), &limits, &rules) {
                assert_eq!(ready.message.channel, Channel::Weibo);
                assert!(
                    ready.message.native_id.starts_with("status:")
                        || ready.message.native_id.starts_with("comment:")
                );
            }
        }
    }
    let _ = parse_push(data);
    if let (Some(analyzer), Ok(text)) = (analyzer(), std::str::from_utf8(data)) {
        let analysis = analyzer.analyze(text);
        for card in &analysis.details.bank_cards {
            assert!(card.chars().filter(char::is_ascii_digit).count() <= 4, "{card}");
        }
    }
});
