//! Where a folder was read up to, and how UIDs are written in commands.
//!
//! The position travels as the checkpoint of every envelope, so it is
//! committed in the same batch as the mail it covers: after a crash the store
//! says exactly which UIDs are durable.

/// A folder's position, stored as the cursor `folder/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The UIDVALIDITY the UIDs belong to; when the server's differs, the
    /// folder is read again from the start.
    pub validity: u32,
    /// The highest UID whose mail is durable.
    pub uid: u32,
    /// Mail up to this UID belongs to a historical import (`start = "all"`,
    /// `since:`, or a re-read after a UIDVALIDITY change) and never triggers
    /// acknowledgements. Stored so an import interrupted by a crash stays one.
    pub historical_until: u32,
}

impl Position {
    /// The cursor value: `<uidvalidity>:<uid>:<historical_until>`.
    pub fn encode(&self) -> Vec<u8> {
        format!("{}:{}:{}", self.validity, self.uid, self.historical_until).into_bytes()
    }

    /// Parses a cursor value; the third field may be missing (no import).
    pub fn decode(value: &[u8]) -> Option<Position> {
        let text = std::str::from_utf8(value).ok()?;
        let mut fields = text.split(':').map(str::parse::<u32>);
        let validity = fields.next()?.ok()?;
        let uid = fields.next()?.ok()?;
        let historical_until = match fields.next() {
            Some(h) => h.ok()?,
            None => 0,
        };
        if fields.next().is_some() {
            return None;
        }
        Some(Position {
            validity,
            uid,
            historical_until,
        })
    }

    /// The same position advanced to `uid`.
    pub fn at(self, uid: u32) -> Position {
        Position { uid, ..self }
    }

    /// Whether the mail with this UID is part of a historical import.
    pub fn is_historical(&self, uid: u32) -> bool {
        uid <= self.historical_until
    }
}

/// The cursor name of a folder.
pub fn cursor_name(folder: &str) -> String {
    format!("folder/{folder}")
}

/// Writes ascending UIDs as an IMAP sequence set, runs compressed:
/// `[1, 2, 3, 7, 9, 10]` → `1:3,7,9:10`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while let Some(&first) = uids.get(i) {
        let mut last = first;
        while uids.get(i + 1) == Some(&last.wrapping_add(1)) {
            last += 1;
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if first == last {
            out.push_str(&first.to_string());
        } else {
            out.push_str(&format!("{first}:{last}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_old_two_field_values_parse() {
        let p = Position {
            validity: 1_795_825_283,
            uid: 42,
            historical_until: 40,
        };
        assert_eq!(Position::decode(&p.encode()), Some(p));
        assert_eq!(
            Position::decode(b"7:9"),
            Some(Position {
                validity: 7,
                uid: 9,
                historical_until: 0
            })
        );
        for bad in [&b""[..], b"7", b"x:1", b"1:2:3:4", b"1:-2", b"\xff"] {
            assert_eq!(Position::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn historical_means_at_or_below_the_import_end() {
        let p = Position {
            validity: 1,
            uid: 0,
            historical_until: 5,
        };
        assert!(p.is_historical(5) && !p.is_historical(6));
        assert_eq!(p.at(3).uid, 3);
    }

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[u32::MAX - 1, u32::MAX]), "4294967294:4294967295");
    }
}
