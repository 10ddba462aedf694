//! What is timed: every desk page and JSON call the issue names, each with
//! the status and a piece of content its answer must have, built from what
//! the fill stored. A probe's calls are cycled through by sample (another
//! ticket, another search term), so the cache is not asked the same key
//! every time.

use super::client::{Call, Session, tabs_of};
use crate::auth::form_encode;
use crate::bench::BenchError;
use crate::web::pages::paths;

/// The keys the probes ask about, taken from what the fill stored
/// (`crate::desk::DeskBenchArgs::populate`).
#[derive(Debug, Clone)]
pub(super) struct Keys {
    /// Customer tickets, spread over the store.
    pub(super) tickets: Vec<String>,
    /// Order numbers the messages mention.
    pub(super) orders: Vec<String>,
    /// Drafts to show, newest first (the approvals take the oldest).
    pub(super) drafts: Vec<String>,
    /// Drafts to approve, one per sample.
    pub(super) approvable: Vec<String>,
    /// Incident tickets.
    pub(super) incidents: Vec<String>,
    /// The ticket with many messages, and how many.
    pub(super) long_ticket: (String, usize),
}

/// What an answer must be to count as right.
#[derive(Debug, Clone)]
pub(super) struct Expect {
    /// Its HTTP status.
    pub(super) status: u16,
    /// Text its body (or, for a 303, its `Location`) must contain.
    pub(super) contains: String,
}

/// One line of the table: a page or call, asked `samples` times.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    /// The table's label.
    pub(super) name: String,
    /// The requests it cycles through, each with what it must answer.
    pub(super) calls: Vec<(Call, Expect)>,
}

fn ok(contains: &str) -> Expect {
    Expect {
        status: 200,
        contains: contains.to_string(),
    }
}

fn probe(name: &str, calls: Vec<(Call, Expect)>) -> Probe {
    Probe {
        name: name.to_string(),
        calls,
    }
}

/// One call with one expectation.
fn single(name: &str, call: Call, expect: Expect) -> Probe {
    probe(name, vec![(call, expect)])
}

/// At most `n` of `items`, spread over all of them.
pub(super) fn spread<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    let step = (items.len() / n.max(1)).max(1);
    items.iter().step_by(step).take(n.max(1)).cloned().collect()
}

/// How many different keys a cycling probe uses.
pub(super) const KEYS: usize = 64;

/// The ticket filters timed, as (label, query string).
const TICKET_FILTERS: [(&str, &str); 4] = [
    ("no filter", ""),
    ("state=open", "state=open"),
    (
        "state=open priority=high queue=email",
        "state=open&priority=high&queue=email",
    ),
    ("assignee=agent07", "assignee=agent07"),
];

/// The read probes: pages (session cookie) and their JSON twins (token).
pub(super) async fn reads(session: &Session, keys: &Keys) -> Result<Vec<Probe>, BenchError> {
    let mut out = Vec::new();
    // The tabs the page links, so a tab added or renamed is timed too.
    let front = session.send(&Call::Page(paths::DRAFTS.into())).await?;
    let tabs = tabs_of(&front.body);
    if tabs.len() < 2 {
        return Err(BenchError::Http(format!(
            "/drafts answered {} with {} tabs",
            front.status,
            tabs.len()
        )));
    }
    for (label, state, path) in tabs {
        // The queues with many drafts must show rows; the small ones may be empty.
        let must = if state.contains("proposed") || state == "all" {
            "href=\"/drafts/"
        } else {
            "草稿审核"
        };
        let name = format!("GET /drafts?state={state} ({label})");
        out.push(single(&name, Call::Page(path), ok(must)));
    }
    out.push(probe(
        "GET /drafts/{id}",
        keys.drafts
            .iter()
            .map(|id| (Call::Page(paths::draft(id)), ok(id)))
            .collect(),
    ));
    for (label, query) in TICKET_FILTERS {
        let name = format!("GET /tickets ({label})");
        out.push(single(
            &name,
            Call::Page(paths::tickets(query, None)),
            ok("href=\"/tickets/"),
        ));
    }
    let (depth, cursor) = deep_cursor(session).await?;
    if let Some(cursor) = &cursor {
        let name = format!("GET /tickets (page {} by cursor)", depth + 1);
        out.push(single(
            &name,
            Call::Page(paths::tickets("", Some(cursor))),
            ok("href=\"/tickets/"),
        ));
    }
    let (long, messages) = &keys.long_ticket;
    let name = format!("GET /tickets/{{n}} ({messages} messages)");
    out.push(single(&name, Call::Page(paths::ticket(long)), ok(long)));
    out.push(probe(
        "GET /tickets/{n} (1 message)",
        keys.tickets
            .iter()
            .map(|n| (Call::Page(paths::ticket(n)), ok(n)))
            .collect(),
    ));
    out.push(single(
        "GET /incidents",
        Call::Page(paths::INCIDENTS.into()),
        // The table is there only when the index listed an incident.
        ok("class=\"list incidents\""),
    ));
    out.push(probe(
        "GET /incidents/{n}",
        keys.incidents
            .iter()
            .map(|n| (Call::Page(paths::incident(n, None)), ok(n)))
            .collect(),
    ));
    out.extend(searches(keys, |q| Call::Page(paths::search(q))));
    out.extend(api_reads(keys, cursor.as_deref()));
    Ok(out)
}

/// The search terms: ticket numbers, order numbers, author names.
fn searches(keys: &Keys, call: impl Fn(&str) -> Call) -> Vec<Probe> {
    let api = matches!(call("x"), Call::Api(_));
    let prefix = if api {
        "GET /api/desk/search"
    } else {
        "GET /search"
    };
    let terms = |items: &[String]| -> Vec<(Call, Expect)> {
        items.iter().map(|q| (call(q), ok(q))).collect()
    };
    let authors: Vec<String> = (0..KEYS).map(|i| format!("用户{}", 100 + i * 13)).collect();
    vec![
        probe(&format!("{prefix}?q=<ticket number>"), terms(&keys.tickets)),
        probe(&format!("{prefix}?q=<order number>"), terms(&keys.orders)),
        probe(&format!("{prefix}?q=<author name>"), terms(&authors)),
    ]
}

/// The JSON API's twins of the pages.
fn api_reads(keys: &Keys, cursor: Option<&str>) -> Vec<Probe> {
    let api = |path: String| Call::Api(path);
    let mut out = vec![
        single(
            "GET /api/desk/drafts",
            api("/api/desk/drafts".into()),
            ok("\"items\""),
        ),
        single(
            "GET /api/desk/drafts?state=all",
            api("/api/desk/drafts?state=all".into()),
            ok("\"items\""),
        ),
        probe(
            "GET /api/desk/drafts/{id}",
            keys.drafts
                .iter()
                .map(|id| (api(format!("/api/desk/drafts/{id}")), ok(id)))
                .collect(),
        ),
    ];
    for (label, query) in TICKET_FILTERS {
        let path = if query.is_empty() {
            "/api/desk/tickets".to_string()
        } else {
            format!("/api/desk/tickets?{query}")
        };
        out.push(single(
            &format!("GET /api/desk/tickets ({label})"),
            api(path),
            ok("\"number\""),
        ));
    }
    if let Some(cursor) = cursor {
        let path = format!("/api/desk/tickets?cursor={}", form_encode(cursor));
        out.push(single(
            "GET /api/desk/tickets (deep cursor)",
            api(path),
            ok("\"number\""),
        ));
    }
    let long = &keys.long_ticket.0;
    out.push(single(
        "GET /api/desk/tickets/{n} (long)",
        api(format!("/api/desk/tickets/{}", form_encode(long))),
        ok(long),
    ));
    out.push(probe(
        "GET /api/desk/tickets/{n} (1 message)",
        keys.tickets
            .iter()
            .map(|n| (api(format!("/api/desk/tickets/{}", form_encode(n))), ok(n)))
            .collect(),
    ));
    out.push(single(
        "GET /api/desk/incidents",
        api("/api/desk/incidents".into()),
        ok("\"incident\":{"),
    ));
    out.push(probe(
        "GET /api/desk/incidents/{n}",
        keys.incidents
            .iter()
            .map(|n| {
                (
                    api(format!("/api/desk/incidents/{}", form_encode(n))),
                    ok(n),
                )
            })
            .collect(),
    ));
    out.extend(searches(keys, |q| {
        api(format!("/api/desk/search?q={}", form_encode(q)))
    }));
    out
}

/// Pages walked to reach the deep cursor (the service bench's page 101).
const DEEP_PAGES: usize = 100;

/// Walks the unfiltered queue through the API (same cursors, same page
/// size as the page) to page [`DEEP_PAGES`] + 1, or the last one there is.
async fn deep_cursor(session: &Session) -> Result<(usize, Option<String>), BenchError> {
    let mut cursor: Option<String> = None;
    let mut depth = 0;
    while depth < DEEP_PAGES {
        let path = match &cursor {
            Some(c) => format!("/api/desk/tickets?cursor={}", form_encode(c)),
            None => "/api/desk/tickets".to_string(),
        };
        let answer = session.send(&Call::Api(path)).await?;
        let page: serde_json::Value = serde_json::from_str(&answer.body).map_err(|e| {
            BenchError::Http(format!("/api/desk/tickets answered {}: {e}", answer.status))
        })?;
        match page.get("next").and_then(|n| n.as_str()) {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        depth += 1;
    }
    Ok((depth, cursor))
}

/// The approvals through the draft page's form, one draft each; each
/// must answer 303 back to the draft with `ok=approved`.
pub(super) fn approvals(keys: &Keys) -> Probe {
    probe(
        "POST /drafts/{id}/approve (form, CSRF)",
        keys.approvable
            .iter()
            .map(|id| {
                let expect = Expect {
                    status: 303,
                    contains: "ok=approved".into(),
                };
                (Call::Form(paths::draft_action(id, "approve")), expect)
            })
            .collect(),
    )
}
