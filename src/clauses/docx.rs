//! The clause set as a Word document, written from the same restricted Markdown as the
//! other formats, so that the articles, their numbers and their wording cannot differ
//! between the Word file a ward's contract staff edit and the Markdown, HTML or text.
//!
//! The Markdown comes from the plain registry (values as they are): docx-rs escapes text
//! for XML itself, and HTML-escaped values would show `&amp;` in Word.

use std::io::Cursor;

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, IndentLevel, Level, LevelJc, LevelText,
    LineSpacing, NumberFormat, Numbering, NumberingId, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Start, Style, StyleType,
};

use super::document::heading;
use crate::i18n::Lang;

/// A typeface for Japanese text and one for Latin letters and digits: Word picks the font of
/// each character by its script.
struct Typefaces {
    east_asia: &'static str,
    latin: &'static str,
}

/// Mincho for the body and Gothic for headings, as Japanese documents are set. 游明朝 and
/// 游ゴシック come with Windows and Office (2016 and later), so a ward's PCs have them.
const BODY: Typefaces = Typefaces {
    east_asia: "游明朝",
    latin: "Century",
};
const HEADING: Typefaces = Typefaces {
    east_asia: "游ゴシック",
    latin: "Arial",
};

/// Sizes in half-points; 10.5 pt is Word's Japanese body size.
const BODY_SIZE: usize = 21;
const HEADING_SIZES: [usize; 3] = [32, 24, 22];

/// The style IDs and names of Word's built-in headings: Word shows "heading 1" as 見出し 1
/// in Japanese, and their outline levels put the title and the articles in the navigation
/// pane and in a table of contents.
const HEADING_STYLES: [(&str, &str); 3] = [
    ("Heading1", "heading 1"),
    ("Heading2", "heading 2"),
    ("Heading3", "heading 3"),
];
const LIST_STYLE: (&str, &str) = ("ListParagraph", "List Paragraph");

/// docx-rs defines numbering 1 itself; the bullets are the next one.
const BULLETS: usize = 2;

/// A4 portrait in twentieths of a point, with the margins Word gives a new Japanese A4
/// document (35 mm top, 30 mm elsewhere).
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;

/// Turns the restricted Markdown the templates write (`#`–`###` headings, `- ` bullets,
/// paragraphs whose lines are kept as line breaks) into a .docx package.
pub fn markdown_to_docx(markdown: &str, lang: Lang) -> Vec<u8> {
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(1985)
                .bottom(1701)
                .left(1701)
                .right(1701)
                .header(851)
                .footer(992)
                .gutter(0),
        )
        .default_fonts(fonts(&BODY, lang))
        .default_size(BODY_SIZE)
        .default_line_spacing(LineSpacing::new().after(120))
        .add_style(list_style())
        .add_abstract_numbering(bullets(lang))
        .add_numbering(Numbering::new(BULLETS, BULLETS));
    for level in 1..=HEADING_STYLES.len() {
        docx = docx.add_style(heading_style(level, lang));
    }

    let mut title = None;
    let mut lines: Vec<&str> = Vec::new();
    for line in markdown.lines() {
        let line = line.trim_end();
        if let Some(item) = line.strip_prefix("- ") {
            docx = flush(docx, &mut lines, lang);
            docx = docx.add_paragraph(
                Paragraph::new()
                    .style(LIST_STYLE.0)
                    .numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
                    .add_run(text_run(&[item], &BODY, lang)),
            );
        } else if line.is_empty() {
            docx = flush(docx, &mut lines, lang);
        } else if let Some((level, text)) = heading(line) {
            docx = flush(docx, &mut lines, lang);
            if level == 1 && title.is_none() {
                title = Some(text);
            }
            docx = docx.add_paragraph(
                Paragraph::new()
                    .style(HEADING_STYLES[level - 1].0)
                    .add_run(text_run(&[text], &HEADING, lang)),
            );
        } else {
            lines.push(line);
        }
    }
    docx = flush(docx, &mut lines, lang);

    let mut xml = docx.build();
    xml.styles = with_language(xml.styles, lang);
    xml.doc_props.core = core_properties(title.unwrap_or_default(), lang);
    let mut package = Cursor::new(Vec::new());
    xml.pack(&mut package)
        .expect("a Word package written to memory cannot fail");
    package.into_inner()
}

/// One body paragraph from the lines gathered so far.
fn flush(docx: Docx, lines: &mut Vec<&str>, lang: Lang) -> Docx {
    if lines.is_empty() {
        return docx;
    }
    let paragraph = Paragraph::new().add_run(text_run(lines, &BODY, lang));
    lines.clear();
    docx.add_paragraph(paragraph)
}

/// The lines as one run, separated by line breaks. The run names its fonts, East Asian
/// included, as well as the styles: Word falls back to a Western font for Japanese text
/// whose run names no East Asian font.
fn text_run(lines: &[&str], typefaces: &Typefaces, lang: Lang) -> Run {
    let mut run = Run::new().fonts(fonts(typefaces, lang));
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(*line);
    }
    run
}

fn fonts(typefaces: &Typefaces, lang: Lang) -> RunFonts {
    let fonts = RunFonts::new()
        .east_asia(typefaces.east_asia)
        .ascii(typefaces.latin)
        .hi_ansi(typefaces.latin)
        .cs(typefaces.latin);
    // Punctuation shared by both scripts (“ ” … ・) takes the Japanese font in a Japanese
    // document, as Word does when one types it there.
    match lang {
        Lang::Ja => fonts.hint("eastAsia"),
        Lang::En => fonts,
    }
}

fn heading_style(level: usize, lang: Lang) -> Style {
    let (id, name) = HEADING_STYLES[level - 1];
    let spacing = match level {
        1 => LineSpacing::new().before(0).after(360),
        2 => LineSpacing::new().before(240).after(120),
        _ => LineSpacing::new().before(120).after(60),
    };
    let mut style = Style::new(id, StyleType::Paragraph)
        .name(name)
        .based_on("Normal")
        .next("Normal")
        .fonts(fonts(&HEADING, lang))
        .size(HEADING_SIZES[level - 1])
        .bold()
        .line_spacing(spacing)
        .outline_lvl(level - 1);
    if level == 1 {
        style = style.align(AlignmentType::Center);
    }
    // A heading left alone at the foot of a page, its article on the next, is how a
    // printed contract loses track of which article a paragraph belongs to.
    style.paragraph_property = style.paragraph_property.keep_next(true);
    style
}

fn list_style() -> Style {
    Style::new(LIST_STYLE.0, StyleType::Paragraph)
        .name(LIST_STYLE.1)
        .based_on("Normal")
        .line_spacing(LineSpacing::new().after(60))
}

/// A real bulleted list (Word's numbering), so that Word continues it when an item is
/// added. The bullet is the one Japanese documents use, in the body's font. All nine
/// levels are defined, as Word writes them, so that an item indented in Word (Tab) keeps
/// a bullet.
fn bullets(lang: Lang) -> AbstractNumbering {
    (0..9).fold(AbstractNumbering::new(BULLETS), |numbering, level| {
        let indent = 420 * (level as i32 + 1);
        numbering.add_level(
            Level::new(
                level,
                Start::new(1),
                NumberFormat::new("bullet"),
                LevelText::new(lang.pick("・", "•")),
                LevelJc::new("left"),
            )
            .indent(
                Some(indent),
                Some(SpecialIndentType::Hanging(420)),
                None,
                None,
            )
            .fonts(fonts(&BODY, lang)),
        )
    })
}

/// The document's language, which docx-rs 0.4 cannot set: Word's proofing tools and its
/// Japanese line breaking rules (kinsoku) follow it. Japanese stays the East Asian
/// language of an English document, whose names (区, 株式会社…) are Japanese. The unit
/// tests fail if docx-rs stops writing the run defaults this is inserted into.
fn with_language(styles: Vec<u8>, lang: Lang) -> Vec<u8> {
    let styles = String::from_utf8(styles).expect("docx-rs writes UTF-8");
    let end = "</w:rPr></w:rPrDefault>";
    let tag = format!(
        r#"<w:lang w:val="{}" w:eastAsia="ja-JP" />"#,
        lang.pick("ja-JP", "en-US")
    );
    styles.replacen(end, &format!("{tag}{end}"), 1).into_bytes()
}

/// Core properties with the document's title and language, which docx-rs 0.4 cannot set:
/// Word's file properties and a document management system show the title.
fn core_properties(title: &str, lang: Lang) -> Vec<u8> {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties""#,
            r#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/""#,
            r#" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{}</dc:title><dc:language>{}</dc:language></cp:coreProperties>"
        ),
        escape_xml(title),
        lang.pick("ja-JP", "en-US")
    )
    .into_bytes()
}

fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use quick_xml::events::Event;
    use quick_xml::Reader;

    use super::*;
    use crate::clauses::templates::probe_facts;
    use crate::clauses::{ClauseTemplates, Format};
    use crate::domain::{ClassificationLevel, EngagementKind};

    fn part(docx: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip package");
        let mut text = String::new();
        zip.by_name(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// An element of an XML part: its name, its attributes and the text that directly
    /// follows its start, entities resolved.
    struct Element {
        name: String,
        attrs: Vec<(String, String)>,
        text: String,
    }

    impl Element {
        fn attr(&self, key: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        }
    }

    /// Every element of an XML part, in document order. Parsing to the end proves the part
    /// well-formed (end tags are checked, an unknown entity fails).
    fn elements(xml: &str) -> Vec<Element> {
        let mut reader = Reader::from_str(xml);
        let mut out: Vec<Element> = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                            (key, String::from_utf8(a.value.to_vec()).unwrap())
                        })
                        .collect();
                    out.push(Element {
                        name,
                        attrs,
                        text: String::new(),
                    });
                }
                Event::Text(t) => out.last_mut().unwrap().text += &t.decode().unwrap(),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&r.decode().unwrap())
                            .expect("a predefined entity")
                            .to_string(),
                    };
                    out.last_mut().unwrap().text += &resolved;
                }
                Event::Eof => return out,
                _ => {}
            }
        }
    }

    fn first<'a>(elements: &'a [Element], name: &str) -> &'a Element {
        elements
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    /// A paragraph of word/document.xml as Word shows it.
    #[derive(Debug, Default, PartialEq)]
    struct Para {
        style: Option<String>,
        text: String,
        bulleted: bool,
        east_asia: Vec<String>,
    }

    fn paragraphs(docx: &[u8]) -> Vec<Para> {
        let mut out: Vec<Para> = Vec::new();
        for e in elements(&part(docx, "word/document.xml")) {
            if e.name == "w:p" {
                out.push(Para::default());
                continue;
            }
            let Some(p) = out.last_mut() else { continue };
            match e.name.as_str() {
                "w:pStyle" => p.style = e.attr("w:val").map(str::to_string),
                "w:numPr" => p.bulleted = true,
                "w:rFonts" => p.east_asia.extend(e.attr("w:eastAsia").map(str::to_string)),
                "w:br" => p.text.push('\n'),
                "w:t" => p.text.push_str(&e.text),
                _ => {}
            }
        }
        out
    }

    fn styled<'a>(paras: &'a [Para], style: &str) -> Vec<&'a str> {
        paras
            .iter()
            .filter(|p| p.style.as_deref() == Some(style))
            .map(|p| p.text.as_str())
            .collect()
    }

    fn clause_set(lang: Lang, vendor: &str) -> (String, Vec<u8>) {
        let t = ClauseTemplates::load(None).unwrap();
        let mut facts = probe_facts(
            EngagementKind::Outsourcing,
            Some(ClassificationLevel::L3),
            true,
        );
        facts.vendor_name = vendor.into();
        let required = t.catalog().mandatory(facts.kind, facts.level);
        let markdown = t.render(&facts, &required, lang, Format::Markdown).unwrap();
        let docx = t.render(&facts, &required, lang, Format::Docx).unwrap();
        assert_eq!(docx.format(), Format::Docx);
        (markdown.text().unwrap().to_string(), docx.into_bytes())
    }

    #[test]
    fn the_articles_are_heading_2_paragraphs_numbered_and_ordered_as_in_the_markdown() {
        for lang in [Lang::Ja, Lang::En] {
            let (markdown, docx) = clause_set(lang, "港データ株式会社");
            let paras = paragraphs(&docx);
            let articles: Vec<&str> = markdown
                .lines()
                .filter_map(|l| l.strip_prefix("## "))
                .collect();
            assert_eq!(articles.len(), 16, "an L3 outsourcing has 16 clauses");
            assert_eq!(styled(&paras, "Heading2"), articles);
            for (i, article) in articles.iter().enumerate() {
                let number = lang
                    .pick("第{}条（", "Article {} (")
                    .replace("{}", &(i + 1).to_string());
                assert!(article.starts_with(&number), "{article} is not {number}…");
            }
            let title = markdown.lines().next().unwrap().strip_prefix("# ").unwrap();
            assert_eq!(styled(&paras, "Heading1"), [title]);

            // Every other line of the Markdown is in the document, in the same order.
            let body: Vec<&str> = markdown
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.strip_prefix("- ").unwrap_or(l))
                .collect();
            let texts: Vec<&str> = paras
                .iter()
                .filter(|p| p.style.as_deref().is_none_or(|s| !s.starts_with("Heading")))
                .flat_map(|p| p.text.lines())
                .collect();
            assert_eq!(texts, body);
            let bullets = markdown.lines().filter(|l| l.starts_with("- ")).count();
            assert_eq!(paras.iter().filter(|p| p.bulleted).count(), bullets);
            assert!(bullets > 0);
        }
    }

    #[test]
    fn japanese_text_has_east_asian_fonts_mincho_for_the_body_gothic_for_headings() {
        let (_, docx) = clause_set(Lang::Ja, "港データ株式会社");
        let paras = paragraphs(&docx);
        assert!(paras
            .iter()
            .any(|p| p.text.starts_with("１　乙は、委託業務の実施に当たり")));
        for p in paras.iter().filter(|p| !p.text.is_empty()) {
            let expected = match p.style.as_deref() {
                Some(s) if s.starts_with("Heading") => "游ゴシック",
                _ => "游明朝",
            };
            assert!(!p.east_asia.is_empty(), "{p:?} has no East Asian font");
            assert!(p.east_asia.iter().all(|f| f == expected), "{p:?}");
        }

        let styles = elements(&part(&docx, "word/styles.xml"));
        let mut style = String::from("(docDefaults)");
        let mut seen = Vec::new();
        let mut languages = 0;
        for e in &styles {
            match e.name.as_str() {
                "w:style" => style = e.attr("w:styleId").unwrap().to_string(),
                "w:rFonts" => seen.push((style.clone(), e.attr("w:eastAsia").unwrap())),
                "w:lang" => {
                    languages += 1;
                    assert_eq!(style, "(docDefaults)");
                    assert_eq!(e.attr("w:val"), Some("ja-JP"));
                    assert_eq!(e.attr("w:eastAsia"), Some("ja-JP"));
                }
                _ => {}
            }
        }
        assert!(
            seen.contains(&("(docDefaults)".into(), "游明朝")),
            "{seen:?}"
        );
        for h in ["Heading1", "Heading2", "Heading3"] {
            assert!(seen.contains(&(h.into(), "游ゴシック")), "{h}: {seen:?}");
        }
        assert_eq!(languages, 1, "the document's language, once");
    }

    #[test]
    fn headings_are_word_headings_with_outline_levels() {
        let docx = markdown_to_docx("# 題\n\n## 第1条（秘密）\n\n### 小見出し\n", Lang::Ja);
        let styles = elements(&part(&docx, "word/styles.xml"));
        let mut found = Vec::new();
        let mut current = (String::new(), String::new());
        for e in &styles {
            match e.name.as_str() {
                "w:style" => current = (e.attr("w:styleId").unwrap().into(), String::new()),
                "w:name" => current.1 = e.attr("w:val").unwrap().into(),
                "w:outlineLvl" => found.push((
                    current.0.clone(),
                    current.1.clone(),
                    e.attr("w:val").unwrap().to_string(),
                )),
                _ => {}
            }
        }
        let expected = [
            ("Heading1", "heading 1", "0"),
            ("Heading2", "heading 2", "1"),
            ("Heading3", "heading 3", "2"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
        assert_eq!(found, expected);
        let paras = paragraphs(&docx);
        let styles: Vec<Option<&str>> = paras.iter().map(|p| p.style.as_deref()).collect();
        assert_eq!(
            styles,
            [Some("Heading1"), Some("Heading2"), Some("Heading3")]
        );
    }

    #[test]
    fn paragraphs_keep_their_line_breaks_and_bullets_are_a_list() {
        let docx = markdown_to_docx("# 題\n\n１　本文\n続き\n\n- a\n- b\n\n後文\n", Lang::Ja);
        let paras: Vec<(Option<String>, String, bool)> = paragraphs(&docx)
            .into_iter()
            .map(|p| (p.style, p.text, p.bulleted))
            .collect();
        let list = Some("ListParagraph".to_string());
        assert_eq!(
            paras,
            [
                (Some("Heading1".into()), "題".into(), false),
                (None, "１　本文\n続き".into(), false),
                (list.clone(), "a".into(), true),
                (list, "b".into(), true),
                (None, "後文".into(), false),
            ]
        );
        let numbering = elements(&part(&docx, "word/numbering.xml"));
        let value = |name: &str| {
            numbering
                .iter()
                .filter(|e| e.name == name)
                .filter_map(|e| e.attr("w:val"))
                .collect::<Vec<_>>()
        };
        assert!(value("w:numFmt").contains(&"bullet"));
        assert!(value("w:lvlText").contains(&"・"));
    }

    #[test]
    fn xml_special_characters_in_values_are_escaped_once() {
        let vendor = r#"A&B <テスト> "商会" 'x'"#;
        let (markdown, docx) = clause_set(Lang::Ja, vendor);
        assert!(
            markdown.contains(vendor),
            "Markdown carries values as they are"
        );
        let xml = part(&docx, "word/document.xml");
        assert!(xml.contains("A&amp;B &lt;テスト&gt;"), "escaped for XML");
        assert!(!xml.contains("<テスト>") && !xml.contains("&amp;amp;"));
        let paras = paragraphs(&docx);
        assert!(
            paras.iter().any(|p| p.text.contains(vendor)),
            "Word reads the name back as typed"
        );

        let docx = markdown_to_docx("# A&B <題>\n\n本文\n", Lang::En);
        let core = elements(&part(&docx, "docProps/core.xml"));
        assert_eq!(first(&core, "dc:title").text, "A&B <題>");
        assert_eq!(first(&core, "dc:language").text, "en-US");
    }

    #[test]
    fn a4_with_margins_and_the_document_language() {
        let docx = markdown_to_docx("# Title\n\nText\n", Lang::En);
        let document = elements(&part(&docx, "word/document.xml"));
        let size = first(&document, "w:pgSz");
        assert_eq!(size.attr("w:w"), Some("11906"));
        assert_eq!(size.attr("w:h"), Some("16838"));
        let margins = first(&document, "w:pgMar");
        assert_eq!(margins.attr("w:top"), Some("1985"));
        assert_eq!(margins.attr("w:left"), Some("1701"));
        let styles = elements(&part(&docx, "word/styles.xml"));
        let lang = first(&styles, "w:lang");
        assert_eq!(lang.attr("w:val"), Some("en-US"));
        assert_eq!(lang.attr("w:eastAsia"), Some("ja-JP"));
    }
}
