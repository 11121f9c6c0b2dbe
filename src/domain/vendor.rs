use super::{BoundedText, CorporateNumber, EmailAddress};

/// A vendor (事業者) as registered: a party the ward may hand information to.
#[derive(Debug, Clone)]
pub struct NewVendor {
    pub legal_name: BoundedText,
    /// 法人番号; a sole proprietor has none.
    pub corporate_number: Option<CorporateNumber>,
    pub address: BoundedText,
    pub contacts: Vec<VendorContact>,
}

/// A person at the vendor: who receives questionnaires and attestation requests.
#[derive(Debug, Clone)]
pub struct VendorContact {
    pub name: BoundedText,
    pub email: EmailAddress,
    pub phone: Option<PhoneNumber>,
}

/// A phone number as people write it: digits with optional `+`, hyphens, spaces and
/// parentheses; 6 to 20 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a phone number has 6 to 20 digits, with optional +, -, spaces and parentheses")]
pub struct InvalidPhone;

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, InvalidPhone> {
        let s = input.trim();
        let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
        let allowed = |c: char| c.is_ascii_digit() || "+-() ".contains(c);
        if !(6..=20).contains(&digits) || !s.chars().all(allowed) || s.len() > 32 {
            return Err(InvalidPhone);
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        assert!(PhoneNumber::parse("03-3578-2111").is_ok());
        assert!(PhoneNumber::parse("+81 3 3578 2111").is_ok());
        for bad in ["", "12345", "03-3578-2111 ext", "電話"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
