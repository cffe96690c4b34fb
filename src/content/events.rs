// Events of the museum: `events/<slug>.toml`, with their text in `<slug>.vi.md` and
// `<slug>.en.md`. Times are Vietnam's (UTC+7, no daylight saving), as curators write them.

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::value::Datetime;

use super::load::{file_slug, markdown_pair, require, school_grades, spanned_text, text, toml_files};
use super::raw::RawText;
use super::tomlfile::{Source, parse_file};
use super::{Day, Localized};
use crate::diag::{Diagnostics, Pos};
use crate::text::nfc;

/// Vietnam's offset from UTC, in seconds.
pub const VIETNAM_OFFSET: i64 = 7 * 3600;

/// A day and, unless the event lasts the whole day, a time of day in Vietnam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Moment {
    pub day: Day,
    /// Minutes after midnight; None: the whole day.
    pub minute: Option<u16>,
}

impl Moment {
    /// The minute in Vietnam of a time in unix milliseconds.
    pub fn of_millis(ms: i64) -> Moment {
        let secs = ms.div_euclid(1000) + VIETNAM_OFFSET;
        Moment {
            day: Day::from_unix(secs),
            minute: Some((secs.rem_euclid(86_400) / 60) as u16),
        }
    }

    /// Unix seconds of this moment (its day's start in Vietnam when it has no time).
    pub fn unix(self) -> i64 {
        self.day.to_unix() + i64::from(self.minute.unwrap_or(0)) * 60 - VIETNAM_OFFSET
    }

    /// "08:30", or None for a whole day.
    pub fn clock(self) -> Option<String> {
        self.minute.map(|m| format!("{:02}:{:02}", m / 60, m % 60))
    }

    /// ISO 8601 with Vietnam's offset: `2027-05-18T08:30:00+07:00`, or `2027-05-18`.
    pub fn iso(self) -> String {
        match self.minute {
            Some(m) => format!("{}T{:02}:{:02}:00+07:00", self.day, m / 60, m % 60),
            None => self.day.to_string(),
        }
    }
}

/// Who an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Everyone,
    Families,
    Schools,
    Researchers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Draft,
    Published,
    /// Stays on the site, marked as cancelled (people who saw it must learn that it will not happen).
    Cancelled,
}

/// A day of the province's lifelong-learning plan that museums mark with activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanDay {
    pub key: &'static str,
    pub month: u8,
    pub day: u8,
    pub vi: &'static str,
    pub en: &'static str,
}

/// The plan's days. The Lifelong Learning Week's dates are announced each year (early October);
/// 1 October is its usual first day, to be corrected in the event file.
pub const PLAN_DAYS: [PlanDay; 5] = [
    PlanDay {
        key: "ngay-sach",
        month: 4,
        day: 21,
        vi: "Ngày Sách và Văn hoá đọc Việt Nam",
        en: "Vietnam Book and Reading Culture Day",
    },
    PlanDay {
        key: "ngay-sach-the-gioi",
        month: 4,
        day: 23,
        vi: "Ngày Sách và Bản quyền thế giới",
        en: "World Book and Copyright Day",
    },
    PlanDay {
        key: "ngay-bao-tang",
        month: 5,
        day: 18,
        vi: "Ngày Quốc tế Bảo tàng",
        en: "International Museum Day",
    },
    PlanDay {
        key: "tuan-hoc-tap",
        month: 10,
        day: 1,
        vi: "Tuần lễ hưởng ứng học tập suốt đời",
        en: "Lifelong Learning Week",
    },
    PlanDay {
        key: "ngay-di-san",
        month: 11,
        day: 23,
        vi: "Ngày Di sản văn hoá Việt Nam",
        en: "Vietnamese Cultural Heritage Day",
    },
];

#[derive(Debug, Clone)]
pub struct Event {
    pub slug: String,
    pub pos: Pos,
    pub title: Localized,
    pub summary: Localized,
    /// Markdown from `<slug>.vi.md` / `<slug>.en.md`.
    pub text: Localized,
    pub starts: Moment,
    pub ends: Option<Moment>,
    pub place: Localized,
    pub audience: Audience,
    /// School grades (1–12, 13 for university) for school groups.
    pub grades: Vec<u8>,
    /// As written ("50.000 đ một người"); empty: free of charge.
    pub price: Localized,
    /// People who can come; None: no limit.
    pub capacity: Option<u32>,
    pub signup_opens: Option<Moment>,
    pub signup_closes: Option<Moment>,
    pub exhibits: Vec<(String, Pos)>,
    pub objects: Vec<(String, Pos)>,
    pub programmes: Vec<(String, Pos)>,
    pub occasion: Option<&'static PlanDay>,
    pub status: EventStatus,
}

impl Event {
    /// Unix seconds at which the event is over: its end, or the end of its (last) day when it has
    /// no end time.
    pub fn over_at(&self) -> i64 {
        let last = self.ends.unwrap_or(self.starts);
        match last.minute {
            Some(_) if self.ends.is_some() => last.unix(),
            // Only a start time: the event counts as on for the rest of that day.
            _ => last.day.add_days(1).to_unix() - VIETNAM_OFFSET,
        }
    }

    /// Past on `today` (Vietnam's day): it ended before today began.
    pub fn is_past(&self, today: Day) -> bool {
        self.over_at() <= today.to_unix() - VIETNAM_OFFSET
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    title: Spanned<RawText>,
    summary: Option<Spanned<RawText>>,
    starts: Spanned<Datetime>,
    ends: Option<Spanned<Datetime>>,
    place: Option<Spanned<RawText>>,
    audience: Option<Spanned<String>>,
    #[serde(default)]
    grades: Vec<Spanned<i64>>,
    price: Option<RawText>,
    capacity: Option<Spanned<i64>>,
    signup_opens: Option<Spanned<Datetime>>,
    signup_closes: Option<Spanned<Datetime>>,
    #[serde(default)]
    exhibits: Vec<Spanned<String>>,
    #[serde(default)]
    objects: Vec<Spanned<String>>,
    #[serde(default)]
    programmes: Vec<Spanned<String>>,
    occasion: Option<Spanned<String>>,
    status: Option<Spanned<String>>,
}

/// Every event of `<root>/events/`, sorted by start then name. A museum without the folder has none.
pub fn load_events(root: &Path, diags: &mut Diagnostics) -> Vec<Event> {
    let dir = root.join("events");
    let mut events: Vec<Event> = toml_files(&dir)
        .iter()
        .filter_map(|p| load_event(root, &dir, p, diags))
        .collect();
    super::load::stray_texts(root, &dir, "ngay-bao-tang-2027", diags);
    events.sort_by(|a, b| (a.starts, &a.slug).cmp(&(b.starts, &b.slug)));
    events
}

/// A TOML date (`2027-05-18`) or local date-time (`2027-05-18 08:30` is written
/// `2027-05-18T08:30:00` or `2027-05-18 08:30:00`); an offset is turned into Vietnam's time.
pub(super) fn moment(
    src: &Source,
    raw: &Spanned<Datetime>,
    field: &str,
    diags: &mut Diagnostics,
) -> Option<Moment> {
    let dt = raw.get_ref();
    let bad = |diags: &mut Diagnostics, why: &str| {
        diags.error(
            "invalid-date",
            src.pos(raw.span()),
            field,
            format!("{dt} {why}"),
            "write the day and, if it has one, the time in Vietnam: 2027-05-18 or 2027-05-18T08:30:00",
        );
        None
    };
    let Some(d) = dt.date else {
        return bad(diags, "has no day");
    };
    let day = Day {
        year: i32::from(d.year),
        month: d.month,
        day: d.day,
    };
    let Some(t) = dt.time else {
        return Some(Moment { day, minute: None });
    };
    let mut minutes = i64::from(t.hour) * 60 + i64::from(t.minute);
    if let Some(off) = dt.offset {
        let off = match off {
            toml::value::Offset::Z => 0,
            toml::value::Offset::Custom { minutes } => i64::from(minutes),
        };
        minutes += VIETNAM_OFFSET / 60 - off;
    }
    let day = day.add_days(minutes.div_euclid(1440));
    Some(Moment {
        day,
        minute: Some(minutes.rem_euclid(1440) as u16),
    })
}

fn ids(src: &Source, raw: &[Spanned<String>]) -> Vec<(String, Pos)> {
    raw.iter()
        .map(|s| (nfc(s.get_ref().trim()), src.pos(s.span())))
        .filter(|(s, _)| !s.is_empty())
        .collect()
}

fn load_event(root: &Path, dir: &Path, path: &Path, diags: &mut Diagnostics) -> Option<Event> {
    let (raw, src): (RawEvent, Source) = parse_file(root, path, diags)?;
    let file = Pos::file(&src.shown);
    let slug = file_slug(path, &src, "ngay-bao-tang-2027.toml", diags)?;
    let title = spanned_text(&src, Some(&raw.title));
    require(diags, &title, &file, "title");
    let starts = moment(&src, &raw.starts, "starts", diags)?;
    let ends = raw.ends.as_ref().and_then(|e| moment(&src, e, "ends", diags));
    if let (Some(e), Some(r)) = (ends, &raw.ends)
        && e < starts
    {
        diags.error(
            "invalid-date",
            src.pos(r.span()),
            "ends",
            "the event ends before it starts",
            "write an end after the start, or remove `ends`",
        );
    }
    let audience = match raw.audience.as_ref().map(|a| (a.get_ref().trim(), a.span())) {
        None => Audience::Everyone,
        Some(("everyone", _)) => Audience::Everyone,
        Some(("families", _)) => Audience::Families,
        Some(("schools", _)) => Audience::Schools,
        Some(("researchers", _)) => Audience::Researchers,
        Some((other, span)) => {
            diags.error(
                "invalid-audience",
                src.pos(span),
                "audience",
                format!("\"{other}\" is not an audience"),
                "write audience = \"everyone\", \"families\", \"schools\" or \"researchers\"",
            );
            Audience::Everyone
        }
    };
    let mut grades = school_grades(&src, &raw.grades, diags);
    grades.sort_unstable();
    grades.dedup();
    let capacity = raw
        .capacity
        .as_ref()
        .and_then(|c| match u32::try_from(*c.get_ref()) {
            Ok(v) if v >= 1 => Some(v),
            _ => {
                diags.error(
                    "invalid-capacity",
                    src.pos(c.span()),
                    "capacity",
                    format!("{} is not a number of people", c.get_ref()),
                    "write how many people can come, e.g. capacity = 60, or remove it for no limit",
                );
                None
            }
        });
    let signup_opens = raw
        .signup_opens
        .as_ref()
        .and_then(|m| moment(&src, m, "signup_opens", diags));
    let signup_closes = raw
        .signup_closes
        .as_ref()
        .and_then(|m| moment(&src, m, "signup_closes", diags));
    if let (Some(o), Some(c), Some(r)) = (signup_opens, signup_closes, &raw.signup_closes)
        && c < o
    {
        diags.error(
            "invalid-date",
            src.pos(r.span()),
            "signup_closes",
            "sign-up closes before it opens",
            "write a closing time after signup_opens",
        );
    }
    let occasion = raw.occasion.as_ref().and_then(|o| {
        let key = o.get_ref().trim();
        let found = PLAN_DAYS.iter().find(|d| d.key == key);
        if found.is_none() {
            let keys: Vec<&str> = PLAN_DAYS.iter().map(|d| d.key).collect();
            diags.error(
                "invalid-occasion",
                src.pos(o.span()),
                "occasion",
                format!("\"{key}\" is not one of the plan's days"),
                &format!("write one of {}, or remove `occasion`", keys.join(", ")),
            );
        }
        found
    });
    let status = match raw.status.as_ref().map(|s| (s.get_ref().trim(), s.span())) {
        None | Some(("published", _)) => EventStatus::Published,
        Some(("draft", _)) => EventStatus::Draft,
        Some(("cancelled", _)) => EventStatus::Cancelled,
        Some((other, span)) => {
            diags.error(
                "invalid-status",
                src.pos(span),
                "status",
                format!("\"{other}\" is not a status"),
                "write status = \"published\", \"draft\" or \"cancelled\"",
            );
            EventStatus::Draft
        }
    };
    Some(Event {
        title,
        summary: spanned_text(&src, raw.summary.as_ref()),
        text: markdown_pair(root, dir, &slug, diags),
        starts,
        ends,
        place: spanned_text(&src, raw.place.as_ref()),
        audience,
        grades,
        price: text(raw.price.as_ref()),
        capacity,
        signup_opens,
        signup_closes,
        exhibits: ids(&src, &raw.exhibits),
        objects: ids(&src, &raw.objects),
        programmes: ids(&src, &raw.programmes),
        occasion,
        status,
        pos: file,
        slug,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u8, d: u8) -> Day {
        Day { year, month, day: d }
    }

    #[test]
    fn an_event_is_past_once_its_last_day_is_over_in_vietnam() {
        let mut e = Event {
            slug: "a".into(),
            pos: Pos::file("events/a.toml"),
            title: Localized::default(),
            summary: Localized::default(),
            text: Localized::default(),
            starts: Moment {
                day: day(2027, 5, 18),
                minute: Some(8 * 60),
            },
            ends: None,
            place: Localized::default(),
            audience: Audience::Everyone,
            grades: vec![],
            price: Localized::default(),
            capacity: None,
            signup_opens: None,
            signup_closes: None,
            exhibits: vec![],
            objects: vec![],
            programmes: vec![],
            occasion: None,
            status: EventStatus::Published,
        };
        assert!(
            !e.is_past(day(2027, 5, 18)),
            "a start time alone keeps it on for the day"
        );
        assert!(e.is_past(day(2027, 5, 19)));
        e.ends = Some(Moment {
            day: day(2027, 5, 20),
            minute: None,
        });
        assert!(!e.is_past(day(2027, 5, 20)));
        assert!(e.is_past(day(2027, 5, 21)));
        // 08:00 in Vietnam is 01:00 UTC.
        assert_eq!(e.starts.unix() % 86_400, 3600);
        assert_eq!(e.starts.iso(), "2027-05-18T08:00:00+07:00");
    }
}
