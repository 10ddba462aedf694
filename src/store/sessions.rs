//! Login sessions of the review desk, kept under the BLAKE3 hash of their
//! id: the id itself lives only in the browser's cookie, so a dump or a
//! backup of the store holds nothing that logs anyone in.
//!
//! Keys: `session/` ‖ 32-byte hash → JSON [`Session`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, Tx, decode, encode, keys};

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The user's name in `[[users]]`.
    pub user: String,
    /// The role at login (each request looks the user up again, so a
    /// changed config wins; this is for the audit trail).
    pub role: String,
    /// The token every state-changing request of this session must carry.
    pub csrf: String,
    /// When the user logged in.
    pub created_at: DateTime<Utc>,
    /// When the session stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl Session {
    /// Whether the session is past its end at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

impl Tx<'_> {
    /// Writes a session under the hash of its id.
    pub fn put_session(&mut self, id_hash: &[u8; 32], session: &Session) {
        self.put(keys::session(id_hash), encode(session));
    }

    /// Removes a session (logout, expiry, user gone).
    pub fn remove_session(&mut self, id_hash: &[u8; 32]) {
        self.remove(keys::session(id_hash));
    }
}

impl Store {
    /// The session stored under `id_hash`, expired or not.
    pub fn session(&self, id_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let key = keys::session(id_hash);
        match self.db().get(&key)? {
            Some(bytes) => Ok(Some(decode(&key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Hashes of up to `limit` sessions expired at `now`, for a lazy sweep.
    /// An unreadable record counts as expired: nobody can use it either.
    pub fn expired_sessions(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<[u8; 32]>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::SESSION) {
            if out.len() >= limit {
                break;
            }
            let (key, value) = item?;
            let expired = decode::<Session>(&key, &value).map_or(true, |s| s.is_expired(now));
            let hash = key
                .get(keys::SESSION.len()..)
                .and_then(|h| <[u8; 32]>::try_from(h).ok());
            if let (true, Some(hash)) = (expired, hash) {
                out.push(hash);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::store::StoreOptions;

    fn session(user: &str, expires_in: Duration) -> Session {
        let now = Utc::now();
        Session {
            user: user.into(),
            role: "reviewer".into(),
            csrf: "csrf-token".into(),
            created_at: now,
            expires_at: now + expires_in,
        }
    }

    #[tokio::test]
    async fn sessions_round_trip_by_hash_and_expired_ones_are_found_for_the_sweep() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
        let (live, old) = ([1u8; 32], [2u8; 32]);
        let mut tx = store.begin().await;
        tx.put_session(&live, &session("alice", Duration::hours(1)));
        tx.put_session(&old, &session("bob", Duration::seconds(-1)));
        tx.commit().await.expect("commit");

        assert_eq!(
            store
                .session(&live)
                .expect("read")
                .map(|s| s.user)
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            store.expired_sessions(Utc::now(), 10).expect("scan"),
            vec![old]
        );
        assert!(
            store
                .expired_sessions(Utc::now(), 0)
                .expect("scan")
                .is_empty()
        );

        let mut tx = store.begin().await;
        tx.remove_session(&live);
        tx.commit().await.expect("commit");
        assert_eq!(store.session(&live).expect("read"), None);
    }
}
