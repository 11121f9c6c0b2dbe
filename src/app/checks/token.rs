//! Portal links: a long random token in the URL, of which only the SHA-256 is stored, so a
//! copy of the database opens no check.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe base64 without padding (43 characters).
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let plain = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&plain);
    (plain, hash)
}

pub fn hash(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

/// Whether a path segment could be a token at all: anything else is refused before the
/// database is asked.
pub fn well_formed(plain: &str) -> bool {
    plain.len() == 43
        && plain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_as_their_hash() {
        let (a, ha) = generate();
        let (b, hb) = generate();
        assert_ne!(a, b);
        assert!(well_formed(&a) && well_formed(&b));
        assert_eq!(ha, hash(&a));
        assert_eq!(ha.len(), 64);
        assert_ne!(ha, hb);
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{}/", &a[..42])));
    }
}
