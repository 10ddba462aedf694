//! `GET /drafts`: the review queue, drafts of one incident together, so a
//! reviewer answers a trending topic in one sitting.

use maud::{Markup, html};

use super::draft::failure_hint;
use super::layout::page;
use super::parts::{channel_badge, draft_state_badge, firing_badge, pager};
use super::paths;
use super::view::{DraftGroupView, DraftRow, DraftState, DraftsPage, Shell};

/// The review queue page.
pub fn drafts_page(shell: &Shell, view: &DraftsPage) -> Markup {
    let first = view.paged.then(|| paths::drafts(&view.state, None));
    let next = view
        .next
        .as_deref()
        .map(|c| paths::drafts(&view.state, Some(c)));
    page(
        shell,
        "草稿审核",
        html! {
            div.page-head {
                h1 { "草稿审核" }
                p.sub { "微博和微信的官方回复须经审核后才会发布。同一事件的草稿归在一起。" }
            }
            nav.tabs {
                @for tab in &view.tabs {
                    a href=(paths::drafts(&tab.value, None)) .current[tab.value == view.state] {
                        (tab.label)
                        @if let Some(count) = tab.count { span.count { (count) } }
                    }
                }
            }
            @if view.groups.is_empty() {
                div.empty-state {
                    p { "这里没有草稿。" }
                    p.muted { "新消息到来时，规则会自动生成回复草稿，出现在这里。" }
                }
            }
            @for group in &view.groups { (group_section(group)) }
            (pager(first.as_deref(), next.as_deref()))
        },
    )
}

fn group_section(group: &DraftGroupView) -> Markup {
    html! {
        section.group {
            header.group-head {
                h2 { (group.title) }
                @if let Some(incident) = &group.incident {
                    a.num href=(paths::incident(&incident.number, None)) { "#" (incident.number) }
                    (firing_badge(incident.firing))
                    span.muted { "已关联 " strong { (incident.members) } " 条消息" }
                }
                span.spacer {}
                span.muted { "本页 " (group.drafts.len()) " 条草稿" }
            }
            (draft_table(&group.drafts))
        }
    }
}

/// The rows of drafts, shared with the incident page.
pub fn draft_table(rows: &[DraftRow]) -> Markup {
    html! {
        table.list.drafts {
            thead {
                tr {
                    th.w-ch { "渠道" }
                    th.w-st { "状态" }
                    th { "用户消息" }
                    th.w-reply { "回复草稿" }
                    th.w-n title="此回复覆盖的消息数（含近似重复）" { "覆盖" }
                    th.w-time { "时间" }
                    th.w-who { "负责人" }
                }
            }
            tbody {
                @for d in rows {
                    tr.attention[matches!(d.state, DraftState::Uncertain | DraftState::Failed { .. })] {
                        td { (channel_badge(d.channel)) }
                        td.nowrap {
                            (draft_state_badge(&d.state))
                            @if d.over_limit { " " span.badge.over title="超出渠道字数限制" { "超长" } }
                        }
                        td.excerpt {
                            a.rowlink href=(paths::draft(&d.id)) {
                                strong { (d.author) } "：" (d.first_line)
                            }
                            @if let DraftState::Failed { reason } = &d.state {
                                div.reason title=(reason) {
                                    "发布失败："
                                    (failure_hint(reason).map_or(reason.as_str(), |(title, _)| title))
                                }
                            }
                        }
                        td.excerpt.reply { (d.reply_excerpt) }
                        td.num { (d.covers) }
                        td.nowrap.t { (d.time) }
                        td.nowrap {
                            @match &d.assignee {
                                Some(who) => (who),
                                None => span.muted { "未指派" },
                            }
                        }
                    }
                }
            }
        }
    }
}
