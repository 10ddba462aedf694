//! Word segmentation with jieba-rs (`cut`, HMM on) plus the Alipay user
//! dictionary, with stop words, punctuation and bare numbers dropped and
//! each word kept once per message (trend counters count messages, not
//! repetitions).
//!
//! The input is normalized text with markup and entities already blanked
//! out (research/trending.md §2.1: URLs and ids otherwise shatter into
//! junk tokens).

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;

use super::dict::{DictFiles, UserWord};
use super::error::AnalysisError;

/// A shared jieba instance and stop-word set; cloning is cheap.
#[derive(Clone)]
pub struct Segmenter {
    inner: Arc<Inner>,
}

struct Inner {
    jieba: Jieba,
    stop_words: HashSet<String>,
    user_words: usize,
}

impl fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segmenter")
            .field("user_words", &self.inner.user_words)
            .field("stop_words", &self.inner.stop_words.len())
            .finish()
    }
}

/// Beyond this many tokens a message's seen-set switches from a linear scan
/// to a hash set (a 100 KB mail must not go quadratic).
const LINEAR_DEDUP: usize = 32;

impl Segmenter {
    /// jieba's default dictionary plus the user words and stop words of the
    /// dictionary directory `dir` (`rules/dict`).
    pub fn load(dir: &Path) -> Result<Segmenter, AnalysisError> {
        Ok(Segmenter::from_files(&DictFiles::read(dir)?))
    }

    /// jieba's default dictionary alone: no user words, no stop words (for
    /// tests). Built once per process.
    pub fn default_only() -> Segmenter {
        static DEFAULT: OnceLock<Segmenter> = OnceLock::new();
        DEFAULT
            .get_or_init(|| Segmenter::new(&[], Vec::new()))
            .clone()
    }

    /// From already-read dictionary files.
    pub fn from_files(files: &DictFiles) -> Segmenter {
        Segmenter::new(&files.words, files.stop_words.clone())
    }

    fn new(words: &[UserWord], stop_words: Vec<String>) -> Segmenter {
        let mut jieba = Jieba::new();
        for w in words {
            jieba.add_word(&w.word, w.freq, w.tag.as_deref());
        }
        Segmenter {
            inner: Arc::new(Inner {
                jieba,
                stop_words: stop_words.into_iter().collect(),
                user_words: words.len(),
            }),
        }
    }

    /// Whether `word` is in the dictionary (default or user).
    pub fn has_word(&self, word: &str) -> bool {
        self.inner.jieba.has_word(word)
    }

    /// Whether `word` is a stop word.
    pub fn is_stop_word(&self, word: &str) -> bool {
        self.inner.stop_words.contains(word)
    }

    /// The words of `text`, once each in order of first appearance, without
    /// stop words and without tokens that hold no letter (punctuation,
    /// spaces, bare numbers).
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut words: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for token in self.inner.jieba.cut(text, true) {
            let word = token.word;
            if !word.chars().any(char::is_alphabetic) || self.inner.stop_words.contains(word) {
                continue;
            }
            let new = if words.len() < LINEAR_DEDUP {
                !words.contains(&word)
            } else {
                if seen.is_empty() {
                    seen.extend(words.iter().copied());
                }
                seen.insert(word)
            };
            if new {
                words.push(word);
            }
        }
        words.into_iter().map(str::to_string).collect()
    }
}
