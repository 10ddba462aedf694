//! What can go wrong talking to an IMAP server, sorted by what to do next.

use std::time::Duration;

use crate::config::SecretError;
use crate::store::StoreError;

/// An IMAP session failed; the source backs off and reconnects.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// TCP connect failed (server down, wrong host or port).
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// `host:port`.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS handshake failed (certificate, protocol).
    #[error("TLS with {host} failed: {source}")]
    Tls {
        /// The server name checked against the certificate.
        host: String,
        /// Why.
        source: std::io::Error,
    },
    /// `host` cannot be a TLS server name.
    #[error("{0} is not a valid TLS server name")]
    ServerName(String),
    /// A command got no complete answer in time; the connection is dropped.
    #[error("{command} got no answer within {after:?}")]
    Timeout {
        /// The command.
        command: &'static str,
        /// `command_timeout`.
        after: Duration,
    },
    /// The server refused the credentials.
    #[error("login refused: {0}")]
    Auth(String),
    /// The password or token could not be read (names the source, never the value).
    #[error("credentials unavailable: {0}")]
    Secret(#[from] SecretError),
    /// The server closed the connection or broke the protocol.
    #[error("{command} failed: {source}")]
    Protocol {
        /// The command.
        command: &'static str,
        /// What async-imap saw.
        source: async_imap::error::Error,
    },
    /// The server does not offer something omnilisten needs.
    #[error("the server {0}")]
    Unsupported(&'static str),
    /// A folder could not be used (missing, no permission); other folders go on.
    #[error("folder {folder:?}: {detail}")]
    Folder {
        /// The folder as configured.
        folder: String,
        /// The server's answer.
        detail: String,
    },
    /// The stored position could not be read or written.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The daemon is stopping; what was sent is still awaited.
    #[error("interrupted by shutdown")]
    Interrupted,
    /// The pipeline did not store a mail; it is fetched again.
    #[error("a mail was not stored ({0}); it is fetched again")]
    NotStored(String),
}

impl ImapError {
    /// The credentials were refused or unreadable: reported as `auth_failed`.
    pub fn is_auth(&self) -> bool {
        matches!(self, ImapError::Auth(_) | ImapError::Secret(_))
    }

    /// A `NO` from the server: the command was refused but the connection is fine.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ImapError::Protocol {
                source: async_imap::error::Error::No(_),
                ..
            }
        )
    }
}

/// The server's own words from an async-imap `NO`/`BAD`, which it words as
/// `code: Some(..), info: Some("text")`.
pub fn server_text(raw: &str) -> String {
    raw.split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.rsplit_once("\")"))
        .map_or(raw, |(text, _)| text)
        .to_string()
}

/// Wraps an async-imap error with the command it came from.
pub fn protocol(command: &'static str) -> impl FnOnce(async_imap::error::Error) -> ImapError {
    move |source| ImapError::Protocol { command, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_taken_out_of_async_imap_wording() {
        let raw = r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#;
        assert_eq!(
            server_text(raw),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(server_text("plain words"), "plain words");
    }
}
