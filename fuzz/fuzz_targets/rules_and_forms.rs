//! Fuzzes what people write and send to the desk: rule files (the loader
//! must report problems, never panic, on any bytes a team member might save
//! in `rules/`), and login form bodies with their `next` target, which must
//! never lead off the site.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use omnilisten::auth::{form_field, safe_next};

/// One scratch rules directory per fuzzing process.
fn scratch() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("omnilisten-fuzz-rules-{}", std::process::id()));
        let _ = std::fs::create_dir_all(dir.join("templates"));
        let _ = std::fs::write(dir.join("templates/t.txt"), "{name}您好，工单 {ticket}");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let (first, rest) = data.split_at(data.len().min(1));
    if first.first().is_some_and(|b| b % 2 == 0) {
        let dir = scratch();
        let file = dir.join("fuzz.toml");
        if std::fs::write(&file, rest).is_ok() {
            let mut problems = Vec::new();
            let set = omnilisten::rules::load_files(&[file], dir, &[], &mut problems);
            // Whatever loaded is usable: evaluating it on an empty message must not panic.
            let _ = set.rules.len() + set.topics.len();
        }
    } else {
        let next = form_field(rest, "next");
        let target = safe_next(next.as_deref());
        assert!(target.starts_with('/'), "{target}");
        assert!(!target.starts_with("//"), "{target}");
        assert!(!target.contains('\\'), "{target}");
        assert!(!target.chars().any(char::is_control), "{target}");
    }
});
