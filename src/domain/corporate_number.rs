use std::fmt;

/// 法人番号: the 13-digit corporate number that Japan's National Tax Agency assigns.
/// The first digit is a check digit over the other twelve, so a mistyped number is caught
/// here rather than in a contract.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CorporateNumber(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidCorporateNumber {
    #[error("a corporate number has 13 digits")]
    Length,
    #[error("a corporate number holds digits only")]
    NotDigits,
    #[error("the check digit does not match: the number is mistyped")]
    CheckDigit,
}

impl CorporateNumber {
    /// Accepts ASCII or full-width digits, with optional hyphens or spaces between groups
    /// (as printed on documents), and keeps the 13 ASCII digits.
    pub fn parse(input: &str) -> Result<Self, InvalidCorporateNumber> {
        let mut digits = String::with_capacity(13);
        for c in input.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                '-' | ' ' | '－' | '\u{3000}' => {}
                _ => return Err(InvalidCorporateNumber::NotDigits),
            }
        }
        if digits.len() != 13 {
            return Err(InvalidCorporateNumber::Length);
        }
        let bytes = digits.as_bytes();
        if check_digit(&bytes[1..]) != bytes[0] - b'0' {
            return Err(InvalidCorporateNumber::CheckDigit);
        }
        Ok(Self(digits))
    }

    /// Builds a valid number from its 12-digit base (used for demo data and tests).
    pub fn from_base(base: &str) -> Option<Self> {
        if base.len() != 12 || !base.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self(format!("{}{}", check_digit(base.as_bytes()), base)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The National Tax Agency's formula: 9 − (Σ Pn × Qn mod 9), where Pn is the n-th digit of
/// the base counted from the right and Qn is 1 for odd n, 2 for even n.
fn check_digit(base: &[u8]) -> u8 {
    let sum: u32 = base
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    9 - (sum % 9) as u8
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_numbers() {
        // Minato City itself, and a well-known listed company.
        for n in ["8000020131032", "1180301018771"] {
            assert_eq!(CorporateNumber::parse(n).unwrap().as_str(), n);
        }
    }

    #[test]
    fn normalises_full_width_digits_and_separators() {
        let n = CorporateNumber::parse("８０００-０２０１-３１０３２").unwrap();
        assert_eq!(n.as_str(), "8000020131032");
    }

    #[test]
    fn rejects_a_wrong_check_digit() {
        assert_eq!(
            CorporateNumber::parse("9000020131032"),
            Err(InvalidCorporateNumber::CheckDigit)
        );
    }

    #[test]
    fn rejects_wrong_length_and_letters() {
        assert_eq!(
            CorporateNumber::parse("800002013103"),
            Err(InvalidCorporateNumber::Length)
        );
        assert_eq!(
            CorporateNumber::parse(""),
            Err(InvalidCorporateNumber::Length)
        );
        assert_eq!(
            CorporateNumber::parse("80000201310AB"),
            Err(InvalidCorporateNumber::NotDigits)
        );
    }

    #[test]
    fn from_base_makes_valid_numbers() {
        for base in ["000020131032", "123456789012", "999999999999"] {
            let n = CorporateNumber::from_base(base).unwrap();
            assert_eq!(CorporateNumber::parse(n.as_str()), Ok(n));
        }
    }
}
