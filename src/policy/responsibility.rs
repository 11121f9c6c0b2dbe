//! The division of responsibility (責任分界) between the ward and a cloud provider
//! for each area the Standard's catalogue names (CL-18), who is responsible
//! (the ward, the provider, or both) and how. Kept as numbered versions of a matrix; a
//! version is agreed when the provider has confirmed it through the vendor portal and the
//! system administrator has approved it, and the newest agreed version meets.

use serde::{Deserialize, Serialize};

use crate::domain::engagement::wire_enum;
use crate::i18n::Msg;

wire_enum! {
    /// The areas a matrix covers, in the order it lists them.
    Area {
        IdentitiesMfa => "identities_mfa",
        PrivilegedAccess => "privileged_access",
        Logs => "logs",
        EncryptionKeys => "encryption_keys",
        BackupRestore => "backup_restore",
        Patching => "patching",
        IncidentNotice => "incident_notice",
        VulnerabilityTesting => "vulnerability_testing",
        Subprocessors => "subprocessors",
        Availability => "availability",
        ExitDeletion => "exit_deletion",
    }
}

wire_enum! {
    /// Who is responsible for an area.
    Party {
        Ward => "ward",
        Provider => "provider",
        Shared => "shared",
    }
}

wire_enum! {
    /// The cloud service model a starting matrix is for.
    ServiceModel {
        Iaas => "iaas",
        Paas => "paas",
        Saas => "saas",
    }
}

impl Area {
    /// The area's name, as the matrix, the portal and the emails say it.
    pub fn label(self) -> Msg {
        let (ja, en) = match self {
            Area::IdentitiesMfa => ("利用者ID・多要素認証", "Identities and MFA"),
            Area::PrivilegedAccess => ("事業者の特権アクセス", "The provider's privileged access"),
            Area::Logs => ("ログの取得・保管・提供", "Logs and their delivery"),
            Area::EncryptionKeys => ("暗号化と鍵管理", "Encryption and keys"),
            Area::BackupRestore => ("バックアップと復旧", "Backup and restore"),
            Area::Patching => ("修正プログラムの適用", "Patching"),
            Area::IncidentNotice => (
                "インシデントの通知（通知期限）",
                "Incident notice and its time limit",
            ),
            Area::VulnerabilityTesting => ("脆弱性診断", "Vulnerability testing"),
            Area::Subprocessors => ("再委託先（サブプロセッサ）", "Subprocessors"),
            Area::Availability => ("可用性・サービスレベル", "Availability and service level"),
            Area::ExitDeletion => ("利用終了時のデータ返却・消去", "Exit and deletion"),
        };
        Msg::new(ja, en)
    }
}

impl Party {
    pub fn label(self) -> Msg {
        match self {
            Party::Ward => Msg::new("区", "The ward"),
            Party::Provider => Msg::new("事業者", "The provider"),
            Party::Shared => Msg::new("区と事業者の双方", "Both"),
        }
    }
}

/// One area of a matrix: who is responsible, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub area: Area,
    pub responsible: Party,
    /// What each side does in this area (an incident notice's time limit, a log's
    /// delivery, …).
    pub notes: String,
}

/// Why a matrix cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatrixRefused {
    /// An area the matrix does not cover.
    Missing(Area),
    /// An area listed twice.
    Repeated(Area),
}

impl MatrixRefused {
    pub fn message(&self) -> Msg {
        match self {
            MatrixRefused::Missing(a) => Msg::new(
                format!(
                    "責任分界表に「{}」の区分がありません。全ての領域について区分を定めてください（R-9.3.1）",
                    a.label().ja
                ),
                format!(
                    "The matrix does not cover \"{}\": set out every area (R-9.3.1)",
                    a.label().en
                ),
            ),
            MatrixRefused::Repeated(a) => Msg::new(
                format!("「{}」が2回以上あります", a.label().ja),
                format!("\"{}\" is listed more than once", a.label().en),
            ),
        }
    }
}

/// A matrix must set out every area exactly once (CL-18 names them all); it is kept in
/// the order of [`Area::ALL`].
pub fn check_matrix(entries: &mut [Entry]) -> Result<(), MatrixRefused> {
    for &area in Area::ALL {
        match entries.iter().filter(|e| e.area == area).count() {
            0 => return Err(MatrixRefused::Missing(area)),
            1 => {}
            _ => return Err(MatrixRefused::Repeated(area)),
        }
    }
    entries.sort_by_key(|e| Area::ALL.iter().position(|a| *a == e.area));
    Ok(())
}

wire_enum! {
    /// What the provider said of a version sent to it.
    VendorDecision {
        Confirmed => "confirmed",
        ChangesRequested => "changes_requested",
    }
}

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatrixState {
    /// Recorded; not yet sent to the provider.
    Draft,
    /// Sent; the provider has not answered.
    AwaitingProvider,
    /// The provider asked for changes: a new version answers them.
    ChangesRequested,
    /// The provider confirmed it; the system administrator has not yet approved it.
    AwaitingApproval,
    /// Confirmed and approved: the agreed division of responsibility.
    Agreed,
    /// Never agreed, and a newer version was recorded since.
    Superseded,
}

/// What is known of one version, for its state.
pub struct VersionFacts {
    pub newest: bool,
    pub sent: bool,
    pub vendor_decision: Option<VendorDecision>,
    pub approved: bool,
}

pub fn state(v: &VersionFacts) -> MatrixState {
    if v.approved {
        return MatrixState::Agreed;
    }
    if !v.newest {
        return MatrixState::Superseded;
    }
    match (v.sent, v.vendor_decision) {
        (_, Some(VendorDecision::Confirmed)) => MatrixState::AwaitingApproval,
        (_, Some(VendorDecision::ChangesRequested)) => MatrixState::ChangesRequested,
        (true, None) => MatrixState::AwaitingProvider,
        (false, None) => MatrixState::Draft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(area: Area) -> Entry {
        Entry {
            area,
            responsible: Party::Shared,
            notes: "x".into(),
        }
    }

    #[test]
    fn r_9_3_1_a_matrix_sets_out_every_area_once_in_order() {
        let mut all: Vec<Entry> = Area::ALL.iter().rev().map(|a| entry(*a)).collect();
        assert_eq!(check_matrix(&mut all), Ok(()));
        assert_eq!(all[0].area, Area::IdentitiesMfa);
        let mut missing = all.clone();
        missing.retain(|e| e.area != Area::Logs);
        assert_eq!(
            check_matrix(&mut missing),
            Err(MatrixRefused::Missing(Area::Logs))
        );
        let mut twice = all.clone();
        twice.push(entry(Area::Patching));
        assert_eq!(
            check_matrix(&mut twice),
            Err(MatrixRefused::Repeated(Area::Patching))
        );
    }

    #[test]
    fn r_9_3_1_only_a_confirmed_and_approved_version_is_agreed() {
        let facts = |newest, sent, vendor_decision, approved| VersionFacts {
            newest,
            sent,
            vendor_decision,
            approved,
        };
        use MatrixState::*;
        assert_eq!(state(&facts(true, false, None, false)), Draft);
        assert_eq!(state(&facts(true, true, None, false)), AwaitingProvider);
        assert_eq!(
            state(&facts(
                true,
                true,
                Some(VendorDecision::ChangesRequested),
                false
            )),
            ChangesRequested
        );
        assert_eq!(
            state(&facts(true, true, Some(VendorDecision::Confirmed), false)),
            AwaitingApproval
        );
        assert_eq!(
            state(&facts(true, true, Some(VendorDecision::Confirmed), true)),
            Agreed
        );
        assert_eq!(
            state(&facts(false, true, Some(VendorDecision::Confirmed), false)),
            Superseded
        );
        assert_eq!(
            state(&facts(false, true, Some(VendorDecision::Confirmed), true)),
            Agreed
        );
    }
}
