//! Who gets an acknowledgement: a pure decision, so every rule that keeps
//! us out of mail loops is unit-tested without a store or a server.
//!
//! Only a person's mail that opened a new ticket is acknowledged, and a
//! sender gets at most `per_sender_per_hour` of them in any sliding hour: two
//! auto-responders that escape every header check still cannot ping-pong
//! for longer than that.

use chrono::{DateTime, Duration, Utc};

use super::mail::is_own_message_id;
use crate::model::MailKind;

/// The sliding window of the per-sender cap.
pub const CAP_WINDOW: Duration = Duration::hours(1);

/// The acknowledgement rules, from `[acknowledgement]` and `[smtp]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckPolicy {
    /// Most acknowledgements one sender receives in any hour.
    pub per_sender_per_hour: u32,
    /// Lowercase fragments of local parts that mark robots (`noreply`, `mailer-daemon`, ...).
    pub no_reply_patterns: Vec<String>,
    /// Our own addresses, lowercase: never acknowledged (a loop through our own mailbox).
    pub own_addresses: Vec<String>,
    /// The domain of our Message-IDs: mail carrying one is ours.
    pub message_id_domain: String,
}

/// The facts about one message that the decision needs.
#[derive(Debug, Clone, Copy)]
pub struct AckCandidate<'a> {
    /// Human, auto-reply or bounce.
    pub kind: &'a MailKind,
    /// A backfill or historical import.
    pub historical: bool,
    /// The sender's address, lowercase; empty when the mail names none.
    pub sender: &'a str,
    /// The mail's own Message-ID, when it had one.
    pub message_id: Option<&'a str>,
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// When this sender was acknowledged before (any order).
    pub earlier: &'a [DateTime<Utc>],
}

/// Why no acknowledgement is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Imported history: the customer wrote long ago.
    Historical,
    /// An out-of-office or other automatic answer.
    AutoReply,
    /// A delivery failure report.
    Bounce,
    /// No usable sender address.
    NoSender,
    /// A `noreply`-style address.
    NoReplyAddress,
    /// Our own address.
    OwnAddress,
    /// A Message-ID in our domain: our own mail came back.
    OwnMessageId,
    /// The sender already had `per_sender_per_hour` in the last hour.
    OverCap,
}

impl Skip {
    /// The label used in logs and the `reason` of the skip metric.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Historical => "historical",
            Skip::AutoReply => "auto_reply",
            Skip::Bounce => "bounce",
            Skip::NoSender => "no_sender",
            Skip::NoReplyAddress => "no_reply_address",
            Skip::OwnAddress => "own_address",
            Skip::OwnMessageId => "own_message_id",
            Skip::OverCap => "over_cap",
        }
    }
}

impl AckPolicy {
    /// Decides whether the message that opened a ticket is acknowledged.
    /// The cheapest and most telling checks come first, so the skip reason
    /// in the logs is the most useful one.
    pub fn decide(&self, c: &AckCandidate<'_>) -> Result<(), Skip> {
        if c.historical {
            return Err(Skip::Historical);
        }
        match c.kind {
            MailKind::Human => {}
            MailKind::AutoReply { .. } => return Err(Skip::AutoReply),
            MailKind::Bounce { .. } => return Err(Skip::Bounce),
        }
        let Some((local, _)) = c
            .sender
            .rsplit_once('@')
            .filter(|(l, d)| !l.is_empty() && !d.is_empty())
        else {
            return Err(Skip::NoSender);
        };
        if self.own_addresses.iter().any(|own| own == c.sender) {
            return Err(Skip::OwnAddress);
        }
        if c.message_id
            .is_some_and(|id| is_own_message_id(id, &self.message_id_domain))
        {
            return Err(Skip::OwnMessageId);
        }
        if self.is_no_reply(local) {
            return Err(Skip::NoReplyAddress);
        }
        if self.recent(c.earlier, c.at) >= self.per_sender_per_hour as usize {
            return Err(Skip::OverCap);
        }
        Ok(())
    }

    fn is_no_reply(&self, local: &str) -> bool {
        let local = local.to_lowercase();
        self.no_reply_patterns
            .iter()
            .any(|p| !p.is_empty() && local.contains(p.as_str()))
    }

    /// Acknowledgements within the window ending at `at`. Times after `at`
    /// count too: a clock stepped back must not reopen the window.
    fn recent(&self, earlier: &[DateTime<Utc>], at: DateTime<Utc>) -> usize {
        earlier.iter().filter(|t| **t > at - CAP_WINDOW).count()
    }

    /// The times to keep for a sender after acknowledging at `at`: the ones
    /// still inside the window, plus `at`. Bounded by the cap.
    pub fn remember(&self, earlier: &[DateTime<Utc>], at: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut kept: Vec<DateTime<Utc>> = earlier
            .iter()
            .copied()
            .filter(|t| *t > at - CAP_WINDOW)
            .collect();
        kept.push(at);
        kept.sort();
        kept
    }
}

/// The default `no_reply_patterns`: fragments that robots' local parts carry.
pub const DEFAULT_NO_REPLY_PATTERNS: [&str; 11] = [
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "mailer-daemon",
    "postmaster",
    "bounce",
    "autoreply",
    "auto-reply",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> AckPolicy {
        AckPolicy {
            per_sender_per_hour: 3,
            no_reply_patterns: DEFAULT_NO_REPLY_PATTERNS.map(String::from).to_vec(),
            own_addresses: vec!["help@alipay.com".into()],
            message_id_domain: "omnilisten.alipay.com".into(),
        }
    }

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_201_600 + minute * 60, 0).unwrap_or_default()
    }

    fn person<'a>(sender: &'a str, earlier: &'a [DateTime<Utc>]) -> AckCandidate<'a> {
        AckCandidate {
            kind: &MailKind::Human,
            historical: false,
            sender,
            message_id: Some("abc@mail.example.cn"),
            at: at(60),
            earlier,
        }
    }

    #[test]
    fn a_persons_first_mail_is_acknowledged() {
        assert_eq!(policy().decide(&person("xiaoming@example.cn", &[])), Ok(()));
    }

    #[test]
    fn robots_history_and_our_own_mail_are_never_acknowledged() {
        let p = policy();
        let auto = MailKind::AutoReply {
            reason: "Auto-Submitted: auto-replied".into(),
        };
        let bounce = MailKind::Bounce {
            reason: "report".into(),
            original_message_id: None,
        };
        let cases: [(AckCandidate<'_>, Skip); 9] = [
            (
                AckCandidate {
                    historical: true,
                    ..person("a@x.cn", &[])
                },
                Skip::Historical,
            ),
            (
                AckCandidate {
                    kind: &auto,
                    ..person("a@x.cn", &[])
                },
                Skip::AutoReply,
            ),
            (
                AckCandidate {
                    kind: &bounce,
                    ..person("a@x.cn", &[])
                },
                Skip::Bounce,
            ),
            (person("", &[]), Skip::NoSender),
            (person("no-at-sign", &[]), Skip::NoSender),
            (person("help@alipay.com", &[]), Skip::OwnAddress),
            (
                AckCandidate {
                    message_id: Some("0190abc@OMNILISTEN.alipay.com"),
                    ..person("a@x.cn", &[])
                },
                Skip::OwnMessageId,
            ),
            (person("NoReply-alerts@bank.cn", &[]), Skip::NoReplyAddress),
            (person("bounces+123@list.cn", &[]), Skip::NoReplyAddress),
        ];
        for (candidate, expected) in cases {
            assert_eq!(p.decide(&candidate), Err(expected), "{candidate:?}");
        }
    }

    #[test]
    fn the_cap_counts_a_sliding_hour() {
        let p = policy();
        // Three in the last hour: the fourth is refused.
        let full = [at(1), at(30), at(59)];
        assert_eq!(p.decide(&person("a@x.cn", &full)), Err(Skip::OverCap));
        // One of them is exactly an hour old: it no longer counts.
        let aged = [at(0), at(30), at(59)];
        assert_eq!(p.decide(&person("a@x.cn", &aged)), Ok(()));
        // A clock stepped back does not reopen the window.
        let future = [at(61), at(62), at(63)];
        assert_eq!(p.decide(&person("a@x.cn", &future)), Err(Skip::OverCap));
    }

    #[test]
    fn remember_keeps_only_the_window_and_stays_bounded() {
        let p = policy();
        let kept = p.remember(&[at(0), at(10), at(30)], at(65));
        assert_eq!(kept, vec![at(10), at(30), at(65)]);
        let mut times = Vec::new();
        for minute in 0..500 {
            if p.decide(&AckCandidate {
                at: at(minute),
                ..person("robot@x.cn", &times)
            })
            .is_ok()
            {
                times = p.remember(&times, at(minute));
            }
            assert!(times.len() <= 3);
        }
    }

    #[test]
    fn a_zero_cap_acknowledges_nobody() {
        let p = AckPolicy {
            per_sender_per_hour: 0,
            ..policy()
        };
        assert_eq!(p.decide(&person("a@x.cn", &[])), Err(Skip::OverCap));
    }
}
