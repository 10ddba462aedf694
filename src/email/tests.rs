//! Whole-mail tests of [`super::parse`]: refusals, robustness on truncated
//! and mutated input, and the charset repairs end to end.

use std::path::PathBuf;

use super::{MailError, parse};

const MAX: usize = 1 << 20;

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/samples/maildir/new");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".samples"))
        .filter_map(|e| {
            Some((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).ok()?,
            ))
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 14,
        "expected the sample mailbox, found {} files",
        out.len()
    );
    out
}

/// A caught panic comes back as `Unparseable`; no input may cause one.
fn assert_no_panic(raw: &[u8], what: &str) {
    if let Err(e @ MailError::Unparseable { .. }) = parse(raw, MAX) {
        panic!("{what}: {e}");
    }
}

#[test]
fn every_prefix_of_every_sample_parses_without_panicking() {
    for (name, raw) in samples() {
        for end in 0..=raw.len() {
            assert_no_panic(
                raw.get(..end).unwrap_or_default(),
                &format!("{name} cut at {end}"),
            );
        }
    }
}

#[test]
fn mutated_samples_parse_without_panicking() {
    // xorshift: deterministic, so a failure reproduces.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let interesting = [
        b'\n', b'\r', b':', b'=', b'?', b'<', b'>', b'-', b'"', 0x00, 0x80, 0xFF,
    ];
    for (name, raw) in samples() {
        for round in 0..300 {
            let mut mutated = raw.clone();
            for _ in 0..(1 + next() % 4) {
                let at = (next() as usize) % mutated.len().max(1);
                let byte = interesting[(next() as usize) % interesting.len()];
                if let Some(b) = mutated.get_mut(at) {
                    *b = byte;
                }
            }
            assert_no_panic(&mutated, &format!("{name} mutation round {round}"));
        }
    }
}

#[test]
fn garbage_and_edge_inputs_are_refused_or_parsed_without_panicking() {
    let inputs: [&[u8]; 12] = [
        b"",
        b" \r\n\t",
        b"\0",
        b"\xff\xfe\xfd",
        b":",
        b"From:",
        b"From: <>\n\n",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x\n--x--",
        b"Message-ID: <a@b>\nContent-Type: multipart/mixed; boundary=\"\"\n\n--\n",
        b"Date: x\nContent-Transfer-Encoding: base64\n\n!!!!====",
        b"Date: x\nContent-Type: text/plain; charset=gbk\nContent-Transfer-Encoding: quoted-printable\n\n=D5=",
        b"From: a@b\nContent-Type: message/rfc822\n\nFrom: c@d\nContent-Type: message/rfc822\n\n",
    ];
    for raw in inputs {
        assert_no_panic(raw, &String::from_utf8_lossy(raw));
    }
}

#[test]
fn deeply_nested_multiparts_do_not_overflow() {
    let mut raw = String::from("From: a@example.com\n");
    for depth in 0..2000 {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{depth}\"\n\n--b{depth}\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\n\n退款\n");
    assert_no_panic(raw.as_bytes(), "nested multiparts");
}

#[test]
fn refusals_say_why() {
    let cases: [(&[u8], &str); 4] = [
        (b"", "not a mail: the input is empty"),
        (
            b"hello, this is not a mail\n",
            "not a mail: no header block (the input does not start with `Name: value` lines)",
        ),
        (
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            "not a mail: no header block (the input does not start with `Name: value` lines)",
        ),
        (
            b"Subject: hi\nX-Note: 1\n\nbody",
            "not a mail: no From, Sender, Return-Path, Date or Message-ID header (found only Subject, X-Note)",
        ),
    ];
    for (raw, reason) in cases {
        assert_eq!(
            parse(raw, MAX)
                .map(|m| m.full_text)
                .unwrap_err()
                .to_string(),
            reason
        );
    }
    let too_large = parse(&[b'a'; 11], 10).map(|m| m.full_text).unwrap_err();
    assert_eq!(too_large, MailError::TooLarge { size: 11, max: 10 });
    assert_eq!(
        too_large.to_string(),
        "mail is 11 bytes, over the 10-byte limit"
    );
}

#[test]
fn one_identifying_header_is_enough() {
    for header in [
        "From: a@example.com",
        "Sender: a@example.com",
        "Return-Path: <a@b>",
        "Date: Fri, 27 Nov 2026 10:00:00 +0800",
        "Message-ID: <x@y>",
    ] {
        let raw = format!("{header}\n\n退款\n");
        assert!(parse(raw.as_bytes(), MAX).is_ok(), "{header}");
    }
}

#[test]
fn unknown_gb_label_and_us_ascii_mislabel_are_redecoded() {
    // 退款35元 in GBK.
    let gbk: &[u8] = b"\xcd\xcb\xbf\xee35\xd4\xaa";
    for label in ["euc-cn", "x-gb2312", "us-ascii", "utf-8"] {
        let mut raw = format!("From: a@example.com\nContent-Type: text/plain; charset={label}\n\n")
            .into_bytes();
        raw.extend_from_slice(gbk);
        let mail = parse(&raw, MAX).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(mail.full_text, "退款35元", "{label}");
    }
    let mut unlabelled = b"From: a@example.com\nSubject: ".to_vec();
    unlabelled.extend_from_slice(gbk);
    unlabelled.extend_from_slice(b"\n\n");
    unlabelled.extend_from_slice(gbk);
    let mail = parse(&unlabelled, MAX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (mail.subject.as_deref(), mail.full_text.as_str()),
        (Some("退款35元"), "退款35元")
    );
}

#[test]
fn a_gbk_name_split_across_encoded_words_is_joined() {
    // 王芳 = CD F5 B7 BC, split after the third byte.
    let raw = b"From: =?GBK?B?zfW3?= =?GBK?B?vA==?= <wang.fang@example.com>\n\n\xcd\xcb\xbf\xee";
    let mail = parse(raw, MAX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mail.from.name.as_deref(), Some("王芳"));
    assert_eq!(mail.from.id, "wang.fang@example.com");
}

#[test]
fn text_attachments_keep_their_bytes_and_chinese_names() {
    let raw = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n\
        --b\nContent-Type: text/plain; charset=utf-8\n\n\xe9\x80\x80\xe6\xac\xbe\n\
        --b\nContent-Type: text/csv; charset=gbk\nContent-Disposition: attachment; filename*=gbk''%D5%CB%B5%A5.csv\n\n\xcd\xcb\xbf\xee,35\n\
        --b\nContent-Type: application/pdf; name=\"=?gb2312?B?zcu/7g==?=.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n\
        --b--\n";
    let mail = parse(raw, MAX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mail.full_text, "退款");
    // The line break before `--b` belongs to the boundary (RFC 2046 §5.1.1),
    // so the CSV's bytes end at "35".
    let got: Vec<(Option<&str>, &str, &[u8])> = mail
        .attachments
        .iter()
        .map(|a| {
            (
                a.name.as_deref(),
                a.mime_type.as_str(),
                a.content.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("账单.csv"), "text/csv", &b"\xcd\xcb\xbf\xee,35"[..]),
            (Some("退款.pdf"), "application/pdf", &b"%PDF-"[..]),
        ]
    );
}

#[test]
fn html_only_mail_becomes_text_and_quotes_are_stripped() {
    let raw = "From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n\
        <div>红包没到账</div><div><br></div><div>发自我的iPhone</div>\
        <blockquote><div>原来的邮件</div></blockquote>";
    let mail = parse(raw.as_bytes(), MAX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mail.full_text, "红包没到账\n\n发自我的iPhone\n> 原来的邮件");
    assert_eq!(mail.text, "红包没到账");
}

#[test]
fn html_only_replies_from_qq_mail_and_outlook_lose_their_history() {
    let qq = "<div>已经收到退款了，谢谢！</div><div><br></div>\
        <div style=\"font-size: 12px;\">------------------&nbsp;原始邮件&nbsp;------------------</div>\
        <div><b>发件人:</b>&nbsp;\"支付宝客服\"&lt;help@alipay.com&gt;;</div>\
        <div><b>发送时间:</b>&nbsp;2026年11月27日(星期五) 下午3:12</div><div>您好，退款已退回。</div>";
    let outlook = "<p class=MsoNormal>退款少了5元。<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>\
        <div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>发件人:</b> 支付宝客服\
        [mailto:help@alipay.com]<br><b>发送时间:</b> 2026年11月27日 14:10<br><b>主题:</b> 退款<o:p></o:p></p></div>\
        <p class=MsoNormal>尊敬的用户，您好：<o:p></o:p></p>";
    for (html, own) in [(qq, "已经收到退款了，谢谢！"), (outlook, "退款少了5元。")]
    {
        let raw = format!("From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n{html}");
        let mail = parse(raw.as_bytes(), MAX).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mail.text, own, "full text was:\n{}", mail.full_text);
    }
}
