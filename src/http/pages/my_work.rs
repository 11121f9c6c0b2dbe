//! My work, the landing page: the signed-in person's deadlines (overdue first, then
//! those due within 30 days), approvals waiting for them, checks waiting for their
//! review and their open findings, each linking to where it is done. Every link of every
//! reminder email lands on a page reached from here.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{fill, html, query_value, Staff};
use crate::app::deadlines::DeadlineResponse;
use crate::deadlines::Kind;
use crate::domain::wareki;
use crate::error::AppResult;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::staff::views::{DeadlineRow, MyWorkView};
use crate::staff::{Page, Section, StaffPages};

/// How far ahead "due soon" looks.
const SOON_DAYS: i64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    super::add(
        cfg,
        "GET, HEAD",
        web::resource("/").route(web::get().to(my_work)),
    );
}

/// A date as the pages show it: the era form in Japanese.
pub fn date(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::Ja => wareki::format_wareki(d),
        Lang::En => wareki::format_english(d),
    }
}

fn row(pages: &StaffPages, lang: Lang, d: &DeadlineResponse, base: &str) -> DeadlineRow {
    let days = d.days.abs().to_string();
    let when = match d.days {
        0 => pages.text(lang, "my_work.due_today").to_string(),
        n if n < 0 => fill(pages, lang, "my_work.days_overdue", &[("days", &days)]),
        _ => fill(pages, lang, "my_work.days_left", &[("days", &days)]),
    };
    DeadlineRow {
        what: d.what.clone(),
        rule_id: d.rule_id.clone(),
        engagement: d.engagement_title.clone(),
        due_on: date(lang, d.due_on),
        when,
        overdue: d.overdue,
        // The link is the page's address under the public base URL; the page links it
        // relative, so it works however the service is reached.
        href: d.link.strip_prefix(base).unwrap_or(&d.link).to_string(),
    }
}

async fn my_work(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let today = state.today();
    let app = state.get_ref().clone();
    let (actor, person) = (who.actor.clone(), who.user.id.clone());
    let config = state.config.clone();
    let (deadlines, notices) = crate::db::read(&state.pool, move |conn| {
        let deadlines =
            crate::app::deadlines::of_person(conn, &app, &actor, &person, None, today, lang)?;
        let (_, notices) = crate::app::sessions::who_is_signed_in(conn, &config, &person, today)?;
        Ok((deadlines, notices))
    })
    .await?;
    let pages = &state.staff;
    let base = &state.config.public_base_url;
    let rows = |keep: &dyn Fn(&DeadlineResponse) -> bool| -> Vec<DeadlineRow> {
        deadlines
            .iter()
            .filter(|d| keep(d))
            .map(|d| row(pages, lang, d, base))
            .collect()
    };
    let view = MyWorkView {
        today: date(lang, today),
        notices: notices.into_iter().map(|n| n.message).collect(),
        overdue: rows(&|d| d.overdue),
        soon: rows(&|d| !d.overdue && d.days <= SOON_DAYS),
        approvals: rows(&|d| d.kind == Kind::Approval),
        reviews: rows(&|d| d.kind == Kind::CheckReview),
        findings: rows(&|d| d.kind == Kind::CorrectiveAction),
    };
    let mut chrome = who.chrome(pages.text(lang, "my_work.title"), Some(Section::MyWork));
    chrome.flash = query_value(&req, "done").and_then(|done| super::flash(pages, lang, &done));
    Ok(html(
        StatusCode::OK,
        pages.render(Page::MyWork, &chrome, &view),
    ))
}
