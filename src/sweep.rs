//! The reminder sweep: every deadline, the reminder stage it is at today, who is to hear
//! of it (the owner, and the escalation levels once it is overdue long enough), and for
//! each person one digest of what is new for them. Each person's reminders and their
//! message are written in one transaction, and a reminder already recorded for that
//! deadline, stage and person is never recorded again, so a sweep run by hand during a
//! scheduled one, a restart, or two instances sweeping at once send nothing twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::checks;
use crate::app::deadlines::{each_due_by, Directory, Holders, Person};
use crate::app::obligations::ObligationRules;
use crate::clauses::Catalog;
use crate::config::Config;
use crate::db::{self, outbox, reminders, vendors, DbConnection};
use crate::deadlines::{Deadline, Kind};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::mail::{format_due, DigestContext, DigestItem, EmailTemplates};
use crate::policy::reminders as policy;
use crate::questionnaires::Questionnaires;

/// Items a digest lists; the rest are counted, and are in the deadline view. A person
/// owing hundreds of things at once gets one readable message, not a book.
pub const DIGEST_MAX_ITEMS: usize = 50;

/// One reminder a person is to get in this sweep.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Planned {
    pub recipient_user_id: String,
    pub recipient_email: String,
    pub deadline_key: String,
    /// The rule the deadline comes from, e.g. `R-8.2`.
    pub rule_id: String,
    /// The engagement it is about, if any.
    pub engagement_title: Option<String>,
    /// What is due, in both languages, for whoever reads the plan (the API's answer has
    /// the rule and the engagement).
    #[serde(skip)]
    pub what: crate::i18n::Msg,
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
    /// Active engagements past their end date moved to `ending`; in a dry
    /// run, due to move.
    pub engagements_ended: usize,
    /// End-of-term attestations sent to vendors with those moves.
    pub attestations_sent: usize,
    /// Periodic checks sent to vendors; in a dry run, due.
    pub checks_issued: usize,
    /// Vendors reminded of a check or attestation not yet submitted, 7 days before its due
    /// date and on it, each with a new link; in a dry run, due.
    pub vendors_reminded: usize,
    /// Deadlines looked at.
    pub deadlines: usize,
    /// Reminders recorded now (or, in a dry run, that would be).
    pub reminders: usize,
    /// Digest messages queued (one per person with something new).
    pub messages: usize,
    /// In a dry run, each reminder that would be sent.
    pub planned: Vec<Planned>,
}

/// How long a deadline's fingerprint is kept unchanged: any deadline still open tells of a
/// new stage well within a year (weekly once overdue), so an older one is of a deadline
/// met or gone.
const MARKS_KEPT_DAYS: u64 = 366;

struct Pending<'a> {
    deadline: &'a Deadline,
    stage: String,
    escalated: bool,
}

/// Who hears of what today.
struct Plan<'a> {
    /// By person id (sorted, so runs lock rows in the same order).
    by_person: BTreeMap<String, (&'a Person, Vec<Pending<'a>>)>,
    /// Per deadline anyone hears of, a fingerprint of its key and of every (person,
    /// stage) told of it, in the order told: a complete sweep stores it
    /// ([`reminders::mark`]) once all of those are recorded, and a later sweep whose
    /// fingerprint is the same has nothing to look up for that deadline.
    told: HashMap<&'a str, u128>,
}

/// The first 128 bits of a SHA-256, as a fingerprint is compared and stored (hex).
fn fingerprint(hasher: sha2::Sha256) -> u128 {
    use sha2::Digest;
    let digest = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// Who hears of a deadline today: its owners at the owner's stage, then each escalation
/// level's holders who are not owners. Nothing is collected: the sweep asks this of every
/// deadline due and most of them told the same people the same thing yesterday.
struct Told<'a> {
    stage: String,
    owners: Holders<'a>,
    /// (stage key, holders of the level's role).
    escalations: Vec<(String, Holders<'a>)>,
}

impl<'a> Told<'a> {
    /// Each (person, stage, escalated), in the order told.
    fn each(&self) -> impl Iterator<Item = (&'a Person, &str, bool)> + '_ {
        let owners = self.owners.clone().map(|p| (p, self.stage.as_str(), false));
        let escalated = self.escalations.iter().flat_map(move |(level, holders)| {
            holders
                .clone()
                // An owner already hears of it as the owner.
                .filter(|p| !self.owners.clone().any(|o| o.id == p.id))
                .map(move |p| (p, level.as_str(), true))
        });
        owners.chain(escalated)
    }

    /// The fingerprint of what the deadline tells: its key and each (person, stage) in
    /// order; `None` when it tells nobody.
    fn fingerprint(&self, key: &str) -> Option<u128> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(key.as_bytes());
        let mut anyone = false;
        for (p, stage, _) in self.each() {
            anyone = true;
            hasher.update([0]);
            hasher.update(p.id.as_bytes());
            hasher.update([0]);
            hasher.update(stage.as_bytes());
        }
        anyone.then(|| fingerprint(hasher))
    }
}

/// Who hears of `d` today and at which stage; `None` when no stage is reached.
fn tell<'a>(
    d: &Deadline,
    directory: &'a Directory,
    policy: &policy::ReminderPolicy,
    today: NaiveDate,
) -> Option<Told<'a>> {
    let stage = match d.kind {
        Kind::ContractEnd => policy::contract_end_stage(d.due_on, today, policy),
        // Told well before it lapses, as a contract's end is, then as anything overdue.
        Kind::IsmapLapse => policy::contract_end_stage(d.due_on, today, policy)
            .or_else(|| policy::owner_stage(d.due_on, today, policy).map(|s| s.key())),
        _ => policy::owner_stage(d.due_on, today, policy).map(|s| s.key()),
    }?;
    let mut escalations = Vec::new();
    if !matches!(d.kind, Kind::ContractEnd | Kind::IsmapLapse) {
        for (level, role) in policy::escalations(d.due_on, today, policy) {
            let scope = if crate::deadlines::division_scoped(role) {
                match &d.division_id {
                    Some(div) => Some(div.as_str()),
                    None => continue,
                }
            } else {
                None
            };
            escalations.push((level, directory.holding(role, scope)));
        }
    }
    Some(Told {
        stage,
        owners: directory.holders(&d.owner),
        escalations,
    })
}

fn plan<'a>(
    list: &'a [Deadline],
    directory: &'a Directory,
    policy: &policy::ReminderPolicy,
    today: NaiveDate,
) -> Plan<'a> {
    let mut by_person: BTreeMap<String, (&Person, Vec<Pending>)> = BTreeMap::new();
    let mut told_by_key = HashMap::new();
    for d in list {
        let Some(told) = tell(d, directory, policy, today) else {
            continue;
        };
        let Some(fingerprint) = told.fingerprint(&d.key) else {
            continue;
        };
        told_by_key.insert(d.key.as_str(), fingerprint);
        for (p, stage, escalated) in told.each() {
            by_person
                .entry(p.id.clone())
                .or_insert_with(|| (p, Vec::new()))
                .1
                .push(Pending {
                    deadline: d,
                    stage: stage.to_string(),
                    escalated,
                });
        }
    }
    Plan {
        by_person,
        told: told_by_key,
    }
}

/// Runs the sweep at `now`. A dry run writes nothing and lists what would be sent.
pub fn run(
    conn: &mut DbConnection,
    rules: &ObligationRules,
    templates: &EmailTemplates,
    questionnaires: &Questionnaires,
    now: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<SweepReport> {
    let config: &Config = &rules.config;
    let catalog: &Catalog = rules.clauses.catalog();
    let today = config.date_at(now);
    // Checks first: a check sent today is a deadline of its own from today.
    let env = checks::Env {
        config,
        rules: rules.clone(),
        questionnaires,
        email: templates,
    };
    // Terms that ended move to `ending` first, so that today's deadlines include their
    // end-of-term obligations.
    let mut phase = Phases::start();
    let ended = crate::app::end_of_term::end_past_terms(conn, &env, now, dry_run)?;
    phase.done("terms ended");
    let checks_issued = checks::issue_due(conn, &env, now, catalog, dry_run)?;
    phase.done("checks issued");
    let vendors_reminded = checks::remind_vendors(conn, &env, now, dry_run)?;
    phase.done("vendors reminded");
    // Everything overdue, and what is due within the longest notice any reminder gives.
    let notice = (config.reminders.days_before.iter())
        .chain(config.reminders.contract_end_notice_days.iter())
        .copied()
        .max()
        .unwrap_or(0);
    let directory = Directory::load(conn)?;
    let vendor_names = vendors::names(conn)?;
    // A deadline whose fingerprint a complete sweep stored tells the same people of the
    // same stages as then: every one of those reminders is recorded, and the deadline is
    // not kept. Memory follows what changed, not what is open.
    let marked: HashSet<u128> = reminders::marks(conn)?
        .iter()
        .filter_map(|m| u128::from_str_radix(m, 16).ok())
        .collect();
    let mut looked_at = 0;
    let mut list = Vec::new();
    each_due_by(
        conn,
        config,
        today,
        today + chrono::Days::new(notice.into()),
        |d| {
            looked_at += 1;
            let told = tell(&d, &directory, &config.reminders, today);
            if told
                .and_then(|t| t.fingerprint(&d.key))
                .is_some_and(|f| !marked.contains(&f))
            {
                list.push(d);
            }
        },
    )?;
    drop(marked);
    phase.done("deadlines read");
    let planned = plan(&list, &directory, &config.reminders, today);
    phase.done("planned");
    let mut report = SweepReport {
        today,
        dry_run,
        engagements_ended: ended.moved,
        attestations_sent: ended.attestations,
        checks_issued,
        vendors_reminded,
        deadlines: looked_at,
        reminders: 0,
        messages: 0,
        planned: Vec::new(),
    };
    for (person, items) in planned.by_person.values() {
        let items: Vec<&Pending> = items.iter().collect();
        if dry_run {
            let sent = sent_to(conn, person, &items)?;
            for item in items {
                if !sent.contains(&(item.deadline.key.as_str(), item.stage.as_str())) {
                    report.reminders += 1;
                    report.planned.push(Planned {
                        recipient_user_id: person.id.clone(),
                        recipient_email: person.email.clone(),
                        deadline_key: item.deadline.key.clone(),
                        rule_id: item.deadline.rule_id.clone(),
                        engagement_title: item.deadline.engagement_title.clone(),
                        what: item.deadline.what.clone(),
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
        let new = db::write(conn, |conn| queue_digest(conn, &ctx, person, &items, now))?;
        if new > 0 {
            report.reminders += new;
            report.messages += 1;
        }
    }
    phase.done("reminders recorded");
    if !dry_run {
        // Every reminder planned is recorded now (by this sweep, or found recorded by an
        // earlier or concurrent one): what each deadline told can be marked.
        let marks: Vec<(&str, String)> = (planned.told.iter())
            .map(|(key, f)| (*key, format!("{f:032x}")))
            .collect();
        reminders::mark(conn, &marks, today)?;
        reminders::forget_marks_before(conn, today - chrono::Days::new(MARKS_KEPT_DAYS))?;
        phase.done("marked");
    }
    if !dry_run {
        tracing::info!(
            today = %today,
            engagements_ended = report.engagements_ended,
            attestations_sent = report.attestations_sent,
            checks_issued = report.checks_issued,
            vendors_reminded = report.vendors_reminded,
            deadlines = report.deadlines,
            reminders = report.reminders,
            messages = report.messages,
            "reminder sweep"
        );
    }
    Ok(report)
}

/// Which of the person's `items` were recorded already, as (deadline key, stage).
fn sent_to<'i>(
    conn: &mut DbConnection,
    person: &Person,
    items: &[&'i Pending],
) -> AppResult<HashSet<(&'i str, &'i str)>> {
    let keys: Vec<&str> = items.iter().map(|i| i.deadline.key.as_str()).collect();
    let sent = reminders::sent_to(conn, &person.id, &keys)?;
    Ok(items
        .iter()
        .map(|i| (i.deadline.key.as_str(), i.stage.as_str()))
        .filter(|(k, s)| sent.contains(&(k.to_string(), s.to_string())))
        .collect())
}

/// How long each step of a sweep took, logged at debug level: where an operator looks
/// first when a sweep gets slow.
struct Phases(std::time::Instant);

impl Phases {
    fn start() -> Phases {
        Phases(std::time::Instant::now())
    }

    fn done(&mut self, step: &str) {
        let elapsed = self.0.elapsed();
        tracing::debug!(step, elapsed_ms = elapsed.as_millis() as u64, "sweep step");
        self.0 = std::time::Instant::now();
    }
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
    items: &[&Pending],
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let message_id = outbox::next_id();
    let at = now.naive_utc();
    // What was sent on an earlier day is skipped after one query; the insert (ON CONFLICT
    // DO NOTHING) still decides, so a sweep running at the same moment elsewhere cannot
    // make a reminder go out twice: only what this transaction recorded is sent.
    let sent = sent_to(conn, person, items)?;
    let candidates: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.deadline.key.as_str(), i.stage.as_str()))
        .filter(|pair| !sent.contains(pair))
        .collect();
    let recorded: std::collections::HashSet<(String, String)> =
        reminders::record_many(conn, &candidates, &person.id, &message_id, at)?
            .into_iter()
            .collect();
    let new: Vec<&Pending> = items
        .iter()
        .copied()
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::compliance::tests::{catalog, d, facts};
    use crate::db::users;
    use crate::deadlines;
    use crate::deadlines::Owner;
    use crate::domain::{EngagementKind, Role, Status};
    use crate::i18n::Msg;

    const TODAY: fn() -> NaiveDate = || d(2027, 6, 1);

    fn person(id: &str, roles: &[Role], divisions: &[&str]) -> Person {
        Person {
            id: id.into(),
            name: format!("Name of {id}"),
            email: format!("{id}@example.jp"),
            lang: Lang::En,
            roles: roles.to_vec(),
            division_ids: divisions.iter().map(|d| d.to_string()).collect(),
        }
    }

    /// The engagement's officer, the security officers of two divisions, and the CISO.
    fn directory() -> Directory {
        Directory::of(vec![
            person("officer", &[Role::SecurityOfficer], &["div-a"]),
            person("so-a", &[Role::SecurityOfficer], &["div-a"]),
            person("so-b", &[Role::SecurityOfficer], &["div-b"]),
            person("ciso", &[Role::Ciso], &[]),
            person("csm", &[Role::ChiefSystemManager], &[]),
        ])
    }

    fn deadline(key: &str, kind: Kind, due_on: NaiveDate, owner: Owner) -> Deadline {
        Deadline {
            key: key.into(),
            kind,
            rule_id: "R-8.2".into(),
            what: Msg::new(format!("作業 {key}"), format!("Task {key}")),
            engagement_id: Some("e1".into()),
            engagement_title: Some("窓口業務委託".into()),
            vendor_id: Some("v1".into()),
            division_id: Some("div-a".into()),
            due_on,
            owner,
            path: "/engagements/e1#obligations".into(),
        }
    }

    fn officer() -> Owner {
        Owner::User("officer".into())
    }

    /// Days from TODAY: negative when overdue.
    fn due_in(days: i64) -> NaiveDate {
        TODAY() + chrono::TimeDelta::days(days)
    }

    /// (person, deadline key, stage, escalated), in the plan's order.
    fn told(list: &[Deadline], directory: &Directory) -> Vec<(String, String, String, bool)> {
        plan(list, directory, &policy::ReminderPolicy::default(), TODAY())
            .by_person
            .into_iter()
            .flat_map(|(id, (p, items))| {
                assert_eq!(id, p.id);
                items
                    .into_iter()
                    .map(move |i| (p.id.clone(), i.deadline.key.clone(), i.stage, i.escalated))
            })
            .collect()
    }

    fn row(p: &str, key: &str, stage: &str, escalated: bool) -> (String, String, String, bool) {
        (p.into(), key.into(), stage.into(), escalated)
    }

    #[test]
    fn the_owner_hears_14_and_3_days_before_on_the_day_and_weekly_once_overdue() {
        let stage_at = |days: i64| {
            let list = [deadline("k", Kind::Obligation, due_in(days), officer())];
            told(&list, &directory())
                .into_iter()
                .map(|(p, _, stage, escalated)| {
                    assert_eq!((p.as_str(), escalated), ("officer", false));
                    stage
                })
                .collect::<Vec<_>>()
        };
        assert!(stage_at(15).is_empty(), "too early to say anything");
        assert_eq!(stage_at(14), ["before_14"]);
        assert_eq!(stage_at(4), ["before_14"]);
        assert_eq!(stage_at(3), ["before_3"]);
        assert_eq!(stage_at(0), ["due"]);
        assert_eq!(stage_at(-6), ["due"]);
        assert_eq!(stage_at(-7), ["overdue_1"]);
        assert_eq!(stage_at(-13), ["overdue_1"]);
    }

    #[test]
    fn fourteen_days_overdue_the_divisions_security_officer_hears_of_it_and_at_thirty_the_ciso() {
        let at = |days: i64| {
            let list = [deadline("k", Kind::Obligation, due_in(days), officer())];
            told(&list, &directory())
        };
        assert_eq!(at(-13), [row("officer", "k", "overdue_1", false)]);
        assert_eq!(
            at(-14),
            [
                row("officer", "k", "overdue_2", false),
                row("so-a", "k", "escalation_14", true),
            ],
            "not the security officer of another division, nor the CISO yet"
        );
        assert_eq!(
            at(-30),
            [
                row("ciso", "k", "escalation_30", true),
                row("officer", "k", "overdue_4", false),
                row("so-a", "k", "escalation_14", true),
            ]
        );
    }

    #[test]
    fn an_owner_holding_the_escalation_role_is_told_once_as_the_owner() {
        // The officer is a security officer of div-a: the 14-day escalation reaches them
        // as the owner already.
        let list = [deadline("k", Kind::Obligation, due_in(-14), officer())];
        let rows = told(&list, &directory());
        assert_eq!(
            rows.iter().filter(|r| r.0 == "officer").count(),
            1,
            "{rows:?}"
        );

        // A deadline owned by a role: its holders are owners, never escalated to again.
        let owned_by_role = [deadline(
            "approval:a1",
            Kind::Approval,
            due_in(-30),
            Owner::Role {
                role: Role::SecurityOfficer,
                division_id: Some("div-a".into()),
            },
        )];
        assert_eq!(
            told(&owned_by_role, &directory()),
            [
                row("ciso", "approval:a1", "escalation_30", true),
                row("officer", "approval:a1", "overdue_4", false),
                row("so-a", "approval:a1", "overdue_4", false),
            ]
        );
    }

    #[test]
    fn an_owner_no_longer_in_the_directory_does_not_stop_the_escalation() {
        let list = [deadline(
            "k",
            Kind::Obligation,
            due_in(-14),
            Owner::User("gone".into()),
        )];
        // Every security officer of div-a hears of it, the (former) owner does not.
        assert_eq!(
            told(&list, &directory()),
            [
                row("officer", "k", "escalation_14", true),
                row("so-a", "k", "escalation_14", true),
            ]
        );
    }

    #[test]
    fn r_5_5_3_6_a_deadline_of_no_division_escalates_to_the_ciso_but_to_no_security_officer() {
        let mut review = deadlines::access_review(due_in(-30));
        review.key = "access_review".into();
        assert_eq!(
            told(&[review], &directory()),
            [
                row("ciso", "access_review", "escalation_30", true),
                row("csm", "access_review", "overdue_4", false),
            ]
        );
    }

    #[test]
    fn r_8_4_2_a_contract_end_is_told_90_and_30_days_before_to_the_owner_only() {
        let at = |days: i64| {
            let list = [deadline("end", Kind::ContractEnd, due_in(days), officer())];
            told(&list, &directory())
        };
        assert!(at(91).is_empty());
        assert_eq!(at(90), [row("officer", "end", "end_90", false)]);
        assert_eq!(at(31), [row("officer", "end", "end_90", false)]);
        assert_eq!(at(30), [row("officer", "end", "end_30", false)]);
        assert_eq!(at(0), [row("officer", "end", "end_30", false)]);
        assert!(
            at(-30).is_empty(),
            "a past end is neither reminded nor escalated"
        );
    }

    #[test]
    fn each_person_gets_every_item_of_theirs_in_one_entry() {
        let list = [
            deadline("a", Kind::Obligation, due_in(3), officer()),
            deadline("b", Kind::Obligation, due_in(60), officer()),
            deadline("c", Kind::Check, due_in(-14), officer()),
        ];
        let dir = directory();
        let planned = plan(&list, &dir, &policy::ReminderPolicy::default(), TODAY()).by_person;
        assert_eq!(
            planned.keys().map(String::as_str).collect::<Vec<_>>(),
            ["officer", "so-a"]
        );
        let (_, items) = &planned["officer"];
        assert_eq!(
            items
                .iter()
                .map(|i| (i.deadline.key.as_str(), i.stage.as_str()))
                .collect::<Vec<_>>(),
            [("a", "before_3"), ("c", "overdue_2")]
        );
    }

    #[test]
    fn a_role_resolves_to_its_holders_in_the_division_or_everywhere_without_one() {
        let dir = directory();
        let ids = |owner: Owner| {
            dir.resolve(&owner)
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(Owner::Role {
                role: Role::SecurityOfficer,
                division_id: Some("div-b".into())
            }),
            ["so-b"]
        );
        assert_eq!(
            ids(Owner::Role {
                role: Role::SecurityOfficer,
                division_id: None
            }),
            ["officer", "so-a", "so-b"]
        );
        assert_eq!(ids(Owner::User("ciso".into())), ["ciso"]);
        assert!(ids(Owner::User("nobody".into())).is_empty());
    }

    fn database() -> (tempfile::TempDir, Config, DbConnection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.sqlite3").display().to_string();
        let config = Config::from_pairs(&[("database_url", path.as_str())]).unwrap();
        let conn = db::open(&config.database).unwrap();
        (dir, config, conn)
    }

    fn insert_user(conn: &mut DbConnection, p: &Person) {
        let user = users::sample(&p.id, &p.email, &p.name, p.lang);
        users::insert(conn, &user, &[], &[]).unwrap();
    }

    #[test]
    fn the_digest_lists_the_most_urgent_items_up_to_its_cap_and_counts_the_rest() {
        let (_dir, config, mut conn) = database();
        let dir = directory();
        let me = &dir.people()[0];
        insert_user(&mut conn, me);
        // Two overdue, then one a day; listed most urgent first whatever the order here.
        let count = DIGEST_MAX_ITEMS + 3;
        let list: Vec<Deadline> = (0..count)
            .rev()
            .map(|i| {
                deadline(
                    &format!("{i:03}"),
                    Kind::Obligation,
                    due_in(i as i64 - 2),
                    officer(),
                )
            })
            .collect();
        let items: Vec<Pending> = list
            .iter()
            .map(|d| Pending {
                deadline: d,
                stage: "before_14".into(),
                escalated: false,
            })
            .collect();
        let templates = EmailTemplates::load().unwrap();
        let vendor_names = HashMap::from([("v1".to_string(), "Acme KK".to_string())]);
        let ctx = Digest {
            config: &config,
            templates: &templates,
            directory: &dir,
            vendor_names: &vendor_names,
            today: TODAY(),
        };
        let now = Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap();
        let items: Vec<&Pending> = items.iter().collect();
        let new = db::write(&mut conn, |c| queue_digest(c, &ctx, me, &items, now)).unwrap();
        assert_eq!(new, count, "every reminder is recorded, listed or not");
        assert_eq!(
            reminders::sent_to(
                &mut conn,
                "officer",
                &items
                    .iter()
                    .map(|i| i.deadline.key.as_str())
                    .collect::<Vec<_>>()
            )
            .unwrap()
            .len(),
            count
        );

        let (messages, total) = outbox::list(&mut conn, None, 0, 10).unwrap();
        assert_eq!(total, 1, "one message for all of them");
        let m = &messages[0];
        assert_eq!(m.to_email, "officer@example.jp");
        let text = &m.text_body;
        assert!(text.contains("There are 3 more items"), "{text}");
        assert!(text.contains("2 are already overdue"), "{text}");
        assert!(text.contains("Acme KK"), "{text}");
        let last_listed = format!("Task {:03}", DIGEST_MAX_ITEMS - 1);
        let first_left_out = format!("Task {:03}", DIGEST_MAX_ITEMS);
        assert!(text.contains("Task 000"), "{text}");
        assert!(text.contains(&last_listed), "{text}");
        assert!(!text.contains(&first_left_out), "{text}");
        assert!(
            text.find("Task 000").unwrap() < text.find("Task 001").unwrap(),
            "the most urgent first"
        );
    }

    #[test]
    fn a_reminder_already_recorded_is_not_queued_again() {
        let (_dir, config, mut conn) = database();
        let dir = directory();
        let me = &dir.people()[0];
        insert_user(&mut conn, me);
        let list = [
            deadline("a", Kind::Obligation, due_in(3), officer()),
            deadline("b", Kind::Obligation, due_in(3), officer()),
        ];
        let pending = |keys: &[usize], stage: &str| -> Vec<Pending> {
            keys.iter()
                .map(|&i| Pending {
                    deadline: &list[i],
                    stage: stage.into(),
                    escalated: false,
                })
                .collect()
        };
        let templates = EmailTemplates::load().unwrap();
        let vendor_names = HashMap::new();
        let ctx = Digest {
            config: &config,
            templates: &templates,
            directory: &dir,
            vendor_names: &vendor_names,
            today: TODAY(),
        };
        let now = Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap();
        let mut queue = |items: &[Pending]| {
            let items: Vec<&Pending> = items.iter().collect();
            db::write(&mut conn, |c| queue_digest(c, &ctx, me, &items, now)).unwrap()
        };
        assert_eq!(queue(&pending(&[0], "before_3")), 1);
        assert_eq!(
            queue(&pending(&[0], "before_3")),
            0,
            "the same stage: nothing"
        );
        assert_eq!(
            queue(&pending(&[0, 1], "before_3")),
            1,
            "only what is new is sent"
        );
        assert_eq!(queue(&pending(&[0], "due")), 1, "a later stage is new");
        let (messages, total) = outbox::list(&mut conn, None, 0, 10).unwrap();
        assert_eq!(total, 3, "no message when nothing is new");
        let with_b: Vec<_> = messages
            .iter()
            .filter(|m| m.text_body.contains("Task b"))
            .collect();
        assert_eq!(with_b.len(), 1);
        assert!(
            !with_b[0].text_body.contains("Task a"),
            "only what is new is listed: {}",
            with_b[0].text_body
        );
    }

    #[test]
    fn r_5_5_3_6_every_deadline_list_ends_with_the_access_review_due_today_when_never_confirmed() {
        let (_dir, config, mut conn) = database();
        let f = facts(EngagementKind::Outsourcing, Some(2), Status::Draft);
        let list =
            crate::app::deadlines::deadlines_of(&mut conn, &[f], &config, &catalog(), TODAY())
                .unwrap();
        assert!(list
            .iter()
            .any(|d| d.key == "obligation:e1:R-8.1::2027-04-01"));
        let last = list.last().unwrap();
        assert_eq!(last.kind, Kind::AccessReview);
        assert_eq!(last.due_on, TODAY());
    }
}
