//! The shape of a questionnaire file, used as it is for the snapshot stored with a check.

use serde::{Deserialize, Serialize};

use crate::domain::{ClassificationLevel, EngagementKind};
use crate::i18n::Lang;

/// A text in both languages; both must be non-empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }
}

/// What a questionnaire is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The security officer's periodic check of a contractor or cloud service (R-8.3.2,
    ///
    PeriodicCheck,
    /// The CISO's inspection of a designated manager.
    Inspection,
    /// The self-assessment asked before selection.
    Selection,
    /// The vendor's attestation at the end of the term: its `item` section
    /// is asked once per information item the vendor handled.
    EndOfTerm,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::PeriodicCheck => "periodic_check",
            Purpose::Inspection => "inspection",
            Purpose::Selection => "selection",
            Purpose::EndOfTerm => "end_of_term",
        }
    }

    /// Periodic checks and inspections are sent on the same schedule, one per engagement.
    pub fn is_periodic(self) -> bool {
        matches!(self, Purpose::PeriodicCheck | Purpose::Inspection)
    }
}

/// The group a section's questions belong to; each appears at most once in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionId {
    Human,
    Technical,
    Physical,
    Cloud,
    Organisational,
    /// The end-of-term attestation's questions about one information item.
    Item,
    /// The end-of-term attestation's closing statements.
    Statements,
}

impl SectionId {
    pub fn as_str(self) -> &'static str {
        match self {
            SectionId::Human => "human",
            SectionId::Technical => "technical",
            SectionId::Physical => "physical",
            SectionId::Cloud => "cloud",
            SectionId::Organisational => "organisational",
            SectionId::Item => "item",
            SectionId::Statements => "statements",
        }
    }
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    YesNoNa,
    SingleChoice,
    MultipleChoice,
    Text,
    Date,
    Number,
    File,
}

impl AnswerType {
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerType::YesNoNa => "yes_no_na",
            AnswerType::SingleChoice => "single_choice",
            AnswerType::MultipleChoice => "multiple_choice",
            AnswerType::Text => "text",
            AnswerType::Date => "date",
            AnswerType::Number => "number",
            AnswerType::File => "file",
        }
    }

    /// Single and multiple choice: answered from the question's `choices`.
    pub fn has_choices(self) -> bool {
        matches!(self, AnswerType::SingleChoice | AnswerType::MultipleChoice)
    }

    /// The values a `yes_no_na` answer takes.
    pub const YES_NO_NA: [&'static str; 3] = ["yes", "no", "na"];
}

/// One of the answers of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// `[a-z0-9_]+`, unique within the question.
    pub id: String,
    pub ja: String,
    pub en: String,
}

impl Choice {
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }
}

/// The engagements a questionnaire is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppliesTo {
    pub kinds: Vec<EngagementKind>,
    pub levels: Vec<ClassificationLevel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// `[A-Z0-9-]+`, unique across the whole file.
    pub id: String,
    pub text: Text,
    #[serde(default)]
    pub help: Option<Text>,
    /// The rules this question checks (rule IDs of the policy catalog).
    pub rules: Vec<String>,
    pub answer: AnswerType,
    pub required: bool,
    /// Only for single and multiple choice (at least two).
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// The answers that mean the vendor does not conform: `yes`, `no` or `na` for
    /// `yes_no_na`, choice ids for choice questions.
    #[serde(default)]
    pub non_conforming: Vec<String>,
    /// A `yes` must come with a file as evidence (only for `yes_no_na`).
    #[serde(default)]
    pub evidence_for_yes: bool,
    /// Bounds of a `number` answer.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

impl Question {
    pub fn choice(&self, id: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: SectionId,
    pub title: Text,
    /// In an attestation as sent: the information item this `item` section asks about.
    /// Never in a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    pub questions: Vec<Question>,
}

/// The information item an attestation's `item` section is about, as it was when the
/// attestation was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub item_id: String,
    pub name: String,
    pub level: ClassificationLevel,
}

impl Section {
    /// Where the section is on a page: its id, or for an item of an attestation the
    /// item's place in it (`item-1`, `item-2`, …), since `item` repeats.
    pub fn anchor(&self, index: usize) -> String {
        match &self.subject {
            Some(_) => format!("item-{}", index + 1),
            None => self.id.as_str().to_string(),
        }
    }
}

/// One questionnaire, as its file states it (once checked by `Questionnaires`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Lower-case letters, digits and hyphens: the file name without `.yaml`.
    pub id: String,
    /// A positive integer, raised whenever the questions change.
    pub version: u32,
    pub title: Text,
    #[serde(default)]
    pub description: Option<Text>,
    pub purpose: Purpose,
    pub applies_to: AppliesTo,
    /// The obligations an accepted answer set meets.
    pub rules: Vec<String>,
    pub sections: Vec<Section>,
}

impl Definition {
    /// The definition serialised canonically (JSON), to store with a check when it is
    /// sent, so that editing the file later never changes a check already sent.
    pub fn snapshot_json(&self) -> String {
        // Only strings, numbers, booleans, sequences and structs: serialising cannot fail.
        serde_json::to_string(self).expect("a questionnaire definition serialises to JSON")
    }

    pub fn from_snapshot_json(s: &str) -> Result<Definition, serde_json::Error> {
        serde_json::from_str(s)
    }

    /// The question with this id and the section that holds it.
    pub fn question(&self, id: &str) -> Option<(&Section, &Question)> {
        self.sections
            .iter()
            .find_map(|s| s.questions.iter().find(|q| q.id == id).map(|q| (s, q)))
    }

    pub fn question_count(&self) -> usize {
        self.sections.iter().map(|s| s.questions.len()).sum()
    }

    /// Every question, in order, with its section.
    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    /// Whether the questionnaire is for engagements of this kind and level.
    pub fn applies(&self, kind: EngagementKind, level: ClassificationLevel) -> bool {
        self.applies_to.kinds.contains(&kind) && self.applies_to.levels.contains(&level)
    }
}
