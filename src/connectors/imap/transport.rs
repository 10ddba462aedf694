//! The byte stream under async-imap: plain TCP or TLS (rustls with the
//! webpki roots and the ring provider; no OpenSSL), behind one type.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, BufReader, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::error::ImapError;

/// What async-imap reads from and writes to. Buffered, so the many small
/// reads of its parser are memory copies rather than system calls.
pub type Wire = BufReader<Transport>;

/// Read buffer: a few typical mails, so large fetches take few system calls.
const READ_BUFFER: usize = 256 * 1024;

/// A connection to the server, with or without TLS.
#[derive(Debug)]
pub enum Transport {
    /// `tls = "none"`, or before `STARTTLS`.
    Plain(TcpStream),
    /// After the TLS handshake.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Transport {
    /// Buffers the transport for async-imap.
    pub fn buffered(self) -> Wire {
        BufReader::with_capacity(READ_BUFFER, self)
    }
}

/// Runs the TLS handshake over `tcp`, checking the certificate for `host`
/// against the webpki roots plus the certificates in `ca_file`.
pub async fn tls(
    tcp: TcpStream,
    host: &str,
    ca_file: Option<&Path>,
) -> Result<Transport, ImapError> {
    let failed = |source| ImapError::Tls {
        host: host.to_string(),
        source,
    };
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| ImapError::ServerName(host.to_string()))?;
    // ring explicitly, so this does not depend on which provider the process
    // installed as its default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots =
        rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        add_pem_roots(&mut roots, path).map_err(failed)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| failed(io::Error::other(e)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(failed)?;
    Ok(Transport::Tls(Box::new(stream)))
}

/// Adds every certificate of a PEM file to `roots`; a file without one is
/// an error, not a silent no-op.
fn add_pem_roots(roots: &mut rustls::RootCertStore, path: &Path) -> io::Result<()> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(path)?;
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        roots
            .add(cert)
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        added += 1;
    }
    if added == 0 {
        return Err(io::Error::other(format!(
            "{}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(())
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
