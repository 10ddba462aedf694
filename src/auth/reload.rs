//! Reloading the accounts on SIGHUP: an admin adds a reviewer, changes a
//! role or removes someone without restarting the daemon.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Auth;

/// Rereads `config_path`'s accounts each time `hangup` is notified, until
/// `stop`. A main file with any problem leaves the accounts as they were.
pub async fn reload_on_hangup(
    auth: Arc<Auth>,
    config_path: PathBuf,
    hangup: Arc<Notify>,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = hangup.notified() => {}
        }
        let (path, target) = (config_path.clone(), auth.clone());
        // The main file and the token files are read from disk: off the
        // async threads, in one go.
        let reloaded = tokio::task::spawn_blocking(move || {
            crate::config::load_accounts(&path).map(|config| target.reload(&config))
        })
        .await;
        match reloaded {
            Ok(Ok(change)) => tracing::info!(
                added = ?change.added,
                removed = ?change.removed,
                changed = ?change.changed,
                api_tokens_before = change.tokens.0,
                api_tokens_after = change.tokens.1,
                "Accounts reloaded."
            ),
            Ok(Err(problems)) => tracing::error!(
                config = %config_path.display(),
                problems = %problems,
                "Accounts not reloaded: the main config has problems; the accounts in force stay."
            ),
            Err(e) => tracing::error!(error = %e, "Accounts reload failed."),
        }
    }
}
