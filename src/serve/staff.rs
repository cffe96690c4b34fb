// The staff area's records: study visits added, corrected and deleted at the desk (walk-ins,
// booked groups, other entries), and one person's data found, exported and erased on request.
// Every route takes a `Signed`/`Posted` extractor, which is its role and CSRF check.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{Manager, ManagerRole, Posted, Staff, StaffRole};
use super::pages::WebError;
use crate::accounts::Account;
use crate::content::{Day, Lang};
use crate::report::{self, csv};
use crate::text::fold;
use crate::visits::{self, FieldError, Purpose, Source, VisitRecord, VisitorType};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/staff", "/en/staff"] {
        r = r
            .route(&format!("{p}/visits/"), get(list).post(add))
            .route(&format!("{p}/visits/{{id}}/"), get(edit).post(update))
            .route(&format!("{p}/visits/{{id}}/delete/"), post(delete))
            .route(&format!("{p}/people/"), get(people))
            .route(&format!("{p}/people/export.csv"), get(people_csv))
            .route(&format!("{p}/people/erase/"), post(erase));
    }
    r.layer(DefaultBodyLimit::max(64 * 1024))
}

/// What every staff page shows around its content.
#[derive(Serialize)]
pub struct Frame {
    pub lang: &'static str,
    pub other_lang: &'static str,
    /// `""` or `"en/"`: the staff area of this language is at `/{prefix}staff/`.
    pub prefix: &'static str,
    /// This page in the other language.
    pub twin: String,
    pub account: Account,
    pub is_manager: bool,
    /// A teacher's account sees only the assignments.
    pub is_teacher: bool,
    /// A curator's account sees only the exhibitions; a manager's sees them too.
    pub is_curator: bool,
    pub can_edit: bool,
    /// An institution's reporting account (the Department's server) sees only its own form.
    pub is_reporter: bool,
    /// The account's first page, after the language prefix.
    pub home: &'static str,
    pub csrf: String,
    pub nav: &'static str,
    pub today: String,
    /// Where the site's assets are (the template function `asset` reads it).
    pub root: &'static str,
    /// The Department's server: the menu has the province's pages.
    pub department: bool,
}

impl Frame {
    pub fn new<N>(me: &super::auth::Signed<N>, nav: &'static str, path_after_staff: &str) -> Frame {
        Frame::at(me, nav, &format!("staff/{path_after_staff}"))
    }

    /// A page at `/{prefix}{path}` (e.g. `teach/a/3/`).
    pub fn at<N>(me: &super::auth::Signed<N>, nav: &'static str, path: &str) -> Frame {
        let lang = me.lang;
        use crate::accounts::Role;
        let teacher = me.account.role == Role::Teacher;
        let curator = me.account.role == Role::Curator;
        Frame {
            lang: lang.code(),
            other_lang: lang.other().code(),
            prefix: lang.prefix(),
            twin: format!("/{}{path}", lang.other().prefix()),
            account: me.account.clone(),
            is_manager: me.account.role.allows(Role::Manager),
            is_teacher: teacher,
            is_curator: curator,
            can_edit: me.account.role.allows(Role::Curator),
            is_reporter: me.account.role == Role::Reporter,
            home: match me.account.role {
                Role::Teacher => "teach/",
                Role::Curator => "staff/content/",
                Role::Reporter => "staff/province/mine/",
                _ => "staff/",
            },
            csrf: me.csrf.clone(),
            nav,
            today: Day::today().to_string(),
            root: "/",
            department: false,
        }
    }
}

/// The fields of a visit form, every one present (empty when not given), so templates need no
/// special cases.
#[derive(Serialize, Default)]
struct Fields {
    date: String,
    visitor_type: String,
    purpose: String,
    group_size: String,
    organisation: String,
    grade: String,
    origin: String,
    name: String,
    contact: String,
    consent: String,
    source: String,
}

impl Fields {
    fn from_map(m: &BTreeMap<String, String>) -> Fields {
        let g = |k: &str| m.get(k).cloned().unwrap_or_default();
        Fields {
            date: g("date"),
            visitor_type: g("visitor_type"),
            purpose: g("purpose"),
            group_size: g("group_size"),
            organisation: g("organisation"),
            grade: g("grade"),
            origin: g("origin"),
            name: g("name"),
            contact: g("contact"),
            consent: g("consent"),
            source: g("source"),
        }
    }
}

/// A form's values as typed (kept on a refused form) and the message of each refused field.
#[derive(Serialize, Default)]
struct FormView {
    values: Fields,
    errors: Fields,
    /// Whether any field was refused.
    refused: bool,
}

#[derive(Serialize)]
struct Choice {
    code: &'static str,
    label: String,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    date: String,
    visitor_type: String,
    purpose: String,
    study: bool,
    group_size: i64,
    organisation: String,
    grade: String,
    origin: String,
    source: String,
    personal: bool,
    upcoming: bool,
}

fn row(state: &AppState, lang: Lang, r: &VisitRecord, today: &str) -> Row {
    let v = &r.visit;
    Row {
        id: r.id,
        date: v.date.clone(),
        visitor_type: state
            .locales
            .text(lang, &format!("visitor_type.{}", v.visitor_type.code())),
        purpose: state.locales.text(lang, &format!("purpose.{}", v.purpose.code())),
        study: v.purpose.is_study(),
        group_size: v.group_size,
        organisation: v.organisation.clone(),
        grade: v.grade.clone(),
        origin: v.origin.clone(),
        source: state.locales.text(lang, &format!("source.{}", v.source.code())),
        personal: v.name.is_some() || v.contact.is_some(),
        upcoming: v.date.as_str() > today,
    }
}

#[derive(Serialize)]
struct ListView {
    #[serde(flatten)]
    frame: Frame,
    from: String,
    to: String,
    rows: Vec<Row>,
    people: String,
    study_people: String,
    form: FormView,
    visitor_types: Vec<Choice>,
    purposes: Vec<Choice>,
    sources: Vec<Choice>,
    notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
    added: Option<i64>,
    saved: Option<i64>,
    deleted: Option<i64>,
}

/// A date range from the query, or the last 30 days and the bookings ahead.
fn range(q: &Range) -> (Day, Day) {
    let today = Day::today();
    let from = q
        .from
        .as_deref()
        .and_then(visits::parse_iso_day)
        .unwrap_or(today.add_days(-30));
    let to =
        q.to.as_deref()
            .and_then(visits::parse_iso_day)
            .unwrap_or(today.add_days(366));
    (from, to.max(from))
}

fn choices(state: &AppState, lang: Lang) -> (Vec<Choice>, Vec<Choice>, Vec<Choice>) {
    let c = |prefix: &str, code: &'static str| Choice {
        code,
        label: state.locales.text(lang, &format!("{prefix}.{code}")),
    };
    (
        VisitorType::ALL
            .iter()
            .map(|t| c("visitor_type", t.code()))
            .collect(),
        Purpose::ALL.iter().map(|p| c("purpose", p.code())).collect(),
        [Source::WalkIn, Source::Booking, Source::Staff]
            .iter()
            .map(|s| c("source", s.code()))
            .collect(),
    )
}

async fn list(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<Range>,
) -> Result<Response, WebError> {
    let notice = [
        ("staff.added", q.added),
        ("staff.saved", q.saved),
        ("staff.deleted", q.deleted),
    ]
    .into_iter()
    .find_map(|(k, id)| id.map(|id| state.locales.text(me.lang, k).replace("{id}", &id.to_string())));
    render_list(&state, &me, &q, FormView::default(), notice, StatusCode::OK).await
}

async fn render_list(
    state: &AppState,
    me: &Staff,
    q: &Range,
    form: FormView,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let (from, to) = range(q);
    let records = state
        .store
        .visits_between(&from.to_string(), &to.to_string())
        .await
        .map_err(|e| state.internal(lang, "listing visits failed", e))?;
    let today = Day::today().to_string();
    let rows: Vec<Row> = records.iter().map(|r| row(state, lang, r, &today)).collect();
    let past = records.iter().filter(|r| r.visit.date <= today);
    let (people, study): (i64, i64) = past.fold((0, 0), |(a, s), r| {
        (
            a + r.visit.group_size,
            s + if r.visit.purpose.is_study() {
                r.visit.group_size
            } else {
                0
            },
        )
    });
    let (visitor_types, purposes, sources) = choices(state, lang);
    let view = ListView {
        frame: Frame::new(me, "visits", "visits/"),
        from: from.to_string(),
        to: to.to_string(),
        rows,
        people: report::fmt_int(people, lang),
        study_people: report::fmt_int(study, lang),
        form,
        visitor_types,
        purposes,
        sources,
        notice,
    };
    state.page(status, "staff/visits.html", lang, &view)
}

/// Validate a staff entry: the same rules as the visitor's own check-in, plus how it came in.
fn validate(
    state: &AppState,
    lang: Lang,
    form: &BTreeMap<String, String>,
    source: Source,
) -> Result<visits::Visit, Box<FormView>> {
    let consent = state.locales.text(lang, "checkin.consent");
    visits::validate(form, source, lang.code(), &consent, Day::today()).map_err(|errors| {
        let messages: BTreeMap<String, String> = errors
            .iter()
            .map(|e: &FieldError| (e.field.to_string(), state.locales.text(lang, e.key)))
            .collect();
        Box::new(FormView {
            values: Fields::from_map(form),
            errors: Fields::from_map(&messages),
            refused: true,
        })
    })
}

async fn add(State(state): State<AppState>, posted: Posted<StaffRole>) -> Result<Response, WebError> {
    let Posted { me, form, .. } = posted;
    let lang = me.lang;
    let source = form
        .get("source")
        .and_then(|s| s.parse::<Source>().ok())
        .filter(|s| *s != Source::SelfCheckin)
        .unwrap_or(Source::WalkIn);
    match validate(&state, lang, &form, source) {
        Ok(v) => {
            let id = state
                .store
                .add_visit(&v, visits::now())
                .await
                .map_err(|e| state.internal(lang, "storing a visit failed", e))?;
            Ok(Redirect::to(&format!("/{}staff/visits/?added={id}", lang.prefix())).into_response())
        }
        Err(fv) => {
            render_list(
                &state,
                &me,
                &Range::default(),
                *fv,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Serialize)]
struct EditView {
    #[serde(flatten)]
    frame: Frame,
    id: i64,
    source: String,
    recorded_at: String,
    erased_at: Option<String>,
    form: FormView,
    visitor_types: Vec<Choice>,
    purposes: Vec<Choice>,
}

fn values_of(r: &VisitRecord) -> BTreeMap<String, String> {
    let v = &r.visit;
    let mut m = BTreeMap::new();
    m.insert("date".into(), v.date.clone());
    m.insert("visitor_type".into(), v.visitor_type.code().into());
    m.insert("purpose".into(), v.purpose.code().into());
    m.insert("group_size".into(), v.group_size.to_string());
    m.insert("organisation".into(), v.organisation.clone());
    m.insert("grade".into(), v.grade.clone());
    m.insert("origin".into(), v.origin.clone());
    m.insert("name".into(), v.name.clone().unwrap_or_default());
    m.insert("contact".into(), v.contact.clone().unwrap_or_default());
    if v.consent.is_some() {
        m.insert("consent".into(), "yes".into());
    }
    m
}

async fn load(state: &AppState, lang: Lang, id: i64) -> Result<VisitRecord, WebError> {
    state
        .store
        .visit(id)
        .await
        .map_err(|e| state.internal(lang, "reading a visit failed", e))?
        .ok_or_else(|| state.refuse(lang, StatusCode::NOT_FOUND, &["staff.no_such_visit"]))
}

async fn render_edit(
    state: &AppState,
    me: &Staff,
    r: &VisitRecord,
    form: FormView,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let (visitor_types, purposes, _) = choices(state, lang);
    let view = EditView {
        frame: Frame::new(me, "visits", &format!("visits/{}/", r.id)),
        id: r.id,
        source: state
            .locales
            .text(lang, &format!("source.{}", r.visit.source.code())),
        recorded_at: csv::iso_instant(r.created_at)
            .replace('T', " ")
            .replace("+07:00", ""),
        erased_at: r
            .personal_erased_at
            .map(|t| csv::iso_instant(t)[..10].to_string()),
        form: if form.refused {
            form
        } else {
            FormView {
                values: Fields::from_map(&values_of(r)),
                ..FormView::default()
            }
        },
        visitor_types,
        purposes,
    };
    state.page(status, "staff/visit.html", lang, &view)
}

async fn edit(State(state): State<AppState>, me: Staff, Path(id): Path<i64>) -> Result<Response, WebError> {
    let r = load(&state, me.lang, id).await?;
    render_edit(&state, &me, &r, FormView::default(), StatusCode::OK).await
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<StaffRole>,
) -> Result<Response, WebError> {
    let Posted { me, form, .. } = posted;
    let lang = me.lang;
    let r = load(&state, lang, id).await?;
    match validate(&state, lang, &form, r.visit.source) {
        Ok(mut v) => {
            // The consent given then is the consent kept (a record's text is not rewritten).
            if v.consent.is_some() && r.visit.consent.is_some() {
                v.consent = r.visit.consent.clone();
            }
            state
                .store
                .update_visit(id, &v, visits::now())
                .await
                .map_err(|e| state.internal(lang, "updating a visit failed", e))?;
            Ok(Redirect::to(&format!("/{}staff/visits/?saved={id}", lang.prefix())).into_response())
        }
        Err(fv) => render_edit(&state, &me, &r, *fv, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<StaffRole>,
) -> Result<Response, WebError> {
    let lang = posted.me.lang;
    let found = state
        .store
        .delete_visit(id)
        .await
        .map_err(|e| state.internal(lang, "deleting a visit failed", e))?;
    if !found {
        return Err(state.refuse(lang, StatusCode::NOT_FOUND, &["staff.no_such_visit"]));
    }
    Ok(Redirect::to(&format!("/{}staff/visits/?deleted={id}", lang.prefix())).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct PersonQuery {
    q: Option<String>,
    erased: Option<u64>,
}

#[derive(Serialize)]
struct PersonRow {
    id: i64,
    date: String,
    name: String,
    contact: String,
    consent: String,
    visitor_type: String,
    organisation: String,
}

/// A sign-up or a contest entry that matched: what it is, in words.
#[derive(Serialize)]
struct OtherRow {
    id: i64,
    date: String,
    name: String,
    contact: String,
    what: String,
}

#[derive(Serialize)]
struct PeopleView {
    #[serde(flatten)]
    frame: Frame,
    q: String,
    rows: Vec<PersonRow>,
    signups: Vec<OtherRow>,
    entries: Vec<OtherRow>,
    searched: bool,
    notice: Option<String>,
}

/// What the store holds about the person searched for: visits, event sign-ups and contest
/// entries.
struct Found {
    visits: Vec<VisitRecord>,
    signups: Vec<crate::signups::Signup>,
    entries: Vec<crate::contests::Entry>,
}

/// Records whose name or contact holds every word of the request (case, tone marks and đ
/// ignored, so "Nguyen Van A" finds "Nguyễn Văn A"; staff then choose the right ones), in
/// visits, event sign-ups and contest entries.
async fn matching(state: &AppState, lang: Lang, q: &str) -> Result<Found, WebError> {
    let words: Vec<String> = fold(q).split_whitespace().map(str::to_string).collect();
    let mut found = Found {
        visits: Vec::new(),
        signups: Vec::new(),
        entries: Vec::new(),
    };
    if words.is_empty() {
        return Ok(found);
    }
    let hit = |name: &Option<String>, contact: &Option<String>| {
        let hay = fold(&format!(
            "{} {}",
            name.as_deref().unwrap_or(""),
            contact.as_deref().unwrap_or("")
        ));
        words.iter().all(|w| hay.contains(w.as_str()))
    };
    let failed = |e| state.internal(lang, "searching personal data failed", e);
    let store = &state.store;
    found.visits = store.visits_with_personal_data().await.map_err(failed)?;
    found.visits.retain(|r| hit(&r.visit.name, &r.visit.contact));
    found.signups = store.signups_with_personal_data().await.map_err(failed)?;
    found.signups.retain(|s| hit(&s.name, &s.contact));
    found.entries = store.entries_with_personal_data().await.map_err(failed)?;
    found.entries.retain(|e| hit(&e.name, &e.contact));
    Ok(found)
}

fn signup_rows(state: &AppState, lang: Lang, signups: &[crate::signups::Signup]) -> Vec<OtherRow> {
    let events = state.events();
    signups
        .iter()
        .map(|s| {
            let title = events
                .get(&s.event)
                .map_or_else(|| s.event.clone(), |e| super::signup::pick(&e.title, lang));
            let status = state
                .locales
                .text(lang, &format!("people.signup_{}", s.status.code()));
            OtherRow {
                id: s.id,
                date: s.event_day.clone(),
                name: s.name.clone().unwrap_or_default(),
                contact: s.contact.clone().unwrap_or_default(),
                what: format!(
                    "{title} · {status} · {} {}",
                    s.people,
                    state.locales.text(lang, "people.persons")
                ),
            }
        })
        .collect()
}

fn entry_rows(state: &AppState, lang: Lang, entries: &[crate::contests::Entry]) -> Vec<OtherRow> {
    let contests = state.contests();
    entries
        .iter()
        .map(|e| {
            let title = contests
                .get(&e.contest)
                .map_or_else(|| e.contest.clone(), |c| super::signup::pick(&c.title, lang));
            let round = state
                .locales
                .text(lang, "contest.round_n")
                .replace("{n}", &e.round.to_string());
            OtherRow {
                id: e.id,
                date: crate::content::Moment::of_millis(e.started_ms).day.to_string(),
                name: e.name.clone().unwrap_or_default(),
                contact: e.contact.clone().unwrap_or_default(),
                what: format!("{title} · {round} · {}", e.school),
            }
        })
        .collect()
}

async fn people(
    State(state): State<AppState>,
    me: Manager,
    Query(pq): Query<PersonQuery>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let q = pq.q.unwrap_or_default();
    let found = matching(&state, lang, &q).await?;
    let rows = found
        .visits
        .iter()
        .map(|r| PersonRow {
            id: r.id,
            date: r.visit.date.clone(),
            name: r.visit.name.clone().unwrap_or_default(),
            contact: r.visit.contact.clone().unwrap_or_default(),
            consent: r.visit.consent.clone().unwrap_or_default(),
            visitor_type: state
                .locales
                .text(lang, &format!("visitor_type.{}", r.visit.visitor_type.code())),
            organisation: r.visit.organisation.clone(),
        })
        .collect();
    let view = PeopleView {
        frame: Frame::new(&me, "people", "people/"),
        searched: !q.trim().is_empty(),
        q,
        rows,
        signups: signup_rows(&state, lang, &found.signups),
        entries: entry_rows(&state, lang, &found.entries),
        notice: pq.erased.map(|n| {
            state
                .locales
                .text(lang, "people.erased")
                .replace("{n}", &n.to_string())
        }),
    };
    state.page(StatusCode::OK, "staff/people.html", lang, &view)
}

/// Everything stored about the person, as one spreadsheet (a request to see one's data): a line
/// per visit record, event sign-up and contest entry, `record` saying which.
async fn people_csv(
    State(state): State<AppState>,
    me: Manager,
    Query(pq): Query<PersonQuery>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let found = matching(&state, lang, pq.q.as_deref().unwrap_or("")).await?;
    let text = |k: &str| state.locales.text(lang, k);
    let visits = found.visits.iter().map(|r| {
        let v = &r.visit;
        let details = [
            text(&format!("visitor_type.{}", v.visitor_type.code())),
            text(&format!("purpose.{}", v.purpose.code())),
            v.organisation.clone(),
            format!("{} {}", v.group_size, text("people.persons")),
        ];
        let details: Vec<String> = details.into_iter().filter(|d| !d.is_empty()).collect();
        vec![
            "visit".to_string(),
            r.id.to_string(),
            v.date.clone(),
            v.name.clone().unwrap_or_default(),
            v.contact.clone().unwrap_or_default(),
            v.consent.clone().unwrap_or_default(),
            details.join(" · "),
        ]
    });
    let others = signup_rows(&state, lang, &found.signups)
        .into_iter()
        .map(|r| ("event_signup", r))
        .chain(
            entry_rows(&state, lang, &found.entries)
                .into_iter()
                .map(|r| ("contest_entry", r)),
        )
        .map(|(kind, r)| {
            vec![
                kind.to_string(),
                r.id.to_string(),
                r.date,
                r.name,
                r.contact,
                String::new(),
                r.what,
            ]
        });
    let rows: Vec<Vec<String>> = visits.chain(others).collect();
    let header = ["record", "id", "date", "name", "contact", "consent", "details"];
    Ok(csv_response("personal-data.csv", csv::document(&header, rows)))
}

/// The numbers ticked under `name` in a posted form.
fn picked(posted: &[(String, String)], name: &str) -> Vec<i64> {
    posted
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.parse().ok())
        .collect()
}

async fn erase(State(state): State<AppState>, posted: Posted<ManagerRole>) -> Result<Response, WebError> {
    let lang = posted.me.lang;
    let (visits, signups, entries) = (
        picked(&posted.pairs, "id"),
        picked(&posted.pairs, "signup"),
        picked(&posted.pairs, "entry"),
    );
    if visits.is_empty() && signups.is_empty() && entries.is_empty() {
        return Err(state.error_page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &[state.locales.text(lang, "people.choose")],
            Some((
                if lang == Lang::En {
                    "/en/staff/people/"
                } else {
                    "/staff/people/"
                },
                state.locales.text(lang, "form.back"),
            )),
        ));
    }
    let now = visits::now();
    let failed = |e| state.internal(lang, "erasing personal data failed", e);
    let n = state
        .store
        .erase_personal_data(&visits, now)
        .await
        .map_err(failed)?
        + state
            .store
            .erase_signups_personal_data(&signups, now)
            .await
            .map_err(failed)?
        + state
            .store
            .erase_entries_personal_data(&entries, now)
            .await
            .map_err(failed)?;
    Ok(Redirect::to(&format!("/{}staff/people/?erased={n}", lang.prefix())).into_response())
}

/// A CSV download that is never cached (it may hold personal data).
/// A spreadsheet to download, never cached.
pub fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

pub fn csv_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
