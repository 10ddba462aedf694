//! How fast the desk answers on a big store: fills a scratch store with
//! `tickets` tickets (each with a message), one ticket with
//! [`LONG_TICKET_MESSAGES`] messages and `drafts` drafts across incidents,
//! then times the queue pages (first and deep), the review queue, the long
//! ticket's view, the three searches and approvals. Run by an ignored test:
//! `cargo test --release --lib desk -- --ignored --nocapture`.
//!
//! `omnilisten bench desk` (`crate::bench::desk`) times the same store over
//! HTTP; it fills it with [`DeskBenchArgs::populate`].

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use tokio::sync::Notify;

use super::{Actor, DeskError, DraftQuery, SearchKind, SearchQuery, TicketQuery, drafts, search};
use crate::model::{DraftId, DraftState, Priority, TicketNumber, TicketState};
use crate::store::{Store, StoreOptions};

mod data;

pub(crate) use data::Rng;
use data::{EPOCH_SECS, populate_drafts, populate_long_ticket, populate_tickets};

/// Messages of the one long ticket: more than a ticket view shows (500),
/// so its view costs what the longest one can.
pub const LONG_TICKET_MESSAGES: usize = 600;

/// What the benchmark stores and how often it measures each call.
#[derive(Debug, Clone)]
pub struct DeskBenchArgs {
    /// Customer tickets, each with one message.
    pub tickets: usize,
    /// Drafts, spread over incidents and single replies.
    pub drafts: usize,
    /// Timed calls per measurement.
    pub samples: usize,
    /// Seed of the generated data.
    pub seed: u64,
}

impl Default for DeskBenchArgs {
    fn default() -> Self {
        DeskBenchArgs {
            tickets: 100_000,
            drafts: 10_000,
            samples: 200,
            seed: 20261128,
        }
    }
}

/// What [`DeskBenchArgs::populate`] stored, for the benchmarks to ask about.
/// (Returned, not re-exported: `crate::bench::desk` takes what it needs.)
#[derive(Debug, Clone)]
pub struct Populated {
    /// Time it took.
    pub elapsed: Duration,
    /// Order numbers the customer messages mention.
    pub orders: Vec<String>,
    /// Customer tickets' numbers, oldest first.
    pub tickets: Vec<String>,
    /// The ticket with many messages.
    pub long_ticket: String,
    /// How many ([`LONG_TICKET_MESSAGES`]).
    pub long_ticket_messages: usize,
    /// Incident tickets' numbers.
    pub incidents: Vec<String>,
    /// Every draft, oldest first.
    pub drafts: Vec<DraftId>,
    /// The drafts a reviewer can approve (proposed or edited), oldest first.
    pub approvable: Vec<DraftId>,
}

impl DeskBenchArgs {
    /// Fills a new store in `dir` with the generated tickets and drafts
    /// (without fsync: a scratch store) and closes it again.
    pub async fn populate(&self, dir: &Path) -> Result<Populated, DeskError> {
        let started = Instant::now();
        let mut rng = Rng::new(self.seed);
        let options = StoreOptions {
            fsync: false,
            ..StoreOptions::default()
        };
        let store = Store::open(dir, options)?;
        let tickets = populate_tickets(&store, &mut rng, self.tickets).await?;
        let long_ticket = populate_long_ticket(&store, &mut rng, LONG_TICKET_MESSAGES).await?;
        let drafts = populate_drafts(&store, &mut rng, self.drafts).await?;
        store.flush().await?;
        Ok(Populated {
            elapsed: started.elapsed(),
            orders: tickets.orders,
            tickets: tickets.numbers,
            long_ticket,
            long_ticket_messages: LONG_TICKET_MESSAGES,
            incidents: drafts.incidents,
            drafts: drafts.ids,
            approvable: drafts.approvable,
        })
    }
}

/// The spread of one call's latency.
#[derive(Debug, Clone)]
pub struct Latency {
    /// What was timed.
    pub name: String,
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
    /// Rows the call returned the last time (a page's rows, a search's hits).
    pub rows: usize,
}

/// What the benchmark measured.
#[derive(Debug, Clone)]
pub struct BenchFigures {
    /// Time to fill the store.
    pub populate: Duration,
    /// Time to build every desk index from the records (what the migration costs).
    pub rebuild: Duration,
    /// Keys that build wrote (desk indexes and the audit log's time index).
    pub index_keys: usize,
    /// Store size on disk after filling.
    pub store_bytes: u64,
    /// One line per timed call.
    pub latencies: Vec<Latency>,
}

impl fmt::Display for BenchFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "populated in {:.1} s, store {:.0} MB; indexes and audit log index rebuilt from the records in {:.1} s ({} keys)",
            self.populate.as_secs_f64(),
            self.store_bytes as f64 / 1e6,
            self.rebuild.as_secs_f64(),
            self.index_keys
        )?;
        writeln!(
            f,
            "{:<60} {:>9} {:>9} {:>9} {:>9} {:>5}",
            "call", "p50 ms", "p95 ms", "p99 ms", "max ms", "rows"
        )?;
        for l in &self.latencies {
            let ms = |d: Duration| d.as_secs_f64() * 1e3;
            writeln!(
                f,
                "{:<60} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>5}",
                l.name,
                ms(l.p50),
                ms(l.p95),
                ms(l.p99),
                ms(l.max),
                l.rows
            )?;
        }
        Ok(())
    }
}

/// Times `samples` runs of `call` (which returns how many rows it got).
fn measure(
    name: &str,
    samples: usize,
    mut call: impl FnMut(usize) -> Result<usize, DeskError>,
) -> Result<Latency, DeskError> {
    let mut times = Vec::with_capacity(samples);
    let mut rows = 0;
    for i in 0..samples.max(1) {
        let started = Instant::now();
        rows = call(i)?;
        times.push(started.elapsed());
    }
    Ok(latency(name, times, rows))
}

fn latency(name: &str, times: Vec<Duration>, rows: usize) -> Latency {
    Latency::of(name, times, rows)
}

impl Latency {
    /// The spread of `times` (any order; empty gives zeros), labelled `name`.
    pub fn of(name: &str, mut times: Vec<Duration>, rows: usize) -> Latency {
        times.sort();
        let at = |p: usize| {
            let i = (times.len() * p / 100).min(times.len().saturating_sub(1));
            times.get(i).copied().unwrap_or_default()
        };
        Latency {
            name: name.to_string(),
            p50: at(50),
            p95: at(95),
            p99: at(99),
            max: times.last().copied().unwrap_or_default(),
            rows,
        }
    }
}

/// Fills a store in `dir` and measures the desk's calls on it.
pub async fn bench_desk(dir: &Path, args: &DeskBenchArgs) -> Result<BenchFigures, DeskError> {
    // Filling skips fsync (a scratch store); the timed part runs as the daemon does.
    let filled = args.populate(dir).await?;
    let store = Store::open(dir, StoreOptions::default())?;
    let rebuilding = Instant::now();
    let index_keys = store.rebuild_desk_indexes().await?;
    let rebuild = rebuilding.elapsed();
    let mut latencies = measure_lists(&store, args)?;
    latencies.extend(measure_review_and_numbers(&store, args, &filled.tickets)?);
    latencies.push(measure(
        &format!("tickets: one ticket's view ({LONG_TICKET_MESSAGES} messages)"),
        args.samples,
        |_| {
            Ok(super::tickets::get(&store, &filled.long_ticket)?
                .messages
                .len())
        },
    )?);
    latencies.extend(measure_searches(&store, args, &filled.orders)?);
    latencies.push(measure_approvals(&store, args, &filled.approvable).await?);
    Ok(BenchFigures {
        populate: filled.elapsed,
        rebuild,
        index_keys,
        store_bytes: store.size_on_disk()?,
        latencies,
    })
}

fn measure_lists(store: &Store, args: &DeskBenchArgs) -> Result<Vec<Latency>, DeskError> {
    let q = |f: &dyn Fn(&mut TicketQuery)| {
        let mut query = TicketQuery::default();
        f(&mut query);
        query
    };
    let filters: Vec<(&str, TicketQuery)> = vec![
        ("tickets: no filter", q(&|_| {})),
        (
            "tickets: state=open",
            q(&|t| t.state = Some(TicketState::Open)),
        ),
        (
            "tickets: queue=email",
            q(&|t| t.queue = Some("email".into())),
        ),
        (
            "tickets: state=new queue=email",
            q(&|t| {
                t.state = Some(TicketState::New);
                t.queue = Some("email".into());
            }),
        ),
        (
            "tickets: assignee=agent07",
            q(&|t| t.assignee = Some("agent07".into())),
        ),
        (
            "tickets: priority=urgent",
            q(&|t| t.priority = Some(Priority::Urgent)),
        ),
        (
            "tickets: state=open priority=high assignee=-",
            q(&|t| {
                t.state = Some(TicketState::Open);
                t.priority = Some(Priority::High);
                t.assignee = Some("-".into());
            }),
        ),
        (
            "tickets: queue=vip priority=low assignee=agent03",
            q(&|t| {
                t.queue = Some("vip".into());
                t.priority = Some(Priority::Low);
                t.assignee = Some("agent03".into());
            }),
        ),
        (
            "tickets: text=冻结 (bounded scan)",
            q(&|t| t.text = Some("冻结".into())),
        ),
    ];
    let mut out = Vec::new();
    for (name, query) in &filters {
        out.push(measure(
            &format!("{name} (first page)"),
            args.samples,
            |_| Ok(super::tickets::list(store, query)?.items.len()),
        )?);
    }
    // A page deep in the queue: walk there once, then time that page.
    for (name, query) in [&filters[0], &filters[1]] {
        let mut query = query.clone();
        for _ in 0..100 {
            match super::tickets::list(store, &query)?.next {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        out.push(measure(
            &format!("{name} (page 101 by cursor)"),
            args.samples,
            |_| Ok(super::tickets::list(store, &query)?.items.len()),
        )?);
    }
    Ok(out)
}

fn measure_review_and_numbers(
    store: &Store,
    args: &DeskBenchArgs,
    tickets: &[String],
) -> Result<Vec<Latency>, DeskError> {
    let mut out = Vec::new();
    let review = DraftQuery::default();
    out.push(measure(
        "drafts: review queue (first page)",
        args.samples,
        |_| {
            Ok(drafts::queue(store, &review)?
                .items
                .iter()
                .map(|g| g.drafts.len())
                .sum())
        },
    )?);
    let mut deep = DraftQuery {
        state: Some("all".into()),
        ..DraftQuery::default()
    };
    for _ in 0..20 {
        if let Some(next) = drafts::queue(store, &deep)?.next {
            deep.cursor = Some(next);
        }
    }
    out.push(measure(
        "drafts: all states (page 21 by cursor)",
        args.samples,
        |_| {
            Ok(drafts::queue(store, &deep)?
                .items
                .iter()
                .map(|g| g.drafts.len())
                .sum())
        },
    )?);
    let days: Vec<String> = (0..60)
        .map(|d| {
            let at = Utc
                .timestamp_opt(EPOCH_SECS + d * 86_400 + 43_200, 0)
                .single();
            TicketNumber::day_of(at.unwrap_or_default())
        })
        .collect();
    out.push(measure(
        "search: ticket number, day prefix",
        args.samples,
        |i| {
            let q = format!("{}-", days[(i * 7) % days.len()]);
            Ok(search::by_ticket_number(store, &q, 50)?.len())
        },
    )?);
    out.push(measure(
        "search: ticket number, exact",
        args.samples,
        |i| {
            // Numbers that exist: a generated day may hold few tickets.
            let q = tickets
                .get((i * 13) % tickets.len().max(1))
                .map_or("", String::as_str);
            Ok(search::by_ticket_number(store, q, 50)?.len())
        },
    )?);
    Ok(out)
}

fn measure_searches(
    store: &Store,
    args: &DeskBenchArgs,
    orders: &[String],
) -> Result<Vec<Latency>, DeskError> {
    let mut out = Vec::new();
    out.push(measure(
        "search: order number (exact, whole desk search)",
        args.samples,
        |i| {
            let q = orders
                .get((i * 31) % orders.len().max(1))
                .cloned()
                .unwrap_or_default();
            let query = SearchQuery {
                q,
                kind: Some(SearchKind::Order),
                limit: None,
            };
            Ok(search::search(store, &query)?.messages.len())
        },
    )?);
    out.push(measure(
        "search: author prefix (user12…)",
        args.samples,
        |i| {
            let q = format!("user{}", 10 + i % 90);
            Ok(search::by_author(store, &q, 50)?.len())
        },
    )?);
    out.push(measure(
        "search: author display name (用户123…)",
        args.samples,
        |i| {
            let q = format!("用户{}", 100 + i % 900);
            Ok(search::by_author(store, &q, 50)?.len())
        },
    )?);
    Ok(out)
}

async fn measure_approvals(
    store: &Store,
    args: &DeskBenchArgs,
    drafts: &[DraftId],
) -> Result<Latency, DeskError> {
    let wake = Arc::new(Notify::new());
    let actor = Actor::new("bench", "reviewer");
    let mut times = Vec::new();
    for id in drafts {
        if times.len() >= args.samples.max(1) {
            break;
        }
        let Some(draft) = store.draft(*id)? else {
            continue;
        };
        if !matches!(draft.state, DraftState::Proposed | DraftState::Edited) {
            continue;
        }
        let started = Instant::now();
        drafts::approve(store, &wake, &actor, *id).await?;
        times.push(started.elapsed());
    }
    Ok(latency("drafts: approve (commit with fsync)", times, 1))
}
