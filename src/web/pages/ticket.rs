//! `GET /tickets/{number}`: one ticket with its whole thread, and the
//! agent's forms. They post to `paths::ticket_action(number, …)` with the
//! desk's field names: `state` + `expected` (the state the page showed, so
//! a stale page cannot undo a colleague's change), `assignee` (empty for
//! nobody), `body` (a note or a reply).

use maud::{Markup, html};

use super::layout::page;
use super::parts::{
    audit_trail, channel_badge, csrf_field, display_name, firing_badge, message_card,
    person_options, priority_badge, ticket_state_badge, ticket_state_label,
};
use super::paths;
use super::view::{
    Channel, NoteView, OutgoingView, Permission, Shell, ThreadItem, TicketPage, TicketState,
};

/// The ticket page.
pub fn ticket_page(shell: &Shell, view: &TicketPage) -> Markup {
    let can_work = shell.user.can(Permission::WorkTickets);
    page(
        shell,
        &format!("#{} {}", view.number, view.title),
        html! {
            div.page-head {
                div.crumbs { a href=(paths::TICKETS) { "工单" } " / " span.num { "#" (view.number) } }
                h1 { (view.title) }
                div.head-badges {
                    (channel_badge(view.channel))
                    (ticket_state_badge(view.state))
                    (priority_badge(view.priority))
                    span.muted { "客户 " strong { (view.requester) } }
                    @if let Some(incident) = &view.incident {
                        a.num href=(paths::incident(&incident.number, None)) { "事件详情" }
                        (firing_badge(incident.firing))
                    }
                }
            }
            div.split {
                div.col-main {
                    section.thread {
                        @if view.omitted > 0 {
                            p.omitted { "更早的 " (view.omitted) " 条消息未显示。" }
                        }
                        @for item in &view.thread { (thread_item(item)) }
                    }
                    @if can_work {
                        (reply_form(shell, view))
                        (note_form(shell, view))
                    }
                }
                aside.col-side.sticky {
                    (properties(view))
                    @if can_work {
                        (state_form(shell, view))
                        (assign_form(shell, view))
                    } @else {
                        p.muted.small { "您的角色只能查看工单。" }
                    }
                }
            }
            section.card {
                h2 { "操作记录" }
                (audit_trail(&view.audit, false))
            }
        },
    )
}

fn thread_item(item: &ThreadItem) -> Markup {
    match item {
        ThreadItem::Message(message) => message_card(message),
        ThreadItem::Note(note) => note_card(note),
        ThreadItem::Outgoing(mail) => outgoing_card(mail),
    }
}

fn note_card(note: &NoteView) -> Markup {
    html! {
        article.note {
            header.msg-head {
                span.badge.note-tag { @if note.internal { "内部备注" } @else { "备注" } }
                strong.author { (note.author) }
                span.spacer {}
                time { (note.time) }
            }
            div.msg-text { (note.body) }
        }
    }
}

fn outgoing_card(mail: &OutgoingView) -> Markup {
    let state = match mail.state.as_str() {
        "pending" => "待发送",
        "sending" => "发送中",
        "sent" => "已发送",
        "failed" => "发送失败",
        "uncertain" => "不确定",
        other => other,
    };
    html! {
        article.msg.outgoing {
            header.msg-head {
                span.badge.out-tag { "我方回复" }
                strong.author { (mail.author) }
                span.muted { "→ " (mail.to) }
                span.spacer {}
                span class={ "badge ob-" (mail.state) } { (state) }
                time { (mail.time) }
            }
            h3.subject { (mail.subject) }
            div.msg-text { (mail.body) }
            @if let Some(error) = &mail.error { p.problem { (error) } }
        }
    }
}

fn reply_form(shell: &Shell, view: &TicketPage) -> Markup {
    if view.channel != Channel::Email {
        return html! {};
    }
    html! {
        section.card.compose {
            h2 { "邮件回复客户" }
            @if view.mail_enabled {
                form method="post" action=(paths::ticket_action(&view.number, "reply"))
                    data-confirm={ "确认发送这封邮件给 " (view.requester) "？发出后无法撤回。" } {
                    (csrf_field(&shell.csrf))
                    dl.mailhead {
                        dt { "收件人" } dd { (view.requester) }
                        dt { "主题" } dd { (view.reply_subject) }
                    }
                    label.sr-only for="reply-body" { "回复内容" }
                    textarea #reply-body name="body" rows="6" required
                        placeholder="写给客户的回复，会作为邮件发出，并带上工单号以便对方回信时归入本工单。" {}
                    div.form-foot { button.primary type="submit" { "发送回复" } }
                }
            } @else {
                p.muted { "未配置外发邮件（omnilisten.toml 的 [smtp]），暂时无法从这里回复。" }
            }
        }
    }
}

fn note_form(shell: &Shell, view: &TicketPage) -> Markup {
    html! {
        section.card.compose.note-compose {
            h2 { "内部备注" span.muted.small { " · 仅团队可见，不会发给客户" } }
            form method="post" action=(paths::ticket_action(&view.number, "notes")) {
                (csrf_field(&shell.csrf))
                label.sr-only for="note-body" { "备注内容" }
                textarea #note-body name="body" rows="3" required
                    placeholder="例如：已联系商户核实退款进度" {}
                div.form-foot { button type="submit" { "添加备注" } }
            }
        }
    }
}

fn properties(view: &TicketPage) -> Markup {
    html! {
        section.card {
            h2 { "工单信息" }
            dl.facts {
                dt { "编号" } dd { span.num { (view.number) } }
                dt { "状态" } dd { (ticket_state_badge(view.state)) }
                dt { "优先级" } dd { (priority_badge(view.priority)) }
                dt { "队列" } dd { (view.queue) }
                dt { "客户" } dd.clip-text { (view.requester) }
                dt { "负责人" }
                dd {
                    @match &view.assignee {
                        Some(a) => (display_name(&view.agents, a)),
                        None => span.muted { "未指派" },
                    }
                }
                dt { "创建于" } dd { (view.created) }
                dt { "更新于" } dd { (view.updated) }
            }
        }
    }
}

fn state_form(shell: &Shell, view: &TicketPage) -> Markup {
    let next: Vec<TicketState> = TicketState::ALL
        .into_iter()
        .filter(|to| view.state.can_move_to(*to))
        .collect();
    html! {
        section.card {
            h2 { "更改状态" }
            @if next.is_empty() {
                p.muted.small { "已关闭的工单不能再更改状态。" }
            } @else {
                form.inline method="post" action=(paths::ticket_action(&view.number, "state")) {
                    (csrf_field(&shell.csrf))
                    input type="hidden" name="expected" value=(view.state.as_str());
                    label.sr-only for="state" { "新状态" }
                    select #state name="state" required {
                        // No preselected state: a stray click on 更改 changes nothing.
                        option value="" disabled selected { "选择新状态…" }
                        @for s in &next { option value=(s.as_str()) { (ticket_state_label(*s)) } }
                    }
                    button type="submit" { "更改" }
                }
            }
        }
    }
}

fn assign_form(shell: &Shell, view: &TicketPage) -> Markup {
    html! {
        section.card {
            h2 { "指派" }
            form.inline method="post" action=(paths::ticket_action(&view.number, "assign")) {
                (csrf_field(&shell.csrf))
                label.sr-only for="assignee" { "负责人" }
                select #assignee name="assignee" {
                    option value="" selected[view.assignee.is_none()] { "未指派" }
                    (person_options(&view.agents, view.assignee.as_deref()))
                }
                button type="submit" { "指派" }
            }
        }
    }
}
