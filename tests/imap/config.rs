//! `kind = "imap"` in `connectors/*.toml`: every key, its default, and
//! mistakes reported with file and line like every other config problem.

use std::time::Duration;

use chrono::NaiveDate;
use omnilisten::config::{
    self, ConnectorKind, ImapAfter, ImapAuth, ImapConfig, ImapStart, ImapTls, SecretRef,
};

use crate::support::Tree;

fn imap_of(tree: &Tree) -> ImapConfig {
    let config = config::load(&tree.config()).unwrap_or_else(|p| panic!("{p}"));
    match &config.connectors[0].kind {
        ConnectorKind::Imap(imap) => imap.clone(),
        other => panic!("not imap: {other:?}"),
    }
}

#[test]
fn the_smallest_file_gets_every_default() {
    let tree = Tree::new();
    tree.write(
        "connectors/help.toml",
        "kind = \"imap\"\nhost = \"imap.example.com\"\nusername = \"help@alipay.com\"\npassword_env = \"IMAP_PASSWORD\"\n",
    );
    let imap = imap_of(&tree);
    assert_eq!(imap.port, 993);
    assert_eq!(imap.tls, ImapTls::Implicit);
    assert_eq!(
        imap.auth,
        ImapAuth::Login(SecretRef::Env("IMAP_PASSWORD".into()))
    );
    assert_eq!(imap.folders, ["INBOX"]);
    assert_eq!(imap.poll_interval, Duration::from_secs(60));
    assert_eq!(imap.start, ImapStart::New);
    assert_eq!(imap.after, ImapAfter::Keep);
    assert_eq!(imap.max_message_bytes, 25 * 1024 * 1024);
    assert_eq!(imap.fetch_batch, 500);
    assert_eq!(imap.command_timeout, Duration::from_secs(60));
    assert!(imap.enabled);
}

#[test]
fn every_key_is_read() {
    let tree = Tree::new();
    tree.write(
        "connectors/help.toml",
        r#"kind = "imap"
host = "mail.internal"
port = 1143
tls = "none"
allow_plaintext = true
username = "help"
auth = "xoauth2"
token_file = "secrets/token"
folders = ["INBOX", "客服/投诉"]
poll_interval = "30s"
start = "since:2026-11-01"
after = "move:已处理"
max_message_bytes = 1000000
fetch_batch = 2000
command_timeout = "20s"
enabled = false
"#,
    );
    let imap = imap_of(&tree);
    assert_eq!(
        (imap.host.as_str(), imap.port, imap.tls),
        ("mail.internal", 1143, ImapTls::None)
    );
    assert_eq!(
        imap.auth,
        ImapAuth::Xoauth2(SecretRef::File(tree.path().join("secrets/token")))
    );
    assert_eq!(imap.folders, ["INBOX", "客服/投诉"]);
    assert_eq!(imap.poll_interval, Duration::from_secs(30));
    let day = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    assert_eq!(imap.start, ImapStart::Since(day));
    assert_eq!(imap.after, ImapAfter::Move("已处理".into()));
    assert_eq!(
        (imap.max_message_bytes, imap.fetch_batch),
        (1_000_000, 2000)
    );
    assert_eq!(imap.command_timeout, Duration::from_secs(20));
    assert!(!imap.enabled);
    assert_eq!(imap.username, "help");
}

#[test]
fn mistakes_are_reported_with_their_lines() {
    let tree = Tree::new();
    tree.write(
        "connectors/help.toml",
        r#"kind = "imap"
host = "imap.example.com"
tls = "none"
username = "help"
password = "hunter2"
foldrs = ["INBOX"]
start = "yesterday"
after = "move:INBOX"
fetch_batch = 0
poll_interval = "0s"
auth = "cram-md5"
"#,
    );
    let problems = config::load(&tree.config()).expect_err("problems").0;
    let found: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    let expect = [
        (3, "tls = \"none\" would send the password in clear text"),
        (5, "inline secrets are not allowed"),
        (6, "unknown key `foldrs` (did you mean `folders`?)"),
        (7, "unknown start `yesterday`"),
        (
            8,
            "after moves mail into \"INBOX\", which is one of the folders read",
        ),
        (9, "fetch_batch must be 1 to 10000"),
        (10, "poll_interval must be longer than 0"),
        (11, "unknown auth `cram-md5`"),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for ((line, message), (want_line, want)) in found.iter().zip(expect) {
        assert_eq!(*line, want_line, "{message}");
        assert!(message.starts_with(want), "line {line}: {message}");
    }
    assert!(problems[0].file.ends_with("connectors/help.toml"));
}

#[test]
fn plaintext_is_fine_on_loopback_and_credentials_must_match_the_mechanism() {
    let tree = Tree::new();
    tree.write(
        "connectors/help.toml",
        "kind = \"imap\"\nhost = \"127.0.0.1\"\ntls = \"none\"\nusername = \"u\"\nauth = \"xoauth2\"\npassword_env = \"P\"\n",
    );
    let problems = config::load(&tree.config()).expect_err("problems").0;
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "auth = \"xoauth2\" needs token_file = \"path\"",
            "auth = \"xoauth2\" logs in with token_file, not a password",
        ]
    );
}
