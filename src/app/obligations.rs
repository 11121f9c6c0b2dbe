//! Obligations: what the Standard requires of an engagement now (derived by
//! `policy::obligations`), and waiving one with a reason, never by the person who owes it
//!

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
use crate::domain::{BoundedText, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::policy::obligations::{Obligation, ObligationState};
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverBody {
    pub rule_id: Option<String>,
    /// For a rule that applies per item or asset: its id.
    pub subject_id: Option<String>,
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
        division_id: None,
    };
    let loaded = facts::load(conn, &crate::policy::access::Visibility::All, &scope)?;
    Ok(loaded.first().and_then(|f| {
        compliance::obligations_of(f, catalog, config.time_zone, &config.rules, today)
            .into_iter()
            .find(|o| o.rule.id == rule_id && &o.subject == subject)
            .map(|o| ObligationResponse::new(o, &f.engagement.id, &f.engagement.title))
    }))
}

/// Waives one open or overdue obligation, with the reason; for ROLE-CISO, ROLE-DCISO and
/// ROLE-CSM, never the person who owes it.
pub fn waive(
    tx: &mut Tx,
    actor: &Actor,
    catalog: &Catalog,
    config: &Config,
    id: &str,
    body: WaiverBody,
) -> AppResult<ObligationResponse> {
    let mut f = Fields::new();
    if body.rule_id.is_none() {
        f.required("rule_id");
    }
    let reason = f.require("reason", body.reason.as_deref(), |v| {
        BoundedText::parse(v, 2000)
    });
    let (rule_id, reason) = f.done(|| Some((body.rule_id?, reason?)))?;
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
    let subject = body.subject_id.filter(|s| !s.is_empty());
    let today = tx.today();
    let engagement = load_visible(tx.conn(), actor, id)?;
    actor.authorize(Action::Waive {
        owed_by: &engagement.responsible_user_id,
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
    let waived_at = tx.now().naive_utc();
    approvals::insert_waiver(
        tx.conn(),
        &WaiverRow {
            id: db::new_id(),
            engagement_id: id.to_string(),
            rule_id: rule_id.clone(),
            subject_id: subject.clone().unwrap_or_default(),
            reason: reason.into_inner(),
            waived_by: actor.user_id.clone(),
            waived_at,
        },
    )?;
    let waived = current(tx.conn(), catalog, config, id, &rule_id, &subject, today)?
        .ok_or_else(|| AppError::Internal("obligation vanished".into()))?;
    // The waiver has no id of its own in the API: it is found by its engagement.
    tx.record(
        Event::new("obligation.waive")
            .target("engagement", id)
            .after(&waived),
    );
    Ok(waived)
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
            division_id: None,
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
