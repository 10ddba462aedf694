//! The text analysis every rule and the trend detector run on
//! (research/trending.md §2): one [`Analyzer::analyze`] call per message.
//!
//! Order matters (§2.4):
//!
//! 1. **Fold** ([`normalize::fold`]): NFKC (full-width `＃＠１２３` → ASCII),
//!    zero-width characters removed, Latin lowercased, whitespace folded,
//!    emoji taken out (kept aside as sentiment cues).
//! 2. **Markup** ([`markup`]): hashtags, mentions, links, `[表情]` codes and
//!    `//@` repost markers, with spans.
//! 3. **Entities** ([`entities`]): trade and order numbers, amounts, dates,
//!    times, phones, bank cards, accounts, ID cards, on the folded text
//!    (spans index into [`Analysis::folded`]).
//! 4. **Normalize** ([`normalize::Normalizer`]): traditional → simplified
//!    (OpenCC t2s) and alias folding (`zfb` → `支付宝`) give
//!    [`Analysis::normalized`], the form rules match and hashes use.
//! 5. **Segment** ([`segment::Segmenter`]): jieba with the Alipay user
//!    dictionary on the normalized text with markup and entities blanked
//!    out; stop words dropped, each word once.
//!
//! Everything here is pure and fast (no I/O after loading the dictionary
//! directory); the original text is never changed, and personal numbers
//! leave this module masked ([`ExtractedDetails`], [`masked_text`]).
//!
//! | file | owns |
//! | --- | --- |
//! | `normalize` | folding, emoji, t2s, the [`Normalizer`] |
//! | `alias` | the alias table |
//! | `markup` | hashtags, mentions, links, emoticons, repost markers |
//! | `entities` | entity kinds and extraction (`digits`, `amount`, `datetime`, `labelled`) |
//! | `mask` | masking values and text |
//! | `details` | [`ExtractedDetails`] and copying them into a message |
//! | `dict` | reading `rules/dict/` |
//! | `segment` | jieba, stop words, tokens |

pub mod alias;
pub mod details;
pub mod dict;
pub mod entities;
mod error;
pub mod markup;
pub mod mask;
pub mod normalize;
pub mod segment;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use alias::AliasTable;
pub use details::{Amount, ExtractedDetails};
pub use entities::{Entity, EntityKind};
pub use error::AnalysisError;
pub use mask::{mask, masked_text};
pub use normalize::Normalizer;
pub use segment::Segmenter;

use dict::DictFiles;
use markup::MarkupKind;

/// Everything the analysis found in one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// NFKC, zero-width and emoji removed, lowercase, whitespace folded:
    /// the text entity and markup spans index into.
    pub folded: String,
    /// [`Self::folded`] simplified (t2s) with aliases folded: what rules
    /// match, counters count and hashes hash.
    pub normalized: String,
    /// Words without markup, entities and stop words, once each, in order.
    pub tokens: Vec<String>,
    /// Hashtag topics without `#`, normalized, once each.
    pub hashtags: Vec<String>,
    /// Mentioned names without `@`, normalized, once each.
    pub mentions: Vec<String>,
    /// Links, folded (lowercase: for counting, not for following), once each.
    pub links: Vec<String>,
    /// Emoticon names without brackets (`怒`), normalized, once each.
    pub emoticons: Vec<String>,
    /// Emoji removed from the text, once each.
    pub emoji: Vec<String>,
    /// Entities with raw (unmasked) values, by position.
    pub entities: Vec<Entity>,
    /// The entities grouped for agents, personal numbers masked.
    pub details: ExtractedDetails,
}

/// The analysis configuration: normalizer and segmenter. Cheap to clone and
/// shareable across threads.
#[derive(Debug, Clone)]
pub struct Analyzer {
    normalizer: Normalizer,
    segmenter: Segmenter,
}

impl Analyzer {
    /// An analyzer from its parts.
    pub fn new(normalizer: Normalizer, segmenter: Segmenter) -> Analyzer {
        Analyzer {
            normalizer,
            segmenter,
        }
    }

    /// Loads the dictionary directory (`rules/dict`): user words, stop
    /// words and aliases on top of the built-in ones. A missing directory
    /// gives the defaults.
    pub fn load(dict_dir: &Path) -> Result<Analyzer, AnalysisError> {
        let files = DictFiles::read(dict_dir)?;
        let aliases = AliasTable::builtin().extended(files.aliases.clone());
        Ok(Analyzer {
            normalizer: Normalizer::with_aliases(aliases)?,
            segmenter: Segmenter::from_files(&files),
        })
    }

    /// jieba's default dictionary and the built-in aliases only (for tests).
    pub fn default_only() -> Result<Analyzer, AnalysisError> {
        Ok(Analyzer::new(Normalizer::new()?, Segmenter::default_only()))
    }

    /// The normalizer in use.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The segmenter in use.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Analyzes one text (subject and body joined by the caller).
    pub fn analyze(&self, text: &str) -> Analysis {
        let normalize::Folded {
            text: folded,
            emoji,
        } = normalize::fold(text);
        let markup = markup::scan(&folded);
        let skip: Vec<(usize, usize)> = markup
            .iter()
            .filter(|m| m.kind != MarkupKind::Hashtag)
            .map(|m| (m.start, m.end))
            .collect();
        let entities = entities::extract_skipping(&folded, &skip);
        let normalized = self.normalizer.simplified_and_folded(&folded);

        // Segment the text with markup and entities blanked out: replacing
        // them by a space keeps the words on either side apart.
        let mut blanks: Vec<(usize, usize)> = markup
            .iter()
            .map(|m| (m.start, m.end))
            .chain(entities.iter().map(|e| (e.start, e.end)))
            .collect();
        blanks.sort_unstable();
        let mut words_only = String::with_capacity(folded.len());
        let mut kept = 0;
        for (start, end) in blanks {
            if start > kept {
                words_only.push_str(&folded[kept..start]);
            }
            words_only.push(' ');
            kept = kept.max(end);
        }
        words_only.push_str(&folded[kept.min(folded.len())..]);
        let tokens = self
            .segmenter
            .tokens(&self.normalizer.simplified_and_folded(&words_only));

        let mut analysis = Analysis {
            details: ExtractedDetails::from_entities(&entities),
            folded: String::new(),
            normalized,
            tokens,
            emoji,
            entities,
            ..Analysis::default()
        };
        for m in &markup {
            let (list, value) = match m.kind {
                MarkupKind::Hashtag => (
                    &mut analysis.hashtags,
                    self.normalizer.simplified_and_folded(&m.inner),
                ),
                MarkupKind::Mention => (
                    &mut analysis.mentions,
                    self.normalizer.simplified_and_folded(&m.inner),
                ),
                MarkupKind::Emoticon => (
                    &mut analysis.emoticons,
                    self.normalizer.simplified_and_folded(&m.inner),
                ),
                MarkupKind::Link => (&mut analysis.links, m.inner.clone()),
                MarkupKind::RepostMarker => continue,
            };
            let value = value.trim();
            if !value.is_empty() && !list.iter().any(|v| v == value) {
                list.push(value.to_string());
            }
        }
        analysis.folded = folded;
        analysis
    }
}
