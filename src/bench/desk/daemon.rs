//! The daemon under test: `crate::app::run` (the real wiring, router and
//! `AppState`) on a config written into the scratch directory, listening on
//! 127.0.0.1:0, with one admin user and one admin API token made for the run.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::sync::oneshot;

use crate::app::AppError;
use crate::bench::BenchError;

/// The user the bench logs in as.
pub(super) const USER: &str = "bench";

/// The secrets of one run: the user's password and the API token.
pub(super) struct Credentials {
    /// The password of [`USER`].
    pub(super) password: String,
    /// The admin bearer token for `/api/`.
    pub(super) token: String,
}

/// A daemon running in this process on a scratch directory.
pub(super) struct Daemon {
    /// Where it listens.
    pub(super) addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), AppError>>,
}

impl Daemon {
    /// Writes `omnilisten.toml` into `dir` (whose `state/` holds the filled
    /// store) and starts the daemon on it.
    pub(super) async fn start(dir: &Path) -> Result<(Daemon, Credentials), BenchError> {
        for sub in ["connectors", "rules", "secrets"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        let credentials = Credentials {
            password: secret()?,
            token: secret()?,
        };
        // Argon2 is slow on purpose: off the async threads.
        let password = credentials.password.clone();
        let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
            .await
            .map_err(|e| BenchError::Daemon(e.to_string()))?
            .map_err(|e| BenchError::Daemon(e.to_string()))?;
        write_secret(&dir.join("secrets/api_token"), &credentials.token)?;
        // Jobs off: a scheduled job would write while pages are timed.
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\ndurability = \"fsync\"\n\n\
             [log]\nlevel = \"warn\"\n\n[jobs]\nenabled = false\n\n\
             [[users]]\nname = \"{USER}\"\nrole = \"admin\"\npassword_hash = \"{hash}\"\n\n\
             [[api_tokens]]\nname = \"{USER}\"\nrole = \"admin\"\ntoken_file = \"secrets/api_token\"\n"
        );
        let path: PathBuf = dir.join("omnilisten.toml");
        std::fs::write(&path, config)?;
        let config = crate::config::load(&path).map_err(|p| BenchError::Config(p.to_string()))?;
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (bound_tx, bound_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stop_rx.await;
            };
            crate::app::run(config, shutdown, Some(bound_tx)).await
        });
        let Ok(addr) = bound_rx.await else {
            // It ended before it listened: its error says why.
            return Err(BenchError::Daemon(match task.await {
                Ok(Err(e)) => e.to_string(),
                Ok(Ok(())) => "stopped before listening".into(),
                Err(e) => e.to_string(),
            }));
        };
        Ok((Daemon { addr, stop, task }, credentials))
    }

    /// Stops it gracefully (its final flush included).
    pub(super) async fn stop(self) -> Result<(), BenchError> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(result) => result.map_err(|e| BenchError::Daemon(e.to_string())),
            Err(e) => Err(BenchError::Daemon(e.to_string())),
        }
    }
}

/// A fresh random secret (the session ids' generator).
fn secret() -> Result<String, BenchError> {
    crate::auth::random_token().map_err(|e| BenchError::Daemon(e.to_string()))
}

/// Writes a secret file only its owner can read (the config check wants that).
fn write_secret(path: &Path, value: &str) -> Result<(), BenchError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, format!("{value}\n"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}
