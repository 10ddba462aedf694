//! HTTP plumbing the channel API clients share: bodies read under a cap,
//! errors described without the URL (which carries tokens), media types.

/// A reqwest error as text without its URL, which carries the access token or secret.
pub fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Why a body was not read whole.
pub enum BodyError {
    /// It is (or declared itself) longer than the limit.
    TooLarge,
    /// The connection failed mid-body.
    Read(reqwest::Error),
}

/// Reads at most `limit` bytes, holding no more than the limit plus one chunk:
/// the declared length is checked first, then every chunk as it arrives.
pub async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>, BodyError> {
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let capacity = usize::try_from(declared.unwrap_or(0)).unwrap_or(0);
    let mut body = Vec::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        let total = (body.len() as u64).saturating_add(chunk.len() as u64);
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The media type of a response without parameters, lowercased.
pub fn mime_essence(response: &reqwest::Response) -> Option<String> {
    let value = response.headers().get(reqwest::header::CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}
