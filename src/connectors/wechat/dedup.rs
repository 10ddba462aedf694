//! The key under which a push is stored once, however often it is delivered.
//!
//! WeChat redelivers a push it got no answer to within 5 s, three deliveries
//! in all (research §4). Its docs recommend MsgId for messages and
//! FromUserName + CreateTime for events, but both are too narrow: MsgId
//! collided across users sending voice at once (WxJava#333), and a user's
//! events share a CreateTime (several unsubscribe pushes, LOCATION every 5 s,
//! chanjarster/weixin-java-tools#66). Hence the wider keys below. ToUserName
//! is left out because one connector serves one account.

use super::xml::{Push, PushKind};

/// What identifies one push across WeChat's retries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DedupKey {
    /// A message: MsgId together with the sender.
    Message {
        /// `FromUserName`.
        from_user_name: String,
        /// `MsgId`.
        msg_id: u64,
    },
    /// An event, or an unknown type without MsgId: sender, time, event name
    /// and event key.
    Event {
        /// `FromUserName`.
        from_user_name: String,
        /// `CreateTime`.
        create_time: i64,
        /// `Event` (for an unknown MsgType without MsgId, the MsgType).
        event: String,
        /// `EventKey`, empty when the event has none.
        event_key: String,
    },
}

impl DedupKey {
    /// The key of `push`.
    pub fn of(push: &Push) -> Self {
        let message = |msg_id| DedupKey::Message {
            from_user_name: push.from_user_name.clone(),
            msg_id,
        };
        match &push.kind {
            PushKind::Text { msg_id, .. }
            | PushKind::Image { msg_id, .. }
            | PushKind::Voice { msg_id, .. }
            | PushKind::Video { msg_id, .. }
            | PushKind::ShortVideo { msg_id, .. }
            | PushKind::Location { msg_id, .. }
            | PushKind::Link { msg_id, .. }
            | PushKind::Unknown {
                msg_id: Some(msg_id),
                ..
            } => message(*msg_id),
            PushKind::Event(event) => DedupKey::Event {
                from_user_name: push.from_user_name.clone(),
                create_time: push.create_time,
                event: event.name().to_owned(),
                event_key: event.event_key().unwrap_or_default().to_owned(),
            },
            PushKind::Unknown {
                msg_type,
                msg_id: None,
                ..
            } => DedupKey::Event {
                from_user_name: push.from_user_name.clone(),
                create_time: push.create_time,
                event: msg_type.clone(),
                event_key: String::new(),
            },
        }
    }

    /// A stable, unambiguous byte encoding for the store: each part is
    /// length-prefixed, so an EventKey (an arbitrary URL for VIEW) can never
    /// make two different keys encode alike.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            DedupKey::Message {
                from_user_name,
                msg_id,
            } => {
                out.push(b'm');
                put(&mut out, from_user_name.as_bytes());
                put(&mut out, &msg_id.to_be_bytes());
            }
            DedupKey::Event {
                from_user_name,
                create_time,
                event,
                event_key,
            } => {
                out.push(b'e');
                put(&mut out, from_user_name.as_bytes());
                put(&mut out, &create_time.to_be_bytes());
                put(&mut out, event.as_bytes());
                put(&mut out, event_key.as_bytes());
            }
        }
        out
    }

    /// The key as the stored message's `native_id`: `msg:<MsgId>:<OpenID>`
    /// for a message (an OpenID has no `:`, a MsgId is digits, so the form is
    /// unambiguous), `evt:` + the hex of [`DedupKey::to_bytes`] for an event,
    /// whose EventKey may be any text.
    pub fn native_id(&self) -> String {
        match self {
            DedupKey::Message {
                from_user_name,
                msg_id,
            } => format!("msg:{msg_id}:{from_user_name}"),
            DedupKey::Event { .. } => {
                let bytes = self.to_bytes();
                let mut out = String::with_capacity(4 + 2 * bytes.len());
                out.push_str("evt:");
                for b in bytes {
                    out.push_str(&format!("{b:02x}"));
                }
                out
            }
        }
    }
}

fn put(out: &mut Vec<u8>, part: &[u8]) {
    // Parts come from a body of at most 64 KiB, so a u32 length always fits;
    // saturating keeps the function total anyway.
    let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(part);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::wechat::xml::parse_push;

    fn key(xml: &str) -> DedupKey {
        DedupKey::of(&parse_push(xml.as_bytes()).unwrap())
    }

    fn text(from: &str, msg_id: u64, create_time: i64) -> String {
        format!(
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>{from}</FromUserName><CreateTime>{create_time}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>{msg_id}</MsgId></xml>"
        )
    }

    fn event(from: &str, create_time: i64, event: &str, event_key: Option<&str>) -> String {
        let key = event_key
            .map(|k| format!("<EventKey><![CDATA[{k}]]></EventKey>"))
            .unwrap_or_default();
        format!(
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>{from}</FromUserName><CreateTime>{create_time}</CreateTime><MsgType>event</MsgType><Event>{event}</Event>{key}</xml>"
        )
    }

    #[test]
    fn a_retry_has_the_same_key() {
        assert_eq!(key(&text("o1", 7, 100)), key(&text("o1", 7, 100)));
        assert_eq!(
            key(&event("o1", 100, "CLICK", Some("K"))),
            key(&event("o1", 100, "CLICK", Some("K")))
        );
    }

    #[test]
    fn msg_id_collision_across_users_keeps_both() {
        // WxJava#333: two users' voice messages shared a MsgId.
        assert_ne!(key(&text("o1", 7, 100)), key(&text("o2", 7, 100)));
        // The same message id from the same user is the same message even if
        // CreateTime were to differ on redelivery.
        assert_eq!(key(&text("o1", 7, 100)), key(&text("o1", 7, 101)));
    }

    #[test]
    fn events_in_the_same_second_stay_apart() {
        let click_a = key(&event("o1", 100, "CLICK", Some("A")));
        let click_b = key(&event("o1", 100, "CLICK", Some("B")));
        let view = key(&event("o1", 100, "VIEW", Some("A")));
        let other_user = key(&event("o2", 100, "CLICK", Some("A")));
        let later = key(&event("o1", 105, "CLICK", Some("A")));
        let all = [&click_a, &click_b, &view, &other_user, &later];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
                assert_ne!(a.to_bytes(), b.to_bytes());
            }
        }
    }

    #[test]
    fn byte_encoding_is_unambiguous() {
        let a = DedupKey::Event {
            from_user_name: "ab".into(),
            create_time: 1,
            event: "c".into(),
            event_key: String::new(),
        };
        let b = DedupKey::Event {
            from_user_name: "a".into(),
            create_time: 1,
            event: "bc".into(),
            event_key: String::new(),
        };
        assert_ne!(a.to_bytes(), b.to_bytes());
    }

    #[test]
    fn unknown_types_use_msg_id_when_they_have_one() {
        let with_id = "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>miniprogrampage</MsgType><MsgId>9</MsgId></xml>";
        assert_eq!(
            key(with_id),
            DedupKey::Message {
                from_user_name: "o1".into(),
                msg_id: 9
            }
        );
        let without = "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>newthing</MsgType></xml>";
        assert!(matches!(key(without), DedupKey::Event { event, .. } if event == "newthing"));
    }

    #[test]
    fn native_ids_are_readable_for_messages_and_distinct_for_events() {
        assert_eq!(key(&text("oA", 42, 1)).native_id(), "msg:42:oA");
        let click = key(&event("oA", 1, "CLICK", Some("K")));
        let other = key(&event("oA", 1, "CLICK", Some("L")));
        assert!(click.native_id().starts_with("evt:"));
        assert_ne!(click.native_id(), other.native_id());
    }
}
