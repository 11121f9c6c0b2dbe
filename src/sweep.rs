//! The reminder sweep: every deadline, the reminder stage it is at today, who is to hear
//! of it (the owner, and the escalation levels once it is overdue long enough), and for
//! each person one digest of what is new for them. Each person's reminders and their
//! message are written in one transaction, and a reminder already recorded for that
//! deadline, stage and person is never recorded again, so a sweep run by hand during a
//! scheduled one, a restart, or two instances sweeping at once send nothing twice.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::checks;
use crate::clauses::Catalog;
use crate::config::Config;
use crate::db::facts::{self, FactsScope};
use crate::db::{self, access_reviews, outbox, reminders, users, vendors, DbConnection};
use crate::deadlines::{self, Deadline, Kind, Owner};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::mail::{format_due, DigestContext, DigestItem, EmailTemplates};
use crate::policy::access::Visibility;
use crate::policy::reminders as policy;
use crate::questionnaires::Questionnaires;

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
fn deadlines_of(
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
    let last = access_reviews::latest(conn)?.map(|(r, _)| r);
    list.push(deadlines::access_review(crate::app::access_review::due_on(
        config,
        last.as_ref(),
        today,
    )));
    Ok(list)
}

/// Items a digest lists; the rest are counted, and are in the deadline view. A person
/// owing hundreds of things at once gets one readable message, not a book.
pub const DIGEST_MAX_ITEMS: usize = 50;

/// One reminder a person is to get in this sweep.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Planned {
    pub recipient_user_id: String,
    pub recipient_email: String,
    pub deadline_key: String,
    pub stage: String,
    pub due_on: NaiveDate,
    /// Told because the deadline is overdue long enough, not as its owner.
    pub escalated: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepReport {
    /// The organisation's date the sweep ran for.
    pub today: NaiveDate,
    pub dry_run: bool,
    /// Periodic checks sent to vendors; in a dry run, due.
    pub checks_issued: usize,
    /// Deadlines looked at.
    pub deadlines: usize,
    /// Reminders recorded now (or, in a dry run, that would be).
    pub reminders: usize,
    /// Digest messages queued (one per person with something new).
    pub messages: usize,
    /// In a dry run, each reminder that would be sent.
    pub planned: Vec<Planned>,
}

struct Pending<'a> {
    deadline: &'a Deadline,
    stage: String,
    escalated: bool,
}

/// Who hears of what today, by person id (sorted, so runs lock rows in the same order).
fn plan<'a>(
    list: &'a [Deadline],
    directory: &'a Directory,
    policy: &policy::ReminderPolicy,
    today: NaiveDate,
) -> BTreeMap<String, (&'a Person, Vec<Pending<'a>>)> {
    let mut by_person: BTreeMap<String, (&Person, Vec<Pending>)> = BTreeMap::new();
    let mut add = |p: &'a Person, deadline: &'a Deadline, stage: String, escalated: bool| {
        by_person
            .entry(p.id.clone())
            .or_insert_with(|| (p, Vec::new()))
            .1
            .push(Pending {
                deadline,
                stage,
                escalated,
            });
    };
    for d in list {
        let owner_stage = match d.kind {
            Kind::ContractEnd => policy::contract_end_stage(d.due_on, today, policy),
            _ => policy::owner_stage(d.due_on, today, policy).map(|s| s.key()),
        };
        let Some(stage) = owner_stage else { continue };
        let owners = directory.resolve(&d.owner);
        for p in &owners {
            add(p, d, stage.clone(), false);
        }
        if d.kind == Kind::ContractEnd {
            continue;
        }
        for (level, role) in policy::escalations(d.due_on, today, policy) {
            let scope = match role {
                Role::SecurityOfficer | Role::SystemAdministrator | Role::Csirt => {
                    match &d.division_id {
                        Some(div) => Some(div.clone()),
                        None => continue,
                    }
                }
                _ => None,
            };
            let told = directory.resolve(&Owner::Role {
                role,
                division_id: scope,
            });
            for p in told {
                // An owner already hears of it as the owner.
                if !owners.iter().any(|o| o.id == p.id) {
                    add(p, d, level.clone(), true);
                }
            }
        }
    }
    by_person
}

/// Runs the sweep at `now`. A dry run writes nothing and lists what would be sent.
pub fn run(
    conn: &mut DbConnection,
    config: &Config,
    catalog: &Catalog,
    templates: &EmailTemplates,
    questionnaires: &Questionnaires,
    now: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<SweepReport> {
    let today = config.date_at(now);
    // Checks first: a check sent today is a deadline of its own from today.
    let env = checks::Env {
        config,
        questionnaires,
        email: templates,
    };
    // One load of every engagement's facts serves both: sending a check changes none of
    // them (only accepted checks are facts).
    let loaded = facts::load(conn, &Visibility::All, &FactsScope::default())?;
    let checks_issued = checks::issue_due(conn, &env, now, catalog, &loaded, dry_run)?;
    let list = deadlines_of(conn, &loaded, config, catalog, today)?;
    drop(loaded);
    let directory = Directory::load(conn)?;
    let vendor_names = vendors::names(conn)?;
    let planned = plan(&list, &directory, &config.reminders, today);
    let mut report = SweepReport {
        today,
        dry_run,
        checks_issued,
        deadlines: list.len(),
        reminders: 0,
        messages: 0,
        planned: Vec::new(),
    };
    for (person, items) in planned.values() {
        if dry_run {
            let sent = reminders::sent_to(conn, &person.id)?;
            for item in items {
                if !sent.contains(&(item.deadline.key.clone(), item.stage.clone())) {
                    report.reminders += 1;
                    report.planned.push(Planned {
                        recipient_user_id: person.id.clone(),
                        recipient_email: person.email.clone(),
                        deadline_key: item.deadline.key.clone(),
                        stage: item.stage.clone(),
                        due_on: item.deadline.due_on,
                        escalated: item.escalated,
                    });
                }
            }
            continue;
        }
        let ctx = Digest {
            config,
            templates,
            directory: &directory,
            vendor_names: &vendor_names,
            today,
        };
        let new = db::write(conn, |conn| queue_digest(conn, &ctx, person, items, now))?;
        if new > 0 {
            report.reminders += new;
            report.messages += 1;
        }
    }
    if !dry_run {
        tracing::info!(
            today = %today,
            checks_issued = report.checks_issued,
            deadlines = report.deadlines,
            reminders = report.reminders,
            messages = report.messages,
            "reminder sweep"
        );
    }
    Ok(report)
}

struct Digest<'a> {
    config: &'a Config,
    templates: &'a EmailTemplates,
    directory: &'a Directory,
    vendor_names: &'a HashMap<String, String>,
    today: NaiveDate,
}

/// Records the person's reminders not yet recorded and queues one message listing them;
/// returns how many were new (none: nothing is queued).
fn queue_digest(
    conn: &mut DbConnection,
    ctx: &Digest,
    person: &Person,
    items: &[Pending],
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let message_id = outbox::next_id();
    let at = now.naive_utc();
    // What was sent on an earlier day is skipped after one query; the insert (ON CONFLICT
    // DO NOTHING) still decides, so a sweep running at the same moment elsewhere cannot
    // make a reminder go out twice: only what this transaction recorded is sent.
    let sent = reminders::sent_to(conn, &person.id)?;
    let candidates: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.deadline.key.as_str(), i.stage.as_str()))
        .filter(|(k, s)| !sent.contains(&(k.to_string(), s.to_string())))
        .collect();
    let recorded: std::collections::HashSet<(String, String)> =
        reminders::record_many(conn, &candidates, &person.id, &message_id, at)?
            .into_iter()
            .collect();
    let new: Vec<&Pending> = items
        .iter()
        .filter(|i| recorded.contains(&(i.deadline.key.clone(), i.stage.clone())))
        .collect();
    if new.is_empty() {
        return Ok(0);
    }
    let lang = person.lang;
    let mut listed = new.clone();
    // Most urgent first: overdue ones, then the soonest due.
    listed.sort_by_key(|item| (item.deadline.due_on, item.deadline.key.clone()));
    let more_count = listed.len().saturating_sub(DIGEST_MAX_ITEMS);
    listed.truncate(DIGEST_MAX_ITEMS);
    let digest_items: Vec<DigestItem> = listed
        .iter()
        .map(|item| {
            let d = item.deadline;
            let days = (d.due_on - ctx.today).num_days();
            DigestItem {
                engagement_title: d.engagement_title.clone().unwrap_or_else(|| match lang {
                    Lang::Ja => "（全庁）".into(),
                    Lang::En => "(organisation-wide)".into(),
                }),
                vendor_name: d
                    .vendor_id
                    .as_ref()
                    .and_then(|v| ctx.vendor_names.get(v).cloned())
                    .unwrap_or_default(),
                what: d.what.get(lang).to_string(),
                rule_id: d.rule_id.clone(),
                due_on: format_due(lang, d.due_on),
                days,
                state: match days {
                    1.. => "upcoming",
                    0 => "due_today",
                    _ => "overdue",
                }
                .into(),
                escalated: item.escalated,
                owner_name: item.escalated.then(|| {
                    ctx.directory
                        .resolve(&d.owner)
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                }),
                link: format!("{}{}", ctx.config.public_base_url, d.path),
            }
        })
        .collect();
    let digest = DigestContext {
        organization: ctx.config.organization_name.clone(),
        recipient_name: person.name.clone(),
        base_url: ctx.config.public_base_url.clone(),
        overdue_count: digest_items.iter().filter(|i| i.days < 0).count(),
        escalated_count: digest_items.iter().filter(|i| i.escalated).count(),
        more_count,
        items: digest_items,
    };
    let email = ctx
        .templates
        .render_digest(lang, &digest)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    outbox::enqueue(
        conn,
        &outbox::NewMessage {
            id: &message_id,
            recipient_user_id: Some(&person.id),
            to_email: &person.email,
            to_name: &person.name,
            lang: lang.as_str(),
            subject: &email.subject,
            text: &email.text,
            html: &email.html,
        },
        at,
    )?;
    Ok(new.len())
}
