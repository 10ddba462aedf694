//! A real Dovecot for the IMAP tests, rootless on a free loopback port in a
//! temp dir (the configuration of `shared/research/rust-ecosystem.md` §5).
//!
//! Dovecot's login processes refuse to run as root, so under root the
//! server runs as `nobody` through `setpriv`. Any user name logs in with the
//! password [`PASSWORD`], so each test uses a user of its own and tests stay
//! independent. A missing `dovecot` is installed once with apt-get, so
//! `cargo test` alone works on a fresh machine.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// Every user's password.
pub const PASSWORD: &str = "pw-Zq7t9Kx2-imap";

/// A running Dovecot.
pub struct Dovecot {
    /// Its IMAP port on 127.0.0.1 (plain, STARTTLS offered).
    pub port: u16,
    /// Its IMAPS port (implicit TLS, self-signed certificate).
    pub tls_port: u16,
    dir: tempfile::TempDir,
    master: Mutex<Option<Child>>,
}

/// The account Dovecot runs as: `nobody` under root, else the current user.
struct Account {
    user: String,
    group: String,
    uid: u32,
    as_root: bool,
}

impl Dovecot {
    /// The Dovecot this test binary shares; stopped (and its directory
    /// removed) by a watchdog once the test process is gone.
    pub fn shared() -> &'static Dovecot {
        static SHARED: OnceLock<Dovecot> = OnceLock::new();
        SHARED.get_or_init(|| {
            let dovecot = Dovecot::start();
            dovecot.watch_test_process();
            dovecot
        })
    }

    /// A Dovecot of its own, stopped when dropped.
    pub fn start() -> Dovecot {
        install_once();
        let account = account();
        let dir = tempfile::Builder::new()
            .prefix("omnilisten-dovecot-")
            .tempdir()
            .expect("dovecot temp dir");
        let port = free_port();
        let tls_port = std::iter::repeat_with(free_port)
            .find(|p| *p != port)
            .expect("a second port");
        write_config(dir.path(), port, tls_port, account);
        let dovecot = Dovecot {
            port,
            tls_port,
            dir,
            master: Mutex::new(None),
        };
        dovecot.launch();
        dovecot
    }

    /// The server's files (maildirs under `home/<user>/Maildir`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn launch(&self) {
        let account = account();
        let binary = dovecot_binary().expect("dovecot is installed");
        let conf = self.dir().join("dovecot.conf");
        let out = std::fs::File::create(self.dir().join("stdout.log")).expect("dovecot stdout");
        let mut command = if account.as_root {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid",
                &account.user,
                "--regid",
                &account.group,
                "--clear-groups",
            ]);
            c.arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        command.arg("-F").arg("-c").arg(&conf);
        // A group of its own, so a kill reaches the master and every child.
        command.process_group(0);
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("dup"))
            .stderr(out)
            .spawn()
            .expect("start dovecot");
        *self.master.lock().expect("master lock") = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::Read;
                let mut greeting = [0u8; 4];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                if stream.read_exact(&mut greeting).is_ok() && &greeting == b"* OK" {
                    return;
                }
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(self.dir().join("dovecot.log")).unwrap_or_default();
                let out =
                    std::fs::read_to_string(self.dir().join("stdout.log")).unwrap_or_default();
                panic!("dovecot did not start on port {}:\n{out}\n{log}", self.port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILLs the master and every Dovecot process (a crash, not a stop).
    pub fn kill(&self) {
        let mut master = self.master.lock().expect("master lock");
        if let Some(mut child) = master.take() {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and files, after [`Dovecot::kill`].
    pub fn restart(&self) {
        self.kill();
        // Stale pid and socket files of the killed master would stop the new one.
        let _ = std::fs::remove_dir_all(self.dir().join("run"));
        prepare_dir(&self.dir().join("run"), account());
        self.launch();
    }

    /// A connector file for `user` on this server, in clear text; `extra`
    /// adds keys. The password is read from `secrets/imap` (see [`write_secret`]).
    pub fn connector(&self, user: &str, extra: &str) -> String {
        self.connector_with(user, "none", self.port, extra)
    }

    /// [`Dovecot::connector`] with another `tls` mode and port.
    pub fn connector_with(&self, user: &str, tls: &str, port: u16, extra: &str) -> String {
        format!(
            "kind = \"imap\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\nusername = \"{user}\"\npassword_file = \"secrets/imap\"\ncommand_timeout = \"5s\"\n{extra}"
        )
    }

    // The watchdog outlives this process on purpose; nobody waits for it.
    #[allow(clippy::zombie_processes)]
    fn watch_test_process(&self) {
        let master = self.master.lock().expect("master lock");
        let Some(child) = master.as_ref() else {
            return;
        };
        let script = format!(
            "while kill -0 {test} 2>/dev/null; do sleep 1; done; kill -s TERM -- -{group}; sleep 3; kill -s KILL -- -{group} 2>/dev/null; rm -rf '{dir}'",
            test = std::process::id(),
            group = child.id(),
            dir = self.dir().display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the dovecot watchdog");
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Writes the password file the connectors of [`Dovecot::connector`] read.
pub fn write_secret(tree: &super::Tree) {
    tree.write("secrets/imap", PASSWORD);
}

/// The configuration, with `{dir}`, `{port}`, `{tls_port}`, `{user}`,
/// `{group}` and `{uid}` filled in by [`write_config`].
const CONFIG: &str = "protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = omnilisten-test-{port}
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_uid = {user}
mail_gid = {group}
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = static
  args = password={password}
}
userdb {
  driver = static
  args = home={dir}/home/%u
}
mail_location = maildir:{dir}/home/%u/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
mail_fsync = never
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = {port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = {tls_port}
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
";

fn write_config(dir: &Path, port: u16, tls_port: u16, account: &Account) {
    use std::os::unix::fs::PermissionsExt;
    // The unprivileged account must reach into the temp dir.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for sub in ["run", "state", "home"] {
        prepare_dir(&dir.join(sub), account);
    }
    let log = dir.join("dovecot.log");
    std::fs::write(&log, "").expect("log file");
    chown(&log, account);
    self_signed_certificate(dir, account);
    let conf = CONFIG
        .replace("{dir}", &dir.display().to_string())
        .replace("{port}", &port.to_string())
        .replace("{tls_port}", &tls_port.to_string())
        .replace("{user}", &account.user)
        .replace("{group}", &account.group)
        .replace("{uid}", &account.uid.to_string())
        .replace("{password}", PASSWORD);
    std::fs::write(dir.join("dovecot.conf"), conf).expect("dovecot.conf");
}

/// A certificate no public root vouches for: the connector must refuse it.
fn self_signed_certificate(dir: &Path, account: &Account) {
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl (installed with dovecot-core)");
    assert!(
        status.success(),
        "openssl could not make a test certificate"
    );
    for file in ["key.pem", "cert.pem"] {
        chown(&dir.join(file), account);
    }
}

fn prepare_dir(path: &Path, account: &Account) {
    std::fs::create_dir_all(path).expect("dovecot dir");
    chown(path, account);
}

fn chown(path: &Path, account: &Account) {
    if account.as_root {
        std::os::unix::fs::chown(path, Some(account.uid), None).expect("chown to the dovecot user");
    }
}

/// The account Dovecot runs as, looked up once.
fn account() -> &'static Account {
    static ACCOUNT: OnceLock<Account> = OnceLock::new();
    ACCOUNT.get_or_init(|| {
        let uid: u32 = id(&["-u"]).parse().expect("uid");
        if uid != 0 {
            let (user, group) = (id(&["-un"]), id(&["-gn"]));
            return Account {
                user,
                group,
                uid,
                as_root: false,
            };
        }
        Account {
            user: "nobody".into(),
            // `nogroup` on Debian.
            group: id(&["-gn", "nobody"]),
            uid: id(&["-u", "nobody"]).parse().expect("nobody's uid"),
            as_root: true,
        }
    })
}

fn id(args: &[&str]) -> String {
    let out = Command::new("id").args(args).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `/usr/sbin/dovecot` (not on a normal user's PATH), else `dovecot` on the PATH.
fn dovecot_binary() -> Option<PathBuf> {
    let sbin = PathBuf::from("/usr/sbin/dovecot");
    let on_path = || {
        Command::new("dovecot")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if sbin.exists() {
        Some(sbin)
    } else {
        on_path().then(|| PathBuf::from("dovecot"))
    }
}

/// Installs Debian's `dovecot-imapd` when no Dovecot is found (once per
/// test binary; `.ci/run` does it first, outside the test timings).
fn install_once() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if dovecot_binary().is_some() {
            return;
        }
        let apt = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !apt(&["install", "-y", "-qq", "dovecot-imapd"]) {
            apt(&["update", "-qq"]);
            apt(&["install", "-y", "-qq", "dovecot-imapd"]);
        }
        assert!(
            dovecot_binary().is_some(),
            "dovecot is missing and `apt-get install -y dovecot-imapd` failed"
        );
    });
}

use super::process::free_port;
