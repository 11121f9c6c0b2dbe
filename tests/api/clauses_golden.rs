//! The Japanese clause set for one fixed engagement, byte for byte. After an intended
//! wording change, regenerate with ITAKU_UPDATE_GOLDEN=1 cargo test --test api golden and
//! review the diff.

use chrono::NaiveDate;

use itaku::clauses::{ClauseTemplates, ContractFacts, Format, ItemFact};
use itaku::domain::{ClassificationLevel, EngagementKind};
use itaku::i18n::Lang;

fn fixed_engagement() -> ContractFacts {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    ContractFacts {
        organization: "港区".into(),
        kind: EngagementKind::Outsourcing,
        level: Some(ClassificationLevel::L3),
        title: "住民記録システム運用保守業務委託".into(),
        scope: "住民記録システムの運用監視、障害対応、定期保守及びバックアップの取得".into(),
        division_name: "区民課".into(),
        responsible_name: "赤坂 花子".into(),
        starts_on: d(2027, 4, 1),
        ends_on: d(2028, 3, 31),
        vendor_name: "東京システム運用株式会社".into(),
        corporate_number: Some("8000020131032".into()),
        items: vec![
            ItemFact {
                name: "住民基本台帳データ".into(),
                description: "氏名・住所・生年月日等".into(),
                level: ClassificationLevel::L3,
                provided: true,
            },
            ItemFact {
                name: "運用手順書".into(),
                description: "".into(),
                level: ClassificationLevel::L2,
                provided: false,
            },
        ],
        check_interval_months: 6,
        certificate_deadline_days: 30,
        generated_on: d(2027, 3, 1),
    }
}

fn check(name: &str, lang: Lang, format: Format) {
    let templates = ClauseTemplates::load(None).unwrap();
    let facts = fixed_engagement();
    let required = templates.catalog().mandatory(facts.kind, facts.level);
    let rendered = templates.render(&facts, &required, lang, format).unwrap();
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("ITAKU_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, rendered.bytes()).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        rendered.text() == Some(expected.as_str()),
        "{name} differs from the golden file; see the note at the top of clauses_golden.rs"
    );
}

#[test]
fn golden_japanese_clause_set_for_an_l3_outsourcing() {
    check("outsourcing_l3.ja.md", Lang::Ja, Format::Markdown);
}

#[test]
fn golden_english_clause_set_for_an_l3_outsourcing() {
    check("outsourcing_l3.en.md", Lang::En, Format::Markdown);
}
