//! `GET /incidents` and `GET /incidents/{number}`: trending topics, why
//! they fired, their volume per minute (inline SVG, no script), their
//! member messages and their drafts.

use maud::{Markup, PreEscaped, html};

use super::drafts::draft_table;
use super::layout::page;
use super::parts::{firing_badge, message_table, pager, ticket_state_badge};
use super::paths;
use super::view::{IncidentPage, IncidentsPage, Shell};

/// The incident list.
pub fn incidents_page(shell: &Shell, view: &IncidentsPage) -> Markup {
    let next = view.next.as_deref().map(paths::incidents);
    page(
        shell,
        "事件",
        html! {
            div.page-head {
                h1 { "事件" }
                p.sub {
                    "某个话题的独立作者数明显高于基线时，系统会开一个事件工单，并为相似消息起草统一回复。"
                }
            }
            @if view.incidents.is_empty() {
                div.empty-state { p { "目前没有事件。" } }
            } @else {
                table.list.incidents {
                    thead {
                        tr {
                            th.w-st { "状态" }
                            th { "话题" }
                            th.w-datetime { "开始" }
                            th.w-datetime { "告警" }
                            th.w-n { "消息" }
                            th.w-n { "草稿" }
                            th.w-spark { "最近一小时" }
                        }
                    }
                    tbody {
                        @for row in &view.incidents {
                            tr.attention[row.firing] {
                                td { (firing_badge(row.firing)) }
                                td {
                                    a.rowlink href=(paths::incident(&row.number, None)) {
                                        strong { (row.title) }
                                    }
                                    " " span.num.muted { "#" (row.number) }
                                }
                                td.nowrap.t { (row.onset) }
                                td.nowrap.t { (row.fired) }
                                td.num { (row.members) }
                                td.num { (row.drafts) }
                                td { (sparkline(&row.last_hour)) }
                            }
                        }
                    }
                }
            }
            (pager(None, next.as_deref()))
        },
    )
}

/// One incident.
pub fn incident_page(shell: &Shell, view: &IncidentPage) -> Markup {
    let next = view
        .members_next
        .as_deref()
        .map(|c| paths::incident(&view.number, Some(c)));
    let first = paths::incident(&view.number, None);
    let drafts_next = view
        .drafts_next
        .as_deref()
        .map(|c| paths::incident_drafts(&view.number, c));
    page(
        shell,
        &view.title,
        html! {
            div.page-head {
                div.crumbs { a href=(paths::INCIDENTS) { "事件" } " / " span.num { "#" (view.number) } }
                h1 { (view.title) }
                div.head-badges {
                    (firing_badge(view.firing))
                    (ticket_state_badge(view.ticket_state))
                    a.num href=(paths::ticket(&view.number)) { "工单 #" (view.number) }
                    span.muted { "话题 " code.id { (view.topic) } }
                }
            }
            (stats(view))
            section.card {
                @let per_minute = view.baseline / view.window_minutes.max(1) as f64;
                div.chart-head {
                    h2 { "每分钟独立作者数" }
                    @if let Some(at) = &view.chart_as_of {
                        // Message time: a replayed or delayed stream is drawn when it happened.
                        span.muted.small title="按消息发出的时间统计" { "截至 " (at) }
                    }
                    span.legend {
                        span.swatch.hot {} "明显高于基线"
                        span.swatch {} "其他"
                        span.dash {} "基线 " (format!("{per_minute:.2}")) " 人/分钟"
                    }
                }
                (minute_chart(&view.per_minute, per_minute))
            }
            section.card #drafts {
                h2 { "草稿" span.muted.small { " · 共 " (view.drafts_total) " 条，最新的在前" } }
                @if view.drafts.is_empty() {
                    p.empty { "还没有为这个事件生成草稿。" }
                } @else {
                    (draft_table(&view.drafts))
                }
                (pager(view.drafts_paged.then_some(first.as_str()), drafts_next.as_deref()))
            }
            section.card #members {
                h2 { "关联消息" span.muted.small { " · 共 " (view.members_total) " 条，最新的在前" } }
                (message_table(&view.members))
                (pager(view.members_paged.then_some(first.as_str()), next.as_deref()))
            }
        },
    )
}

fn stats(view: &IncidentPage) -> Markup {
    html! {
        div.stats {
            div.stat { span.k { "开始" } span.v { (view.onset) } }
            div.stat { span.k { "告警" } span.v { (view.fired) } }
            div.stat {
                span.k { "平息" }
                span.v { @match &view.resolved { Some(at) => (at), None => "—" } }
            }
            div.stat {
                span.k { (view.window_minutes) " 分钟内独立作者" }
                span.v {
                    strong { (view.count) } " 人"
                    span.muted { " / 基线 " (format!("{:.1}", view.baseline)) }
                }
            }
            div.stat { span.k { "p 值" } span.v { (p_value(view.p_value)) } }
        }
    }
}

/// `p < 10⁻¹²`, `3.2 × 10⁻⁹`, `0.004`: small enough to read at a glance.
pub fn p_value(p: f64) -> String {
    if !p.is_finite() || p <= 0.0 || p < 1e-12 {
        return "< 10⁻¹²".to_string();
    }
    if p >= 0.001 {
        return format!("{p:.3}");
    }
    let exponent = p.log10().floor() as i32;
    let mantissa = p / 10f64.powi(exponent);
    format!("{mantissa:.1} × 10{}", superscript(exponent))
}

fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// Bars of unique authors per minute with the baseline as a dashed line;
/// each bar's `<title>` is its tooltip, so no script is needed.
pub fn minute_chart(points: &[(String, u32)], baseline_per_minute: f64) -> Markup {
    const W: f64 = 1000.0;
    const H: f64 = 150.0;
    const LEFT: f64 = 36.0;
    const BOTTOM: f64 = 22.0;
    const TOP: f64 = 8.0;
    if points.is_empty() {
        return html! { p.empty { "暂无数据。" } };
    }
    let max = points
        .iter()
        .map(|(_, n)| f64::from(*n))
        .fold(baseline_per_minute.ceil(), f64::max)
        .max(1.0);
    let plot_h = H - BOTTOM - TOP;
    let slot = (W - LEFT) / points.len() as f64;
    let y = |v: f64| TOP + plot_h - v / max * plot_h;
    // At most ~10 time labels, whatever the number of minutes.
    let label_every = points.len().div_ceil(10).max(1);
    let baseline_y = y(baseline_per_minute);
    // "Clearly above": three times the baseline, and at least three people,
    // so a quiet topic's one-author minutes stay grey.
    let hot = (baseline_per_minute * 3.0).max(3.0);
    html! {
        svg.chart viewBox={ "0 0 " (W) " " (H) } role="img"
            aria-label={ "每分钟独立作者数，共 " (points.len()) " 分钟，最高 " (max) " 人" } {
            line.axis x1=(LEFT) y1=(TOP + plot_h) x2=(W) y2=(TOP + plot_h) {}
            text.ylabel x=(LEFT - 6.0) y=(TOP + 10.0) text-anchor="end" { (max) }
            text.ylabel x=(LEFT - 6.0) y=(TOP + plot_h) text-anchor="end" { "0" }
            @for (i, (label, n)) in points.iter().enumerate() {
                @let x = LEFT + i as f64 * slot;
                @let top = y(f64::from(*n));
                rect.bar.hot[f64::from(*n) >= hot]
                    x=(format!("{:.1}", x + 1.0)) y=(format!("{top:.1}"))
                    width=(format!("{:.1}", (slot - 2.0).max(1.0)))
                    height=(format!("{:.1}", TOP + plot_h - top)) {
                    title { (label) " · " (n) " 人" }
                }
                @if i % label_every == 0 {
                    text.xlabel x=(format!("{:.1}", x + slot / 2.0)) y=(H - 6.0) text-anchor="middle" {
                        (label)
                    }
                }
            }
            @if baseline_per_minute > 0.0 {
                @let at = format!("{baseline_y:.1}");
                line.baseline x1=(LEFT) y1=(at) x2=(W) y2=(at) {}
            }
        }
    }
}

/// A 120×24 bar sparkline for list rows.
pub fn sparkline(values: &[u32]) -> Markup {
    if values.is_empty() {
        return html! { span.muted { "—" } };
    }
    let max = values.iter().copied().max().unwrap_or(1).max(1) as f64;
    let slot = 120.0 / values.len() as f64;
    let mut bars = String::new();
    for (i, v) in values.iter().enumerate() {
        let h = (f64::from(*v) / max * 22.0).max(if *v > 0 { 1.0 } else { 0.0 });
        bars.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}"></rect>"#,
            i as f64 * slot,
            24.0 - h,
            (slot - 0.5).max(0.5)
        ));
    }
    html! {
        // Built as a string: sixty numeric rects, nothing user-supplied.
        svg.spark viewBox="0 0 120 24" width="120" height="24" aria-hidden="true" { (PreEscaped(bars)) }
    }
}
