//! Pieces several pages share: the CSRF field, badges with their Chinese
//! labels, a message card, the audit trail, the pager.

use maud::{Markup, html};

use super::view::{
    AttachmentRow, AuditRow, Channel, DetailsView, DraftState, MessageRow, MessageView, Person,
    Priority, Role, TicketState,
};
use crate::web::CSRF_FIELD;

/// The hidden `_csrf` input every POST form carries; the guard refuses a
/// session's POST without it.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

/// 微博 / 微信 / 邮件.
pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Weibo => "微博",
        Channel::Wechat => "微信",
        Channel::Email => "邮件",
    }
}

/// A coloured channel tag.
pub fn channel_badge(channel: Channel) -> Markup {
    html! { span class={ "badge ch-" (channel.as_str()) } { (channel_label(channel)) } }
}

/// The Chinese name of a draft state (without a failure's reason).
pub fn draft_state_label(state: &DraftState) -> &'static str {
    match state {
        DraftState::Proposed => "待审",
        DraftState::Edited => "已编辑",
        DraftState::Approved => "已批准",
        DraftState::Sending => "发送中",
        DraftState::Sent => "已发送",
        DraftState::Failed { .. } => "失败",
        DraftState::Uncertain => "不确定",
        DraftState::Rejected { .. } => "已驳回",
    }
}

/// A draft state tag; a failure or rejection carries its reason as a tooltip.
pub fn draft_state_badge(state: &DraftState) -> Markup {
    let reason = match state {
        DraftState::Failed { reason } | DraftState::Rejected { reason } => Some(reason.as_str()),
        _ => None,
    };
    html! {
        span class={ "badge st-" (state.name()) } title=[reason] { (draft_state_label(state)) }
    }
}

/// The Chinese name of a ticket state.
pub fn ticket_state_label(state: TicketState) -> &'static str {
    match state {
        TicketState::New => "新建",
        TicketState::Open => "处理中",
        TicketState::Pending => "等待回复",
        TicketState::Resolved => "已解决",
        TicketState::Closed => "已关闭",
    }
}

/// A ticket state tag.
pub fn ticket_state_badge(state: TicketState) -> Markup {
    html! { span class={ "badge ts-" (state.as_str()) } { (ticket_state_label(state)) } }
}

/// The Chinese name of a priority.
pub fn priority_label(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "低",
        Priority::Normal => "普通",
        Priority::High => "高",
        Priority::Urgent => "紧急",
    }
}

/// A priority tag; normal is plain text so the urgent ones stand out.
pub fn priority_badge(priority: Priority) -> Markup {
    html! { span class={ "prio prio-" (priority.as_str()) } { (priority_label(priority)) } }
}

/// 告警中 / 已平息.
pub fn firing_badge(firing: bool) -> Markup {
    if firing {
        html! { span class="badge firing" { span.dot {} "告警中" } }
    } else {
        html! { span class="badge calm" { "已平息" } }
    }
}

/// The Chinese name of a role.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Reviewer => "审核员",
        Role::Agent => "客服",
        Role::Admin => "管理员",
    }
}

/// `<option>`s of `people`, `selected` preselected.
pub fn person_options(people: &[Person], selected: Option<&str>) -> Markup {
    html! {
        @for p in people {
            option value=(p.name) selected[selected == Some(p.name.as_str())] { (p.display_name) }
        }
    }
}

/// The display name of login `name` among `people`, or the name itself
/// (a removed account, `system:…`).
pub fn display_name<'a>(people: &'a [Person], name: &'a str) -> &'a str {
    people
        .iter()
        .find(|p| p.name == name)
        .map_or(name, |p| p.display_name.as_str())
}

/// `1.2 MB`, `35 KB`, `812 B`.
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * 1024;
    // One decimal is enough to tell a screenshot from a scanned PDF.
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= KB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{bytes} B")
    }
}

/// The Chinese label of an audit action id; unknown ids are shown as they are.
pub fn action_label(action: &str) -> &str {
    match action {
        "draft.proposed" => "生成草稿",
        "draft.edited" => "编辑",
        "draft.approved" => "批准",
        "draft.rejected" => "驳回",
        "draft.reassigned" => "改派",
        "draft.sending" => "开始发送",
        "draft.sent" => "已发布",
        "draft.failed" => "发送失败",
        "draft.uncertain" => "发送结果不确定",
        "draft.resolved" => "人工确认",
        "draft.retry" => "稍后重试",
        "ticket.opened" => "创建工单",
        "ticket.reopened" => "重新打开",
        "ticket.state" => "更改状态",
        "ticket.assigned" => "指派",
        "ticket.replied" => "邮件回复",
        "note.added" => "添加备注",
        "incident.opened" => "事件告警",
        "incident.topic_resolved" => "事件平息",
        "incident.new_topic" => "发现新话题",
        "digest.opened" => "每日摘要",
        "auth.login" => "登录",
        "auth.login_failed" => "登录失败",
        "auth.logout" => "退出",
        other => other,
    }
}

/// The audit trail as a table: who, when, what, before → after; with
/// `subjects`, also what each entry concerns.
pub fn audit_trail(rows: &[AuditRow], subjects: bool) -> Markup {
    html! {
        @if rows.is_empty() {
            p.empty { "暂无操作记录。" }
        } @else {
            table.audit {
                thead {
                    tr {
                        th.w-when { "时间" }
                        th.w-actor { "操作人" }
                        @if subjects { th.w-subj { "对象" } }
                        th.w-act { "操作" }
                        th { "变更" }
                    }
                }
                tbody {
                    @for row in rows {
                        tr {
                            td.t.nowrap { (row.time) }
                            td.nowrap.clip-text title=(row.actor) { (row.actor) }
                            @if subjects {
                                td.nowrap.clip-text title=(row.subject) {
                                    @match subject_link(row) {
                                        Some(href) => a href=(href) { code.id { (row.subject) } },
                                        None => code.id { (row.subject) },
                                    }
                                }
                            }
                            td.nowrap.clip-text title=(row.action) {
                                (action_label(&row.action))
                                " " code.id { (row.action) }
                            }
                            td.change {
                                @if let Some(before) = &row.before {
                                    span.before { (before) }
                                    span.arrow { " → " }
                                }
                                @if let Some(after) = &row.after { span.after { (after) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where an audit entry's subject is shown: a draft's or a ticket's page.
fn subject_link(row: &AuditRow) -> Option<String> {
    let kind = row.action.split('.').next().unwrap_or_default();
    match kind {
        "draft" => Some(super::paths::draft(&row.subject)),
        "ticket" | "note" | "incident" | "digest" => Some(super::paths::ticket(&row.subject)),
        _ => None,
    }
}

/// A message in full: header, text, folded quotes, attachments, details.
pub fn message_card(message: &MessageView) -> Markup {
    html! {
        article.msg id={ "m-" (message.id) } {
            header.msg-head {
                (channel_badge(message.channel))
                strong.author { (message.author) }
                @if message.author_id != message.author {
                    span.author-id { (message.author_id) }
                }
                @if let Some(kind) = &message.mail_kind { span.badge.muted { (kind) } }
                span.spacer {}
                @if let Some(ticket) = &message.ticket {
                    a.ticket-link href=(super::paths::ticket(ticket)) { "#" (ticket) }
                }
                time { (message.time) }
            }
            @if let Some(subject) = &message.subject { h3.subject { (subject) } }
            div.msg-text { (message.text) }
            @if let Some(quoted) = &message.quoted {
                details.quoted {
                    summary { "引用的历史内容（" (quoted.lines().count()) " 行）" }
                    div.quoted-text { (quoted) }
                }
            }
            @if !message.attachments.is_empty() { (attachments(&message.attachments)) }
            @if !message.details.is_empty() { (details(&message.details)) }
        }
    }
}

fn attachments(rows: &[AttachmentRow]) -> Markup {
    html! {
        ul.attachments {
            @for a in rows {
                li {
                    span.clip { "附件" }
                    span.fname { (a.name) }
                    span.muted { (a.mime_type) " · " (human_size(a.size)) }
                    @if let Some(missing) = &a.missing { span.warn { "未保存：" (missing) } }
                }
            }
        }
    }
}

/// The extracted details as labelled chips; masked numbers stay masked.
pub fn details(d: &DetailsView) -> Markup {
    let rows: [(&str, &Vec<String>, bool); 7] = [
        ("订单号", &d.order_numbers, true),
        ("金额", &d.amounts, false),
        ("日期", &d.dates, false),
        ("时间", &d.times, false),
        ("手机号", &d.phones, true),
        ("银行卡", &d.bank_cards, true),
        ("对方账户", &d.accounts, true),
    ];
    html! {
        dl.details {
            @if let Some(category) = &d.category {
                div { dt { "分类" } dd { span.chip { (category) } } }
            }
            @for (label, values, mono) in rows {
                @if !values.is_empty() {
                    div {
                        dt { (label) }
                        dd { @for v in values { span.chip.mono[mono] { (v) } } }
                    }
                }
            }
        }
    }
}

/// A compact table of messages (covered messages, incident members, hits).
pub fn message_table(rows: &[MessageRow]) -> Markup {
    html! {
        table.list.messages {
            thead {
                tr {
                    th.w-ch { "渠道" }
                    th.w-author { "作者" }
                    th { "内容" }
                    th.w-time { "时间" }
                    th.w-num { "工单" }
                }
            }
            tbody {
                @for m in rows {
                    tr {
                        td { (channel_badge(m.channel)) }
                        td.nowrap.clip-text { (m.author) }
                        td.excerpt {
                            @if let Some(subject) = &m.subject { strong { (subject) } " — " }
                            (m.excerpt)
                        }
                        td.nowrap.t { (m.time) }
                        td.nowrap {
                            @if let Some(t) = &m.ticket { a.num href=(super::paths::ticket(t)) { (t) } }
                        }
                    }
                }
            }
        }
    }
}

/// "← 第一页 · 下一页 →" under a list.
pub fn pager(first: Option<&str>, next: Option<&str>) -> Markup {
    html! {
        @if first.is_some() || next.is_some() {
            nav.pager {
                @if let Some(first) = first { a href=(first) { "← 回到第一页" } }
                @if let Some(next) = next { a.next href=(next) { "下一页 →" } }
            }
        }
    }
}
