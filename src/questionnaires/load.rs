//! Reads the questionnaire files (built in, then the override folder), checks them all and
//! keeps them by id.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use rust_embed::RustEmbed;

use super::check::{check, Lines};
use super::definition::{Definition, Purpose};
use crate::domain::{ClassificationLevel, EngagementKind};

/// The built-in questionnaires: `questionnaires/*.yaml` at the project root. The folder may
/// be missing from a checkout (git keeps no empty folder); there are then no built-ins.
#[derive(RustEmbed)]
#[folder = "questionnaires/"]
#[allow_missing = true]
struct Builtin;

const BUILTIN_DIR: &str = "questionnaires";
const EXTENSION: &str = ".yaml";

/// One problem of one file. Shown as `file:line: reason`, or `file: reason` when the
/// line is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// Every problem found in every questionnaire file; the service does not start with any.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n"))]
pub struct QuestionnaireError {
    pub problems: Vec<Problem>,
}

/// A file to read: how errors name it, its file name, and its text.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub(super) file: String,
    pub(super) name: String,
    pub(super) text: String,
}

/// Every questionnaire, checked, by id.
#[derive(Debug, Clone, Default)]
pub struct Questionnaires {
    by_id: BTreeMap<String, Definition>,
    /// Where each came from (`questionnaires/x.yaml` or the override path).
    origins: BTreeMap<String, String>,
}

impl Questionnaires {
    /// Built-ins, then files of `override_dir` (same file name replaces, new names add).
    /// Every error names the file (e.g. `questionnaires/cloud-periodic-check.yaml` or the
    /// override path), the line when known, and the reason; all problems of all files are
    /// collected, not just the first.
    pub fn load(override_dir: Option<&Path>) -> Result<Questionnaires, QuestionnaireError> {
        let mut problems = Vec::new();
        let builtins = builtin_sources(&mut problems);
        Self::load_with(builtins, override_dir, problems)
    }

    /// Parses and checks the given files, named as given (for tests).
    pub fn from_sources(files: &[(String, String)]) -> Result<Questionnaires, QuestionnaireError> {
        let sources = files
            .iter()
            .map(|(file, text)| Source {
                file: file.clone(),
                name: file_name(file).to_string(),
                text: text.clone(),
            })
            .collect();
        Self::build(sources, Vec::new())
    }

    pub(super) fn load_with(
        builtins: Vec<Source>,
        override_dir: Option<&Path>,
        mut problems: Vec<Problem>,
    ) -> Result<Questionnaires, QuestionnaireError> {
        let mut sources = builtins;
        if let Some(dir) = override_dir {
            for source in override_sources(dir, &mut problems) {
                match sources.iter_mut().find(|s| s.name == source.name) {
                    Some(builtin) => *builtin = source,
                    None => sources.push(source),
                }
            }
        }
        Self::build(sources, problems)
    }

    fn build(
        sources: Vec<Source>,
        mut problems: Vec<Problem>,
    ) -> Result<Questionnaires, QuestionnaireError> {
        let mut loaded = Questionnaires::default();
        let mut texts = BTreeMap::new();
        for source in &sources {
            let problem = |line: Option<usize>, reason: String| Problem {
                file: source.file.clone(),
                line,
                reason,
            };
            let Some(stem) = source.name.strip_suffix(EXTENSION) else {
                problems.push(problem(None, "not a .yaml file".into()));
                continue;
            };
            if source.text.trim().is_empty() {
                problems.push(problem(None, "the file is empty".into()));
                continue;
            }
            let def: Definition = match serde_yaml::from_str(&source.text) {
                Ok(def) => def,
                Err(e) => {
                    // The message ends with "at line L column C" when the parser knows.
                    problems.push(problem(e.location().map(|l| l.line()), e.to_string()));
                    continue;
                }
            };
            let found = check(&def, stem, &source.text);
            if !found.is_empty() {
                problems.extend(
                    found
                        .into_iter()
                        .map(|(line, reason)| problem(line, reason)),
                );
                continue;
            }
            if loaded.by_id.contains_key(&def.id) {
                // Only through from_sources with two paths of the same file name.
                problems.push(problem(
                    None,
                    format!("a second questionnaire `{}`", def.id),
                ));
                continue;
            }
            texts.insert(def.id.clone(), source.text.as_str());
            loaded.origins.insert(def.id.clone(), source.file.clone());
            loaded.by_id.insert(def.id.clone(), def);
        }
        problems.extend(loaded.overlaps(&texts));
        if problems.is_empty() {
            Ok(loaded)
        } else {
            Err(QuestionnaireError { problems })
        }
    }

    /// One periodic questionnaire and one selection questionnaire at most per kind and
    /// level, or which one to send would depend on the order of the files.
    fn overlaps(&self, texts: &BTreeMap<String, &str>) -> Vec<Problem> {
        let mut problems = Vec::new();
        let defs: Vec<&Definition> = self.by_id.values().collect();
        for (i, later) in defs.iter().enumerate() {
            for earlier in &defs[..i] {
                if group(earlier.purpose) != group(later.purpose) {
                    continue;
                }
                let shared: Vec<String> = EngagementKind::ALL
                    .iter()
                    .flat_map(|k| ClassificationLevel::ALL.iter().map(move |l| (*k, *l)))
                    .filter(|(k, l)| earlier.applies(*k, *l) && later.applies(*k, *l))
                    .map(|(k, l)| format!("{k} {l}"))
                    .collect();
                if shared.is_empty() {
                    continue;
                }
                let what = match group(later.purpose) {
                    Purpose::Selection => "selection",
                    Purpose::EndOfTerm => "end-of-term attestation",
                    _ => "periodic check or inspection",
                };
                let line = texts
                    .get(&later.id)
                    .and_then(|t| Lines::new(t).top_line("applies_to"));
                problems.push(Problem {
                    file: self.origins[&later.id].clone(),
                    line,
                    reason: format!(
                        "applies_to overlaps `{}` ({}) for {}: one {what} questionnaire per kind and level",
                        earlier.id,
                        self.origins[&earlier.id],
                        shared.join(", ")
                    ),
                });
            }
        }
        problems
    }

    pub fn get(&self, id: &str) -> Option<&Definition> {
        self.by_id.get(id)
    }

    /// Every questionnaire, in id order.
    pub fn all(&self) -> impl Iterator<Item = &Definition> {
        self.by_id.values()
    }

    /// Where the questionnaire came from: `questionnaires/x.yaml` or the override path.
    pub fn origin(&self, id: &str) -> Option<&str> {
        self.origins.get(id).map(String::as_str)
    }

    /// The periodic questionnaire (purpose periodic_check or inspection) for an engagement
    /// of this kind and level, if any.
    pub fn periodic_for(
        &self,
        kind: EngagementKind,
        level: ClassificationLevel,
    ) -> Option<&Definition> {
        self.all()
            .find(|d| d.purpose.is_periodic() && d.applies(kind, level))
    }

    /// The end-of-term attestation for an engagement of this kind and level, if any.
    pub fn attestation_for(
        &self,
        kind: EngagementKind,
        level: ClassificationLevel,
    ) -> Option<&Definition> {
        self.all()
            .find(|d| d.purpose == Purpose::EndOfTerm && d.applies(kind, level))
    }

    /// The selection self-assessment for an engagement of this kind and level, if any.
    pub fn selection_for(
        &self,
        kind: EngagementKind,
        level: ClassificationLevel,
    ) -> Option<&Definition> {
        self.all()
            .find(|d| d.purpose == Purpose::Selection && d.applies(kind, level))
    }
}

/// Questionnaires of one group may not overlap: periodic checks with inspections (they
/// share a schedule), selections, and end-of-term attestations.
fn group(purpose: Purpose) -> Purpose {
    match purpose {
        Purpose::Inspection => Purpose::PeriodicCheck,
        other => other,
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The embedded `*.yaml` files at the top of `questionnaires/`, by file name.
fn builtin_sources(problems: &mut Vec<Problem>) -> Vec<Source> {
    let mut names: Vec<String> = Builtin::iter()
        .map(|n| n.into_owned())
        .filter(|n| !n.contains('/') && n.ends_with(EXTENSION))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let file = format!("{BUILTIN_DIR}/{name}");
            let data = Builtin::get(&name)?.data;
            match String::from_utf8(data.into_owned()) {
                Ok(text) => Some(Source { file, name, text }),
                Err(_) => {
                    problems.push(Problem {
                        file,
                        line: None,
                        reason: "not UTF-8 text".into(),
                    });
                    None
                }
            }
        })
        .collect()
}

/// The `*.yaml` files at the top of the override folder, by file name. A `.yml` file is
/// refused rather than silently ignored.
fn override_sources(dir: &Path, problems: &mut Vec<Problem>) -> Vec<Source> {
    let folder_problem = |reason: String| Problem {
        file: dir.display().to_string(),
        line: None,
        reason,
    };
    if !dir.is_dir() {
        problems.push(folder_problem(
            "the questionnaires override folder does not exist".into(),
        ));
        return Vec::new();
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(folder_problem(e.to_string()));
            return Vec::new();
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut sources = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".yml") {
            problems.push(Problem {
                file,
                line: None,
                reason: "questionnaire files end in .yaml; rename it".into(),
            });
            continue;
        }
        if !name.ends_with(EXTENSION) {
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.push(Source {
                file,
                name: name.to_string(),
                text,
            }),
            Err(e) => problems.push(Problem {
                file,
                line: None,
                reason: e.to_string(),
            }),
        }
    }
    sources
}
