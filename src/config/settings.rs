//! The process settings from `omnilisten.toml`, validated, with their defaults.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::SecretRef;
use crate::outbound::Template;

/// `[server]`: the HTTP server (health, metrics, JSON API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// `listen`: address and port; default `127.0.0.1:8080` (loopback: the API has no auth yet).
    pub listen: SocketAddr,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
        }
    }
}

/// `[store]`: the durable state database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `path`: the database directory, resolved against the config directory; default `data/state`.
    pub path: PathBuf,
    /// `cache_capacity_mb`: sled's page cache in MiB; default 32.
    pub cache_capacity_mb: u64,
    /// `durability`: how a commit reaches the disk; default `fsync`.
    pub durability: Durability,
    /// `max_attachment_bytes`: attachment content above this size is not kept (only its hash); default 10 MiB.
    pub max_attachment_bytes: u64,
    /// `keep_raw`: keep each message's raw bytes for audit; default true.
    pub keep_raw: bool,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("data/state"),
            cache_capacity_mb: 32,
            durability: Durability::Fsync,
            max_attachment_bytes: 10 * 1024 * 1024,
            keep_raw: true,
        }
    }
}

/// When a commit counts as durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `"fsync"`: the log and new blob files are fsynced; survives power loss.
    Fsync,
    /// `"flush"`: sled's own flush only; survives a process crash, maybe not a power loss.
    Flush,
}

/// `[pipeline]`: the bounded stages between sources and the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineConfig {
    /// `queue_capacity`: inputs waiting between stages before sources are slowed; default 256, at least 1.
    pub queue_capacity: usize,
    /// `batch_max`: messages committed in one store transaction; default 256, 1 to 10000.
    pub batch_max: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            queue_capacity: 256,
            batch_max: 256,
        }
    }
}

/// `[log]`: what the daemon writes to stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// `format`: `text` (default) or `json`.
    pub format: LogFormat,
    /// `level`: a tracing filter such as `info` or `omnilisten=debug,warn`; default `info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            level: "info".to_string(),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `"text"`: for people.
    Text,
    /// `"json"`: one object per line, for log collectors.
    Json,
}

/// `[dedup]`: near-duplicate detection.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupConfig {
    /// `near_threshold`: Jaccard similarity on character 2-grams above which a
    /// message is a near-duplicate; default 0.5 (measured recall 99.6 % on
    /// perturbed short Chinese texts), in (0, 1].
    pub near_threshold: f32,
    /// `near_capacity`: cluster representatives the near-duplicate index
    /// remembers (about 1.5 KB each); default 10 000.
    pub near_capacity: usize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            near_threshold: 0.5,
            near_capacity: 10_000,
        }
    }
}

/// `[smtp]`: the server outgoing mail is handed to. Absent: omnilisten sends nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `host`: the submission server.
    pub host: String,
    /// `port`: default 465 with `tls = "implicit"`, 587 with `starttls`, 25 with `none`.
    pub port: u16,
    /// `tls`: how the connection is protected; default `implicit`.
    pub tls: SmtpTls,
    /// `username`: log in as this user; no login when absent.
    pub username: Option<String>,
    /// `password_env` / `password_file`: the login password (required with `username`).
    pub password: Option<SecretRef>,
    /// `from`: the sender shown to customers, such as `支付宝客服 <help@alipay.com>`.
    pub from: lettre::message::Mailbox,
    /// `message_id_domain`: the right-hand side of our Message-IDs
    /// (`<uuid@domain>`), by which our own mail and replies to it are
    /// recognised; default `omnilisten.` + the domain of `from`.
    pub message_id_domain: String,
    /// `timeout`: for connecting and for each SMTP command; default 30 s.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// Our own addresses (lowercase): `from`, and `username` when it is an address.
    pub fn own_addresses(&self) -> Vec<String> {
        let mut own = vec![self.from.email.to_string().to_lowercase()];
        if let Some(user) = self.username.as_deref().filter(|u| u.contains('@')) {
            own.push(user.to_lowercase());
        }
        own.dedup();
        own
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `"implicit"`: TLS from the first byte (SMTPS, port 465; RFC 8314's choice).
    Implicit,
    /// `"starttls"`: plain connect, then STARTTLS before anything else (port 587).
    Starttls,
    /// `"none"`: no encryption; only for a relay on loopback or with `allow_plaintext = true`.
    None,
}

/// `[acknowledgement]`: the automatic "we received your mail" for new tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcknowledgementConfig {
    /// `enabled`: default true when the section is present, false when it is absent.
    pub enabled: bool,
    /// `template`: the body's template, resolved against the config directory;
    /// default `rules/templates/acknowledgement.txt`.
    pub template: PathBuf,
    /// The parsed template, once loaded (only when enabled).
    pub body: Option<Template>,
    /// `per_sender_per_hour`: most acknowledgements one address receives in
    /// any sliding hour; default 3. 0 acknowledges nobody.
    pub per_sender_per_hour: u32,
    /// `no_reply_patterns`: a sender whose local part contains one of these
    /// (case-insensitive) is a robot and never acknowledged.
    pub no_reply_patterns: Vec<String>,
}

impl Default for AcknowledgementConfig {
    fn default() -> Self {
        AcknowledgementConfig {
            enabled: false,
            template: PathBuf::from("rules/templates/acknowledgement.txt"),
            body: None,
            per_sender_per_hour: 3,
            no_reply_patterns: crate::outbound::DEFAULT_NO_REPLY_PATTERNS
                .map(String::from)
                .to_vec(),
        }
    }
}

/// `[jobs]`: work done on a wall-clock schedule (cron expressions with
/// seconds, in China Standard Time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsConfig {
    /// `enabled`: false turns every scheduled job off; default true.
    pub enabled: bool,
    /// `digest`: when the daily digest is written; default `0 0 9 * * *`
    /// (09:00:00 every day); `""` turns it off.
    pub digest: Option<String>,
    /// `digest_queue`: the queue of the digest tickets; default `incidents`.
    pub digest_queue: String,
    /// `sweep`: when stale index entries are removed; default `0 30 4 * * *`
    /// (04:30:00 every day); `""` turns it off.
    pub sweep: Option<String>,
    /// `conversation_retention`: a chat conversation whose ticket has not
    /// changed for this long is forgotten (the customer's next message opens a
    /// new ticket); default 30 days.
    pub conversation_retention: Duration,
    /// `media_job_retention`: a media download still pending after this long
    /// is dropped; default 4 days, at least 3 (WeChat keeps media 3 days and
    /// the fetcher gives up by itself then, recording why).
    pub media_job_retention: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            digest: Some("0 0 9 * * *".to_string()),
            digest_queue: "incidents".to_string(),
            sweep: Some("0 30 4 * * *".to_string()),
            conversation_retention: Duration::from_secs(30 * 86_400),
            media_job_retention: Duration::from_secs(4 * 86_400),
        }
    }
}
