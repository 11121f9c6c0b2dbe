//! The checks a parsed questionnaire must pass, each problem with the line it is on.
//!
//! serde_yaml gives a line for syntax and type errors, but a parsed `Definition` no longer
//! knows where its parts came from. For the problems found here the line is recovered from
//! the source text: the walk below finds each section's and each question's `id: X` line
//! in order, and a problem inside a question is put on the line of its key (`choices:`,
//! `min:`...) or of the offending value within that question's lines, or on the question's
//! own line when neither is found. It reads lines, not YAML, so an unusual layout (a key
//! written after a nested list, flow style spread over lines) may give a nearby line; the
//! file and the reason are always exact.

use std::collections::HashSet;

use super::definition::{AnswerType, Definition, Purpose, Question, SectionId, Text};
use super::is_known_rule;

/// A problem in one file: the line (1-based) when known, and the reason.
pub(super) type Found = (Option<usize>, String);

/// The source text, searched line by line.
pub(super) struct Lines<'a> {
    lines: Vec<&'a str>,
}

/// Characters that may stand right before a key or a value in block or flow style.
const BEFORE: &[char] = &[' ', '\t', '-', '{', '[', ','];
/// Characters that may stand right after a value.
const AFTER: &[char] = &[' ', '\t', ',', '}', ']', '#'];

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Lines<'a> {
        Lines {
            lines: text.lines().collect(),
        }
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    /// The first line index in `from..to` holding `key:` as a mapping key (followed by
    /// `value`, bare or quoted, when given), with the column of the key.
    fn find(
        &self,
        from: usize,
        to: usize,
        key: &str,
        value: Option<&str>,
    ) -> Option<(usize, usize)> {
        (from..to.min(self.len())).find_map(|i| {
            let line = self.lines[i];
            if line.trim_start().starts_with('#') {
                return None;
            }
            line.match_indices(key).find_map(|(col, _)| {
                let before_ok = line[..col]
                    .chars()
                    .next_back()
                    .is_none_or(|c| BEFORE.contains(&c));
                let rest = line[col + key.len()..].strip_prefix(':')?;
                if !before_ok || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
                    return None;
                }
                match value {
                    None => Some((i, col)),
                    Some(v) => starts_with_value(rest.trim_start(), v).then_some((i, col)),
                }
            })
        })
    }

    /// The first line index in `from..to` holding `token` as a whole word (a list item).
    fn find_token(&self, from: usize, to: usize, token: &str) -> Option<usize> {
        (from..to.min(self.len())).find(|&i| {
            let line = self.lines[i];
            !line.trim_start().starts_with('#')
                && line.match_indices(token).any(|(col, _)| {
                    let before = line[..col].chars().next_back();
                    let after = line[col + token.len()..].chars().next();
                    before.is_none_or(|c| BEFORE.contains(&c) || c == '"' || c == '\'')
                        && after.is_none_or(|c| AFTER.contains(&c) || c == '"' || c == '\'')
                })
        })
    }

    /// The 1-based line of a key of the top-level mapping.
    pub(super) fn top_line(&self, key: &str) -> Option<usize> {
        one_based(self.top(key))
    }

    /// A key of the top-level mapping (at column 0).
    fn top(&self, key: &str) -> Option<usize> {
        (0..self.len()).find(|&i| {
            self.lines[i]
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(':'))
        })
    }
}

fn starts_with_value(rest: &str, value: &str) -> bool {
    ["\"", "'", ""].iter().any(|quote| {
        rest.strip_prefix(quote)
            .and_then(|r| r.strip_prefix(value))
            .and_then(|r| r.strip_prefix(quote))
            .is_some_and(|r| r.chars().next().is_none_or(|c| AFTER.contains(&c)))
    })
}

/// Where each section and question starts (line indexes), found by walking the text in
/// the order of the parsed definition.
struct Spots {
    sections: Vec<Option<usize>>,
    /// Per section, per question: the line of its `id:` and the line its part ends before.
    questions: Vec<Vec<(Option<usize>, usize)>>,
}

impl Spots {
    fn find(def: &Definition, lines: &Lines) -> Spots {
        let start = lines.top("sections").unwrap_or(0);
        // Sections are the least indented `id:` keys under `sections:`; requiring that
        // column keeps a choice that happens to be called `cloud` from being taken for the
        // cloud section.
        let section_col = def
            .sections
            .iter()
            .filter_map(|s| lines.find(start, lines.len(), "id", Some(s.id.as_str())))
            .map(|(_, col)| col)
            .min();
        let mut cursor = start;
        let mut sections = Vec::new();
        let mut starts = Vec::new();
        let mut question_lines = Vec::new();
        for section in &def.sections {
            let mut from = cursor;
            let line = loop {
                match lines.find(from, lines.len(), "id", Some(section.id.as_str())) {
                    Some((i, col)) if Some(col) == section_col => break Some(i),
                    Some((i, _)) => from = i + 1,
                    None => break None,
                }
            };
            if let Some(i) = line {
                cursor = i + 1;
                starts.push(i);
            }
            sections.push(line);
            let mut in_section = Vec::new();
            for question in &section.questions {
                let line = lines
                    .find(cursor, lines.len(), "id", Some(&question.id))
                    .map(|(i, _)| i);
                if let Some(i) = line {
                    cursor = i + 1;
                    starts.push(i);
                }
                in_section.push(line);
            }
            question_lines.push(in_section);
        }
        let end_of = |line: Option<usize>| -> usize {
            line.and_then(|l| starts.iter().copied().filter(|&s| s > l).min())
                .unwrap_or(lines.len())
        };
        let questions = question_lines
            .into_iter()
            .map(|qs| qs.into_iter().map(|l| (l, end_of(l))).collect())
            .collect();
        Spots {
            sections,
            questions,
        }
    }
}

fn one_based(index: Option<usize>) -> Option<usize> {
    index.map(|i| i + 1)
}

fn is_definition_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_question_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn is_choice_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_text(text: &Text, what: &str, line: Option<usize>, out: &mut Vec<Found>) {
    for (lang, value) in [("ja", &text.ja), ("en", &text.en)] {
        if value.trim().is_empty() {
            out.push((line, format!("{what}.{lang} is empty")));
        }
    }
}

/// Every problem of one parsed file whose name, without `.yaml`, is `stem`.
pub(super) fn check(def: &Definition, stem: &str, text: &str) -> Vec<Found> {
    let lines = Lines::new(text);
    let top = |key: &str| one_based(lines.top(key));
    let mut out = Vec::new();

    if !is_definition_id(&def.id) {
        out.push((
            top("id"),
            format!(
                "id `{}`: use lower-case letters, digits and hyphens only",
                def.id
            ),
        ));
    }
    if def.id != stem {
        out.push((
            top("id"),
            format!(
                "id `{}` differs from the file name: the id must be `{stem}`",
                def.id
            ),
        ));
    }
    if def.version == 0 {
        out.push((top("version"), "version must be a positive integer".into()));
    }
    check_text(&def.title, "title", top("title"), &mut out);
    if let Some(description) = &def.description {
        check_text(description, "description", top("description"), &mut out);
    }

    let applies = lines.top("applies_to").unwrap_or(0);
    let applies_key = |key: &str| {
        one_based(
            lines
                .find(applies, lines.len(), key, None)
                .map(|(i, _)| i)
                .or(Some(applies)),
        )
    };
    if def.applies_to.kinds.is_empty() {
        out.push((applies_key("kinds"), "applies_to.kinds is empty".into()));
    }
    if def.applies_to.levels.is_empty() {
        out.push((applies_key("levels"), "applies_to.levels is empty".into()));
    }
    let mut seen = HashSet::new();
    for kind in &def.applies_to.kinds {
        if !seen.insert(kind.as_str()) {
            out.push((
                applies_key("kinds"),
                format!("applies_to.kinds lists {kind} twice"),
            ));
        }
    }
    for level in &def.applies_to.levels {
        if !seen.insert(level.as_str()) {
            out.push((
                applies_key("levels"),
                format!("applies_to.levels lists {level} twice"),
            ));
        }
    }

    let rules_line = lines.top("rules");
    check_rules(
        &def.rules,
        "rules",
        &lines,
        rules_line.unwrap_or(0),
        lines.top("sections").unwrap_or(lines.len()),
        rules_line,
        &mut out,
    );

    if def.sections.is_empty() {
        out.push((
            top("sections"),
            "sections is empty: give at least one".into(),
        ));
    }
    let spots = Spots::find(def, &lines);
    let mut section_ids = HashSet::new();
    let mut question_ids = HashSet::new();
    for (s, section) in def.sections.iter().enumerate() {
        let line = spots.sections[s];
        let name = section.id.as_str();
        if !section_ids.insert(section.id) {
            out.push((
                one_based(line),
                format!("section `{name}` appears twice: one section per id"),
            ));
        }
        check_text(
            &section.title,
            &format!("section `{name}`: title"),
            one_based(line),
            &mut out,
        );
        if section.questions.is_empty() {
            out.push((
                one_based(line),
                format!("section `{name}` has no questions"),
            ));
        }
        if section.subject.is_some() {
            out.push((
                one_based(line),
                format!(
                    "section `{name}`: subject is set when an attestation is sent, never in a file"
                ),
            ));
        }
        let attestation_section = matches!(section.id, SectionId::Item | SectionId::Statements);
        if attestation_section != (def.purpose == Purpose::EndOfTerm) {
            out.push((
                one_based(line),
                format!(
                    "section `{name}`: the sections item and statements belong to end_of_term questionnaires, and only they"
                ),
            ));
        }
        for (q, question) in section.questions.iter().enumerate() {
            let (start, end) = spots.questions[s][q];
            if !question_ids.insert(question.id.as_str()) {
                out.push((
                    one_based(start),
                    format!(
                        "question `{}` appears twice: question ids are unique in the file",
                        question.id
                    ),
                ));
            }
            let at = QuestionLines {
                lines: &lines,
                start,
                end,
            };
            check_question(question, &at, &mut out);
        }
    }
    if def.purpose == Purpose::EndOfTerm && !def.sections.iter().any(|s| s.id == SectionId::Item) {
        out.push((
            top("sections"),
            "an end_of_term questionnaire has an `item` section, asked once per information item"
                .into(),
        ));
    }
    out
}

/// The lines of one question, to find its keys in.
struct QuestionLines<'a> {
    lines: &'a Lines<'a>,
    start: Option<usize>,
    end: usize,
}

impl QuestionLines<'_> {
    fn question(&self) -> Option<usize> {
        one_based(self.start)
    }

    fn from(&self) -> usize {
        self.start.unwrap_or(self.end)
    }

    /// The line of `key:` in this question, else the question's own line.
    fn key(&self, key: &str) -> Option<usize> {
        self.key_index(key).map(|i| i + 1).or(self.question())
    }

    fn key_index(&self, key: &str) -> Option<usize> {
        self.lines
            .find(self.from(), self.end, key, None)
            .map(|(i, _)| i)
    }

    /// The line of `token` after `key:` in this question, else that of the key.
    fn value(&self, key: &str, token: &str) -> Option<usize> {
        let from = self.key_index(key).unwrap_or(self.from());
        self.lines
            .find_token(from, self.end, token)
            .map(|i| i + 1)
            .or(self.key(key))
    }
}

fn check_rules(
    rules: &[String],
    what: &str,
    lines: &Lines,
    from: usize,
    to: usize,
    key_line: Option<usize>,
    out: &mut Vec<Found>,
) {
    if rules.is_empty() {
        out.push((
            one_based(key_line),
            format!("{what} is empty: name the rules (R-…) it checks"),
        ));
    }
    for rule in rules {
        if !is_known_rule(rule) {
            let line = lines.find_token(from, to, rule).or(key_line);
            out.push((
                one_based(line),
                format!("{what}: `{rule}` is not a rule ID of the policy catalog"),
            ));
        }
    }
}

fn check_question(q: &Question, at: &QuestionLines, out: &mut Vec<Found>) {
    let id = q.id.as_str();
    let answer = q.answer.as_str();
    if !is_question_id(id) {
        out.push((
            at.question(),
            format!("question id `{id}`: use upper-case letters, digits and hyphens only"),
        ));
    }
    check_text(
        &q.text,
        &format!("question {id}: text"),
        at.key("text"),
        out,
    );
    if let Some(help) = &q.help {
        check_text(help, &format!("question {id}: help"), at.key("help"), out);
    }
    check_rules(
        &q.rules,
        &format!("question {id}: rules"),
        at.lines,
        at.from(),
        at.end,
        at.key_index("rules").or(at.start),
        out,
    );

    // Choices.
    if q.answer.has_choices() {
        match q.choices.len() {
            0 => out.push((
                at.question(),
                format!("question {id}: a {answer} question needs choices (at least two)"),
            )),
            1 => out.push((
                at.key("choices"),
                format!("question {id}: a {answer} question needs at least two choices, not one"),
            )),
            _ => {}
        }
    } else if !q.choices.is_empty() {
        out.push((
            at.key("choices"),
            format!(
                "question {id}: choices are only for single_choice and multiple_choice, not {answer}"
            ),
        ));
    }
    let mut choice_ids = HashSet::new();
    let mut from = at.key_index("choices").unwrap_or(at.from());
    for choice in &q.choices {
        let found = at
            .lines
            .find(from, at.end, "id", Some(&choice.id))
            .map(|(i, _)| i);
        if let Some(i) = found {
            from = i + 1;
        }
        let line = one_based(found).or(at.key("choices"));
        if !is_choice_id(&choice.id) {
            out.push((
                line,
                format!(
                    "question {id}: choice id `{}`: use lower-case letters, digits and _ only",
                    choice.id
                ),
            ));
        }
        if !choice_ids.insert(choice.id.as_str()) {
            out.push((
                line,
                format!("question {id}: choice `{}` appears twice", choice.id),
            ));
        }
        for (lang, value) in [("ja", &choice.ja), ("en", &choice.en)] {
            if value.trim().is_empty() {
                out.push((
                    line,
                    format!("question {id}: choice `{}`: {lang} is empty", choice.id),
                ));
            }
        }
    }

    // Non-conforming answers.
    let mut listed = HashSet::new();
    match q.answer {
        AnswerType::YesNoNa => {
            for value in &q.non_conforming {
                if !AnswerType::YES_NO_NA.contains(&value.as_str()) {
                    out.push((
                        at.value("non_conforming", value),
                        format!(
                            "question {id}: non_conforming `{value}` is not an answer of yes_no_na (yes, no or na)"
                        ),
                    ));
                }
            }
        }
        AnswerType::SingleChoice | AnswerType::MultipleChoice => {
            for value in &q.non_conforming {
                if !q.choices.iter().any(|c| &c.id == value) {
                    out.push((
                        at.value("non_conforming", value),
                        format!(
                            "question {id}: non_conforming `{value}` is not one of its choices"
                        ),
                    ));
                }
            }
        }
        AnswerType::Text | AnswerType::Date | AnswerType::Number | AnswerType::File => {
            if !q.non_conforming.is_empty() {
                out.push((
                    at.key("non_conforming"),
                    format!(
                        "question {id}: non_conforming is only for yes_no_na and choice questions, not {answer}"
                    ),
                ));
            }
        }
    }
    for value in &q.non_conforming {
        if !listed.insert(value.as_str()) {
            out.push((
                at.key("non_conforming"),
                format!("question {id}: non_conforming lists `{value}` twice"),
            ));
        }
    }

    if q.evidence_for_yes && q.answer != AnswerType::YesNoNa {
        out.push((
            at.key("evidence_for_yes"),
            format!("question {id}: evidence_for_yes is only for yes_no_na, not {answer}"),
        ));
    }

    // Bounds.
    for (key, bound) in [("min", q.min), ("max", q.max)] {
        let Some(value) = bound else { continue };
        if q.answer != AnswerType::Number {
            out.push((
                at.key(key),
                format!("question {id}: {key} is only for number, not {answer}"),
            ));
        } else if !value.is_finite() {
            out.push((
                at.key(key),
                format!("question {id}: {key} must be a finite number"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (q.min, q.max) {
        if min > max {
            out.push((
                at.key("min"),
                format!("question {id}: min ({min}) is greater than max ({max})"),
            ));
        }
    }
}
