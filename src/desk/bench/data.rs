//! The generated store of the desk benchmarks (the service layer's and
//! `omnilisten bench desk` over HTTP): customer tickets over two months with
//! one message each, one long ticket, incident tickets, and drafts across them.

use chrono::{DateTime, TimeZone, Utc};

use crate::desk::DeskError;
use crate::model::{
    Author, Channel, ConnectorId, Details, Draft, DraftId, DraftState, Incident, MailKind, Message,
    MessageId, Priority, Ticket, TicketNumber, TicketState,
};
use crate::store::Store;

/// A small deterministic generator (SplitMix64): the same seed, the same store.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// One of `items` by weight.
    pub(crate) fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut pick = self.below(total as usize) as u32;
        for (item, weight) in items {
            if pick < *weight {
                return Some(*item);
            }
            pick -= weight;
        }
        None
    }
}

const STATES: [(TicketState, u32); 5] = [
    (TicketState::New, 7),
    (TicketState::Open, 10),
    (TicketState::Pending, 8),
    (TicketState::Resolved, 15),
    (TicketState::Closed, 60),
];
const PRIORITIES: [(Priority, u32); 4] = [
    (Priority::Low, 5),
    (Priority::Normal, 80),
    (Priority::High, 12),
    (Priority::Urgent, 3),
];
const QUEUES: [(&str, u32); 4] = [("email", 70), ("wechat", 15), ("weibo", 10), ("vip", 5)];
const WORDS: [&str; 8] = [
    "退款没有到账",
    "转账转错了",
    "花呗还款失败",
    "账户被冻结",
    "红包领取失败",
    "商家未发货",
    "余额宝收益",
    "手机号换绑",
];
const AGENTS: usize = 20;
const AUTHORS: usize = 20_000;
const INCIDENTS: usize = 40;
const TICKETS_PER_TX: usize = 2_000;
/// The clock the generated data starts at: 2026-10-01 00:00 UTC.
pub(crate) const EPOCH_SECS: i64 = 1_790_812_800;

/// A generated customer message.
fn generated_message(rng: &mut Rng, channel: Channel, at: DateTime<Utc>) -> Message {
    let author = rng.below(AUTHORS);
    let words = WORDS[rng.below(WORDS.len())];
    let mut details = Details::default();
    if rng.below(10) < 3 {
        details.order_numbers.push(format!(
            "2026{:08}{:016}",
            rng.below(100_000_000),
            rng.next_u64() % 10u64.pow(16)
        ));
    }
    Message {
        id: MessageId::new(),
        channel,
        connector: ConnectorId(channel.as_str().into()),
        native_id: uuid::Uuid::now_v7().to_string(),
        author: Author {
            id: match channel {
                Channel::Email => format!("user{author}@example.cn"),
                _ => format!("{}{author:08}", channel.as_str()),
            },
            name: Some(format!("用户{author}")),
            address: (channel == Channel::Email).then(|| format!("user{author}@example.cn")),
        },
        subject: (channel == Channel::Email).then(|| format!("{words}，请帮忙")),
        text: format!("您好，{words}，订单已经三天了，请尽快处理。"),
        full_text: None,
        attachments: vec![],
        thread: Default::default(),
        sent_at: Some(at),
        received_at: at,
        mail_kind: MailKind::Human,
        details,
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: None,
        instant_reply: None,
        social: None,
    }
}

/// What [`populate_tickets`] stored.
pub(super) struct TicketsFilled {
    /// The order numbers the messages mention.
    pub(super) orders: Vec<String>,
    /// The tickets' numbers, oldest first.
    pub(super) numbers: Vec<String>,
}

/// Fills `store` with `count` customer tickets of one message each.
pub(super) async fn populate_tickets(
    store: &Store,
    rng: &mut Rng,
    count: usize,
) -> Result<TicketsFilled, DeskError> {
    let mut orders = Vec::new();
    let mut numbers = Vec::with_capacity(count);
    let mut done = 0;
    while done < count {
        let mut tx = store.begin().await;
        for i in done..(done + TICKETS_PER_TX).min(count) {
            // About 1,700 tickets a day over two months, then touched up to a day later.
            let created = Utc.timestamp_opt(EPOCH_SECS + (i as i64) * 50, 0).single();
            let created = created.unwrap_or_default();
            let updated = created + chrono::Duration::seconds(rng.below(86_400) as i64);
            let queue = rng.weighted(&QUEUES).unwrap_or("email");
            let channel = Channel::parse(queue).unwrap_or(Channel::Email);
            let mut message = generated_message(rng, channel, created);
            orders.extend(message.details.order_numbers.iter().cloned());
            let number = crate::tickets::next_number(&mut tx, created)?;
            message.ticket = Some(number.0.clone());
            numbers.push(number.0.clone());
            let ticket = Ticket {
                number,
                queue: queue.to_string(),
                priority: rng.weighted(&PRIORITIES).unwrap_or_default(),
                state: rng.weighted(&STATES).unwrap_or(TicketState::New),
                title: message
                    .subject
                    .clone()
                    .unwrap_or_else(|| message.text.chars().take(40).collect()),
                requester: message.author.id.clone(),
                messages: vec![message.id],
                assignee: (rng.below(10) < 6).then(|| format!("agent{:02}", rng.below(AGENTS))),
                created_at: created,
                updated_at: updated,
                incident: None,
            };
            crate::tickets::insert_new(&mut tx, &ticket);
            tx.insert_message(&message, None);
        }
        tx.apply()?;
        done = (done + TICKETS_PER_TX).min(count);
    }
    Ok(TicketsFilled { orders, numbers })
}

/// Stores one customer ticket with `count` messages (a long email thread,
/// what a ticket view costs at its worst); returns its number.
pub(super) async fn populate_long_ticket(
    store: &Store,
    rng: &mut Rng,
    count: usize,
) -> Result<String, DeskError> {
    let start = Utc
        .timestamp_opt(EPOCH_SECS, 0)
        .single()
        .unwrap_or_default();
    let mut tx = store.begin().await;
    let number = crate::tickets::next_number(&mut tx, start)?;
    let mut first: Option<Message> = None;
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let at = start + chrono::Duration::minutes(i as i64);
        let mut message = generated_message(rng, Channel::Email, at);
        // One customer writing again and again, as a long thread does.
        if let Some(first) = &first {
            message.author = first.author.clone();
        }
        message.ticket = Some(number.0.clone());
        tx.insert_message(&message, None);
        ids.push(message.id);
        first.get_or_insert(message);
    }
    let Some(first) = first else {
        return Err(DeskError::Invalid("a long ticket needs a message".into()));
    };
    let ticket = Ticket {
        number: number.clone(),
        queue: "email".into(),
        priority: Priority::High,
        state: TicketState::Open,
        title: first.subject.clone().unwrap_or_default(),
        requester: first.author.id.clone(),
        messages: ids,
        assignee: Some("agent01".into()),
        created_at: start,
        updated_at: start + chrono::Duration::minutes(count as i64),
        incident: None,
    };
    crate::tickets::insert_new(&mut tx, &ticket);
    tx.apply()?;
    Ok(number.0)
}

/// What [`populate_drafts`] stored.
pub(super) struct DraftsFilled {
    /// Every draft, oldest first.
    pub(super) ids: Vec<DraftId>,
    /// Those a reviewer can approve (proposed or edited).
    pub(super) approvable: Vec<DraftId>,
    /// The incident tickets' numbers.
    pub(super) incidents: Vec<String>,
}

/// Opens the incident tickets and drafts `count` replies: 70 % for
/// incidents (with their cover entries), the rest single replies.
pub(super) async fn populate_drafts(
    store: &Store,
    rng: &mut Rng,
    count: usize,
) -> Result<DraftsFilled, DeskError> {
    let start = Utc
        .timestamp_opt(EPOCH_SECS, 0)
        .single()
        .unwrap_or_default();
    let mut tx = store.begin().await;
    let mut incidents = Vec::new();
    for i in 0..INCIDENTS {
        let at = start + chrono::Duration::hours(i as i64 * 30);
        let number = crate::tickets::next_number(&mut tx, at)?;
        let ticket = incident_ticket(&number, i, at);
        crate::tickets::insert_new(&mut tx, &ticket);
        incidents.push(number.0);
    }
    tx.apply()?;
    let mut ids = Vec::with_capacity(count);
    let mut approvable = Vec::new();
    let mut tx = store.begin().await;
    for i in 0..count {
        let at = start + chrono::Duration::minutes(i as i64 * 7);
        let channel = if rng.below(2) == 0 {
            Channel::Weibo
        } else {
            Channel::Wechat
        };
        let mut message = generated_message(rng, channel, at);
        let namespace = if rng.below(10) < 7 {
            let number = incidents[rng.below(incidents.len())].clone();
            tx.add_incident_member(&number, message.id);
            message.incident = Some(number.clone());
            number
        } else {
            "reply:greeting".to_string()
        };
        let mut draft = Draft::proposed(
            &message,
            format!("您好，关于{}，我们正在处理。", WORDS[i % WORDS.len()]),
            at,
        );
        draft.state = draft_state(rng);
        tx.insert_message(&message, None);
        tx.put_draft(&draft)?;
        tx.set_incident_cover(&namespace, message.id, draft.id);
        ids.push(draft.id);
        if matches!(draft.state, DraftState::Proposed | DraftState::Edited) {
            approvable.push(draft.id);
        }
        if i % 1_000 == 999 {
            tx.apply()?;
            tx = store.begin().await;
        }
    }
    tx.apply()?;
    Ok(DraftsFilled {
        ids,
        approvable,
        incidents,
    })
}

fn incident_ticket(number: &TicketNumber, i: usize, at: DateTime<Utc>) -> Ticket {
    let title = format!("{}（第 {i} 起）", WORDS[i % WORDS.len()]);
    Ticket {
        number: number.clone(),
        queue: "incidents".into(),
        priority: Priority::High,
        state: TicketState::Open,
        title: format!("【趋势】{title}"),
        requester: "system:trends".into(),
        messages: vec![],
        assignee: None,
        created_at: at,
        updated_at: at,
        incident: Some(Incident {
            topic: format!("topic{i}"),
            title,
            onset: at,
            fired_at: at,
            count: 30,
            baseline: 2.0,
            p_value: 1e-9,
            window_minutes: 10,
            members: 0,
            drafts: 0,
            resolved_at: None,
        }),
    }
}

fn draft_state(rng: &mut Rng) -> DraftState {
    let pick = rng.weighted(&[(0u8, 50), (1, 10), (2, 2), (3, 25), (4, 3), (5, 8), (6, 2)]);
    match pick {
        Some(1) => DraftState::Edited,
        Some(2) => DraftState::Approved,
        Some(3) => DraftState::Sent,
        Some(4) => DraftState::Failed {
            reason: "20019 重复内容".into(),
        },
        Some(5) => DraftState::Rejected {
            reason: "措辞不当".into(),
        },
        Some(6) => DraftState::Uncertain,
        _ => DraftState::Proposed,
    }
}
