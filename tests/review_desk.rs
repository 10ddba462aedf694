//! The review desk in a real headless Chromium (WebDriver), against the
//! running daemon on loopback.

use std::time::Duration;

use crate::desk_pages::{PASSWORD, api_get, tree};
use crate::support::webdriver::{Browser, artifacts_dir};

async fn wait_for_text(browser: &Browser, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let source = browser.source().await;
        if source.contains(needle) {
            return source;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("the page never showed {needle:?}: {source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_logs_in_edits_and_approves_a_draft_in_chromium() {
    let (tree, seeded) = tree().await;
    let daemon = crate::support::Daemon::start(&tree.config()).await;
    let base = format!("http://{}", daemon.addr);
    let browser = Browser::start().await;

    // Asking for the queue lands on the login form, which comes back to it.
    browser.goto(&format!("{base}/drafts")).await;
    let user = browser.find("input[name=user]").await;
    browser.screenshot(&artifacts_dir().join("login.png")).await;
    browser.type_into(&user, "wangli").await;
    let password = browser.find("input[name=password]").await;
    browser.type_into(&password, PASSWORD).await;
    let submit = browser.find("button[type=submit]").await;
    browser.click(&submit).await;
    wait_for_text(&browser, &seeded.draft).await;
    browser
        .screenshot(&artifacts_dir().join("drafts.png"))
        .await;

    browser
        .goto(&format!("{base}/drafts/{}", seeded.draft))
        .await;
    let edited = "您好，已为您优先处理红包问题，请留意短信通知。";
    // Replace the text (typing would append to it) and let the page's
    // script see the change, as typing would.
    browser
        .run(
            "const box = document.querySelector('#body'); box.value = arguments[0]; \
             box.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::json!(edited)],
        )
        .await;
    let save = browser.find("form.edit button[type=submit]").await;
    browser.click(&save).await;
    wait_for_text(&browser, "草稿已保存").await;

    let approve = browser.find("form.approve button[type=submit]").await;
    browser.click(&approve).await;
    // The approve form asks for confirmation first.
    browser.accept_dialog().await;
    wait_for_text(&browser, "草稿已批准").await;

    let draft = api_get(daemon.addr, &format!("/api/desk/drafts/{}", seeded.draft)).await;
    let json = draft.json();
    assert_eq!(json["draft"]["approved_by"], "wangli", "{json}");
    assert_eq!(json["draft"]["body"], edited, "{json}");

    browser
        .goto(&format!("{base}/tickets/{}", seeded.ticket))
        .await;
    wait_for_text(&browser, &seeded.ticket).await;
    browser
        .screenshot(&artifacts_dir().join("ticket.png"))
        .await;
    browser.quit().await;
    daemon.stop().await;
}
