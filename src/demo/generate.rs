//! `itaku demo --engagements N`: a register of any size, as a municipality of that size
//! would have kept it, for benchmarks and for judging how the service scales. The same
//! size and seed give the same register. Rows are made in memory and written in large
//! multi-row inserts (`db::bulk`), one transaction for the whole register; the stored
//! obligations are left to `app::obligations::bring_up_to_date`, as for any write made
//! outside the application's write path.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::audit::{Event, Origin};
use crate::auth;
use crate::clauses::Catalog;
use crate::db::bulk::{self, Organisation, Register};
use crate::db::{self, engagements as engagement_store, DbConnection};
use crate::domain::{
    BoundedText, ClassificationLevel, CorporateNumber, DivisionCode, EmailAddress, EngagementKind,
    Ismap, Role, Status,
};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::approvals::{ApprovalRule, ApprovalState};
use crate::policy::checks::CheckState;
use crate::policy::cloud_service::{CountryCode, DataLocation, IsmapList, IsmapListing};
use crate::policy::findings::FindingState;
use crate::policy::records::{
    InspectionMethod, InspectionResult, RecordDetails, SupervisionMethod,
};
use crate::questionnaires::{AnswerType, Definition, Questionnaires};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 20_260_401;

/// How big a register to make, and from which seed.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub engagements: usize,
    pub seed: u64,
}

/// What the rules and questionnaires are: the contract clauses the catalog makes
/// mandatory, and the questionnaires periodic checks are sent with.
pub struct Sources<'a> {
    pub catalog: &'a Catalog,
    pub questionnaires: &'a Questionnaires,
}

/// How many rows of each kind were made: the same for the same size and seed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub divisions: usize,
    pub staff: usize,
    pub vendors: usize,
    pub engagements: usize,
    /// By kind (`outsourcing`, …).
    pub kinds: BTreeMap<&'static str, usize>,
    /// By level (`L1`, …).
    pub levels: BTreeMap<&'static str, usize>,
    /// By status.
    pub statuses: BTreeMap<&'static str, usize>,
    pub subcontracts: usize,
    pub information_items: usize,
    pub status_changes: usize,
    pub contracts: usize,
    /// Contracts recorded without one of their mandatory clauses.
    pub contracts_missing_a_clause: usize,
    pub approvals: BTreeMap<&'static str, usize>,
    pub manager_assets: usize,
    pub records: usize,
    pub cloud_records: usize,
    /// Periodic checks by state.
    pub checks: BTreeMap<&'static str, usize>,
    /// Findings by state.
    pub findings: BTreeMap<&'static str, usize>,
    pub waivers: usize,
}

/// What was made, and how to sign in to it.
#[derive(Debug, Clone)]
pub struct Generated {
    pub counts: Counts,
    /// The organisation-wide accounts: (email, roles, one-time password).
    pub accounts: Vec<(String, String, String)>,
    /// Every division's staff share this one-time password (each must change it at the
    /// first sign-in); hashing one per person would take longer than the register.
    pub staff_password: String,
    /// One division's staff, as examples: (email, roles).
    pub staff_examples: Vec<(String, String)>,
}

/// SplitMix64: small, fast and the same on every platform.
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
        (self.next() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len())]
    }
}

// Identifiers come from the seed, not the clock: the same seed gives the same register,
// and UUID v7's time ordering is kept (the time part is a fixed epoch plus a counter).
struct Ids {
    rng: Rng,
    counter: u64,
}

impl Ids {
    fn next(&mut self) -> String {
        self.counter += 1;
        let millis = 1_780_000_000_000u64 + self.counter / 4096;
        let sub = self.counter % 4096;
        let random = self.rng.next();
        let bytes: [u8; 16] = {
            let mut b = [0u8; 16];
            b[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
            b[6] = 0x70 | ((sub >> 8) as u8 & 0x0F);
            b[7] = sub as u8;
            b[8..].copy_from_slice(&random.to_be_bytes());
            b[8] = (b[8] & 0x3F) | 0x80;
            b
        };
        uuid::Uuid::from_bytes(bytes).to_string()
    }
}

const DEPARTMENTS: &[&str] = &[
    "総務部",
    "企画経営部",
    "区民生活部",
    "産業・地域振興部",
    "保健福祉部",
    "子ども家庭支援部",
    "街づくり支援部",
    "環境リサイクル支援部",
    "教育委員会事務局",
    "会計室",
    "みなと保健所",
    "芝地区総合支所",
    "麻布地区総合支所",
    "赤坂地区総合支所",
    "高輪地区総合支所",
    "芝浦港南地区総合支所",
];

const SECTIONS: &[&str] = &[
    "総務課",
    "人事課",
    "情報政策課",
    "契約管財課",
    "区民課",
    "税務課",
    "国保年金課",
    "保健福祉課",
    "介護保険課",
    "高齢者支援課",
    "障害者福祉課",
    "生活福祉課",
    "子ども若者支援課",
    "保育課",
    "児童相談課",
    "健康推進課",
    "生活衛生課",
    "地域振興課",
    "産業振興課",
    "観光政策課",
    "都市計画課",
    "建築課",
    "土木管理課",
    "環境課",
    "みなとリサイクル清掃事務所",
    "教育総務課",
    "学校施設課",
    "教育指導課",
    "生涯学習推進課",
    "図書文化財課",
    "スポーツ施設課",
    "防災課",
    "協働推進課",
    "管理課",
    "まちづくり課",
];

const SURNAMES: &[&str] = &[
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "前田",
    "藤田",
    "小川",
    "岡田",
    "後藤",
    "長谷川",
    "村上",
    "近藤",
];

const GIVEN_NAMES: &[&str] = &[
    "一郎", "健太", "大輔", "翔", "誠", "直樹", "拓也", "亮", "浩二", "隆", "花子", "美咲", "由美",
    "彩", "直美", "玲奈", "陽子", "恵", "智子", "真理", "和也", "聡子", "優子", "涼子",
];

const PLACES: &[&str] = &[
    "港",
    "芝浦",
    "赤坂",
    "青山",
    "高輪",
    "麻布",
    "新橋",
    "品川",
    "東京",
    "日本",
    "関東",
    "湾岸",
    "白金",
    "三田",
    "六本木",
    "台場",
    "虎ノ門",
    "浜松町",
    "田町",
    "汐留",
];

/// (business, what it does best: 0 general, 1 cloud, 2 facilities)
const BUSINESSES: &[(&str, usize)] = &[
    ("データサービス", 0),
    ("システム運用", 0),
    ("情報処理センター", 0),
    ("ソフトウェア", 0),
    ("ネットワーク", 0),
    ("印刷", 0),
    ("ビルメンテナンス", 2),
    ("清掃サービス", 2),
    ("施設管理", 2),
    ("警備保障", 2),
    ("コンサルティング", 0),
    ("ビジネスサポート", 0),
    ("クラウドソリューションズ", 1),
    ("クラウドワークス", 1),
    ("デジタルサービス", 1),
];

const FACILITIES: &[&str] = &[
    "区民センター",
    "スポーツセンター",
    "児童館",
    "図書館",
    "区立公園",
    "文化芸術ホール",
    "高齢者在宅サービスセンター",
    "保育園",
    "駐輪場",
    "産業振興センター",
    "いきいきプラザ",
    "子ども中高生プラザ",
];

const AREAS: &[&str] = &[
    "芝",
    "麻布",
    "赤坂",
    "高輪",
    "芝浦港南",
    "青山",
    "六本木",
    "白金",
    "三田",
    "台場",
];

/// (subject, work, scope)
const OUTSOURCING_WORK: &[(&str, &str, &str)] = &[
    (
        "住民記録システム",
        "運用保守業務委託",
        "住民記録システムの運用監視、障害対応、定期保守及びバックアップの取得",
    ),
    (
        "税務システム",
        "保守業務委託",
        "税務システムのアプリケーション保守、法改正対応及び問合せ対応",
    ),
    (
        "国民健康保険システム",
        "運用支援業務委託",
        "国民健康保険システムのバッチ運用、帳票出力及び運用手順書の維持",
    ),
    (
        "介護保険システム",
        "改修業務委託",
        "制度改正に伴う介護保険システムの改修、試験及び移行",
    ),
    (
        "財務会計システム",
        "運用保守業務委託",
        "財務会計システムの運用、定期保守及び利用者支援",
    ),
    (
        "庁内ネットワーク",
        "運用保守業務委託",
        "庁内ネットワーク機器の監視、設定変更及び障害時の保守",
    ),
    (
        "文書管理システム",
        "保守業務委託",
        "文書管理システムの保守、データ移行及び操作研修",
    ),
    (
        "庁舎",
        "清掃業務委託",
        "本庁舎の日常清掃、定期清掃及び廃棄物の搬出",
    ),
    (
        "区立小中学校",
        "清掃業務委託",
        "区立小中学校の校舎及び体育館の定期清掃",
    ),
    (
        "庁舎",
        "設備保守点検業務委託",
        "空調・電気設備の保守点検及び故障時の対応",
    ),
    (
        "区報",
        "発送業務委託",
        "区報の封入・発送作業（公表済み資料のみ）",
    ),
    (
        "証明書交付窓口",
        "業務委託",
        "住民票の写し等の交付申請の受付、入力及び交付業務",
    ),
    (
        "区民相談コールセンター",
        "運営業務委託",
        "区民からの電話問合せへの一次対応及び記録",
    ),
    (
        "健康診断",
        "予約受付業務委託",
        "健康診断の電話及び窓口での予約受付、受診券の発送",
    ),
    (
        "住民税申告書",
        "データ入力業務委託",
        "住民税申告書の読取り、データ入力及び照合",
    ),
    (
        "ホームページ",
        "運用業務委託",
        "区ホームページの更新作業、アクセシビリティ点検及び運用",
    ),
];

/// (service, cloud service name, what it is used for)
const CLOUD_SERVICES: &[(&str, &str, &str)] = &[
    (
        "電子申請フォームサービス",
        "ClearForms",
        "各種申請及び予約の受付に電子申請フォームを利用する",
    ),
    (
        "オンライン会議サービス",
        "MeetNow",
        "庁外との会議にオンライン会議サービスを利用する",
    ),
    (
        "ファイル共有サービス",
        "ShareBox",
        "事業者とのファイル授受にクラウドストレージを利用する",
    ),
    (
        "グループウェア",
        "TeamDesk",
        "職員のスケジュール管理及び掲示板の運用に利用する",
    ),
    (
        "窓口予約システム（クラウド）",
        "QueueNow",
        "窓口の来庁予約にクラウドサービスを利用する",
    ),
    (
        "AIチャットボット",
        "AskMinato",
        "区民からのよくある問合せへの自動応答に利用する",
    ),
    (
        "アンケート集計サービス",
        "SurveyLite",
        "区民アンケートの回答収集及び集計に利用する",
    ),
    (
        "電子契約サービス",
        "SignFlow",
        "契約書の電子締結及び保管に利用する",
    ),
    (
        "学校向け学習支援サービス",
        "EduShare",
        "児童生徒の学習支援及び教材共有に利用する",
    ),
    (
        "会議録作成サービス",
        "MinuteMaker",
        "会議の音声から会議録の案を作成する（運用保守は事業者が行う）",
    ),
];

const DATA_LOCATIONS: &[&str] = &[
    "日本（東京リージョン）",
    "日本（大阪リージョン）",
    "日本（東京・大阪リージョン）",
    "日本",
];

/// (name, description, usual level)
const ITEMS: &[(&str, &str, ClassificationLevel)] = &[
    (
        "住民基本台帳データ",
        "氏名・住所・生年月日等",
        ClassificationLevel::L3,
    ),
    (
        "税務情報",
        "課税額・所得・口座情報",
        ClassificationLevel::L3,
    ),
    (
        "健康診断結果",
        "受診者の検査結果及び問診票",
        ClassificationLevel::L3,
    ),
    (
        "利用者登録情報",
        "利用者の氏名・連絡先・利用履歴",
        ClassificationLevel::L3,
    ),
    (
        "相談記録",
        "相談者の氏名及び相談内容",
        ClassificationLevel::L3,
    ),
    (
        "申請書類",
        "申請者の氏名・住所・連絡先",
        ClassificationLevel::L3,
    ),
    (
        "システム設計書",
        "構成図、パラメータシート",
        ClassificationLevel::L2,
    ),
    (
        "職員名簿",
        "担当職員の氏名・内線番号",
        ClassificationLevel::L2,
    ),
    (
        "運用手順書",
        "未公表の運用手順及び連絡体制",
        ClassificationLevel::L2,
    ),
    (
        "設備配置図",
        "機械室及び電気室の配置図",
        ClassificationLevel::L2,
    ),
    (
        "施設運営マニュアル",
        "未公表の運営手順",
        ClassificationLevel::L2,
    ),
    ("会議資料", "庁内検討中の資料", ClassificationLevel::L2),
    (
        "公開資料",
        "公表済みの広報紙面及び統計",
        ClassificationLevel::L1,
    ),
    ("施設案内", "公表済みの施設案内", ClassificationLevel::L1),
    (
        "公開教材",
        "各校が公開している教材",
        ClassificationLevel::L1,
    ),
];

const SELECTION_BASES: &[&str] = &[
    "選定時自己評価票、ISMS 認証の写し及び提案書の審査により、指針を遵守できると判断した",
    "プライバシーマークの写し、過去の受託実績及びヒアリングにより、指針を遵守できると判断した",
    "総合評価方式の審査において、情報セキュリティ対策の提案内容を確認し、指針を遵守できると判断した",
    "指定管理者選定委員会の審査において、個人情報の取扱体制を確認した",
];

const OBSERVATIONS: &[&str] = &[
    "作業場所の入退室管理、端末の施錠保管及び作業記録を確認した。問題なし",
    "委託先の作業端末のウイルス対策ソフト更新状況及びアクセス権限を確認した",
    "個人情報の持出し記録及び廃棄証明書を確認した。手順どおり運用されている",
    "作業報告書と操作ログを突合し、委託範囲外の操作がないことを確認した",
];

const FINDING_ACTIONS: &[&str] = &[
    "委託先において手順書を改訂し、従事者への再教育を実施する",
    "アクセス権限の棚卸しを行い、不要な権限を削除する",
    "媒体の暗号化設定を全端末に適用し、適用状況を報告させる",
];

const WAIVER_REASONS: &[&str] = &[
    "施設改修工事のため今期の実地確認ができない。次期の確認で補う",
    "契約変更の手続中であり、変更後の内容で確認を行う",
    "災害対応のため今期の確認を延期する",
];

fn naive(date: NaiveDate, minutes_after_9: u32) -> NaiveDateTime {
    // Office hours in Japan (09:00–18:00 JST) are 00:00–09:00 UTC: the date stays the
    // organisation's date.
    let minutes = minutes_after_9.min(9 * 60 - 1);
    date.and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN))
}

fn days(date: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        date.checked_add_days(Days::new(n as u64)).unwrap_or(date)
    } else {
        date.checked_sub_days(Days::new(n.unsigned_abs()))
            .unwrap_or(date)
    }
}

fn months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n)).unwrap_or(date)
}

fn april_first(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 4, 1).unwrap_or(NaiveDate::MIN)
}

fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// Text checked as the domain checks it: a generated value that would not pass fails
/// the run, not a page later.
fn text(s: String) -> AppResult<String> {
    BoundedText::parse_allow_empty(&s, 4000)
        .map(|t| t.as_str().to_string())
        .map_err(|e| AppError::Internal(format!("generated text {s:?}: {e}")))
}

fn email(s: String) -> AppResult<String> {
    EmailAddress::parse(&s)
        .map(|e| e.as_str().to_string())
        .map_err(|e| AppError::Internal(format!("generated email {s}: {e}")))
}

fn json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

struct Division {
    id: String,
    /// The security officer who decides its R-3.3.3 requests and closings.
    head: String,
    /// Security officers responsible for outsourcing and designated management.
    officers: Vec<String>,
    /// System administrators responsible for cloud services.
    administrators: Vec<String>,
}

struct Vendor {
    id: String,
    /// 0 general, 1 cloud, 2 facilities, 3 a foundation (designated management).
    speciality: usize,
    contact_name: String,
    contact_email: String,
}

struct Leaders {
    ciso: String,
    deputy: String,
    csm: String,
}

/// A questionnaire as checks carry it, and the questions a finding can be about.
struct Questionnaire {
    id: String,
    version: i32,
    snapshot: String,
    /// The id its copy is kept under ([`db::checks::keep_snapshot`]).
    snapshot_id: String,
    rules: String,
    /// (question id, section, rules, the non-conforming answer as JSON)
    shortfalls: Vec<(String, &'static str, String, String)>,
}

impl Questionnaire {
    fn of(def: &Definition) -> AppResult<Questionnaire> {
        let mut shortfalls = Vec::new();
        for section in &def.sections {
            for q in &section.questions {
                if q.answer == AnswerType::YesNoNa {
                    if let Some(bad) = q.non_conforming.first() {
                        shortfalls.push((
                            q.id.clone(),
                            section.id.as_str(),
                            q.rules.join(" "),
                            json(&crate::questionnaires::answers::Answer::YesNoNa(
                                bad.clone(),
                            ))?,
                        ));
                    }
                }
            }
        }
        let snapshot = def.snapshot_json();
        Ok(Questionnaire {
            id: def.id.clone(),
            version: def.version as i32,
            snapshot_id: db::checks::snapshot_id(&snapshot),
            snapshot,
            rules: def.rules.join(" "),
            shortfalls,
        })
    }
}

/// Makes a register of `scale.engagements` engagements in one transaction, with its
/// audit event. Refused when the register already has engagements, unless `append`:
/// then the new people, divisions and vendors are named apart from those already there.
/// The stored obligations are not derived here: call
/// `app::obligations::bring_up_to_date` afterwards.
pub fn generate(
    conn: &mut DbConnection,
    scale: &Scale,
    sources: &Sources,
    now: chrono::DateTime<chrono::Utc>,
    today: NaiveDate,
    origin: &Origin,
    append: bool,
) -> AppResult<Generated> {
    let mut questionnaires = BTreeMap::new();
    for kind in [
        EngagementKind::Outsourcing,
        EngagementKind::DesignatedManagement,
        EngagementKind::CloudService,
    ] {
        for level in [
            ClassificationLevel::L1,
            ClassificationLevel::L2,
            ClassificationLevel::L3,
        ] {
            if let Some(def) = sources.questionnaires.periodic_for(kind, level) {
                questionnaires.insert((kind.as_str(), level.rank()), Questionnaire::of(def)?);
            }
        }
    }
    let generated = db::write(conn, |conn| {
        if !append && engagement_store::count(conn)? > 0 {
            return Err(AppError::Conflict {
                message: Msg::new(
                    "委託案件が既に登録されているため、生成しません（追加するには --append を指定してください）",
                    "The register already holds engagements; nothing was generated (add --append to add to them)",
                ),
                allowed: vec![],
            });
        }
        for q in questionnaires.values() {
            db::checks::keep_snapshot(conn, &q.id, q.version, &q.snapshot)?;
        }
        let run = bulk::user_count(conn)? as u64;
        let mut generator = Generator::new(scale, sources, &questionnaires, now, today, run);
        let generated = generator.run(conn)?;
        db::audit::append(
            conn,
            origin,
            &Event::new("demo.generate").after(&serde_json::json!({
                "engagements": scale.engagements,
                "seed": scale.seed,
                "append": append,
                "counts": generated.counts,
            })),
            now.naive_utc(),
        )?;
        Ok(generated)
    })?;
    bulk::refresh_statistics(conn)?;
    Ok(generated)
}

/// How many engagements are made and written at a time: memory stays flat whatever the
/// size.
const CHUNK: usize = 10_000;

struct Generator<'s> {
    scale: Scale,
    catalog: &'s Catalog,
    questionnaires: &'s BTreeMap<(&'static str, i16), Questionnaire>,
    now: NaiveDateTime,
    today: NaiveDate,
    /// Names apart a register appended to a used database.
    prefix: String,
    /// How many people the database had: 0 for a fresh one.
    run: u64,
    rng: Rng,
    ids: Ids,
    counts: Counts,
    divisions: Vec<Division>,
    vendors: Vec<Vendor>,
    leaders: Option<Leaders>,
    contract_number: usize,
}

/// What was decided for one engagement before its rows are written.
struct Plan {
    id: String,
    kind: EngagementKind,
    division: usize,
    responsible: String,
    vendor: usize,
    status: Status,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    title: String,
    parent: Option<String>,
    ismap: Option<Ismap>,
    cloud_service: Option<(&'static str, &'static str)>,
}

impl<'s> Generator<'s> {
    fn new(
        scale: &Scale,
        sources: &'s Sources,
        questionnaires: &'s BTreeMap<(&'static str, i16), Questionnaire>,
        now: chrono::DateTime<chrono::Utc>,
        today: NaiveDate,
        run: u64,
    ) -> Self {
        Generator {
            scale: *scale,
            catalog: sources.catalog,
            questionnaires,
            now: now.naive_utc(),
            today,
            prefix: if run == 0 {
                String::new()
            } else {
                format!("r{run}-")
            },
            run,
            rng: Rng(scale.seed),
            ids: Ids {
                rng: Rng(scale.seed ^ 0x5DEE_CE66_D1CE_4E5B),
                counter: run * 1_000_000_000,
            },
            counts: Counts::default(),
            divisions: Vec::new(),
            vendors: Vec::new(),
            leaders: None,
            contract_number: 0,
        }
    }

    fn person(&mut self) -> String {
        format!("{} {}", self.rng.pick(SURNAMES), self.rng.pick(GIVEN_NAMES))
    }

    fn run(&mut self, conn: &mut DbConnection) -> AppResult<Generated> {
        let (accounts, staff_password, staff_examples) = self.organisation(conn)?;
        let mut register: Register<'s> = Register::default();
        let mut made = 0;
        while made < self.scale.engagements {
            let end = (made + CHUNK).min(self.scale.engagements);
            while made < end {
                made += self.engagement(&mut register, end - made)?;
            }
            bulk::insert_register(conn, &register)?;
            register.clear();
        }
        Ok(Generated {
            counts: self.counts.clone(),
            accounts,
            staff_password,
            staff_examples,
        })
    }

    /// Divisions (one per about 200 engagements) with their staff, the organisation-wide
    /// roles, and vendors (one per about 40 engagements).
    #[allow(clippy::type_complexity)]
    fn organisation(
        &mut self,
        conn: &mut DbConnection,
    ) -> AppResult<(Vec<(String, String, String)>, String, Vec<(String, String)>)> {
        let n = self.scale.engagements;
        let now = self.now;
        let mut org = Organisation::default();
        // The organisation-wide roles, each with a password of its own.
        let mut accounts = Vec::new();
        let mut leader_ids = Vec::new();
        for (local, roles) in [
            ("ciso", &[Role::Ciso][..]),
            ("deputy-ciso", &[Role::DeputyCiso][..]),
            ("csm", &[Role::ChiefSystemManager][..]),
            ("csirt", &[Role::Csirt][..]),
            ("auditor", &[Role::Auditor][..]),
        ] {
            let password = auth::generate_password();
            let address = email(format!("{}{local}@city.minato.example", self.prefix))?;
            let id = self.ids.next();
            let name = self.person();
            org.users
                .push(self.user_row(&id, &address, &name, auth::hash_password(&password)));
            for role in roles {
                org.user_roles.push(bulk::UserRoleRow {
                    user_id: id.clone(),
                    role: role.as_str(),
                });
            }
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            accounts.push((address, names.join(","), password));
            leader_ids.push(id);
        }
        self.leaders = Some(Leaders {
            ciso: leader_ids[0].clone(),
            deputy: leader_ids[1].clone(),
            csm: leader_ids[2].clone(),
        });

        let staff_password = auth::generate_password();
        let staff_hash = auth::hash_password(&staff_password);
        let mut staff_examples = Vec::new();
        let division_count = n.div_ceil(200).max(1);
        let per_division = n / division_count + 1;
        // About 80% of a division's engagements are outsourcing or designated management
        // (a security officer responsible), 20% cloud services (a system administrator):
        // one person for about 80 engagements.
        let officers = (per_division * 8 / 10).div_ceil(90).max(1);
        let administrators = (per_division * 2 / 10).div_ceil(90).max(1);
        let combinations = DEPARTMENTS.len() * SECTIONS.len();
        for d in 0..division_count {
            let code = format!("{}d{:05}", self.prefix, d + 1);
            DivisionCode::parse(&code)
                .map_err(|_| AppError::Internal(format!("generated division code {code}")))?;
            let department = DEPARTMENTS[d % DEPARTMENTS.len()];
            let section = SECTIONS[(d / DEPARTMENTS.len()) % SECTIONS.len()];
            let name = match d / combinations {
                0 => format!("{department}{section}"),
                k => format!("{department}{section}（第{}）", k + 1),
            };
            let id = self.ids.next();
            org.divisions.push(bulk::DivisionRow {
                id: id.clone(),
                code: code.clone(),
                name: text(name)?,
                created_at: now,
            });
            let mut division = Division {
                id: id.clone(),
                head: String::new(),
                officers: Vec::new(),
                administrators: Vec::new(),
            };
            let mut staff = vec![("so", Role::SecurityOfficer)];
            staff.extend((1..=officers).map(|_| ("so", Role::SecurityOfficer)));
            staff.extend((1..=administrators).map(|_| ("sa", Role::SystemAdministrator)));
            for (i, (what, role)) in staff.into_iter().enumerate() {
                let address = email(format!("{code}-{what}{i}@city.minato.example"))?;
                let user_id = self.ids.next();
                let name = self.person();
                org.users
                    .push(self.user_row(&user_id, &address, &name, staff_hash.clone()));
                org.user_roles.push(bulk::UserRoleRow {
                    user_id: user_id.clone(),
                    role: role.as_str(),
                });
                org.user_divisions.push(bulk::UserDivisionRow {
                    user_id: user_id.clone(),
                    division_id: id.clone(),
                });
                if d == 0 {
                    staff_examples.push((address, role.as_str().to_string()));
                }
                match (i, role) {
                    (0, _) => division.head = user_id,
                    (_, Role::SecurityOfficer) => division.officers.push(user_id),
                    _ => division.administrators.push(user_id),
                }
            }
            self.divisions.push(division);
        }

        let vendor_count = (n / 40).max(4);
        for v in 0..vendor_count {
            // Every tenth is a foundation that manages facilities; the rest by business.
            let (name, speciality) = if v % 10 == 0 {
                let area = AREAS[(v / 10) % AREAS.len()];
                let facility = FACILITIES[(v / 10 / AREAS.len()) % FACILITIES.len()];
                let form = if v % 20 == 0 {
                    "一般財団法人"
                } else {
                    "公益財団法人"
                };
                (format!("{form}港区{area}{facility}振興財団"), 3)
            } else {
                let place = PLACES[v % PLACES.len()];
                let (business, speciality) = BUSINESSES[(v / PLACES.len()) % BUSINESSES.len()];
                let name = if v % 3 == 0 {
                    format!("{place}{business}株式会社")
                } else {
                    format!("株式会社{place}{business}")
                };
                (name, speciality)
            };
            let combos = PLACES.len() * BUSINESSES.len();
            let name = match v / combos {
                0 => name,
                k => format!("{name}（{}）", k + 1),
            };
            let base = format!("5{:05}{:06}", self.run % 100_000, v);
            let number = CorporateNumber::from_base(&base)
                .ok_or_else(|| AppError::Internal(format!("corporate number base {base}")))?;
            let id = self.ids.next();
            let contact_name = self.person();
            let contact_email = email(format!("contact@{}v{:06}.example", self.prefix, v + 1))?;
            org.vendors.push(bulk::VendorRow {
                id: id.clone(),
                legal_name: text(name)?,
                corporate_number: Some(number.as_str().to_string()),
                address: text(format!(
                    "東京都港区{}{}丁目{}番{}号",
                    AREAS[v % AREAS.len()],
                    ["一", "二", "三", "四", "五"][v % 5],
                    v % 20 + 1,
                    v % 13 + 1
                ))?,
                created_at: now,
                updated_at: now,
            });
            org.vendor_contacts.push(bulk::VendorContactRow {
                id: self.ids.next(),
                vendor_id: id.clone(),
                position: 0,
                name: contact_name.clone(),
                email: contact_email.clone(),
                phone: Some(format!("03-{:04}-{:04}", 5000 + v % 4000, v % 10_000)),
            });
            self.vendors.push(Vendor {
                id,
                speciality,
                contact_name,
                contact_email,
            });
        }
        bulk::insert_organisation(conn, &org)?;
        self.counts.divisions = org.divisions.len();
        self.counts.staff = org.users.len();
        self.counts.vendors = org.vendors.len();
        Ok((accounts, staff_password, staff_examples))
    }

    fn user_row(&self, id: &str, email: &str, name: &str, hash: String) -> bulk::UserRow {
        bulk::UserRow {
            id: id.to_string(),
            email: email.to_string(),
            display_name: name.to_string(),
            password_hash: hash,
            active: true,
            language: crate::i18n::Lang::Ja.as_str().to_string(),
            created_at: self.now,
            last_sign_in_at: None,
            totp_secret: None,
            totp_pending_secret: None,
            totp_enabled_at: None,
            totp_last_step: None,
            // R-4.1.4.3: the password was printed to whoever generated the register.
            must_change_password: true,
            password_changed_at: None,
            deactivated_at: None,
        }
    }

    fn vendor_for(&mut self, kind: EngagementKind) -> usize {
        let wanted = match kind {
            EngagementKind::DesignatedManagement => 3,
            EngagementKind::CloudService => 1,
            EngagementKind::Outsourcing => usize::MAX,
        };
        // A few tries for a vendor of the right business; any vendor after that.
        for _ in 0..8 {
            let v = self.rng.below(self.vendors.len());
            let s = self.vendors[v].speciality;
            if s == wanted || (wanted == usize::MAX && (s == 0 || s == 2)) {
                return v;
            }
        }
        self.rng.below(self.vendors.len())
    }

    /// One engagement (and, for some designated managements, a subcontract right after
    /// it, when `room` allows); returns how many were made.
    fn engagement(&mut self, out: &mut Register<'s>, room: usize) -> AppResult<usize> {
        let kind = match self.rng.below(100) {
            0..=71 => EngagementKind::Outsourcing,
            72..=79 => EngagementKind::DesignatedManagement,
            _ => EngagementKind::CloudService,
        };
        let division = self.rng.below(self.divisions.len());
        let status = self.status();
        let (starts_on, ends_on) = self.term(status, kind);
        let plan = self.plan(kind, division, status, (starts_on, ends_on), None)?;
        self.write(out, &plan)?;
        // A designated manager subcontracts cleaning or maintenance (R-8.5).
        if kind == EngagementKind::DesignatedManagement && room > 1 && self.rng.chance(30) {
            let status = match status {
                Status::Draft | Status::Selected => Status::Draft,
                Status::Terminated => Status::Terminated,
                other => other,
            };
            let sub = self.plan(
                EngagementKind::Outsourcing,
                division,
                status,
                (starts_on, ends_on),
                Some(&plan),
            )?;
            self.write(out, &sub)?;
            self.counts.subcontracts += 1;
            return Ok(2);
        }
        Ok(1)
    }

    fn status(&mut self) -> Status {
        match self.rng.below(100) {
            0..=4 => Status::Draft,
            5..=11 => Status::Selected,
            12..=19 => Status::Contracted,
            20..=72 => Status::Active,
            73..=79 => Status::Ending,
            80..=96 => Status::Closed,
            _ => Status::Terminated,
        }
    }

    /// A term that fits the status on `today`: past for a closed engagement, under way
    /// for an active one, ahead for one not yet contracted. Mostly fiscal years.
    fn term(&mut self, status: Status, kind: EngagementKind) -> (NaiveDate, NaiveDate) {
        let fy = fiscal_year(self.today);
        let years = match kind {
            EngagementKind::DesignatedManagement => 5,
            _ => 1 + self.rng.below(3) as i32,
        };
        let end_of = |start: NaiveDate, years: i32| days(april_first(start.year() + years), -1);
        match status {
            Status::Draft | Status::Selected | Status::Contracted => {
                let start = if self.rng.chance(60) {
                    april_first(fy + 1)
                } else {
                    // The first of a month one to five months ahead.
                    let m = months(self.today, 1 + self.rng.below(5) as u32);
                    NaiveDate::from_ymd_opt(m.year(), m.month(), 1).unwrap_or(m)
                };
                (start, end_of(start, years))
            }
            Status::Active | Status::Terminated => {
                // Under way: started this fiscal year or up to years-1 before.
                let back = self.rng.below(years as usize) as i32;
                let start = april_first(fy - back);
                let mut end = end_of(start, years);
                if end <= self.today {
                    end = end_of(start, years + 1);
                }
                (start, end)
            }
            Status::Ending => {
                // Ends around now: a month ago to two months ahead.
                let end = days(self.today, self.rng.below(90) as i64 - 30);
                let start = days(
                    NaiveDate::from_ymd_opt(end.year() - years, end.month(), 1).unwrap_or(end),
                    0,
                );
                (start, end.max(start))
            }
            Status::Closed => {
                let end = days(april_first(fy - self.rng.below(3) as i32), -1);
                let end = if end >= days(self.today, -40) {
                    days(april_first(fy - 1), -1)
                } else {
                    end
                };
                // `end` is a 31 March: its fiscal year began the April before.
                let start = april_first(end.year() - years);
                (start, end)
            }
        }
    }

    fn plan(
        &mut self,
        kind: EngagementKind,
        division: usize,
        status: Status,
        (starts_on, ends_on): (NaiveDate, NaiveDate),
        parent: Option<&Plan>,
    ) -> AppResult<Plan> {
        let d = &self.divisions[division];
        let responsible = match (kind, parent) {
            (_, Some(p)) => p.responsible.clone(),
            (EngagementKind::CloudService, None) => self.rng.pick(&d.administrators).clone(),
            _ => self.rng.pick(&d.officers).clone(),
        };
        let reiwa = fiscal_year(starts_on) - 2018;
        let (title, ismap, cloud_service) = match (kind, parent) {
            (_, Some(p)) => {
                let work = *self.rng.pick(&["清掃業務", "設備保守業務", "警備業務"]);
                let facility = p.title.trim_end_matches("指定管理").to_string();
                (
                    format!("{facility}{work}（指定管理者の再委託）"),
                    None,
                    None,
                )
            }
            (EngagementKind::Outsourcing, None) => {
                let (subject, work, _) = *self.rng.pick(OUTSOURCING_WORK);
                (format!("{subject}{work}（令和{reiwa}年度）"), None, None)
            }
            (EngagementKind::DesignatedManagement, None) => {
                let area = *self.rng.pick(AREAS);
                let facility = *self.rng.pick(FACILITIES);
                (format!("港区立{area}{facility}指定管理"), None, None)
            }
            (EngagementKind::CloudService, None) => {
                let service = *self.rng.pick(CLOUD_SERVICES);
                let ismap = match self.rng.below(100) {
                    0..=59 => Ismap::Ismap,
                    60..=74 => Ismap::IsmapLiu,
                    _ => Ismap::None,
                };
                (
                    format!("{}利用", service.0),
                    Some(ismap),
                    Some((service.1, service.2)),
                )
            }
        };
        let vendor = self.vendor_for(kind);
        Ok(Plan {
            id: self.ids.next(),
            kind,
            division,
            responsible,
            vendor,
            status,
            starts_on,
            ends_on,
            title: text(title)?,
            parent: parent.map(|p| p.id.clone()),
            ismap,
            cloud_service,
        })
    }

    fn scope(&mut self, plan: &Plan) -> String {
        match (plan.kind, &plan.parent, plan.cloud_service) {
            (_, Some(_), _) => {
                "指定管理者が再委託する館内清掃、空調設備の保守及び夜間警備（R-8.5）".into()
            }
            (EngagementKind::CloudService, _, Some((_, scope))) => scope.to_string(),
            (EngagementKind::DesignatedManagement, _, _) => {
                let facility = plan
                    .title
                    .trim_start_matches("港区立")
                    .trim_end_matches("指定管理");
                format!(
                    "{facility}の施設運営、利用受付、施設予約システムの運用、設備の保守及び清掃"
                )
            }
            _ => {
                let (_, _, scope) = OUTSOURCING_WORK
                    .iter()
                    .find(|(s, w, _)| plan.title.starts_with(&format!("{s}{w}")))
                    .copied()
                    .unwrap_or(OUTSOURCING_WORK[0]);
                scope.to_string()
            }
        }
    }

    /// The moments the engagement reached each status after draft, oldest first: never
    /// after now, one after the other.
    fn history(&mut self, plan: &Plan) -> Vec<(Status, Status, NaiveDateTime)> {
        let mut path = vec![Status::Draft];
        let target = plan.status;
        // A terminated engagement ended from where it had got to.
        let reached = if target == Status::Terminated {
            if plan.starts_on > self.today {
                Status::Contracted
            } else {
                Status::Active
            }
        } else {
            target
        };
        while *path.last().unwrap_or(&Status::Draft) != reached {
            let from = *path.last().unwrap_or(&Status::Draft);
            match crate::policy::lifecycle::allowed_moves(from)
                .into_iter()
                .find(|s| *s != Status::Terminated)
            {
                Some(next) => path.push(next),
                None => break,
            }
        }
        if target == Status::Terminated {
            path.push(Status::Terminated);
        }
        let mut out = Vec::new();
        let mut last = naive(days(plan.starts_on, -120), 0);
        for pair in path.windows(2) {
            let (from, to) = (pair[0], pair[1]);
            let nominal = match to {
                Status::Selected => days(plan.starts_on, -(60 + self.rng.below(40) as i64)),
                Status::Contracted => days(plan.starts_on, -(10 + self.rng.below(20) as i64)),
                Status::Active => plan.starts_on,
                Status::Ending => days(plan.ends_on, -(20 + self.rng.below(20) as i64)),
                Status::Closed => days(plan.ends_on, 10 + self.rng.below(30) as i64),
                _ => days(self.today, -(1 + self.rng.below(120) as i64)),
            };
            let mut at = naive(nominal, self.rng.below(9 * 60) as u32);
            let latest = self.now - chrono::Duration::hours(1);
            if at > latest {
                at = latest;
            }
            if at <= last {
                at = last + chrono::Duration::minutes(1 + self.rng.below(600) as i64);
            }
            last = at;
            out.push((from, to, at));
        }
        out
    }

    fn write(&mut self, out: &mut Register<'s>, plan: &Plan) -> AppResult<()> {
        let leaders = self
            .leaders
            .as_ref()
            .ok_or_else(|| AppError::Internal("leaders are made first".into()))?;
        let (ciso, deputy, csm) = (
            leaders.ciso.clone(),
            leaders.deputy.clone(),
            leaders.csm.clone(),
        );
        let head = self.divisions[plan.division].head.clone();
        let division_id = self.divisions[plan.division].id.clone();
        let vendor_id = self.vendors[plan.vendor].id.clone();
        let (contact_name, contact_email) = (
            self.vendors[plan.vendor].contact_name.clone(),
            self.vendors[plan.vendor].contact_email.clone(),
        );
        let history = self.history(plan);
        let reached = |s: Status| history.iter().any(|(_, to, _)| *to == s);
        let at_status = |s: Status| history.iter().find(|(_, to, _)| *to == s).map(|h| h.2);
        let created_at = history
            .first()
            .map(|h| h.2 - chrono::Duration::days(7 + self.rng.below(30) as i64))
            .unwrap_or(self.now - chrono::Duration::days(1 + self.rng.below(60) as i64));
        let updated_at = history.last().map(|h| h.2).unwrap_or(created_at);
        let id = plan.id.clone();

        // Information items, and the engagement's level from them (R-3.1).
        let mut items = Vec::new();
        for _ in 0..1 + self.rng.below(4) {
            let (name, description, usual) = *self.rng.pick(ITEMS);
            let level = match self.rng.below(10) {
                0 => ClassificationLevel::L1,
                1 => ClassificationLevel::L2,
                _ => usual,
            };
            let provided = match plan.kind {
                EngagementKind::CloudService => self.rng.chance(20),
                _ => self.rng.chance(80),
            };
            let item_id = self.ids.next();
            out.items.push(bulk::ItemRow {
                id: item_id.clone(),
                engagement_id: id.clone(),
                name: name.to_string(),
                description: description.to_string(),
                level: level.rank(),
                provided_to_vendor: provided,
                created_at,
                updated_at: created_at,
            });
            items.push((item_id, name, level, provided));
        }
        self.counts.information_items += items.len();
        let level = ClassificationLevel::highest(items.iter().map(|i| i.2));
        let scope = self.scope(plan);
        out.engagements.push(bulk::EngagementRow {
            id: id.clone(),
            kind: plan.kind.as_str(),
            title: plan.title.clone(),
            division_id: division_id.clone(),
            responsible_user_id: plan.responsible.clone(),
            vendor_id,
            scope,
            starts_on: plan.starts_on,
            ends_on: plan.ends_on,
            status: plan.status.as_str(),
            parent_id: plan.parent.clone(),
            cloud_service_name: plan.cloud_service.map(|c| c.0.to_string()),
            cloud_data_location: plan
                .cloud_service
                .map(|_| self.rng.pick(DATA_LOCATIONS).to_string()),
            cloud_ismap: plan.ismap.map(|i| i.as_str()),
            level: level.map(ClassificationLevel::rank),
            created_at,
            updated_at,
            level_raised_on: None,
            check_interval_months: None,
        });
        self.counts.engagements += 1;
        *self.counts.kinds.entry(plan.kind.as_str()).or_default() += 1;
        *self
            .counts
            .statuses
            .entry(plan.status.as_str())
            .or_default() += 1;
        if let Some(l) = level {
            *self
                .counts
                .levels
                .entry(["L1", "L2", "L3"][l.rank() as usize - 1])
                .or_default() += 1;
        }

        // The status history, one allowed move at a time.
        for (from, to, at) in &history {
            out.status_changes.push(bulk::StatusChangeRow {
                id: self.ids.next(),
                engagement_id: id.clone(),
                from_status: from.as_str(),
                to_status: to.as_str(),
                user_id: Some(plan.responsible.clone()),
                changed_at: *at,
                reason: (*to == Status::Terminated)
                    .then(|| "事業の廃止により契約を解除した".to_string()),
            });
        }
        self.counts.status_changes += history.len();

        // The selection, as recorded (R-8.1, R-7.1, R-9.1, R-10.1).
        if let Some(selected_at) = at_status(Status::Selected) {
            let details = RecordDetails::Selection {
                basis: self.rng.pick(SELECTION_BASES).to_string(),
                ismap_listing: plan
                    .ismap
                    .zip(plan.cloud_service)
                    .map(|(ismap, (name, _))| {
                        let listing = match ismap {
                            Ismap::None => "ISMAP 登録なし",
                            Ismap::Ismap => "ISMAP クラウドサービスリスト",
                            Ismap::IsmapLiu => "ISMAP-LIU クラウドサービスリスト",
                        };
                        format!("{listing}（{name}）")
                    }),
                data_location: plan.cloud_service.map(|_| "日本".to_string()),
            };
            self.record(out, &id, &details, selected_at, &plan.responsible, None)?;
        }

        // A cloud service's listing and data location as checked at selection.
        if plan.kind == EngagementKind::CloudService && reached(Status::Selected) {
            let selected_at = at_status(Status::Selected).unwrap_or(created_at);
            if let (Some(ismap), Some((name, _))) = (plan.ismap, plan.cloud_service) {
                if ismap != Ismap::None {
                    // Mostly a recent audit; a few lapsed (R-9.1 flags them).
                    let audit_end = if self.rng.chance(8) {
                        days(self.today, -(600 + self.rng.below(200) as i64))
                    } else {
                        days(self.today, -(30 + self.rng.below(300) as i64))
                    };
                    let listing = IsmapListing {
                        list: if ismap == Ismap::Ismap {
                            IsmapList::Ismap
                        } else {
                            IsmapList::IsmapLiu
                        },
                        registration_number: format!(
                            "C{:02}-{:04}-{}",
                            fiscal_year(audit_end) % 100,
                            self.rng.below(9000) + 1000,
                            1 + self.rng.below(3)
                        ),
                        listed_service: name.to_string(),
                        regions: vec!["東京".into(), "大阪".into()],
                        audit_period_end: audit_end,
                    };
                    out.cloud_records.push(bulk::CloudRecordRow {
                        id: self.ids.next(),
                        engagement_id: id.clone(),
                        kind: "ismap_listing",
                        content: json(&listing)?,
                        recorded_by: plan.responsible.clone(),
                        recorded_at: selected_at,
                    });
                }
            }
            let jp = CountryCode::parse("JP")
                .map_err(|_| AppError::Internal("JP is a country".into()))?;
            let mut support = vec![jp.clone()];
            if self.rng.chance(10) {
                support.push(
                    CountryCode::parse("US")
                        .map_err(|_| AppError::Internal("US is a country".into()))?,
                );
            }
            let location = DataLocation {
                storage_countries: vec![jp.clone()],
                storage_regions: "東京リージョン、大阪リージョン".into(),
                backup_countries: vec![jp],
                support_countries: support,
                governing_law: "日本法".into(),
                court: "東京地方裁判所".into(),
            };
            out.cloud_records.push(bulk::CloudRecordRow {
                id: self.ids.next(),
                engagement_id: id.clone(),
                kind: "data_location",
                content: json(&location)?,
                recorded_by: plan.responsible.clone(),
                recorded_at: selected_at,
            });
            self.counts.cloud_records += out
                .cloud_records
                .iter()
                .rev()
                .take_while(|r| r.engagement_id == id)
                .count();
        }

        // The contract with the clauses the catalog makes mandatory; a few lack one. An L1
        // cloud service needs none: its terms of service stand in (§10).
        if let Some(contracted_at) = at_status(Status::Contracted) {
            let clauses = self.catalog.mandatory(plan.kind, level);
            if clauses.is_empty() {
                let details = RecordDetails::TermsAccepted {
                    name: format!(
                        "{} 利用規約",
                        plan.cloud_service.map(|c| c.0).unwrap_or("サービス")
                    ),
                    version: format!("{}年4月1日版", contracted_at.year()),
                    url: format!(
                        "https://{}.example/terms",
                        plan.cloud_service
                            .map(|c| c.0.to_ascii_lowercase())
                            .unwrap_or_else(|| "service".into())
                    ),
                };
                self.record(out, &id, &details, contracted_at, &plan.responsible, None)?;
            } else {
                let mut ids: Vec<String> = clauses.iter().map(|c| c.id.clone()).collect();
                if ids.len() > 1 && self.rng.chance(4) {
                    let drop = self.rng.below(ids.len());
                    ids.remove(drop);
                    self.counts.contracts_missing_a_clause += 1;
                }
                self.contract_number += 1;
                out.contracts.push(bulk::ContractRow {
                    id: self.ids.next(),
                    engagement_id: id.clone(),
                    reference_number: format!(
                        "{}港契第{}号",
                        fiscal_year(contracted_at.date()) - 2018,
                        self.contract_number
                    ),
                    signed_on: contracted_at.date(),
                    clause_ids: json(&ids)?,
                    template_version: self.catalog.version.clone(),
                    recorded_by: plan.responsible.clone(),
                    recorded_at: contracted_at,
                });
                self.counts.contracts += 1;
            }
        }

        // R-3.3.3: L2/L3 information handed over, asked for by the responsible officer
        // and decided by the division's head security officer (never the requester,
        // R-2.6): approved once contracted, mostly; still pending for some.
        if reached(Status::Selected) {
            let asked = at_status(Status::Selected).unwrap_or(created_at);
            for (item_id, name, item_level, provided) in &items {
                if !provided || *item_level < ClassificationLevel::L2 {
                    continue;
                }
                let decided = reached(Status::Contracted) && !self.rng.chance(6);
                self.approval(
                    out,
                    &id,
                    ApprovalRule::ProvideInformation,
                    (item_id.clone(), name.to_string()),
                    (&plan.responsible, asked),
                    (Role::SecurityOfficer, Some(division_id.clone())),
                    decided.then(|| (head.clone(), "{}")),
                );
            }
        }

        // R-7.5, R-7.6: what a designated manager brings, approved by ROLE-CSM.
        if plan.kind == EngagementKind::DesignatedManagement && plan.parent.is_none() {
            let asked = at_status(Status::Selected).unwrap_or(created_at);
            let system_id = self.ids.next();
            out.assets.push(bulk::AssetRow {
                id: system_id.clone(),
                engagement_id: id.clone(),
                kind: "system",
                name: "施設予約システム".into(),
                description: "指定管理者が自ら運用する予約受付システム".into(),
                recorded_by: plan.responsible.clone(),
                recorded_at: asked,
            });
            self.counts.manager_assets += 1;
            let decided = reached(Status::Contracted) && !self.rng.chance(10);
            self.approval(
                out,
                &id,
                ApprovalRule::ManagerSystem,
                (system_id, "施設予約システム".into()),
                (&plan.responsible, asked),
                (Role::ChiefSystemManager, None),
                decided.then(|| {
                    (
                        csm.clone(),
                        r#"{"can_comply":true,"not_connected_to_ward_network":true}"#,
                    )
                }),
            );
            if self.rng.chance(50) {
                let asset_id = self.ids.next();
                let name = "受付用ノートPC（指定管理者所有）";
                out.assets.push(bulk::AssetRow {
                    id: asset_id.clone(),
                    engagement_id: id.clone(),
                    kind: "asset",
                    name: name.into(),
                    description: "受付カウンターで使用".into(),
                    recorded_by: plan.responsible.clone(),
                    recorded_at: asked,
                });
                self.counts.manager_assets += 1;
                let decided = reached(Status::Active) && self.rng.chance(60);
                self.approval(
                    out,
                    &id,
                    ApprovalRule::ManagerAsset,
                    (asset_id, name.into()),
                    (&plan.responsible, asked),
                    (Role::ChiefSystemManager, None),
                    decided.then(|| (csm.clone(), r#"{"can_comply":true}"#)),
                );
            }
        }

        // Supervision during the term (R-8.3.1, R-7.3); the CISO's inspection of a
        // designated manager, in person or delegated (R-7.4).
        if let Some(active_at) = at_status(Status::Active) {
            let term_end = at_status(Status::Ending)
                .or(at_status(Status::Terminated))
                .map(|t| t.date())
                .unwrap_or(self.today);
            let span = (term_end - active_at.date()).num_days().max(1);
            if plan.kind != EngagementKind::CloudService && self.rng.chance(75) {
                let on = days(active_at.date(), self.rng.below(span as usize) as i64);
                let details = RecordDetails::Supervision {
                    method: if self.rng.chance(60) {
                        SupervisionMethod::OnSite
                    } else {
                        SupervisionMethod::Remote
                    },
                    observed: self.rng.pick(OBSERVATIONS).to_string(),
                };
                self.record(out, &id, &details, naive(on, 120), &plan.responsible, None)?;
            }
            if plan.kind == EngagementKind::DesignatedManagement
                && plan.parent.is_none()
                && self.rng.chance(65)
            {
                let on = days(active_at.date(), self.rng.below(span as usize) as i64);
                let findings = self.rng.chance(20);
                let details = RecordDetails::Inspection {
                    method: *self.rng.pick(&[
                        InspectionMethod::OnSite,
                        InspectionMethod::Video,
                        InspectionMethod::Photographs,
                    ]),
                    place: plan.title.trim_end_matches("指定管理").to_string(),
                    result: if findings {
                        InspectionResult::Findings
                    } else {
                        InspectionResult::Conforming
                    },
                    findings: if findings {
                        "事務室の書庫が施錠されていなかった。是正を指示した".into()
                    } else {
                        String::new()
                    },
                };
                let (by, delegated) = if self.rng.chance(50) {
                    (ciso.clone(), None)
                } else {
                    (deputy.clone(), Some(ciso.clone()))
                };
                self.record(out, &id, &details, naive(on, 60), &by, delegated)?;
            }
        }

        // Periodic checks (R-8.3.2 and the like) and the findings of accepted ones.
        if let Some(active_at) = at_status(Status::Active) {
            if let Some(level) = level {
                self.checks(
                    out,
                    plan,
                    level,
                    active_at,
                    at_status(Status::Ending).or(at_status(Status::Terminated)),
                    (&contact_name, &contact_email),
                )?;
            }
        }

        // The closing, decided by a second person (R-2.6).
        if let Some(ending_at) = at_status(Status::Ending) {
            let closed = reached(Status::Closed);
            if closed || self.rng.chance(40) {
                self.approval(
                    out,
                    &id,
                    ApprovalRule::Closing,
                    (id.clone(), plan.title.clone()),
                    (&plan.responsible, ending_at),
                    (Role::SecurityOfficer, Some(division_id.clone())),
                    closed.then(|| (head.clone(), "{}")),
                );
            }
        }

        // A few waivers while under way: approved by the CISO, or still asked for.
        if plan.status == Status::Active && self.rng.chance(2) {
            let rule = match plan.kind {
                EngagementKind::Outsourcing => "R-8.3.1",
                EngagementKind::DesignatedManagement => "R-7.4",
                EngagementKind::CloudService => "R-9.3.3",
            };
            let asked = self.now - chrono::Duration::days(10 + self.rng.below(60) as i64);
            let approved = self.rng.chance(70);
            let decided_at = asked + chrono::Duration::days(2);
            out.waivers.push(bulk::WaiverRow {
                id: self.ids.next(),
                engagement_id: id.clone(),
                rule_id: rule,
                subject_id: String::new(),
                reason: self.rng.pick(WAIVER_REASONS).to_string(),
                waived_by: plan.responsible.clone(),
                waived_at: asked,
                state: if approved {
                    ApprovalState::Approved.as_str()
                } else {
                    ApprovalState::Pending.as_str()
                },
                decided_by: approved.then(|| ciso.clone()),
                decided_at: approved.then_some(decided_at),
                decision_reason: approved.then(|| "やむを得ない事情と認める".to_string()),
                expires_on: approved.then(|| months(decided_at.date(), 6)),
            });
            self.counts.waivers += 1;
        }
        Ok(())
    }

    fn record(
        &mut self,
        out: &mut Register,
        engagement_id: &str,
        details: &RecordDetails,
        at: NaiveDateTime,
        by: &str,
        delegated_by: Option<String>,
    ) -> AppResult<()> {
        let at = at.min(self.now - chrono::Duration::minutes(30));
        out.records.push(bulk::RecordRow {
            id: self.ids.next(),
            engagement_id: engagement_id.to_string(),
            kind: details.kind().as_str(),
            occurred_on: at.date().min(self.today),
            recorded_by: by.to_string(),
            delegated_by,
            details: json(details)?,
            recorded_at: at,
        });
        self.counts.records += 1;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn approval(
        &mut self,
        out: &mut Register,
        engagement_id: &str,
        rule: ApprovalRule,
        (subject_id, subject_name): (String, String),
        (requested_by, requested_at): (&str, NaiveDateTime),
        (role, division): (Role, Option<String>),
        decision: Option<(String, &'static str)>,
    ) {
        let decided_at = (requested_at + chrono::Duration::days(1 + self.rng.below(5) as i64))
            .min(self.now - chrono::Duration::minutes(10));
        let state = if decision.is_some() {
            ApprovalState::Approved
        } else {
            ApprovalState::Pending
        };
        out.approvals.push(bulk::ApprovalRow {
            id: self.ids.next(),
            engagement_id: engagement_id.to_string(),
            rule_id: rule.as_str(),
            subject_id,
            subject_name,
            requested_by: requested_by.to_string(),
            requested_at,
            note: String::new(),
            approver_role: role.as_str(),
            approver_division_id: division,
            state: state.as_str(),
            confirmations: decision.as_ref().map(|d| d.1).unwrap_or("{}"),
            decided_by: decision.as_ref().map(|d| d.0.clone()),
            decided_at: decision.as_ref().map(|_| decided_at.max(requested_at)),
            decision_reason: decision.as_ref().map(|_| "確認済み".to_string()),
        });
        *self
            .counts
            .approvals
            .entry(match state {
                ApprovalState::Approved => "approved",
                ApprovalState::Pending => "pending",
                ApprovalState::Rejected => "rejected",
            })
            .or_default() += 1;
    }

    /// Checks of the periodic questionnaire: accepted ones through the term (one a year),
    /// and for an engagement under way, the current one in whatever state it has got to.
    fn checks(
        &mut self,
        out: &mut Register<'s>,
        plan: &Plan,
        level: ClassificationLevel,
        active_at: NaiveDateTime,
        ended_at: Option<NaiveDateTime>,
        (contact_name, contact_email): (&str, &str),
    ) -> AppResult<()> {
        let questionnaires = self.questionnaires;
        let Some(q) = questionnaires.get(&(plan.kind.as_str(), level.rank())) else {
            return Ok(());
        };
        let end = ended_at.map(|t| t.date()).unwrap_or(self.today);
        let mut issued_on = months(active_at.date(), 10);
        let mut n = 0;
        while issued_on < end && n < 4 {
            let next = months(issued_on, 12);
            let under_way = ended_at.is_none() && next >= end;
            let state = if !under_way {
                CheckState::Accepted
            } else {
                match self.rng.below(100) {
                    0..=49 => CheckState::Accepted,
                    50..=64 => CheckState::Submitted,
                    65..=79 => CheckState::Sent,
                    80..=87 => CheckState::InProgress,
                    _ => CheckState::Returned,
                }
            };
            // Not every engagement gets its periodic check on time.
            if !under_way && self.rng.chance(15) {
                issued_on = next;
                continue;
            }
            let issued_at = naive(issued_on, self.rng.below(9 * 60) as u32);
            let due_on = days(issued_on, 30);
            let submitted = days(issued_on, 10 + self.rng.below(20) as i64).min(self.today);
            let submitted_at = matches!(
                state,
                CheckState::Submitted | CheckState::Returned | CheckState::Accepted
            )
            .then(|| naive(submitted, self.rng.below(9 * 60) as u32));
            let accepted_on = (state == CheckState::Accepted)
                .then(|| days(submitted, 3 + self.rng.below(10) as i64).min(self.today));
            let check_id = self.ids.next();
            let updated_at = accepted_on
                .map(|d| naive(d, 300))
                .or(submitted_at)
                .unwrap_or(issued_at)
                .min(self.now - chrono::Duration::minutes(5));
            out.checks.push(db::checks::NewCheck {
                id: check_id.clone(),
                engagement_id: plan.id.clone(),
                questionnaire_id: &q.id,
                questionnaire_version: q.version,
                snapshot_id: &q.snapshot_id,
                meets_rules: &q.rules,
                contact_name: contact_name.to_string(),
                contact_email: contact_email.to_string(),
                contact_lang: crate::i18n::Lang::Ja.as_str(),
                state: state.as_str(),
                issued_by: self.rng.chance(50).then(|| plan.responsible.clone()),
                issued_at: issued_at.min(self.now - chrono::Duration::minutes(30)),
                due_on,
                submitted_at: submitted_at.map(|t| t.min(self.now - chrono::Duration::minutes(20))),
                signed_name: submitted_at.map(|_| contact_name.to_string()),
                signed_title: submitted_at.map(|_| "情報セキュリティ管理責任者".to_string()),
                accepted_by: accepted_on.map(|_| plan.responsible.clone()),
                accepted_on,
                score_percent: accepted_on.map(|_| 70 + self.rng.below(31) as i32),
                scores_json: None,
                updated_at,
                end_of_term: false,
            });
            *self.counts.checks.entry(state.as_str()).or_default() += 1;
            if let Some(accepted_on) = accepted_on {
                if !q.shortfalls.is_empty() && self.rng.chance(30) {
                    for _ in 0..1 + self.rng.below(3) {
                        let (question, section, rules, answer) = self.rng.pick(&q.shortfalls);
                        let state = match self.rng.below(10) {
                            0..=3 => FindingState::Open,
                            4..=6 => FindingState::InProgress,
                            _ => FindingState::Closed,
                        };
                        let created = naive(accepted_on, 300);
                        let closed_at = (state == FindingState::Closed).then(|| {
                            (created + chrono::Duration::days(20 + self.rng.below(40) as i64))
                                .min(self.now - chrono::Duration::minutes(1))
                        });
                        out.findings.push(bulk::FindingRow {
                            id: self.ids.next(),
                            check_id: check_id.clone(),
                            engagement_id: plan.id.clone(),
                            question_id: question,
                            section,
                            rules,
                            answer_json: answer,
                            corrective_action: if state == FindingState::Open {
                                String::new()
                            } else {
                                self.rng.pick(FINDING_ACTIONS).to_string()
                            },
                            owner_user_id: plan.responsible.clone(),
                            due_on: days(accepted_on, 30 + self.rng.below(60) as i64),
                            state: state.as_str(),
                            risk_reason: None,
                            risk_approved_by: None,
                            closed_at,
                            created_at: created,
                            updated_at: closed_at.unwrap_or(created),
                        });
                        *self.counts.findings.entry(state.as_str()).or_default() += 1;
                    }
                }
            }
            n += 1;
            issued_on = next;
        }
        Ok(())
    }
}
