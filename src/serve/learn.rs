// The student's side of a learning programme: join a class with its code and a display name,
// answer stop by stop (the tour page itself is built by the generator, `/p/<slug>/tour/`), hand
// in, and see the answers when the teacher allows. A student is a random token in a cookie on
// their phone; the store keeps only its keyed hash. Scanning a label's QR code during a tour
// answers that object's "find" question.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{client_limit, cookie, same_origin, secure};
use super::pages::{Ui, WebError};
use crate::accounts;
use crate::content::{Day, Lang, Programme};
use crate::learn::{self, Assignment, Given, Status};
use crate::store::{StoreError, Student};

pub const TOUR_COOKIE: &str = "vitrine_tour";
/// Answers are small; a written answer is at most 2,000 characters.
const FORM_LIMIT: usize = 16 * 1024;
/// Failed joins per client address in the limiter's window.
const MAX_JOIN_FAILURES: usize = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tour/", get(join_page).post(join))
        .route("/en/tour/", get(join_page).post(join))
        .route("/T/{code}", get(join_with_code))
        .route("/t/{code}", get(join_with_code))
        .route("/tour/state.json", get(state_json))
        .route("/tour/answer/", post(answer))
        .route("/tour/submit/", post(submit))
        .route("/tour/done/", get(done))
        .route("/en/tour/done/", get(done))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

/// The tour page of a programme in a language.
pub fn tour_url(lang: Lang, programme: &str) -> String {
    format!("/{}p/{programme}/tour/", lang.prefix())
}

fn lang_named(s: &str) -> Lang {
    Lang::parse(s).unwrap_or(Lang::Vi)
}

/// The student whose token this request carries, with their assignment.
async fn student_of(state: &AppState, h: &HeaderMap) -> Result<Option<(Student, Assignment)>, StoreError> {
    let Some(token) = cookie(h, TOUR_COOKIE) else {
        return Ok(None);
    };
    state
        .store
        .student(&accounts::token_hash(&state.secret, &token))
        .await
}

#[derive(Serialize)]
struct JoinView {
    lang: &'static str,
    other_lang: &'static str,
    twin: String,
    prefix: &'static str,
    root: &'static str,
    museum: String,
    code: String,
    name: String,
    error: Option<String>,
    /// The tour this phone is already in, if any.
    current: Option<Current>,
}

#[derive(Serialize)]
struct Current {
    name: String,
    class_name: String,
    programme: String,
    url: String,
}

#[derive(serde::Deserialize, Default)]
struct CodeQuery {
    code: Option<String>,
}

async fn join_page(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Result<Response, WebError> {
    let code = q
        .code
        .as_deref()
        .and_then(learn::normalise_code)
        .unwrap_or_default();
    render_join(&state, lang, &headers, code, String::new(), None, StatusCode::OK).await
}

/// The link and QR code a teacher hands out: `/T/<CODE>` (upper case, so the QR code is small).
async fn join_with_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let code = learn::normalise_code(&code).unwrap_or_default();
    render_join(
        &state,
        Lang::Vi,
        &headers,
        code,
        String::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_join(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    code: String,
    name: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let current = match student_of(state, headers).await {
        Ok(Some((s, a))) if a.status(Day::today()) == Status::Open && s.submitted_at.is_none() => {
            Some(Current {
                name: s.display_name,
                class_name: a.class_name,
                programme: state.programme_title(&a.programme, lang),
                url: tour_url(lang, &a.programme),
            })
        }
        Ok(_) => None,
        Err(e) => return Err(state.internal(lang, "reading a student failed", e)),
    };
    let view = JoinView {
        lang: lang.code(),
        other_lang: lang.other().code(),
        twin: format!(
            "/{}tour/{}",
            lang.other().prefix(),
            if code.is_empty() {
                String::new()
            } else {
                format!("?code={code}")
            }
        ),
        prefix: lang.prefix(),
        root: "/",
        museum: state
            .museum
            .pick(lang)
            .map(|(s, _)| s.to_string())
            .unwrap_or_default(),
        code: learn::spaced_code(&code),
        name,
        error,
        current,
    };
    state.page(status, "learn/join.html", lang, &view)
}

async fn join(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    if !same_origin(&headers) {
        return Err(state.refuse(lang, StatusCode::FORBIDDEN, &["form.cross_site"]));
    }
    let Ok(Form(form)) = form else {
        return Err(state.refuse(lang, StatusCode::BAD_REQUEST, &["form.problem"]));
    };
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let now = crate::visits::now();
    let client = client_limit(
        &state,
        &ext,
        "join",
        MAX_JOIN_FAILURES,
        now,
        lang,
        "tour.too_many",
    )?;
    let typed_code = field("code");
    let again = |key: &str, status: StatusCode, args: &[(&str, &str)]| {
        let mut msg = state.locales.text(lang, key);
        for (k, v) in args {
            msg = msg.replace(&format!("{{{k}}}"), v);
        }
        let (code, name) = (
            learn::normalise_code(&typed_code).unwrap_or(typed_code.clone()),
            field("name"),
        );
        (msg, status, code, name)
    };
    let assignment = match learn::normalise_code(&typed_code) {
        Some(code) => state
            .store
            .assignment_by_code(&code)
            .await
            .map_err(|e| state.internal(lang, "finding a class code failed", e))?,
        None => None,
    };
    let refused = match &assignment {
        None => Some(again("tour.code_unknown", StatusCode::NOT_FOUND, &[])),
        Some(a) => match a.status(Day::today()) {
            Status::NotYetOpen => Some(again(
                "tour.not_open",
                StatusCode::FORBIDDEN,
                &[("date", &a.opens)],
            )),
            Status::Closed => Some(again(
                "tour.closed",
                StatusCode::FORBIDDEN,
                &[("date", &a.closes)],
            )),
            Status::Open => None,
        },
    };
    if let Some((msg, status, code, name)) = refused {
        if status == StatusCode::NOT_FOUND
            && let Some(k) = &client
        {
            state.limiter.fail(k, now);
        }
        return render_join(&state, lang, &headers, code, name, Some(msg), status).await;
    }
    let Some(a) = assignment else {
        return Err(state.refuse(lang, StatusCode::NOT_FOUND, &["tour.code_unknown"]));
    };
    let name = match learn::display_name(&field("name")) {
        Ok(n) => n,
        Err(key) => {
            let (msg, status, code, name) = again(key, StatusCode::UNPROCESSABLE_ENTITY, &[]);
            return render_join(&state, lang, &headers, code, name, Some(msg), status).await;
        }
    };
    let token = accounts::new_token();
    let hash = accounts::token_hash(&state.secret, &token);
    match state.store.join(a.id, &name, &hash, lang.code(), now).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            let (msg, status, code, name) = again("tour.name_taken", StatusCode::CONFLICT, &[]);
            return render_join(&state, lang, &headers, code, name, Some(msg), status).await;
        }
        Err(e) => return Err(state.internal(lang, "joining a class failed", e)),
    }
    // The cookie lasts until a month after the assignment closes: the student can come back.
    let closes = crate::visits::parse_iso_day(&a.closes).map_or(now, |d| d.to_unix() + 86_400);
    let max_age = (closes - now).max(0) + 30 * 86_400;
    let mut res = Redirect::to(&tour_url(lang, &a.programme)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{TOUR_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            if secure(&state, &headers) { "; Secure" } else { "" }
        ))
        .map_err(|e| state.internal(lang, "a cookie could not be made", e))?,
    );
    Ok(res)
}

#[derive(Serialize)]
struct TourState {
    student: i64,
    name: String,
    class_name: String,
    programme: String,
    tour_url: String,
    status: Status,
    closes: String,
    submitted: bool,
    /// Stop number → the answer as stored (choice numbers "0,2", the text, the number found).
    answers: BTreeMap<String, String>,
}

/// A refusal for the tour's script (JSON) or for a plain form post (a page).
fn refuse(state: &AppState, lang: Lang, json: bool, status: StatusCode, msg: String) -> Response {
    if json {
        json_response(status, &serde_json::json!({ "error": msg }))
    } else {
        state.refuse_lines(lang, status, &[msg]).into_response()
    }
}

/// A JSON answer for the tour's script, never cached.
fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

fn wants_json(h: &HeaderMap) -> bool {
    h.get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

async fn state_json(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::Vi;
    let (s, a) = match student_of(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            let msg = state.locales.text(lang, "tour.join_first");
            return refuse(&state, lang, true, StatusCode::UNAUTHORIZED, msg);
        }
        Err(e) => {
            return state
                .internal(lang, "reading a student failed", e)
                .into_response();
        }
    };
    let answers = match state.store.answers_of(s.id).await {
        Ok(answers) => answers
            .into_iter()
            .map(|x| (x.stop.to_string(), x.answer))
            .collect(),
        Err(e) => return state.internal(lang, "reading answers failed", e).into_response(),
    };
    let lang = lang_named(&s.lang);
    let body = TourState {
        student: s.id,
        name: s.display_name,
        class_name: a.class_name.clone(),
        tour_url: tour_url(lang, &a.programme),
        programme: a.programme.clone(),
        status: a.status(Day::today()),
        closes: a.closes.clone(),
        submitted: s.submitted_at.is_some(),
        answers,
    };
    json_response(StatusCode::OK, &body)
}

/// Why a student may not answer now, as an interface string with its date.
fn closed_for(state: &AppState, lang: Lang, s: &Student, a: &Assignment) -> Option<(StatusCode, String)> {
    match a.status(Day::today()) {
        Status::Closed => Some((
            StatusCode::FORBIDDEN,
            state
                .locales
                .text(lang, "tour.closed")
                .replace("{date}", &a.closes),
        )),
        Status::NotYetOpen => Some((
            StatusCode::FORBIDDEN,
            state
                .locales
                .text(lang, "tour.not_open")
                .replace("{date}", &a.opens),
        )),
        Status::Open if s.submitted_at.is_some() => {
            Some((StatusCode::CONFLICT, state.locales.text(lang, "tour.submitted")))
        }
        Status::Open => None,
    }
}

async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let json = wants_json(&headers);
    let pairs = match form {
        Ok(Form(p)) => p,
        Err(r) => {
            let key = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "form.too_long"
            } else {
                "form.problem"
            };
            return refuse(
                &state,
                Lang::Vi,
                json,
                r.status(),
                state.locales.text(Lang::Vi, key),
            );
        }
    };
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let lang = lang_named(&field("lang"));
    let no =
        |status: StatusCode, key: &str| refuse(&state, lang, json, status, state.locales.text(lang, key));
    if !same_origin(&headers) {
        return no(StatusCode::FORBIDDEN, "form.cross_site");
    }
    let (s, a) = match student_of(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return no(StatusCode::UNAUTHORIZED, "tour.join_first"),
        Err(e) => {
            return state
                .internal(lang, "reading a student failed", e)
                .into_response();
        }
    };
    if field("programme") != a.programme {
        return no(StatusCode::CONFLICT, "tour.other_programme");
    }
    if let Some((status, msg)) = closed_for(&state, lang, &s, &a) {
        return refuse(&state, lang, json, status, msg);
    }
    let Some(p) = state.programmes.get(&a.programme) else {
        return no(StatusCode::GONE, "tour.programme_gone");
    };
    let n: usize = field("stop").trim().parse().unwrap_or(0);
    let Some((stop, q)) = n
        .checked_sub(1)
        .and_then(|i| p.stops.get(i))
        .and_then(|st| st.question.as_ref().map(|q| (st, q)))
    else {
        return no(StatusCode::UNPROCESSABLE_ENTITY, "tour.stop_unknown");
    };
    let given = Given {
        choices: pairs
            .iter()
            .filter(|(k, _)| k == "choice")
            .map(|(_, v)| v.clone())
            .collect(),
        text: field("text"),
        found: field("found"),
    };
    let marked = match learn::mark(q, &stop.item, &given) {
        Ok(m) => m,
        Err(key) => return no(StatusCode::UNPROCESSABLE_ENTITY, key),
    };
    if let Err(e) = state
        .store
        .save_answer(
            s.id,
            n as i64,
            &marked.answer,
            marked.correct,
            crate::visits::now(),
        )
        .await
    {
        return state
            .internal(lang, "storing an answer failed", e)
            .into_response();
    }
    if json {
        json_response(StatusCode::OK, &serde_json::json!({ "saved": true, "stop": n }))
    } else {
        let next = if n < p.stops.len() {
            format!("#stop-{}", n + 1)
        } else {
            "#finish".into()
        };
        Redirect::to(&format!("{}{next}", tour_url(lang, &a.programme))).into_response()
    }
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = form
        .as_ref()
        .ok()
        .and_then(|f| f.get("lang"))
        .map_or(Lang::Vi, |l| lang_named(l));
    if !same_origin(&headers) {
        return state
            .refuse(lang, StatusCode::FORBIDDEN, &["form.cross_site"])
            .into_response();
    }
    let (s, a) = match student_of(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return state
                .refuse(lang, StatusCode::UNAUTHORIZED, &["tour.join_first"])
                .into_response();
        }
        Err(e) => {
            return state
                .internal(lang, "reading a student failed", e)
                .into_response();
        }
    };
    if let Some((status, msg)) = closed_for(&state, lang, &s, &a) {
        if s.submitted_at.is_none() {
            return state.refuse_lines(lang, status, &[msg]).into_response();
        }
    } else if let Err(e) = state.store.submit(s.id, crate::visits::now()).await {
        return state.internal(lang, "handing in failed", e).into_response();
    }
    Redirect::to(&format!("/{}tour/done/", lang.prefix())).into_response()
}

#[derive(Serialize)]
struct DoneView {
    lang: &'static str,
    other_lang: &'static str,
    twin: String,
    prefix: &'static str,
    root: &'static str,
    museum: String,
    name: String,
    class_name: String,
    programme: String,
    tour: String,
    submitted: bool,
    show_answers: bool,
    answered: usize,
    questions: usize,
    score: usize,
    scored: usize,
    rows: Vec<DoneRow>,
}

#[derive(Serialize)]
struct DoneRow {
    number: usize,
    prompt: String,
    yours: String,
    right: String,
    correct: Option<bool>,
}

async fn done(State(state): State<AppState>, Ui(lang): Ui, headers: HeaderMap) -> Result<Response, WebError> {
    let Some((s, a)) = student_of(&state, &headers)
        .await
        .map_err(|e| state.internal(lang, "reading a student failed", e))?
    else {
        return Err(state.refuse(lang, StatusCode::UNAUTHORIZED, &["tour.join_first"]));
    };
    let mine: BTreeMap<i64, (String, Option<bool>)> = state
        .store
        .answers_of(s.id)
        .await
        .map_err(|e| state.internal(lang, "reading answers failed", e))?
        .into_iter()
        .map(|x| (x.stop, (x.answer, x.correct)))
        .collect();
    let p = state.programmes.get(&a.programme);
    let rows: Vec<DoneRow> = p.map(|p| question_rows(p, lang, &mine)).unwrap_or_default();
    let view = DoneView {
        lang: lang.code(),
        other_lang: lang.other().code(),
        twin: format!("/{}tour/done/", lang.other().prefix()),
        prefix: lang.prefix(),
        root: "/",
        museum: state
            .museum
            .pick(lang)
            .map(|(t, _)| t.to_string())
            .unwrap_or_default(),
        name: s.display_name.clone(),
        class_name: a.class_name.clone(),
        programme: state.programme_title(&a.programme, lang),
        tour: tour_url(lang, &a.programme),
        submitted: s.submitted_at.is_some(),
        show_answers: a.show_answers && s.submitted_at.is_some(),
        answered: mine.len(),
        questions: rows.len(),
        score: rows.iter().filter(|r| r.correct == Some(true)).count(),
        scored: p.map_or(0, learn::scored_questions),
        rows,
    };
    state.page(StatusCode::OK, "learn/done.html", lang, &view)
}

fn question_rows(p: &Programme, lang: Lang, mine: &BTreeMap<i64, (String, Option<bool>)>) -> Vec<DoneRow> {
    p.stops
        .iter()
        .enumerate()
        .filter_map(|(i, st)| st.question.as_ref().map(|q| (i + 1, st, q)))
        .map(|(n, st, q)| {
            let got = mine.get(&(n as i64));
            DoneRow {
                number: n,
                prompt: q
                    .prompt
                    .pick(lang)
                    .map(|(t, _)| t.to_string())
                    .unwrap_or_default(),
                yours: got
                    .map(|(a, _)| learn::shown_answer(q, a, lang))
                    .unwrap_or_default(),
                right: learn::right_answer(q, &st.item, lang),
                correct: got.and_then(|(_, c)| *c),
            }
        })
        .collect()
}

/// A label's QR code scanned during a tour: when the object is one the tour asks to find, the
/// find is recorded and the student goes back to that stop. None: an ordinary scan.
pub async fn found_by_scan(state: &AppState, h: &HeaderMap, object: &str) -> Option<Response> {
    let (s, a) = student_of(state, h).await.ok()??;
    closed_for(state, Lang::Vi, &s, &a).is_none().then_some(())?;
    let p = state.programmes.get(&a.programme)?;
    let n = p.stops.iter().position(|st| {
        st.item.eq_ignore_ascii_case(object)
            && st
                .question
                .as_ref()
                .is_some_and(|q| q.kind == crate::content::QuestionKind::Find)
    })? + 1;
    let answer = object.to_ascii_uppercase();
    state
        .store
        .save_answer(s.id, n as i64, &answer, Some(true), crate::visits::now())
        .await
        .ok()?;
    let lang = lang_named(&s.lang);
    Some(Redirect::to(&format!("{}?found={n}#stop-{n}", tour_url(lang, &a.programme))).into_response())
}
