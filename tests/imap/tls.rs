//! TLS, implicit and by STARTTLS, against a server whose certificate no
//! public root vouches for: the connector must refuse it (and so never send
//! the password), say why in `/healthz`, and keep retrying; with that
//! certificate in `ca_file`, mail flows over both.

use std::time::Duration;

use super::{imap_tree, wait_state};
use crate::support::Daemon;
use crate::support::dovecot::Dovecot;

async fn refused(tls: &str, port: u16, user: &str) {
    let server = Dovecot::shared();
    let tree = imap_tree(server, "help", user, "");
    let connector = server.connector_with(user, tls, port, "poll_interval = \"10m\"\n");
    tree.write("connectors/help.toml", &connector);
    let daemon = Daemon::start(&tree.config()).await;
    let health = wait_state(&daemon, "help", "backing_off", Duration::from_secs(10)).await;
    let error = health["connectors"]["help"]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.starts_with("TLS with 127.0.0.1 failed"), "{health}");
    assert!(
        error.contains("invalid peer certificate: UnknownIssuer"),
        "{health}"
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_refuses_a_certificate_no_root_vouches_for() {
    refused("implicit", Dovecot::shared().tls_port, "tls_implicit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_refuses_a_certificate_no_root_vouches_for() {
    refused("starttls", Dovecot::shared().port, "tls_starttls").await;
}

/// With the server's certificate in `ca_file`, the same server is trusted:
/// mail flows over implicit TLS and over STARTTLS.
async fn trusted(tls: &str, port: u16, user: &str) {
    let server = Dovecot::shared();
    let mut mailbox = super::client::Mailbox::login(server, user).await;
    mailbox.append("INBOX", &super::mail(user, 1)).await;
    mailbox.logout().await;
    let tree = imap_tree(server, "help", user, "");
    std::fs::copy(server.dir().join("cert.pem"), tree.path().join("ca.pem")).expect("copy cert");
    let connector = server.connector_with(
        user,
        tls,
        port,
        "poll_interval = \"10m\"\nstart = \"all\"\nca_file = \"ca.pem\"\n",
    );
    tree.write("connectors/help.toml", &connector);
    let daemon = Daemon::start(&tree.config()).await;
    daemon
        .wait_stats(Duration::from_secs(10), |s| {
            crate::support::num(s, "/messages/total") == 1
        })
        .await;
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_works_with_the_servers_certificate_in_ca_file() {
    trusted("implicit", Dovecot::shared().tls_port, "tls_ok_implicit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_works_with_the_servers_certificate_in_ca_file() {
    trusted("starttls", Dovecot::shared().port, "tls_ok_starttls").await;
}
