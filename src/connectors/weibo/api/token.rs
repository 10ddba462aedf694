//! The access token, read from the environment or a file. Weibo gives web
//! apps no refresh token (research/weibo.md §5): when Weibo refuses the
//! token, a person puts a new one in the file, and the connector notices.

use std::sync::Mutex;

use crate::config::SecretError;
use crate::config::SecretRef;

/// Why no token can be used right now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The environment variable or file cannot be read.
    #[error("no access token: {0}")]
    Unreadable(String),
    /// The configured token is the one Weibo refused; waiting for a new one.
    #[error("the access token in {0} was refused by Weibo; waiting for a new one")]
    StillRefused(String),
}

/// The current token, and the one Weibo last refused.
pub struct AccessToken {
    secret: SecretRef,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    current: Option<String>,
    refused: Option<String>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the value.
        f.debug_struct("AccessToken")
            .field("from", &self.secret.to_string())
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    /// A token read from `secret` on first use.
    pub fn new(secret: SecretRef) -> AccessToken {
        AccessToken {
            secret,
            state: Mutex::new(State::default()),
        }
    }

    /// The token to send. After a refusal the source is read again, and
    /// the refused value is not offered a second time.
    pub fn get(&self) -> Result<String, TokenError> {
        let mut state = self.lock();
        if let Some(token) = &state.current {
            return Ok(token.clone());
        }
        let token = self
            .secret
            .resolve()
            .map_err(|e: SecretError| TokenError::Unreadable(e.to_string()))?;
        let token = token.trim().to_string();
        if state.refused.as_deref() == Some(token.as_str()) {
            return Err(TokenError::StillRefused(self.secret.to_string()));
        }
        state.current = Some(token.clone());
        Ok(token)
    }

    /// Records that Weibo refused `token`; the next `get` reads the source again.
    pub fn refuse(&self, token: &str) {
        let mut state = self.lock();
        if state.current.as_deref() == Some(token) {
            state.current = None;
        }
        state.refused = Some(token.to_string());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_token_is_not_offered_again_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "old-token\n").unwrap();
        let token = AccessToken::new(SecretRef::File(path.clone()));
        assert_eq!(token.get().unwrap(), "old-token");
        token.refuse("old-token");
        assert!(matches!(token.get(), Err(TokenError::StillRefused(_))));
        std::fs::write(&path, "new-token\n").unwrap();
        assert_eq!(token.get().unwrap(), "new-token");
        // A stale refusal (another task's) does not drop the new token.
        token.refuse("old-token");
        assert_eq!(token.get().unwrap(), "new-token");
    }

    #[test]
    fn errors_name_the_source_never_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cr3t-value").unwrap();
        let token = AccessToken::new(SecretRef::File(path));
        token.get().unwrap();
        token.refuse("s3cr3t-value");
        let text = token.get().unwrap_err().to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!format!("{token:?}").contains("s3cr3t"));
    }
}
