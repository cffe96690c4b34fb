// One object as a row: the value of every mapped field as its files hold it (object.toml, vi.md,
// en.md, the exhibit's sections), as a cell gives it, and the edits that put cells into files.

use std::collections::BTreeMap;
use std::path::Path;

use super::fields::{Kind, Slot};
use crate::content::IMAGE_EXTENSIONS;
use crate::content::Lang;
use crate::content::edit::TomlDoc;
use crate::text::{is_valid_id, nfc};

/// Field values in canonical text form: trimmed, NFC, list items joined by "; "; a missing value
/// is an empty string (and left out).
pub type Record = BTreeMap<Slot, String>;

pub const LIST_SEP: &str = "; ";

/// A Markdown description as compared with a cell: trimmed, `\n` line ends.
pub fn read_markdown(dir: &Path, lang: Lang) -> String {
    let text = std::fs::read_to_string(dir.join(format!("{}.md", lang.code()))).unwrap_or_default();
    nfc(text.replace("\r\n", "\n").trim())
}

/// Which section lists each object: the Vietnamese title (else the English) of the first
/// `[[section]]` of an exhibit.toml listing it. Read once per exhibition (an import of thousands
/// of rows asks for every object).
#[derive(Default)]
pub struct Sections(std::collections::HashMap<String, String>);

impl Sections {
    pub fn of(exhibit: &TomlDoc) -> Sections {
        let mut by_id = std::collections::HashMap::new();
        for i in 0..exhibit.blocks("section") {
            let Some(s) = exhibit.block("section", i) else {
                continue;
            };
            let title = section_title(&s);
            for id in s.list("objects") {
                by_id.entry(id).or_insert_with(|| title.clone());
            }
        }
        Sections(by_id)
    }

    pub fn of_object(&self, id: &str) -> Option<String> {
        self.0.get(id).cloned()
    }
}

pub fn section_title(s: &TomlDoc) -> String {
    s.lang_text("title", Lang::Vi)
        .or_else(|| s.lang_text("title", Lang::En))
        .map(|t| nfc(t.trim()))
        .unwrap_or_default()
}

/// Every mapped field of the object in `dir`, as its files hold it.
pub fn file_record(doc: &TomlDoc, dir: &Path, sections: &Sections) -> Record {
    let mut r = Record::new();
    for slot in Slot::all() {
        let fld = slot.field();
        let key = fld.key;
        let v = match (fld.kind, slot.lang) {
            (Kind::Id, _) => doc.str(key).unwrap_or_default(),
            (Kind::Text, Some(l)) => doc.lang_text(key, l).unwrap_or_default(),
            (Kind::Plain, _) => doc.str(key).unwrap_or_default(),
            (Kind::Int, _) => doc.int(key).map(|n| n.to_string()).unwrap_or_default(),
            (Kind::LangList, Some(l)) => join(doc.lang_list(key, l)),
            (Kind::List, _) => join(doc.list(key)),
            (Kind::Images, _) => join(
                (0..doc.blocks("image"))
                    .filter_map(|i| doc.block("image", i)?.str("file"))
                    .collect(),
            ),
            (Kind::Markdown, Some(l)) => read_markdown(dir, l),
            (Kind::Section, _) => doc
                .str("id")
                .and_then(|id| sections.of_object(id.trim()))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let v = nfc(v.trim());
        if !v.is_empty() {
            r.insert(slot, v);
        }
    }
    r
}

fn join(items: Vec<String>) -> String {
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(LIST_SEP)
}

pub fn split_list(v: &str) -> Vec<String> {
    v.split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What is wrong with a cell, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub message: String,
    pub fix: String,
}

fn cell_error(message: String, fix: &str) -> CellError {
    CellError {
        message,
        fix: fix.to_string(),
    }
}

/// The canonical value of a cell for `slot`, or what is wrong with it.
pub fn cell_value(slot: Slot, cell: &str) -> Result<String, CellError> {
    let cell = cell.trim();
    match slot.field().kind {
        Kind::Id if !cell.is_empty() && !is_valid_id(cell) => Err(cell_error(
            format!("\"{cell}\" cannot be an object ID"),
            "use capital letters A-Z, digits, '-' and '.', at most 32 characters, e.g. HL-001",
        )),
        Kind::Int if !cell.is_empty() && slot.field().key == "audio_number" => {
            cell.parse::<u32>().map(|n| n.to_string()).map_err(|_| {
                cell_error(
                    format!("\"{cell}\" is not a keypad number"),
                    "write the number a visitor types on the audio-guide keypad, e.g. 101, or leave the cell empty",
                )
            })
        }
        // A year cell with words ("khoảng 968", "1950s", "thế kỷ 10"): the first or last year
        // of what it names.
        Kind::Int if !cell.is_empty() => cell
            .parse::<i64>()
            .ok()
            .or_else(|| {
                let (from, to) = super::years::years_of(cell)?;
                Some(if slot.field().key == "date.to" { to } else { from })
            })
            .map(|n| n.to_string())
            .ok_or_else(|| {
                cell_error(
                    format!("\"{cell}\" is not a year"),
                    "write digits only, e.g. 968 (negative for years BCE), or leave the cell empty and write the date as text in \"Niên đại\"",
                )
            }),
        Kind::LangList => Ok(join(split_list(&plain_text(cell, false)))),
        // "n.d.", "không rõ niên đại": the object is undated, and its page says so in both languages.
        Kind::Text if slot.field().key == "date.display" && super::years::says_unknown(cell) => Ok(String::new()),
        Kind::Text => Ok(plain_text(cell, false)),
        Kind::Markdown => Ok(plain_text(cell, true)),
        Kind::List => {
            let ids = split_list(cell);
            if let Some(bad) = ids.iter().find(|i| !is_valid_id(i)) {
                return Err(cell_error(
                    format!("\"{bad}\" is not an object ID"),
                    "write the related objects' IDs separated by \";\", e.g. HL-001; HL-002",
                ));
            }
            Ok(join(ids))
        }
        Kind::Images => {
            let names = split_list(cell);
            if let Some(bad) = names.iter().find(|n| !is_image_name(n)) {
                return Err(cell_error(
                    format!("\"{bad}\" is not the name of a photo file"),
                    "write only file names ending in .jpg, .jpeg, .png or .webp, without folders, separated by \";\"",
                ));
            }
            Ok(join(names))
        }
        _ => Ok(cell.to_string()),
    }
}

/// Text without the HTML that web collection systems leave in their exports (`<p>`, `<br>`,
/// `<i>`, `&amp;`): tags removed, entities decoded. In a description (`multiline`), line breaks
/// and paragraphs become Markdown's. Text that only looks like a tag ("a < b") stays.
pub fn plain_text(cell: &str, multiline: bool) -> String {
    if !cell.contains(['<', '&']) {
        return cell.to_string();
    }
    let mut out = String::with_capacity(cell.len());
    let mut rest = cell;
    let mut changed = false;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let is_tag = rest[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
            match rest.find('>').filter(|_| is_tag) {
                Some(end) => {
                    let name: String = rest[1..end]
                        .trim_start_matches('/')
                        .chars()
                        .take_while(char::is_ascii_alphanumeric)
                        .collect::<String>()
                        .to_ascii_lowercase();
                    let closing = rest[1..].starts_with('/');
                    let brk = match name.as_str() {
                        "br" => "\n",
                        "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" if closing => "\n\n",
                        _ => "",
                    };
                    out.push_str(if multiline {
                        brk
                    } else if brk.is_empty() {
                        ""
                    } else {
                        " "
                    });
                    rest = &rest[end + 1..];
                    changed = true;
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            let end = rest[1..].find(';').map(|e| e + 1).filter(|e| *e <= 10);
            let decoded = end.and_then(|e| entity(&rest[1..e]));
            match (end, decoded) {
                (Some(e), Some(c)) => {
                    out.push(c);
                    rest = &rest[e + 1..];
                    changed = true;
                }
                _ => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    if !changed {
        return out;
    }
    // The spaces and blank lines the tags left.
    let lines: Vec<String> = out
        .split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut text = String::new();
    let mut blank = 0;
    for l in lines {
        if l.is_empty() {
            blank += 1;
            continue;
        }
        if !text.is_empty() {
            text.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        text.push_str(&l);
    }
    text
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "#39" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code).filter(|c| !c.is_control() || *c == '\n')?
        }
    })
}

/// A plain image file name: no folder, no `..`, no hidden file, a supported extension.
pub fn is_image_name(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.contains("..")
        && ext.is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()))
}

/// Put `value` into the object.toml field of `slot` (not images, descriptions or sections,
/// which live elsewhere). An empty value removes the field.
pub fn set_field(doc: &mut TomlDoc, slot: Slot, value: &str) {
    let key = slot.field().key;
    match (slot.field().kind, slot.lang) {
        (Kind::Id | Kind::Plain, _) => doc.set_str(key, value),
        (Kind::Text, Some(l)) => doc.set_lang_text(key, l, value),
        (Kind::Int, _) => doc.set_int(key, value.parse().ok()),
        (Kind::LangList, Some(l)) => doc.set_lang_list(key, l, &split_list(value)),
        (Kind::List, _) => doc.set_list(key, &split_list(value)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_without_folders_or_odd_extensions() {
        assert!(is_image_name("hl-002.png"));
        assert!(is_image_name("Ảnh 1.JPG"));
        for bad in [
            "../x.png",
            "a/b.jpg",
            "a\\b.jpg",
            ".hidden.png",
            "x.gif",
            "x",
            "a..png",
        ] {
            assert!(!is_image_name(bad), "{bad}");
        }
    }

    #[test]
    fn cells_become_canonical_values() {
        let kw = Slot::of("keywords", Some(Lang::Vi)).unwrap();
        assert_eq!(cell_value(kw, " gốm ;; Hoa Lư ").unwrap(), "gốm; Hoa Lư");
        let from = Slot::of("date.from", None).unwrap();
        assert_eq!(cell_value(from, "-200").unwrap(), "-200");
        assert_eq!(cell_value(from, "khoảng 968").unwrap(), "963");
        let to = Slot::of("date.to", None).unwrap();
        assert_eq!(cell_value(to, "1950s").unwrap(), "1959");
        assert_eq!(cell_value(from, "thế kỷ 10").unwrap(), "901");
        assert!(cell_value(from, "nineteen sixty").is_err());
        let display = Slot::of("date.display", Some(Lang::En)).unwrap();
        assert_eq!(cell_value(display, "n.d.").unwrap(), "");
        assert_eq!(cell_value(display, "c. 1860").unwrap(), "c. 1860");
        let audio = Slot::of("audio_number", None).unwrap();
        assert_eq!(cell_value(audio, "101").unwrap(), "101");
        assert!(cell_value(audio, "-3").is_err());
        let images = Slot::of("images", None).unwrap();
        assert_eq!(cell_value(images, "a.png\nb.jpg").unwrap(), "a.png; b.jpg");
        assert!(cell_value(images, "../x.png").is_err());
    }

    #[test]
    fn stray_html_is_removed_and_entities_decoded() {
        assert_eq!(
            plain_text("<p>Bát <i>gốm</i> &amp; đĩa</p>", false),
            "Bát gốm & đĩa"
        );
        assert_eq!(plain_text("a < b &c", false), "a < b &c");
        assert_eq!(plain_text("Line 1<br>Line 2", false), "Line 1 Line 2");
        assert_eq!(
            plain_text("<p>One.</p><p>Two<br/>lines &#8211; &#x1EA1;</p>", true),
            "One.\n\nTwo\nlines – ạ"
        );
        let title = Slot::of("title", Some(Lang::Vi)).unwrap();
        assert_eq!(cell_value(title, "<b>Bình gốm</b>").unwrap(), "Bình gốm");
        let desc = Slot::of("description", Some(Lang::En)).unwrap();
        assert_eq!(cell_value(desc, "<p>A.</p>\n<p>B.</p>").unwrap(), "A.\n\nB.");
    }
}
