//! The normalized form every rule and counter sees: NFKC, no zero-width
//! characters, no emoji, lowercase Latin, traditional → simplified, aliases
//! folded (research/trending.md §2.4).
//!
//! The original text is kept elsewhere for display; these are derived copies.
//! The first steps reuse [`crate::text::fold`]; this module adds emoji
//! removal (an emoji variant of a complaint must count as the same
//! complaint), OpenCC `t2s` and the alias table.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

use super::alias::AliasTable;
use super::error::AnalysisError;

/// Text after NFKC, zero-width removal, lowercasing and whitespace folding,
/// with emoji taken out and kept aside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    /// The folded text; entity and markup spans are byte ranges into it.
    pub text: String,
    /// The emoji removed, once each in order of appearance (sentiment cues).
    pub emoji: Vec<String>,
}

/// [`crate::text::fold`] followed by emoji removal (and folding the spaces
/// an emoji leaves behind), so `花呗还不上😭` and `花呗还不上` fold alike.
pub fn fold(raw: &str) -> Folded {
    let text = crate::text::fold(raw);
    if !text.chars().any(is_emoji) {
        return Folded {
            text,
            emoji: Vec::new(),
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut emoji: Vec<String> = Vec::new();
    let mut pending_space = false;
    for c in text.chars() {
        if is_emoji(c) {
            if !is_emoji_modifier(c) {
                let mut buf = [0u8; 4];
                let s: &str = c.encode_utf8(&mut buf);
                if !emoji.iter().any(|e| e == s) {
                    emoji.push(s.to_string());
                }
            }
            continue;
        }
        if c == ' ' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    Folded { text: out, emoji }
}

/// Pictographs, dingbats and the characters that only shape them (variation
/// selectors, skin tones, keycaps, tags). A range test rather than a
/// `\p{Extended_Pictographic}` regex: it runs on every character.
pub fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2300}'..='\u{23FF}'
        | '\u{2B00}'..='\u{2BFF}'
        | '\u{00A9}' | '\u{00AE}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
    ) || is_emoji_modifier(c)
}

/// The parts of an emoji sequence that mean nothing alone.
fn is_emoji_modifier(c: char) -> bool {
    matches!(c,
        '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}'
    )
}

/// The converter and, beside it, which characters it can change: most
/// messages are already simplified and skip the conversion entirely.
struct T2s {
    opencc: OpenCC,
    /// One bit per code point below [`BITMAP_END`]: may `t2s` change it.
    changes: Vec<u64>,
}

/// Every character OpenCC's t2s tables change lies below this (U+2B726 is
/// the highest in ferrous-opencc 0.4).
const BITMAP_END: u32 = 0x3_0000;

/// Characters that t2s changes only inside a phrase (`回覆` → `回复`,
/// `一目瞭然` → `一目了然`), so converting them alone does not reveal them.
/// Computed from ferrous-opencc 0.4's `TSCharacters.txt`/`TSPhrases.txt`; a
/// test checks a phrase for each.
///
/// Only phrases whose other characters t2s leaves alone count: `么`, `俱`
/// and `彷` change only in `么麼`, `傢俱` and `彷彿`, whose `麼`, `傢`, `彿`
/// send the text through the converter anyway. Listing them would convert
/// every text saying 怎么 or 什么, a good share of all complaints, for
/// nothing.
const PHRASE_ONLY: &str = "沈牴瞭藉衹覆";

/// The CJK blocks probed for characters the conversion changes.
const PROBED: [(u32, u32); 3] = [(0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x2_0000, 0x2_FA1F)];

impl T2s {
    fn build() -> Result<T2s, String> {
        let opencc = OpenCC::from_config(BuiltinConfig::T2s).map_err(|e| e.to_string())?;
        let mut changes = vec![0u64; (BITMAP_END / 64) as usize];
        let mut set = |c: char| {
            let i = c as usize;
            if let Some(word) = changes.get_mut(i / 64) {
                *word |= 1 << (i % 64);
            }
        };
        let mut buf = [0u8; 4];
        for (lo, hi) in PROBED {
            for c in (lo..=hi).filter_map(char::from_u32) {
                let s: &str = c.encode_utf8(&mut buf);
                if opencc.convert(s) != s {
                    set(c);
                }
            }
        }
        PHRASE_ONLY.chars().for_each(set);
        Ok(T2s { opencc, changes })
    }

    fn may_change(&self, c: char) -> bool {
        let i = c as usize;
        self.changes
            .get(i / 64)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }

    fn convert<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if s.chars().any(|c| self.may_change(c)) {
            Cow::Owned(self.opencc.convert(s))
        } else {
            Cow::Borrowed(s)
        }
    }
}

/// The process-wide converter: building it decodes the embedded tables and
/// probes ~90 000 characters, so it is done once.
fn shared_t2s() -> Result<Arc<T2s>, AnalysisError> {
    static T2S: OnceLock<Result<Arc<T2s>, String>> = OnceLock::new();
    T2S.get_or_init(|| T2s::build().map(Arc::new))
        .clone()
        .map_err(AnalysisError::Converter)
}

/// Traditional → simplified conversion plus alias folding; cheap to clone.
#[derive(Clone)]
pub struct Normalizer {
    t2s: Arc<T2s>,
    aliases: Arc<AliasTable>,
}

impl fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Normalizer")
            .field("aliases", &self.aliases.len())
            .finish()
    }
}

impl Normalizer {
    /// A normalizer with the built-in alias table.
    pub fn new() -> Result<Normalizer, AnalysisError> {
        Normalizer::with_aliases(AliasTable::builtin())
    }

    /// A normalizer with this alias table (the hook for `aliases.tsv`).
    pub fn with_aliases(aliases: AliasTable) -> Result<Normalizer, AnalysisError> {
        Ok(Normalizer {
            t2s: shared_t2s()?,
            aliases: Arc::new(aliases),
        })
    }

    /// Traditional → simplified (OpenCC `t2s`); text without a traditional
    /// character is returned as is without running the converter.
    pub fn simplify<'a>(&self, s: &'a str) -> Cow<'a, str> {
        self.t2s.convert(s)
    }

    /// Replaces aliases by their canonical words (`zfb` → `支付宝`).
    pub fn fold_aliases<'a>(&self, s: &'a str) -> Cow<'a, str> {
        self.aliases.apply(s)
    }

    /// The full normalized form of raw text: [`fold`], [`Self::simplify`],
    /// [`Self::fold_aliases`]. Equal to [`super::Analysis::normalized`].
    pub fn normalize(&self, raw: &str) -> String {
        let folded = fold(raw);
        self.simplified_and_folded(&folded.text)
    }

    /// [`Self::simplify`] then [`Self::fold_aliases`] of already-folded text.
    pub fn simplified_and_folded(&self, folded: &str) -> String {
        let simple = self.simplify(folded);
        self.fold_aliases(&simple).into_owned()
    }
}

/// A dictionary, stop-word or alias entry in the form it must have to meet
/// normalized text: folded ([`crate::text::fold`]) and simplified, so a file
/// may be written in either script and any width or case.
pub(super) fn normalize_word(word: &str) -> Result<String, AnalysisError> {
    let folded = crate::text::fold(word);
    Ok(shared_t2s()?.convert(&folded).into_owned())
}
