//! Accounts and access for the review desk and the JSON API: who is asking
//! ([`Identity`]) and what their role lets them do ([`Role::can`]).
//!
//! People log in with a name and password from `[[users]]` (Argon2id
//! hashes, `password`); a login makes a session stored by the hash of its
//! id (`session`, `store::Session`), carried in an HttpOnly, SameSite=Strict
//! cookie, with a CSRF token every state-changing request must echo.
//! Scripts send `Authorization: Bearer <token>` (`token`). Failed logins are
//! limited per user and address (`limiter`). The HTTP side — cookies,
//! redirects, the CSRF middleware — is `web::auth`; this module holds no
//! HTTP types.

mod form;
mod limiter;
mod passwd;
mod password;
mod reload;
mod role;
mod session;
mod token;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;

pub use form::{encode as form_encode, field as form_field, safe_next};
pub use limiter::{LoginLimiter, RateLimit};
pub use passwd::read_new_password;
pub use password::{check_hash, hash_password, verify_off_runtime, verify_password};
pub use reload::reload_on_hangup;
pub use role::{Permission, Role};
pub use session::{
    LoginAttempt, NewSession, SESSION_ID_BYTES, csrf_matches, random_token, session_id_hash,
};
pub use token::{ApiToken, TokenTable, token_hash};

use crate::config::{AuthConfig, UserConfig};
use crate::store::StoreError;

/// Why a request or a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No valid session or token.
    #[error("login required")]
    Unauthenticated,
    /// The bearer token is not one of the configured ones.
    #[error("invalid API token")]
    BadToken,
    /// Logged in, but the role does not allow this.
    #[error("role `{role}` may not {permission}")]
    Forbidden {
        /// The caller's role.
        role: Role,
        /// What was needed.
        permission: Permission,
    },
    /// A state-changing request without the session's CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// Wrong user name or password (which one is never said).
    #[error("wrong user name or password")]
    BadCredentials,
    /// Too many failed logins; try again after this long.
    #[error("too many failed logins; try again in {} s", .retry_after.as_secs())]
    RateLimited {
        /// How long until the next attempt is allowed.
        retry_after: std::time::Duration,
    },
    /// A form body over the limit.
    #[error("form body over {0} bytes")]
    TooLarge(usize),
    /// The system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// Argon2 could not hash (bad parameters; never a wrong password).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Reading a password for `omnilisten passwd` failed.
    #[error("{0}")]
    Input(String),
    /// A background task died.
    #[error("internal error: {0}")]
    Internal(String),
    /// The store failed while reading or writing a session.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A browser session cookie (CSRF token required on changes).
    Session,
    /// An API bearer token (no CSRF: browsers never send it by themselves).
    Token,
}

/// Who is asking, as every handler behind login sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The user's name, or `token:<name>` for an API token; the audit log's actor.
    pub user: String,
    /// For pages: the user's `display_name`.
    pub display_name: String,
    /// The role in force now (from the config, looked up at each request).
    pub role: Role,
    /// The session's CSRF token, for forms (empty for tokens).
    pub csrf: String,
    /// Session or token.
    pub via: Via,
}

impl Identity {
    /// `Ok` when the role allows `permission`, else [`AuthError::Forbidden`] (403).
    pub fn require(&self, permission: Permission) -> Result<(), AuthError> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(AuthError::Forbidden {
                role: self.role,
                permission,
            })
        }
    }
}

/// Cookie and session settings from `[auth]`.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// How long a session lasts.
    pub session_ttl: std::time::Duration,
    /// Add `Secure` to cookies (served behind TLS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` when the peer is loopback.
    pub trust_forwarded_for: bool,
}

/// Everything the web layer needs to authenticate: users, tokens, the
/// login limiter and the settings. Built at start from the config; the
/// accounts (users and tokens) are swapped whole by [`Auth::reload`].
#[derive(Debug)]
pub struct Auth {
    accounts: RwLock<Arc<Accounts>>,
    limiter: Mutex<LoginLimiter>,
    settings: AuthSettings,
}

/// The users and API tokens in force: one consistent set per request.
#[derive(Debug, Default)]
pub struct Accounts {
    users: HashMap<String, UserConfig>,
    tokens: TokenTable,
}

/// What an accounts reload changed, for the log line and the tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountsChange {
    /// Users that are new.
    pub added: Vec<String>,
    /// Users that are gone (their sessions stop working at once).
    pub removed: Vec<String>,
    /// Users whose role, display name or password changed.
    pub changed: Vec<String>,
    /// API tokens before → after.
    pub tokens: (usize, usize),
}

impl Accounts {
    /// Reads `[[users]]` and `[[api_tokens]]` (each token's secret now).
    /// A token that cannot be read is left out with an error line naming
    /// where it was looked for.
    fn from_config(config: &AuthConfig) -> Accounts {
        let mut tokens = TokenTable::default();
        for token in &config.api_tokens {
            match token.token.resolve() {
                Ok(secret) => tokens.add(&token.name, token.role, &secret),
                Err(e) => {
                    tracing::error!(token = %token.name, error = %e, "API token not loaded; requests with it will be refused.")
                }
            }
        }
        if tokens.has_duplicates() {
            tracing::warn!(
                "Two [[api_tokens]] entries share one token; the first one's role applies."
            );
        }
        let users: HashMap<String, UserConfig> = config
            .users
            .iter()
            .map(|u| (u.name.clone(), u.clone()))
            .collect();
        if users.is_empty() {
            tracing::warn!(
                "No [[users]] in the config: pages and API routes answer 401 or redirect to /login. \
                 Make a password hash with `omnilisten passwd` and add a [[users]] entry (README, \"Accounts and login\")."
            );
        }
        Accounts { users, tokens }
    }

    /// The configured user called `name` (exact match).
    pub fn user(&self, name: &str) -> Option<&UserConfig> {
        self.users.get(name)
    }

    /// Every user, by name.
    pub fn users(&self) -> Vec<&UserConfig> {
        let sorted: BTreeMap<&str, &UserConfig> =
            self.users.iter().map(|(k, v)| (k.as_str(), v)).collect();
        sorted.into_values().collect()
    }

    /// The configured API tokens (names and roles).
    pub fn tokens(&self) -> &TokenTable {
        &self.tokens
    }

    /// What changed from `self` to `next`.
    fn change_to(&self, next: &Accounts) -> AccountsChange {
        let mut change = AccountsChange {
            tokens: (self.tokens.len(), next.tokens.len()),
            ..AccountsChange::default()
        };
        for (name, user) in &next.users {
            match self.users.get(name) {
                None => change.added.push(name.clone()),
                Some(old) if old != user => change.changed.push(name.clone()),
                Some(_) => {}
            }
        }
        change.removed = self
            .users
            .keys()
            .filter(|name| !next.users.contains_key(*name))
            .cloned()
            .collect();
        for list in [&mut change.added, &mut change.removed, &mut change.changed] {
            list.sort();
        }
        change
    }
}

impl Auth {
    /// Builds the state from `[auth]`, `[[users]]`, `[[api_tokens]]`.
    pub fn from_config(config: &AuthConfig) -> Auth {
        let accounts = Accounts::from_config(config);
        tracing::info!(
            users = accounts.users.len(),
            api_tokens = accounts.tokens.len(),
            "Accounts loaded."
        );
        Auth {
            accounts: RwLock::new(Arc::new(accounts)),
            limiter: Mutex::new(LoginLimiter::new(config.login_limit, config.login_limit_ip)),
            settings: AuthSettings {
                session_ttl: config.session_ttl,
                secure_cookies: config.secure_cookies,
                trust_forwarded_for: config.trust_forwarded_for,
            },
        }
    }

    /// Replaces the users and API tokens with `config`'s (SIGHUP). Sessions
    /// follow at their next request: a removed user's stop working, a
    /// changed role applies. `[auth]` settings and the login limiter's
    /// counts stay as they were (they need a restart to change).
    pub fn reload(&self, config: &AuthConfig) -> AccountsChange {
        let next = Arc::new(Accounts::from_config(config));
        let mut current = match self.accounts.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let change = current.change_to(&next);
        *current = next;
        change
    }

    /// The settings in force.
    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// The accounts in force now (a snapshot: a reload does not change it).
    pub fn accounts(&self) -> Arc<Accounts> {
        match self.accounts.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The configured user called `name` (exact match), as of now.
    pub fn user(&self, name: &str) -> Option<UserConfig> {
        self.accounts().user(name).cloned()
    }

    /// Every user as of now, by name.
    pub fn users(&self) -> Vec<UserConfig> {
        self.accounts().users().into_iter().cloned().collect()
    }

    /// The configured API tokens as of now (names and roles).
    pub fn tokens(&self) -> TokenTable {
        self.accounts().tokens.clone()
    }

    /// The identity of a bearer token, if it is a configured one.
    pub fn token_identity(&self, presented: &str) -> Option<Identity> {
        self.accounts()
            .tokens
            .find(presented)
            .map(|token| Identity {
                user: format!("token:{}", token.name),
                display_name: token.name.clone(),
                role: token.role,
                csrf: String::new(),
                via: Via::Token,
            })
    }

    /// Runs `f` on the limiter. A poisoned lock (a panic mid-update) still
    /// holds usable counts, so it is used rather than failing every login.
    fn with_limiter<T>(&self, f: impl FnOnce(&mut LoginLimiter) -> T) -> T {
        match self.limiter.lock() {
            Ok(mut limiter) => f(&mut limiter),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

#[cfg(test)]
mod tests;
