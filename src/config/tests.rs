//! `load` over temp config trees.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::model::ConnectorId;

/// A temp config tree; files are written relative to its root.
struct Tree(tempfile::TempDir);

impl Tree {
    fn new(main: &str) -> Tree {
        let tree = Tree(tempfile::tempdir().expect("temp dir"));
        tree.write("omnilisten.toml", main);
        tree
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.0.path().join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    fn mkdir(&self, relative: &str) -> PathBuf {
        let path = self.0.path().join(relative);
        std::fs::create_dir_all(&path).expect("mkdir");
        path
    }

    fn config(&self) -> PathBuf {
        self.0.path().join("omnilisten.toml")
    }

    fn load(&self) -> Result<Config, Problems> {
        load(&self.config())
    }

    /// The problems as `(file name, line, message)`.
    fn problems(&self) -> Vec<(String, usize, String)> {
        let problems = self.load().expect_err("problems expected").0;
        problems
            .into_iter()
            .map(|p| (file_name(&p.file), p.line, p.message))
            .collect()
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn an_empty_tree_has_every_default() {
    let tree = Tree::new("");
    let config = tree.load().expect("loads");
    assert_eq!(config.server, ServerConfig::default());
    assert_eq!(config.store.path, tree.0.path().join("data/state"));
    assert_eq!(config.store.durability, Durability::Fsync);
    assert_eq!(config.pipeline, PipelineConfig::default());
    assert_eq!(config.log, LogConfig::default());
    assert_eq!(config.dedup, DedupConfig::default());
    assert!(config.connectors.is_empty() && config.rules.rules.is_empty());
    assert_eq!(config.base_dir, tree.0.path());
}

#[test]
fn every_main_key_is_read() {
    let tree = Tree::new(
        r#"
[server]
listen = "0.0.0.0:9090"
[store]
path = "/var/lib/omnilisten"
cache_capacity_mb = 128
durability = "flush"
max_attachment_bytes = 1024
keep_raw = false
[pipeline]
queue_capacity = 8
batch_max = 10000
[log]
format = "json"
level = "omnilisten=debug,warn"
[dedup]
near_threshold = 1
near_capacity = 10
"#,
    );
    let config = tree.load().expect("loads");
    assert_eq!(config.server.listen.to_string(), "0.0.0.0:9090");
    let store = StoreConfig {
        path: "/var/lib/omnilisten".into(),
        cache_capacity_mb: 128,
        durability: Durability::Flush,
        max_attachment_bytes: 1024,
        keep_raw: false,
    };
    assert_eq!(config.store, store);
    assert_eq!(
        (config.pipeline.queue_capacity, config.pipeline.batch_max),
        (8, 10000)
    );
    assert_eq!(config.log.format, LogFormat::Json);
    assert_eq!(config.log.level, "omnilisten=debug,warn");
    assert_eq!(
        (config.dedup.near_threshold, config.dedup.near_capacity),
        (1.0, 10)
    );
}

#[test]
fn the_jobs_section_is_read_and_an_empty_schedule_turns_a_job_off() {
    assert_eq!(
        Tree::new("").load().expect("loads").jobs,
        JobsConfig::default()
    );
    let tree = Tree::new(
        r#"
[jobs]
digest = "0 0 18 * * Mon-Fri"
digest_queue = "digest"
sweep = ""
conversation_retention = "7d"
media_job_retention = "3d"
"#,
    );
    let jobs = tree.load().expect("loads").jobs;
    let expected = JobsConfig {
        enabled: true,
        digest: Some("0 0 18 * * Mon-Fri".into()),
        digest_queue: "digest".into(),
        sweep: None,
        conversation_retention: Duration::from_secs(7 * 86_400),
        media_job_retention: Duration::from_secs(3 * 86_400),
    };
    assert_eq!(jobs, expected);
    let off = Tree::new("[jobs]\nenabled = false\n")
        .load()
        .expect("loads");
    assert!(!off.jobs.enabled);
}

#[test]
fn a_bad_cron_expression_in_jobs_is_a_problem_naming_its_key() {
    let tree = Tree::new(
        r#"[jobs]
digest = "0 9 * * *"
sweep = "0 61 4 * * *"
digest_queue = " "
conversation_retention = "soon"
media_job_retention = "1d"
"#,
    );
    let problems = tree.problems();
    let lines: Vec<usize> = problems.iter().map(|p| p.1).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6], "{problems:#?}");
    assert!(
        problems[0]
            .2
            .starts_with("invalid cron expression \"0 9 * * *\" for digest: 5 fields"),
        "{}",
        problems[0].2
    );
    assert!(
        problems[1]
            .2
            .starts_with("invalid cron expression \"0 61 4 * * *\" for sweep"),
        "{}",
        problems[1].2
    );
    assert_eq!(problems[2].2, "digest_queue must not be empty");
    assert!(
        problems[3]
            .2
            .starts_with("conversation_retention: invalid duration")
    );
    assert_eq!(problems[4].2, "media_job_retention must be at least 3d");
}

#[test]
fn a_missing_main_file_is_one_problem_without_a_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("omnilisten.toml");
    let problems = load(&path).expect_err("problem").0;
    assert_eq!(problems, [Problem::whole_file(&path, "file not found")]);
}

#[test]
fn every_main_file_mistake_is_reported_at_its_line() {
    let tree = Tree::new(
        r#"[server]
listen = "localhost"
[store]
durabilty = "fsync"
cache_capacity_mb = 0
[pipeline]
batch_max = 20000
queue_capacity = "many"
[log]
format = "xml"
level = "info,,=x["
[dedup]
near_threshold = 0.0
[metrics]
"#,
    );
    let problems = tree.problems();
    let lines: Vec<usize> = problems.iter().map(|p| p.1).collect();
    assert_eq!(lines, [2, 4, 5, 7, 8, 10, 11, 13, 14], "{problems:#?}");
    assert!(
        problems[0]
            .2
            .starts_with("invalid listen address \"localhost\"")
    );
    assert!(problems[1].2.contains("did you mean `durability`"));
    assert_eq!(problems[2].2, "cache_capacity_mb must be at least 1");
    assert_eq!(problems[3].2, "batch_max must be between 1 and 10000");
    assert_eq!(
        problems[4].2,
        "queue_capacity: invalid type: string \"many\", expected usize"
    );
    assert_eq!(
        problems[5].2,
        "unknown log format `xml`: expected one of `text`, `json`"
    );
    assert!(problems[8].2.starts_with("unknown section `metrics`"));
}

#[test]
fn a_syntax_error_is_located() {
    let tree = Tree::new("[server]\nlisten = 127.0.0.1:8080\n");
    let problems = tree.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].1, 2);
}

#[test]
fn a_maildir_connector_with_every_key() {
    let tree = Tree::new("");
    let maildir = tree.mkdir("mail/support");
    tree.write(
        "connectors/support-mail.toml",
        "kind = \"maildir\"\npath = \"mail/support\"\nafter = \"keep\"\npoll_interval = \"500ms\"\nmax_message_bytes = 1000\nenabled = false\n",
    );
    tree.write("connectors/README.md", "not a connector");
    tree.write("connectors/.#support-mail.toml", "editor lock file");
    let config = tree.load().expect("loads");
    assert_eq!(config.connectors.len(), 1);
    let connector = &config.connectors[0];
    assert_eq!(connector.id, ConnectorId("support-mail".into()));
    let ConnectorKind::Maildir(settings) = &connector.kind else {
        panic!("a maildir connector: {connector:?}");
    };
    let expected = MaildirConfig {
        path: maildir,
        after: MaildirAfter::Keep,
        poll_interval: Duration::from_millis(500),
        max_message_bytes: 1000,
        enabled: false,
    };
    assert_eq!(settings, &expected);
}

#[test]
fn maildir_defaults() {
    let tree = Tree::new("");
    tree.mkdir("md");
    tree.write(
        "connectors/mail.toml",
        "kind = \"maildir\"\npath = \"md\"\n",
    );
    let config = tree.load().expect("loads");
    let ConnectorKind::Maildir(maildir) = &config.connectors[0].kind else {
        panic!("a maildir connector");
    };
    assert_eq!(maildir.after, MaildirAfter::Move);
    assert_eq!(maildir.poll_interval, Duration::from_secs(2));
    assert_eq!(maildir.max_message_bytes, 25 * 1024 * 1024);
    assert!(maildir.enabled && config.connectors[0].kind.enabled());
}

#[test]
fn connector_mistakes_are_all_reported() {
    let tree = Tree::new("");
    tree.write("connectors/a.toml", "path = \"x\"\n");
    tree.write(
        "connectors/b.toml",
        "kind = \"douyin\"\npassword = \"hunter2\"\n",
    );
    tree.write(
        "connectors/c.toml",
        "kind = \"maildir\"\npath = \"missing\"\npoll_intervall = \"2s\"\nafter = \"delete\"\nmax_message_bytes = 0\n",
    );
    tree.write(
        "connectors/d.toml",
        "kind = \"maildir\"\npath = \"/\"\npoll_interval = \"0s\"\n",
    );
    tree.write(
        "connectors/Bad Name.toml",
        "kind = \"maildir\"\npath = \"/\"\n",
    );
    let problems = tree.problems();
    let located: Vec<(&str, usize)> = problems.iter().map(|p| (p.0.as_str(), p.1)).collect();
    let expected = [
        ("Bad Name.toml", 0),
        ("a.toml", 1),
        ("b.toml", 1),
        ("b.toml", 2),
        ("c.toml", 2),
        ("c.toml", 3),
        ("c.toml", 4),
        ("c.toml", 5),
        ("d.toml", 3),
    ];
    assert_eq!(located, expected, "{problems:#?}");
    assert_eq!(
        problems[1].2,
        "missing `kind`: one of `imap`, `maildir`, `wechat`, `weibo`"
    );
    assert_eq!(
        problems[2].2,
        "unknown connector kind `douyin`: known kinds are `imap`, `maildir`, `wechat`, `weibo`"
    );
    assert_eq!(
        problems[3].2,
        "inline secrets are not allowed: use password_env = \"NAME\" or password_file = \"path\""
    );
    assert!(
        problems[4].2.ends_with("missing does not exist"),
        "{}",
        problems[4].2
    );
    assert_eq!(problems[8].2, "poll_interval must be longer than 0");
}

#[test]
fn a_wrongly_typed_required_key_is_one_problem_not_two() {
    let tree = Tree::new("");
    tree.write(
        "connectors/m.toml",
        "kind = \"maildir\"\npath = 3\nenabled = \"yes\"\n",
    );
    let problems = tree.problems();
    let messages: Vec<&str> = problems.iter().map(|p| p.2.as_str()).collect();
    assert_eq!(
        messages,
        [
            "path: invalid type: integer `3`, expected a string",
            "enabled: invalid type: string \"yes\", expected a boolean",
        ]
    );
}

#[test]
fn a_bad_duration_is_reported_at_its_value() {
    let tree = Tree::new("");
    tree.write(
        "connectors/m.toml",
        "kind = \"maildir\"\npath = \"/\"\n\npoll_interval = \"2 secs\"\n",
    );
    let problems = tree.load().expect_err("problem").0;
    assert_eq!((problems[0].line, problems[0].column), (4, 17));
    assert!(
        problems[0]
            .message
            .starts_with("poll_interval: invalid duration \"2 secs\"")
    );
}

#[test]
fn rules_may_name_a_connector_whose_file_has_mistakes() {
    let tree = Tree::new("");
    tree.write(
        "connectors/broken.toml",
        "kind = \"maildir\"\npath = \"nowhere\"\n",
    );
    tree.write(
        "rules/10-broken.toml",
        "[[rule]]\nid = \"b\"\n[rule.when]\nconnector = [\"broken\", \"ghost\"]\n",
    );
    let problems = tree.problems();
    let files: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(files, ["broken.toml", "10-broken.toml"], "{problems:#?}");
    assert!(problems[1].2.starts_with("unknown connector `ghost`"));
}

#[test]
fn problems_print_with_the_path_as_given() {
    let tree = Tree::new("[server]\nport = 1\n");
    let problems = tree.load().expect_err("problem");
    let expected = format!(
        "{}:2:1: unknown key `port`, expected one of `listen`",
        tree.config().display()
    );
    assert_eq!(problems.to_string(), expected);
}

#[test]
fn the_repository_omnilisten_toml_spells_out_the_defaults() {
    let source = SourceFile {
        path: "omnilisten.toml".into(),
        text: include_str!("../../omnilisten.toml").into(),
    };
    let (settings, problems) = main_file::check(&source, Path::new("."));
    assert!(problems.is_empty(), "{problems:#?}");
    let mut defaults = main_file::Settings::default();
    defaults.store.path = Path::new(".").join(&defaults.store.path);
    assert_eq!(settings.server, defaults.server);
    assert_eq!(settings.store, defaults.store);
    assert_eq!(settings.pipeline, defaults.pipeline);
    assert_eq!(settings.log, defaults.log);
    assert_eq!(settings.dedup, defaults.dedup);
}

#[test]
fn a_wechat_connector_with_defaults() {
    let tree = Tree::new("");
    tree.write(
        "connectors/wx.toml",
        "kind = \"wechat\"\ntoken_env = \"WX_TOKEN\"\naes_key_file = \"secrets/aes\"\napp_id = \"wx1\"\n",
    );
    let config = tree.load().expect("loads");
    let ConnectorKind::Wechat(wechat) = &config.connectors[0].kind else {
        panic!("not wechat: {:?}", config.connectors[0].kind);
    };
    assert_eq!(wechat.token, SecretRef::Env("WX_TOKEN".into()));
    assert_eq!(
        wechat.aes_key,
        Some(SecretRef::File(tree.0.path().join("secrets/aes")))
    );
    assert_eq!(wechat.accept, WechatModes::ALL);
    assert_eq!(wechat.timestamp_window, Duration::from_secs(300));
    assert_eq!(wechat.api_base, DEFAULT_API_BASE);
    assert!(wechat.enabled);
}

#[test]
fn wechat_mistakes_are_reported_at_their_lines() {
    let tree = Tree::new("");
    tree.write(
        "connectors/wx.toml",
        "kind = \"wechat\"\ntoken = \"inline\"\napp_id = \"wx1\"\naccept = [\"safe\", \"loud\"]\ntimestamp_window = \"soon\"\n",
    );
    let problems = tree.problems();
    let lines: Vec<usize> = problems.iter().map(|p| p.1).collect();
    assert_eq!(lines, vec![1, 1, 2, 4, 5], "{problems:#?}");
    let text = format!("{problems:?}");
    assert!(text.contains("inline secrets are not allowed"), "{text}");
    assert!(text.contains("missing token_env"), "{text}");
    assert!(text.contains("need the EncodingAESKey"), "{text}");
    assert!(text.contains("unknown mode `loud`"), "{text}");
    assert!(
        text.contains("timestamp_window: invalid duration"),
        "{text}"
    );
}
