//! Handing a rendered mail to an SMTP server, behind [`MailTransport`] so
//! the sender loop is tested with [`RecordingTransport`] and runs with
//! [`SmtpRelay`] (lettre over tokio and rustls with ring; no OpenSSL).
//!
//! [`SmtpRelay`] drives the SMTP conversation itself rather than through
//! lettre's `AsyncSmtpTransport`, to know *where* a failure happened: before
//! the message data went out nothing can have been delivered (retry), after
//! it a lost connection leaves the outcome unknown (never resend by itself).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};

use super::message::Rendered;
use crate::config::{SmtpConfig, SmtpTls};

/// Why a mail was not (known to be) delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server could not be used (down, refused, TLS, login): nothing was
    /// handed over, and the mail is not at fault. Retry later.
    #[error("SMTP server unavailable: {0}")]
    Unavailable(String),
    /// The server refused this mail for now (4xx). Retry later.
    #[error("deferred by the SMTP server: {0}")]
    Deferred(String),
    /// The server refused this mail for good (5xx). Do not retry.
    #[error("refused by the SMTP server: {0}")]
    Rejected(String),
    /// The connection broke after the message data was sent: the server may
    /// have accepted it. Do not resend by itself.
    #[error("delivery unknown: {0}")]
    Unknown(String),
}

/// Hands mail to a server.
pub trait MailTransport: Send + Sync + 'static {
    /// Delivers one mail; `Ok` means the server accepted it (2xx after the data).
    fn send(&self, mail: &Rendered) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// The lettre-backed transport: one connection per mail (acknowledgements
/// are few, and a fresh connection makes every failure's phase clear).
pub struct SmtpRelay {
    config: SmtpConfig,
}

impl SmtpRelay {
    /// A relay for `[smtp]`.
    pub fn new(config: SmtpConfig) -> SmtpRelay {
        SmtpRelay { config }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let c = &self.config;
        let unavailable = |e: lettre::transport::smtp::Error| SendError::Unavailable(e.to_string());
        let hello = ClientId::default();
        let tls = || {
            TlsParameters::new(c.host.clone())
                .map_err(|e| SendError::Unavailable(format!("TLS setup: {e}")))
        };
        let implicit = match c.tls {
            SmtpTls::Implicit => Some(tls()?),
            SmtpTls::Starttls | SmtpTls::None => None,
        };
        let connect = AsyncSmtpConnection::connect_tokio1(
            (c.host.as_str(), c.port),
            Some(c.timeout),
            &hello,
            implicit,
            None,
        );
        let mut conn = within(c.timeout, connect).await?.map_err(unavailable)?;
        if c.tls == SmtpTls::Starttls {
            within(c.timeout, conn.starttls(tls()?, &hello))
                .await?
                .map_err(unavailable)?;
        }
        if let Some(user) = &c.username {
            // Read at every connection, so a rotated secret is picked up.
            let password = match &c.password {
                Some(secret) => secret
                    .resolve()
                    .map_err(|e| SendError::Unavailable(format!("SMTP password: {e}")))?,
                None => String::new(),
            };
            let credentials = Credentials::new(user.clone(), password);
            let mechanisms = [Mechanism::Plain, Mechanism::Login];
            within(c.timeout, conn.auth(&mechanisms, &credentials))
                .await?
                .map_err(unavailable)?;
        }
        Ok(conn)
    }

    /// MAIL, RCPT, DATA: a failure here leaves nothing delivered.
    async fn envelope(
        &self,
        conn: &mut AsyncSmtpConnection,
        mail: &Rendered,
    ) -> Result<(), SendError> {
        let timeout = self.config.timeout;
        let envelope = &mail.envelope;
        let mut parameters = Vec::new();
        let non_ascii = envelope
            .to()
            .iter()
            .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(SendError::Rejected(
                    "the recipient address is not ASCII and the server lacks SMTPUTF8".into(),
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        let from = envelope.from().cloned();
        before_data(within(timeout, conn.command(Mail::new(from, parameters))).await?)?;
        for to in envelope.to() {
            let rcpt = conn.command(Rcpt::new(to.clone(), Vec::new()));
            before_data(within(timeout, rcpt).await?)?;
        }
        before_data(within(timeout, conn.command(Data)).await?)
    }
}

impl MailTransport for SmtpRelay {
    async fn send(&self, mail: &Rendered) -> Result<(), SendError> {
        let mut conn = self.connect().await?;
        if let Err(e) = self.envelope(&mut conn, mail).await {
            conn.abort().await;
            return Err(e);
        }
        let result =
            match tokio::time::timeout(self.config.timeout, conn.message(&mail.bytes)).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) if e.is_transient() => Err(SendError::Deferred(e.to_string())),
                Ok(Err(e)) if e.is_permanent() => Err(SendError::Rejected(e.to_string())),
                Ok(Err(e)) => Err(SendError::Unknown(e.to_string())),
                Err(_) => Err(SendError::Unknown(
                    "no answer after the message data within the timeout".into(),
                )),
            };
        // The outcome is settled; a failing QUIT changes nothing.
        if result.is_ok() {
            let _ = tokio::time::timeout(self.config.timeout, conn.quit()).await;
        } else {
            conn.abort().await;
        }
        result
    }
}

/// A step's own timeout: lettre bounds only the TCP connect.
async fn within<T>(limit: Duration, step: impl Future<Output = T>) -> Result<T, SendError> {
    tokio::time::timeout(limit, step)
        .await
        .map_err(|_| SendError::Unavailable(format!("no answer within {limit:?}")))
}

/// Classifies a failure before the data went out.
fn before_data<T>(result: Result<T, lettre::transport::smtp::Error>) -> Result<(), SendError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(SendError::Rejected(e.to_string())),
        Err(e) if e.is_transient() => Err(SendError::Deferred(e.to_string())),
        Err(e) => Err(SendError::Unavailable(e.to_string())),
    }
}

/// A transport for tests: records what it is given and answers from a script
/// (then `Ok` once the script is used up).
#[derive(Clone, Default)]
pub struct RecordingTransport {
    inner: Arc<Mutex<Recording>>,
}

#[derive(Default)]
struct Recording {
    sent: Vec<Rendered>,
    script: std::collections::VecDeque<Result<(), SendError>>,
}

impl RecordingTransport {
    /// A transport that accepts everything.
    pub fn new() -> RecordingTransport {
        RecordingTransport::default()
    }

    /// Answers the next calls with `results`, in order.
    pub fn script(&self, results: impl IntoIterator<Item = Result<(), SendError>>) {
        self.lock().script.extend(results);
    }

    /// Every mail handed over so far, accepted or not.
    pub fn attempts(&self) -> Vec<Rendered> {
        self.lock().sent.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recording> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl MailTransport for RecordingTransport {
    async fn send(&self, mail: &Rendered) -> Result<(), SendError> {
        let mut recording = self.lock();
        recording.sent.push(mail.clone());
        recording.script.pop_front().unwrap_or(Ok(()))
    }
}
