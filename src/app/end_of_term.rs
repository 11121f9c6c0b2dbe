//! The end of an engagement: when it
//! reaches `ending` (by itself when its end date passes, or by hand) or is `terminated`,
//! the vendor is sent the end-of-term attestation when one is owed; the ward verifies it
//! like a periodic check (`checks::officer::review`), its acceptance asks a second person
//! to approve the closing, and `closed` waits for both and for the subcontracts.
//!
//! The attestation is a check whose questionnaire asks about each information item the
//! vendor handled (`questionnaires::attestation`): the same link, drafts, evidence and
//! signature as a periodic check.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::checks::{self, Contact, Env, Request};
use super::Tx;
use crate::audit::{Event, Origin};
use crate::db::approvals as approval_store;
use crate::db::checks::{self as check_store, CheckRow};
use crate::db::engagements::{self as store, EngagementRow};
use crate::db::{information_items, outbox, vendors, DbConnection};
use crate::domain::{ClassificationLevel, EngagementKind, Status};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::mail::templates::EndOfTermNoticeContext;
use crate::policy::approvals::{ApprovalRule, ApprovalState};
use crate::policy::checks::CheckState;
use crate::policy::end_of_term::{self as policy, ClosingFacts};
use crate::questionnaires::attestation::{self, HandedOver};

/// The information items handed to the vendor, which the attestation asks about.
fn handed_over(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<HandedOver>> {
    Ok(information_items::list(conn, engagement_id)?
        .into_iter()
        .filter(|i| i.provided_to_vendor)
        .map(|i| HandedOver {
            level: ClassificationLevel::from_rank(i.level).unwrap_or(ClassificationLevel::L3),
            item_id: i.id,
            name: i.name,
        })
        .collect())
}

/// The rules the engagement's attestation meets, or `None` when it owes none.
pub fn owed(
    conn: &mut DbConnection,
    e: &EngagementRow,
) -> AppResult<Option<&'static [&'static str]>> {
    let items = handed_over(conn, &e.id)?.len();
    owed_for(conn, e, items)
}

/// `owed`, with the number of items handed over already known.
fn owed_for(
    conn: &mut DbConnection,
    e: &EngagementRow,
    items_handed_over: usize,
) -> AppResult<Option<&'static [&'static str]>> {
    let reached_contract = store::reached(conn, &e.id, Status::Contracted)?;
    Ok(policy::attestation_rules(
        e.kind(),
        e.level(),
        reached_contract,
        items_handed_over,
    ))
}

/// The day the term ended: the end date, or the early end's day when sooner.
fn ended_on(e: &EngagementRow, today: NaiveDate) -> NaiveDate {
    e.ends_on.min(today)
}

/// Run in the transaction that moved `e` to `ending` or `terminated`: sends the vendor's
/// first contact the attestation when one is owed, due `certificate_deadline_days` after
/// the end (never before today); at `ending` with nothing owed, asks for the closing
/// approval at once, on behalf of the responsible officer.
pub fn begin(
    tx: &mut Tx,
    env: &Env,
    e: &EngagementRow,
    to: Status,
    issued_by: Option<&str>,
) -> AppResult<Option<CheckRow>> {
    let today = tx.today();
    let items = handed_over(tx.conn(), &e.id)?;
    let Some(meets) = owed_for(tx.conn(), e, items.len())? else {
        // An early end that owes nothing has nothing left to do.
        if to == Status::Ending {
            request_closing(tx, e, &e.responsible_user_id)?;
            let now = tx.now().naive_utc();
            notify_officer(tx.conn(), env, e, (to, now), None)?;
        }
        return Ok(None);
    };
    // One already sent (at `ending`, before an early end) still stands. `checks::issue`
    // would find it too, but as a reason to leave the whole transaction unchanged.
    if check_store::attestation_of(tx.conn(), &e.id)?.is_some() {
        return Ok(None);
    }
    let level = e.level().unwrap_or(ClassificationLevel::L1);
    let template = env
        .questionnaires
        .attestation_for(e.kind(), level)
        .ok_or_else(|| {
            AppError::Internal(format!(
                "no end-of-term questionnaire for {} {level}",
                e.kind()
            ))
        })?
        .clone();
    let definition = attestation::instantiate(&template, &items, meets);
    let mut contacts = vendors::get(tx.conn(), &e.vendor_id)?
        .map(|v| v.contacts)
        .unwrap_or_default();
    contacts.sort_by_key(|c| c.position);
    let Some(first) = contacts.into_iter().next() else {
        if issued_by.is_none() {
            // The sweep moves on; the obligation stays open and is reminded of.
            tracing::warn!(engagement = %e.id, "end-of-term attestation not sent: the vendor has no contact");
            return Ok(None);
        }
        return Err(AppError::Conflict {
            message: Msg::new(
                "委託先に連絡先がないため、終了時報告を送付できません。委託先の連絡先を登録してください",
                "The vendor has no contact to send the end-of-term attestation to: register one",
            ),
            allowed: vec![],
        });
    };
    let contact = Contact {
        name: first.name,
        email: first.email,
        lang: Lang::Ja,
    };
    let deadline = Days::new(u64::from(env.config.rules.certificate_deadline_days));
    let due_on = (ended_on(e, today) + deadline).max(today);
    let ctx = checks::context(tx.conn(), &e.id)?;
    let request = Request {
        definition: &definition,
        contact: &contact,
        due_on,
        issued_by,
    };
    let sent = checks::issue(tx, env, &ctx, &request)?;
    let now = tx.now().naive_utc();
    notify_officer(tx.conn(), env, e, (to, now), sent.as_ref())?;
    Ok(sent)
}

/// Tells the responsible officer the engagement reached its end: what was asked of the
/// vendor and by when, or that the closing approval was asked for.
fn notify_officer(
    conn: &mut DbConnection,
    env: &Env,
    e: &EngagementRow,
    (to, now): (Status, chrono::NaiveDateTime),
    sent: Option<&CheckRow>,
) -> AppResult<()> {
    let Some(officer) = crate::db::users::find(conn, &e.responsible_user_id)?.filter(|u| u.active)
    else {
        return Ok(());
    };
    let lang = officer.language;
    let vendor_name = vendors::get(conn, &e.vendor_id)?
        .map(|v| v.vendor.legal_name)
        .unwrap_or_default();
    let ctx = EndOfTermNoticeContext {
        organization: env.config.organization_name.clone(),
        recipient_name: officer.display_name.clone(),
        engagement_title: e.title.clone(),
        vendor_name,
        terminated: to == Status::Terminated,
        attestation_sent: sent.is_some(),
        contact_name: sent.map(|c| c.contact_name.clone()).unwrap_or_default(),
        due_on: sent
            .map(|c| crate::mail::format_due(lang, c.due_on))
            .unwrap_or_default(),
        link: format!(
            "{}/engagements/{}",
            env.config.public_base_url.trim_end_matches('/'),
            e.id
        ),
    };
    let email = env
        .email
        .render_end_of_term_notice(lang, &ctx)
        .map_err(|err| AppError::Internal(err.to_string()))?;
    outbox::enqueue(
        conn,
        &outbox::NewMessage {
            id: &outbox::next_id(),
            recipient_user_id: Some(&officer.id),
            to_email: &officer.email,
            to_name: &officer.display_name,
            lang: lang.as_str(),
            subject: &email.subject,
            text: &email.text,
            html: &email.html,
        },
        now,
    )
}

/// Asks a second person to approve the closing, on behalf of `requested_by`: the
/// one who confirmed the attestation, or the responsible officer when none is owed.
/// Nothing when a request is already pending or approved.
pub fn request_closing(tx: &mut Tx, e: &EngagementRow, requested_by: &str) -> AppResult<()> {
    let open = approval_store::for_engagement(tx.conn(), &e.id)?
        .into_iter()
        .any(|a| a.rule_id == ApprovalRule::Closing.as_str() && a.state != ApprovalState::Rejected);
    if open {
        return Ok(());
    }
    super::approvals::file(
        tx,
        e,
        ApprovalRule::Closing,
        (e.id.clone(), e.title.clone()),
        requested_by,
        String::new(),
    )?;
    Ok(())
}

/// What closing `e` is decided on, from its attestation and approvals already read.
fn closing_facts(
    conn: &mut DbConnection,
    e: &EngagementRow,
    attestation: Option<&CheckRow>,
    approvals: &[crate::db::approvals::Approval],
) -> AppResult<ClosingFacts> {
    let closing_approved = approvals
        .iter()
        .any(|a| a.rule_id == ApprovalRule::Closing.as_str() && a.state == ApprovalState::Approved);
    let open_subcontracts = if e.kind() == EngagementKind::DesignatedManagement {
        store::subcontracts_of(conn, &e.id)?
            .into_iter()
            .filter(|s| !matches!(s.status(), Status::Closed | Status::Terminated))
            .map(|s| s.title)
            .collect()
    } else {
        vec![]
    };
    Ok(ClosingFacts {
        attestation_owed: owed(conn, e)?.is_some(),
        attestation_accepted: attestation.is_some_and(|c| c.state == CheckState::Accepted),
        closing_approved,
        open_subcontracts,
    })
}

/// Where an engagement stands at its end, for its page.
pub struct Standing {
    /// The attestation is owed.
    pub owed: bool,
    pub attestation: Option<CheckRow>,
    /// The latest closing approval's state.
    pub closing: Option<ApprovalState>,
    /// What `closed` still waits for.
    pub missing: Vec<policy::ClosingMissing>,
    /// The completion record was issued (at closing).
    pub record: bool,
}

/// The end of term of `e` as it stands; `None` before it began.
pub fn standing(conn: &mut DbConnection, e: &EngagementRow) -> AppResult<Option<Standing>> {
    let attestation = check_store::attestation_of(conn, &e.id)?;
    if !matches!(
        e.status(),
        Status::Ending | Status::Closed | Status::Terminated
    ) && attestation.is_none()
    {
        return Ok(None);
    }
    let approvals = approval_store::for_engagement(conn, &e.id)?;
    let closing = approvals
        .iter()
        .filter(|a| a.rule_id == ApprovalRule::Closing.as_str())
        .max_by_key(|a| a.requested_at)
        .map(|a| a.state);
    let facts = closing_facts(conn, e, attestation.as_ref(), &approvals)?;
    let missing = if e.status() == Status::Ending {
        policy::closing_missing(&facts)
    } else {
        vec![]
    };
    Ok(Some(Standing {
        record: crate::db::completion_records::find(conn, &e.id)?.is_some(),
        owed: facts.attestation_owed,
        attestation,
        closing,
        missing,
    }))
}

/// Refuses `closed` (409 naming what is missing) until the attestation is accepted, a
/// second person approved the closing, and every subcontract has ended.
pub fn check_closing(conn: &mut DbConnection, e: &EngagementRow) -> AppResult<()> {
    let attestation = check_store::attestation_of(conn, &e.id)?;
    let approvals = approval_store::for_engagement(conn, &e.id)?;
    let missing =
        policy::closing_missing(&closing_facts(conn, e, attestation.as_ref(), &approvals)?);
    if missing.is_empty() {
        return Ok(());
    }
    let (ja, en): (Vec<String>, Vec<String>) = missing
        .iter()
        .map(|m| {
            let msg = m.message();
            (msg.get(Lang::Ja).to_string(), msg.get(Lang::En).to_string())
        })
        .unzip();
    Err(AppError::Gate {
        message: Msg::new(ja.join(" "), en.join(" ")),
        missing: missing.iter().map(|m| m.code().to_string()).collect(),
    })
}

/// the person who accepted the attestation never approves the closing, whoever
/// asked for it.
pub fn check_closing_decider(
    conn: &mut DbConnection,
    engagement_id: &str,
    decider: &str,
) -> AppResult<()> {
    let confirmer = check_store::attestation_of(conn, engagement_id)?.and_then(|c| c.accepted_by);
    if confirmer.as_deref() == Some(decider) {
        return Err(AppError::forbidden(
            "終了時報告を確認した職員は、終了を承認できません（R-2.6 兼務の禁止）",
            "The person who accepted the attestation cannot approve the closing (R-2.6)",
        ));
    }
    Ok(())
}

/// Run in the transaction that accepted an attestation: the closing goes to a second
/// person, asked for by the one who accepted it.
pub fn accepted(tx: &mut Tx, check: &CheckRow, confirmer: &str) -> AppResult<()> {
    let e = store::find(tx.conn(), &check.engagement_id)?.ok_or_else(|| {
        AppError::Internal(format!("engagement {} vanished", check.engagement_id))
    })?;
    if e.status() == Status::Ending {
        request_closing(tx, &e, confirmer)?;
    }
    Ok(())
}

/// an attestation is accepted only once every finding of the term is
/// closed or its risk accepted.
pub fn check_findings_settled(conn: &mut DbConnection, engagement_id: &str) -> AppResult<()> {
    let open = check_store::count_open_findings(conn, engagement_id)?;
    if open > 0 {
        return Err(AppError::Conflict {
            message: Msg::new(
                format!(
                    "未完了の指摘事項が{open}件あります。終了時報告を受理する前に、是正して完了するか、リスクを受容してください（R-8.4.1、R-2.6）"
                ),
                format!(
                    "{open} findings are still open: close each or accept its risk before accepting the attestation (R-8.4.1, R-2.6)"
                ),
            ),
            allowed: vec![],
        });
    }
    Ok(())
}

/// What the sweep's part did.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct Ended {
    /// Engagements moved to `ending` (in a dry run: that would be).
    pub moved: usize,
    /// Attestations sent to vendors.
    pub attestations: usize,
}

/// The sweep's part: every active engagement whose end date has passed moves to
/// `ending`, audited as the service, with its attestation sent. Each in its own
/// transaction, so one that fails does not hold back the others.
pub fn end_past_terms(
    conn: &mut DbConnection,
    env: &Env,
    now: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<Ended> {
    let today = env.config.date_at(now);
    let due = store::past_their_end(conn, today)?;
    if dry_run {
        return Ok(Ended {
            moved: due.len(),
            attestations: 0,
        });
    }
    let origin = Origin::system("system");
    let mut ended = Ended::default();
    for e in due {
        match super::write_on(conn, Some(&env.rules), now, today, &origin, |tx| {
            end_by_itself(tx, env, &e.id)
        }) {
            Ok(Some(sent)) => {
                ended.moved += 1;
                ended.attestations += usize::from(sent);
            }
            Ok(None) => {}
            Err(err @ (AppError::Unavailable(_) | AppError::Database(_))) => return Err(err),
            Err(err) => {
                tracing::error!(engagement = %e.id, error = %err, "engagement not moved to ending");
            }
        }
    }
    Ok(ended)
}

/// Moves one engagement whose end date has passed to `ending`, as the
/// service; `None` when another instance or a person moved it first.
pub fn end_by_itself(tx: &mut Tx, env: &Env, id: &str) -> AppResult<Option<bool>> {
    let today = tx.today();
    let Some(e) = store::find(tx.conn(), id)? else {
        return Ok(None);
    };
    if !policy::ends_by_itself(e.status(), e.ends_on, today) {
        tx.leave_unchanged();
        return Ok(None);
    }
    let now = tx.now().naive_utc();
    if !store::set_status(
        tx.conn(),
        id,
        (Status::Active, Status::Ending),
        None,
        None,
        now,
    )? {
        tx.leave_unchanged();
        return Ok(None);
    }
    tx.record(
        Event::new("engagement.transition")
            .target("engagement", id)
            .before(&serde_json::json!({ "status": Status::Active }))
            .after(&serde_json::json!({ "status": Status::Ending, "reason": "end_date_passed" })),
    );
    let sent = begin(tx, env, &e, Status::Ending, None)?;
    Ok(Some(sent.is_some()))
}
