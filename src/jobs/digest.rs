//! The daily digest: one ticket per China day in the digest queue, titled
//! `【每日摘要】YYYY-MM-DD`, and on it an internal note per run listing the
//! topics by volume, the emerging terms, the incidents still open and the
//! message counts. A second run the same day adds a second note to the same
//! ticket (the day's record, `meta/digest/<day>`, names it).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use super::{JobError, china_time};
use crate::incidents::{Published, TrendsView};
use crate::model::{Note, NoteId, Priority, Ticket, TicketNumber, TicketState};
use crate::store::{AuditEntry, DigestDay, MessageCounts, Stats, Store, StoreError, Tx};
use crate::tickets;

/// Who writes the digest (ticket requester, note author, audit actor).
pub const DIGEST_AUTHOR: &str = "system:digest";
/// Incident tickets numbered within this many days are listed while not
/// closed; older ones only while their topic still has them open.
const INCIDENT_LOOKBACK_DAYS: i64 = 30;
/// Topics listed, busiest first.
const TOP_TOPICS: usize = 20;
/// Emerging terms listed, strongest first.
const TOP_TERMS: usize = 10;

/// What one digest run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestReport {
    /// The day's digest ticket.
    pub ticket: String,
    /// Whether this run opened it.
    pub opened: bool,
    /// The note written on it.
    pub note: NoteId,
}

/// `【每日摘要】2026-11-28`: the title of the digest ticket of `now`'s China day.
pub fn digest_title(now: DateTime<Utc>) -> String {
    let day = now.with_timezone(&china_time()).format("%Y-%m-%d");
    format!("【每日摘要】{day}")
}

/// Writes the digest of `now`: opens the day's ticket in `queue` if this is
/// the day's first run, then adds the digest as an internal note.
pub async fn run_digest(
    store: &Store,
    trends: &TrendsView,
    queue: &str,
    now: DateTime<Utc>,
) -> Result<DigestReport, JobError> {
    let published = trends.current();
    let day = TicketNumber::day_of(now);
    let reader = store.clone();
    let since = TicketNumber::day_of(now - Duration::days(INCIDENT_LOOKBACK_DAYS));
    let before = day.clone();
    // Range reads over tickets: off the runtime's threads.
    let (incidents, previous) = tokio::task::spawn_blocking(move || {
        let incidents = open_incident_tickets(&reader, &since)?;
        let previous = reader.digest_day_before(&before)?;
        Ok::<_, StoreError>((incidents, previous))
    })
    .await??;
    let stats = store.stats();
    let body = render_digest(&DigestFacts {
        now,
        published: &published,
        incidents: &incidents,
        stats: &stats,
        previous: previous.as_ref().map(|(_, record)| record),
    });

    let mut tx = store.begin().await;
    let existing = match tx.digest_day(&day)? {
        Some(record) if tx.ticket(&record.ticket)?.is_some() => Some(record.ticket),
        _ => None,
    };
    let opened = existing.is_none();
    let number = match existing {
        Some(number) => TicketNumber(number),
        None => open_ticket(&mut tx, queue, &day, now)?,
    };
    let note = Note::internal(&number, now, DIGEST_AUTHOR, body);
    tx.add_note(&note)?;
    tx.set_digest_day(
        &day,
        &DigestDay {
            ticket: number.0.clone(),
            at: now,
            messages: stats.messages.clone(),
        },
    );
    tx.commit().await?;
    Ok(DigestReport {
        ticket: number.0,
        opened,
        note: note.id,
    })
}

/// Opens the digest ticket of `day`, audited like the incident desk's tickets.
fn open_ticket(
    tx: &mut Tx<'_>,
    queue: &str,
    day: &str,
    now: DateTime<Utc>,
) -> Result<TicketNumber, StoreError> {
    let number = tickets::next_number(tx, now)?;
    let ticket = Ticket {
        number: number.clone(),
        queue: queue.to_string(),
        priority: Priority::Low,
        state: TicketState::New,
        title: digest_title(now),
        requester: DIGEST_AUTHOR.into(),
        messages: Vec::new(),
        assignee: None,
        created_at: now,
        updated_at: now,
        incident: None,
    };
    tickets::insert_new(tx, &ticket);
    tx.audit(&AuditEntry {
        at: now,
        actor: DIGEST_AUTHOR.into(),
        action: "digest.opened".into(),
        subject: number.0.clone(),
        before: None,
        after: Some(serde_json::json!({ "day": day, "queue": queue })),
    });
    Ok(number)
}

/// Incident tickets not closed: the ones topics have open (however old)
/// and the recent ones, newest number first.
fn open_incident_tickets(store: &Store, since_day: &str) -> Result<Vec<Ticket>, StoreError> {
    let mut found = BTreeMap::new();
    for ticket in store.incident_tickets_since(since_day)? {
        found.insert(ticket.number.0.clone(), ticket);
    }
    for (_, number) in store.open_incidents()? {
        if !found.contains_key(&number)
            && let Some(ticket) = store.ticket(&number)?
        {
            found.insert(number, ticket);
        }
    }
    Ok(found
        .into_values()
        .rev()
        .filter(|t| t.state != TicketState::Closed)
        .collect())
}

/// Everything a digest says, gathered.
#[derive(Debug, Clone, Copy)]
pub struct DigestFacts<'a> {
    /// When it is written.
    pub now: DateTime<Utc>,
    /// What the trend detector last published.
    pub published: &'a Published,
    /// Incident tickets not closed, newest first.
    pub incidents: &'a [Ticket],
    /// The store's counters now.
    pub stats: &'a Stats,
    /// The previous day's digest record, for "since then".
    pub previous: Option<&'a DigestDay>,
}

/// The digest as plain Chinese text.
pub fn render_digest(facts: &DigestFacts<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}（{} 北京时间）",
        digest_title(facts.now),
        cst(facts.now)
    );
    out.push('\n');
    topics(&mut out, facts.published);
    out.push('\n');
    emerging(&mut out, facts.published);
    out.push('\n');
    incidents(&mut out, facts);
    out.push('\n');
    counts(&mut out, facts);
    out
}

fn cst(at: DateTime<Utc>) -> String {
    at.with_timezone(&china_time())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn topics(out: &mut String, published: &Published) {
    out.push_str("一、话题热度（过去 24 小时，每分钟独立用户数之和）\n");
    let Some(as_of) = published.as_of else {
        out.push_str("  （暂无趋势数据：本次启动后尚未收到消息）\n");
        return;
    };
    let _ = writeln!(out, "  数据截至 {}（消息时间）", cst(as_of));
    let mut topics: Vec<_> = published.topics.iter().collect();
    topics.sort_by(|a, b| b.last_day.cmp(&a.last_day).then_with(|| a.id.cmp(&b.id)));
    if topics.is_empty() {
        out.push_str("  （未配置话题）\n");
    }
    for (i, topic) in topics.iter().take(TOP_TOPICS).enumerate() {
        let _ = write!(out, "  {}. {}：{}", i + 1, topic.title, topic.last_day);
        if topic.firing {
            out.push_str("，正在上升");
        }
        if let Some(number) = &topic.incident {
            let _ = write!(out, "，事件单 {number}");
        }
        out.push('\n');
    }
    if topics.len() > TOP_TOPICS {
        let _ = writeln!(out, "  …另有 {} 个话题", topics.len() - TOP_TOPICS);
    }
}

fn emerging(out: &mut String, published: &Published) {
    let _ = writeln!(out, "二、新兴词（未被话题覆盖，前 {TOP_TERMS} 个）");
    if published.emerging.is_empty() {
        out.push_str("  （无）\n");
    }
    for (i, term) in published.emerging.iter().take(TOP_TERMS).enumerate() {
        let _ = writeln!(
            out,
            "  {}. 「{}」{} 条消息，约 {} 位用户（预期 {:.1}，得分 {:.1}）",
            i + 1,
            term.term,
            term.count,
            term.authors,
            term.baseline,
            term.score
        );
    }
}

fn incidents(out: &mut String, facts: &DigestFacts<'_>) {
    out.push_str("三、未关闭的事件单\n");
    if facts.incidents.is_empty() {
        out.push_str("  （无）\n");
    }
    let firing: Vec<&str> = facts
        .published
        .topics
        .iter()
        .filter_map(|t| t.incident.as_deref())
        .collect();
    for ticket in facts.incidents {
        let _ = write!(
            out,
            "  - {} {}［{}］",
            ticket.number,
            ticket.title,
            state_name(ticket.state)
        );
        if let Some(incident) = &ticket.incident {
            let _ = write!(
                out,
                "：关联 {} 条消息，草稿 {} 份",
                incident.members, incident.drafts
            );
            match incident.resolved_at {
                Some(at) => {
                    let _ = write!(out, "；话题已于 {} 平息", cst(at));
                }
                None if firing.contains(&ticket.number.0.as_str()) => {
                    let _ = write!(out, "；话题仍在上升（始于 {}）", cst(incident.onset));
                }
                None => {}
            }
        }
        out.push('\n');
    }
}

fn counts(out: &mut String, facts: &DigestFacts<'_>) {
    let stats = facts.stats;
    out.push_str("四、消息与工单\n");
    let _ = writeln!(
        out,
        "  消息累计 {} 条（{}）",
        stats.messages.total,
        by_name(&stats.messages.by_channel)
    );
    if let Some(previous) = facts.previous {
        let since = delta(&previous.messages, &stats.messages);
        let _ = writeln!(
            out,
            "  自上次摘要（{}）以来新增 {} 条（{}）",
            cst(previous.at),
            since.total,
            by_name(&since.by_channel)
        );
    }
    let _ = writeln!(
        out,
        "  重复 {} 条，近似重复 {} 条，无法解析 {} 条",
        stats.duplicates, stats.near_duplicates, stats.quarantined
    );
    let states: Vec<String> = TicketState::ALL
        .iter()
        .map(|s| {
            let n = stats.tickets.by_state.get(s.as_str()).copied().unwrap_or(0);
            format!("{} {n}", state_name(*s))
        })
        .collect();
    let _ = writeln!(
        out,
        "  工单累计 {} 张（{}）",
        stats.tickets.total,
        states.join("、")
    );
}

/// What arrived between two snapshots of the counters (never negative:
/// a store restored from an older backup counts from zero again).
fn delta(before: &MessageCounts, now: &MessageCounts) -> MessageCounts {
    let by_channel = now
        .by_channel
        .iter()
        .map(|(channel, n)| {
            let was = before.by_channel.get(channel).copied().unwrap_or(0);
            (channel.clone(), n.saturating_sub(was))
        })
        .collect();
    MessageCounts {
        total: now.total.saturating_sub(before.total),
        by_channel,
    }
}

fn by_name(counts: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    if parts.is_empty() {
        "无".to_string()
    } else {
        parts.join("、")
    }
}

fn state_name(state: TicketState) -> &'static str {
    match state {
        TicketState::New => "新建",
        TicketState::Open => "处理中",
        TicketState::Pending => "等待中",
        TicketState::Resolved => "已解决",
        TicketState::Closed => "已关闭",
    }
}

#[cfg(test)]
mod tests;
