//! Collects every field error of a request, so that one answer lists them all.

use crate::domain::corporate_number::InvalidCorporateNumber;
use crate::domain::country::NotACountry;
use crate::domain::date::InvalidDate;
use crate::domain::division_code::InvalidDivisionCode;
use crate::domain::email::InvalidEmail;
use crate::domain::engagement::NotOneOf;
use crate::domain::level::InvalidLevel;
use crate::domain::password::InvalidPassword;
use crate::domain::text::InvalidText;
use crate::domain::vendor::InvalidPhone;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// A parse error that can say what is wrong in both languages.
pub trait Explain {
    fn code(&self) -> &'static str {
        "invalid"
    }
    fn explain(&self) -> Msg;
}

impl Explain for NotACountry {
    fn explain(&self) -> Msg {
        Msg::new(
            "国は ISO 3166-1 の2文字のコードで入力してください（例: 日本は JP、米国は US）",
            "Give countries as two-letter ISO 3166-1 codes (e.g. JP for Japan, US for the United States)",
        )
    }
}

impl Explain for InvalidEmail {
    fn explain(&self) -> Msg {
        Msg::new(
            "メールアドレスの形式が正しくありません（例: name@example.jp）",
            self.to_string(),
        )
    }
}

impl Explain for InvalidCorporateNumber {
    fn explain(&self) -> Msg {
        let ja = match self {
            InvalidCorporateNumber::Length => "法人番号は13桁です",
            InvalidCorporateNumber::NotDigits => "法人番号は数字のみです",
            InvalidCorporateNumber::CheckDigit => {
                "法人番号のチェックデジットが一致しません（入力誤りの可能性があります）"
            }
        };
        Msg::new(ja, self.to_string())
    }
}

impl Explain for InvalidText {
    fn code(&self) -> &'static str {
        match self {
            InvalidText::Empty => "required",
            _ => "invalid",
        }
    }
    fn explain(&self) -> Msg {
        let ja = match self {
            InvalidText::Empty => "入力してください".to_string(),
            InvalidText::TooLong(n) => format!("{n}文字以内で入力してください"),
            InvalidText::Control => "制御文字は使えません".to_string(),
        };
        Msg::new(ja, self.to_string())
    }
}

impl Explain for InvalidDate {
    fn explain(&self) -> Msg {
        Msg::new(
            "日付が正しくありません（YYYY-MM-DD 形式の実在する日付、例: 2027-04-01）",
            self.to_string(),
        )
    }
}

impl Explain for InvalidLevel {
    fn explain(&self) -> Msg {
        Msg::new("格付は L1、L2、L3 のいずれかです", self.to_string())
    }
}

impl Explain for NotOneOf {
    fn explain(&self) -> Msg {
        Msg::new(
            format!("次のいずれかを指定してください: {}", self.0.join(", ")),
            self.to_string(),
        )
    }
}

impl Explain for InvalidPassword {
    fn code(&self) -> &'static str {
        match self {
            InvalidPassword::TooShort(_) => "too_short",
            InvalidPassword::TooLong => "too_long",
            InvalidPassword::Common => "common",
            InvalidPassword::SameAsEmail => "same_as_email",
            InvalidPassword::Trivial => "trivial",
        }
    }
    fn explain(&self) -> Msg {
        let ja = match self {
            InvalidPassword::TooShort(n) => format!("パスワードは{n}文字以上にしてください"),
            InvalidPassword::TooLong => "128文字以内にしてください".to_string(),
            InvalidPassword::Common => "よく使われるパスワードは使えません".to_string(),
            InvalidPassword::SameAsEmail => {
                "メールアドレスと同じパスワードは使えません".to_string()
            }
            InvalidPassword::Trivial => "同じ文字の繰り返しや単純な並びは使えません".to_string(),
        };
        Msg::new(ja, self.to_string())
    }
}

impl Explain for InvalidDivisionCode {
    fn explain(&self) -> Msg {
        Msg::new("課等コードは英数字、-、_ の1〜32文字です", self.to_string())
    }
}

impl Explain for InvalidPhone {
    fn explain(&self) -> Msg {
        Msg::new(
            "電話番号は6〜20桁の数字です（+、-、空白、括弧は可）",
            self.to_string(),
        )
    }
}

#[derive(Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records why `field` was refused.
    pub fn check<T, E: Explain>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldError::new(field, e.code(), e.explain()));
                None
            }
        }
    }

    /// For an optional field: absent stays absent, present must parse.
    pub fn check_opt<T, E: Explain>(
        &mut self,
        field: &str,
        value: Option<Result<T, E>>,
    ) -> Option<Option<T>> {
        match value {
            None => Some(None),
            Some(r) => self.check(field, r).map(Some),
        }
    }

    /// A required field: records `required` when it is absent, or why it does not parse.
    pub fn require<T, E: Explain>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match value {
            Some(v) => self.check(field, parse(v)),
            None => {
                self.required(field);
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, code: &'static str, message: Msg) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn required(&mut self, field: &str) {
        self.push(
            field,
            "required",
            Msg::new("必須項目です", "This field is required"),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// 422 with every error recorded, or Ok when there is none.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }

    /// Finishes and hands back the parsed values, which `values` assembles from the
    /// fields' results (`|| Some((a?, b?))`): every field error at once when any was
    /// refused.
    pub fn done<T>(self, values: impl FnOnce() -> Option<T>) -> AppResult<T> {
        self.finish()?;
        values().ok_or_else(Self::refused_silently)
    }

    /// A field missing although no error was recorded for it: a fault of the parsing
    /// code, answered as one instead of a panic.
    pub fn refused_silently() -> AppError {
        AppError::Internal("a field was refused without an error saying why".into())
    }
}

/// Tells `"field": null` (Some(None)) from an absent field (None), for partial updates.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}
