//! Entity extraction case by case: the examples of the issue and the
//! numbers that must not be read as something else.

use crate::analysis::entities::extract;
use crate::analysis::normalize::fold;
use crate::analysis::{EntityKind, ExtractedDetails};
use crate::model::Details;

fn found(text: &str) -> Vec<(EntityKind, String)> {
    extract(&fold(text).text)
        .into_iter()
        .map(|e| (e.kind, e.label()))
        .collect()
}

fn one(text: &str, kind: EntityKind, label: &str) {
    assert_eq!(found(text), [(kind, label.to_string())], "{text}");
}

#[test]
fn amounts_in_every_written_form() {
    for (text, label) in [
        ("¥200", "200 CNY"),
        ("￥1,280.50", "1280.5 CNY"),
        ("200元", "200 CNY"),
        ("35块", "35 CNY"),
        ("2万元", "20000 CNY"),
        ("1.5万", "15000 CNY"),
        ("RMB 300", "300 CNY"),
        ("JPY 12,800", "12800 JPY"),
        ("两百块钱", "200 CNY"),
        ("€9.99", "9.99 EUR"),
    ] {
        one(&format!("扣了{text}了"), EntityKind::Amount, label);
    }
}

#[test]
fn times_are_24_hour_where_the_half_of_the_day_is_known() {
    for (text, label) in [
        ("20:15", "20:15"),
        ("晚上8点", "20:00"),
        ("8点半", "8点半"),
        ("下午3点", "15:00"),
        ("凌晨两点", "02:00"),
        ("昨晚11点", "23:00"),
        ("晚上12点", "00:00"),
        ("15点30分", "15:30"),
    ] {
        one(&format!("我在{text}付款"), EntityKind::Time, label);
    }
}

#[test]
fn relative_days_are_not_dates() {
    assert!(found("今天昨天昨晚前天都扣款了").is_empty());
}

#[test]
fn a_trade_number_is_only_a_trade_number() {
    one(
        "2026112622001498765432109876",
        EntityKind::TradeNumber,
        "2026112622001498765432109876",
    );
    // A 28-digit run not led by a date is nothing.
    assert!(found("1234567890123456789012345678").is_empty());
}

#[test]
fn numbers_inside_longer_runs_or_words_are_not_phones_or_cards() {
    assert!(found("123813812345678").is_empty());
    assert!(found("abc13812345678").is_empty());
    assert!(found("13812345678.5").is_empty());
    // A Luhn-valid card number inside a 20-digit run is no card.
    assert!(found("12344111111111111111").is_empty());
}

#[test]
fn spans_index_into_the_folded_text() {
    let folded = fold("转给了１３８ １２３４ ５６７８，金额￥２００").text;
    for e in extract(&folded) {
        let span = &folded[e.start..e.end];
        let digits: String = span.chars().filter(char::is_ascii_digit).collect();
        assert!(
            digits.contains(&e.value) || e.kind == EntityKind::Account,
            "{span} {e:?}"
        );
    }
}

#[test]
fn details_are_masked_and_merged_into_a_message_once() {
    let entities = extract(
        &fold("卡号6222021234567890128，手机13812345678转给了13812345678，¥200，12月12日 20:15")
            .text,
    );
    let details = ExtractedDetails::from_entities(&entities);
    assert_eq!(details.bank_cards, ["**** **** **** 0128"]);
    assert_eq!(details.phones, ["138****5678"]);
    assert_eq!(details.accounts, ["138****5678"]);
    assert_eq!(details.dates, ["12-12"]);
    assert_eq!(details.times, ["20:15"]);

    let mut message = Details {
        amounts: vec!["200 CNY".to_string()],
        tags: vec!["refund".to_string()],
        ..Details::default()
    };
    details.apply_to(&mut message);
    details.apply_to(&mut message);
    assert_eq!(message.amounts, ["200 CNY"]);
    assert_eq!(message.bank_cards, ["**** **** **** 0128"]);
    assert_eq!(message.phones, ["138****5678"]);
    assert_eq!(message.tags, ["refund"]);
    let json = serde_json::to_string(&details).expect("serializes");
    assert!(!json.contains("13812345678") && !json.contains("6222021234567890128"));
}

#[test]
fn analyzer_is_cheap_to_share_across_threads() {
    fn shareable<T: Clone + Send + Sync>() {}
    shareable::<crate::analysis::Analyzer>();
}
