//! What the store keeps instead of secrets: argon2 hashes of passwords, SHA-256 hashes of session and
//! API tokens. Made here, beside the accounts they belong to, for the web app and the command line
//! alike. Password hashing is deliberately slow: callers that serve many people run it on a
//! blocking thread.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// Why a secret could not be made (the system has no randomness, or hashing failed).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CredentialError(String);

/// An argon2 hash of `password`, with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CredentialError(format!("lösenordet kunde inte hashas: {e}")))
}

/// Whether `password` matches `hash`; a hash that cannot be read matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// 32 random bytes as hex.
pub fn random_token() -> Result<String, CredentialError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| CredentialError(format!("slumptal saknas: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new API token: the text to give the user once, and the hash to store.
pub fn new_api_token() -> Result<(String, String), CredentialError> {
    let token = format!("upf_{}", random_token()?);
    let hash = sha256_hex(&token);
    Ok((token, hash))
}

/// Binds a session to the password: a new password gives a new value and ends old sessions.
pub fn auth_hash(password_hash: &str) -> String {
    sha256_hex(&format!("session:{password_hash}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("hemligt lösen").unwrap();
        assert!(verify_password("hemligt lösen", &h));
        assert!(!verify_password("fel", &h));
        assert!(!verify_password("x", "inte en hash"));
        let (t, th) = new_api_token().unwrap();
        assert!(t.starts_with("upf_") && t.len() == 68);
        assert_eq!(sha256_hex(&t), th);
        assert_ne!(auth_hash("a"), auth_hash("b"));
    }
}
