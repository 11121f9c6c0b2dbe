//! The clause catalog (`contract_templates/catalog.toml`): each clause's ID, titles, the
//! rules it satisfies (R-IDs) and how strongly each kind and level needs it.

use serde::Deserialize;

use crate::domain::{ClassificationLevel, EngagementKind};

/// How strongly an engagement needs a clause (clause-catalog.md, "Requirement strength").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// "S": required by the Standard itself; never waivable.
    Standard,
    /// "D": required by Itaku's default policy.
    Default,
    /// "R": recommended, not required.
    Recommended,
    /// "-": does not apply.
    NotApplicable,
}

impl Requirement {
    fn parse(s: &str) -> Option<Requirement> {
        match s {
            "S" => Some(Requirement::Standard),
            "D" => Some(Requirement::Default),
            "R" => Some(Requirement::Recommended),
            "-" => Some(Requirement::NotApplicable),
            _ => None,
        }
    }

    /// Mandatory clauses are those a contract must hold before it counts (S and D).
    pub fn is_mandatory(self) -> bool {
        matches!(self, Requirement::Standard | Requirement::Default)
    }
}

#[derive(Debug, Clone)]
pub struct ClauseDef {
    pub id: String,
    pub title_ja: String,
    pub title_en: String,
    pub rules: Vec<String>,
    /// Per kind, by level [L1, L2, L3].
    outsourcing: [Requirement; 3],
    designated_management: [Requirement; 3],
    cloud_service: [Requirement; 3],
}

impl ClauseDef {
    /// An engagement with no information items yet is treated as L1: it needs at least
    /// what an L1 engagement needs.
    pub fn requirement(
        &self,
        kind: EngagementKind,
        level: Option<ClassificationLevel>,
    ) -> Requirement {
        let row = match kind {
            EngagementKind::Outsourcing => &self.outsourcing,
            EngagementKind::DesignatedManagement => &self.designated_management,
            EngagementKind::CloudService => &self.cloud_service,
        };
        let index = level.map(|l| l.rank() as usize - 1).unwrap_or(0);
        row[index]
    }

    pub fn title(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.title_ja, &self.title_en)
    }
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub version: String,
    pub clauses: Vec<ClauseDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    version: String,
    clause: Vec<RawClause>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClause {
    id: String,
    title_ja: String,
    title_en: String,
    rules: Vec<String>,
    outsourcing: Vec<String>,
    designated_management: Vec<String>,
    cloud_service: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note_ja: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note_en: Option<String>,
}

impl Catalog {
    /// Parses and checks the catalog; the error names the clause and the field.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut clauses = Vec::with_capacity(raw.clause.len());
        for c in raw.clause {
            let row = |name: &str, values: &[String]| -> Result<[Requirement; 3], String> {
                let parsed: Vec<Requirement> = values
                    .iter()
                    .map(|v| {
                        Requirement::parse(v)
                            .ok_or_else(|| format!("{} {name}: `{v}` is not S, D, R or -", c.id))
                    })
                    .collect::<Result<_, _>>()?;
                parsed
                    .try_into()
                    .map_err(|_| format!("{} {name}: give three values, for L1, L2 and L3", c.id))
            };
            if !c.id.starts_with("CL-") {
                return Err(format!("clause id `{}` does not start with CL-", c.id));
            }
            if clauses.iter().any(|d: &ClauseDef| d.id == c.id) {
                return Err(format!("clause {} appears twice", c.id));
            }
            if let Some(bad) = c.rules.iter().find(|r| !r.starts_with("R-")) {
                return Err(format!("{} rules: `{bad}` is not a rule ID (R-…)", c.id));
            }
            clauses.push(ClauseDef {
                outsourcing: row("outsourcing", &c.outsourcing)?,
                designated_management: row("designated_management", &c.designated_management)?,
                cloud_service: row("cloud_service", &c.cloud_service)?,
                id: c.id,
                title_ja: c.title_ja,
                title_en: c.title_en,
                rules: c.rules,
            });
        }
        if clauses.is_empty() {
            return Err("the catalog lists no clause".into());
        }
        Ok(Catalog {
            version: raw.version,
            clauses,
        })
    }

    /// The clauses a contract for this kind and level must contain, in catalog order.
    pub fn mandatory(
        &self,
        kind: EngagementKind,
        level: Option<ClassificationLevel>,
    ) -> Vec<&ClauseDef> {
        self.clauses
            .iter()
            .filter(|c| c.requirement(kind, level).is_mandatory())
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<&ClauseDef> {
        self.clauses.iter().find(|c| c.id == id)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A two-clause catalog: CL-01 for every kind and level, CL-05 from L2; shared with
    /// the obligations' tests.
    pub(crate) const SAMPLE: &str = r#"
version = "t"
[[clause]]
id = "CL-01"
title_ja = "指針の遵守"
title_en = "Compliance"
rules = ["R-8.2"]
outsourcing = ["S", "S", "S"]
designated_management = ["S", "S", "S"]
cloud_service = ["R", "S", "S"]
[[clause]]
id = "CL-05"
title_ja = "実施体制"
title_en = "Organisation"
rules = ["R-8.3.1"]
outsourcing = ["-", "D", "D"]
designated_management = ["-", "D", "D"]
cloud_service = ["-", "R", "R"]
"#;

    #[test]
    fn mandatory_depends_on_kind_and_level() {
        let c = Catalog::parse(SAMPLE).unwrap();
        let ids =
            |k, l| -> Vec<String> { c.mandatory(k, l).iter().map(|d| d.id.clone()).collect() };
        use ClassificationLevel::*;
        assert_eq!(ids(EngagementKind::Outsourcing, Some(L1)), ["CL-01"]);
        assert_eq!(
            ids(EngagementKind::Outsourcing, Some(L2)),
            ["CL-01", "CL-05"]
        );
        assert_eq!(ids(EngagementKind::Outsourcing, None), ["CL-01"]);
        assert!(ids(EngagementKind::CloudService, Some(L1)).is_empty());
        assert_eq!(ids(EngagementKind::CloudService, Some(L3)), ["CL-01"]);
    }

    #[test]
    fn bad_catalogs_are_refused_with_the_clause_named() {
        let bad = SAMPLE.replace(r#"["-", "D", "D"]"#, r#"["-", "X", "D"]"#);
        assert!(Catalog::parse(&bad)
            .unwrap_err()
            .contains("CL-05 outsourcing"));
        let short = SAMPLE.replace(r#"["-", "D", "D"]"#, r#"["D", "D"]"#);
        assert!(Catalog::parse(&short).unwrap_err().contains("three values"));
        let dup = SAMPLE.replace("CL-05", "CL-01");
        assert!(Catalog::parse(&dup).unwrap_err().contains("twice"));
    }
}
