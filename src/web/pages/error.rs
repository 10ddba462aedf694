//! 403, 404 and 409 pages, inside the shell so the nav is still there.

use maud::{Markup, html};

use super::layout::page;
use super::paths;
use super::view::{ErrorPage, Shell};

/// An error page; the handler sends it with `view.status`.
pub fn error_page(shell: &Shell, view: &ErrorPage) -> Markup {
    page(
        shell,
        &view.title,
        html! {
            div.error-page {
                div.code { (view.status) }
                h1 { (view.title) }
                p { (view.detail) }
                p.actions {
                    @if let Some(back) = &view.back { a.button.primary href=(back) { "重新打开" } }
                    a.button href=(paths::DRAFTS) { "回到草稿审核" }
                    a.button href=(paths::TICKETS) { "回到工单" }
                }
            }
        },
    )
}
