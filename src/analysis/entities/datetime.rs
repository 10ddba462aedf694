//! Dates and times of day as complaints write them: `2026-12-12`,
//! `2026年12月12日`, `12月12号`, `12/12`; `20:15`, `晚上8点`, `8点半`,
//! `下午3点`, `凌晨两点`. Relative days (`今天`, `昨天`, `昨晚`) are not
//! dates: they need the message's own date to mean anything, which rules
//! have and this module does not.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::amount::chinese_number;
use super::checks;
use super::claims::Claims;
use super::{Entity, EntityKind};

/// Year-month-day, month-day with `月`/`日`, or `m/d`.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<y>\d{4}) ?(?:[-/.]|年) ?(?P<m>\d{1,2}) ?(?:[-/.]|月) ?(?P<d>\d{1,2})(?: ?[日号號])?",
        r"|(?P<m2>\d{1,2}) ?月 ?(?P<d2>\d{1,2}) ?[日号號]",
        r"|(?P<m3>\d{1,2})/(?P<d3>\d{1,2})",
    ))
    .expect("static regex")
});

/// An optional part of the day, then `H:MM` or an hour with `点`/`时`.
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:(?P<p>凌晨|淩晨|清晨|早上|早晨|上午|中午|午间|午間|下午|午后|午後|傍晚|晚上|夜里|夜裡|夜间|夜間|夜晚|深夜|半夜|午夜|今早|昨早|明早|今晚|昨晚|明晚|早|晚) ?)?",
        r"(?:(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2})?",
        r"|(?P<h2>\d{1,2}|十[一二]?|[零〇一二两兩三四五六七八九]) ?(?:点|點|时|時)(?:钟|鐘)?",
        r"(?:(?P<half>半)|(?P<q1>一刻)|(?P<q3>三刻)|(?P<mi2>\d{1,2})分?|(?P<cmi>[零〇一二三四五六七八九十]{1,3})分)?)",
    ))
    .expect("static regex")
});

/// Words after `N点` that make it a count of points, not a time (`有3点疑问`).
const NOT_TIME_AFTER: &[&str] = &[
    "疑问", "疑問", "建议", "建議", "意见", "意見", "要求", "原因", "问题", "問題", "内容", "內容",
    "看法", "不满", "不滿", "注意", "积分", "積分",
];

/// Adds every date not overlapping a claim, claiming it.
pub(super) fn dates(text: &str, claims: &mut Claims, out: &mut Vec<Entity>) {
    super::each_match(&DATE, text, |caps| {
        let Some(whole) = caps.get(0) else {
            return false;
        };
        let Some(value) = read_date(text, caps) else {
            return false;
        };
        if !claims.claim(whole.start(), whole.end()) {
            return false;
        }
        out.push(Entity::new(
            EntityKind::Date,
            whole.start(),
            whole.end(),
            value,
        ));
        true
    });
}

/// The `yyyy-mm-dd` or `mm-dd` of one date match, or None when it is not a
/// real date or is part of something else (`1/3期`, `7/24小时`, `v1.2.3`).
fn read_date(text: &str, caps: &Captures<'_>) -> Option<String> {
    let whole = caps.get(0)?;
    let before = text[..whole.start()].chars().next_back();
    let rest = &text[whole.end()..];
    let after = rest.chars().next();
    let touching =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || "./-:".contains(c));
    // `日`/`号` ends a date by itself (`1月1日0点`); digits ends it otherwise.
    let closed = whole.as_str().ends_with(['日', '号', '號']);
    if touching(before) || (!closed && after.is_some_and(|c| c.is_ascii_digit())) {
        return None;
    }
    let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    if let (Some(y), Some(m), Some(d)) = (num("y"), num("m"), num("d")) {
        if !closed && touching(after) {
            return None;
        }
        let ymd = format!("{y:04}{m:02}{d:02}");
        return checks::ymd(&ymd, 1990..=2099).then(|| format!("{y:04}-{m:02}-{d:02}"));
    }
    let (m, d) = match (num("m2"), num("d2"), num("m3"), num("d3")) {
        (Some(m), Some(d), _, _) => (m, d),
        (_, _, Some(m), Some(d)) => {
            let fraction = touching(after)
                || rest.starts_with(['期', '次', '号', '號'])
                || rest.starts_with("小时")
                || rest.starts_with("小時")
                || before == Some('第');
            if fraction {
                return None;
            }
            (m, d)
        }
        _ => return None,
    };
    checks::month_day(m, d).then(|| format!("{m:02}-{d:02}"))
}

/// Adds every time of day not overlapping a claim, claiming it.
pub(super) fn times(text: &str, claims: &mut Claims, out: &mut Vec<Entity>) {
    super::each_match(&TIME, text, |caps| {
        let Some(whole) = caps.get(0) else {
            return false;
        };
        let Some(value) = read_time(text, caps) else {
            return false;
        };
        if !claims.claim(whole.start(), whole.end()) {
            return false;
        }
        out.push(Entity::new(
            EntityKind::Time,
            whole.start(),
            whole.end(),
            value,
        ));
        true
    });
}

/// `HH:MM` for one time match; the match as written (without the part of
/// the day) when the half of the day is unknown (`8点半`); None when it is
/// not a time (`有一点`, `3点击`, `第1时间`).
fn read_time(text: &str, caps: &Captures<'_>) -> Option<String> {
    let whole = caps.get(0)?;
    let before = text[..whole.start()].chars().next_back();
    let rest = &text[whole.end()..];
    let after = rest.chars().next();
    if before.is_some_and(|c| c.is_ascii_alphanumeric() || ".:".contains(c)) {
        return None;
    }
    let period = caps.name("p").map(|m| m.as_str());

    if let (Some(h), Some(mi)) = (caps.name("h"), caps.name("mi")) {
        if after.is_some_and(|c| c.is_ascii_digit() || c == ':') {
            return None;
        }
        let (h, mi) = (
            h.as_str().parse::<u32>().ok()?,
            mi.as_str().parse::<u32>().ok()?,
        );
        if h > 23 || mi > 59 {
            return None;
        }
        // A clock written with a colon is read as a 24-hour clock.
        let h = period.map_or(Some(h), |p| in_period(p, h))?;
        return Some(format!("{h:02}:{mi:02}"));
    }

    let hour_text = caps.name("h2")?.as_str();
    let arabic = hour_text.starts_with(|c: char| c.is_ascii_digit());
    let h = if arabic {
        hour_text.parse::<u32>().ok()?
    } else {
        u32::try_from(chinese_number(hour_text)?).ok()?
    };
    let minute = if caps.name("half").is_some() {
        Some(30)
    } else if caps.name("q1").is_some() {
        Some(15)
    } else if caps.name("q3").is_some() {
        Some(45)
    } else if let Some(m) = caps.name("mi2") {
        Some(m.as_str().parse::<u32>().ok()?)
    } else if let Some(m) = caps.name("cmi") {
        Some(u32::try_from(chinese_number(m.as_str())?).ok()?)
    } else {
        None
    };
    if h > 24 || minute.is_some_and(|m| m > 59) || after.is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let suffix_is_shi = whole.as_str().contains(['时', '時']);
    if minute.is_none() {
        // `一点` alone is "a little"; `时间`, `点击`, `点赞` are other words.
        if !arabic && period.is_none() {
            return None;
        }
        let other_word = if suffix_is_shi {
            rest.starts_with(['间', '間', '候', '期', '段', '代', '尚'])
        } else {
            rest.starts_with([
                '击', '擊', '赞', '讚', '开', '開', '进', '進', '数', '數', '评', '評', '餐', '单',
                '單',
            ])
        };
        if other_word || NOT_TIME_AFTER.iter().any(|w| rest.starts_with(w)) {
            return None;
        }
    }
    let mi = minute.unwrap_or(0);
    let resolved = match period {
        Some(p) => in_period(p, h),
        None if h == 0 || h >= 13 => Some(h),
        None => None,
    };
    match resolved {
        Some(h) if h < 24 => Some(format!("{h:02}:{mi:02}")),
        Some(_) => None,
        None => Some(whole.as_str().to_string()),
    }
}

/// The 24-hour hour of hour `h` said with a part of the day, or None when
/// the combination makes no sense (`下午25点`).
fn in_period(period: &str, h: u32) -> Option<u32> {
    if h >= 13 {
        return (h < 24).then_some(h);
    }
    let h = match period {
        "凌晨" | "淩晨" | "半夜" | "深夜" | "午夜" => match h {
            12 => 0,
            // `深夜11点` is still the evening.
            7..=11 => h + 12,
            _ => h,
        },
        "清晨" | "早上" | "早晨" | "上午" | "今早" | "昨早" | "明早" | "早" => h,
        "中午" | "午间" | "午間" => match h {
            1..=4 => h + 12,
            _ => h,
        },
        "下午" | "午后" | "午後" => match h {
            1..=11 => h + 12,
            _ => h,
        },
        // Evening words: `晚上8点` is 20:00, `晚上12点` midnight, `晚上1点`
        // already the small hours.
        _ => match h {
            5..=11 => h + 12,
            12 => 0,
            _ => h,
        },
    };
    Some(h)
}
