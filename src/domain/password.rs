//! R-4.1.4.3: passwords hard to guess.
//!
//! Hashing (see `crate::auth`) only protects a password that is not among the first few
//! thousand an attacker tries, so a new password is refused when it is short, one of the
//! best-known leaked passwords (also with digits or a `!` tacked on), the person's own
//! email address, or a run like `aaaa…` or `1234…`. Length is what makes a password
//! strong, so there are no rules about mixing character kinds, and a Japanese passphrase
//! counts by its characters, not its bytes.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// Longest password accepted, in characters: long enough for any passphrase, short enough
/// that hashing it costs nothing unusual.
pub const MAX_CHARS: usize = 128;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidPassword {
    #[error("must be at least {0} characters")]
    TooShort(usize),
    #[error("must be at most 128 characters")]
    TooLong,
    #[error("is one of the most common passwords")]
    Common,
    #[error("must not be the email address or its name part")]
    SameAsEmail,
    #[error("must not be a single repeated character or a simple sequence")]
    Trivial,
}

/// A password a person chose that passed the policy. Its `Debug` prints
/// `NewPassword(***)`, never the value.
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    /// Checks `candidate` for the person whose address is `email`. The value is kept exactly
    /// as typed (spaces included); the comparisons ignore case, surrounding whitespace and
    /// full-width forms. Checks run in this order: too short, too long, same as the email,
    /// trivial, common.
    pub fn parse(
        candidate: &str,
        email: &str,
        min_chars: usize,
    ) -> Result<NewPassword, InvalidPassword> {
        let chars = candidate.chars().count();
        if candidate.trim().is_empty() || chars < min_chars {
            return Err(InvalidPassword::TooShort(min_chars));
        }
        if chars > MAX_CHARS {
            return Err(InvalidPassword::TooLong);
        }
        let folded = fold(candidate);
        if is_same_as_email(&folded, email) {
            return Err(InvalidPassword::SameAsEmail);
        }
        if is_trivial(&folded) {
            return Err(InvalidPassword::Trivial);
        }
        if is_common(&folded) {
            return Err(InvalidPassword::Common);
        }
        Ok(NewPassword(candidate.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the checks compare: trimmed, full-width ASCII (as a Japanese input method types
/// it) folded to ASCII, lower case.
fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_same_as_email(folded: &str, email: &str) -> bool {
    let email = fold(email);
    let local = email.rsplit_once('@').map_or(email.as_str(), |(l, _)| l);
    [email.as_str(), local]
        .iter()
        .any(|e| !e.is_empty() && *e == folded)
}

/// One character repeated, or a run of consecutive code points up or down (digits wrap
/// around, so "8901" and "1098" are runs too).
fn is_trivial(folded: &str) -> bool {
    let chars: Vec<char> = folded.chars().collect();
    let Some(first) = chars.first() else {
        return true;
    };
    if chars.iter().all(|c| c == first) {
        return true;
    }
    let step = |a: char, b: char| -> i64 {
        match (a, b) {
            ('9', '0') => 1,
            ('0', '9') => -1,
            _ => i64::from(u32::from(b)) - i64::from(u32::from(a)),
        }
    };
    let steps: Vec<i64> = chars.windows(2).map(|w| step(w[0], w[1])).collect();
    steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == -1)
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// On the list as it is, or once the digits and punctuation people add at the end to
/// satisfy a rule are taken off ("Password1234!" is "password").
fn is_common(folded: &str) -> bool {
    let list = common_passwords();
    let stem = folded.trim_end_matches(|c: char| {
        c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace()
    });
    list.contains(folded) || (!stem.is_empty() && list.contains(stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "Taro.Yamada@city.minato.example.jp";

    fn parse(candidate: &str) -> Result<NewPassword, InvalidPassword> {
        NewPassword::parse(candidate, EMAIL, 12)
    }

    #[test]
    fn r_4_1_4_3_accepts_a_japanese_passphrase_and_a_random_password() {
        for good in [
            "すもももももももものうち2026",
            "xR7#tq9Lm2!vB4",
            "correct horse battery staple",
            " leading and trailing spaces ",
        ] {
            let p = parse(good).unwrap_or_else(|e| panic!("{good:?}: {e}"));
            assert_eq!(p.as_str(), good, "kept exactly as typed");
        }
    }

    #[test]
    fn r_4_1_4_3_too_short_counts_characters_not_bytes() {
        // 11 characters but 33 bytes.
        assert_eq!(
            parse("すもももももももものう").err(),
            Some(InvalidPassword::TooShort(12))
        );
        assert!(parse("すもももももももものうち").is_ok());
        assert_eq!(
            parse("xR7#tq9Lm2!").err(),
            Some(InvalidPassword::TooShort(12))
        );
        assert_eq!(parse("").err(), Some(InvalidPassword::TooShort(12)));
        // Blank is too short whatever the minimum.
        assert_eq!(
            NewPassword::parse("   \u{3000}\t", EMAIL, 1).err(),
            Some(InvalidPassword::TooShort(1))
        );
        assert_eq!(
            NewPassword::parse("xR7#tq9L", EMAIL, 8).unwrap().as_str(),
            "xR7#tq9L"
        );
    }

    #[test]
    fn r_4_1_4_3_too_long() {
        let just_fits: String = "xR7#tq9Lm2!vB4あ".chars().cycle().take(128).collect();
        assert!(parse(&just_fits).is_ok());
        let too_long = format!("{just_fits}z");
        assert_eq!(parse(&too_long).err(), Some(InvalidPassword::TooLong));
    }

    #[test]
    fn r_4_1_4_3_not_the_email_address_or_its_name_part() {
        assert_eq!(
            parse("taro.yamada@CITY.minato.example.jp").err(),
            Some(InvalidPassword::SameAsEmail)
        );
        // The comparison ignores case, surrounding spaces and full-width forms.
        let email = "Hanako.Suzuki@city.minato.example.jp";
        for same in [
            "HANAKO.SUZUKI ",
            "ｈａｎａｋｏ．ｓｕｚｕｋｉ",
            "hanako.suzuki",
        ] {
            assert_eq!(
                NewPassword::parse(same, email, 12).err(),
                Some(InvalidPassword::SameAsEmail),
                "{same:?}"
            );
        }
        assert!(NewPassword::parse("hanako.suzuki.minato", email, 12).is_ok());
    }

    #[test]
    fn r_4_1_4_3_not_a_repeated_character_or_a_simple_run() {
        for trivial in [
            "aaaaaaaaaaaa",
            "111111111111",
            "ああああああああああああ",
            "zzzzzzzzzzzz  ",
            "abcdefghijkl",
            "ABCDEFGHIJKL",
            "lkjihgfedcba",
            "123456789012",
            "987654321098",
            "３４５６７８９０１２３４",
        ] {
            assert_eq!(
                parse(trivial).err(),
                Some(InvalidPassword::Trivial),
                "{trivial:?}"
            );
        }
        assert!(parse("abcdefghijkm").is_ok());
        assert!(parse("aaaaaaaaaaab").is_ok());
    }

    #[test]
    fn r_4_1_4_3_not_a_common_password() {
        for common in [
            "passwordpassword",
            "qwertyuiop123",
            "iloveyou1234",
            "1q2w3e4r5t6y",
            "Administrator",
            "CHANGEME1234",
            "welcome12345",
            "Password1234!",
            "p@ssw0rd2026!!",
            "Sakura2026!!",
            "minato123456",
            "itaku-2026-04",
            "ｐａｓｓｗｏｒｄ１２３４",
        ] {
            assert_eq!(
                parse(common).err(),
                Some(InvalidPassword::Common),
                "{common:?}"
            );
        }
        // A common word inside a longer phrase is fine.
        assert!(parse("password in a longer phrase").is_ok());
        assert!(parse("2026sakurapassphrase").is_ok());
    }

    #[test]
    fn checks_run_in_order() {
        // Short and common: too short.
        assert_eq!(parse("password").err(), Some(InvalidPassword::TooShort(12)));
        // The email's name part is also a common password: same as email.
        assert_eq!(
            NewPassword::parse("Administrator", "administrator@example.jp", 12).err(),
            Some(InvalidPassword::SameAsEmail)
        );
        // A run that is also on the list: trivial.
        assert!(common_passwords().contains("123456789012"));
        assert_eq!(parse("123456789012").err(), Some(InvalidPassword::Trivial));
    }

    #[test]
    fn the_list_is_lower_case_and_long_enough() {
        let text = include_str!("common_passwords.txt");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() >= 400, "{} entries", lines.len());
        assert_eq!(common_passwords().len(), lines.len(), "no duplicates");
        for line in lines {
            assert_eq!(line, line.trim(), "{line:?}");
            assert_eq!(line, line.to_lowercase(), "{line:?}");
            assert!(line.chars().count() >= 4, "{line:?}");
        }
        for must in [
            "123456", "password", "qwerty", "iloveyou", "admin", "minato", "tokyo", "nihon",
            "sakura", "pokemon", "itaku",
        ] {
            assert!(common_passwords().contains(must), "{must}");
        }
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = parse("xR7#tq9Lm2!vB4").unwrap();
        assert_eq!(format!("{p:?}"), "NewPassword(***)");
        assert_eq!(format!("{p:#?}"), "NewPassword(***)");
    }
}
