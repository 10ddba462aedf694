//! The plain data the pages render. Handlers fill these from the desk's
//! results; the pages never reach the store, so each page is a pure
//! function of its view and can be rendered in a unit test.
//!
//! Common pieces live here, each page's data in the file of its
//! section; everything is re-exported, so `view::*` names them all.
//!
//! Times arrive already formatted in China time (see [`china_time`] and
//! [`short_time`]); card and phone numbers arrive already masked (the
//! analysis masks them when it extracts details).

use chrono::{DateTime, FixedOffset, Offset, Utc};

pub use crate::auth::{Permission, Role};
pub use crate::model::{Channel, DraftState, Priority, TicketState};

mod account;
mod drafts;
mod incidents;
mod tickets;

pub use account::*;
pub use drafts::*;
pub use incidents::*;
pub use tickets::*;

/// `2026-12-12 20:15` in China time, for detail pages and audit trails.
pub fn china_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `12-12 20:15` in China time, for dense queue rows.
pub fn short_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&china()).format("%m-%d %H:%M").to_string()
}

/// `20:15` in China time, for the labels of a per-minute chart.
pub fn minute_label(at: DateTime<Utc>) -> String {
    at.with_timezone(&china()).format("%H:%M").to_string()
}

fn china() -> FixedOffset {
    // UTC+8 all year: China has no daylight saving time.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The person signed in, as the top bar shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Login name (`wangli`).
    pub name: String,
    /// Name shown on pages (`王丽`).
    pub display_name: String,
    /// What they may do; pages ask [`Role::can`] before showing a form.
    pub role: Role,
}

impl SignedIn {
    /// Whether this person may do `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }
}

/// How a flash message is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashKind {
    /// Something happened as asked.
    Success,
    /// Neutral information.
    Info,
    /// Something was refused or failed.
    Error,
}

/// A one-time message at the top of the next page (after a redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// Colour.
    pub kind: FlashKind,
    /// Text, plain.
    pub text: String,
}

/// The top-bar section a page belongs to, highlighted in the nav.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// 草稿审核.
    Drafts,
    /// 事件.
    Incidents,
    /// 工单.
    Tickets,
    /// 搜索.
    Search,
    /// 管理.
    Admin,
    /// None highlighted (error pages).
    None,
}

/// What every signed-in page needs besides its own data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    /// The person signed in.
    pub user: SignedIn,
    /// The session's CSRF token, put into every POST form.
    pub csrf: String,
    /// Messages left by the previous request.
    pub flashes: Vec<Flash>,
    /// Which nav entry is current.
    pub section: Section,
}

/// A person who can be picked in an assign or reassign form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Login name, the form's value.
    pub name: String,
    /// Name shown.
    pub display_name: String,
}

/// One line of an audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// When, formatted.
    pub time: String,
    /// Who: a user name or `system:<component>`.
    pub actor: String,
    /// What it concerns (a ticket number, a draft id); shown where the
    /// page is not already about it (the admin page).
    pub subject: String,
    /// The action id (`draft.approved`); the page adds a Chinese label.
    pub action: String,
    /// The state before, compact (JSON or a state name), if it changed.
    pub before: Option<String>,
    /// The state after, compact.
    pub after: Option<String>,
}

/// An attachment as listed under a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    /// File name (or a placeholder for an unnamed part).
    pub name: String,
    /// MIME type.
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Why the bytes are not stored, if they are not (too large, download failed).
    pub missing: Option<String>,
}

/// Details the analysis extracted from a message; numbers already masked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailsView {
    /// Alipay trade or merchant order numbers.
    pub order_numbers: Vec<String>,
    /// Amounts (`200 CNY`).
    pub amounts: Vec<String>,
    /// Dates mentioned.
    pub dates: Vec<String>,
    /// Times of day mentioned.
    pub times: Vec<String>,
    /// Mobile numbers, masked (`138****5678`).
    pub phones: Vec<String>,
    /// Bank cards, masked (`**** **** **** 1234`).
    pub bank_cards: Vec<String>,
    /// Counterparty accounts, masked where they are phone numbers.
    pub accounts: Vec<String>,
    /// Category set by a rule.
    pub category: Option<String>,
}

impl DetailsView {
    /// Whether nothing was extracted.
    pub fn is_empty(&self) -> bool {
        self.order_numbers.is_empty()
            && self.amounts.is_empty()
            && self.dates.is_empty()
            && self.times.is_empty()
            && self.phones.is_empty()
            && self.bank_cards.is_empty()
            && self.accounts.is_empty()
            && self.category.is_none()
    }
}

/// A whole message, as a draft's source or in a ticket's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    /// Message id, for links and anchors.
    pub id: String,
    /// Where it came from.
    pub channel: Channel,
    /// Author's display name (or their id when they have none).
    pub author: String,
    /// Author's id or address on the channel (`zhangwei@163.example.com`, a Weibo uid).
    pub author_id: String,
    /// When it arrived, formatted.
    pub time: String,
    /// Mail subject.
    pub subject: Option<String>,
    /// The author's own words.
    pub text: String,
    /// Quoted history below the author's words (earlier mail, a repost
    /// chain), shown folded.
    pub quoted: Option<String>,
    /// Attachments.
    pub attachments: Vec<AttachmentRow>,
    /// Extracted details.
    pub details: DetailsView,
    /// Its ticket, if any.
    pub ticket: Option<String>,
    /// Marked as an automatic reply or a bounce (`自动回复`, `退信`), if it is one.
    pub mail_kind: Option<String>,
}

/// A message as a list row: who, when, the first words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    /// Message id.
    pub id: String,
    /// Where it came from.
    pub channel: Channel,
    /// Author's display name.
    pub author: String,
    /// When it arrived, formatted.
    pub time: String,
    /// Mail subject.
    pub subject: Option<String>,
    /// The first words of its text.
    pub excerpt: String,
    /// Its ticket, if any.
    pub ticket: Option<String>,
}
