//! The CLI tools: ingest (backfill), explain, and the store lock.

use std::process::Command;

use crate::support::{Daemon, Tree, num, repo};

fn omnilisten(tree: &Tree, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_omnilisten"))
        .args(args)
        .arg("--config")
        .arg(tree.config())
        .output()
        .expect("run omnilisten")
}

fn mbox(mails: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for mail in mails {
        out.extend_from_slice(b"From customer@example.cn Fri Nov 27 10:00:00 2026\n");
        // mboxrd: a body line starting with "From " is quoted.
        for line in String::from_utf8_lossy(mail).split_inclusive('\n') {
            if line.starts_with("From ") && !line.starts_with("From:") {
                out.push(b'>');
            }
            out.extend_from_slice(line.replace("\r\n", "\n").as_bytes());
        }
        out.push(b'\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_backfills_eml_and_mbox_once_and_the_daemon_sees_them() {
    let tree = Tree::new();
    tree.maildir("archive", "archive", "move");
    let mut generator = omnilisten::bench::corpus::Generator::new(5);
    let mails: Vec<Vec<u8>> = (0..20).map(|_| generator.unique_mail()).collect();
    let box_path = tree.path().join("old.mbox");
    std::fs::write(&box_path, mbox(&mails[..15])).expect("write mbox");
    let mut files = vec![box_path.display().to_string()];
    for (i, mail) in mails[15..].iter().enumerate() {
        let p = tree.path().join(format!("{i}.eml"));
        std::fs::write(&p, mail).expect("write eml");
        files.push(p.display().to_string());
    }
    let mut args = vec!["ingest", "--connector", "archive"];
    args.extend(files.iter().map(String::as_str));

    let first = omnilisten(&tree, &args);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("read 20, stored 20, duplicates 0"),
        "{stdout}"
    );
    // Backfilling the same files again stores nothing twice.
    let second = omnilisten(&tree, &args);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        stdout.contains("read 20, stored 0, duplicates 20"),
        "{stdout}"
    );

    let daemon = Daemon::start(&tree.config()).await;
    let (_, stats) = daemon.get("/api/stats").await;
    assert_eq!(num(&stats, "/messages/total"), 20, "{stats}");
    assert_eq!(num(&stats, "/tickets/total"), 20, "{stats}");
    assert_eq!(num(&stats, "/duplicates"), 20, "{stats}");

    // While the daemon holds the store, a backfill is refused with a clear reason.
    let locked = omnilisten(&tree, &args);
    assert!(!locked.status.success());
    let stderr = String::from_utf8_lossy(&locked.stderr);
    assert!(
        stderr.contains("in use by another omnilisten process"),
        "{stderr}"
    );
    daemon.stop().await;

    let unknown = omnilisten(&tree, &["ingest", "--connector", "nope", &files[0]]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no connector \"nope\""));
}

#[test]
fn explain_shows_the_message_and_why_rules_matched() {
    let tree = Tree::new();
    let samples = repo().join("data/samples/maildir/new");
    let mut names: Vec<_> = std::fs::read_dir(&samples)
        .expect("samples")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    let mut explained = 0;
    let mut refused = 0;
    for path in names {
        let out = omnilisten(&tree, &["explain", &path.display().to_string()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("explain prints JSON");
        if out.status.success() {
            assert_eq!(json["message"]["channel"], "email");
            let rule = &json["rules"];
            let matched = rule["matched"].as_array().expect("matched");
            let skipped = rule["skipped"].as_array().expect("skipped");
            let defaults = omnilisten::config::load(&repo().join("omnilisten.toml"))
                .map(|c| c.rules.rules.len())
                .unwrap_or(0);
            assert_eq!(
                matched.len() + skipped.len(),
                defaults,
                "every default rule is reported: {json}"
            );
            assert!(
                skipped.iter().any(|s| s["rule_id"] == "weibo-mentions"
                    && s["reasons"][0] == "channel is email, not weibo"),
                "{json}"
            );
            let opens = rule["actions"]["open_ticket"] == true;
            let human = json["message"]["mail_kind"]["kind"] == "human";
            assert_eq!(opens, human, "people open tickets, robots do not: {json}");
            let email_rule = matched
                .iter()
                .chain(skipped)
                .find(|r| r["rule_id"] == "email-opens-ticket")
                .unwrap_or_else(|| panic!("email rule explained: {json}"));
            assert!(
                !email_rule["reasons"]
                    .as_array()
                    .expect("reasons")
                    .is_empty(),
                "{json}"
            );
            let wechat_rule = skipped.iter().find(|r| r["rule_id"] == "wechat-messages");
            assert_eq!(
                wechat_rule.map(|r| r["reasons"][0].clone()),
                Some("channel is email, not wechat".into()),
                "{json}"
            );
            let terms = json["terms"].as_array().expect("terms");
            let text = json["message"]["text"].as_str().unwrap_or_default();
            if text.contains("转错") {
                assert!(
                    terms.iter().any(|t| t == "转错"),
                    "the user dictionary's words are terms: {terms:?}"
                );
                assert!(
                    json["message"]["details"]["order_numbers"][0].is_string(),
                    "{json}"
                );
            }
            explained += 1;
        } else {
            assert!(json["quarantined"].is_string(), "{json}");
            refused += 1;
        }
    }
    assert!(explained >= 14, "{explained}");
    assert_eq!(refused, 1);
}

#[test]
fn explain_reads_a_saved_wechat_push_by_its_first_bytes_or_by_connector() {
    let tree = Tree::new();
    tree.write("secrets/token", "t");
    tree.write(
        "connectors/oa.toml",
        "kind = \"wechat\"\ntoken_file = \"secrets/token\"\napp_id = \"wx1\"\naccept = [\"plain\"]\n",
    );
    let push = "\u{feff}\n<xml><ToUserName><![CDATA[gh_a]]></ToUserName><FromUserName><![CDATA[oU1]]></FromUserName><CreateTime>1764300000</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[我的红包没有到账]]></Recognition><MsgId>42</MsgId></xml>";
    tree.write("push.xml", push);
    let file = tree.path().join("push.xml").display().to_string();
    for args in [
        vec!["explain", file.as_str()],
        vec!["explain", "--connector", "oa", file.as_str()],
    ] {
        let out = omnilisten(&tree, &args);
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("explain prints JSON");
        assert!(out.status.success(), "{json}");
        let message = &json["message"];
        assert_eq!(message["channel"], "wechat", "{json}");
        assert_eq!(message["item_kind"], "voice", "{json}");
        assert_eq!(message["text"], "我的红包没有到账", "{json}");
        assert_eq!(
            json["rules"]["matched"][0]["rule_id"], "wechat-messages",
            "{json}"
        );
        assert_eq!(
            json["rules"]["actions"]["instant_reply"]["name"],
            "wechat-received"
        );
    }
    let out = omnilisten(&tree, &["explain", "--connector", "nosuch", &file]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no connector nosuch"));
}
