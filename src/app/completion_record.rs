//! The completion record (終了確認書): issued in the transaction that closes an
//! engagement, from what the vendor attested and who confirmed and approved it, in both
//! languages as printable HTML and Word; kept as issued, with the hashes of its files in
//! the audit log, and downloaded as it was issued.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::checks::{definition_of, stored_answers};
use super::Tx;
use crate::audit::Event;
use crate::clauses::document::format_date;
use crate::clauses::{CompletionFacts, Format, RecordItem};
use crate::db::checks::{self as check_store, CheckRow};
use crate::db::completion_records::{self as store, CompletionRecord};
use crate::db::engagements::{self as engagements, EngagementRow};
use crate::db::{approvals, divisions, users, vendors, DbConnection};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::policy::access::Actor;
use crate::policy::approvals::{ApprovalRule, ApprovalState};
use crate::policy::checks::CheckState;
use crate::questionnaires::answers::Answer;
use crate::questionnaires::attestation::{self, ItemSection};
use crate::questionnaires::Definition;

fn user_name(conn: &mut DbConnection, id: Option<&str>) -> AppResult<String> {
    Ok(match id {
        Some(id) => users::find(conn, id)?
            .map(|u| u.display_name)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// An answer as the record writes it: a choice by its label, a date in the record's form.
fn said(
    def: &Definition,
    answers: &std::collections::BTreeMap<String, Answer>,
    id: &str,
    lang: Lang,
) -> String {
    let Some(answer) = answers.get(id) else {
        return String::new();
    };
    match answer {
        Answer::Choice(v) => def
            .question(id)
            .and_then(|(_, q)| q.choice(v))
            .map_or_else(|| v.clone(), |c| c.label(lang).to_string()),
        Answer::YesNoNa(v) => match (v.as_str(), lang) {
            ("yes", Lang::Ja) => "はい".into(),
            ("no", Lang::Ja) => "いいえ".into(),
            (_, Lang::Ja) => "該当なし".into(),
            ("yes", Lang::En) => "Yes".into(),
            ("no", Lang::En) => "No".into(),
            (_, Lang::En) => "Not applicable".into(),
        },
        Answer::Text(t) => t.clone(),
        Answer::Date(d) => format_date(*d, lang),
        Answer::Number(n) => n.to_string(),
        Answer::Choices(vs) => vs.join(", "),
        Answer::File => String::new(),
    }
}

fn joined(parts: &[String], lang: Lang) -> String {
    let parts: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    parts.join(lang.pick("、", ", "))
}

fn item(
    def: &Definition,
    answers: &std::collections::BTreeMap<String, Answer>,
    files: &[crate::db::checks::EvidenceMeta],
    section: &ItemSection,
    number: usize,
    lang: Lang,
) -> RecordItem {
    let q = |name: &str| said(def, answers, &section.question(name), lang);
    let evidence_id = section.question("EVIDENCE");
    RecordItem {
        number,
        name: section.subject.name.clone(),
        level: section.subject.level.as_str().to_string(),
        personal: q("PERSONAL"),
        records: q("RECORDS"),
        disposition: q("DISPOSITION"),
        receiver: q("RECEIVER"),
        media: joined(&[q("MEDIA-TYPE"), q("MEDIA-ID"), q("MEDIA-LOCATION")], lang),
        method: joined(&[q("CATEGORY"), q("TECHNIQUE")], lang),
        tool: q("TOOL"),
        verification: joined(&[q("VERIFICATION"), q("RESULT")], lang),
        evidence: files
            .iter()
            .filter(|f| f.question_id == evidence_id)
            .map(|f| {
                format!(
                    "{} (SHA-256 {})",
                    f.file_name,
                    &f.sha256[..f.sha256.len().min(16)]
                )
            })
            .collect(),
        done_on: q("DONE-ON"),
        place: q("PLACE"),
        done_by: q("DONE-BY"),
        witness: q("WITNESS"),
    }
}

/// What the record of `e` states, in `lang`, as of `today`.
pub fn facts(
    conn: &mut DbConnection,
    organization: &str,
    e: &EngagementRow,
    lang: Lang,
    today: NaiveDate,
) -> AppResult<CompletionFacts> {
    let vendor = vendors::get(conn, &e.vendor_id)?.map(|v| v.vendor);
    let division = divisions::list(conn)?
        .into_iter()
        .find(|d| d.id == e.division_id)
        .map(|d| d.name)
        .unwrap_or_default();
    let attestation: Option<CheckRow> =
        check_store::attestation_of(conn, &e.id)?.filter(|c| c.state == CheckState::Accepted);
    let closing = approvals::for_engagement(conn, &e.id)?
        .into_iter()
        .filter(|a| {
            a.rule_id == ApprovalRule::Closing.as_str() && a.state == ApprovalState::Approved
        })
        .max_by_key(|a| a.decided_at);
    let empty = String::new;
    let termination = engagements::termination(conn, &e.id)?;
    let mut out = CompletionFacts {
        organization: organization.to_string(),
        engagement_title: e.title.clone(),
        kind: lang
            .pick(e.kind().label_ja(), e.kind().label_en())
            .to_string(),
        division,
        vendor: vendor
            .as_ref()
            .map(|v| v.legal_name.clone())
            .unwrap_or_default(),
        corporate_number: vendor.and_then(|v| v.corporate_number).unwrap_or_default(),
        starts_on: format_date(e.starts_on, lang),
        ends_on: format_date(e.ends_on, lang),
        terminated_reason: termination
            .as_ref()
            .map(|t| t.reason.clone().unwrap_or_default()),
        rules: String::new(),
        attested: attestation.is_some(),
        items: vec![],
        copies: empty(),
        exceptions: empty(),
        destination: empty(),
        measures: empty(),
        measures_note: empty(),
        signed_name: empty(),
        signed_title: empty(),
        submitted_on: empty(),
        confirmer: empty(),
        confirmed_on: empty(),
        // An early end has no closing to approve: the record names who ended it.
        approver: match &termination {
            Some(t) => user_name(conn, t.user_id.as_deref())?,
            None => user_name(conn, closing.as_ref().and_then(|a| a.decided_by.as_deref()))?,
        },
        approved_on: match &termination {
            Some(t) => format_date(t.changed_at.date(), lang),
            None => closing
                .as_ref()
                .and_then(|a| a.decided_at)
                .map(|at| format_date(at.date(), lang))
                .unwrap_or_default(),
        },
        issued_on: format_date(today, lang),
    };
    if let Some(check) = attestation {
        let def = definition_of(&check)?;
        let answers = stored_answers(conn, &check.id)?;
        let files = check_store::evidence(conn, &check.id)?;
        out.rules = def.rules.join(lang.pick("、", ", "));
        out.items = attestation::item_sections(&def)
            .iter()
            .enumerate()
            .map(|(n, s)| item(&def, &answers, &files, s, n + 1, lang))
            .collect();
        let q = |id: &str| said(&def, &answers, id, lang);
        out.copies = q(attestation::COPIES);
        out.exceptions = q(attestation::EXCEPTIONS);
        out.destination = q(attestation::DESTINATION);
        out.measures = q(attestation::MEASURES);
        out.measures_note = q(attestation::MEASURES_NOTE);
        out.signed_name = check.signed_name.clone().unwrap_or_default();
        out.signed_title = check.signed_title.clone().unwrap_or_default();
        out.submitted_on = check
            .submitted_at
            .map(|at| format_date(at.date(), lang))
            .unwrap_or_default();
        out.confirmer = user_name(conn, check.accepted_by.as_deref())?;
        out.confirmed_on = check
            .accepted_on
            .map(|d| format_date(d, lang))
            .unwrap_or_default();
    } else {
        // Nothing was owed: the confirmer is who asked for the closing.
        out.confirmer = user_name(conn, closing.as_ref().map(|a| a.requested_by.as_str()))?;
        out.confirmed_on = closing
            .as_ref()
            .map(|a| format_date(a.requested_at.date(), lang))
            .unwrap_or_default();
    }
    Ok(out)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Issues the record of `e`, in the transaction that closes it; nothing when it has one.
pub fn issue(tx: &mut Tx, services: &super::Services, e: &EngagementRow) -> AppResult<()> {
    let today = tx.today();
    let organization = services.config.organization_name.clone();
    let mut html = Vec::new();
    let mut docx = Vec::new();
    for lang in [Lang::Ja, Lang::En] {
        let f = facts(tx.conn(), &organization, e, lang, today)?;
        let render = |format| {
            services
                .clauses
                .render_completion_record(&f, lang, format)
                .map_err(|err| AppError::Internal(err.to_string()))
        };
        html.push(render(Format::Html)?.text().unwrap_or_default().to_string());
        docx.push(render(Format::Docx)?.bytes().to_vec());
    }
    let record = CompletionRecord {
        engagement_id: e.id.clone(),
        issued_at: tx.now().naive_utc(),
        sha256_html_ja: sha256(html[0].as_bytes()),
        sha256_docx_ja: sha256(&docx[0]),
        html_ja: html[0].clone(),
        html_en: html[1].clone(),
        docx_ja: docx[0].clone(),
        docx_en: docx[1].clone(),
    };
    if store::insert(tx.conn(), &record)? {
        tx.record(
            Event::new("completion_record.issue")
                .target("engagement", &e.id)
                .after(&serde_json::json!({
                    "sha256_html_ja": record.sha256_html_ja,
                    "sha256_docx_ja": record.sha256_docx_ja,
                    "sha256_html_en": sha256(record.html_en.as_bytes()),
                    "sha256_docx_en": sha256(&record.docx_en),
                })),
        );
    }
    Ok(())
}

/// A file of the record as issued.
pub struct Download {
    pub engagement_id: String,
    pub format: Format,
    pub lang: Lang,
    pub bytes: Vec<u8>,
    pub title: String,
}

impl Download {
    /// The name the Word file is saved under.
    pub fn file_name(&self) -> String {
        format!(
            "completion-record-{}-{}.docx",
            self.engagement_id,
            self.lang.as_str()
        )
    }
}

/// The record of an engagement the actor may see, as it was issued; 404 before closing.
/// `format` is `html` (the default) or `docx`, `lang` `ja` (the default) or `en`.
pub fn download(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    (format, lang): (Option<&str>, Option<&str>),
) -> AppResult<Download> {
    // Who may see it first: the query's fields are judged only for them.
    let e = super::engagements::load_visible(tx.conn(), actor, id)?;
    let mut f = crate::validate::Fields::new();
    let format = match format.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("html") => Some(Format::Html),
        Some("docx") => Some(Format::Docx),
        Some(_) => {
            f.push(
                "format",
                "invalid",
                crate::i18n::Msg::new("html か docx を指定してください", "Must be html or docx"),
            );
            None
        }
    };
    let lang = super::contracts::document_lang(&mut f, lang);
    f.finish()?;
    let (Some(format), Some(lang)) = (format, lang) else {
        return Err(AppError::Internal(
            "a refused field passed the field check".into(),
        ));
    };
    let record = store::find(tx.conn(), id)?.ok_or_else(|| {
        AppError::not_found(
            "終了確認書は、委託案件を終了したときに発行されます",
            "The completion record is issued when the engagement is closed",
        )
    })?;
    let bytes = match (format, lang) {
        (Format::Docx, Lang::Ja) => record.docx_ja,
        (Format::Docx, Lang::En) => record.docx_en,
        (_, Lang::Ja) => record.html_ja.into_bytes(),
        (_, Lang::En) => record.html_en.into_bytes(),
    };
    tx.record(
        Event::new("completion_record.download")
            .target("engagement", id)
            .after(&serde_json::json!({ "format": match format { Format::Docx => "docx", _ => "html" }, "lang": lang.as_str(), "sha256": sha256(&bytes) })),
    );
    Ok(Download {
        engagement_id: e.id.clone(),
        format,
        lang,
        bytes,
        title: e.title,
    })
}
