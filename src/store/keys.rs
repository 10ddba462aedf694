//! Key layout of the one sled tree. Every kind of record has a short prefix,
//! so one `apply_batch` can change messages, indexes, tickets, cursors and
//! counters atomically (sled batches are atomic only within one tree).
//!
//! Ids are UUIDv7 in their 16 big-endian bytes, so a prefix scan returns
//! records in arrival order.

use crate::model::{Channel, MessageId};

/// Schema version number (u32 BE).
pub const SCHEMA: &[u8] = b"meta/schema";
/// Running counters, one JSON blob, rewritten with every commit.
pub const STATS: &[u8] = b"meta/stats";

/// Prefix of message records (`msg/` ‖ uuid → JSON `Message`).
pub const MSG: &[u8] = b"msg/";
/// Prefix of raw-bytes pointers (`raw/` ‖ uuid → pack uuid ‖ offset u32 BE ‖ length u32 BE).
pub const RAW: &[u8] = b"raw/";
/// Prefix of raw packs (`rawpack/` ‖ uuid → the raw inputs of one commit, concatenated).
///
/// One large value per commit instead of one per message: sled's cost is per
/// key and per node split, and raw mail is the bulk of the bytes written.
pub const RAW_PACK: &[u8] = b"rawpack/";
/// Prefix of the exact-dedup index (`dedup/` ‖ channel ‖ 0 ‖ native id → uuid).
pub const DEDUP: &[u8] = b"dedup/";
/// Prefix of the per-channel listing index (`chan/` ‖ channel ‖ `/` ‖ uuid → empty).
pub const CHAN: &[u8] = b"chan/";
/// Prefix of tickets (`tkt/` ‖ number → JSON `Ticket`).
pub const TICKET: &[u8] = b"tkt/";
/// Prefix of per-day ticket counters (`tktseq/` ‖ YYYYMMDD → u64 BE).
pub const TICKET_SEQ: &[u8] = b"tktseq/";
/// Prefix of source cursors (`cur/` ‖ connector ‖ 0 ‖ name → bytes).
pub const CURSOR: &[u8] = b"cur/";
/// Prefix of quarantined inputs (`quar/` ‖ uuid → JSON `Quarantined`).
pub const QUARANTINE: &[u8] = b"quar/";
/// Prefix of attachment content (`att/` ‖ hex hash → bytes).
pub const ATTACHMENT: &[u8] = b"att/";
/// Prefix of drafts (`draft/` ‖ uuid → JSON `Draft`).
pub const DRAFT: &[u8] = b"draft/";
/// Prefix of the draft state index (`draftstate/` ‖ state ‖ `/` ‖ uuid → empty),
/// kept for the states the publisher and reviewers look for, never for `sent`
/// or `rejected` (which only grow).
pub const DRAFT_STATE: &[u8] = b"draftstate/";
/// Prefix of media downloads to do (`mediajob/` ‖ message uuid → JSON `MediaJob`).
pub const MEDIA_JOB: &[u8] = b"mediajob/";
/// Prefix of the audit log (`audit/` ‖ subject ‖ 0 ‖ uuid v7 → JSON `AuditEntry`),
/// grouped by subject so a ticket's or draft's history is one prefix scan.
pub const AUDIT: &[u8] = b"audit/";
/// Prefix of outbox entries (`outbox/` ‖ uuid → JSON `OutboxEntry`).
pub const OUTBOX: &[u8] = b"outbox/";
/// Prefix of the outbox state index (`outstate/` ‖ state ‖ `/` ‖ uuid → empty),
/// kept for every state but `sent`.
pub const OUTBOX_STATE: &[u8] = b"outstate/";
/// Prefix of chat conversations (`conv/` ‖ channel ‖ 0 ‖ connector ‖ 0 ‖
/// author id → ticket number): where a chat customer's next message goes.
pub const CONVERSATION: &[u8] = b"conv/";
/// Prefix of per-sender acknowledgement times (`ackwin/` ‖ address → JSON list).
pub const ACK_WINDOW: &[u8] = b"ackwin/";
/// Prefix of the incident a trending topic has open (`incopen/` ‖ topic id → ticket number).
pub const INCIDENT_OPEN: &[u8] = b"incopen/";
/// Prefix of incident members (`incmember/` ‖ number ‖ `/` ‖ message uuid → empty).
pub const INCIDENT_MEMBER: &[u8] = b"incmember/";
/// Prefix of the messages an incident's drafts cover (`inccover/` ‖ number ‖
/// `/` ‖ message uuid → draft uuid): one draft per near-duplicate cluster.
pub const INCIDENT_COVER: &[u8] = b"inccover/";
/// The trend detector's state (JSON `trends::Snapshot`), saved as message time passes.
pub const TREND_STATE: &[u8] = b"meta/trends";
/// Prefix of ticket notes (`note/` ‖ number ‖ `/` ‖ time ‖ uuid → JSON `Note`):
/// a ticket's notes are one prefix scan, in the order they were written.
pub const NOTE: &[u8] = b"note/";
/// Prefix of the daily digest record (`meta/digest/` ‖ YYYYMMDD (CST) → JSON):
/// the day's digest ticket, so a second run that day adds a note to it.
pub const DIGEST_DAY: &[u8] = b"meta/digest/";
/// Prefix of login sessions (`session/` ‖ BLAKE3 hash of the session id →
/// JSON `Session`): the id itself is only in the browser's cookie.
pub const SESSION: &[u8] = b"session/";

/// Prefix of the ticket list index (`tix/`), four dimensions sharing one
/// order (newest `updated_at` first, then number), each value the ticket's
/// JSON `TicketSummary` (`ticket_index.rs`):
/// `tix/sq/` ‖ state ‖ `/` ‖ queue ‖ 0 ‖ time ‖ number (every ticket),
/// `tix/as/` ‖ assignee ‖ 0 ‖ time ‖ number (assigned ones),
/// `tix/pr/` ‖ priority ‖ `/` ‖ time ‖ number (all but `normal`),
/// `tix/in/` ‖ `0` firing or `1` resolved ‖ `/` ‖ time ‖ number (incidents).
pub const TICKET_INDEX: &[u8] = b"tix/";
/// The (state, queue) dimension of the ticket list index.
pub const TICKET_BY_STATE_QUEUE: &[u8] = b"tix/sq/";
/// The assignee dimension of the ticket list index.
pub const TICKET_BY_ASSIGNEE: &[u8] = b"tix/as/";
/// The priority dimension of the ticket list index.
pub const TICKET_BY_PRIORITY: &[u8] = b"tix/pr/";
/// The incident dimension of the ticket list index: one ascending scan
/// lists the firing incidents (`0`) before the resolved ones (`1`).
pub const TICKET_BY_INCIDENT: &[u8] = b"tix/in/";
/// Prefix of the review queue (`dq/` ‖ state ‖ `/` ‖ group ‖ 0 ‖ draft uuid →
/// empty), every state: drafts of one incident are adjacent (`draft_index.rs`).
pub const DRAFT_QUEUE: &[u8] = b"dq/";
/// Prefix of each draft's cover namespace (`dgrp/` ‖ draft uuid → incident
/// number, `reply:<template>`, or empty), recorded when the draft is made.
pub const DRAFT_GROUP: &[u8] = b"dgrp/";
/// Prefix of the messages a draft covers (`dcov/` ‖ draft uuid ‖ message
/// uuid → empty): `inccover/` read the other way round.
pub const DRAFT_COVERS: &[u8] = b"dcov/";
/// Prefix of the order-number search index (`sxo/` ‖ order number ‖ 0 ‖
/// inverted message uuid → empty): newest message first per number.
pub const SEARCH_ORDER: &[u8] = b"sxo/";
/// Prefix of the author search index (`sxa/` ‖ lowercase author id, address
/// or name ‖ 0 ‖ inverted message uuid → empty).
pub const SEARCH_AUTHOR: &[u8] = b"sxa/";
/// Prefix of the audit log in time order (`alog/` ‖ uuid v7 → JSON
/// `AuditSummary`: subject, actor, action), one entry per `audit/` key with
/// the same uuid: the admin's recent changes across every subject
/// (`audit_index.rs`). UUIDv7 bytes sort by creation, so key order is the
/// order the entries were written.
pub const AUDIT_LOG: &[u8] = b"alog/";
/// Prefix of the outbox-by-ticket index (`outtkt/` ‖ number ‖ `/` ‖ outbox
/// uuid → empty): the mail sent for one ticket without scanning the outbox.
pub const OUTBOX_TICKET: &[u8] = b"outtkt/";

fn join(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let len = prefix.len() + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut key = Vec::with_capacity(len);
    key.extend_from_slice(prefix);
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

/// Key of a message record.
pub fn message(id: MessageId) -> Vec<u8> {
    join(MSG, &[id.0.as_bytes()])
}

/// Key of a message's raw-bytes pointer.
pub fn raw(id: MessageId) -> Vec<u8> {
    join(RAW, &[id.0.as_bytes()])
}

/// Key of a raw pack.
pub fn raw_pack(id: uuid::Uuid) -> Vec<u8> {
    join(RAW_PACK, &[id.as_bytes()])
}

/// Encodes a pointer into a raw pack.
pub fn raw_pointer(pack: uuid::Uuid, offset: u32, len: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(24);
    v.extend_from_slice(pack.as_bytes());
    v.extend_from_slice(&offset.to_be_bytes());
    v.extend_from_slice(&len.to_be_bytes());
    v
}

/// Decodes a pointer into a raw pack: (pack id, offset, length).
pub fn parse_raw_pointer(v: &[u8]) -> Option<(uuid::Uuid, usize, usize)> {
    let pack: [u8; 16] = v.get(..16)?.try_into().ok()?;
    let offset: [u8; 4] = v.get(16..20)?.try_into().ok()?;
    let len: [u8; 4] = v.get(20..24)?.try_into().ok()?;
    Some((
        uuid::Uuid::from_bytes(pack),
        u32::from_be_bytes(offset) as usize,
        u32::from_be_bytes(len) as usize,
    ))
}

/// Key of the exact-dedup entry for (channel, native id).
pub fn dedup(channel: Channel, native_id: &str) -> Vec<u8> {
    join(
        DEDUP,
        &[channel.as_str().as_bytes(), &[0], native_id.as_bytes()],
    )
}

/// Prefix of one channel's listing index.
pub fn channel_prefix(channel: Channel) -> Vec<u8> {
    join(CHAN, &[channel.as_str().as_bytes(), b"/"])
}

/// Key of a message in its channel's listing index.
pub fn channel_entry(channel: Channel, id: MessageId) -> Vec<u8> {
    join(&channel_prefix(channel), &[id.0.as_bytes()])
}

/// Key of a ticket.
pub fn ticket(number: &str) -> Vec<u8> {
    join(TICKET, &[number.as_bytes()])
}

/// Key of a day's ticket counter.
pub fn ticket_seq(day: &str) -> Vec<u8> {
    join(TICKET_SEQ, &[day.as_bytes()])
}

/// Key of a source cursor.
pub fn cursor(connector: &str, name: &str) -> Vec<u8> {
    join(CURSOR, &[connector.as_bytes(), &[0], name.as_bytes()])
}

/// Key of a quarantine entry; its raw bytes live under `raw/` with the same id.
pub fn quarantine(id: MessageId) -> Vec<u8> {
    join(QUARANTINE, &[id.0.as_bytes()])
}

/// Key of attachment content.
pub fn attachment(hash: &str) -> Vec<u8> {
    join(ATTACHMENT, &[hash.as_bytes()])
}

/// Prefix of one subject's audit entries.
pub fn audit_prefix(subject: &str) -> Vec<u8> {
    join(AUDIT, &[subject.as_bytes(), &[0]])
}

/// Key of a chat customer's current conversation ticket.
pub fn conversation(channel: Channel, connector: &str, author: &str) -> Vec<u8> {
    join(
        CONVERSATION,
        &[
            channel.as_str().as_bytes(),
            &[0],
            connector.as_bytes(),
            &[0],
            author.as_bytes(),
        ],
    )
}

/// Prefix of the drafts in one state.
pub fn draft_state_prefix(state: &str) -> Vec<u8> {
    join(DRAFT_STATE, &[state.as_bytes(), b"/"])
}

/// Index key of a draft in a state.
pub fn draft_state(state: &str, id: uuid::Uuid) -> Vec<u8> {
    join(DRAFT_STATE, &[state.as_bytes(), b"/", id.as_bytes()])
}

/// Key of a media download job.
pub fn media_job(message: uuid::Uuid) -> Vec<u8> {
    join(MEDIA_JOB, &[message.as_bytes()])
}

/// Key of a draft.
pub fn draft(id: uuid::Uuid) -> Vec<u8> {
    join(DRAFT, &[id.as_bytes()])
}

/// Key of an audit entry.
pub fn audit(subject: &str, id: uuid::Uuid) -> Vec<u8> {
    join(&audit_prefix(subject), &[id.as_bytes()])
}

/// Key of an audit entry in the time-ordered log.
pub fn audit_log(id: uuid::Uuid) -> Vec<u8> {
    join(AUDIT_LOG, &[id.as_bytes()])
}

/// Splits an `audit/` key into (subject, uuid).
pub fn parse_audit(key: &[u8]) -> Option<(&[u8], uuid::Uuid)> {
    let rest = key.strip_prefix(AUDIT)?;
    let id_at = rest.len().checked_sub(16)?;
    let (head, id) = rest.split_at(id_at);
    let subject = head.strip_suffix(&[0])?;
    Some((subject, uuid::Uuid::from_slice(id).ok()?))
}

/// Key of an outbox entry.
pub fn outbox(id: uuid::Uuid) -> Vec<u8> {
    join(OUTBOX, &[id.as_bytes()])
}

/// Prefix of the outbox entries in one state.
pub fn outbox_state_prefix(state: &str) -> Vec<u8> {
    join(OUTBOX_STATE, &[state.as_bytes(), b"/"])
}

/// Key of an outbox entry in the state index.
pub fn outbox_state(state: &str, id: uuid::Uuid) -> Vec<u8> {
    join(&outbox_state_prefix(state), &[id.as_bytes()])
}

/// Key of a sender's acknowledgement times.
pub fn ack_window(sender: &str) -> Vec<u8> {
    join(ACK_WINDOW, &[sender.as_bytes()])
}

/// Key of the incident `topic` has open.
pub fn incident_open(topic: &str) -> Vec<u8> {
    join(INCIDENT_OPEN, &[topic.as_bytes()])
}

/// Prefix of one incident's members.
pub fn incident_member_prefix(number: &str) -> Vec<u8> {
    join(INCIDENT_MEMBER, &[number.as_bytes(), b"/"])
}

/// Key of one incident member.
pub fn incident_member(number: &str, message: uuid::Uuid) -> Vec<u8> {
    join(&incident_member_prefix(number), &[message.as_bytes()])
}

/// Key recording that a message of an incident is covered by a draft.
pub fn incident_cover(number: &str, message: uuid::Uuid) -> Vec<u8> {
    join(
        INCIDENT_COVER,
        &[number.as_bytes(), b"/", message.as_bytes()],
    )
}

/// Prefix of one ticket's notes.
pub fn note_prefix(number: &str) -> Vec<u8> {
    join(NOTE, &[number.as_bytes(), b"/"])
}

/// Key of a note: the time first (sign bit flipped, so times before 1970
/// still sort), then its id to keep notes written in the same microsecond apart.
pub fn note(number: &str, at: chrono::DateTime<chrono::Utc>, id: uuid::Uuid) -> Vec<u8> {
    let time = (at.timestamp_micros() as u64) ^ (1 << 63);
    join(&note_prefix(number), &[&time.to_be_bytes(), id.as_bytes()])
}

/// Key of a day's digest record.
pub fn digest_day(day: &str) -> Vec<u8> {
    join(DIGEST_DAY, &[day.as_bytes()])
}

/// Key of a login session, by the hash of its id.
pub fn session(id_hash: &[u8; 32]) -> Vec<u8> {
    join(SESSION, &[id_hash])
}

/// Newest first: `u64::MAX - ms since 1970`, big-endian (earlier times clamp to 1970).
pub fn newest_first(at: chrono::DateTime<chrono::Utc>) -> [u8; 8] {
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    (u64::MAX - millis).to_be_bytes()
}

/// Prefix of the tickets in one state, every queue.
pub fn ticket_state_prefix(state: &str) -> Vec<u8> {
    join(TICKET_BY_STATE_QUEUE, &[state.as_bytes(), b"/"])
}

/// Prefix of the tickets in one (state, queue).
pub fn ticket_state_queue_prefix(state: &str, queue: &str) -> Vec<u8> {
    join(&ticket_state_prefix(state), &[queue.as_bytes(), &[0]])
}

/// Prefix of the tickets assigned to `assignee`.
pub fn ticket_assignee_prefix(assignee: &str) -> Vec<u8> {
    join(TICKET_BY_ASSIGNEE, &[assignee.as_bytes(), &[0]])
}

/// Prefix of the tickets of one priority.
pub fn ticket_priority_prefix(priority: &str) -> Vec<u8> {
    join(TICKET_BY_PRIORITY, &[priority.as_bytes(), b"/"])
}

/// Prefix of the incidents still firing (`resolved` false) or resolved.
pub fn ticket_incident_prefix(resolved: bool) -> Vec<u8> {
    let flag: &[u8] = if resolved { b"1" } else { b"0" };
    join(TICKET_BY_INCIDENT, &[flag, b"/"])
}

/// The part of every ticket index key after its prefix: the order (and the cursor).
pub fn ticket_order(at: chrono::DateTime<chrono::Utc>, number: &str) -> Vec<u8> {
    join(&newest_first(at), &[number.as_bytes()])
}

/// Prefix of the drafts in one state in the review queue.
pub fn draft_queue_prefix(state: &str) -> Vec<u8> {
    join(DRAFT_QUEUE, &[state.as_bytes(), b"/"])
}

/// Prefix of one group's drafts in one state of the review queue.
pub fn draft_queue_group_prefix(state: &str, group: &str) -> Vec<u8> {
    join(&draft_queue_prefix(state), &[group.as_bytes(), &[0]])
}

/// Key of a draft in the review queue: its group, then its id.
pub fn draft_queue(state: &str, group: &str, id: uuid::Uuid) -> Vec<u8> {
    join(&draft_queue_group_prefix(state, group), &[id.as_bytes()])
}

/// Key of a draft's cover namespace.
pub fn draft_group(id: uuid::Uuid) -> Vec<u8> {
    join(DRAFT_GROUP, &[id.as_bytes()])
}

/// Prefix of the messages a draft covers.
pub fn draft_covers_prefix(draft: uuid::Uuid) -> Vec<u8> {
    join(DRAFT_COVERS, &[draft.as_bytes()])
}

/// Key recording that `draft` covers `message`.
pub fn draft_cover(draft: uuid::Uuid, message: uuid::Uuid) -> Vec<u8> {
    join(DRAFT_COVERS, &[draft.as_bytes(), message.as_bytes()])
}

/// A message id with every bit flipped: ascending keys list newest first.
pub fn inverted_id(id: MessageId) -> [u8; 16] {
    (!id.0.as_u128()).to_be_bytes()
}

/// Key of a search entry under `prefix` (`SEARCH_ORDER`, `SEARCH_AUTHOR`).
pub fn search_entry(prefix: &[u8], term: &str, message: MessageId) -> Vec<u8> {
    join(prefix, &[term.as_bytes(), &[0], &inverted_id(message)])
}

/// The message and the term of a search entry key.
pub fn parse_search_entry<'k>(prefix: &[u8], key: &'k [u8]) -> Option<(MessageId, &'k [u8])> {
    let id_at = key.len().checked_sub(16)?;
    let inverted: [u8; 16] = key.get(id_at..)?.try_into().ok()?;
    let term = key.get(prefix.len()..id_at.checked_sub(1)?)?;
    let id = uuid::Uuid::from_u128(!u128::from_be_bytes(inverted));
    Some((MessageId(id), term))
}

/// Prefix of the outbox entries of one ticket.
pub fn outbox_ticket_prefix(number: &str) -> Vec<u8> {
    join(OUTBOX_TICKET, &[number.as_bytes(), b"/"])
}

/// Key of an outbox entry in its ticket's list.
pub fn outbox_ticket(number: &str, id: uuid::Uuid) -> Vec<u8> {
    join(&outbox_ticket_prefix(number), &[id.as_bytes()])
}

/// The smallest key after every key that starts with `prefix` (None: no such key).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Decodes the uuid that ends a key (`msg/`, `chan/...`, `quar/`).
pub fn trailing_id(key: &[u8]) -> Option<MessageId> {
    let start = key.len().checked_sub(16)?;
    let bytes: [u8; 16] = key.get(start..)?.try_into().ok()?;
    Some(MessageId(uuid::Uuid::from_bytes(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keys_sort_by_arrival() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert!(message(a) < message(b));
        assert_eq!(trailing_id(&message(b)), Some(b));
        assert_eq!(trailing_id(&channel_entry(Channel::Weibo, a)), Some(a));
    }

    #[test]
    fn dedup_keys_separate_channels_and_ids() {
        // The NUL separator keeps ("email", "x") and ("emailx", "") apart.
        assert_ne!(dedup(Channel::Email, "a"), dedup(Channel::Wechat, "a"));
        assert!(dedup(Channel::Email, "a").starts_with(b"dedup/email\0"));
    }

    #[test]
    fn raw_pointers_round_trip() {
        let pack = uuid::Uuid::now_v7();
        let v = raw_pointer(pack, 1234, 5678);
        assert_eq!(parse_raw_pointer(&v), Some((pack, 1234, 5678)));
        assert_eq!(parse_raw_pointer(&v[..23]), None);
    }

    #[test]
    fn note_keys_sort_by_time_then_id() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let earlier = chrono::DateTime::from_timestamp(-5, 0).unwrap_or_default();
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        assert!(note("20261128-000001", earlier, b) < note("20261128-000001", at, a));
        assert!(note("20261128-000001", at, a) < note("20261128-000001", at, b));
        assert!(note("20261128-000001", at, a).starts_with(&note_prefix("20261128-000001")));
    }

    #[test]
    fn ticket_order_is_newest_first_then_by_number() {
        let early = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let late = chrono::DateTime::from_timestamp(1_700_000_001, 0).unwrap_or_default();
        assert!(ticket_order(late, "20261128-000009") < ticket_order(early, "20261128-000001"));
        assert!(ticket_order(late, "20261128-000001") < ticket_order(late, "20261128-000002"));
        // The NUL after the queue keeps "email" and "email2" apart.
        assert!(
            !ticket_state_queue_prefix("new", "email2")
                .starts_with(&ticket_state_queue_prefix("new", "email"))
        );
    }

    #[test]
    fn firing_incidents_sort_before_resolved_ones_whatever_their_time() {
        let early = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let late = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let firing_old = [ticket_incident_prefix(false), ticket_order(early, "1")].concat();
        let resolved_new = [ticket_incident_prefix(true), ticket_order(late, "2")].concat();
        assert!(firing_old < resolved_new);
        assert!(firing_old.starts_with(TICKET_BY_INCIDENT));
        assert!(TICKET_BY_INCIDENT.starts_with(TICKET_INDEX));
    }

    #[test]
    fn search_entries_list_newest_first_and_parse_back() {
        let (a, b) = (MessageId::new(), MessageId::new());
        let ka = search_entry(SEARCH_ORDER, "2026112822001", a);
        let kb = search_entry(SEARCH_ORDER, "2026112822001", b);
        assert!(kb < ka, "the later message sorts first");
        assert_eq!(
            parse_search_entry(SEARCH_ORDER, &kb),
            Some((b, &b"2026112822001"[..]))
        );
        assert_eq!(parse_search_entry(SEARCH_ORDER, b"sxo/"), None);
    }

    #[test]
    fn audit_keys_parse_back_and_the_log_sorts_by_creation() {
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let key = audit("20261128-000001", a);
        assert_eq!(parse_audit(&key), Some((&b"20261128-000001"[..], a)));
        assert_eq!(parse_audit(b"audit/short"), None);
        // Across subjects, the log orders by the uuid alone.
        assert!(audit("z", a) > audit("a", b));
        assert!(audit_log(a) < audit_log(b));
        // Neither prefix is inside the other: one's scans never see the other.
        assert!(!AUDIT_LOG.starts_with(AUDIT) && !AUDIT.starts_with(AUDIT_LOG));
    }

    #[test]
    fn prefix_end_is_just_past_the_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
    }

    #[test]
    fn trailing_id_rejects_short_keys() {
        assert_eq!(trailing_id(b"short"), None);
    }
}
