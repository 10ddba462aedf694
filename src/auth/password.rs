//! Password hashes: Argon2id in PHC strings (`$argon2id$v=19$m=...`), as
//! `omnilisten passwd` prints them and `[[users]] password_hash` holds them.
//!
//! Verifying is slow on purpose (tens of milliseconds, 19 MiB of memory with
//! the default parameters): it runs on the blocking pool, never on the
//! runtime's worker threads.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params};

use super::AuthError;

/// Salt length in bytes (the PHC recommendation is at least 16).
const SALT_BYTES: usize = 16;

/// Hashes `password` with Argon2id and the crate's default parameters
/// (OWASP's m=19456 KiB, t=2, p=1) and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks that `phc` is an Argon2 PHC string this build can verify against;
/// the error is a sentence for `omnilisten check`.
pub fn check_hash(phc: &str) -> Result<(), String> {
    let hint = "make one with `omnilisten passwd`";
    let parsed = PasswordHash::new(phc.trim())
        .map_err(|e| format!("password_hash is not a PHC string ({e}); {hint}"))?;
    Algorithm::try_from(parsed.algorithm).map_err(|_| {
        format!(
            "password_hash uses `{}`, not argon2id/argon2i/argon2d; {hint}",
            parsed.algorithm
        )
    })?;
    Params::try_from(&parsed)
        .map_err(|e| format!("password_hash has invalid Argon2 parameters ({e}); {hint}"))?;
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(format!("password_hash lacks its salt or hash; {hint}"));
    }
    Ok(())
}

/// Whether `password` matches `phc`. Slow: call it off the async runtime
/// ([`verify_off_runtime`]). A hash that does not parse matches nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc.trim()) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`verify_password`] on the blocking pool. `phc` is None for an unknown
/// user: a hash of a random password is verified instead, so that "no such
/// user" takes as long as "wrong password" and the answer time does not
/// tell which names exist.
pub async fn verify_off_runtime(password: String, phc: Option<String>) -> Result<bool, AuthError> {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_password(&password, &phc),
        None => {
            let _ = verify_password(&password, decoy_hash());
            false
        }
    })
    .await
    .map_err(|e| AuthError::Internal(e.to_string()))
}

/// A hash of a random password nobody knows, made once on first use.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let mut secret = [0u8; 24];
        // Without randomness the decoy is still unguessable enough: nobody
        // can log in through it (an unknown user never matches anyway).
        let _ = getrandom::fill(&mut secret);
        let password = secret
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        hash_password(&password).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let hash = hash_password("正确的马电池订书钉").expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(check_hash(&hash).is_ok());
        assert!(verify_password("正确的马电池订书钉", &hash));
        assert!(!verify_password("正确的马电池订书", &hash));
        assert!(!verify_password("", &hash));
        // Salted: the same password never hashes the same twice.
        assert_ne!(hash, hash_password("正确的马电池订书钉").expect("hash"));
    }

    #[test]
    fn malformed_or_foreign_hashes_are_refused_with_a_reason() {
        let bad = [
            ("hunter2", "not a PHC string"),
            ("$argon2id$v=19$m=19456,t=2,p=1$", "not a PHC string"),
            (
                "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
                "not argon2id",
            ),
            (
                "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                "parameters",
            ),
            ("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0", "lacks"),
        ];
        for (hash, reason) in bad {
            let why = check_hash(hash).expect_err(hash);
            assert!(why.contains(reason), "{hash}: {why}");
            assert!(why.contains("omnilisten passwd"), "{why}");
            assert!(!verify_password("hunter2", hash));
        }
    }

    #[tokio::test]
    async fn verification_runs_off_the_runtime_and_unknown_users_never_match() {
        let hash = hash_password("s3cret").expect("hash");
        let ok = verify_off_runtime("s3cret".into(), Some(hash.clone())).await;
        assert!(ok.expect("verified"));
        let wrong = verify_off_runtime("s3cre".into(), Some(hash)).await;
        assert!(!wrong.expect("verified"));
        let unknown = verify_off_runtime("s3cret".into(), None).await;
        assert!(!unknown.expect("verified"));
    }
}
