//! Parsed domain types: each can only hold a valid value, so code past the HTTP and CLI
//! edges never re-checks them.

pub mod corporate_number;
pub mod country;
pub mod date;
pub mod division_code;
pub mod email;
pub mod engagement;
pub mod level;
pub mod password;
pub mod role;
pub mod search_text;
pub mod stored;
pub mod text;
pub mod vendor;
pub mod wareki;

pub use corporate_number::CorporateNumber;
pub use division_code::DivisionCode;
pub use email::EmailAddress;
pub use engagement::{EngagementKind, Ismap, Status};
pub use level::ClassificationLevel;
pub use password::NewPassword;
pub use role::Role;
pub use text::BoundedText;
