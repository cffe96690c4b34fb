// Spreadsheet import and export of an exhibition's objects: a sheet's rows ↔ object folders
// (object.toml, vi.md, en.md, photos). Edits files only through `content::edit`; no HTML, no HTTP.

mod export;
pub mod fields;
mod import;
mod record;
mod report;
mod table;
pub mod translate;
pub mod years;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::content::edit;

pub use export::{ExportOptions, ExportReport, export};
pub use fields::HeaderLang;
pub use import::{ImportOptions, import};
pub use report::{Action, FieldChange, ImportReport, ObjectPlan, RowIssue};
pub use table::{Table, read_table, xlsx_bytes};
pub use translate::{Coverage, coverage, export_untranslated};

/// Why a sheet could not be used at all (the command exits with 2).
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The sheet (or a content file it needs) cannot be read or understood.
    #[error("{}: {message}", file.display())]
    Input { file: PathBuf, message: String },
    /// A file could not be written.
    #[error("{}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

impl SheetError {
    pub fn unreadable(file: &Path, e: impl std::fmt::Display) -> SheetError {
        SheetError::Input {
            file: file.to_path_buf(),
            message: e.to_string(),
        }
    }

    fn write(path: &Path, e: impl std::fmt::Display) -> SheetError {
        SheetError::Write {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// The exhibition's folder, or an error listing the exhibitions there are.
fn exhibit_dir(root: &Path, slug: &str) -> Result<PathBuf, SheetError> {
    let dir = root.join("exhibits").join(slug);
    if crate::text::is_valid_slug(slug) && dir.join("exhibit.toml").is_file() {
        return Ok(dir);
    }
    let mut known: Vec<String> = std::fs::read_dir(root.join("exhibits"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().join("exhibit.toml").is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    known.sort();
    Err(SheetError::Input {
        file: dir,
        message: format!(
            "there is no exhibition \"{slug}\"; the exhibitions are: {}",
            if known.is_empty() {
                "(none)".to_string()
            } else {
                known.join(", ")
            }
        ),
    })
}

fn read_doc(path: &Path) -> Result<(String, edit::TomlDoc), SheetError> {
    let text = std::fs::read_to_string(path).map_err(|e| SheetError::unreadable(path, e))?;
    let doc = edit::TomlDoc::parse(&text).map_err(|e| SheetError::unreadable(path, e))?;
    Ok((text, doc))
}

/// What the files held after the last import or export, per object ID and field key: a field
/// whose file value differs from it was edited by hand since.
type Base = BTreeMap<String, BTreeMap<String, String>>;

fn base_path(root: &Path, slug: &str) -> PathBuf {
    root.join(".vitrine").join("import").join(format!("{slug}.json"))
}

fn read_base(root: &Path, slug: &str) -> Result<Base, SheetError> {
    let p = base_path(root, slug);
    match std::fs::read(&p) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            SheetError::unreadable(
                &p,
                format!("{e}; delete this file to treat every object as never imported"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Base::new()),
        Err(e) => Err(SheetError::unreadable(&p, e)),
    }
}

fn write_base(root: &Path, slug: &str, base: &Base) -> Result<(), SheetError> {
    let p = base_path(root, slug);
    let mut bytes = serde_json::to_vec_pretty(base).map_err(|e| SheetError::write(&p, e))?;
    bytes.push(b'\n');
    if std::fs::read(&p).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    edit::write_atomic(&p, &bytes).map_err(|e| SheetError::write(&p, e))
}

fn base_entry(rec: &record::Record) -> BTreeMap<String, String> {
    rec.iter().map(|(s, v)| (s.key(), v.clone())).collect()
}

/// Object folders of an exhibition, by name (hidden and `_` folders are not objects).
fn object_dirs(exdir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(exdir.join("objects"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| Some((e.file_name().to_str()?.to_string(), e.path())))
                .filter(|(n, _)| !n.starts_with('.') && !n.starts_with('_'))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
