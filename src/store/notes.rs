//! Notes on tickets: free text by agents or components (the daily digest),
//! kept beside the ticket rather than inside its record, so adding one never
//! rewrites a ticket with thousands of messages.
//!
//! Keys: `note/` ‖ number ‖ `/` ‖ time ‖ uuid → JSON [`Note`].

use super::{AuditEntry, Store, StoreError, Tx, decode, encode, keys};
use crate::model::Note;

impl Tx<'_> {
    /// Adds `note` to its ticket in this batch, with an audit entry, and
    /// moves the ticket's `updated_at` up to the note's time. Returns false
    /// (and writes nothing) when the ticket does not exist.
    pub fn add_note(&mut self, note: &Note) -> Result<bool, StoreError> {
        let number = &note.ticket.0;
        let Some(mut ticket) = self.ticket(number)? else {
            return Ok(false);
        };
        if note.at > ticket.updated_at {
            ticket.updated_at = note.at;
            self.put_ticket(&ticket);
        }
        self.put(keys::note(number, note.at, note.id.0), encode(note));
        self.audit(&AuditEntry {
            at: note.at,
            actor: note.author.clone(),
            action: "note.added".into(),
            subject: number.clone(),
            before: None,
            after: Some(serde_json::json!({ "note": note.id, "internal": note.internal })),
        });
        Ok(true)
    }
}

impl Store {
    /// The notes on ticket `number`, oldest first.
    pub fn notes(&self, number: &str) -> Result<Vec<Note>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::note_prefix(number)) {
            let (key, value) = item?;
            out.push(decode(&key, &value)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;
    use crate::model::{Priority, Ticket, TicketNumber, TicketState};
    use crate::store::StoreOptions;

    fn ticket(number: &str, at: chrono::DateTime<Utc>) -> Ticket {
        Ticket {
            number: TicketNumber(number.into()),
            queue: "email".into(),
            priority: Priority::Normal,
            state: TicketState::New,
            title: "t".into(),
            requester: "a@x.cn".into(),
            messages: vec![],
            assignee: None,
            created_at: at,
            updated_at: at,
            incident: None,
        }
    }

    #[tokio::test]
    async fn notes_come_back_in_time_order_and_only_for_their_ticket() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
        let now = Utc::now();
        let number = TicketNumber("20261128-000001".into());
        let other = TicketNumber("20261128-000002".into());
        let mut tx = store.begin().await;
        tx.put_ticket(&ticket(&number.0, now - Duration::hours(1)));
        tx.put_ticket(&ticket(&other.0, now));
        // Written out of order: the later note first.
        let later = Note::internal(&number, now, "system:digest", "第二条".into());
        let earlier = Note::internal(
            &number,
            now - Duration::minutes(5),
            "alice",
            "第一条".into(),
        );
        assert!(tx.add_note(&later).expect("note"));
        assert!(tx.add_note(&earlier).expect("note"));
        assert!(
            tx.add_note(&Note::internal(&other, now, "bob", "别的".into()))
                .expect("note")
        );
        let missing = TicketNumber("20261128-000099".into());
        assert!(
            !tx.add_note(&Note::internal(&missing, now, "bob", "无".into()))
                .expect("note")
        );
        tx.commit().await.expect("commit");

        let notes = store.notes(&number.0).expect("notes");
        assert_eq!(notes, vec![earlier, later]);
        assert!(store.notes(&missing.0).expect("notes").is_empty());
        let stored = store.ticket(&number.0).expect("read").expect("ticket");
        assert_eq!(stored.updated_at, now);
        let audit = store.audit_for(&number.0).expect("audit");
        assert_eq!(audit.len(), 2);
        assert!(audit.iter().all(|a| a.action == "note.added"));
    }
}
