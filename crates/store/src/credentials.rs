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

/// The shortest password accepted (ASVS 2.1.1).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why `password` is not good enough for account `username`, in Swedish, or `None` when it is: at
/// least [`MIN_PASSWORD_CHARS`] characters, not the user name or close to it, and not guessable —
/// zxcvbn's estimate of common and breached passwords, names, words, dates, repeats and keyboard
/// patterns scores it at least 3 of 4 (ASVS 2.1.7).
pub fn password_problem(password: &str, username: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!("Lösenordet behöver minst {MIN_PASSWORD_CHARS} tecken."));
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if !name.is_empty() && lower.contains(&name) {
        return Some("Lösenordet får inte innehålla användarnamnet.".to_owned());
    }
    let estimate = zxcvbn::zxcvbn(password, &[username, "uppfolj", "uppfölj", "cancerplan", "rcc"]);
    if u8::from(estimate.score()) < 3 {
        return Some(
            "Lösenordet är för lätt att gissa (ett vanligt eller läckt lösenord, ett ord, ett namn eller ett \
             mönster). Välj en längre fras av några ord som inte hör ihop."
                .to_owned(),
        );
    }
    None
}

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn weak_passwords_are_named_and_strong_ones_pass() {
        assert!(password_problem("kort", "anna").is_some_and(|p| p.contains("minst 12")));
        assert!(password_problem("anna-anna-anna-1", "anna").is_some_and(|p| p.contains("användarnamnet")));
        assert!(password_problem("password1234", "anna").is_some_and(|p| p.contains("lätt att gissa")));
        assert!(password_problem("qwertyuiopasdf", "anna").is_some_and(|p| p.contains("lätt att gissa")));
        assert_eq!(password_problem("kaffe-lampa-oktober-gran", "anna"), None);
    }
}
