//! Engagements（委託案件）: register, change, move along the lifecycle, and the loading
//! every other use case on an engagement starts from (visible to the actor, changeable).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Services;
use super::Tx;
use crate::audit::Event;
use crate::compliance;
use crate::db::engagements::{EngagementFilter, EngagementListing, EngagementOrder, EngagementRow};
use crate::db::{
    self, approvals, contracts, divisions, engagements, information_items, users, vendors,
    DbConnection,
};
use crate::domain::date::parse_iso_date;
use crate::domain::engagement::{CloudDetails, EngagementFields};
use crate::domain::{BoundedText, ClassificationLevel, EngagementKind, Ismap, Status};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy;
use crate::policy::access::{Action, Actor};
use crate::policy::engagements::GateFacts;
use crate::policy::lifecycle;
use crate::policy::records::RecordKind;
use crate::validate::{present, Fields};

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudBody {
    pub service_name: Option<String>,
    /// Country or region where the data is kept, e.g. `日本（東京リージョン）`.
    pub data_location: Option<String>,
    /// `none`, `ismap` or `ismap_liu`.
    pub ismap: Option<String>,
}

/// An engagement as sent on create. On update every field is optional and an absent one
/// is left as it is; `kind`, `division` and `parent_id` are fixed at registration.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EngagementBody {
    /// `outsourcing`, `designated_management` or `cloud_service`.
    pub kind: Option<String>,
    pub title: Option<String>,
    /// The owning division's code.
    pub division: Option<String>,
    pub responsible_user_id: Option<String>,
    pub vendor_id: Option<String>,
    /// The work entrusted.
    pub scope: Option<String>,
    /// ISO 8601 date, e.g. `2027-04-01`.
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// For a subcontract of a designated management: the parent engagement.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<String>>,
    /// Required for a cloud service, refused otherwise.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<CloudBody>)]
    pub cloud: Option<Option<CloudBody>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CloudResponse {
    pub service_name: String,
    pub data_location: String,
    pub ismap: Ismap,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementResponse {
    pub id: String,
    pub kind: EngagementKind,
    pub title: String,
    pub division: String,
    pub division_name: String,
    pub responsible_user_id: String,
    pub responsible_user_name: String,
    pub vendor_id: String,
    pub vendor_name: String,
    pub scope: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
    /// the highest level of its information items; null while it has none.
    pub level: Option<ClassificationLevel>,
    pub parent_id: Option<String>,
    pub cloud: Option<CloudResponse>,
    /// Statuses this engagement may move to next.
    pub allowed_transitions: Vec<Status>,
    /// Findings of its periodic checks still open or in progress (on one engagement, not
    /// in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_findings: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EngagementListing> for EngagementResponse {
    fn from(l: EngagementListing) -> Self {
        let e = l.engagement;
        let status = e.status();
        let cloud = match (
            &e.cloud_service_name,
            &e.cloud_data_location,
            &e.cloud_ismap,
        ) {
            (Some(name), Some(location), Some(ismap)) => Some(CloudResponse {
                service_name: name.clone(),
                data_location: location.clone(),
                ismap: Ismap::parse(ismap).unwrap_or(Ismap::None),
            }),
            _ => None,
        };
        EngagementResponse {
            kind: e.kind(),
            level: e.level(),
            allowed_transitions: lifecycle::allowed_moves(status),
            open_findings: None,
            status,
            cloud,
            id: e.id,
            title: e.title,
            division: l.division_code,
            division_name: l.division_name,
            responsible_user_id: e.responsible_user_id,
            responsible_user_name: l.responsible_name,
            vendor_id: e.vendor_id,
            vendor_name: l.vendor_name,
            scope: e.scope,
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            parent_id: e.parent_id,
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        }
    }
}

pub fn not_found() -> AppError {
    AppError::not_found("委託案件が見つかりません", "No such engagement")
}

/// The engagement, if the actor may see it.
pub fn load_visible(conn: &mut DbConnection, actor: &Actor, id: &str) -> AppResult<EngagementRow> {
    let row = engagements::find(conn, id)?.ok_or_else(not_found)?;
    actor.authorize(Action::ReadEngagement {
        division_id: &row.division_id,
    })?;
    Ok(row)
}

/// The engagement a check or finding belongs to, if the actor may see it; otherwise
/// `not_found`, so that what belongs to it is not revealed either.
pub fn owning_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    engagement_id: &str,
    not_found: fn() -> AppError,
) -> AppResult<EngagementRow> {
    let engagement = engagements::find(conn, engagement_id)?.ok_or_else(not_found)?;
    actor
        .permits(&Action::ReadEngagement {
            division_id: &engagement.division_id,
        })
        .map_err(|_| not_found())?;
    Ok(engagement)
}

/// The engagement, if the actor may change it and it is still open.
pub fn load_changeable(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<EngagementRow> {
    let row = load_visible(conn, actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &row.division_id,
    })?;
    if lifecycle::is_final(row.status()) {
        return Err(AppError::Conflict {
            message: Msg::new(
                format!("「{}」の委託案件は変更できません", row.status().label_ja()),
                format!("An engagement that is {} cannot be changed", row.status()),
            ),
            allowed: vec![],
        });
    }
    Ok(row)
}

/// One engagement, with its open findings counted.
pub fn listing(conn: &mut DbConnection, id: &str) -> AppResult<EngagementResponse> {
    let mut response: EngagementResponse = engagements::get_listing(conn, id)?
        .ok_or_else(not_found)?
        .into();
    response.open_findings = Some(db::checks::count_open_findings(conn, id)?);
    Ok(response)
}

/// One engagement for the actor; a read of an L3 engagement is recorded, so
/// this runs through `app::read`.
pub fn read(tx: &mut Tx, actor: &Actor, id: &str) -> AppResult<EngagementResponse> {
    load_visible(tx.conn(), actor, id)?;
    let response = listing(tx.conn(), id)?;
    super::record_l3_read(
        tx,
        response.level,
        Event::new("engagement.read_l3").target("engagement", id),
    );
    Ok(response)
}

/// Parses and checks a whole engagement: each field alone, then against each other and
/// against what they refer to. Every problem found is reported in one answer.
fn resolve(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &EngagementBody,
) -> AppResult<EngagementFields> {
    let mut f = Fields::new();
    let kind = f.require("kind", body.kind.as_deref(), EngagementKind::parse);
    let title = f.require("title", body.title.as_deref(), |v| {
        BoundedText::parse(v, 200)
    });
    let scope = f.require("scope", body.scope.as_deref(), |v| {
        BoundedText::parse(v, 4000)
    });
    let starts_on = f.require("starts_on", body.starts_on.as_deref(), parse_iso_date);
    let ends_on = f.require("ends_on", body.ends_on.as_deref(), parse_iso_date);
    if let (Some(s), Some(e)) = (starts_on, ends_on) {
        if e < s {
            f.push(
                "ends_on",
                "before_start",
                Msg::new(
                    format!("終了日（{e}）が開始日（{s}）より前です"),
                    format!("The end date ({e}) is before the start date ({s})"),
                ),
            );
        }
    }

    let division = match body.division.as_deref() {
        Some(code) => match divisions::find_by_code(conn, code.trim())? {
            Some(d) => Some(d),
            None => {
                f.push(
                    "division",
                    "unknown",
                    super::divisions::unknown_division_msg(code),
                );
                None
            }
        },
        None => {
            f.required("division");
            None
        }
    };
    // Authorization before the remaining checks: who may not register here learns no more.
    if let Some(d) = &division {
        actor.authorize(Action::ChangeEngagement { division_id: &d.id })?;
    }

    match body.vendor_id.as_deref() {
        Some(v) if vendors::exists(conn, v)? => {}
        Some(_) => f.push(
            "vendor_id",
            "unknown",
            Msg::new("事業者が登録されていません", "No vendor has this id"),
        ),
        None => f.required("vendor_id"),
    }

    match (body.responsible_user_id.as_deref(), kind, &division) {
        (None, _, _) => f.required("responsible_user_id"),
        (Some(user_id), Some(kind), Some(division)) => {
            let role = kind.responsible_role();
            if !users::holds_role_in_division(conn, user_id, role, &division.id)? {
                f.push(
                    "responsible_user_id",
                    "not_eligible",
                    Msg::new(
                        format!(
                            "責任者は{}の{}（有効な利用者）でなければなりません",
                            division.name,
                            role.label_ja()
                        ),
                        format!(
                            "The responsible person must be an active {} ({}) of division {}",
                            role.as_str(),
                            role.rule_id(),
                            division.code
                        ),
                    ),
                );
            }
        }
        _ => {}
    }

    // a designated manager's subcontract is registered as an outsourcing whose
    // parent is the designated management.
    let parent_id = body.parent_id.clone().flatten();
    if let Some(pid) = &parent_id {
        let parent = engagements::find(conn, pid)?;
        let parent_kind = parent.as_ref().map(EngagementRow::kind);
        match &parent {
            None => f.push(
                "parent_id",
                "unknown",
                Msg::new(
                    "親となる委託案件が見つかりません",
                    "No engagement has this id",
                ),
            ),
            Some(p) if parent_kind == Some(EngagementKind::DesignatedManagement) => {
                actor.authorize(Action::ReadEngagement {
                    division_id: &p.division_id,
                })?;
            }
            Some(_) => {}
        }
        for problem in policy::engagements::parent_problems(kind, parent_kind) {
            f.push("parent_id", problem.code(), problem.message());
        }
    }

    let cloud_body = body.cloud.clone().flatten();
    let cloud = match (kind, cloud_body) {
        (Some(EngagementKind::CloudService), None) => {
            f.push(
                "cloud",
                "required",
                Msg::new(
                    "クラウドサービスにはサービス名、データの保管場所、ISMAP 登録を入力してください",
                    "A cloud service needs its service name, data location and ISMAP registration",
                ),
            );
            None
        }
        (Some(EngagementKind::CloudService), Some(c)) => {
            let service_name = f.require("cloud.service_name", c.service_name.as_deref(), |v| {
                BoundedText::parse(v, 200)
            });
            let data_location = f.require("cloud.data_location", c.data_location.as_deref(), |v| {
                BoundedText::parse(v, 200)
            });
            let ismap = f.require("cloud.ismap", c.ismap.as_deref(), Ismap::parse);
            match (service_name, data_location, ismap) {
                (Some(service_name), Some(data_location), Some(ismap)) => Some(CloudDetails {
                    service_name,
                    data_location,
                    ismap,
                }),
                _ => None,
            }
        }
        (Some(_), Some(_)) => {
            f.push(
                "cloud",
                "not_allowed",
                Msg::new(
                    "クラウドの項目はクラウドサービスの案件にのみ入力できます",
                    "Cloud details belong to cloud service engagements only",
                ),
            );
            None
        }
        _ => None,
    };

    f.finish()?;
    match (kind, title, division, scope, starts_on, ends_on) {
        (Some(kind), Some(title), Some(division), Some(scope), Some(starts_on), Some(ends_on)) => {
            Ok(EngagementFields {
                kind,
                title,
                division_id: division.id,
                responsible_user_id: body.responsible_user_id.clone().unwrap_or_default(),
                vendor_id: body.vendor_id.clone().unwrap_or_default(),
                scope,
                starts_on,
                ends_on,
                parent_id,
                cloud,
            })
        }
        _ => Err(Fields::refused_silently()),
    }
}

fn fixed_field(f: &mut Fields, field: &str, sent: Option<&str>, current: &str) {
    if sent.is_some_and(|s| s.trim() != current) {
        f.push(
            field,
            "immutable",
            Msg::new(
                "登録後は変更できません（新しい案件として登録してください）",
                "Cannot be changed after registration (register a new engagement instead)",
            ),
        );
    }
}

/// Registers an engagement, in status `draft`.
pub fn register(
    tx: &mut Tx,
    actor: &Actor,
    body: &EngagementBody,
) -> AppResult<EngagementResponse> {
    let fields = resolve(tx.conn(), actor, body)?;
    let now_at = tx.now().naive_utc();
    let id = engagements::insert(tx.conn(), &fields, now_at)?;
    let created = listing(tx.conn(), &id)?;
    tx.record(
        Event::new("engagement.create")
            .target("engagement", &id)
            .after(&created),
    );
    Ok(created)
}

/// Changes an open engagement; absent fields stay as they are, and `kind`, `division` and
/// `parent_id` are fixed once registered.
pub fn update(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    patch: EngagementBody,
) -> AppResult<EngagementResponse> {
    let current = load_changeable(tx.conn(), actor, id)?;
    let before = listing(tx.conn(), id)?;
    let division = before.division.clone();
    let mut f = Fields::new();
    fixed_field(&mut f, "kind", patch.kind.as_deref(), current.kind.as_str());
    fixed_field(&mut f, "division", patch.division.as_deref(), &division);
    if let Some(p) = &patch.parent_id {
        if p.as_deref() != current.parent_id.as_deref() {
            fixed_field(&mut f, "parent_id", Some("changed"), "");
        }
    }
    f.finish()?;
    let current_cloud = current.cloud_service_name.as_ref().map(|name| CloudBody {
        service_name: Some(name.clone()),
        data_location: current.cloud_data_location.clone(),
        ismap: current.cloud_ismap.clone(),
    });
    let merged = EngagementBody {
        kind: Some(current.kind.as_str().to_string()),
        title: patch.title.or(Some(current.title)),
        division: Some(division),
        responsible_user_id: patch
            .responsible_user_id
            .or(Some(current.responsible_user_id)),
        vendor_id: patch.vendor_id.or(Some(current.vendor_id)),
        scope: patch.scope.or(Some(current.scope)),
        starts_on: patch.starts_on.or(Some(current.starts_on.to_string())),
        ends_on: patch.ends_on.or(Some(current.ends_on.to_string())),
        parent_id: Some(current.parent_id),
        cloud: patch.cloud.or(Some(current_cloud)),
    };
    let fields = resolve(tx.conn(), actor, &merged)?;
    let now_at = tx.now().naive_utc();
    engagements::update(tx.conn(), id, &fields, now_at)?;
    let after = listing(tx.conn(), id)?;
    tx.record(
        Event::new("engagement.update")
            .target("engagement", id)
            .before(&before)
            .after(&after),
    );
    Ok(after)
}

/// The facts the gates of a move to `to` decide on, read from the register.
fn gate_facts(
    conn: &mut DbConnection,
    services: &Services,
    row: &EngagementRow,
    to: Status,
    today: NaiveDate,
) -> AppResult<GateFacts> {
    let catalog = services.clauses.catalog();
    let kind = row.kind();
    let contract = contracts::current(conn, &row.id)?;
    let signed: Vec<String> = contract
        .as_ref()
        .map(|c| c.clause_ids())
        .unwrap_or_default();
    let items = information_items::list(conn, &row.id)?;
    let unapproved_provisions = if to == Status::Active {
        compliance::unapproved_provisions(&items, &approvals::for_engagement(conn, &row.id)?)
    } else {
        vec![]
    };
    let records = crate::db::records::of_engagement(conn, &row.id)?;
    let recorded = |kind: RecordKind| records.iter().any(|r| r.kind == kind);
    let information_identified = recorded(RecordKind::NoInformation) || !items.is_empty();
    Ok(GateFacts {
        to,
        kind,
        level: row.level(),
        information_identified,
        terms_accepted: recorded(RecordKind::TermsAccepted),
        contract_recorded: contract.is_some(),
        missing_clauses: compliance::missing_clauses(catalog, kind, row.level(), &signed),
        unapproved_provisions,
        starts_on: row.starts_on,
        today,
        lacks_required_listing: services.ismap_required_for_active()
            && super::cloud_service::lacks_valid_listing(conn, row, today)?,
    })
}

/// A status move as asked for: where to, and for an early end (`terminated`) why.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The status to move to.
    pub to: Option<String>,
    /// Why the engagement ends early: required for `terminated`, refused otherwise.
    pub reason: Option<String>,
}

/// Moves the engagement along its lifecycle (draft → selected → contracted → active →
/// ending → closed, or terminated), when the lifecycle allows it and its gates are met.
/// Reaching `ending` or `terminated` starts the end of term (`end_of_term::begin`);
/// `closed` waits for it (`end_of_term::check_closing`).
pub fn transition(
    tx: &mut Tx,
    services: &super::Services,
    actor: &Actor,
    id: &str,
    body: TransitionBody,
) -> AppResult<EngagementResponse> {
    let mut f = Fields::new();
    let to = f.require("to", body.to.as_deref(), Status::parse);
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match (to, reason) {
        (Some(Status::Terminated), None) => f.push(
            "reason",
            "required",
            Msg::new(
                "途中で終了する理由を入力してください",
                "Say why the engagement ends early",
            ),
        ),
        (Some(Status::Terminated), Some(r)) if r.chars().count() > 2000 => f.push(
            "reason",
            "too_long",
            Msg::new(
                "理由は2000文字以内で入力してください",
                "The reason is at most 2000 characters",
            ),
        ),
        (Some(s), Some(_)) if s != Status::Terminated => f.push(
            "reason",
            "not_allowed",
            Msg::new(
                "理由は途中で終了するとき（terminated）だけ入力します",
                "A reason is given only for an early end (terminated)",
            ),
        ),
        _ => {}
    }
    let to = f.done(|| to)?;
    let row = load_visible(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &row.division_id,
    })?;
    let from = row.status();
    lifecycle::check_move(from, to)?;
    if matches!(to, Status::Contracted | Status::Active) {
        let today = tx.today();
        let facts = gate_facts(tx.conn(), services, &row, to, today)?;
        policy::engagements::check_gates(&facts)?;
    }
    if to == Status::Closed {
        super::end_of_term::check_closing(tx.conn(), &row)?;
    }
    let now_at = tx.now().naive_utc();
    if !engagements::set_status(
        tx.conn(),
        id,
        (from, to),
        Some(&actor.user_id),
        reason,
        now_at,
    )? {
        return Err(AppError::Conflict {
            message: Msg::new(
                "他の操作で状態が変わりました。再読み込みしてください",
                "The status was changed meanwhile; reload and try again",
            ),
            allowed: vec![],
        });
    }
    let moved = listing(tx.conn(), id)?;
    tx.record(
        Event::new("engagement.transition")
            .target("engagement", id)
            .before(&serde_json::json!({ "status": from }))
            .after(&serde_json::json!({ "status": to, "reason": reason })),
    );
    if matches!(to, Status::Ending | Status::Terminated) {
        let env = super::checks::Env::of(services);
        super::end_of_term::begin(tx, &env, &row, to, Some(&actor.user_id))?;
    }
    if to == Status::Closed {
        super::completion_record::issue(tx, services, &row)?;
    }
    Ok(moved)
}

/// A list of engagements as asked for: every filter the register offers, the order and
/// the page, each as typed (the API's query and the register page's form alike).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EngagementQuery {
    #[param(value_type = Option<EngagementKind>, inline)]
    pub kind: Option<String>,
    #[param(value_type = Option<ClassificationLevel>, inline)]
    pub level: Option<String>,
    #[param(value_type = Option<Status>, inline)]
    pub status: Option<String>,
    /// Division code.
    pub division: Option<String>,
    /// Vendor id.
    pub vendor: Option<String>,
    /// Text in the title, scope or vendor name.
    pub q: Option<String>,
    /// `newest` (the default), `title`, `starts_on`, `ends_on` or `level`; a leading `-`
    /// reverses the order.
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// The orders a list of engagements may be asked in, by their names in `sort`.
pub const SORTS: [(&str, EngagementOrder); 5] = [
    ("newest", EngagementOrder::Newest),
    ("title", EngagementOrder::Title),
    ("starts_on", EngagementOrder::StartsOn),
    ("ends_on", EngagementOrder::EndsOn),
    ("level", EngagementOrder::Level),
];

/// A query value as typed, or `None` when blank (an HTML form sends empty choices).
fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_sort(sort: Option<&str>, f: &mut Fields) -> (EngagementOrder, bool) {
    let Some(sort) = sort.map(str::trim).filter(|s| !s.is_empty()) else {
        return (EngagementOrder::Newest, false);
    };
    let (name, descending) = match sort.strip_prefix('-') {
        Some(name) => (name, true),
        None => (sort, false),
    };
    match SORTS.iter().find(|(n, _)| *n == name) {
        Some((_, order)) => (*order, descending),
        None => {
            f.push(
                "sort",
                "invalid",
                Msg::new(
                    "並び順は newest, title, starts_on, ends_on, level のいずれか（先頭に - で逆順）です",
                    "Sort by newest, title, starts_on, ends_on or level (a leading - reverses it)",
                ),
            );
            (EngagementOrder::Newest, false)
        }
    }
}

/// The filter and order `query` asks for, and its page; every value that cannot be used
/// is reported at once (422).
fn parse_query(
    conn: &mut DbConnection,
    query: &EngagementQuery,
) -> AppResult<(
    EngagementFilter,
    (EngagementOrder, bool),
    super::page::Paging,
)> {
    let mut f = Fields::new();
    let paging =
        super::page::Paging::parse(query.page.as_deref(), query.per_page.as_deref(), &mut f);
    let kind = f.check_opt("kind", text(&query.kind).map(EngagementKind::parse));
    let level = f.check_opt(
        "level",
        text(&query.level).map(|l| l.parse::<ClassificationLevel>()),
    );
    let status = f.check_opt("status", text(&query.status).map(Status::parse));
    let order = parse_sort(query.sort.as_deref(), &mut f);
    f.finish()?;
    let division_id = super::divisions::division_filter(conn, text(&query.division))?;
    let filter = EngagementFilter {
        kind: kind.flatten(),
        level: level.flatten(),
        status: status.flatten(),
        division_id,
        vendor_id: text(&query.vendor).map(str::to_string),
        q: text(&query.q).map(str::to_string),
    };
    Ok((filter, order, paging))
}

/// One page of the engagements `actor` may see, filtered and ordered as `query` asks;
/// the total counted exactly up to `count_up_to` (`list_count_up_to`).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &EngagementQuery,
    count_up_to: i64,
) -> AppResult<super::page::Page<EngagementResponse>> {
    let (filter, order, paging) = parse_query(conn, query)?;
    let (items, total) = engagements::list(
        conn,
        &actor.visibility(),
        &filter,
        order,
        (paging.offset(), paging.per_page),
        count_up_to,
    )?;
    Ok(paging.wrap(
        items.into_iter().map(EngagementResponse::from).collect(),
        total,
    ))
}

/// Every engagement of the selection (the page and its size are ignored), for an export;
/// the export is recorded with what was asked and how many rows went out.
pub fn export(
    tx: &mut Tx,
    actor: &Actor,
    query: &EngagementQuery,
) -> AppResult<Vec<EngagementResponse>> {
    let query = EngagementQuery {
        page: None,
        per_page: None,
        ..query.clone()
    };
    let (filter, order, _) = parse_query(tx.conn(), &query)?;
    let (items, _) = engagements::list(
        tx.conn(),
        &actor.visibility(),
        &filter,
        order,
        (0, i64::MAX),
        i64::MAX,
    )?;
    let rows: Vec<EngagementResponse> = items.into_iter().map(EngagementResponse::from).collect();
    super::record_export(tx, "engagement.export", &query, rows.len() as u64);
    Ok(rows)
}

/// Everything an engagement's page shows, read in one go.
pub struct Overview {
    pub engagement: EngagementResponse,
    pub obligations: Vec<super::obligations::ObligationResponse>,
    pub items: Vec<super::information_items::ItemResponse>,
    pub approvals: Vec<super::approvals::ApprovalResponse>,
    pub contracts: Vec<super::contracts::ContractResponse>,
    pub checks: Vec<super::checks::officer::CheckSummaryResponse>,
    /// Its checks' findings, soonest due first.
    pub findings: Vec<super::findings::FindingResponse>,
    /// What happened to it, newest first (the latest [`TIMELINE_ENTRIES`]).
    pub timeline: Vec<crate::audit::Entry>,
    /// Whether the actor may change it (move it, add to it).
    pub can_change: bool,
    /// The designated management it is a subcontract of, when the actor may see it.
    pub parent: Option<Related>,
    /// Its subcontracts the actor may see.
    pub subcontracts: Vec<Related>,
    /// How often it is checked.
    pub check_interval: super::checks::officer::IntervalResponse,
    /// Its end of term, once begun.
    pub end_of_term: Option<super::end_of_term::Standing>,
    /// Its records (selection, supervision, inspection, …), the latest first.
    pub records: Vec<super::records::RecordResponse>,
    /// Its waivers, pending and decided, the latest request first.
    pub waivers: Vec<super::obligations::WaiverRequest>,
    /// The names of the people its records and waivers name, by user id.
    pub names: std::collections::HashMap<String, String>,
    /// The active ROLE-CISO holders a delegated inspection may name: id, name.
    pub cisos: Vec<(String, String)>,
    /// A cloud service's own records.
    pub cloud: Option<CloudRecords>,
}

/// What a cloud service keeps beyond the register.
pub struct CloudRecords {
    /// Its configuration records.
    pub configuration: super::configuration::ConfigurationResponse,
    /// Its division of responsibility.
    pub responsibility: super::responsibility::ResponsibilityResponse,
    /// Its ISMAP listing, data location and their flags.
    pub service: super::cloud_service::CloudServiceResponse,
    /// Its provider's subprocessors and the changes awaiting acknowledgement.
    pub subprocessors: super::subprocessors::SubprocessorsResponse,
}

/// Another engagement named on this one's page.
pub struct Related {
    pub id: String,
    pub title: String,
    pub status: Status,
}

impl From<EngagementRow> for Related {
    fn from(e: EngagementRow) -> Self {
        Related {
            status: e.status(),
            id: e.id,
            title: e.title,
        }
    }
}

fn visible_to(actor: &Actor, e: &EngagementRow) -> bool {
    actor
        .permits(&Action::ReadEngagement {
            division_id: &e.division_id,
        })
        .is_ok()
}

pub const TIMELINE_ENTRIES: i64 = 100;

/// The engagement with its obligations, information items, approvals, contracts, checks
/// and history. Reading an L3 engagement is recorded: run through `app::read`.
pub fn overview(
    tx: &mut Tx,
    services: &super::Services,
    actor: &Actor,
    id: &str,
) -> AppResult<Overview> {
    let row = load_visible(tx.conn(), actor, id)?;
    let engagement = read(tx, actor, id)?;
    let today = tx.today();
    let obligations = super::obligations::of_engagement(tx.conn(), services, actor, id, today)?;
    let items = super::information_items::of_engagement(tx, actor, id)?;
    let approvals = super::approvals::of_engagement(tx.conn(), actor, id)?;
    let contracts = super::contracts::of_engagement(tx.conn(), services, actor, id)?;
    let checks = super::checks::officer::of_engagement(tx.conn(), actor, id, today)?;
    let findings = super::findings::of_engagement(tx.conn(), id, today)?;
    // Everything that belongs to it: its items, approvals (and the manager assets they
    // are about), contracts, checks and findings. Ids are unique across kinds.
    let mut targets = vec![id.to_string()];
    targets.extend(items.iter().map(|i| i.id.clone()));
    for a in &approvals {
        targets.push(a.id.clone());
        targets.push(a.subject_id.clone());
    }
    targets.extend(contracts.iter().map(|c| c.id.clone()));
    targets.extend(checks.iter().map(|c| c.id.clone()));
    targets.extend(findings.iter().map(|f| f.id.clone()));
    targets.sort();
    targets.dedup();
    let filter = crate::db::audit::Filter {
        target_ids: Some(targets),
        changes_only: true,
        ..Default::default()
    };
    let (timeline, _) = crate::db::audit::list(tx.conn(), &filter, 0, TIMELINE_ENTRIES)?;
    let can_change = actor
        .permits(&Action::ChangeEngagement {
            division_id: &row.division_id,
        })
        .is_ok();
    let parent = match &row.parent_id {
        Some(pid) => engagements::find(tx.conn(), pid)?
            .filter(|p| visible_to(actor, p))
            .map(Related::from),
        None => None,
    };
    let subcontracts = engagements::subcontracts_of(tx.conn(), id)?
        .into_iter()
        .filter(|s| visible_to(actor, s))
        .map(Related::from)
        .collect();
    let end_of_term = super::end_of_term::standing(tx.conn(), &row)?;
    let records = super::records::of_engagement(tx.conn(), actor, id)?;
    let waivers = super::obligations::waivers_of(tx.conn(), actor, id)?;
    let mut named: Vec<&str> = Vec::new();
    for r in &records {
        named.push(&r.recorded_by);
        named.extend(r.delegated_by.as_deref());
    }
    for w in &waivers {
        named.push(&w.requested_by);
        named.extend(w.decided_by.as_deref());
    }
    named.sort_unstable();
    named.dedup();
    let names = users::names_of(tx.conn(), &named)?;
    let cisos = if row.kind() == EngagementKind::DesignatedManagement {
        users::list(
            tx.conn(),
            &users::UserFilter {
                role: Some(crate::domain::Role::Ciso),
                active: Some(true),
                ..Default::default()
            },
        )?
        .into_iter()
        .map(|m| (m.user.id, m.user.display_name))
        .collect()
    } else {
        Vec::new()
    };
    // where a cloud service's own records stand.
    let cloud = if row.kind() == EngagementKind::CloudService {
        Some(CloudRecords {
            configuration: super::configuration::of_engagement(
                tx.conn(),
                actor,
                id,
                today,
                services.config.rules.configuration_stale_months,
            )?,
            responsibility: super::responsibility::of_engagement(tx.conn(), actor, id)?,
            service: super::cloud_service::of_engagement(tx.conn(), actor, id, today)?,
            subprocessors: super::subprocessors::of_engagement(tx.conn(), actor, id)?,
        })
    } else {
        None
    };
    Ok(Overview {
        records,
        waivers,
        names,
        cisos,
        cloud,
        end_of_term,
        check_interval: super::checks::officer::interval(&services.config, &row),
        parent,
        subcontracts,
        engagement,
        obligations,
        items,
        approvals,
        contracts,
        checks,
        findings,
        timeline,
        can_change,
    })
}

/// What the engagement form offers to choose from: the divisions the actor may register
/// in, the people who may be responsible (a security officer, or a system administrator
/// for a cloud service, of the division), and the vendors.
pub struct FormChoices {
    pub divisions: Vec<crate::db::divisions::Division>,
    /// Each person with the divisions they hold a responsible role in, and which role.
    pub people: Vec<(users::StaffMember, Vec<String>)>,
    pub vendors: Vec<(String, String)>,
    /// Designated managements still open, which an outsourcing may be a subcontract of
    /// id and title.
    pub parents: Vec<(String, String)>,
}

pub fn form_choices(conn: &mut DbConnection, actor: &Actor) -> AppResult<FormChoices> {
    actor.authorize(Action::Register)?;
    let divisions = divisions::list(conn)?
        .into_iter()
        .filter(|d| {
            actor
                .permits(&Action::ChangeEngagement { division_id: &d.id })
                .is_ok()
        })
        .collect::<Vec<_>>();
    let responsible_roles = [
        EngagementKind::Outsourcing.responsible_role(),
        EngagementKind::CloudService.responsible_role(),
    ];
    let people = users::list(
        conn,
        &users::UserFilter {
            division_id: None,
            role: None,
            active: Some(true),
        },
    )?
    .into_iter()
    .filter(|m| m.roles.iter().any(|r| responsible_roles.contains(r)))
    .map(|m| {
        let codes = m
            .divisions
            .iter()
            .filter(|d| divisions.iter().any(|mine| mine.id == d.id))
            .map(|d| d.name.clone())
            .collect::<Vec<_>>();
        (m, codes)
    })
    .filter(|(_, in_mine)| !in_mine.is_empty())
    .collect();
    let mut vendors: Vec<(String, String)> = vendors::names(conn)?.into_iter().collect();
    vendors.sort_by(|a, b| a.1.cmp(&b.1));
    let (managements, _) = engagements::list(
        conn,
        &actor.visibility(),
        &EngagementFilter {
            kind: Some(EngagementKind::DesignatedManagement),
            ..Default::default()
        },
        (EngagementOrder::Title, false),
        (0, i64::MAX),
        i64::MAX,
    )?;
    let parents = managements
        .into_iter()
        .filter(|l| !lifecycle::is_final(l.engagement.status()))
        .map(|l| (l.engagement.id, l.engagement.title))
        .collect();
    Ok(FormChoices {
        divisions,
        people,
        vendors,
        parents,
    })
}
