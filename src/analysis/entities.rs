//! Entities found before segmentation (research/trending.md §2.4 step 3):
//! Alipay trade and merchant order numbers, amounts, dates, times, mobile
//! numbers, bank cards, counterparty accounts and ID-card numbers, each with
//! its byte span in the folded text and a normalized value.
//!
//! Extraction runs on folded text ([`super::normalize::fold`]: NFKC, so
//! full-width digits and `：￥＋` are ASCII; lowercase) but before t2s, so the
//! label patterns accept traditional spellings too (`訂單號`, `轉給`). Values
//! are raw: a card or ID number is kept whole here and masked only in
//! [`super::ExtractedDetails`] and by [`super::mask::masked_text`].
//!
//! Extractors run from the most specific to the least and claim what they
//! find, so a later one never reads inside an earlier find: a labelled order
//! number is not also a phone, a phone inside a mail address is not a phone,
//! a date inside a trade number is not a date.

mod amount;
mod checks;
mod claims;
mod datetime;
pub(super) mod digits;
mod labelled;

use regex::{Captures, Regex};
use serde::Serialize;

use claims::Claims;

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// An Alipay trade number (交易号): 28 digits led by a `yyyymmdd` date.
    TradeNumber,
    /// A merchant order number after an `订单号`-style label.
    OrderNumber,
    /// A sum of money; `value` is a decimal string, `currency` an ISO code.
    Amount,
    /// A calendar date: `yyyy-mm-dd`, or `mm-dd` when no year is written.
    Date,
    /// A time of day: `HH:MM`, or as written when the half of the day is
    /// not known (`8点半`).
    Time,
    /// A mainland mobile number: 11 digits.
    Phone,
    /// A bank-card number: 13–19 Luhn-valid digits.
    BankCard,
    /// A counterparty account after `转给`, `收款方`…: mail address, mobile
    /// number or an Alipay masked name (`*小明`).
    Account,
    /// A mainland ID-card number (18 characters with a valid checksum).
    IdCard,
}

impl EntityKind {
    /// Every kind, in a stable order.
    pub const ALL: [EntityKind; 9] = [
        EntityKind::TradeNumber,
        EntityKind::OrderNumber,
        EntityKind::Amount,
        EntityKind::Date,
        EntityKind::Time,
        EntityKind::Phone,
        EntityKind::BankCard,
        EntityKind::Account,
        EntityKind::IdCard,
    ];

    /// The short name used in sample files and logs (`trade`, `card`…).
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::TradeNumber => "trade",
            EntityKind::OrderNumber => "order",
            EntityKind::Amount => "amount",
            EntityKind::Date => "date",
            EntityKind::Time => "time",
            EntityKind::Phone => "phone",
            EntityKind::BankCard => "card",
            EntityKind::Account => "account",
            EntityKind::IdCard => "id_card",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entity: kind, byte span in the folded text, normalized value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// What it is.
    pub kind: EntityKind,
    /// Byte offset of its first byte in the folded text.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// The normalized value: digits only for numbers, a decimal string for
    /// amounts, `yyyy-mm-dd`/`HH:MM` for dates and times. Unmasked.
    pub value: String,
    /// ISO 4217 code of an amount (`CNY`, `JPY`); None for other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<&'static str>,
}

impl Entity {
    /// An entity without a currency.
    fn new(kind: EntityKind, start: usize, end: usize, value: String) -> Entity {
        Entity {
            kind,
            start,
            end,
            value,
            currency: None,
        }
    }

    /// The value as the sample file writes it: `200 CNY` for amounts, the
    /// value otherwise.
    pub fn label(&self) -> String {
        match self.currency {
            Some(currency) => format!("{} {currency}", self.value),
            None => self.value.clone(),
        }
    }
}

/// Every entity in `folded` (text from [`super::normalize::fold`]), ordered
/// by position. Links, mentions and emoticon codes are found and skipped.
pub fn extract(folded: &str) -> Vec<Entity> {
    let skip: Vec<(usize, usize)> = super::markup::scan(folded)
        .iter()
        .filter(|m| m.kind != super::markup::MarkupKind::Hashtag)
        .map(|m| (m.start, m.end))
        .collect();
    extract_skipping(folded, &skip)
}

/// [`extract`] with the spans to skip (links, mentions…) already known.
pub(super) fn extract_skipping(folded: &str, skip: &[(usize, usize)]) -> Vec<Entity> {
    let mut claims = Claims::default();
    for &(start, end) in skip {
        claims.claim(start, end);
    }
    let mut out = Vec::new();
    labelled::orders(folded, &mut claims, &mut out);
    // Accounts only read the text after a label; the phone or mail address
    // they hold is claimed (and reported) by the extractors below.
    labelled::accounts(folded, &claims, &mut out);
    labelled::claim_emails(folded, &mut claims);
    for found in digits::scan(folded, false) {
        if claims.claim(found.start, found.end) {
            out.push(Entity::new(found.kind, found.start, found.end, found.value));
        }
    }
    amount::amounts(folded, &mut claims, &mut out);
    datetime::dates(folded, &mut claims, &mut out);
    datetime::times(folded, &mut claims, &mut out);
    out.sort_by_key(|e| (e.start, e.kind));
    out
}

/// Calls `accept` on the matches of `re` in `text`. After a rejected match
/// the search starts again one character after its start, so a rejected
/// match does not hide one inside it (`20:15 JPY 12,800`: `15 jpy` is
/// rejected, `jpy 12,800` is then found). Long rejected matches are skipped
/// whole, which keeps a 100 KB run of digits linear.
fn each_match(re: &Regex, text: &str, mut accept: impl FnMut(&Captures<'_>) -> bool) {
    /// No entity is longer; a longer rejected match is not re-read.
    const RETRY_BELOW: usize = 96;
    let mut pos = 0;
    while pos <= text.len() {
        let Some(caps) = re.captures_at(text, pos) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        let next_char = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
        pos = if accept(&caps) {
            m.end().max(next_char)
        } else if m.len() < RETRY_BELOW {
            next_char
        } else {
            m.end().max(next_char)
        };
    }
}
