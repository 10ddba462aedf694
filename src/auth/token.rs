//! API bearer tokens for scripts (`Authorization: Bearer <token>`).
//!
//! Only a BLAKE3 hash of each token is kept in memory, and a presented token
//! is hashed and compared with every known hash in constant time: neither the
//! comparison's length nor which entry matched shows in the answer time.

use subtle::ConstantTimeEq;

use super::Role;

/// One configured token, by the hash of its secret.
#[derive(Clone)]
pub struct ApiToken {
    /// `name`: who or what uses it; shown in the audit log as `token:<name>`.
    pub name: String,
    /// What the token may do.
    pub role: Role,
    hash: [u8; 32],
}

impl std::fmt::Debug for ApiToken {
    /// Name and role only: even the hash stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The tokens the daemon accepts.
#[derive(Debug, Clone, Default)]
pub struct TokenTable {
    tokens: Vec<ApiToken>,
}

/// The hash a token is known by.
pub fn token_hash(secret: &str) -> [u8; 32] {
    *blake3::hash(secret.as_bytes()).as_bytes()
}

impl TokenTable {
    /// Adds a token from its secret (read from `token_file`/`token_env`);
    /// the secret itself is not kept.
    pub fn add(&mut self, name: &str, role: Role, secret: &str) {
        self.tokens.push(ApiToken {
            name: name.to_string(),
            role,
            hash: token_hash(secret),
        });
    }

    /// The token `presented` is, if any. Every entry is compared, in
    /// constant time, whatever matched before.
    pub fn find(&self, presented: &str) -> Option<&ApiToken> {
        let hash = token_hash(presented.trim());
        let mut found = None;
        for token in &self.tokens {
            if bool::from(token.hash.ct_eq(&hash)) && found.is_none() {
                found = Some(token);
            }
        }
        found
    }

    /// The configured tokens (names and roles; hashes stay private).
    pub fn iter(&self) -> impl Iterator<Item = &ApiToken> {
        self.tokens.iter()
    }

    /// Whether two entries share one secret (a copy-paste mistake: the
    /// first one would always win).
    pub fn has_duplicates(&self) -> bool {
        let mut seen = std::collections::HashSet::new();
        !self.tokens.iter().all(|t| seen.insert(t.hash))
    }

    /// How many tokens are configured.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether no token is configured.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_found_by_its_secret_only() {
        let mut table = TokenTable::default();
        table.add("deploy", Role::Admin, "tok-aaaa");
        table.add("report", Role::Reviewer, "tok-bbbb");
        assert_eq!(
            table.find("tok-bbbb").map(|t| t.name.as_str()),
            Some("report")
        );
        assert_eq!(table.find(" tok-aaaa ").map(|t| t.role), Some(Role::Admin));
        assert!(table.find("tok-aaa").is_none());
        assert!(table.find("").is_none());
        assert!(!table.has_duplicates());
        table.add("again", Role::Agent, "tok-aaaa");
        assert!(table.has_duplicates());
    }

    #[test]
    fn debug_output_shows_no_secret_material() {
        let mut table = TokenTable::default();
        table.add("deploy", Role::Admin, "tok-secret-value");
        let shown = format!("{table:?}");
        assert!(shown.contains("deploy"));
        assert!(!shown.contains("tok-secret-value"));
        let hex = blake3::hash(b"tok-secret-value").to_hex().to_string();
        assert!(!shown.contains(&hex[..8]));
    }
}
