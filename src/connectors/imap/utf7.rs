//! Folder names on the wire: IMAP's modified UTF-7 (RFC 3501 §5.1.3), so a
//! folder such as `已处理` can be read from or moved to.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Encodes a folder name: printable ASCII stays, `&` becomes `&-`, every
/// other run of characters becomes `&` + base64 of its UTF-16BE + `-`.
pub fn encode_folder(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut units = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut out, &mut pending);
    out
}

fn flush(out: &mut String, pending: &mut Vec<u16>) {
    if pending.is_empty() {
        return;
    }
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        // No padding: only as many sextets as the chunk's bits need.
        for i in 0..=chunk.len() {
            let sextet = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[sextet as usize]));
        }
    }
    out.push('-');
    pending.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_rfc_3501() {
        assert_eq!(
            encode_folder("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(encode_folder("INBOX"), "INBOX");
        assert_eq!(encode_folder("A&B"), "A&-B");
        assert_eq!(encode_folder("已处理"), "&XfJZBHQG-");
    }
}
