//! `GET /admin`: who has an account or an API token, and what was done lately.

use maud::{Markup, html};

use super::layout::page;
use super::parts::{audit_trail, role_label};
use super::view::{AdminPage, Shell};

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
            section.card {
                h2 { "最近操作" }
                (audit_trail(&view.audit, true))
            }
        },
    )
}
