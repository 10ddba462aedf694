//! The customer's own words: quoted history and signatures removed.
//!
//! Clients mark history in two ways. Header-style separators (QQ Mail's
//! `------------------ 原始邮件 ------------------`, Outlook's `发件人: … 发送时间: …`
//! or `From: … Sent: …` block) start a tail of history that is usually not
//! `>`-prefixed, so everything from there on is cut. Attribution lines
//! (`在 2026年11月27日 … 写道：`, `On … wrote:`) introduce `>`-quoted text;
//! when the quote is followed by more new text (bottom- or inline-posting)
//! only the quote goes. A signature delimiter or a "发自我的iPhone" line ends
//! the new text.

use std::sync::LazyLock;

use regex::Regex;

use super::clean::trim_blank_lines;

/// `-----原始邮件-----`, `----- Original Message -----`, QQ Mail's long form.
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*-{2,}\s*(原始邮件|原始郵件|邮件原件|回复的原邮件|原邮件|转发邮件|轉寄郵件|original message|original|replied message|forwarded message)\s*-{2,}\s*$",
    )
    .expect("constant regex compiles")
});

/// First line of a quoted header block (Outlook, QQ Mail, Foxmail).
static HEADER_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*?(from|发件人|寄件者|寄件人)\*?\s*[:：]")
        .expect("constant regex compiles")
});

/// The date line that follows it within a few lines.
static HEADER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*?(sent|date|发送时间|时间|日期|寄件日期|傳送時間)\*?\s*[:：]")
        .expect("constant regex compiles")
});

/// Ends an attribution line: `wrote:`, `写道：`, `寫道：`.
static ATTRIBUTION_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(wrote|写道|寫道)\s*[:：]\s*$").expect("constant regex compiles")
});

/// Signature delimiter and "sent from my phone" lines. Only short, whole
/// lines match, so a sentence that starts with 发自 is safe.
static SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(--|发自我的.{1,24}|发自.{0,12}(邮箱|邮件|mail).{0,12}|来自.{0,12}(邮箱|邮件|mail).{0,12}|從我的.{1,24}傳送|sent from my .{1,40}|sent from .{0,30}(mail|outlook).{0,20}|get outlook for .{1,30})\s*$",
    )
    .expect("constant regex compiles")
});

/// Outlook draws a line of underscores above its header block.
static UNDERSCORES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*_{10,}\s*$").expect("constant regex compiles"));

/// Returns the new part of a normalized body (`\n` line endings), or the
/// whole body when nothing would be left.
pub(super) fn own_words(full: &str) -> String {
    let lines: Vec<&str> = full.split('\n').collect();
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while let Some(&line) = lines.get(i) {
        if starts_history(&lines, i) || SIGNATURE.is_match(line) {
            break;
        }
        if let Some(span) = attribution_span(&lines, i) {
            if next_text_is_quoted(&lines, i + span) {
                i += span;
                continue;
            }
            break;
        }
        if !is_quoted(line) {
            kept.push(line);
        }
        i += 1;
    }
    let own = collapse_blank_runs(&kept);
    let own = trim_blank_lines(&own);
    if own.is_empty() {
        trim_blank_lines(full).to_owned()
    } else {
        own.to_owned()
    }
}

/// Does a header-style history block start at line `i`?
fn starts_history(lines: &[&str], i: usize) -> bool {
    let Some(&line) = lines.get(i) else {
        return false;
    };
    if SEPARATOR.is_match(line) {
        return true;
    }
    if UNDERSCORES.is_match(line) {
        let next =
            (i + 1..lines.len()).find(|&j| lines.get(j).is_some_and(|l| !l.trim().is_empty()));
        return next.is_some_and(|j| header_block_at(lines, j));
    }
    header_block_at(lines, i)
}

/// `From:`/`发件人:` followed within four lines by `Sent:`/`发送时间:`/`Date:`.
/// Requiring both keeps a customer's "发件人：我妈妈" sentence.
fn header_block_at(lines: &[&str], i: usize) -> bool {
    lines.get(i).is_some_and(|l| HEADER_FROM.is_match(l))
        && lines
            .iter()
            .skip(i + 1)
            .take(4)
            .any(|l| HEADER_DATE.is_match(l))
}

/// How many lines (1–3) an attribution starting at `i` spans: clients wrap
/// long `On Thu, 27 Nov 2026 at 10:00, 王芳 <wang.fang@example.com> wrote:`.
/// A date needs a digit, so "我朋友写道：" is not an attribution.
fn attribution_span(lines: &[&str], i: usize) -> Option<usize> {
    let mut joined = String::new();
    for span in 1..=3 {
        let line = lines.get(i + span - 1)?;
        if span > 1 && (line.trim().is_empty() || is_quoted(line)) {
            return None;
        }
        joined.push_str(line);
        joined.push(' ');
        if joined.chars().count() > 300 {
            return None;
        }
        if ATTRIBUTION_END.is_match(joined.trim_end()) {
            return joined.chars().any(|c| c.is_ascii_digit()).then_some(span);
        }
    }
    None
}

/// Whether the first non-blank line from `i` on is `>`-quoted.
fn next_text_is_quoted(lines: &[&str], i: usize) -> bool {
    lines
        .iter()
        .skip(i)
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| is_quoted(l))
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Joins lines, keeping at most one blank line in a row (removed quotes
/// leave their surrounding blank lines behind).
fn collapse_blank_runs(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut previous_blank = false;
    for line in lines {
        let blank = line.trim().is_empty();
        if !(blank && previous_blank) {
            out.push_str(line);
            out.push('\n');
        }
        previous_blank = blank;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_and_ios_chinese_attribution() {
        let body = "补充一下，对方账号是 138****5678。\n\n在 2026年11月27日 10:02，王芳 <wang.fang@example.com> 写道：\n\n> 您好，我转错账了。\n> 金额 ¥200.00";
        assert_eq!(own_words(body), "补充一下，对方账号是 138****5678。");
        let body = "好的\n\n王芳 <wang.fang@example.com> 于2026年11月27日周五 10:02写道：\n> 原文";
        assert_eq!(own_words(body), "好的");
    }

    #[test]
    fn english_on_wrote_even_when_wrapped() {
        let body = "Thanks, see attached.\n\nOn Fri, Nov 27, 2026 at 10:02 AM Chan Tai Man <\ntaiman@example.hk> wrote:\n> old text";
        assert_eq!(own_words(body), "Thanks, see attached.");
    }

    #[test]
    fn qq_mail_separator_cuts_unprefixed_history() {
        let body = "已经收到退款，谢谢！\n\n\n------------------ 原始邮件 ------------------\n发件人: \"支付宝客服\"<help@alipay.com>;\n发送时间: 2026年11月27日(星期五) 中午12:00\n收件人: \"李喆\"<lizhe@qq.com>;\n主题: 回复：退款延迟\n\n您好，退款已处理。";
        assert_eq!(own_words(body), "已经收到退款，谢谢！");
    }

    #[test]
    fn dashed_original_message_separators() {
        for sep in [
            "-----原始邮件-----",
            "-----Original Message-----",
            "----- Original Message -----",
        ] {
            let body = format!("请尽快处理。\n{sep}\nFrom: a\n原文");
            assert_eq!(own_words(&body), "请尽快处理。", "{sep}");
        }
    }

    #[test]
    fn outlook_chinese_and_english_header_blocks() {
        let zh = "请帮我查一下花呗账单。\n\n发件人: 支付宝客服 <help@alipay.com>\n发送时间: 2026年11月27日 9:30\n收件人: 张堃\n主题: 花呗逾期提醒\n\n尊敬的用户……";
        assert_eq!(own_words(zh), "请帮我查一下花呗账单。");
        let en = "Please unfreeze my payment.\n\n________________________________\nFrom: Alipay Help <help@alipay.com>\nSent: Friday, November 27, 2026 9:30 AM\nTo: Chan\nSubject: RE: frozen\n\nDear customer";
        assert_eq!(own_words(en), "Please unfreeze my payment.");
        let tw = "謝謝\n\n寄件者: 支付寶客服\n寄件日期: 2026年11月27日 上午 09:30\n原文";
        assert_eq!(own_words(tw), "謝謝");
    }

    #[test]
    fn a_sentence_that_mentions_a_sender_is_kept() {
        let body = "发件人：我妈妈，她也收到了逾期短信。\n请一起查。";
        assert_eq!(own_words(body), body);
    }

    #[test]
    fn signatures_end_the_new_text() {
        let body = "我的银行卡信息可能泄露了。\n\n--\n张伟\n13800000000";
        assert_eq!(own_words(body), "我的银行卡信息可能泄露了。");
        for sig in [
            "发自我的iPhone",
            "Sent from my iPhone",
            "发自网易邮箱大师",
            "從我的 iPhone 傳送",
            "Get Outlook for iOS",
        ] {
            let body = format!("红包没到账\n\n{sig}\n\n> 旧邮件");
            assert_eq!(own_words(&body), "红包没到账", "{sig}");
        }
        let body = "发自内心感谢你们的帮助。";
        assert_eq!(own_words(body), body);
    }

    #[test]
    fn bottom_posting_keeps_the_reply_below_the_quote() {
        let body = "On 27 Nov 2026, help@alipay.com wrote:\n> 请提供订单号\n\n订单号是 2026112722001412345678901234\n\n> 以及金额\n\n35元";
        assert_eq!(
            own_words(body),
            "订单号是 2026112722001412345678901234\n\n35元"
        );
    }

    #[test]
    fn a_bare_forward_keeps_everything() {
        let body = "-----原始邮件-----\n发件人: 商户\n发送时间: 2026年11月27日\n退款已拒绝";
        assert_eq!(own_words(body), body);
    }

    #[test]
    fn a_friend_wrote_without_a_date_is_not_an_attribution() {
        let body = "我朋友写道：\n他也转错账了";
        assert_eq!(own_words(body), body);
    }
}
