// Translation work on an exhibition's objects: how much of each field is in each language (a
// field with text in one language counts as missing in the other), which objects need
// translating, and the translators' sheet of exactly the missing fields with the other language
// beside them, which `vitrine import` takes back like any sheet.

use std::path::Path;

use serde::Serialize;

use super::fields::{HeaderLang, Kind, Slot, export_header};
use super::record::{Record, Sections, file_record};
use super::{SheetError, base_entry, exhibit_dir, object_dirs, read_base, read_doc, write_base};
use crate::content::Lang;

/// One bilingual field of the objects (title, kind, …, description).
#[derive(Debug, Clone, Serialize)]
pub struct FieldCoverage {
    /// The field's key, as in object.toml (`date.display`) or `description`.
    pub key: &'static str,
    /// Its Vietnamese and English column names.
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// Objects with text in at least one language, in Vietnamese, in English.
    pub present: usize,
    pub vi: usize,
    pub en: usize,
}

/// An object with fields that have text in one language only.
#[derive(Debug, Clone, Serialize)]
pub struct Todo {
    pub id: String,
    pub title: String,
    /// Field keys with no Vietnamese text (but English), and the other way round.
    pub missing_vi: Vec<&'static str>,
    pub missing_en: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub exhibit: String,
    pub objects: usize,
    pub fields: Vec<FieldCoverage>,
    pub todo: Vec<Todo>,
}

impl Coverage {
    /// (fields with text, in Vietnamese, in English) over every field of every object.
    pub fn totals(&self) -> (usize, usize, usize) {
        self.fields
            .iter()
            .fold((0, 0, 0), |(p, v, e), f| (p + f.present, v + f.vi, e + f.en))
    }

    /// Objects that need translating into `lang`.
    pub fn needing(&self, lang: Lang) -> impl Iterator<Item = &Todo> {
        self.todo.iter().filter(move |t| match lang {
            Lang::Vi => !t.missing_vi.is_empty(),
            Lang::En => !t.missing_en.is_empty(),
        })
    }
}

/// Percentage of `part` in `whole`, rounded down (100 % only when nothing is missing); 100 when
/// there is nothing to translate.
pub fn percent(part: usize, whole: usize) -> usize {
    (part * 100).checked_div(whole).unwrap_or(100)
}

/// The bilingual fields a translator works on: every localised field of the sheet.
fn text_fields() -> Vec<(usize, &'static super::fields::Field)> {
    super::fields::FIELDS
        .iter()
        .enumerate()
        .filter(|(_, f)| f.localized())
        .collect()
}

fn has(rec: &Record, field: usize, lang: Lang) -> bool {
    rec.get(&Slot {
        field,
        lang: Some(lang),
    })
    .is_some_and(|v| !v.is_empty())
}

/// The records of every object of the exhibition `slug` (objects whose object.toml cannot be
/// read are left out: `vitrine check` reports them).
fn records(root: &Path, slug: &str) -> Result<Vec<(String, Record)>, SheetError> {
    let exdir = exhibit_dir(root, slug)?;
    let (_, exhibit) = read_doc(&exdir.join("exhibit.toml"))?;
    let sections = Sections::of(&exhibit);
    Ok(object_dirs(&exdir)
        .into_iter()
        .filter_map(|(name, dir)| {
            let (_, doc) = read_doc(&dir.join("object.toml")).ok()?;
            Some((name, file_record(&doc, &dir, &sections)))
        })
        .collect())
}

/// Translation coverage of the objects of exhibition `slug`.
pub fn coverage(root: &Path, slug: &str) -> Result<Coverage, SheetError> {
    Ok(coverage_of(slug, &records(root, slug)?))
}

fn coverage_of(slug: &str, recs: &[(String, Record)]) -> Coverage {
    let fields = text_fields();
    let mut out: Vec<FieldCoverage> = fields
        .iter()
        .map(|(_, f)| FieldCoverage {
            key: f.key,
            name_vi: f.vi[0],
            name_en: f.en[0],
            present: 0,
            vi: 0,
            en: 0,
        })
        .collect();
    let mut todo = Vec::new();
    for (id, rec) in recs {
        let mut t = Todo {
            id: id.clone(),
            title: [Lang::Vi, Lang::En]
                .iter()
                .find_map(|l| rec.get(&Slot::of("title", Some(*l))?).cloned())
                .unwrap_or_default(),
            missing_vi: Vec::new(),
            missing_en: Vec::new(),
        };
        for ((i, f), c) in fields.iter().zip(out.iter_mut()) {
            let (vi, en) = (has(rec, *i, Lang::Vi), has(rec, *i, Lang::En));
            if !vi && !en {
                continue;
            }
            c.present += 1;
            c.vi += usize::from(vi);
            c.en += usize::from(en);
            if !vi {
                t.missing_vi.push(f.key);
            }
            if !en {
                t.missing_en.push(f.key);
            }
        }
        if !t.missing_vi.is_empty() || !t.missing_en.is_empty() {
            todo.push(t);
        }
    }
    Coverage {
        exhibit: slug.to_string(),
        objects: recs.len(),
        fields: out,
        todo,
    }
}

/// Write the translators' sheet for exhibition `slug` into `out` (.xlsx or .csv): one row per
/// object with a field that has no text in `lang` but has it in the other language; for each such
/// field the other language's text, then the column to fill in (headers in `lang`). Fields that
/// are already translated carry their text, so importing the sheet back changes only what the
/// translator wrote. Returns the number of rows.
pub fn export_untranslated(root: &Path, slug: &str, lang: Lang, out: &Path) -> Result<usize, SheetError> {
    let recs = records(root, slug)?;
    let fields = text_fields();
    let other = lang.other();
    let gap = |rec: &Record, i: usize| !has(rec, i, lang) && has(rec, i, other);
    let wanted: Vec<usize> = fields
        .iter()
        .map(|(i, _)| *i)
        .filter(|i| recs.iter().any(|(_, r)| gap(r, *i)))
        .collect();
    let headers_in = match lang {
        Lang::Vi => HeaderLang::Vi,
        Lang::En => HeaderLang::En,
    };
    let id = Slot::of("id", None).expect("the id field");
    let mut slots = vec![id];
    for i in &wanted {
        slots.push(Slot {
            field: *i,
            lang: Some(other),
        });
        slots.push(Slot {
            field: *i,
            lang: Some(lang),
        });
    }
    let headers: Vec<String> = slots.iter().map(|s| export_header(*s, headers_in)).collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut base = read_base(root, slug)?;
    for (name, rec) in &recs {
        if !wanted.iter().any(|i| gap(rec, *i)) {
            continue;
        }
        rows.push(
            slots
                .iter()
                .map(|s| {
                    if s.field().kind == Kind::Id {
                        name.clone()
                    } else {
                        rec.get(s).cloned().unwrap_or_default()
                    }
                })
                .collect(),
        );
        base.insert(name.clone(), base_entry(rec));
    }
    super::export::write_sheet(out, &headers, &rows, &[])?;
    write_base(root, slug, &base)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(pairs: &[(&str, Option<Lang>, &str)]) -> Record {
        pairs
            .iter()
            .map(|(k, l, v)| (Slot::of(k, *l).unwrap(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_field_in_one_language_counts_as_missing_in_the_other() {
        let recs = vec![
            (
                "A-1".to_string(),
                rec(&[
                    ("title", Some(Lang::En), "Bowl"),
                    ("material", Some(Lang::En), "Clay"),
                    ("description", Some(Lang::En), "A bowl."),
                ]),
            ),
            (
                "A-2".to_string(),
                rec(&[
                    ("title", Some(Lang::Vi), "Bát"),
                    ("title", Some(Lang::En), "Bowl"),
                ]),
            ),
        ];
        let c = coverage_of("x", &recs);
        assert_eq!(c.objects, 2);
        // Four fields have text; one is in Vietnamese, all four in English.
        assert_eq!(c.totals(), (4, 1, 4));
        let title = c.fields.iter().find(|f| f.key == "title").unwrap();
        assert_eq!((title.present, title.vi, title.en), (2, 1, 2));
        let kind = c.fields.iter().find(|f| f.key == "kind").unwrap();
        assert_eq!(kind.present, 0);
        assert_eq!(c.todo.len(), 1);
        assert_eq!(c.todo[0].id, "A-1");
        assert_eq!(c.todo[0].title, "Bowl");
        assert_eq!(c.todo[0].missing_vi, vec!["title", "material", "description"]);
        assert!(c.todo[0].missing_en.is_empty());
        assert_eq!(c.needing(Lang::Vi).count(), 1);
        assert_eq!(c.needing(Lang::En).count(), 0);
        assert_eq!(percent(1, 4), 25);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(999, 1000), 99);
    }
}
