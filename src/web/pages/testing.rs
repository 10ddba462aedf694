//! Checks on rendered HTML that any test can reuse, the browser tests
//! included: every POST form carries the CSRF token, and no phone, card or
//! ID-card number appears unmasked.

/// The opening tags of the POST forms in `html` that lack the hidden
/// `_csrf` input holding `token`.
pub fn post_forms_without_csrf(html: &str, token: &str) -> Vec<String> {
    let field = format!(
        r#"<input type="hidden" name="{}" value="{token}">"#,
        crate::web::CSRF_FIELD
    );
    let mut missing = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let form = &rest[start..];
        let open_end = form.find('>').map_or(form.len(), |i| i + 1);
        let close = form.find("</form>").unwrap_or(form.len());
        let open = &form[..open_end];
        if open.to_ascii_lowercase().contains(r#"method="post""#) && !form[..close].contains(&field)
        {
            missing.push(open.to_string());
        }
        rest = &form[close.max(open_end)..];
    }
    missing
}

/// Panics unless every POST form in `html` carries `token`.
pub fn assert_csrf_on_every_post_form(html: &str, token: &str) {
    let missing = post_forms_without_csrf(html, token);
    assert!(
        missing.is_empty(),
        "POST forms without the CSRF field: {missing:#?}"
    );
}

/// Numbers in `html` that look like an unmasked mobile number (11 digits,
/// `1[3-9]…`, optionally after `86`), bank card (16–19 digits passing
/// Luhn) or ID card (17 digits and a valid check character). Digits may
/// be full-width and grouped by single spaces or hyphens (`138-1234-5678`,
/// `6222 0212 3456 7890`); a 28-digit trade number is none of these.
pub fn unmasked_numbers(html: &str) -> Vec<String> {
    let text: String = html
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'Ｘ' => 'X',
            _ => c,
        })
        .collect();
    let mut found = Vec::new();
    for run in runs(&text, false).into_iter().chain(runs(&text, true)) {
        if (is_phone(&run) || is_card(&run) || is_id_card(&run)) && !found.contains(&run) {
            found.push(run);
        }
    }
    found
}

/// Panics if `html` shows any number [`unmasked_numbers`] finds.
pub fn assert_masked(html: &str) {
    let found = unmasked_numbers(html);
    assert!(found.is_empty(), "unmasked personal numbers: {found:?}");
}

/// Maximal runs of digits (an ID card's last character may be `X`); with
/// `grouped`, single spaces or hyphens between digits are skipped.
fn runs(text: &str, grouped: bool) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = grouped
            && (c == ' ' || c == '-')
            && !current.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || (c == 'X' && current.len() == 17) {
            current.push(c);
        } else if !between_digits && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn is_phone(run: &str) -> bool {
    let run = if run.len() == 13 {
        run.strip_prefix("86").unwrap_or(run)
    } else {
        run
    };
    let b = run.as_bytes();
    run.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

fn is_card(run: &str) -> bool {
    if !(16..=19).contains(&run.len()) || !run.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = run
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_id_card(run: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = run.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_phones_cards_and_id_cards_but_not_trade_numbers() {
        let html = "转给了13812345678，卡号 6222 0212 3456 7890 128，身份证11010519491231002X，\
                    交易号2026112622001498765432109876，订单 MX2026121200123，\
                    电话 139-1234-5678，全角１３７１２３４５６７８";
        let found = unmasked_numbers(html);
        assert!(found.contains(&"13812345678".to_string()), "{found:?}");
        assert!(found.contains(&"13912345678".to_string()), "{found:?}");
        assert!(found.contains(&"13712345678".to_string()), "{found:?}");
        assert!(
            found.contains(&"11010519491231002X".to_string()),
            "{found:?}"
        );
        assert!(found.iter().any(|f| f.starts_with("6222")), "{found:?}");
        assert!(!found.iter().any(|f| f.starts_with("2026")), "{found:?}");
    }

    #[test]
    fn masked_forms_pass() {
        assert_masked(
            "对方 138****5678，卡 **** **** **** 1234，交易号2026112622001498765432109876",
        );
    }

    #[test]
    fn a_post_form_without_the_token_is_reported() {
        let html = r#"<form method="post" action="/a"><input type="hidden" name="_csrf" value="t1"></form>
                      <form method="post" action="/b"><button>x</button></form>
                      <form method="get" action="/c"></form>"#;
        let missing = post_forms_without_csrf(html, "t1");
        assert_eq!(
            missing,
            vec![r#"<form method="post" action="/b">"#.to_string()]
        );
    }
}
