//! Sums of money: `¥200`, `￥1,280.50`, `200元`, `35块`, `2万元`, `1.5万`,
//! `RMB 300`, `JPY 12,800`, `两百块`. The value becomes a plain decimal
//! string (`1280.5`, `20000`) and the currency an ISO code, CNY unless said
//! otherwise (`¥` is the yuan sign here).

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::claims::Claims;
use super::{Entity, EntityKind};

/// A currency before the number, a number with a unit after it, a number
/// with a bare `万`, or Chinese numerals with `元`/`块`.
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    let num = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?";
    let yuan = r"元|块钱|块|塊錢|塊|圆|圓";
    Regex::new(&format!(
        r"(?P<pc>us\$|hk\$|¥|\$|€|£|rmb|cny|jpy|usd|hkd|eur|gbp|thb|krw|twd|aud|sgd|人民[币幣]|港[币幣]|美元|美金|日元|[欧歐]元|英[镑鎊])\s?(?P<pn>{num})(?:\s?(?P<pm>[万萬千]|w))?(?:\s?(?:{yuan}))?|(?P<n>{num})\s?(?P<m>[万萬千百]|w)?\s?(?P<sc>{yuan}|人民[币幣]|rmb|cny|美元|美金|日元|日[圆圓]|円|港[币幣]|港元|[欧歐]元|英[镑鎊]|泰[铢銖]|韩元|韓元|新?台[币幣]|澳元|新加坡元|usd|jpy|hkd|eur|gbp|thb|krw|twd|aud|sgd)|(?P<bn>{num})(?P<bm>[万萬])|(?P<cn>[零〇一二两兩三四五六七八九十百千万萬]{{1,10}})(?P<cs>{yuan})"
    ))
    .expect("static regex")
});

/// Words counted in `万` that are not money (`1.5万人`, `2万步`).
const COUNTERS: &str = "人个個次条條份件张張步名位户戶家台臺辆輛套字粉赞贊阅閱";

/// Adds every amount not overlapping a claim, claiming it.
pub(super) fn amounts(text: &str, claims: &mut Claims, out: &mut Vec<Entity>) {
    super::each_match(&AMOUNT, text, |caps| {
        let Some(whole) = caps.get(0) else {
            return false;
        };
        let Some((value, currency)) = read(text, caps) else {
            return false;
        };
        if !claims.claim(whole.start(), whole.end()) {
            return false;
        }
        out.push(Entity {
            kind: EntityKind::Amount,
            start: whole.start(),
            end: whole.end(),
            value,
            currency: Some(currency),
        });
        true
    });
}

/// The value and currency of one match, or None when its surroundings show
/// it is not money.
fn read(text: &str, caps: &Captures<'_>) -> Option<(String, &'static str)> {
    let whole = caps.get(0)?;
    let before = text[..whole.start()].chars().next_back();
    let after = text[whole.end()..].chars().next();
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    // A number read from inside another one (`20:15`, `v1.5`, the `5` of
    // `15`) is not an amount.
    let glued_number = matches!(before, Some('.' | ',' | ':')) || latin(before);

    if let (Some(code), Some(n)) = (caps.name("pc"), caps.name("pn")) {
        // `rmb` after a Latin letter is part of a word; a symbol is not.
        if code.as_str().starts_with(|c: char| c.is_ascii_alphabetic()) && latin(before) {
            return None;
        }
        if latin(after) {
            return None;
        }
        let power = caps.name("pm").map_or(0, |m| power_of(m.as_str()));
        return Some((decimal(n.as_str(), power)?, currency(code.as_str())));
    }
    if let (Some(n), Some(unit)) = (caps.name("n"), caps.name("sc")) {
        let code = unit.as_str();
        if glued_number || (code.is_ascii() && latin(after)) {
            return None;
        }
        let power = caps.name("m").map_or(0, |m| power_of(m.as_str()));
        return Some((decimal(n.as_str(), power)?, currency(code)));
    }
    if let Some(n) = caps.name("bn") {
        let mut rest = text[whole.end()..].chars();
        let next = rest.next();
        let counted = |c: Option<char>| c.is_some_and(|c| COUNTERS.contains(c));
        if glued_number || counted(next) || (next == Some('多') && counted(rest.next())) {
            return None;
        }
        return Some((decimal(n.as_str(), 4)?, "CNY"));
    }
    if let (Some(n), Some(unit)) = (caps.name("cn"), caps.name("cs")) {
        // `双十二元旦`, `第十块`, `几百块` are not sums.
        if before.is_some_and(|c| "双雙第周週几幾多数數".contains(c)) {
            return None;
        }
        let value = chinese_number(n.as_str())?;
        // `一块` is as often "together" as one yuan.
        if value == 1 && unit.as_str().starts_with(['块', '塊']) {
            return None;
        }
        return Some((value.to_string(), "CNY"));
    }
    None
}

/// Decimal places a unit shifts by.
fn power_of(unit: &str) -> usize {
    match unit {
        "百" => 2,
        "千" => 3,
        _ => 4,
    }
}

/// ISO code of a currency word or sign.
fn currency(word: &str) -> &'static str {
    match word {
        "$" | "us$" | "usd" | "美元" | "美金" => "USD",
        "hk$" | "hkd" | "港币" | "港幣" | "港元" => "HKD",
        "€" | "eur" | "欧元" | "歐元" => "EUR",
        "£" | "gbp" | "英镑" | "英鎊" => "GBP",
        "jpy" | "日元" | "日圆" | "日圓" | "円" => "JPY",
        "thb" | "泰铢" | "泰銖" => "THB",
        "krw" | "韩元" | "韓元" => "KRW",
        "twd" | "台币" | "台幣" | "新台币" | "新台幣" => "TWD",
        "aud" | "澳元" => "AUD",
        "sgd" | "新加坡元" => "SGD",
        _ => "CNY",
    }
}

/// `1,280.50` shifted left by `power` decimal places, as a plain decimal
/// with no grouping, no leading zeros and no trailing fraction zeros:
/// `1280.5`; `1.5` with power 4 is `15000`. None for absurd lengths.
pub(super) fn decimal(number: &str, power: usize) -> Option<String> {
    let clean: String = number.chars().filter(|&c| c != ',').collect();
    let (int, frac) = clean.split_once('.').unwrap_or((&clean, ""));
    if int.len() + frac.len() > 24 {
        return None;
    }
    let mut digits = format!("{int}{frac}");
    let point = int.len() + power;
    while digits.len() < point {
        digits.push('0');
    }
    let (int, frac) = digits.split_at(point);
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Some(if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}

/// A Chinese numeral up to the 万s: `两百` 200, `三千五` 3500 (a trailing
/// digit counts in the unit below the last one), `一万二千` 12000.
pub(super) fn chinese_number(s: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut section: u64 = 0;
    let mut digit: Option<u64> = None;
    let mut last_unit: u64 = 0;
    let mut first = true;
    for c in s.chars() {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' | '萬' => 10_000,
            _ => {
                let d = match c {
                    '零' | '〇' => 0,
                    '一' => 1,
                    '二' | '两' | '兩' => 2,
                    '三' => 3,
                    '四' => 4,
                    '五' => 5,
                    '六' => 6,
                    '七' => 7,
                    '八' => 8,
                    '九' => 9,
                    _ => return None,
                };
                digit = Some(digit.map_or(d, |p| p * 10 + d));
                first = false;
                continue;
            }
        };
        // A leading unit other than 十 (`百块`) is no number.
        if first && unit != 10 {
            return None;
        }
        first = false;
        let n = digit.take().unwrap_or(1);
        if unit == 10_000 {
            total = total.checked_add(section.checked_add(n)?.checked_mul(10_000)?)?;
            section = 0;
        } else {
            section = section.checked_add(n.checked_mul(unit)?)?;
        }
        last_unit = unit;
    }
    if let Some(d) = digit {
        // `三千五` is 3500, but `三千零五` is 3005.
        let colloquial = d < 10 && last_unit >= 100 && !s.contains(['零', '〇']);
        section += if colloquial { d * last_unit / 10 } else { d };
    }
    total.checked_add(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_shifts_and_trims() {
        assert_eq!(decimal("1,280.50", 0).as_deref(), Some("1280.5"));
        assert_eq!(decimal("1.5", 4).as_deref(), Some("15000"));
        assert_eq!(decimal("2", 4).as_deref(), Some("20000"));
        assert_eq!(decimal("0.05", 0).as_deref(), Some("0.05"));
        assert_eq!(decimal("200.00", 0).as_deref(), Some("200"));
        assert_eq!(decimal("0012", 0).as_deref(), Some("12"));
    }

    #[test]
    fn chinese_numbers() {
        for (s, n) in [
            ("两百", 200),
            ("三千五", 3500),
            ("三千零五", 3005),
            ("一万二千", 12000),
            ("十", 10),
            ("十五", 15),
            ("二十", 20),
            ("五", 5),
            ("两万", 20000),
            ("一千五百", 1500),
        ] {
            assert_eq!(chinese_number(s), Some(n), "{s}");
        }
        assert_eq!(chinese_number("百"), None);
    }
}
