//! A cloud service's configuration records: a new version recorded by
//! whoever may change the engagement, approved by the division's system administrator
//! (never its recorder, R-2.6), listed, and any two compared. The API and the staff
//! pages call these same functions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::load_visible;
use super::Tx;
use crate::audit::Event;
use crate::db::configuration::{self as store, VersionRow};
use crate::db::{self, DbConnection};
use crate::domain::{BoundedText, ClassificationLevel, EngagementKind};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::policy::configuration::{
    self as policy, looks_like_secret, secret_refused, Configuration, Field,
};
use crate::validate::Fields;

/// A new version as asked for: what changed, and the whole configuration as it is now
/// (a field left out is recorded as empty, so each version stands on its own).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationBody {
    /// What changed since the previous version and why (for the first: where the
    /// information came from). Required.
    pub change_summary: Option<String>,
    /// The tenant, subscription or account the ward uses. Required.
    pub tenant: Option<String>,
    pub plan: Option<String>,
    /// The provider's regions in use. At least one.
    pub regions: Option<Vec<String>>,
    /// How the service is reached. Required.
    pub network_exposure: Option<String>,
    pub sso: Option<String>,
    /// Multi-factor authentication: for whom and by what. Required.
    pub mfa: Option<String>,
    pub address_limits: Option<String>,
    /// Administrator accounts by name or role. At least one.
    pub admin_accounts: Option<Vec<String>>,
    /// What is logged and how long it is kept. Required.
    pub logging: Option<String>,
    /// Encryption and keys. Required.
    pub encryption: Option<String>,
    /// Backups. Required.
    pub backup: Option<String>,
    /// Integrations and the API keys they use, by name only.
    pub integrations: Option<Vec<String>>,
}

impl ConfigurationBody {
    /// A body holding `c` as it stands (the form for a new version starts from the
    /// latest one).
    pub fn from_configuration(c: &Configuration) -> Self {
        ConfigurationBody {
            change_summary: None,
            tenant: Some(c.tenant.clone()),
            plan: Some(c.plan.clone()),
            regions: Some(c.regions.clone()),
            network_exposure: Some(c.network_exposure.clone()),
            sso: Some(c.sso.clone()),
            mfa: Some(c.mfa.clone()),
            address_limits: Some(c.address_limits.clone()),
            admin_accounts: Some(c.admin_accounts.clone()),
            logging: Some(c.logging.clone()),
            encryption: Some(c.encryption.clone()),
            backup: Some(c.backup.clone()),
            integrations: Some(c.integrations.clone()),
        }
    }

    fn text(&self, field: Field) -> Option<&str> {
        let v = match field {
            Field::Tenant => &self.tenant,
            Field::Plan => &self.plan,
            Field::NetworkExposure => &self.network_exposure,
            Field::Sso => &self.sso,
            Field::Mfa => &self.mfa,
            Field::AddressLimits => &self.address_limits,
            Field::Logging => &self.logging,
            Field::Encryption => &self.encryption,
            Field::Backup => &self.backup,
            Field::Regions | Field::AdminAccounts | Field::Integrations => return None,
        };
        v.as_deref()
    }

    fn list(&self, field: Field) -> &[String] {
        let v = match field {
            Field::Regions => &self.regions,
            Field::AdminAccounts => &self.admin_accounts,
            Field::Integrations => &self.integrations,
            _ => return &[],
        };
        v.as_deref().unwrap_or_default()
    }
}

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// Approved: the newest approved version is the record in force.
    Approved,
    /// The newest version, awaiting approval.
    Pending,
    /// Never approved, and a newer version was recorded since.
    Superseded,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionResponse {
    pub engagement_id: String,
    /// 1 for the first version, counting up.
    pub version: i32,
    pub configuration: Configuration,
    pub change_summary: String,
    /// The fields that differ from the previous version (every field given, for the
    /// first), by their API names.
    pub changed_fields: Vec<String>,
    pub recorded_by: String,
    /// The organisation's date it was recorded: its age counts from here.
    pub recorded_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub state: VersionState,
}

/// An engagement's configuration records and where they stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfigurationResponse {
    /// The rule they meet: `R-9.3.2` at L2/L3, `R-10.2` at L1.
    pub rule: String,
    /// The newest approved version: the record in force.
    pub current_version: Option<i32>,
    /// The last day the record in force stays current.
    pub fresh_until: Option<NaiveDate>,
    /// No approved version, or the newest is older than the configured period.
    pub stale: bool,
    /// Newest first.
    pub versions: Vec<VersionResponse>,
}

/// One field of two versions side by side (a list's names one per line).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldComparison {
    pub field: String,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComparisonResponse {
    pub from: VersionResponse,
    pub to: VersionResponse,
    /// Every field, in the order pages show them.
    pub fields: Vec<FieldComparison>,
}

/// The rule a cloud engagement's configuration record meets.
pub fn rule_of(level: Option<ClassificationLevel>) -> &'static str {
    match level {
        Some(ClassificationLevel::L2 | ClassificationLevel::L3) => "R-9.3.2",
        _ => "R-10.2",
    }
}

fn not_cloud() -> AppError {
    AppError::Conflict {
        message: Msg::new(
            "構成管理情報は、クラウドサービスの委託案件について記録します（R-9.3.2、R-10.2）",
            "Configuration records are kept for cloud service engagements (R-9.3.2, R-10.2)",
        ),
        allowed: vec![],
    }
}

fn version_not_found() -> AppError {
    AppError::not_found(
        "その版の構成管理情報はありません",
        "No such configuration version",
    )
}

/// A version number as written in a path: anything but a positive number names no
/// version.
fn version_number(text: &str) -> AppResult<i32> {
    text.parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(version_not_found)
}

/// A version number as asked for in a query's `field`.
fn asked_version(f: &mut Fields, field: &str, text: Option<&str>) -> Option<i32> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = text else {
        f.required(field);
        return None;
    };
    let n = text.parse::<i32>().ok().filter(|n| *n > 0);
    if n.is_none() {
        f.push(
            field,
            "invalid",
            Msg::new(
                "版の番号（1以上の整数）を指定してください",
                "Give a version number (a whole number from 1)",
            ),
        );
    }
    n
}

/// The most names one list holds.
const MAX_NAMES: usize = 100;

/// Parses a body into a configuration and its change summary, every field error at once.
fn parse(body: &ConfigurationBody) -> AppResult<(Configuration, String)> {
    let mut f = Fields::new();
    let secret = |f: &mut Fields, field: &str, value: &str| {
        if looks_like_secret(value) {
            f.push(field, "secret", secret_refused());
            false
        } else {
            true
        }
    };
    let summary = body
        .change_summary
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let summary = f
        .require("change_summary", summary, |v| BoundedText::parse(v, 2000))
        .map(BoundedText::into_inner);
    let mut c = Configuration::default();
    for field in Field::ALL {
        let key = field.key();
        if field.is_list() {
            let names: Vec<String> = body
                .list(field)
                .iter()
                .map(|n| n.trim())
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect();
            if names.is_empty() && field.required() {
                f.required(key);
                continue;
            }
            if names.len() > MAX_NAMES {
                f.push(
                    key,
                    "too_many",
                    Msg::new(
                        format!("{MAX_NAMES}件以内で入力してください"),
                        format!("Give at most {MAX_NAMES} names"),
                    ),
                );
                continue;
            }
            let mut ok = true;
            for name in &names {
                if f.check(key, BoundedText::parse(name, field.max_chars()))
                    .is_none()
                    || !secret(&mut f, key, name)
                {
                    ok = false;
                    break;
                }
            }
            if ok {
                match field {
                    Field::Regions => c.regions = names,
                    Field::AdminAccounts => c.admin_accounts = names,
                    _ => c.integrations = names,
                }
            }
        } else {
            let value = body.text(field).map(str::trim).filter(|v| !v.is_empty());
            let value = if field.required() {
                f.require(key, value, |v| BoundedText::parse(v, field.max_chars()))
            } else {
                value.and_then(|v| f.check(key, BoundedText::parse(v, field.max_chars())))
            };
            let Some(value) = value.map(BoundedText::into_inner) else {
                continue;
            };
            if !secret(&mut f, key, &value) {
                continue;
            }
            let slot = match field {
                Field::Tenant => &mut c.tenant,
                Field::Plan => &mut c.plan,
                Field::NetworkExposure => &mut c.network_exposure,
                Field::Sso => &mut c.sso,
                Field::Mfa => &mut c.mfa,
                Field::AddressLimits => &mut c.address_limits,
                Field::Logging => &mut c.logging,
                Field::Encryption => &mut c.encryption,
                _ => &mut c.backup,
            };
            *slot = value;
        }
    }
    f.done(|| Some((c, summary?)))
}

/// The responses of an engagement's versions, newest first, with their states.
fn responses(rows: Vec<VersionRow>) -> AppResult<Vec<VersionResponse>> {
    let configurations = rows
        .iter()
        .map(VersionRow::configuration)
        .collect::<AppResult<Vec<_>>>()?;
    let newest_approved = rows
        .iter()
        .find(|r| r.approved_by.is_some())
        .map(|r| r.version);
    let newest = rows.first().map(|r| r.version);
    rows.into_iter()
        .zip(configurations.iter().enumerate())
        .map(|(row, (i, c))| {
            // Rows are newest first: the previous version is the next one in the list.
            let changed = match configurations.get(i + 1) {
                Some(previous) => c.changed_since(previous),
                None => Field::ALL
                    .into_iter()
                    .filter(|f| !c.value(*f).is_empty())
                    .collect(),
            };
            let state = if row.approved_by.is_some() {
                VersionState::Approved
            } else if Some(row.version) == newest && newest_approved.is_none_or(|a| a < row.version)
            {
                VersionState::Pending
            } else {
                VersionState::Superseded
            };
            Ok(VersionResponse {
                engagement_id: row.engagement_id,
                version: row.version,
                configuration: c.clone(),
                change_summary: row.change_summary,
                changed_fields: changed.iter().map(|f| f.key().to_string()).collect(),
                recorded_by: row.recorded_by,
                recorded_on: row.recorded_on,
                recorded_at: row.recorded_at.and_utc(),
                approved_by: row.approved_by,
                approved_at: row.approved_at.map(|a| a.and_utc()),
                state,
            })
        })
        .collect()
}

fn cloud_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<db::engagements::EngagementRow> {
    let engagement = load_visible(conn, actor, id)?;
    if engagement.kind() != EngagementKind::CloudService {
        return Err(not_cloud());
    }
    Ok(engagement)
}

/// Records a new version of an engagement's configuration.
pub fn record(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: ConfigurationBody,
) -> AppResult<VersionResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let (configuration, change_summary) = parse(&body)?;
    let newest = store::of_engagement(tx.conn(), id)?
        .first()
        .map_or(0, |r| r.version);
    let row = VersionRow {
        id: db::new_id(),
        engagement_id: id.to_string(),
        version: newest + 1,
        content: serde_json::to_string(&configuration)
            .map_err(|e| AppError::Internal(format!("storing a configuration: {e}")))?,
        change_summary,
        recorded_by: actor.user_id.clone(),
        recorded_on: tx.today(),
        recorded_at: tx.now().naive_utc(),
        approved_by: None,
        approved_at: None,
    };
    store::insert(tx.conn(), &row)?;
    let response = responses(store::of_engagement(tx.conn(), id)?)?
        .into_iter()
        .find(|v| v.version == row.version)
        .ok_or_else(|| AppError::Internal("a version just recorded is missing".into()))?;
    tx.record(
        Event::new("configuration.record")
            .target("engagement", id)
            .after(&response),
    );
    Ok(response)
}

/// Approves the newest version, recorded by someone else; it becomes the record
/// in force and meets from the day it was recorded.
pub fn approve(tx: &mut Tx, actor: &Actor, id: &str, version: &str) -> AppResult<VersionResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    let version = version_number(version)?;
    let row = store::find(tx.conn(), id, version)?.ok_or_else(version_not_found)?;
    actor.authorize(Action::ApproveCloudRecord {
        division_id: &engagement.division_id,
        recorded_by: &row.recorded_by,
    })?;
    let current = responses(store::of_engagement(tx.conn(), id)?)?;
    let state = current
        .iter()
        .find(|v| v.version == version)
        .map(|v| v.state)
        .ok_or_else(version_not_found)?;
    match state {
        VersionState::Pending => {}
        VersionState::Approved => return Err(super::approvals::already_decided()),
        VersionState::Superseded => return Err(AppError::Conflict {
            message: Msg::new(
                "新しい版が記録されているため、この版は承認できません。最新の版を承認してください",
                "A newer version was recorded since: approve the newest version",
            ),
            allowed: current
                .iter()
                .filter(|v| v.state == VersionState::Pending)
                .map(|v| v.version.to_string())
                .collect(),
        }),
    }
    let now = tx.now().naive_utc();
    if !store::approve(tx.conn(), &row.id, &actor.user_id, now)? {
        return Err(super::approvals::already_decided());
    }
    let response = responses(store::of_engagement(tx.conn(), id)?)?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(version_not_found)?;
    tx.record(
        Event::new("configuration.approve")
            .target("engagement", id)
            .after(&response),
    );
    Ok(response)
}

/// An engagement's configuration records and whether the one in force is current.
pub fn of_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    today: NaiveDate,
    stale_months: u32,
) -> AppResult<ConfigurationResponse> {
    let engagement = cloud_engagement(conn, actor, id)?;
    let versions = responses(store::of_engagement(conn, id)?)?;
    let current = versions.iter().find(|v| v.state == VersionState::Approved);
    let fresh_until = current.map(|v| policy::fresh_until(v.recorded_on, stale_months));
    Ok(ConfigurationResponse {
        rule: rule_of(engagement.level()).to_string(),
        current_version: current.map(|v| v.version),
        stale: fresh_until.is_none_or(|until| today > until),
        fresh_until,
        versions,
    })
}

/// Two versions side by side, every field listed.
pub fn compare(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<ComparisonResponse> {
    cloud_engagement(conn, actor, id)?;
    let mut f = Fields::new();
    let from = asked_version(&mut f, "from", from);
    let to = asked_version(&mut f, "to", to);
    let (from, to) = f.done(|| Some((from?, to?)))?;
    let versions = responses(store::of_engagement(conn, id)?)?;
    let find = |n: i32| {
        versions
            .iter()
            .find(|v| v.version == n)
            .cloned()
            .ok_or_else(version_not_found)
    };
    let (from, to) = (find(from)?, find(to)?);
    let fields = policy::compare(&from.configuration, &to.configuration)
        .into_iter()
        .map(|d| FieldComparison {
            field: d.field.key().to_string(),
            before: d.before,
            after: d.after,
            changed: d.changed,
        })
        .collect();
    Ok(ComparisonResponse { from, to, fields })
}

/// What the configuration page shows: the records, the names of the people they name,
/// and what the person may do there.
pub struct ConfigurationPage {
    pub engagement_title: String,
    pub configuration: ConfigurationResponse,
    pub names: std::collections::HashMap<String, String>,
    /// May record a new version.
    pub can_change: bool,
    /// May approve the version awaiting approval (not their own, R-2.6).
    pub can_approve: bool,
}

pub fn page(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    today: NaiveDate,
    stale_months: u32,
) -> AppResult<ConfigurationPage> {
    let engagement = cloud_engagement(conn, actor, id)?;
    let configuration = of_engagement(conn, actor, id, today, stale_months)?;
    let mut named: Vec<&str> = Vec::new();
    for v in &configuration.versions {
        named.push(&v.recorded_by);
        named.extend(v.approved_by.as_deref());
    }
    let names = db::users::names_of(conn, &named)?;
    let can_change = actor
        .permits(&Action::ChangeEngagement {
            division_id: &engagement.division_id,
        })
        .is_ok();
    let can_approve = configuration
        .versions
        .iter()
        .find(|v| v.state == VersionState::Pending)
        .is_some_and(|v| {
            actor
                .permits(&Action::ApproveCloudRecord {
                    division_id: &engagement.division_id,
                    recorded_by: &v.recorded_by,
                })
                .is_ok()
        });
    Ok(ConfigurationPage {
        engagement_title: engagement.title,
        configuration,
        names,
        can_change,
        can_approve,
    })
}
