//! Approvals（承認）: asking for one, routed to whoever the rule names (R-3.3.3, R-7.5,
//! ), and deciding it, never by the requester; a designated manager's own
//! systems and brought-in assets, which need one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::load_changeable;
use super::Tx;
use crate::audit::Event;
use crate::db::approvals::{self, Approval};
use crate::db::{self, information_items};
use crate::domain::engagement::AssetKind;
use crate::domain::{BoundedText, ClassificationLevel, EngagementKind, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::Actor;
use crate::policy::approvals::{
    check_decision, route, ApprovalRule, ApprovalState, Decision, Refusal, Route,
};
use crate::validate::Fields;

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalResponse {
    pub id: String,
    pub engagement_id: String,
    /// `R-3.3.3`, `R-7.5` or `R-7.6`.
    pub rule_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub note: String,
    /// The role that decides; a security officer of `approver_division_id` for,
    /// or ROLE-CSM.
    pub approver_role: String,
    pub approver_division_id: Option<String>,
    pub state: ApprovalState,
    #[schema(value_type = Object)]
    pub confirmations: serde_json::Value,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

impl From<Approval> for ApprovalResponse {
    fn from(a: Approval) -> Self {
        ApprovalResponse {
            confirmations: serde_json::from_str(&a.confirmations).unwrap_or_default(),
            id: a.id,
            engagement_id: a.engagement_id,
            rule_id: a.rule_id,
            subject_id: a.subject_id,
            subject_name: a.subject_name,
            requested_by: a.requested_by,
            requested_at: a.requested_at.and_utc(),
            note: a.note,
            approver_role: a.approver_role,
            approver_division_id: a.approver_division_id,
            state: a.state,
            decided_by: a.decided_by,
            decided_at: a.decided_at.map(|t| t.and_utc()),
            decision_reason: a.decision_reason,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequestBody {
    /// `R-3.3.3` (an L2/L3 information item), `R-7.5` (a manager's system) or `R-7.6`
    /// (an asset brought in).
    pub rule_id: Option<String>,
    /// The information item's or the manager asset's id.
    pub subject_id: Option<String>,
    pub note: Option<String>,
}

/// Asks for an approval; the request goes to whoever the rule names, never to the
/// requester.
pub fn request(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: ApprovalRequestBody,
) -> AppResult<ApprovalResponse> {
    let mut f = Fields::new();
    let rule = f.require("rule_id", body.rule_id.as_deref(), ApprovalRule::parse);
    if body.subject_id.is_none() {
        f.required("subject_id");
    }
    let note = f.check(
        "note",
        BoundedText::parse_allow_empty(body.note.as_deref().unwrap_or(""), 2000),
    );
    let (rule, subject_id, note) = f.done(|| Some((rule?, body.subject_id?, note?)))?;
    let engagement = load_changeable(tx.conn(), actor, id)?;
    let subject_name = match rule {
        ApprovalRule::ProvideInformation => {
            let item = information_items::find(tx.conn(), id, &subject_id)?.ok_or_else(|| {
                AppError::validation(
                    "subject_id",
                    "unknown",
                    Msg::new(
                        "この案件の情報項目ではありません",
                        "Not an information item of this engagement",
                    ),
                )
            })?;
            if item.level < ClassificationLevel::L2.rank() {
                return Err(AppError::validation(
                    "subject_id",
                    "not_required",
                    Msg::new(
                        "L1 の情報の提供に承認は不要です（R-3.3.3）",
                        "L1 information needs no approval to be provided (R-3.3.3)",
                    ),
                ));
            }
            item.name
        }
        ApprovalRule::ManagerSystem | ApprovalRule::ManagerAsset => {
            let wanted = if rule == ApprovalRule::ManagerSystem {
                AssetKind::System
            } else {
                AssetKind::Asset
            };
            let asset = approvals::find_asset(tx.conn(), id, &subject_id)?
                .filter(|a| {
                    a.kind == wanted.as_str()
                        && engagement.kind() == EngagementKind::DesignatedManagement
                })
                .ok_or_else(|| {
                    AppError::validation(
                        "subject_id",
                        "unknown",
                        Msg::new(
                            format!(
                                "この指定管理の{}の記録ではありません",
                                if wanted == AssetKind::System {
                                    "情報システム"
                                } else {
                                    "持込み機器等"
                                }
                            ),
                            format!(
                                "Not a {} record of this designated management",
                                wanted.as_str()
                            ),
                        ),
                    )
                })?;
            asset.name
        }
        // A closing asked for again after a rejection (the first is asked for by itself:
        // `end_of_term`); the subject is the engagement.
        ApprovalRule::Closing => {
            if subject_id != id || engagement.status() != crate::domain::Status::Ending {
                return Err(AppError::validation(
                    "subject_id",
                    "unknown",
                    Msg::new(
                        "終了の承認は、終了手続中の委託案件そのもの（subject_id に案件の ID）について申請します",
                        "A closing is asked for the engagement itself (its id as subject_id) while it is ending",
                    ),
                ));
            }
            engagement.title.clone()
        }
    };
    let open = approvals::for_engagement(tx.conn(), id)?
        .into_iter()
        .any(|a| {
            a.rule_id == rule.as_str()
                && a.subject_id == subject_id
                && a.state != ApprovalState::Rejected
        });
    if open {
        return Err(AppError::Conflict {
            message: Msg::new(
                "同じ承認の申請が既にあります",
                "A request for the same approval is already pending or approved",
            ),
            allowed: vec![],
        });
    }
    file(
        tx,
        &engagement,
        rule,
        (subject_id, subject_name),
        &actor.user_id,
        note.into_inner(),
    )
}

/// Files a request, routed by its rule away from the requester, with its audit
/// event.
pub fn file(
    tx: &mut Tx,
    engagement: &crate::db::engagements::EngagementRow,
    rule: ApprovalRule,
    (subject_id, subject_name): (String, String),
    requested_by: &str,
    note: String,
) -> AppResult<ApprovalResponse> {
    let officers = approvals::division_officers(tx.conn(), &engagement.division_id)?;
    let Route { role, division_id } = route(rule, requested_by, &engagement.division_id, &officers);
    let approval = Approval {
        id: db::new_id(),
        engagement_id: engagement.id.clone(),
        rule_id: rule.as_str().to_string(),
        subject_id,
        subject_name,
        requested_by: requested_by.to_string(),
        requested_at: tx.now().naive_utc(),
        note,
        approver_role: role.as_str().to_string(),
        approver_division_id: division_id,
        state: ApprovalState::Pending,
        confirmations: "{}".into(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
    };
    approvals::insert(tx.conn(), &approval)?;
    let requested = ApprovalResponse::from(approval);
    tx.record(
        Event::new("approval.request")
            .target("approval", &requested.id)
            .after(&requested),
    );
    Ok(requested)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `approved` or `rejected`.
    pub decision: Option<String>,
    pub reason: Option<String>,
    /// What the rule asks the approver to confirm: R-7.5 `not_connected_to_ward_network`
    /// and `can_comply`; R-7.6 `can_comply`.
    #[serde(default)]
    pub confirmations: BTreeMap<String, bool>,
}

/// Decides a request. The requester can never decide it; only the role it was
/// routed to can.
pub fn decide(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: DecisionBody,
) -> AppResult<ApprovalResponse> {
    let mut f = Fields::new();
    let decision = f.require("decision", body.decision.as_deref(), Decision::parse);
    let reason = f.check(
        "reason",
        BoundedText::parse_allow_empty(body.reason.as_deref().unwrap_or(""), 2000),
    );
    if decision == Some(Decision::Rejected)
        && reason.as_ref().is_some_and(|r| r.as_str().is_empty())
    {
        f.push(
            "reason",
            "required",
            Msg::new("却下の理由を入力してください", "A rejection needs a reason"),
        );
    }
    let (decision, reason) = f.done(|| Some((decision?, reason?)))?;
    let confirmations = body.confirmations;
    let not_found = || AppError::not_found("承認申請が見つかりません", "No such approval request");
    let approval = approvals::find(tx.conn(), id)?.ok_or_else(not_found)?;
    let rule = ApprovalRule::parse(&approval.rule_id).map_err(|_| not_found())?;
    let current = approval.state;
    let role = Role::parse(&approval.approver_role).map_err(|_| not_found())?;
    let route = Route {
        role,
        division_id: approval.approver_division_id.clone(),
    };
    if rule == ApprovalRule::Closing && decision == Decision::Approved {
        super::end_of_term::check_closing_decider(
            tx.conn(),
            &approval.engagement_id,
            &actor.user_id,
        )?;
    }
    let confirmed = |c: &str| confirmations.get(c).copied().unwrap_or(false);
    check_decision(
        actor,
        &approval.requested_by,
        &route,
        current,
        rule,
        decision,
        &confirmed,
    )
    .map_err(|refusal| match refusal {
        Refusal::OwnRequest => AppError::forbidden(
            "申請者自身は承認できません（R-2.6 兼務の禁止）",
            "The requester cannot decide their own request (R-2.6)",
        ),
        Refusal::NotTheApprover => AppError::forbidden(
            &format!("この申請を決裁できるのは{}です", role.label_ja()),
            &format!(
                "Only the {} this request was routed to can decide it",
                role.as_str()
            ),
        ),
        Refusal::AlreadyDecided => already_decided(),
        Refusal::Unconfirmed(missing) => AppError::Validation(
            missing
                .iter()
                .map(|c| {
                    crate::error::FieldError::new(format!("confirmations.{c}"), "required", {
                        let label = crate::policy::approvals::confirmation_label(c);
                        Msg::new(
                            format!("承認するには「{}」を確認してください", label.ja),
                            format!("Approving needs the confirmation: {}", label.en),
                        )
                    })
                })
                .collect(),
        ),
    })?;
    let state_text = match decision {
        Decision::Approved => ApprovalState::Approved.as_str(),
        Decision::Rejected => ApprovalState::Rejected.as_str(),
    };
    let confirmations_json = serde_json::to_string(&confirmations)
        .map_err(|e| AppError::Internal(format!("storing confirmations: {e}")))?;
    let now_at = tx.now().naive_utc();
    if !approvals::decide(
        tx.conn(),
        id,
        state_text,
        &actor.user_id,
        reason.as_str(),
        &confirmations_json,
        now_at,
    )? {
        return Err(already_decided());
    }
    let decided = ApprovalResponse::from(approvals::find(tx.conn(), id)?.ok_or_else(not_found)?);
    tx.record(
        Event::new("approval.decide")
            .target("approval", id)
            .before(&ApprovalResponse::from(approval))
            .after(&decided),
    );
    Ok(decided)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetBody {
    /// `system` (the manager's own information system, R-7.5) or `asset` (other assets
    /// brought into the facility, R-7.6).
    pub kind: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetResponse {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<approvals::ManagerAsset> for AssetResponse {
    fn from(a: approvals::ManagerAsset) -> Self {
        AssetResponse {
            id: a.id,
            kind: a.kind,
            name: a.name,
            description: a.description,
            recorded_at: a.recorded_at.and_utc(),
        }
    }
}

/// Records a designated manager's own system or brought-in asset; each needs ROLE-CSM's
/// approval.
pub fn record_asset(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: AssetBody,
) -> AppResult<AssetResponse> {
    let mut f = Fields::new();
    let kind = f.require("kind", body.kind.as_deref(), AssetKind::parse);
    let name = f.require("name", body.name.as_deref(), |v| BoundedText::parse(v, 200));
    let description = f.check(
        "description",
        BoundedText::parse_allow_empty(body.description.as_deref().unwrap_or(""), 2000),
    );
    let (kind, name, description) = f.done(|| Some((kind?, name?, description?)))?;
    let engagement = load_changeable(tx.conn(), actor, id)?;
    if engagement.kind() != EngagementKind::DesignatedManagement {
        return Err(AppError::validation(
            "kind",
            "not_allowed",
            Msg::new(
                "情報システム・持込み機器等は指定管理の案件にのみ記録します",
                "Systems and assets are recorded for designated managements only",
            ),
        ));
    }
    let now_at = tx.now().naive_utc();
    let asset = AssetResponse::from(approvals::insert_asset(
        tx.conn(),
        id,
        kind.as_str(),
        name.as_str(),
        description.as_str(),
        &actor.user_id,
        now_at,
    )?);
    tx.record(
        Event::new("manager_asset.record")
            .target("manager_asset", &asset.id)
            .after(&serde_json::json!({ "engagement_id": id, "asset": asset })),
    );
    Ok(asset)
}

/// The engagement's approval requests, decided or not.
pub fn of_engagement(
    conn: &mut crate::db::DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<ApprovalResponse>> {
    super::engagements::load_visible(conn, actor, id)?;
    Ok(approvals::for_engagement(conn, id)?
        .into_iter()
        .map(ApprovalResponse::from)
        .collect())
}

/// Approval requests on engagements the actor may see, oldest first; `state` (`pending`,
/// `approved`, `rejected`) narrows them.
pub fn list(
    conn: &mut crate::db::DbConnection,
    actor: &Actor,
    state: Option<&str>,
) -> AppResult<Vec<ApprovalResponse>> {
    let mut f = Fields::new();
    let wanted = f
        .check_opt("state", state.map(ApprovalState::parse))
        .flatten();
    f.finish()?;
    Ok(
        approvals::list(conn, &actor.visibility(), wanted.map(ApprovalState::as_str))?
            .into_iter()
            .map(ApprovalResponse::from)
            .collect(),
    )
}

/// A request as the inbox shows it: with its engagement's title, who asked, and what
/// approving it needs confirmed.
#[derive(Debug)]
pub struct InboxEntry {
    pub approval: ApprovalResponse,
    pub engagement_title: String,
    pub requester_name: String,
    pub confirmations: &'static [&'static str],
}

/// The approvals inbox: the pending requests the actor may decide, their own pending
/// requests (which someone else decides, R-2.6), and the latest decisions.
#[derive(Debug)]
pub struct Inbox {
    pub to_decide: Vec<InboxEntry>,
    pub own: Vec<InboxEntry>,
    pub decided: Vec<InboxEntry>,
}

/// How many decided requests the inbox shows, newest first.
pub const INBOX_DECIDED: usize = 20;

pub fn inbox(conn: &mut crate::db::DbConnection, actor: &Actor) -> AppResult<Inbox> {
    let all = list(conn, actor, None)?;
    let mut titles: BTreeMap<String, String> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut inbox = Inbox {
        to_decide: vec![],
        own: vec![],
        decided: vec![],
    };
    let mut decided = Vec::new();
    for approval in all {
        let Ok(rule) = ApprovalRule::parse(&approval.rule_id) else {
            continue;
        };
        let pending = approval.state == ApprovalState::Pending;
        let mine = approval.requested_by == actor.user_id;
        let may_decide = pending
            && Role::parse(&approval.approver_role).is_ok_and(|role| {
                actor
                    .permits(&crate::policy::access::Action::DecideApproval {
                        requested_by: &approval.requested_by,
                        route: &Route {
                            role,
                            division_id: approval.approver_division_id.clone(),
                        },
                    })
                    .is_ok()
            });
        if pending && !mine && !may_decide {
            continue;
        }
        if !titles.contains_key(&approval.engagement_id) {
            let title = crate::db::engagements::find(conn, &approval.engagement_id)?
                .map(|e| e.title)
                .unwrap_or_default();
            titles.insert(approval.engagement_id.clone(), title);
        }
        if !names.contains_key(&approval.requested_by) {
            let name = crate::db::users::find(conn, &approval.requested_by)?
                .map(|u| u.display_name)
                .unwrap_or_default();
            names.insert(approval.requested_by.clone(), name);
        }
        let entry = InboxEntry {
            engagement_title: titles[&approval.engagement_id].clone(),
            requester_name: names[&approval.requested_by].clone(),
            confirmations: rule.confirmations(),
            approval,
        };
        if may_decide {
            inbox.to_decide.push(entry);
        } else if pending {
            inbox.own.push(entry);
        } else {
            decided.push(entry);
        }
    }
    decided.sort_by_key(|e| std::cmp::Reverse(e.approval.decided_at));
    decided.truncate(INBOX_DECIDED);
    inbox.decided = decided;
    Ok(inbox)
}

/// A designated manager's systems and brought-in assets on record.
pub fn assets_of(
    conn: &mut crate::db::DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<AssetResponse>> {
    super::engagements::load_visible(conn, actor, id)?;
    Ok(approvals::assets(conn, id)?
        .into_iter()
        .map(AssetResponse::from)
        .collect())
}

/// An approval an engagement still has to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToAsk {
    pub rule: ApprovalRule,
    pub subject_id: String,
    pub subject_name: String,
}

/// The approvals the obligations call for (R-3.3.3 per L2/L3 item provided to the
/// vendor, R-7.5/R-7.6 per system or asset on record) that are neither approved nor
/// waiting for a decision: a rejected one may be asked again.
pub fn to_ask(
    obligations: &[super::obligations::ObligationResponse],
    asked: &[ApprovalResponse],
) -> Vec<ToAsk> {
    obligations
        .iter()
        .filter(|o| {
            !matches!(
                o.state,
                crate::policy::obligations::ObligationState::Met
                    | crate::policy::obligations::ObligationState::Waived
            )
        })
        .filter_map(|o| {
            let rule = ApprovalRule::parse(&o.rule_id).ok()?;
            let subject_id = o.subject.clone()?;
            let open = asked.iter().any(|a| {
                a.rule_id == o.rule_id
                    && a.subject_id == subject_id
                    && a.state != ApprovalState::Rejected
            });
            (!open).then(|| ToAsk {
                rule,
                subject_name: o.subject_name.clone().unwrap_or_default(),
                subject_id,
            })
        })
        .collect()
}

/// A request (an approval, a waiver) that was decided already, by now or meanwhile.
pub fn already_decided() -> AppError {
    AppError::Conflict {
        message: Msg::new(
            "この申請は決裁済みです",
            "This request has already been decided",
        ),
        allowed: vec![],
    }
}
