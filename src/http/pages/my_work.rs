//! My work, the landing page: the signed-in person's deadlines (overdue first, then
//! those due within 30 days), approvals waiting for them, checks waiting for their
//! review and their open findings, each linking to where it is done. Every link of every
//! reminder email lands on a page reached from here. Each section shows its rows a page
//! at a time, paged on its own.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{fill, html, query_value, Staff};
use crate::app::deadlines::DeadlineResponse;
use crate::deadlines::Kind;
use crate::domain::wareki;
use crate::error::AppResult;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::staff::views::{DeadlineRow, DeadlineSection, MyWorkView};
use crate::staff::{Page, Section, StaffPages};

/// How far ahead "due soon" looks.
const SOON_DAYS: i64 = 30;

/// How many rows a section shows at a time. The CISO's overdue obligations at 100,000
/// engagements are 4,800: shown whole, a landing page of 1.9 MB that took 300–600 ms.
const SECTION_ROWS: usize = 50;

/// The sections, each paged by a parameter of its name (`/?overdue=2`), with the id of
/// its heading, where the pager's links land.
const SECTIONS: [&str; 5] = ["overdue", "soon", "approvals", "reviews", "findings"];

/// The page of each section the address asks for. A page that is not a whole number
/// from 1 is the first, and one past the end (however many digits it has) the last: the
/// landing page answers every bookmark.
fn asked_pages(req: &HttpRequest) -> [usize; 5] {
    SECTIONS.map(|name| {
        query_value(req, name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .map(|v| v.parse::<usize>().unwrap_or(usize::MAX))
            .filter(|n| *n >= 1)
            .unwrap_or(1)
    })
}

/// The page's address with `section` at page `n` and the others where they are, landing
/// on that section's heading.
fn section_href(pages: &[usize; 5], section: usize, n: usize) -> String {
    let query: Vec<String> = SECTIONS
        .iter()
        .enumerate()
        .map(|(i, name)| (name, if i == section { n } else { pages[i] }))
        .filter(|(_, page)| *page > 1)
        .map(|(name, page)| format!("{name}={page}"))
        .collect();
    let fragment = format!("#{}-title", SECTIONS[section]);
    if query.is_empty() {
        format!("/{fragment}")
    } else {
        format!("/?{}{fragment}", query.join("&"))
    }
}

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
    let asked = asked_pages(&req);
    let section = |i: usize, keep: &dyn Fn(&DeadlineResponse) -> bool| -> DeadlineSection {
        let all: Vec<&DeadlineResponse> = deadlines.iter().filter(|d| keep(d)).collect();
        let page = asked[i].min(all.len().div_ceil(SECTION_ROWS).max(1));
        DeadlineSection {
            rows: (all.iter().skip((page - 1) * SECTION_ROWS))
                .take(SECTION_ROWS)
                .map(|d| row(pages, lang, d, base))
                .collect(),
            pager: (all.len() > SECTION_ROWS).then(|| {
                let at = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
                super::pager(
                    pages,
                    lang,
                    (at(page), at(SECTION_ROWS), at(all.len())),
                    |n| section_href(&asked, i, usize::try_from(n).unwrap_or(1)),
                )
            }),
        }
    };
    let view = MyWorkView {
        today: date(lang, today),
        notices: notices.into_iter().map(|n| n.message).collect(),
        overdue: section(0, &|d| d.overdue),
        soon: section(1, &|d| !d.overdue && d.days <= SOON_DAYS),
        approvals: section(2, &|d| d.kind == Kind::Approval),
        reviews: section(3, &|d| d.kind == Kind::CheckReview),
        findings: section(4, &|d| d.kind == Kind::CorrectiveAction),
    };
    let mut chrome = who.chrome(pages.text(lang, "my_work.title"), Some(Section::MyWork));
    chrome.flash = query_value(&req, "done").and_then(|done| super::flash(pages, lang, &done));
    Ok(html(
        StatusCode::OK,
        pages.render(Page::MyWork, &chrome, &view),
    ))
}
