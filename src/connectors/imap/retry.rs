//! What a folder still owes after something went wrong, kept in memory
//! across sessions.
//!
//! Mail the pipeline failed to store (a store error, a parser that
//! panicked): later mail of the same folder may already be committed with
//! its position, so the folder is read again from the failed UID; a mail
//! that fails [`MAX_ATTEMPTS`] times is quarantined whole, so one poison
//! mail cannot block its folder.
//!
//! After-actions (`\Seen`, move) of stored mail that the connection broke
//! before: the position has passed that mail, so they are done first thing
//! in the next session.

use std::collections::HashMap;

use super::position::Position;
use crate::connectors::Payload;
use crate::model::Channel;

/// Attempts before a mail is quarantined instead of offered again.
pub const MAX_ATTEMPTS: u8 = 3;

/// The lowest failed mail of each folder (in memory: after a restart the
/// stored position decides, and a failure there repeats itself).
#[derive(Debug, Default)]
pub struct Failures {
    by_folder: HashMap<String, Failed>,
    owed_after: HashMap<String, (u32, Vec<u32>)>,
}

#[derive(Debug)]
struct Failed {
    validity: u32,
    uid: u32,
    attempts: u8,
    reason: String,
    rewind: bool,
}

impl Failures {
    /// Moves `position` back before a failed mail, once per failure, so it
    /// is fetched again (and a mail expunged meanwhile cannot loop).
    pub fn rewind(&mut self, folder: &str, position: Position) -> Position {
        match self.by_folder.get_mut(folder) {
            Some(f) if f.rewind && f.validity == position.validity && f.uid <= position.uid => {
                f.rewind = false;
                position.at(f.uid.saturating_sub(1))
            }
            _ => position,
        }
    }

    /// The payload for a fetched mail: itself, or a quarantine order once
    /// it has failed too often.
    pub fn payload(&self, folder: &str, validity: u32, uid: u32, raw: Vec<u8>) -> Payload {
        match self.by_folder.get(folder) {
            Some(f) if f.validity == validity && f.uid == uid && f.attempts >= MAX_ATTEMPTS => {
                Payload::Rejected {
                    channel: Channel::Email,
                    raw,
                    reason: format!("not stored after {} attempts: {}", f.attempts, f.reason),
                }
            }
            _ => Payload::Email(raw),
        }
    }

    /// A mail was made durable.
    pub fn succeeded(&mut self, folder: &str, uid: u32) {
        if self.by_folder.get(folder).is_some_and(|f| f.uid == uid) {
            self.by_folder.remove(folder);
        }
    }

    /// Remembers stored UIDs whose after-action could not run.
    pub fn owe_after(&mut self, folder: &str, validity: u32, uids: Vec<u32>) {
        let entry = self
            .owed_after
            .entry(folder.to_string())
            .or_insert((validity, Vec::new()));
        if entry.0 != validity {
            *entry = (validity, Vec::new());
        }
        entry.1.extend(uids);
        entry.1.sort_unstable();
        entry.1.dedup();
    }

    /// The UIDs owed an after-action, if they still belong to `validity`.
    pub fn take_owed_after(&mut self, folder: &str, validity: u32) -> Vec<u32> {
        match self.owed_after.remove(folder) {
            Some((v, uids)) if v == validity => uids,
            _ => Vec::new(),
        }
    }

    /// A mail was not stored; the lowest such UID is read again next.
    pub fn failed(&mut self, folder: &str, validity: u32, uid: u32, reason: &str) {
        let entry = self.by_folder.entry(folder.to_string()).or_insert(Failed {
            validity,
            uid,
            attempts: 0,
            reason: String::new(),
            rewind: true,
        });
        if entry.validity != validity || uid < entry.uid {
            *entry = Failed {
                validity,
                uid,
                attempts: 0,
                reason: String::new(),
                rewind: true,
            };
        }
        if entry.uid == uid {
            entry.attempts = entry.attempts.saturating_add(1);
            entry.reason = reason.to_string();
        }
        entry.rewind = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(uid: u32) -> Position {
        Position {
            validity: 9,
            uid,
            historical_until: 0,
        }
    }

    #[test]
    fn a_failure_rewinds_once_and_quarantines_after_three() {
        let mut f = Failures::default();
        f.failed("INBOX", 9, 5, "disk full");
        assert_eq!(f.rewind("INBOX", at(8)).uid, 4);
        assert_eq!(f.rewind("INBOX", at(8)).uid, 8, "only once per failure");
        assert!(matches!(
            f.payload("INBOX", 9, 5, b"x".to_vec()),
            Payload::Email(_)
        ));
        f.failed("INBOX", 9, 5, "disk full");
        f.failed("INBOX", 9, 6, "later mail");
        f.failed("INBOX", 9, 5, "disk full");
        match f.payload("INBOX", 9, 5, b"x".to_vec()) {
            Payload::Rejected { reason, .. } => {
                assert_eq!(reason, "not stored after 3 attempts: disk full");
            }
            other => panic!("{other:?}"),
        }
        f.succeeded("INBOX", 5);
        assert!(matches!(
            f.payload("INBOX", 9, 5, b"x".to_vec()),
            Payload::Email(_)
        ));
        assert_eq!(f.rewind("INBOX", at(8)).uid, 8);
    }

    #[test]
    fn owed_after_actions_are_handed_back_once_and_only_for_their_validity() {
        let mut f = Failures::default();
        f.owe_after("INBOX", 9, vec![3, 1]);
        f.owe_after("INBOX", 9, vec![2, 3]);
        assert_eq!(f.take_owed_after("INBOX", 9), [1, 2, 3]);
        assert!(f.take_owed_after("INBOX", 9).is_empty());
        f.owe_after("INBOX", 9, vec![4]);
        assert!(
            f.take_owed_after("INBOX", 10).is_empty(),
            "renumbered: UIDs mean other mail"
        );
    }

    #[test]
    fn other_folders_and_validities_are_untouched() {
        let mut f = Failures::default();
        f.failed("INBOX", 9, 5, "x");
        assert_eq!(f.rewind("Other", at(8)).uid, 8);
        let renumbered = Position {
            validity: 10,
            ..at(8)
        };
        assert_eq!(f.rewind("INBOX", renumbered).uid, 8);
    }
}
