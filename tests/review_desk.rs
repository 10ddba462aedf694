//! The review desk in a real headless Chromium (WebDriver), against the
//! running daemon on loopback.

use std::time::Duration;

use crate::desk_pages::{PASSWORD, api_get, api_post, tree};
use crate::support::webdriver::{Browser, artifacts_dir};

/// Logs `user` in through the login form the desk redirected `browser` to.
async fn log_in(browser: &Browser, user: &str) {
    let name = browser.find("input[name=user]").await;
    browser.type_into(&name, user).await;
    let password = browser.find("input[name=password]").await;
    browser.type_into(&password, PASSWORD).await;
    browser
        .click(&browser.find("button[type=submit]").await)
        .await;
}

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

    // A form whose CSRF token is gone (as if forged elsewhere) changes nothing.
    browser
        .run(
            "const form = document.querySelector('details.reject form'); \
             form.querySelector('input[name=_csrf]').remove(); \
             form.querySelector('input[name=reason]').value = '伪造'; \
             form.submit();",
            vec![],
        )
        .await;
    wait_for_text(&browser, "表单已过期").await;
    let after = api_get(daemon.addr, &format!("/api/desk/drafts/{}", seeded.draft)).await;
    assert_eq!(
        after.json()["draft"]["state"]["state"],
        "edited",
        "{}",
        after.body
    );
    browser
        .goto(&format!("{base}/drafts/{}", seeded.draft))
        .await;

    // A reviewer is shown the 403 page for the admin page.
    browser.goto(&format!("{base}/admin")).await;
    wait_for_text(&browser, "没有权限").await;
    browser
        .goto(&format!("{base}/drafts/{}", seeded.draft))
        .await;
    wait_for_text(&browser, "form class=\"approve").await;

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
    use crate::weibo_outbound::{polled_comment_mention, standin, writes};

    let clock = omnilisten::clock::ManualClock::new(crate::support::weibo::start());
    let standin = standin(&clock).await;
    let (tree, cid, _) = polled_comment_mention(&standin, &clock).await;
    tree.add_user("wangli", "reviewer", PASSWORD);
    let draft = proposed_reply(&tree, cid, "您好，红包问题已记录，我们会尽快处理。").await;
    let daemon = crate::support::Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let base = format!("http://{}", daemon.addr);
    let browser = Browser::start().await;
    browser.goto(&format!("{base}/drafts/{draft}")).await;
    log_in(&browser, "wangli").await;
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

/// A proposed draft answering the stored Weibo comment `cid`, added to the
/// stopped daemon's store; its id.
async fn proposed_reply(tree: &crate::support::Tree, cid: i64, body: &str) -> String {
    use omnilisten::model::{Channel, Draft};

    let store = crate::support::reopen_store(&tree.path().join("state"));
    let id = store
        .find_native(Channel::Weibo, &format!("comment:{cid}"))
        .expect("read")
        .expect("the comment is stored");
    let target = store.message(id).expect("read").expect("the message");
    let draft = Draft::proposed(&target, body.into(), chrono::Utc::now());
    let mut tx = store.begin().await;
    tx.put_draft(&draft).expect("put draft");
    tx.commit().await.expect("commit");
    draft.id.to_string()
}

/// The draft's state name through the API.
async fn draft_state(addr: std::net::SocketAddr, draft: &str) -> serde_json::Value {
    api_get(addr, &format!("/api/desk/drafts/{draft}"))
        .await
        .json()
}

/// Two reviewers open the same draft in two browsers and click approve at
/// the same moment: one approval is recorded, the reply is published once,
/// and the slower reviewer is told who approved it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reviewers_approving_at_once_in_two_browsers_publish_once() {
    use crate::weibo_outbound::{polled_comment_mention, standin, writes};

    let clock = omnilisten::clock::ManualClock::new(crate::support::weibo::start());
    let standin = standin(&clock).await;
    let (tree, cid, _) = polled_comment_mention(&standin, &clock).await;
    tree.add_user("wangli", "reviewer", PASSWORD);
    tree.add_user("chenjing", "reviewer", PASSWORD);
    let draft = proposed_reply(&tree, cid, "您好，转账问题已转交专员，请保持电话畅通。").await;
    let daemon = crate::support::Daemon::start_with_clock(&tree.config(), clock.clone()).await;
    let base = format!("http://{}", daemon.addr);
    let (first, second) = tokio::join!(Browser::start(), Browser::start());
    for (browser, user) in [(&first, "wangli"), (&second, "chenjing")] {
        browser.goto(&format!("{base}/drafts/{draft}")).await;
        log_in(browser, user).await;
        wait_for_text(browser, "转账问题已转交专员").await;
    }

    // Both click, both confirm, as close together as two browsers allow.
    let approve = async |browser: &Browser| {
        let button = browser.find("form.approve button[type=submit]").await;
        browser.click(&button).await;
        browser.accept_dialog().await;
    };
    tokio::join!(approve(&first), approve(&second));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let sent = loop {
        let json = draft_state(daemon.addr, &draft).await;
        if json["draft"]["state"]["state"] == "sent" {
            break json;
        }
        assert!(tokio::time::Instant::now() < deadline, "never sent: {json}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let winner = sent["draft"]["approved_by"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(["wangli", "chenjing"].contains(&winner.as_str()), "{sent}");
    let approvals: Vec<_> = sent["audit"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["action"] == "draft.approved")
        .collect();
    assert_eq!(approvals.len(), 1, "one approval recorded: {sent}");
    assert_eq!(approvals[0]["actor"], winner.as_str(), "{sent}");

    // Each page says what happened to its reviewer: the winner approved it,
    // the other learns it was already approved, and by whom.
    let (winner_browser, other_browser) = if winner == "wangli" {
        (&first, &second)
    } else {
        (&second, &first)
    };
    wait_for_text(winner_browser, "草稿已批准").await;
    wait_for_text(other_browser, "已由其他审核员批准").await;
    other_browser
        .screenshot(&artifacts_dir().join("draft-approved-by-other.png"))
        .await;
    assert_eq!(standin.published().len(), 1, "published exactly once");
    assert_eq!(writes(&standin).len(), 1, "one write call in all");
    first.quit().await;
    second.quit().await;
    daemon.stop().await;
}

/// The daemon (a real process) is killed with SIGKILL after Weibo published
/// the reply and before the daemon recorded it. After a restart the page
/// shows the draft as uncertain (never resent), and the reviewer records
/// what they found on Weibo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_send_and_record_leaves_the_draft_uncertain_in_the_page() {
    use omnilisten::bench::weibo::standin::WriteBehaviour;

    use crate::support::process::{free_port, spawn_daemon, terminate};
    use crate::weibo_outbound::{polled_comment_mention, standin, writes};

    let clock = omnilisten::clock::ManualClock::new(crate::support::weibo::start());
    let standin = standin(&clock).await;
    let (tree, cid, _) = polled_comment_mention(&standin, &clock).await;
    // A fixed port, so the browser finds the daemon again after the restart;
    // a long timeout, so the kill (not a timeout) ends the publish call.
    let port = free_port();
    let config = std::fs::read_to_string(tree.config()).expect("config");
    std::fs::write(
        tree.config(),
        config.replace("127.0.0.1:0", &format!("127.0.0.1:{port}")),
    )
    .expect("write config");
    let connector = tree.path().join("connectors/weibo.toml");
    let weibo = std::fs::read_to_string(&connector).expect("connector");
    std::fs::write(
        &connector,
        weibo.replace("timeout = \"5s\"", "timeout = \"300s\""),
    )
    .expect("write connector");
    tree.add_user("wangli", "reviewer", PASSWORD);
    let draft = proposed_reply(&tree, cid, "您好，花呗逾期提醒已核实，将为您更正记录。").await;
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let base = format!("http://{addr}");

    // Weibo publishes the comment and then never answers.
    standin.set_write_behaviour(WriteBehaviour::RecordThenHang);
    let mut child = spawn_daemon(&tree, "before-crash");
    wait_until_serving(addr).await;
    let browser = Browser::start().await;
    browser.goto(&format!("{base}/drafts/{draft}")).await;
    log_in(&browser, "wangli").await;
    wait_for_text(&browser, "花呗逾期提醒已核实").await;
    browser
        .click(&browser.find("form.approve button[type=submit]").await)
        .await;
    browser.accept_dialog().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while standin.published().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "never published");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mid_send = draft_state(addr, &draft).await;
    assert_eq!(mid_send["draft"]["state"]["state"], "sending", "{mid_send}");
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    // Weibo behaves again; the restarted daemon must still not resend.
    standin.set_write_behaviour(WriteBehaviour::Accept);
    let mut child = spawn_daemon(&tree, "after-crash");
    wait_until_serving(addr).await;
    // The session survived the crash: no second login.
    browser.goto(&format!("{base}/drafts/{draft}")).await;
    wait_for_text(&browser, "发送结果不确定，需要人工确认").await;
    wait_for_text(&browser, "omnilisten stopped while publishing it").await;
    browser
        .screenshot(&artifacts_dir().join("draft-uncertain.png"))
        .await;
    let uncertain = draft_state(addr, &draft).await;
    assert_eq!(
        uncertain["draft"]["state"]["state"], "uncertain",
        "{uncertain}"
    );
    assert!(uncertain["draft"]["sent_at"].is_null(), "{uncertain}");

    // The reviewer finds the reply on Weibo and says so.
    browser
        .click(
            &browser
                .find("form[action$='/resolve'] button.primary")
                .await,
        )
        .await;
    browser.accept_dialog().await;
    wait_for_text(&browser, "已记录发送结果").await;
    let resolved = draft_state(addr, &draft).await;
    assert_eq!(resolved["draft"]["state"]["state"], "sent", "{resolved}");
    let trail: Vec<(String, String)> = resolved["audit"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_string(),
                e["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for step in [
        ("wangli", "draft.approved"),
        ("system:publisher", "draft.sending"),
        ("system:publisher", "draft.uncertain"),
    ] {
        assert!(
            trail.iter().any(|(a, b)| (a.as_str(), b.as_str()) == step),
            "{step:?} missing from {trail:?}"
        );
    }
    assert!(
        trail
            .iter()
            .any(|(a, b)| a == "wangli" && b.starts_with("draft.resolved")),
        "the reviewer's resolution is audited: {trail:?}"
    );
    browser.quit().await;
    terminate(&mut child);
    assert_eq!(standin.published().len(), 1, "published exactly once");
    assert_eq!(
        writes(&standin).len(),
        1,
        "one write call in all, never resent"
    );
}

/// Waits until a daemon process answers `/healthz` on `addr`.
async fn wait_until_serving(addr: std::net::SocketAddr) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            let (status, _) = crate::support::http_get(addr, "/healthz").await;
            if status == 200 {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{addr} never served /healthz"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An incident opened by a replayed 双十二 burst, seen by a daemon started
/// afterwards with no new message: the list puts it first with its
/// sparkline, and its page draws the volume chart from the detector state
/// restored at start, with the three drafted replies and the members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_daemon_shows_the_incident_and_its_chart_in_chromium() {
    let tree = crate::trending::recorded_tree(&[]);
    tree.add_user("wangli", "reviewer", PASSWORD);
    let store = crate::trending::replay(&tree).await;
    let open = store.open_incidents().expect("incidents");
    let (topic, number) = open.first().cloned().expect("the burst opened an incident");
    drop(store);

    let daemon = crate::support::Daemon::start(&tree.config()).await;
    let trends = daemon
        .wait_json("/api/trends", Duration::from_secs(20), |t| {
            t["as_of"].is_string()
        })
        .await;
    let shown = trends["topics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["id"] == topic.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{topic} not shown: {trends}"));
    assert_eq!(shown["incident"], number.as_str(), "{shown}");
    let authors: u64 = shown["last_hour"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p[1].as_u64())
        .sum();
    assert!(authors > 0, "the restored hour has the burst: {shown}");

    let listed = api_get(daemon.addr, "/api/desk/incidents").await;
    let json = listed.json();
    assert_eq!(
        json["items"][0]["ticket"]["number"],
        number.as_str(),
        "{json}"
    );
    assert!(
        json["items"][0]["last_hour"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{json}"
    );

    let base = format!("http://{}", daemon.addr);
    let browser = Browser::start().await;
    browser.goto(&format!("{base}/incidents")).await;
    log_in(&browser, "wangli").await;
    let list = wait_for_text(&browser, &number).await;
    assert!(list.contains("双十二抢红包失败"), "{list}");
    assert!(list.contains("class=\"spark\""), "a sparkline: {list}");
    browser
        .screenshot(&artifacts_dir().join("incidents.png"))
        .await;

    browser.goto(&format!("{base}/incidents/{number}")).await;
    let page = wait_for_text(&browser, "每分钟独立作者数").await;
    assert!(
        page.contains("class=\"bar hot\""),
        "the burst's bars: {page}"
    );
    assert!(!page.contains("暂无数据"), "{page}");
    assert!(
        page.contains("截至 2026-12-1"),
        "the chart's message time: {page}"
    );
    assert!(page.contains("共 3 条"), "three drafts: {page}");
    assert!(page.contains("共 60 条"), "sixty members: {page}");
    browser
        .screenshot(&artifacts_dir().join("incident.png"))
        .await;
    browser.quit().await;
    daemon.stop().await;
}
