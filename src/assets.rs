//! Static files served to browsers (stylesheets, and the design system's tokens),
//! embedded in the binary from `assets/`. Each is addressed by the first characters of its
//! SHA-256, `/assets/<hash>/<path>`, and served as immutable: a new release with a changed
//! file gives it a new address, so browsers may cache every address for a year.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Embedded;

/// How many hexadecimal characters of the SHA-256 name a version.
const HASH_CHARS: usize = 16;

/// The stylesheets every page links, in order: the design system's tokens, then the
/// pages' own rules, which use the tokens.
pub const STYLESHEETS: [&str; 2] = ["dads/tokens.css", "portal.css"];

fn versions() -> &'static HashMap<String, String> {
    static VERSIONS: OnceLock<HashMap<String, String>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        Embedded::iter()
            .filter_map(|path| {
                let file = Embedded::get(&path)?;
                let hash = hex::encode(file.metadata.sha256_hash());
                Some((path.to_string(), hash[..HASH_CHARS].to_string()))
            })
            .collect()
    })
}

/// The address of an embedded file, with its version; `None` for a file not embedded.
pub fn url(path: &str) -> Option<String> {
    versions()
        .get(path)
        .map(|hash| format!("/assets/{hash}/{path}"))
}

/// The staff pages' stylesheets: the portal's, which hold the shared rules, then the
/// staff application's own (wider pages, the menu, tables).
pub const STAFF_STYLESHEETS: [&str; 3] = ["dads/tokens.css", "portal.css", "staff.css"];

/// The addresses of [`STAFF_STYLESHEETS`].
pub fn staff_stylesheets() -> Vec<String> {
    STAFF_STYLESHEETS.iter().filter_map(|p| url(p)).collect()
}

/// The addresses of [`STYLESHEETS`].
pub fn stylesheets() -> Vec<String> {
    STYLESHEETS.iter().filter_map(|p| url(p)).collect()
}

/// A file to serve: its bytes and content type, when `hash` is its current version.
pub fn get(hash: &str, path: &str) -> Option<(Vec<u8>, &'static str)> {
    if versions().get(path).map(String::as_str) != Some(hash) {
        return None;
    }
    // Only what pages link is served; the licence and notes beside them are not.
    if !path.ends_with(".css") {
        return None;
    }
    let file = Embedded::get(path)?;
    Some((file.data.into_owned(), "text/css; charset=utf-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stylesheet_is_embedded_and_addressed_by_its_content() {
        let urls = stylesheets();
        assert_eq!(urls.len(), STYLESHEETS.len(), "{urls:?}");
        for (url, path) in urls.iter().zip(STYLESHEETS) {
            let hash = url
                .strip_prefix("/assets/")
                .and_then(|rest| rest.strip_suffix(&format!("/{path}")))
                .unwrap();
            assert_eq!(hash.len(), HASH_CHARS);
            let (bytes, content_type) = get(hash, path).unwrap();
            assert!(!bytes.is_empty());
            assert_eq!(content_type, "text/css; charset=utf-8");
            assert!(
                get("0000000000000000", path).is_none(),
                "an old version is gone"
            );
        }
        assert!(url("missing.css").is_none());
        let licence = &versions()["dads/LICENSE"];
        assert!(
            get(licence, "dads/LICENSE").is_none(),
            "only stylesheets are served"
        );
    }

    #[test]
    fn the_design_tokens_are_the_digital_agencys_as_published() {
        let (tokens, _) = get(&versions()["dads/tokens.css"], "dads/tokens.css").unwrap();
        let tokens = String::from_utf8(tokens).unwrap();
        for variable in [
            "--font-family-sans: 'Noto Sans JP'",
            "--line-height-175: 1.75",
            "--color-primitive-blue-900: #0017c1",
            "--color-neutral-solid-gray-800",
            "--border-radius-8",
        ] {
            assert!(tokens.contains(variable), "{variable}");
        }
        let readme = include_str!("../assets/dads/README.md");
        assert!(readme.contains("version **1.1.9**"));
    }

    #[test]
    fn the_pages_stylesheet_uses_the_tokens_for_colour_and_type() {
        let css = include_str!("../assets/portal.css");
        for used in [
            "var(--font-family-sans)",
            "var(--line-height-175)",
            "var(--color-neutral-solid-gray-800)",
        ] {
            assert!(css.contains(used), "{used}");
        }
    }
}
