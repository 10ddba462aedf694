//! Where the pushes go: the account's secrets, the in-process daemon on a
//! scratch config tree, or an external target's URL.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::sync::oneshot;

use super::corpus::{Rng, seed};
use super::{CONNECTOR, WechatBenchArgs};
use crate::bench::BenchError;
use crate::connectors::wechat::crypto::AesKey;
use crate::model::ConnectorId;
use crate::rules::RuleSet;

/// The account's secrets, as WeChat and the server share them.
#[derive(Clone)]
pub(super) struct Secrets {
    pub(super) token: String,
    pub(super) encoding_aes_key: String,
    pub(super) app_id: String,
}

/// Where the pushes go.
pub(super) struct Target {
    /// `host:port` to connect to.
    pub(super) authority: String,
    /// Path and the query's fixed prefix (`/wechat/x?` or `/wechat?a=b&`).
    pub(super) path_prefix: String,
    /// The full URL up to the query, for reqwest.
    pub(super) url_prefix: String,
    /// For people.
    pub(super) display: String,
    /// Bearer token for the target's `/api/` (the in-process daemon's own,
    /// or `OMNILISTEN_API_TOKEN` for `--url`).
    pub(super) api_token: Option<String>,
}

/// The secrets from the given files, or fresh random ones.
pub(super) fn secrets(args: &WechatBenchArgs) -> Result<Secrets, BenchError> {
    let read = |path: &Path| -> Result<String, BenchError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BenchError::Args(format!("cannot read {}: {e}", path.display())))?;
        Ok(text.trim().to_string())
    };
    let mut rng = Rng::new(seed());
    let token = match &args.token_file {
        Some(path) => read(path)?,
        None => rng.alnum(32),
    };
    let encoding_aes_key = match &args.aes_key_file {
        Some(path) => read(path)?,
        None => {
            let mut bytes = [0u8; 32];
            for b in &mut bytes {
                *b = rng.next() as u8;
            }
            AesKey::from_bytes(bytes).to_encoding_aes_key()
        }
    };
    let app_id = match &args.app_id {
        Some(id) => id.trim().to_string(),
        None => format!("wx{:016x}", rng.next()),
    };
    if token.is_empty() || app_id.is_empty() {
        return Err(BenchError::Args(
            "the Token and the AppID must not be empty".into(),
        ));
    }
    Ok(Secrets {
        token,
        encoding_aes_key,
        app_id,
    })
}

pub(super) fn load_rules(dir: &Path) -> Result<RuleSet, BenchError> {
    let mut problems = Vec::new();
    let files = crate::config::toml_files_in(dir, &mut problems);
    let root = dir.parent().unwrap_or(Path::new(""));
    let rules = crate::rules::load_files(
        &files,
        root,
        &[ConnectorId(CONNECTOR.to_string())],
        &mut problems,
    );
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(BenchError::Config(
            crate::config::Problems(problems).to_string(),
        ))
    }
}

/// A daemon running in this process on a scratch directory.
pub(super) struct InProcess {
    pub(super) addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), crate::app::AppError>>,
    pub(super) dir: PathBuf,
    /// The admin API token its config accepts.
    pub(super) api_token: String,
}

impl InProcess {
    /// Writes a config tree with one safe-mode WeChat connector into `dir`
    /// and starts the daemon on it.
    pub(super) async fn start(
        dir: &Path,
        secrets: &Secrets,
        args: &WechatBenchArgs,
    ) -> Result<InProcess, BenchError> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("connectors"))?;
        std::fs::create_dir_all(dir.join("secrets"))?;
        std::fs::create_dir_all(dir.join("rules"))?;
        write_secret(&dir.join("secrets/token"), &secrets.token)?;
        write_secret(&dir.join("secrets/aes_key"), &secrets.encoding_aes_key)?;
        // The bench reads /api/stats like any script: with its own token.
        let api_token = hex_token()?;
        write_secret(&dir.join("secrets/api_token"), &api_token)?;
        std::fs::write(
            dir.join("omnilisten.toml"),
            format!(
                "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\ndurability = \"{}\"\n\n[log]\nlevel = \"warn\"\n\n[jobs]\nenabled = false\n\n[[api_tokens]]\nname = \"bench\"\nrole = \"admin\"\ntoken_file = \"secrets/api_token\"\n",
                args.durability.as_str()
            ),
        )?;
        std::fs::write(
            dir.join(format!("connectors/{CONNECTOR}.toml")),
            format!(
                "kind = \"wechat\"\ntoken_file = \"secrets/token\"\naes_key_file = \"secrets/aes_key\"\napp_id = \"{}\"\naccept = [\"safe\"]\n",
                secrets.app_id
            ),
        )?;
        if let Some(rules) = &args.rules {
            copy_tree(rules, &dir.join("rules"))?;
        }
        let config = crate::config::load(&dir.join("omnilisten.toml"))
            .map_err(|p| BenchError::Config(p.to_string()))?;
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (bound_tx, bound_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stop_rx.await;
            };
            crate::app::run(config, shutdown, Some(bound_tx)).await
        });
        let addr = match bound_rx.await {
            Ok(addr) => addr,
            Err(_) => {
                // The daemon ended before it listened: its error says why.
                return Err(match task.await {
                    Ok(Err(e)) => BenchError::Daemon(e.to_string()),
                    Ok(Ok(())) => BenchError::Daemon("stopped before listening".into()),
                    Err(e) => BenchError::Daemon(e.to_string()),
                });
            }
        };
        Ok(InProcess {
            addr,
            stop,
            task,
            dir: dir.to_path_buf(),
            api_token,
        })
    }

    /// Stops the daemon gracefully and removes its directory.
    pub(super) async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("in-process daemon: {e}"),
            Err(e) => eprintln!("in-process daemon: {e}"),
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copies the files and directories under `from` into `to` (templates
/// come along with the rules that name them).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// 32 random bytes as hex.
fn hex_token() -> Result<String, BenchError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| BenchError::Daemon(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn write_secret(path: &Path, value: &str) -> Result<(), BenchError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, format!("{value}\n"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

impl Clone for Target {
    fn clone(&self) -> Self {
        Target {
            authority: self.authority.clone(),
            path_prefix: self.path_prefix.clone(),
            url_prefix: self.url_prefix.clone(),
            display: self.display.clone(),
            api_token: self.api_token.clone(),
        }
    }
}

impl Target {
    pub(super) fn parse(url: &str) -> Result<Target, BenchError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| BenchError::Args(format!("--url {url:?}: {e}")))?;
        if parsed.scheme() != "http" {
            return Err(BenchError::Args(format!(
                "--url {url:?}: only http:// is supported (the pushes are measured over loopback)"
            )));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| BenchError::Args(format!("--url {url:?} has no host")))?;
        let port = parsed.port_or_known_default().unwrap_or(80);
        let authority = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let query = parsed.query().map(|q| format!("{q}&")).unwrap_or_default();
        let path_prefix = format!("{}?{query}", parsed.path());
        Ok(Target {
            url_prefix: format!("http://{authority}{path_prefix}"),
            authority,
            path_prefix,
            display: url.to_string(),
            api_token: std::env::var("OMNILISTEN_API_TOKEN").ok(),
        })
    }
}
