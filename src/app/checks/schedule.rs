//! When a periodic check is sent: to every contracted or
//! active engagement whose periodic obligation falls due within the answering period,
//! unless a check of that questionnaire is already open. The obligation's due date comes
//! from the obligations engine (the level's interval or the engagement's own, from the
//! start or from the last accepted check), so the two can never disagree.

use std::collections::HashSet;

use chrono::{Days, NaiveDate};

use crate::clauses::Catalog;
use crate::compliance;
use crate::config::Config;
use crate::db::facts::EngagementFacts;
use crate::domain::Status;
use crate::questionnaires::{Definition, Questionnaires};

/// A check to send today.
#[derive(Debug, Clone)]
pub struct DueCheck<'a> {
    pub facts: &'a EngagementFacts,
    pub definition: &'a Definition,
    /// When the periodic obligation it meets is due.
    pub period_due: NaiveDate,
}

/// The checks to send on `today`. `open` holds (engagement id, questionnaire id) of the
/// checks not yet accepted.
pub fn due<'a>(
    facts: &'a [EngagementFacts],
    open: &HashSet<(String, String)>,
    questionnaires: &'a Questionnaires,
    catalog: &Catalog,
    config: &Config,
    today: NaiveDate,
) -> Vec<DueCheck<'a>> {
    let horizon = today + Days::new(u64::from(config.checks.due_days));
    let mut out = Vec::new();
    for f in facts {
        let e = &f.engagement;
        if !matches!(e.status(), Status::Contracted | Status::Active) {
            continue;
        }
        let kind = e.kind();
        let level = e.level().unwrap_or(crate::domain::ClassificationLevel::L1);
        let Some(definition) = questionnaires.periodic_for(kind, level) else {
            continue;
        };
        if open.contains(&(e.id.clone(), definition.id.clone())) {
            continue;
        }
        let obligations =
            compliance::obligations_of(f, catalog, config.time_zone, &config.rules, today);
        let period_due = obligations
            .iter()
            .filter(|o| definition.rules.iter().any(|r| r == o.rule.id))
            .filter(|o| o.waiver.is_none())
            .filter_map(|o| o.due_on)
            .min();
        if let Some(period_due) = period_due.filter(|d| *d <= horizon) {
            out.push(DueCheck {
                facts: f,
                definition,
                period_due,
            });
        }
    }
    out
}
