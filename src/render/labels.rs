//! Labels: the fixed texts of a template set (button captions, headings, state names), one
//! TOML file per language, so that the wording is changed by editing data rather than
//! Rust. They are read like the templates (built in, replaceable by the override folder)
//! and checked at start-up: the same keys in every language as the built-in Japanese file
//! (which the code's labels type is tested against), none empty.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{TemplateError, TemplateSource};
use crate::i18n::Lang;

const LANGS: [(Lang, &str); 2] = [(Lang::Ja, "ja"), (Lang::En, "en")];

/// One labels type per language, with the file each came from.
#[derive(Debug)]
pub struct Localized<T> {
    ja: T,
    en: T,
    origins: [String; 2],
}

impl<T> Localized<T> {
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    pub fn origin(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.origins[0],
            Lang::En => &self.origins[1],
        }
    }

    /// Refuses a pattern that names a placeholder other than `names` (those the code
    /// fills in), in either language: it would be shown as typed, braces and all.
    pub fn check_pattern(
        &self,
        key: &str,
        pattern: fn(&T) -> &Pattern,
        names: &[&str],
    ) -> Result<(), TemplateError> {
        for (lang, _) in LANGS {
            let fail = |reason: String| {
                TemplateError::new(self.origin(lang), format!("key `{key}`: {reason}"))
            };
            for piece in pieces(&pattern(self.get(lang)).0).map_err(fail)? {
                if let Piece::Name(name) = piece {
                    if !names.contains(&name) {
                        return Err(fail(format!(
                            "unknown placeholder {{{name}}} (this text may use {})",
                            names
                                .iter()
                                .map(|n| format!("{{{n}}}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads `<folder>/ja.toml` and `<folder>/en.toml` into `T` and checks them. The built-in
/// Japanese file is the reference: a key it has and a file lacks is one the code needs,
/// a key it lacks is a typo or a leftover.
pub fn load_labels<T: DeserializeOwned>(
    source: &mut TemplateSource,
    folder: &str,
) -> Result<Localized<T>, TemplateError> {
    let reference_path = format!("{folder}/ja.toml");
    let reference = source
        .read_builtin(&reference_path)?
        .ok_or_else(|| TemplateError::new(source.builtin_origin(&reference_path), "missing"))?;
    let (_, expected) = parse(&reference.origin, &reference.text)?;

    let mut loaded = Vec::with_capacity(LANGS.len());
    for (_, lang) in LANGS {
        let file = source.require(&format!("{folder}/{lang}.toml"))?;
        let (table, keys) = parse(&file.origin, &file.text)?;
        let fail = |reason: String| TemplateError::new(file.origin.clone(), reason);
        if let Some(key) = expected.difference(&keys).next() {
            return Err(fail(format!(
                "key `{key}` is missing (every language needs the same keys)"
            )));
        }
        if let Some(key) = keys.difference(&expected).next() {
            return Err(fail(format!(
                "key `{key}` is not one the templates use (a typo?)"
            )));
        }
        let labels: T = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| fail(format!("key `{}`: {}", e.path(), e.inner())))?;
        loaded.push((labels, file.origin));
    }
    let mut loaded = loaded.into_iter();
    match (loaded.next(), loaded.next()) {
        (Some((ja, ja_origin)), Some((en, en_origin))) => Ok(Localized {
            ja,
            en,
            origins: [ja_origin, en_origin],
        }),
        _ => Err(TemplateError::new(
            source.builtin_origin(folder),
            "a labels file per language is needed",
        )),
    }
}

/// The file as a table, and its keys (`section.key` inside a table); a value that is not
/// text, or is empty, is refused here with its key.
fn parse(origin: &str, text: &str) -> Result<(toml::Table, BTreeSet<String>), TemplateError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| TemplateError::new(origin, e.message()))?;
    let mut keys = BTreeSet::new();
    collect_keys(&table, "", &mut keys).map_err(|reason| TemplateError::new(origin, reason))?;
    Ok((table, keys))
}

fn collect_keys(
    table: &toml::Table,
    prefix: &str,
    keys: &mut BTreeSet<String>,
) -> Result<(), String> {
    for (name, value) in table {
        let key = format!("{prefix}{name}");
        match value {
            toml::Value::Table(inner) => collect_keys(inner, &format!("{key}."), keys)?,
            toml::Value::String(text) if text.trim().is_empty() => {
                return Err(format!("key `{key}` is empty"));
            }
            toml::Value::String(_) => {
                keys.insert(key);
            }
            _ => return Err(format!("key `{key}` must be text in quotes")),
        }
    }
    Ok(())
}

/// A label with `{name}` placeholders, filled in by the code (`{mb}` in the file hint).
///
/// Plain placeholders rather than Handlebars snippets: a label stays text that a person
/// edits without learning a template language, it is filled before the page template
/// escapes it like any other value, and it can reach only the values the code hands it
/// (checked at start-up with [`Localized::check_pattern`]), never the rest of the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pattern(String);

enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

/// Splits a pattern into text and placeholder names; a `{` that does not open a
/// placeholder is refused.
fn pieces(pattern: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push(Piece::Text(&rest[..open]));
        let after = &rest[open + 1..];
        let name = after
            .find('}')
            .map(|close| &after[..close])
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .ok_or_else(|| {
                "a `{` that opens no placeholder: placeholders are written {name}".to_string()
            })?;
        out.push(Piece::Name(name));
        rest = &after[name.len() + 1..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

impl Pattern {
    /// The text with each `{name}` of `values` replaced. A placeholder without a value
    /// (which the start-up check prevents) is left as written.
    pub fn fill(&self, values: &[(&str, &str)]) -> String {
        let Ok(pieces) = pieces(&self.0) else {
            return self.0.clone();
        };
        let mut out = String::with_capacity(self.0.len());
        for piece in pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Name(name) => match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_embed::RustEmbed;

    #[derive(RustEmbed)]
    #[folder = "src/render/testdata/"]
    struct Fixture;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        submit: String,
        hint: Pattern,
        states: States,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct States {
        open: String,
    }

    const JA: &str = "submit = \"提出\"\nhint = \"{mb}MBまで\"\n[states]\nopen = \"受付中\"\n";
    const EN: &str = "submit = \"Submit\"\nhint = \"up to {mb} MB\"\n[states]\nopen = \"Open\"\n";

    fn load_with(ja: Option<&str>, en: Option<&str>) -> Result<Localized<Sample>, TemplateError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("labels")).unwrap();
        for (name, text) in [("ja", ja), ("en", en)] {
            if let Some(text) = text {
                std::fs::write(dir.path().join(format!("labels/{name}.toml")), text).unwrap();
            }
        }
        let mut source = TemplateSource::open::<Fixture>("set", "x_dir", Some(dir.path()))?;
        let labels = load_labels::<Sample>(&mut source, "labels")?;
        source.finish()?;
        Ok(labels)
    }

    #[test]
    fn built_in_labels_load_in_both_languages() {
        let labels = load_with(None, None).unwrap();
        assert_eq!(labels.get(Lang::Ja).submit, "提出");
        assert_eq!(labels.get(Lang::En).states.open, "Open");
        assert_eq!(labels.origin(Lang::En), "set/labels/en.toml");
        let en = load_with(None, Some(&EN.replace("Submit", "Send"))).unwrap();
        assert_eq!(en.get(Lang::En).submit, "Send");
        assert!(en.origin(Lang::En).ends_with("labels/en.toml"));
    }

    #[test]
    fn a_missing_key_is_refused_with_file_and_key() {
        let err = load_with(None, Some(&EN.replace("open = \"Open\"\n", ""))).unwrap_err();
        assert!(err.file.ends_with("labels/en.toml"), "{err}");
        assert!(err.reason.contains("`states.open`"), "{err}");
        assert!(err.reason.contains("missing"), "{err}");
    }

    #[test]
    fn an_extra_key_is_refused_with_file_and_key() {
        let err = load_with(Some(&format!("subnit = \"x\"\n{JA}")), None).unwrap_err();
        assert!(err.file.ends_with("labels/ja.toml"), "{err}");
        assert!(err.reason.contains("`subnit`"), "{err}");
    }

    #[test]
    fn an_empty_or_non_text_value_is_refused_with_file_and_key() {
        let err = load_with(None, Some(&EN.replace("\"Open\"", "\"  \""))).unwrap_err();
        assert!(err.file.ends_with("labels/en.toml"), "{err}");
        assert!(err.reason.contains("`states.open` is empty"), "{err}");
        let err = load_with(Some(&JA.replace("\"提出\"", "3")), None).unwrap_err();
        assert!(err.file.ends_with("labels/ja.toml"), "{err}");
        assert!(err.reason.contains("`submit`"), "{err}");
        let err = load_with(Some("submit = \"x"), None).unwrap_err();
        assert!(err.file.ends_with("labels/ja.toml"), "{err}");
    }

    #[test]
    fn patterns_name_only_the_placeholders_the_code_fills() {
        let labels = load_with(None, None).unwrap();
        labels.check_pattern("hint", |l| &l.hint, &["mb"]).unwrap();
        assert_eq!(labels.get(Lang::Ja).hint.fill(&[("mb", "10")]), "10MBまで");
        let err = labels
            .check_pattern("hint", |l| &l.hint, &["size"])
            .unwrap_err();
        assert_eq!(err.file, "set/labels/ja.toml");
        assert!(
            err.reason.contains("`hint`") && err.reason.contains("{mb}"),
            "{err}"
        );

        let labels = load_with(None, Some(&EN.replace("{mb}", "{MB"))).unwrap();
        let err = labels
            .check_pattern("hint", |l| &l.hint, &["mb"])
            .unwrap_err();
        assert!(err.file.ends_with("labels/en.toml"), "{err}");
    }

    #[test]
    fn fill_replaces_each_placeholder() {
        let p = Pattern("{a} and {b}, {a}; {c}".into());
        assert_eq!(p.fill(&[("a", "1"), ("b", "2")]), "1 and 2, 1; {c}");
        assert_eq!(Pattern("none".into()).fill(&[]), "none");
        assert_eq!(Pattern("{".into()).fill(&[]), "{");
    }

    #[test]
    fn the_fixture_files_match_the_constants() {
        let ja = Fixture::get("labels/ja.toml").unwrap();
        assert_eq!(std::str::from_utf8(&ja.data).unwrap(), JA);
        let en = Fixture::get("labels/en.toml").unwrap();
        assert_eq!(std::str::from_utf8(&en.data).unwrap(), EN);
    }
}
