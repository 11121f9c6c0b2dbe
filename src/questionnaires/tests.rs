use super::load::Source;
use super::*;
use crate::domain::{ClassificationLevel, EngagementKind};
use crate::i18n::Lang;

const NAME: &str = "outsourcing-periodic-check.yaml";

/// A valid file; the tests below break one thing at a time and name its line.
const BASE: &str = r#"id: outsourcing-periodic-check
version: 1
title: {ja: 業務委託 定期点検票, en: Outsourcing periodic check}
description: {ja: 年に一度の点検です。, en: Checked once a year.}
purpose: periodic_check
applies_to:
  kinds: [outsourcing]
  levels: [L1, L2, L3]
rules: [R-8.3.2]
sections:
  - id: human
    title: {ja: 人的対策, en: Human measures}
    questions:
      - id: HUM-01
        text: {ja: 従事者名簿は最新ですか。, en: Is the roster of workers current?}
        help: {ja: 名簿を添付してください。, en: Attach the roster.}
        rules: [R-8.3.1]
        answer: yes_no_na
        required: true
        non_conforming: [no]
        evidence_for_yes: true
      - id: HUM-02
        text: {ja: 研修の頻度は。, en: How often is training held?}
        rules: [R-8.3.1]
        answer: single_choice
        required: true
        choices:
          - {id: monthly, ja: 毎月, en: Monthly}
          - {id: yearly, ja: 毎年, en: Yearly}
          - {id: never, ja: 実施していない, en: Never}
        non_conforming: [never]
  - id: technical
    title: {ja: 技術的対策, en: Technical measures}
    questions:
      - id: TEC-01
        text: {ja: ログの保存期間（月）, en: Log retention (months)}
        rules: [R-5.5.7]
        answer: number
        required: true
        min: 0
        max: 120
      - id: TEC-02
        text: {ja: 構成図, en: Configuration diagram}
        rules: [R-8.3.1]
        answer: file
        required: false
"#;

/// `BASE` with `from` replaced by `to` (which must be there, once at least).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture has no `{from}`");
    text.replacen(from, to, 1)
}

fn problems_of(name: &str, text: &str) -> Vec<Problem> {
    match Questionnaires::from_sources(&[(name.to_string(), text.to_string())]) {
        Ok(_) => panic!("{name} must be refused:\n{text}"),
        Err(e) => e.problems,
    }
}

/// The single problem of a broken `BASE`, checked for its line and a part of its reason.
fn refused(text: &str, line: Option<usize>, reason: &str) -> Problem {
    let problems = problems_of(NAME, text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = problems.into_iter().next().unwrap();
    assert_eq!(p.file, NAME);
    assert!(p.reason.contains(reason), "`{}` lacks `{reason}`", p.reason);
    assert_eq!(p.line, line, "{p}");
    p
}

fn load_one(text: &str) -> Questionnaires {
    Questionnaires::from_sources(&[(NAME.to_string(), text.to_string())])
        .unwrap_or_else(|e| panic!("{e}"))
}

// --- the valid file ---

#[test]
fn the_base_fixture_loads_with_every_field_typed() {
    let q = load_one(BASE);
    let d = q.get("outsourcing-periodic-check").unwrap();
    assert_eq!(d.version, 1);
    assert_eq!(d.purpose, Purpose::PeriodicCheck);
    assert_eq!(d.applies_to.kinds, [EngagementKind::Outsourcing]);
    assert_eq!(d.applies_to.levels, ClassificationLevel::ALL);
    assert_eq!(d.rules, ["R-8.3.2"]);
    assert_eq!(d.title.get(Lang::Ja), "業務委託 定期点検票");
    assert_eq!(d.title.get(Lang::En), "Outsourcing periodic check");
    assert_eq!(d.question_count(), 4);
    let (section, hum) = d.question("HUM-01").unwrap();
    assert_eq!(section.id, SectionId::Human);
    assert_eq!(hum.answer, AnswerType::YesNoNa);
    // A bare `no` is the string "no", not a YAML 1.1 boolean.
    assert_eq!(hum.non_conforming, ["no"]);
    assert!(hum.evidence_for_yes && hum.required);
    assert_eq!(
        hum.help.as_ref().unwrap().get(Lang::En),
        "Attach the roster."
    );
    let (_, choice) = d.question("HUM-02").unwrap();
    assert_eq!(choice.choices.len(), 3);
    assert_eq!(
        choice.choice("never").unwrap().label(Lang::Ja),
        "実施していない"
    );
    let (section, number) = d.question("TEC-01").unwrap();
    assert_eq!(section.id, SectionId::Technical);
    assert_eq!((number.min, number.max), (Some(0.0), Some(120.0)));
    let (_, file) = d.question("TEC-02").unwrap();
    assert!(!file.required && file.help.is_none() && file.choices.is_empty());
    assert!(d.question("NOPE").is_none());
    assert_eq!(q.origin("outsourcing-periodic-check"), Some(NAME));
    assert_eq!(q.all().count(), 1);
}

#[test]
fn optional_keys_may_be_left_out() {
    let text = edit(
        BASE,
        "description: {ja: 年に一度の点検です。, en: Checked once a year.}\n",
        "",
    );
    let text = edit(
        &text,
        "        help: {ja: 名簿を添付してください。, en: Attach the roster.}\n",
        "",
    );
    let text = edit(&text, "        evidence_for_yes: true\n", "");
    let text = edit(&text, "        non_conforming: [no]\n", "");
    let q = load_one(&text);
    let d = q.get("outsourcing-periodic-check").unwrap();
    assert!(d.description.is_none());
    let (_, hum) = d.question("HUM-01").unwrap();
    assert!(hum.help.is_none() && !hum.evidence_for_yes && hum.non_conforming.is_empty());
}

#[test]
fn known_rules_are_the_rows_of_the_trace() {
    assert!(is_known_rule("R-8.3.2"));
    assert!(is_known_rule("R-9.3.3"));
    assert!(is_known_rule("R-6.9.1"));
    assert!(!is_known_rule("R-8.3"));
    assert!(!is_known_rule("R-99"));
    assert!(!is_known_rule(""));
}

// --- syntax and type errors (serde_yaml gives the line) ---

#[test]
fn a_yaml_syntax_error_is_reported_with_its_line() {
    let text = edit(
        BASE,
        "        answer: yes_no_na\n",
        "        answer: yes_no_na: really\n",
    );
    let p = refused(&text, Some(18), "mapping values are not allowed");
    assert!(p.to_string().starts_with(&format!("{NAME}:18: ")), "{p}");
    // The column is in the reason.
    assert!(p.reason.contains("column"), "{p}");
}

#[test]
fn an_unclosed_flow_mapping_is_a_syntax_error() {
    let text = edit(
        BASE,
        "title: {ja: 業務委託 定期点検票, en: Outsourcing periodic check}",
        "title: {ja: 業務委託 定期点検票, en: Outsourcing periodic check",
    );
    let problems = problems_of(NAME, &text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].line.is_some(), "{:?}", problems[0]);
}

#[test]
fn an_unknown_key_is_refused() {
    let text = edit(
        BASE,
        "        required: true\n",
        "        required: true\n        colour: red\n",
    );
    refused(&text, Some(20), "unknown field `colour`");
    let text = edit(
        BASE,
        "purpose: periodic_check\n",
        "purpose: periodic_check\nowner: someone\n",
    );
    refused(&text, Some(6), "unknown field `owner`");
    let text = edit(
        BASE,
        "{id: monthly, ja: 毎月, en: Monthly}",
        "{id: monthly, ja: 毎月, en: Monthly, fr: Mensuel}",
    );
    refused(&text, Some(28), "unknown field `fr`");
}

#[test]
fn a_missing_required_key_is_refused() {
    let text = edit(BASE, "purpose: periodic_check\n", "");
    let p = refused(&text, Some(1), "missing field `purpose`");
    assert!(p.reason.contains("purpose"));
    let text = edit(BASE, "        required: true\n", "");
    refused(&text, Some(14), "missing field `required`");
}

#[test]
fn a_wrong_type_is_refused() {
    let text = edit(BASE, "version: 1\n", "version: \"one\"\n");
    refused(&text, Some(2), "invalid type: string \"one\"");
    let text = edit(BASE, "version: 1\n", "version: -1\n");
    refused(&text, Some(2), "version");
    let text = edit(
        BASE,
        "        required: true\n",
        "        required: maybe\n",
    );
    refused(&text, Some(19), "required");
    let text = edit(BASE, "        min: 0\n", "        min: zero\n");
    refused(&text, Some(40), "min");
}

#[test]
fn version_zero_is_refused() {
    let text = edit(BASE, "version: 1\n", "version: 0\n");
    refused(&text, Some(2), "positive");
}

#[test]
fn an_unknown_section_id_is_refused() {
    let text = edit(BASE, "  - id: technical\n", "  - id: legal\n");
    refused(&text, Some(32), "unknown variant `legal`");
}

#[test]
fn an_unknown_answer_type_is_refused() {
    let text = edit(BASE, "        answer: file\n", "        answer: photo\n");
    refused(&text, Some(45), "unknown variant `photo`");
}

#[test]
fn an_unknown_kind_or_level_or_purpose_is_refused() {
    let text = edit(BASE, "kinds: [outsourcing]", "kinds: [consulting]");
    refused(&text, Some(7), "unknown variant `consulting`");
    let text = edit(BASE, "levels: [L1, L2, L3]", "levels: [L1, L4]");
    refused(&text, Some(8), "unknown variant `L4`");
    let text = edit(BASE, "purpose: periodic_check", "purpose: audit");
    refused(&text, Some(5), "unknown variant `audit`");
}

#[test]
fn an_empty_file_is_refused() {
    for text in ["", "\n  \n"] {
        let problems = problems_of(NAME, text);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            format!("{NAME}: the file is empty")
        );
    }
}

// --- ids ---

#[test]
fn the_id_must_equal_the_file_name() {
    let p = refused_as("other-check.yaml", BASE, Some(1), "must be `other-check`");
    assert_eq!(
        p.to_string(),
        "other-check.yaml:1: id `outsourcing-periodic-check` differs from the file name: the id must be `other-check`"
    );
}

fn refused_as(name: &str, text: &str, line: Option<usize>, reason: &str) -> Problem {
    let problems = problems_of(name, text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = problems.into_iter().next().unwrap();
    assert_eq!(p.file, name);
    assert!(p.reason.contains(reason), "`{}` lacks `{reason}`", p.reason);
    assert_eq!(p.line, line, "{p}");
    p
}

#[test]
fn bad_id_characters_are_refused() {
    let text = edit(
        BASE,
        "id: outsourcing-periodic-check",
        "id: Outsourcing_Check",
    );
    refused_as(
        "Outsourcing_Check.yaml",
        &text,
        Some(1),
        "lower-case letters, digits and hyphens",
    );

    let text = edit(BASE, "- id: HUM-02", "- id: hum_02");
    refused(&text, Some(22), "question id `hum_02`");

    let text = edit(BASE, "{id: yearly,", "{id: Yearly,");
    refused(&text, Some(29), "choice id `Yearly`");
}

#[test]
fn a_file_not_ending_in_yaml_is_refused() {
    let problems = problems_of("outsourcing-periodic-check.yml", BASE);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].reason.contains(".yaml"), "{:?}", problems[0]);
}

#[test]
fn a_duplicate_section_is_refused() {
    let text = edit(BASE, "  - id: technical\n", "  - id: human\n");
    refused(&text, Some(32), "section `human` appears twice");
}

#[test]
fn attestation_sections_belong_to_end_of_term_questionnaires_only() {
    let text = edit(BASE, "  - id: technical\n", "  - id: item\n");
    refused(&text, Some(32), "belong to end_of_term questionnaires");
    let text = edit(BASE, "purpose: periodic_check", "purpose: end_of_term");
    let problems = problems_of(NAME, &text);
    let reasons: Vec<&str> = problems.iter().map(|p| p.reason.as_str()).collect();
    assert_eq!(problems.len(), 3, "{reasons:?}");
    assert!(reasons[2].contains("has an `item` section"), "{reasons:?}");
}

#[test]
fn the_item_a_section_asks_about_is_never_set_in_a_file() {
    let text = edit(
        BASE,
        "    title: {ja: 技術的対策, en: Technical measures}\n",
        "    title: {ja: 技術的対策, en: Technical measures}\n    subject: {item_id: x, name: x, level: L1}\n",
    );
    refused(
        &text,
        Some(32),
        "subject is set when an attestation is sent",
    );
}

#[test]
fn a_duplicate_question_id_is_refused_even_across_sections() {
    let text = edit(BASE, "- id: TEC-01", "- id: HUM-01");
    refused(&text, Some(35), "question `HUM-01` appears twice");
    let text = edit(BASE, "- id: HUM-02", "- id: HUM-01");
    refused(&text, Some(22), "question `HUM-01` appears twice");
}

// --- choices ---

const CHOICES: &str = "        choices:
          - {id: monthly, ja: 毎月, en: Monthly}
          - {id: yearly, ja: 毎年, en: Yearly}
          - {id: never, ja: 実施していない, en: Never}
";

#[test]
fn a_choice_question_without_choices_is_refused() {
    let text = edit(BASE, CHOICES, "");
    let text = edit(&text, "        non_conforming: [never]\n", "");
    refused(&text, Some(22), "a single_choice question needs choices");
    let text = edit(&text, "answer: single_choice", "answer: multiple_choice");
    refused(&text, Some(22), "a multiple_choice question needs choices");
}

#[test]
fn choices_on_a_yes_no_na_question_are_refused() {
    let text = edit(
        BASE,
        "        evidence_for_yes: true\n",
        "        evidence_for_yes: true\n        choices:\n          - {id: a, ja: あ, en: A}\n          - {id: b, ja: い, en: B}\n",
    );
    refused(
        &text,
        Some(22),
        "choices are only for single_choice and multiple_choice, not yes_no_na",
    );
}

#[test]
fn a_single_choice_is_refused() {
    let text = edit(
        BASE,
        "          - {id: monthly, ja: 毎月, en: Monthly}\n",
        "",
    );
    let text = edit(
        &text,
        "          - {id: yearly, ja: 毎年, en: Yearly}\n",
        "",
    );
    refused(&text, Some(27), "at least two choices, not one");
}

#[test]
fn a_duplicate_choice_id_is_refused() {
    let text = edit(BASE, "{id: yearly,", "{id: monthly,");
    refused(&text, Some(29), "choice `monthly` appears twice");
}

#[test]
fn an_empty_choice_label_is_refused() {
    let text = edit(
        BASE,
        "{id: yearly, ja: 毎年, en: Yearly}",
        "{id: yearly, ja: 毎年, en: \"\"}",
    );
    refused(&text, Some(29), "choice `yearly`: en is empty");
}

// --- non_conforming, evidence_for_yes, bounds ---

#[test]
fn a_non_conforming_value_that_is_not_yes_no_or_na_is_refused() {
    let text = edit(BASE, "non_conforming: [no]", "non_conforming: [nope]");
    refused(
        &text,
        Some(20),
        "non_conforming `nope` is not an answer of yes_no_na",
    );
    // Written as a block list, the line is the value's own.
    let text = edit(
        BASE,
        "non_conforming: [no]",
        "non_conforming:\n          - na\n          - never",
    );
    refused(&text, Some(22), "non_conforming `never`");
}

#[test]
fn a_non_conforming_choice_that_does_not_exist_is_refused() {
    let text = edit(
        BASE,
        "non_conforming: [never]",
        "non_conforming: [sometimes]",
    );
    refused(
        &text,
        Some(31),
        "non_conforming `sometimes` is not one of its choices",
    );
}

#[test]
fn non_conforming_on_a_text_date_number_or_file_question_is_refused() {
    for answer in ["text", "date", "file"] {
        let text = edit(
            BASE,
            "        answer: file\n",
            &format!("        answer: {answer}\n"),
        );
        let text = format!("{text}        non_conforming: [x]\n");
        refused(
            &text,
            Some(47),
            &format!("non_conforming is only for yes_no_na and choice questions, not {answer}"),
        );
    }
    let text = edit(
        BASE,
        "        max: 120\n",
        "        max: 120\n        non_conforming: [\"0\"]\n",
    );
    refused(&text, Some(42), "not number");
}

#[test]
fn a_repeated_non_conforming_value_is_refused() {
    let text = edit(BASE, "non_conforming: [no]", "non_conforming: [no, no]");
    refused(&text, Some(20), "lists `no` twice");
}

#[test]
fn evidence_for_yes_on_another_answer_type_is_refused() {
    let text = format!("{BASE}        evidence_for_yes: true\n");
    refused(
        &text,
        Some(47),
        "evidence_for_yes is only for yes_no_na, not file",
    );
}

#[test]
fn min_greater_than_max_is_refused() {
    let text = edit(BASE, "        min: 0\n", "        min: 200\n");
    refused(&text, Some(40), "min (200) is greater than max (120)");
    // Equal bounds are allowed.
    load_one(&edit(BASE, "        min: 0\n", "        min: 120\n"));
}

#[test]
fn min_or_max_on_a_non_number_question_is_refused() {
    let text = format!("{BASE}        min: 1\n");
    refused(&text, Some(47), "min is only for number, not file");
    let text = edit(
        BASE,
        "        evidence_for_yes: true\n",
        "        evidence_for_yes: true\n        max: 3\n",
    );
    refused(&text, Some(22), "max is only for number, not yes_no_na");
}

#[test]
fn an_infinite_bound_is_refused() {
    let text = edit(BASE, "        max: 120\n", "        max: .inf\n");
    refused(&text, Some(41), "max must be a finite number");
}

// --- rules ---

#[test]
fn an_unknown_rule_id_is_refused() {
    let text = edit(
        BASE,
        "        rules: [R-5.5.7]\n",
        "        rules: [R-5.5.7, R-99.1]\n",
    );
    refused(
        &text,
        Some(37),
        "question TEC-01: rules: `R-99.1` is not a rule ID",
    );
    let text = edit(BASE, "rules: [R-8.3.2]", "rules: [R-8.3]");
    refused(&text, Some(9), "rules: `R-8.3` is not a rule ID");
    // In a block list, the rule's own line.
    let text = edit(
        BASE,
        "        rules: [R-5.5.7]\n",
        "        rules:\n          - R-5.5.7\n          - R-5.5.77\n",
    );
    refused(&text, Some(39), "`R-5.5.77`");
}

#[test]
fn empty_rules_are_refused() {
    let text = edit(BASE, "rules: [R-8.3.2]", "rules: []");
    refused(&text, Some(9), "rules is empty");
    let text = edit(BASE, "        rules: [R-5.5.7]\n", "        rules: []\n");
    refused(&text, Some(37), "question TEC-01: rules is empty");
}

// --- empty lists and texts ---

#[test]
fn empty_kinds_or_levels_are_refused() {
    refused(
        &edit(BASE, "kinds: [outsourcing]", "kinds: []"),
        Some(7),
        "applies_to.kinds is empty",
    );
    refused(
        &edit(BASE, "levels: [L1, L2, L3]", "levels: []"),
        Some(8),
        "applies_to.levels is empty",
    );
    refused(
        &edit(BASE, "levels: [L1, L2, L3]", "levels: [L1, L1]"),
        Some(8),
        "lists L1 twice",
    );
}

#[test]
fn empty_sections_or_questions_are_refused() {
    let (head, _) = BASE.split_once("sections:").unwrap();
    refused(
        &format!("{head}sections: []\n"),
        Some(10),
        "sections is empty",
    );
    let (head, _) = BASE
        .split_once("    questions:\n      - id: TEC-01")
        .unwrap();
    refused(
        &format!("{head}    questions: []\n"),
        Some(32),
        "section `technical` has no questions",
    );
}

#[test]
fn empty_ja_or_en_texts_are_refused() {
    let text = edit(BASE, "{ja: 業務委託 定期点検票,", "{ja: \"\",");
    refused(&text, Some(3), "title.ja is empty");
    let text = edit(
        BASE,
        "en: Is the roster of workers current?}",
        "en: \"  \"}",
    );
    refused(&text, Some(15), "question HUM-01: text.en is empty");
    let text = edit(BASE, "{ja: 名簿を添付してください。,", "{ja: '',");
    refused(&text, Some(16), "question HUM-01: help.ja is empty");
    let text = edit(
        BASE,
        "{ja: 技術的対策, en: Technical measures}",
        "{ja: 技術的対策, en: ''}",
    );
    refused(&text, Some(32), "section `technical`: title.en is empty");
    let text = edit(BASE, "en: Checked once a year.}", "en: ''}");
    refused(&text, Some(4), "description.en is empty");
    // A text without one of its languages is a missing field.
    let text = edit(BASE, "{ja: 人的対策, en: Human measures}", "{ja: 人的対策}");
    refused(&text, Some(12), "missing field `en`");
}

// --- several files ---

#[test]
fn every_problem_of_every_file_is_reported() {
    let two_problems = edit(
        &edit(BASE, "version: 1\n", "version: 0\n"),
        "kinds: [outsourcing]",
        "kinds: []",
    );
    let syntax = "id: [unclosed\n".to_string();
    let good = edit(
        &edit(BASE, "id: outsourcing-periodic-check", "id: cloud-check"),
        "kinds: [outsourcing]",
        "kinds: [cloud_service]",
    );
    let err = Questionnaires::from_sources(&[
        (
            "questionnaires/outsourcing-periodic-check.yaml".into(),
            two_problems,
        ),
        ("questionnaires/broken.yaml".into(), syntax),
        ("questionnaires/cloud-check.yaml".into(), good),
        ("questionnaires/other.yaml".into(), BASE.to_string()),
    ])
    .unwrap_err();
    let files: Vec<&str> = err.problems.iter().map(|p| p.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "questionnaires/outsourcing-periodic-check.yaml",
            "questionnaires/outsourcing-periodic-check.yaml",
            "questionnaires/broken.yaml",
            "questionnaires/other.yaml",
        ],
        "{err}"
    );
    let shown = err.to_string();
    assert_eq!(shown.lines().count(), 4, "{shown}");
    assert!(
        shown.contains(
            "questionnaires/outsourcing-periodic-check.yaml:2: version must be a positive integer"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "questionnaires/outsourcing-periodic-check.yaml:7: applies_to.kinds is empty"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("questionnaires/other.yaml:1: id `outsourcing-periodic-check` differs"),
        "{shown}"
    );
}

#[test]
fn a_problem_without_a_line_shows_file_and_reason() {
    let p = Problem {
        file: "questionnaires/x.yaml".into(),
        line: None,
        reason: "not UTF-8 text".into(),
    };
    assert_eq!(p.to_string(), "questionnaires/x.yaml: not UTF-8 text");
    let p = Problem {
        line: Some(12),
        ..p
    };
    assert_eq!(p.to_string(), "questionnaires/x.yaml:12: not UTF-8 text");
}

#[test]
fn every_problem_of_one_file_is_reported() {
    let text = edit(BASE, "non_conforming: [no]", "non_conforming: [nope]");
    let text = edit(&text, "{id: yearly,", "{id: monthly,");
    let text = edit(&text, "        min: 0\n", "        min: 500\n");
    let text = edit(&text, "rules: [R-8.3.2]", "rules: [R-0]");
    let lines: Vec<Option<usize>> = problems_of(NAME, &text).iter().map(|p| p.line).collect();
    assert_eq!(lines, [Some(9), Some(20), Some(29), Some(40)]);
}

// --- which questionnaire for which engagement ---

fn variant(id: &str, purpose: &str, kinds: &str, levels: &str) -> (String, String) {
    let text = edit(BASE, "id: outsourcing-periodic-check", &format!("id: {id}"));
    let text = edit(
        &text,
        "purpose: periodic_check",
        &format!("purpose: {purpose}"),
    );
    let text = edit(&text, "kinds: [outsourcing]", &format!("kinds: [{kinds}]"));
    let text = edit(
        &text,
        "levels: [L1, L2, L3]",
        &format!("levels: [{levels}]"),
    );
    (format!("questionnaires/{id}.yaml"), text)
}

#[test]
fn periodic_for_and_selection_for_pick_by_kind_level_and_purpose() {
    use ClassificationLevel::*;
    use EngagementKind::*;
    let q = Questionnaires::from_sources(&[
        variant(
            "outsourcing-periodic-check",
            "periodic_check",
            "outsourcing",
            "L1, L2, L3",
        ),
        variant(
            "designated-management-inspection",
            "inspection",
            "designated_management",
            "L1, L2, L3",
        ),
        variant(
            "cloud-periodic-check",
            "periodic_check",
            "cloud_service",
            "L2, L3",
        ),
        variant(
            "cloud-l1-periodic-check",
            "periodic_check",
            "cloud_service",
            "L1",
        ),
        variant(
            "selection",
            "selection",
            "outsourcing, designated_management",
            "L1, L2, L3",
        ),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let periodic = |k, l| q.periodic_for(k, l).map(|d| d.id.as_str());
    let selection = |k, l| q.selection_for(k, l).map(|d| d.id.as_str());
    assert_eq!(
        periodic(Outsourcing, L2),
        Some("outsourcing-periodic-check")
    );
    assert_eq!(
        periodic(DesignatedManagement, L1),
        Some("designated-management-inspection")
    );
    assert_eq!(periodic(CloudService, L1), Some("cloud-l1-periodic-check"));
    assert_eq!(periodic(CloudService, L3), Some("cloud-periodic-check"));
    assert_eq!(selection(Outsourcing, L3), Some("selection"));
    assert_eq!(selection(DesignatedManagement, L1), Some("selection"));
    assert_eq!(selection(CloudService, L2), None);
    assert_eq!(q.all().count(), 5);
    let ids: Vec<&str> = q.all().map(|d| d.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "all() is in id order");

    let none =
        Questionnaires::from_sources(&[variant("only-l3", "periodic_check", "outsourcing", "L3")])
            .unwrap();
    assert!(none.periodic_for(Outsourcing, L1).is_none());
    assert!(none.periodic_for(Outsourcing, L3).is_some());
    assert!(none.selection_for(Outsourcing, L3).is_none());
}

#[test]
fn two_periodic_questionnaires_for_the_same_kind_and_level_are_refused() {
    let err = Questionnaires::from_sources(&[
        variant("a-check", "periodic_check", "outsourcing", "L1, L2"),
        variant(
            "b-check",
            "inspection",
            "outsourcing, cloud_service",
            "L2, L3",
        ),
        // A selection questionnaire for the same engagements is another slot.
        variant("c-selection", "selection", "outsourcing", "L1, L2, L3"),
    ])
    .unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    let p = &err.problems[0];
    assert_eq!(p.file, "questionnaires/b-check.yaml");
    assert_eq!(p.line, Some(6));
    assert!(
        p.reason.contains("`a-check`") && p.reason.contains("outsourcing L2"),
        "{p}"
    );
    assert!(!p.reason.contains("outsourcing L1"), "{p}");
}

// --- snapshots ---

#[test]
fn a_snapshot_round_trips_and_does_not_follow_later_edits() {
    let q = load_one(BASE);
    let d = q.get("outsourcing-periodic-check").unwrap();
    let snapshot = d.snapshot_json();
    assert_eq!(Definition::from_snapshot_json(&snapshot).unwrap(), *d);
    // Canonical: the same definition always gives the same text.
    assert_eq!(d.clone().snapshot_json(), snapshot);
    let value: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(value["purpose"], "periodic_check");
    assert_eq!(value["applies_to"]["kinds"][0], "outsourcing");
    assert_eq!(value["applies_to"]["levels"][2], "L3");
    assert_eq!(value["sections"][0]["questions"][0]["answer"], "yes_no_na");

    // Editing the file later gives a new definition; the stored snapshot keeps the old one.
    let edited = load_one(&edit(BASE, "version: 1\n", "version: 2\n"));
    let later = edited.get("outsourcing-periodic-check").unwrap();
    assert_eq!(later.version, 2);
    assert_eq!(
        Definition::from_snapshot_json(&snapshot).unwrap().version,
        1
    );

    assert!(Definition::from_snapshot_json("{\"id\": 1}").is_err());
}

// --- built-ins and the override folder ---

fn builtin(name: &str, text: &str) -> Source {
    Source {
        file: format!("questionnaires/{name}"),
        name: name.to_string(),
        text: text.to_string(),
    }
}

#[test]
fn an_override_replaces_a_built_in_of_the_same_name_and_adds_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(NAME),
        edit(BASE, "version: 1\n", "version: 7\n"),
    )
    .unwrap();
    let (_, extra) = variant("cloud-check", "periodic_check", "cloud_service", "L2, L3");
    std::fs::write(dir.path().join("cloud-check.yaml"), extra).unwrap();
    std::fs::write(dir.path().join("README.md"), "not a questionnaire").unwrap();

    let q = Questionnaires::load_with(vec![builtin(NAME, BASE)], Some(dir.path()), Vec::new())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(q.get("outsourcing-periodic-check").unwrap().version, 7);
    assert_eq!(
        q.origin("outsourcing-periodic-check"),
        Some(dir.path().join(NAME).display().to_string().as_str())
    );
    assert!(q.get("cloud-check").is_some());
    assert_eq!(q.all().count(), 2);

    // Without the override, the built-in.
    let q = Questionnaires::load_with(vec![builtin(NAME, BASE)], None, Vec::new()).unwrap();
    assert_eq!(q.get("outsourcing-periodic-check").unwrap().version, 1);
    assert_eq!(
        q.origin("outsourcing-periodic-check"),
        Some("questionnaires/outsourcing-periodic-check.yaml")
    );
}

#[test]
fn a_bad_override_is_named_by_its_path_and_a_bad_built_in_by_questionnaires() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud-check.yaml");
    std::fs::write(&path, edit(BASE, "version: 1\n", "version: \"one\"\n")).unwrap();
    std::fs::write(dir.path().join("old.yml"), BASE).unwrap();
    let bad_builtin = edit(BASE, "version: 1\n", "version: 0\n");
    let err = Questionnaires::load_with(
        vec![builtin(NAME, &bad_builtin)],
        Some(dir.path()),
        Vec::new(),
    )
    .unwrap_err();
    let shown = err.to_string();
    assert_eq!(err.problems.len(), 3, "{shown}");
    assert!(
        shown.contains(&format!(
            "{}: questionnaire files end in .yaml",
            dir.path().join("old.yml").display()
        )),
        "{shown}"
    );
    assert!(
        shown.contains(
            "questionnaires/outsourcing-periodic-check.yaml:2: version must be a positive integer"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("{}:2: ", path.display())),
        "{shown}"
    );
}

#[test]
fn a_missing_override_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let err = Questionnaires::load(Some(&missing)).unwrap_err();
    assert!(err.problems.iter().any(|p| p.file == missing.display().to_string() && p.reason.contains("does not exist")), "{err}");
}

/// The files shipped in `questionnaires/` load and pass every check (there may be none
/// yet; the loader still runs).
#[test]
fn the_built_in_questionnaires_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires");
    let on_disk = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".yaml"))
                .count()
        })
        .unwrap_or(0);
    let q = Questionnaires::load(None).unwrap_or_else(|e| panic!("built-in questionnaires:\n{e}"));
    assert_eq!(q.all().count(), on_disk);
    for d in q.all() {
        assert!(d.question_count() > 0, "{}", d.id);
        let snapshot = d.snapshot_json();
        assert_eq!(
            Definition::from_snapshot_json(&snapshot).unwrap(),
            *d,
            "{}",
            d.id
        );
        assert_eq!(
            q.origin(&d.id),
            Some(format!("questionnaires/{}.yaml", d.id).as_str())
        );
    }
}
