//! Push XML → [`Push`], the safe-mode envelope, and passive-reply XML.
//!
//! WeChat's XML is flat: `<xml>` holding one element per field, values bare
//! (`<CreateTime>`, `<MsgId>`) or in CDATA, in no fixed order, sometimes with
//! fields the docs never mention (vector A3 carries `<URL>`). So the body is
//! read into a field list and then interpreted; unknown fields are ignored
//! and an unknown `MsgType` or `Event` is kept raw, never refused, because
//! WeChat adds types without notice.
//!
//! Hostile input: DTDs are refused outright (the 2018 XXE notice, research
//! §7.10), only the five predefined entities and character references are
//! expanded, and bodies over [`MAX_BODY_BYTES`] are refused before parsing.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event as XmlEvent};

/// The largest push accepted. Real pushes are a few hundred bytes; safe mode
/// makes them about 1.4× larger and compatible mode about 3×.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why a push body was refused. Every variant means "answer 400 (413 for
/// [`XmlError::TooLarge`]) and store nothing".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The body is over [`MAX_BODY_BYTES`].
    #[error("the body is {len} bytes, over the {MAX_BODY_BYTES}-byte limit")]
    TooLarge {
        /// Body length in bytes.
        len: usize,
    },
    /// The body is not UTF-8 (WeChat only sends UTF-8).
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// A DOCTYPE, and with it any ENTITY declaration (XXE).
    #[error("DOCTYPE and entity declarations are refused")]
    Doctype,
    /// A reference to an entity other than the five XML predefines.
    #[error("undeclared entity reference &{0};")]
    UnknownEntity(String),
    /// Not well-formed XML, or not the flat shape WeChat sends.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The same field twice: refused so that what is signed, what is
    /// decrypted and what is stored cannot disagree.
    #[error("the field <{0}> appears more than once")]
    DuplicateField(String),
    /// A field the push type cannot do without.
    #[error("the required field <{0}> is missing")]
    MissingField(&'static str),
    /// A field whose value cannot be read (a non-numeric `MsgId`, ...).
    #[error("the field <{field}> has an invalid value {value:?}")]
    InvalidField {
        /// The field name.
        field: &'static str,
        /// The value as received.
        value: String,
    },
}

/// One message or event pushed by WeChat.
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// `ToUserName`: the account's original id (`gh_…`).
    pub to_user_name: String,
    /// `FromUserName`: the sender's OpenID.
    pub from_user_name: String,
    /// `CreateTime`: Unix seconds.
    pub create_time: i64,
    /// What was pushed.
    pub kind: PushKind,
}

/// The `MsgType`-specific part of a push.
#[derive(Debug, Clone, PartialEq)]
pub enum PushKind {
    /// `text`.
    Text {
        /// `MsgId`.
        msg_id: u64,
        /// `Content`: UTF-8, may hold 4-byte emoji and face codes like `/::)`.
        content: String,
    },
    /// `image`.
    Image {
        /// `MsgId`.
        msg_id: u64,
        /// `PicUrl`: a system-generated link to the picture.
        pic_url: String,
        /// `MediaId`, for `/cgi-bin/media/get`.
        media_id: String,
    },
    /// `voice`.
    Voice {
        /// `MsgId` (the doc table spells it `MsgID`; both are read).
        msg_id: u64,
        /// `MediaId`.
        media_id: String,
        /// `Format`: `amr`, `speex`, ...
        format: String,
        /// `Recognition`: the speech-to-text result, when the account has it on.
        recognition: Option<String>,
    },
    /// `video`.
    Video {
        /// `MsgId`.
        msg_id: u64,
        /// `MediaId`.
        media_id: String,
        /// `ThumbMediaId`.
        thumb_media_id: String,
    },
    /// `shortvideo`.
    ShortVideo {
        /// `MsgId`.
        msg_id: u64,
        /// `MediaId`.
        media_id: String,
        /// `ThumbMediaId`.
        thumb_media_id: String,
    },
    /// `location`: a location the user sent as a message.
    Location {
        /// `MsgId`.
        msg_id: u64,
        /// `Location_X`.
        latitude: f64,
        /// `Location_Y`.
        longitude: f64,
        /// `Scale`: map zoom level.
        scale: Option<u32>,
        /// `Label`: the place name.
        label: String,
    },
    /// `link`.
    Link {
        /// `MsgId`.
        msg_id: u64,
        /// `Title`.
        title: String,
        /// `Description`.
        description: String,
        /// `Url`.
        url: String,
    },
    /// `event`: carries no `MsgId`.
    Event(Event),
    /// A `MsgType` this code does not know, kept whole.
    Unknown {
        /// `MsgType` as received.
        msg_type: String,
        /// `MsgId`, if the push has one.
        msg_id: Option<u64>,
        /// The whole push XML.
        raw: String,
    },
}

/// The `Event` of a `MsgType=event` push.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `subscribe`; through a parameter QR code it carries the scene.
    Subscribe {
        /// `EventKey`: `qrscene_` + the scene value, for QR-code follows.
        event_key: Option<String>,
        /// `Ticket` of the QR code.
        ticket: Option<String>,
    },
    /// `unsubscribe`.
    Unsubscribe,
    /// `SCAN`: a parameter QR code scanned by a follower.
    Scan {
        /// `EventKey`: the scene id or string.
        event_key: String,
        /// `Ticket` of the QR code.
        ticket: Option<String>,
    },
    /// `LOCATION`: reported on entering the chat or every 5 s in it.
    Location {
        /// `Latitude`.
        latitude: f64,
        /// `Longitude`.
        longitude: f64,
        /// `Precision`.
        precision: Option<f64>,
    },
    /// `CLICK` on a custom-menu button.
    Click {
        /// `EventKey`: the button's KEY.
        event_key: String,
    },
    /// `VIEW`: a custom-menu link opened.
    View {
        /// `EventKey`: the target URL.
        url: String,
        /// `MenuId` (the doc table spells it `MenuID`; both are read).
        menu_id: Option<String>,
    },
    /// An `Event` this code does not know, kept whole.
    Unknown {
        /// `Event` as received.
        event: String,
        /// `EventKey`, if any.
        event_key: Option<String>,
        /// The whole push XML.
        raw: String,
    },
}

impl Event {
    /// The event name as WeChat spells it (`subscribe`, `SCAN`, ...).
    pub fn name(&self) -> &str {
        match self {
            Event::Subscribe { .. } => "subscribe",
            Event::Unsubscribe => "unsubscribe",
            Event::Scan { .. } => "SCAN",
            Event::Location { .. } => "LOCATION",
            Event::Click { .. } => "CLICK",
            Event::View { .. } => "VIEW",
            Event::Unknown { event, .. } => event,
        }
    }

    /// The `EventKey`, where the event has one.
    pub fn event_key(&self) -> Option<&str> {
        match self {
            Event::Subscribe { event_key, .. } | Event::Unknown { event_key, .. } => {
                event_key.as_deref()
            }
            Event::Scan { event_key, .. } | Event::Click { event_key } => Some(event_key),
            Event::View { url, .. } => Some(url),
            Event::Unsubscribe | Event::Location { .. } => None,
        }
    }
}

/// The safe-mode body: `<xml><ToUserName/><Encrypt/></xml>`. Compatible mode
/// sends the plaintext fields next to `Encrypt`; they are not read (only the
/// ciphertext is signed), but their presence tells the mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedEnvelope {
    /// `ToUserName`, when present (the JSON and some third-party forms omit it).
    pub to_user_name: Option<String>,
    /// `Encrypt`: base64 ciphertext, exactly as signed by `msg_signature`.
    pub encrypt: String,
    /// The plaintext fields came along (`MsgType` present): compatible mode.
    pub compat: bool,
}

/// Parses a plaintext push (a plaintext-mode body, or a decrypted one).
pub fn parse_push(body: &[u8]) -> Result<Push, XmlError> {
    let raw = check_body(body)?;
    let fields = Fields::read(raw)?;
    let msg_type = fields.required("MsgType")?.trim();
    let kind = match msg_type.to_ascii_lowercase().as_str() {
        "text" => PushKind::Text {
            msg_id: fields.msg_id()?,
            content: fields.text("Content"),
        },
        "image" => PushKind::Image {
            msg_id: fields.msg_id()?,
            pic_url: fields.text("PicUrl"),
            media_id: fields.text("MediaId"),
        },
        "voice" => PushKind::Voice {
            msg_id: fields.msg_id()?,
            media_id: fields.text("MediaId"),
            format: fields.text("Format"),
            recognition: fields.optional("Recognition"),
        },
        "video" => PushKind::Video {
            msg_id: fields.msg_id()?,
            media_id: fields.text("MediaId"),
            thumb_media_id: fields.text("ThumbMediaId"),
        },
        "shortvideo" => PushKind::ShortVideo {
            msg_id: fields.msg_id()?,
            media_id: fields.text("MediaId"),
            thumb_media_id: fields.text("ThumbMediaId"),
        },
        "location" => PushKind::Location {
            msg_id: fields.msg_id()?,
            latitude: fields.number("Location_X")?,
            longitude: fields.number("Location_Y")?,
            scale: fields.optional_number("Scale")?,
            label: fields.text("Label"),
        },
        "link" => PushKind::Link {
            msg_id: fields.msg_id()?,
            title: fields.text("Title"),
            description: fields.text("Description"),
            url: fields.text("Url"),
        },
        "event" => PushKind::Event(parse_event(&fields, raw)?),
        _ => PushKind::Unknown {
            msg_type: msg_type.to_owned(),
            msg_id: fields.optional_msg_id()?,
            raw: raw.to_owned(),
        },
    };
    Ok(Push {
        to_user_name: fields.required("ToUserName")?.to_owned(),
        from_user_name: fields.required("FromUserName")?.to_owned(),
        create_time: fields.number("CreateTime")?,
        kind,
    })
}

fn parse_event(fields: &Fields, raw: &str) -> Result<Event, XmlError> {
    let event = fields.required("Event")?.trim();
    // wechatpy lowercases before lookup; the docs mix `subscribe` and `SCAN`.
    Ok(match event.to_ascii_lowercase().as_str() {
        "subscribe" => Event::Subscribe {
            event_key: fields.optional("EventKey"),
            ticket: fields.optional("Ticket"),
        },
        "unsubscribe" => Event::Unsubscribe,
        "scan" => Event::Scan {
            event_key: fields.text("EventKey"),
            ticket: fields.optional("Ticket"),
        },
        "location" => Event::Location {
            latitude: fields.number("Latitude")?,
            longitude: fields.number("Longitude")?,
            precision: fields.optional_number("Precision")?,
        },
        "click" => Event::Click {
            event_key: fields.text("EventKey"),
        },
        "view" => Event::View {
            url: fields.text("EventKey"),
            menu_id: fields
                .optional("MenuId")
                .or_else(|| fields.optional("MenuID")),
        },
        _ => Event::Unknown {
            event: event.to_owned(),
            event_key: fields.optional("EventKey"),
            raw: raw.to_owned(),
        },
    })
}

/// Parses the safe- or compatible-mode body down to its `Encrypt` field.
pub fn parse_envelope(body: &[u8]) -> Result<EncryptedEnvelope, XmlError> {
    let fields = Fields::read(check_body(body)?)?;
    Ok(EncryptedEnvelope {
        to_user_name: fields.optional("ToUserName"),
        encrypt: fields.required("Encrypt")?.to_owned(),
        compat: fields.optional("MsgType").is_some(),
    })
}

fn check_body(body: &[u8]) -> Result<&str, XmlError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(XmlError::TooLarge { len: body.len() });
    }
    std::str::from_utf8(body).map_err(|_| XmlError::NotUtf8)
}

/// The root's child elements, in order, with their text.
struct Fields(Vec<(String, String)>);

/// One piece of a field's text.
enum Piece {
    Text(String),
    CData(String),
}

impl Fields {
    fn read(xml: &str) -> Result<Self, XmlError> {
        let mut reader = Reader::from_str(xml);
        let mut flat = FlatReader::default();
        loop {
            let event = reader
                .read_event()
                .map_err(|e| XmlError::Malformed(e.to_string()))?;
            if matches!(event, XmlEvent::Eof) {
                break;
            }
            flat.on_event(event)?;
        }
        flat.finish()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    fn required(&self, name: &'static str) -> Result<&str, XmlError> {
        self.get(name).ok_or(XmlError::MissingField(name))
    }

    /// Free-text fields default to empty: WeChat has shipped pushes without
    /// fields its docs list, and a missing `Description` is no reason to
    /// lose the customer's message.
    fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    fn optional(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<T, XmlError> {
        let value = self.required(name)?;
        value.trim().parse().map_err(|_| XmlError::InvalidField {
            field: name,
            value: value.to_owned(),
        })
    }

    fn optional_number<T: std::str::FromStr>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, XmlError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) if value.trim().is_empty() => Ok(None),
            Some(_) => self.number(name).map(Some),
        }
    }

    /// `MsgId`, or `MsgID` as the voice table spells it.
    fn optional_msg_id(&self) -> Result<Option<u64>, XmlError> {
        if self.get("MsgId").is_some() {
            self.number("MsgId").map(Some)
        } else {
            self.optional_number("MsgID")
        }
    }

    fn msg_id(&self) -> Result<u64, XmlError> {
        self.optional_msg_id()?
            .ok_or(XmlError::MissingField("MsgId"))
    }
}

/// Reads WeChat's flat shape: one root, whose children are the fields.
#[derive(Default)]
struct FlatReader {
    fields: Vec<(String, String)>,
    depth: usize,
    seen_root: bool,
    /// The depth-2 element being read: its name, its pieces, and whether it
    /// has child elements (then it is not a flat field and is skipped).
    current: Option<(String, Vec<Piece>, bool)>,
}

impl FlatReader {
    fn on_event(&mut self, event: XmlEvent<'_>) -> Result<(), XmlError> {
        match event {
            XmlEvent::DocType(_) => return Err(XmlError::Doctype),
            XmlEvent::Start(start) => {
                self.depth += 1;
                match self.depth {
                    1 => self.open_root()?,
                    2 => self.current = Some((start.name().as_ref().to_owned(), Vec::new(), false)),
                    _ => self.mark_nested(),
                }
            }
            XmlEvent::Empty(start) => match self.depth {
                0 => self.open_root()?,
                1 => self.push_field(start.name().as_ref().to_owned(), String::new())?,
                _ => self.mark_nested(),
            },
            XmlEvent::End(_) => {
                if self.depth == 2
                    && let Some((name, pieces, nested)) = self.current.take()
                    && !nested
                {
                    self.push_field(name, join(pieces))?;
                }
                self.depth = self.depth.saturating_sub(1);
            }
            XmlEvent::Text(text) => {
                let text = text.xml10_content();
                if self.depth == 2 {
                    self.push_piece(Piece::Text(text.into_owned()));
                } else if self.depth < 2 && !text.trim().is_empty() {
                    return Err(XmlError::Malformed("text outside a field".into()));
                }
            }
            XmlEvent::CData(cdata) => {
                self.inside_field("CDATA")?;
                self.push_piece(Piece::CData(cdata.xml10_content().into_owned()));
            }
            XmlEvent::GeneralRef(reference) => {
                self.inside_field("reference")?;
                let ch = resolve_reference(&reference)?;
                self.push_piece(Piece::Text(ch.to_string()));
            }
            XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::Comment(_) | XmlEvent::Eof => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<Fields, XmlError> {
        if !self.seen_root {
            return Err(XmlError::Malformed("no root element".into()));
        }
        if self.depth != 0 {
            return Err(XmlError::Malformed("unclosed element".into()));
        }
        Ok(Fields(self.fields))
    }

    fn open_root(&mut self) -> Result<(), XmlError> {
        if std::mem::replace(&mut self.seen_root, true) {
            return Err(XmlError::Malformed("more than one root element".into()));
        }
        Ok(())
    }

    fn inside_field(&self, what: &str) -> Result<(), XmlError> {
        if self.depth < 2 {
            return Err(XmlError::Malformed(format!("{what} outside a field")));
        }
        Ok(())
    }

    fn mark_nested(&mut self) {
        if let Some((_, _, nested)) = &mut self.current {
            *nested = true;
        }
    }

    fn push_piece(&mut self, piece: Piece) {
        if let Some((_, pieces, _)) = &mut self.current {
            pieces.push(piece);
        }
    }

    fn push_field(&mut self, name: String, value: String) -> Result<(), XmlError> {
        if self.fields.iter().any(|(field, _)| *field == name) {
            return Err(XmlError::DuplicateField(name));
        }
        self.fields.push((name, value));
        Ok(())
    }
}

/// With CDATA present, whitespace-only text around it is indentation
/// (`<MsgType>  <![CDATA[video]]></MsgType>` in the official sample), and a
/// `]]>` in the content arrives as two adjacent CDATA sections that join
/// back into one value.
fn join(pieces: Vec<Piece>) -> String {
    let has_cdata = pieces.iter().any(|p| matches!(p, Piece::CData(_)));
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::CData(text) => out.push_str(&text),
            Piece::Text(text) if has_cdata && text.trim().is_empty() => {}
            Piece::Text(text) => out.push_str(&text),
        }
    }
    out
}

fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, XmlError> {
    let name = reference.xml10_content();
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(ch)) => Ok(ch),
            _ => Err(XmlError::UnknownEntity(name.into_owned())),
        };
    }
    match name.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(XmlError::UnknownEntity(name.into_owned())),
    }
}

/// A passive reply: the one answer WeChat accepts in the push's HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassiveReply {
    /// A text message.
    Text {
        /// The text; `]]>` inside it is handled.
        content: String,
    },
    /// An image uploaded beforehand (no GIF).
    Image {
        /// Its `MediaId`.
        media_id: String,
    },
    /// A voice clip uploaded beforehand.
    Voice {
        /// Its `MediaId`.
        media_id: String,
    },
    /// A video uploaded beforehand.
    Video {
        /// Its `MediaId`.
        media_id: String,
        /// Title shown with it.
        title: String,
        /// Description shown with it.
        description: String,
    },
}

impl PassiveReply {
    /// The reply XML answering `push`: the push's To/From swapped.
    pub fn to_xml_for(&self, push: &Push, create_time: i64) -> String {
        self.to_xml(&push.from_user_name, &push.to_user_name, create_time)
    }

    /// The reply XML, `to_user` being the customer's OpenID and `from_user`
    /// the account's `gh_` id.
    pub fn to_xml(&self, to_user: &str, from_user: &str, create_time: i64) -> String {
        let mut xml = format!(
            "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{create_time}</CreateTime>",
            cdata(to_user),
            cdata(from_user),
        );
        let body = match self {
            PassiveReply::Text { content } => {
                format!(
                    "<MsgType><![CDATA[text]]></MsgType><Content>{}</Content>",
                    cdata(content)
                )
            }
            PassiveReply::Image { media_id } => format!(
                "<MsgType><![CDATA[image]]></MsgType><Image><MediaId>{}</MediaId></Image>",
                cdata(media_id)
            ),
            PassiveReply::Voice { media_id } => format!(
                "<MsgType><![CDATA[voice]]></MsgType><Voice><MediaId>{}</MediaId></Voice>",
                cdata(media_id)
            ),
            PassiveReply::Video {
                media_id,
                title,
                description,
            } => format!(
                "<MsgType><![CDATA[video]]></MsgType><Video><MediaId>{}</MediaId><Title>{}</Title><Description>{}</Description></Video>",
                cdata(media_id),
                cdata(title),
                cdata(description)
            ),
        };
        xml.push_str(&body);
        xml.push_str("</xml>");
        xml
    }
}

/// The safe-mode reply envelope around an encrypted passive reply
/// (wechatpy's `_encrypt_message` template). `msg_signature` is
/// [`super::signature::msg_signature`] over the same timestamp, nonce and
/// `encrypt`.
pub fn encrypted_reply_xml(
    encrypt: &str,
    msg_signature: &str,
    timestamp: i64,
    nonce: &str,
) -> String {
    format!(
        "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce>{}</Nonce></xml>",
        cdata(encrypt),
        cdata(msg_signature),
        cdata(nonce),
    )
}

/// Wraps text in CDATA, splitting at every `]]>`: wechatpy does not, and its
/// replies containing `]]>` are unparsable (research §7.10).
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

#[cfg(test)]
mod tests;
