//! Hot reload: the rule files (and the templates and dictionaries beside
//! them) are looked at every couple of seconds, and on SIGHUP; a changed
//! tree is loaded whole and put in force only if it has no problem. A tree
//! with a problem keeps the previous rules running, and the problem shows
//! in `/healthz` and the log until a good tree is saved.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::LiveRules;
use crate::model::ConnectorId;

/// How often the files are looked at.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Watches `<base_dir>/rules` and reloads `live`.
pub struct RulesWatcher {
    base_dir: PathBuf,
    connectors: Vec<ConnectorId>,
    live: LiveRules,
    hangup: Arc<Notify>,
}

/// A file's identity for change detection: path, length, modification time.
type Stamp = Vec<(PathBuf, u64, Option<SystemTime>)>;

impl RulesWatcher {
    /// A watcher of the rules under `base_dir`; `connectors` are the ids
    /// rules may name (connectors themselves are not reloaded).
    pub fn new(
        base_dir: &Path,
        connectors: Vec<ConnectorId>,
        live: LiveRules,
        hangup: Arc<Notify>,
    ) -> RulesWatcher {
        RulesWatcher {
            base_dir: base_dir.to_path_buf(),
            connectors,
            live,
            hangup,
        }
    }

    /// Watches until `stop`.
    pub async fn run(self, stop: CancellationToken) {
        let mut seen = stamp(&self.base_dir.join("rules"));
        loop {
            let forced = tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(CHECK_EVERY) => false,
                () = self.hangup.notified() => true,
            };
            let now = stamp(&self.base_dir.join("rules"));
            if !forced && now == seen {
                continue;
            }
            seen = now;
            self.reload(forced);
        }
    }

    /// Loads the rule tree once; puts it in force or records why not.
    pub fn reload(&self, forced: bool) {
        let why = if forced { "SIGHUP" } else { "a file changed" };
        match crate::config::load_rules(&self.base_dir, &self.connectors) {
            Ok(rules) => {
                let count = rules.rules.len();
                self.live.replace(rules);
                tracing::info!(rules = count, trigger = why, "Rules reloaded.");
            }
            Err(problems) => {
                let text = problems.to_string();
                tracing::error!(trigger = why, problems = %text, "Rules not reloaded; the previous rules stay in force.");
                self.live.refused(text);
            }
        }
    }
}

/// Every file under `dir` (recursively: templates, dictionaries), sorted.
fn stamp(dir: &Path) -> Stamp {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.is_dir() {
                pending.push(path);
            } else {
                out.push((path, meta.len(), meta.modified().ok()));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    const GOOD: &str = "[[rule]]\nid = \"a\"\n[rule.then]\nopen_ticket = true\n";

    #[test]
    fn a_good_tree_replaces_the_rules_and_a_bad_one_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("rules")).unwrap();
        std::fs::write(dir.path().join("rules/10-a.toml"), GOOD).unwrap();
        let live = LiveRules::new(RuleSet::default());
        let watcher = RulesWatcher::new(
            dir.path(),
            Vec::new(),
            live.clone(),
            Arc::new(Notify::new()),
        );
        watcher.reload(false);
        assert_eq!(live.current().rules.len(), 1);
        assert_eq!(live.status().error, None);
        std::fs::write(
            dir.path().join("rules/20-b.toml"),
            "[[rule]]\nid = \"b\"\n[rule.when]\nregex = '(退款'\n",
        )
        .unwrap();
        watcher.reload(true);
        assert_eq!(live.current().rules.len(), 1, "previous rules in force");
        let error = live.status().error.unwrap();
        assert!(error.contains("20-b.toml:4"), "{error}");
        std::fs::write(
            dir.path().join("rules/20-b.toml"),
            GOOD.replace("\"a\"", "\"b\""),
        )
        .unwrap();
        watcher.reload(false);
        assert_eq!(live.current().rules.len(), 2);
        assert_eq!(live.status().error, None);
        assert_eq!(live.status().reloads, 2);
    }

    #[test]
    fn the_stamp_sees_edits_in_subdirectories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/x.txt"), "a").unwrap();
        let before = stamp(dir.path());
        std::fs::write(dir.path().join("templates/x.txt"), "ab").unwrap();
        assert_ne!(before, stamp(dir.path()));
    }
}
