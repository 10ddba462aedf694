//! Secrets are never written in config files: a file names an environment
//! variable (`password_env = "IMAP_PASSWORD"`) or a file (`password_file =
//! "/run/secrets/imap"`) and the value is read when the connector starts.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::source::FileCheck;

/// Keys that would hold a secret inline; each must be `<key>_env` or `<key>_file` instead.
pub const INLINE_SECRET_KEYS: [&str; 6] = [
    "password",
    "token",
    "secret",
    "app_secret",
    "aes_key",
    "access_token",
];

/// Where a secret is read from. Holds no secret itself, so `Debug` is safe to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable's name.
    Env(String),
    /// A file's path (resolved against the config directory); one trailing newline is dropped.
    File(PathBuf),
}

/// Why a secret could not be read. Names the variable or file, never a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable is not set (or not valid Unicode).
    #[error("environment variable {0} is not set or not valid UTF-8")]
    EnvMissing(String),
    /// The file could not be read.
    #[error("cannot read secret file {path}: {source}", path = .path.display())]
    FileUnreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error (its text never contains file content).
        source: std::io::Error,
    },
    /// The variable or file is empty, which is never a usable credential.
    #[error("secret {0} is empty")]
    Empty(String),
}

impl SecretRef {
    /// Reads the secret now.
    pub fn resolve(&self) -> Result<String, SecretError> {
        let (value, origin) = match self {
            SecretRef::Env(name) => {
                let value =
                    std::env::var(name).map_err(|_| SecretError::EnvMissing(name.clone()))?;
                (value, name.clone())
            }
            SecretRef::File(path) => {
                let mut value = std::fs::read_to_string(path).map_err(|source| {
                    SecretError::FileUnreadable {
                        path: path.clone(),
                        source,
                    }
                })?;
                // Editors and `echo` add a newline that is not part of the secret.
                if value.ends_with('\n') {
                    value.pop();
                    if value.ends_with('\r') {
                        value.pop();
                    }
                }
                (value, path.display().to_string())
            }
        };
        if value.is_empty() {
            return Err(SecretError::Empty(origin));
        }
        Ok(value)
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "environment variable {name}"),
            SecretRef::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// The raw `<name>_env` / `<name>_file` keys of one secret, as a connector's
/// raw struct deserializes them (`password_env: Option<Spanned<String>>`, ...).
#[derive(Debug, Clone)]
pub struct SecretKeys {
    /// The secret's name without suffix, e.g. `password`.
    pub name: &'static str,
    /// Value of `<name>_env`.
    pub env: Option<Spanned<String>>,
    /// Value of `<name>_file`.
    pub file: Option<Spanned<String>>,
}

impl SecretKeys {
    /// Validates the pair: exactly one of the two keys, non-empty. `table`
    /// is where a missing secret is reported. `None` after a problem.
    pub fn into_ref(self, check: &mut FileCheck<'_>, table: Range<usize>) -> Option<SecretRef> {
        let name = self.name;
        match (self.env, self.file) {
            (Some(_), Some(file)) => {
                let message = format!("give either {name}_env or {name}_file, not both");
                check.report(file.span(), message);
                None
            }
            (None, None) => {
                let message = format!("missing {name}_env = \"NAME\" or {name}_file = \"path\"");
                check.report(table, message);
                None
            }
            (Some(env), None) => {
                valid_env_name(check, &env).then(|| SecretRef::Env(env.into_inner()))
            }
            (None, Some(file)) if file.get_ref().trim().is_empty() => {
                check.report(file.span(), format!("{name}_file is empty"));
                None
            }
            (None, Some(file)) => Some(SecretRef::File(check.resolve(file.get_ref()))),
        }
    }
}

fn valid_env_name(check: &mut FileCheck<'_>, env: &Spanned<String>) -> bool {
    let name = env.get_ref();
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        let message =
            format!("\"{name}\" is not an environment variable name (letters, digits and _ only)");
        check.report(env.span(), message);
    }
    valid
}

/// Reports every inline secret key in `table` and its sub-tables, and removes
/// it so the later unknown-key check does not report it a second time.
pub fn take_inline_secrets(check: &mut FileCheck<'_>, table: &mut DeTable<'_>) {
    let inline: Vec<(String, Range<usize>)> = table
        .iter()
        .filter(|(key, _)| INLINE_SECRET_KEYS.contains(&key.get_ref().as_ref()))
        .map(|(key, _)| (key.get_ref().to_string(), key.span()))
        .collect();
    for (key, span) in inline {
        let message = format!(
            "inline secrets are not allowed: use {key}_env = \"NAME\" or {key}_file = \"path\""
        );
        check.report(span, message);
        table.remove(key.as_str());
    }
    for (_, value) in table.iter_mut() {
        take_nested(check, value.get_mut());
    }
}

fn take_nested(check: &mut FileCheck<'_>, value: &mut DeValue<'_>) {
    match value {
        DeValue::Table(inner) => take_inline_secrets(check, inner),
        DeValue::Array(items) => {
            for item in items.iter_mut() {
                take_nested(check, item.get_mut());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::source::SourceFile;
    use std::path::Path;

    fn check_keys(
        text: &str,
        env: Option<&str>,
        file: Option<&str>,
    ) -> (Option<SecretRef>, Vec<String>) {
        let source = SourceFile {
            path: "c.toml".into(),
            text: text.into(),
        };
        let mut check = FileCheck::new(&source, Path::new("/etc/omni"));
        let keys = SecretKeys {
            name: "password",
            env: env.map(|v| Spanned::new(0..1, v.to_string())),
            file: file.map(|v| Spanned::new(0..1, v.to_string())),
        };
        let got = keys.into_ref(&mut check, 0..0);
        let messages = check
            .into_problems()
            .into_iter()
            .map(|p| p.message)
            .collect();
        (got, messages)
    }

    #[test]
    fn env_or_file_is_accepted_and_files_resolve_against_the_config_dir() {
        let (env, problems) = check_keys("x", Some("IMAP_PASSWORD"), None);
        assert_eq!(env, Some(SecretRef::Env("IMAP_PASSWORD".into())));
        assert!(problems.is_empty());
        let (file, _) = check_keys("x", None, Some("secrets/imap"));
        assert_eq!(file, Some(SecretRef::File("/etc/omni/secrets/imap".into())));
    }

    #[test]
    fn both_neither_or_a_bad_name_are_problems() {
        let (both, p) = check_keys("x", Some("A"), Some("f"));
        assert!(both.is_none());
        assert_eq!(p, ["give either password_env or password_file, not both"]);
        let (neither, p) = check_keys("x", None, None);
        assert!(neither.is_none());
        assert!(p[0].starts_with("missing password_env"));
        let (bad, p) = check_keys("x", Some("hunter2 is my password"), None);
        assert!(bad.is_none());
        assert!(p[0].contains("not an environment variable name"));
    }

    #[test]
    fn resolve_trims_one_trailing_newline_from_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cr3t\n").expect("write");
        assert_eq!(
            SecretRef::File(path).resolve().ok().as_deref(),
            Some("s3cr3t")
        );
    }

    #[test]
    fn errors_name_the_source_never_the_value() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("empty");
        std::fs::write(&path, "\n").expect("write");
        let err = SecretRef::File(path.clone()).resolve().unwrap_err();
        assert!(err.to_string().contains(&path.display().to_string()));
        let missing = SecretRef::Env("OMNILISTEN_TEST_SURELY_UNSET_VAR".into());
        let err = missing.resolve().unwrap_err().to_string();
        assert!(err.contains("OMNILISTEN_TEST_SURELY_UNSET_VAR"), "{err}");
    }

    #[test]
    fn inline_secrets_are_reported_at_their_key_even_when_nested() {
        let source = SourceFile {
            path: "connectors/wx.toml".into(),
            text: "kind = \"wechat\"\napp_secret = \"abc\"\n[oauth]\ntoken = \"t\"\n".into(),
        };
        let mut check = FileCheck::new(&source, Path::new("."));
        let mut table = check.parse().expect("valid toml").into_inner();
        take_inline_secrets(&mut check, &mut table);
        let problems = check.into_problems();
        let located: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            located,
            [
                (
                    2,
                    "inline secrets are not allowed: use app_secret_env = \"NAME\" or app_secret_file = \"path\""
                ),
                (
                    4,
                    "inline secrets are not allowed: use token_env = \"NAME\" or token_file = \"path\""
                ),
            ]
        );
        assert!(!table.contains_key("app_secret"));
    }
}
