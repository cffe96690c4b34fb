// Events in the staff area: the numbers of every event (places, signed up, waiting, came,
// not marked), and the door list of one event on a phone or tablet: scan or type a sign-up's
// code, mark how many came (each attendance is one visit record: "school programme" for a
// class, "event" for anyone else, so the yearly report counts it with no extra typing), record
// walk-ins, and download the list as CSV (names and contacts for managers only).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{Posted, Staff, StaffRole};
use super::pages::WebError;
use super::staff::{Frame, csv_response};
use crate::accounts::Role;
use crate::content::{Day, Event, Lang};
use crate::report::csv;
use crate::signups::{self, Kind, Signup, Status};
use crate::store::EventNumbers;

/// Every day: an event's numbers are found by its name, whatever day its sign-ups were made for
/// (a curator may move the event).
pub(super) const ALL_DAYS: (&str, &str) = ("0000-01-01", "9999-12-31");

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/staff", "/en/staff"] {
        r = r
            .route(&format!("{p}/events/"), get(list))
            .route(&format!("{p}/events/{{slug}}/"), get(door))
            .route(&format!("{p}/events/{{slug}}/came/"), post(came))
            .route(&format!("{p}/events/{{slug}}/walk-in/"), post(walk_in))
            .route(&format!("{p}/events/{{slug}}/list.csv"), get(list_csv));
    }
    r
}

fn pick(l: &crate::content::Localized, lang: Lang) -> String {
    l.pick(lang).map(|(s, _)| s.to_string()).unwrap_or_default()
}

#[derive(Serialize)]
struct EventRow {
    slug: String,
    title: String,
    when: String,
    past: bool,
    cancelled: bool,
    capacity: Option<i64>,
    numbers: EventNumbers,
    /// Confirmed sign-ups nobody marked, once the event is over.
    no_shows: Option<i64>,
}

fn event_row(e: &Event, n: EventNumbers, lang: Lang, today: Day) -> EventRow {
    let past = e.is_past(today);
    EventRow {
        slug: e.slug.clone(),
        title: pick(&e.title, lang),
        when: crate::render::events::when(e, lang),
        past,
        cancelled: e.status == crate::content::EventStatus::Cancelled,
        capacity: e.capacity.map(i64::from),
        no_shows: past.then_some(n.not_marked),
        numbers: n,
    }
}

#[derive(Serialize)]
struct ListView {
    #[serde(flatten)]
    frame: Frame,
    upcoming: Vec<EventRow>,
    past: Vec<EventRow>,
    /// `[mail]` is set: the mails still queued, and whether one has failed (its next try is later).
    mail_on: bool,
    mail_waiting: i64,
    mail_retrying: bool,
}

async fn list(State(state): State<AppState>, me: Staff) -> Result<Response, WebError> {
    let lang = me.lang;
    let numbers = state
        .store
        .event_numbers(ALL_DAYS.0, ALL_DAYS.1)
        .await
        .map_err(|e| state.internal(lang, "reading event numbers failed", e))?;
    let mut by_event: BTreeMap<String, EventNumbers> =
        numbers.into_iter().map(|n| (n.event.clone(), n)).collect();
    let today = Day::today();
    let events_now = state.events();
    let mut events: Vec<&Event> = events_now.values().collect();
    events.sort_by_key(|e| e.starts);
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for e in events {
        let n = by_event.remove(&e.slug).unwrap_or_default();
        let row = event_row(e, n, lang, today);
        if row.past {
            past.push(row)
        } else {
            upcoming.push(row)
        }
    }
    past.reverse();
    let (mail_waiting, next) = if state.mail.is_some() {
        state
            .store
            .mail_waiting()
            .await
            .map_err(|e| state.internal(lang, "reading the mail queue failed", e))?
    } else {
        (0, None)
    };
    let view = ListView {
        frame: Frame::new(&me, "events", "events/"),
        upcoming,
        past,
        mail_on: state.mail.is_some(),
        mail_waiting,
        mail_retrying: next.is_some_and(|t| t > crate::visits::now()),
    };
    state.page(StatusCode::OK, "staff/events.html", lang, &view)
}

#[derive(Serialize)]
struct Line {
    id: i64,
    code: String,
    kind: String,
    people: i64,
    organisation: String,
    grade: String,
    name: String,
    contact: String,
    status: &'static str,
    status_label: String,
    came: Option<i64>,
    /// The code looked up at the door.
    asked: bool,
}

#[derive(Serialize)]
struct DoorView {
    #[serde(flatten)]
    frame: Frame,
    event: EventRow,
    lines: Vec<Line>,
    /// The code typed or scanned, and whether it is one of this event's.
    code: String,
    code_missing: bool,
    found: Option<Line>,
    notice: Option<String>,
    kinds: Vec<(&'static str, String)>,
    grades: Vec<u8>,
    is_manager: bool,
}

#[derive(serde::Deserialize, Default)]
struct DoorQuery {
    code: Option<String>,
    marked: Option<String>,
    walk_in: Option<i64>,
}

fn line(state: &AppState, lang: Lang, s: &Signup, asked: &str) -> Line {
    Line {
        id: s.id,
        code: crate::learn::spaced_code(&s.code),
        kind: state
            .locales
            .text(lang, &format!("signup.kind_{}", s.kind.code())),
        people: s.people,
        organisation: s.organisation.clone(),
        grade: s.grade.clone(),
        name: s.name.clone().unwrap_or_default(),
        contact: s.contact.clone().unwrap_or_default(),
        status: s.status.code(),
        status_label: state
            .locales
            .text(lang, &format!("signup.status_{}", s.status.code())),
        came: s.came,
        asked: !asked.is_empty() && s.code == asked,
    }
}

fn the_event(state: &AppState, lang: Lang, slug: &str) -> Result<Event, WebError> {
    state.events().get(slug).cloned().ok_or_else(|| {
        state.error_page(
            lang,
            StatusCode::NOT_FOUND,
            &[state.locales.text(lang, "signup.no_event")],
            Some((
                if lang == Lang::En {
                    "/en/staff/events/"
                } else {
                    "/staff/events/"
                },
                state.locales.text(lang, "staff.events"),
            )),
        )
    })
}

async fn door(
    State(state): State<AppState>,
    me: Staff,
    Path(slug): Path<String>,
    Query(q): Query<DoorQuery>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let e = the_event(&state, lang, &slug)?;
    let all = state
        .store
        .signups_of(&slug)
        .await
        .map_err(|err| state.internal(lang, "reading sign-ups failed", err))?;
    let n = state
        .store
        .event_numbers(ALL_DAYS.0, ALL_DAYS.1)
        .await
        .map_err(|err| state.internal(lang, "reading event numbers failed", err))?
        .into_iter()
        .find(|n| n.event == slug)
        .unwrap_or_default();
    let asked_raw = q.code.clone().unwrap_or_default();
    let asked = crate::learn::normalise_code(&asked_raw).unwrap_or_default();
    // Those still expected first (in the order they signed up), then the ones marked, the
    // waiting list, walk-ins and cancellations.
    let rank = |s: &Signup| match (s.status, s.came) {
        (Status::Confirmed, None) => 0,
        (Status::Confirmed, Some(_)) => 1,
        (Status::Waiting, _) => 2,
        (Status::WalkIn, _) => 3,
        (Status::Cancelled, _) => 4,
    };
    let mut sorted: Vec<&Signup> = all.iter().collect();
    sorted.sort_by_key(|s| (rank(s), s.id));
    let lines: Vec<Line> = sorted.iter().map(|s| line(&state, lang, s, &asked)).collect();
    let found = all
        .iter()
        .find(|s| !asked.is_empty() && s.code == asked)
        .map(|s| line(&state, lang, s, &asked));
    let notice = if let Some(code) = &q.marked {
        Some(
            state
                .locales
                .text(lang, "door.marked")
                .replace("{code}", &crate::learn::spaced_code(code)),
        )
    } else {
        q.walk_in.map(|n| {
            state
                .locales
                .text(lang, "door.walk_in_added")
                .replace("{n}", &n.to_string())
        })
    };
    let view = DoorView {
        frame: Frame::new(&me, "events", &format!("events/{slug}/")),
        event: event_row(&e, n, lang, Day::today()),
        code_missing: !asked_raw.trim().is_empty() && found.is_none(),
        code: asked_raw,
        found,
        lines,
        notice,
        kinds: Kind::ALL
            .iter()
            .map(|k| {
                (
                    k.code(),
                    state.locales.text(lang, &format!("signup.kind_{}", k.code())),
                )
            })
            .collect(),
        grades: (1..=12).collect(),
        is_manager: me.account.role.allows(Role::Manager),
    };
    state.page(StatusCode::OK, "staff/event-door.html", lang, &view)
}

fn back_to(lang: Lang, slug: &str) -> String {
    format!("/{}staff/events/{slug}/", lang.prefix())
}

async fn came(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    posted: Posted<StaffRole>,
) -> Result<Response, WebError> {
    let Posted { me, form, .. } = posted;
    let lang = me.lang;
    let e = the_event(&state, lang, &slug)?;
    let back = back_to(lang, &slug);
    let id = form.get("id").and_then(|v| v.trim().parse::<i64>().ok());
    let n = form
        .get("came")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| (0..=crate::visits::MAX_GROUP).contains(n));
    let (Some(id), Some(n)) = (id, n) else {
        return Err(state.error_page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &[state.locales.text(lang, "door.bad_came")],
            Some((&back, state.locales.text(lang, "form.back"))),
        ));
    };
    let today = Day::today().to_string();
    match state
        .store
        .mark_came(
            &slug,
            e.capacity.map(i64::from),
            id,
            n,
            &today,
            crate::visits::now(),
        )
        .await
    {
        Ok(s) => Ok(Redirect::to(&format!("{back}?marked={}#s{}", s.code, s.id)).into_response()),
        Err(crate::store::StoreError::Conflict(_)) => Err(state.error_page(
            lang,
            StatusCode::CONFLICT,
            &[state.locales.text(lang, "door.cannot_mark")],
            Some((&back, state.locales.text(lang, "form.back"))),
        )),
        Err(err) => Err(state.internal(lang, "marking an attendance failed", err)),
    }
}

async fn walk_in(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    posted: Posted<StaffRole>,
) -> Result<Response, WebError> {
    let Posted { me, form, .. } = posted;
    let lang = me.lang;
    let e = the_event(&state, lang, &slug)?;
    let back = back_to(lang, &slug);
    // Walk-ins are counted, not named: the same rules as a sign-up, without a name or contact,
    // and without the event's places as the limit (they are here already).
    let mut form: BTreeMap<String, String> = form
        .into_iter()
        .filter(|(k, _)| matches!(k.as_str(), "kind" | "people" | "organisation" | "grade"))
        .collect();
    form.entry("kind".into()).or_insert_with(|| "individual".into());
    let unlimited = Event {
        capacity: None,
        ..e.clone()
    };
    let mut new = match signups::validate(&form, &unlimited, lang.code(), "") {
        Ok(n) => n,
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|x| {
                    format!(
                        "{}: {}",
                        state.locales.text(lang, &format!("signup.{}", x.field)),
                        state
                            .locales
                            .text(lang, x.key)
                            .replace("{max}", &crate::visits::MAX_GROUP.to_string())
                            .replace("{n}", &signups::MAX_INDIVIDUAL.to_string())
                    )
                })
                .collect();
            return Err(state.error_page(
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &lines,
                Some((&back, state.locales.text(lang, "form.back"))),
            ));
        }
    };
    new.lang = lang.code().to_string();
    let today = Day::today().to_string();
    let w = state
        .store
        .add_walk_in(&new, &today, crate::visits::now())
        .await
        .map_err(|err| state.internal(lang, "recording a walk-in failed", err))?;
    Ok(Redirect::to(&format!("{back}?walk_in={}", w.people)).into_response())
}

async fn list_csv(
    State(state): State<AppState>,
    me: Staff,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let e = the_event(&state, lang, &slug)?;
    let all = state
        .store
        .signups_of(&slug)
        .await
        .map_err(|err| state.internal(lang, "reading sign-ups failed", err))?;
    // Names and contacts leave the server only in a manager's export (as with visits).
    let personal = me.account.role.allows(Role::Manager);
    let mut header = vec![
        "code",
        "status",
        "kind",
        "people",
        "organisation",
        "grade",
        "came",
        "signed_up_at",
    ];
    if personal {
        header.extend(["name", "contact"]);
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|s| {
            let mut r = vec![
                s.code.clone(),
                s.status.code().to_string(),
                s.kind.code().to_string(),
                s.people.to_string(),
                s.organisation.clone(),
                s.grade.clone(),
                s.came.map(|n| n.to_string()).unwrap_or_default(),
                csv::iso_instant(s.created_at),
            ];
            if personal {
                r.push(s.name.clone().unwrap_or_default());
                r.push(s.contact.clone().unwrap_or_default());
            }
            r
        })
        .collect();
    Ok(csv_response(
        &format!("{}-{}.csv", e.starts.day, e.slug),
        csv::document(&header, rows),
    ))
}
