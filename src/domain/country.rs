//! A country, as ISO 3166-1 alpha-2 codes name it: where a cloud service keeps the
//! ward's data, from where its support can reach it, where a subprocessor works.

use serde::{Deserialize, Serialize};

/// A country as ISO 3166-1 alpha-2 (`JP`, `US`, `SG`): two upper-case letters.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[A-Z]{2}$", example = "JP")]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(text: &str) -> Result<CountryCode, NotACountry> {
        let t = text.trim().to_ascii_uppercase();
        if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(CountryCode(t))
        } else {
            Err(NotACountry)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_japan(&self) -> bool {
        self.0 == "JP"
    }
}

impl TryFrom<String> for CountryCode {
    type Error = NotACountry;
    fn try_from(s: String) -> Result<Self, NotACountry> {
        CountryCode::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a country code of two letters (ISO 3166-1 alpha-2, e.g. JP)")]
pub struct NotACountry;
