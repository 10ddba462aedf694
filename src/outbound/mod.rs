//! Outgoing mail: the acknowledgement of new tickets now, agents' replies
//! later, through one outbox and one sender.
//!
//! ```text
//! writer (one store transaction)            sender task
//!   ticket opened ─► policy ─► outbox entry ──► sending (durable) ─► SMTP ─► sent
//!                    cap window, Message-ID                               └► failed / pending (retry) / uncertain
//! ```
//!
//! | file | does |
//! | --- | --- |
//! | `mail.rs` | [`OutgoingMail`], the record every outgoing mail is; our Message-IDs |
//! | `policy.rs` | who gets an acknowledgement (pure): never robots, history, ourselves; the hourly cap |
//! | `template.rs` | `rules/templates/*.txt` with `{ticket}`, `{subject}`, `{name}` |
//! | `message.rs` | the acknowledgement's subject, body, threading and RFC 3834 headers; rendering to bytes |
//! | `acknowledge.rs` | the writer's step: decide and enqueue in the ticket's own transaction |
//! | `smtp.rs` | [`MailTransport`]: lettre over tokio + rustls, and a recording stub |
//! | `sender.rs` | the outbox loop: at most once, retries with backoff, `uncertain` after a crash |

mod acknowledge;
mod mail;
mod message;
mod policy;
mod sender;
mod smtp;
mod template;

use std::sync::Arc;

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use acknowledge::Acknowledger;
pub use mail::{OutgoingKind, OutgoingMail, Recipient, is_own_message_id, new_message_id};
pub use message::{
    EMPTY_SUBJECT, NAME_FALLBACK, RenderError, Rendered, acknowledgement, agent_reply, render,
};
pub use policy::{AckCandidate, AckPolicy, CAP_WINDOW, DEFAULT_NO_REPLY_PATTERNS, Skip};
pub use sender::{OutboxSender, PassReport, retry_delay};
pub use smtp::{MailTransport, RecordingTransport, SendError, SmtpRelay};
pub use template::{Template, TemplateError, Values};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::Store;

/// The running outgoing-mail side of the daemon.
pub struct Outbound {
    /// Handed to the pipeline's writer; None when acknowledgements are off.
    pub acknowledger: Option<Arc<Acknowledger>>,
    sender: Option<JoinHandle<()>>,
}

impl Outbound {
    /// Starts the sender when `[smtp]` is configured; it stops on `shutdown`.
    pub fn start(
        config: &Config,
        store: &Store,
        metrics: &Metrics,
        shutdown: &CancellationToken,
    ) -> Outbound {
        let Some(smtp) = &config.smtp else {
            return Outbound {
                acknowledger: None,
                sender: None,
            };
        };
        let wake = Arc::new(Notify::new());
        let acknowledger =
            Acknowledger::new(smtp, &config.acknowledgement, wake.clone(), metrics.clone())
                .map(Arc::new);
        let sender = OutboxSender::new(
            store.clone(),
            SmtpRelay::new(smtp.clone()),
            smtp.from.clone(),
            wake,
            metrics.clone(),
        );
        tracing::info!(
            smtp = %format!("{}:{}", smtp.host, smtp.port),
            acknowledgements = acknowledger.is_some(),
            "Outgoing mail enabled."
        );
        Outbound {
            acknowledger,
            sender: Some(tokio::spawn(sender.run(shutdown.clone()))),
        }
    }

    /// Waits for the sender to finish its current mail and stop.
    pub async fn stopped(self) {
        if let Some(sender) = self.sender
            && sender.await.is_err()
        {
            tracing::error!("The outbox sender ended abnormally.");
        }
    }
}
