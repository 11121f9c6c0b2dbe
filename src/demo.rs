//! `itaku demo`: a realistic data set so that the first look is not empty. The people,
//! companies and numbers are fictitious; the corporate numbers carry valid check digits.

mod generate;

use chrono::NaiveDate;

pub use generate::{generate, Counts, Generated, Scale, Sources, DEFAULT_SEED};

use crate::accounts::{self, NewStaff};
use crate::clauses::{Catalog, ClauseTemplates};
use crate::config::Config;
use crate::db::information_items::ItemFields;
use crate::db::{
    self, approvals, contracts, divisions, engagements, information_items, vendors, DbConnection,
};
use crate::domain::engagement::{CloudDetails, EngagementFields};
use crate::domain::vendor::{NewVendor, PhoneNumber, VendorContact};
use crate::domain::{
    BoundedText, ClassificationLevel, CorporateNumber, DivisionCode, EmailAddress, EngagementKind,
    Ismap, Role, Status,
};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::approvals::{ApprovalRule, ApprovalState};

const DIVISIONS: &[(&str, &str)] = &[
    ("joho-seisaku", "情報政策課"),
    ("kumin", "区民課"),
    ("hoken-fukushi", "保健福祉課"),
    ("sports", "スポーツ施設課"),
    ("kyoiku", "教育指導課"),
];

/// (email local part, name, roles, division codes)
const STAFF: &[(&str, &str, &[Role], &[&str])] = &[
    ("ciso", "港 一郎", &[Role::Ciso], &[]),
    ("dciso", "芝 二郎", &[Role::DeputyCiso], &[]),
    (
        "csm",
        "麻布 三奈",
        &[Role::ChiefSystemManager, Role::SecurityOfficer],
        &["joho-seisaku"],
    ),
    (
        "kumin-so",
        "赤坂 花子",
        &[Role::SecurityOfficer],
        &["kumin"],
    ),
    (
        "kumin-sa",
        "青山 大輔",
        &[Role::SystemAdministrator],
        &["kumin"],
    ),
    (
        "fukushi-so",
        "高輪 美咲",
        &[Role::SecurityOfficer, Role::SystemAdministrator],
        &["hoken-fukushi"],
    ),
    (
        "sports-so",
        "台場 健",
        &[Role::SecurityOfficer],
        &["sports"],
    ),
    (
        "kyoiku-so",
        "白金 由美",
        &[Role::SecurityOfficer],
        &["kyoiku"],
    ),
    (
        "kyoiku-sa",
        "三田 翔",
        &[Role::SystemAdministrator],
        &["kyoiku"],
    ),
    ("csirt", "新橋 誠", &[Role::Csirt], &["joho-seisaku"]),
    ("audit", "六本木 聡子", &[Role::Auditor], &[]),
];

/// (12-digit base of the corporate number, name, address, contact name, contact email)
const VENDORS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "010401000101",
        "株式会社みなとデータサービス",
        "東京都港区芝五丁目1番1号",
        "田中 一樹",
        "tanaka@minato-data.example",
    ),
    (
        "010401000202",
        "東京システム運用株式会社",
        "東京都千代田区丸の内一丁目2番3号",
        "鈴木 玲奈",
        "suzuki@tokyo-sysops.example",
    ),
    (
        "010401000303",
        "一般財団法人港区スポーツ振興財団",
        "東京都港区芝浦一丁目4番5号",
        "佐藤 健太",
        "sato@minato-sports.example",
    ),
    (
        "010401000404",
        "株式会社芝浦ビルメンテナンス",
        "東京都港区芝浦三丁目6番7号",
        "高橋 直美",
        "takahashi@shibaura-bm.example",
    ),
    (
        "010401000505",
        "クラウドワークス・ジャパン株式会社",
        "東京都渋谷区渋谷二丁目8番9号",
        "伊藤 大樹",
        "ito@cloudworks.example",
    ),
    (
        "010401000606",
        "株式会社日本フォームサービス",
        "大阪府大阪市北区梅田一丁目10番11号",
        "渡辺 彩",
        "watanabe@form-service.example",
    ),
];

fn text(s: &str) -> BoundedText {
    BoundedText::parse_allow_empty(s, 4000).expect("demo text is valid")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("demo date is valid")
}

struct DemoEngagement {
    kind: EngagementKind,
    title: &'static str,
    division: &'static str,
    responsible: &'static str,
    vendor: usize,
    scope: &'static str,
    period: (NaiveDate, NaiveDate),
    status: Status,
    parent: Option<usize>,
    cloud: Option<(&'static str, &'static str, Ismap)>,
    items: &'static [(&'static str, &'static str, ClassificationLevel, bool)],
}

fn engagements_plan() -> Vec<DemoEngagement> {
    use ClassificationLevel::*;
    vec![
        DemoEngagement {
            kind: EngagementKind::Outsourcing,
            title: "住民記録システム運用保守業務委託",
            division: "kumin",
            responsible: "kumin-so",
            vendor: 1,
            scope: "住民記録システムの運用監視、障害対応、定期保守及びバックアップの取得",
            period: (date(2026, 4, 1), date(2027, 3, 31)),
            status: Status::Active,
            parent: None,
            cloud: None,
            items: &[
                (
                    "住民基本台帳データ",
                    "氏名・住所・生年月日等（運用保守作業で参照）",
                    L3,
                    true,
                ),
                ("システム設計書", "構成図、パラメータシート", L2, true),
            ],
        },
        DemoEngagement {
            kind: EngagementKind::Outsourcing,
            title: "証明書交付窓口業務委託",
            division: "kumin",
            responsible: "kumin-so",
            vendor: 0,
            scope: "住民票の写し等の交付申請の受付、入力及び交付業務",
            period: (date(2027, 4, 1), date(2030, 3, 31)),
            status: Status::Selected,
            parent: None,
            cloud: None,
            items: &[("交付申請書", "申請者の氏名・住所・連絡先", L3, true)],
        },
        DemoEngagement {
            kind: EngagementKind::Outsourcing,
            title: "区報発送業務委託",
            division: "joho-seisaku",
            responsible: "csm",
            vendor: 5,
            scope: "区報の封入・発送作業（公表済み資料のみ）",
            period: (date(2026, 4, 1), date(2027, 3, 31)),
            status: Status::Active,
            parent: None,
            cloud: None,
            items: &[("区報原稿", "公表済みの広報紙面", L1, true)],
        },
        DemoEngagement {
            kind: EngagementKind::DesignatedManagement,
            title: "港区スポーツセンター指定管理",
            division: "sports",
            responsible: "sports-so",
            vendor: 2,
            scope: "港区スポーツセンターの施設運営、利用受付、施設予約システムの運用",
            period: (date(2024, 4, 1), date(2029, 3, 31)),
            status: Status::Active,
            parent: None,
            cloud: None,
            items: &[
                (
                    "施設利用者登録情報",
                    "利用者の氏名・連絡先・利用履歴",
                    L3,
                    true,
                ),
                ("施設運営マニュアル", "未公表の運営手順", L2, true),
            ],
        },
        DemoEngagement {
            kind: EngagementKind::Outsourcing,
            title: "スポーツセンター清掃・設備保守（指定管理者の再委託）",
            division: "sports",
            responsible: "sports-so",
            vendor: 3,
            scope: "指定管理者が再委託する館内清掃及び空調設備の保守（R-8.5）",
            period: (date(2026, 4, 1), date(2027, 3, 31)),
            status: Status::Contracted,
            parent: Some(3),
            cloud: None,
            items: &[("設備配置図", "機械室の配置図", L2, true)],
        },
        DemoEngagement {
            kind: EngagementKind::CloudService,
            title: "電子申請フォームサービス利用",
            division: "hoken-fukushi",
            responsible: "fukushi-so",
            vendor: 4,
            scope: "健康診断の予約受付に電子申請フォームのクラウドサービスを利用する",
            period: (date(2026, 6, 1), date(2027, 5, 31)),
            status: Status::Active,
            parent: None,
            cloud: Some(("ClearForms", "日本（東京リージョン）", Ismap::Ismap)),
            items: &[(
                "健診予約情報",
                "氏名・生年月日・連絡先・受診希望日",
                L3,
                false,
            )],
        },
        DemoEngagement {
            kind: EngagementKind::CloudService,
            title: "学校向け教材共有サービス",
            division: "kyoiku",
            responsible: "kyoiku-sa",
            vendor: 4,
            scope: "公開教材の共有にクラウドストレージを利用する",
            period: (date(2026, 9, 1), date(2027, 8, 31)),
            status: Status::Draft,
            parent: None,
            cloud: Some(("EduShare", "日本", Ismap::IsmapLiu)),
            items: &[("公開教材", "各校が公開している教材", L1, false)],
        },
        DemoEngagement {
            kind: EngagementKind::CloudService,
            title: "窓口予約システム（クラウド）",
            division: "kumin",
            responsible: "kumin-sa",
            vendor: 4,
            scope: "窓口の来庁予約にクラウドサービスを利用する",
            period: (date(2026, 10, 1), date(2027, 9, 30)),
            status: Status::Selected,
            parent: None,
            cloud: Some(("QueueNow", "日本（大阪リージョン）", Ismap::None)),
            items: &[("予約枠情報", "未公表の窓口運営計画", L2, false)],
        },
    ]
}

fn staff_email(local: &str) -> String {
    format!("{local}@city.minato.example")
}

/// Loads the demo set into an empty register and prints the sign-in details.
pub fn load(config: &Config) -> AppResult<()> {
    let mut conn = db::open(&config.database).map_err(|e| AppError::Internal(e.to_string()))?;
    // The demo data is written at the system clock's "now": it is loaded from the
    // command line, outside the running service and its clock.
    let at = chrono::Utc::now();
    let today = config.date_at(at);
    let templates = ClauseTemplates::load(config.templates_dir.as_deref())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let passwords = db::write(&mut conn, |conn| {
        insert_all(conn, today, at.naive_utc(), templates.catalog())
    })?;
    // Written below the application's write path: the engagements' obligations are
    // derived now, so that the register is ready before the service starts.
    let rules = crate::app::obligations::ObligationRules {
        clauses: std::sync::Arc::new(templates),
        config: std::sync::Arc::new(config.clone()),
    };
    crate::app::obligations::bring_up_to_date(&mut conn, &rules)?;
    println!("Demo data loaded into {}.", config.database.describe());
    println!("Staff accounts (one-time passwords, shown once):");
    for (email, roles, password) in passwords {
        println!("  {email:<36} {roles:<45} {password}");
    }
    Ok(())
}

/// Generates a register of `scale.engagements` engagements (refused on a register that
/// has engagements unless `append`), brings its stored obligations up to date as the
/// service would at start-up, and prints the sign-in details, the counts and the time
/// each part took.
pub fn load_generated(
    config: &Config,
    scale: Scale,
    append: bool,
    origin: &crate::audit::Origin,
) -> AppResult<()> {
    let internal = |e: &dyn std::fmt::Display| AppError::Internal(e.to_string());
    let mut conn = db::open(&config.database).map_err(|e| internal(&e))?;
    let templates =
        ClauseTemplates::load(config.templates_dir.as_deref()).map_err(|e| internal(&e))?;
    let questionnaires =
        crate::questionnaires::Questionnaires::load(config.questionnaires_dir.as_deref())
            .map_err(|e| internal(&e))?;
    // Written at the system clock's "now", as the small demo set is.
    let now = chrono::Utc::now();
    let started = std::time::Instant::now();
    let generated = generate(
        &mut conn,
        &scale,
        &Sources {
            catalog: templates.catalog(),
            questionnaires: &questionnaires,
        },
        now,
        config.date_at(now),
        origin,
        append,
    )?;
    let generating = started.elapsed();
    let rules = crate::app::obligations::ObligationRules {
        clauses: std::sync::Arc::new(templates),
        config: std::sync::Arc::new(config.clone()),
    };
    let started = std::time::Instant::now();
    let refreshed = crate::app::obligations::bring_up_to_date(&mut conn, &rules)?;
    crate::db::bulk::settle_obligations(&mut conn)?;
    let deriving = started.elapsed();
    println!(
        "{} 件の委託案件を生成しました（{}, seed {}）/ Generated {} engagements",
        scale.engagements,
        config.database.describe(),
        scale.seed,
        scale.engagements
    );
    println!(
        "生成 / generating: {:.1} s; 義務の導出 / obligations for {refreshed} engagements: {:.1} s",
        generating.as_secs_f64(),
        deriving.as_secs_f64()
    );
    println!(
        "counts: {}",
        serde_json::to_string(&generated.counts).map_err(|e| internal(&e))?
    );
    println!("全庁の職員（初回のみのパスワード）/ Organisation-wide staff (one-time passwords):");
    for (email, roles, password) in &generated.accounts {
        println!("  {email:<44} {roles:<24} {password}");
    }
    println!(
        "各課の職員の共通の初回パスワード / One-time password shared by every division's staff: {}",
        generated.staff_password
    );
    for (email, roles) in &generated.staff_examples {
        println!("  {email:<44} {roles}");
    }
    Ok(())
}

type Credentials = Vec<(String, String, String)>;

/// An approval requested by `requester` and granted by `approver` (never the same, R-2.6).
#[allow(clippy::too_many_arguments)]
fn approve(
    conn: &mut DbConnection,
    engagement_id: &str,
    rule: ApprovalRule,
    subject_id: &str,
    subject_name: &str,
    requester: &str,
    approver: &str,
    role: Role,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    let confirmations = serde_json::json!({
        "not_connected_to_ward_network": rule == ApprovalRule::ManagerSystem,
        "can_comply": rule != ApprovalRule::ProvideInformation,
    });
    approvals::insert(
        conn,
        &approvals::Approval {
            id: db::new_id(),
            engagement_id: engagement_id.to_string(),
            rule_id: rule.as_str().to_string(),
            subject_id: subject_id.to_string(),
            subject_name: subject_name.to_string(),
            requested_by: requester.to_string(),
            requested_at: now,
            note: String::new(),
            approver_role: role.as_str().to_string(),
            approver_division_id: None,
            state: ApprovalState::Approved,
            confirmations: confirmations.to_string(),
            decided_by: Some(approver.to_string()),
            decided_at: Some(now),
            decision_reason: Some("確認済み".into()),
        },
    )
}

fn insert_all(
    conn: &mut DbConnection,
    today: NaiveDate,
    now: chrono::NaiveDateTime,
    catalog: &Catalog,
) -> AppResult<Credentials> {
    if engagements::count(conn)? > 0 {
        return Err(AppError::Conflict {
            message: Msg::new(
                "委託案件が既に登録されているため、デモデータは読み込みません",
                "The register already holds engagements; demo data is loaded only into an empty one",
            ),
            allowed: vec![],
        });
    }
    for (code, name) in DIVISIONS {
        divisions::get_or_create(conn, code, name, now)?;
    }
    let mut credentials = Vec::new();
    let mut user_ids = std::collections::HashMap::new();
    for (local, name, roles, divs) in STAFF {
        let email = staff_email(local);
        let created = accounts::create_staff(
            conn,
            &NewStaff {
                email: EmailAddress::parse(&email).expect("demo email is valid"),
                display_name: text(name),
                roles: roles.to_vec(),
                divisions: divs
                    .iter()
                    .map(|d| (DivisionCode::parse(d).expect("demo code is valid"), None))
                    .collect(),
            },
            now,
        )?;
        user_ids.insert(*local, created.user_id);
        let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        credentials.push((email, role_names.join(","), created.one_time_password));
    }
    let mut vendor_ids = Vec::new();
    for (base, name, address, contact, email) in VENDORS {
        vendor_ids.push(vendors::insert(
            conn,
            &NewVendor {
                legal_name: text(name),
                corporate_number: CorporateNumber::from_base(base),
                address: text(address),
                contacts: vec![VendorContact {
                    name: text(contact),
                    email: EmailAddress::parse(email).expect("demo email is valid"),
                    phone: PhoneNumber::parse("03-0000-0000").ok(),
                }],
            },
            now,
        )?);
    }
    let mut engagement_ids: Vec<String> = Vec::new();
    let ciso = user_ids["ciso"].clone();
    for plan in engagements_plan() {
        let division = divisions::find_by_code(conn, plan.division)?
            .ok_or_else(|| AppError::Internal("demo division missing".into()))?;
        let id = engagements::insert(
            conn,
            &EngagementFields {
                kind: plan.kind,
                title: text(plan.title),
                division_id: division.id,
                responsible_user_id: user_ids[plan.responsible].clone(),
                vendor_id: vendor_ids[plan.vendor].clone(),
                scope: text(plan.scope),
                starts_on: plan.period.0,
                ends_on: plan.period.1,
                parent_id: plan.parent.map(|i| engagement_ids[i].clone()),
                cloud: plan.cloud.map(|(name, location, ismap)| CloudDetails {
                    service_name: text(name),
                    data_location: text(location),
                    ismap,
                }),
            },
            now,
        )?;
        for (name, description, level, provided) in plan.items {
            information_items::insert(
                conn,
                &id,
                &ItemFields {
                    name: text(name),
                    description: text(description),
                    level: *level,
                    provided_to_vendor: *provided,
                },
                now,
            )?;
        }
        engagements::refresh_level(conn, &id, today, now)?;
        // What people would have recorded on the way: a contract with the mandatory
        // clauses, and approvals for the L2/L3 information handed over.
        let reaches_contract = matches!(plan.status, Status::Contracted | Status::Active);
        if reaches_contract {
            let level = engagements::find(conn, &id)?.and_then(|e| e.level());
            let clause_ids: Vec<String> = catalog
                .mandatory(plan.kind, level)
                .iter()
                .map(|c| c.id.clone())
                .collect();
            contracts::insert(
                conn,
                &contracts::NewContract {
                    engagement_id: &id,
                    reference_number: &format!("港区契第{}号", 1000 + engagement_ids.len()),
                    signed_on: plan.period.0 - chrono::Days::new(14),
                    clause_ids: &clause_ids,
                    template_version: &catalog.version,
                    recorded_by: &user_ids[plan.responsible],
                },
                now,
            )?;
            for item in information_items::list(conn, &id)? {
                if item.provided_to_vendor && item.level >= ClassificationLevel::L2.rank() {
                    approve(
                        conn,
                        &id,
                        ApprovalRule::ProvideInformation,
                        &item.id,
                        &item.name,
                        &user_ids[plan.responsible],
                        &user_ids["csm"],
                        Role::ChiefSystemManager,
                        now,
                    )?;
                }
            }
        }
        if plan.kind == EngagementKind::DesignatedManagement {
            let system = approvals::insert_asset(
                conn,
                &id,
                "system",
                "施設予約システム",
                "指定管理者が自ら運用する予約受付システム",
                &user_ids[plan.responsible],
                now,
            )?;
            approve(
                conn,
                &id,
                ApprovalRule::ManagerSystem,
                &system.id,
                &system.name,
                &user_ids[plan.responsible],
                &user_ids["csm"],
                Role::ChiefSystemManager,
                now,
            )?;
            // One still waiting, so that the approval queue is not empty.
            approvals::insert_asset(
                conn,
                &id,
                "asset",
                "受付用ノートPC（指定管理者所有）",
                "受付カウンターで使用",
                &user_ids[plan.responsible],
                now,
            )?;
        }
        // Selected: the selection was recorded with how the party was judged (R-8.1,
        // ), not by the move alone.
        if plan.status != Status::Draft {
            let details = crate::policy::records::RecordDetails::Selection {
                basis: "選定時自己評価票、ISMS 認証の写し及び提案書の審査により、指針を遵守できると判断した".into(),
                ismap_listing: plan.cloud.map(|(name, _, ismap)| {
                    let listing = match ismap {
                        Ismap::None => "ISMAP 登録なし",
                        Ismap::Ismap => "ISMAP クラウドサービスリスト",
                        Ismap::IsmapLiu => "ISMAP-LIU クラウドサービスリスト",
                    };
                    format!("{listing}（{name}）")
                }),
                data_location: plan.cloud.map(|(_, location, _)| location.to_string()),
            };
            crate::db::records::insert(
                conn,
                &crate::db::records::RecordRow {
                    id: crate::db::new_id(),
                    engagement_id: id.clone(),
                    kind: details.kind(),
                    occurred_on: (plan.period.0 - chrono::Days::new(30)).min(today),
                    recorded_by: user_ids[plan.responsible].clone(),
                    delegated_by: None,
                    details: serde_json::to_string(&details)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    recorded_at: now,
                },
            )?;
        }
        // Walk the lifecycle one allowed move at a time, as people would have.
        let mut status = Status::Draft;
        while status != plan.status {
            let next = crate::policy::lifecycle::allowed_moves(status)
                .into_iter()
                .find(|s| *s != Status::Terminated)
                .ok_or_else(|| AppError::Internal("demo status unreachable".into()))?;
            engagements::set_status(conn, &id, (status, next), Some(&ciso), None, now)?;
            status = next;
        }
        engagement_ids.push(id);
    }
    Ok(credentials)
}
