//! Masking leaves at most the last four digits of a card or ID number and
//! the carrier prefix plus last four of a phone.

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::normalize::fold;
use crate::analysis::{EntityKind, mask, masked_text};

/// Five or more digits in a row, or a group of four after a group of three
/// or four (`138 1234`, `6222-0212`): what a number that escaped masking
/// looks like.
static LONG_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{5,}|\d{3,4}[ \-]\d{4}").expect("static regex"));

#[test]
fn mask_keeps_only_the_last_four() {
    assert_eq!(
        mask(EntityKind::BankCard, "6222021234567890128"),
        "**** **** **** 0128"
    );
    assert_eq!(mask(EntityKind::Phone, "13812345678"), "138****5678");
    assert_eq!(
        mask(EntityKind::IdCard, "11010519491231002X"),
        "**************002X"
    );
    assert_eq!(mask(EntityKind::Account, "13812345678"), "138****5678");
    assert_eq!(mask(EntityKind::Account, "a@b.com"), "a@b.com");
    assert_eq!(mask(EntityKind::TradeNumber, "2026"), "2026");
}

#[test]
fn masked_text_leaves_no_long_number_of_a_card_phone_or_id() {
    for text in [
        "银行卡6222 0212 3456 7890 128被盗刷",
        "卡号６２２２０２１２３４５６７８９０１２８，手机１３８１２３４５６７８",
        "卡号6222\u{200B}0212\u{200B}3456\u{200B}7890\u{200B}128",
        "招商 6225-8812-3456-7898 和 4111111111111111",
        "手机+86 138-1234-5678，备用 +8613912345678，还有0086 139 1234 5678",
        "身份证11010519491231002X和440304198512155672",
        "tel13812345678，邮箱13812345678@163.com",
        "转账200 13812345678",
    ] {
        let masked = masked_text(text);
        let folded = fold(&masked).text;
        assert!(
            !LONG_NUMBER.is_match(&folded),
            "{text:?} masked to {masked:?}"
        );
    }
}

#[test]
fn masked_text_hides_every_labelled_personal_number_of_the_samples() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/samples/entities.tsv");
    let text = std::fs::read_to_string(path).expect("entities.tsv");
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((sentence, labels)) = line.split_once('\t') else {
            continue;
        };
        let masked = fold(&masked_text(sentence)).text;
        let digits: String = masked.chars().filter(char::is_ascii_digit).collect();
        for label in labels.split(';') {
            let Some((kind, value)) = label.split_once('=') else {
                continue;
            };
            if matches!(kind, "card" | "phone" | "id_card") {
                let value = value.trim_end_matches('X');
                assert!(!digits.contains(value), "{value} left in {masked}");
            }
        }
    }
}

#[test]
fn masked_text_keeps_everything_else() {
    let text = "交易号2026112622001498765432109876，¥1,280.50，卡号1234567812345678";
    assert_eq!(masked_text(text), text);
}
