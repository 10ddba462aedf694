//! One config file being checked: its text, the TOML tree parsed from it, and
//! the problems found so far, located by the byte spans toml reports.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::Problem;
use super::fields::{fields_of, unknown_key_message};

/// A config file's path and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given (kept relative so problems print the way the user typed it).
    pub path: PathBuf,
    /// The whole file.
    pub text: String,
}

impl SourceFile {
    /// Reads a file; an unreadable or non-UTF-8 file is a problem without a line.
    pub fn read(path: &Path) -> Result<SourceFile, Problem> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(SourceFile {
                path: path.to_path_buf(),
                text,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(Problem::whole_file(path, "file not found"))
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(Problem::whole_file(
                path,
                "not valid UTF-8 (save it as UTF-8)",
            )),
            Err(e) => Err(Problem::whole_file(path, format!("cannot read: {e}"))),
        }
    }

    /// The 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// A problem at the start of `span`.
    pub fn problem_at(&self, span: Range<usize>, message: impl Into<String>) -> Problem {
        let (line, column) = self.line_column(span.start);
        Problem {
            file: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    /// A problem from a toml parse or deserialize error, at the error's span.
    pub fn toml_problem(&self, error: &toml::de::Error) -> Problem {
        // `message()` is one line; `Display` adds a source excerpt we do not want.
        self.problem_at(error.span().unwrap_or(0..0), error.message().trim_end())
    }
}

/// The checking of one file: helpers that turn toml values into raw structs
/// and collect every problem instead of stopping at the first.
#[derive(Debug)]
pub struct FileCheck<'a> {
    /// The file being checked.
    pub source: &'a SourceFile,
    /// Directory relative paths in the file are resolved against (the config file's directory).
    pub base_dir: &'a Path,
    problems: Vec<Problem>,
}

impl<'a> FileCheck<'a> {
    /// Starts checking `source`.
    pub fn new(source: &'a SourceFile, base_dir: &'a Path) -> FileCheck<'a> {
        FileCheck {
            source,
            base_dir,
            problems: Vec::new(),
        }
    }

    /// Records a problem at `span`.
    pub fn report(&mut self, span: Range<usize>, message: impl Into<String>) {
        let problem = self.source.problem_at(span, message);
        self.problems.push(problem);
    }

    /// Records a problem found in another file this one refers to (a template).
    pub fn report_elsewhere(&mut self, problems: impl IntoIterator<Item = Problem>) {
        self.problems.extend(problems);
    }

    /// Ends the check, handing back what it found in line order (checks run
    /// table by table, and toml tables iterate in key order, not file order).
    pub fn into_problems(mut self) -> Vec<Problem> {
        self.problems.sort_by_key(|p| (p.line, p.column));
        self.problems
    }

    /// Parses the file into a spanned TOML tree. Syntax errors are reported
    /// (one per line: the parser's recovery repeats itself) and yield `None`,
    /// because what follows a syntax error is not worth checking.
    pub fn parse(&mut self) -> Option<Spanned<DeTable<'a>>> {
        let (table, errors) = DeTable::parse_recoverable(&self.source.text);
        let mut last_line = 0;
        for error in &errors {
            let problem = self.source.toml_problem(error);
            if problem.line != last_line {
                last_line = problem.line;
                self.problems.push(problem);
            }
        }
        errors.is_empty().then_some(table)
    }

    /// Deserializes one value (a table, usually) into `T`, reporting every
    /// mistake rather than serde's first: unknown keys are reported and
    /// dropped up front, and a key whose value has the wrong type is reported
    /// and dropped before trying again.
    pub fn deserialize<T: Deserialize<'a>>(
        &mut self,
        mut value: Spanned<DeValue<'a>>,
    ) -> Option<T> {
        if let (DeValue::Table(table), Some(known)) = (value.get_mut(), fields_of::<T>()) {
            self.drop_unknown_keys(table, known);
        }
        let mut dropped = false;
        loop {
            let error = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(parsed) => return Some(parsed),
                Err(error) => error,
            };
            let culprit = error.span().and_then(|span| key_holding(&value, &span));
            let Some(key) = culprit else {
                // After a drop, "missing field" is most likely the dropped key:
                // saying it twice would only confuse.
                if !dropped {
                    let problem = self.source.toml_problem(&error);
                    self.problems.push(problem);
                }
                return None;
            };
            let span = error.span().unwrap_or(0..0);
            self.report(span, format!("{key}: {}", error.message().trim_end()));
            if let DeValue::Table(table) = value.get_mut() {
                table.remove(key.as_str());
            }
            dropped = true;
        }
    }

    fn drop_unknown_keys(&mut self, table: &mut DeTable<'a>, known: &[&str]) {
        let unknown: Vec<(String, Range<usize>)> = table
            .iter()
            .filter(|(key, _)| !known.contains(&key.get_ref().as_ref()))
            .map(|(key, _)| (key.get_ref().to_string(), key.span()))
            .collect();
        for (key, span) in unknown {
            self.report(span, unknown_key_message(&key, known));
            table.remove(key.as_str());
        }
    }

    /// Maps a string to one of `choices`, reporting an unknown one with the list of known ones.
    pub fn choose<T: Copy>(
        &mut self,
        what: &str,
        value: &Spanned<String>,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let found = choices.iter().find(|(name, _)| *name == value.get_ref());
        if found.is_none() {
            let message = format!(
                "unknown {what} `{}`: expected one of {}",
                value.get_ref(),
                quoted_list(choices.iter().map(|(name, _)| *name))
            );
            self.report(value.span(), message);
        }
        found.map(|(_, choice)| *choice)
    }

    /// Resolves a path from the file against the config directory.
    pub fn resolve(&self, path: &str) -> PathBuf {
        self.base_dir.join(path)
    }
}

/// The key of `value` (a table) whose value contains `span`.
fn key_holding(value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<String> {
    let DeValue::Table(table) = value.get_ref() else {
        return None;
    };
    table
        .iter()
        .find(|(_, v)| v.span().start <= span.start && span.end <= v.span().end)
        .map(|(key, _)| key.get_ref().to_string())
}

/// `` `a`, `b`, `c` ``: how lists of accepted values appear in messages.
pub fn quoted_list<'s>(names: impl IntoIterator<Item = &'s str>) -> String {
    let quoted: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceFile {
        SourceFile {
            path: "x.toml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = source("a = 1\nname = \"退款\" zz\n");
        assert_eq!(src.line_column(0), (1, 1));
        assert_eq!(src.line_column(6), (2, 1));
        let zz = src.text.find("zz").unwrap_or(0);
        assert_eq!(src.line_column(zz), (2, 13));
    }

    #[test]
    fn offsets_past_the_end_or_inside_a_character_are_clamped() {
        let src = source("退");
        assert_eq!(src.line_column(1), (1, 1));
        assert_eq!(src.line_column(99), (1, 2));
    }

    #[test]
    fn syntax_errors_are_reported_once_per_line() {
        let src = source("a = 1\nb = [1,\nc = 'x\n");
        let base = PathBuf::from(".");
        let mut check = FileCheck::new(&src, &base);
        assert!(check.parse().is_none());
        let lines: Vec<usize> = check.into_problems().iter().map(|p| p.line).collect();
        let mut deduped = lines.clone();
        deduped.dedup();
        assert_eq!(lines, deduped);
        assert!(!lines.is_empty());
    }
}
