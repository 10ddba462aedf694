//! The WeChat Official Account (公众号) protocol core: pure functions and
//! types, no I/O. The webhook, the store and the outbound API build on these.
//!
//! | file | does |
//! | --- | --- |
//! | `signature.rs` | `signature` and `msg_signature` (sorted SHA-1), constant-time checks |
//! | `crypto.rs` | safe mode: EncodingAESKey, AES-256-CBC, 32-byte PKCS#7, AppID check |
//! | `xml.rs` | push XML → [`xml::Push`], the encrypted envelope, passive-reply XML |
//! | `dedup.rs` | the key under which a push (and its retries) is stored once |
//! | `api/` | the outbound HTTP API (token, customer-service send, media): the one part with I/O |
//!
//! The protocol, its sources and its traps are in `research/wechat.md`.

pub mod api;
pub mod crypto;
pub mod dedup;
pub mod signature;
pub mod xml;
