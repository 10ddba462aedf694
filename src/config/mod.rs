//! Configuration: `omnilisten.toml` (how the process runs), `connectors/*.toml`
//! (one file per source instance) and `rules/*.toml` (what happens to each
//! message), read from the directory that holds `omnilisten.toml`.
//!
//! Loading is two phases, as in ripgrep: serde reads each table into a raw
//! struct (`deny_unknown_fields`, spans kept where a semantic check follows),
//! then validation turns raw values into the types below. Problems are
//! collected, never thrown: [`load`] reports every one it finds, each with its
//! file, line and column, so `omnilisten check` can list them all at once.

mod accounts;
mod connector;
mod duration;
mod fields;
mod main_file;
mod outgoing;
mod problem;
mod raw;
mod secret;
mod settings;
mod source;

use std::io;
use std::path::{Path, PathBuf};

pub use accounts::{ApiTokenConfig, AuthConfig, UserConfig};
pub use connector::{
    ConnectorConfig, ConnectorKind, DEFAULT_API_BASE, ImapAfter, ImapAuth, ImapConfig, ImapStart,
    ImapTls, KNOWN_KINDS, MaildirAfter, MaildirConfig, WechatConfig, WechatModes, WeiboConfig,
    id_from_file,
};
pub use duration::parse_duration;
pub use outgoing::load_template;
pub use problem::{Problem, Problems};
pub use secret::{INLINE_SECRET_KEYS, SecretError, SecretKeys, SecretRef, take_inline_secrets};
pub use settings::{
    AcknowledgementConfig, DedupConfig, Durability, JobsConfig, LogConfig, LogFormat,
    PipelineConfig, ServerConfig, SmtpConfig, SmtpTls, StoreConfig,
};
pub use source::{FileCheck, SourceFile, quoted_list};

/// Everything the daemon is configured with, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main file, as given.
    pub config_path: PathBuf,
    /// The directory holding it; relative paths in every file are resolved against it.
    pub base_dir: PathBuf,
    /// `[server]`.
    pub server: ServerConfig,
    /// `[store]`.
    pub store: StoreConfig,
    /// `[pipeline]`.
    pub pipeline: PipelineConfig,
    /// `[log]`.
    pub log: LogConfig,
    /// `[dedup]`.
    pub dedup: DedupConfig,
    /// `[smtp]`: None when absent (nothing is sent).
    pub smtp: Option<SmtpConfig>,
    /// `[acknowledgement]`, with its template loaded when enabled.
    pub acknowledgement: AcknowledgementConfig,
    /// `[jobs]`: the scheduled digest and sweep.
    pub jobs: JobsConfig,
    /// `[auth]`, `[[users]]`, `[[api_tokens]]`: who may use the review desk and the API.
    pub auth: AuthConfig,
    /// `connectors/*.toml`, in file name order.
    pub connectors: Vec<ConnectorConfig>,
    /// `rules/*.toml`, in file name order then rule order.
    pub rules: crate::rules::RuleSet,
}

/// Loads and validates the whole configuration tree around `config_path`.
///
/// A missing or unreadable main file is the only problem reported. Otherwise
/// every file is checked and every problem returned; a missing `connectors/`
/// or `rules/` directory just means none.
pub fn load(config_path: &Path) -> Result<Config, Problems> {
    // Joined onto every relative path. Empty, not `.`, for a bare file name,
    // so problems print `connectors/x.toml` rather than `./connectors/x.toml`.
    let root = config_path.parent().unwrap_or(Path::new(""));
    let source = SourceFile::read(config_path).map_err(|p| Problems(vec![p]))?;
    let (mut settings, mut problems) = main_file::check(&source, root);
    if settings.acknowledgement.enabled {
        let path = &settings.acknowledgement.template;
        settings.acknowledgement.body = outgoing::load_template(path, &mut problems);
    }

    let mut connectors = Vec::new();
    let mut known_ids = Vec::new();
    for file in toml_files_in(&root.join("connectors"), &mut problems) {
        // A connector whose file has mistakes is still known to the rules, so
        // one typo does not cascade into "unknown connector" in every rule.
        known_ids.extend(id_from_file(&file).ok());
        connectors.extend(connector::load_file(&file, root, &mut problems));
    }
    let rule_files = toml_files_in(&root.join("rules"), &mut problems);
    let mut rules = crate::rules::load_files(&rule_files, root, &known_ids, &mut problems);
    rules.analyzer = load_analyzer(root, &mut problems);

    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Ok(Config {
        config_path: config_path.to_path_buf(),
        base_dir: if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root.to_path_buf()
        },
        server: settings.server,
        store: settings.store,
        pipeline: settings.pipeline,
        log: settings.log,
        dedup: settings.dedup,
        smtp: settings.smtp,
        acknowledgement: settings.acknowledgement,
        jobs: settings.jobs,
        auth: settings.auth,
        connectors,
        rules,
    })
}

/// Loads only the accounts (`[[users]]`, `[[api_tokens]]`, `[auth]`) from
/// the main file, for a reload: any problem in the main file refuses the
/// whole reload, so a typo never locks everybody out.
pub fn load_accounts(config_path: &Path) -> Result<AuthConfig, Problems> {
    let root = config_path.parent().unwrap_or(Path::new(""));
    let source = SourceFile::read(config_path).map_err(|p| Problems(vec![p]))?;
    let (settings, problems) = main_file::check(&source, root);
    if problems.is_empty() {
        Ok(settings.auth)
    } else {
        Err(Problems(problems))
    }
}

/// Loads only the rule files under `base_dir/rules` (hot reload), checking
/// connector names against `connectors`.
pub fn load_rules(
    base_dir: &Path,
    connectors: &[crate::model::ConnectorId],
) -> Result<crate::rules::RuleSet, Problems> {
    let mut problems = Vec::new();
    let files = toml_files_in(&base_dir.join("rules"), &mut problems);
    let mut rules = crate::rules::load_files(&files, base_dir, connectors, &mut problems);
    rules.analyzer = load_analyzer(base_dir, &mut problems);
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(Problems(problems))
    }
}

/// The text analysis with the dictionaries of `rules/dict/` (user words,
/// stop words, aliases); a mistake in them is a problem with its line.
fn load_analyzer(
    base_dir: &Path,
    problems: &mut Vec<Problem>,
) -> Option<crate::analysis::Analyzer> {
    use crate::analysis::{AnalysisError, Analyzer};
    let dir = base_dir.join("rules").join("dict");
    match Analyzer::load(&dir) {
        Ok(analyzer) => Some(analyzer),
        Err(AnalysisError::BadLine {
            path,
            line,
            message,
        }) => {
            problems.push(Problem {
                file: path,
                line,
                column: 1,
                message,
            });
            None
        }
        Err(e) => {
            problems.push(Problem::whole_file(&dir, e.to_string()));
            None
        }
    }
}

/// The `*.toml` files directly in `dir`, sorted by name. Other files (the
/// README), subdirectories and hidden files (editor lock files such as
/// `.#10-refund.toml`) are skipped; a missing directory holds none.
pub fn toml_files_in(dir: &Path, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            problems.push(Problem::whole_file(
                dir,
                format!("cannot list directory: {e}"),
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let visible = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'));
            visible && path.extension().is_some_and(|ext| ext == "toml") && path.is_file()
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests;
