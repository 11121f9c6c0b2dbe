use std::fmt;

/// An email address in the shape mail servers accept: one `@`, a non-empty local part, a
/// dotted domain, no spaces or control characters, at most 254 characters. The domain is
/// lowercased so that the same mailbox is never registered twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid email address (name@example.jp)")]
pub struct InvalidEmail;

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, InvalidEmail> {
        let s = input.trim();
        if s.is_empty() || s.len() > 254 {
            return Err(InvalidEmail);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(InvalidEmail)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c);
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || local.chars().any(bad_char)
        {
            return Err(InvalidEmail);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.len() > 63
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
        {
            return Err(InvalidEmail);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            EmailAddress::parse(" Taro.Yamada@City.Minato.LG.JP ")
                .unwrap()
                .as_str(),
            "Taro.Yamada@city.minato.lg.jp"
        );
        assert!(EmailAddress::parse("a+tag@example.co.jp").is_ok());
    }

    #[test]
    fn rejects_what_a_mail_server_would() {
        for bad in [
            "",
            "plain",
            "@example.jp",
            "a@",
            "a@localhost",
            "a b@example.jp",
            "a@exa mple.jp",
            "a@@example.jp",
            "a@-example.jp",
            "a@example..jp",
            "<a>@example.jp",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(InvalidEmail), "{bad:?}");
        }
        assert!(EmailAddress::parse(&format!("{}@example.jp", "a".repeat(65))).is_err());
    }
}
