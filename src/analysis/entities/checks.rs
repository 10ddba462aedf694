//! Check digits and calendar checks that tell a real number from a run of
//! digits that only has the right length.

use chrono::NaiveDate;

/// Luhn (mod 10) check over ASCII digits, as every bank card carries.
pub(super) fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// GB 11643 ID-card check: 17 digits (region, birth date, sequence) and an
/// ISO 7064 MOD 11-2 check character (`0`–`9` or `X`), with a real birth date.
pub(super) fn id_card(first17: &str, check: char) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECKS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) || bytes[0] == b'0' {
        return false;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let expected = CHECKS[(sum % 11) as usize];
    expected == check.to_ascii_uppercase() && ymd(&first17[6..14], 1900..=2099)
}

/// Whether `yyyymmdd` is a real date with the year in `years`.
pub(super) fn ymd(yyyymmdd: &str, years: std::ops::RangeInclusive<i32>) -> bool {
    let (Some(y), Some(m), Some(d)) = (
        yyyymmdd.get(0..4).and_then(|s| s.parse::<i32>().ok()),
        yyyymmdd.get(4..6).and_then(|s| s.parse::<u32>().ok()),
        yyyymmdd.get(6..8).and_then(|s| s.parse::<u32>().ok()),
    ) else {
        return false;
    };
    years.contains(&y) && NaiveDate::from_ymd_opt(y, m, d).is_some()
}

/// Whether month `m` has a day `d` in some year (leap years allowed).
pub(super) fn month_day(m: u32, d: u32) -> bool {
    NaiveDate::from_ymd_opt(2024, m, d).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_known_test_numbers_and_rejects_a_changed_digit() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert!(!luhn(""));
    }

    #[test]
    fn id_card_checksum_and_birth_date() {
        assert!(id_card("11010519491231002", 'X'));
        assert!(id_card("11010519491231002", 'x'));
        assert!(!id_card("11010519491231002", '1'));
        // A valid checksum cannot rescue an impossible birth date.
        assert!(!ymd("19491331", 1900..=2099));
    }
}
