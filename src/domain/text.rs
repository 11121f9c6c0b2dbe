/// Free text that must be present (after trimming) and no longer than a limit counted in
/// characters, not bytes, since most of it is Japanese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidText {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters")]
    Control,
}

impl BoundedText {
    pub fn parse(input: &str, max_chars: usize) -> Result<Self, InvalidText> {
        let s = input.trim();
        if s.is_empty() {
            return Err(InvalidText::Empty);
        }
        Self::parse_allow_empty(s, max_chars)
    }

    /// For descriptions that may be left blank.
    pub fn parse_allow_empty(input: &str, max_chars: usize) -> Result<Self, InvalidText> {
        let s = input.trim();
        if s.chars().count() > max_chars {
            return Err(InvalidText::TooLong(max_chars));
        }
        if s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(InvalidText::Control);
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(BoundedText::parse("情報政策課", 5).is_ok());
        assert_eq!(
            BoundedText::parse("情報政策課長", 5),
            Err(InvalidText::TooLong(5))
        );
    }

    #[test]
    fn trims_and_refuses_blank() {
        assert_eq!(BoundedText::parse("  港区  ", 10).unwrap().as_str(), "港区");
        assert_eq!(
            BoundedText::parse(" \u{3000}", 10).unwrap_err(),
            InvalidText::Empty
        );
        assert!(BoundedText::parse_allow_empty("", 10).is_ok());
        assert_eq!(BoundedText::parse("a\u{0}b", 10), Err(InvalidText::Control));
    }
}
