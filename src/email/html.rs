//! HTML → readable plain text for HTML-only mail.
//!
//! mail-parser's own `html_to_text` only breaks lines at `<br>` and `</p>`:
//! QQ Mail, Foxmail and Outlook write one `<div>` per line, so their mail
//! came out as one long line, and source line wraps between two Chinese
//! characters became spaces. This converter knows block elements, keeps
//! `<pre>`, marks `<blockquote>` lines with `> ` (so quote stripping works on
//! HTML replies) and drops `<head>`, `<style>`, `<script>` and comments.

use mail_parser::decoders::html::add_html_token;

/// Elements whose content is never shown.
const HIDDEN: &[&str] = &["head", "style", "script", "template", "title", "xml"];

/// Elements that start and end on their own line.
const BLOCKS: &[&str] = &[
    "address", "article", "aside", "center", "dd", "details", "div", "dl", "dt", "fieldset",
    "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "section", "summary",
    "table", "tr", "ul",
];

/// Elements separated from what follows by a blank line (and `<p>`, below).
const PARAGRAPHS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Converts an HTML document or fragment to text.
pub(super) fn html_to_text(html: &str) -> String {
    let mut w = Writer::default();
    let mut pos = 0;
    while let Some(rest) = html.get(pos..) {
        let Some(c) = rest.chars().next() else { break };
        pos += match c {
            '<' => w.tag(rest),
            '&' => w.entity(rest),
            _ => {
                w.text_char(c);
                c.len_utf8()
            }
        };
    }
    w.out.trim_end().to_owned()
}

/// The text being built and the state that shapes it.
#[derive(Default)]
struct Writer {
    out: String,
    /// Collapsed whitespace waiting for the next visible character.
    pending_space: bool,
    /// Whether that whitespace included a source line break.
    pending_space_is_break: bool,
    /// Line breaks owed before the next visible character (0, 1 or 2).
    want_breaks: usize,
    pre_depth: usize,
    quote_depth: usize,
    /// The open `<p>` is an Outlook single-spaced line.
    single_spaced_p: bool,
    /// Hidden elements (`<title>`, `<head>`) whose closing tag does not occur
    /// in the rest of the document.
    never_closed: Vec<String>,
}

impl Writer {
    /// Handles markup at the start of `rest` (which begins with `<`) and
    /// returns how many bytes it consumed.
    fn tag(&mut self, rest: &str) -> usize {
        if rest.starts_with("<!--") {
            return rest.find("-->").map_or(rest.len(), |i| i + 3);
        }
        let after = rest.get(1..).unwrap_or_default();
        let closing = after.starts_with('/');
        let name_start = after.get(usize::from(closing)..).unwrap_or_default();
        let name: String = name_start
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let named = name_start.starts_with(|c: char| c.is_ascii_alphabetic());
        let is_markup = named || after.starts_with('!') || after.starts_with('?');
        if !is_markup {
            // A lone `<` in text, e.g. "金额<200元".
            self.text_char('<');
            return 1;
        }
        let end = tag_end(rest);
        let whole = rest.get(..end).unwrap_or(rest);
        let self_closing = whole.ends_with("/>");
        if !closing && !self_closing && HIDDEN.contains(&name.as_str()) {
            if self.never_closed.contains(&name) {
                return end;
            }
            let skipped = skip_hidden(rest.get(end..).unwrap_or_default(), &name);
            if skipped.is_none() {
                // The rest only shrinks: no later tag of this name closes
                // either, so a flood of them is not searched again each time.
                self.never_closed.push(name.clone());
            }
            return end + skipped.unwrap_or(0);
        }
        self.element(&name, closing, whole);
        end
    }

    /// Applies the layout effect of one start or end tag.
    fn element(&mut self, name: &str, closing: bool, whole: &str) {
        match name {
            "br" => {
                self.flush_breaks();
                self.push_break();
            }
            "pre" => {
                self.block(1);
                self.pre_depth = adjust(self.pre_depth, closing);
            }
            "blockquote" => {
                self.block(1);
                self.quote_depth = adjust(self.quote_depth, closing);
            }
            // Word's "MsoNormal" paragraphs are Outlook's single-spaced lines;
            // the end tag has no class, so the start tag's choice is kept.
            "p" => {
                if !closing {
                    self.single_spaced_p = whole.contains("MsoNormal");
                }
                self.block(if self.single_spaced_p { 1 } else { 2 });
            }
            "td" | "th" if !closing => self.pending_space = true,
            "li" if !closing => {
                self.block(1);
                self.visible_str("- ");
            }
            _ if PARAGRAPHS.contains(&name) => self.block(2),
            _ if BLOCKS.contains(&name) => self.block(1),
            _ => {}
        }
    }

    /// Decodes a character reference at the start of `rest` (`&...;`).
    fn entity(&mut self, rest: &str) -> usize {
        let end = rest
            .char_indices()
            .skip(1)
            .take(32)
            .find(|&(_, c)| c == ';' || c == '<' || c.is_whitespace() || c == '&')
            .filter(|&(i, c)| c == ';' && i > 1);
        let Some((semi, _)) = end else {
            self.text_char('&');
            return 1;
        };
        let token = rest.get(..=semi).unwrap_or("&");
        match decode_entity(token) {
            // A non-breaking space is a deliberate space: never collapsed.
            Some('\u{A0}') => self.visible_str(" "),
            Some(c) if c.is_whitespace() => self.text_char(c),
            Some(c) => self.visible_char(c),
            None => self.visible_str(token),
        }
        token.len()
    }

    /// Source text: whitespace collapses unless inside `<pre>`.
    fn text_char(&mut self, c: char) {
        if self.pre_depth > 0 {
            if c == '\n' {
                self.push_break();
            } else if c != '\r' {
                self.visible_char(c);
            }
        } else if c.is_whitespace() && c != '\u{A0}' && c != '\u{3000}' {
            self.pending_space = true;
            self.pending_space_is_break |= c == '\n';
        } else {
            self.visible_char(c);
        }
    }

    fn visible_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.visible_char(c));
    }

    /// Writes one character that must appear, after owed breaks and spaces.
    fn visible_char(&mut self, c: char) {
        if self.want_breaks > 0 {
            self.flush_breaks();
        } else if self.pending_space && !self.at_line_start() {
            // A source line wrap between two Chinese characters is not a space.
            let joins_cjk = self.pending_space_is_break
                && self.out.chars().next_back().is_some_and(is_cjk)
                && is_cjk(c);
            if !joins_cjk {
                self.out.push(' ');
            }
        }
        self.pending_space = false;
        self.pending_space_is_break = false;
        if self.at_line_start() {
            for _ in 0..self.quote_depth {
                self.out.push_str("> ");
            }
        }
        self.out.push(c);
    }

    fn block(&mut self, breaks: usize) {
        self.want_breaks = self.want_breaks.max(breaks);
    }

    /// Emits owed line breaks, counting those already at the end.
    fn flush_breaks(&mut self) {
        if !self.out.is_empty() {
            let have = self.out.chars().rev().take_while(|&c| c == '\n').count();
            for _ in have..self.want_breaks {
                self.push_break();
            }
        }
        self.want_breaks = 0;
        self.pending_space = false;
    }

    fn push_break(&mut self) {
        if self.at_line_start() && self.quote_depth > 0 {
            // Keep blank lines inside a quote marked as quoted.
            self.out.push('>');
        }
        self.out.push('\n');
        self.pending_space = false;
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }
}

/// Byte length of the tag at the start of `rest`, through its `>`,
/// skipping `>` inside quoted attribute values.
fn tag_end(rest: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    rest.len()
}

/// Bytes up to and including `</name ...>`. A script or style that never
/// closes hides the rest; an unclosed `<head>` or `<title>` (legal HTML, the
/// body follows) hides nothing.
/// None when `rest` holds no `</name` and the element hides nothing.
fn skip_hidden(rest: &str, name: &str) -> Option<usize> {
    // No lowercased copy of the rest: with many unclosed hidden tags that
    // copy made hostile HTML quadratic.
    let close = rest.match_indices("</").map(|(i, _)| i).find(|&i| {
        rest.as_bytes()
            .get(i + 2..i + 2 + name.len())
            .is_some_and(|tag| tag.eq_ignore_ascii_case(name.as_bytes()))
    });
    match close {
        Some(i) => Some(i + tag_end(rest.get(i..).unwrap_or_default())),
        None if matches!(name, "script" | "style") => Some(rest.len()),
        None => None,
    }
}

fn adjust(depth: usize, closing: bool) -> usize {
    if closing {
        depth.saturating_sub(1)
    } else {
        depth + 1
    }
}

/// `&amp;`, `&#39;`, `&#x4E2D;`; None when unknown or not a valid character.
fn decode_entity(token: &str) -> Option<char> {
    let body = token.strip_prefix('&')?.strip_suffix(';')?;
    if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    if !token.is_ascii() {
        return None;
    }
    // mail-parser holds the full HTML5 named-entity table; it echoes unknown
    // names back unchanged, which we treat as "not an entity".
    let mut decoded = String::new();
    add_html_token(&mut decoded, token.as_bytes(), false);
    let mut chars = decoded.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Characters written without spaces between them.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{303F}'   // radicals, CJK symbols and punctuation
        | '\u{3040}'..='\u{30FF}' // kana
        | '\u{3400}'..='\u{4DBF}' // Extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
        | '\u{20000}'..='\u{3FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_unclosed_hidden_tags_is_searched_once() {
        // Hostile HTML: each unclosed <title> used to copy and search the
        // whole rest of the document (quadratic). The text must survive.
        let html = format!(
            "{}<p>退款还没到账</p>{}",
            "<title>".repeat(50_000),
            "<TITLE x>".repeat(50_000)
        );
        assert_eq!(html_to_text(&html), "退款还没到账");
        let closed = "<Title>隐藏</TITLE><p>正文</p>";
        assert_eq!(html_to_text(closed), "正文");
    }

    #[test]
    fn qq_mail_divs_become_lines() {
        let html = "<div>您好，</div><div><br></div><div>我的双十二红包没到账。</div>";
        assert_eq!(html_to_text(html), "您好，\n\n我的双十二红包没到账。");
    }

    #[test]
    fn paragraphs_breaks_and_entities() {
        let html = "<html><head><title>t</title><style>p{color:red}</style></head>\
            <body><p>订单号：2026112722001412345678901234</p>\
            <p>金额&nbsp;&yen;200.00 &amp; 手续费&#65509;0&lt;1&gt;<br/>谢谢</p>\
            <script>alert('x')</script><!-- 注释 --></body></html>";
        assert_eq!(
            html_to_text(html),
            "订单号：2026112722001412345678901234\n\n金额 ¥200.00 & 手续费￥0<1>\n谢谢"
        );
    }

    #[test]
    fn source_wraps_between_chinese_are_not_spaces() {
        let html = "<p>我的银行卡信息\n  可能泄露了，\n please help</p>";
        assert_eq!(html_to_text(html), "我的银行卡信息可能泄露了， please help");
    }

    #[test]
    fn blockquotes_are_marked_and_lists_bulleted() {
        let html = "<div>补充截图</div><blockquote><div>原来的问题</div><div>第二行</div></blockquote>\
            <ul><li>一</li><li>二</li></ul>";
        assert_eq!(
            html_to_text(html),
            "补充截图\n> 原来的问题\n> 第二行\n- 一\n- 二"
        );
    }

    #[test]
    fn pre_keeps_whitespace_and_outlook_lines_stay_single_spaced() {
        assert_eq!(html_to_text("<pre>a  b\n c</pre>"), "a  b\n c");
        let html = "<p class=MsoNormal>第一行<o:p></o:p></p><p class=MsoNormal>第二行</p>";
        assert_eq!(html_to_text(html), "第一行\n第二行");
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for html in [
            "<",
            "<div",
            "&",
            "&#",
            "&#x;",
            "&#xFFFFFFFF;",
            "&#0;",
            "<style>",
            "<!--",
            "a<b",
            "<p attr='>'>x</p>",
            "&unknownentity;",
            "</",
            "<\u{4E2D}>",
            "&\u{4E2D};",
        ] {
            let _ = html_to_text(html);
        }
        assert_eq!(html_to_text("金额<200元"), "金额<200元");
        assert_eq!(html_to_text("&bogus; &#0;"), "&bogus; &#0;");
    }
}
