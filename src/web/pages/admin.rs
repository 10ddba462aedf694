//! `GET /admin`: who has an account or an API token, and what was done
//! lately across every ticket, draft and account (the audit log, filtered
//! by a plain GET form whose field names are the query's: `actor`,
//! `action`, `subject`, `before`).

use maud::{Markup, html};

use super::layout::page;
use super::parts::{audit_trail, role_label};
use super::paths;
use super::view::{AdminPage, AuditFilterView, Shell};
use crate::auth::form_encode as encode;

/// Action prefixes offered in the filter's list (any prefix may be typed).
const ACTION_PREFIXES: [(&str, &str); 7] = [
    ("draft.", "草稿"),
    ("ticket.", "工单"),
    ("note.", "备注"),
    ("incident.", "事件"),
    ("digest.", "每日摘要"),
    ("auth.login", "登录"),
    ("auth.", "登录与退出"),
];

/// The admin page.
pub fn admin_page(shell: &Shell, view: &AdminPage) -> Markup {
    page(
        shell,
        "管理",
        html! {
            div.page-head {
                h1 { "管理" }
                p.sub { "账号和 API 令牌在 omnilisten.toml 中配置，修改后需重启。这里只读。" }
            }
            div.split.even {
                section.card {
                    h2 { "账号" span.muted.small { " · " (view.users.len()) } }
                    table.list {
                        thead { tr { th { "登录名" } th { "显示名" } th { "角色" } } }
                        tbody {
                            @for u in &view.users {
                                tr {
                                    td { code.id { (u.name) } }
                                    td { (u.display_name) }
                                    td { span.role { (role_label(u.role)) } }
                                }
                            }
                        }
                    }
                }
                section.card {
                    h2 { "API 令牌" span.muted.small { " · " (view.tokens.len()) } }
                    @if view.tokens.is_empty() {
                        p.empty { "没有配置 API 令牌。" }
                    } @else {
                        table.list {
                            thead { tr { th { "名称" } th { "角色" } } }
                            tbody {
                                @for t in &view.tokens {
                                    tr {
                                        td { code.id { (t.name) } }
                                        td { span.role { (role_label(t.role)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.card #recent {
                h2 { "最近操作" }
                p.sub { "所有工单、草稿和账号的操作记录，最新的在前。" }
                (audit_filter(view))
                @if view.audit.is_empty() && view.audit_older.is_some() {
                    // The store looks at a bounded number of entries per
                    // request; a rare filter may need several pages.
                    p.empty { "这一段记录中没有符合条件的操作，点“更早”继续查找。" }
                } @else {
                    (audit_trail(&view.audit, true))
                }
                (audit_pager(view))
            }
        },
    )
}

/// The GET form over the audit log; the actor list offers the accounts.
fn audit_filter(view: &AdminPage) -> Markup {
    let f = &view.audit_filter;
    html! {
        form.filters method="get" action=(paths::ADMIN) role="search" {
            label {
                span { "操作人" }
                input type="search" name="actor" value=(f.actor) list="audit-actors"
                    placeholder="登录名或 system:…";
            }
            datalist #audit-actors {
                @for u in &view.users { option value=(u.name) { (u.display_name) } }
            }
            label {
                span { "操作" }
                input type="search" name="action" value=(f.action) list="audit-actions"
                    placeholder="如 draft. 或 ticket.state";
            }
            datalist #audit-actions {
                @for (prefix, label) in ACTION_PREFIXES { option value=(prefix) { (label) } }
            }
            label.grow {
                span { "对象" }
                input type="search" name="subject" value=(f.subject)
                    placeholder="工单号、草稿 ID 或 user:登录名（前缀）";
            }
            button.primary type="submit" { "筛选" }
            a.reset href=(paths::ADMIN) { "清除" }
        }
    }
}

/// "← 最新 · 更早 →" under the audit log.
fn audit_pager(view: &AdminPage) -> Markup {
    let newest = view
        .audit_paged
        .then(|| admin_url(&view.audit_filter, None));
    let older = view
        .audit_older
        .as_deref()
        .map(|before| admin_url(&view.audit_filter, Some(before)));
    html! {
        @if newest.is_some() || older.is_some() {
            nav.pager {
                @if let Some(newest) = newest { a href=(newest) { "← 回到最新" } }
                @if let Some(older) = older { a.next href=(older) { "更早 →" } }
            }
        }
    }
}

/// `/admin` with the filter and the cursor, at the audit log.
fn admin_url(filter: &AuditFilterView, before: Option<&str>) -> String {
    let fields = [
        ("actor", filter.actor.as_str()),
        ("action", filter.action.as_str()),
        ("subject", filter.subject.as_str()),
        ("before", before.unwrap_or_default()),
    ];
    let query: Vec<String> = fields
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    if query.is_empty() {
        format!("{}#recent", paths::ADMIN)
    } else {
        format!("{}?{}#recent", paths::ADMIN, query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_links_keep_the_filter_and_encode_it() {
        let filter = AuditFilterView {
            actor: "system:publisher".into(),
            action: "draft.".into(),
            subject: String::new(),
        };
        assert_eq!(
            admin_url(&filter, Some("0193b6f3-1d55-7c02-a1b2-7f3e4c1d0a23")),
            "/admin?actor=system%3Apublisher&action=draft.&before=0193b6f3-1d55-7c02-a1b2-7f3e4c1d0a23#recent"
        );
        assert_eq!(
            admin_url(&AuditFilterView::default(), None),
            "/admin#recent"
        );
    }
}
