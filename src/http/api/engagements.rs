use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::users::{division_filter, unknown_division_msg};
use super::vendors::present;
use crate::audit::{Event, Origin};
use crate::compliance;
use crate::db::engagements::{EngagementFilter, EngagementListing, EngagementRow};
use crate::db::{
    self, approvals, audit, contracts, divisions, engagements, information_items, users, vendors,
    DbConnection,
};
use crate::domain::date::parse_iso_date;
use crate::domain::engagement::{CloudDetails, EngagementFields};
use crate::domain::{BoundedText, ClassificationLevel, EngagementKind, Ismap, Status};
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::page::{Page, Paging};
use crate::http::signed_in::SignedIn;
use crate::http::validate::Fields;
use crate::http::AppState;
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::policy::lifecycle;

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
            kind: e.kind().unwrap_or(EngagementKind::Outsourcing),
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

/// a read of an L3 record is logged, in a write transaction of its own since the
/// read needs none; reads of other levels are not.
pub fn audit_l3_read(
    conn: &mut DbConnection,
    origin: &Origin,
    level: Option<ClassificationLevel>,
    event: &Event,
) -> AppResult<()> {
    if level == Some(ClassificationLevel::L3) {
        db::write(conn, |conn| audit::append(conn, origin, event))?;
    }
    Ok(())
}

fn msg(ja: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg::new(ja, en)
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
                msg(
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
                f.push("division", "unknown", unknown_division_msg(code));
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
            msg("事業者が登録されていません", "No vendor has this id"),
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
                    msg(
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
        match engagements::find(conn, pid)? {
            None => f.push(
                "parent_id",
                "unknown",
                msg(
                    "親となる委託案件が見つかりません",
                    "No engagement has this id",
                ),
            ),
            Some(parent) => {
                if parent.kind() != Some(EngagementKind::DesignatedManagement) {
                    f.push(
                        "parent_id",
                        "not_designated_management",
                        msg(
                            "親にできるのは指定管理の案件のみです（R-8.5）",
                            "Only a designated management can be a parent (R-8.5)",
                        ),
                    );
                } else {
                    actor.authorize(Action::ReadEngagement {
                        division_id: &parent.division_id,
                    })?;
                }
            }
        }
        if kind.is_some_and(|k| k != EngagementKind::Outsourcing) {
            f.push(
                "parent_id",
                "not_allowed",
                msg(
                    "親を持てるのは業務委託（指定管理者の再委託）のみです",
                    "Only an outsourcing (a designated manager's subcontract) has a parent",
                ),
            );
        }
    }

    let cloud_body = body.cloud.clone().flatten();
    let cloud = match (kind, cloud_body) {
        (Some(EngagementKind::CloudService), None) => {
            f.push(
                "cloud",
                "required",
                msg(
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
                msg(
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
        _ => unreachable!("finish() refused missing fields"),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
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
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// Engagements the caller may see, newest first.
#[utoipa::path(tag = "engagements", params(EngagementQuery),
    responses((status = 200, body = Page<EngagementResponse>), (status = 400), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<EngagementQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut f = Fields::new();
    let paging = Paging::parse(query.page.as_deref(), query.per_page.as_deref(), &mut f);
    let kind = f.check_opt("kind", query.kind.as_deref().map(EngagementKind::parse));
    let level = f.check_opt(
        "level",
        query
            .level
            .as_deref()
            .map(|l| l.parse::<ClassificationLevel>()),
    );
    let status = f.check_opt("status", query.status.as_deref().map(Status::parse));
    f.finish()?;
    let visibility = who.actor.visibility();
    let (items, total) = db::read(&state.pool, move |conn| {
        let division_id = division_filter(conn, query.division.as_deref())?;
        let filter = EngagementFilter {
            kind: kind.flatten(),
            level: level.flatten(),
            status: status.flatten(),
            division_id,
            vendor_id: query.vendor.clone(),
            q: query
                .q
                .as_deref()
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty()),
        };
        engagements::list(conn, &visibility, &filter, paging.offset(), paging.per_page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.wrap(
        items.into_iter().map(EngagementResponse::from).collect(),
        total,
    )))
}

/// Registers an engagement, in status `draft`.
#[utoipa::path(tag = "engagements", request_body = EngagementBody,
    responses((status = 201, body = EngagementResponse), (status = 400), (status = 403), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<EngagementBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let origin = who.origin();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let fields = resolve(conn, &who.actor, &body)?;
            let id = engagements::insert(conn, &fields)?;
            let created = listing(conn, &id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("engagement.create")
                    .target("engagement", &id)
                    .after(&created),
            )?;
            Ok(created)
        })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/engagements/{}", response.id)))
        .json(response))
}

#[utoipa::path(tag = "engagements",
    responses((status = 200, body = EngagementResponse), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let origin = who.origin();
    let response = db::read(&state.pool, move |conn| {
        load_visible(conn, &who.actor, &id)?;
        let response = listing(conn, &id)?;
        audit_l3_read(
            conn,
            &origin,
            response.level,
            &Event::new("engagement.read_l3").target("engagement", &id),
        )?;
        Ok(response)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

fn fixed_field(f: &mut Fields, field: &str, sent: Option<&str>, current: &str) {
    if sent.is_some_and(|s| s.trim() != current) {
        f.push(
            field,
            "immutable",
            msg(
                "登録後は変更できません（新しい案件として登録してください）",
                "Cannot be changed after registration (register a new engagement instead)",
            ),
        );
    }
}

#[utoipa::path(tag = "engagements", request_body = EngagementBody,
    responses((status = 200, body = EngagementResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/engagements/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<EngagementBody>,
) -> AppResult<HttpResponse> {
    let patch = body.0;
    let origin = who.origin();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = load_changeable(conn, &who.actor, &id)?;
            let before = listing(conn, &id)?;
            let division = before.division.clone();
            let mut f = Fields::new();
            fixed_field(&mut f, "kind", patch.kind.as_deref(), &current.kind);
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
                kind: Some(current.kind.clone()),
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
            let fields = resolve(conn, &who.actor, &merged)?;
            engagements::update(conn, &id, &fields)?;
            let after = listing(conn, &id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("engagement.update")
                    .target("engagement", &id)
                    .before(&before)
                    .after(&after),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// What a move needs beyond the lifecycle: `contracted` needs a contract holding every
/// mandatory clause for the kind and level; `active` needs that
/// contract still complete (a rise in level re-checks it) and the start date come.
fn check_gates(
    conn: &mut DbConnection,
    app: &AppState,
    row: &EngagementRow,
    to: Status,
    today: NaiveDate,
) -> AppResult<()> {
    if !matches!(to, Status::Contracted | Status::Active) {
        return Ok(());
    }
    let kind = row.kind().unwrap_or(EngagementKind::Outsourcing);
    let contract = contracts::current(conn, &row.id)?;
    let signed: Vec<String> = contract
        .as_ref()
        .map(|c| c.clause_ids())
        .unwrap_or_default();
    let missing = compliance::missing_clauses(app.clauses.catalog(), kind, row.level(), &signed);
    if contract.is_none() {
        return Err(AppError::Gate {
            message: msg(
                "契約（協定）が記録されていません。必須条項を含む契約を記録してください",
                "No contract is recorded: record the signed contract with every mandatory clause",
            ),
            missing,
        });
    }
    if !missing.is_empty() {
        return Err(AppError::Gate {
            message: msg(
                format!("契約に必須条項が不足しています: {}", missing.join(", ")),
                format!(
                    "The contract lacks mandatory clauses: {}",
                    missing.join(", ")
                ),
            ),
            missing,
        });
    }
    if to == Status::Active {
        // nothing of L2/L3 reaches the vendor before its provision is approved.
        let unapproved = compliance::unapproved_provisions(
            &information_items::list(conn, &row.id)?,
            &approvals::for_engagement(conn, &row.id)?,
        );
        if !unapproved.is_empty() {
            return Err(AppError::Gate {
                message: msg(
                    format!(
                        "L2/L3情報の提供が承認されていません（R-3.3.3）: {}",
                        unapproved.join("、")
                    ),
                    format!(
                        "Providing L2/L3 information is not approved yet (R-3.3.3): {}",
                        unapproved.join(", ")
                    ),
                ),
                missing: unapproved,
            });
        }
    }
    if to == Status::Active && row.starts_on > today {
        return Err(AppError::Conflict {
            message: msg(
                format!("開始日（{}）前は履行中にできません", row.starts_on),
                format!(
                    "The engagement cannot be active before its start date ({})",
                    row.starts_on
                ),
            ),
            allowed: vec![],
        });
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The status to move to.
    pub to: String,
}

/// Moves the engagement along its lifecycle (draft → selected → contracted → active →
/// ending → closed, or terminated). A move the lifecycle does not allow is a 409 that lists
/// the allowed ones.
#[utoipa::path(tag = "engagements", request_body = TransitionBody,
    responses((status = 200, body = EngagementResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<TransitionBody>,
) -> AppResult<HttpResponse> {
    let mut f = Fields::new();
    let to = f.check("to", Status::parse(&body.0.to));
    f.finish()?;
    let to = to.expect("checked above");
    let app = state.get_ref().clone();
    let today = state.today();
    let origin = who.origin();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let row = load_visible(conn, &who.actor, &id)?;
            who.actor.authorize(Action::ChangeEngagement {
                division_id: &row.division_id,
            })?;
            let from = row.status();
            lifecycle::check_move(from, to).map_err(|refused| AppError::Conflict {
                message: msg(
                    format!(
                        "「{}」から「{}」へは移行できません",
                        refused.from.label_ja(),
                        refused.to.label_ja()
                    ),
                    format!(
                        "An engagement cannot move from {} to {}",
                        refused.from, refused.to
                    ),
                ),
                allowed: refused
                    .allowed
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
            })?;
            check_gates(conn, &app, &row, to, today)?;
            if !engagements::set_status(conn, &id, from, to, &who.actor.user_id)? {
                return Err(AppError::Conflict {
                    message: msg(
                        "他の操作で状態が変わりました。再読み込みしてください",
                        "The status was changed meanwhile; reload and try again",
                    ),
                    allowed: vec![],
                });
            }
            let moved = listing(conn, &id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("engagement.transition")
                    .target("engagement", &id)
                    .before(&serde_json::json!({ "status": from }))
                    .after(&serde_json::json!({ "status": to })),
            )?;
            Ok(moved)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}
