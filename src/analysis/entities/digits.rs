//! Runs of digits: trade numbers, ID cards, mobile numbers and bank cards.
//!
//! A hand-written scanner rather than regexes because the same rules must
//! hold on folded text (entity extraction) and on raw text (masking, where
//! digits may still be full-width `１３８` or split by zero-width
//! characters), and because what a run *is* depends on all of it: its
//! length, how it is grouped, its check digit, what touches it.
//!
//! A run is digit groups joined by single separators (space, `-`,
//! ideographic space, full-width `－`). The whole run is tried first
//! (`6222 0212 3456 7890 128` is one card); a run that is nothing as a whole
//! is tried group by group (`转账200 13812345678` holds a phone).

use super::EntityKind;
use super::checks;

/// A number found in a run, with its byte span in the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// Trade number, ID card, phone or bank card.
    pub(crate) kind: EntityKind,
    /// Byte offset of the first character (the `+` of `+86`).
    pub(crate) start: usize,
    /// Byte offset just past the last character.
    pub(crate) end: usize,
    /// ASCII digits only (an ID card may end in `X`; a phone has no `86`).
    pub(crate) value: String,
}

/// Consecutive digits, as ASCII.
#[derive(Debug)]
struct Group {
    start: usize,
    end: usize,
    digits: String,
}

/// Every trade number, ID card, phone and bank card in `text`, in order.
///
/// `lenient` (for masking) also accepts numbers touching Latin letters
/// (`tel13812345678`): hiding one number too many is harmless there, while
/// entity extraction must not read a phone out of `abc13812345678`.
pub(crate) fn scan(text: &str, lenient: bool) -> Vec<Found> {
    let groups = groups(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        let mut j = i + 1;
        while j < groups.len() && single_separator(&text[groups[j - 1].end..groups[j].start]) {
            j += 1;
        }
        let run = &groups[i..j];
        let joined: String = run.iter().map(|g| g.digits.as_str()).collect();
        if let Some(found) = whole(text, run, &joined, lenient) {
            out.push(found);
        } else if run.len() > 1 {
            for g in run {
                if let Some(found) = whole(text, std::slice::from_ref(g), &g.digits, lenient) {
                    out.push(found);
                }
            }
        }
        i = j;
    }
    out
}

/// An ASCII or full-width digit as ASCII.
fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

/// Zero-width characters (as `crate::text` removes them) inside a number are
/// an evasion, not a break.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// The digit groups of `text`.
fn groups(text: &str) -> Vec<Group> {
    let mut out = Vec::new();
    let mut current: Option<Group> = None;
    for (i, c) in text.char_indices() {
        if let Some(d) = ascii_digit(c) {
            let end = i + c.len_utf8();
            match &mut current {
                Some(g) => {
                    g.digits.push(d);
                    g.end = end;
                }
                None => {
                    current = Some(Group {
                        start: i,
                        end,
                        digits: d.to_string(),
                    })
                }
            }
        } else if is_zero_width(c) && current.is_some() {
            continue;
        } else if let Some(g) = current.take() {
            out.push(g);
        }
    }
    out.extend(current);
    out
}

/// Whether the text between two groups is one separator.
fn single_separator(gap: &str) -> bool {
    let mut rest = gap.chars().filter(|&c| !is_zero_width(c));
    matches!(
        rest.next(),
        Some(' ' | '-' | '\u{3000}' | '\u{FF0D}' | '\u{00A0}')
    ) && rest.next().is_none()
}

/// What the groups `run` (digits `joined`) are as one number, if anything.
fn whole(text: &str, run: &[Group], joined: &str, lenient: bool) -> Option<Found> {
    let (first, last) = (run.first()?, run.last()?);
    let (start, end) = (first.start, last.end);
    let lens: Vec<usize> = run.iter().map(|g| g.digits.len()).collect();
    let found = |kind, start, end, value: String| Found {
        kind,
        start,
        end,
        value,
    };

    if lens == [28] && checks::ymd(&joined[..8], 2000..=2099) {
        return bounded(text, start, end, lenient)
            .then(|| found(EntityKind::TradeNumber, start, end, joined.to_string()));
    }
    if let Some(id) = id_card(text, &lens, joined, start, end, lenient) {
        return Some(id);
    }
    if let Some((phone_start, digits)) = phone(text, run, &lens, joined, start) {
        return bounded(text, phone_start, end, lenient)
            .then(|| found(EntityKind::Phone, phone_start, end, digits));
    }
    if (13..=19).contains(&joined.len()) && card_grouping(&lens) && checks::luhn(joined) {
        return bounded(text, start, end, lenient)
            .then(|| found(EntityKind::BankCard, start, end, joined.to_string()));
    }
    None
}

/// An 18-character ID number: 18 digits, or 17 and a following `X`; written
/// whole or as `6 8 4` groups.
fn id_card(
    text: &str,
    lens: &[usize],
    joined: &str,
    start: usize,
    end: usize,
    lenient: bool,
) -> Option<Found> {
    let (value, end) = if (lens == [18] || lens == [6, 8, 4])
        && checks::id_card(&joined[..17], joined[17..].chars().next()?)
    {
        (joined.to_string(), end)
    } else if lens == [17] || lens == [6, 8, 3] {
        let x = text[end..]
            .chars()
            .next()
            .filter(|c| matches!(c, 'x' | 'X' | 'ｘ' | 'Ｘ'))?;
        if !checks::id_card(joined, 'X') {
            return None;
        }
        (format!("{joined}X"), end + x.len_utf8())
    } else {
        return None;
    };
    bounded(text, start, end, lenient).then_some(Found {
        kind: EntityKind::IdCard,
        start,
        end,
        value,
    })
}

/// A mobile number, with an optional `+86`/`0086` country code: returns
/// where it starts (the `+`) and its 11 digits.
fn phone(
    text: &str,
    run: &[Group],
    lens: &[usize],
    joined: &str,
    start: usize,
) -> Option<(usize, String)> {
    let plus = text[..start]
        .char_indices()
        .next_back()
        .filter(|&(_, c)| c == '+' || c == '＋')
        .map(|(i, _)| i);
    let first = run.first()?;
    let (span_start, rest_lens, digits): (usize, &[usize], &str) =
        if run.len() > 1 && ((first.digits == "86" && plus.is_some()) || first.digits == "0086") {
            (
                plus.unwrap_or(start),
                &lens[1..],
                &joined[first.digits.len()..],
            )
        } else if lens == [13] && joined.starts_with("86") && is_mobile(&joined[2..]) {
            (plus.unwrap_or(start), &[11], &joined[2..])
        } else if lens == [15] && joined.starts_with("0086") {
            (start, &[11], &joined[4..])
        } else {
            (start, lens, joined)
        };
    let grouped = matches!(rest_lens, [11] | [3, 4, 4] | [3, 8]);
    (grouped && is_mobile(digits)).then(|| (span_start, digits.to_string()))
}

/// `1[3-9]` and nine more digits.
fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// Card numbers are written whole, in fours (the last group shorter), as
/// `4 6 5` (American Express) or as `6 rest` (BIN first).
fn card_grouping(lens: &[usize]) -> bool {
    match lens {
        [_] | [4, 6, 5] | [6, _] => true,
        [init @ .., last] => {
            init.len() >= 3 && init.iter().all(|&l| l == 4) && (1..=4).contains(last)
        }
        [] => false,
    }
}

/// Whether `start..end` stands alone: not the integer or fraction part of a
/// decimal (`12.13812345678`) and, unless lenient, not glued to a Latin
/// letter (`abc13812345678`, an identifier).
fn bounded(text: &str, start: usize, end: usize, lenient: bool) -> bool {
    let mut before = text[..start].chars().rev();
    let mut after = text[end..].chars();
    let (b1, b2) = (before.next(), before.next());
    let (a1, a2) = (after.next(), after.next());
    let decimal_mark = |c: Option<char>| matches!(c, Some('.' | ',' | '．'));
    let digit = |c: Option<char>| c.and_then(ascii_digit).is_some();
    if (decimal_mark(b1) && digit(b2)) || (decimal_mark(a1) && digit(a2)) {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    lenient || (!word(b1) && !word(a1))
}
