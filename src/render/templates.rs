//! A Handlebars registry set up the one way the service uses it, and its errors named by
//! file.

use std::collections::BTreeMap;

use handlebars::Handlebars;
use serde::Serialize;

use super::{Source, TemplateError};

/// How values are escaped where a template prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// As they are: email subjects and text parts, Markdown and plain text.
    Verbatim,
    /// Handlebars' own HTML escape (which also escapes `=` and backticks): HTML email and
    /// the HTML clause set.
    Html,
    /// [`escape_html`]: web pages, whose attributes are all quoted, so links and field
    /// values keep their `=` as typed.
    Page,
}

/// Escapes what matters in text and in quoted attribute values (every attribute of the
/// templates is quoted). Unlike Handlebars' default it leaves `=` alone, so that links
/// and field values read as they are.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A registry of templates that knows which file each came from. Strict mode: a template
/// naming a variable that does not exist fails when it is rendered, so rendering it against
/// samples at start-up catches a misspelt name before anyone sees the page.
pub struct Templates {
    registry: Handlebars<'static>,
    /// Template name → file, for errors.
    origins: BTreeMap<String, String>,
}

impl Templates {
    pub fn new(escape: Escape) -> Templates {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        match escape {
            Escape::Verbatim => registry.register_escape_fn(handlebars::no_escape),
            Escape::Html => registry.register_escape_fn(handlebars::html_escape),
            Escape::Page => registry.register_escape_fn(escape_html),
        }
        Templates {
            registry,
            origins: BTreeMap::new(),
        }
    }

    /// Compiles `source` as the template (or partial: every template is one) `name`.
    pub fn register(&mut self, name: &str, source: &Source) -> Result<(), TemplateError> {
        self.registry
            .register_template_string(name, &source.text)
            .map_err(|e| TemplateError::new(source.origin.clone(), e))?;
        self.origins.insert(name.to_string(), source.origin.clone());
        Ok(())
    }

    /// The file the template `name` came from (its name when unknown).
    pub fn origin(&self, name: &str) -> String {
        self.origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Renders `name`; an error names the file it happened in, a partial's when it was
    /// one.
    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, TemplateError> {
        self.registry.render(name, data).map_err(|e| {
            let template = e.template_name.as_deref().unwrap_or(name);
            TemplateError::new(self.origin(template), &e)
        })
    }

    /// Renders `name` against every sample, for the start-up check.
    pub fn check<'s, T: Serialize + 's>(
        &self,
        name: &str,
        samples: impl IntoIterator<Item = &'s T>,
    ) -> Result<(), TemplateError> {
        for sample in samples {
            self.render(name, sample)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source(origin: &str, text: &str) -> Source {
        Source {
            origin: origin.into(),
            text: text.into(),
        }
    }

    #[test]
    fn each_kind_escapes_as_its_output_needs() {
        let value = json!({"v": "<a href=\"x?y=1\">O'Brien & co</a>"});
        let render = |escape| {
            let mut t = Templates::new(escape);
            t.register("t", &source("t.hbs", "{{v}}")).unwrap();
            t.render("t", &value).unwrap()
        };
        assert_eq!(
            render(Escape::Verbatim),
            "<a href=\"x?y=1\">O'Brien & co</a>"
        );
        assert_eq!(
            render(Escape::Page),
            "&lt;a href=&quot;x?y=1&quot;&gt;O&#39;Brien &amp; co&lt;/a&gt;"
        );
        assert_eq!(
            render(Escape::Html),
            handlebars::html_escape("<a href=\"x?y=1\">O'Brien & co</a>")
        );
        assert!(render(Escape::Html).contains("&#x3D;"));
    }

    #[test]
    fn errors_name_the_file_of_the_template_or_partial() {
        let mut t = Templates::new(Escape::Page);
        t.register("page", &source("set/page.hbs", "{{> part}}"))
            .unwrap();
        t.register(
            "part",
            &source("/srv/over/part.hbs", "{{#if a}}{{other_value}}{{/if}}"),
        )
        .unwrap();
        t.check("page", &[json!({"a": false, "other_value": 1})])
            .unwrap();
        let err = t
            .check("page", &[json!({"a": false}), json!({"a": true})])
            .unwrap_err();
        assert_eq!(err.file, "/srv/over/part.hbs");
        assert!(err.reason.contains("other_value"), "{err}");

        let err = t
            .register("bad", &source("set/bad.hbs", "{{#if a}}"))
            .unwrap_err();
        assert_eq!(err.file, "set/bad.hbs");
    }
}
