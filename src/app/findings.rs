//! Findings: every non-conforming answer of an accepted check, tracked with its
//! corrective action until it is closed or its risk is accepted (R-2.6: by ROLE-CISO,
//! ROLE-DCISO or ROLE-CSM, never by the finding's owner).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::owning_engagement;
use super::Tx;
use crate::audit::Event;
use crate::db::checks::{self as store, FindingFilter, FindingRow};
use crate::db::engagements::EngagementRow;
use crate::db::Rows;
use crate::db::{users, DbConnection};
use crate::domain::date::parse_iso_date;
use crate::domain::BoundedText;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor, Visibility};
use crate::policy::findings::{self as life, FindingState, Refused};
use crate::questionnaires::answers::Answer;
use crate::questionnaires::Text;
use crate::validate::Fields;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingResponse {
    pub id: String,
    pub check_id: String,
    pub engagement_id: String,
    pub engagement_title: String,
    pub vendor_id: String,
    pub question_id: String,
    /// The questionnaire section, e.g. `technical`.
    pub section: String,
    /// The rules the question checks.
    pub rules: Vec<String>,
    /// The vendor's answer that did not conform.
    pub answer: Option<Answer>,
    pub corrective_action: String,
    pub owner_user_id: String,
    pub due_on: NaiveDate,
    pub state: FindingState,
    /// Open or in progress past its due date.
    pub overdue: bool,
    /// Why the risk was accepted, when it was.
    pub risk_reason: Option<String>,
    pub risk_approved_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FindingResponse {
    pub fn new(
        row: FindingRow,
        engagement_title: String,
        vendor_id: String,
        today: NaiveDate,
    ) -> AppResult<Self> {
        let state = row.state;
        let answer = serde_json::from_str(&row.answer_json)
            .map_err(|e| AppError::Internal(format!("finding {}: stored answer: {e}", row.id)))?;
        Ok(FindingResponse {
            overdue: state.is_open() && row.due_on < today,
            answer: Some(answer),
            rules: row.rules.split_whitespace().map(str::to_string).collect(),
            id: row.id,
            check_id: row.check_id,
            engagement_id: row.engagement_id,
            engagement_title,
            vendor_id,
            question_id: row.question_id,
            section: row.section,
            corrective_action: row.corrective_action,
            owner_user_id: row.owner_user_id,
            due_on: row.due_on,
            state,
            risk_reason: row.risk_reason,
            risk_approved_by: row.risk_approved_by,
            closed_at: row.closed_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// A finding with the question as the check asked it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDetail {
    #[serde(flatten)]
    pub finding: FindingResponse,
    pub questionnaire_id: String,
    pub questionnaire_title: Option<Text>,
    /// The question's text in the definition the check was sent with.
    pub question_text: Option<Text>,
    pub section_title: Option<Text>,
}

pub fn not_found() -> AppError {
    AppError::not_found("指摘事項が見つかりません", "No such finding")
}

/// The finding and its engagement, if the actor may see the engagement; otherwise
/// 404, so that a finding's existence is not revealed.
fn load_visible(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<(FindingRow, EngagementRow)> {
    let row = store::find_finding(conn, id)?.ok_or_else(not_found)?;
    let engagement = owning_engagement(conn, actor, &row.engagement_id, not_found)?;
    Ok((row, engagement))
}

fn detail(
    conn: &mut DbConnection,
    row: FindingRow,
    engagement: &EngagementRow,
    today: NaiveDate,
) -> AppResult<FindingDetail> {
    let check = store::find(conn, &row.check_id)?
        .ok_or_else(|| AppError::Internal(format!("finding {}: check vanished", row.id)))?;
    let definition = super::checks::definition_of(&check)?;
    let (section_title, question_text) = match definition.question(&row.question_id) {
        Some((s, q)) => (Some(s.title.clone()), Some(q.text.clone())),
        None => (None, None),
    };
    Ok(FindingDetail {
        finding: FindingResponse::new(
            row,
            engagement.title.clone(),
            engagement.vendor_id.clone(),
            today,
        )?,
        questionnaire_id: check.questionnaire_id,
        questionnaire_title: Some(definition.title),
        question_text,
        section_title,
    })
}

/// What the audit log records of a finding.
fn audited(row: &FindingRow) -> serde_json::Value {
    serde_json::json!({
        "check_id": row.check_id,
        "engagement_id": row.engagement_id,
        "question_id": row.question_id,
        "state": row.state,
        "corrective_action": row.corrective_action,
        "owner_user_id": row.owner_user_id,
        "due_on": row.due_on,
        "risk_reason": row.risk_reason,
        "risk_approved_by": row.risk_approved_by,
        "closed_at": row.closed_at,
    })
}

/// One finding with the question as its check asked it. A read of an L3 engagement's
/// finding is audited.
pub fn read(tx: &mut Tx, actor: &Actor, id: &str) -> AppResult<FindingDetail> {
    let today = tx.today();
    let (row, engagement) = load_visible(tx.conn(), actor, id)?;
    let response = detail(tx.conn(), row, &engagement, today)?;
    super::record_l3_read(
        tx,
        engagement.level(),
        Event::new("finding.read_l3").target("finding", id),
    );
    Ok(response)
}

/// A finding as its page shows it: the finding, its owner's name, and what the person may
/// do (change it; accepting its risk is decided when asked, R-2.6).
pub struct FindingPage {
    pub finding: FindingDetail,
    /// The question as the check asked it, to show the answer in its words.
    pub question: Option<crate::questionnaires::Question>,
    pub owner_name: Option<String>,
    pub approver_name: Option<String>,
    pub can_change: bool,
}

/// `read`, with the owner's name and what the person may do on the finding's page.
pub fn page(tx: &mut Tx, actor: &Actor, id: &str) -> AppResult<FindingPage> {
    let finding = read(tx, actor, id)?;
    let (row, engagement) = load_visible(tx.conn(), actor, id)?;
    let owner_name = users::find(tx.conn(), &row.owner_user_id)?.map(|u| u.display_name);
    let approver_name = match &row.risk_approved_by {
        Some(id) => users::find(tx.conn(), id)?.map(|u| u.display_name),
        None => None,
    };
    let question = match store::find(tx.conn(), &row.check_id)? {
        Some(check) => super::checks::definition_of(&check)?
            .question(&row.question_id)
            .map(|(_, q)| q.clone()),
        None => None,
    };
    let can_change = actor
        .permits(&Action::ChangeEngagement {
            division_id: &engagement.division_id,
        })
        .is_ok();
    Ok(FindingPage {
        finding,
        question,
        owner_name,
        approver_name,
        can_change,
    })
}

// ---------------------------------------------------------------------------------------
// Lists

/// Which findings: a stored state or `overdue` (open or in progress past its due date),
/// and what they belong to.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FindingSelection {
    pub state: Option<FindingStateFilter>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub check_id: Option<String>,
    /// The owner's user id.
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingStateFilter {
    Stored(FindingState),
    /// Open or in progress past its due date.
    Overdue,
}

impl Serialize for FindingStateFilter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FindingStateFilter::Stored(state) => s.serialize_str(state.as_str()),
            FindingStateFilter::Overdue => s.serialize_str("overdue"),
        }
    }
}

/// `state` as a list asks for it.
pub fn parse_state(f: &mut Fields, state: Option<&str>) -> Option<FindingStateFilter> {
    match state {
        None => None,
        Some("overdue") => Some(FindingStateFilter::Overdue),
        Some(s) => match FindingState::parse(s) {
            Some(v) => Some(FindingStateFilter::Stored(v)),
            None => {
                f.push(
                    "state",
                    "invalid",
                    Msg::new(
                        "open、in_progress、closed、risk_accepted、overdue のいずれかを指定してください",
                        "Must be one of: open, in_progress, closed, risk_accepted, overdue",
                    ),
                );
                None
            }
        },
    }
}

/// Findings of the engagements one may see, soonest due first, and how many match.
pub fn list(
    conn: &mut DbConnection,
    visibility: &Visibility,
    selection: &FindingSelection,
    today: NaiveDate,
    rows: Rows,
) -> AppResult<(Vec<FindingResponse>, i64)> {
    let filter = FindingFilter {
        engagement_id: selection.engagement_id.clone(),
        vendor_id: selection.vendor_id.clone(),
        check_id: selection.check_id.clone(),
        state: match selection.state {
            Some(FindingStateFilter::Stored(s)) => Some(s),
            _ => None,
        },
        overdue_on: (selection.state == Some(FindingStateFilter::Overdue)).then_some(today),
        owner_user_id: selection.owner.clone(),
    };
    let (found, total) = store::list_findings(conn, visibility, &filter, rows)?;
    let items = found
        .into_iter()
        .map(|(row, title, vendor)| FindingResponse::new(row, title, vendor, today))
        .collect::<AppResult<_>>()?;
    Ok((items, total))
}

/// Every finding of an engagement the caller was already allowed to see, soonest due first.
pub fn of_engagement(
    conn: &mut DbConnection,
    engagement_id: &str,
    today: NaiveDate,
) -> AppResult<Vec<FindingResponse>> {
    let selection = FindingSelection {
        engagement_id: Some(engagement_id.to_string()),
        ..FindingSelection::default()
    };
    Ok(list(conn, &Visibility::All, &selection, today, Rows::All)?.0)
}

/// Every finding of the selection, for an export; the export is audited with what was
/// asked and how many rows went out.
pub fn export(
    tx: &mut Tx,
    actor: &Actor,
    selection: &FindingSelection,
) -> AppResult<Vec<FindingResponse>> {
    let today = tx.today();
    let (all, _) = list(tx.conn(), &actor.visibility(), selection, today, Rows::All)?;
    super::record_export(tx, "finding.export", selection, all.len() as u64);
    Ok(all)
}

// ---------------------------------------------------------------------------------------
// Changes

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingPatch {
    /// What was or will be done about it (at most 4,000 characters); required to close.
    pub corrective_action: Option<String>,
    /// An active user who owns the corrective action.
    pub owner_user_id: Option<String>,
    /// YYYY-MM-DD.
    pub due_on: Option<String>,
    /// `open`, `in_progress` or `closed`. A risk is accepted through
    /// `POST /api/v1/findings/{id}/risk-acceptance`.
    pub state: Option<String>,
}

fn final_conflict() -> AppError {
    AppError::Conflict {
        message: Msg::new(
            "完了又はリスク受容済みの指摘事項は変更できません",
            "A closed or risk-accepted finding cannot be changed",
        ),
        allowed: vec![],
    }
}

/// Records the corrective action, its owner and due date, and moves the finding to in
/// progress or closed (closing needs the corrective action written down).
pub fn update(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: FindingPatch,
) -> AppResult<FindingDetail> {
    let (now, today) = (tx.now().naive_utc(), tx.today());
    let mut f = Fields::new();
    let corrective = f
        .check_opt(
            "corrective_action",
            body.corrective_action
                .as_deref()
                .map(|v| BoundedText::parse_allow_empty(v, 4000)),
        )
        .flatten();
    let due_on = f
        .check_opt("due_on", body.due_on.as_deref().map(parse_iso_date))
        .flatten();
    let to_state = match body.state.as_deref() {
        None => None,
        Some("risk_accepted") => {
            f.push(
                "state",
                "use_risk_acceptance",
                Msg::new(
                    "リスクの受容は POST /api/v1/findings/{id}/risk-acceptance で理由を添えて承認を受けてください（R-2.6）",
                    "A risk is accepted through POST /api/v1/findings/{id}/risk-acceptance, with a reason and an approver (R-2.6)",
                ),
            );
            None
        }
        Some(s) => match FindingState::parse(s) {
            Some(v) => Some(v),
            None => {
                f.push(
                    "state",
                    "invalid",
                    Msg::new(
                        "open、in_progress、closed のいずれかを指定してください",
                        "Must be one of: open, in_progress, closed",
                    ),
                );
                None
            }
        },
    };
    let owner = body.owner_user_id;
    let (row, engagement) = load_visible(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    if let Some(o) = &owner {
        if !users::find(tx.conn(), o)?.is_some_and(|u| u.active) {
            f.push(
                "owner_user_id",
                "unknown",
                Msg::new(
                    "担当者には有効な利用者を指定してください",
                    "The owner must be an active user",
                ),
            );
        }
    }
    f.finish()?;
    let from = row.state;
    let to = to_state.unwrap_or(from);
    let mut next = row.clone();
    if let Some(c) = corrective {
        next.corrective_action = c.into_inner();
    }
    if let Some(o) = owner {
        next.owner_user_id = o;
    }
    if let Some(d) = due_on {
        next.due_on = d;
    }
    next.state = to;
    match life::edit(from, to, &next.corrective_action) {
        Ok(()) => {}
        Err(Refused::Final) => return Err(final_conflict()),
        Err(Refused::NoCorrectiveAction) => {
            return Err(AppError::validation(
                "corrective_action",
                "required",
                Msg::new(
                    "完了にするには是正措置を記入してください",
                    "Write down the corrective action before closing the finding",
                ),
            ))
        }
        Err(Refused::RiskNeedsApproval) => {
            return Err(AppError::validation(
                "state",
                "use_risk_acceptance",
                Msg::new(
                    "リスクの受容は risk-acceptance で承認を受けてください（R-2.6）",
                    "A risk is accepted through risk-acceptance (R-2.6)",
                ),
            ))
        }
    }
    let changed = next.corrective_action != row.corrective_action
        || next.owner_user_id != row.owner_user_id
        || next.due_on != row.due_on
        || next.state != row.state;
    if !changed {
        tx.leave_unchanged();
        return detail(tx.conn(), row, &engagement, today);
    }
    if !from.is_open() {
        return Err(final_conflict());
    }
    next.closed_at = (to == FindingState::Closed).then_some(now);
    next.updated_at = now;
    store::update_finding(tx.conn(), &next)?;
    tx.record(
        Event::new("finding.update")
            .target("finding", id)
            .before(&audited(&row))
            .after(&audited(&next)),
    );
    detail(tx.conn(), next, &engagement, today)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAcceptanceBody {
    /// Why the risk is accepted instead of corrected (at most 2,000 characters).
    pub reason: Option<String>,
}

/// Accepts a finding's risk instead of correcting it, with the reason: for ROLE-CISO,
/// ROLE-DCISO and ROLE-CSM, never the finding's owner.
pub fn accept_risk(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: RiskAcceptanceBody,
) -> AppResult<FindingDetail> {
    let mut f = Fields::new();
    let reason = f.require("reason", body.reason.as_deref(), |v| {
        BoundedText::parse(v, 2000)
    });
    f.finish()?;
    let reason = reason
        .ok_or_else(|| AppError::Internal("a refused reason passed the field check".into()))?;
    let (now, today) = (tx.now().naive_utc(), tx.today());
    let (row, engagement) = load_visible(tx.conn(), actor, id)?;
    actor.authorize(Action::AcceptRisk {
        owner: &row.owner_user_id,
    })?;
    life::accept_risk(row.state).map_err(|_| final_conflict())?;
    let mut next = row.clone();
    next.state = FindingState::RiskAccepted;
    next.risk_reason = Some(reason.into_inner());
    next.risk_approved_by = Some(actor.user_id.clone());
    next.updated_at = now;
    store::update_finding(tx.conn(), &next)?;
    tx.record(
        Event::new("finding.accept_risk")
            .target("finding", id)
            .before(&audited(&row))
            .after(&audited(&next)),
    );
    detail(tx.conn(), next, &engagement, today)
}
