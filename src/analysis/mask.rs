//! Masking of personal numbers for drafts, logs and the web page: a card
//! keeps its last four digits, a phone its carrier prefix and last four, an
//! ID card its last four characters.

use super::entities::EntityKind;
use super::entities::digits;

/// The masked form of an entity value: `**** **** **** 1234` for a card,
/// `138****5678` for a phone (or an account that is one),
/// `**************123X` for an ID card; other kinds are returned unchanged.
pub fn mask(kind: EntityKind, value: &str) -> String {
    match kind {
        EntityKind::BankCard => format!("**** **** **** {}", last(value, 4)),
        EntityKind::Phone => mask_phone(value),
        EntityKind::IdCard => format!("{}{}", "*".repeat(14), last(value, 4)),
        EntityKind::Account if is_phone_like(value) => mask_phone(value),
        _ => value.to_string(),
    }
}

/// `text` with every bank card, mobile number and ID-card number replaced
/// by its [`mask`]. Works on raw text (full-width digits, zero-width
/// characters inside numbers) and leans towards masking: a number glued to
/// Latin letters is masked too.
pub fn masked_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut kept = 0;
    for found in digits::scan(text, true) {
        if !matches!(
            found.kind,
            EntityKind::BankCard | EntityKind::Phone | EntityKind::IdCard
        ) {
            continue;
        }
        out.push_str(&text[kept..found.start]);
        out.push_str(&mask(found.kind, &found.value));
        kept = found.end;
    }
    out.push_str(&text[kept..]);
    out
}

/// `138****5678` from the digits of a mobile number (any `+86` dropped);
/// only the last four for anything that is not 11 digits.
fn mask_phone(value: &str) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.len() > 11 {
        &digits[digits.len() - 11..]
    } else {
        &digits
    };
    if digits.len() == 11 {
        format!("{}****{}", &digits[..3], &digits[7..])
    } else {
        format!("****{}", last(digits, 4))
    }
}

/// Whether an account value is a phone number rather than an address or name.
fn is_phone_like(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_digit())
}

/// The last `n` characters of `s`.
fn last(s: &str, n: usize) -> &str {
    let start = s
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &s[start..]
}
