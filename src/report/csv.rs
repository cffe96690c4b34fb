// CSV exports for spreadsheets: a UTF-8 byte-order mark so Excel reads Vietnamese, and cells that
// a spreadsheet would run as a formula (=, +, -, @ and control starts) neutralised with a leading
// apostrophe, since organisation names and origins are typed by the public.

use crate::visits::VisitRecord;

use super::{DayTotal, Figures};

/// A CSV document from a header and rows.
pub fn document<R: AsRef<[String]>>(header: &[&str], rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r.as_ref().iter().map(|c| cell(c)));
    }
    w.into_inner().unwrap_or_default()
}

/// A value as a spreadsheet will show it and never run it.
pub fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if s.parse::<f64>().is_err() => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Visit records; with `personal`, the name, contact and consent text as well.
pub fn visits(records: &[VisitRecord], personal: bool) -> Vec<u8> {
    let mut header = vec![
        "id",
        "date",
        "visitor_type",
        "purpose",
        "study",
        "group_size",
        "organisation",
        "grade",
        "origin",
        "source",
        "lang",
        "recorded_at",
    ];
    if personal {
        header.extend(["name", "contact", "consent", "personal_erased_at"]);
    }
    let rows = records.iter().map(|r| {
        let v = &r.visit;
        let mut row = vec![
            r.id.to_string(),
            v.date.clone(),
            v.visitor_type.code().to_string(),
            v.purpose.code().to_string(),
            if v.purpose.is_study() { "yes" } else { "no" }.to_string(),
            v.group_size.to_string(),
            v.organisation.clone(),
            v.grade.clone(),
            v.origin.clone(),
            v.source.code().to_string(),
            v.lang.clone(),
            iso_instant(r.created_at),
        ];
        if personal {
            row.extend([
                v.name.clone().unwrap_or_default(),
                v.contact.clone().unwrap_or_default(),
                v.consent.clone().unwrap_or_default(),
                r.personal_erased_at.map(iso_instant).unwrap_or_default(),
            ]);
        }
        row
    });
    document(&header, rows)
}

/// Totals by month, visitor type and purpose: what a pivot table needs.
pub fn summary(rows: &[DayTotal]) -> Vec<u8> {
    let mut by: std::collections::BTreeMap<(String, String, String), Figures> = Default::default();
    for r in rows {
        let k = (
            r.date.get(..7).unwrap_or("").to_string(),
            r.visitor_type.clone(),
            r.purpose.clone(),
        );
        by.entry(k).or_default().add(r);
    }
    let rows = by.into_iter().map(|((m, t, p), f)| {
        vec![
            m,
            t,
            p.clone(),
            if p.parse::<crate::visits::Purpose>().is_ok_and(|p| p.is_study()) {
                "yes"
            } else {
                "no"
            }
            .to_string(),
            f.people.to_string(),
            f.records.to_string(),
        ]
    });
    document(
        &["month", "visitor_type", "purpose", "study", "people", "records"],
        rows,
    )
}

/// `2026-11-25T08:30:00+07:00`: Vietnam's time, as the staff read it.
pub fn iso_instant(unix: i64) -> String {
    let t = unix + 7 * 3600;
    let d = crate::content::Day::from_unix(t);
    let s = t.rem_euclid(86_400);
    format!("{d}T{:02}:{:02}:{:02}+07:00", s / 3600, s % 3600 / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-5"), "-5");
        assert_eq!(cell("+84 229"), "'+84 229");
        assert_eq!(cell("Trường THCS"), "Trường THCS");
        let doc = document(&["a", "b"], [vec!["=1+1".to_string(), "x,y".to_string()]]);
        let text = String::from_utf8(doc).unwrap();
        assert_eq!(text, "\u{feff}a,b\n'=1+1,\"x,y\"\n");
    }

    #[test]
    fn instants_are_in_vietnam_time() {
        assert_eq!(iso_instant(0), "1970-01-01T07:00:00+07:00");
        assert_eq!(iso_instant(17 * 3600 + 61), "1970-01-02T00:01:01+07:00");
    }
}
