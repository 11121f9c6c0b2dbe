//! R-5.5.3.2: staff sign in with a second factor.
//!
//! Staff accounts reach every contractor's and designated manager's security record, so a
//! password that leaks (phished, reused elsewhere, read over a shoulder) must not be enough
//! on its own. A time-based one-time password (RFC 6238) is used because any standard
//! authenticator app can hold it, it works on a phone without signal, and it needs no SMS
//! or mail gateway that the municipality would have to contract and trust. Recovery codes
//! exist so that a lost or replaced phone does not lock a member of staff out until an
//! administrator is reachable; only their hashes are stored, like session tokens.
//!
//! A code is accepted once only (the step it matched is remembered by the caller), so a
//! code seen over a shoulder or in a proxy log is useless afterwards.

use std::collections::HashSet;
use std::fmt;

use hmac::{Hmac, Mac};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use rand::Rng;
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Length of a TOTP time step, in seconds.
pub const STEP_SECS: i64 = 30;
/// Digits of a TOTP code.
pub const DIGITS: u32 = 6;
/// How many recovery codes a person is given at a time.
pub const RECOVERY_CODES: usize = 10;

/// Bytes of a generated secret: 160 bits, the size RFC 4226 recommends for HMAC-SHA1.
const SECRET_BYTES: usize = 20;

/// Recovery code characters: lower case letters and digits without look-alikes (no 0/o,
/// 1/l/i), so a code read off paper is typed right the first time.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// A recovery code is four groups of four characters: about 79 bits, so that the
/// unsalted SHA-256 kept of it cannot be reversed by trying every code.
const RECOVERY_GROUPS: usize = 4;
const RECOVERY_GROUP_LEN: usize = 4;

/// The shared secret of an authenticator app. Its `Debug` never shows the value, so it
/// cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl TotpSecret {
    /// A fresh secret of 20 random bytes from the operating system.
    pub fn generate() -> TotpSecret {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    /// Parses RFC 4648 base32 as apps and people write it: either case, with or without
    /// `=` padding, with any whitespace ignored. An empty secret is refused.
    pub fn from_base32(s: &str) -> Option<TotpSecret> {
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .trim_end_matches('=')
            .to_ascii_uppercase();
        if cleaned.is_empty() {
            return None;
        }
        data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .ok()
            .filter(|bytes| !bytes.is_empty())
            .map(TotpSecret)
    }

    /// Upper case base32 without padding, the form authenticator apps expect.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The code for time step `step` (see [`step_of`]), [`DIGITS`] digits, zero padded.
    pub fn code_at(&self, step: i64) -> String {
        hotp(&self.0, step as u64, DIGITS)
    }

    /// The `otpauth://` URI that authenticator apps read from a QR code (Key Uri Format).
    /// Issuer and account are percent-encoded as UTF-8, so e.g. "Itaku 港区" is fine.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
             &algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            account = percent_encode(account),
            secret = self.to_base32(),
        )
    }
}

/// Encodes every byte but the RFC 3986 unreserved characters (`A-Za-z0-9-._~`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The TOTP time step that `unix_secs` falls in.
pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// HOTP (RFC 4226) with HMAC-SHA1, `digits` digits zero-padded.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    // Dynamic truncation (RFC 4226 section 5.3).
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    let value = match 10u64.checked_pow(digits) {
        Some(modulus) => u64::from(binary) % modulus,
        None => u64::from(binary),
    };
    format!("{value:0width$}", width = digits as usize)
}

/// Folds full-width ASCII (what a Japanese input method types) to ASCII.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Compares without stopping at the first difference, so timing reveals nothing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Accepts the code of the current step or one step either side (clock drift), but never
/// a step at or before `last_used_step`, so a code is never accepted twice. The input may
/// contain spaces ("123 456"); anything but 6 digits is refused. Returns the step that
/// matched, which the caller stores as the new `last_used_step`. Codes are compared in
/// constant time.
///
/// Full-width digits are read as digits. When two allowed steps happen to share a code,
/// the latest one is returned, so that remembering it shuts out both.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_secs: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let typed: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(fold_full_width)
        .collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_secs);
    let mut matched = None;
    for step in [now.checked_sub(1), Some(now), now.checked_add(1)]
        .into_iter()
        .flatten()
    {
        if step < 0 || last_used_step.is_some_and(|used| step <= used) {
            continue;
        }
        // Every allowed step is computed and compared, whether or not one matched already.
        if constant_time_eq(secret.code_at(step).as_bytes(), typed.as_bytes()) {
            matched = Some(step);
        }
    }
    matched
}

/// A QR code of `data` as standalone SVG markup (black on white, with a quiet zone, at
/// least 240 px square, error correction M), to embed in a page or return in JSON.
///
/// Data too long for correction level M is tried at level L; data too long for any QR
/// code (over about 2.9 kB) gives a blank white image of the same size.
pub fn qr_svg(data: &str) -> String {
    const SIZE: u32 = 240;
    let code = QrCode::with_error_correction_level(data, EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(data, EcLevel::L));
    match code {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(SIZE, SIZE)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
        Err(_) => format!(
            concat!(
                r#"<?xml version="1.0" standalone="yes"?>"#,
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{s}" height="{s}""#,
                r##" viewBox="0 0 {s} {s}"><rect x="0" y="0" width="{s}" height="{s}" fill="#ffffff"/></svg>"##,
            ),
            s = SIZE
        ),
    }
}

/// [`RECOVERY_CODES`] fresh recovery codes shaped `xxxx-xxxx-xxxx-xxxx`, drawn from the
/// operating system's random source over an alphabet without look-alikes.
///
/// Each code carries about 79 bits; the codes of one set are all different.
pub fn generate_recovery_codes() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    let mut seen = HashSet::new();
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    while codes.len() < RECOVERY_CODES {
        let mut group = || -> String {
            (0..RECOVERY_GROUP_LEN)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())]))
                .collect()
        };
        let code = (0..RECOVERY_GROUPS)
            .map(|_| group())
            .collect::<Vec<_>>()
            .join("-");
        if seen.insert(code.clone()) {
            codes.push(code);
        }
    }
    codes
}

/// What a typed recovery code is compared as: trimmed, lower case, with spaces and
/// hyphens removed.
///
/// Full-width letters and digits are folded to ASCII, and the dashes a Japanese input
/// method may type for `-` (`－`, `ー`, `‐`, `−`) count as hyphens.
pub fn normalize_recovery_code(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(fold_full_width)
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(c, '-' | '\u{30FC}' | '\u{2010}' | '\u{2011}' | '\u{2212}')
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// SHA-256 hex of the normalized code (what is stored).
pub fn recovery_code_hash(input: &str) -> String {
    hex::encode(Sha256::digest(normalize_recovery_code(input).as_bytes()))
}

/// Whether the input looks like a recovery code rather than a TOTP code: after
/// normalization, 16 characters of the recovery code alphabet.
pub fn looks_like_recovery_code(input: &str) -> bool {
    let normalized = normalize_recovery_code(input);
    normalized.len() == RECOVERY_GROUPS * RECOVERY_GROUP_LEN
        && normalized.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, want) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_KEY, counter as u64, 6), *want, "counter {counter}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238_sha1_vectors() {
        for (t, want) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(hotp(RFC_KEY, step_of(t) as u64, 8), want, "time {t}");
        }
    }

    #[test]
    fn code_at_is_six_digit_totp() {
        let secret = TotpSecret(RFC_KEY.to_vec());
        // RFC 6238 at t = 59 is 94287082 with 8 digits; the last six are the 6-digit code.
        assert_eq!(secret.code_at(step_of(59)), "287082");
        assert_eq!(step_of(29), 0);
        assert_eq!(step_of(30), 1);
        assert_eq!(step_of(-1), -1);
    }

    #[test]
    fn base32_round_trips_and_parsing_is_tolerant() {
        let secret = TotpSecret::generate();
        let b32 = secret.to_base32();
        assert_eq!(b32.len(), 32);
        assert!(!b32.contains('='));
        assert_eq!(b32, b32.to_ascii_uppercase());
        assert_eq!(TotpSecret::from_base32(&b32), Some(secret.clone()));

        let rfc = TotpSecret(RFC_KEY.to_vec());
        assert_eq!(rfc.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"),
            Some(rfc)
        );
        // Padding may be present or left out.
        assert_eq!(TotpSecret::from_base32("MZXW6===").unwrap().0, b"foo");
        assert_eq!(TotpSecret::from_base32("mzxw6").unwrap().0, b"foo");
        for bad in ["", "   ", "====", "MZXW6!", "0189", "M"] {
            assert_eq!(TotpSecret::from_base32(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn r_5_5_3_2_verify_accepts_the_current_step_and_one_either_side() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_015;
        let step = step_of(now);
        assert_eq!(
            verify(&secret, &secret.code_at(step), now, None),
            Some(step)
        );
        assert_eq!(
            verify(&secret, &secret.code_at(step - 1), now, None),
            Some(step - 1)
        );
        assert_eq!(
            verify(&secret, &secret.code_at(step + 1), now, None),
            Some(step + 1)
        );
        let spaced = {
            let c = secret.code_at(step);
            format!(" {} {} ", &c[..3], &c[3..])
        };
        assert_eq!(verify(&secret, &spaced, now, None), Some(step));
    }

    #[test]
    fn r_5_5_3_2_verify_refuses_codes_two_steps_away() {
        let secret = TotpSecret(RFC_KEY.to_vec());
        let now = 1_800_000_015;
        let step = step_of(now);
        let near: Vec<String> = (-1..=1).map(|d| secret.code_at(step + d)).collect();
        for d in [-2, 2] {
            let far = secret.code_at(step + d);
            // Skip the 1-in-a-million case where the far code equals a near one.
            if !near.contains(&far) {
                assert_eq!(verify(&secret, &far, now, None), None, "offset {d}");
            }
        }
    }

    #[test]
    fn r_5_5_3_2_a_code_is_never_accepted_twice() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_015;
        let step = step_of(now);
        let code = secret.code_at(step);
        let used = verify(&secret, &code, now, None).unwrap();
        assert_eq!(verify(&secret, &code, now, Some(used)), None);
        assert_eq!(verify(&secret, &code, now, Some(step + 1)), None);
        // An earlier step once used does not block the current one...
        assert_eq!(verify(&secret, &code, now, Some(step - 1)), Some(step));
        // ...but does block itself and anything before it.
        let previous = secret.code_at(step - 1);
        if previous != code {
            assert_eq!(verify(&secret, &previous, now, Some(step - 1)), None);
        }
    }

    #[test]
    fn verify_refuses_anything_but_six_digits() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_015;
        let code = secret.code_at(step_of(now));
        for bad in [
            String::new(),
            code[..5].to_string(),
            format!("{code}0"),
            format!("0{code}"),
            format!("{}a", &code[..5]),
            "abcdef".to_string(),
            format!("{}-{}", &code[..3], &code[3..]),
            format!("+{}", &code[..5]),
        ] {
            assert_eq!(verify(&secret, &bad, now, None), None, "{bad:?}");
        }
        // Full-width digits, as a Japanese input method types them, are digits.
        let wide: String = code
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(verify(&secret, &wide, now, None), Some(step_of(now)));
    }

    #[test]
    fn otpauth_uri_carries_the_secret_and_encodes_the_issuer() {
        let secret = TotpSecret(RFC_KEY.to_vec());
        let uri = secret.otpauth_uri("Itaku 港区", "taro@city.example.jp");
        assert_eq!(
            uri,
            "otpauth://totp/Itaku%20%E6%B8%AF%E5%8C%BA:taro%40city.example.jp\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Itaku%20%E6%B8%AF%E5%8C%BA\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert!(uri.contains(&secret.to_base32()));
        assert_eq!(
            percent_encode("a-b.c_d~e:f/g?&="),
            "a-b.c_d~e%3Af%2Fg%3F%26%3D"
        );
    }

    #[test]
    fn qr_svg_is_standalone_svg() {
        let svg = qr_svg(&TotpSecret::generate().otpauth_uri("Itaku 港区", "a@example.jp"));
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
        assert!(svg.contains("</svg>"));
        assert!(svg.contains("#000000") && svg.contains("#ffffff"));
        let too_long = qr_svg(&"x".repeat(10_000));
        assert!(too_long.starts_with("<?xml") && too_long.ends_with("</svg>"));
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_well_shaped() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), RECOVERY_CODES);
        for code in &codes {
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 4, "{code}");
            for group in groups {
                assert_eq!(group.len(), 4, "{code}");
                assert!(
                    group.bytes().all(|c| RECOVERY_ALPHABET.contains(&c)),
                    "{code}"
                );
            }
            assert!(looks_like_recovery_code(code));
        }
    }

    #[test]
    fn recovery_codes_compare_without_case_hyphens_or_spaces() {
        let stored = recovery_code_hash("abcde-fgh23");
        for typed in [
            "abcde-fgh23",
            "  ABCDE-FGH23 ",
            "abcdefgh23",
            "abcde fgh23",
            "Abc De-Fgh 23",
            "ａｂｃｄｅ－ｆｇｈ２３",
            "abcdeーfgh23",
        ] {
            assert_eq!(normalize_recovery_code(typed), "abcdefgh23", "{typed:?}");
            assert_eq!(recovery_code_hash(typed), stored, "{typed:?}");
        }
        assert_ne!(recovery_code_hash("abcde-fgh24"), stored);
        assert_eq!(stored.len(), 64);
        assert!(stored.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn recovery_codes_and_totp_codes_are_told_apart() {
        assert!(looks_like_recovery_code("abcd-efgh-jk23-4567"));
        assert!(looks_like_recovery_code("ABCD EFGH JK23 4567"));
        assert!(!looks_like_recovery_code("123456"));
        assert!(!looks_like_recovery_code("123 456"));
        assert!(!looks_like_recovery_code("abcd-efgh-jk23-456"));
        assert!(!looks_like_recovery_code("abcd-efgh-jk23-45678"));
        // 0, 1, i, l, o are not in the alphabet.
        assert!(!looks_like_recovery_code("abcd-efgh-jk23-4510"));
        assert!(!looks_like_recovery_code("iloo-abcd-efgh-jk23"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = TotpSecret::generate();
        let shown = format!("{secret:?} {secret:#?}");
        assert!(!shown.contains(&secret.to_base32()));
        assert!(!shown.contains(&hex::encode(&secret.0)));
        assert_eq!(format!("{secret:?}"), "TotpSecret(***)");
    }
}
