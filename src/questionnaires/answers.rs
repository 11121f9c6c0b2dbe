//! A vendor's answers to a questionnaire: parsed against the definition the check was
//! sent with, checked for submission (required answers, evidence for a "yes"), and
//! assessed: every non-conforming answer is a finding, and each section gets a score.
//! Pure: the portal and the API hand it what was typed; it says what is wrong, per
//! question, in both languages.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AnswerType, Definition, Question, SectionId};
use crate::i18n::Msg;

/// What was typed or chosen for one question, as a form sends it: one value, or several
/// for a multiple choice. Evidence files are attached separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAnswer {
    pub values: Vec<String>,
}

/// An answer of the question's type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    /// `yes`, `no` or `na`.
    YesNoNa(String),
    Choice(String),
    Choices(Vec<String>),
    Text(String),
    Date(NaiveDate),
    Number(f64),
    /// Evidence only: the answer is the attached files.
    File,
}

impl Answer {
    /// The answer as a form shows it again.
    pub fn to_raw(&self) -> RawAnswer {
        let values = match self {
            Answer::YesNoNa(v) | Answer::Choice(v) | Answer::Text(v) => vec![v.clone()],
            Answer::Choices(vs) => vs.clone(),
            Answer::Date(d) => vec![d.format("%Y-%m-%d").to_string()],
            Answer::Number(n) => vec![n.to_string()],
            Answer::File => vec![],
        };
        RawAnswer { values }
    }

    /// Whether the question lists this answer as not conforming (a finding once the
    /// check is accepted); the officer's page marks it before that.
    pub fn falls_short(&self, question: &Question) -> bool {
        self.codes()
            .iter()
            .any(|c| question.non_conforming.iter().any(|n| n == c))
    }

    /// The values that `non_conforming` lists are compared with.
    fn codes(&self) -> Vec<&str> {
        match self {
            Answer::YesNoNa(v) | Answer::Choice(v) => vec![v.as_str()],
            Answer::Choices(vs) => vs.iter().map(String::as_str).collect(),
            _ => vec![],
        }
    }
}

/// A problem with one question's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerProblem {
    pub question_id: String,
    /// `required`, `invalid`, `evidence_required`, `unknown_question`.
    pub code: &'static str,
    pub message: Msg,
}

const LONGEST_TEXT: usize = 4000;

fn problem(q: &str, code: &'static str, ja: String, en: String) -> AnswerProblem {
    AnswerProblem {
        question_id: q.to_string(),
        code,
        message: Msg::new(ja, en),
    }
}

/// Parses one question's raw answer; `None` when nothing was given.
pub fn parse(question: &Question, raw: &RawAnswer) -> Result<Option<Answer>, AnswerProblem> {
    let values: Vec<&str> = raw
        .values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let id = question.id.as_str();
    let one = || -> Result<&str, AnswerProblem> {
        match values.as_slice() {
            [v] => Ok(v),
            _ => Err(problem(
                id,
                "invalid",
                "回答は1つだけ選んでください".into(),
                "Give exactly one answer".into(),
            )),
        }
    };
    if values.is_empty() && question.answer != AnswerType::File {
        return Ok(None);
    }
    let answer = match question.answer {
        AnswerType::YesNoNa => {
            let v = one()?;
            if !["yes", "no", "na"].contains(&v) {
                return Err(problem(
                    id,
                    "invalid",
                    "「はい」「いいえ」「該当なし」のいずれかを選んでください".into(),
                    "Choose yes, no or not applicable".into(),
                ));
            }
            Answer::YesNoNa(v.to_string())
        }
        AnswerType::SingleChoice => {
            let v = one()?;
            question.choice(v).ok_or_else(|| unknown_choice(id, v))?;
            Answer::Choice(v.to_string())
        }
        AnswerType::MultipleChoice => {
            let mut chosen: Vec<String> = Vec::new();
            for v in &values {
                question.choice(v).ok_or_else(|| unknown_choice(id, v))?;
                if !chosen.iter().any(|c| c == v) {
                    chosen.push(v.to_string());
                }
            }
            Answer::Choices(chosen)
        }
        AnswerType::Text => {
            let v = one()?;
            if v.chars().count() > LONGEST_TEXT
                || v.chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
            {
                return Err(problem(
                    id,
                    "invalid",
                    format!("{LONGEST_TEXT}文字以内で、制御文字を含めずに入力してください"),
                    format!("At most {LONGEST_TEXT} characters, without control characters"),
                ));
            }
            Answer::Text(v.to_string())
        }
        AnswerType::Date => {
            let v = one()?;
            // A browser without a date picker sends what was typed: take it the way
            // people in Japan write dates, era form included.
            let date = crate::domain::date::parse_typed_date(v).map_err(|_| {
                problem(
                    id,
                    "invalid",
                    "実在する日付を入力してください（例: 2027-04-01、令和9年4月1日）".into(),
                    "Give a real date, e.g. 2027-04-01".into(),
                )
            })?;
            Answer::Date(date)
        }
        AnswerType::Number => {
            let v = one()?;
            let n: f64 = v
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| {
                    problem(
                        id,
                        "invalid",
                        "数値で入力してください".into(),
                        "Give a number".into(),
                    )
                })?;
            let too_low = question.min.is_some_and(|m| n < m);
            let too_high = question.max.is_some_and(|m| n > m);
            if too_low || too_high {
                let range = format!(
                    "{}–{}",
                    question.min.map(|m| m.to_string()).unwrap_or_default(),
                    question.max.map(|m| m.to_string()).unwrap_or_default()
                );
                return Err(problem(
                    id,
                    "invalid",
                    format!("{range} の範囲で入力してください"),
                    format!("Must be within {range}"),
                ));
            }
            Answer::Number(n)
        }
        AnswerType::File => Answer::File,
    };
    Ok(Some(answer))
}

fn unknown_choice(id: &str, v: &str) -> AnswerProblem {
    problem(
        id,
        "invalid",
        format!("「{v}」は選択肢にありません"),
        format!("`{v}` is not one of the choices"),
    )
}

/// The answers of a check: by question id, with the number of evidence files attached
/// to each question.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerSet {
    pub answers: BTreeMap<String, Answer>,
    pub evidence: BTreeMap<String, usize>,
}

/// Parses a draft: every value must be of its question's type; nothing is required yet.
/// All problems are reported at once.
pub fn parse_all(
    definition: &Definition,
    raw: &BTreeMap<String, RawAnswer>,
    evidence: &BTreeMap<String, usize>,
) -> Result<AnswerSet, Vec<AnswerProblem>> {
    let mut problems = Vec::new();
    let mut set = AnswerSet {
        answers: BTreeMap::new(),
        evidence: evidence.clone(),
    };
    for id in raw.keys().filter(|id| definition.question(id).is_none()) {
        problems.push(problem(
            id,
            "unknown_question",
            format!("設問 {id} はこの点検票にありません"),
            format!("There is no question {id} in this questionnaire"),
        ));
    }
    for (_, q) in definition.questions() {
        let given = raw.get(&q.id).cloned().unwrap_or_default();
        match parse(q, &given) {
            Ok(Some(Answer::File)) if evidence.get(&q.id).copied().unwrap_or(0) == 0 => {}
            Ok(Some(a)) => {
                set.answers.insert(q.id.clone(), a);
            }
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(problems)
    }
}

/// What a submission additionally needs: every required question answered (a file
/// question by at least one file), and a file for every "yes" that asks for evidence.
pub fn check_complete(definition: &Definition, set: &AnswerSet) -> Vec<AnswerProblem> {
    let mut problems = Vec::new();
    for (_, q) in definition.questions() {
        let files = set.evidence.get(&q.id).copied().unwrap_or(0);
        let answered = match q.answer {
            AnswerType::File => files > 0,
            _ => set.answers.contains_key(&q.id),
        };
        if q.required && !answered {
            problems.push(problem(
                &q.id,
                "required",
                "回答してください".into(),
                "An answer is required".into(),
            ));
        }
        let said_yes = matches!(set.answers.get(&q.id), Some(Answer::YesNoNa(v)) if v == "yes");
        if q.evidence_for_yes && said_yes && files == 0 {
            problems.push(problem(
                &q.id,
                "evidence_required",
                "「はい」の場合は根拠資料を添付してください".into(),
                "A \"yes\" needs a file as evidence".into(),
            ));
        }
    }
    problems
}

/// A non-conforming answer: what becomes a finding with a corrective action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NonConformity {
    pub question_id: String,
    pub section: SectionId,
    pub rules: Vec<String>,
    pub answer: Answer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Score {
    /// Questions that can conform or not (they list non-conforming answers) and were
    /// answered other than "not applicable" (unless that itself does not conform).
    pub scored: usize,
    pub conforming: usize,
    /// conforming / scored, in percent (rounded); none when nothing was scored.
    pub percent: Option<u32>,
}

impl Score {
    fn of(conforming: usize, scored: usize) -> Score {
        Score {
            scored,
            conforming,
            percent: (scored > 0).then(|| ((conforming * 100 + scored / 2) / scored) as u32),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SectionScore {
    pub section: SectionId,
    #[serde(flatten)]
    pub score: Score,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub non_conformities: Vec<NonConformity>,
    pub sections: Vec<SectionScore>,
    pub overall: Score,
}

/// Findings and scores of an answer set.
pub fn assess(definition: &Definition, set: &AnswerSet) -> Assessment {
    let mut non_conformities = Vec::new();
    let mut sections = Vec::new();
    let (mut all_scored, mut all_conforming) = (0, 0);
    for section in &definition.sections {
        let (mut scored, mut conforming) = (0, 0);
        for q in &section.questions {
            let Some(answer) = set.answers.get(&q.id) else {
                continue;
            };
            if q.non_conforming.is_empty() {
                continue;
            }
            let codes = answer.codes();
            let bad = answer.falls_short(q);
            let not_applicable = codes == ["na"] && !bad;
            if not_applicable {
                continue;
            }
            scored += 1;
            if bad {
                non_conformities.push(NonConformity {
                    question_id: q.id.clone(),
                    section: section.id,
                    rules: q.rules.clone(),
                    answer: answer.clone(),
                });
            } else {
                conforming += 1;
            }
        }
        all_scored += scored;
        all_conforming += conforming;
        sections.push(SectionScore {
            section: section.id,
            score: Score::of(conforming, scored),
        });
    }
    Assessment {
        non_conformities,
        overall: Score::of(all_conforming, all_scored),
        sections,
    }
}

/// The vendor's signed statement that comes with a submission (name, title, and the
/// declaration that the answers are true).
#[derive(Debug, Clone, Default)]
pub struct Signature {
    pub name: String,
    pub title: String,
    pub declared: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaires::Questionnaires;

    const YAML: &str = r#"
id: tiny-check
version: 1
title: {ja: 小さな点検票, en: Tiny check}
purpose: periodic_check
applies_to: {kinds: [outsourcing], levels: [L1]}
rules: [R-8.3.2]
sections:
  - id: human
    title: {ja: 人的対策, en: Human measures}
    questions:
      - id: HUM-01
        text: {ja: 教育を実施していますか。, en: Do you train staff?}
        rules: [R-8.3.1]
        answer: yes_no_na
        required: true
        non_conforming: [no]
        evidence_for_yes: true
      - id: HUM-02
        text: {ja: 頻度は。, en: How often?}
        rules: [R-8.3.1]
        answer: single_choice
        required: true
        choices:
          - {id: yearly, ja: 毎年, en: Yearly}
          - {id: never, ja: 実施していない, en: Never}
        non_conforming: [never]
  - id: technical
    title: {ja: 技術的対策, en: Technical measures}
    questions:
      - id: TEC-01
        text: {ja: 利用者数は。, en: How many users?}
        rules: [R-8.3.1]
        answer: number
        required: false
        min: 0
        max: 500
      - id: TEC-02
        text: {ja: 最終点検日は。, en: Last review date?}
        rules: [R-8.3.1]
        answer: date
        required: true
      - id: TEC-03
        text: {ja: 消去方法は。, en: Disposal methods?}
        rules: [R-3.5.5]
        answer: multiple_choice
        required: false
        choices:
          - {id: shred, ja: 破砕, en: Shredding}
          - {id: format_only, ja: 初期化のみ, en: Formatting only}
        non_conforming: [format_only]
"#;

    fn definition() -> Definition {
        Questionnaires::from_sources(&[("tiny-check.yaml".into(), YAML.into())])
            .expect("the test questionnaire loads")
            .get("tiny-check")
            .unwrap()
            .clone()
    }

    fn raw(pairs: &[(&str, &[&str])]) -> BTreeMap<String, RawAnswer> {
        pairs
            .iter()
            .map(|(q, vs)| {
                (
                    q.to_string(),
                    RawAnswer {
                        values: vs.iter().map(|v| v.to_string()).collect(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn values_are_checked_against_their_question_and_every_problem_is_named() {
        let d = definition();
        let problems = parse_all(
            &d,
            &raw(&[
                ("HUM-01", &["maybe"]),
                ("HUM-02", &["weekly"]),
                ("TEC-01", &["600"]),
                ("TEC-02", &["2027-02-30"]),
                ("XXX-99", &["yes"]),
            ]),
            &BTreeMap::new(),
        )
        .unwrap_err();
        let named: Vec<&str> = problems.iter().map(|p| p.question_id.as_str()).collect();
        for q in ["HUM-01", "HUM-02", "TEC-01", "TEC-02", "XXX-99"] {
            assert!(named.contains(&q), "{q} not reported: {problems:?}");
        }
        let unknown = problems.iter().find(|p| p.question_id == "XXX-99").unwrap();
        assert_eq!(unknown.code, "unknown_question");
    }

    #[test]
    fn a_date_answer_is_taken_as_people_type_it_era_form_included() {
        let d = definition();
        let expected = Answer::Date(NaiveDate::from_ymd_opt(2027, 4, 1).unwrap());
        for typed in ["2027-04-01", "2027/4/1", "令和9年4月1日", "R9.4.1"] {
            let set = parse_all(&d, &raw(&[("TEC-02", &[typed])]), &BTreeMap::new()).unwrap();
            assert_eq!(set.answers["TEC-02"], expected, "{typed}");
        }
        let refused = parse_all(
            &d,
            &raw(&[("TEC-02", &["令和9年2月30日"])]),
            &BTreeMap::new(),
        )
        .unwrap_err();
        assert_eq!(refused[0].code, "invalid");
    }

    #[test]
    fn a_draft_may_be_incomplete_but_a_submission_may_not() {
        let d = definition();
        let draft = parse_all(&d, &raw(&[("HUM-01", &["yes"])]), &BTreeMap::new()).unwrap();
        let missing = check_complete(&d, &draft);
        let codes: Vec<(&str, &str)> = missing
            .iter()
            .map(|p| (p.question_id.as_str(), p.code))
            .collect();
        assert!(
            codes.contains(&("HUM-01", "evidence_required")),
            "{codes:?}"
        );
        assert!(codes.contains(&("HUM-02", "required")), "{codes:?}");
        assert!(codes.contains(&("TEC-02", "required")), "{codes:?}");
        assert!(!codes.iter().any(|(q, _)| *q == "TEC-01"), "optional");

        let evidence: BTreeMap<String, usize> = [("HUM-01".to_string(), 1)].into();
        let full = parse_all(
            &d,
            &raw(&[
                ("HUM-01", &["yes"]),
                ("HUM-02", &["yearly"]),
                ("TEC-02", &["2026-10-01"]),
            ]),
            &evidence,
        )
        .unwrap();
        assert_eq!(check_complete(&d, &full), vec![]);
    }

    #[test]
    fn non_conforming_answers_are_findings_and_sections_are_scored() {
        let d = definition();
        let set = parse_all(
            &d,
            &raw(&[
                ("HUM-01", &["no"]),
                ("HUM-02", &["yearly"]),
                ("TEC-01", &["12"]),
                ("TEC-02", &["2026-10-01"]),
                ("TEC-03", &["shred", "format_only", "shred"]),
            ]),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            set.answers["TEC-03"],
            Answer::Choices(vec!["shred".into(), "format_only".into()])
        );
        let a = assess(&d, &set);
        let found: Vec<&str> = a
            .non_conformities
            .iter()
            .map(|n| n.question_id.as_str())
            .collect();
        assert_eq!(found, vec!["HUM-01", "TEC-03"]);
        assert_eq!(a.non_conformities[1].rules, vec!["R-3.5.5".to_string()]);
        assert_eq!(a.sections[0].score, Score::of(1, 2));
        assert_eq!(a.sections[0].score.percent, Some(50));
        assert_eq!(a.sections[1].score.percent, Some(0));
        assert_eq!(a.overall, Score::of(1, 3));
        assert_eq!(a.overall.percent, Some(33));
    }

    #[test]
    fn not_applicable_is_not_scored() {
        let d = definition();
        let set = parse_all(&d, &raw(&[("HUM-01", &["na"])]), &BTreeMap::new()).unwrap();
        let a = assess(&d, &set);
        assert!(a.non_conformities.is_empty());
        assert_eq!(a.overall, Score::of(0, 0));
        assert_eq!(a.overall.percent, None);
    }
}
