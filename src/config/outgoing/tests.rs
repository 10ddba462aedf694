//! `[smtp]` and `[acknowledgement]` through `config::load`, problems located.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Config, Problems, SecretRef, SmtpTls, load};

struct Tree(tempfile::TempDir);

impl Tree {
    fn new(main: &str) -> Tree {
        let tree = Tree(tempfile::tempdir().expect("temp dir"));
        tree.write("omnilisten.toml", main);
        tree.write(
            "rules/templates/acknowledgement.txt",
            "{name}您好，工单 {ticket} 已收到。\n",
        );
        tree
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.0.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    fn load(&self) -> Result<Config, Problems> {
        load(&self.0.path().join("omnilisten.toml"))
    }

    /// `(file name, line, message)` of every problem.
    fn problems(&self) -> Vec<(String, usize, String)> {
        let problems = self.load().expect_err("problems expected").0;
        problems
            .into_iter()
            .map(|p| {
                let name = p.file.file_name().map(|n| n.to_string_lossy().into_owned());
                (name.unwrap_or_default(), p.line, p.message)
            })
            .collect()
    }
}

const SMTP: &str = "[smtp]\nhost = \"smtp.alipay.com\"\nfrom = \"支付宝客服 <Help@Alipay.com>\"\n";

#[test]
fn without_the_sections_nothing_is_sent() {
    let config = Tree::new("").load().expect("loads");
    assert!(config.smtp.is_none());
    assert!(!config.acknowledgement.enabled);
    assert!(config.acknowledgement.body.is_none());
}

#[test]
fn defaults_follow_from_the_few_required_keys() {
    let tree = Tree::new(&format!("{SMTP}\n[acknowledgement]\n"));
    let config = tree.load().expect("loads");
    let smtp = config.smtp.expect("smtp");
    assert_eq!(smtp.tls, SmtpTls::Implicit);
    assert_eq!(smtp.port, 465);
    assert_eq!(smtp.message_id_domain, "omnilisten.alipay.com");
    assert_eq!(smtp.timeout, Duration::from_secs(30));
    assert_eq!(smtp.own_addresses(), ["help@alipay.com"]);
    assert!(smtp.username.is_none() && smtp.password.is_none());
    let ack = config.acknowledgement;
    assert!(ack.enabled);
    assert_eq!(ack.per_sender_per_hour, 3);
    assert!(ack.no_reply_patterns.iter().any(|p| p == "noreply"));
    assert_eq!(
        ack.template,
        tree.0.path().join("rules/templates/acknowledgement.txt")
    );
    assert!(ack.body.expect("template loaded").mentions_ticket());
}

#[test]
fn every_key_is_read() {
    let tree = Tree::new(
        r#"
[smtp]
host = "127.0.0.1"
port = 2525
tls = "none"
username = "help@alipay.com"
password_file = "secrets/smtp"
from = "help@alipay.com"
message_id_domain = "omnilisten.help.alipay.com"
timeout = "5s"

[acknowledgement]
enabled = false
template = "ack.txt"
per_sender_per_hour = 5
no_reply_patterns = ["Robot", " "]
"#,
    );
    let config = tree.load().expect("loads");
    let smtp = config.smtp.expect("smtp");
    assert_eq!((smtp.host.as_str(), smtp.port), ("127.0.0.1", 2525));
    assert_eq!(smtp.tls, SmtpTls::None);
    assert_eq!(
        smtp.password,
        Some(SecretRef::File(tree.0.path().join("secrets/smtp")))
    );
    assert_eq!(smtp.message_id_domain, "omnilisten.help.alipay.com");
    assert_eq!(smtp.timeout, Duration::from_secs(5));
    let ack = config.acknowledgement;
    assert!(!ack.enabled);
    // Disabled: the template is not even read (ack.txt does not exist).
    assert!(ack.body.is_none());
    assert_eq!(ack.template, tree.0.path().join(PathBuf::from("ack.txt")));
    assert_eq!(ack.per_sender_per_hour, 5);
    assert_eq!(ack.no_reply_patterns, ["robot"]);
}

#[test]
fn smtp_mistakes_are_reported_at_their_line() {
    let tree = Tree::new(
        r#"[smtp]
host = "smtp.alipay.com"
tls = "none"
from = "not a mailbox"
password = "hunter2"
message_id_domain = "bad domain"
"#,
    );
    let problems = tree.problems();
    let lines: Vec<(usize, &str)> = problems
        .iter()
        .map(|(_, line, m)| (*line, m.as_str()))
        .collect();
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 3 && m.contains("only for a relay on loopback")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 4 && m.starts_with("invalid from")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 5 && m.starts_with("inline secrets are not allowed")),
        "{lines:?}"
    );
}

#[test]
fn credentials_come_in_pairs() {
    let with_user = Tree::new(&format!("{SMTP}username = \"help\"\n"));
    let p = with_user.problems();
    assert!(p[0].2.starts_with("missing password_env"), "{p:?}");
    assert_eq!(p[0].1, 1, "reported at the [smtp] table");
    let without_user = Tree::new(&format!("{SMTP}password_env = \"SMTP_PASSWORD\"\n"));
    let p = without_user.problems();
    assert_eq!(p[0].1, 4, "{p:?}");
    assert!(p[0].2.contains("without username"), "{p:?}");
}

#[test]
fn a_missing_host_unknown_tls_and_a_zero_timeout_are_problems() {
    let p = Tree::new("[smtp]\nfrom = \"a@b.cn\"\n").problems();
    assert!(p[0].2.contains("needs host"), "{p:?}");
    let p = Tree::new(&format!("{SMTP}tls = \"ssl\"\n")).problems();
    assert_eq!(p[0].1, 4);
    assert!(p[0].2.starts_with("unknown tls mode `ssl`"), "{p:?}");
    let p = Tree::new(&format!("{SMTP}timeout = \"0s\"\n")).problems();
    assert!(p[0].2.contains("longer than 0s"), "{p:?}");
}

#[test]
fn acknowledgements_need_smtp_and_a_valid_template() {
    let p = Tree::new("[log]\nlevel = \"info\"\n\n[acknowledgement]\nper_sender_per_hour = 3\n")
        .problems();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].1, 4);
    assert!(p[0].2.contains("no [smtp] section"), "{p:?}");

    let tree = Tree::new(&format!("{SMTP}\n[acknowledgement]\n"));
    tree.write(
        "rules/templates/acknowledgement.txt",
        "您好\n工单 {tikcet} 已收到\n",
    );
    let p = tree.problems();
    assert_eq!(
        p,
        [(
            "acknowledgement.txt".to_string(),
            2,
            "unknown variable `{tikcet}`, expected one of `ticket`, `subject`, `name`, `topic`"
                .to_string()
        )]
    );

    let missing = Tree::new(&format!(
        "{SMTP}\n[acknowledgement]\ntemplate = \"nope.txt\"\n"
    ));
    let p = missing.problems();
    assert_eq!(p[0].0, "nope.txt");
    assert_eq!(p[0].2, "file not found");
}
