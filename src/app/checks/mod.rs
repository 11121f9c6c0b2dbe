//! Periodic checks: issuing a questionnaire to a vendor
//! contact with a portal link, the vendor's drafts and signed submission, the officer's
//! review, and the findings that non-conforming answers become. The vendor portal, the
//! sweep and the officer's use cases (`officer`) call these inside their [`Tx`]; every
//! change records its audit event there.

pub mod evidence;
pub mod officer;
pub mod schedule;
pub mod token;
pub mod vendor;

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use super::Tx;
use crate::audit::{Event, Origin};
use crate::config::Config;
use crate::db::checks::{self as store, CheckRow, FindingRow, NewEvidence, ReviewRow, TokenRow};
use crate::db::engagements::EngagementRow;
use crate::db::{self, DbConnection};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
use crate::mail::format_due;
use crate::mail::templates::{
    CheckAcceptedContext, CheckRequestContext, CorrectionItem, EmailTemplates,
};
use crate::policy::checks::{self as life, CheckEvent, CheckState, Verdict};
use crate::questionnaires::answers::{self, Answer, AnswerProblem, AnswerSet, RawAnswer};
use crate::questionnaires::{Definition, Questionnaires};

/// What the check functions need from the service around them; "now" comes from the
/// transaction.
pub struct Env<'a> {
    pub config: &'a Config,
    /// What the writes recompute the changed engagements' obligations with.
    pub rules: super::obligations::ObligationRules,
    pub questionnaires: &'a Questionnaires,
    pub email: &'a EmailTemplates,
}

impl<'a> Env<'a> {
    pub fn of(services: &'a super::Services) -> Self {
        Env {
            config: &services.config,
            rules: services.obligation_rules(),
            questionnaires: &services.questionnaires,
            email: &services.email,
        }
    }

    /// The end of the organisation's day `date`, in UTC.
    fn end_of(&self, date: NaiveDate) -> NaiveDateTime {
        self.config.end_of_day(date)
    }

    /// A link works until the end of the grace period after its check's due date.
    fn link_expiry(&self, due_on: NaiveDate) -> NaiveDateTime {
        self.end_of(due_on + Days::new(u64::from(self.config.checks.link_grace_days)))
    }
}

/// The portal address of a token.
fn portal_link(config: &Config, token: &str) -> String {
    format!(
        "{}/portal/{token}",
        config.public_base_url.trim_end_matches('/')
    )
}

/// The parsed definition a check was sent with.
pub fn definition_of(check: &CheckRow) -> AppResult<Definition> {
    Definition::from_snapshot_json(&check.definition_json)
        .map_err(|e| AppError::Internal(format!("check {}: stored definition: {e}", check.id)))
}

pub use crate::questionnaires::answers::Signature;

/// The vendor contact a check is sent to.
#[derive(Debug, Clone)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub lang: Lang,
}

/// The engagement around a check, as emails and pages name it.
#[derive(Debug, Clone)]
pub struct Context {
    pub engagement: EngagementRow,
    pub vendor_name: String,
    pub officer_name: String,
}

pub fn context(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Context> {
    let engagement = db::engagements::find(conn, engagement_id)?
        .ok_or_else(|| AppError::Internal(format!("engagement {engagement_id} vanished")))?;
    let vendor_name = db::vendors::get(conn, &engagement.vendor_id)?
        .map(|v| v.vendor.legal_name)
        .unwrap_or_default();
    let officer_name = db::users::find(conn, &engagement.responsible_user_id)?
        .map(|u| u.display_name)
        .unwrap_or_default();
    Ok(Context {
        engagement,
        vendor_name,
        officer_name,
    })
}

/// The check as the audit log records it: no definition, no answers.
#[derive(Debug, Serialize)]
struct Audited<'a> {
    engagement_id: &'a str,
    questionnaire_id: &'a str,
    questionnaire_version: i32,
    contact_email: &'a str,
    state: &'a str,
    due_on: NaiveDate,
}

fn audited(c: &CheckRow) -> Audited<'_> {
    Audited {
        engagement_id: &c.engagement_id,
        questionnaire_id: &c.questionnaire_id,
        questionnaire_version: c.questionnaire_version,
        contact_email: &c.contact_email,
        state: c.state.as_str(),
        due_on: c.due_on,
    }
}

/// What to send, to whom, by when.
pub struct Request<'a> {
    pub definition: &'a Definition,
    pub contact: &'a Contact,
    pub due_on: NaiveDate,
    /// The officer who sent it by hand; `None` for the schedule.
    pub issued_by: Option<&'a str>,
}

/// Sends a questionnaire to a contact: the check, with the definition as it is now, and
/// an email with a new link. `None` when the engagement already has an open check of
/// this questionnaire.
pub fn issue(
    tx: &mut Tx,
    env: &Env,
    ctx: &Context,
    request: &Request,
) -> AppResult<Option<CheckRow>> {
    let Request {
        definition,
        contact,
        due_on,
        issued_by,
    } = *request;
    let now = tx.now().naive_utc();
    let row = CheckRow {
        id: db::new_id(),
        engagement_id: ctx.engagement.id.clone(),
        questionnaire_id: definition.id.clone(),
        questionnaire_version: definition.version as i32,
        definition_json: definition.snapshot_json(),
        meets_rules: definition.rules.join(" "),
        contact_name: contact.name.clone(),
        contact_email: contact.email.clone(),
        contact_lang: contact.lang,
        state: CheckState::Sent,
        issued_by: issued_by.map(str::to_string),
        issued_at: now,
        due_on,
        submitted_at: None,
        signed_name: None,
        signed_title: None,
        accepted_by: None,
        accepted_on: None,
        score_percent: None,
        scores_json: None,
        updated_at: now,
        end_of_term: definition.purpose == crate::questionnaires::Purpose::EndOfTerm,
    };
    if !store::insert(tx.conn(), &row)? {
        tx.leave_unchanged();
        return Ok(None);
    }
    send_link(tx.conn(), env, ctx, &row, None, None, now)?;
    tx.record(
        Event::new("check.issue")
            .target("check", &row.id)
            .after(&audited(&row)),
    );
    Ok(Some(row))
}

/// What a returned check's email says.
pub struct Correction<'a> {
    pub comment: &'a str,
    pub question_comments: &'a BTreeMap<String, String>,
}

/// Why a link is sent again on its own: 7 days before the due date, or on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    Soon,
    Due,
}

/// Creates a new link for the check and queues the email that carries it: the request,
/// a correction asked for, or a reminder.
fn send_link(
    conn: &mut DbConnection,
    env: &Env,
    ctx: &Context,
    check: &CheckRow,
    correction: Option<Correction>,
    reminder: Option<Reminder>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (plain, hash) = token::generate();
    let expires_at = env.link_expiry(check.due_on);
    store::insert_token(
        conn,
        &TokenRow {
            id: db::new_id(),
            check_id: check.id.clone(),
            token_hash: hash,
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        },
    )?;
    let lang = check.contact_lang;
    let definition = definition_of(check)?;
    let expires_on = env
        .config
        .date_at(expires_at.and_utc() - chrono::Duration::seconds(1));
    let mail = CheckRequestContext {
        organization: env.config.organization_name.clone(),
        contact_name: check.contact_name.clone(),
        vendor_name: ctx.vendor_name.clone(),
        engagement_title: ctx.engagement.title.clone(),
        questionnaire_title: definition.title.get(lang).to_string(),
        due_on: format_due(lang, check.due_on),
        link: portal_link(env.config, &plain),
        link_expires_on: format_due(lang, expires_on),
        returned: correction.is_some(),
        comment: correction
            .as_ref()
            .map(|c| c.comment.to_string())
            .filter(|c| !c.is_empty()),
        corrections: correction
            .map(|c| {
                c.question_comments
                    .iter()
                    .map(|(q, text)| CorrectionItem {
                        question_id: q.clone(),
                        comment: text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        officer_name: ctx.officer_name.clone(),
        end_of_term: check.end_of_term,
        reminder_soon: reminder == Some(Reminder::Soon),
        reminder_due: reminder == Some(Reminder::Due),
    };
    let rendered = env
        .email
        .render_check_request(lang, &mail)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    queue_to_contact(conn, check, lang, &rendered, now)
}

fn queue_to_contact(
    conn: &mut DbConnection,
    check: &CheckRow,
    lang: Lang,
    rendered: &crate::mail::RenderedEmail,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::app::outbox::queue_to_contact(
        conn,
        (&check.contact_name, &check.contact_email),
        lang,
        rendered,
        now,
    )
}

/// The check a portal token opens, when the token is live.
pub fn open(
    conn: &mut DbConnection,
    plain: &str,
    now: NaiveDateTime,
) -> AppResult<Option<(TokenRow, CheckRow)>> {
    if !token::well_formed(plain) {
        return Ok(None);
    }
    let Some(t) = store::find_token(conn, &token::hash(plain))? else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || t.expires_at <= now {
        return Ok(None);
    }
    let Some(check) = store::find(conn, &t.check_id)? else {
        return Ok(None);
    };
    Ok(Some((t, check)))
}

/// The stored answers, as a form shows them.
pub fn raw_answers(
    conn: &mut DbConnection,
    check_id: &str,
) -> AppResult<BTreeMap<String, RawAnswer>> {
    Ok(stored_answers(conn, check_id)?
        .into_iter()
        .map(|(q, a)| (q, a.to_raw()))
        .collect())
}

pub fn stored_answers(
    conn: &mut DbConnection,
    check_id: &str,
) -> AppResult<BTreeMap<String, Answer>> {
    store::answers(conn, check_id)?
        .into_iter()
        .map(|(q, json)| {
            serde_json::from_str::<Answer>(&json)
                .map(|a| (q, a))
                .map_err(|e| AppError::Internal(format!("check {check_id}: stored answer: {e}")))
        })
        .collect()
}

/// One uploaded file, as the form sent it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub question_id: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    Save,
    Submit,
}

/// What the vendor sent from the check page.
#[derive(Debug, Clone)]
pub struct Form {
    pub answers: BTreeMap<String, RawAnswer>,
    pub uploads: Vec<Upload>,
    /// An evidence file to remove.
    pub delete: Option<String>,
    pub action: FormAction,
    pub signature: Signature,
}

/// What became of the form.
#[derive(Debug)]
pub enum Saved {
    Draft,
    Submitted,
    /// Submitted before: nothing changed.
    AlreadySubmitted,
    /// Submitted or accepted: answers can no longer change.
    ReadOnly,
    /// Nothing was written: the answers or files listed are not acceptable.
    Invalid {
        problems: Vec<AnswerProblem>,
        fields: Vec<(String, Msg)>,
    },
    /// The draft was saved but it cannot be submitted until these are fixed.
    Incomplete {
        problems: Vec<AnswerProblem>,
        fields: Vec<(String, Msg)>,
    },
}

/// Takes the check's row lock (PostgreSQL) or the write lock (SQLite) and reads it
/// afresh, so concurrent saves of one check apply one after the other.
fn lock(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<CheckRow> {
    store::touch(conn, id, now)?;
    store::find(conn, id)?.ok_or_else(|| AppError::not_found("点検がありません", "No such check"))
}

fn accepts_files(definition: &Definition, question_id: &str) -> bool {
    definition.question(question_id).is_some_and(|(_, q)| {
        q.answer == crate::questionnaires::AnswerType::File || q.evidence_for_yes
    })
}

fn signature_problems(s: &Signature) -> Vec<(String, Msg)> {
    let mut out = Vec::new();
    let mut need = |field: &str, value: &str, ja: &str, en: &str| {
        let len = value.trim().chars().count();
        if len == 0 {
            out.push((field.to_string(), Msg::new(ja, en)));
        } else if len > 200 {
            out.push((
                field.to_string(),
                Msg::new("200文字以内で入力してください", "At most 200 characters"),
            ));
        }
    };
    need(
        "signed_name",
        &s.name,
        "申告者の氏名を入力してください",
        "Enter the name of the person making the declaration",
    );
    need(
        "signed_title",
        &s.title,
        "申告者の役職を入力してください",
        "Enter the title of the person making the declaration",
    );
    if !s.declared {
        out.push((
            "declaration".to_string(),
            Msg::new(
                "回答が事実に相違ないことの申告にチェックしてください",
                "Tick the declaration that the answers are true",
            ),
        ));
    }
    out
}

/// Saves the vendor's form: answers, new files and a removed file in one transaction,
/// then, when asked, the signed submission. Nothing is written when an answer or a file
/// is not acceptable.
pub fn save(tx: &mut Tx, env: &Env, check_id: &str, form: &Form) -> AppResult<Saved> {
    let now = tx.now().naive_utc();
    let mut events = Vec::new();
    let saved = save_in(tx.conn(), env, now, check_id, form, &mut events)?;
    record_or_leave(tx, events);
    Ok(saved)
}

/// Records the events of a use case's work, or, when there are none, leaves the database
/// as it was (the work decided to change nothing).
fn record_or_leave(tx: &mut Tx, events: Vec<Event>) {
    if events.is_empty() {
        tx.leave_unchanged();
    }
    for e in events {
        tx.record(e);
    }
}

/// An answer or score as stored; serializing these plain structures cannot fail, but if
/// it did the write is refused rather than storing an empty value.
fn to_json<T: Serialize>(value: &T, what: &str) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(format!("storing {what}: {e}")))
}

fn save_in(
    conn: &mut DbConnection,
    env: &Env,
    now: NaiveDateTime,
    check_id: &str,
    form: &Form,
    events: &mut Vec<Event>,
) -> AppResult<Saved> {
    let check = lock(conn, check_id, now)?;
    let state = check.state;
    let event = match form.action {
        FormAction::Save => CheckEvent::SaveDraft,
        FormAction::Submit => CheckEvent::Submit,
    };
    match life::next(state, event) {
        Ok(_) if state == CheckState::Submitted => return Ok(Saved::AlreadySubmitted),
        Ok(_) => {}
        Err(_) => return Ok(Saved::ReadOnly),
    }
    let definition = definition_of(&check)?;
    let limits = &env.config.checks;

    // Files first: their problems are reported with the answers'.
    let existing = store::evidence(conn, &check.id)?;
    let mut fields = Vec::new();
    let mut accepted = Vec::new();
    for u in &form.uploads {
        if !accepts_files(&definition, &u.question_id) {
            fields.push((
                format!("file.{}", u.question_id),
                Msg::new(
                    format!("設問 {} にはファイルを添付できません", u.question_id),
                    format!("Question {} takes no files", u.question_id),
                ),
            ));
            continue;
        }
        match evidence::accept(&u.file_name, &u.content, limits.evidence_max_bytes) {
            Ok(a) => accepted.push((u, a)),
            Err(m) => fields.push((format!("file.{}", u.question_id), m)),
        }
    }
    let deleted = form
        .delete
        .as_deref()
        .filter(|id| existing.iter().any(|e| e.id == *id));
    let remaining = existing.len() - usize::from(deleted.is_some());
    if remaining + accepted.len() > limits.evidence_max_files {
        fields.push((
            "files".to_string(),
            Msg::new(
                format!(
                    "添付できるファイルは1件の点検につき{}件までです",
                    limits.evidence_max_files
                ),
                format!("A check holds at most {} files", limits.evidence_max_files),
            ),
        ));
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for e in existing.iter().filter(|e| Some(e.id.as_str()) != deleted) {
        *counts.entry(e.question_id.clone()).or_default() += 1;
    }
    for (u, _) in &accepted {
        *counts.entry(u.question_id.clone()).or_default() += 1;
    }
    let set = match answers::parse_all(&definition, &form.answers, &counts) {
        Ok(set) if fields.is_empty() => set,
        Ok(_) => {
            return Ok(Saved::Invalid {
                problems: vec![],
                fields,
            })
        }
        Err(problems) => return Ok(Saved::Invalid { problems, fields }),
    };

    // The draft.
    if let Some(id) = deleted {
        store::delete_evidence(conn, &check.id, id)?;
    }
    for (u, a) in &accepted {
        store::insert_evidence(
            conn,
            &NewEvidence {
                id: db::new_id(),
                check_id: check.id.clone(),
                question_id: u.question_id.clone(),
                file_name: a.file_name.clone(),
                media_type: a.media_type.to_string(),
                size_bytes: u.content.len() as i64,
                sha256: a.sha256.clone(),
                content: u.content.clone(),
                uploaded_at: now,
            },
        )?;
    }
    let stored: BTreeMap<String, String> = set
        .answers
        .iter()
        .map(|(q, a)| Ok((q.clone(), to_json(a, "an answer")?)))
        .collect::<AppResult<_>>()?;
    store::replace_answers(conn, &check.id, &stored, now)?;
    let open: Vec<&str> = [
        CheckState::Sent,
        CheckState::InProgress,
        CheckState::Returned,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    store::set_state(conn, &check.id, &open, CheckState::InProgress.as_str(), now)?;
    let files: Vec<serde_json::Value> = accepted
        .iter()
        .map(|(u, a)| {
            serde_json::json!({
                "question_id": u.question_id, "file_name": a.file_name,
                "size_bytes": u.content.len(), "sha256": a.sha256,
            })
        })
        .collect();
    events.push(
        Event::new("check.save_draft")
            .target("check", &check.id)
            .after(&serde_json::json!({
                "answers": set.answers.len(),
                "files_added": files,
                "file_removed": deleted,
            })),
    );
    if form.action == FormAction::Save {
        return Ok(Saved::Draft);
    }

    // The submission.
    let mut problems = answers::check_complete(&definition, &set);
    if check.end_of_term {
        // What the Standard refuses in an attestation.
        let starts_on = db::engagements::find(conn, &check.engagement_id)?
            .map_or(check.issued_at.date(), |e| e.starts_on);
        let term = crate::policy::end_of_term::Term {
            starts_on,
            today: env.config.date_at(now.and_utc()),
        };
        problems.extend(crate::questionnaires::attestation::problems(
            &definition,
            &set,
            term,
        ));
    }
    let fields = signature_problems(&form.signature);
    if !problems.is_empty() || !fields.is_empty() {
        return Ok(Saved::Incomplete { problems, fields });
    }
    let name = form.signature.name.trim();
    let title = form.signature.title.trim();
    store::set_state(
        conn,
        &check.id,
        &[CheckState::InProgress.as_str()],
        CheckState::Submitted.as_str(),
        now,
    )?;
    store::record_submission(conn, &check.id, name, title, now)?;
    events.push(
        Event::new("check.submit")
            .target("check", &check.id)
            .after(&serde_json::json!({
                "signed_name": name, "signed_title": title, "answers": set.answers.len(),
            })),
    );
    Ok(Saved::Submitted)
}

/// The officer's decision on a submitted check.
#[derive(Debug, Clone)]
pub enum Decision {
    Accept {
        comment: String,
    },
    Return {
        comment: String,
        question_comments: BTreeMap<String, String>,
    },
}

/// Per-section scores and the overall score of an accepted check, as stored.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StoredScores {
    pub sections: Vec<StoredSectionScore>,
    pub overall: StoredScore,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StoredScore {
    pub scored: usize,
    pub conforming: usize,
    pub percent: Option<u32>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StoredSectionScore {
    pub section: String,
    pub scored: usize,
    pub conforming: usize,
    pub percent: Option<u32>,
}

fn stored_scores(a: &answers::Assessment) -> StoredScores {
    let score = |s: &answers::Score| StoredScore {
        scored: s.scored,
        conforming: s.conforming,
        percent: s.percent,
    };
    StoredScores {
        sections: a
            .sections
            .iter()
            .map(|s| {
                let StoredScore {
                    scored,
                    conforming,
                    percent,
                } = score(&s.score);
                StoredSectionScore {
                    section: s.section.as_str().to_string(),
                    scored,
                    conforming,
                    percent,
                }
            })
            .collect(),
        overall: score(&a.overall),
    }
}

/// Accepts or returns a submitted check. Accepting meets its periodic obligations (the
/// definition's rules) and turns every non-conforming answer into a finding owned by the
/// engagement's responsible officer; returning emails the vendor a link that works again.
pub fn review(
    tx: &mut Tx,
    env: &Env,
    check_id: &str,
    decision: &Decision,
    reviewer_id: &str,
) -> AppResult<CheckRow> {
    let (now, today) = (tx.now().naive_utc(), tx.today());
    let mut events = Vec::new();
    let reviewed = review_in(
        tx.conn(),
        env,
        (now, today),
        check_id,
        decision,
        reviewer_id,
        &mut events,
    )?;
    record_or_leave(tx, events);
    if reviewed.end_of_term && reviewed.state == CheckState::Accepted {
        crate::app::end_of_term::accepted(tx, &reviewed, reviewer_id)?;
    }
    Ok(reviewed)
}

fn review_in(
    conn: &mut DbConnection,
    env: &Env,
    (now, today): (NaiveDateTime, NaiveDate),
    check_id: &str,
    decision: &Decision,
    reviewer_id: &str,
    events: &mut Vec<Event>,
) -> AppResult<CheckRow> {
    let check = lock(conn, check_id, now)?;
    let state = check.state;
    let event = match decision {
        Decision::Accept { .. } => CheckEvent::Accept,
        Decision::Return { .. } => CheckEvent::Return,
    };
    if life::next(state, event).is_err() {
        return Err(AppError::Conflict {
            message: Msg::new(
                "提出済みの点検だけが承認・差戻しできます",
                "Only a submitted check can be accepted or returned",
            ),
            allowed: vec![],
        });
    }
    let definition = definition_of(&check)?;
    let ctx = context(conn, &check.engagement_id)?;
    let (comment, question_comments) = match decision {
        Decision::Accept { comment } => (comment.clone(), BTreeMap::new()),
        Decision::Return {
            comment,
            question_comments,
        } => (comment.clone(), question_comments.clone()),
    };
    let unknown: Vec<FieldError> = question_comments
        .keys()
        .filter(|q| definition.question(q).is_none())
        .map(|q| {
            FieldError::new(
                format!("question_comments.{q}"),
                "unknown_question",
                Msg::new(
                    format!("設問 {q} はこの点検票にありません"),
                    format!("There is no question {q} in this questionnaire"),
                ),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::Validation(unknown));
    }
    if check.end_of_term && matches!(decision, Decision::Accept { .. }) {
        crate::app::end_of_term::check_findings_settled(conn, &check.engagement_id)?;
    }
    store::insert_review(
        conn,
        &ReviewRow {
            id: db::new_id(),
            check_id: check.id.clone(),
            decision: match decision {
                Decision::Accept { .. } => Verdict::Accept,
                Decision::Return { .. } => Verdict::Return,
            },
            comment: comment.clone(),
            question_comments: to_json(&question_comments, "review comments")?,
            reviewed_by: reviewer_id.to_string(),
            reviewed_at: now,
        },
    )?;
    let lang = check.contact_lang;
    match decision {
        Decision::Accept { .. } => {
            let stored = stored_answers(conn, &check.id)?;
            let mut evidence_counts = BTreeMap::new();
            for e in store::evidence(conn, &check.id)? {
                *evidence_counts.entry(e.question_id).or_default() += 1;
            }
            let assessment = answers::assess(
                &definition,
                &AnswerSet {
                    answers: stored,
                    evidence: evidence_counts,
                },
            );
            let due = today + Days::new(u64::from(env.config.checks.finding_due_days));
            let rows: Vec<FindingRow> = assessment
                .non_conformities
                .iter()
                .map(|n| -> AppResult<FindingRow> {
                    Ok(FindingRow {
                        id: db::new_id(),
                        check_id: check.id.clone(),
                        engagement_id: check.engagement_id.clone(),
                        question_id: n.question_id.clone(),
                        section: n.section.as_str().to_string(),
                        rules: n.rules.join(" "),
                        answer_json: to_json(&n.answer, "a finding's answer")?,
                        corrective_action: String::new(),
                        owner_user_id: ctx.engagement.responsible_user_id.clone(),
                        due_on: due,
                        state: crate::policy::findings::FindingState::Open,
                        risk_reason: None,
                        risk_approved_by: None,
                        closed_at: None,
                        created_at: now,
                        updated_at: now,
                    })
                })
                .collect::<AppResult<_>>()?;
            store::insert_findings(conn, &rows)?;
            let scores = stored_scores(&assessment);
            store::set_state(
                conn,
                &check.id,
                &[CheckState::Submitted.as_str()],
                CheckState::Accepted.as_str(),
                now,
            )?;
            store::record_acceptance(
                conn,
                &check.id,
                reviewer_id,
                today,
                scores.overall.percent.map(|p| p as i32),
                &to_json(&scores, "scores")?,
            )?;
            // The links stay for reading, but the check is final.
            let mail = CheckAcceptedContext {
                organization: env.config.organization_name.clone(),
                contact_name: check.contact_name.clone(),
                vendor_name: ctx.vendor_name.clone(),
                engagement_title: ctx.engagement.title.clone(),
                questionnaire_title: definition.title.get(lang).to_string(),
                findings_count: rows.len(),
                officer_name: ctx.officer_name.clone(),
            };
            let rendered = env
                .email
                .render_check_accepted(lang, &mail)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            queue_to_contact(conn, &check, lang, &rendered, now)?;
            events.push(
                Event::new("check.accept")
                    .target("check", &check.id)
                    .before(&audited(&check))
                    .after(&serde_json::json!({
                        "comment": comment, "findings": rows.len(), "scores": scores,
                        "meets_rules": check.meets_rules,
                    })),
            );
        }
        Decision::Return { .. } => {
            store::set_state(
                conn,
                &check.id,
                &[CheckState::Submitted.as_str()],
                CheckState::Returned.as_str(),
                now,
            )?;
            // The vendor gets at least the review period again to correct it.
            let due_on = check
                .due_on
                .max(today + Days::new(u64::from(env.config.checks.review_days)));
            store::set_due_on(conn, &check.id, due_on)?;
            store::extend_tokens(conn, &check.id, env.link_expiry(due_on))?;
            let mut updated = check.clone();
            updated.due_on = due_on;
            send_link(
                conn,
                env,
                &ctx,
                &updated,
                Some(Correction {
                    comment: &comment,
                    question_comments: &question_comments,
                }),
                None,
                now,
            )?;
            events.push(
                Event::new("check.return")
                    .target("check", &check.id)
                    .before(&audited(&check))
                    .after(&serde_json::json!({
                        "comment": comment, "question_comments": question_comments,
                        "due_on": due_on,
                    })),
            );
        }
    }
    store::find(conn, &check.id)?.ok_or_else(|| AppError::Internal("check vanished".into()))
}

/// The sweep's reminders to vendors: each check or attestation not yet submitted is
/// reminded of 7 days before its due date and on it, once per stage, each time with a
/// new link (`policy::checks::vendor_reminder`). Returns how many were sent (in a dry
/// run: would be).
pub fn remind_vendors(
    conn: &mut DbConnection,
    env: &Env,
    now: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<usize> {
    let today = env.config.date_at(now);
    let grace = env.config.checks.link_grace_days;
    let due: Vec<(String, life::VendorReminder)> = store::open_checks(conn)?
        .into_iter()
        .filter_map(|c| {
            life::vendor_reminder(c.state, c.due_on, grace, today).map(|stage| (c.id, stage))
        })
        .collect();
    if dry_run {
        return Ok(due.len());
    }
    let origin = Origin::system("system");
    let mut sent = 0;
    for (id, stage) in due {
        let reminded = super::write_on(conn, Some(&env.rules), now, today, &origin, |tx| {
            let at = tx.now().naive_utc();
            if !store::record_reminder(tx.conn(), &id, stage.as_str(), at)? {
                tx.leave_unchanged();
                return Ok(false);
            }
            let check = lock(tx.conn(), &id, at)?;
            let ctx = context(tx.conn(), &check.engagement_id)?;
            let reminder = match stage {
                life::VendorReminder::Soon => Reminder::Soon,
                life::VendorReminder::Due => Reminder::Due,
            };
            send_link(tx.conn(), env, &ctx, &check, None, Some(reminder), at)?;
            tx.record(
                Event::new("check.vendor_reminder")
                    .target("check", &check.id)
                    .after(&serde_json::json!({ "stage": stage.as_str(), "due_on": check.due_on })),
            );
            Ok(true)
        })?;
        sent += usize::from(reminded);
    }
    Ok(sent)
}

/// Revokes every live link of a check and, when asked, emails a new one.
pub fn renew_links(tx: &mut Tx, env: &Env, check_id: &str, send_new: bool) -> AppResult<usize> {
    let now = tx.now().naive_utc();
    let conn = tx.conn();
    let check = lock(conn, check_id, now)?;
    let revoked = store::revoke_tokens(conn, &check.id, now)?;
    if send_new {
        if !check.state.open_to_vendor() {
            return Err(AppError::Conflict {
                message: Msg::new(
                    "提出済み・承認済みの点検には新しいリンクを送りません",
                    "A submitted or accepted check gets no new link",
                ),
                allowed: vec![],
            });
        }
        let ctx = context(conn, &check.engagement_id)?;
        send_link(conn, env, &ctx, &check, None, None, now)?;
    }
    tx.record(
        Event::new(if send_new {
            "check.link_renew"
        } else {
            "check.link_revoke"
        })
        .target("check", &check.id)
        .after(&serde_json::json!({ "revoked": revoked, "new_link_sent": send_new })),
    );
    Ok(revoked)
}

/// Sends every periodic check due today (see [`schedule`]), each in its own transaction;
/// returns how many were sent. With `dry_run`, only counts them. An engagement whose
/// vendor has no contact on record gets none: its obligation stays open and overdue, and
/// its officer is reminded of it.
pub fn issue_due(
    conn: &mut DbConnection,
    env: &Env,
    now: DateTime<Utc>,
    catalog: &crate::clauses::Catalog,
    dry_run: bool,
) -> AppResult<usize> {
    let today = env.config.date_at(now);
    // Only engagements with a periodic check's obligation coming due are read in full:
    // the stored obligations tell which, so the cost follows what is due.
    let horizon = today + Days::new(u64::from(env.config.checks.due_days));
    let mut rule_ids: Vec<String> = Vec::new();
    for kind in crate::domain::EngagementKind::ALL {
        for level in crate::domain::ClassificationLevel::ALL {
            if let Some(d) = env.questionnaires.periodic_for(*kind, level) {
                rule_ids.extend(d.rules.iter().cloned());
            }
        }
    }
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let candidates = db::obligations::engagements_with_due(
        conn,
        &rule_ids,
        &[
            crate::domain::Status::Contracted.as_str(),
            crate::domain::Status::Active.as_str(),
        ],
        today,
        horizon,
    )?;
    let open = store::open_questionnaires(conn)?;
    // An engagement whose periodic check is out already needs no second one: skipped
    // before its facts are read (`schedule::due` decides again for the rest).
    let candidates: Vec<String> = db::engagements::classes(conn, &candidates)?
        .into_iter()
        .filter(|e| {
            let level = e.level().unwrap_or(crate::domain::ClassificationLevel::L1);
            env.questionnaires
                .periodic_for(e.kind, level)
                .is_some_and(|d| !open.contains(&(e.id.clone(), d.id.clone())))
        })
        .map(|e| e.id)
        .collect();
    let origin = Origin::system("system");
    let due_on = today + Days::new(u64::from(env.config.checks.due_days));
    let mut sent = 0;
    // A slice of engagements at a time, so that memory does not grow with the backlog.
    for chunk in candidates.chunks(500) {
        let loaded = crate::db::facts::load(
            conn,
            &crate::policy::access::Visibility::All,
            &crate::db::facts::FactsScope {
                engagement_ids: Some(chunk.to_vec()),
                ..Default::default()
            },
        )?;
        let due = schedule::due(
            &loaded,
            &open,
            env.questionnaires,
            catalog,
            env.config,
            today,
        );
        if dry_run {
            sent += due.len();
            continue;
        }
        for d in due {
            let e = &d.facts.engagement;
            let contact = db::vendors::get(conn, &e.vendor_id)?
                .and_then(|v| v.contacts.into_iter().min_by_key(|c| c.position));
            let Some(contact) = contact else {
                tracing::warn!(engagement = %e.id, "periodic check not sent: the vendor has no contact");
                continue;
            };
            let contact = Contact {
                name: contact.name,
                email: contact.email,
                lang: Lang::Ja,
            };
            let issued = super::write_on(conn, Some(&env.rules), now, today, &origin, |tx| {
                let ctx = context(tx.conn(), &e.id)?;
                issue(
                    tx,
                    env,
                    &ctx,
                    &Request {
                        definition: d.definition,
                        contact: &contact,
                        due_on,
                        issued_by: None,
                    },
                )
            })?;
            sent += usize::from(issued.is_some());
        }
    }
    Ok(sent)
}
