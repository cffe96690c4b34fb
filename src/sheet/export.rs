// `vitrine export`: an exhibition's objects as one sheet (xlsx or CSV) in the format import reads,
// and the base record that lets the next import tell sheet edits from hand edits.

use std::path::{Path, PathBuf};

use super::fields::{HeaderLang, Kind, Slot, export_header};
use super::record::{Sections, file_record};
use super::{SheetError, base_entry, exhibit_dir, object_dirs, read_base, read_doc, table, write_base};

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub out: PathBuf,
    pub exhibit: String,
    pub headers: HeaderLang,
}

#[derive(Debug, Default)]
pub struct ExportReport {
    pub objects: usize,
    /// Object folders left out, with the reason (an object.toml that does not parse).
    pub skipped: Vec<String>,
}

pub fn export(root: &Path, opts: &ExportOptions) -> Result<ExportReport, SheetError> {
    let exdir = exhibit_dir(root, &opts.exhibit)?;
    let (_, exhibit) = read_doc(&exdir.join("exhibit.toml"))?;
    let sections = Sections::of(&exhibit);
    let slots = Slot::all();
    let headers: Vec<String> = slots.iter().map(|s| export_header(*s, opts.headers)).collect();
    let mut base = read_base(root, &opts.exhibit)?;
    let mut report = ExportReport::default();
    let mut rows = Vec::new();
    for (name, dir) in object_dirs(&exdir) {
        let doc = match read_doc(&dir.join("object.toml")) {
            Ok((_, doc)) => doc,
            Err(e) => {
                report.skipped.push(format!("{name}: {e}"));
                continue;
            }
        };
        let rec = file_record(&doc, &dir, &sections);
        rows.push(
            slots
                .iter()
                .map(|s| rec.get(s).cloned().unwrap_or_default())
                .collect(),
        );
        base.insert(name, base_entry(&rec));
        report.objects += 1;
    }
    let ints: Vec<usize> = (0..slots.len())
        .filter(|i| slots[*i].field().kind == Kind::Int)
        .collect();
    write_sheet(&opts.out, &headers, &rows, &ints)?;
    write_base(root, &opts.exhibit, &base)?;
    Ok(report)
}

/// Write `rows` under `headers` to `out`, as .csv or .xlsx by its name (`int_columns` are
/// numbers in xlsx), replacing the file whole.
pub(super) fn write_sheet(
    out: &Path,
    headers: &[String],
    rows: &[Vec<String>],
    int_columns: &[usize],
) -> Result<(), SheetError> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "csv" => table::csv_bytes(headers, rows),
        "xlsx" => table::xlsx_bytes(headers, rows, int_columns),
        _ => {
            return Err(SheetError::unreadable(
                out,
                "export writes .xlsx or .csv; end the file name with one of them",
            ));
        }
    }
    .map_err(|e| SheetError::write(out, e))?;
    crate::content::edit::write_atomic(out, &bytes).map_err(|e| SheetError::write(out, e))
}
