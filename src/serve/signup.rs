// Signing up for an event (with `vitrine serve`; a static host shows the museum's phone instead).
// The built event page is completed with the places left and a link to the form; the form takes
// one person or a group (a teacher's class, an organisation's group); the confirmation page has
// a short code with its QR code for the door, the waiting-list position, the calendar file and a
// cancel button. The page's address holds a random token (the store keeps its keyed hash): it is
// the only way to see or cancel a sign-up. `/D/<CODE>` is what the QR code holds: staff who scan
// it are taken to the event's door list, anyone else sees the code's event and status only.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{client_limit, same_origin, visitor_form};
use super::door::ALL_DAYS;
use super::pages::{Ui, WebError};
use crate::accounts;
use crate::content::{Event, Lang};
use crate::signups::{self, Kind, Signup, Status, Window};
use crate::store::SignedUp;

const FORM_LIMIT: usize = 16 * 1024;
/// Sign-ups per client address in the limiter's window: a teacher signing up several classes
/// is far below it, a script is not.
const MAX_SIGNUPS_PER_CLIENT: usize = 20;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["", "/en"] {
        r = r
            .route(&format!("{p}/su-kien/{{slug}}/"), get(event_page))
            .route(
                &format!("{p}/su-kien/{{slug}}/dang-ky/"),
                get(form_page).post(submit),
            )
            .route(&format!("{p}/dang-ky/{{token}}/"), get(confirmation))
            .route(&format!("{p}/dang-ky/{{token}}/huy/"), post(cancel));
    }
    // The English address a reader guesses: the events keep their Vietnamese path in English too.
    r.route(
        "/en/events/",
        get(|| async { Redirect::permanent("/en/su-kien/") }),
    )
    .route(
        "/en/events/{slug}/",
        get(|Path(slug): Path<String>| async move {
            // Only a name an event can have goes into the Location header.
            if crate::text::is_valid_slug(&slug) {
                Redirect::permanent(&format!("/en/su-kien/{slug}/")).into_response()
            } else {
                StatusCode::NOT_FOUND.into_response()
            }
        }),
    )
    .route("/D/{code}", get(door_link))
    .route("/d/{code}", get(door_link))
    .route("/en/D/{code}", get(door_link))
    .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

/// The event with this slug, if it is published (drafts are not served).
fn event_of(state: &AppState, slug: &str) -> Option<Event> {
    state.events().get(slug).cloned()
}

fn capacity(e: &Event) -> Option<i64> {
    e.capacity.map(i64::from)
}

pub(super) fn pick(l: &crate::content::Localized, lang: Lang) -> String {
    l.pick(lang).map(|(s, _)| s.to_string()).unwrap_or_default()
}

/// What the pages say about an event.
#[derive(Serialize)]
struct EventFacts {
    slug: String,
    title: String,
    when: String,
    place: String,
    url: String,
    ics: String,
    capacity: Option<i64>,
    /// People's places still free (None: no limit).
    left: Option<i64>,
    /// Sign-ups on the waiting list.
    waiting: i64,
    /// "open", "not_yet", "closed", "cancelled" or "not_taken".
    window: &'static str,
    opens: String,
    closes: String,
    form: String,
}

async fn facts(state: &AppState, e: &Event, lang: Lang) -> Result<EventFacts, WebError> {
    let numbers = state
        .store
        .event_numbers(ALL_DAYS.0, ALL_DAYS.1)
        .await
        .map_err(|err| state.internal(lang, "reading sign-ups failed", err))?;
    let n = numbers
        .into_iter()
        .find(|n| n.event == e.slug)
        .unwrap_or_default();
    let (window, opens) = match signups::window(e, crate::visits::now()) {
        Window::Open => ("open", String::new()),
        Window::NotYet(m) => ("not_yet", crate::render::events::moment_text(m, lang)),
        Window::Closed => ("closed", String::new()),
        Window::Cancelled => ("cancelled", String::new()),
        Window::NotTaken => ("not_taken", String::new()),
    };
    let pre = lang.prefix();
    Ok(EventFacts {
        slug: e.slug.clone(),
        title: pick(&e.title, lang),
        when: crate::render::events::when(e, lang),
        place: pick(&e.place, lang),
        url: format!("/{pre}su-kien/{}/", e.slug),
        ics: format!("/{pre}su-kien/{}.ics", e.slug),
        capacity: capacity(e),
        left: capacity(e).map(|c| (c - n.confirmed).max(0)),
        waiting: n.waiting_signups,
        window,
        opens,
        closes: crate::render::events::moment_text(e.signup_closes.unwrap_or(e.starts), lang),
        form: format!("/{pre}su-kien/{}/dang-ky/", e.slug),
    })
}

#[derive(Serialize)]
pub(super) struct Frame {
    lang: &'static str,
    other_lang: &'static str,
    twin: String,
    prefix: &'static str,
    root: &'static str,
    museum: String,
}

pub(super) fn frame(state: &AppState, lang: Lang, path_after_lang: &str) -> Frame {
    Frame {
        lang: lang.code(),
        other_lang: lang.other().code(),
        twin: format!("/{}{path_after_lang}", lang.other().prefix()),
        prefix: lang.prefix(),
        root: "/",
        museum: pick(&state.museum, lang),
    }
}

/// The built event page with its sign-up box completed: places left and the form's link. The
/// box is between `<!--signup-->` and `<!--/signup-->` in the page the generator wrote.
async fn event_page(
    State(state): State<AppState>,
    Ui(lang): Ui,
    Path(slug): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let fallback = super::static_file(State(state.clone()), req);
    let Some(e) = event_of(&state, &slug).filter(signups::takes_signups) else {
        return fallback.await;
    };
    let Some(built) = built_box(&state, &format!("/{}su-kien/{slug}/", lang.prefix()), "signup").await else {
        return fallback.await;
    };
    let facts = match facts(&state, &e, lang).await {
        Ok(f) => f,
        Err(err) => return err.into_response(),
    };
    #[derive(Serialize)]
    struct Box_ {
        lang: &'static str,
        root: &'static str,
        event: EventFacts,
    }
    let view = Box_ {
        lang: lang.code(),
        root: "/",
        event: facts,
    };
    match state.pages.render("events/box.html", &view) {
        Ok(html) => built.filled(&html),
        Err(err) => state
            .internal(lang, "the sign-up box failed to render", err)
            .into_response(),
    }
}

/// A built page whose box (between `<!--mark-->` and `<!--/mark-->`) the server fills in.
pub(super) struct BuiltBox {
    page: String,
    /// The box, markers included.
    at: std::ops::Range<usize>,
}

impl BuiltBox {
    /// The page with `html` in place of its box, revalidated on every view.
    pub(super) fn filled(&self, html: &str) -> Response {
        let out = format!(
            "{}{html}{}",
            &self.page[..self.at.start],
            &self.page[self.at.end..]
        );
        ([(header::CACHE_CONTROL, "no-cache")], Html(out)).into_response()
    }
}

/// The built page at the public address `path` and its `mark` box; None when the page or its
/// box is missing (the caller serves the file as it is).
pub(super) async fn built_box(state: &AppState, path: &str, mark: &str) -> Option<BuiltBox> {
    let site = state.site();
    let super::files::Lookup::Found(file) = site.lookup(path) else {
        return None;
    };
    let page = String::from_utf8_lossy(&file.bytes().await.ok()?).into_owned();
    let (open, close) = (format!("<!--{mark}-->"), format!("<!--/{mark}-->"));
    let a = page.find(&open)?;
    let b = page[a..].find(&close)? + a + close.len();
    Some(BuiltBox { page, at: a..b })
}

#[derive(Serialize, Default)]
struct Fields {
    kind: String,
    people: String,
    organisation: String,
    grade: String,
    name: String,
    contact: String,
    consent: String,
}

impl Fields {
    fn from_map(m: &BTreeMap<String, String>) -> Fields {
        let g = |k: &str| m.get(k).cloned().unwrap_or_default();
        Fields {
            kind: g("kind"),
            people: g("people"),
            organisation: g("organisation"),
            grade: g("grade"),
            name: g("name"),
            contact: g("contact"),
            consent: g("consent"),
        }
    }
}

#[derive(Serialize)]
struct Choice {
    code: &'static str,
    label: String,
}

#[derive(Serialize)]
struct FormView {
    #[serde(flatten)]
    frame: Frame,
    event: EventFacts,
    kinds: Vec<Choice>,
    values: Fields,
    errors: Fields,
    refused: bool,
    max_individual: i64,
    grades: Vec<u8>,
    /// The museum sends confirmations by e-mail (`[mail]`).
    mails: bool,
}

async fn form_page(
    State(state): State<AppState>,
    Ui(lang): Ui,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let Some(e) = event_of(&state, &slug).filter(signups::takes_signups) else {
        return Err(not_found(&state, lang));
    };
    let values = Fields {
        kind: signups::default_kind(&e).code().to_string(),
        ..Default::default()
    };
    render_form(&state, lang, &e, values, Fields::default(), false, StatusCode::OK).await
}

fn not_found(state: &AppState, lang: Lang) -> WebError {
    state.error_page(
        lang,
        StatusCode::NOT_FOUND,
        &[state.locales.text(lang, "signup.no_event")],
        Some((
            if lang == Lang::En {
                "/en/su-kien/"
            } else {
                "/su-kien/"
            },
            state.locales.text(lang, "events.all"),
        )),
    )
}

async fn render_form(
    state: &AppState,
    lang: Lang,
    e: &Event,
    values: Fields,
    errors: Fields,
    refused: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = FormView {
        frame: frame(state, lang, &format!("su-kien/{}/dang-ky/", e.slug)),
        event: facts(state, e, lang).await?,
        kinds: Kind::ALL
            .iter()
            .map(|k| Choice {
                code: k.code(),
                label: state.locales.text(lang, &format!("signup.kind_{}", k.code())),
            })
            .collect(),
        values,
        errors,
        refused,
        max_individual: signups::MAX_INDIVIDUAL,
        grades: e.grades.iter().copied().filter(|g| *g <= 12).collect(),
        mails: state.mail.is_some(),
    };
    state.page(status, "events/signup.html", lang, &view)
}

async fn submit(
    State(state): State<AppState>,
    Ui(lang): Ui,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    let form = visitor_form(&state, lang, &headers, form)?;
    let Some(e) = event_of(&state, &slug).filter(signups::takes_signups) else {
        return Err(not_found(&state, lang));
    };
    let now = crate::visits::now();
    match signups::window(&e, now) {
        Window::Open => {}
        w => {
            let key = match w {
                Window::NotYet(_) => "signup.not_yet",
                Window::Cancelled => "events.cancelled_note",
                _ => "signup.closed",
            };
            return Err(state.error_page(
                lang,
                StatusCode::CONFLICT,
                &[state.locales.text(lang, key)],
                Some((
                    &format!("/{}su-kien/{slug}/", lang.prefix()),
                    pick(&e.title, lang),
                )),
            ));
        }
    }
    let client = client_limit(
        &state,
        &ext,
        "signup",
        MAX_SIGNUPS_PER_CLIENT,
        now,
        lang,
        "signup.too_many",
    )?;
    let consent = state.locales.text(lang, "signup.consent");
    let new = match signups::validate(&form, &e, lang.code(), &consent) {
        Ok(n) => n,
        Err(errors) => {
            let messages: BTreeMap<String, String> = errors
                .iter()
                .map(|x| {
                    let msg = state
                        .locales
                        .text(lang, x.key)
                        .replace(
                            "{max}",
                            &capacity(&e).unwrap_or(crate::visits::MAX_GROUP).to_string(),
                        )
                        .replace("{n}", &signups::MAX_INDIVIDUAL.to_string());
                    (x.field.to_string(), msg)
                })
                .collect();
            return render_form(
                &state,
                lang,
                &e,
                Fields::from_map(&form),
                Fields::from_map(&messages),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let token = accounts::new_token();
    let hash = accounts::token_hash(&state.secret, &token);
    let link = format!("/{}dang-ky/{token}/", lang.prefix());
    let done = state
        .store
        .sign_up(
            &new,
            capacity(&e),
            &hash,
            state.mail.as_ref().map(|_| link.as_str()),
            now,
        )
        .await
        .map_err(|err| state.internal(lang, "storing a sign-up failed", err))?;
    state.wake_mail();
    if let Some(k) = &client {
        state.limiter.fail(k, now);
    }
    announce_moves(&done);
    Ok(Redirect::to(&link).into_response())
}

/// Moves up the waiting list are logged by number only (never names or contacts).
fn announce_moves(done: &SignedUp) {
    if !done.moved_up.is_empty() {
        eprintln!(
            "vitrine: {} sign-up(s) of {} moved up from the waiting list",
            done.moved_up.len(),
            done.signup.event
        );
    }
}

#[derive(Serialize)]
struct ConfirmView {
    #[serde(flatten)]
    frame: Frame,
    event: EventFacts,
    code: String,
    status: &'static str,
    position: Option<i64>,
    people: i64,
    kind: String,
    organisation: String,
    grade: String,
    came: Option<i64>,
    qr: String,
    cancel: String,
    /// The event is still ahead and the sign-up can be cancelled.
    can_cancel: bool,
}

async fn confirmation(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let hash = accounts::token_hash(&state.secret, &token);
    let found = state
        .store
        .signup_by_token(&hash)
        .await
        .map_err(|e| state.internal(lang, "reading a sign-up failed", e))?;
    let Some((s, position)) = found else {
        return Err(state.error_page(
            lang,
            StatusCode::NOT_FOUND,
            &[state.locales.text(lang, "signup.unknown")],
            Some((
                if lang == Lang::En {
                    "/en/su-kien/"
                } else {
                    "/su-kien/"
                },
                state.locales.text(lang, "events.all"),
            )),
        ));
    };
    let Some(e) = event_of(&state, &s.event) else {
        return Err(not_found(&state, lang));
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let link = super::teach::short_link(&state, host, "D", &s.code);
    let title = format!(
        "{} {}",
        state.locales.text(lang, "signup.code"),
        crate::learn::spaced_code(&s.code)
    );
    let qr = tokio::task::spawn_blocking(move || {
        crate::media::qr::encode(&link).map(|q| crate::media::qr::svg(&q, &title))
    })
    .await
    .map_err(|err| state.internal(lang, "drawing a QR code failed", err))?
    .map_err(|err| state.internal(lang, "drawing a QR code failed", err))?;
    let view = ConfirmView {
        frame: frame(&state, lang, &format!("dang-ky/{token}/")),
        code: crate::learn::spaced_code(&s.code),
        status: s.status.code(),
        position,
        people: s.people,
        kind: state
            .locales
            .text(lang, &format!("signup.kind_{}", s.kind.code())),
        organisation: s.organisation.clone(),
        grade: s.grade.clone(),
        came: s.came,
        qr,
        cancel: format!("/{}dang-ky/{token}/huy/", lang.prefix()),
        can_cancel: matches!(s.status, Status::Confirmed | Status::Waiting)
            && s.came.is_none()
            && crate::visits::now() < e.starts.unix(),
        event: facts(&state, &e, lang).await?,
    };
    let mut res = state.page(StatusCode::OK, "events/confirmed.html", lang, &view)?;
    // The address is the sign-up's key: never sent on to other sites. (Not `no-referrer`: with
    // it a browser sends `Origin: null` with the page's own cancel form, which is then refused.)
    res.headers_mut()
        .insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    Ok(res)
}

async fn cancel(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    if !same_origin(&headers) {
        return Err(state.refuse(lang, StatusCode::FORBIDDEN, &["form.cross_site"]));
    }
    let hash = accounts::token_hash(&state.secret, &token);
    let events = state.events();
    let done = state
        .store
        .cancel_signup(
            &hash,
            |slug| events.get(slug).and_then(|e| e.capacity.map(i64::from)),
            state.mail.is_some(),
            crate::visits::now(),
        )
        .await
        .map_err(|e| state.internal(lang, "cancelling a sign-up failed", e))?;
    state.wake_mail();
    match done {
        Some(d) => {
            announce_moves(&d);
            Ok(Redirect::to(&format!("/{}dang-ky/{token}/", lang.prefix())).into_response())
        }
        None => Err(state.refuse(lang, StatusCode::NOT_FOUND, &["signup.unknown"])),
    }
}

#[derive(Serialize)]
struct CodeView {
    #[serde(flatten)]
    frame: Frame,
    code: String,
    found: bool,
    status: &'static str,
    people: i64,
    event: Option<EventFacts>,
}

/// What a sign-up's QR code opens: the door list for staff, the code's event and status for
/// anyone else (no name, no contact).
async fn door_link(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let code = crate::learn::normalise_code(&code).unwrap_or_default();
    let found = if code.is_empty() {
        None
    } else {
        state
            .store
            .signup_by_code(&code)
            .await
            .map_err(|e| state.internal(lang, "reading a sign-up failed", e))?
            .map(|(s, _)| s)
    };
    if let Some(s) = &found
        && let Some(a) = super::auth::account_of(&state, &headers).await
        && a.role.allows(crate::accounts::Role::Staff)
    {
        return Ok(Redirect::to(&format!(
            "/{}staff/events/{}/?code={}#s{}",
            lang.prefix(),
            s.event,
            s.code,
            s.id
        ))
        .into_response());
    }
    let event = match found.as_ref().and_then(|s| event_of(&state, &s.event)) {
        Some(e) => Some(facts(&state, &e, lang).await?),
        None => None,
    };
    let view = CodeView {
        frame: frame(&state, lang, &format!("D/{code}")),
        code: crate::learn::spaced_code(&code),
        found: found.is_some(),
        status: found.as_ref().map(|s: &Signup| s.status.code()).unwrap_or(""),
        people: found.as_ref().map(|s| s.people).unwrap_or(0),
        event,
    };
    let status = if view.found {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    state.page(status, "events/code.html", lang, &view)
}
