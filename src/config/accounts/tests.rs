//! `[auth]`, `[[users]]` and `[[api_tokens]]` through `config::load`.

use std::time::Duration;

use crate::auth::Role;
use crate::config::{SecretRef, load};

/// A well-formed PHC string that no password matches (salt and output are
/// just base64 of filler text).
const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

fn tree(main: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("omnilisten.toml"), main).expect("write");
    dir
}

/// `(line, message)` of every problem.
fn problems(main: &str) -> Vec<(usize, String)> {
    let dir = tree(main);
    let problems = load(&dir.path().join("omnilisten.toml")).expect_err("problems expected");
    problems
        .0
        .into_iter()
        .map(|p| (p.line, p.message))
        .collect()
}

#[test]
fn without_the_sections_there_are_no_accounts_and_the_defaults_hold() {
    let dir = tree("");
    let config = load(&dir.path().join("omnilisten.toml")).expect("loads");
    assert!(config.auth.users.is_empty());
    assert!(config.auth.api_tokens.is_empty());
    assert_eq!(config.auth.session_ttl, Duration::from_secs(12 * 3600));
    assert!(!config.auth.secure_cookies);
    assert_eq!(config.auth.login_limit.failures, 5);
    assert_eq!(config.auth.login_limit.window, Duration::from_secs(900));
    assert_eq!(config.auth.login_limit_ip.failures, 20);
}

#[test]
fn every_key_is_read_and_the_hash_may_come_from_a_file() {
    let dir = tree(&format!(
        "[auth]\nsession_ttl = \"8h\"\nsecure_cookies = true\nlogin_limit = \"3/10m\"\n\
         login_limit_ip = \"50/1h\"\ntrust_forwarded_for = true\n\n\
         [[users]]\nname = \"alice\"\ndisplay_name = \"王小丽\"\nrole = \"reviewer\"\npassword_hash = \"{HASH}\"\n\n\
         [[users]]\nname = \"bob\"\nrole = \"admin\"\npassword_hash_file = \"secrets/bob.hash\"\n\n\
         [[api_tokens]]\nname = \"nightly-report\"\nrole = \"agent\"\ntoken_file = \"secrets/report.token\"\n\n\
         [[api_tokens]]\nname = \"deploy\"\nrole = \"admin\"\ntoken_env = \"OMNILISTEN_DEPLOY_TOKEN\"\n"
    ));
    std::fs::create_dir_all(dir.path().join("secrets")).expect("mkdir");
    std::fs::write(dir.path().join("secrets/bob.hash"), format!("{HASH}\n")).expect("write");
    let config = load(&dir.path().join("omnilisten.toml")).unwrap_or_else(|p| panic!("{p}"));
    let auth = &config.auth;
    assert_eq!(auth.session_ttl, Duration::from_secs(8 * 3600));
    assert!(auth.secure_cookies && auth.trust_forwarded_for);
    assert_eq!(
        (auth.login_limit.failures, auth.login_limit.window.as_secs()),
        (3, 600)
    );
    assert_eq!(
        (
            auth.login_limit_ip.failures,
            auth.login_limit_ip.window.as_secs()
        ),
        (50, 3600)
    );
    let users: Vec<(&str, &str, Role)> = auth
        .users
        .iter()
        .map(|u| (u.name.as_str(), u.display_name.as_str(), u.role))
        .collect();
    assert_eq!(
        users,
        [
            ("alice", "王小丽", Role::Reviewer),
            ("bob", "bob", Role::Admin)
        ]
    );
    assert_eq!(
        auth.users[1].password_hash, HASH,
        "read from the file, trimmed"
    );
    assert_eq!(
        auth.api_tokens[0].token,
        SecretRef::File(dir.path().join("secrets/report.token"))
    );
    assert_eq!(
        auth.api_tokens[1].token,
        SecretRef::Env("OMNILISTEN_DEPLOY_TOKEN".into())
    );
    assert_eq!(auth.api_tokens[1].role, Role::Admin);
    // The hash is kept out of Debug output (and so out of any log of the config).
    assert!(!format!("{config:?}").contains("c2FsdHNhbHRzYWx0"));
}

#[test]
fn check_reports_a_malformed_hash_an_unknown_role_and_a_duplicate_user_at_their_lines() {
    let found = problems(&format!(
        "[[users]]\nname = \"alice\"\nrole = \"reviewer\"\npassword_hash = \"hunter2\"\n\n\
         [[users]]\nname = \"bob\"\nrole = \"superuser\"\npassword_hash = \"{HASH}\"\n\n\
         [[users]]\nname = \"alice\"\nrole = \"agent\"\npassword_hash = \"{HASH}\"\n"
    ));
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, 4);
    assert!(
        found[0].1.starts_with("password_hash is not a PHC string"),
        "{found:?}"
    );
    assert!(found[0].1.contains("omnilisten passwd"));
    assert_eq!(found[1].0, 8);
    assert!(
        found[1]
            .1
            .starts_with("unknown role `superuser`: expected one of `reviewer`, `agent`, `admin`"),
        "{found:?}"
    );
    assert_eq!(found[2].0, 12);
    assert_eq!(
        found[2].1,
        "duplicate user \"alice\" (first defined on line 2)"
    );
}

#[test]
fn passwords_and_tokens_inline_are_refused_and_keys_must_pair() {
    let found = problems(
        "[[users]]\nname = \"alice\"\nrole = \"admin\"\npassword = \"hunter2\"\n\n\
         [[users]]\nname = \"bo b\"\nrole = \"admin\"\npassword_hash_file = \"missing.hash\"\n\n\
         [[api_tokens]]\nname = \"ci\"\nrole = \"agent\"\ntoken = \"abc\"\n\n\
         [[api_tokens]]\nname = \"ci\"\nrole = \"agent\"\ntoken_env = \"A\"\ntoken_file = \"f\"\n",
    );
    let messages: Vec<(usize, &str)> = found.iter().map(|(l, m)| (*l, m.as_str())).collect();
    assert!(
        messages.contains(&(
            4,
            "passwords are never written in config: write password_hash = \"$argon2id$...\" (made by `omnilisten passwd`)"
        )),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|(l, m)| *l == 7 && m.starts_with("invalid user name \"bo b\""))
    );
    assert!(
        messages
            .iter()
            .any(|(l, m)| *l == 9 && m.starts_with("cannot read password_hash_file"))
    );
    assert!(
        messages.contains(&(
            14,
            "inline secrets are not allowed: use token_env = \"NAME\" or token_file = \"path\""
        )),
        "{messages:?}"
    );
    // The first "ci" had no usable secret, yet its name is taken.
    assert!(messages.contains(&(17, "duplicate token \"ci\" (first defined on line 12)")));
}

#[test]
fn bad_auth_settings_name_their_key() {
    let found = problems(
        "[auth]\nsession_ttl = \"30s\"\nlogin_limit = \"five\"\nlogin_limit_ip = \"0/1m\"\nsecure_cookie = true\n",
    );
    let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        found.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [2, 3, 4, 5]
    );
    assert_eq!(messages[0], "session_ttl must be at least 1m");
    assert!(messages[1].starts_with("login_limit: invalid limit \"five\""));
    assert!(messages[2].starts_with("login_limit_ip: invalid limit \"0/1m\""));
    assert!(
        messages[3].starts_with("unknown key `secure_cookie` (did you mean `secure_cookies`?)")
    );
}

#[test]
fn users_must_be_an_array_of_tables() {
    let found = problems("users = \"alice\"\n[auth]\n");
    assert_eq!(
        found,
        [(
            1,
            "`users` must be an array of tables: [[users]]".to_string()
        )]
    );
}
