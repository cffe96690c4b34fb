// Statistics of study visits and QR scans: the reporting period, growth against the province's
// targets, figures by month, visitor type, purpose and school. Pure functions over rows the store
// returns; no SQL and no HTTP. The charts (chart.rs) and CSV (csv.rs) are built from these.

pub mod chart;
pub mod csv;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::{Day, Lang};
use crate::text::fold;
use crate::visits::{Purpose, VisitorType};

/// A yearly growth target for study visits, in percent over the year before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    pub from_year: i32,
    pub to_year: i32,
    pub min: f64,
    pub max: f64,
}

impl Target {
    /// The study visitors a year must reach, at the target's lower and upper bound, after a year
    /// with `base`.
    pub fn bounds(&self, base: i64) -> (i64, i64) {
        let at = |pct: f64| (base as f64 * (1.0 + pct / 100.0)).ceil() as i64;
        (at(self.min), at(self.max))
    }
}

/// When the yearly report is due and what growth it must show.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The report is due on this day every year (month, day): 25 November.
    pub deadline: (u8, u8),
    pub targets: Vec<Target>,
    /// The plan's shares of institutions meeting its indicator (the Department's year).
    pub shares: Vec<crate::province::Share>,
}

impl From<&crate::content::ReportConfig> for Schedule {
    fn from(c: &crate::content::ReportConfig) -> Schedule {
        Schedule {
            deadline: c.deadline,
            targets: c
                .targets
                .iter()
                .map(|&(from_year, to_year, min, max)| Target {
                    from_year,
                    to_year,
                    min,
                    max,
                })
                .collect(),
            shares: c.shares.clone(),
        }
    }
}

impl Default for Schedule {
    /// The province's programme: +5 % a year to 2025, +8–10 % a year from 2026 to 2030.
    fn default() -> Schedule {
        Schedule {
            deadline: (11, 25),
            targets: vec![
                Target {
                    from_year: 2021,
                    to_year: 2025,
                    min: 5.0,
                    max: 5.0,
                },
                Target {
                    from_year: 2026,
                    to_year: 2030,
                    min: 8.0,
                    max: 10.0,
                },
            ],
            shares: crate::province::default_shares(),
        }
    }
}

/// Dates from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: Day,
    pub to: Day,
}

impl Period {
    /// The same dates a year earlier (29 February becomes the 28th).
    pub fn year_before(self) -> Period {
        Period {
            from: year_back(self.from),
            to: year_back(self.to),
        }
    }

    /// This period, cut short at `today` (figures so far).
    pub fn until(self, today: Day) -> Period {
        Period {
            from: self.from,
            to: self.to.min(today),
        }
    }

    /// Unix seconds of its first instant and of the instant after it, in Vietnam's time (UTC+7).
    pub fn instants(self) -> (i64, i64) {
        (
            self.from.to_unix() - 7 * 3600,
            self.to.add_days(1).to_unix() - 7 * 3600,
        )
    }

    /// The months it touches, as `YYYY-MM`, in order.
    pub fn months(self) -> Vec<String> {
        let mut out = Vec::new();
        let (mut y, mut m) = (self.from.year, self.from.month);
        while (y, m) <= (self.to.year, self.to.month) {
            out.push(format!("{y:04}-{m:02}"));
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        out
    }
}

fn year_back(d: Day) -> Day {
    let year = d.year - 1;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let day = if d.month == 2 && d.day == 29 && !leap {
        28
    } else {
        d.day
    };
    Day {
        year,
        month: d.month,
        day,
    }
}

impl Schedule {
    pub fn target(&self, year: i32) -> Option<Target> {
        self.targets
            .iter()
            .copied()
            .find(|t| (t.from_year..=t.to_year).contains(&year))
    }

    pub fn deadline(&self, year: i32) -> Day {
        Day {
            year,
            month: self.deadline.0,
            day: self.deadline.1,
        }
    }

    /// The report year whose deadline is today or still ahead: on the deadline day itself the
    /// report that is due is still the current one.
    pub fn report_year(&self, today: Day) -> i32 {
        if today <= self.deadline(today.year) {
            today.year
        } else {
            today.year + 1
        }
    }

    /// What report year `year` covers: from the day of the previous deadline up to the day
    /// before this one (25 November to 24 November with the default deadline).
    pub fn period(&self, year: i32) -> Period {
        Period {
            from: self.deadline(year - 1),
            to: self.deadline(year).add_days(-1),
        }
    }
}

/// One row of the store's daily totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotal {
    pub date: String,
    pub visitor_type: String,
    pub purpose: String,
    pub people: i64,
    pub records: i64,
}

impl From<(String, String, String, i64, i64)> for DayTotal {
    fn from((date, visitor_type, purpose, people, records): (String, String, String, i64, i64)) -> Self {
        DayTotal {
            date,
            visitor_type,
            purpose,
            people,
            records,
        }
    }
}

/// People and records, all and for study (study or research, and school programmes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub people: i64,
    pub records: i64,
    pub study_people: i64,
    pub study_records: i64,
}

impl Figures {
    fn add(&mut self, t: &DayTotal) {
        self.people += t.people;
        self.records += t.records;
        if t.purpose.parse::<Purpose>().is_ok_and(Purpose::is_study) {
            self.study_people += t.people;
            self.study_records += t.records;
        }
    }
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub period: Period,
    pub all: Figures,
    /// Every month the period touches, in order, with zeros where nobody came.
    pub by_month: Vec<(String, Figures)>,
    /// Every visitor type, in the form's order.
    pub by_type: Vec<(&'static str, Figures)>,
    pub by_purpose: Vec<(&'static str, Figures)>,
}

/// Sum the store's rows of `period` (rows outside it are ignored).
pub fn stats(period: Period, rows: &[DayTotal]) -> Stats {
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let mut all = Figures::default();
    let mut by_month: BTreeMap<String, Figures> = period
        .months()
        .into_iter()
        .map(|m| (m, Figures::default()))
        .collect();
    let mut by_type: BTreeMap<&str, Figures> = BTreeMap::new();
    let mut by_purpose: BTreeMap<&str, Figures> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.date >= from && r.date <= to) {
        all.add(r);
        if let Some(m) = by_month.get_mut(r.date.get(..7).unwrap_or("")) {
            m.add(r);
        }
        by_type.entry(r.visitor_type.as_str()).or_default().add(r);
        by_purpose.entry(r.purpose.as_str()).or_default().add(r);
    }
    Stats {
        period,
        all,
        by_month: by_month.into_iter().collect(),
        by_type: VisitorType::ALL
            .iter()
            .map(|t| (t.code(), by_type.get(t.code()).copied().unwrap_or_default()))
            .collect(),
        by_purpose: Purpose::ALL
            .iter()
            .map(|p| (p.code(), by_purpose.get(p.code()).copied().unwrap_or_default()))
            .collect(),
    }
}

/// Where the year stands against the province's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Growth at or above the target's lower bound.
    Met,
    Below,
    /// No study visits were recorded in the year before: no growth rate exists.
    NoBase,
    /// The province set no target for this year.
    NoTarget,
}

/// A report year against the year before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Growth {
    pub year: i32,
    /// The whole report period (the figures may stop at today: see `this.period`).
    pub period: Period,
    /// Whether the period has ended; before that both years are compared up to the same day.
    pub complete: bool,
    pub this: Stats,
    pub last: Stats,
    /// Study visitors, percent change over the year before.
    pub growth_pct: Option<f64>,
    pub target: Option<Target>,
    /// Study visitors the year needs to reach the target's lower bound.
    pub needed: Option<i64>,
    pub standing: Standing,
}

/// Compare report year `year` with the year before, both counted up to the same day when the
/// year is still running. `rows` must cover both periods.
pub fn growth(schedule: &Schedule, year: i32, today: Day, rows: &[DayTotal]) -> Growth {
    compare(schedule.period(year), year, schedule.target(year), today, rows)
}

/// Compare any period with the same dates a year earlier, against `target`.
pub fn compare(full: Period, year: i32, target: Option<Target>, today: Day, rows: &[DayTotal]) -> Growth {
    let complete = today > full.to;
    let now = full.until(today.max(full.from));
    let this = stats(now, rows);
    let last = stats(now.year_before(), rows);
    let (a, b) = (this.all.study_people, last.all.study_people);
    let growth_pct = (b > 0).then(|| (a - b) as f64 * 100.0 / b as f64);
    let needed = target.filter(|_| b > 0).map(|t| t.bounds(b).0);
    let standing = match (target, growth_pct) {
        (None, _) => Standing::NoTarget,
        (Some(_), None) => Standing::NoBase,
        (Some(t), Some(g)) if g + 1e-9 >= t.min => Standing::Met,
        _ => Standing::Below,
    };
    Growth {
        year,
        period: full,
        complete,
        this,
        last,
        growth_pct,
        target,
        needed,
        standing,
    }
}

/// A school or organisation's groups over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchoolRow {
    pub name: String,
    pub groups: i64,
    pub people: i64,
    pub study_people: i64,
}

/// Group rows (organisation, purpose, people, records) by school, spelling differences of case,
/// tone marks and spaces merged (the most frequent spelling is shown); most visitors first.
pub fn schools(rows: &[(String, String, i64, i64)]) -> Vec<SchoolRow> {
    let mut by: BTreeMap<String, (BTreeMap<&str, i64>, SchoolRow)> = BTreeMap::new();
    for (org, purpose, people, records) in rows {
        let key = fold(&org.split_whitespace().collect::<Vec<_>>().join(" "));
        if key.is_empty() {
            continue;
        }
        let e = by.entry(key).or_insert_with(|| {
            (
                BTreeMap::new(),
                SchoolRow {
                    name: String::new(),
                    groups: 0,
                    people: 0,
                    study_people: 0,
                },
            )
        });
        *e.0.entry(org.as_str()).or_default() += records;
        e.1.groups += records;
        e.1.people += people;
        if purpose.parse::<Purpose>().is_ok_and(Purpose::is_study) {
            e.1.study_people += people;
        }
    }
    let mut out: Vec<SchoolRow> = by
        .into_values()
        .map(|(spellings, mut row)| {
            let best = spellings.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
            row.name = best
                .map(|(s, _)| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            row
        })
        .collect();
    out.sort_by(|a, b| b.people.cmp(&a.people).then_with(|| a.name.cmp(&b.name)));
    out
}

/// A whole number as people read it: 12.345 in Vietnamese, 12,345 in English.
pub fn fmt_int(n: i64, lang: Lang) -> String {
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 { format!("−{out}") } else { out }
}

/// A percentage with one decimal and its sign: +8,0 % in Vietnamese, +8.0% in English.
pub fn fmt_pct(x: f64, lang: Lang) -> String {
    let sign = if x > 0.0 {
        "+"
    } else if x < 0.0 {
        "−"
    } else {
        ""
    };
    let body = format!("{:.1}", x.abs());
    match lang {
        Lang::Vi => format!("{sign}{} %", body.replace('.', ",")),
        Lang::En => format!("{sign}{body}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        crate::visits::parse_iso_day(s).unwrap()
    }

    fn row(date: &str, t: &str, p: &str, people: i64) -> DayTotal {
        DayTotal {
            date: date.into(),
            visitor_type: t.into(),
            purpose: p.into(),
            people,
            records: 1,
        }
    }

    #[test]
    fn the_report_year_ends_the_day_before_the_deadline() {
        let s = Schedule::default();
        assert_eq!(
            s.period(2026),
            Period {
                from: day("2025-11-25"),
                to: day("2026-11-24")
            }
        );
        assert_eq!(s.report_year(day("2026-11-25")), 2026);
        assert_eq!(s.report_year(day("2026-11-26")), 2027);
        assert_eq!(s.report_year(day("2026-01-10")), 2026);
        assert_eq!(s.target(2025).map(|t| t.min), Some(5.0));
        assert_eq!(s.target(2027).map(|t| (t.min, t.max)), Some((8.0, 10.0)));
        assert_eq!(s.target(2031), None);
        let p = Period {
            from: day("2024-02-29"),
            to: day("2024-12-31"),
        };
        assert_eq!(p.year_before().from, day("2023-02-28"));
        assert_eq!(s.period(2026).months().len(), 13);
    }

    #[test]
    fn growth_against_target_on_known_counts() {
        let s = Schedule::default();
        // 2025 (25 Nov 2024 – 24 Nov 2025): 250 study visitors, plus 40 sightseers not counted.
        // 2026: 270 study visitors: +8.0 %, the lower bound of 2026's 8–10 % target.
        let rows = vec![
            row("2024-11-24", "school_group", "study", 999), // before the 2025 period
            row("2024-11-25", "school_group", "school_programme", 150),
            row("2025-06-01", "researcher", "study", 100),
            row("2025-06-01", "family", "sightseeing", 40),
            row("2025-11-25", "school_group", "study", 200),
            row("2026-03-08", "university_group", "study", 70),
            row("2026-11-25", "school_group", "study", 500), // in the 2027 period
        ];
        let g = growth(&s, 2026, day("2026-11-25"), &rows);
        assert!(g.complete);
        assert_eq!(g.last.all.study_people, 250);
        assert_eq!(g.last.all.people, 290);
        assert_eq!(g.this.all.study_people, 270);
        assert_eq!(g.growth_pct.map(|x| (x * 10.0).round() / 10.0), Some(8.0));
        assert_eq!(g.needed, Some(270));
        assert_eq!(g.standing, Standing::Met);
        let g = growth(&s, 2026, day("2026-11-25"), &rows[..5]);
        assert_eq!(g.this.all.study_people, 200);
        assert_eq!(g.standing, Standing::Below);
        // While the year runs, last year is counted up to the same day.
        let g = growth(&s, 2026, day("2026-01-01"), &rows);
        assert!(!g.complete);
        assert_eq!(g.this.period.to, day("2026-01-01"));
        assert_eq!(g.last.all.study_people, 150);
        assert_eq!(g.this.all.study_people, 200);
        // Nothing the year before: no rate, and it says why.
        let g = growth(&s, 2026, day("2026-11-25"), &rows[4..]);
        assert_eq!((g.growth_pct, g.standing), (None, Standing::NoBase));
    }

    #[test]
    fn months_and_types_are_complete_and_ordered() {
        let p = Period {
            from: day("2026-01-15"),
            to: day("2026-03-02"),
        };
        let st = stats(p, &[row("2026-02-03", "family", "event", 4)]);
        let months: Vec<_> = st.by_month.iter().map(|(m, f)| (m.as_str(), f.people)).collect();
        assert_eq!(months, [("2026-01", 0), ("2026-02", 4), ("2026-03", 0)]);
        assert_eq!(st.by_type.len(), VisitorType::ALL.len());
        assert_eq!(
            st.by_type[1],
            (
                "family",
                Figures {
                    people: 4,
                    records: 1,
                    study_people: 0,
                    study_records: 0
                }
            )
        );
    }

    #[test]
    fn schools_merge_spellings() {
        let rows = vec![
            ("THCS Trần Phú".to_string(), "study".to_string(), 40, 1),
            ("thcs  tran phu".to_string(), "sightseeing".to_string(), 30, 1),
            ("THCS Trần Phú".to_string(), "study".to_string(), 35, 1),
            ("THPT Hoa Lư".to_string(), "study".to_string(), 90, 2),
        ];
        let s = schools(&rows);
        assert_eq!(
            s[0],
            SchoolRow {
                name: "THCS Trần Phú".into(),
                groups: 3,
                people: 105,
                study_people: 75
            }
        );
        assert_eq!(s[1].name, "THPT Hoa Lư");
    }

    #[test]
    fn numbers_read_as_each_language_writes_them() {
        assert_eq!(fmt_int(1234567, Lang::Vi), "1.234.567");
        assert_eq!(fmt_int(1234, Lang::En), "1,234");
        assert_eq!(fmt_int(999, Lang::En), "999");
        assert_eq!(fmt_pct(8.04, Lang::Vi), "+8,0 %");
        assert_eq!(fmt_pct(-2.56, Lang::En), "−2.6%");
    }
}
