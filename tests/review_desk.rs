//! The review desk in a real headless Chromium (WebDriver), against the
//! running daemon on loopback.

use std::time::Duration;

use crate::desk_pages::{PASSWORD, api_get, api_post, tree};
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

/// The whole way out: a reviewer approves a reply to a Weibo comment in
/// the browser, the publisher posts it to the Weibo stand-in once, the page
/// shows it sent; approving it again (a second reviewer, a script) posts
/// nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_weibo_reply_is_published_once_and_shown_sent() {
    use omnilisten::model::{Channel, Draft};

    use crate::weibo_outbound::{polled_comment_mention, standin, writes};

    let clock = omnilisten::clock::ManualClock::new(crate::support::weibo::start());
    let standin = standin(&clock).await;
    let (tree, cid, _) = polled_comment_mention(&standin, &clock).await;
    tree.add_user("wangli", "reviewer", PASSWORD);
    let draft = {
        let store = crate::support::reopen_store(&tree.path().join("state"));
        let id = store
            .find_native(Channel::Weibo, &format!("comment:{cid}"))
            .expect("read")
            .expect("the comment is stored");
        let target = store.message(id).expect("read").expect("the message");
        let draft = Draft::proposed(
            &target,
            "您好，红包问题已记录，我们会尽快处理。".into(),
            chrono::Utc::now(),
        );
        let mut tx = store.begin().await;
        tx.put_draft(&draft).expect("put draft");
        tx.commit().await.expect("commit");
        draft.id.to_string()
    };
    let daemon = crate::support::Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let base = format!("http://{}", daemon.addr);
    let browser = Browser::start().await;
    browser.goto(&format!("{base}/drafts/{draft}")).await;
    let user = browser.find("input[name=user]").await;
    browser.type_into(&user, "wangli").await;
    let password = browser.find("input[name=password]").await;
    browser.type_into(&password, PASSWORD).await;
    browser
        .click(&browser.find("button[type=submit]").await)
        .await;
    wait_for_text(&browser, "红包问题已记录").await;
    browser
        .click(&browser.find("form.approve button[type=submit]").await)
        .await;
    browser.accept_dialog().await;
    wait_for_text(&browser, "草稿已批准").await;

    // The approval woke the publisher (real time); the stand-in saw one reply.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while standin.published().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "never published");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = loop {
        let json = api_get(daemon.addr, &format!("/api/desk/drafts/{draft}"))
            .await
            .json();
        if json["draft"]["state"]["state"] == "sent" {
            break json;
        }
        assert!(tokio::time::Instant::now() < deadline, "never sent: {json}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(sent["draft"]["approved_by"], "wangli", "{sent}");
    browser.goto(&format!("{base}/drafts/{draft}")).await;
    wait_for_text(&browser, "已发送").await;
    browser
        .screenshot(&artifacts_dir().join("draft-sent.png"))
        .await;

    // A second approval of a sent draft changes nothing and queues nothing.
    let again = api_post(
        daemon.addr,
        &format!("/api/desk/drafts/{draft}/approve"),
        "",
    )
    .await;
    assert!(matches!(again.status, 200 | 409), "{}", again.json());
    let after = api_get(daemon.addr, &format!("/api/desk/drafts/{draft}"))
        .await
        .json();
    assert_eq!(after["draft"]["state"]["state"], "sent", "{after}");
    assert_eq!(standin.published().len(), 1, "published exactly once");
    assert_eq!(writes(&standin).len(), 1, "one write call in all");
    browser.quit().await;
    daemon.stop().await;
}
