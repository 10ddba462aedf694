//! `GET /search?q=&kind=`: by ticket number, order number or author.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::blocking::blocking_page;
use super::errors::PageError;
use super::{admit, convert};
use crate::auth::{Identity, Permission};
use crate::desk::{SearchKind, SearchQuery, SearchResults};
use crate::web::AppState;
use crate::web::pages::view::Section;
use crate::web::pages::{paths, search::search_page};

/// The search form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    kind: Option<String>,
}

/// `GET /search`; an empty `q` shows the empty form.
pub async fn search(
    identity: Identity,
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, PageError> {
    let shell = admit(&identity, Section::Search, Permission::ViewTickets, None)?;
    let kind = params.kind.as_deref().map(str::trim).and_then(|k| match k {
        "ticket" => Some(SearchKind::Ticket),
        "order" => Some(SearchKind::Order),
        "author" => Some(SearchKind::Author),
        _ => None,
    });
    let q = params.q.trim().to_string();
    let kind_name = kind.map(|k| match k {
        SearchKind::Ticket => "ticket".to_string(),
        SearchKind::Order => "order".to_string(),
        SearchKind::Author => "author".to_string(),
    });
    blocking_page(&shell, paths::SEARCH, StatusCode::OK, move |shell| {
        let results = if q.is_empty() {
            SearchResults::default()
        } else {
            state.desk.search(&SearchQuery {
                q: q.clone(),
                kind,
                limit: None,
            })?
        };
        let people = convert::people(&state.auth, Permission::WorkTickets);
        let view = convert::search_page(&q, kind_name, &results, &people);
        Ok(search_page(shell, &view))
    })
    .await
}
