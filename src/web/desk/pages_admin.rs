//! `GET /admin` (admins only): accounts and API tokens, never secrets, and
//! the audit log across every subject, newest first — also served as JSON
//! by `GET /api/desk/audit` (`api.rs`), from the same query.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::blocking::blocking_page;
use super::errors::{ApiError, PageError};
use super::{admit, convert};
use crate::auth::{Identity, Permission};
use crate::desk::DeskError;
use crate::store::{AuditFilter, AuditPage, Store, StoreError};
use crate::web::AppState;
use crate::web::pages::admin::admin_page;
use crate::web::pages::paths;
use crate::web::pages::view::{AdminPage, AuditFilterView, Section, TokenRow, UserRow};

/// Audit entries per page on the admin page.
const PAGE_ROWS: usize = 50;
/// Default and largest `limit` of the JSON API (as for the ticket list).
const API_DEFAULT_LIMIT: usize = 50;
const API_MAX_LIMIT: usize = 200;

/// The query of `GET /admin` and `GET /api/desk/audit`; blank fields (an
/// empty form input) count as absent.
#[derive(Debug, Default, Deserialize)]
pub(super) struct AuditQuery {
    /// Only entries older than this one (a page's `next`, a uuid).
    before: Option<String>,
    /// Entries per page (API only).
    limit: Option<String>,
    /// Only this actor, exactly.
    actor: Option<String>,
    /// Only actions starting with this.
    action: Option<String>,
    /// Only subjects starting with this.
    subject: Option<String>,
}

/// Why an audit query could not be answered.
enum AuditQueryError {
    /// `before` or `limit` is not one we understand.
    Invalid(String),
    /// The store failed.
    Store(StoreError),
}

impl AuditQuery {
    fn field(value: &Option<String>) -> &str {
        value.as_deref().map(str::trim).unwrap_or_default()
    }

    fn filter(&self) -> AuditFilter {
        let given = |v: &Option<String>| Some(Self::field(v).to_string()).filter(|v| !v.is_empty());
        AuditFilter {
            actor: given(&self.actor),
            action: given(&self.action),
            subject: given(&self.subject),
        }
    }

    fn before(&self) -> Result<Option<uuid::Uuid>, AuditQueryError> {
        match Self::field(&self.before) {
            "" => Ok(None),
            cursor => uuid::Uuid::parse_str(cursor).map(Some).map_err(|_| {
                AuditQueryError::Invalid(format!(
                    "before={cursor:?} is not a cursor this server gave out"
                ))
            }),
        }
    }

    fn limit(&self) -> Result<usize, AuditQueryError> {
        match Self::field(&self.limit) {
            "" => Ok(API_DEFAULT_LIMIT),
            n => n
                .parse::<usize>()
                .map(|n| n.clamp(1, API_MAX_LIMIT))
                .map_err(|_| AuditQueryError::Invalid(format!("limit={n:?} is not a number"))),
        }
    }

    /// One page of the log for this query.
    fn read(&self, store: &Store, limit: usize) -> Result<AuditPage, AuditQueryError> {
        store
            .recent_audit(self.before()?, limit, &self.filter())
            .map_err(AuditQueryError::Store)
    }
}

/// `GET /admin`; a reviewer or agent gets the 403 page.
pub async fn admin(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let shell = admit(&identity, Section::Admin, Permission::Admin, None)?;
    let before = query.before().map_err(|_| {
        PageError::bad_request(&shell, "“更早”链接有误，请从最新的操作记录重新查看。")
    })?;
    blocking_page(&shell, paths::ADMIN, StatusCode::OK, move |shell| {
        let page = state
            .store
            .recent_audit(before, PAGE_ROWS, &query.filter())?;
        let view = AdminPage {
            users: state
                .auth
                .users()
                .into_iter()
                .map(|u| UserRow {
                    name: u.name.clone(),
                    display_name: u.display_name.clone(),
                    role: u.role,
                })
                .collect(),
            tokens: state
                .auth
                .tokens()
                .iter()
                .map(|t| TokenRow {
                    name: t.name.clone(),
                    role: t.role,
                })
                .collect(),
            audit: page
                .entries
                .iter()
                .map(|r| convert::audit_row(&r.entry))
                .collect(),
            audit_filter: AuditFilterView {
                actor: AuditQuery::field(&query.actor).to_string(),
                action: AuditQuery::field(&query.action).to_string(),
                subject: AuditQuery::field(&query.subject).to_string(),
            },
            audit_older: page.next.map(|id| id.to_string()),
            audit_paged: !AuditQuery::field(&query.before).is_empty(),
        };
        Ok(admin_page(shell, &view))
    })
    .await
}

/// The body of `GET /api/desk/audit` for an admin: `{"entries", "next"}`
/// (store reads: called on the blocking pool).
pub(super) fn audit_json(state: &AppState, query: &AuditQuery) -> Result<Value, ApiError> {
    let page = query
        .limit()
        .and_then(|limit| query.read(&state.store, limit))
        .map_err(|e| match e {
            AuditQueryError::Invalid(why) => ApiError::BadRequest(why),
            AuditQueryError::Store(e) => ApiError::Desk(DeskError::Store(e)),
        })?;
    Ok(json!({
        "entries": page.entries,
        "next": page.next.map(|id| id.to_string()),
    }))
}
