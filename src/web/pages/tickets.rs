//! `GET /tickets`: the email team's queue, filtered by a plain GET form
//! whose field names are the desk's `TicketQuery` (`state`, `priority`,
//! `queue`, `assignee`, `text`, `cursor`).

use maud::{Markup, html};

use super::layout::page;
use super::parts::{
    pager, person_options, priority_badge, priority_label, ticket_state_badge, ticket_state_label,
};
use super::paths;
use super::view::{Priority, Shell, TicketFilter, TicketRow, TicketState, TicketsPage};

/// The `assignee` value meaning "nobody" (the desk's `UNASSIGNED`).
const NOBODY: &str = "-";

/// The ticket queue page.
pub fn tickets_page(shell: &Shell, view: &TicketsPage) -> Markup {
    let query = view.filter.query();
    let first = view.paged.then(|| paths::tickets(&query, None));
    let next = view
        .next
        .as_deref()
        .map(|c| paths::tickets(&query, Some(c)));
    page(
        shell,
        "工单",
        html! {
            div.page-head {
                h1 { "工单" }
                p.sub { "按最近更新排序。邮件客服在这里处理来信，事件工单由话题告警自动创建。" }
            }
            (filter_bar(view))
            @if view.rows.is_empty() {
                div.empty-state {
                    p { "没有符合条件的工单。" }
                    @if !query.is_empty() { p { a href=(paths::TICKETS) { "清除筛选条件" } } }
                }
            } @else {
                (ticket_table(&view.rows))
            }
            (pager(first.as_deref(), next.as_deref()))
        },
    )
}

fn filter_bar(view: &TicketsPage) -> Markup {
    let f: &TicketFilter = &view.filter;
    html! {
        form.filters method="get" action=(paths::TICKETS) role="search" {
            label {
                span { "状态" }
                select name="state" {
                    option value="" { "全部" }
                    @for s in TicketState::ALL {
                        option value=(s.as_str()) selected[f.state == Some(s)] {
                            (ticket_state_label(s))
                        }
                    }
                }
            }
            label {
                span { "优先级" }
                select name="priority" {
                    option value="" { "全部" }
                    @for p in Priority::ALL.iter().rev() {
                        option value=(p.as_str()) selected[f.priority == Some(*p)] {
                            (priority_label(*p))
                        }
                    }
                }
            }
            label {
                span { "队列" }
                select name="queue" {
                    option value="" { "全部" }
                    @for q in &view.queues {
                        option value=(q) selected[f.queue.as_deref() == Some(q.as_str())] { (q) }
                    }
                }
            }
            label {
                span { "负责人" }
                select name="assignee" {
                    option value="" { "全部" }
                    option value=(NOBODY) selected[f.assignee.as_deref() == Some(NOBODY)] {
                        "未指派"
                    }
                    (person_options(&view.assignees, f.assignee.as_deref()))
                }
            }
            label.grow {
                span { "关键词" }
                input type="search" name="text" value=[f.text.as_deref()]
                    placeholder="工单号、标题或客户";
            }
            button.primary type="submit" { "筛选" }
            a.reset href=(paths::TICKETS) { "清除" }
        }
    }
}

/// The ticket rows, shared with the search page.
pub fn ticket_table(rows: &[TicketRow]) -> Markup {
    html! {
        table.list.tickets {
            thead {
                tr {
                    th.w-num { "编号" }
                    th { "标题" }
                    th.w-req { "客户" }
                    th.w-q { "队列" }
                    th.w-prio { "优先级" }
                    th.w-st { "状态" }
                    th.w-who { "负责人" }
                    th.w-time { "更新时间" }
                }
            }
            tbody {
                @for t in rows {
                    tr class={ "prio-row-" (t.priority.as_str()) } {
                        td.nowrap { a.num href=(paths::ticket(&t.number)) { (t.number) } }
                        td.excerpt {
                            a.rowlink href=(paths::ticket(&t.number)) {
                                @if t.incident { span.badge.incident { "事件" } " " }
                                (t.title)
                            }
                            @if t.messages > 1 { " " span.count title="消息数" { (t.messages) } }
                        }
                        td.nowrap.clip-text { (t.requester) }
                        td.nowrap { (t.queue) }
                        td { (priority_badge(t.priority)) }
                        td { (ticket_state_badge(t.state)) }
                        td.nowrap {
                            @match &t.assignee { Some(a) => (a), None => span.muted { "未指派" } }
                        }
                        td.nowrap.t { (t.updated) }
                    }
                }
            }
        }
    }
}
