//! The minimal hand-written keep-alive HTTP/1.1 client: pre-built request
//! bytes out, one whole answer in.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request with no answer by then counts as a transport error.
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the body of a response lies in the read buffer.
pub(super) struct RawResponse {
    pub(super) status: u16,
    pub(super) body: std::ops::Range<usize>,
    /// The server will close the connection after this answer.
    pub(super) close: bool,
}

pub(super) async fn connect(authority: &str) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

fn bad(message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message.into())
}

/// Sends one request and reads its whole answer into `buf`.
pub(super) async fn exchange(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    request: &[u8],
) -> std::io::Result<RawResponse> {
    stream.write_all(request).await?;
    buf.clear();
    let head_end = loop {
        if let Some(at) = find(buf, b"\r\n\r\n") {
            break at + 4;
        }
        read_more(stream, buf).await?;
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("non-UTF-8 head"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let mut close = version != "HTTP/1.1";
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| bad("bad Content-Length"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.contains("close") {
                close = true;
            } else if value.contains("keep-alive") {
                close = false;
            }
        }
    }
    if chunked {
        loop {
            if let Some(body) = dechunk(&buf[head_end..])? {
                // The decoded body replaces the chunked bytes.
                buf.truncate(head_end);
                buf.extend_from_slice(&body);
                return Ok(RawResponse {
                    status,
                    body: head_end..buf.len(),
                    close,
                });
            }
            read_more(stream, buf).await?;
        }
    }
    match length {
        Some(n) => {
            while buf.len() < head_end + n {
                read_more(stream, buf).await?;
            }
            Ok(RawResponse {
                status,
                body: head_end..head_end + n,
                close,
            })
        }
        None => {
            // No length: the body runs to the end of the connection.
            loop {
                buf.reserve(4096);
                if stream.read_buf(buf).await? == 0 {
                    break;
                }
            }
            Ok(RawResponse {
                status,
                body: head_end..buf.len(),
                close: true,
            })
        }
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.reserve(4096);
    if stream.read_buf(buf).await? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes a chunked body; `None` while it is incomplete.
fn dechunk(mut data: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = find(data, b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&data[..eol]).map_err(|_| bad("bad chunk size"))?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
        let rest = &data[eol + 2..];
        if size == 0 {
            // Trailers, if any, end with an empty line.
            return Ok(
                if rest.starts_with(b"\r\n") || find(rest, b"\r\n\r\n").is_some() {
                    Some(out)
                } else {
                    None
                },
            );
        }
        if rest.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&rest[..size]);
        data = &rest[size + 2..];
    }
}

/// A GET with `Connection: close`, for the target's API (with its bearer
/// token when it has one).
pub(super) async fn http_get(
    authority: &str,
    path: &str,
    token: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = connect(authority).await?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\n{auth}Connection: close\r\n\r\n");
    let mut buf = Vec::new();
    let response = tokio::time::timeout(
        REQUEST_TIMEOUT,
        exchange(&mut stream, &mut buf, request.as_bytes()),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))??;
    Ok((
        response.status,
        buf.get(response.body).unwrap_or(&[]).to_vec(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_only_when_complete() {
        assert_eq!(
            dechunk(b"7\r\nsuccess\r\n0\r\n\r\n").unwrap(),
            Some(b"success".to_vec())
        );
        assert_eq!(dechunk(b"7\r\nsucc").unwrap(), None);
        assert_eq!(dechunk(b"7\r\nsuccess\r\n0\r\n").unwrap(), None);
        assert!(dechunk(b"zz\r\n").is_err());
    }
}
