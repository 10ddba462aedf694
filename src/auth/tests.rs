//! Logins, sessions and tokens against a real store.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;

use super::*;
use crate::config::{ApiTokenConfig, AuthConfig, SecretRef, UserConfig};
use crate::store::{Store, StoreOptions};

const PASSWORD: &str = "correct horse battery staple";

/// One hash for every test: Argon2 is slow on purpose.
fn hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).expect("hash"))
}

fn user(name: &str, role: Role) -> UserConfig {
    UserConfig {
        name: name.into(),
        display_name: format!("{name} 显示名"),
        role,
        password_hash: hash().into(),
    }
}

fn config(users: Vec<UserConfig>) -> AuthConfig {
    AuthConfig {
        users,
        ..AuthConfig::default()
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
    (dir, store)
}

fn attempt<'a>(user: &'a str, password: &str) -> LoginAttempt<'a> {
    LoginAttempt {
        user,
        password: password.into(),
        ip: "192.0.2.7",
    }
}

#[tokio::test]
async fn a_login_opens_a_session_stored_only_by_the_hash_of_its_id() {
    let (dir, store) = store();
    let auth = Auth::from_config(&config(vec![user("alice", Role::Reviewer)]));
    let new = auth
        .login(&store, attempt("alice", PASSWORD))
        .await
        .expect("logged in");
    assert_eq!(new.identity.role, Role::Reviewer);
    assert_eq!(new.identity.via, Via::Session);
    assert_eq!(new.identity.display_name, "alice 显示名");
    assert_eq!(new.cookie.len(), 43, "32 bytes, base64url");

    let (identity, key) = auth
        .session_identity(&store, &new.cookie, Utc::now())
        .expect("read")
        .expect("a live session");
    assert_eq!(identity, new.identity);
    let stored = store.session(&key).expect("read").expect("stored");
    assert_eq!(stored.csrf, identity.csrf);
    assert!(stored.expires_at - stored.created_at == chrono::Duration::hours(12));

    // At rest: neither the cookie nor the raw id is anywhere in the store's files.
    store.flush().await.expect("flush");
    let id = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        &new.cookie,
    )
    .expect("base64url");
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).expect("read store file");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&new.cookie), "cookie in {}", entry.display());
        assert!(
            !bytes.windows(id.len()).any(|w| w == id.as_slice()),
            "id in {}",
            entry.display()
        );
        assert!(!text.contains(PASSWORD), "password in {}", entry.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn an_expired_session_is_refused_and_removed() {
    let (_dir, store) = store();
    let auth = Auth::from_config(&config(vec![user("alice", Role::Reviewer)]));
    let new = auth
        .login(&store, attempt("alice", PASSWORD))
        .await
        .expect("login");
    let key = session_id_hash(&new.cookie).expect("well-formed");
    let just_before = new.expires_at - chrono::Duration::seconds(1);
    assert!(
        auth.session_identity(&store, &new.cookie, just_before)
            .expect("read")
            .is_some()
    );
    let after = new.expires_at;
    assert!(
        auth.session_identity(&store, &new.cookie, after)
            .expect("read")
            .is_none()
    );
    // Removed in the background.
    for _ in 0..100 {
        if store.session(&key).expect("read").is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.session(&key).expect("read").is_none(), "swept");
    // Junk cookies never reach the store.
    for junk in ["", "abc", "not base64 at all!", &"A".repeat(44)] {
        assert!(
            auth.session_identity(&store, junk, Utc::now())
                .expect("read")
                .is_none()
        );
    }
}

#[tokio::test]
async fn a_reload_applies_to_open_sessions_a_changed_role_at_once_a_removed_user_is_out() {
    let (_dir, store) = store();
    let auth = Auth::from_config(&config(vec![
        user("alice", Role::Reviewer),
        user("carol", Role::Agent),
    ]));
    let new = auth
        .login(&store, attempt("alice", PASSWORD))
        .await
        .expect("login");

    let change = auth.reload(&config(vec![
        user("alice", Role::Admin),
        user("carol", Role::Agent),
        user("bob", Role::Reviewer),
    ]));
    assert_eq!(
        change,
        AccountsChange {
            added: vec!["bob".into()],
            removed: vec![],
            changed: vec!["alice".into()],
            tokens: (0, 0),
        }
    );
    let (identity, _) = auth
        .session_identity(&store, &new.cookie, Utc::now())
        .expect("read")
        .expect("still logged in");
    assert_eq!(identity.role, Role::Admin, "the new role applies at once");
    auth.login(&store, attempt("bob", PASSWORD))
        .await
        .expect("a user added by the reload logs in");

    let change = auth.reload(&config(vec![user("bob", Role::Admin)]));
    assert_eq!(
        change.removed,
        vec!["alice".to_string(), "carol".to_string()]
    );
    assert_eq!(change.changed, vec!["bob".to_string()]);
    assert!(
        auth.session_identity(&store, &new.cookie, Utc::now())
            .expect("read")
            .is_none(),
        "a removed user's session stops working"
    );
    assert!(matches!(
        auth.login(&store, attempt("alice", PASSWORD)).await,
        Err(AuthError::BadCredentials)
    ));
}

#[tokio::test]
async fn failures_are_audited_without_the_password_and_the_sixth_try_is_limited() {
    let (_dir, store) = store();
    let auth = Auth::from_config(&config(vec![user("alice", Role::Agent)]));
    for _ in 0..5 {
        let refused = auth.login(&store, attempt("alice", "guess-guess")).await;
        assert!(
            matches!(refused, Err(AuthError::BadCredentials)),
            "{refused:?}"
        );
    }
    let limited = auth.login(&store, attempt("alice", PASSWORD)).await;
    let Err(AuthError::RateLimited { retry_after }) = limited else {
        panic!(
            "expected a rate limit, got {:?}",
            limited.map(|n| n.identity)
        );
    };
    assert!(retry_after > Duration::from_secs(800) && retry_after <= Duration::from_secs(900));
    // An unknown name fails the same way, and is audited under its own name.
    let unknown = auth.login(&store, attempt("mallory", PASSWORD)).await;
    assert!(matches!(unknown, Err(AuthError::BadCredentials)));

    let audit = store.audit_for("user:alice").expect("audit");
    assert_eq!(audit.len(), 5);
    assert!(audit.iter().all(|a| a.action == "auth.login_failed"));
    assert_eq!(
        audit[0].after.as_ref().and_then(|a| a["reason"].as_str()),
        Some("wrong password")
    );
    let text = serde_json::to_string(&audit).unwrap_or_default();
    assert!(
        !text.contains("guess-guess") && !text.contains(PASSWORD),
        "{text}"
    );
    let mallory = store.audit_for("user:mallory").expect("audit");
    assert_eq!(
        mallory[0].after.as_ref().and_then(|a| a["reason"].as_str()),
        Some("unknown user")
    );
}

#[tokio::test]
async fn logout_removes_the_session_and_is_audited() {
    let (_dir, store) = store();
    let auth = Auth::from_config(&config(vec![user("alice", Role::Reviewer)]));
    let new = auth
        .login(&store, attempt("alice", PASSWORD))
        .await
        .expect("login");
    let (identity, key) = auth
        .session_identity(&store, &new.cookie, Utc::now())
        .expect("read")
        .expect("live");
    auth.logout(&store, &key, &identity, "192.0.2.7")
        .await
        .expect("logout");
    assert!(
        auth.session_identity(&store, &new.cookie, Utc::now())
            .expect("read")
            .is_none()
    );
    let actions: Vec<String> = store
        .audit_for("user:alice")
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["auth.login", "auth.logout"]);
}

#[test]
fn tokens_are_read_from_their_secret_and_carry_their_role() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("token");
    std::fs::write(&path, "tok-123456\n").expect("write");
    let auth = Auth::from_config(&AuthConfig {
        api_tokens: vec![
            ApiTokenConfig {
                name: "report".into(),
                role: Role::Reviewer,
                token: SecretRef::File(path),
            },
            ApiTokenConfig {
                name: "gone".into(),
                role: Role::Admin,
                token: SecretRef::Env("OMNILISTEN_TEST_SURELY_UNSET_TOKEN".into()),
            },
        ],
        ..AuthConfig::default()
    });
    let identity = auth.token_identity("tok-123456").expect("known token");
    assert_eq!(identity.user, "token:report");
    assert_eq!(identity.via, Via::Token);
    assert_eq!(identity.role, Role::Reviewer);
    assert!(identity.require(Permission::ApproveDrafts).is_ok());
    let refused = identity.require(Permission::Admin);
    assert!(matches!(refused, Err(AuthError::Forbidden { .. })));
    assert_eq!(
        refused.map_err(|e| e.to_string()).err().as_deref(),
        Some("role `reviewer` may not admin")
    );
    assert!(auth.token_identity("tok-12345").is_none());
    assert_eq!(auth.tokens().len(), 1, "the unreadable one is left out");
}

#[test]
fn csrf_tokens_compare_exactly() {
    let token = random_token().expect("random");
    assert!(csrf_matches(&token, &token));
    assert!(!csrf_matches(&token, &token[..42]));
    assert!(!csrf_matches(&token, ""));
    assert!(!csrf_matches("", ""));
    assert_ne!(token, random_token().expect("random"));
}
