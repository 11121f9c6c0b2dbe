//! Evidence files a vendor uploads: which kinds are taken (by their content as well as
//! their name, so a renamed executable is refused), and a file name safe to store and to
//! offer back as a download.

use sha2::{Digest, Sha256};

use crate::i18n::Msg;

/// The kinds taken, with their extensions and the media type stored (downloads are
/// always sent as attachments whatever this says).
const KINDS: &[(&[&str], &str, Magic)] = &[
    (&["pdf"], "application/pdf", Magic::Prefix(b"%PDF-")),
    (&["png"], "image/png", Magic::Prefix(b"\x89PNG\r\n\x1a\n")),
    (
        &["jpg", "jpeg"],
        "image/jpeg",
        Magic::Prefix(b"\xff\xd8\xff"),
    ),
    (
        &["docx"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        &["xlsx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        &["pptx"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (&["csv"], "text/csv", Magic::Text),
    (&["txt"], "text/plain", Magic::Text),
];

#[derive(Debug, Clone, Copy)]
enum Magic {
    Prefix(&'static [u8]),
    /// No NUL byte: text in any encoding (Shift_JIS included), not a binary.
    Text,
}

pub const ALLOWED_EXTENSIONS: &str = ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.csv,.txt";

/// A file accepted for storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub file_name: String,
    pub media_type: &'static str,
    pub sha256: String,
}

/// The file's kind from its name and content, or why it is refused.
pub fn accept(file_name: &str, content: &[u8], max_bytes: usize) -> Result<Accepted, Msg> {
    let name = clean_name(file_name);
    if content.is_empty() {
        return Err(Msg::new(
            format!("{name}: 空のファイルは添付できません"),
            format!("{name}: the file is empty"),
        ));
    }
    if content.len() > max_bytes {
        return Err(too_large(&name, max_bytes));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, media_type, magic)) = KINDS.iter().find(|(exts, _, _)| exts.contains(&&*ext))
    else {
        return Err(Msg::new(
            format!("{name}: この種類のファイルは添付できません（PDF、PNG、JPEG、Word・Excel・PowerPoint（docx/xlsx/pptx）、CSV、テキストのみ）"),
            format!("{name}: this kind of file is not accepted (PDF, PNG, JPEG, docx/xlsx/pptx, CSV or text only)"),
        ));
    };
    let matches = match magic {
        Magic::Prefix(p) => content.starts_with(p),
        Magic::Text => !content.contains(&0),
    };
    if !matches {
        return Err(Msg::new(
            format!("{name}: ファイルの内容が拡張子（.{ext}）と一致しません"),
            format!("{name}: the content does not match its extension (.{ext})"),
        ));
    }
    Ok(Accepted {
        file_name: name,
        media_type,
        sha256: hex::encode(Sha256::digest(content)),
    })
}

pub fn too_large(name: &str, max_bytes: usize) -> Msg {
    let mb = max_bytes as f64 / (1024.0 * 1024.0);
    Msg::new(
        format!("{name}: ファイルが大きすぎます（上限 {mb:.1} MB）"),
        format!("{name}: the file is too large (at most {mb:.1} MB)"),
    )
}

/// The last path component, without control characters or quotes, at most 200
/// characters; `file` when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_taken_by_name_and_content() {
        let pdf = accept("報告書.pdf", b"%PDF-1.7 ...", 1000).unwrap();
        assert_eq!(pdf.media_type, "application/pdf");
        assert_eq!(pdf.sha256.len(), 64);
        assert!(accept("a.PNG", b"\x89PNG\r\n\x1a\nxxxx", 1000).is_ok());
        assert!(accept("list.csv", "氏名,部署\n".as_bytes(), 1000).is_ok());
        // A renamed executable, an unknown kind, an empty file, a file too large.
        assert!(accept("evil.pdf", b"MZ\x90\x00", 1000).is_err());
        assert!(accept("run.exe", b"MZ\x90\x00", 1000).is_err());
        assert!(accept("notes.txt", b"a\0b", 1000).is_err());
        assert!(accept("empty.pdf", b"", 1000).is_err());
        let big = accept("big.pdf", &[b'%'; 2000], 1000).unwrap_err();
        assert!(big.get(crate::i18n::Lang::En).contains("too large"));
    }

    #[test]
    fn names_lose_paths_and_unsafe_characters() {
        assert_eq!(clean_name("C:\\Users\\me\\規程.pdf"), "規程.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b<c>.pdf\r\n"), "abc.pdf");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(""), "file");
    }
}
