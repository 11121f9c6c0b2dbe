//! A cloud provider's subprocessors (再委託先): the list, kept as the changes that made
//! it. The provider reports a change through the vendor portal (or staff record one they
//! learned of); the system administrator acknowledges it, and only acknowledged changes
//! make the list in force. A change the list cannot take (removing one not on it, adding
//! one already there) is refused with the reason.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cloud_service::CountryCode;
use crate::domain::engagement::wire_enum;
use crate::i18n::Msg;

wire_enum! {
    /// What a change does to the list.
    ChangeKind {
        Added => "added",
        Removed => "removed",
    }
}

/// One subprocessor as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subprocessor {
    pub name: String,
    /// What it does for the service (hosting, support, e-mail delivery, …).
    pub purpose: String,
    /// Where it works from.
    pub country: CountryCode,
    /// From when it is (or was) a subprocessor.
    pub since: NaiveDate,
}

/// One change as the fold sees it, oldest first.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: ChangeKind,
    pub name: String,
    pub purpose: String,
    pub country: CountryCode,
    pub effective_on: NaiveDate,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The list the changes make, in the order subprocessors were added.
pub fn current<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Vec<Subprocessor> {
    let mut list: Vec<Subprocessor> = Vec::new();
    for c in changes {
        match c.kind {
            ChangeKind::Added => {
                if !list.iter().any(|s| same(&s.name, &c.name)) {
                    list.push(Subprocessor {
                        name: c.name.clone(),
                        purpose: c.purpose.clone(),
                        country: c.country.clone(),
                        since: c.effective_on,
                    });
                }
            }
            ChangeKind::Removed => list.retain(|s| !same(&s.name, &c.name)),
        }
    }
    list
}

/// Why a change cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRefused {
    AlreadyListed(String),
    NotListed(String),
}

impl ChangeRefused {
    pub fn message(&self) -> Msg {
        match self {
            ChangeRefused::AlreadyListed(n) => Msg::new(
                format!("「{n}」は既に再委託先の一覧にあります"),
                format!("\"{n}\" is already on the list of subprocessors"),
            ),
            ChangeRefused::NotListed(n) => Msg::new(
                format!("「{n}」は再委託先の一覧にありません"),
                format!("\"{n}\" is not on the list of subprocessors"),
            ),
        }
    }
}

/// Whether `kind` of `name` can be taken by the list as it will stand once every change
/// already reported is acknowledged (so two reports of the same addition are refused).
pub fn check_change(
    listed: &[Subprocessor],
    kind: ChangeKind,
    name: &str,
) -> Result<(), ChangeRefused> {
    let on_list = listed.iter().any(|s| same(&s.name, name));
    match kind {
        ChangeKind::Added if on_list => Err(ChangeRefused::AlreadyListed(name.to_string())),
        ChangeKind::Removed if !on_list => Err(ChangeRefused::NotListed(name.to_string())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: ChangeKind, name: &str, on: u32) -> Change {
        Change {
            kind,
            name: name.into(),
            purpose: "保守".into(),
            country: CountryCode::parse("JP").unwrap(),
            effective_on: NaiveDate::from_ymd_opt(2030, 4, on).unwrap(),
        }
    }

    #[test]
    fn r_9_3_1_the_list_is_what_its_changes_make_it() {
        let changes = [
            change(ChangeKind::Added, "港データセンター株式会社", 1),
            change(ChangeKind::Added, "Minato Support Ltd", 2),
            change(ChangeKind::Removed, "minato support ltd", 3),
        ];
        let list = current(&changes);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].name, "港データセンター株式会社");
        assert_eq!(
            check_change(&list, ChangeKind::Added, "港データセンター株式会社"),
            Err(ChangeRefused::AlreadyListed(
                "港データセンター株式会社".into()
            ))
        );
        assert!(check_change(&list, ChangeKind::Removed, "Minato Support Ltd").is_err());
        assert!(check_change(&list, ChangeKind::Added, "Minato Support Ltd").is_ok());
    }
}
