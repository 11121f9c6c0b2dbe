//! What an officer does with periodic checks: send a
//! questionnaire to a vendor contact, follow the checks, read one with its answers and
//! evidence, accept or return a submission, renew or revoke its portal links, and set the
//! engagement's own check interval. The API and the staff pages call these.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Contact, Decision, Env, StoredScores};
use crate::app::engagements::{load_changeable, load_visible, owning_engagement};
use crate::app::findings::FindingResponse;
use crate::app::Tx;
use crate::audit::Event;
use crate::config::Config;
use crate::db::checks::{self as store, CheckFilter, CheckRow, CheckSummary, FindingFilter};
use crate::db::engagements::EngagementRow;
use crate::db::Rows;
use crate::db::{users, vendors, DbConnection};
use crate::domain::date::parse_iso_date;
use crate::domain::{BoundedText, ClassificationLevel, EngagementKind};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::policy::access::{Action, Actor, Visibility};
use crate::policy::checks::{effective, CheckState};
use crate::questionnaires::answers::Answer;
use crate::questionnaires::{Definition, Purpose, Text};
use crate::validate::Fields;

// ---------------------------------------------------------------------------------------
// What is shown

/// A check as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckSummaryResponse {
    pub id: String,
    pub engagement_id: String,
    pub engagement_title: String,
    pub vendor_id: String,
    pub vendor_name: String,
    pub questionnaire_id: String,
    pub questionnaire_version: i32,
    /// The obligations it meets once accepted.
    pub meets_rules: Vec<String>,
    pub contact_name: String,
    pub contact_email: String,
    /// As stored: `sent`, `in_progress`, `submitted`, `returned` or `accepted`.
    pub state: CheckState,
    /// As people see it today: `overdue` for an open check past its due date.
    pub effective_state: CheckState,
    /// Null when the sweep sent it.
    pub issued_by: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub accepted_on: Option<NaiveDate>,
    pub score_percent: Option<i32>,
}

fn rules(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

impl CheckSummaryResponse {
    fn new(
        c: CheckSummary,
        title: String,
        vendor_id: String,
        vendor_name: String,
        today: NaiveDate,
    ) -> AppResult<Self> {
        let state = c.state;
        Ok(CheckSummaryResponse {
            effective_state: effective(state, c.due_on, today),
            state,
            meets_rules: rules(&c.meets_rules),
            id: c.id,
            engagement_id: c.engagement_id,
            engagement_title: title,
            vendor_id,
            vendor_name,
            questionnaire_id: c.questionnaire_id,
            questionnaire_version: c.questionnaire_version,
            contact_name: c.contact_name,
            contact_email: c.contact_email,
            issued_by: c.issued_by,
            issued_at: c.issued_at.and_utc(),
            due_on: c.due_on,
            submitted_at: c.submitted_at.map(|t| t.and_utc()),
            accepted_on: c.accepted_on,
            score_percent: c.score_percent,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementRef {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireRef {
    pub id: String,
    pub version: i32,
    pub title: Text,
}

/// The vendor contact a check was sent to, as it was when sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckContact {
    pub name: String,
    pub email: String,
    /// `ja` or `en`: the language of the emails and of the portal by default.
    pub lang: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceResponse {
    pub id: String,
    pub question_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it (always as an attachment).
    pub download: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    /// `accept` or `return`.
    pub decision: String,
    pub comment: String,
    /// Question id → comment.
    pub question_comments: BTreeMap<String, String>,
    pub reviewer_id: String,
    pub reviewer_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// The check's portal links: how many still work, never the links themselves.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinksResponse {
    pub live: i64,
    pub latest_expiry: Option<DateTime<Utc>>,
}

/// One check with everything about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    pub id: String,
    pub engagement: EngagementRef,
    pub vendor_id: String,
    pub questionnaire: QuestionnaireRef,
    pub meets_rules: Vec<String>,
    pub contact: CheckContact,
    pub state: CheckState,
    pub effective_state: CheckState,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<String>,
    pub due_on: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub signed_name: Option<String>,
    pub signed_title: Option<String>,
    pub accepted_on: Option<NaiveDate>,
    pub accepted_by: Option<String>,
    pub score_percent: Option<i32>,
    /// Per section and overall, once accepted.
    pub scores: Option<StoredScores>,
    /// Question id → answer.
    pub answers: BTreeMap<String, Answer>,
    pub evidence: Vec<EvidenceResponse>,
    /// Oldest first.
    pub reviews: Vec<ReviewResponse>,
    pub findings: Vec<FindingResponse>,
    pub links: LinksResponse,
    /// The questionnaire as it was sent with this check.
    pub definition: Definition,
}

fn not_found() -> AppError {
    AppError::not_found("点検が見つかりません", "No such check")
}

/// The check and its engagement, if the actor may see the engagement; otherwise 404, so
/// that a check's existence is not revealed.
pub fn load_check(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<(CheckRow, EngagementRow)> {
    let check = store::find(conn, id)?.ok_or_else(not_found)?;
    let engagement = owning_engagement(conn, actor, &check.engagement_id, not_found)?;
    Ok((check, engagement))
}

/// As `load_check`, and the actor may change the engagement (403 otherwise).
fn load_check_to_change(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<(CheckRow, EngagementRow)> {
    let (check, engagement) = load_check(conn, actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    Ok((check, engagement))
}

fn user_name(conn: &mut DbConnection, id: &str) -> AppResult<Option<String>> {
    Ok(users::find(conn, id)?.map(|u| u.display_name))
}

/// The whole check as people see it at `now`.
pub fn detail(
    conn: &mut DbConnection,
    check: CheckRow,
    engagement: &EngagementRow,
    now: NaiveDateTime,
    today: NaiveDate,
) -> AppResult<CheckResponse> {
    let definition = super::definition_of(&check)?;
    let answers = super::stored_answers(conn, &check.id)?;
    let files = store::evidence(conn, &check.id)?
        .into_iter()
        .map(|e| EvidenceResponse {
            download: format!("/api/v1/checks/{}/evidence/{}", check.id, e.id),
            id: e.id,
            question_id: e.question_id,
            file_name: e.file_name,
            media_type: e.media_type,
            size_bytes: e.size_bytes,
            sha256: e.sha256,
            uploaded_at: e.uploaded_at.and_utc(),
        })
        .collect();
    let mut reviews = Vec::new();
    for r in store::reviews(conn, &check.id)? {
        let question_comments = serde_json::from_str(&r.question_comments).map_err(|e| {
            AppError::Internal(format!("check {}: stored review comments: {e}", check.id))
        })?;
        reviews.push(ReviewResponse {
            reviewer_name: user_name(conn, &r.reviewed_by)?,
            decision: r.decision.as_str().to_string(),
            comment: r.comment,
            question_comments,
            reviewer_id: r.reviewed_by,
            at: r.reviewed_at.and_utc(),
        });
    }
    let (found, _) = store::list_findings(
        conn,
        &Visibility::All,
        &FindingFilter {
            check_id: Some(check.id.clone()),
            ..FindingFilter::default()
        },
        Rows::All,
    )?;
    let findings = found
        .into_iter()
        .map(|(row, title, vendor)| FindingResponse::new(row, title, vendor, today))
        .collect::<AppResult<_>>()?;
    let live: Vec<NaiveDateTime> = store::tokens(conn, &check.id)?
        .into_iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
        .map(|t| t.expires_at)
        .collect();
    let scores =
        match check.scores_json.as_deref() {
            None => None,
            Some(s) => Some(serde_json::from_str::<StoredScores>(s).map_err(|e| {
                AppError::Internal(format!("check {}: stored scores: {e}", check.id))
            })?),
        };
    let state = check.state;
    Ok(CheckResponse {
        engagement: EngagementRef {
            id: engagement.id.clone(),
            title: engagement.title.clone(),
        },
        vendor_id: engagement.vendor_id.clone(),
        questionnaire: QuestionnaireRef {
            id: check.questionnaire_id,
            version: check.questionnaire_version,
            title: definition.title.clone(),
        },
        meets_rules: rules(&check.meets_rules),
        contact: CheckContact {
            name: check.contact_name,
            email: check.contact_email,
            lang: check.contact_lang.as_str().to_string(),
        },
        effective_state: effective(state, check.due_on, today),
        state,
        issued_at: check.issued_at.and_utc(),
        issued_by: check.issued_by,
        due_on: check.due_on,
        submitted_at: check.submitted_at.map(|t| t.and_utc()),
        signed_name: check.signed_name,
        signed_title: check.signed_title,
        accepted_on: check.accepted_on,
        accepted_by: check.accepted_by,
        score_percent: check.score_percent,
        scores,
        answers,
        evidence: files,
        reviews,
        findings,
        links: LinksResponse {
            live: live.len() as i64,
            latest_expiry: live.iter().max().map(|t| t.and_utc()),
        },
        definition,
        id: check.id,
    })
}

/// One check for the actor. A read of an L3 engagement's check is audited, so
/// this runs as a write when the engagement is L3.
pub fn read(tx: &mut Tx, actor: &Actor, id: &str) -> AppResult<CheckResponse> {
    let (now, today) = (tx.now().naive_utc(), tx.today());
    let (check, engagement) = load_check(tx.conn(), actor, id)?;
    let response = detail(tx.conn(), check, &engagement, now, today)?;
    crate::app::record_l3_read(
        tx,
        engagement.level(),
        Event::new("check.read_l3").target("check", id),
    );
    Ok(response)
}

/// A check as its page shows it: the check, and whether the person may act on it (review
/// it, renew or revoke its links).
pub struct CheckPage {
    pub check: CheckResponse,
    pub can_change: bool,
    /// For an end-of-term attestation: the term it closes.
    pub term: Option<Term>,
}

/// What the confirmer verifies an attestation beside: every other check of the term,
/// and the findings still open, each of which is closed or its risk accepted first.
pub struct Term {
    pub checks: Vec<CheckSummaryResponse>,
    pub open_findings: Vec<crate::app::findings::FindingResponse>,
}

/// `read`, with what the person may do on the check's page.
pub fn page(tx: &mut Tx, actor: &Actor, id: &str) -> AppResult<CheckPage> {
    let check = read(tx, actor, id)?;
    let (row, engagement) = load_check(tx.conn(), actor, id)?;
    let can_change = actor
        .permits(&Action::ChangeEngagement {
            division_id: &engagement.division_id,
        })
        .is_ok();
    let term = if row.end_of_term {
        let today = tx.today();
        let checks = of_engagement(tx.conn(), actor, &engagement.id, today)?
            .into_iter()
            .filter(|c| c.id != row.id)
            .collect();
        let open_findings = crate::app::findings::of_engagement(tx.conn(), &engagement.id, today)?
            .into_iter()
            .filter(|f| f.state.is_open())
            .collect();
        Some(Term {
            checks,
            open_findings,
        })
    } else {
        None
    };
    Ok(CheckPage {
        check,
        can_change,
        term,
    })
}

// ---------------------------------------------------------------------------------------
// Lists

/// Which checks: the state as seen today (`overdue` included) and what they belong to.
#[derive(Debug, Default, Clone, Serialize)]
pub struct CheckSelection {
    pub state: Option<CheckState>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub division_id: Option<String>,
}

/// `state` as a list asks for it: a stored state, or `overdue`.
pub fn parse_state(f: &mut Fields, state: Option<&str>) -> Option<CheckState> {
    let s = state?;
    let parsed = if s == CheckState::Overdue.as_str() {
        Some(CheckState::Overdue)
    } else {
        CheckState::parse(s)
    };
    if parsed.is_none() {
        f.push(
            "state",
            "invalid",
            Msg::new(
                "sent、in_progress、submitted、returned、accepted、overdue のいずれかを指定してください",
                "Must be one of: sent, in_progress, submitted, returned, accepted, overdue",
            ),
        );
    }
    parsed
}

/// The checks of the engagements one may see, newest first, and how many match.
pub fn list(
    conn: &mut DbConnection,
    visibility: &Visibility,
    selection: &CheckSelection,
    today: NaiveDate,
    rows: Rows,
) -> AppResult<(Vec<CheckSummaryResponse>, i64)> {
    let filter = CheckFilter {
        engagement_id: selection.engagement_id.clone(),
        vendor_id: selection.vendor_id.clone(),
        division_id: selection.division_id.clone(),
        state: selection.state.map(|s| (s, today)),
    };
    let (found, total) = store::list(conn, visibility, &filter, rows)?;
    let names = vendors::names(conn)?;
    let items = found
        .into_iter()
        .map(|(c, title, vendor_id)| {
            let vendor_name = names.get(&vendor_id).cloned().unwrap_or_default();
            CheckSummaryResponse::new(c, title, vendor_id, vendor_name, today)
        })
        .collect::<AppResult<_>>()?;
    Ok((items, total))
}

/// The engagement's checks, newest first.
pub fn of_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    engagement_id: &str,
    today: NaiveDate,
) -> AppResult<Vec<CheckSummaryResponse>> {
    load_visible(conn, actor, engagement_id)?;
    let selection = CheckSelection {
        engagement_id: Some(engagement_id.to_string()),
        ..CheckSelection::default()
    };
    Ok(list(conn, &Visibility::All, &selection, today, Rows::All)?.0)
}

/// Every check of the selection, for an export; the export is audited with what was
/// asked and how many rows went out.
pub fn export(
    tx: &mut Tx,
    actor: &Actor,
    selection: &CheckSelection,
) -> AppResult<Vec<CheckSummaryResponse>> {
    let today = tx.today();
    let (all, _) = list(tx.conn(), &actor.visibility(), selection, today, Rows::All)?;
    crate::app::record_export(tx, "check.export", selection, all.len() as u64);
    Ok(all)
}

/// An evidence file's name, type and SHA-256, and its bytes; every download is audited.
pub fn download_evidence(
    tx: &mut Tx,
    actor: &Actor,
    check_id: &str,
    evidence_id: &str,
) -> AppResult<(store::EvidenceMeta, Vec<u8>)> {
    let (check, _) = load_check(tx.conn(), actor, check_id)?;
    let (meta, content) = store::evidence_content(tx.conn(), &check.id, evidence_id)?
        .ok_or_else(|| AppError::not_found("添付ファイルが見つかりません", "No such file"))?;
    tx.record(
        Event::new("check.evidence_download")
            .target("check", &check.id)
            .after(&serde_json::json!({
                "evidence_id": meta.id, "question_id": meta.question_id,
                "file_name": meta.file_name, "size_bytes": meta.size_bytes,
                "sha256": meta.sha256,
            })),
    );
    Ok((meta, content))
}

// ---------------------------------------------------------------------------------------
// Issuing

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// Defaults to the periodic questionnaire for the engagement's kind and level.
    pub questionnaire_id: Option<String>,
    /// One of the vendor's contacts; defaults to the first.
    pub contact_id: Option<String>,
    /// `ja` (default) or `en`.
    pub contact_lang: Option<String>,
    /// YYYY-MM-DD, not before today; defaults to today + `check_due_days`.
    pub due_on: Option<String>,
}

/// The questionnaire named, or the periodic one for the engagement's kind and level.
fn questionnaire_for(
    f: &mut Fields,
    env: &Env,
    named: Option<&str>,
    kind: EngagementKind,
    level: ClassificationLevel,
) -> Option<Definition> {
    let Some(q) = named else {
        let found = env.questionnaires.periodic_for(kind, level).cloned();
        if found.is_none() {
            f.push(
                "questionnaire_id",
                "required",
                Msg::new(
                    "この案件の種別・格付に定期点検票がありません。点検票を指定してください",
                    "No periodic questionnaire is for this engagement's kind and level: name one",
                ),
            );
        }
        return found;
    };
    match env.questionnaires.get(q) {
        // The end-of-term attestation is sent when the engagement ends, with its items.
        Some(d) if d.purpose == Purpose::EndOfTerm => {
            f.push(
                "questionnaire_id",
                "not_applicable",
                Msg::new(
                    format!("{q} は委託の終了時に自動で送付されます"),
                    format!("{q} is sent by itself when the engagement ends"),
                ),
            );
            None
        }
        Some(d) if d.applies(kind, level) => Some(d.clone()),
        Some(_) => {
            f.push(
                "questionnaire_id",
                "not_applicable",
                Msg::new(
                    format!(
                        "点検票 {q} はこの案件（{}・{}）には使えません",
                        kind.as_str(),
                        level.as_str()
                    ),
                    format!(
                        "Questionnaire {q} is not for a {} engagement at {}",
                        kind.as_str(),
                        level.as_str()
                    ),
                ),
            );
            None
        }
        None => {
            f.push(
                "questionnaire_id",
                "unknown",
                Msg::new(
                    format!("点検票 {q} はありません"),
                    format!("There is no questionnaire {q}"),
                ),
            );
            None
        }
    }
}

/// The contact named, or the vendor's first.
fn contact_for(
    f: &mut Fields,
    conn: &mut DbConnection,
    vendor_id: &str,
    named: Option<&str>,
) -> AppResult<Option<crate::db::vendors::Contact>> {
    let contacts = vendors::get(conn, vendor_id)?
        .map(|v| v.contacts)
        .unwrap_or_default();
    Ok(match named {
        Some(c) => {
            let found = contacts.into_iter().find(|x| x.id == c);
            if found.is_none() {
                f.push(
                    "contact_id",
                    "unknown",
                    Msg::new(
                        "この事業者の連絡先ではありません",
                        "Not one of this vendor's contacts",
                    ),
                );
            }
            found
        }
        None => {
            let first = contacts.into_iter().min_by_key(|c| c.position);
            if first.is_none() {
                f.push(
                    "contact_id",
                    "no_contact",
                    Msg::new(
                        "事業者に連絡先が登録されていません。先に連絡先を登録してください",
                        "The vendor has no contact on record: add one first",
                    ),
                );
            }
            first
        }
    })
}

/// What a person sending a check may choose from: the vendor's contacts (the first is the
/// default), the questionnaires for the engagement's kind and level (the periodic one
/// first), and the due date the check takes when none is given.
#[derive(Debug, Serialize)]
pub struct IssueChoices {
    pub contacts: Vec<ContactChoice>,
    pub questionnaires: Vec<QuestionnaireRef>,
    pub default_due_on: NaiveDate,
}

#[derive(Debug, Serialize)]
pub struct ContactChoice {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// The choices of `issue` for this engagement, for the person who may send its checks.
pub fn issue_choices(
    conn: &mut DbConnection,
    env: &Env,
    actor: &Actor,
    engagement_id: &str,
    today: NaiveDate,
) -> AppResult<IssueChoices> {
    let engagement = load_changeable(conn, actor, engagement_id)?;
    let kind = engagement.kind();
    let level = engagement.level().unwrap_or(ClassificationLevel::L1);
    let mut contacts = vendors::get(conn, &engagement.vendor_id)?
        .map(|v| v.contacts)
        .unwrap_or_default();
    contacts.sort_by_key(|c| c.position);
    let periodic = env.questionnaires.periodic_for(kind, level).map(|d| &d.id);
    let mut questionnaires: Vec<&Definition> = env
        .questionnaires
        .all()
        .filter(|d| d.purpose != Purpose::EndOfTerm && d.applies(kind, level))
        .collect();
    questionnaires.sort_by_key(|d| Some(&d.id) != periodic);
    Ok(IssueChoices {
        contacts: contacts
            .into_iter()
            .map(|c| ContactChoice {
                id: c.id,
                name: c.name,
                email: c.email,
            })
            .collect(),
        questionnaires: questionnaires
            .into_iter()
            .map(|d| QuestionnaireRef {
                id: d.id.clone(),
                version: d.version as i32,
                title: d.title.clone(),
            })
            .collect(),
        default_due_on: today + chrono::Days::new(u64::from(env.config.checks.due_days)),
    })
}

/// Sends a questionnaire to a vendor contact: the check, and an email with a new portal
/// link. 409 when a check of that questionnaire is already open for the engagement.
pub fn issue(
    tx: &mut Tx,
    env: &Env,
    actor: &Actor,
    engagement_id: &str,
    body: IssueBody,
) -> AppResult<CheckResponse> {
    let (now, today) = (tx.now().naive_utc(), tx.today());
    let mut f = Fields::new();
    let lang = match body.contact_lang.as_deref() {
        None => Some(Lang::Ja),
        Some(l) => {
            let lang = Lang::parse(l);
            if lang.is_none() {
                f.push(
                    "contact_lang",
                    "invalid",
                    Msg::new("ja か en を指定してください", "Must be ja or en"),
                );
            }
            lang
        }
    };
    let due_on = f
        .check_opt("due_on", body.due_on.as_deref().map(parse_iso_date))
        .flatten();
    if let Some(d) = due_on.filter(|d| *d < today) {
        f.push(
            "due_on",
            "in_the_past",
            Msg::new(
                format!("回答期限（{d}）が今日（{today}）より前です"),
                format!("The due date ({d}) is before today ({today})"),
            ),
        );
    }
    let engagement = load_changeable(tx.conn(), actor, engagement_id)?;
    let kind = engagement.kind();
    // An engagement not yet classified is checked as the lowest level until it is.
    let level = engagement.level().unwrap_or(ClassificationLevel::L1);
    let definition = questionnaire_for(&mut f, env, body.questionnaire_id.as_deref(), kind, level);
    let contact = contact_for(
        &mut f,
        tx.conn(),
        &engagement.vendor_id,
        body.contact_id.as_deref(),
    )?;
    f.finish()?;
    let (Some(definition), Some(contact), Some(lang)) = (definition, contact, lang) else {
        return Err(AppError::Internal(
            "a refused field passed the field check".into(),
        ));
    };
    let due_on = due_on.unwrap_or(today + chrono::Days::new(u64::from(env.config.checks.due_days)));
    let ctx = super::context(tx.conn(), &engagement.id)?;
    let contact = Contact {
        name: contact.name,
        email: contact.email,
        lang,
    };
    let request = super::Request {
        definition: &definition,
        contact: &contact,
        due_on,
        issued_by: Some(&actor.user_id),
    };
    let issued = super::issue(tx, env, &ctx, &request)?.ok_or_else(|| AppError::Conflict {
        message: Msg::new(
            format!(
                "この案件には未完了の点検（{}）が既にあります",
                definition.title.ja
            ),
            format!(
                "This engagement already has an open check of {}",
                definition.title.en
            ),
        ),
        allowed: vec![],
    })?;
    detail(tx.conn(), issued, &engagement, now, today)
}

// ---------------------------------------------------------------------------------------
// Review and links

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `accept` or `return`.
    pub decision: Option<String>,
    /// At most 4,000 characters; a return needs this or a question comment.
    pub comment: Option<String>,
    /// For a return: question id → what to correct.
    pub question_comments: Option<BTreeMap<String, String>>,
}

/// The decision a review body asks for, every problem with it reported at once.
fn parse_decision(body: ReviewBody) -> AppResult<Decision> {
    let mut f = Fields::new();
    let comment = f
        .check_opt(
            "comment",
            body.comment
                .as_deref()
                .map(|c| BoundedText::parse_allow_empty(c, 4000)),
        )
        .flatten()
        .map(BoundedText::into_inner)
        .unwrap_or_default();
    let mut question_comments = BTreeMap::new();
    for (q, text) in body.question_comments.unwrap_or_default() {
        let field = format!("question_comments.{q}");
        if let Some(t) = f.check(&field, BoundedText::parse_allow_empty(&text, 4000)) {
            if !t.as_str().is_empty() {
                question_comments.insert(q, t.into_inner());
            }
        }
    }
    let decision = match body.decision.as_deref() {
        None => {
            f.required("decision");
            None
        }
        Some("accept") => Some(Decision::Accept { comment }),
        Some("return") => {
            if comment.is_empty() && question_comments.is_empty() {
                f.push(
                    "comment",
                    "required",
                    Msg::new(
                        "差戻しには、全体又は設問ごとのコメントを記入してください",
                        "A return needs a comment, overall or on a question",
                    ),
                );
            }
            Some(Decision::Return {
                comment,
                question_comments,
            })
        }
        Some(_) => {
            f.push(
                "decision",
                "invalid",
                Msg::new(
                    "accept か return を指定してください",
                    "Must be accept or return",
                ),
            );
            None
        }
    };
    f.finish()?;
    decision.ok_or_else(|| AppError::Internal("a refused decision passed the field check".into()))
}

/// Accepts a submitted check (its periodic obligations are met and every non-conforming
/// answer becomes a finding) or returns it to the vendor for correction with a new link.
/// An accepted attestation of an engagement that ended early issues its completion record
/// at once: `terminated` is final, so there is no closing to wait for.
pub fn review(
    tx: &mut Tx,
    services: &crate::app::Services,
    actor: &Actor,
    check_id: &str,
    body: ReviewBody,
) -> AppResult<CheckResponse> {
    let env = &Env::of(services);
    let (now, today) = (tx.now().naive_utc(), tx.today());
    // Who may review comes before what the body says, as for every write.
    let (check, engagement) = load_check_to_change(tx.conn(), actor, check_id)?;
    if check.end_of_term {
        actor.authorize(Action::ConfirmEndOfTerm {
            role: engagement.kind().responsible_role(),
            division_id: &engagement.division_id,
        })?;
    }
    let decision = parse_decision(body)?;
    let reviewed = super::review(tx, env, &check.id, &decision, &actor.user_id)?;
    if reviewed.end_of_term
        && reviewed.state == CheckState::Accepted
        && engagement.status() == crate::domain::Status::Terminated
    {
        crate::app::completion_record::issue(tx, services, &engagement)?;
    }
    detail(tx.conn(), reviewed, &engagement, now, today)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedResponse {
    /// How many links stopped working.
    pub revoked: usize,
}

/// Revokes every link of the check and, with `send_new`, emails the contact a new one (a
/// lost or forwarded email; 409 once the check is submitted or accepted).
pub fn renew_links(
    tx: &mut Tx,
    env: &Env,
    actor: &Actor,
    check_id: &str,
    send_new: bool,
) -> AppResult<RevokedResponse> {
    let (check, _) = load_check_to_change(tx.conn(), actor, check_id)?;
    let revoked = super::renew_links(tx, env, &check.id, send_new)?;
    Ok(RevokedResponse { revoked })
}

// ---------------------------------------------------------------------------------------
// The engagement's interval

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntervalBody {
    /// Months between periodic checks, 1 to 60; null for the level's default.
    #[serde(default, deserialize_with = "crate::validate::present")]
    #[schema(value_type = Option<i64>)]
    pub months: Option<Option<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntervalResponse {
    /// The engagement's own interval; null when it follows its level.
    pub months: Option<i64>,
    /// The interval in force: its own, or the level's default.
    pub effective_months: i64,
}

/// The engagement's interval between checks as it stands.
pub fn interval(config: &Config, e: &EngagementRow) -> IntervalResponse {
    interval_of(config, e, e.check_interval_months.map(i64::from))
}

fn interval_of(config: &Config, e: &EngagementRow, months: Option<i64>) -> IntervalResponse {
    let level = e.level().unwrap_or(ClassificationLevel::L1);
    IntervalResponse {
        months,
        effective_months: months.unwrap_or(i64::from(
            config.rules.check_interval_months[level.rank() as usize - 1],
        )),
    }
}

/// Sets how often this engagement is checked when it should not follow its level's
/// default; null returns it to the default. The periodic obligations' due dates
/// follow at once.
pub fn set_interval(
    tx: &mut Tx,
    config: &Config,
    actor: &Actor,
    engagement_id: &str,
    body: IntervalBody,
) -> AppResult<IntervalResponse> {
    let mut f = Fields::new();
    let months = match body.months {
        None => {
            f.required("months");
            None
        }
        Some(None) => None,
        Some(Some(m)) if (1..=60).contains(&m) => Some(m),
        Some(Some(_)) => {
            f.push(
                "months",
                "invalid",
                Msg::new(
                    "1 から 60 までの整数（月数）か null を指定してください",
                    "Must be a whole number of months from 1 to 60, or null",
                ),
            );
            None
        }
    };
    f.finish()?;
    let engagement = load_changeable(tx.conn(), actor, engagement_id)?;
    let before = interval_of(
        config,
        &engagement,
        engagement.check_interval_months.map(i64::from),
    );
    store::set_interval(tx.conn(), engagement_id, months.map(|m| m as i16))?;
    let after = interval_of(config, &engagement, months);
    tx.record(
        Event::new("engagement.check_interval")
            .target("engagement", engagement_id)
            .before(&before)
            .after(&after),
    );
    Ok(after)
}
