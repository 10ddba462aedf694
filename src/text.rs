//! Chinese text normalization for matching and hashing.
//!
//! The original text is always kept for display and replies; these functions
//! produce derived copies (research/trending.md §2.4):
//!
//! - [`fold`] is the *matching* form: NFKC, no zero-width characters,
//!   lowercase Latin, single spaces. Rule keywords and entity regexes run on
//!   it, so `＃双十二＃`, `＠支付宝` and `ＺＦＢ` match ASCII patterns.
//! - [`dedup_form`] is the *hashing* form: the author's own words reduced to
//!   letters and digits, so retries, double webhooks and cosmetic edits (emoji,
//!   links, punctuation width, repost tails) hash identically, and what is left
//!   is what the near-duplicate index shingles.
//!
//! Traditional → simplified conversion (§2.4 step 4) is not done here yet: it
//! needs an OpenCC implementation (`ferrous-opencc`), which is not a
//! dependency.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// The matching form of `s`: Unicode NFKC, zero-width characters removed,
/// Latin lowercased, whitespace runs collapsed to one space, trimmed.
///
/// NFKC turns full-width ASCII into ASCII (`＃＠，！？` → `#@,!?`,
/// `ＡＢ１２` → `AB12` → `ab12`) and U+3000 into a space, but leaves Chinese
/// punctuation such as `。、“”【】` and emoji alone.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // A space is only written once a non-space follows, which both collapses
    // runs and trims the end without a second pass.
    let mut pending_space = false;
    // Zero-width characters go *before* NFKC: left in, they are starters that
    // block canonical composition of the characters around them.
    for c in s.chars().filter(|&c| !is_zero_width(c)).nfkc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that render as nothing and are used to defeat keyword filters
/// and exact dedup (`支\u{200B}付宝`).
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Everything in the folded text that is not the author's own wording:
/// links, bare short links, @mentions and Weibo `[表情]` emoticon codes.
///
/// - URL characters are ASCII only (and exclude `[`, `]`, `@`, `,`, `!`),
///   because Chinese text usually follows a link without a space and NFKC has
///   already turned full-width punctuation into ASCII: `\S+` would eat
///   `http://t.cn/A6abc，谢谢` whole.
/// - Mentions follow Weibo nicknames: Han, Latin, digits, `_`, `-`, at most
///   30 "characters" with a Han counting as two, so at most 15 Han. A mention
///   typed without a following space or punctuation takes the next words with
///   it (`@支付宝我的红包…`); capping at 15 (not 30) halves that damage while
///   still covering every all-Han nickname.
/// - Emoji are not matched here: they are not letters or digits, so the
///   filter in [`dedup_form`] drops them.
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"https?://[0-9A-Za-z\-._~:/?#%&=+$*]+",
        r"|t\.cn/[0-9A-Za-z]+",
        r"|@[\p{L}\p{N}_\-]{1,15}",
        r"|\[[\p{Han}A-Za-z]{1,8}\]",
    ))
    .expect("NOISE is a valid regex")
});

/// The hashing form of `s` (research/trending.md §2.4 and §3): [`fold`], keep
/// only the author's own segment of a Weibo repost chain (before the first
/// `//@`), remove links, mentions, `[表情]` codes and emoji, keep only letters
/// and digits, and collapse runs of three or more identical letters to two
/// (`哈哈哈哈` → `哈哈`).
///
/// Runs of digits are *not* collapsed: `转错了10000元` and `转错了1000元` are
/// different complaints, and order or card numbers must not merge.
///
/// A pure repost (`//@A:…` with no comment of its own) has an empty hashing
/// form; callers should not treat two empty forms as duplicates of each other.
pub fn dedup_form(s: &str) -> String {
    dedup_form_of_folded(&fold(s))
}

/// [`dedup_form`] of text that is already [`fold`]ed, so the pipeline folds
/// each message once for both rules and hashing.
pub fn dedup_form_of_folded(folded: &str) -> String {
    let own = match folded.find("//@") {
        Some(at) => &folded[..at],
        None => folded,
    };
    let mut out = String::with_capacity(own.len());
    let mut run = RunCollapser::default();
    let mut kept = 0;
    for noise in NOISE.find_iter(own) {
        run.push_filtered(&own[kept..noise.start()], &mut out);
        kept = noise.end();
    }
    run.push_filtered(&own[kept..], &mut out);
    out
}

/// Writes letters and digits, dropping everything else, while limiting runs
/// of one repeated letter to two.
///
/// The run state survives across calls because noise removed between two
/// pieces (`哈[哈哈]哈哈`) must not split a run that the reader sees as one.
#[derive(Default)]
struct RunCollapser {
    last: Option<char>,
    run: usize,
}

impl RunCollapser {
    fn push_filtered(&mut self, piece: &str, out: &mut String) {
        for c in piece.chars() {
            if !c.is_alphanumeric() || is_pictograph(c) {
                continue;
            }
            if self.last == Some(c) {
                self.run += 1;
            } else {
                self.last = Some(c);
                self.run = 1;
            }
            if self.run <= 2 || c.is_numeric() {
                out.push(c);
            }
        }
    }
}

/// The supplementary-plane symbol blocks (enclosed alphanumerics, emoji,
/// pictographs, transport, …): a few of them (🅰, 🅱) carry the Unicode
/// `Alphabetic` property and would otherwise pass the letter filter.
fn is_pictograph(c: char) -> bool {
    ('\u{1F000}'..='\u{1FAFF}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_parts_then_joining_equals_folding_the_joined_text() {
        // The pipeline folds subject and text separately and joins them with
        // a space; that must equal folding "subject\ntext".
        for (subject, text) in [
            ("Ｒｅ：退款  ", "\n  我的ＲＥＦＵＮＤ\u{200B}没到账！！\n"),
            ("", "花呗　逾期"),
            ("转错账", ""),
            ("A\u{30A}", "\u{301}b"),
        ] {
            let joined = [fold(subject), fold(text)]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(
                joined,
                fold(&format!("{subject}\n{text}")),
                "{subject:?} {text:?}"
            );
        }
        let t = "我的红包领不了！！！！//@小明:同问 http://t.cn/A6abc [怒]😡";
        assert_eq!(dedup_form_of_folded(&fold(t)), dedup_form(t));
    }

    #[test]
    fn fold_turns_full_width_ascii_into_ascii() {
        assert_eq!(fold("＃双十二＃＠支付宝，！？"), "#双十二#@支付宝,!?");
        assert_eq!(fold("ＡＢ１２"), "ab12");
        assert_eq!(fold("花呗（逾期）～％"), "花呗(逾期)~%");
    }

    #[test]
    fn fold_keeps_chinese_punctuation() {
        assert_eq!(fold("你好。请问、“红包”【急】"), "你好。请问、“红包”【急】");
    }

    #[test]
    fn fold_collapses_and_trims_whitespace_including_ideographic_space() {
        assert_eq!(
            fold("\u{3000} 红包\u{3000}\u{3000}领不了 \t\n 啊 \u{3000}"),
            "红包 领不了 啊"
        );
        assert_eq!(fold("   "), "");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn fold_removes_zero_width_characters() {
        assert_eq!(
            fold("支\u{200B}付\u{200C}宝\u{200D}花\u{2060}呗\u{FEFF}"),
            "支付宝花呗"
        );
        // Removed before NFKC, so the accent still composes.
        assert_eq!(fold("e\u{200B}\u{301}"), "é");
    }

    #[test]
    fn fold_lowercases_latin() {
        assert_eq!(fold("ZFB Alipay HUABEI"), "zfb alipay huabei");
        assert_eq!(fold("ÀÉ"), "àé");
    }

    #[test]
    fn dedup_form_reduces_a_weibo_repost_to_the_authors_words() {
        assert_eq!(
            dedup_form("我的红包领不了！！！！//@小明:同问 http://t.cn/A6abc [怒]😡"),
            "我的红包领不了"
        );
    }

    #[test]
    fn dedup_form_strips_links_mentions_emoticons_and_emoji() {
        assert_eq!(
            dedup_form("＠支付宝 花呗逾期了怎么办？[泪][doge]😭👍🏽 http://t.cn/A6uEM1VU，t.cn/Zz9"),
            "花呗逾期了怎么办"
        );
        // A link directly followed by Chinese text does not swallow it.
        assert_eq!(dedup_form("看http://t.cn/A6abc，退款没到"), "看退款没到");
        assert_eq!(dedup_form("https://example.com/a?b=1#x退款"), "退款");
        // A family emoji (ZWJ sequence) and enclosed letters vanish entirely.
        assert_eq!(dedup_form("转账👨‍👩‍👧🅰️错了"), "转账错了");
    }

    #[test]
    fn dedup_form_collapses_letter_runs_but_not_digit_runs() {
        assert_eq!(dedup_form("哈哈哈哈哈，太慢了！！！！！"), "哈哈太慢了");
        assert_eq!(dedup_form("哈！哈！哈！"), "哈哈");
        assert_eq!(dedup_form("aaaa"), "aa");
        assert_eq!(dedup_form("转错了10000元"), "转错了10000元");
    }

    #[test]
    fn dedup_form_hides_width_and_case_differences() {
        assert_eq!(
            dedup_form("ＺＦＢ退款，到账了吗？"),
            dedup_form("zfb 退款,到账了吗?")
        );
    }

    #[test]
    fn dedup_form_of_a_pure_repost_is_empty() {
        assert_eq!(dedup_form("//@小明:红包领不了"), "");
        assert_eq!(dedup_form(""), "");
    }
}
