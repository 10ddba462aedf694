//! Entities recognised by the label before them: merchant order numbers
//! (`订单号：…`), counterparty accounts (`转给…`, `收款方…`), and mail
//! addresses, which are claimed so no phone is read out of one.

use std::sync::LazyLock;

use regex::Regex;

use super::claims::Claims;
use super::{Entity, EntityKind, checks};

/// A mail address (folded text is lowercase).
const EMAIL: &str = r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,24}";

/// Mail addresses anywhere.
static EMAILS: LazyLock<Regex> = LazyLock::new(|| Regex::new(EMAIL).expect("static regex"));

/// An order-number label, an optional `:`/`是`, then 10–64 letters and
/// digits. Labels in both scripts: extraction runs before t2s.
static ORDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:(?:商[户戶]|商家)?[订訂][单單](?:[编編][号號]|[号號])(?:码|碼)?",
        r"|(?:支付[宝寶])?交易(?:[单單])?[号號](?:码|碼)?",
        r"|流水[号號]|trade ?no\.?|order ?(?:no|id)\.?)",
        r" ?(?:是|为|為)? ?[:#]? ?(?P<v>[0-9a-z]{10,64})",
    ))
    .expect("static regex")
});

/// A counterparty label, then a mail address, a mobile number or an Alipay
/// masked name (`*小明`, `张*`).
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        concat!(
            r"(?:[转轉](?:[账賬帐帳])?[给給]|[转轉]到|[转轉][错錯](?:[账賬帐帳])?[给給到]|[误誤][转轉][给給到]",
            r"|收款(?:方|人|[账賬帐帳][户戶号號])|[对對]方(?:[账賬帐帳][户戶号號])?)",
            r"了? ?(?:(?:支付[宝寶])?[账賬帐帳][户戶号號])? ?(?:是|为|為)? ?:? ?",
            r"(?P<v>{email}|(?:\+?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{{4}}){{2}}|\*{{1,2}}\p{{Han}}{{1,2}}|\p{{Han}}\*{{1,2}})",
        ),
        email = EMAIL
    ))
    .expect("static regex")
});

/// Adds labelled order and trade numbers not overlapping a claim, claiming
/// their values. A 28-digit value led by a date is a trade number (交易号).
pub(super) fn orders(text: &str, claims: &mut Claims, out: &mut Vec<Entity>) {
    for caps in ORDER.captures_iter(text) {
        let Some(v) = caps.name("v") else { continue };
        let value = v.as_str();
        let glued = text[v.end()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if glued || !value.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        let trade = value.len() == 28
            && value.bytes().all(|b| b.is_ascii_digit())
            && checks::ymd(&value[..8], 2000..=2099);
        let kind = if trade {
            EntityKind::TradeNumber
        } else {
            EntityKind::OrderNumber
        };
        if claims.claim(v.start(), v.end()) {
            // Folding lowercased the letters; merchant systems print order
            // numbers in capitals.
            out.push(Entity::new(
                kind,
                v.start(),
                v.end(),
                value.to_ascii_uppercase(),
            ));
        }
    }
}

/// Adds counterparty accounts whose value overlaps no claim (it does not
/// claim: the phone or address in it is reported by its own extractor).
pub(super) fn accounts(text: &str, claims: &Claims, out: &mut Vec<Entity>) {
    for caps in ACCOUNT.captures_iter(text) {
        let Some(v) = caps.name("v") else { continue };
        let raw = v.as_str();
        let next = text[v.end()..].chars().next();
        let value = if raw.contains('@') {
            raw.to_string()
        } else if raw.starts_with(|c: char| c.is_ascii_digit() || c == '+') {
            if next.is_some_and(|c| c.is_ascii_digit()) {
                continue;
            }
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            digits[digits.len().saturating_sub(11)..].to_string()
        } else {
            raw.to_string()
        };
        if !claims.overlaps(v.start(), v.end()) {
            out.push(Entity::new(EntityKind::Account, v.start(), v.end(), value));
        }
    }
}

/// Claims every mail address (an address is reported only as an account).
pub(super) fn claim_emails(text: &str, claims: &mut Claims) {
    if !text.contains('@') {
        return;
    }
    for m in EMAILS.find_iter(text) {
        claims.claim(m.start(), m.end());
    }
}
