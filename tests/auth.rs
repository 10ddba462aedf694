//! Accounts and login against the running daemon over loopback HTTP: a real
//! Argon2 hash in the config, the session cookie's flags, CSRF, bearer
//! tokens, roles, the login limit, a restart, logout — and the daemon's log
//! at trace level holding none of the secrets involved.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::support::http::{Answer, encode, request};
use crate::support::process::{free_port, spawn_daemon, terminate};
use crate::support::{Daemon, TEST_API_TOKEN, Tree, reopen_store};

const PASSWORD: &str = "支付宝-correct-horse-battery";
const REVIEWER_TOKEN: &str = "reviewer-script-token-0123456789";

/// A tree with user `alice` (reviewer, a real hash of [`PASSWORD`]), a
/// reviewer API token `report`, and Secure cookies; `extra` goes into the
/// main config too.
fn tree(listen: &str, extra: &str) -> Tree {
    let tree = Tree::new();
    tree.write(
        "omnilisten.toml",
        &format!(
            "[server]\nlisten = \"{listen}\"\n\n[store]\npath = \"state\"\n\n[jobs]\nenabled = false\n\n{extra}\
             [auth]\nsecure_cookies = true\n\n\
             [[api_tokens]]\nname = \"report\"\nrole = \"reviewer\"\ntoken_file = \"reviewer.token\"\n"
        ),
    );
    tree.write("reviewer.token", &format!("{REVIEWER_TOKEN}\n"));
    tree.add_user("alice", "reviewer", PASSWORD);
    tree
}

/// Fills in and posts the login form; returns the answer to the POST.
async fn log_in(addr: SocketAddr, user: &str, password: &str) -> Answer {
    let form = request(addr, "GET", "/login?next=/api/me", &[], "").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let cookie = form.cookie_pair("omnilisten_login_csrf");
    let token = cookie.split_once('=').map(|(_, v)| v).unwrap_or_default();
    assert!(form.body.contains(token), "the form carries the token");
    let body = format!(
        "_csrf={token}&next=%2Fapi%2Fme&user={}&password={}",
        encode(user),
        encode(password)
    );
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", cookie.as_str()),
    ];
    request(addr, "POST", "/login", &headers, &body).await
}

async fn get_with(addr: SocketAddr, path: &str, header: (&str, &str)) -> Answer {
    request(addr, "GET", path, &[header], "").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_session_csrf_tokens_roles_restart_logout_and_the_limit() {
    let tree = tree("127.0.0.1:0", "");
    let daemon = Daemon::start(&tree.config()).await;
    let addr = daemon.addr;

    let anonymous = request(addr, "GET", "/api/me", &[], "").await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["error"], "login required");
    let page = request(addr, "GET", "/tickets", &[], "").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), Some("/login?next=/tickets"));

    // Log in with the real hash: a Secure, HttpOnly, SameSite=Strict cookie.
    let login = log_in(addr, "alice", PASSWORD).await;
    assert_eq!(login.status, 303, "{}", login.body);
    assert_eq!(login.header("location"), Some("/api/me"));
    let line = login
        .set_cookie("omnilisten_session")
        .expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(line.contains(flag), "{flag} missing: {line}");
    }
    let cookie = login.cookie_pair("omnilisten_session");
    let me = get_with(addr, "/api/me", ("Cookie", &cookie)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    let me = me.json();
    assert_eq!(me["user"], "alice");
    assert_eq!(me["role"], "reviewer");
    assert_eq!(me["via"], "session");
    let csrf = me["csrf"].as_str().expect("a CSRF token").to_string();
    let stats = get_with(addr, "/api/stats", ("Cookie", &cookie)).await;
    assert_eq!(stats.status, 200, "the JSON API works with the cookie");

    // A session's POST without the CSRF token is refused; a bearer token needs none.
    let refused = request(addr, "POST", "/logout", &[("Cookie", &cookie)], "").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let wrong = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", "not-the-token"),
    ];
    assert_eq!(
        request(addr, "POST", "/logout", &wrong, "").await.status,
        403
    );
    let bearer = format!("Bearer {REVIEWER_TOKEN}");
    let scripted = request(addr, "POST", "/logout", &[("Authorization", &bearer)], "").await;
    assert_eq!(scripted.status, 303, "{}", scripted.body);

    // Roles: the reviewer token may not list accounts; the admin token may,
    // and sees no hash.
    let forbidden = get_with(addr, "/api/admin/users", ("Authorization", &bearer)).await;
    assert_eq!(forbidden.status, 403);
    let admin = format!("Bearer {TEST_API_TOKEN}");
    let listed = get_with(addr, "/api/admin/users", ("Authorization", &admin)).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["users"][0]["name"], "alice");
    assert!(!listed.body.contains("argon2"), "{}", listed.body);
    let as_alice = get_with(addr, "/api/admin/users", ("Cookie", &cookie)).await;
    assert_eq!(as_alice.status, 403, "a reviewer's session either");

    // The session survives a restart of the daemon.
    daemon.stop().await;
    let daemon = Daemon::start(&tree.config()).await;
    let addr = daemon.addr;
    let again = get_with(addr, "/api/me", ("Cookie", &cookie)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["csrf"], csrf.as_str());

    // Logout (with the token) ends it for good.
    let out = [("Cookie", cookie.as_str()), ("X-CSRF-Token", csrf.as_str())];
    let logout = request(addr, "POST", "/logout", &out, "").await;
    assert_eq!(logout.status, 303, "{}", logout.body);
    assert!(
        logout
            .set_cookie("omnilisten_session")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );
    assert_eq!(
        get_with(addr, "/api/me", ("Cookie", &cookie)).await.status,
        401
    );

    // Wrong password five times: 401; the sixth try is 429 with Retry-After.
    for attempt in 1..=5 {
        let wrong = log_in(addr, "alice", "wrong-password").await;
        assert_eq!(wrong.status, 401, "attempt {attempt}");
        assert!(wrong.set_cookie("omnilisten_session").is_none());
    }
    let limited = log_in(addr, "alice", PASSWORD).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    daemon.stop().await;

    // Every login, failure and logout is in the audit log, without passwords.
    let store = reopen_store(&tree.path().join("state"));
    let audit = store.audit_for("user:alice").expect("audit");
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "auth.login").count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == "auth.logout").count(), 1);
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "auth.login_failed")
            .count(),
        5
    );
    let text = serde_json::to_string(&audit).unwrap_or_default();
    assert!(!text.contains(PASSWORD) && !text.contains("wrong-password"));
    assert!(
        text.contains("127.0.0.1"),
        "the address is recorded: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_cookie_or_hash_reaches_the_log_at_trace_level() {
    let port = free_port();
    // Trace level for everything: the strictest place for a secret to hide.
    let tree = tree(&format!("127.0.0.1:{port}"), "[log]\nlevel = \"trace\"\n\n");
    let hash_line = std::fs::read_to_string(tree.config()).expect("config");
    let hash = hash_line
        .lines()
        .find_map(|l| l.strip_prefix("password_hash = \""))
        .map(|h| h.trim_end_matches('"').to_string())
        .expect("a hash in the config");
    let mut child = spawn_daemon(&tree, "secrets");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let started = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "daemon never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let wrong = log_in(addr, "alice", "wrong-password-1234").await;
    assert_eq!(wrong.status, 401);
    let login = log_in(addr, "alice", PASSWORD).await;
    assert_eq!(login.status, 303, "{}", login.body);
    let cookie = login.cookie_pair("omnilisten_session");
    let session_id = cookie
        .split_once('=')
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    assert_eq!(
        get_with(addr, "/api/me", ("Cookie", &cookie)).await.status,
        200
    );
    let bearer = format!("Bearer {REVIEWER_TOKEN}");
    assert_eq!(
        get_with(addr, "/api/me", ("Authorization", &bearer))
            .await
            .status,
        200
    );
    let bad = get_with(
        addr,
        "/api/me",
        ("Authorization", "Bearer guessed-token-xyz"),
    )
    .await;
    assert_eq!(bad.status, 401);
    terminate(&mut child);

    let log = std::fs::read_to_string(tree.path().join("daemon-secrets.log")).expect("log");
    assert!(log.contains("Logged in."), "the log is there: {log}");
    assert!(log.contains("TRACE"), "the log really is at trace level");
    for secret in [
        PASSWORD,
        "wrong-password-1234",
        REVIEWER_TOKEN,
        "guessed-token-xyz",
        TEST_API_TOKEN,
        session_id.as_str(),
        hash.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret:?} leaked into the log");
    }
}

/// Sends SIGHUP to the daemon process.
fn hang_up(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .expect("kill -HUP");
    assert!(status.success());
}

/// Waits until `check` holds, asking every 50 ms for at most 15 s.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(15), "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An admin adds a reviewer and removes another by editing the main config
/// and sending SIGHUP, without a restart; a broken config changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_accounts_and_a_broken_config_changes_nothing() {
    let port = free_port();
    let tree = tree(&format!("127.0.0.1:{port}"), "");
    let mut child = spawn_daemon(&tree, "hangup");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    eventually("the daemon listens", async || {
        tokio::net::TcpStream::connect(addr).await.is_ok()
    })
    .await;
    let alice = log_in(addr, "alice", PASSWORD).await;
    assert_eq!(alice.status, 303, "{}", alice.body);
    let alice = alice.cookie_pair("omnilisten_session");
    assert_eq!(log_in(addr, "bob", PASSWORD).await.status, 401);

    // Bob is added: he can log in once the daemon has reread the file.
    let with_alice = std::fs::read_to_string(tree.config()).expect("config");
    tree.add_user("bob", "agent", PASSWORD);
    hang_up(&child);
    eventually("bob can log in", async || {
        log_in(addr, "bob", PASSWORD).await.status == 303
    })
    .await;

    // A typo in the main file: the reload is refused, everybody stays.
    let with_both = std::fs::read_to_string(tree.config()).expect("config");
    std::fs::write(tree.config(), format!("{with_both}\n[[users]\n")).expect("break config");
    hang_up(&child);
    let log = tree.path().join("daemon-hangup.log");
    eventually("the refusal is logged", async || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Accounts not reloaded"))
    })
    .await;
    assert_eq!(
        get_with(addr, "/api/me", ("Cookie", &alice)).await.status,
        200
    );

    // Alice is removed (only Bob left): her open session stops working.
    let without_alice = with_both.replacen(
        &with_alice[with_alice.find("\n[[users]]").expect("alice's entry")..],
        "",
        1,
    );
    assert!(!without_alice.contains("\"alice\"") && without_alice.contains("\"bob\""));
    std::fs::write(tree.config(), without_alice).expect("write config");
    hang_up(&child);
    eventually("alice's session is refused", async || {
        get_with(addr, "/api/me", ("Cookie", &alice)).await.status == 401
    })
    .await;
    assert_eq!(log_in(addr, "alice", PASSWORD).await.status, 401);
    assert_eq!(log_in(addr, "bob", PASSWORD).await.status, 303);
    terminate(&mut child);
    let log = std::fs::read_to_string(&log).expect("log");
    assert!(log.contains("Accounts reloaded."), "{log}");
}
