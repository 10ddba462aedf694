use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use super::sample::{self, CSRF};
use super::testing::{assert_csrf_on_every_post_form, assert_masked};
use super::view::*;
use super::{admin, assets, draft, drafts, error, incidents, login, search, ticket, tickets};

/// Every page with sample data, as (file stem, HTML, the CSRF token its forms must carry).
fn every_page() -> Vec<(String, String, String)> {
    let mut pages = Vec::new();
    let mut add = |name: &str, html: maud::Markup| {
        pages.push((name.to_string(), html.into_string(), CSRF.to_string()));
    };
    for role in Role::ALL {
        let r = role.as_str();
        let s = |section| sample::shell(role, section);
        add(
            &format!("drafts-{r}"),
            drafts::drafts_page(&s(Section::Drafts), &sample::drafts()),
        );
        add(
            &format!("draft-{r}"),
            draft::draft_page(&s(Section::Drafts), &sample::draft_weibo()),
        );
        add(
            &format!("draft-uncertain-{r}"),
            draft::draft_page(&s(Section::Drafts), &sample::draft_uncertain()),
        );
        add(
            &format!("draft-failed-{r}"),
            draft::draft_page(&s(Section::Drafts), &sample::draft_failed()),
        );
        add(
            &format!("draft-too-long-{r}"),
            draft::draft_page(&s(Section::Drafts), &sample::draft_too_long()),
        );
        add(
            &format!("incidents-{r}"),
            incidents::incidents_page(&s(Section::Incidents), &sample::incidents()),
        );
        add(
            &format!("incident-{r}"),
            incidents::incident_page(&s(Section::Incidents), &sample::incident()),
        );
        add(
            &format!("tickets-{r}"),
            tickets::tickets_page(&s(Section::Tickets), &sample::tickets()),
        );
        add(
            &format!("ticket-{r}"),
            ticket::ticket_page(&s(Section::Tickets), &sample::ticket()),
        );
        add(
            &format!("search-{r}"),
            search::search_page(&s(Section::Search), &sample::search()),
        );
        add(
            &format!("error-403-{r}"),
            error::error_page(&s(Section::None), &ErrorPage::forbidden()),
        );
    }
    let admin_shell = sample::shell(Role::Admin, Section::Admin);
    add("admin", admin::admin_page(&admin_shell, &sample::admin()));
    let admin_shell = sample::shell(Role::Admin, Section::None);
    add(
        "error-404",
        error::error_page(&admin_shell, &ErrorPage::not_found("工单 20261127-999999")),
    );
    add(
        "error-409",
        error::error_page(
            &admin_shell,
            &ErrorPage::conflict("这条草稿现在是“已批准”。", "/drafts/x"),
        ),
    );
    let login_view = sample::login_failed();
    pages.push((
        "login".into(),
        login::login_page(&login_view).into_string(),
        login_view.csrf.clone(),
    ));
    pages
}

#[test]
fn every_post_form_carries_the_csrf_token() {
    for (name, html, token) in every_page() {
        assert!(
            html.contains("<form"),
            "{name} has no form at all (logout is on every page)"
        );
        assert_csrf_on_every_post_form(&html, &token);
    }
}

#[test]
fn every_page_is_a_chinese_document_with_the_assets() {
    for (name, html, _) in every_page() {
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(html.contains(r#"<html lang="zh-CN">"#), "{name}");
        assert!(html.contains(r#"<meta charset="utf-8">"#), "{name}");
        assert!(html.contains(r#"name="viewport""#), "{name}");
        assert!(html.contains(r#"href="/assets/app.css""#), "{name}");
        assert!(html.contains(r#"src="/assets/app.js""#), "{name}");
    }
}

#[test]
fn no_page_shows_an_unmasked_phone_or_card_number() {
    for (name, html, _) in every_page() {
        assert!(!html.contains("13812345678"), "{name}");
        assert_masked(&html);
    }
}

const XSS: &str = "<script>alert(1)</script>";
const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

fn assert_escaped(html: &str) {
    assert!(!html.contains(XSS), "raw script tag rendered");
    assert!(html.contains(ESCAPED), "escaped text missing");
}

#[test]
fn user_supplied_text_is_escaped_everywhere_it_is_shown() {
    let shell = sample::shell(Role::Admin, Section::Drafts);
    let mut view = sample::draft_weibo();
    if let Some(target) = view.target.as_mut() {
        target.text = XSS.into();
    }
    assert_escaped(&draft::draft_page(&shell, &view).into_string());

    let mut view = sample::draft_weibo();
    view.body = XSS.into();
    assert_escaped(&draft::draft_page(&shell, &view).into_string());

    let mut queue = sample::drafts();
    queue.groups[0].drafts[0].first_line = XSS.into();
    assert_escaped(&drafts::drafts_page(&shell, &queue).into_string());

    let mut t = sample::ticket();
    t.title = XSS.into();
    assert_escaped(&ticket::ticket_page(&shell, &t).into_string());

    let mut s = sample::search();
    s.q = XSS.into();
    assert_escaped(&search::search_page(&shell, &s).into_string());

    let mut login_view = sample::login_failed();
    login_view.user = XSS.into();
    assert_escaped(&login::login_page(&login_view).into_string());
}

#[test]
fn the_admin_nav_entry_is_only_for_admins() {
    for role in Role::ALL {
        let html = drafts::drafts_page(&sample::shell(role, Section::Drafts), &sample::drafts())
            .into_string();
        assert_eq!(
            html.contains(r#"href="/admin""#),
            role == Role::Admin,
            "{role:?}"
        );
        assert!(html.contains("草稿审核") && html.contains("事件") && html.contains("工单"));
    }
}

#[test]
fn an_agent_sees_drafts_without_forms_and_a_reviewer_tickets_without_forms() {
    let agent = sample::shell(Role::Agent, Section::Drafts);
    let html = draft::draft_page(&agent, &sample::draft_weibo()).into_string();
    assert!(!html.contains("/approve"), "agents cannot approve");
    assert!(!html.contains("/edit\""), "agents cannot edit");
    assert!(!html.contains("/reassign"));
    let html = draft::draft_page(&agent, &sample::draft_uncertain()).into_string();
    assert!(
        !html.contains("/resolve"),
        "agents cannot resolve uncertain sends"
    );

    let reviewer = sample::shell(Role::Reviewer, Section::Tickets);
    let html = ticket::ticket_page(&reviewer, &sample::ticket()).into_string();
    for action in ["/state", "/assign", "/notes", "/reply"] {
        assert!(!html.contains(action), "reviewers cannot {action}");
    }
}

#[test]
fn the_draft_editor_carries_the_limit_and_the_version() {
    let shell = sample::shell(Role::Reviewer, Section::Drafts);
    let view = sample::draft_weibo();
    let html = draft::draft_page(&shell, &view).into_string();
    assert!(html.contains(r#"data-limit-unit="chars" data-limit-max="140""#));
    assert!(html.contains(&format!(
        r#"name="expected_updated_at" value="{}""#,
        view.version
    )));
    assert!(html.contains(&format!("{} / 140 字", view.limit.used)));
    assert!(
        html.contains("data-confirm="),
        "approve and reject ask first"
    );
    assert!(
        html.contains(r#"name="reason" required"#),
        "a rejection needs a reason"
    );

    let html = draft::draft_page(&shell, &sample::draft_too_long()).into_string();
    assert!(html.contains(r#"data-limit-unit="bytes" data-limit-max="2048""#));
    assert!(html.contains(r#"class="counter over""#));
    assert!(
        html.contains("data-save disabled"),
        "save is disabled when over"
    );
    assert!(
        html.contains("data-approve disabled"),
        "approve is disabled when over"
    );
}

#[test]
fn an_uncertain_draft_offers_both_resolutions_with_an_explanation() {
    let shell = sample::shell(Role::Reviewer, Section::Drafts);
    let html = draft::draft_page(&shell, &sample::draft_uncertain()).into_string();
    assert!(html.contains("已确认发布") && html.contains("确认未发布"));
    assert!(html.contains(r#"name="resolution" value="published""#));
    assert!(html.contains(r#"name="resolution" value="not_published""#));
    assert!(html.contains("不会自动重试"));
    assert!(
        !html.contains("/approve"),
        "an uncertain send cannot be approved again"
    );
}

#[test]
fn a_failed_draft_shows_its_reason_in_chinese() {
    let shell = sample::shell(Role::Reviewer, Section::Drafts);
    let html = draft::draft_page(&shell, &sample::draft_failed()).into_string();
    assert!(html.contains("发布失败") && html.contains("重复内容") && html.contains("20019"));
    assert!(html.contains("重新批准发布"));
    assert_eq!(
        draft::failure_hint(
            "the 48-hour customer-service window has closed or the user unfollowed (45015)"
        )
        .map(|h| h.0),
        Some("超出48小时回复窗口")
    );
    assert_eq!(draft::failure_hint("Weibo error 99999: something"), None);
}

#[test]
fn the_state_form_offers_only_the_states_a_ticket_can_move_to() {
    let shell = sample::shell(Role::Agent, Section::Tickets);
    let mut view = sample::ticket();
    view.state = TicketState::Resolved;
    let html = ticket::ticket_page(&shell, &view).into_string();
    let form = html.split("/state\"").nth(1).unwrap_or_default();
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    assert!(form.contains(r#"value="open""#) && form.contains(r#"value="closed""#));
    assert!(!form.contains(r#"value="pending""#) && !form.contains(r#"value="new""#));
    assert!(form.contains(r#"name="expected" value="resolved""#));

    view.state = TicketState::Closed;
    let html = ticket::ticket_page(&shell, &view).into_string();
    assert!(
        !html.contains("/state\""),
        "a closed ticket has nowhere to go"
    );
}

#[test]
fn only_email_tickets_get_the_reply_form() {
    let shell = sample::shell(Role::Agent, Section::Tickets);
    let mut view = sample::ticket();
    assert!(
        ticket::ticket_page(&shell, &view)
            .into_string()
            .contains("/reply\"")
    );
    view.channel = Channel::Wechat;
    let html = ticket::ticket_page(&shell, &view).into_string();
    assert!(!html.contains("/reply\""));
    assert!(html.contains("/notes\""), "notes are for every ticket");
}

#[test]
fn the_ticket_filter_keeps_its_values_in_the_paging_links() {
    let shell = sample::shell(Role::Agent, Section::Tickets);
    let mut view = sample::tickets();
    view.filter = TicketFilter {
        state: Some(TicketState::Open),
        priority: Some(Priority::Urgent),
        queue: Some("email".into()),
        assignee: Some("-".into()),
        text: Some("转错账".into()),
    };
    let html = tickets::tickets_page(&shell, &view).into_string();
    let next = concat!(
        "/tickets?state=open&amp;priority=urgent&amp;queue=email&amp;assignee=-",
        "&amp;text=%E8%BD%AC%E9%94%99%E8%B4%A6&amp;cursor="
    );
    assert!(html.contains(next), "the next-page link keeps the filter");
    assert!(html.contains(r#"<option value="open" selected>"#));
    assert!(html.contains(r#"<option value="-" selected>"#));
}

#[test]
fn the_chart_has_a_bar_per_minute_and_a_baseline() {
    let points: Vec<(String, u32)> = (0..60).map(|i| (format!("00:{i:02}"), i % 7)).collect();
    let svg = incidents::minute_chart(&points, 0.5).into_string();
    assert_eq!(svg.matches("<rect").count(), 60);
    assert!(svg.contains("class=\"baseline\""));
    assert!(svg.contains("<title>00:03 · 3 人</title>"));
    assert_eq!(incidents::p_value(4.1e-9), "4.1 × 10⁻⁹");
    assert_eq!(incidents::p_value(0.0), "< 10⁻¹²");
    assert_eq!(incidents::p_value(0.0123), "0.012");
}

#[test]
fn assets_are_served_with_type_cache_and_etag() {
    let response = assets::APP_CSS.response(&HeaderMap::new());
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=3600");
    let etag = headers[header::ETAG].clone();
    assert_ne!(
        etag,
        assets::APP_JS.etag().as_str(),
        "each file has its own tag"
    );

    let mut request = HeaderMap::new();
    request.insert(header::IF_NONE_MATCH, etag.clone());
    let response = assets::APP_CSS.response(&request);
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()[header::ETAG], etag);

    request.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"stale\""));
    assert_eq!(assets::APP_CSS.response(&request).status(), StatusCode::OK);
    let js = assets::APP_JS.response(&HeaderMap::new());
    assert_eq!(
        js.headers()[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
}

/// Whether `node` runs; Debian's `nodejs` is installed once when it does
/// not (`.ci/run` installs it first).
fn node_available() -> bool {
    let runs = || {
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs() {
        return true;
    }
    let apt = |args: &[&str]| {
        std::process::Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !apt(&["install", "-y", "-qq", "nodejs"]) {
        apt(&["update", "-qq"]);
        apt(&["install", "-y", "-qq", "nodejs"]);
    }
    runs()
}

/// The JS counter counts what `publish::check_length` counts: run it in
/// Node on texts where chars, bytes, UTF-16 units and the two trims
/// disagree.
#[test]
fn the_js_counter_mirrors_check_length() {
    use crate::publish::check_length;
    assert!(
        node_available(),
        "node is missing and `apt-get install -y nodejs` failed"
    );
    let texts = [
        "  支付宝\u{3000}".to_string(),
        "😭".repeat(140),
        format!("{}😭", "支".repeat(139)),
        format!("\u{85}{}\u{feff}", "a".repeat(139)),
        "支".repeat(683),
        "支".repeat(682) + "ab",
    ];
    let script = format!(
        "{}\nconst texts = {};\n{}",
        extract_measure(),
        serde_json::to_string(&texts).unwrap_or_default(),
        "console.log(JSON.stringify(texts.map(t => [measure('chars', t), measure('bytes', t), \
         counterText('bytes', 2048, measure('bytes', t))])));"
    );
    let out = std::process::Command::new("node")
        .arg("-e")
        .arg(&script)
        .output()
        .expect("node runs");
    let counts: Vec<(usize, usize, String)> =
        serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(
        counts.len(),
        texts.len(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (text, (chars, bytes, wording)) in texts.iter().zip(counts) {
        let limit = LimitView {
            unit: LimitUnit::Bytes,
            max: Some(2048),
            used: bytes,
            problem: None,
        };
        assert_eq!(
            wording,
            draft::counter_text(&limit),
            "the script words the counter as the page does"
        );
        assert_eq!(
            chars <= 140,
            check_length(Channel::Weibo, text).is_ok(),
            "{text:?}: {chars} chars"
        );
        assert_eq!(
            bytes <= 2048,
            check_length(Channel::Wechat, text).is_ok(),
            "{text:?}: {bytes} bytes"
        );
        assert_eq!(chars, text.trim().chars().count(), "{text:?}");
        assert_eq!(bytes, text.trim().len(), "{text:?}");
    }
}

/// The counting and wording functions of app.js, without the DOM wiring.
fn extract_measure() -> String {
    let js = assets::APP_JS.body;
    let start = js.find("  var WS").unwrap_or(0);
    let end = js.find("  function setupCounter").unwrap_or(js.len());
    js[start..end].to_string()
}

/// Writes every sample page to /tmp/pages for a look in a browser:
/// `cargo test --lib web::pages::tests::render_samples_to_tmp -- --ignored`.
#[test]
#[ignore]
fn render_samples_to_tmp() {
    let dir = std::path::Path::new("/tmp/pages");
    std::fs::create_dir_all(dir.join("assets")).unwrap_or_default();
    std::fs::write(dir.join("assets/app.css"), assets::APP_CSS.body).unwrap_or_default();
    std::fs::write(dir.join("assets/app.js"), assets::APP_JS.body).unwrap_or_default();
    for (name, html, _) in every_page() {
        // Relative asset links, so the files open from disk.
        let html = html.replace("\"/assets/", "\"assets/");
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap_or_default();
    }
}

#[test]
fn times_are_shown_in_china_time() {
    use chrono::TimeZone;
    let at = chrono::Utc
        .with_ymd_and_hms(2026, 12, 11, 16, 5, 0)
        .single();
    let at = at.unwrap_or_default();
    assert_eq!(china_time(at), "2026-12-12 00:05");
    assert_eq!(short_time(at), "12-12 00:05");
    assert_eq!(minute_label(at), "00:05");
}

#[test]
fn links_encode_what_they_carry() {
    assert_eq!(TicketFilter::default().query(), "");
    assert_eq!(super::paths::tickets("", None), "/tickets");
    assert_eq!(
        super::paths::search("张 伟&x"),
        "/search?q=%E5%BC%A0%20%E4%BC%9F%26x"
    );
    assert_eq!(
        super::paths::drafts("proposed,edited", Some("a+b")),
        "/drafts?state=proposed%2Cedited&cursor=a%2Bb"
    );
}
