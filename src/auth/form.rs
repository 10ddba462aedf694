//! `application/x-www-form-urlencoded` in both directions, and the `next=`
//! target after a login. Small enough to own rather than pull in a crate:
//! the login form and the CSRF check are the only readers.

/// The value of `name` in a urlencoded body or query, decoded; the first
/// occurrence wins.
pub fn field(body: &[u8], name: &str) -> Option<String> {
    body.split(|b| *b == b'&').find_map(|pair| {
        let mut parts = pair.splitn(2, |b| *b == b'=');
        let key = decode(parts.next()?);
        (key == name).then(|| decode(parts.next().unwrap_or_default()))
    })
}

/// Decodes one urlencoded component: `+` is a space, `%XX` a byte; a
/// malformed escape stays as it is; bytes that are not UTF-8 become U+FFFD.
pub fn decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&byte) = raw.get(i) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => match (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    (*byte? as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes everything but unreserved characters and `/`, for a
/// path carried in a query string (`/login?next=...`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Where to go after logging in: `next` if it is a path on this site, else
/// `/`. Refused: absolute URLs (`https://evil.example`), scheme-relative
/// ones (`//evil.example`), backslashes (browsers read `/\evil.example` as
/// `//evil.example`), control characters, and anything over 2 KiB.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_string(),
        _ => "/".to_string(),
    }
}

fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 2048
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_and_the_first_one_wins() {
        let body = b"user=%E5%BC%A0%E4%B8%89&password=a+b%26c%3D&_csrf=x&_csrf=y&empty=";
        assert_eq!(field(body, "user").as_deref(), Some("张三"));
        assert_eq!(field(body, "password").as_deref(), Some("a b&c="));
        assert_eq!(field(body, "_csrf").as_deref(), Some("x"));
        assert_eq!(field(body, "empty").as_deref(), Some(""));
        assert_eq!(field(body, "missing"), None);
        assert_eq!(decode(b"100%"), "100%");
        assert_eq!(decode(b"%zz%4"), "%zz%4");
    }

    #[test]
    fn encode_round_trips_through_decode() {
        let path = "/drafts?queue=微博&page=2 #x";
        let encoded = encode(path);
        assert!(!encoded.contains(['?', '&', ' ', '#']), "{encoded}");
        assert_eq!(decode(encoded.as_bytes()), path);
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/tickets?state=open")),
            "/tickets?state=open"
        );
        assert_eq!(safe_next(Some("/")), "/");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/ok\r\nSet-Cookie: x=1",
            "/a b",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?} must not be followed");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
        assert_eq!(safe_next(None), "/");
    }
}
