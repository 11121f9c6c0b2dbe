//! Obligations: what the Standard requires of an engagement now (derived by
//! `policy::obligations`), and waivers: asked for with a reason, approved by a second
//! person who neither owes the obligation nor asked, expiring after one check
//! interval; the unconditional obligations are never waived.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::load_visible;
use super::Tx;
use crate::audit::Event;
use crate::clauses::catalog::Catalog;
use crate::compliance;
use crate::config::Config;
use crate::db;
use crate::db::approvals::{self, WaiverRow};
use crate::db::facts::{self, FactsScope};
use crate::db::obligations::StoredObligation;
use crate::domain::date::parse_typed_date;
use crate::domain::{BoundedText, ClassificationLevel, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::policy::approvals::{ApprovalState, Decision};
use crate::policy::obligations::{
    check_waivable, standing, waiver_expiry, Obligation, ObligationState, Standing,
};
use crate::validate::Fields;

#[derive(Debug, Serialize, ToSchema)]
pub struct WaiverResponse {
    pub reason: String,
    pub by_user_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObligationResponse {
    pub engagement_id: String,
    pub engagement_title: String,
    /// The rule's ID in the policy catalog, e.g. `R-8.2`.
    pub rule_id: String,
    pub title_ja: String,
    pub title_en: String,
    /// What it is about when the rule applies several times (an information item's id).
    pub subject: Option<String>,
    pub subject_name: Option<String>,
    /// The rule through which this one applies (`R-8.5` for a subcontract).
    pub via: Option<String>,
    pub owner_role: Role,
    /// The person who must act, when one person is named.
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub state: ObligationState,
    pub met_on: Option<NaiveDate>,
    pub waiver: Option<WaiverResponse>,
}

impl ObligationResponse {
    pub fn new(o: Obligation, engagement_id: &str, engagement_title: &str) -> Self {
        ObligationResponse {
            engagement_id: engagement_id.to_string(),
            engagement_title: engagement_title.to_string(),
            rule_id: o.rule.id.to_string(),
            title_ja: o.rule.title_ja.to_string(),
            title_en: o.rule.title_en.to_string(),
            subject: o.subject,
            subject_name: o.subject_name,
            via: o.via.map(str::to_string),
            owner_role: o.owner_role,
            assignee_user_id: o.assignee_user_id,
            due_on: o.due_on,
            state: o.state,
            met_on: o.met_on,
            waiver: o
                .waiver
                .map(|(reason, by_user_id)| WaiverResponse { reason, by_user_id }),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverBody {
    pub rule_id: Option<String>,
    /// For a rule that applies per item or asset: its id.
    pub subject_id: Option<String>,
    pub reason: Option<String>,
    /// The last day the waiver should stand, when earlier than one check interval after
    /// its approval (the default and the longest).
    pub expires_on: Option<String>,
}

/// A waiver: asked for with a reason, decided by a second person, standing until
/// it expires.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaiverRequest {
    pub id: String,
    pub engagement_id: String,
    pub rule_id: String,
    pub subject_id: Option<String>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    pub state: ApprovalState,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_reason: Option<String>,
    /// Asked for while pending; once approved, the last day it stands.
    pub expires_on: Option<NaiveDate>,
}

impl From<WaiverRow> for WaiverRequest {
    fn from(w: WaiverRow) -> Self {
        WaiverRequest {
            id: w.id,
            engagement_id: w.engagement_id,
            rule_id: w.rule_id,
            subject_id: Some(w.subject_id).filter(|s| !s.is_empty()),
            reason: w.reason,
            requested_by: w.waived_by,
            requested_at: w.waived_at.and_utc(),
            state: w.state,
            decided_by: w.decided_by,
            decided_at: w.decided_at.map(|at| at.and_utc()),
            decision_reason: w.decision_reason,
            expires_on: w.expires_on,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverDecisionBody {
    /// `approved` or `rejected`.
    pub decision: Option<String>,
    /// Why (required for a rejection).
    pub reason: Option<String>,
}

/// The obligation `rule_id` (for `subject` when the rule applies per item) of an engagement
/// as it stands `today`.
fn current(
    conn: &mut db::DbConnection,
    catalog: &Catalog,
    config: &Config,
    engagement_id: &str,
    rule_id: &str,
    subject: &Option<String>,
    today: NaiveDate,
) -> AppResult<Option<ObligationResponse>> {
    let scope = FactsScope {
        engagement_id: Some(engagement_id.to_string()),
        ..FactsScope::default()
    };
    let loaded = facts::load(conn, &crate::policy::access::Visibility::All, &scope)?;
    Ok(loaded.first().and_then(|f| {
        compliance::obligations_of(f, catalog, config.time_zone, &config.rules, today)
            .into_iter()
            .find(|o| o.rule.id == rule_id && &o.subject == subject)
            .map(|o| ObligationResponse::new(o, &f.engagement.id, &f.engagement.title))
    }))
}

/// Asks for an open or overdue obligation to be waived, with the reason; a second
/// person decides. The obligations the Standard makes unconditional are refused.
pub fn request_waiver(
    tx: &mut Tx,
    actor: &Actor,
    catalog: &Catalog,
    config: &Config,
    id: &str,
    body: WaiverBody,
) -> AppResult<WaiverRequest> {
    let today = tx.today();
    let mut f = Fields::new();
    if body.rule_id.as_deref().is_none_or(|r| r.trim().is_empty()) {
        f.required("rule_id");
    }
    let reason = f.require("reason", body.reason.as_deref(), |v| {
        BoundedText::parse(v, 2000)
    });
    let asked = match body
        .expires_on
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Some(None),
        Some(v) => match parse_typed_date(v) {
            Ok(d) if d > today => Some(Some(d)),
            Ok(_) => {
                f.push(
                    "expires_on",
                    "invalid",
                    Msg::new(
                        "期限には明日以降の日付を入力してください",
                        "The last day must be after today",
                    ),
                );
                None
            }
            Err(_) => {
                f.push(
                    "expires_on",
                    "invalid",
                    Msg::new(
                        "期限が正しくありません。実在する日付を入力してください（例: 2027/4/1）",
                        "The last day is not a valid date (e.g. 2027-04-01)",
                    ),
                );
                None
            }
        },
    };
    let (rule_id, reason, asked) =
        f.done(|| Some((body.rule_id.map(|r| r.trim().to_string())?, reason?, asked?)))?;
    if crate::policy::end_of_term::END_OF_TERM_RULES.contains(&rule_id.as_str()) {
        return Err(AppError::validation(
            "rule_id",
            "not_waivable",
            Msg::new(
                format!(
                    "{rule_id} は、委託先の終了時報告（情報の返還・廃棄・消去）を受理したときに満たされます。理由だけで免除することはできません"
                ),
                format!(
                    "{rule_id} is met by accepting the vendor's end-of-term attestation of return, disposal or erasure; a reason alone cannot waive it"
                ),
            ),
        ));
    }
    if check_waivable(&rule_id).is_err() {
        return Err(AppError::validation(
            "rule_id",
            "not_waivable",
            Msg::new(
                format!(
                    "{rule_id} は情報安全対策基準が例外なく求める義務です。免除することはできません"
                ),
                format!(
                    "{rule_id} is an obligation the Standard makes unconditional: it cannot be waived"
                ),
            ),
        ));
    }
    let subject = body.subject_id.filter(|s| !s.is_empty());
    let engagement = load_visible(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let obligation = current(tx.conn(), catalog, config, id, &rule_id, &subject, today)?
        .ok_or_else(|| {
            AppError::validation(
                "rule_id",
                "unknown",
                Msg::new(
                    "この案件にその義務はありません",
                    "This engagement has no such obligation",
                ),
            )
        })?;
    if matches!(
        obligation.state,
        ObligationState::Met | ObligationState::Waived
    ) {
        return Err(AppError::Conflict {
            message: Msg::new(
                "この義務は履行済みか免除済みです",
                "This obligation is already met or waived",
            ),
            allowed: vec![],
        });
    }
    let subject_key = subject.clone().unwrap_or_default();
    let pending = approvals::waivers_of(tx.conn(), id)?.into_iter().any(|w| {
        w.rule_id == rule_id && w.subject_id == subject_key && w.state == ApprovalState::Pending
    });
    if pending {
        return Err(AppError::Conflict {
            message: Msg::new(
                "この義務の免除はすでに申請され、決裁を待っています",
                "A waiver of this obligation is already waiting for its decision",
            ),
            allowed: vec![],
        });
    }
    let row = WaiverRow {
        id: db::new_id(),
        engagement_id: id.to_string(),
        rule_id,
        subject_id: subject_key,
        reason: reason.into_inner(),
        waived_by: actor.user_id.clone(),
        waived_at: tx.now().naive_utc(),
        state: ApprovalState::Pending,
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        expires_on: asked,
    };
    approvals::insert_waiver(tx.conn(), &row)?;
    let request = WaiverRequest::from(row);
    tx.record(
        Event::new("obligation.waiver_request")
            .target("engagement", id)
            .after(&request),
    );
    Ok(request)
}

/// Approves or rejects a waiver asked for: ROLE-CISO, ROLE-DCISO or ROLE-CSM, neither the
/// person who owes the obligation nor the one who asked. An approved waiver
/// stands for one check interval, or to the earlier day asked for.
pub fn decide_waiver(
    tx: &mut Tx,
    actor: &Actor,
    config: &Config,
    id: &str,
    waiver_id: &str,
    body: WaiverDecisionBody,
) -> AppResult<WaiverRequest> {
    let mut f = Fields::new();
    let decision = f.require("decision", body.decision.as_deref(), Decision::parse);
    let reason = match body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => f
            .check("reason", BoundedText::parse(r, 2000))
            .map(|t| Some(t.into_inner())),
        None if decision == Some(Decision::Rejected) => {
            f.push(
                "reason",
                "required",
                Msg::new(
                    "却下する理由を入力してください",
                    "Give the reason for the rejection",
                ),
            );
            None
        }
        None => Some(None),
    };
    let (decision, reason) = f.done(|| Some((decision?, reason?)))?;
    let engagement = load_visible(tx.conn(), actor, id)?;
    let waiver = approvals::find_waiver(tx.conn(), id, waiver_id)?.ok_or_else(|| {
        AppError::NotFound(Msg::new(
            "その免除の申請はありません",
            "No such waiver request",
        ))
    })?;
    actor.authorize(Action::Waive {
        owed_by: &engagement.responsible_user_id,
        requested_by: &waiver.waived_by,
    })?;
    if waiver.state != ApprovalState::Pending {
        return Err(super::approvals::already_decided());
    }
    let today = tx.today();
    let (state, expires_on) = match decision {
        Decision::Approved => {
            let level = engagement.level().unwrap_or(ClassificationLevel::L1);
            let interval = engagement
                .check_interval_months
                .and_then(|m| u32::try_from(m).ok())
                .filter(|m| *m > 0)
                .unwrap_or(config.rules.check_interval_months[level.rank() as usize - 1]);
            (
                ApprovalState::Approved,
                Some(waiver_expiry(today, interval, waiver.expires_on)),
            )
        }
        Decision::Rejected => (ApprovalState::Rejected, waiver.expires_on),
    };
    let now = tx.now().naive_utc();
    if !approvals::decide_waiver(
        tx.conn(),
        waiver_id,
        state,
        &actor.user_id,
        now,
        reason.as_deref(),
        expires_on,
    )? {
        return Err(super::approvals::already_decided());
    }
    let decided = approvals::find_waiver(tx.conn(), id, waiver_id)?
        .map(WaiverRequest::from)
        .ok_or_else(|| AppError::Internal("waiver vanished".into()))?;
    let action = match decision {
        Decision::Approved => "obligation.waive",
        Decision::Rejected => "obligation.waiver_reject",
    };
    tx.record(
        Event::new(action)
            .target("engagement", id)
            .before(&WaiverRequest::from(waiver))
            .after(&decided),
    );
    Ok(decided)
}

/// An engagement's waivers, the latest request first.
pub fn waivers_of(
    conn: &mut db::DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<WaiverRequest>> {
    load_visible(conn, actor, id)?;
    Ok(approvals::waivers_of(conn, id)?
        .into_iter()
        .map(WaiverRequest::from)
        .collect())
}

/// What the Standard requires of this engagement now, derived afresh from its kind,
/// level, status, dates, items and contract.
pub fn of_engagement(
    conn: &mut db::DbConnection,
    services: &super::Services,
    actor: &Actor,
    id: &str,
    today: NaiveDate,
) -> AppResult<Vec<ObligationResponse>> {
    load_visible(conn, actor, id)?;
    let loaded = facts::load(
        conn,
        &actor.visibility(),
        &FactsScope {
            engagement_id: Some(id.to_string()),
            ..FactsScope::default()
        },
    )?;
    let config = &services.config;
    Ok(loaded
        .iter()
        .flat_map(|f| {
            compliance::obligations_of(
                f,
                services.clauses.catalog(),
                config.time_zone,
                &config.rules,
                today,
            )
            .into_iter()
            .map(move |o| ObligationResponse::new(o, &f.engagement.id, &f.engagement.title))
        })
        .collect())
}

/// What the stored obligations are derived with: the clause catalog (the mandatory
/// clauses), the settings and the time zone. Every write that changes an engagement's
/// facts recomputes its rows with them, in its own transaction (`app::write_on`).
#[derive(Clone)]
pub struct ObligationRules {
    pub clauses: std::sync::Arc<crate::clauses::ClauseTemplates>,
    pub config: std::sync::Arc<Config>,
}

// The source of the derivation: a change to any of these files changes the fingerprint,
// and the next start-up recomputes every engagement's rows (half a minute at 100,000
// engagements). `db/obligations.rs` is not among them: it stores the rows it is given
// and reads them back, and a change to how it reads (a list, an index) must not cost a
// recompute. A migration that changes what a stored row holds deletes the
// `obligation_derivation` row, which has the same effect.
const DERIVED_BY: &[&str] = &[
    include_str!("../policy/obligations.rs"),
    include_str!("../policy/rules.rs"),
    include_str!("../policy/records.rs"),
    include_str!("../policy/configuration.rs"),
    include_str!("../compliance.rs"),
    include_str!("../db/facts.rs"),
    include_str!("obligations.rs"),
];

impl ObligationRules {
    /// What the stored rows depend on besides the facts: the rules' source, the settings,
    /// the time zone and the mandatory clauses of every kind and level.
    pub fn fingerprint(&self) -> String {
        use crate::domain::EngagementKind;
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for source in DERIVED_BY {
            hash.update(source.as_bytes());
        }
        hash.update(format!("{:?}|{}", self.config.rules, self.config.time_zone).as_bytes());
        let catalog = self.clauses.catalog();
        for kind in [
            EngagementKind::Outsourcing,
            EngagementKind::DesignatedManagement,
            EngagementKind::CloudService,
        ] {
            for level in [
                None,
                Some(ClassificationLevel::L1),
                Some(ClassificationLevel::L2),
                Some(ClassificationLevel::L3),
            ] {
                for clause in catalog.mandatory(kind, level) {
                    hash.update(format!("{kind:?}{level:?}{}|", clause.id).as_bytes());
                }
            }
        }
        format!("{:x}", hash.finalize())
    }

    /// The rows to store for these engagements' facts.
    fn rows(&self, loaded: &[facts::EngagementFacts]) -> Vec<StoredObligation> {
        let mut rows = Vec::new();
        for f in loaded {
            let Some(snapshot) =
                compliance::snapshot(f, self.clauses.catalog(), self.config.time_zone)
            else {
                continue;
            };
            let e = &f.engagement;
            for (position, s) in standing(&snapshot, &self.config.rules)
                .into_iter()
                .enumerate()
            {
                rows.push(StoredObligation {
                    engagement_id: e.id.clone(),
                    position: i32::try_from(position).unwrap_or(i32::MAX),
                    rule_id: s.rule.id.to_string(),
                    subject: s.subject,
                    subject_name: s.subject_name,
                    via: s.via.map(str::to_string),
                    owner_role: s.owner_role.as_str().to_string(),
                    owner_division_id: (s.assignee_user_id.is_none()
                        && crate::deadlines::division_scoped(s.owner_role))
                    .then(|| e.division_id.clone()),
                    assignee_user_id: s.assignee_user_id,
                    division_id: e.division_id.clone(),
                    due_on: s.due_on,
                    met_on: s.met.map(|(on, _)| on),
                    met_until: s.met.and_then(|(_, until)| until),
                    waiver_reason: s.waiver.as_ref().map(|w| w.0.clone()),
                    waiver_by: s.waiver.as_ref().map(|w| w.1.clone()),
                    waived_until: s.waiver.and_then(|w| w.2),
                });
            }
        }
        rows
    }
}

/// The obligation a stored row holds, on `today`.
pub fn stored_on(row: StoredObligation, today: NaiveDate) -> AppResult<Obligation> {
    let rule = |id: &str| {
        crate::policy::rules::get(id)
            .ok_or_else(|| AppError::Internal(format!("stored obligation of unknown rule {id}")))
    };
    // The row's texts move into the obligation: the sweep turns a quarter of a million
    // rows into obligations, and copying each text twice showed in its profile.
    let standing = Standing {
        rule: rule(&row.rule_id)?,
        via: row.via.as_deref().map(rule).transpose()?.map(|r| r.id),
        owner_role: Role::parse(&row.owner_role)
            .map_err(|_| AppError::Internal(format!("stored role {}", row.owner_role)))?,
        subject: row.subject,
        subject_name: row.subject_name,
        assignee_user_id: row.assignee_user_id,
        due_on: row.due_on,
        met: row.met_on.map(|on| (on, row.met_until)),
        waiver: row
            .waiver_by
            .map(|by| (row.waiver_reason.unwrap_or_default(), by, row.waived_until)),
    };
    Ok(standing.on(today))
}

/// How many engagements one transaction recomputes at a time.
const BATCH: i64 = 500;

/// Recomputes the rows of the engagements whose facts changed (as the triggers marked
/// them), in the caller's transaction. Returns how many engagements were recomputed.
pub fn refresh_changed(conn: &mut db::DbConnection, rules: &ObligationRules) -> AppResult<usize> {
    let mut done = 0;
    loop {
        let ids = db::obligations::changed(conn, BATCH)?;
        if ids.is_empty() {
            return Ok(done);
        }
        refresh(conn, rules, &ids)?;
        done += ids.len();
    }
}

/// Recomputes these engagements' rows.
fn refresh(conn: &mut db::DbConnection, rules: &ObligationRules, ids: &[String]) -> AppResult<()> {
    let loaded = facts::load(
        conn,
        &crate::policy::access::Visibility::All,
        &FactsScope {
            engagement_ids: Some(ids.to_vec()),
            ..FactsScope::default()
        },
    )?;
    db::obligations::replace(conn, ids, &rules.rows(&loaded))
}

/// At start-up: recomputes every engagement when the rules, settings or catalog changed
/// since the rows were derived, and any engagement a write outside the application's
/// write path left marked; in transactions of [`BATCH`] engagements, so that memory does
/// not grow with the register. Returns how many engagements were recomputed.
pub fn bring_up_to_date(conn: &mut db::DbConnection, rules: &ObligationRules) -> AppResult<usize> {
    let fingerprint = rules.fingerprint();
    let stale = db::obligations::fingerprint(conn)?.as_deref() != Some(fingerprint.as_str());
    if stale {
        db::write(conn, db::obligations::mark_all)?;
    }
    let mut done = 0;
    loop {
        let n = db::write(conn, |conn| {
            let ids = db::obligations::changed(conn, BATCH)?;
            refresh(conn, rules, &ids)?;
            Ok(ids.len())
        })?;
        if n == 0 {
            break;
        }
        done += n;
    }
    if stale {
        db::write(conn, |conn| {
            db::obligations::set_fingerprint(conn, &fingerprint)
        })?;
    }
    Ok(done)
}

/// What the register-wide list of obligations is asked for.
#[derive(Debug, Default, Clone)]
pub struct ObligationQuery {
    pub state: Option<ObligationState>,
    /// Division code.
    pub division: Option<String>,
    pub role: Option<Role>,
    pub assignee_user_id: Option<String>,
}

/// One page of the obligations across every engagement `actor` may see, soonest due
/// first, as stored (each engagement's rows recomputed whenever its facts change), with
/// the state on `today` decided in SQL; and the total, counted exactly up to
/// `count_up_to` (`list_count_up_to`).
pub fn list(
    conn: &mut db::DbConnection,
    actor: &Actor,
    query: &ObligationQuery,
    today: NaiveDate,
    (paging, count_up_to): (&crate::app::page::Paging, i64),
) -> AppResult<(Vec<ObligationResponse>, db::count::Total)> {
    let division_id = super::divisions::division_filter(conn, query.division.as_deref())?;
    let filter = db::obligations::ObligationFilter {
        state: query.state,
        division_id,
        owner_role: query.role.map(|r| r.as_str().to_string()),
        assignee_user_id: query.assignee_user_id.clone(),
    };
    let (rows, total) = db::obligations::list(
        conn,
        &actor.visibility(),
        &filter,
        today,
        (paging.offset(), paging.per_page),
        count_up_to,
    )?;
    let page = rows
        .into_iter()
        .map(|(row, title)| {
            let engagement_id = row.engagement_id.clone();
            stored_on(row, today).map(|o| ObligationResponse::new(o, &engagement_id, &title))
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((page, total))
}
