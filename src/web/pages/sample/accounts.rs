//! Sample login form and admin page.

use super::audit;
use crate::web::pages::view::*;

/// The login form after a wrong password.
pub fn login_failed() -> LoginPage {
    LoginPage {
        csrf: "dX3vR8kQ1mZ7pL4tB9wC2nF6hJ0sY5aE".into(),
        next: "/drafts/0193b6f2-7c41-7a10-9d3e-5f1c2a9b8e01".into(),
        user: "wangli".into(),
        error: Some("用户名或密码错误。".into()),
    }
}

/// Accounts, a token, and recent audit entries.
pub fn admin() -> AdminPage {
    let user = |name: &str, display_name: &str, role| UserRow {
        name: name.into(),
        display_name: display_name.into(),
        role,
    };
    AdminPage {
        users: vec![
            user("wangli", "王丽", Role::Reviewer),
            user("chenchen", "陈晨", Role::Reviewer),
            user("lina", "李娜", Role::Reviewer),
            user("zhaomin", "赵敏", Role::Agent),
            user("sunlei", "孙磊", Role::Agent),
            user("zhouting", "周婷", Role::Agent),
            user("admin", "系统管理员", Role::Admin),
        ],
        tokens: vec![TokenRow {
            name: "nightly-report".into(),
            role: Role::Agent,
        }],
        audit: vec![
            audit(
                "12-12 10:04",
                "system:publisher",
                "0193b6f3-1d55-7c02-a1b2-7f3e4c1d0a23",
                "draft.uncertain",
                Some("sending"),
                Some("uncertain"),
            ),
            audit(
                "12-12 10:03",
                "wangli",
                "0193b6f3-1d55-7c02-a1b2-7f3e4c1d0a23",
                "draft.approved",
                Some("proposed"),
                Some("approved"),
            ),
            audit(
                "12-12 09:58",
                "wangli",
                "user:wangli",
                "auth.login",
                None,
                Some("{\"ip\":\"10.0.3.17\"}"),
            ),
            audit(
                "12-12 09:52",
                "admin",
                "0193b6f2-7c41-7a10-9d3e-5f1c2a9b8e01",
                "draft.reassigned",
                Some("{\"assignee\":null}"),
                Some("{\"assignee\":\"wangli\"}"),
            ),
            audit(
                "12-12 09:40",
                "unknown",
                "user:wanglii",
                "auth.login_failed",
                None,
                Some("{\"reason\":\"unknown user\"}"),
            ),
            audit(
                "12-12 00:07",
                "system:incidents",
                "20261212-000042",
                "incident.opened",
                None,
                Some("{\"count\":37,\"baseline\":2.1}"),
            ),
        ],
        audit_filter: AuditFilterView::default(),
        audit_older: Some("0193b6f2-7c41-7a10-9d3e-5f1c2a9b8e01".into()),
        audit_paged: false,
    }
}
