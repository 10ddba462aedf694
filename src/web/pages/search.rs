//! `GET /search?q=&kind=`: one box for a ticket number, an order or trade
//! number, or an author; results as tickets and messages.

use maud::{Markup, html};

use super::layout::page;
use super::parts::channel_badge;
use super::paths;
use super::tickets::ticket_table;
use super::view::{MessageHitRow, SearchPage, Shell};

/// The search page, empty or with results.
pub fn search_page(shell: &Shell, view: &SearchPage) -> Markup {
    let kinds = [
        ("", "全部"),
        ("ticket", "工单号"),
        ("order", "订单号"),
        ("author", "作者"),
    ];
    let kind = view.kind.as_deref().unwrap_or("");
    let searched = !view.q.trim().is_empty();
    page(
        shell,
        "搜索",
        html! {
            div.page-head { h1 { "搜索" } }
            form.searchbox method="get" action=(paths::SEARCH) role="search" {
                label.sr-only for="q" { "搜索内容" }
                input #q type="search" name="q" value=(view.q) autofocus[!searched]
                    placeholder="工单号 20261212-000042、订单号 2026121222001…、作者昵称或邮箱";
                select name="kind" aria-label="搜索范围" {
                    @for (value, label) in kinds {
                        option value=(value) selected[value == kind] { (label) }
                    }
                }
                button.primary type="submit" { "搜索" }
            }
            @if !searched {
                p.hint {
                    "工单号可只输入日期前缀（如 20261212-）；订单号和作者按前缀匹配，不区分大小写。"
                }
            } @else if view.tickets.is_empty() && view.messages.is_empty() {
                div.empty-state { p { "没有找到与 “" (view.q) "” 相关的工单或消息。" } }
            } @else {
                section.card {
                    h2 { "工单" span.muted.small { " · " (view.tickets.len()) } }
                    @if view.tickets.is_empty() { p.empty { "没有匹配的工单。" } }
                    @else { (ticket_table(&view.tickets)) }
                }
                section.card {
                    h2 { "消息" span.muted.small { " · " (view.messages.len()) } }
                    @if view.messages.is_empty() { p.empty { "没有匹配的消息。" } }
                    @else { (hit_table(&view.messages)) }
                }
            }
        },
    )
}

fn hit_table(hits: &[MessageHitRow]) -> Markup {
    html! {
        table.list.messages {
            thead {
                tr {
                    th.w-ch { "渠道" }
                    th.w-match { "匹配" }
                    th.w-author { "作者" }
                    th { "内容" }
                    th.w-time { "时间" }
                    th.w-num { "工单" }
                }
            }
            tbody {
                @for hit in hits {
                    @let m = &hit.message;
                    tr {
                        td { (channel_badge(m.channel)) }
                        td.nowrap.clip-text title=(hit.term) {
                            span.muted {
                                @match hit.matched.as_str() {
                                    "order" => "订单号",
                                    "author" => "作者",
                                    other => (other),
                                }
                            }
                            " " code.id { (hit.term) }
                        }
                        td.nowrap.clip-text { (m.author) }
                        td.excerpt {
                            @if let Some(subject) = &m.subject { strong { (subject) } " — " }
                            (m.excerpt)
                        }
                        td.nowrap.t { (m.time) }
                        td.nowrap {
                            @if let Some(t) = &m.ticket { a.num href=(paths::ticket(t)) { (t) } }
                        }
                    }
                }
            }
        }
    }
}
