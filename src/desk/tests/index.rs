//! The indexes against full scans, after many random changes.

use std::cmp::Reverse;

use super::*;
use crate::desk::bench::Rng;
use crate::store::TicketFilter;

const STATES: [TicketState; 5] = TicketState::ALL;
const QUEUES: [&str; 3] = ["email", "wechat", "vip"];
const AGENTS: [&str; 3] = ["agent0", "agent1", "agent2"];

fn random_assignee(rng: &mut Rng) -> Option<String> {
    AGENTS
        .get(rng.below(AGENTS.len() + 1))
        .map(|a| a.to_string())
}

/// Every page of `query`, followed by cursor, as ticket numbers.
fn walk(desk: &Desk, mut query: TicketQuery) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let page = desk.tickets(&query).expect("page");
        out.extend(page.items.into_iter().map(|t| t.number));
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => return out,
        }
    }
}

/// What a full scan says `query` should list, in the index's order.
fn scan(store: &Store, query: &TicketQuery) -> Vec<String> {
    let all = store
        .tickets(&TicketFilter {
            limit: Some(1000),
            ..TicketFilter::default()
        })
        .expect("scan");
    let mut rows: Vec<Ticket> = all
        .into_iter()
        .filter(|t| query.state.is_none_or(|s| s == t.state))
        .filter(|t| query.priority.is_none_or(|p| p == t.priority))
        .filter(|t| query.queue.as_ref().is_none_or(|q| *q == t.queue))
        .filter(|t| match query.assignee.as_deref() {
            None => true,
            Some(UNASSIGNED) => t.assignee.is_none(),
            Some(user) => t.assignee.as_deref() == Some(user),
        })
        .collect();
    rows.sort_by_key(|t| (Reverse(t.updated_at.timestamp_millis()), t.number.clone()));
    rows.into_iter().map(|t| t.number.0).collect()
}

async fn seed_random_tickets(store: &Store, rng: &mut Rng, count: usize) -> Vec<String> {
    let start = Utc::now() - Duration::days(3);
    let mut numbers = Vec::new();
    let mut tx = store.begin().await;
    for i in 0..count {
        // Every fifth ticket shares its millisecond with the previous one.
        let slot = i - usize::from(i % 5 == 4);
        let at = start + Duration::milliseconds(slot as i64 * 997);
        let number = crate::tickets::next_number(&mut tx, at).expect("number");
        let mut ticket = ticket_of(number.clone(), QUEUES[rng.below(3)], &[], at);
        ticket.state = STATES[rng.below(5)];
        ticket.priority = Priority::ALL[rng.below(4)];
        ticket.assignee = random_assignee(rng);
        crate::tickets::insert_new(&mut tx, &ticket);
        numbers.push(number.0);
    }
    tx.commit().await.expect("commit");
    numbers
}

/// One random change, through the desk or straight through a transaction
/// (several writes of the same ticket in one batch, as the writer does).
async fn random_change(desk: &Desk, rng: &mut Rng, number: &str) {
    let me = agent();
    match rng.below(5) {
        0 => {
            let _ = desk
                .set_ticket_state(&me, number, STATES[rng.below(5)], None)
                .await;
        }
        1 => {
            let assignee = random_assignee(rng);
            desk.assign_ticket(&me, number, assignee.as_deref())
                .await
                .expect("assign");
        }
        2 => {
            desk.add_note(&me, number, "跟进").await.expect("note");
        }
        _ => {
            let mut tx = desk.store().begin().await;
            for _ in 0..=rng.below(3) {
                let mut ticket = tx.ticket(number).expect("read").expect("ticket");
                ticket.priority = Priority::ALL[rng.below(4)];
                ticket.queue = QUEUES[rng.below(3)].to_string();
                ticket.updated_at += Duration::milliseconds(rng.below(100_000) as i64 - 50_000);
                tx.put_ticket(&ticket);
            }
            tx.commit().await.expect("commit");
        }
    }
}

#[tokio::test]
async fn the_ticket_index_agrees_with_a_full_scan_after_random_changes() {
    let f = fixture();
    let desk = f.desk();
    let mut rng = Rng::new(7);
    let numbers = seed_random_tickets(&f.store, &mut rng, 300).await;
    for _ in 0..600 {
        let number = &numbers[rng.below(numbers.len())];
        random_change(&desk, &mut rng, number).await;
    }
    let mut checked = 0;
    for state in std::iter::once(None).chain(STATES.map(Some)) {
        for queue in [None, Some("email"), Some("vip")] {
            for assignee in [None, Some(UNASSIGNED), Some("agent1")] {
                for priority in [None, Some(Priority::High), Some(Priority::Normal)] {
                    let query = TicketQuery {
                        state,
                        priority,
                        queue: queue.map(str::to_string),
                        assignee: assignee.map(str::to_string),
                        limit: Some(7),
                        ..TicketQuery::default()
                    };
                    assert_eq!(
                        walk(&desk, query.clone()),
                        scan(&f.store, &query),
                        "{query:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 6 * 3 * 3 * 3);
    let everything = walk(&desk, TicketQuery::default());
    assert_eq!(
        everything.len(),
        numbers.len(),
        "one entry per ticket, none stale"
    );
}

#[tokio::test]
async fn the_review_queue_agrees_with_a_full_scan_after_random_changes() {
    let f = fixture();
    let mut rng = Rng::new(11);
    let incidents = [
        seed_incident(&f.store, "甲", Utc::now()).await,
        seed_incident(&f.store, "乙", Utc::now()).await,
    ];
    let names = crate::store::DRAFT_STATE_NAMES;
    let mut ids = Vec::new();
    for i in 0..60 {
        let namespace = match i % 3 {
            0 => "reply:greeting".to_string(),
            n => incidents[n - 1].clone(),
        };
        let (id, _) = seed_draft(
            &f.store,
            Channel::Weibo,
            &namespace,
            DraftState::Proposed,
            0,
        )
        .await;
        ids.push((id, (!i.is_multiple_of(3)).then_some(namespace)));
    }
    for _ in 0..200 {
        let mut tx = f.store.begin().await;
        for _ in 0..=rng.below(3) {
            let (id, _) = &ids[rng.below(ids.len())];
            let mut draft = tx.draft(*id).expect("read").expect("draft");
            draft.state = match names[rng.below(names.len())] {
                "edited" => DraftState::Edited,
                "approved" => DraftState::Approved,
                "sending" => DraftState::Sending,
                "sent" => DraftState::Sent,
                "failed" => DraftState::Failed { reason: "x".into() },
                "uncertain" => DraftState::Uncertain,
                "rejected" => DraftState::Rejected { reason: "x".into() },
                _ => DraftState::Proposed,
            };
            tx.put_draft(&draft).expect("put");
        }
        tx.commit().await.expect("commit");
    }
    let all = f.store.drafts(Some(1000)).expect("scan");
    for state in names {
        let page = f
            .store
            .draft_queue_page(&[state], None, 1000)
            .expect("page");
        let mut listed: Vec<(DraftId, Option<String>)> =
            page.items.into_iter().map(|q| (q.id, q.incident)).collect();
        let mut expected: Vec<(DraftId, Option<String>)> = all
            .iter()
            .filter(|d| d.state.name() == state)
            .filter_map(|d| ids.iter().find(|(id, _)| *id == d.id).cloned())
            .collect();
        listed.sort();
        expected.sort();
        assert_eq!(listed, expected, "{state}");
    }
}
