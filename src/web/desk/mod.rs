//! The review desk wired to HTTP: the HTML pages (one file per area) and
//! the JSON API (`api.rs`) over the same [`crate::desk::Desk`] calls and
//! the same permission checks. `convert.rs` turns desk results into the
//! pages' view structs; `errors.rs` maps desk and auth failures to Chinese
//! error pages or `{"error"}` JSON. `blocking.rs` runs the desk's
//! synchronous store reads (and the rendering after them) on tokio's
//! blocking pool, so a big ticket never holds an async worker.
//!
//! Forms answer a success with a 303 back to the page and `?ok=<code>`;
//! the code (never free text, so a link cannot put words on our page) is
//! shown as a flash by [`shell`].

mod api;
mod blocking;
mod convert;
mod errors;
mod pages_admin;
mod pages_drafts;
mod pages_incidents;
mod pages_search;
mod pages_tickets;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth::{Identity, Permission, form_field};
use crate::desk::Actor;
use errors::PageError;

use super::AppState;
use super::pages::view::{Flash, FlashKind, Section, Shell, SignedIn};
use super::pages::{assets, paths};

/// The desk's pages, form actions, assets and JSON API; the caller adds
/// them before layering the auth guard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route(paths::CSS, get(assets::app_css))
        .route(paths::JS, get(assets::app_js))
        .route(paths::DRAFTS, get(pages_drafts::list))
        .route("/drafts/{id}", get(pages_drafts::show))
        .route("/drafts/{id}/{action}", post(pages_drafts::act))
        .route(paths::TICKETS, get(pages_tickets::list))
        .route("/tickets/{number}", get(pages_tickets::show))
        .route("/tickets/{number}/{action}", post(pages_tickets::act))
        .route(paths::INCIDENTS, get(pages_incidents::list))
        .route("/incidents/{number}", get(pages_incidents::show))
        .route(paths::SEARCH, get(pages_search::search))
        .route(paths::ADMIN, get(pages_admin::admin))
        .merge(api::routes())
}

/// `/`: the review queue is the desk's front page.
async fn root() -> Response {
    see_other(paths::DRAFTS)
}

/// A 303 to `location` (a path on this site).
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A 303 back to `path` with the flash `code`.
fn done(path: &str, code: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    see_other(&format!("{path}{sep}ok={code}"))
}

/// The audit log's actor for `identity`.
fn actor(identity: &Identity) -> Actor {
    Actor::new(&identity.user, identity.role.as_str())
}

/// The shell of a page for `identity`, with the flash named by `ok`.
fn shell(identity: &Identity, section: Section, ok: Option<&str>) -> Shell {
    Shell {
        user: SignedIn {
            name: identity.user.clone(),
            display_name: identity.display_name.clone(),
            role: identity.role,
        },
        csrf: identity.csrf.clone(),
        flashes: ok
            .and_then(flash_text)
            .map(|text| Flash {
                kind: FlashKind::Success,
                text: text.to_string(),
            })
            .into_iter()
            .collect(),
        section,
    }
}

/// The answer to a browser form refused for its CSRF token (the guard's
/// refusal, before any handler): an error page in the shell whose link
/// reopens the page the form was on (`/drafts/{id}/edit` → `/drafts/{id}`).
pub(super) fn stale_form_page(identity: &Identity, path: &str) -> Response {
    let section = if path.starts_with(paths::TICKETS) {
        Section::Tickets
    } else {
        Section::Drafts
    };
    PageError::stale_form(&shell(identity, section, None), reopen_path(path)).into_response()
}

/// The page a form action's path was posted from (`/drafts/{id}/edit` →
/// `/drafts/{id}`); the draft queue for anything else. Only a desk page of
/// ours: the path is the request's, and no link to `//elsewhere` may come
/// out of it.
fn reopen_path(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((page, _))
            if [paths::DRAFTS, paths::TICKETS]
                .iter()
                .any(|p| page.starts_with(&format!("{p}/"))) =>
        {
            page
        }
        _ => paths::DRAFTS,
    }
}

/// A page request let in: the shell of `section` once `identity` holds
/// `permission`; otherwise the login redirect or the 403 page.
fn admit(
    identity: &Identity,
    section: Section,
    permission: Permission,
    ok: Option<&str>,
) -> Result<Shell, PageError> {
    let shell = shell(identity, section, ok);
    identity
        .require(permission)
        .map_err(|e| PageError::auth(&shell, &e))?;
    Ok(shell)
}

/// The Chinese text of a flash code; unknown codes show nothing.
fn flash_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "edited" => "草稿已保存。",
        "approved" => "草稿已批准，将由发布程序发送。",
        "already_approved" => "这条草稿已由其他审核员批准（见「批准人」），没有重复批准。",
        "rejected" => "草稿已驳回。",
        "reassigned" => "草稿已重新分配。",
        "resolved" => "已记录发送结果。",
        "state" => "工单状态已更新。",
        "assign" => "工单已分配。",
        "notes" => "内部备注已添加。",
        "reply" => "回复已加入发送队列。",
        _ => return None,
    })
}

/// Field `name` of an urlencoded form body, trimmed of nothing.
fn field(body: &[u8], name: &str) -> Option<String> {
    form_field(body, name)
}

/// A snake_case enum (a ticket state, a priority) from its name.
fn parse_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// A page's query string when it carries only the flash (`?ok=<code>`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct FlashParams {
    /// The code of the change that just succeeded.
    pub ok: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::reopen_path;

    #[test]
    fn a_refused_form_links_back_to_its_own_desk_page_only() {
        assert_eq!(reopen_path("/drafts/0196a3b1/edit"), "/drafts/0196a3b1");
        assert_eq!(
            reopen_path("/tickets/20261129-000001/state"),
            "/tickets/20261129-000001"
        );
        for elsewhere in ["//evil.example/x/y", "/logout", "/drafts/x", "/", ""] {
            assert_eq!(reopen_path(elsewhere), "/drafts", "{elsewhere}");
        }
    }
}
