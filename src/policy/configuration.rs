//! A cloud service's configuration management information (構成管理情報), kept by its
//! system administrator and updated whenever the settings change (R-9.3.2 at L2/L3,
//! at L1). Kept as numbered versions: each carries what changed, who recorded it
//! and who approved it, and any two compare field by field. Only an approved version
//! counts, and it counts for a set number of months (`RuleSettings::
//! configuration_stale_months`): a record nobody has looked at for longer no longer
//! describes the service with any confidence.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::i18n::Msg;

/// The configuration as recorded. Every value is a name or a description: an API key
/// or a password is never kept (`looks_like_secret`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// The tenant, subscription or account the ward uses.
    pub tenant: String,
    /// The plan or edition contracted.
    pub plan: String,
    /// The provider's regions or data centres in use.
    pub regions: Vec<String>,
    /// How the service is reached: the internet, a closed network (LGWAN), addresses.
    pub network_exposure: String,
    /// Single sign-on, if any (the identity provider and protocol).
    pub sso: String,
    /// Multi-factor authentication: for whom and by what.
    pub mfa: String,
    /// Limits on where sign-in is allowed from.
    pub address_limits: String,
    /// Administrator accounts: names or roles, never passwords.
    pub admin_accounts: Vec<String>,
    /// What is logged, and how long it is kept.
    pub logging: String,
    /// Encryption at rest and in transit, and who holds the keys.
    pub encryption: String,
    /// Backups: what, how often, how long, where.
    pub backup: String,
    /// Connections to other systems and the API keys they use, by name only.
    pub integrations: Vec<String>,
}

/// One field of a configuration, in the order pages show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Tenant,
    Plan,
    Regions,
    NetworkExposure,
    Sso,
    Mfa,
    AddressLimits,
    AdminAccounts,
    Logging,
    Encryption,
    Backup,
    Integrations,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::Tenant,
        Field::Plan,
        Field::Regions,
        Field::NetworkExposure,
        Field::Sso,
        Field::Mfa,
        Field::AddressLimits,
        Field::AdminAccounts,
        Field::Logging,
        Field::Encryption,
        Field::Backup,
        Field::Integrations,
    ];

    /// The field's name in the API and in forms.
    pub fn key(self) -> &'static str {
        match self {
            Field::Tenant => "tenant",
            Field::Plan => "plan",
            Field::Regions => "regions",
            Field::NetworkExposure => "network_exposure",
            Field::Sso => "sso",
            Field::Mfa => "mfa",
            Field::AddressLimits => "address_limits",
            Field::AdminAccounts => "admin_accounts",
            Field::Logging => "logging",
            Field::Encryption => "encryption",
            Field::Backup => "backup",
            Field::Integrations => "integrations",
        }
    }

    /// A list of names (one per line in a form) rather than one text.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Field::Regions | Field::AdminAccounts | Field::Integrations
        )
    }

    /// Whether a version must say something here. The plan, single sign-on, address
    /// limits and integrations may truly be none.
    pub fn required(self) -> bool {
        !matches!(
            self,
            Field::Plan | Field::Sso | Field::AddressLimits | Field::Integrations
        )
    }

    /// The longest value of one text, or of one name in a list.
    pub fn max_chars(self) -> usize {
        if self.is_list() {
            200
        } else {
            2000
        }
    }
}

impl Configuration {
    /// A field's value; a list's names one per line.
    pub fn value(&self, field: Field) -> String {
        let text = |s: &String| s.clone();
        let list = |v: &Vec<String>| v.join("\n");
        match field {
            Field::Tenant => text(&self.tenant),
            Field::Plan => text(&self.plan),
            Field::Regions => list(&self.regions),
            Field::NetworkExposure => text(&self.network_exposure),
            Field::Sso => text(&self.sso),
            Field::Mfa => text(&self.mfa),
            Field::AddressLimits => text(&self.address_limits),
            Field::AdminAccounts => list(&self.admin_accounts),
            Field::Logging => text(&self.logging),
            Field::Encryption => text(&self.encryption),
            Field::Backup => text(&self.backup),
            Field::Integrations => list(&self.integrations),
        }
    }

    /// The fields that differ from `earlier`.
    pub fn changed_since(&self, earlier: &Configuration) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| self.value(*f) != earlier.value(*f))
            .collect()
    }
}

/// One field of two versions side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub field: Field,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

/// Two versions compared field by field, every field listed, changed or not, so the page
/// reads as the two records side by side.
pub fn compare(before: &Configuration, after: &Configuration) -> Vec<Difference> {
    Field::ALL
        .into_iter()
        .map(|field| {
            let (b, a) = (before.value(field), after.value(field));
            Difference {
                field,
                changed: b != a,
                before: b,
                after: a,
            }
        })
        .collect()
}

/// The last day an approved version kept on `kept_on` describes the service; from the
/// day after, the record is stale and are owed again.
pub fn fresh_until(kept_on: NaiveDate, stale_months: u32) -> NaiveDate {
    kept_on
        .checked_add_months(Months::new(stale_months))
        .unwrap_or(kept_on)
}

/// Whether the record kept on `kept_on` is stale on `today`.
pub fn is_stale(kept_on: NaiveDate, stale_months: u32, today: NaiveDate) -> bool {
    today > fresh_until(kept_on, stale_months)
}

/// Whether a value looks like a credential rather than a name. A secret kept here would
/// be shown on every page and in the audit log to everyone who may read the engagement,
/// so the record refuses it: it names an API key, it never holds one. The test is for
/// the shapes providers issue (a known prefix, a private key block, or one long word
/// mixing upper case, lower case and digits); a tenant's GUID or a region name passes.
pub fn looks_like_secret(value: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "AKIA",
        "ASIA",
        "ghp_",
        "gho_",
        "github_pat_",
        "glpat-",
        "xoxb-",
        "xoxp-",
        "sk-",
        "sk_live_",
        "AIza",
    ];
    if value.contains("-----BEGIN") {
        return true;
    }
    let lower = value.to_lowercase();
    if [
        "password=",
        "passwd=",
        "secret=",
        "token=",
        "apikey=",
        "api_key=",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return true;
    }
    value.split_whitespace().any(|word| {
        let word = word.trim_matches(|c: char| "\"'()[]{}<>,.;:「」（）".contains(c));
        let prefixed = PREFIXES
            .iter()
            .any(|p| word.starts_with(p) && word.len() >= p.len() + 16);
        let token_chars = word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c));
        let mixed = word.chars().any(|c| c.is_ascii_uppercase())
            && word.chars().any(|c| c.is_ascii_lowercase())
            && word.chars().any(|c| c.is_ascii_digit());
        prefixed || (token_chars && mixed && word.len() >= 32)
    })
}

/// Why a value cannot be kept.
pub fn secret_refused() -> Msg {
    Msg::new(
        "パスワードや API キーなどの秘密の値は記録できません。名称のみを記録してください（R-9.3.2）",
        "Secrets such as passwords or API keys are never recorded: record their names only (R-9.3.2)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn r_9_3_2_a_record_is_stale_the_day_after_its_period_ends() {
        let kept = d(2027, 1, 31);
        assert_eq!(fresh_until(kept, 6), d(2027, 7, 31));
        assert!(!is_stale(kept, 6, d(2027, 7, 31)));
        assert!(is_stale(kept, 6, d(2027, 8, 1)));
    }

    #[test]
    fn r_9_3_2_secrets_are_told_from_names() {
        for secret in [
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "連携用キー sk-proj1234567890abcdefghij",
            "-----BEGIN PRIVATE KEY-----",
            "password=hunter2",
            "Kx9fQ2mLp8Zr4Tv7Wb1Nc6Yd3Hs5Jg0A",
        ] {
            assert!(looks_like_secret(secret), "{secret}");
        }
        for name in [
            "財務会計連携 API キー（名称: finance-sync）",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "ap-northeast-1",
            "東日本リージョン（東京）",
            "情報政策課 管理者アカウント admin-jouhou",
            "GitHubActionsDeployKey",
        ] {
            assert!(!looks_like_secret(name), "{name}");
        }
    }

    #[test]
    fn r_9_3_2_two_versions_compare_field_by_field() {
        let before = Configuration {
            tenant: "minato".into(),
            regions: vec!["東京".into()],
            ..Default::default()
        };
        let after = Configuration {
            regions: vec!["東京".into(), "大阪".into()],
            ..before.clone()
        };
        let diff = compare(&before, &after);
        assert_eq!(diff.len(), Field::ALL.len());
        let regions = diff.iter().find(|d| d.field == Field::Regions).unwrap();
        assert!(regions.changed);
        assert_eq!(regions.after, "東京\n大阪");
        assert!(
            !diff
                .iter()
                .find(|d| d.field == Field::Tenant)
                .unwrap()
                .changed
        );
        assert_eq!(after.changed_since(&before), [Field::Regions]);
    }
}
