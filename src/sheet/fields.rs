// The spreadsheet's columns: which object.toml field (and language) each header means, in
// Vietnamese or English, and the headers export writes. Pure: no files, no sheets.

use crate::content::Lang;
use crate::text::{is_valid_id, nfc};

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
    f("id", Kind::Id, &["Số hiệu hiện vật", "Số hiệu"], &["ID"]),
    f(
        "accession",
        Kind::Plain,
        &["Số đăng ký", "Số kiểm kê", "Số hiệu gốc"],
        &["Accession number", "Inventory number", "Object number"],
    ),
    f("title", Kind::Text, &["Tên hiện vật"], &["Title"]),
    f("kind", Kind::Text, &["Loại hiện vật"], &["Kind", "Object type"]),
    f(
        "maker",
        Kind::Text,
        &["Tác giả / Người làm", "Tác giả", "Người làm"],
        &["Maker", "Artist"],
    ),
    f("date.display", Kind::Text, &["Niên đại"], &["Date"]),
    f("date.from", Kind::Int, &["Từ năm"], &["From year"]),
    f("date.to", Kind::Int, &["Đến năm"], &["To year"]),
    f("period", Kind::Text, &["Thời kỳ"], &["Period"]),
    f("culture", Kind::Text, &["Văn hoá", "Văn hóa"], &["Culture"]),
    f("material", Kind::Text, &["Chất liệu"], &["Material", "Medium"]),
    f("technique", Kind::Text, &["Kỹ thuật", "Kĩ thuật"], &["Technique"]),
    f("dimensions", Kind::Text, &["Kích thước"], &["Dimensions"]),
    f(
        "inscription",
        Kind::Text,
        &["Minh văn, ký hiệu", "Minh văn"],
        &["Inscriptions and marks", "Inscription"],
    ),
    f("find_place", Kind::Text, &["Nơi phát hiện"], &["Find place"]),
    f(
        "provenance",
        Kind::Text,
        &["Nguồn gốc, quá trình sưu tầm", "Nguồn gốc"],
        &["Provenance"],
    ),
    f(
        "acquisition",
        Kind::Text,
        &["Hình thức, thời gian sưu tầm", "Sưu tầm"],
        &["Acquisition"],
    ),
    f(
        "location",
        Kind::Text,
        &["Vị trí hiện tại", "Vị trí"],
        &["Current location"],
    ),
    f("credit", Kind::Text, &["Nguồn"], &["Credit", "Credit line"]),
    f("rights", Kind::Plain, &["Giấy phép"], &["Rights"]),
    f("keywords", Kind::LangList, &["Từ khoá", "Từ khóa"], &["Keywords"]),
    f("related", Kind::List, &["Hiện vật liên quan"], &["Related"]),
    f("audio_number", Kind::Int, &["Số thuyết minh"], &["Audio number"]),
    f("images", Kind::Images, &["Ảnh"], &["Images"]),
    f("description", Kind::Markdown, &["Mô tả"], &["Description"]),
    f("section", Kind::Section, &["Phần trưng bày"], &["Section"]),
];

/// Column names of the systems museums export from, and the field each means: Dublin Core as
/// Omeka S (`dcterms:title`) and Omeka Classic (`Dublin Core:Title`) write it, CollectionBuilder's
/// CSV, and the plain English headers of collection databases and open-access datasets. Their
/// language is not in the name: a column's text decides it (see [`detect_lang`]), English unless
/// it reads as Vietnamese.
pub const OTHER_HEADERS: &[(&str, &str)] = &[
    ("dcterms:identifier", "accession"),
    ("identifier", "accession"),
    ("objectid", "accession"),
    ("accessionnum", "accession"),
    ("accession no.", "accession"),
    ("catalogue number", "accession"),
    ("catalog number", "accession"),
    ("dcterms:title", "title"),
    ("object title", "title"),
    ("dcterms:type", "kind"),
    ("type", "kind"),
    ("object name", "kind"),
    ("classification", "kind"),
    ("dcterms:creator", "maker"),
    ("creator", "maker"),
    ("artist display name", "maker"),
    ("artist/maker", "maker"),
    ("attribution", "maker"),
    ("author", "maker"),
    ("dcterms:date", "date.display"),
    ("dcterms:created", "date.display"),
    ("object date", "date.display"),
    ("displaydate", "date.display"),
    ("date made", "date.display"),
    ("object begin date", "date.from"),
    ("beginyear", "date.from"),
    ("begin date", "date.from"),
    ("earliest date", "date.from"),
    ("object end date", "date.to"),
    ("endyear", "date.to"),
    ("end date", "date.to"),
    ("latest date", "date.to"),
    ("dcterms:temporal", "period"),
    ("dynasty", "period"),
    ("dcterms:medium", "material"),
    ("materials", "material"),
    ("dcterms:extent", "dimensions"),
    ("extent", "dimensions"),
    ("inscriptions", "inscription"),
    ("marks", "inscription"),
    ("markings", "inscription"),
    ("marks and inscriptions", "inscription"),
    ("dcterms:spatial", "find_place"),
    ("location", "find_place"),
    ("place made", "find_place"),
    ("findspot", "find_place"),
    ("dcterms:provenance", "provenance"),
    ("provenancetext", "provenance"),
    ("acquisition method", "acquisition"),
    ("how acquired", "acquisition"),
    ("gallery", "location"),
    ("on view", "location"),
    ("dcterms:source", "credit"),
    ("source", "credit"),
    ("creditline", "credit"),
    ("dcterms:rights", "rights"),
    ("dcterms:license", "rights"),
    ("rightsstatement", "rights"),
    ("license", "rights"),
    ("dcterms:subject", "keywords"),
    ("subject", "keywords"),
    ("subjects", "keywords"),
    ("tags", "keywords"),
    ("filename", "images"),
    ("image", "images"),
    ("image file", "images"),
    ("dcterms:description", "description"),
    ("label text", "description"),
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
    ("@vi", Lang::Vi),
    ("@en", Lang::En),
    ("(vi)", Lang::Vi),
    ("[vi]", Lang::Vi),
    ("(tiếng việt)", Lang::Vi),
    ("(vietnamese)", Lang::Vi),
    ("(en)", Lang::En),
    ("[en]", Lang::En),
    ("(tiếng anh)", Lang::En),
    ("(english)", Lang::En),
];

/// A header's meaning: the slot, and whether its language came from the header itself (our own
/// headers, or a suffix such as "(en)" or "@vi") or is only a guess to check against the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    pub slot: Slot,
    pub lang_named: bool,
}

/// What a header means: the slot, or `None` for a header no field has. A header without a
/// language suffix is in the language it is written in.
pub fn map_header(header: &str) -> Option<Slot> {
    header_meaning(header).map(|m| m.slot)
}

pub fn header_meaning(header: &str) -> Option<Meaning> {
    let h = normalize_header(header);
    let (base, suffix) = match SUFFIXES.iter().find(|(s, _)| h.ends_with(s)) {
        Some((s, l)) => (h[..h.len() - s.len()].trim_end().to_string(), Some(*l)),
        None => (h, None),
    };
    // Omeka Classic: "Dublin Core:Title", "Item Type Metadata:Text".
    let base = match base.strip_prefix("dublin core:") {
        Some(rest) => format!("dcterms:{}", rest.trim()),
        None => base,
    };
    let base = base
        .strip_prefix("dc:")
        .map_or(base.clone(), |r| format!("dcterms:{r}"));
    let found = FIELDS.iter().enumerate().find_map(|(i, fld)| {
        let named_in = |names: &[&str]| names.iter().any(|n| normalize_header(n) == base);
        if named_in(fld.vi) {
            Some((i, Lang::Vi, true))
        } else if named_in(fld.en) {
            // English names are also what other systems write ("Title", "Medium"): the text
            // may still be Vietnamese.
            Some((i, Lang::En, false))
        } else {
            None
        }
    });
    let found = found.or_else(|| {
        let key = OTHER_HEADERS.iter().find(|(n, _)| *n == base)?.1;
        let i = FIELDS.iter().position(|f| f.key == key)?;
        Some((i, Lang::En, false))
    });
    let (i, written_in, named) = found?;
    let fld = &FIELDS[i];
    if !fld.localized() && suffix.is_some() {
        return None;
    }
    Some(Meaning {
        slot: Slot {
            field: i,
            lang: fld.localized().then(|| suffix.unwrap_or(written_in)),
        },
        lang_named: !fld.localized() || suffix.is_some() || named,
    })
}

/// Vietnamese letters (after NFC, lower case) that English text does not have.
fn is_vietnamese_letter(c: char) -> bool {
    matches!(c, 'ă' | 'â' | 'đ' | 'ê' | 'ô' | 'ơ' | 'ư')
        || ('\u{1ea0}'..='\u{1ef9}').contains(&c)
        || matches!(
            c,
            'à' | 'á'
                | 'ả'
                | 'ã'
                | 'è'
                | 'é'
                | 'ẻ'
                | 'ẽ'
                | 'ì'
                | 'í'
                | 'ỉ'
                | 'ĩ'
                | 'ò'
                | 'ó'
                | 'ỏ'
                | 'õ'
                | 'ù'
                | 'ú'
                | 'ủ'
                | 'ũ'
                | 'ỳ'
                | 'ý'
                | 'ỷ'
                | 'ỹ'
        )
}

/// English words that Vietnamese text does not have.
const ENGLISH_WORDS: &[&str] = &[
    "the", "of", "and", "with", "from", "in", "a", "an", "on", "for", "to", "by", "is",
];

/// The language of a column's cells: Vietnamese when half of its words or more carry Vietnamese
/// letters, or a quarter of them with hardly any English function words ("the", "of", …):
/// English text about Vietnam names places and people ("Hoa Lư", "Đinh Tiên Hoàng") but far
/// fewer of its words. English otherwise; `None` when the cells have no words.
pub fn detect_lang<'a>(cells: impl Iterator<Item = &'a str>) -> Option<Lang> {
    let (mut words, mut viet, mut english) = (0usize, 0usize, 0usize);
    for cell in cells {
        for w in crate::text::words(cell) {
            if w.chars().any(char::is_alphabetic) {
                words += 1;
                viet += usize::from(w.chars().any(is_vietnamese_letter));
                english += usize::from(ENGLISH_WORDS.contains(&w.as_str()));
            }
        }
    }
    (words > 0).then(|| {
        if viet * 2 >= words || (viet * 4 >= words && english * 20 < words) {
            Lang::Vi
        } else {
            Lang::En
        }
    })
}

/// An object ID made from the museum's own accession number: "79.32.4a" → "79.32.4A",
/// "BTNB 1234/2" → "BTNB-1234-2", "Gốm-12" → "GOM-12". `None` when nothing usable is left.
pub fn id_from_accession(acc: &str) -> Option<String> {
    let folded = crate::text::fold(acc.trim()).to_uppercase();
    let mut id = String::new();
    for c in folded.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' {
            c
        } else {
            '-'
        };
        if c == '-' && (id.is_empty() || id.ends_with('-')) {
            continue;
        }
        id.push(c);
    }
    let id = id.trim_matches(['-', '.']).to_string();
    let id: String = id.chars().take(32).collect();
    let id = id.trim_end_matches(['-', '.']).to_string();
    is_valid_id(&id).then_some(id)
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
        assert_eq!(key("accession number").as_deref(), Some("accession"));
        assert_eq!(key("ID").as_deref(), Some("id"));
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

    #[test]
    fn headers_of_other_systems() {
        assert_eq!(key("dcterms:title").as_deref(), Some("title.en"));
        assert_eq!(key("dcterms:title @vi").as_deref(), Some("title.vi"));
        assert_eq!(key("Dublin Core:Description").as_deref(), Some("description.en"));
        assert_eq!(key("dcterms:creator").as_deref(), Some("maker.en"));
        assert_eq!(key("objectid").as_deref(), Some("accession"));
        assert_eq!(key("Object Number").as_deref(), Some("accession"));
        assert_eq!(key("Artist").as_deref(), Some("maker.en"));
        assert_eq!(key("Medium").as_deref(), Some("material.en"));
        assert_eq!(key("Credit Line").as_deref(), Some("credit.en"));
        assert_eq!(key("Provenance").as_deref(), Some("provenance.en"));
        assert_eq!(key("Object Begin Date").as_deref(), Some("date.from"));
        assert_eq!(key("filename").as_deref(), Some("images"));
        assert_eq!(key("subject").as_deref(), Some("keywords.en"));
        assert_eq!(key("Nguồn gốc").as_deref(), Some("provenance.vi"));
        assert!(header_meaning("Tên hiện vật").unwrap().lang_named);
        assert!(!header_meaning("Title").unwrap().lang_named);
        assert!(header_meaning("Title (vi)").unwrap().lang_named);
        assert!(!header_meaning("dcterms:title").unwrap().lang_named);
    }

    #[test]
    fn a_columns_language_is_read_from_its_text() {
        let vi = ["Bình gốm men ngọc", "Gạch xây thành Hoa Lư", "Chuông đồng"];
        assert_eq!(detect_lang(vi.iter().copied()), Some(Lang::Vi));
        let en = [
            "Brick from the Hoa Lư citadel",
            "Celadon jar",
            "Bronze bell of Đinh Tiên Hoàng's time",
        ];
        assert_eq!(detect_lang(en.iter().copied()), Some(Lang::En));
        let names = [
            "Nguyễn Văn A (1890–1960), potter",
            "Unknown potter",
            "Unknown potter",
            "Unknown potter",
        ];
        assert_eq!(detect_lang(names.iter().copied()), Some(Lang::En));
        assert_eq!(detect_lang(["", "12"].iter().copied()), None);
    }

    #[test]
    fn ids_are_made_from_accession_numbers() {
        assert_eq!(id_from_accession("79.32.4a").as_deref(), Some("79.32.4A"));
        assert_eq!(id_from_accession("BTNB 1234/2").as_deref(), Some("BTNB-1234-2"));
        assert_eq!(id_from_accession(" Gốm-12 ").as_deref(), Some("GOM-12"));
        assert_eq!(id_from_accession("demo_001").as_deref(), Some("DEMO-001"));
        assert_eq!(id_from_accession("///"), None);
        assert_eq!(id_from_accession(&"A".repeat(40)).map(|s| s.len()), Some(32));
    }
}
