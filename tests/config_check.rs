//! `config::load` and `omnilisten check` over a tree with mistakes planted in
//! every kind of file, and over the repository's own default tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use omnilisten::config::{self, ConnectorKind, MaildirAfter, Problem};

/// A temp tree with one or two mistakes in each of five files.
struct Planted {
    dir: tempfile::TempDir,
}

impl Planted {
    fn new() -> Planted {
        let planted = Planted {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        std::fs::create_dir_all(planted.path("mail")).expect("maildir");
        planted.write(
            "omnilisten.toml",
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\nkeep_raws = true\n",
        );
        planted.write(
            "connectors/mail.toml",
            "kind = \"maildir\"\npath = \"mail\"\npassword = \"hunter2\"\npoll_interval = \"fast\"\n",
        );
        planted.write(
            "connectors/wx.toml",
            "# Douyin is not a channel here\nkind = \"douyin\"\n",
        );
        planted.write(
            "rules/10-refund.toml",
            "[[rule]]\nid = \"refund\"\n[rule.when]\nregex = '(退款'\n",
        );
        planted.write(
            "rules/20-fraud.toml",
            "[[rule]]\nid = \"fraud\"\n[rule.then]\npriority = \"asap\"\n\n[[rule]]\nid = \"refund\"\n",
        );
        planted.write("rules/README.md", "not a rule file = [");
        planted
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    /// The planted mistakes: file, line, column and the start of the message.
    fn expected(&self) -> Vec<(PathBuf, usize, usize, &'static str)> {
        vec![
            (
                self.path("omnilisten.toml"),
                6,
                1,
                "unknown key `keep_raws` (did you mean `keep_raw`?)",
            ),
            (
                self.path("connectors/mail.toml"),
                3,
                1,
                "inline secrets are not allowed: use password_env",
            ),
            (
                self.path("connectors/mail.toml"),
                4,
                17,
                "poll_interval: invalid duration \"fast\"",
            ),
            (
                self.path("connectors/wx.toml"),
                2,
                8,
                "unknown connector kind `douyin`",
            ),
            (self.path("rules/10-refund.toml"), 4, 9, "invalid regex: "),
            (
                self.path("rules/20-fraud.toml"),
                4,
                12,
                "unknown priority `asap`",
            ),
            (
                self.path("rules/20-fraud.toml"),
                7,
                6,
                "duplicate rule id `refund`",
            ),
        ]
    }
}

fn located(problem: &Problem) -> (PathBuf, usize, usize) {
    (problem.file.clone(), problem.line, problem.column)
}

#[test]
fn load_reports_every_planted_mistake_at_its_file_and_line() {
    let planted = Planted::new();
    let problems = config::load(&planted.path("omnilisten.toml"))
        .expect_err("the planted tree must not load")
        .0;
    let expected = planted.expected();
    let found: Vec<_> = problems.iter().map(located).collect();
    let wanted: Vec<_> = expected
        .iter()
        .map(|(f, l, c, _)| (f.clone(), *l, *c))
        .collect();
    assert_eq!(found, wanted, "{problems:#?}");
    for (problem, (_, _, _, start)) in problems.iter().zip(&expected) {
        assert!(problem.message.starts_with(start), "{problem}");
        assert!(
            !problem.message.contains('\n'),
            "one line per problem: {problem}"
        );
    }
}

#[test]
fn check_prints_every_problem_and_exits_1() {
    let planted = Planted::new();
    let output = Command::new(env!("CARGO_BIN_EXE_omnilisten"))
        .arg("check")
        .arg("--config")
        .arg(planted.path("omnilisten.toml"))
        .output()
        .expect("run omnilisten");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (file, line, column, start) in planted.expected() {
        let wanted = format!("{}:{line}:{column}: {start}", file.display());
        assert!(stderr.contains(&wanted), "missing {wanted:?} in:\n{stderr}");
    }
}

#[test]
fn run_refuses_the_same_tree_with_the_same_messages() {
    let planted = Planted::new();
    let run = |sub: &str| {
        Command::new(env!("CARGO_BIN_EXE_omnilisten"))
            .arg(sub)
            .arg("--config")
            .arg(planted.path("omnilisten.toml"))
            .output()
            .expect("run omnilisten")
    };
    let check = run("check");
    let daemon = run("run");
    assert_eq!(daemon.status.code(), Some(1), "run must refuse the tree");
    assert_eq!(
        String::from_utf8_lossy(&daemon.stderr),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_repository_default_tree_loads_without_problems() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = match config::load(&repo.join("omnilisten.toml")) {
        Ok(config) => config,
        Err(problems) => panic!("the default tree has problems:\n{problems}"),
    };
    let samples = config
        .connectors
        .iter()
        .find(|c| c.id.0 == "samples")
        .expect("connectors/samples.toml");
    let ConnectorKind::Maildir(maildir) = &samples.kind else {
        panic!("samples is a maildir connector");
    };
    assert_eq!(
        maildir.after,
        MaildirAfter::Keep,
        "the samples in git must never be moved"
    );
    assert!(
        config
            .rules
            .rules
            .iter()
            .any(|r| r.id == "email-opens-ticket")
    );
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.store.path, repo.join("data/state"));
}
