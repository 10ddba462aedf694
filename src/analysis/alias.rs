//! Alias folding: casual or evasive spellings of one thing become its
//! canonical word (`zfb` → `支付宝`, `双12` → `双十二`) so rules and trend
//! counters see one word. `花唄` needs no entry: t2s already makes it `花呗`.
//!
//! Runs on folded, simplified text, so keys are lowercase and simplified.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};

/// Built-in aliases; `rules/dict/aliases.tsv` adds to them.
///
/// `帐` survives t2s (`帳戶` → `帐户`) while most writers use `账`, so the
/// common account words are folded to the `账` spelling.
const BUILTIN: &[(&str, &str)] = &[
    ("zfb", "支付宝"),
    ("支fu宝", "支付宝"),
    ("双12", "双十二"),
    ("双11", "双十一"),
    ("帐户", "账户"),
    ("帐号", "账号"),
    ("帐单", "账单"),
    ("转帐", "转账"),
    ("到帐", "到账"),
];

/// A set of `alias → canonical` replacements applied leftmost-longest.
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    matcher: Option<AhoCorasick>,
    /// `(alias, canonical)`, in the matcher's pattern order.
    pairs: Vec<(String, String)>,
}

impl AliasTable {
    /// The built-in table.
    pub fn builtin() -> AliasTable {
        AliasTable::new(
            BUILTIN
                .iter()
                .map(|(a, c)| (a.to_string(), c.to_string()))
                .collect(),
        )
    }

    /// A table of these pairs (keys already normalized); a later pair with
    /// the same alias replaces an earlier one.
    pub fn new(pairs: Vec<(String, String)>) -> AliasTable {
        let mut unique: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for (alias, canonical) in pairs {
            if alias.is_empty() || alias == canonical {
                continue;
            }
            match unique.iter_mut().find(|(a, _)| *a == alias) {
                Some(pair) => pair.1 = canonical,
                None => unique.push((alias, canonical)),
            }
        }
        // Patterns are plain strings, so building cannot fail below the
        // automaton size limits; an empty table simply has no matcher.
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(unique.iter().map(|(a, _)| a.as_str()))
            .ok()
            .filter(|_| !unique.is_empty());
        AliasTable {
            matcher,
            pairs: unique,
        }
    }

    /// This table followed by `more` (which win on equal aliases).
    pub fn extended(&self, more: Vec<(String, String)>) -> AliasTable {
        let mut pairs = self.pairs.clone();
        pairs.extend(more);
        AliasTable::new(pairs)
    }

    /// How many aliases the table holds.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `s` with every alias replaced. An alias that starts or ends with a
    /// Latin letter or digit must not touch another one there (`zfb` is not
    /// replaced inside `zfbx`, `双12` not inside `双123`).
    pub fn apply<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let Some(matcher) = &self.matcher else {
            return Cow::Borrowed(s);
        };
        let mut out: Option<String> = None;
        let mut kept = 0;
        for m in matcher.find_iter(s) {
            let Some((alias, canonical)) = self.pairs.get(m.pattern().as_usize()) else {
                continue;
            };
            if !stands_alone(s, m.start(), m.end(), alias) {
                continue;
            }
            let buf = out.get_or_insert_with(|| String::with_capacity(s.len() + 16));
            buf.push_str(&s[kept..m.start()]);
            buf.push_str(canonical);
            kept = m.end();
        }
        match out {
            Some(mut buf) => {
                buf.push_str(&s[kept..]);
                Cow::Owned(buf)
            }
            None => Cow::Borrowed(s),
        }
    }
}

/// Whether the match `start..end` of `alias` in `s` is not glued to another
/// Latin letter or digit on an edge where the alias itself has one.
fn stands_alone(s: &str, start: usize, end: usize, alias: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let first_open = alnum(alias.chars().next()) && alnum(s[..start].chars().next_back());
    let last_open = alnum(alias.chars().next_back()) && alnum(s[end..].chars().next());
    !first_open && !last_open
}
