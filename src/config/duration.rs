//! Durations as people write them in config files: `500ms`, `2s`, `5m`, `1h`.

use std::time::Duration;

/// The units a duration may carry, with their length in milliseconds.
const UNITS: [(&str, u64); 5] = [
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Parses `<integer><unit>` with unit `ms`, `s`, `m`, `h` or `d`.
///
/// The error is a sentence to show next to the value.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let hint = "write a whole number and a unit, such as \"500ms\", \"2s\", \"5m\" or \"1h\"";
    if number.is_empty() {
        return Err(format!("invalid duration \"{text}\": {hint}"));
    }
    let Some((_, millis_per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!("invalid duration \"{text}\": {hint}"));
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(*millis_per_unit))
        .map(Duration::from_millis)
        .ok_or_else(|| format!("duration \"{text}\" is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration(" 0s "), Ok(Duration::ZERO));
    }

    #[test]
    fn rejects_missing_number_unit_or_unknown_unit() {
        for bad in ["", "s", "2", "2 s", "1.5s", "-1s", "2sec", "两秒", "1h30m"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn rejects_overflow() {
        let err = parse_duration("99999999999999999999d").unwrap_err();
        assert!(err.contains("too long"), "{err}");
    }
}
