//! `GET /drafts/{id}`: one draft, what it answers, and everything a
//! reviewer does with it: edit (with the channel's length counter),
//! approve, reject, reassign, and settle a send nobody is sure of.
//!
//! Forms post to `paths::draft_action(id, …)`; the field names are the
//! desk's: `body` + `expected_updated_at` (edit), `reason` (reject),
//! `assignee` (reassign, empty for nobody), `resolution` = `published` |
//! `not_published` (resolve).

use maud::{Markup, html};

use super::layout::page;
use super::parts::{
    audit_trail, channel_badge, channel_label, csrf_field, display_name, draft_state_badge,
    firing_badge, message_card, message_table, person_options,
};
use super::paths;
use super::view::{Channel, DraftPage, DraftState, LimitUnit, LimitView, Permission, Shell};

/// The review page of one draft.
pub fn draft_page(shell: &Shell, view: &DraftPage) -> Markup {
    let title = match &view.target {
        Some(target) => format!("回复 {} 的{}", target.author, channel_label(view.channel)),
        None => format!("{}回复草稿", channel_label(view.channel)),
    };
    page(
        shell,
        &title,
        html! {
            div.page-head {
                div.crumbs { a href=(paths::DRAFTS) { "草稿审核" } " / " code.id { (view.id) } }
                h1 { (title) }
                div.head-badges {
                    (channel_badge(view.channel))
                    (draft_state_badge(&view.state))
                    @if let Some(incident) = &view.incident {
                        a.num href=(paths::incident(&incident.number, None)) {
                            "#" (incident.number) " " (incident.title)
                        }
                        (firing_badge(incident.firing))
                    }
                }
            }
            (state_banner(shell, view))
            div.split {
                div.col-main {
                    section.card {
                        h2 { "用户消息" }
                        @match &view.target {
                            Some(target) => (message_card(target)),
                            None => p.empty { "原消息已不在存储中。" },
                        }
                    }
                    (covered_section(view))
                }
                aside.col-side {
                    (reply_section(shell, view))
                    (facts(view))
                    @if shell.user.can(Permission::EditDrafts) { (reassign_form(shell, view)) }
                }
            }
            section.card {
                h2 { "操作记录" }
                (audit_trail(&view.audit, false))
            }
        },
    )
}

/// The banner over the page for a draft that needs a decision or failed.
fn state_banner(shell: &Shell, view: &DraftPage) -> Markup {
    match &view.state {
        DraftState::Failed { reason } => html! {
            div.banner.err role="alert" {
                strong { "发布失败" }
                @if let Some((title, advice)) = failure_hint(reason) {
                    " — " strong { (title) }
                    p { (advice) }
                }
                p.tech { "渠道返回：" code { (reason) } }
            }
        },
        DraftState::Uncertain => uncertain_banner(shell, view),
        DraftState::Rejected { reason } => html! {
            div.banner.muted { strong { "已驳回" } "：" (reason) }
        },
        DraftState::Approved | DraftState::Sending => html! {
            div.banner.info {
                strong { "已批准，等待发布" }
                @if let Some(error) = &view.last_error {
                    p { "上次尝试未成功（未发布任何内容），将自动重试"
                        @if let Some(at) = &view.next_attempt { "，下次 " (at) } "。" }
                    p.tech { code { (error) } }
                }
            }
        },
        DraftState::Sent => html! {
            div.banner.ok {
                strong { "已发布" }
                @if let Some(at) = &view.sent_at { " · " (at) }
            }
        },
        DraftState::Proposed | DraftState::Edited => html! {},
    }
}

fn uncertain_banner(shell: &Shell, view: &DraftPage) -> Markup {
    let channel = channel_label(view.channel);
    let action = paths::draft_action(&view.id, "resolve");
    html! {
        div.banner.warn role="alert" {
            strong { "发送结果不确定，需要人工确认" }
            p {
                "系统已把这条回复交给" (channel) "，但没有收到确认（网络中断或服务重启）。"
                "它可能已经发布，也可能没有。为避免重复发布，系统不会自动重试。"
            }
            p { "请先到" (channel) "上查看这条回复是否已经出现，再选择：" }
            @if let Some(error) = &view.last_error { p.tech { code { (error) } } }
            @if shell.user.can(Permission::ResolveUncertain) {
                div.actions {
                    form method="post" action=(action)
                        data-confirm={ "确认这条回复已在" (channel) "上发布？草稿将标记为已发送。" } {
                        (csrf_field(&shell.csrf))
                        input type="hidden" name="resolution" value="published";
                        button.primary type="submit" { "已确认发布" }
                    }
                    form method="post" action=(action)
                        data-confirm={
                            "确认" (channel) "上没有这条回复？草稿将标记为失败，之后可以重新批准。"
                        } {
                        (csrf_field(&shell.csrf))
                        input type="hidden" name="resolution" value="not_published";
                        button type="submit" { "确认未发布" }
                    }
                }
            } @else {
                p.muted { "只有审核员和管理员可以确认。" }
            }
        }
    }
}

/// A reviewer's reading of a channel refusal, by the error code in the reason.
pub fn failure_hint(reason: &str) -> Option<(&'static str, &'static str)> {
    const HINTS: [(&str, &str, &str); 11] = [
        (
            "20019",
            "重复内容",
            "微博拒绝了与本账号近期评论相同的文字。请修改措辞、保存后重新批准。",
        ),
        (
            "20017",
            "内容相似",
            "微博认为这条回复与本账号刚发布的内容过于相似。请修改措辞、保存后重新批准。",
        ),
        (
            "20012",
            "内容超长",
            "微博评论最多 140 字。请缩短回复、保存后重新批准。",
        ),
        (
            "20101",
            "原微博已删除",
            "要回复的微博已不存在，无法评论。请驳回此草稿。",
        ),
        (
            "20201",
            "原评论已删除",
            "要回复的评论已不存在。请驳回此草稿。",
        ),
        (
            "45015",
            "超出48小时回复窗口",
            concat!(
                "用户超过 48 小时未与公众号互动（或已取消关注），客服消息无法送达。",
                "可等用户再次来信后重新批准，或驳回此草稿。"
            ),
        ),
        (
            "45047",
            "客服消息条数超限",
            "对该用户的客服消息已达上限，需等用户再次来信后才能继续回复。",
        ),
        (
            "43004",
            "用户未关注公众号",
            "用户已取消关注，无法发送客服消息。请驳回此草稿。",
        ),
        (
            "40003",
            "用户未关注公众号",
            "用户不是公众号的关注者，无法发送客服消息。请驳回此草稿。",
        ),
        (
            "45009",
            "接口调用次数已用完",
            "公众号今日的接口额度已用完，明天可重新批准。",
        ),
        (
            "人工确认未发布",
            "人工确认未发布",
            "有人核实过渠道上没有这条回复。如仍需回复，可重新批准。",
        ),
    ];
    HINTS
        .iter()
        .find(|(code, _, _)| reason.contains(code))
        .map(|(_, title, advice)| (*title, *advice))
}

fn reply_section(shell: &Shell, view: &DraftPage) -> Markup {
    let editable = matches!(view.state, DraftState::Proposed | DraftState::Edited)
        && shell.user.can(Permission::EditDrafts);
    html! {
        section.card.reply {
            h2 { "回复草稿" span.muted.small { " · 发布到 " code.id { (view.connector) } } }
            @if editable {
                (edit_form(shell, view))
            } @else {
                div.body-readonly { (view.body) }
                p.counter-static { (counter_text(&view.limit)) }
            }
            (decision_forms(shell, view))
            @if !shell.user.can(Permission::EditDrafts) {
                p.muted.small { "您的角色只能查看草稿。" }
            }
        }
    }
}

fn edit_form(shell: &Shell, view: &DraftPage) -> Markup {
    let limit = &view.limit;
    let unit = match limit.unit {
        LimitUnit::Chars => "chars",
        LimitUnit::Bytes => "bytes",
        LimitUnit::None => "none",
    };
    html! {
        form.edit method="post" action=(paths::draft_action(&view.id, "edit")) {
            (csrf_field(&shell.csrf))
            input type="hidden" name="expected_updated_at" value=(view.version);
            label.sr-only for="body" { "回复内容" }
            textarea #body name="body" rows="7" required
                data-limit-unit=(unit) data-limit-max=[limit.max] { (view.body) }
            div.edit-foot {
                output.counter.over[limit.problem.is_some()]
                    data-counter for="body" aria-live="polite" {
                    (counter_text(limit))
                }
                span.spacer {}
                button type="submit" data-save disabled[limit.problem.is_some()] { "保存" }
            }
            p.hint { (limit_rule(view.channel)) }
            p.problem data-over-hint hidden[limit.problem.is_none()] title=[limit.problem.as_deref()] {
                "超出渠道上限：保存和批准都会被拒绝，请删减后再保存。"
            }
        }
    }
}

/// Approve and reject, where the state and the role allow them.
fn decision_forms(shell: &Shell, view: &DraftPage) -> Markup {
    let can_approve = matches!(
        view.state,
        DraftState::Proposed | DraftState::Edited | DraftState::Failed { .. }
    ) && shell.user.can(Permission::ApproveDrafts);
    let can_reject = matches!(
        view.state,
        DraftState::Proposed
            | DraftState::Edited
            | DraftState::Approved
            | DraftState::Failed { .. }
    ) && shell.user.can(Permission::EditDrafts);
    let channel = channel_label(view.channel);
    let approve_label = if matches!(view.state, DraftState::Failed { .. }) {
        "重新批准发布"
    } else {
        "批准发布"
    };
    html! {
        @if can_approve {
            form.approve method="post" action=(paths::draft_action(&view.id, "approve"))
                data-confirm={ "批准后将自动发布到" (channel) "，发布后无法撤回。确认批准？" } {
                (csrf_field(&shell.csrf))
                button.primary.wide type="submit" data-approve disabled[view.limit.problem.is_some()] {
                    (approve_label)
                }
                p.hint.dirty-hint hidden data-dirty-hint {
                    "内容有未保存的修改：请先保存，批准的是已保存的版本。"
                }
            }
        }
        @if can_reject {
            details.reject {
                summary { "驳回…" }
                form method="post" action=(paths::draft_action(&view.id, "reject"))
                    data-confirm="确认驳回这条草稿？驳回后不会发布。" {
                    (csrf_field(&shell.csrf))
                    label for="reason" { "驳回原因（必填）" }
                    input #reason type="text" name="reason" required maxlength="500"
                        placeholder="例如：口径不对，需要法务确认";
                    button.danger type="submit" { "驳回" }
                }
            }
        }
    }
}

fn reassign_form(shell: &Shell, view: &DraftPage) -> Markup {
    html! {
        section.card {
            h2 { "负责人" }
            form.inline method="post" action=(paths::draft_action(&view.id, "reassign")) {
                (csrf_field(&shell.csrf))
                label.sr-only for="assignee" { "负责人" }
                select #assignee name="assignee" {
                    option value="" selected[view.assignee.is_none()] { "未指派" }
                    (person_options(&view.reviewers, view.assignee.as_deref()))
                }
                button type="submit" { "改派" }
            }
        }
    }
}

fn facts(view: &DraftPage) -> Markup {
    html! {
        section.card {
            h2 { "信息" }
            dl.facts {
                dt { "状态" } dd { (draft_state_badge(&view.state)) }
                dt { "生成于" } dd { (view.created) }
                dt { "最近修改" } dd { (view.updated) }
                @if let Some(who) = &view.approved_by {
                    dt { "批准人" } dd { (display_name(&view.reviewers, who)) }
                }
                @if let Some(at) = &view.sent_at { dt { "发布于" } dd { (at) } }
                dt { "覆盖消息" } dd { (view.covered_total) " 条" }
            }
        }
    }
}

fn covered_section(view: &DraftPage) -> Markup {
    let others = view.covered_total.saturating_sub(1);
    html! {
        section.card {
            h2 {
                "同一簇的其他消息"
                span.muted.small { " · 这条回复也代表回应了另外 " (others) " 条相似消息" }
            }
            @if view.covered.is_empty() {
                p.empty { "没有其他相似消息。" }
            } @else {
                (message_table(&view.covered))
                @if view.covered.len() < others {
                    p.muted.small { "仅显示最新 " (view.covered.len()) " 条。" }
                }
            }
        }
    }
}

/// `68 / 140 字`, `2400 / 2048 字节 · 超出 352`, `不限字数 · 420 字`;
/// app.js writes the same text as the reviewer types.
pub fn counter_text(limit: &LimitView) -> String {
    let used = limit.used;
    let (unit, max) = match (limit.unit, limit.max) {
        (LimitUnit::Chars, Some(max)) => ("字", max),
        (LimitUnit::Bytes, Some(max)) => ("字节", max),
        _ => return format!("不限字数 · {used} 字"),
    };
    if used > max {
        format!("{used} / {max} {unit} · 超出 {}", used - max)
    } else {
        format!("{used} / {max} {unit}")
    }
}

/// How the counter counts, in the words of `publish::check_length`.
fn limit_rule(channel: Channel) -> &'static str {
    match channel {
        Channel::Weibo => {
            "微博评论最多 140 字，每个字符（含标点、字母、表情）计 1 字，首尾空白不计。"
        }
        Channel::Wechat => "微信客服消息最多 2048 字节（UTF-8），一个汉字计 3 字节，首尾空白不计。",
        Channel::Email => "邮件不限字数。",
    }
}
