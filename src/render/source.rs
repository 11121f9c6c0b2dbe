//! Reads a template set's files: the built-in copy, or a file of the same relative path
//! in the deployment's override folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rust_embed::{EmbeddedFile, RustEmbed};

use super::TemplateError;

/// One file's text and where it came from, for error messages.
#[derive(Debug, Clone)]
pub struct Source {
    pub origin: String,
    pub text: String,
}

/// The files of one template set. Remembers what was read, so that [`finish`] can refuse
/// a file in the override folder that nothing reads: a misspelt name would otherwise be
/// ignored and the built-in wording shown without a word.
///
/// [`finish`]: TemplateSource::finish
pub struct TemplateSource {
    /// The built-in folder, e.g. `portal_templates`: names built-in files in errors.
    set: &'static str,
    builtin: fn(&str) -> Option<EmbeddedFile>,
    dir: Option<PathBuf>,
    read: BTreeSet<String>,
}

impl TemplateSource {
    /// The set built in from `E`, overridden by `dir` when given. `setting` names the
    /// configuration key, for the error when the folder does not exist: a deployment that
    /// names a folder means to change something, and silently using the built-in set would
    /// hide the mistake.
    pub fn open<E: RustEmbed>(
        set: &'static str,
        setting: &str,
        dir: Option<&Path>,
    ) -> Result<TemplateSource, TemplateError> {
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(TemplateError::new(
                    dir.display().to_string(),
                    format!("the {setting} folder does not exist"),
                ));
            }
        }
        Ok(TemplateSource {
            set,
            builtin: E::get,
            dir: dir.map(Path::to_path_buf),
            read: BTreeSet::new(),
        })
    }

    /// How a built-in file is named in errors.
    pub fn builtin_origin(&self, relative: &str) -> String {
        format!("{}/{relative}", self.set)
    }

    /// The file at `relative` (`/`-separated): the override when there is one, else the
    /// built-in one; `None` when neither exists.
    pub fn read(&mut self, relative: &str) -> Result<Option<Source>, TemplateError> {
        self.read.insert(relative.to_string());
        if let Some(dir) = &self.dir {
            let path = dir.join(relative);
            if path.is_file() {
                let origin = path.display().to_string();
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| TemplateError::new(origin.clone(), e))?;
                return Ok(Some(Source { origin, text }));
            }
        }
        self.read_builtin(relative)
    }

    /// The file at `relative`, which must exist.
    pub fn require(&mut self, relative: &str) -> Result<Source, TemplateError> {
        self.read(relative)?
            .ok_or_else(|| TemplateError::new(self.builtin_origin(relative), "missing"))
    }

    /// The built-in file at `relative`, whatever the override folder holds: the reference
    /// an override is compared with.
    pub fn read_builtin(&self, relative: &str) -> Result<Option<Source>, TemplateError> {
        let Some(file) = (self.builtin)(relative) else {
            return Ok(None);
        };
        let origin = self.builtin_origin(relative);
        let text = std::str::from_utf8(&file.data)
            .map_err(|e| TemplateError::new(origin.clone(), e))?
            .to_string();
        Ok(Some(Source { origin, text }))
    }

    /// Refuses any file in the override folder that was not read: it replaces nothing.
    /// Hidden files and folders (`.git`, `.DS_Store`) are left alone, as a folder kept
    /// under version control or opened in a file manager has them.
    pub fn finish(self) -> Result<(), TemplateError> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let mut unknown = Vec::new();
        collect_unknown(dir, "", &self.read, &mut unknown)?;
        match unknown.into_iter().next() {
            None => Ok(()),
            Some(path) => Err(TemplateError::new(
                path.display().to_string(),
                format!(
                    "no file of this name is read from {}: check the name (the files that \
                     can be replaced are those of the built-in folder)",
                    self.set
                ),
            )),
        }
    }
}

fn collect_unknown(
    dir: &Path,
    prefix: &str,
    read: &BTreeSet<String>,
    unknown: &mut Vec<PathBuf>,
) -> Result<(), TemplateError> {
    let fail = |path: &Path, e: std::io::Error| TemplateError::new(path.display().to_string(), e);
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| fail(dir, e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(dir, e))?;
    // Sorted, so that the same folder always gives the same first error.
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            unknown.push(path);
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let relative = format!("{prefix}{name}");
        if path.is_dir() {
            collect_unknown(&path, &format!("{relative}/"), read, unknown)?;
        } else if !read.contains(&relative) {
            unknown.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(RustEmbed)]
    #[folder = "portal_templates/"]
    struct Sample;

    #[test]
    fn an_override_replaces_the_built_in_file_of_the_same_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("partials")).unwrap();
        std::fs::write(dir.path().join("partials/foot.hbs"), "mine").unwrap();
        let mut source =
            TemplateSource::open::<Sample>("portal_templates", "x_dir", Some(dir.path())).unwrap();
        let foot = source.require("partials/foot.hbs").unwrap();
        assert_eq!(foot.text, "mine");
        assert!(
            foot.origin.ends_with("partials/foot.hbs"),
            "{}",
            foot.origin
        );
        assert!(foot.origin.starts_with(&dir.path().display().to_string()));
        let head = source.require("partials/head.hbs").unwrap();
        assert_eq!(head.origin, "portal_templates/partials/head.hbs");
        assert!(head.text.contains("<html"));
        source.finish().unwrap();
    }

    #[test]
    fn a_missing_file_is_named_by_its_built_in_path() {
        let mut source = TemplateSource::open::<Sample>("portal_templates", "x_dir", None).unwrap();
        assert!(source.read("nothing.hbs").unwrap().is_none());
        let err = source.require("nothing.hbs").unwrap_err();
        assert_eq!(err.file, "portal_templates/nothing.hbs");
    }

    #[test]
    fn a_missing_folder_is_refused_with_its_setting() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = TemplateSource::open::<Sample>("portal_templates", "x_dir", Some(&missing))
            .err()
            .unwrap();
        assert_eq!(err.file, missing.display().to_string());
        assert!(err.reason.contains("x_dir"), "{err}");
    }

    #[test]
    fn a_file_nothing_reads_is_refused_and_hidden_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("partials")).unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "x").unwrap();
        std::fs::write(dir.path().join(".DS_Store"), "x").unwrap();
        std::fs::write(dir.path().join("partials/foot.hbs"), "x").unwrap();
        std::fs::write(dir.path().join("partials/fot.hbs"), "x").unwrap();
        let mut source =
            TemplateSource::open::<Sample>("portal_templates", "x_dir", Some(dir.path())).unwrap();
        source.require("partials/foot.hbs").unwrap();
        let err = source.finish().unwrap_err();
        assert!(err.file.ends_with("partials/fot.hbs"), "{err}");
        assert!(err.reason.contains("portal_templates"), "{err}");
    }
}
