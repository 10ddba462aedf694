//! The details an agent needs first, taken from the entities: what a ticket
//! shows and what is safe to store (personal numbers masked).

use serde::{Deserialize, Serialize};

use super::entities::{Entity, EntityKind};
use super::mask::mask;
use crate::model::Details;

/// A sum of money: plain decimal value and ISO currency code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amount {
    /// Plain decimal: `1280.5`, `20000`.
    pub value: String,
    /// ISO 4217 code: `CNY`, `JPY`.
    pub currency: String,
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.value, self.currency)
    }
}

/// Entities of one message grouped by use, once each, in order of
/// appearance; personal numbers masked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedDetails {
    /// Trade numbers and merchant order numbers.
    #[serde(default)]
    pub order_numbers: Vec<String>,
    /// Sums of money.
    #[serde(default)]
    pub amounts: Vec<Amount>,
    /// Dates, `yyyy-mm-dd` or `mm-dd`.
    #[serde(default)]
    pub dates: Vec<String>,
    /// Times of day, `HH:MM` or as written.
    #[serde(default)]
    pub times: Vec<String>,
    /// Mobile numbers, masked (`138****5678`).
    #[serde(default)]
    pub phones: Vec<String>,
    /// Bank cards, masked (`**** **** **** 1234`).
    #[serde(default)]
    pub bank_cards: Vec<String>,
    /// Counterparty accounts; masked where they are phone numbers.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// ID-card numbers, masked (`**************123X`).
    #[serde(default)]
    pub id_cards: Vec<String>,
}

impl ExtractedDetails {
    /// Groups `entities` (from one text) by use.
    pub fn from_entities(entities: &[Entity]) -> ExtractedDetails {
        let mut d = ExtractedDetails::default();
        for e in entities {
            let list = match e.kind {
                EntityKind::TradeNumber | EntityKind::OrderNumber => &mut d.order_numbers,
                EntityKind::Amount => {
                    let amount = Amount {
                        value: e.value.clone(),
                        currency: e.currency.unwrap_or("CNY").to_string(),
                    };
                    if !d.amounts.contains(&amount) {
                        d.amounts.push(amount);
                    }
                    continue;
                }
                EntityKind::Date => &mut d.dates,
                EntityKind::Time => &mut d.times,
                EntityKind::Phone => &mut d.phones,
                EntityKind::BankCard => &mut d.bank_cards,
                EntityKind::Account => &mut d.accounts,
                EntityKind::IdCard => &mut d.id_cards,
            };
            push_once(list, mask(e.kind, &e.value));
        }
        d
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        *self == ExtractedDetails::default()
    }

    /// Adds these details to a message's [`Details`], keeping what is there
    /// and adding each value once. Amounts are written `200 CNY`. ID-card
    /// numbers are not copied: they are found only to be masked.
    pub fn apply_to(&self, details: &mut Details) {
        for v in &self.order_numbers {
            push_once(&mut details.order_numbers, v.clone());
        }
        for a in &self.amounts {
            push_once(&mut details.amounts, a.to_string());
        }
        for v in &self.accounts {
            push_once(&mut details.accounts, v.clone());
        }
        for v in &self.dates {
            push_once(&mut details.dates, v.clone());
        }
        for v in &self.times {
            push_once(&mut details.times, v.clone());
        }
        for v in &self.phones {
            push_once(&mut details.phones, v.clone());
        }
        for v in &self.bank_cards {
            push_once(&mut details.bank_cards, v.clone());
        }
    }
}

/// Appends `value` unless it is already there (lists are short).
fn push_once(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}
