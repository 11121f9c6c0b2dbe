//! The end-of-term attestation as a questionnaire.
//! Its file's `item` section is asked once per information item the vendor handled: the
//! definition sent to the vendor repeats it with question ids `I1-…`, `I2-…` and the item
//! it is about. The answers are read back into the typed reports `policy::end_of_term`
//! judges, and each problem it finds is put on the question it is about.

use chrono::NaiveDate;

use super::answers::{Answer, AnswerProblem, AnswerSet};
use super::definition::{Definition, Question, Section, SectionId, Subject, Text};
use crate::domain::ClassificationLevel;
use crate::policy::end_of_term::{
    self as rules, Category, Disposition, Field, ItemReport, Statements, Technique, Term,
    Verification, VerificationResult,
};

/// How the file's item questions begin; `I1-`, `I2-`, … once sent.
pub const ITEM_PREFIX: &str = "ITEM-";

/// The statements' question ids.
pub const COPIES: &str = "END-COPIES";
pub const EXCEPTIONS: &str = "END-EXCEPTIONS";
pub const DESTINATION: &str = "END-DESTINATION";
pub const MEASURES: &str = "END-MEASURES";
pub const MEASURES_NOTE: &str = "END-MEASURES-NOTE";

/// One information item the vendor handled, as the attestation names it.
#[derive(Debug, Clone)]
pub struct HandedOver {
    pub item_id: String,
    pub name: String,
    pub level: ClassificationLevel,
}

fn prefix(n: usize) -> String {
    format!("I{}-", n + 1)
}

/// The definition to send: the template's `item` section once per item, in order, then
/// its other sections; `meets` are the rules the accepted attestation meets.
pub fn instantiate(template: &Definition, items: &[HandedOver], meets: &[&str]) -> Definition {
    let mut sections = Vec::new();
    for section in &template.sections {
        if section.id != SectionId::Item {
            sections.push(section.clone());
            continue;
        }
        for (n, item) in items.iter().enumerate() {
            let prefix = prefix(n);
            sections.push(Section {
                id: SectionId::Item,
                title: Text {
                    ja: format!("{}. {}（{}）", n + 1, item.name, item.level),
                    en: format!("{}. {} ({})", n + 1, item.name, item.level),
                },
                subject: Some(Subject {
                    item_id: item.item_id.clone(),
                    name: item.name.clone(),
                    level: item.level,
                }),
                questions: section
                    .questions
                    .iter()
                    .map(|q| Question {
                        id: q.id.replacen(ITEM_PREFIX, &prefix, 1),
                        ..q.clone()
                    })
                    .collect(),
            });
        }
    }
    Definition {
        sections,
        rules: meets.iter().map(|r| r.to_string()).collect(),
        ..template.clone()
    }
}

/// One item of a sent attestation: its section, the item, and how its questions begin.
pub struct ItemSection<'a> {
    pub section: &'a Section,
    pub subject: &'a Subject,
    pub prefix: String,
}

impl ItemSection<'_> {
    /// The id of the question `name` (`DISPOSITION`, `DONE-ON`, …) of this item.
    pub fn question(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

/// The items of a sent attestation, in order.
pub fn item_sections(def: &Definition) -> Vec<ItemSection<'_>> {
    def.sections
        .iter()
        .filter_map(|s| s.subject.as_ref().map(|subject| (s, subject)))
        .enumerate()
        .map(|(n, (section, subject))| ItemSection {
            section,
            subject,
            prefix: prefix(n),
        })
        .collect()
}

fn choice<'a>(set: &'a AnswerSet, id: &str) -> Option<&'a str> {
    match set.answers.get(id) {
        Some(Answer::Choice(v)) | Some(Answer::YesNoNa(v)) => Some(v),
        _ => None,
    }
}

fn text(set: &AnswerSet, id: &str) -> bool {
    matches!(set.answers.get(id), Some(Answer::Text(t)) if !t.trim().is_empty())
}

fn date(set: &AnswerSet, id: &str) -> Option<NaiveDate> {
    match set.answers.get(id) {
        Some(Answer::Date(d)) => Some(*d),
        _ => None,
    }
}

/// `yes` and `na` (nothing of the kind existed) hold; `no` does not.
fn holds(set: &AnswerSet, id: &str) -> Option<bool> {
    choice(set, id).map(|v| v != "no")
}

/// What the vendor reported of one item.
pub fn item_report(set: &AnswerSet, item: &ItemSection) -> ItemReport {
    let q = |name: &str| item.question(name);
    ItemReport {
        level: Some(item.subject.level),
        disposition: choice(set, &q("DISPOSITION")).and_then(|v| Disposition::parse(v).ok()),
        receiver: text(set, &q("RECEIVER")),
        category: choice(set, &q("CATEGORY")).and_then(|v| Category::parse(v).ok()),
        technique: choice(set, &q("TECHNIQUE")).and_then(|v| Technique::parse(v).ok()),
        tool: text(set, &q("TOOL")),
        verification: choice(set, &q("VERIFICATION")).and_then(|v| Verification::parse(v).ok()),
        result: choice(set, &q("RESULT")).and_then(|v| VerificationResult::parse(v).ok()),
        evidence_files: set.evidence.get(&q("EVIDENCE")).copied().unwrap_or(0),
        done_on: date(set, &q("DONE-ON")),
        done_by: text(set, &q("DONE-BY")),
    }
}

/// The closing statements as reported.
pub fn statements(set: &AnswerSet) -> Statements {
    Statements {
        copies_included: holds(set, COPIES),
        exceptions: text(set, EXCEPTIONS),
        measures_kept: holds(set, MEASURES),
        measures_note: text(set, MEASURES_NOTE),
    }
}

fn question_of(field: Field) -> &'static str {
    match field {
        Field::Disposition => "DISPOSITION",
        Field::Receiver => "RECEIVER",
        Field::Category => "CATEGORY",
        Field::Technique => "TECHNIQUE",
        Field::Tool => "TOOL",
        Field::Verification => "VERIFICATION",
        Field::Result => "RESULT",
        Field::Evidence => "EVIDENCE",
        Field::DoneOn => "DONE-ON",
        Field::DoneBy => "DONE-BY",
        Field::Exceptions => EXCEPTIONS,
        Field::MeasuresNote => MEASURES_NOTE,
    }
}

/// Everything the Standard refuses in a complete-looking attestation, each on its
/// question: an item with no disposition, formatting alone, L2/L3 paper not destroyed,
/// an L2/L3 cloud deletion without the provider's evidence, and the rest of
/// `policy::end_of_term`.
pub fn problems(def: &Definition, set: &AnswerSet, term: Term) -> Vec<AnswerProblem> {
    let mut out = Vec::new();
    for item in item_sections(def) {
        for p in rules::item_problems(&item_report(set, &item), term) {
            out.push(AnswerProblem {
                question_id: item.question(question_of(p.field)),
                code: p.code,
                message: p.message,
            });
        }
    }
    for p in rules::statement_problems(&statements(set)) {
        out.push(AnswerProblem {
            question_id: question_of(p.field).to_string(),
            code: p.code,
            message: p.message,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::questionnaires::answers::{parse_all, RawAnswer};
    use crate::questionnaires::{Purpose, Questionnaires};

    fn template() -> Definition {
        let all = Questionnaires::load(None).expect("the built-in questionnaires load");
        let d = all
            .get("end-of-term-attestation")
            .expect("the attestation is built in")
            .clone();
        assert_eq!(d.purpose, Purpose::EndOfTerm);
        d
    }

    fn items() -> Vec<HandedOver> {
        vec![
            HandedOver {
                item_id: "i-1".into(),
                name: "住民票の写し".into(),
                level: ClassificationLevel::L3,
            },
            HandedOver {
                item_id: "i-2".into(),
                name: "案内文".into(),
                level: ClassificationLevel::L1,
            },
        ]
    }

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, RawAnswer> {
        pairs
            .iter()
            .map(|(q, v)| {
                (
                    q.to_string(),
                    RawAnswer {
                        values: vec![v.to_string()],
                    },
                )
            })
            .collect()
    }

    const TERM: Term = Term {
        starts_on: match NaiveDate::from_ymd_opt(2026, 4, 1) {
            Some(d) => d,
            None => NaiveDate::MIN,
        },
        today: match NaiveDate::from_ymd_opt(2027, 4, 10) {
            Some(d) => d,
            None => NaiveDate::MIN,
        },
    };

    #[test]
    fn the_item_section_is_asked_once_per_item_with_its_own_question_ids() {
        let def = instantiate(&template(), &items(), &["R-8.4.1", "R-8.4.2"]);
        assert_eq!(def.rules, ["R-8.4.1", "R-8.4.2"]);
        let ids: Vec<&str> = def.sections.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["item", "item", "statements"]);
        assert_eq!(def.sections[0].title.ja, "1. 住民票の写し（L3）");
        assert!(def.question("I1-DISPOSITION").is_some());
        assert!(def.question("I2-DONE-ON").is_some());
        assert!(def.question("ITEM-DISPOSITION").is_none());
        assert_eq!(def.sections[1].anchor(1), "item-2");
        // The snapshot keeps the items.
        let again = Definition::from_snapshot_json(&def.snapshot_json()).unwrap();
        assert_eq!(again, def);
        let found = item_sections(&again);
        assert_eq!(found[1].subject.item_id, "i-2");
        assert_eq!(found[1].question("TOOL"), "I2-TOOL");
    }

    #[test]
    fn each_refusal_lands_on_the_question_it_is_about() {
        let def = instantiate(&template(), &items(), &["R-8.4.1", "R-8.4.2"]);
        let set = parse_all(
            &def,
            &raw(&[
                ("I1-DISPOSITION", "erased"),
                ("I1-TECHNIQUE", "format_only"),
                ("I1-DONE-ON", "2027-04-02"),
                ("I1-DONE-BY", "株式会社港データ 山田"),
                (COPIES, "no"),
                (MEASURES, "yes"),
            ]),
            &BTreeMap::new(),
        )
        .unwrap();
        let found: Vec<(String, &str)> = problems(&def, &set, TERM)
            .into_iter()
            .map(|p| (p.question_id, p.code))
            .collect();
        assert_eq!(
            found,
            [
                ("I1-TECHNIQUE".to_string(), "refused"),
                ("I2-DISPOSITION".to_string(), "required"),
                (EXCEPTIONS.to_string(), "required"),
            ]
        );
    }
}
