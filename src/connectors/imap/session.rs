//! Opening a session: TCP, TLS (implicit or STARTTLS), the greeting, the
//! login and the capabilities, each step under `command_timeout`.

use std::future::Future;
use std::time::Duration;

use async_imap::imap_proto::{Response, Status};
use async_imap::{Authenticator, Client};
use tokio::net::TcpStream;

use super::commands::{Capabilities, Connection};
use super::error::{ImapError, protocol, server_text};
use super::transport::{Transport, Wire, tls};
use crate::config::{ImapAuth, ImapConfig, ImapTls};

/// A logged-in async-imap session over our transport.
pub type Session = async_imap::Session<Wire>;

/// Runs one IMAP command under the deadline. async-imap has no timeouts of
/// its own; on `Timeout` the caller drops the connection.
pub async fn timed<T>(
    limit: Duration,
    command: &'static str,
    fut: impl Future<Output = async_imap::error::Result<T>>,
) -> Result<T, ImapError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result.map_err(protocol(command)),
        Err(_) => Err(ImapError::Timeout {
            command,
            after: limit,
        }),
    }
}

/// Connects, logs in and reads the capabilities.
pub async fn connect(config: &ImapConfig) -> Result<Connection, ImapError> {
    let limit = config.command_timeout;
    let addr = format!("{}:{}", config.host, config.port);
    let tcp = match tokio::time::timeout(limit, TcpStream::connect(&addr)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(source)) => return Err(ImapError::Connect { addr, source }),
        Err(_) => {
            return Err(ImapError::Timeout {
                command: "connect",
                after: limit,
            });
        }
    };
    // Commands are small and answered one at a time: Nagle would only add delay.
    let _ = tcp.set_nodelay(true);
    let transport = match config.tls {
        ImapTls::Implicit => handshake(tcp, config).await?,
        ImapTls::Starttls | ImapTls::None => Transport::Plain(tcp),
    };
    let mut client = Client::new(transport.buffered());
    greeting(&mut client, limit).await?;
    if config.tls == ImapTls::Starttls {
        client = starttls(client, config).await?;
    }
    let mut session = login(client, config).await?;
    let capabilities = timed(limit, "CAPABILITY", session.capabilities()).await?;
    Ok(Connection::new(
        session,
        Capabilities::of(&capabilities),
        limit,
    ))
}

async fn handshake(tcp: TcpStream, config: &ImapConfig) -> Result<Transport, ImapError> {
    match tokio::time::timeout(
        config.command_timeout,
        tls(tcp, &config.host, config.ca_file.as_deref()),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(ImapError::Timeout {
            command: "TLS handshake",
            after: config.command_timeout,
        }),
    }
}

/// Reads the server's first line; `Client::new` does not.
async fn greeting(client: &mut Client<Wire>, limit: Duration) -> Result<(), ImapError> {
    let first = match tokio::time::timeout(limit, client.read_response()).await {
        Ok(Ok(Some(first))) => first,
        Ok(Ok(None)) => {
            return Err(ImapError::Protocol {
                command: "greeting",
                source: async_imap::error::Error::ConnectionLost,
            });
        }
        Ok(Err(e)) => return Err(protocol("greeting")(e.into())),
        Err(_) => {
            return Err(ImapError::Timeout {
                command: "greeting",
                after: limit,
            });
        }
    };
    if let Response::Data {
        status: Status::Bye,
        outcome,
    } = first.parsed()
    {
        let text = outcome.information.as_deref().unwrap_or("BYE").to_string();
        return Err(protocol("greeting")(async_imap::error::Error::Bad(text)));
    }
    Ok(())
}

async fn starttls(
    mut client: Client<Wire>,
    config: &ImapConfig,
) -> Result<Client<Wire>, ImapError> {
    let limit = config.command_timeout;
    timed(
        limit,
        "STARTTLS",
        client.run_command_and_check_ok("STARTTLS", None),
    )
    .await?;
    let wire = client.into_inner();
    // Bytes that arrived after the OK but before encryption could have been
    // injected by someone in the middle: refuse rather than trust them.
    if !wire.buffer().is_empty() {
        return Err(ImapError::Unsupported(
            "sent data after its STARTTLS answer",
        ));
    }
    let Transport::Plain(tcp) = wire.into_inner() else {
        return Err(ImapError::Unsupported(
            "answered STARTTLS on a TLS connection",
        ));
    };
    // No greeting follows STARTTLS.
    Ok(Client::new(handshake(tcp, config).await?.buffered()))
}

/// Logs in. The secret is read now, so a rotated password or a refreshed
/// OAuth token is used at the next reconnect.
async fn login(client: Client<Wire>, config: &ImapConfig) -> Result<Session, ImapError> {
    let limit = config.command_timeout;
    let user = config.username.as_str();
    let attempt = match &config.auth {
        ImapAuth::Login(secret) => {
            let password = secret.resolve()?;
            tokio::time::timeout(limit, client.login(user, &password)).await
        }
        ImapAuth::Plain(secret) => {
            let password = secret.resolve()?;
            let plain = Plain {
                user,
                password: &password,
            };
            tokio::time::timeout(limit, client.authenticate("PLAIN", plain)).await
        }
        ImapAuth::Xoauth2(token) => {
            let token = token.resolve()?;
            let oauth = Xoauth2 {
                user,
                token: &token,
                sent: false,
            };
            tokio::time::timeout(limit, client.authenticate("XOAUTH2", oauth)).await
        }
    };
    match attempt {
        Ok(Ok(session)) => Ok(session),
        // The server's text, never ours: it cannot contain the secret.
        Ok(Err((async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text), _))) => {
            Err(ImapError::Auth(server_text(&text)))
        }
        Ok(Err((source, _))) => Err(ImapError::Protocol {
            command: "login",
            source,
        }),
        Err(_) => Err(ImapError::Timeout {
            command: "login",
            after: limit,
        }),
    }
}

/// SASL PLAIN (RFC 4616): no authorization identity, user, password.
struct Plain<'a> {
    user: &'a str,
    password: &'a str,
}

impl Authenticator for Plain<'_> {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        format!("\0{}\0{}", self.user, self.password).into_bytes()
    }
}

/// XOAUTH2 as Gmail and Outlook define it.
struct Xoauth2<'a> {
    user: &'a str,
    token: &'a str,
    sent: bool,
}

impl Authenticator for Xoauth2<'_> {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        // A refused token comes back as a second challenge holding a JSON
        // error; the protocol wants an empty answer to it, then says NO.
        if std::mem::replace(&mut self.sent, true) {
            return Vec::new();
        }
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sasl_responses_have_the_documented_shape() {
        let mut plain = Plain {
            user: "help@alipay.com",
            password: "pw",
        };
        assert_eq!(plain.process(b""), b"\0help@alipay.com\0pw");
        let mut oauth = Xoauth2 {
            user: "u@x.cn",
            token: "tok",
            sent: false,
        };
        assert_eq!(
            oauth.process(b""),
            b"user=u@x.cn\x01auth=Bearer tok\x01\x01"
        );
        assert!(oauth.process(b"{\"status\":\"401\"}").is_empty());
    }
}
