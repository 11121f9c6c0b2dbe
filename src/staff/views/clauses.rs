//! What the clause generator, the contract form, the approvals inbox and the approval and
//! manager-asset forms of an engagement's page are given.

use serde::{Serialize, Serializer};

use super::{FormError, Link};

/// The HTML body of a clause set as the clause templates wrote it: every value in it was
/// escaped when it was rendered (`Escape::Html`), so it is the one thing a staff page
/// prints unescaped. It can be made only from a rendered clause set.
#[derive(Debug, Clone)]
pub struct ClauseHtml(String);

impl ClauseHtml {
    /// The body of the clause set's HTML document, its headings moved down two levels so
    /// that they sit under the page's own `h1` and the preview's `h2`.
    pub fn from_document(document: &crate::clauses::Rendered) -> ClauseHtml {
        let html = document.text().unwrap_or("");
        let body = html
            .split_once("<body>")
            .map(|(_, rest)| rest)
            .and_then(|rest| rest.rsplit_once("</body>").map(|(body, _)| body))
            .unwrap_or("");
        let mut body = body.to_string();
        for (from, to) in [("h4", "h6"), ("h3", "h5"), ("h2", "h4"), ("h1", "h3")] {
            body = body
                .replace(&format!("<{from}>"), &format!("<{to}>"))
                .replace(&format!("</{from}>"), &format!("</{to}>"));
        }
        ClauseHtml(body)
    }

    /// The samples' preview, which the start-up check renders.
    pub(in crate::staff) fn sample(html: &str) -> ClauseHtml {
        ClauseHtml(html.to_string())
    }
}

impl Serialize for ClauseHtml {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A check box or radio button with its words.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceView {
    /// Unique in the page: the input's id.
    pub id: String,
    pub value: String,
    pub label: String,
    /// A second line under the label (the rules it satisfies, a hint).
    pub hint: String,
    pub checked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContractFormView {
    pub action: String,
    pub reference_number: String,
    pub signed_on: String,
    pub clauses: Vec<ChoiceView>,
    pub errors: Vec<FormError>,
    pub reference_number_error: Option<String>,
    pub signed_on_error: Option<String>,
    pub clause_ids_error: Option<String>,
    /// Why the contract could not be recorded (a closed engagement), in plain words.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClausesView {
    pub engagement_href: String,
    pub engagement_title: String,
    pub summary: String,
    pub action: String,
    pub langs: Vec<ChoiceView>,
    pub preview: ClauseHtml,
    pub downloads: Vec<Link>,
    /// `None` when the person may not record a contract for this engagement.
    pub form: Option<ContractFormView>,
}

/// Asking for the approvals an engagement still needs.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalRequestView {
    pub action: String,
    pub choices: Vec<ChoiceView>,
    pub note: String,
    pub errors: Vec<FormError>,
    pub subject_error: Option<String>,
    pub note_error: Option<String>,
}

/// A designated manager's system or brought-in asset on record.
#[derive(Debug, Clone, Serialize)]
pub struct AssetRowView {
    pub name: String,
    pub kind: String,
    pub rule_id: String,
    pub state: String,
    pub state_key: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetFormView {
    pub action: String,
    pub kinds: Vec<ChoiceView>,
    pub name: String,
    pub description: String,
    pub errors: Vec<FormError>,
    pub kind_error: Option<String>,
    pub name_error: Option<String>,
    pub description_error: Option<String>,
    /// Why it could not be recorded (a closed engagement), in plain words.
    pub refusal: Option<String>,
}

/// The manager assets block of a designated management's page.
#[derive(Debug, Clone, Serialize)]
pub struct AssetsView {
    pub rows: Vec<AssetRowView>,
    /// `None` when the person may not change the engagement.
    pub form: Option<AssetFormView>,
}

/// What the engagement's page adds for approvals, contracts and manager assets.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementFormsView {
    pub clauses_href: String,
    /// `None` when nothing is left to ask or the person may not ask.
    pub request: Option<ApprovalRequestView>,
    /// Why the last request was refused (one already made, a closed engagement), shown
    /// even when nothing is left to ask.
    pub request_refusal: Option<String>,
    /// `None` unless it is a designated management.
    pub assets: Option<AssetsView>,
}

/// One request in the inbox, with its decision form when the person may decide it.
#[derive(Debug, Clone, Serialize)]
pub struct InboxEntryView {
    pub id: String,
    pub rule_id: String,
    pub rule: String,
    pub subject: String,
    pub engagement_title: String,
    pub engagement_href: String,
    pub requester: String,
    pub requested: String,
    pub note: String,
    pub state: String,
    pub state_key: String,
    pub decided: String,
    pub reason: String,
    pub decision: Option<DecisionFormView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionFormView {
    pub action: String,
    /// The ids of the reason's input and of the confirmations' group, unique in the page.
    pub reason_id: String,
    pub confirm_id: String,
    pub reason: String,
    pub confirmations: Vec<ChoiceView>,
    pub errors: Vec<FormError>,
    pub reason_error: Option<String>,
    pub confirmations_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InboxView {
    /// A decision refused by a rule (R-2.6, not the approver, already decided).
    pub refusal: Option<String>,
    pub to_decide: Vec<InboxEntryView>,
    pub own: Vec<InboxEntryView>,
    pub decided: Vec<InboxEntryView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_the_clause_sets_body_under_the_pages_headings() {
        let document = crate::clauses::Rendered::Text(
            crate::clauses::Format::Html,
            "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<title>t</title>\n</head>\n<body>\n<h1>題 &lt;b&gt;</h1>\n<h2>第1条</h2>\n<p>本文</p>\n</body>\n</html>\n"
                .into(),
        );
        let html = ClauseHtml::from_document(&document).0;
        assert_eq!(
            html,
            "\n<h3>題 &lt;b&gt;</h3>\n<h4>第1条</h4>\n<p>本文</p>\n"
        );
    }

    /// The clause set's preview is the only value a staff page prints unescaped.
    #[test]
    fn only_the_clause_preview_is_printed_unescaped() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("staff_templates");
        let mut stack = vec![dir];
        let mut raw = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "hbs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (i, _) in text.match_indices("{{{") {
                        let end = text[i..].find("}}}").map_or(text.len(), |e| i + e + 3);
                        raw.push(format!(
                            "{}: {}",
                            path.file_name().unwrap().to_string_lossy(),
                            &text[i..end]
                        ));
                    }
                    assert!(!text.contains("{{&"), "{}", path.display());
                }
            }
        }
        assert_eq!(raw, ["clauses.hbs: {{{page.preview}}}"]);
    }
}
