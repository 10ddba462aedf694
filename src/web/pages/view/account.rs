//! Login, the admin page, and error pages.

use super::{AuditRow, Role};

/// `GET /login`: the form, outside the shell (nobody is signed in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPage {
    /// The double-submit token (also in the login cookie).
    pub csrf: String,
    /// Where to go after signing in (a path on this site).
    pub next: String,
    /// The name typed last time, kept after a failure.
    pub user: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// A configured account, as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Login name.
    pub name: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
}

/// An API token, as the admin page lists it (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Token name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// `GET /admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminPage {
    /// Accounts from `[[users]]`.
    pub users: Vec<UserRow>,
    /// Tokens from `[[api_tokens]]`.
    pub tokens: Vec<TokenRow>,
    /// One page of the audit log across every subject, newest first.
    pub audit: Vec<AuditRow>,
    /// The audit filter in force (the GET form's values).
    pub audit_filter: AuditFilterView,
    /// Cursor (`before`) of the older entries; None at the oldest.
    pub audit_older: Option<String>,
    /// Whether this is not the newest page (shows a way back to it).
    pub audit_paged: bool,
}

/// The admin page's audit filter, as typed (blank: no filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilterView {
    /// Only this actor (exactly).
    pub actor: String,
    /// Only actions starting with this (`draft.`, `auth.login`).
    pub action: String,
    /// Only subjects starting with this (a ticket number, `user:`).
    pub subject: String,
}

/// An error page (403, 404, 409) inside the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPage {
    /// HTTP status.
    pub status: u16,
    /// Headline.
    pub title: String,
    /// What happened and what to do.
    pub detail: String,
    /// Where to go from here (path), if somewhere better than the queue.
    pub back: Option<String>,
}

impl ErrorPage {
    /// 403: the role does not allow it.
    pub fn forbidden() -> ErrorPage {
        ErrorPage {
            status: 403,
            title: "没有权限".into(),
            detail: "您的角色不能访问此页面或执行此操作。如需权限，请联系管理员。".into(),
            back: None,
        }
    }

    /// 404: `what` (a ticket number, a draft id) does not exist.
    pub fn not_found(what: &str) -> ErrorPage {
        ErrorPage {
            status: 404,
            title: "找不到".into(),
            detail: format!("没有找到 {what}。它可能已被删除，或链接有误。"),
            back: None,
        }
    }

    /// 409: someone changed it first; `detail` says what it is now.
    pub fn conflict(detail: &str, back: &str) -> ErrorPage {
        ErrorPage {
            status: 409,
            title: "已被他人修改".into(),
            detail: format!("{detail}请重新打开页面，查看最新内容后再操作。"),
            back: Some(back.to_string()),
        }
    }
}
