// Study-visit records: what a visitor or a member of staff enters, validated in one place.
// Collects the minimum (Decree 13/2023/NĐ-CP): counts and categories always, a name and a contact
// only with explicit consent, stored with the consent text that was shown. Messages are keys of
// the theme's interface strings, so they are shown in the visitor's language.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::content::Day;
use crate::text::nfc;

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code stored in the database and used in CSV and forms.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }
        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($code => Ok($name::$variant),)+ _ => Err(()) }
            }
        }
    };
}

code_enum!(
    /// Who came.
    VisitorType {
        Individual = "individual",
        Family = "family",
        SchoolGroup = "school_group",
        UniversityGroup = "university_group",
        Researcher = "researcher",
        Organisation = "organisation",
        Foreign = "foreign",
    }
);

code_enum!(
    /// Why they came. Study and school programmes are the province's "study visits".
    Purpose {
        Study = "study",
        SchoolProgramme = "school_programme",
        Sightseeing = "sightseeing",
        Event = "event",
        Other = "other",
    }
);

code_enum!(
    /// How the record came in: the visitor's own check-in, or staff at the desk recording a
    /// walk-in, a booked group, or anything else.
    Source {
        SelfCheckin = "self",
        WalkIn = "walk_in",
        Booking = "booking",
        Staff = "staff",
    }
);

impl Purpose {
    /// Counted as a visit to study or research in the province's report.
    pub fn is_study(self) -> bool {
        matches!(self, Purpose::Study | Purpose::SchoolProgramme)
    }
}

impl VisitorType {
    fn needs_organisation(self) -> bool {
        matches!(
            self,
            VisitorType::SchoolGroup | VisitorType::UniversityGroup | VisitorType::Organisation
        )
    }
}

/// One visit: a person or a group, on a day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Visit {
    /// YYYY-MM-DD.
    pub date: String,
    pub visitor_type: VisitorType,
    pub purpose: Purpose,
    pub group_size: i64,
    pub organisation: String,
    /// School grade (1–12) for school groups, else empty.
    pub grade: String,
    /// Province or country.
    pub origin: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    /// The consent text shown when the visitor agreed to leave a name or contact.
    pub consent: Option<String>,
    pub source: Source,
    /// The language the form was filled in.
    pub lang: String,
}

/// A stored visit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VisitRecord {
    pub id: i64,
    pub created_at: i64,
    pub personal_erased_at: Option<i64>,
    pub visit: Visit,
}

/// A field that was refused, with the interface-string key of the message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
}

pub const MAX_GROUP: i64 = 10_000;
const MAX_TEXT: usize = 200;

/// Validate a submitted form (field name → value). `consent_text` is the consent statement the
/// form showed, stored when the visitor ticked it. Every problem is returned, not only the first.
pub fn validate(
    form: &BTreeMap<String, String>,
    source: Source,
    lang: &str,
    consent_text: &str,
    today: Day,
) -> Result<Visit, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &'static str, key: &'static str| errors.push(FieldError { field, key });
    let text = |name: &str| field(form, name);
    let mut bounded = |name: &'static str, max: usize| -> String {
        let v = text(name);
        if v.chars().count() > max {
            err(name, "form.too_long");
        }
        v
    };
    let organisation = bounded("organisation", MAX_TEXT);
    let origin = bounded("origin", 100);
    let name = bounded("name", 100);
    let contact = bounded("contact", 100);
    let grade_text = bounded("grade", 2);

    // A visitor checking in at the entrance is visiting today: an empty date means today.
    let date = text("date");
    let date_ok = if date.is_empty() {
        Some(today)
    } else {
        parse_iso_day(&date)
    };
    // A booked group may be recorded up to a year ahead; anything else has happened already.
    let latest = if source == Source::Booking {
        Day {
            year: today.year + 1,
            ..today
        }
    } else {
        today
    };
    let date_ok = date_ok.filter(|d| {
        *d <= latest
            && *d
                >= Day {
                    year: today.year - 1,
                    month: 1,
                    day: 1,
                }
    });
    if date_ok.is_none() {
        err("date", "form.bad_date");
    }
    let visitor_type = text("visitor_type").parse::<VisitorType>().ok();
    if visitor_type.is_none() {
        err("visitor_type", "form.choose");
    }
    let purpose = text("purpose").parse::<Purpose>().ok();
    if purpose.is_none() {
        err("purpose", "form.choose");
    }
    let size_text = text("group_size");
    let group_size = if size_text.is_empty() && visitor_type == Some(VisitorType::Individual) {
        Some(1)
    } else {
        size_text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_GROUP).contains(n))
    };
    if group_size.is_none() {
        err("group_size", "form.bad_size");
    }
    if visitor_type.is_some_and(VisitorType::needs_organisation) && organisation.is_empty() {
        err("organisation", "form.need_organisation");
    }
    let grade = if visitor_type == Some(VisitorType::SchoolGroup) {
        school_grade(&grade_text).unwrap_or_else(|| {
            err("grade", "form.bad_grade");
            String::new()
        })
    } else {
        String::new()
    };
    let consented = consented(form);
    if !consented && (!name.is_empty() || !contact.is_empty()) {
        err("consent", "form.need_consent");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (name, contact, consent) = personal(consented, name, contact, consent_text);
    Ok(Visit {
        date: date_ok.map(|d| d.to_string()).unwrap_or_default(),
        visitor_type: visitor_type.unwrap_or(VisitorType::Individual),
        purpose: purpose.unwrap_or(Purpose::Other),
        group_size: group_size.unwrap_or(1),
        organisation,
        grade,
        origin,
        name,
        contact,
        consent,
        source,
        lang: lang.to_string(),
    })
}

/// A form field as typed: NFC, trimmed, without control characters ("" when absent).
pub fn field(form: &BTreeMap<String, String>, name: &str) -> String {
    let v = form.get(name).map(String::as_str).unwrap_or("");
    nfc(v.trim()).chars().filter(|c| !c.is_control()).collect()
}

/// A school grade 1–12 as typed, or None.
pub fn school_grade(text: &str) -> Option<String> {
    match text.parse::<u8>() {
        Ok(g @ 1..=12) => Some(g.to_string()),
        _ => None,
    }
}

/// Whether the consent box was ticked.
pub fn consented(form: &BTreeMap<String, String>) -> bool {
    form.get("consent").is_some_and(|v| v == "yes")
}

/// The name and contact kept (only given ones, only with consent), and the consent text kept
/// with them.
pub fn personal(
    consented: bool,
    name: String,
    contact: String,
    consent_text: &str,
) -> (Option<String>, Option<String>, Option<String>) {
    let keep = |s: String| (consented && !s.is_empty()).then_some(s);
    let (name, contact) = (keep(name), keep(contact));
    let consent = (name.is_some() || contact.is_some()).then(|| consent_text.to_string());
    (name, contact, consent)
}

/// Default number of days a name or contact is kept after the visit (Decree 13/2023/NĐ-CP asks
/// for the shortest period the purpose needs; a year covers the annual report).
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// The first visit date whose names and contacts are still kept at `now` (unix seconds) with a
/// retention period of `days`: records dated before it are erased.
pub fn retention_cutoff(now: i64, days: u32) -> Day {
    Day::from_unix(now + 7 * 3600 - i64::from(days) * 86_400)
}

/// `YYYY-MM-DD` → a real calendar day.
pub fn parse_iso_day(s: &str) -> Option<Day> {
    let mut it = s.splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (year, month, day): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some(Day { year, month, day })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const TODAY: Day = Day {
        year: 2026,
        month: 11,
        day: 25,
    };

    fn check(pairs: &[(&str, &str)]) -> Result<Visit, Vec<FieldError>> {
        validate(&form(pairs), Source::SelfCheckin, "vi", "Tôi đồng ý", TODAY)
    }

    fn fields(r: Result<Visit, Vec<FieldError>>) -> Vec<&'static str> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_school_group_is_accepted_and_normalised() {
        let v = check(&[
            ("date", "2026-11-20"),
            ("visitor_type", "school_group"),
            ("purpose", "school_programme"),
            ("group_size", "42"),
            ("organisation", "  Trường THCS Đinh Tiên Hoàng\u{7} "),
            ("grade", "7"),
            ("origin", "Ninh Bình"),
        ])
        .unwrap();
        assert_eq!(v.group_size, 42);
        assert_eq!(v.organisation, "Trường THCS Đinh Tiên Hoàng");
        assert_eq!(v.grade, "7");
        assert_eq!((v.name, v.contact, v.consent), (None, None, None));
    }

    #[test]
    fn bad_values_are_each_named() {
        let base = [("visitor_type", "family"), ("purpose", "study")];
        for (size, ok) in [
            ("-3", false),
            ("0", false),
            ("1000000000", false),
            ("abc", false),
            ("4", true),
        ] {
            let mut f = base.to_vec();
            f.extend([("date", "2026-11-01"), ("group_size", size)]);
            assert_eq!(check(&f).is_ok(), ok, "size {size}");
        }
        for date in [
            "2026-11-26",
            "2024-12-31",
            "2026-02-30",
            "25/11/2026",
            "2026-11-1",
        ] {
            let mut f = base.to_vec();
            f.extend([("date", date), ("group_size", "2")]);
            assert_eq!(fields(check(&f)), ["date"], "{date}");
        }
        assert_eq!(
            fields(check(&[
                ("date", "2026-11-01"),
                ("visitor_type", "alien"),
                ("purpose", "x"),
                ("group_size", "2")
            ])),
            ["visitor_type", "purpose"]
        );
        assert_eq!(
            fields(check(&[
                ("date", "2026-11-01"),
                ("visitor_type", "school_group"),
                ("purpose", "study"),
                ("group_size", "30"),
                ("grade", "13")
            ])),
            ["organisation", "grade"]
        );
        let long = "x".repeat(1 << 20);
        let f = [
            ("date", "2026-11-01"),
            ("visitor_type", "researcher"),
            ("purpose", "study"),
            ("group_size", "1"),
            ("origin", long.as_str()),
        ];
        assert_eq!(fields(check(&f)), ["origin"]);
    }

    #[test]
    fn retention_counts_whole_days_in_vietnam() {
        // 2026-11-25 00:30 in Vietnam is 2026-11-24 17:30 UTC.
        let now = 1_795_541_400;
        assert_eq!(Day::from_unix(now + 7 * 3600).to_string(), "2026-11-25");
        assert_eq!(retention_cutoff(now, 365).to_string(), "2025-11-25");
        assert_eq!(retention_cutoff(now, 0).to_string(), "2026-11-25");
    }

    #[test]
    fn names_and_contacts_only_with_consent() {
        let base = [
            ("date", "2026-11-01"),
            ("visitor_type", "researcher"),
            ("purpose", "study"),
            ("group_size", "1"),
        ];
        let mut f = base.to_vec();
        f.push(("name", "Nguyễn Văn A"));
        assert_eq!(fields(check(&f)), ["consent"]);
        f.push(("consent", "yes"));
        let v = check(&f).unwrap();
        assert_eq!(v.name.as_deref(), Some("Nguyễn Văn A"));
        assert_eq!(v.consent.as_deref(), Some("Tôi đồng ý"));
        // Consent ticked but nothing personal given: nothing personal stored, no consent record.
        let mut f = base.to_vec();
        f.push(("consent", "yes"));
        assert_eq!(check(&f).unwrap().consent, None);
    }
}
