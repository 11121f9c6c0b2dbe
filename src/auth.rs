//! Secrets: password hashing (argon2id) and random tokens (stored as SHA-256).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// R-4.1.4.3: passwords are stored only as argon2id hashes.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash that matches no password: verifying against it when the email is unknown takes
/// as long as for a real account, so timing does not reveal who has one.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("itaku-dummy-password-never-matches"))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// A one-time password for a new account: 20 characters from an alphabet without
/// look-alikes (no 0/O, 1/l/I), about 113 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    random_bytes::<20>()
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A new secret: 32 random bytes, URL-safe base64, with a prefix that tells what it is
/// (and lets secret scanners find a leaked one).
pub fn new_secret(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    )
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

const CSRF_CONTEXT: &[u8] = b"itaku csrf v1";

fn csrf_mac(session_secret: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(session_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(CSRF_CONTEXT);
    mac
}

/// The CSRF token of a session: an HMAC of the session secret, so it needs no storage,
/// differs for every session, and cannot be derived without the cookie (which a page of
/// another site never sees).
pub fn csrf_token(session_secret: &str) -> String {
    hex::encode(csrf_mac(session_secret).finalize().into_bytes())
}

/// Whether `presented` is the session's CSRF token, compared in constant time.
pub fn csrf_matches(session_secret: &str, presented: &str) -> bool {
    match hex::decode(presented.trim()) {
        Ok(bytes) => csrf_mac(session_secret).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

pub const TOKEN_PREFIX: &str = "itk_";
pub const SESSION_PREFIX: &str = "its_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_password() {
        let h = hash_password("correct horse battery staple");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("x", dummy_hash()));
    }

    #[test]
    fn secrets_are_unique_and_prefixed() {
        let a = new_secret(TOKEN_PREFIX);
        let b = new_secret(TOKEN_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("itk_") && a.len() == 4 + 43);
        assert_eq!(sha256_hex("abc").len(), 64);
        let p = generate_password();
        assert_eq!(p.chars().count(), 20);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
    }

    #[test]
    fn csrf_token_belongs_to_one_session() {
        let a = new_secret(SESSION_PREFIX);
        let b = new_secret(SESSION_PREFIX);
        let token = csrf_token(&a);
        assert!(csrf_matches(&a, &token));
        assert!(!csrf_matches(&b, &token));
        assert!(!csrf_matches(&a, "not hex"));
        assert!(!csrf_matches(&a, ""));
    }
}
