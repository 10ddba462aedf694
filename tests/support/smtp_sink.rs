//! A real SMTP receiver on a free loopback port: Python's aiosmtpd with the
//! handler in `smtp_sink.py`, which stores each accepted mail as a file.
//! aiosmtpd is installed with pip when missing (`.ci/run` installs it too),
//! so `cargo test` alone works on a fresh machine.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running aiosmtpd; killed on drop.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where it stores what it receives.
    pub dir: PathBuf,
    child: Child,
}

/// One mail the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The bytes as received, after the sink's two envelope lines.
    pub raw: Vec<u8>,
    /// `RCPT TO` addresses.
    pub rcpt_to: String,
    /// The mail, parsed by omnilisten's own parser.
    pub parsed: omnilisten::email::ParsedMail,
}

impl Received {
    /// The raw header block as text.
    pub fn head(&self) -> String {
        let text = String::from_utf8_lossy(&self.raw);
        text.split("\r\n\r\n").next().unwrap_or("").to_string()
    }
}

pub use super::process::free_port;

impl SmtpSink {
    /// Starts a sink on a free port storing into `dir`.
    pub fn start(dir: &Path) -> SmtpSink {
        SmtpSink::start_on(free_port(), dir, None)
    }

    /// Starts a sink on `port`; with `delay`, it waits that long after
    /// storing each mail before answering 250.
    pub fn start_on(port: u16, dir: &Path, delay: Option<Duration>) -> SmtpSink {
        ensure_aiosmtpd();
        std::fs::create_dir_all(dir).expect("sink dir");
        let mut command = Command::new("python3");
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "smtp_sink.FileSink"])
            .arg(dir);
        if let Some(delay) = delay {
            command.arg(delay.as_secs_f64().to_string());
        }
        let child = command
            .env("PYTHONPATH", crate::support::repo().join("tests/support"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let sink = SmtpSink {
            port,
            dir: dir.to_path_buf(),
            child,
        };
        sink.wait_listening();
        sink
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        received_in(&self.dir)
    }

    /// Waits until at least `n` mails arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink got {} mails, expected {n}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops it now.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The mails stored in a sink directory, in arrival order.
pub fn received_in(dir: &Path) -> Vec<Received> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.iter().map(|p| parse_received(p)).collect()
}

fn parse_received(path: &Path) -> Received {
    let bytes = std::fs::read(path).expect("read received mail");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut rest = bytes.as_slice();
    let mut rcpt_to = String::new();
    // The sink's two envelope lines come first.
    for _ in 0..2 {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or(rest.len());
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        if let Some(to) = line.strip_prefix("X-Sink-Rcpt-To: ") {
            rcpt_to = to.to_string();
        }
        rest = rest.get(end + 2..).unwrap_or_default();
    }
    let parsed = omnilisten::email::parse(rest, 1 << 24)
        .unwrap_or_else(|e| panic!("unparseable mail from the sink: {e}\n{text}"));
    Received {
        raw: rest.to_vec(),
        rcpt_to,
        parsed,
    }
}

/// Installs aiosmtpd with pip once per test run when it is missing.
fn ensure_aiosmtpd() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        if has_aiosmtpd() {
            return;
        }
        let installed = Command::new("python3")
            .args(["-m", "pip", "install", "-q", "aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            installed && has_aiosmtpd(),
            "aiosmtpd is missing and `python3 -m pip install aiosmtpd` failed"
        );
    });
}

fn has_aiosmtpd() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
