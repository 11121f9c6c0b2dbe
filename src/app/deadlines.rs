//! What is due: every deadline known today (the engagements', the checks', the findings'
//! and the access review), who holds the roles that owe them, and a person's own list,
//! overdue ones included. The reminder sweep sends from the same list.

use std::collections::{HashMap, HashSet};

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

/// The active staff, to find who holds a role where. Indexed by id, by role and by role
/// and division: the sweep resolves every deadline's owner and escalations, hundreds of
/// thousands of times in a large register, against thousands of staff.
pub struct Directory {
    people: Vec<Person>,
    by_id: std::collections::HashMap<String, usize>,
    by_role: std::collections::HashMap<Role, Vec<usize>>,
    /// By role, then division: looked up by a borrowed division id, as the sweep does
    /// for each deadline and each escalation level.
    by_role_in: std::collections::HashMap<Role, std::collections::HashMap<String, Vec<usize>>>,
}

/// The people an owner is, in the directory's order, without collecting them.
#[derive(Clone)]
pub struct Holders<'d> {
    people: &'d [Person],
    ids: std::slice::Iter<'d, usize>,
}

impl<'d> Iterator for Holders<'d> {
    type Item = &'d Person;

    fn next(&mut self) -> Option<&'d Person> {
        self.ids.next().map(|i| &self.people[*i])
    }
}

impl Directory {
    /// A directory of these people (tests build one by hand).
    pub fn of(people: Vec<Person>) -> Directory {
        let mut by_id = std::collections::HashMap::new();
        let mut by_role: std::collections::HashMap<Role, Vec<usize>> = Default::default();
        let mut by_role_in: std::collections::HashMap<
            Role,
            std::collections::HashMap<String, Vec<usize>>,
        > = Default::default();
        for (i, p) in people.iter().enumerate() {
            by_id.entry(p.id.clone()).or_insert(i);
            for role in &p.roles {
                by_role.entry(*role).or_default().push(i);
                for d in &p.division_ids {
                    (by_role_in.entry(*role).or_default())
                        .entry(d.clone())
                        .or_default()
                        .push(i);
                }
            }
        }
        Directory {
            people,
            by_id,
            by_role,
            by_role_in,
        }
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
        Ok(Directory::of(
            members
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
        ))
    }

    /// Who `owner` is: the person, or the holders of the role (in the division, when
    /// one is given), in the order the directory lists them.
    pub fn resolve(&self, owner: &Owner) -> Vec<&Person> {
        self.holders(owner).collect()
    }

    /// [`Directory::resolve`] without collecting: the sweep asks it of every deadline
    /// due, a quarter of a million times in a large register.
    pub fn holders(&self, owner: &Owner) -> Holders<'_> {
        match owner {
            Owner::User(id) => self.listed(self.by_id.get(id).map(std::slice::from_ref)),
            Owner::Role { role, division_id } => self.holding(*role, division_id.as_deref()),
        }
    }

    /// The holders of `role`, in `division_id` when one is given.
    pub fn holding(&self, role: Role, division_id: Option<&str>) -> Holders<'_> {
        self.listed(match division_id {
            None => self.by_role.get(&role).map(Vec::as_slice),
            Some(d) => (self.by_role_in.get(&role))
                .and_then(|divisions| divisions.get(d))
                .map(Vec::as_slice),
        })
    }

    fn listed<'d>(&'d self, ids: Option<&'d [usize]>) -> Holders<'d> {
        Holders {
            people: &self.people,
            ids: ids.unwrap_or_default().iter(),
        }
    }
}

/// The directory as of the database's `auth_generation`, kept between requests. Every
/// change the directory holds moves the generation (by trigger): a person added,
/// deactivated, renamed or readdressed, a role or division given or taken. So a
/// directory read when the database showed the generation it shows now is the directory
/// now, on every instance. A deadline view resolves owners on each request, and reading
/// two thousand people for it was a sixth of the CISO's view at 100,000 engagements.
#[derive(Default)]
pub struct DirectoryCache(std::sync::Mutex<Option<(i64, std::sync::Arc<Directory>)>>);

impl DirectoryCache {
    pub fn get(&self, conn: &mut DbConnection) -> AppResult<std::sync::Arc<Directory>> {
        // The generation first: a change committed while the directory is read leaves a
        // newer directory under an older generation, which the next request replaces;
        // never an older directory under a newer one.
        let generation = db::sessions::auth_generation(conn)?;
        let cached = self.lock().as_ref().and_then(|(at, directory)| {
            (*at == generation).then(|| std::sync::Arc::clone(directory))
        });
        if let Some(directory) = cached {
            return Ok(directory);
        }
        let directory = std::sync::Arc::new(Directory::load(conn)?);
        *self.lock() = Some((generation, std::sync::Arc::clone(&directory)));
        Ok(directory)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(i64, std::sync::Arc<Directory>)>> {
        // What is cached is replaced whole, so a panic elsewhere cannot leave it half set.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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

/// The deadlines due on or before `horizon`, overdue ones included, whoever owes them,
/// each handed to `each` as it is made: the same as [`all_deadlines`] gives due by then,
/// read narrowly, so that the reminder sweep's cost follows what is due rather than the
/// size of the register, and its memory what it keeps. Stored obligations (their state on
/// `today` decided in SQL), pending approvals, contracts ending by then, in-use cloud
/// services' ISMAP listings, open checks and findings, and the access review.
pub fn each_due_by(
    conn: &mut DbConnection,
    config: &Config,
    today: NaiveDate,
    horizon: NaiveDate,
    mut each: impl FnMut(Deadline),
) -> AppResult<()> {
    use crate::domain::{ClassificationLevel, EngagementKind, Status};
    let due = |d: &Deadline| d.due_on <= horizon;

    db::obligations::each_due_by(conn, today, horizon, |row, engagement| {
        let o = super::obligations::stored_on(row, today)?;
        if let Some(d) = deadlines::obligation((&engagement).into(), &o) {
            each(d);
        }
        Ok(())
    })?;
    db::approvals::each_pending(conn, |a, e| {
        if let Some(d) = deadlines::approval((&e).into(), &a, config).filter(due) {
            each(d);
        }
    })?;
    for e in
        db::engagements::ending_between(conn, deadlines::CONTRACT_END_STATUSES, (today, horizon))?
    {
        if let Some(d) = deadlines::contract_end(&e, today) {
            each(d);
        }
    }
    let cloud = db::engagements::of_kind_at_level(
        conn,
        EngagementKind::CloudService,
        ClassificationLevel::L2,
        &[Status::Contracted, Status::Active],
    )?;
    let cloud_ids: Vec<String> = cloud.iter().map(|e| e.id.clone()).collect();
    let listed = facts::ismap_valid_until(conn, &cloud_ids)?;
    for e in &cloud {
        if let Some(d) = deadlines::ismap_lapse(e, listed.get(&e.id).copied()).filter(due) {
            each(d);
        }
    }
    drop(cloud);

    db::checks::each_open(conn, |open, e| {
        let d = match open {
            db::checks::Open::Check(c) => deadlines::check((&e).into(), &c, config),
            db::checks::Open::Finding(f) => deadlines::finding((&e).into(), &f),
        };
        if let Some(d) = d.filter(due) {
            each(d);
        }
    })?;
    if let Some(d) = Some(access_review(conn, config, today)?).filter(due) {
        each(d);
    }
    Ok(())
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
    let directory = services.directory.get(conn)?;
    let list = owed_by(conn, services, &directory, person, within, today)?;
    let horizon = within.map(|w| today + chrono::Days::new(w.into()));
    let mut mine: Vec<DeadlineResponse> = list
        .into_iter()
        .filter(|d| horizon.is_none_or(|h| d.due_on <= h))
        .filter(|d| directory.holders(&d.owner).any(|p| p.id == person))
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
    let owed = db::obligations::owed_by(conn, &holder, today, horizon)?;
    let requests = db::approvals::pending_for_roles(conn, &holder.roles, &holder.division_ids)?;
    let responsible = db::engagements::of_responsible(conn, person)?;
    let checks = db::checks::open_checks_of_responsible(conn, person)?;
    let findings = db::checks::open_findings_of(conn, person)?;
    // Every other engagement named, read once: the chief system manager's 3,662
    // obligations and 3,662 requests fall on the same 3,020 engagements.
    let mine: HashSet<&str> = responsible.iter().map(|e| e.id.as_str()).collect();
    let mut others: Vec<String> = (owed.iter().map(|o| &o.engagement_id))
        .chain(requests.iter().map(|a| &a.engagement_id))
        .chain(findings.iter().map(|f| &f.engagement_id))
        .filter(|id| !mine.contains(id.as_str()))
        .cloned()
        .collect();
    others.sort_unstable();
    others.dedup();
    let others = db::engagements::names(conn, &others)?;
    let engagements: HashMap<&str, deadlines::Named> =
        (responsible.iter().map(|e| (e.id.as_str(), e.into())))
            .chain(others.iter().map(|e| (e.id.as_str(), e.into())))
            .collect();
    let mut list = Vec::new();
    for row in owed {
        let Some(&engagement) = engagements.get(row.engagement_id.as_str()) else {
            continue;
        };
        let o = super::obligations::stored_on(row, today)?;
        list.extend(deadlines::obligation(engagement, &o));
    }
    for a in &requests {
        if let Some(&engagement) = engagements.get(a.engagement_id.as_str()) {
            list.extend(deadlines::approval(engagement, a, config));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::{self, AccountChange, User};

    fn user(id: &str) -> User {
        users::sample(
            id,
            &format!("{id}@example.jp"),
            &format!("Person {id}"),
            Lang::Ja,
        )
    }

    fn ids(directory: &Directory, owner: Owner) -> Vec<String> {
        directory
            .resolve(&owner)
            .iter()
            .map(|p| p.id.clone())
            .collect()
    }

    #[test]
    fn the_cached_directory_follows_every_change_of_who_is_who() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("directory.sqlite3").display().to_string();
        let config = Config::from_pairs(&[("database_url", path.as_str())]).unwrap();
        let mut conn = crate::db::open(&config.database).unwrap();
        let cache = DirectoryCache::default();
        let ciso = || Owner::Role {
            role: Role::Ciso,
            division_id: None,
        };
        let at = user("a").created_at;

        users::insert(&mut conn, &user("a"), &[Role::Ciso], &[]).unwrap();
        let first = cache.get(&mut conn).unwrap();
        assert_eq!(ids(&first, ciso()), ["a"]);
        assert!(
            std::sync::Arc::ptr_eq(&first, &cache.get(&mut conn).unwrap()),
            "nothing changed: the same directory"
        );

        // A person added with no role, to be named on an obligation.
        users::insert(&mut conn, &user("b"), &[], &[]).unwrap();
        assert_eq!(
            ids(&cache.get(&mut conn).unwrap(), Owner::User("b".into())),
            ["b"]
        );

        // A role given, then the first holder deactivated.
        let change = |roles: Option<Vec<Role>>, active: Option<bool>| AccountChange {
            display_name: None,
            active,
            roles,
            division_ids: None,
        };
        users::update(&mut conn, "b", &change(Some(vec![Role::Ciso]), None), at).unwrap();
        assert_eq!(ids(&cache.get(&mut conn).unwrap(), ciso()), ["a", "b"]);
        users::update(&mut conn, "a", &change(None, Some(false)), at).unwrap();
        assert_eq!(ids(&cache.get(&mut conn).unwrap(), ciso()), ["b"]);

        // A new language is what the person's next message is written in.
        users::set_language(&mut conn, "b", Lang::En).unwrap();
        let directory = cache.get(&mut conn).unwrap();
        assert_eq!(directory.resolve(&ciso())[0].lang, Lang::En);
    }
}
