//! The review desk's pages and JSON API against the running daemon over
//! loopback HTTP: log in through the form, read the queues, change a draft
//! and a ticket through the forms (CSRF included), and the same through the
//! API with the suite's admin token.

use std::net::SocketAddr;

use crate::support::http::{Answer, encode, request};
use crate::support::{Daemon, TEST_API_TOKEN, Tree, reopen_store};
use chrono::Utc;
use omnilisten::model::{
    Author, Channel, ConnectorId, Details, Draft, MailKind, Message, MessageId, Priority,
    ThreadRefs, Ticket, TicketState,
};

/// Every seeded user's password.
pub(crate) const PASSWORD: &str = "desk-password-支付宝";
const ORDER: &str = "2026112822001400007777";

/// A signed-in browser: its session cookie and CSRF token.
struct Session {
    addr: SocketAddr,
    cookie: String,
    csrf: String,
}

impl Session {
    /// Logs in through the form, as a browser would.
    async fn log_in(addr: SocketAddr, user: &str) -> Session {
        let form = request(addr, "GET", "/login?next=/drafts", &[], "").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let login_cookie = form.cookie_pair("omnilisten_login_csrf");
        let token = login_cookie
            .split_once('=')
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        let body = format!(
            "_csrf={token}&next=%2Fdrafts&user={}&password={}",
            encode(user),
            encode(PASSWORD)
        );
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", login_cookie.as_str()),
        ];
        let answer = request(addr, "POST", "/login", &headers, &body).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let cookie = answer.cookie_pair("omnilisten_session");
        let me = request(addr, "GET", "/api/me", &[("Cookie", &cookie)], "").await;
        let csrf = me.json()["csrf"].as_str().expect("csrf").to_string();
        Session { addr, cookie, csrf }
    }

    async fn get(&self, path: &str) -> Answer {
        request(self.addr, "GET", path, &[("Cookie", &self.cookie)], "").await
    }

    /// Posts a form with the session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut body = format!("_csrf={}", encode(&self.csrf));
        for (k, v) in fields {
            body.push_str(&format!("&{k}={}", encode(v)));
        }
        self.post_raw(path, &body).await
    }

    async fn post_raw(&self, path: &str, body: &str) -> Answer {
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", self.cookie.as_str()),
        ];
        request(self.addr, "POST", path, &headers, body).await
    }
}

/// A POST with the suite's admin API token and a JSON body.
pub(crate) async fn api_post(addr: SocketAddr, path: &str, body: &str) -> Answer {
    let auth = format!("Bearer {TEST_API_TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    request(addr, "POST", path, &headers, body).await
}

/// A GET with the suite's admin API token.
pub(crate) async fn api_get(addr: SocketAddr, path: &str) -> Answer {
    let auth = format!("Bearer {TEST_API_TOKEN}");
    request(addr, "GET", path, &[("Authorization", auth.as_str())], "").await
}

fn customer_message(channel: Channel, author: &str, text: &str) -> Message {
    let now = Utc::now();
    Message {
        id: MessageId::new(),
        channel,
        connector: ConnectorId(channel.as_str().into()),
        native_id: format!("{}@mail.example.cn", uuid::Uuid::now_v7().simple()),
        author: Author {
            id: author.into(),
            name: Some("王小明".into()),
            address: (channel == Channel::Email).then(|| author.to_string()),
        },
        subject: (channel == Channel::Email).then(|| "转账转错了".to_string()),
        text: text.into(),
        full_text: None,
        attachments: vec![],
        thread: ThreadRefs::default(),
        sent_at: Some(now),
        received_at: now,
        mail_kind: MailKind::Human,
        details: Details {
            order_numbers: vec![ORDER.into()],
            ..Details::default()
        },
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

/// What was seeded: the draft's id and the ticket's number.
pub(crate) struct Seeded {
    /// The proposed Weibo draft's id.
    pub(crate) draft: String,
    /// The email ticket's number.
    pub(crate) ticket: String,
}

/// Stores an email ticket (with the order number) and a proposed Weibo
/// draft in the tree's store, before the daemon opens it.
async fn seed(tree: &Tree) -> Seeded {
    let store = reopen_store(&tree.path().join("state"));
    let now = Utc::now();
    let mail = customer_message(
        Channel::Email,
        "zhangwei@163.example.com",
        &format!("我昨天转账转错了，订单号 {ORDER}，卡号 6222020200112233446"),
    );
    let mut tx = store.begin().await;
    let number = omnilisten::tickets::next_number(&mut tx, now).expect("number");
    let ticket = Ticket {
        number: number.clone(),
        queue: "transfers".into(),
        priority: Priority::Normal,
        state: TicketState::New,
        title: "转账转错了".into(),
        requester: mail.author.id.clone(),
        messages: vec![mail.id],
        assignee: None,
        created_at: now,
        updated_at: now,
        incident: None,
    };
    omnilisten::tickets::insert_new(&mut tx, &ticket);
    let mut mail = mail;
    mail.ticket = Some(number.0.clone());
    tx.insert_message(&mail, None);
    let post = customer_message(Channel::Weibo, "1234567890", "@支付宝 红包领取失败，钱扣了");
    let draft = Draft::proposed(&post, "您好，已为您加急处理红包问题。".into(), now);
    tx.insert_message(&post, None);
    tx.put_draft(&draft).expect("put draft");
    tx.commit().await.expect("commit");
    Seeded {
        draft: draft.id.to_string(),
        ticket: number.0,
    }
}

/// A tree with reviewer `wangli`, agent `liqiang` and admin `zhaomin`,
/// and seeded data.
pub(crate) async fn tree() -> (Tree, Seeded) {
    let tree = Tree::new();
    tree.add_user("wangli", "reviewer", PASSWORD);
    tree.add_user("liqiang", "agent", PASSWORD);
    tree.add_user("zhaomin", "admin", PASSWORD);
    let seeded = seed(&tree).await;
    (tree, seeded)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_edits_and_approves_a_draft_through_the_forms() {
    let (tree, seeded) = tree().await;
    let daemon = Daemon::start(&tree.config()).await;
    let addr = daemon.addr;
    let root = request(addr, "GET", "/", &[], "").await;
    assert_eq!(root.status, 303);
    let css = request(addr, "GET", "/assets/app.css", &[], "").await;
    assert_eq!(css.status, 200, "the stylesheet is public");

    let wangli = Session::log_in(addr, "wangli").await;
    let root = wangli.get("/").await;
    assert_eq!(root.header("location"), Some("/drafts"));
    let queue = wangli.get("/drafts").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains(&seeded.draft), "{}", queue.body);
    assert!(queue.body.contains("红包领取失败"), "{}", queue.body);

    let page = wangli.get(&format!("/drafts/{}", seeded.draft)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    omnilisten::web::pages::testing::assert_csrf_on_every_post_form(&page.body, &wangli.csrf);
    let draft = api_get(addr, &format!("/api/desk/drafts/{}", seeded.draft)).await;
    let version = draft.json()["draft"]["updated_at"]
        .as_str()
        .expect("updated_at")
        .to_string();

    // Without the CSRF token: refused before the handler.
    let refused = wangli
        .post_raw(
            &format!("/drafts/{}/edit", seeded.draft),
            "body=x&expected_updated_at=",
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("表单已过期"), "{}", refused.body);
    assert!(
        refused
            .body
            .contains(&format!("href=\"/drafts/{}\"", seeded.draft)),
        "a link reopens the draft: {}",
        refused.body
    );

    let edited = wangli
        .post(
            &format!("/drafts/{}/edit", seeded.draft),
            &[
                ("body", "您好，已为您优先处理，请留意短信。"),
                ("expected_updated_at", &version),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let back = edited.header("location").unwrap_or_default().to_string();
    assert!(back.contains("ok=edited"), "{back}");
    let shown = wangli.get(&back).await;
    assert!(shown.body.contains("草稿已保存"), "the flash is shown");

    // A stale edit (the old version) is a conflict, shown on the page.
    let stale = wangli
        .post(
            &format!("/drafts/{}/edit", seeded.draft),
            &[("body", "旧页面的文字"), ("expected_updated_at", &version)],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);

    let approved = wangli
        .post(&format!("/drafts/{}/approve", seeded.draft), &[])
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let draft = api_get(addr, &format!("/api/desk/drafts/{}", seeded.draft)).await;
    let json = draft.json();
    assert_eq!(json["draft"]["approved_by"], "wangli", "{json}");
    assert_eq!(json["draft"]["body"], "您好，已为您优先处理，请留意短信。");
    let actions: Vec<(String, String)> = json["audit"]
        .as_array()
        .expect("audit")
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap_or_default().to_string(),
                a["actor"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("draft.approved".into(), "wangli".into())),
        "{actions:?}"
    );
    let page = wangli.get(&format!("/drafts/{}", seeded.draft)).await;
    assert!(page.body.contains("wangli"), "the trail names the reviewer");

    // A reviewer: no admin page, no ticket changes.
    let admin = wangli.get("/admin").await;
    assert_eq!(admin.status, 403);
    assert!(admin.body.contains("没有权限"));
    let change = wangli
        .post(
            &format!("/tickets/{}/state", seeded.ticket),
            &[("state", "open"), ("expected", "new")],
        )
        .await;
    assert_eq!(change.status, 403);
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_are_listed_searched_and_worked_and_approving_twice_approves_once() {
    let (tree, seeded) = tree().await;
    let daemon = Daemon::start(&tree.config()).await;
    let addr = daemon.addr;
    let liqiang = Session::log_in(addr, "liqiang").await;

    let queue = liqiang.get("/tickets?state=new").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains(&seeded.ticket), "{}", queue.body);

    let ticket = liqiang.get(&format!("/tickets/{}", seeded.ticket)).await;
    assert_eq!(ticket.status, 200, "{}", ticket.body);
    assert!(
        !ticket.body.contains("6222020200112233446"),
        "card numbers are masked on pages"
    );
    let moved = liqiang
        .post(
            &format!("/tickets/{}/state", seeded.ticket),
            &[("state", "open"), ("expected", "new")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let noted = liqiang
        .post(
            &format!("/tickets/{}/notes", seeded.ticket),
            &[("body", "已联系银行")],
        )
        .await;
    assert_eq!(noted.status, 303, "{}", noted.body);
    let open = liqiang.get("/tickets?state=open").await;
    assert!(open.body.contains(&seeded.ticket));

    let found = liqiang.get(&format!("/search?q={ORDER}")).await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body.contains(&seeded.ticket), "{}", found.body);
    let api = api_get(addr, &format!("/api/desk/search?q={ORDER}")).await;
    assert_eq!(api.json()["tickets"][0]["number"], seeded.ticket.as_str());

    // An agent may not approve; the admin token may, once.
    let refused = liqiang
        .post(&format!("/drafts/{}/approve", seeded.draft), &[])
        .await;
    assert_eq!(refused.status, 403);
    let path = format!("/api/desk/drafts/{}/approve", seeded.draft);
    let first = api_post(addr, &path, "").await;
    assert_eq!(first.status, 200, "{}", first.body);
    // A double click: the desk answers with the draft as it is (already
    // approved, or on its way), and records nothing new.
    let second = api_post(addr, &path, "").await;
    assert!(
        matches!(second.status, 200 | 409),
        "{} {}",
        second.status,
        second.body
    );
    let draft = api_get(addr, &format!("/api/desk/drafts/{}", seeded.draft)).await;
    // This draft's connector cannot publish, so the publisher may fail it
    // between the two calls; approving a failed draft again is allowed.
    // What must never happen: an approval on top of an approval.
    let json = draft.json();
    let mut trail: Vec<(String, String)> = json["audit"]
        .as_array()
        .expect("audit")
        .iter()
        .map(|a| {
            (
                a["at"].as_str().unwrap_or_default().to_string(),
                a["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    trail.sort();
    let mut last_was_approval = false;
    let mut approvals = 0;
    for (_, action) in &trail {
        if action == "draft.approved" {
            assert!(!last_was_approval, "approved twice in a row: {json}");
            approvals += 1;
            last_was_approval = true;
        } else if action == "draft.failed" {
            last_was_approval = false;
        }
    }
    assert!((1..=2).contains(&approvals), "{json}");

    // The admin page lists the accounts; the incident list answers.
    let zhaomin = Session::log_in(addr, "zhaomin").await;
    let admin = zhaomin.get("/admin").await;
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert!(admin.body.contains("liqiang"), "{}", admin.body);
    let incidents = zhaomin.get("/incidents").await;
    assert_eq!(incidents.status, 200, "{}", incidents.body);
    let missing = zhaomin.get("/tickets/20000101-999999").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("找不到"), "{}", missing.body);
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_sees_recent_changes_across_drafts_and_tickets() {
    let (tree, seeded) = tree().await;
    let daemon = Daemon::start(&tree.config()).await;
    let addr = daemon.addr;
    let wangli = Session::log_in(addr, "wangli").await;
    let approved = wangli
        .post(&format!("/drafts/{}/approve", seeded.draft), &[])
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let liqiang = Session::log_in(addr, "liqiang").await;
    let moved = liqiang
        .post(
            &format!("/tickets/{}/state", seeded.ticket),
            &[("state", "open"), ("expected", "new")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);

    let log = api_get(addr, "/api/desk/audit").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let json = log.json();
    let entries = json["entries"].as_array().expect("entries");
    let at = |action: &str, actor: &str, subject: &str| {
        entries
            .iter()
            .position(|e| e["action"] == action && e["actor"] == actor && e["subject"] == subject)
    };
    let state = at("ticket.state", "liqiang", &seeded.ticket).expect("the ticket change");
    let approval = at("draft.approved", "wangli", &seeded.draft).expect("the approval");
    assert!(state < approval, "newest first: {json}");
    assert!(
        at("auth.login", "wangli", "user:wangli").is_some(),
        "{json}"
    );
    assert!(json["next"].is_null(), "one page holds it all: {json}");

    let only = api_get(addr, "/api/desk/audit?action=draft.approved&actor=wangli").await;
    let only = only.json();
    assert_eq!(only["entries"].as_array().map(Vec::len), Some(1), "{only}");
    assert_eq!(only["entries"][0]["subject"], seeded.draft.as_str());
    // One entry a page: the cursor leads to the next one, never the same.
    let first = api_get(addr, "/api/desk/audit?limit=1").await.json();
    let next = first["next"].as_str().expect("a cursor").to_string();
    let second = api_get(addr, &format!("/api/desk/audit?limit=1&before={next}"))
        .await
        .json();
    let id = |page: &serde_json::Value| page["entries"][0]["id"].as_str().map(String::from);
    assert!(id(&second).is_some(), "{second}");
    assert!(
        id(&second) < id(&first),
        "older, never the same: {first} {second}"
    );
    let bad = api_get(addr, "/api/desk/audit?before=nonsense").await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    // Admins only.
    let refused = wangli.get("/api/desk/audit").await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    let zhaomin = Session::log_in(addr, "zhaomin").await;
    let admin = zhaomin.get("/admin").await;
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert!(admin.body.contains("最近操作"), "{}", admin.body);
    assert!(admin.body.contains("批准"), "{}", admin.body);
    assert!(
        admin
            .body
            .contains(&format!("href=\"/drafts/{}\"", seeded.draft)),
        "the approval links to its draft: {}",
        admin.body
    );
    assert!(
        admin
            .body
            .contains(&format!("href=\"/tickets/{}\"", seeded.ticket))
    );
    let filtered = zhaomin.get("/admin?actor=liqiang&action=ticket.").await;
    assert_eq!(filtered.status, 200, "{}", filtered.body);
    assert!(filtered.body.contains("更改状态"), "{}", filtered.body);
    assert!(
        !filtered.body.contains("draft.approved"),
        "{}",
        filtered.body
    );
    daemon.stop().await;
}

/// Incidents seeded by [`seed_incidents`].
struct SeededIncidents {
    /// Firing, 60 members, 3 drafts, updated first.
    firing: String,
    /// Resolved, updated after the firing one.
    resolved: String,
    /// The firing incident's member ids, oldest first.
    members: Vec<String>,
}

fn incident_ticket(
    number: omnilisten::model::TicketNumber,
    title: &str,
    at: chrono::DateTime<Utc>,
    members: u64,
    drafts: u64,
    resolved: bool,
) -> Ticket {
    Ticket {
        number,
        queue: "incidents".into(),
        priority: Priority::High,
        state: TicketState::Open,
        title: title.into(),
        requester: "system".into(),
        messages: vec![],
        assignee: None,
        created_at: at,
        updated_at: at,
        incident: Some(omnilisten::model::Incident {
            topic: "double12-hongbao".into(),
            title: title.into(),
            onset: at,
            fired_at: at,
            count: 37,
            baseline: 2.1,
            p_value: 4.1e-9,
            window_minutes: 15,
            members,
            drafts,
            resolved_at: resolved.then_some(at),
        }),
    }
}

/// A firing incident with 60 members and 3 drafts, and a resolved one
/// updated later (so "firing first" is not "newest first").
async fn seed_incidents(tree: &Tree) -> SeededIncidents {
    let store = reopen_store(&tree.path().join("state"));
    let earlier = Utc::now() - chrono::Duration::hours(2);
    let mut tx = store.begin().await;
    let firing = omnilisten::tickets::next_number(&mut tx, earlier).expect("number");
    omnilisten::tickets::insert_new(
        &mut tx,
        &incident_ticket(firing.clone(), "双十二抢红包失败", earlier, 60, 3, false),
    );
    let mut members = Vec::new();
    for i in 0..60 {
        let mut post = customer_message(
            Channel::Weibo,
            &format!("10000{i:05}"),
            &format!("#双十二抢红包失败# 第{i}位用户：红包领不了"),
        );
        post.incident = Some(firing.0.clone());
        tx.insert_message(&post, None);
        tx.add_incident_member(&firing.0, post.id);
        if i % 20 == 0 {
            let draft = Draft::proposed(&post, format!("您好，红包问题已在处理（{i}）。"), earlier);
            tx.put_draft(&draft).expect("put draft");
            tx.set_incident_cover(&firing.0, post.id, draft.id);
        }
        members.push(post.id.to_string());
    }
    let later = Utc::now();
    let resolved = omnilisten::tickets::next_number(&mut tx, later).expect("number");
    omnilisten::tickets::insert_new(
        &mut tx,
        &incident_ticket(resolved.clone(), "花呗还款页面打不开", later, 0, 0, true),
    );
    tx.commit().await.expect("commit");
    SeededIncidents {
        firing: firing.0,
        resolved: resolved.0,
        members,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_are_listed_firing_first_with_their_members_and_drafts_paged() {
    let (tree, seeded) = tree().await;
    let incidents = seed_incidents(&tree).await;
    let daemon = Daemon::start(&tree.config()).await;
    let addr = daemon.addr;

    // The page: firing before resolved although the resolved one is newer.
    let wangli = Session::log_in(addr, "wangli").await;
    let list = wangli.get("/incidents").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let firing_at = list.body.find("双十二抢红包失败").expect("firing listed");
    let resolved_at = list
        .body
        .find("花呗还款页面打不开")
        .expect("resolved listed");
    assert!(firing_at < resolved_at, "{}", list.body);
    assert!(
        !list.body.contains("转账转错了"),
        "no plain ticket: {}",
        list.body
    );

    // One incident: its three drafts and the newest 50 members, then the rest.
    let page = wangli
        .get(&format!("/incidents/{}", incidents.firing))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    for i in [0, 20, 40] {
        assert!(
            page.body.contains(&format!("红包问题已在处理（{i}）")),
            "draft {i}: {}",
            page.body
        );
    }
    assert!(page.body.contains("第59位用户"), "{}", page.body);
    assert!(
        !page.body.contains("第9位用户"),
        "oldest on page 2: {}",
        page.body
    );
    let next = page
        .body
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("?members="))
        .expect("a next page of members")
        .replace("&amp;", "&");
    let second = wangli.get(&next).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert!(second.body.contains("第9位用户"), "{}", second.body);
    assert!(!second.body.contains("第59位用户"), "{}", second.body);
    assert!(second.body.contains("回到第一页"), "{}", second.body);

    // The API: the same order; members paged newest first, each once.
    let api = api_get(addr, "/api/desk/incidents").await;
    assert_eq!(api.status, 200, "{}", api.body);
    let json = api.json();
    let numbers: Vec<&str> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["ticket"]["number"].as_str())
        .collect();
    assert_eq!(
        numbers,
        [incidents.firing.as_str(), incidents.resolved.as_str()]
    );
    assert!(
        json["items"][1]["incident"]["resolved_at"].is_string(),
        "{json}"
    );
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!(
            "/api/desk/incidents/{}?limit=25&members={cursor}",
            incidents.firing
        );
        let answer = api_get(addr, &path).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let view = answer.json();
        assert_eq!(view["drafts"]["items"].as_array().map(Vec::len), Some(3));
        assert!(view["last_hour"].is_array(), "{view}");
        for m in view["members"]["items"].as_array().expect("members") {
            seen.push(m["id"].as_str().expect("id").to_string());
        }
        match view["members"]["next"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    let mut newest_first = incidents.members.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // A ticket that is no incident is not one.
    let plain = api_get(addr, &format!("/api/desk/incidents/{}", seeded.ticket)).await;
    assert_eq!(plain.status, 404, "{}", plain.body);
    let page = wangli.get(&format!("/incidents/{}", seeded.ticket)).await;
    assert_eq!(page.status, 404, "{}", page.body);
    daemon.stop().await;
}
