//! Logging in and out, and finding the session behind a cookie.
//!
//! A session id is 32 random bytes, sent to the browser base64url-encoded
//! and stored only as its BLAKE3 hash. Each request looks the session up,
//! refuses it once expired (and removes it), and looks its user up in the
//! config again: a user removed from `[[users]]` is logged out, a changed
//! role applies at once. Every login, failed login and logout is written to
//! the audit log under `user:<name>`, without the password.

use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::{Auth, AuthError, Identity, Via, verify_off_runtime};
use crate::config::UserConfig;
use crate::store::{AuditEntry, Session, Store};

/// Random bytes in a session id (and in a CSRF token).
pub const SESSION_ID_BYTES: usize = 32;

/// Expired sessions removed per login, so the sweep never delays one much.
const SWEEP_PER_LOGIN: usize = 100;

/// Audit subjects and actors carry at most this much of an attempted name.
const MAX_NAME_CHARS: usize = 64;

/// One login attempt, as the form sent it.
pub struct LoginAttempt<'a> {
    /// The name typed.
    pub user: &'a str,
    /// The password typed; dropped once verified, never logged or stored.
    pub password: String,
    /// The client's address, for the limiter and the audit log.
    pub ip: &'a str,
}

/// A session just created: the cookie value is the only copy of its id.
pub struct NewSession {
    /// The cookie value (base64url of the id).
    pub cookie: String,
    /// Who logged in.
    pub identity: Identity,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for NewSession {
    /// Without the cookie: it is the session's only secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("identity", &self.identity)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A fresh random token, base64url (43 characters for 32 bytes).
pub fn random_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; SESSION_ID_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The store key of a cookie value: BLAKE3 of the decoded id. None for
/// anything that is not a well-formed id (no store read for junk).
pub fn session_id_hash(cookie: &str) -> Option<[u8; 32]> {
    let bytes = URL_SAFE_NO_PAD.decode(cookie.trim()).ok()?;
    (bytes.len() == SESSION_ID_BYTES).then(|| *blake3::hash(&bytes).as_bytes())
}

/// Whether `presented` is the CSRF token `expected`, compared in constant
/// time; an empty expectation matches nothing.
pub fn csrf_matches(expected: &str, presented: &str) -> bool {
    !expected.is_empty()
        && expected.len() == presented.len()
        && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

fn short(name: &str) -> String {
    name.chars().take(MAX_NAME_CHARS).collect()
}

impl Auth {
    /// Checks the limiter, then the password (off the runtime), then opens a
    /// session, durably, with its audit entry. A failure is answered as fast
    /// as the password check allows: no added delay, the limiter is what
    /// stops guessing.
    pub async fn login(
        &self,
        store: &Store,
        attempt: LoginAttempt<'_>,
    ) -> Result<NewSession, AuthError> {
        let LoginAttempt { user, password, ip } = attempt;
        if let Err(retry_after) = self.with_limiter(|l| l.check(user, ip, Instant::now())) {
            // Not audited: a flood of refused attempts must not become a
            // flood of store commits. The failures that led here are.
            tracing::warn!(user = %short(user), ip, retry_after = retry_after.as_secs(), "Login refused by the rate limit.");
            return Err(AuthError::RateLimited { retry_after });
        }
        let account = self.user(user);
        let hash = account.as_ref().map(|a| a.password_hash.clone());
        let verified = verify_off_runtime(password, hash).await?;
        match account.filter(|_| verified) {
            Some(account) => {
                self.with_limiter(|l| l.success(user, ip));
                self.open_session(store, &account, ip).await
            }
            None => {
                self.with_limiter(|l| l.failure(user, ip, Instant::now()));
                record_failure(store, user, self.user(user).is_some(), ip).await?;
                Err(AuthError::BadCredentials)
            }
        }
    }

    /// Writes a new session for `account` (sweeping some expired ones in
    /// the same batch) with its audit entry, durably.
    async fn open_session(
        &self,
        store: &Store,
        account: &UserConfig,
        ip: &str,
    ) -> Result<NewSession, AuthError> {
        let now = Utc::now();
        let cookie = random_token()?;
        let id_hash = session_id_hash(&cookie)
            .ok_or_else(|| AuthError::Internal("a fresh session id does not decode".into()))?;
        let ttl = chrono::Duration::from_std(self.settings.session_ttl)
            .unwrap_or(chrono::Duration::hours(12));
        let session = Session {
            user: account.name.clone(),
            role: account.role.as_str().into(),
            csrf: random_token()?,
            created_at: now,
            expires_at: now + ttl,
        };
        let expired = store.expired_sessions(now, SWEEP_PER_LOGIN)?;
        let mut tx = store.begin().await;
        for old in &expired {
            tx.remove_session(old);
        }
        tx.put_session(&id_hash, &session);
        tx.audit(&AuditEntry {
            at: now,
            actor: account.name.clone(),
            action: "auth.login".into(),
            subject: format!("user:{}", account.name),
            before: None,
            after: Some(
                json!({ "ip": ip, "role": account.role, "expires_at": session.expires_at }),
            ),
        });
        tx.commit().await?;
        tracing::info!(user = %account.name, role = %account.role, ip, "Logged in.");
        Ok(NewSession {
            cookie,
            expires_at: session.expires_at,
            identity: Identity {
                user: account.name.clone(),
                display_name: account.display_name.clone(),
                role: account.role,
                csrf: session.csrf,
                via: Via::Session,
            },
        })
    }

    /// The identity behind a session cookie at `now`, with the session's
    /// key; None for an unknown, expired or orphaned session (the last two
    /// are removed in the background).
    pub fn session_identity(
        &self,
        store: &Store,
        cookie: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Identity, [u8; 32])>, AuthError> {
        let Some(id_hash) = session_id_hash(cookie) else {
            return Ok(None);
        };
        let Some(session) = store.session(&id_hash)? else {
            return Ok(None);
        };
        let account = self.user(&session.user);
        if session.is_expired(now) || account.is_none() {
            forget_in_background(store.clone(), id_hash);
            return Ok(None);
        }
        Ok(account.map(|account| {
            let identity = Identity {
                user: account.name.clone(),
                display_name: account.display_name.clone(),
                role: account.role,
                csrf: session.csrf,
                via: Via::Session,
            };
            (identity, id_hash)
        }))
    }

    /// Ends a session durably, with its audit entry.
    pub async fn logout(
        &self,
        store: &Store,
        id_hash: &[u8; 32],
        identity: &Identity,
        ip: &str,
    ) -> Result<(), AuthError> {
        let mut tx = store.begin().await;
        tx.remove_session(id_hash);
        tx.audit(&AuditEntry {
            at: Utc::now(),
            actor: identity.user.clone(),
            action: "auth.logout".into(),
            subject: format!("user:{}", identity.user),
            before: None,
            after: Some(json!({ "ip": ip })),
        });
        tx.commit().await?;
        tracing::info!(user = %identity.user, ip, "Logged out.");
        Ok(())
    }
}

/// Audits a failed login (under the name as typed, cut to 64 characters).
async fn record_failure(store: &Store, user: &str, known: bool, ip: &str) -> Result<(), AuthError> {
    let reason = if known {
        "wrong password"
    } else {
        "unknown user"
    };
    tracing::info!(user = %short(user), ip, reason, "Login failed.");
    let mut tx = store.begin().await;
    tx.audit(&AuditEntry {
        at: Utc::now(),
        actor: "system:auth".into(),
        action: "auth.login_failed".into(),
        subject: format!("user:{}", short(user)),
        before: None,
        after: Some(json!({ "ip": ip, "reason": reason })),
    });
    tx.commit().await?;
    Ok(())
}

/// Removes a dead session without making the request wait for a commit.
fn forget_in_background(store: Store, id_hash: [u8; 32]) {
    // Outside a runtime (a unit test calling synchronously) the session
    // simply stays until the next login's sweep.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut tx = store.begin().await;
        tx.remove_session(&id_hash);
        if let Err(e) = tx.commit().await {
            tracing::warn!(error = %e, "An expired session could not be removed.");
        }
    });
}
