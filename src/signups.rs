// Sign-ups for events: who may sign up and when, what a sign-up form must hold, and what an
// attendance at the door becomes in the visit records. Like check-in, it collects the minimum
// (Decree 13/2023/NĐ-CP): a number of people and, for groups, the school or organisation; a name
// and a contact only with consent. Capacity and the waiting list are kept by the store, inside
// one transaction. Nothing here knows about HTTP or SQL.

use std::collections::BTreeMap;

use crate::content::{Audience, Event, EventStatus, Moment};
use crate::visits::{FieldError, Purpose, Source, Visit, VisitorType};

/// Who signs up: one person (with the people who come with them), a teacher for a class, or an
/// organisation for its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Kind {
    Individual,
    SchoolGroup,
    Group,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[Kind::Individual, Kind::SchoolGroup, Kind::Group];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Individual => "individual",
            Kind::SchoolGroup => "school_group",
            Kind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.code() == s)
    }
}

/// Where a sign-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Status {
    /// Has places.
    Confirmed,
    /// On the waiting list, moved up in order when places free.
    Waiting,
    Cancelled,
    /// Recorded at the door without signing up; holds no place.
    WalkIn,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Waiting => "waiting",
            Status::Cancelled => "cancelled",
            Status::WalkIn => "walk_in",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Confirmed,
            Status::Waiting,
            Status::Cancelled,
            Status::WalkIn,
        ]
        .into_iter()
        .find(|k| k.code() == s)
    }
}

/// People one person may sign up for (themselves and who comes with them).
pub const MAX_INDIVIDUAL: i64 = 10;

/// Whether the event takes sign-ups at all: it has places or a sign-up window.
pub fn takes_signups(e: &Event) -> bool {
    e.capacity.is_some() || e.signup_opens.is_some() || e.signup_closes.is_some()
}

/// Whether sign-up is open at `now` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Open,
    /// Opens at this moment.
    NotYet(Moment),
    Closed,
    Cancelled,
    /// The event takes no sign-ups (come freely).
    NotTaken,
}

/// The sign-up window: from `signup_opens` (or publication) to `signup_closes` (or the start).
pub fn window(e: &Event, now: i64) -> Window {
    if !takes_signups(e) {
        return Window::NotTaken;
    }
    if e.status == EventStatus::Cancelled {
        return Window::Cancelled;
    }
    if let Some(o) = e.signup_opens
        && now < o.unix()
    {
        return Window::NotYet(o);
    }
    let closes = e.signup_closes.unwrap_or(e.starts).unix();
    if now >= closes || now >= e.over_at() {
        return Window::Closed;
    }
    Window::Open
}

/// A sign-up as validated, before the store gives it a place or a waiting position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignup {
    pub event: String,
    /// The event's first day (ISO), for retention and the yearly report.
    pub event_day: String,
    pub kind: Kind,
    pub people: i64,
    pub organisation: String,
    /// School grade 1–12 for a class.
    pub grade: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    /// The consent text shown, when a name or contact was given.
    pub consent: Option<String>,
    pub lang: String,
}

/// A stored sign-up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Signup {
    pub id: i64,
    pub event: String,
    pub event_day: String,
    pub code: String,
    pub kind: Kind,
    pub people: i64,
    pub organisation: String,
    pub grade: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub status: Status,
    pub lang: String,
    pub created_at: i64,
    /// People who came (None: not marked at the door).
    pub came: Option<i64>,
    pub visit_id: Option<i64>,
}

/// Validate a sign-up form (field → value) for `event`. Every problem is returned.
pub fn validate(
    form: &BTreeMap<String, String>,
    event: &Event,
    lang: &str,
    consent_text: &str,
) -> Result<NewSignup, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &'static str, key: &'static str| errors.push(FieldError { field, key });
    let text = |name: &str| crate::visits::field(form, name);
    let mut bounded = |name: &'static str, max: usize| -> String {
        let v = text(name);
        if v.chars().count() > max {
            err(name, "form.too_long");
        }
        v
    };
    let organisation = bounded("organisation", 200);
    let name = bounded("name", 100);
    let contact = bounded("contact", 100);
    let grade_text = bounded("grade", 2);
    let kind = Kind::parse(&text("kind"));
    if kind.is_none() {
        err("kind", "form.choose");
    }
    // Limits: one person brings at most a few; a group at most the event's places.
    let max = match kind {
        Some(Kind::Individual) => MAX_INDIVIDUAL,
        _ => event.capacity.map(i64::from).unwrap_or(crate::visits::MAX_GROUP),
    };
    let size_text = text("people");
    let people = if size_text.is_empty() && kind == Some(Kind::Individual) {
        Some(1)
    } else {
        size_text.parse::<i64>().ok().filter(|n| (1..=max).contains(n))
    };
    if people.is_none() {
        err(
            "people",
            if kind == Some(Kind::Individual) {
                "signup.bad_people_individual"
            } else {
                "signup.bad_people_group"
            },
        );
    }
    if matches!(kind, Some(Kind::SchoolGroup | Kind::Group)) && organisation.is_empty() {
        err("organisation", "form.need_organisation");
    }
    let grade = if kind == Some(Kind::SchoolGroup) {
        crate::visits::school_grade(&grade_text).unwrap_or_else(|| {
            err("grade", "form.bad_grade");
            String::new()
        })
    } else {
        String::new()
    };
    let consented = crate::visits::consented(form);
    if !consented && (!name.is_empty() || !contact.is_empty()) {
        err("consent", "form.need_consent");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (name, contact, consent) = crate::visits::personal(consented, name, contact, consent_text);
    Ok(NewSignup {
        event: event.slug.clone(),
        event_day: event.starts.day.to_string(),
        kind: kind.unwrap_or(Kind::Individual),
        people: people.unwrap_or(1),
        organisation: if kind == Some(Kind::Individual) {
            String::new()
        } else {
            organisation
        },
        grade,
        name,
        contact,
        consent,
        lang: lang.to_string(),
    })
}

/// The kind of sign-up an event's audience suggests first on the form.
pub fn default_kind(e: &Event) -> Kind {
    match e.audience {
        Audience::Schools => Kind::SchoolGroup,
        _ => Kind::Individual,
    }
}

/// The visit record of `came` people of a sign-up at the door on `date`: a class comes for a
/// school programme (a study visit in the report), anyone else for the event.
pub fn visit_of(s: &Signup, came: i64, date: &str, source: Source) -> Visit {
    let (visitor_type, purpose) = match s.kind {
        Kind::SchoolGroup => (VisitorType::SchoolGroup, Purpose::SchoolProgramme),
        Kind::Group => (VisitorType::Organisation, Purpose::Event),
        Kind::Individual if came > 1 => (VisitorType::Family, Purpose::Event),
        Kind::Individual => (VisitorType::Individual, Purpose::Event),
    };
    Visit {
        date: date.to_string(),
        visitor_type,
        purpose,
        group_size: came,
        organisation: s.organisation.clone(),
        grade: s.grade.clone(),
        origin: String::new(),
        // Names stay with the sign-up (erased with it); the visit counts people.
        name: None,
        contact: None,
        consent: None,
        source,
        lang: s.lang.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Day, Localized};

    fn event(capacity: Option<u32>, opens: Option<i64>, closes: Option<i64>) -> Event {
        let m = |secs: i64| {
            let day = Day::from_unix(secs + crate::content::VIETNAM_OFFSET);
            let minute = ((secs + crate::content::VIETNAM_OFFSET).rem_euclid(86_400) / 60) as u16;
            Moment {
                day,
                minute: Some(minute),
            }
        };
        Event {
            slug: "e".into(),
            pos: crate::diag::Pos::file("events/e.toml"),
            title: Localized::default(),
            summary: Localized::default(),
            text: Localized::default(),
            starts: m(1_000_000),
            ends: Some(m(1_010_000)),
            place: Localized::default(),
            audience: Audience::Schools,
            grades: vec![],
            price: Localized::default(),
            capacity,
            signup_opens: opens.map(m),
            signup_closes: closes.map(m),
            exhibits: vec![],
            objects: vec![],
            programmes: vec![],
            occasion: None,
            status: EventStatus::Published,
        }
    }

    #[test]
    fn the_window_runs_from_opening_to_closing_or_the_start() {
        let e = event(Some(10), Some(900_000), Some(990_000));
        assert_eq!(window(&e, 899_940), Window::NotYet(e.signup_opens.unwrap()));
        assert_eq!(window(&e, 900_000), Window::Open);
        assert_eq!(window(&e, 989_940), Window::Open);
        assert_eq!(window(&e, 990_000), Window::Closed);
        let e = event(Some(10), None, None);
        assert_eq!(window(&e, 0), Window::Open);
        assert_eq!(window(&e, 1_000_000), Window::Closed);
        assert_eq!(window(&event(None, None, None), 0), Window::NotTaken);
        let mut c = event(Some(5), None, None);
        c.status = EventStatus::Cancelled;
        assert_eq!(window(&c, 0), Window::Cancelled);
    }

    #[test]
    fn a_class_needs_its_school_grade_and_a_size_within_the_places() {
        let e = event(Some(40), None, None);
        let f = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let errs = validate(&f(&[("kind", "school_group"), ("people", "41")]), &e, "vi", "ok").unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["people", "organisation", "grade"]);
        let ok = validate(
            &f(&[
                ("kind", "school_group"),
                ("people", "38"),
                ("organisation", " THCS  Trần Phú "),
                ("grade", "7"),
                ("name", "Cô Lan"),
            ]),
            &e,
            "vi",
            "ok",
        );
        // A name without consent is refused, never stored quietly.
        assert_eq!(ok.unwrap_err()[0].field, "consent");
        let ok = validate(
            &f(&[
                ("kind", "individual"),
                ("organisation", "ignored"),
                ("contact", "0912 345 678"),
                ("consent", "yes"),
            ]),
            &e,
            "en",
            "consent text",
        )
        .unwrap();
        assert_eq!((ok.people, ok.organisation.as_str()), (1, ""));
        assert_eq!(ok.consent.as_deref(), Some("consent text"));
        assert!(validate(&f(&[("kind", "individual"), ("people", "11")]), &e, "vi", "").is_err());
    }
}
