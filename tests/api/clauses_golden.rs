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

/// The completion record of one fixed engagement, as the record's facts state it.
fn fixed_record() -> itaku::clauses::CompletionFacts {
    use itaku::clauses::{CompletionFacts, RecordItem};
    CompletionFacts {
        organization: "港区".into(),
        engagement_title: "住民記録システム運用保守業務委託".into(),
        kind: "業務委託".into(),
        division: "区民課".into(),
        vendor: "東京システム運用株式会社".into(),
        corporate_number: "8000020131032".into(),
        starts_on: "令和9年4月1日".into(),
        ends_on: "令和10年3月31日".into(),
        terminated_reason: None,
        rules: "R-8.4.1、R-8.4.2".into(),
        attested: true,
        items: vec![RecordItem {
            number: 1,
            name: "住民基本台帳データ".into(),
            level: "L3".into(),
            personal: "個人情報を含む".into(),
            records: "1200".into(),
            disposition: "電子データを消去した".into(),
            receiver: String::new(),
            media: "SSD、Samsung PM9A3 S/N S64ANE0R123456、本社サーバー室".into(),
            method: "Purge（除去）、暗号化消去（鍵の破棄）".into(),
            tool: "Blancco Drive Eraser 7.9".into(),
            verification: "全数を検証した、情報が残っていないことを確認した".into(),
            evidence: vec!["消去ログ.pdf (SHA-256 0d3f6c1b2a4e5f60)".into()],
            done_on: "令和10年4月3日".into(),
            place: "本社サーバー室".into(),
            done_by: "東京システム運用株式会社 情報システム部 佐藤 健".into(),
            witness: "区民課 鈴木 一郎".into(),
        }],
        copies: "はい".into(),
        exceptions: String::new(),
        destination: "当社で再利用".into(),
        measures: "はい".into(),
        measures_note: String::new(),
        signed_name: "山田 花子".into(),
        signed_title: "情報セキュリティ管理者".into(),
        submitted_on: "令和10年4月5日".into(),
        confirmer: "赤坂 花子".into(),
        confirmed_on: "令和10年4月8日".into(),
        approver: "青山 一郎".into(),
        approved_on: "令和10年4月9日".into(),
        issued_on: "令和10年4月10日".into(),
    }
}

#[test]
fn golden_japanese_completion_record() {
    let templates = ClauseTemplates::load(None).unwrap();
    let rendered = templates
        .render_completion_record(&fixed_record(), Lang::Ja, Format::Markdown)
        .unwrap();
    let path = format!(
        "{}/tests/golden/completion_record.ja.md",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("ITAKU_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, rendered.bytes()).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        rendered.text() == Some(expected.as_str()),
        "the completion record differs from its golden file; see the note at the top of clauses_golden.rs"
    );
}
