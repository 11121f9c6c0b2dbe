//! What the benchmarks share: a throwaway database (a temporary SQLite file, or a new
//! PostgreSQL database when `ITAKU_BENCH_POSTGRES_URL` names a server) and a deterministic
//! data set seeded through the library's data layer.

#![allow(dead_code)]

use diesel::{Connection, PgConnection, RunQueryDsl};

use itaku::accounts::{self, NewStaff};
use itaku::db::information_items::ItemFields;
use itaku::db::{divisions, engagements, information_items, vendors, DbConnection};
use itaku::domain::engagement::{CloudDetails, EngagementFields};
use itaku::domain::vendor::{NewVendor, PhoneNumber, VendorContact};
use itaku::domain::{
    BoundedText, ClassificationLevel, CorporateNumber, DivisionCode, EmailAddress, EngagementKind,
    Ismap, Role, Status,
};
use itaku::error::AppResult;
use itaku::policy::lifecycle;

pub const POSTGRES_ENV: &str = "ITAKU_BENCH_POSTGRES_URL";
pub const VENDORS: usize = 100;
/// Text searched for in the filtered scenario (title, scope or vendor name).
pub const SEARCH: &str = "保守";

pub const DIVISIONS: &[(&str, &str)] = &[
    ("joho-seisaku", "情報政策課"),
    ("kumin", "区民課"),
    ("zeimu", "税務課"),
    ("hoken-fukushi", "保健福祉課"),
    ("sports", "スポーツ施設課"),
    ("kyoiku", "教育指導課"),
];

/// (title, scope) by kind: about a third of them mention 保守 (maintenance).
const OUTSOURCING: &[(&str, &str)] = &[
    (
        "住民記録システム運用保守業務委託",
        "運用監視、障害対応及び定期保守",
    ),
    ("証明書交付窓口業務委託", "交付申請の受付、入力及び交付"),
    ("区報発送業務委託", "公表済み資料の封入・発送"),
    ("庁舎清掃業務委託", "庁舎の日常清掃及び定期清掃"),
    ("税務システム改修業務委託", "法改正に伴う改修及び保守"),
    ("健康診断予約受付業務委託", "電話及び窓口での予約受付"),
];
const DESIGNATED: &[(&str, &str)] = &[
    ("区民センター指定管理", "施設運営、利用受付及び設備の保守"),
    (
        "スポーツセンター指定管理",
        "施設運営、施設予約システムの運用",
    ),
    ("児童館指定管理", "児童館の運営及び利用者登録"),
];
const CLOUD: &[(&str, &str)] = &[
    (
        "電子申請フォームサービス利用",
        "予約受付に電子申請フォームを利用する",
    ),
    (
        "窓口予約システム（クラウド）",
        "来庁予約にクラウドサービスを利用する",
    ),
    (
        "学校向け教材共有サービス",
        "公開教材の共有にクラウドストレージを利用する",
    ),
];
const VENDOR_STEMS: &[&str] = &[
    "株式会社みなとデータサービス",
    "東京システム運用株式会社",
    "一般財団法人港区スポーツ振興財団",
    "株式会社芝浦ビルメンテナンス",
    "クラウドワークス・ジャパン株式会社",
    "株式会社日本フォームサービス",
    "赤坂印刷株式会社",
    "株式会社青山ソフトウェア",
    "高輪施設管理株式会社",
    "新橋ネットワーク株式会社",
];

/// A small deterministic generator (SplitMix64), so every run seeds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn text(s: &str) -> BoundedText {
    BoundedText::parse_allow_empty(s, 4000).expect("bench text is valid")
}

/// Where the benchmark's data lives; removed when the benchmark ends.
pub enum BenchDatabase {
    /// The folder is deleted when this is dropped.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl BenchDatabase {
    pub fn new() -> (BenchDatabase, String) {
        match std::env::var(POSTGRES_ENV) {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("itaku_bench_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url}: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create the benchmark database");
                let url = replace_database(&admin_url, &name);
                (BenchDatabase::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("itaku.sqlite3").display().to_string();
                (BenchDatabase::Sqlite { _dir: dir }, url)
            }
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let BenchDatabase::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// `postgres://user@host:port/db?opts` with another database name.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// What the seeding made: the bearer token of a CISO (who sees every engagement) and the
/// counts the answers are checked against.
pub struct Seeded {
    pub token: String,
    pub items: usize,
    pub level_l3: usize,
    pub filtered: usize,
}

/// `engagements` engagements over the divisions and 100 vendors, each with 1–3 information items
/// and its level refreshed, walked along the lifecycle to a spread of statuses.
pub fn seed(conn: &mut DbConnection, engagements: usize) -> AppResult<Seeded> {
    let today = chrono::Utc::now().date_naive();
    let mut rng = Rng(20_260_401);
    let mut responsible = Vec::new();
    for (code, name) in DIVISIONS {
        divisions::get_or_create(conn, code, name, itaku::db::now_utc())?;
        let created = accounts::create_staff(
            conn,
            &NewStaff {
                email: EmailAddress::parse(&format!("bench-{code}@city.minato.example"))
                    .expect("valid email"),
                display_name: text(&format!("{name} 責任者")),
                roles: vec![Role::SecurityOfficer, Role::SystemAdministrator],
                divisions: vec![(DivisionCode::parse(code).expect("valid code"), None)],
            },
            itaku::db::now_utc(),
        )?;
        let division = divisions::find_by_code(conn, code)?.expect("division just created");
        responsible.push((division.id, created.user_id));
    }
    let ciso_email = EmailAddress::parse("bench-ciso@city.minato.example").expect("valid email");
    let ciso = accounts::create_staff(
        conn,
        &NewStaff {
            email: ciso_email.clone(),
            display_name: text("港 一郎"),
            roles: vec![Role::Ciso],
            divisions: vec![],
        },
        itaku::db::now_utc(),
    )?;
    let token = accounts::create_token(conn, &ciso_email, "bench", itaku::db::now_utc())?;

    let mut vendor_list = Vec::new();
    for i in 0..VENDORS {
        let name = format!("{}{:03}", VENDOR_STEMS[i % VENDOR_STEMS.len()], i + 1);
        let id = vendors::insert(
            conn,
            &NewVendor {
                legal_name: text(&name),
                corporate_number: CorporateNumber::from_base(&format!("{:012}", 200_000_000 + i)),
                address: text(&format!("東京都港区芝公園一丁目{}番{}号", i % 9 + 1, i + 1)),
                contacts: vec![VendorContact {
                    name: text("山田 花子"),
                    email: EmailAddress::parse(&format!("contact{i}@vendor.example"))
                        .expect("valid email"),
                    phone: PhoneNumber::parse("03-1234-5678").ok(),
                }],
            },
            itaku::db::now_utc(),
        )?;
        vendor_list.push((id, name));
    }

    let statuses = [
        Status::Draft,
        Status::Selected,
        Status::Contracted,
        Status::Active,
        Status::Active,
        Status::Ending,
    ];
    let (mut items, mut level_l3, mut filtered) = (0, 0, 0);
    for n in 0..engagements {
        let (kind, (title, scope)) = match rng.below(10) {
            0..=6 => (
                EngagementKind::Outsourcing,
                OUTSOURCING[rng.below(OUTSOURCING.len())],
            ),
            7 => (
                EngagementKind::DesignatedManagement,
                DESIGNATED[rng.below(DESIGNATED.len())],
            ),
            _ => (EngagementKind::CloudService, CLOUD[rng.below(CLOUD.len())]),
        };
        let (division_id, user_id) = &responsible[rng.below(responsible.len())];
        let (vendor_id, vendor_name) = &vendor_list[rng.below(vendor_list.len())];
        let year = 2024 + rng.below(4) as i32;
        let title = format!("{title}（{year}年度・{}）", n + 1);
        let id = engagements::insert(
            conn,
            &EngagementFields {
                kind,
                title: text(&title),
                division_id: division_id.clone(),
                responsible_user_id: user_id.clone(),
                vendor_id: vendor_id.clone(),
                scope: text(scope),
                starts_on: chrono::NaiveDate::from_ymd_opt(year, 4, 1).expect("valid date"),
                ends_on: chrono::NaiveDate::from_ymd_opt(year + 1 + rng.below(3) as i32, 3, 31)
                    .expect("valid date"),
                parent_id: None,
                cloud: (kind == EngagementKind::CloudService).then(|| CloudDetails {
                    service_name: text("ClearForms"),
                    data_location: text("日本（東京リージョン）"),
                    ismap: Ismap::Ismap,
                }),
            },
            itaku::db::now_utc(),
        )?;
        for i in 0..1 + rng.below(3) {
            let level = match rng.below(20) {
                0..=8 => ClassificationLevel::L1,
                9..=15 => ClassificationLevel::L2,
                _ => ClassificationLevel::L3,
            };
            information_items::insert(
                conn,
                &id,
                &ItemFields {
                    name: text(&format!("情報項目{}", i + 1)),
                    description: text("氏名・住所・連絡先"),
                    level,
                    provided_to_vendor: rng.below(2) == 0,
                },
                itaku::db::now_utc(),
            )?;
            items += 1;
        }
        if engagements::refresh_level(conn, &id, today, itaku::db::now_utc())?
            == Some(ClassificationLevel::L3)
        {
            level_l3 += 1;
            if [title.as_str(), scope, vendor_name.as_str()]
                .iter()
                .any(|t| t.contains(SEARCH))
            {
                filtered += 1;
            }
        }
        // One allowed move at a time, as people would have moved it.
        let target = statuses[rng.below(statuses.len())];
        let mut status = Status::Draft;
        while status != target {
            let next = lifecycle::allowed_moves(status)
                .into_iter()
                .find(|s| *s != Status::Terminated)
                .expect("the target lies on the forward path");
            engagements::set_status(
                conn,
                &id,
                (status, next),
                Some(&ciso.user_id),
                None,
                itaku::db::now_utc(),
            )?;
            status = next;
        }
    }
    Ok(Seeded {
        token,
        items,
        level_l3,
        filtered,
    })
}

/// What [`seed_portal`] made: the bearer token of the security officer responsible for
/// every engagement, and each engagement with its vendor's one contact address.
pub struct PortalSeed {
    pub token: String,
    /// (engagement id, contact email), in seeding order.
    pub engagements: Vec<(String, String)>,
}

/// `engagements` active outsourcing engagements of one division, each with a vendor of
/// its own whose one contact (`portal-contact{n}@vendor.example`) receives its checks,
/// and a security officer of that division (with an API token) responsible for all.
pub fn seed_portal(conn: &mut DbConnection, engagements: usize) -> AppResult<PortalSeed> {
    let today = chrono::Utc::now().date_naive();
    let (code, name) = DIVISIONS[1];
    let division = divisions::get_or_create(conn, code, name, itaku::db::now_utc())?.id;
    let officer_email =
        EmailAddress::parse("bench-portal-officer@city.minato.example").expect("valid email");
    let officer = accounts::create_staff(
        conn,
        &NewStaff {
            email: officer_email.clone(),
            display_name: text("区民課 情報セキュリティ責任者"),
            roles: vec![Role::SecurityOfficer],
            divisions: vec![(DivisionCode::parse(code).expect("valid code"), None)],
        },
        itaku::db::now_utc(),
    )?;
    let token = accounts::create_token(conn, &officer_email, "bench-portal", itaku::db::now_utc())?;
    let mut out = Vec::with_capacity(engagements);
    for n in 0..engagements {
        let contact = format!("portal-contact{n}@vendor.example");
        let vendor_id = vendors::insert(
            conn,
            &NewVendor {
                legal_name: text(&format!(
                    "{}{:04}",
                    VENDOR_STEMS[n % VENDOR_STEMS.len()],
                    n + 1
                )),
                corporate_number: CorporateNumber::from_base(&format!("{:012}", 300_000_000 + n)),
                address: text("東京都港区芝公園一丁目1番1号"),
                contacts: vec![VendorContact {
                    name: text("山田 花子"),
                    email: EmailAddress::parse(&contact).expect("valid email"),
                    phone: PhoneNumber::parse("03-1234-5678").ok(),
                }],
            },
            itaku::db::now_utc(),
        )?;
        let (title, scope) = OUTSOURCING[n % OUTSOURCING.len()];
        let id = engagements::insert(
            conn,
            &EngagementFields {
                kind: EngagementKind::Outsourcing,
                title: text(&format!("{title}（点検{}）", n + 1)),
                division_id: division.clone(),
                responsible_user_id: officer.user_id.clone(),
                vendor_id,
                scope: text(scope),
                starts_on: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("valid date"),
                ends_on: chrono::NaiveDate::from_ymd_opt(2029, 3, 31).expect("valid date"),
                parent_id: None,
                cloud: None,
            },
            itaku::db::now_utc(),
        )?;
        information_items::insert(
            conn,
            &id,
            &ItemFields {
                name: text("住民情報"),
                description: text("氏名・住所・連絡先"),
                level: ClassificationLevel::L2,
                provided_to_vendor: true,
            },
            itaku::db::now_utc(),
        )?;
        engagements::refresh_level(conn, &id, today, itaku::db::now_utc())?;
        let mut status = Status::Draft;
        while status != Status::Active {
            let next = lifecycle::allowed_moves(status)
                .into_iter()
                .find(|s| *s != Status::Terminated)
                .expect("active lies on the forward path");
            engagements::set_status(
                conn,
                &id,
                (status, next),
                Some(&officer.user_id),
                None,
                itaku::db::now_utc(),
            )?;
            status = next;
        }
        out.push((id, contact));
    }
    Ok(PortalSeed {
        token,
        engagements: out,
    })
}
