//! Fuzzes `omnilisten::email::parse`: no input may panic, and whatever
//! parses must keep the promises `ParsedMail` documents.
//!
//! `parse` wraps mail-parser in `catch_unwind`, but libfuzzer-sys installs a
//! panic hook that aborts first, so a panic anywhere still shows up here as
//! a crash (and `parse` never reports `Unparseable` for a caught one).

#![no_main]

use libfuzzer_sys::fuzz_target;
use omnilisten::email::{self, MailError};

/// Above anything libFuzzer generates with its default `-max_len`.
const MAX_BYTES: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    match email::parse(data, MAX_BYTES) {
        Ok(mail) => {
            for text in [&mail.text, &mail.full_text] {
                assert!(!text.contains('\r'), "line endings must be \\n");
                assert!(
                    text.lines().all(|l| l.trim_end() == l),
                    "no trailing whitespace"
                );
                assert!(!text.contains('\u{200B}'), "no zero-width characters");
            }
            assert!(mail.full_text.is_empty() || !mail.text.is_empty());
            assert!(
                mail.message_id
                    .as_deref()
                    .is_none_or(|id| !id.contains(['<', '>']))
            );
            assert_eq!(mail.from.id, mail.from.id.to_lowercase());
        }
        Err(MailError::Unparseable { reason }) => panic!("parser panicked: {reason}"),
        Err(MailError::NotAMail { .. } | MailError::TooLarge { .. }) => {}
    }
});
