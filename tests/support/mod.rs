//! Shared test helpers: temp config trees, an in-process daemon, a tiny HTTP client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

pub mod dovecot;
pub mod http;
pub mod process;
pub mod smtp_sink;
pub mod webdriver;
pub mod wechat_api_server;
pub mod weibo;

/// The admin API token every test tree's config accepts (`[[api_tokens]]
/// name = "tests"`, read from the tree's `test-api-token` file); `http_get`
/// sends it on `/api/` paths, since the API needs login.
pub const TEST_API_TOKEN: &str = "omnilisten-test-suite-admin-token";

/// What [`Tree::write`] appends to every main config it writes.
const TEST_TOKEN_SECTION: &str =
    "\n[[api_tokens]]\nname = \"tests\"\nrole = \"admin\"\ntoken_file = \"test-api-token\"\n";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config tree in a temp dir: `omnilisten.toml`, `connectors/`, `rules/`
/// (a copy of the repository's rules and templates) and a `state/` store path.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    /// A tree whose server listens on an ephemeral port.
    pub fn new() -> Tree {
        let dir = tempfile::tempdir().expect("temp dir");
        let tree = Tree { dir };
        tree.write(
            "omnilisten.toml",
            // No scheduled jobs: a digest landing at 09:00 CST would be a
            // ticket the test did not expect (tests/jobs.rs turns them on).
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"state\"\n\n[jobs]\nenabled = false\n",
        );
        tree.write("test-api-token", TEST_API_TOKEN);
        std::fs::create_dir_all(tree.path().join("connectors")).expect("connectors dir");
        std::fs::create_dir_all(tree.path().join("rules")).expect("rules dir");
        for entry in std::fs::read_dir(repo().join("rules")).expect("repo rules") {
            let entry = entry.expect("rules entry");
            if entry.path().extension().is_some_and(|e| e == "toml") {
                std::fs::copy(
                    entry.path(),
                    tree.path().join("rules").join(entry.file_name()),
                )
                .expect("copy rule");
            }
        }
        let templates = tree.path().join("rules/templates");
        std::fs::create_dir_all(&templates).expect("templates dir");
        for entry in std::fs::read_dir(repo().join("rules/templates")).expect("repo templates") {
            let entry = entry.expect("templates entry");
            std::fs::copy(entry.path(), templates.join(entry.file_name())).expect("copy template");
        }
        tree
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("omnilisten.toml")
    }

    /// Writes a file of the tree. The main config (`omnilisten.toml`) gets
    /// the test suite's admin API token appended (see [`TEST_API_TOKEN`]),
    /// so tests that write their own still reach the API.
    pub fn write(&self, rel: &str, content: &str) {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        let content = if rel == "omnilisten.toml" {
            format!("{content}{TEST_TOKEN_SECTION}")
        } else {
            content.to_string()
        };
        std::fs::write(p, content).expect("write file");
    }

    /// Adds a `[[users]]` entry with a fresh Argon2 hash of `password` to
    /// the main config (append it after the last `write` of that file).
    pub fn add_user(&self, name: &str, role: &str, password: &str) {
        let hash = omnilisten::auth::hash_password(password).expect("hash a password");
        let entry = format!(
            "\n[[users]]\nname = \"{name}\"\nrole = \"{role}\"\npassword_hash = \"{hash}\"\n"
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.config())
            .expect("open the main config");
        std::io::Write::write_all(&mut file, entry.as_bytes()).expect("append a user");
    }

    /// Creates an empty Maildir at `rel` and a `maildir` connector `id` on it.
    pub fn maildir(&self, id: &str, rel: &str, after: &str) -> PathBuf {
        let md = self.path().join(rel);
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(md.join(sub)).expect("maildir dirs");
        }
        self.write(
            &format!("connectors/{id}.toml"),
            &format!(
                "kind = \"maildir\"\npath = \"{}\"\nafter = \"{after}\"\npoll_interval = \"100ms\"\n",
                md.display()
            ),
        );
        md
    }
}

/// Delivers a mail into a Maildir the way an MDA does: write in tmp/, rename into new/.
pub fn deliver(maildir: &Path, name: &str, raw: &[u8]) {
    let tmp = maildir.join("tmp").join(name);
    std::fs::write(&tmp, raw).expect("write tmp");
    std::fs::rename(&tmp, maildir.join("new").join(name)).expect("rename into new");
}

/// A daemon running in this process.
pub struct Daemon {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Daemon {
    pub async fn start(config: &Path) -> Daemon {
        Daemon::start_with_clock(config, omnilisten::clock::system()).await
    }

    /// A daemon whose pollers schedule by `clock`.
    pub async fn start_with_clock(config: &Path, clock: omnilisten::clock::SharedClock) -> Daemon {
        let cfg = omnilisten::config::load(config).unwrap_or_else(|p| panic!("config: {p}"));
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (bound_tx, bound_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stop_rx.await;
            };
            omnilisten::app::run_with_clock(cfg, shutdown, Some(bound_tx), clock)
                .await
                .expect("daemon run");
        });
        let addr = bound_rx.await.expect("daemon bound");
        Daemon {
            addr,
            stop: Some(stop_tx),
            task,
        }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(15), &mut self.task)
            .await
            .expect("daemon stops within 15 s")
            .expect("daemon task");
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let (status, body) = http_get(self.addr, path).await;
        let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
        (status, json)
    }

    /// Polls the JSON at `path` until `pred` holds; panics after `timeout`.
    pub async fn wait_json(
        &self,
        path: &str,
        timeout: Duration,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let (_, value) = self.get(path).await;
            if pred(&value) {
                return value;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("{path} never reached the expected state: {value}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls `/api/stats` until `pred` holds; panics after `timeout`.
    pub async fn wait_stats(
        &self,
        timeout: Duration,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let (_, stats) = self.get("/api/stats").await;
            if pred(&stats) {
                return stats;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("stats never reached the expected state: {stats}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A minimal HTTP/1.1 GET over loopback; returns status and body. `/api/`
/// paths carry the test suite's admin token ([`TEST_API_TOKEN`]).
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = if path.starts_with("/api/") {
        format!("Authorization: Bearer {TEST_API_TOKEN}\r\n")
    } else {
        String::new()
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = response.get(split + 4..).unwrap_or(&[]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_vec()
    };
    // Raw mail may be any bytes; JSON answers are always UTF-8.
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The body of a `Transfer-Encoding: chunked` response, joined.
pub fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..eol]).trim().to_string();
        let Ok(n) = usize::from_str_radix(&size, 16) else {
            break;
        };
        let rest = &body[eol + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        body = rest.get(n + 2..).unwrap_or(&[]);
    }
    out
}

/// `stats.path.to.field` as u64 (0 when missing).
pub fn num(v: &serde_json::Value, pointer: &str) -> u64 {
    v.pointer(pointer).and_then(|x| x.as_u64()).unwrap_or(0)
}

/// Opens a stopped daemon's store (`Store::open` waits while sled lets go
/// of the lock file after the daemon's last handle drops).
pub fn reopen_store(dir: &Path) -> omnilisten::store::Store {
    omnilisten::store::Store::open(dir, omnilisten::store::StoreOptions::default())
        .unwrap_or_else(|e| panic!("open the store: {e}"))
}
