// The spreadsheet's columns: which object.toml field (and language) each header means, in
// Vietnamese or English, and the headers export writes. Pure: no files, no sheets.

use crate::content::Lang;
use crate::text::nfc;

/// How a field is stored in the object's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The accession number (`id`, the folder's name).
    Id,
    /// Localised text `{ vi, en }` at a dotted key.
    Text,
    /// A plain string (`rights`).
    Plain,
    /// An integer (`date.from`, `audio_number`).
    Int,
    /// Localised list of strings (`keywords`), ";" between items in a cell.
    LangList,
    /// A list of object IDs (`related`).
    List,
    /// The `file` of each `[[image]]` block.
    Images,
    /// `vi.md` / `en.md`.
    Markdown,
    /// The exhibit.toml `[[section]]` listing the object (by its Vietnamese title).
    Section,
}

/// One column's meaning. `key` is the object.toml key (dotted) or a name of our own for the
/// fields kept elsewhere (`description`, `section`, `images`).
#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub kind: Kind,
    /// Vietnamese headers; the first is written by export.
    pub vi: &'static [&'static str],
    /// English headers; the first is written by export.
    pub en: &'static [&'static str],
}

impl Field {
    pub fn localized(&self) -> bool {
        matches!(self.kind, Kind::Text | Kind::LangList | Kind::Markdown)
    }
}

/// Every mapped field, in the order export writes them.
pub const FIELDS: &[Field] = &[
    f(
        "id",
        Kind::Id,
        &["Số hiệu hiện vật", "Số hiệu"],
        &["ID", "Accession number"],
    ),
    f("title", Kind::Text, &["Tên hiện vật"], &["Title"]),
    f("kind", Kind::Text, &["Loại hiện vật"], &["Kind", "Object type"]),
    f("date.display", Kind::Text, &["Niên đại"], &["Date"]),
    f("date.from", Kind::Int, &["Từ năm"], &["From year"]),
    f("date.to", Kind::Int, &["Đến năm"], &["To year"]),
    f("period", Kind::Text, &["Thời kỳ"], &["Period"]),
    f("culture", Kind::Text, &["Văn hoá", "Văn hóa"], &["Culture"]),
    f("material", Kind::Text, &["Chất liệu"], &["Material"]),
    f("technique", Kind::Text, &["Kỹ thuật", "Kĩ thuật"], &["Technique"]),
    f("dimensions", Kind::Text, &["Kích thước"], &["Dimensions"]),
    f("find_place", Kind::Text, &["Nơi phát hiện"], &["Find place"]),
    f("credit", Kind::Text, &["Nguồn"], &["Credit"]),
    f("rights", Kind::Plain, &["Giấy phép"], &["Rights"]),
    f("keywords", Kind::LangList, &["Từ khoá", "Từ khóa"], &["Keywords"]),
    f("related", Kind::List, &["Hiện vật liên quan"], &["Related"]),
    f("audio_number", Kind::Int, &["Số thuyết minh"], &["Audio number"]),
    f("images", Kind::Images, &["Ảnh"], &["Images"]),
    f("description", Kind::Markdown, &["Mô tả"], &["Description"]),
    f("section", Kind::Section, &["Phần trưng bày"], &["Section"]),
];

const fn f(key: &'static str, kind: Kind, vi: &'static [&'static str], en: &'static [&'static str]) -> Field {
    Field { key, kind, vi, en }
}

/// A field in one language (`lang` is `None` for fields that have no language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    /// Index into [`FIELDS`].
    pub field: usize,
    pub lang: Option<Lang>,
}

impl Slot {
    pub fn field(self) -> &'static Field {
        &FIELDS[self.field]
    }

    /// The name used in reports and in the base record: `title.vi`, `date.from`.
    pub fn key(self) -> String {
        match self.lang {
            Some(l) => format!("{}.{}", self.field().key, l.code()),
            None => self.field().key.to_string(),
        }
    }

    /// The name shown to a curator: `title (vi)`.
    pub fn label(self) -> String {
        match self.lang {
            Some(l) => format!("{} ({})", self.field().key, l.code()),
            None => self.field().key.to_string(),
        }
    }

    /// Every slot, in export order.
    pub fn all() -> Vec<Slot> {
        let mut out = Vec::new();
        for (i, fld) in FIELDS.iter().enumerate() {
            if fld.localized() {
                out.extend(Lang::ALL.map(|l| Slot {
                    field: i,
                    lang: Some(l),
                }));
            } else {
                out.push(Slot { field: i, lang: None });
            }
        }
        out
    }

    pub fn of(key: &str, lang: Option<Lang>) -> Option<Slot> {
        FIELDS
            .iter()
            .position(|f| f.key == key)
            .map(|field| Slot { field, lang })
    }
}

/// Language of the headers export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HeaderLang {
    Vi,
    En,
}

/// The header export writes for `slot`: Vietnamese headers name the English side
/// "… (tiếng Anh)", English headers name the Vietnamese side "… (vi)".
pub fn export_header(slot: Slot, headers: HeaderLang) -> String {
    let fld = slot.field();
    match (headers, slot.lang) {
        (HeaderLang::Vi, Some(Lang::En)) => format!("{} (tiếng Anh)", fld.vi[0]),
        (HeaderLang::Vi, _) => fld.vi[0].to_string(),
        (HeaderLang::En, Some(Lang::Vi)) => format!("{} (vi)", fld.en[0]),
        (HeaderLang::En, _) => fld.en[0].to_string(),
    }
}

/// NFC, lower case, trimmed, inner spaces collapsed: the form headers are compared in.
pub fn normalize_header(h: &str) -> String {
    nfc(h)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

const SUFFIXES: &[(&str, Lang)] = &[
    ("(vi)", Lang::Vi),
    ("[vi]", Lang::Vi),
    ("(tiếng việt)", Lang::Vi),
    ("(vietnamese)", Lang::Vi),
    ("(en)", Lang::En),
    ("[en]", Lang::En),
    ("(tiếng anh)", Lang::En),
    ("(english)", Lang::En),
];

/// What a header means: the slot, or `None` for a header no field has. A header without a
/// language suffix is in the language it is written in.
pub fn map_header(header: &str) -> Option<Slot> {
    let h = normalize_header(header);
    let (base, suffix) = match SUFFIXES.iter().find(|(s, _)| h.ends_with(s)) {
        Some((s, l)) => (h[..h.len() - s.len()].trim_end().to_string(), Some(*l)),
        None => (h, None),
    };
    for (i, fld) in FIELDS.iter().enumerate() {
        let named_in = |names: &[&str]| names.iter().any(|n| normalize_header(n) == base);
        let written_in = if named_in(fld.vi) {
            Lang::Vi
        } else if named_in(fld.en) {
            Lang::En
        } else {
            continue;
        };
        let lang = fld.localized().then(|| suffix.unwrap_or(written_in));
        if !fld.localized() && suffix.is_some() {
            return None;
        }
        return Some(Slot { field: i, lang });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(h: &str) -> Option<String> {
        map_header(h).map(Slot::key)
    }

    #[test]
    fn a_header_without_suffix_is_in_its_own_language() {
        assert_eq!(key("Tên hiện vật").as_deref(), Some("title.vi"));
        assert_eq!(key("Title").as_deref(), Some("title.en"));
        assert_eq!(key("Chất liệu").as_deref(), Some("material.vi"));
        assert_eq!(key("Mô tả").as_deref(), Some("description.vi"));
        assert_eq!(key("Keywords").as_deref(), Some("keywords.en"));
    }

    #[test]
    fn suffixes_case_spaces_and_unicode_forms_are_understood() {
        assert_eq!(key("  TÊN   hiện vật (tiếng Anh) ").as_deref(), Some("title.en"));
        assert_eq!(key("Title (vi)").as_deref(), Some("title.vi"));
        assert_eq!(key("Title [VI]").as_deref(), Some("title.vi"));
        assert_eq!(key("Niên đại (English)").as_deref(), Some("date.display.en"));
        assert_eq!(key("Material (Vietnamese)").as_deref(), Some("material.vi"));
        // Decomposed (NFD) marks, as some keyboards and macOS write them.
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Số hiệu hiện vật").collect();
        assert_eq!(key(&nfd).as_deref(), Some("id"));
        assert_eq!(key("Từ khóa").as_deref(), Some("keywords.vi"));
    }

    #[test]
    fn fields_without_language_and_unknown_headers() {
        assert_eq!(key("Số hiệu").as_deref(), Some("id"));
        assert_eq!(key("accession number").as_deref(), Some("id"));
        assert_eq!(key("Từ năm").as_deref(), Some("date.from"));
        assert_eq!(key("To year").as_deref(), Some("date.to"));
        assert_eq!(key("Giấy phép").as_deref(), Some("rights"));
        assert_eq!(key("Ghi chú"), None);
        assert_eq!(key("Từ năm (en)"), None);
        assert_eq!(key(""), None);
    }

    #[test]
    fn export_headers_map_back_to_their_slot() {
        for slot in Slot::all() {
            for h in [HeaderLang::Vi, HeaderLang::En] {
                let header = export_header(slot, h);
                assert_eq!(map_header(&header), Some(slot), "{header}");
            }
        }
        let title_en = Slot::of("title", Some(Lang::En)).unwrap();
        assert_eq!(
            export_header(title_en, HeaderLang::Vi),
            "Tên hiện vật (tiếng Anh)"
        );
        assert_eq!(export_header(title_en, HeaderLang::En), "Title");
    }
}
