//! The review desk in a real headless Chromium (WebDriver), against the
//! running daemon on loopback.

use crate::support::Tree;
use crate::support::webdriver::{Browser, artifacts_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_reaches_the_daemon() {
    let tree = Tree::new();
    let daemon = crate::support::Daemon::start(&tree.config()).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("http://{}/healthz", daemon.addr))
        .await;
    let body = browser.find("body").await;
    let text = browser.text(&body).await;
    assert!(text.contains("\"status\""), "{text}");
    browser
        .screenshot(&artifacts_dir().join("healthz.png"))
        .await;
    browser.quit().await;
    daemon.stop().await;
}
