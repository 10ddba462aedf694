//! Desk and auth failures as Chinese error pages (403/404/409) or, under
//! `/api/`, as `{"error": …}` JSON with the same status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::auth::AuthError;
use crate::desk::DeskError;
use crate::web::pages::error::error_page;
use crate::web::pages::view::{ErrorPage, Shell};

/// The HTTP status a desk failure answers with.
pub fn desk_status(error: &DeskError) -> StatusCode {
    match error {
        DeskError::NotFound(_) => StatusCode::NOT_FOUND,
        DeskError::Conflict { .. } => StatusCode::CONFLICT,
        DeskError::Invalid(_) | DeskError::TooLong(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DeskError::Store(e) => {
            tracing::error!(error = %e, "Store error on the review desk.");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// What a reviewer or agent reads about a desk failure.
pub fn desk_text(error: &DeskError) -> String {
    match error {
        DeskError::NotFound(what) => format!("没有找到 {what}。"),
        DeskError::Conflict { current } => {
            format!("操作未执行：它现在的状态是「{current}」，可能已被他人修改。")
        }
        DeskError::Invalid(why) => format!("操作无法执行：{why}"),
        DeskError::TooLong(why) => format!("回复超出渠道长度限制：{why}"),
        DeskError::Store(_) => "存储暂时不可用，请稍后重试。".to_string(),
    }
}

/// A failed page request: rendered as an error page inside the shell.
/// Boxed: the shell and the page are large and travel in every `Result`.
pub struct PageError(Box<ErrorParts>);

/// What an error page is rendered from.
struct ErrorParts {
    shell: Shell,
    view: ErrorPage,
}

impl PageError {
    fn new(shell: &Shell, view: ErrorPage) -> PageError {
        PageError(Box::new(ErrorParts {
            shell: shell.clone(),
            view,
        }))
    }
}

impl PageError {
    /// 403 for a role that may not do this.
    pub fn forbidden(shell: &Shell) -> PageError {
        PageError::new(shell, ErrorPage::forbidden())
    }

    /// 400 for a request the desk cannot read (a bad id, a missing field).
    pub fn bad_request(shell: &Shell, detail: &str) -> PageError {
        PageError::new(
            shell,
            ErrorPage {
                status: 400,
                title: "请求有误".into(),
                detail: detail.to_string(),
                back: None,
            },
        )
    }

    /// The page for a desk failure; `back` is the page the user came from.
    pub fn desk(shell: &Shell, error: &DeskError, back: &str) -> PageError {
        let view = match error {
            DeskError::NotFound(what) => ErrorPage::not_found(what),
            DeskError::Conflict { .. } => ErrorPage::conflict(&desk_text(error), back),
            _ => ErrorPage {
                status: desk_status(error).as_u16(),
                title: "操作失败".into(),
                detail: desk_text(error),
                back: Some(back.to_string()),
            },
        };
        PageError::new(shell, view)
    }

    /// 403 for a form posted with a CSRF token that is not this session's
    /// (a page opened before logging in again, or a forged post): nothing
    /// changed, and `back` reopens the page with a fresh token.
    pub fn stale_form(shell: &Shell, back: &str) -> PageError {
        PageError::new(
            shell,
            ErrorPage {
                status: 403,
                title: "表单已过期".into(),
                detail: "这个表单的安全令牌与当前登录不符（页面可能是在重新登录之前打开的），没有做任何更改。请重新打开页面后再操作。".into(),
                back: Some(back.to_string()),
            },
        )
    }

    /// The page for an auth failure (a role check).
    pub fn auth(shell: &Shell, error: &AuthError) -> PageError {
        match error {
            AuthError::Forbidden { .. } | AuthError::Csrf => PageError::forbidden(shell),
            other => {
                tracing::error!(error = %other, "Authentication failed on a desk page.");
                PageError::new(
                    shell,
                    ErrorPage {
                        status: 500,
                        title: "服务器出错".into(),
                        detail: "请稍后重试。".into(),
                        back: None,
                    },
                )
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let parts = self.0;
        let status =
            StatusCode::from_u16(parts.view.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Html(error_page(&parts.shell, &parts.view).into_string()),
        )
            .into_response()
    }
}

/// A failed JSON API request: `{"error": …}` with the matching status.
pub enum ApiError {
    /// The role does not allow it (or another auth failure).
    Auth(AuthError),
    /// The desk refused or failed.
    Desk(DeskError),
    /// The request could not be read.
    BadRequest(String),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        ApiError::Auth(e)
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> ApiError {
        ApiError::Desk(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Auth(e) => e.into_response(),
            ApiError::Desk(e) => {
                let status = desk_status(&e);
                let mut body = json!({ "error": e.to_string(), "message": desk_text(&e) });
                if let DeskError::Conflict { current } = &e {
                    body["current"] = json!(current);
                }
                (status, Json(body)).into_response()
            }
            ApiError::BadRequest(why) => {
                (StatusCode::BAD_REQUEST, Json(json!({ "error": why }))).into_response()
            }
        }
    }
}
