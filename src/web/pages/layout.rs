//! The shell every signed-in page sits in: the top bar (product, nav, who
//! is signed in, logout), the flash area and `<main>`.

use maud::{DOCTYPE, Markup, html};

use super::parts::{csrf_field, role_label};
use super::paths;
use super::view::{Flash, FlashKind, Permission, Section, Shell};

/// The product name in the top bar and every title.
pub const PRODUCT: &str = "omnilisten 客服台";

/// A whole signed-in page: `title` goes into `<title>` and `content` into `<main>`.
pub fn page(shell: &Shell, title: &str, content: Markup) -> Markup {
    document(
        title,
        html! {
            (top_bar(shell))
            main {
                @if !shell.flashes.is_empty() { (flashes(&shell.flashes)) }
                (content)
            }
        },
    )
}

/// `<html>` with the head; the body is given. Used by the shell and by the
/// login page, which has no top bar.
pub fn document(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // Pages carry customer messages: keep them out of referrers and indexes.
                meta name="referrer" content="same-origin";
                meta name="robots" content="noindex";
                title { (title) " · " (PRODUCT) }
                link rel="stylesheet" href=(paths::CSS);
                script src=(paths::JS) defer {}
            }
            body { (body) }
        }
    }
}

fn top_bar(shell: &Shell) -> Markup {
    let user = &shell.user;
    let mut nav = vec![
        (Section::Drafts, "草稿审核", paths::DRAFTS),
        (Section::Incidents, "事件", paths::INCIDENTS),
        (Section::Tickets, "工单", paths::TICKETS),
        (Section::Search, "搜索", paths::SEARCH),
    ];
    if user.can(Permission::Admin) {
        nav.push((Section::Admin, "管理", paths::ADMIN));
    }
    html! {
        header.topbar {
            a.brand href=(paths::DRAFTS) { "omnilisten " span { "客服台" } }
            nav.mainnav {
                @for (section, label, href) in nav {
                    a href=(href) .current[section == shell.section]
                        aria-current=[(section == shell.section).then_some("page")] { (label) }
                }
            }
            div.me {
                span.who title=(user.name) { (user.display_name) }
                span.role { (role_label(user.role)) }
                form method="post" action=(paths::LOGOUT) {
                    (csrf_field(&shell.csrf))
                    button.link type="submit" { "退出" }
                }
            }
        }
    }
}

fn flashes(flashes: &[Flash]) -> Markup {
    html! {
        div.flashes role="status" {
            @for flash in flashes {
                @let class = match flash.kind {
                    FlashKind::Success => "flash ok",
                    FlashKind::Info => "flash info",
                    FlashKind::Error => "flash err",
                };
                div class=(class) { (flash.text) }
            }
        }
    }
}
