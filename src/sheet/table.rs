// Spreadsheet files as rows of text cells: CSV (UTF-8, ',' or ';', quoted multi-line cells) and
// xlsx/ods/xls through calamine; writing CSV and xlsx back. Knows nothing of fields or objects.

use std::path::Path;

use super::SheetError;
use crate::text::nfc;

/// A sheet as read: the header row and the data rows with their row numbers as a spreadsheet
/// program shows them (the header is row 1 when it is the first row).
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Read the first worksheet of `path` (or the CSV file). Every cell is NFC-normalised, trimmed,
/// its line ends made `\n` and its formula escape removed; empty rows are left out.
pub fn read_table(path: &Path) -> Result<Table, SheetError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !path.is_file() {
        return Err(SheetError::unreadable(path, "there is no such file"));
    }
    let raw = match ext.as_str() {
        "csv" | "txt" => read_csv(path)?,
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(path)?,
        _ => {
            return Err(SheetError::unreadable(
                path,
                "not a spreadsheet Vitrine reads; save it as .xlsx, .ods or .csv (UTF-8)",
            ));
        }
    };
    let mut rows = raw
        .into_iter()
        .map(|(n, cells)| (n, cells.iter().map(|c| clean_cell(c)).collect::<Vec<String>>()));
    let Some((_, headers)) = rows.by_ref().find(|(_, c)| c.iter().any(|x| !x.is_empty())) else {
        return Err(SheetError::unreadable(path, "the sheet is empty: no header row"));
    };
    let rows = rows.filter(|(_, c)| c.iter().any(|x| !x.is_empty())).collect();
    Ok(Table { headers, rows })
}

fn clean_cell(c: &str) -> String {
    let c = nfc(strip_controls(&c.replace("\r\n", "\n").replace('\r', "\n")).trim());
    unescape(&c).to_string()
}

/// Without control characters (exports from old systems carry NUL, vertical tabs, escape codes)
/// and invisible marks (byte-order marks, zero-width spaces); tabs and no-break spaces become
/// spaces. Line ends stay.
pub fn strip_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Terminal colour codes (ESC [ … letter) go whole.
            '\u{1b}' if chars.peek() == Some(&'[') => {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            // FileMaker and old Excel write line breaks inside a cell as vertical tabs.
            '\n' | '\u{0b}' | '\u{0c}' => out.push('\n'),
            '\t' | '\u{a0}' => out.push(' '),
            '\u{feff}' | '\u{200b}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn read_csv(path: &Path) -> Result<Vec<(usize, Vec<String>)>, SheetError> {
    let bytes = std::fs::read(path).map_err(|e| SheetError::unreadable(path, e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        SheetError::unreadable(
            path,
            format!("not UTF-8 text ({e}); in your spreadsheet program, save as \"CSV UTF-8\""),
        )
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| SheetError::unreadable(path, format!("row {}: {e}", i + 1)))?;
        out.push((i + 1, rec.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

/// ',' or ';' (spreadsheets in locales with a decimal comma write ';'), whichever the header
/// line has more of outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
}

fn read_workbook(path: &Path) -> Result<Vec<(usize, Vec<String>)>, SheetError> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| SheetError::unreadable(path, e))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| SheetError::unreadable(path, "the workbook has no worksheet"))?
        .map_err(|e| SheetError::unreadable(path, e))?;
    let first = range.start().map_or(0, |(r, _)| r as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| (first + i + 1, row.iter().map(cell_text).collect()))
        .collect())
}

/// A cell as the curator sees it: whole numbers without ".0".
fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        // A date cell (Excel stores days since 1900): the day as Vietnamese write it.
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{day:02}/{m:02}/{y}")
        }
        other => other.to_string(),
    }
}

/// Whether a spreadsheet program would read `s` as a formula (or would strip our escape).
fn needs_escape(s: &str) -> bool {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@') => true,
        Some('\'') => needs_escape(&s[1..]),
        _ => false,
    }
}

/// `'=…` → `=…`: the escape export writes so that opening a CSV never runs a formula.
pub fn unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_escape(rest) => rest,
        _ => s,
    }
}

pub fn escape(s: &str) -> String {
    if needs_escape(s) && !is_plain_number(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// `-250` is a number to a spreadsheet, not a formula: it needs no escape.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    digits.chars().any(|c| c.is_ascii_digit()) && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Write a CSV file readable by spreadsheet programs: UTF-8 with a BOM, ',' between cells,
/// formula-looking cells escaped.
pub fn csv_bytes(headers: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(headers).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r.iter().map(|c| escape(c)))
            .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// An xlsx workbook of one sheet; whole numbers are written as numbers.
pub fn xlsx_bytes(
    headers: &[String],
    rows: &[Vec<String>],
    int_columns: &[usize],
) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, col(c)?, h, &bold).map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| "too many rows".to_string())?;
        for (c, v) in row.iter().enumerate() {
            match v.parse::<i64>() {
                Ok(n) if int_columns.contains(&c) => ws.write_number(r, col(c)?, n as f64).map(|_| ()),
                _ if v.is_empty() => Ok(()),
                _ if v.contains('\n') => ws
                    .write_string_with_format(r, col(c)?, escape_quote(v), &wrap)
                    .map(|_| ()),
                _ => ws.write_string(r, col(c)?, escape_quote(v)).map(|_| ()),
            }
            .map_err(err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

/// In xlsx a text cell is never a formula; only a leading `'` that import would strip needs one
/// more.
fn escape_quote(v: &str) -> String {
    if v.starts_with('\'') && needs_escape(v) {
        format!("'{v}")
    } else {
        v.to_string()
    }
}

fn col(c: usize) -> Result<u16, String> {
    u16::try_from(c).map_err(|_| "too many columns".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_formula_escape_round_trips() {
        for s in [
            "=SUM(A1)", "-5", "'-5", "-", "'=x", "''+y", "'plain", "plain", "@me", "",
        ] {
            assert_eq!(unescape(&escape(s)), s, "{s}");
        }
        assert_eq!(escape("=1+1"), "'=1+1");
        assert_eq!(escape("-250"), "-250");
        assert_eq!(escape("-1+2"), "'-1+2");
        assert_eq!(escape("- a list item"), "'- a list item");
        assert_eq!(unescape("'plain"), "'plain");
    }

    #[test]
    fn the_delimiter_is_sniffed_from_the_header_line() {
        assert_eq!(sniff_delimiter("a;b;\"c,d\"\n1,2,3,4"), b';');
        assert_eq!(sniff_delimiter("a,b;c,d\n"), b',');
    }

    #[test]
    fn control_characters_are_dropped_and_line_breaks_kept() {
        assert_eq!(
            strip_controls("Bell\u{7} with\0 a\u{1b}[31m dragon"),
            "Bell with a dragon"
        );
        assert_eq!(
            strip_controls("One.\u{b}Two.\tThree\u{a0}four\u{feff}"),
            "One.\nTwo. Three four"
        );
    }

    #[test]
    fn an_excel_date_cell_reads_as_the_day_vietnamese_write() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Niên đại").unwrap();
        let day = ExcelDateTime::from_ymd(1975, 4, 30).unwrap();
        ws.write_datetime_with_format(1, 0, &day, &Format::new().set_num_format("dd/mm/yyyy"))
            .unwrap();
        ws.write_number(2, 0, 1930.0).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dates.xlsx");
        std::fs::write(&path, wb.save_to_buffer().unwrap()).unwrap();
        let t = read_table(&path).unwrap();
        assert_eq!(t.rows[0].1[0], "30/04/1975");
        assert_eq!(t.rows[1].1[0], "1930", "a year typed as a number stays a year");
        assert_eq!(crate::sheet::years::years_of(&t.rows[0].1[0]), Some((1975, 1975)));
    }
}
