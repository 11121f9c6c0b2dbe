//! What a clause set is written from (`ContractFacts`), the template context built from
//! it for each language, and the output formats.

use chrono::{Months, NaiveDate};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::wareki::{format_english, format_wareki};
use crate::domain::{ClassificationLevel, EngagementKind};
use crate::i18n::Lang;
use crate::render::Pattern;

/// The words the code hands the clause templates in one language, from
/// `contract_templates/labels/<lang>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseLabels {
    pub title: String,
    pub ward: String,
    pub contract: ByKind,
    pub vendor: ByKind,
    pub check_interval: Plural,
}

/// A word that depends on the kind of engagement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByKind {
    pub outsourcing: String,
    pub designated_management: String,
    pub cloud_service: String,
}

impl ByKind {
    pub fn get(&self, kind: EngagementKind) -> &str {
        match kind {
            EngagementKind::Outsourcing => &self.outsourcing,
            EngagementKind::DesignatedManagement => &self.designated_management,
            EngagementKind::CloudService => &self.cloud_service,
        }
    }
}

/// A count with its noun: `one` for exactly 1, `other` for the rest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plural {
    pub one: Pattern,
    pub other: Pattern,
}

/// Everything the clause templates may print about an engagement.
#[derive(Debug, Clone)]
pub struct ContractFacts {
    pub organization: String,
    pub kind: EngagementKind,
    pub level: Option<ClassificationLevel>,
    pub title: String,
    pub scope: String,
    pub division_name: String,
    pub responsible_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub vendor_name: String,
    pub corporate_number: Option<String>,
    pub items: Vec<ItemFact>,
    pub check_interval_months: u32,
    pub certificate_deadline_days: u32,
    /// The organisation's "today", printed on the document.
    pub generated_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct ItemFact {
    pub name: String,
    pub description: String,
    pub level: ClassificationLevel,
    pub provided: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Text,
    /// A Word document (Office Open XML), the form a ward's contract staff edit.
    Docx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "text" => Some(Format::Text),
            "docx" => Some(Format::Docx),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Text => "text/plain; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// A clause set as rendered: text for Markdown, HTML and plain text (the format says
/// which), a package of bytes for Word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    Text(Format, String),
    Docx(Vec<u8>),
}

impl Rendered {
    pub fn format(&self) -> Format {
        match self {
            Rendered::Text(format, _) => *format,
            Rendered::Docx(_) => Format::Docx,
        }
    }

    pub fn content_type(&self) -> &'static str {
        self.format().content_type()
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Rendered::Text(_, text) => text.as_bytes(),
            Rendered::Docx(bytes) => bytes,
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Rendered::Text(_, text) => text.into_bytes(),
            Rendered::Docx(bytes) => bytes,
        }
    }

    /// The text of a Markdown, HTML or plain-text rendering; `None` for a Word document.
    pub fn text(&self) -> Option<&str> {
        match self {
            Rendered::Text(_, text) => Some(text),
            Rendered::Docx(_) => None,
        }
    }
}

pub fn format_date(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Ja => format_wareki(date),
        Lang::En => format_english(date),
    }
}

impl ContractFacts {
    pub fn certificate_deadline(&self) -> NaiveDate {
        self.ends_on + chrono::Days::new(u64::from(self.certificate_deadline_days))
    }

    /// The first periodic check falls one interval after the start.
    pub fn first_check_due(&self) -> NaiveDate {
        self.starts_on
            .checked_add_months(Months::new(self.check_interval_months))
            .unwrap_or(self.starts_on)
    }

    /// The variables every template sees (the list is in contract_templates/README.md),
    /// with the words of `labels`, which are in `lang`.
    pub fn context(&self, lang: Lang, labels: &ClauseLabels) -> Value {
        let kind = self.kind;
        let level = self.level.unwrap_or(ClassificationLevel::L1);
        let interval = if self.check_interval_months == 1 {
            &labels.check_interval.one
        } else {
            &labels.check_interval.other
        };
        let interval = interval.fill(&[("months", &self.check_interval_months.to_string())]);
        json!({
            "organization": self.organization,
            "terms": {
                "contract": labels.contract.get(kind),
                "vendor": labels.vendor.get(kind),
                "ward": labels.ward,
            },
            "kind": {
                "outsourcing": kind == EngagementKind::Outsourcing,
                "designated_management": kind == EngagementKind::DesignatedManagement,
                "cloud_service": kind == EngagementKind::CloudService,
            },
            "level": level.as_str(),
            "level_l2_or_above": level >= ClassificationLevel::L2,
            "level_l3": level == ClassificationLevel::L3,
            "engagement": {
                "title": self.title,
                "scope": self.scope,
                "starts_on": format_date(self.starts_on, lang),
                "ends_on": format_date(self.ends_on, lang),
                "division": self.division_name,
                "responsible": self.responsible_name,
            },
            "vendor": {
                "legal_name": self.vendor_name,
                "corporate_number": self.corporate_number.clone().unwrap_or_default(),
            },
            "items": self.items.iter().map(|i| json!({
                "name": i.name,
                "description": i.description,
                "level": i.level.as_str(),
                "provided": i.provided,
            })).collect::<Vec<_>>(),
            "has_items": !self.items.is_empty(),
            "check_interval": interval,
            "certificate_deadline_days": self.certificate_deadline_days,
            "certificate_deadline": format_date(self.certificate_deadline(), lang),
            "generated_on": format_date(self.generated_on, lang),
        })
    }
}

/// Turns the restricted Markdown the templates write (headings `#`–`###`, `- ` bullets,
/// paragraphs) into HTML. The text was rendered with HTML escaping, so every value in it
/// is already escaped; only the structure is added here.
pub fn markdown_to_html(markdown: &str, lang: Lang) -> String {
    let mut body = String::new();
    let mut in_list = false;
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |body: &mut String, paragraph: &mut Vec<&str>| {
        if !paragraph.is_empty() {
            body.push_str(&format!("<p>{}</p>\n", paragraph.join("<br>\n")));
            paragraph.clear();
        }
    };
    for line in markdown.lines() {
        let trimmed = line.trim_end();
        if let Some(item) = trimmed.strip_prefix("- ") {
            flush(&mut body, &mut paragraph);
            if !in_list {
                body.push_str("<ul>\n");
                in_list = true;
            }
            body.push_str(&format!("<li>{item}</li>\n"));
            continue;
        }
        if in_list {
            body.push_str("</ul>\n");
            in_list = false;
        }
        if trimmed.is_empty() {
            flush(&mut body, &mut paragraph);
        } else if let Some((level, text)) = heading(trimmed) {
            flush(&mut body, &mut paragraph);
            body.push_str(&format!("<h{level}>{text}</h{level}>\n"));
        } else {
            paragraph.push(trimmed);
        }
    }
    flush(&mut body, &mut paragraph);
    if in_list {
        body.push_str("</ul>\n");
    }
    let title = markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("");
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n<body>\n{body}</body>\n</html>\n",
        lang.pick("ja", "en")
    )
}

pub(super) fn heading(line: &str) -> Option<(usize, &str)> {
    ["### ", "## ", "# "]
        .iter()
        .find_map(|p| line.strip_prefix(p).map(|rest| (p.len() - 1, rest)))
}

/// Plain text: the Markdown without its heading marks.
pub fn markdown_to_text(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| heading(l).map(|(_, t)| t).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_structure_from_restricted_markdown() {
        let html = markdown_to_html(
            "# 題\n\n## 第1条（秘密）\n\n１　本文\n続き\n\n- a\n- b\n",
            Lang::Ja,
        );
        assert!(html.contains("<title>題</title>"));
        assert!(html.contains("<h2>第1条（秘密）</h2>"));
        assert!(html.contains("<p>１　本文<br>\n続き</p>"));
        assert!(html.contains("<ul>\n<li>a</li>\n<li>b</li>\n</ul>"));
    }

    #[test]
    fn text_drops_heading_marks() {
        assert_eq!(markdown_to_text("# A\n## B\nc"), "A\nB\nc\n");
    }
}
