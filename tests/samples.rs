//! The sample mailbox in `data/samples/`: every mail parses the way
//! `expected.json` says, no character is lost, and every single-part body
//! matches an independent decoder (python3's `email` package undoes the
//! transfer encoding, the system `iconv` the charset).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use omnilisten::email::{self, ParsedMail};
use omnilisten::model::MailKind;
use regex::Regex;
use serde_json::Value;

const MAX_BYTES: usize = 10 << 20;

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples")
}

/// `expected.json` as (file name, expectations), sorted by name.
fn expected() -> Vec<(String, Value)> {
    let path = samples_dir().join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) else {
        panic!("{} is not a JSON object", path.display());
    };
    map.into_iter().collect()
}

fn read_sample(name: &str) -> Vec<u8> {
    let path = samples_dir().join("maildir/new").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn kind_name(kind: &MailKind) -> &'static str {
    match kind {
        MailKind::Human => "human",
        MailKind::AutoReply { .. } => "auto_reply",
        MailKind::Bounce { .. } => "bounce",
    }
}

#[test]
fn maildir_layout_matches_expected_json() {
    for sub in ["cur", "new", "tmp"] {
        assert!(
            samples_dir().join("maildir").join(sub).is_dir(),
            "maildir/{sub} is missing"
        );
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(samples_dir().join("maildir/new"))
        .unwrap_or_else(|e| panic!("maildir/new: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = expected().into_iter().map(|(name, _)| name).collect();
    assert_eq!(on_disk, listed, "maildir/new and expected.json disagree");
    assert!(listed.len() >= 14);
}

#[test]
fn every_sample_parses_as_expected() {
    let mut failures = Vec::new();
    for (name, exp) in expected() {
        let result = email::parse(&read_sample(&name), MAX_BYTES);
        match (exp["kind"].as_str(), result) {
            (Some("malformed"), Err(e)) => {
                if let Some(reason) = exp["reason"].as_str() {
                    check(&mut failures, &name, "error", reason, &e.to_string());
                }
            }
            (Some("malformed"), Ok(_)) => {
                failures.push(format!("{name}: parsed, should be refused"))
            }
            (_, Err(e)) => failures.push(format!("{name}: refused: {e}")),
            (_, Ok(mail)) => check_mail(&mut failures, &name, &exp, &mail),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn check(failures: &mut Vec<String>, name: &str, field: &str, want: &str, got: &str) {
    if want != got {
        failures.push(format!("{name}: {field}: want {want:?}, got {got:?}"));
    }
}

fn check_mail(failures: &mut Vec<String>, name: &str, exp: &Value, mail: &ParsedMail) {
    let opt = |v: &Option<String>| format!("{v:?}");
    let want_opt = |key: &str| format!("{:?}", exp[key].as_str());
    check(
        failures,
        name,
        "subject",
        &want_opt("subject"),
        &opt(&mail.subject),
    );
    check(
        failures,
        name,
        "message_id",
        &want_opt("message_id"),
        &opt(&mail.message_id),
    );
    check(
        failures,
        name,
        "kind",
        exp["kind"].as_str().unwrap_or("?"),
        kind_name(&mail.kind),
    );
    let count = exp["attachments"].as_u64().unwrap_or(0).to_string();
    check(
        failures,
        name,
        "attachments",
        &count,
        &mail.attachments.len().to_string(),
    );
    if let Some(from) = exp["from"].as_str() {
        check(failures, name, "from", from, &mail.from.id);
    }
    if exp["from_name"].is_string() {
        check(
            failures,
            name,
            "from_name",
            &want_opt("from_name"),
            &opt(&mail.from.name),
        );
    }
    check_lists(failures, name, exp, mail);
    check_kind_details(failures, name, exp, &mail.kind);
    for want in strings(exp, "text_contains") {
        if !mail.text.contains(&want) {
            failures.push(format!(
                "{name}: text lacks {want:?}; text is:\n{}",
                mail.text
            ));
        }
    }
    for unwanted in strings(exp, "text_not_contains") {
        if mail.text.contains(&unwanted) {
            failures.push(format!(
                "{name}: text keeps {unwanted:?}; text is:\n{}",
                mail.text
            ));
        }
    }
    for want in strings(exp, "full_text_contains") {
        if !mail.full_text.contains(&want) {
            failures.push(format!("{name}: full_text lacks {want:?}"));
        }
    }
}

fn check_lists(failures: &mut Vec<String>, name: &str, exp: &Value, mail: &ParsedMail) {
    let joined = |v: &[String]| v.join(" ");
    let pairs: [(&str, Vec<String>); 4] = [
        ("in_reply_to", mail.thread.in_reply_to.clone()),
        ("references", mail.thread.references.clone()),
        (
            "attachment_names",
            mail.attachments
                .iter()
                .filter_map(|a| a.name.clone())
                .collect(),
        ),
        (
            "attachment_types",
            mail.attachments
                .iter()
                .map(|a| a.mime_type.clone())
                .collect(),
        ),
    ];
    for (key, got) in pairs {
        if exp.get(key).is_some() {
            check(
                failures,
                name,
                key,
                &joined(&strings(exp, key)),
                &joined(&got),
            );
        }
    }
}

fn check_kind_details(failures: &mut Vec<String>, name: &str, exp: &Value, kind: &MailKind) {
    let (reason, original) = match kind {
        MailKind::Human => return,
        MailKind::AutoReply { reason } => (reason, &None),
        MailKind::Bounce {
            reason,
            original_message_id,
        } => (reason, original_message_id),
    };
    if let Some(want) = exp["reason"].as_str() {
        check(failures, name, "reason", want, reason);
    }
    if exp.get("original_message_id").is_some() {
        let want = format!("{:?}", exp["original_message_id"].as_str());
        check(
            failures,
            name,
            "original_message_id",
            &want,
            &format!("{original:?}"),
        );
    }
}

/// An ASCII `?` touching a Chinese character: what lossy encoders leave.
/// The samples write questions with the full-width `？`.
static SUBSTITUTED_QUESTION_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\p{Han}\?|\?\p{Han}").expect("constant regex compiles"));

#[test]
fn no_character_is_lost_in_any_sample() {
    let mut failures = Vec::new();
    for (name, _) in expected() {
        let Ok(mail) = email::parse(&read_sample(&name), MAX_BYTES) else {
            continue;
        };
        let fields = [
            ("subject", mail.subject.clone().unwrap_or_default()),
            ("from.name", mail.from.name.clone().unwrap_or_default()),
            ("text", mail.text.clone()),
            ("full_text", mail.full_text.clone()),
        ];
        for (field, value) in fields {
            if value.contains('\u{FFFD}') {
                failures.push(format!("{name}: U+FFFD in {field}: {value:?}"));
            }
            if let Some(m) = SUBSTITUTED_QUESTION_MARK.find(&value) {
                failures.push(format!(
                    "{name}: '?' substituted in {field}: {:?}",
                    m.as_str()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Prints `content-type<TAB>charset<NL>` and the transfer-decoded payload,
/// or `multipart` for a multipart mail.
const PYTHON_PAYLOAD: &str = r#"
import email, sys
from email import policy
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=policy.compat32)
if m.is_multipart():
    sys.stdout.buffer.write(b"multipart\t\n")
else:
    head = f"{m.get_content_type()}\t{m.get_content_charset() or ''}\n".encode()
    sys.stdout.buffer.write(head + (m.get_payload(decode=True) or b""))
"#;

fn run_tool(program: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = spawned.unwrap_or_else(|e| {
        panic!("`{program}` is needed as an independent decoder for the sample test but could not run: {e}")
    });
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin)
            .unwrap_or_else(|e| panic!("writing to {program}: {e}"));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// iconv's name for a MIME charset label. Written independently of
/// `src/email/charset.rs`: every GB label means GB18030, Big5 means HKSCS.
fn iconv_name(label: &str) -> &'static str {
    match label.to_ascii_lowercase().as_str() {
        "gb2312" | "gbk" | "gb18030" | "euc-cn" | "x-gbk" | "cp936" | "gb_2312-80" => "GB18030",
        "big5" | "big5-hkscs" => "BIG5-HKSCS",
        "utf-8" | "utf8" | "us-ascii" | "" => "UTF-8",
        other => panic!("no iconv mapping for sample charset {other:?}"),
    }
}

/// What `normalize_body` promises: `\n` endings, no trailing whitespace,
/// no blank lines at either end.
fn normalized(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_owned()
}

#[test]
fn single_part_bodies_match_an_independent_decoder() {
    let mut compared = Vec::new();
    for (name, exp) in expected() {
        if exp["kind"].as_str() == Some("malformed") {
            continue;
        }
        let path = samples_dir().join("maildir/new").join(&name);
        let path = path.to_string_lossy();
        let out = run_tool("python3", &["-c", PYTHON_PAYLOAD, &path], b"");
        let Some(newline) = out.iter().position(|&b| b == b'\n') else {
            panic!("{name}: unexpected python3 output");
        };
        let (head, payload) = out.split_at(newline);
        let head = String::from_utf8_lossy(head);
        let (ctype, charset) = head.split_once('\t').unwrap_or((&head, ""));
        if ctype != "text/plain" {
            continue;
        }
        let reference = run_tool(
            "iconv",
            &["-f", iconv_name(charset), "-t", "UTF-8"],
            payload.get(1..).unwrap_or_default(),
        );
        let reference = normalized(&String::from_utf8_lossy(&reference));
        let Ok(mail) = email::parse(&read_sample(&name), MAX_BYTES) else {
            panic!("{name}: refused");
        };
        assert_eq!(
            mail.full_text, reference,
            "{name} ({charset}) differs from iconv"
        );
        compared.push(format!("{name} ({charset})"));
    }
    // The GBK, mislabelled GB2312, GB18030, Big5, base64, QP, auto-reply,
    // reply, no-Message-ID and euc-cn samples are single-part text/plain.
    assert!(compared.len() >= 10, "compared only: {compared:?}");
}
