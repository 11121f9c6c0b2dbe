//! Records staff keep on an engagement as the evidence a rule asks for, in the Standard's
//! words rather than as a status or a vendor's self-report:
//! - a **selection** (R-7.1, R-8.1, R-9.1, R-10.1): how the party was judged able to
//!   comply; for a cloud service, the ISMAP / ISMAP-LIU listing checked and where the data
//!   is kept;
//! - a **statement that no ward information is handed over** (R-8.2, R-7.2, R-9.2), for an
//!   engagement with no information item to identify;
//! - a cloud provider's **terms of service accepted** as the agreement of an L1 cloud
//!   service (R-10.x), which needs no contract clause;
//! - the security officer's **supervision** during the term (R-8.3.1, R-7.3): the ward's
//!   own measures, an on-site or remote confirmation of what was seen;
//! - the CISO's **inspection** of a designated manager (R-7.4), by the CISO or by a person
//!   the CISO delegated to, recorded as such.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::engagement::wire_enum;
use crate::domain::{ClassificationLevel, EngagementKind};
use crate::i18n::Msg;

wire_enum! {
    /// What a record is of.
    RecordKind {
        Selection => "selection",
        NoInformation => "no_information",
        TermsAccepted => "terms_accepted",
        Supervision => "supervision",
        Inspection => "inspection",
    }
}

wire_enum! {
    /// How the security officer confirmed the vendor's measures (R-8.3.1, R-7.3).
    SupervisionMethod {
        OnSite => "on_site",
        Remote => "remote",
    }
}

wire_enum! {
    /// How the CISO inspected the designated manager (R-7.4).
    InspectionMethod {
        OnSite => "on_site",
        Video => "video",
        Photographs => "photographs",
    }
}

wire_enum! {
    /// What an inspection found.
    InspectionResult {
        Conforming => "conforming",
        Findings => "findings",
    }
}

/// A record's own fields, by kind. Stored as JSON beside the kind; a value that does not
/// parse back fails the read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecordDetails {
    Selection {
        /// How the party was judged able to comply with the guideline.
        basis: String,
        /// Cloud services: the ISMAP / ISMAP-LIU listing checked (R-9.1, R-10.1).
        ismap_listing: Option<String>,
        /// Cloud services: where the data is kept.
        data_location: Option<String>,
    },
    NoInformation {
        /// Why no ward information reaches the vendor.
        statement: String,
    },
    TermsAccepted {
        /// The terms' name.
        name: String,
        /// Their version or date.
        version: String,
        url: String,
    },
    Supervision {
        method: SupervisionMethod,
        /// What was seen.
        observed: String,
    },
    Inspection {
        method: InspectionMethod,
        place: String,
        result: InspectionResult,
        /// What was found (required when the result is `findings`).
        findings: String,
    },
}

impl RecordDetails {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordDetails::Selection { .. } => RecordKind::Selection,
            RecordDetails::NoInformation { .. } => RecordKind::NoInformation,
            RecordDetails::TermsAccepted { .. } => RecordKind::TermsAccepted,
            RecordDetails::Supervision { .. } => RecordKind::Supervision,
            RecordDetails::Inspection { .. } => RecordKind::Inspection,
        }
    }
}

/// Whether an engagement is a cloud service of L1 information only (Standard §10).
pub fn is_low_level_cloud(kind: EngagementKind, level: Option<ClassificationLevel>) -> bool {
    kind == EngagementKind::CloudService && level.is_none_or(|l| l == ClassificationLevel::L1)
}

impl RecordKind {
    /// The rules a record of this kind meets on an engagement of `kind` and `level`;
    /// empty when the kind does not apply to it.
    pub fn meets(
        self,
        kind: EngagementKind,
        level: Option<ClassificationLevel>,
    ) -> &'static [&'static str] {
        use EngagementKind::*;
        let low_cloud = is_low_level_cloud(kind, level);
        match (self, kind) {
            (RecordKind::Selection, Outsourcing) => &["R-8.1"],
            (RecordKind::Selection, DesignatedManagement) => &["R-7.1"],
            (RecordKind::Selection, CloudService) if low_cloud => &["R-10.1"],
            (RecordKind::Selection, CloudService) => &["R-9.1"],
            (RecordKind::NoInformation, Outsourcing) => &["R-8.2"],
            (RecordKind::NoInformation, DesignatedManagement) => &["R-7.2"],
            // A cloud service handed no information is of §10, where no rule asks for it.
            (RecordKind::NoInformation, CloudService) if low_cloud => &[],
            (RecordKind::NoInformation, CloudService) => &["R-9.2"],
            (RecordKind::Supervision, Outsourcing) => &["R-8.3.1"],
            (RecordKind::Supervision, DesignatedManagement) => &["R-7.3"],
            (RecordKind::Inspection, DesignatedManagement) => &["R-7.4"],
            _ => &[],
        }
    }

    /// Whether a record of this kind may be kept on an engagement of `kind` and `level`:
    /// where it meets a rule, and terms of service where they stand in for the agreement
    /// of an L1 cloud service (no clause is mandatory there, and no rule of §10 asks for
    /// a contract).
    pub fn applies(self, kind: EngagementKind, level: Option<ClassificationLevel>) -> bool {
        match self {
            RecordKind::TermsAccepted => is_low_level_cloud(kind, level),
            // Identifying the information comes before knowing its level: any engagement
            // may state that none is handed over.
            RecordKind::NoInformation => true,
            _ => !self.meets(kind, level).is_empty(),
        }
    }

    /// The kinds that apply to an engagement, in the order its page offers them.
    pub fn offered(kind: EngagementKind, level: Option<ClassificationLevel>) -> Vec<RecordKind> {
        RecordKind::ALL
            .iter()
            .copied()
            .filter(|r| r.applies(kind, level))
            .collect()
    }
}

/// Why a record cannot be kept, in words a person acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRefused {
    /// The kind does not apply to this engagement (an inspection of a contractor).
    NotForKind {
        record: RecordKind,
        kind: EngagementKind,
    },
    /// R-8.2: the statement that nothing is handed over, while items are registered.
    ItemsRegistered,
    /// The day it happened is after today.
    InTheFuture,
}

impl RecordRefused {
    /// The field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            RecordRefused::NotForKind { .. } => "kind",
            RecordRefused::ItemsRegistered => "statement",
            RecordRefused::InTheFuture => "occurred_on",
        }
    }

    pub fn message(&self) -> Msg {
        match self {
            RecordRefused::NotForKind { record, kind } => Msg::new(
                format!(
                    "{}は{}の案件には記録できません",
                    record_label(*record).ja,
                    kind_label(*kind).ja
                ),
                format!(
                    "A {} is not recorded for {}",
                    record_label(*record).en,
                    kind_label(*kind).en
                ),
            ),
            RecordRefused::ItemsRegistered => Msg::new(
                "この案件には提供する情報が登録されています。情報を提供しない旨の記録はできません（R-8.2）",
                "This engagement has information items registered: it cannot be recorded as handing over none (R-8.2)",
            ),
            RecordRefused::InTheFuture => Msg::new(
                "実施日に未来の日付は指定できません",
                "The day it took place cannot be in the future",
            ),
        }
    }
}

fn kind_label(kind: EngagementKind) -> Msg {
    match kind {
        EngagementKind::Outsourcing => Msg::new("業務委託", "an outsourcing"),
        EngagementKind::DesignatedManagement => Msg::new("指定管理", "a designated management"),
        EngagementKind::CloudService => Msg::new("クラウドサービス", "a cloud service"),
    }
}

/// What a record is called.
pub fn record_label(kind: RecordKind) -> Msg {
    match kind {
        RecordKind::Selection => Msg::new("選定の記録", "selection record"),
        RecordKind::NoInformation => Msg::new(
            "区の情報を提供しない旨の記録",
            "statement that no ward information is handed over",
        ),
        RecordKind::TermsAccepted => {
            Msg::new("利用規約への同意の記録", "terms of service accepted")
        }
        RecordKind::Supervision => Msg::new("監督（対策の確認）の記録", "supervision record"),
        RecordKind::Inspection => Msg::new("点検の記録", "inspection record"),
    }
}

/// Whether a record may be kept on an engagement of `kind` that has `item_count`
/// information items, `today`.
pub fn check_record(
    details: &RecordDetails,
    kind: EngagementKind,
    level: Option<ClassificationLevel>,
    item_count: usize,
    occurred_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), RecordRefused> {
    let record = details.kind();
    if !record.applies(kind, level) {
        return Err(RecordRefused::NotForKind { record, kind });
    }
    if record == RecordKind::NoInformation && item_count > 0 {
        return Err(RecordRefused::ItemsRegistered);
    }
    if occurred_on > today {
        return Err(RecordRefused::InTheFuture);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClassificationLevel::*;
    use EngagementKind::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn each_record_meets_the_rule_of_its_kinds_section() {
        assert_eq!(
            RecordKind::Selection.meets(Outsourcing, Some(L2)),
            ["R-8.1"]
        );
        assert_eq!(
            RecordKind::Selection.meets(DesignatedManagement, None),
            ["R-7.1"]
        );
        assert_eq!(
            RecordKind::Selection.meets(CloudService, Some(L3)),
            ["R-9.1"]
        );
        assert_eq!(
            RecordKind::Selection.meets(CloudService, Some(L1)),
            ["R-10.1"]
        );
        assert_eq!(
            RecordKind::Supervision.meets(Outsourcing, Some(L1)),
            ["R-8.3.1"]
        );
        assert_eq!(
            RecordKind::Supervision.meets(DesignatedManagement, Some(L1)),
            ["R-7.3"]
        );
        assert!(RecordKind::Supervision
            .meets(CloudService, Some(L3))
            .is_empty());
        assert_eq!(
            RecordKind::Inspection.meets(DesignatedManagement, None),
            ["R-7.4"]
        );
        assert!(RecordKind::Inspection
            .meets(Outsourcing, Some(L3))
            .is_empty());
    }

    #[test]
    fn r_7_4_an_inspection_is_of_a_designated_manager_only() {
        let inspection = RecordDetails::Inspection {
            method: InspectionMethod::Video,
            place: "区民センター".into(),
            result: InspectionResult::Conforming,
            findings: String::new(),
        };
        let today = d("2027-06-01");
        assert_eq!(
            check_record(&inspection, DesignatedManagement, Some(L2), 1, today, today),
            Ok(())
        );
        let refused = check_record(&inspection, Outsourcing, Some(L2), 1, today, today);
        assert!(matches!(refused, Err(RecordRefused::NotForKind { .. })));
        assert_eq!(refused.unwrap_err().field(), "kind");
        assert_eq!(
            check_record(
                &inspection,
                DesignatedManagement,
                Some(L2),
                1,
                d("2027-06-02"),
                today
            ),
            Err(RecordRefused::InTheFuture)
        );
    }

    #[test]
    fn r_8_2_nothing_handed_over_is_stated_only_where_no_item_is_registered() {
        let none = RecordDetails::NoInformation {
            statement: "庁舎の清掃のみで、区の情報に触れない".into(),
        };
        let today = d("2027-06-01");
        assert_eq!(
            check_record(&none, Outsourcing, None, 0, today, today),
            Ok(())
        );
        assert_eq!(
            check_record(&none, Outsourcing, Some(L1), 1, today, today),
            Err(RecordRefused::ItemsRegistered)
        );
    }

    #[test]
    fn r_10_1_terms_of_service_stand_for_the_agreement_of_an_l1_cloud_service_only() {
        let terms = RecordDetails::TermsAccepted {
            name: "利用規約".into(),
            version: "2026-04-01".into(),
            url: "https://example.com/terms".into(),
        };
        let today = d("2027-06-01");
        assert_eq!(
            check_record(&terms, CloudService, Some(L1), 1, today, today),
            Ok(())
        );
        assert_eq!(
            check_record(&terms, CloudService, None, 0, today, today),
            Ok(())
        );
        assert!(check_record(&terms, CloudService, Some(L2), 1, today, today).is_err());
        assert!(check_record(&terms, Outsourcing, Some(L1), 1, today, today).is_err());
    }

    #[test]
    fn details_round_trip_through_their_stored_json() {
        let s = RecordDetails::Supervision {
            method: SupervisionMethod::OnSite,
            observed: "入退室記録".into(),
        };
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"kind\":\"supervision\""), "{json}");
        assert_eq!(serde_json::from_str::<RecordDetails>(&json).unwrap(), s);
        assert!(serde_json::from_str::<RecordDetails>(
            r#"{"kind":"supervision","method":"by_fax","observed":"x"}"#
        )
        .is_err());
    }

    #[test]
    fn each_kind_is_offered_where_it_can_meet_a_rule() {
        assert_eq!(
            RecordKind::offered(CloudService, Some(L1)),
            [
                RecordKind::Selection,
                RecordKind::NoInformation,
                RecordKind::TermsAccepted
            ]
        );
        assert_eq!(
            RecordKind::offered(CloudService, Some(L2)),
            [RecordKind::Selection, RecordKind::NoInformation]
        );
        assert_eq!(
            RecordKind::offered(DesignatedManagement, Some(L2)),
            [
                RecordKind::Selection,
                RecordKind::NoInformation,
                RecordKind::Supervision,
                RecordKind::Inspection
            ]
        );
    }
}
