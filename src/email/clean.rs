//! Display-safe text: `\n` line endings, no zero-width or control
//! characters, no trailing whitespace, no blank lines at either end.
//!
//! Deliberately no NFKC: full-width Chinese punctuation (`，？！：`) must stay
//! as the customer typed it; `crate::text` derives the folded forms.

/// Normalizes a decoded body for storage and display.
pub(super) fn normalize_body(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let kept: String = line.chars().filter(|&c| keep_char(c)).collect();
        out.push_str(kept.trim_end());
        out.push('\n');
    }
    trim_blank_lines(&out).to_owned()
}

/// Normalizes a one-line header value (subject, display name).
pub(super) fn normalize_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\r' || c == '\n' || c == '\t' {
            // Folding leftovers: keep one word break.
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else if keep_char(c) {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// Strips leading and trailing lines that hold only whitespace.
pub(super) fn trim_blank_lines(text: &str) -> &str {
    let start = text
        .char_indices()
        .find(|&(_, c)| !c.is_whitespace())
        .map_or(text.len(), |(i, _)| i);
    // Back up to the start of that line so its indentation survives.
    let start = text
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    text.get(start..).unwrap_or_default().trim_end()
}

/// Zero-width characters (they break keyword matching and hide in copies)
/// and control characters other than tab and newline.
fn keep_char(c: char) -> bool {
    let zero_width = matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}');
    let control = c.is_control() && c != '\n' && c != '\t';
    !zero_width && !control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_line_endings_zero_width_and_trailing_space() {
        let raw = "\r\n\r\n  您好，\u{200B}我转错账了！ \t\r\n金额：¥200.00\u{FEFF}\r\r\n\u{7}谢谢　\r\n\r\n";
        assert_eq!(
            normalize_body(raw),
            "  您好，我转错账了！\n金额：¥200.00\n\n谢谢"
        );
    }

    #[test]
    fn keeps_full_width_punctuation() {
        assert_eq!(normalize_body("为什么？！（急）"), "为什么？！（急）");
    }

    #[test]
    fn header_lines_lose_folding() {
        assert_eq!(
            normalize_line(" 关于退款\r\n\t延迟 \u{200D}"),
            "关于退款 延迟"
        );
    }

    #[test]
    fn blank_only_input_becomes_empty() {
        assert_eq!(normalize_body(" \r\n\t\n"), "");
        assert_eq!(trim_blank_lines(""), "");
    }
}
