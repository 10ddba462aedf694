//! Nothing a customer can send makes the analysis panic or go quadratic.

use std::time::{Duration, Instant};

use super::analyzer;
use crate::analysis::masked_text;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn check(text: &str) {
    let a = analyzer().analyze(text);
    for e in &a.entities {
        assert!(a.folded.is_char_boundary(e.start) && a.folded.is_char_boundary(e.end));
        assert!(e.start < e.end && e.end <= a.folded.len());
    }
    let _ = masked_text(text);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..300 {
        let len = (rng.next() % 400) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check(&String::from_utf8_lossy(&bytes));
    }
    // Random picks from the characters the extractors care about.
    let alphabet: Vec<char> =
        "0123456789０１２３ -.,:/+＋xX@#[]¥$元块万點点半晚上下午订单号转给收款方月日号交易号*小明😡\u{200B}\u{FE0F}"
            .chars()
            .collect();
    for _ in 0..2000 {
        let len = (rng.next() % 80) as usize;
        let s: String = (0..len)
            .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
            .collect();
        check(&s);
    }
}

#[test]
fn hundred_kilobyte_inputs_are_handled_in_linear_time() {
    let big = 100_000;
    let inputs = [
        "1".repeat(big),
        "1 ".repeat(big / 2),
        "1-".repeat(big / 2),
        "¥1".repeat(big / 2),
        ".1万".repeat(big / 6),
        "#".repeat(big),
        "@".repeat(big),
        "[".repeat(big),
        "一点".repeat(big / 6),
        "订单号".repeat(big / 9),
        "花呗还款失败了".repeat(big / 21),
        "😡".repeat(big / 4),
        "转给了13812345678，".repeat(big / 32),
        "a1".repeat(big / 2),
    ];
    for input in &inputs {
        let start = Instant::now();
        check(input);
        // Generous for a debug build on a shared machine; a quadratic path
        // takes minutes here.
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}… took {:?}",
            &input.chars().take(8).collect::<String>(),
            start.elapsed()
        );
    }
}
