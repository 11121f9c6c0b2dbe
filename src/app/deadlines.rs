//! What is due: every deadline known today (the engagements', the checks', the findings'
//! and the access review), who holds the roles that owe them, and a person's own list,
//! overdue ones included. The reminder sweep sends from the same list.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::clauses::Catalog;
use crate::config::Config;
use crate::db::facts::{self, FactsScope};
use crate::db::{self, access_reviews, users, DbConnection};
use crate::deadlines::{self, Deadline, Kind, Owner};
use crate::domain::Role;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::access::{Action, Actor, Visibility};

/// A staff member as reminders need them.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub lang: Lang,
    pub roles: Vec<Role>,
    pub division_ids: Vec<String>,
}

/// The active staff, to find who holds a role where.
pub struct Directory {
    people: Vec<Person>,
}

impl Directory {
    /// A directory of these people (tests build one by hand).
    pub fn of(people: Vec<Person>) -> Directory {
        Directory { people }
    }

    pub fn people(&self) -> &[Person] {
        &self.people
    }

    pub fn load(conn: &mut DbConnection) -> AppResult<Directory> {
        let members = users::list(
            conn,
            &users::UserFilter {
                division_id: None,
                role: None,
                active: Some(true),
            },
        )?;
        Ok(Directory {
            people: members
                .into_iter()
                .map(|m| Person {
                    lang: m.user.language,
                    id: m.user.id,
                    name: m.user.display_name,
                    email: m.user.email,
                    roles: m.roles,
                    division_ids: m.divisions.into_iter().map(|d| d.id).collect(),
                })
                .collect(),
        })
    }

    pub fn resolve(&self, owner: &Owner) -> Vec<&Person> {
        match owner {
            Owner::User(id) => self.people.iter().filter(|p| &p.id == id).collect(),
            Owner::Role { role, division_id } => self
                .people
                .iter()
                .filter(|p| p.roles.contains(role))
                .filter(|p| {
                    division_id
                        .as_ref()
                        .is_none_or(|d| p.division_ids.contains(d))
                })
                .collect(),
        }
    }
}

/// Every deadline known today: the engagements' and the access review.
pub fn all_deadlines(
    conn: &mut DbConnection,
    config: &Config,
    catalog: &Catalog,
    today: NaiveDate,
) -> AppResult<Vec<Deadline>> {
    let loaded = facts::load(conn, &Visibility::All, &FactsScope::default())?;
    deadlines_of(conn, &loaded, config, catalog, today)
}

/// [`all_deadlines`] over engagements' facts already loaded.
pub fn deadlines_of(
    conn: &mut DbConnection,
    loaded: &[facts::EngagementFacts],
    config: &Config,
    catalog: &Catalog,
    today: NaiveDate,
) -> AppResult<Vec<Deadline>> {
    let mut list = deadlines::of_engagements(loaded, catalog, config, today);
    list.extend(deadlines::of_checks(
        loaded,
        &db::checks::open_checks(conn)?,
        &db::checks::open_findings(conn)?,
        config,
    ));
    list.push(access_review(conn, config, today)?);
    Ok(list)
}

/// The access review's deadline (R-5.5.3.6).
fn access_review(
    conn: &mut DbConnection,
    config: &Config,
    today: NaiveDate,
) -> AppResult<Deadline> {
    let last = access_reviews::latest(conn)?.map(|(r, _)| r);
    Ok(deadlines::access_review(super::access_review::due_on(
        config,
        last.as_ref(),
        today,
    )))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineResponse {
    pub key: String,
    pub kind: Kind,
    pub rule_id: String,
    pub what: String,
    pub engagement_id: Option<String>,
    pub engagement_title: Option<String>,
    pub due_on: NaiveDate,
    /// Days until due; negative when overdue.
    pub days: i64,
    pub overdue: bool,
    /// The page where it is done.
    pub link: String,
}

/// The deadlines of `person` due within `within` days of `today` (every one when
/// `None`), overdue ones always, soonest first; `what` in `lang`.
pub fn of_person(
    conn: &mut DbConnection,
    services: &super::Services,
    actor: &Actor,
    person: &str,
    within: Option<u32>,
    today: NaiveDate,
    lang: Lang,
) -> AppResult<Vec<DeadlineResponse>> {
    actor.authorize(Action::SeeDeadlinesOf { user_id: person })?;
    let config = &services.config;
    let directory = Directory::load(conn)?;
    let list = owed_by(conn, services, &directory, person, within, today)?;
    let horizon = within.map(|w| today + chrono::Days::new(w.into()));
    let mut mine: Vec<DeadlineResponse> = list
        .into_iter()
        .filter(|d| horizon.is_none_or(|h| d.due_on <= h))
        .filter(|d| directory.resolve(&d.owner).iter().any(|p| p.id == person))
        .map(|d| {
            let days = (d.due_on - today).num_days();
            DeadlineResponse {
                what: d.what.get(lang).to_string(),
                link: format!("{}{}", config.public_base_url, d.path),
                key: d.key,
                kind: d.kind,
                rule_id: d.rule_id,
                engagement_id: d.engagement_id,
                engagement_title: d.engagement_title,
                due_on: d.due_on,
                days,
                overdue: days < 0,
            }
        })
        .collect();
    mine.sort_by(|a, b| (a.due_on, &a.key).cmp(&(b.due_on, &b.key)));
    Ok(mine)
}

/// What `person` may owe, read narrowly: the stored open and overdue obligations they owe
/// by name or role (the state on `today` decided in SQL), the approval requests their
/// roles decide, the engagements they are responsible for (contract ends, ISMAP
/// listings, open checks), the corrective actions they own, and the access review for
/// the chief system manager. Never the whole register: the cost follows what the person
/// owes, not the number of engagements. The caller keeps those [`Directory::resolve`]
/// gives to the person, as for [`all_deadlines`].
fn owed_by(
    conn: &mut DbConnection,
    services: &super::Services,
    directory: &Directory,
    person: &str,
    within: Option<u32>,
    today: NaiveDate,
) -> AppResult<Vec<Deadline>> {
    let config = &services.config;
    let Some(me) = directory.people().iter().find(|p| p.id == person) else {
        // Only active staff owe anything.
        return Ok(Vec::new());
    };
    let horizon = within.map(|w| today + chrono::Days::new(w.into()));
    let holder = db::obligations::Holder {
        user_id: person,
        roles: me.roles.iter().map(|r| r.as_str().to_string()).collect(),
        division_ids: me.division_ids.clone(),
    };
    let mut list = Vec::new();
    for (row, engagement) in db::obligations::owed_by(conn, &holder, today, horizon)? {
        let o = super::obligations::stored_on(&row, today)?;
        list.extend(deadlines::obligation(&engagement, &o));
    }
    for (a, engagement) in db::approvals::pending_for_roles(conn, &holder.roles)? {
        list.extend(deadlines::approval(&engagement, &a, config));
    }
    let responsible = db::engagements::of_responsible(conn, person)?;
    let cloud: Vec<String> = responsible
        .iter()
        .filter(|e| e.kind() == crate::domain::EngagementKind::CloudService)
        .map(|e| e.id.clone())
        .collect();
    let listed = facts::ismap_valid_until(conn, &cloud)?;
    for e in &responsible {
        list.extend(deadlines::contract_end(e, today));
        list.extend(deadlines::ismap_lapse(e, listed.get(&e.id).copied()));
    }
    let checks = db::checks::open_checks_of_responsible(conn, person)?;
    let findings = db::checks::open_findings_of(conn, person)?;
    let mut others: Vec<String> = findings
        .iter()
        .map(|f| f.engagement_id.clone())
        .filter(|id| !responsible.iter().any(|e| &e.id == id))
        .collect();
    others.sort();
    others.dedup();
    let others = db::engagements::rows(conn, &others)?;
    let engagements: std::collections::HashMap<&str, &crate::db::engagements::EngagementRow> =
        responsible
            .iter()
            .chain(others.iter())
            .map(|e| (e.id.as_str(), e))
            .collect();
    list.extend(deadlines::of_checks_in(
        &engagements,
        &checks,
        &findings,
        config,
    ));
    if me.roles.contains(&Role::ChiefSystemManager) {
        list.push(access_review(conn, config, today)?);
    }
    Ok(list)
}
