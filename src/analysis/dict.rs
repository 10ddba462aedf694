//! The dictionary directory (`rules/dict/`): user words for the segmenter
//! (`*.txt` in jieba's `word [freq] [tag]` format), stop words
//! (`stopwords.txt`) and aliases (`aliases.tsv`). Read at configuration
//! time only; every malformed line is reported as `file:line: message`.
//!
//! Every word is normalized as messages are (folded, simplified), so a file
//! may be written in traditional characters or full width.

use std::path::{Path, PathBuf};

use super::error::AnalysisError;
use super::normalize::normalize_word;

/// The stop-word file's name; every other `*.txt` is a user dictionary.
pub const STOP_WORDS_FILE: &str = "stopwords.txt";
/// The alias file's name.
pub const ALIASES_FILE: &str = "aliases.tsv";

/// A user word: always kept whole by the segmenter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWord {
    /// The word, normalized.
    pub word: String,
    /// jieba frequency; None lets jieba pick one just high enough to keep
    /// the word whole.
    pub freq: Option<usize>,
    /// Part-of-speech tag, if given.
    pub tag: Option<String>,
}

/// Everything read from a dictionary directory.
#[derive(Debug, Clone, Default)]
pub struct DictFiles {
    /// User words from every dictionary file, in file-name order.
    pub words: Vec<UserWord>,
    /// Stop words.
    pub stop_words: Vec<String>,
    /// `(alias, canonical)` pairs.
    pub aliases: Vec<(String, String)>,
}

impl DictFiles {
    /// Reads `dir`; a missing directory holds nothing (the defaults apply).
    pub fn read(dir: &Path) -> Result<DictFiles, AnalysisError> {
        let io = |path: &Path, source| AnalysisError::Io {
            path: path.to_path_buf(),
            source,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DictFiles::default()),
            Err(e) => return Err(io(dir, e)),
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with('.'))
                    && p.is_file()
            })
            .collect();
        paths.sort();
        let mut files = DictFiles::default();
        for path in paths {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let is_txt = path.extension().is_some_and(|e| e == "txt");
            if name != ALIASES_FILE && !is_txt {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            if name == ALIASES_FILE {
                files.aliases.extend(parse_aliases(&path, &text)?);
            } else if name == STOP_WORDS_FILE {
                files.stop_words.extend(parse_stop_words(&path, &text)?);
            } else {
                files.words.extend(parse_dictionary(&path, &text)?);
            }
        }
        Ok(files)
    }
}

/// The lines of `text` with comments (`#` at the start or after a space)
/// and surrounding whitespace removed, numbered from 1; blank lines skipped.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
        let line = match line.find('#') {
            Some(0) => "",
            Some(at) if line[..at].ends_with(char::is_whitespace) => &line[..at],
            _ => line,
        };
        let line = line.trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

/// A [`AnalysisError::BadLine`].
fn bad(path: &Path, line: usize, message: String) -> AnalysisError {
    AnalysisError::BadLine {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// One normalized word, which must stay one word.
fn word(path: &Path, line: usize, raw: &str) -> Result<String, AnalysisError> {
    let word = normalize_word(raw)?;
    if word.is_empty() || word.contains(char::is_whitespace) {
        return Err(bad(
            path,
            line,
            format!("{raw:?} is not a single word once normalized"),
        ));
    }
    Ok(word)
}

/// Parses a jieba user dictionary: `word [freq] [tag]` per line.
pub fn parse_dictionary(path: &Path, text: &str) -> Result<Vec<UserWord>, AnalysisError> {
    let mut out = Vec::new();
    for (line, content) in content_lines(text) {
        let fields: Vec<&str> = content.split_whitespace().collect();
        let (raw, freq, tag) = match fields.as_slice() {
            [w] => (*w, None, None),
            [w, second] if second.bytes().all(|b| b.is_ascii_digit()) => (*w, Some(*second), None),
            [w, second] => (*w, None, Some(*second)),
            [w, freq, tag] => (*w, Some(*freq), Some(*tag)),
            _ => {
                return Err(bad(
                    path,
                    line,
                    format!(
                        "expected `word [freq] [tag]`, found {} fields",
                        fields.len()
                    ),
                ));
            }
        };
        let freq = match freq {
            Some(f) => Some(f.parse::<usize>().ok().filter(|&f| f > 0).ok_or_else(|| {
                bad(
                    path,
                    line,
                    format!("frequency {f:?} is not a positive whole number"),
                )
            })?),
            None => None,
        };
        if let Some(tag) = tag
            && !tag.bytes().all(|b| b.is_ascii_alphabetic())
        {
            return Err(bad(
                path,
                line,
                format!("tag {tag:?} must be ASCII letters (such as `n`, `nz`)"),
            ));
        }
        out.push(UserWord {
            word: word(path, line, raw)?,
            freq,
            tag: tag.map(str::to_string),
        });
    }
    Ok(out)
}

/// Parses a stop-word file: words separated by whitespace, any per line.
pub fn parse_stop_words(path: &Path, text: &str) -> Result<Vec<String>, AnalysisError> {
    let mut out = Vec::new();
    for (line, content) in content_lines(text) {
        for raw in content.split_whitespace() {
            out.push(word(path, line, raw)?);
        }
    }
    Ok(out)
}

/// Parses an alias file: `alias<TAB>canonical` per line.
pub fn parse_aliases(path: &Path, text: &str) -> Result<Vec<(String, String)>, AnalysisError> {
    let mut out = Vec::new();
    for (line, content) in content_lines(text) {
        let fields: Vec<&str> = content.split_whitespace().collect();
        let [alias, canonical] = fields.as_slice() else {
            return Err(bad(
                path,
                line,
                format!(
                    "expected `alias<TAB>canonical`, found {} fields",
                    fields.len()
                ),
            ));
        };
        out.push((word(path, line, alias)?, word(path, line, canonical)?));
    }
    Ok(out)
}
