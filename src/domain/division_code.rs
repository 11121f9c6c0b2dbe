use std::fmt;

/// A division's (課等) short code, used in URLs, filters and the CLI: 1–32 characters of
/// ASCII letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DivisionCode(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a division code is 1 to 32 letters, digits, '-' or '_'")]
pub struct InvalidDivisionCode;

impl DivisionCode {
    pub fn parse(input: &str) -> Result<Self, InvalidDivisionCode> {
        let s = input.trim();
        if s.is_empty()
            || s.len() > 32
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(InvalidDivisionCode);
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes() {
        assert_eq!(
            DivisionCode::parse(" joho-seisaku ").unwrap().as_str(),
            "joho-seisaku"
        );
        for bad in ["", "情報政策課", "a b", &"x".repeat(33)] {
            assert!(DivisionCode::parse(bad).is_err(), "{bad}");
        }
    }
}
