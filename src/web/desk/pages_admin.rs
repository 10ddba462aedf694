//! `GET /admin` (admins only): accounts and API tokens, never secrets.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use super::errors::PageError;
use super::{convert, shell};
use crate::auth::{Identity, Permission};
use crate::web::AppState;
use crate::web::pages::admin::admin_page;
use crate::web::pages::view::{AdminPage, Section, TokenRow, UserRow};

/// `GET /admin`; a reviewer or agent gets the 403 page.
pub async fn admin(
    identity: Identity,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let shell = shell(&identity, Section::Admin, None);
    identity
        .require(Permission::Admin)
        .map_err(|e| PageError::auth(&shell, &e))?;
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
        audit: recent_logins(&state),
    };
    Ok(Html(admin_page(&shell, &view).into_string()).into_response())
}

/// Audit rows shown on the admin page.
const ADMIN_AUDIT_ROWS: usize = 100;

/// The accounts' audit entries (logins, failures, logouts), newest first.
/// The store keeps audit entries per subject and has no cross-subject
/// "recent" index, so this reads the `user:<name>` subjects; each draft and
/// ticket page shows its own trail.
fn recent_logins(state: &AppState) -> Vec<crate::web::pages::view::AuditRow> {
    let mut entries = Vec::new();
    for user in state.auth.users() {
        match state.store.audit_for(&format!("user:{}", user.name)) {
            Ok(found) => entries.extend(found),
            Err(e) => {
                tracing::warn!(user = %user.name, error = %e, "Reading the audit log for the admin page failed.")
            }
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries
        .iter()
        .take(ADMIN_AUDIT_ROWS)
        .map(convert::audit_row)
        .collect()
}
