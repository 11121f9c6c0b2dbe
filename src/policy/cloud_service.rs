//! What the Standard asks of a cloud provider itself, beyond the contract: its ISMAP or
//! ISMAP-LIU listing (the government's list of audited cloud services, checked at
//! selection, R-9.1, R-10.1) and where the ward's data lives (storage and backup
//! countries, the countries from which support can reach it, the governing law and
//! court). A listing lapses one year and four months after the end of its audited
//! period; a service holding L2/L3 information without a valid listing, or L3
//! information stored or reachable outside Japan, is flagged.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub use crate::domain::country::CountryCode;
use crate::domain::engagement::wire_enum;
use crate::domain::ClassificationLevel;
use crate::i18n::Msg;

wire_enum! {
    /// The list a service is on.
    IsmapList {
        Ismap => "ismap",
        IsmapLiu => "ismap_liu",
    }
}

/// A service's listing on ISMAP or ISMAP-LIU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IsmapListing {
    pub list: IsmapList,
    /// The registration number on the list.
    pub registration_number: String,
    /// The service as listed.
    pub listed_service: String,
    /// The regions the listing covers.
    pub regions: Vec<String>,
    /// The last day of the audited period.
    pub audit_period_end: NaiveDate,
}

/// The last day a listing is valid: one year and four months counted from the day after
/// its audited period ends (the ISMAP rules), ending, as a Japanese period does, on the
/// day before the same day of the last month: an audit to 30 June is valid to 31 October
/// of the next year.
pub fn valid_until(audit_period_end: NaiveDate) -> NaiveDate {
    let from = audit_period_end.succ_opt().unwrap_or(audit_period_end);
    from.checked_add_months(Months::new(16))
        .and_then(|d| d.pred_opt())
        .unwrap_or(audit_period_end)
}

/// Where the ward's data lives and which law governs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataLocation {
    /// Countries where the data is stored.
    pub storage_countries: Vec<CountryCode>,
    /// The provider's regions or data centres, in words.
    pub storage_regions: String,
    /// Countries where its backups are kept.
    pub backup_countries: Vec<CountryCode>,
    /// Countries from which the provider's support can reach the data.
    pub support_countries: Vec<CountryCode>,
    /// The contract's governing law.
    pub governing_law: String,
    /// The court agreed for disputes.
    pub court: String,
}

impl DataLocation {
    /// The countries outside Japan where the data is stored or kept, or from which it can
    /// be reached.
    pub fn outside_japan(&self) -> Vec<CountryCode> {
        let mut out: Vec<CountryCode> = self
            .storage_countries
            .iter()
            .chain(&self.backup_countries)
            .chain(&self.support_countries)
            .filter(|c| !c.is_japan())
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Something about a cloud service the people in charge must look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum CloudFlag {
    /// L2/L3 information on a service with no ISMAP / ISMAP-LIU listing recorded.
    NoListing,
    /// L2/L3 information on a service whose listing lapsed on `valid_until`.
    ListingLapsed { valid_until: NaiveDate },
    /// L3 information stored, kept or reachable in these countries outside Japan.
    L3OutsideJapan { countries: Vec<String> },
}

impl CloudFlag {
    pub fn message(&self) -> Msg {
        match self {
            CloudFlag::NoListing => Msg::new(
                "重要性分類レベル2以上の情報を取り扱うクラウドサービスですが、ISMAP / ISMAP-LIU の登録が記録されていません（R-9.1）",
                "This cloud service handles level 2 or 3 information but no ISMAP / ISMAP-LIU listing is recorded (R-9.1)",
            ),
            CloudFlag::ListingLapsed { valid_until } => Msg::new(
                format!(
                    "ISMAP / ISMAP-LIU の登録は {} で有効期限が切れています。最新の登録を確認し、記録してください（R-9.1）",
                    crate::domain::wareki::format_wareki(*valid_until)
                ),
                format!(
                    "The ISMAP / ISMAP-LIU listing lapsed on {valid_until}: check the current listing and record it (R-9.1)"
                ),
            ),
            CloudFlag::L3OutsideJapan { countries } => Msg::new(
                format!(
                    "重要性分類レベル3の情報が、日本国外（{}）に保存され、又は日本国外から参照され得ます",
                    countries.join("、")
                ),
                format!(
                    "Level 3 information is stored or reachable outside Japan ({})",
                    countries.join(", ")
                ),
            ),
        }
    }
}

/// What needs looking at on `today`. A listing matters at L2/L3; the data outside Japan
/// at L3, whether by where it is kept or by a subprocessor working from abroad
/// (`subprocessor_countries`: those of the subprocessors in force).
pub fn flags(
    level: Option<ClassificationLevel>,
    listing: Option<&IsmapListing>,
    location: Option<&DataLocation>,
    subprocessor_countries: &[CountryCode],
    today: NaiveDate,
) -> Vec<CloudFlag> {
    let level = level.unwrap_or(ClassificationLevel::L1);
    let mut out = Vec::new();
    if level >= ClassificationLevel::L2 {
        match listing {
            None => out.push(CloudFlag::NoListing),
            Some(l) if valid_until(l.audit_period_end) < today => {
                out.push(CloudFlag::ListingLapsed {
                    valid_until: valid_until(l.audit_period_end),
                })
            }
            Some(_) => {}
        }
    }
    if level == ClassificationLevel::L3 {
        let mut abroad = location
            .map(DataLocation::outside_japan)
            .unwrap_or_default();
        abroad.extend(
            subprocessor_countries
                .iter()
                .filter(|c| !c.is_japan())
                .cloned(),
        );
        abroad.sort();
        abroad.dedup();
        if !abroad.is_empty() {
            out.push(CloudFlag::L3OutsideJapan {
                countries: abroad.iter().map(|c| c.as_str().to_string()).collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClassificationLevel::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn listing(end: NaiveDate) -> IsmapListing {
        IsmapListing {
            list: IsmapList::Ismap,
            registration_number: "C21-0001-1".into(),
            listed_service: "港クラウド".into(),
            regions: vec!["東京".into()],
            audit_period_end: end,
        }
    }

    #[test]
    fn r_9_1_a_listing_is_valid_until_a_year_and_four_months_after_its_audited_period() {
        assert_eq!(valid_until(d(2029, 3, 31)), d(2030, 7, 31));
        assert_eq!(valid_until(d(2029, 6, 30)), d(2030, 10, 31));
        assert_eq!(valid_until(d(2029, 12, 31)), d(2031, 4, 30));
        let l = listing(d(2029, 3, 31));
        assert!(flags(Some(L2), Some(&l), None, &[], d(2030, 7, 31)).is_empty());
        assert_eq!(
            flags(Some(L2), Some(&l), None, &[], d(2030, 8, 1)),
            [CloudFlag::ListingLapsed {
                valid_until: d(2030, 7, 31)
            }]
        );
        // L1 needs none; L2 without one is flagged.
        assert!(flags(Some(L1), None, None, &[], d(2030, 8, 1)).is_empty());
        assert_eq!(
            flags(Some(L2), None, None, &[], d(2030, 8, 1)),
            [CloudFlag::NoListing]
        );
    }

    #[test]
    fn r_9_1_l3_information_outside_japan_is_flagged_and_l2_is_not() {
        let jp = CountryCode::parse("jp").unwrap();
        let us = CountryCode::parse("US").unwrap();
        let location = DataLocation {
            storage_countries: vec![jp.clone()],
            backup_countries: vec![jp.clone()],
            support_countries: vec![jp.clone(), us.clone(), us],
            ..Default::default()
        };
        let l = listing(d(2029, 3, 31));
        let today = d(2029, 6, 1);
        assert_eq!(
            flags(Some(L3), Some(&l), Some(&location), &[], today),
            [CloudFlag::L3OutsideJapan {
                countries: vec!["US".into()]
            }]
        );
        assert!(flags(Some(L2), Some(&l), Some(&location), &[], today).is_empty());
        // A subprocessor working from abroad makes the data reachable from there too.
        let home = DataLocation {
            storage_countries: vec![jp.clone()],
            backup_countries: vec![jp.clone()],
            support_countries: vec![jp.clone()],
            ..Default::default()
        };
        let sg = CountryCode::parse("SG").unwrap();
        assert_eq!(
            flags(Some(L3), Some(&l), Some(&home), &[jp.clone(), sg], today),
            [CloudFlag::L3OutsideJapan {
                countries: vec!["SG".into()]
            }]
        );
        assert!(CountryCode::parse("Japan").is_err());
        assert!(CountryCode::parse("J1").is_err());
    }
}
