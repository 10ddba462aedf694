//! The review desk's HTML pages, rendered on the server with maud. Each
//! page is a pure function of a plain view struct (`view.rs`), so the
//! handlers only fetch, convert and call; the pages never touch the store.
//!
//! | page | function | view |
//! | --- | --- | --- |
//! | `GET /drafts?state=&cursor=` | [`drafts::drafts_page`] | [`view::DraftsPage`] |
//! | `GET /drafts/{id}` | [`draft::draft_page`] | [`view::DraftPage`] |
//! | `GET /incidents?cursor=` | [`incidents::incidents_page`] | [`view::IncidentsPage`] |
//! | `GET /incidents/{number}?cursor=` | [`incidents::incident_page`] | [`view::IncidentPage`] |
//! | `GET /tickets?state=&priority=&queue=&assignee=&text=&cursor=` | [`tickets::tickets_page`] | [`view::TicketsPage`] |
//! | `GET /tickets/{number}` | [`ticket::ticket_page`] | [`view::TicketPage`] |
//! | `GET /search?q=&kind=` | [`search::search_page`] | [`view::SearchPage`] |
//! | `GET /login` | [`login::login_page`] | [`view::LoginPage`] |
//! | `GET /admin` | [`admin::admin_page`] | [`view::AdminPage`] |
//! | 403 / 404 / 409 | [`error::error_page`] | [`view::ErrorPage`] |
//! | `GET /assets/app.css`, `/assets/app.js` | [`assets::app_css`], [`assets::app_js`] | — |
//!
//! The forms post (urlencoded, every one with `_csrf`) to:
//!
//! | action | fields |
//! | --- | --- |
//! | `POST /drafts/{id}/edit` | `body`, `expected_updated_at` (RFC 3339) |
//! | `POST /drafts/{id}/approve` | — |
//! | `POST /drafts/{id}/reject` | `reason` |
//! | `POST /drafts/{id}/reassign` | `assignee` (empty: nobody) |
//! | `POST /drafts/{id}/resolve` | `resolution` = `published` \| `not_published` |
//! | `POST /tickets/{number}/state` | `state`, `expected` |
//! | `POST /tickets/{number}/assign` | `assignee` (empty: nobody) |
//! | `POST /tickets/{number}/notes` | `body` |
//! | `POST /tickets/{number}/reply` | `body` |
//! | `POST /login` | `user`, `password`, `next` |
//! | `POST /logout` | — |
//!
//! All URLs are built in `paths.rs`. Shared pieces (badges, message card,
//! audit trail) are in `parts.rs`; the CSS and JS in `assets/`.

pub mod admin;
pub mod assets;
pub mod draft;
pub mod drafts;
pub mod error;
pub mod incidents;
pub mod layout;
pub mod login;
pub mod parts;
pub mod paths;
pub mod search;
pub mod ticket;
pub mod tickets;
pub mod view;

pub use parts::csrf_field;

pub mod testing;

#[cfg(test)]
mod sample;
#[cfg(test)]
mod tests;
