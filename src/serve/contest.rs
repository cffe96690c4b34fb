// Taking part in a quiz contest (with `vitrine serve`). The built contest page is completed with
// the round open now and a link to the entry form. The form takes the entrant's name, school or
// where they are from, grade or year of birth, and a contact only if they wish, all with
// consent; one entry per person per round (by contact, else by this device and the name). The
// entry's questions are drawn and their choices shuffled for it alone, shown on a page whose
// address holds a random token (the store keeps its keyed hash), and marked here on the server:
// no page holds an answer before the round is over. Late, over-time, second and forged answer
// sheets are refused with a message.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

use super::AppState;
use super::auth::{client_limit, cookie, visitor_form};
use super::pages::{Ui, WebError};
use super::signup::{Frame, frame, pick};
use crate::accounts;
use crate::content::{Contest, Lang, Phase, QuestionKind, Round};
use crate::contests::{self, Entry, GRACE_SECONDS, NewEntry, Refusal};
use crate::store::Started;

const FORM_LIMIT: usize = 32 * 1024;
/// Entries started from one client address in the limiter's window: a class in a school's
/// computer room shares one address, a script sending hundreds does not get through.
const MAX_ENTRIES_PER_CLIENT: usize = 60;
/// The device cookie behind the one-entry rule when no contact is given.
pub const DEVICE_COOKIE: &str = "vitrine_device";

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["", "/en"] {
        r = r
            .route(&format!("{p}/thi/{{slug}}/"), get(contest_page))
            .route(&format!("{p}/thi/{{slug}}/du-thi/"), get(form_page).post(start))
            .route(&format!("{p}/thi/{{slug}}/ket-qua/"), get(results_page))
            .route(&format!("{p}/bai-thi/{{token}}/"), get(sheet).post(submit));
    }
    r.layer(DefaultBodyLimit::max(FORM_LIMIT))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A time in Vietnam as people read it, from unix milliseconds.
pub(super) fn clock(ms: i64, lang: Lang) -> String {
    crate::render::events::moment_text(crate::content::Moment::of_millis(ms), lang)
}

fn contest_of(state: &AppState, slug: &str) -> Option<Contest> {
    state.contests().get(slug).cloned()
}

/// What the pages say about a contest now.
#[derive(Serialize)]
struct ContestFacts {
    slug: String,
    title: String,
    url: String,
    form: String,
    /// "open", "between" or "over".
    phase: &'static str,
    round: Option<RoundFacts>,
    questions: usize,
    time_limit: Option<u32>,
    prediction: bool,
}

#[derive(Serialize)]
struct RoundFacts {
    number: u32,
    title: String,
    opens: String,
    closes: String,
}

fn round_facts(r: &Round, lang: Lang) -> RoundFacts {
    RoundFacts {
        number: r.number,
        title: pick(&r.title, lang),
        opens: crate::render::events::moment_text(r.opens, lang),
        closes: crate::render::events::moment_text(r.closes, lang),
    }
}

fn facts(c: &Contest, lang: Lang, now: i64) -> ContestFacts {
    let pre = lang.prefix();
    let (phase, round) = match c.phase(now) {
        Phase::Open(r) => ("open", Some(round_facts(r, lang))),
        Phase::Between(r) => ("between", Some(round_facts(r, lang))),
        Phase::Over => ("over", None),
    };
    ContestFacts {
        slug: c.slug.clone(),
        title: pick(&c.title, lang),
        url: format!("/{pre}thi/{}/", c.slug),
        form: format!("/{pre}thi/{}/du-thi/", c.slug),
        phase,
        round,
        questions: c.questions_per_entry,
        time_limit: c.time_limit_minutes,
        prediction: c.prediction,
    }
}

/// The built contest page with its box (between `<!--contest-->` and `<!--/contest-->`) saying
/// which round is open now, with the entry form's link.
async fn contest_page(
    State(state): State<AppState>,
    Ui(lang): Ui,
    Path(slug): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let fallback = super::static_file(State(state.clone()), req);
    let Some(c) = contest_of(&state, &slug) else {
        return fallback.await;
    };
    let Some(built) =
        super::signup::built_box(&state, &format!("/{}thi/{slug}/", lang.prefix()), "contest").await
    else {
        return fallback.await;
    };
    #[derive(Serialize)]
    struct Box_ {
        lang: &'static str,
        root: &'static str,
        contest: ContestFacts,
        /// The public results page, once a round's winners are published.
        results: Option<String>,
    }
    let now = crate::visits::now();
    // A store that cannot be read hides the link; the page itself still opens.
    let published = state.store.results_published(&c.slug).await.unwrap_or_default();
    let shown = published
        .iter()
        .any(|(n, _, _)| c.round(*n).is_some_and(|r| now >= r.closes.unix()));
    let view = Box_ {
        lang: lang.code(),
        root: "/",
        contest: facts(&c, lang, now),
        results: shown.then(|| format!("/{}thi/{}/ket-qua/", lang.prefix(), c.slug)),
    };
    match state.pages.render("contests/box.html", &view) {
        Ok(html) => built.filled(&html),
        Err(err) => state
            .internal(lang, "the contest box failed to render", err)
            .into_response(),
    }
}

/// One winner as the public results page shows them: the name shortened as the contest says,
/// and no contact, grade or year of birth.
#[derive(Serialize)]
struct Winner {
    rank: usize,
    tied: bool,
    name: String,
    school: String,
    score: i64,
    total: i64,
    time: String,
}

#[derive(Serialize)]
struct ResultRound {
    number: u32,
    title: String,
    opens: String,
    closes: String,
    entries: usize,
    /// None: the round is over but its winners are not published yet (or it is not over).
    winners: Option<Vec<Winner>>,
    over: bool,
    published_at: Option<String>,
}

#[derive(Serialize)]
struct ResultsView {
    #[serde(flatten)]
    frame: Frame,
    contest: ContestFacts,
    rounds: Vec<ResultRound>,
    name_style: &'static str,
}

/// `/thi/<name>/ket-qua/`: the winners of every round whose list staff have published, live
/// from the ranking (an entry deleted at its entrant's request leaves the list at once).
async fn results_page(
    State(state): State<AppState>,
    Ui(lang): Ui,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let Some(c) = contest_of(&state, &slug) else {
        return Err(not_found(&state, lang));
    };
    let published = state
        .store
        .results_published(&c.slug)
        .await
        .map_err(|e| state.internal(lang, "reading the published results failed", e))?;
    let now = crate::visits::now();
    let mut rounds = Vec::new();
    for r in &c.rounds {
        let when = published
            .iter()
            .find(|(n, _, _)| *n == r.number)
            .map(|(_, at, _)| *at);
        let over = now >= r.closes.unix();
        let (entries, winners) = match when.filter(|_| over) {
            Some(_) => {
                let entries = state
                    .store
                    .entries_of(&c.slug, r.number)
                    .await
                    .map_err(|e| state.internal(lang, "reading contest entries failed", e))?;
                let (ranked, _) = contests::rank(entries);
                let list = super::ranking::winners(&c, &ranked)
                    .map(|x| Winner {
                        rank: x.rank,
                        tied: x.tied,
                        name: c.winner_names.apply(x.entry.name.as_deref().unwrap_or("")),
                        school: x.entry.school.clone(),
                        score: x.entry.score.unwrap_or(0),
                        total: x.entry.total,
                        time: super::ranking::mm_ss(x.entry.seconds()),
                    })
                    .collect();
                (ranked.len(), Some(list))
            }
            None => (0, None),
        };
        let f = round_facts(r, lang);
        rounds.push(ResultRound {
            number: r.number,
            title: f.title,
            opens: f.opens,
            closes: f.closes,
            entries,
            winners,
            over,
            published_at: when.filter(|_| over).map(|at| clock(at * 1000, lang)),
        });
    }
    let view = ResultsView {
        frame: frame(&state, lang, &format!("thi/{}/ket-qua/", c.slug)),
        contest: facts(&c, lang, now),
        rounds,
        name_style: c.winner_names.code(),
    };
    let html = state
        .pages
        .render("contests/results.html", &view)
        .map_err(|e| state.internal(lang, "the results page failed to render", e))?;
    Ok(([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response())
}

#[derive(Serialize, Default)]
struct Fields {
    name: String,
    school: String,
    grade: String,
    birth_year: String,
    contact: String,
    consent: String,
}

impl Fields {
    fn from_map(m: &BTreeMap<String, String>) -> Fields {
        let g = |k: &str| m.get(k).cloned().unwrap_or_default();
        Fields {
            name: g("name"),
            school: g("school"),
            grade: g("grade"),
            birth_year: g("birth_year"),
            contact: g("contact"),
            consent: g("consent"),
        }
    }
}

#[derive(Serialize)]
struct FormView {
    #[serde(flatten)]
    frame: Frame,
    contest: ContestFacts,
    values: Fields,
    errors: Fields,
    refused: bool,
}

fn not_found(state: &AppState, lang: Lang) -> WebError {
    state.error_page(
        lang,
        StatusCode::NOT_FOUND,
        &[state.locales.text(lang, "contest.no_contest")],
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

/// A random device key, set once and kept for a year: the one-entry rule's "this device".
fn device_of(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, DEVICE_COOKIE).filter(|v| v.len() == 32) {
        Some(d) => (d, false),
        None => {
            let key = accounts::random_key();
            (key[..16].iter().map(|b| format!("{b:02x}")).collect(), true)
        }
    }
}

fn with_device(mut res: Response, device: &str, new: bool, secure: bool) -> Response {
    if new {
        let c = format!(
            "{DEVICE_COOKIE}={device}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{}",
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

async fn form_page(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let Some(c) = contest_of(&state, &slug) else {
        return Err(not_found(&state, lang));
    };
    let (device, new) = device_of(&headers);
    let res = render_form(
        &state,
        lang,
        &c,
        Fields::default(),
        Fields::default(),
        false,
        StatusCode::OK,
    )?;
    Ok(with_device(
        res,
        &device,
        new,
        super::auth::secure(&state, &headers),
    ))
}

fn render_form(
    state: &AppState,
    lang: Lang,
    c: &Contest,
    values: Fields,
    errors: Fields,
    refused: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = FormView {
        frame: frame(state, lang, &format!("thi/{}/du-thi/", c.slug)),
        contest: facts(c, lang, crate::visits::now()),
        values,
        errors,
        refused,
    };
    state.page(status, "contests/enter.html", lang, &view)
}

fn closed(state: &AppState, lang: Lang, c: &Contest, key: &str) -> WebError {
    state.error_page(
        lang,
        StatusCode::CONFLICT,
        &[state.locales.text(lang, key)],
        Some((
            &format!("/{}thi/{}/", lang.prefix(), c.slug),
            pick(&c.title, lang),
        )),
    )
}

async fn start(
    State(state): State<AppState>,
    Ui(lang): Ui,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    let form = visitor_form(&state, lang, &headers, form)?;
    let Some(c) = contest_of(&state, &slug) else {
        return Err(not_found(&state, lang));
    };
    let now = crate::visits::now();
    let round = match c.phase(now) {
        Phase::Open(r) => r.clone(),
        Phase::Between(_) => return Err(closed(&state, lang, &c, "contest.not_open")),
        Phase::Over => return Err(closed(&state, lang, &c, "contest.over")),
    };
    let client = client_limit(
        &state,
        &ext,
        "contest",
        MAX_ENTRIES_PER_CLIENT,
        now,
        lang,
        "contest.too_many",
    )?;
    let consent = state.locales.text(lang, "contest.consent");
    let this_year = crate::content::Day::today().year;
    let entrant = match contests::validate(&form, this_year, &consent) {
        Ok(e) => e,
        Err(errors) => {
            let messages: BTreeMap<String, String> = errors
                .iter()
                .map(|x| (x.field.to_string(), state.locales.text(lang, x.key)))
                .collect();
            return render_form(
                &state,
                lang,
                &c,
                Fields::from_map(&form),
                Fields::from_map(&messages),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let (device, new_device) = device_of(&headers);
    let person_hash = accounts::token_hash(&state.secret, &contests::person(&entrant, &device));
    let started_ms = now_ms();
    let limit_end = c
        .time_limit_minutes
        .map_or(i64::MAX, |m| started_ms + i64::from(m) * 60_000);
    let new = NewEntry {
        contest: c.slug.clone(),
        round: round.number,
        person_hash,
        drawn: contests::draw(&c, &mut contests::OsDice::default()),
        entrant,
        started_ms,
        deadline_ms: limit_end.min(round.closes.unix() * 1000),
        lang: lang.code().to_string(),
    };
    let token = accounts::new_token();
    let hash = accounts::token_hash(&state.secret, &token);
    let started = state
        .store
        .start_entry(&new, &hash)
        .await
        .map_err(|err| state.internal(lang, "storing a contest entry failed", err))?;
    if let Some(k) = &client {
        state.limiter.fail(k, now);
    }
    if let Started::AlreadyIn(_) = started {
        return Err(closed(&state, lang, &c, "contest.already_in"));
    }
    let res = Redirect::to(&format!("/{}bai-thi/{token}/", lang.prefix())).into_response();
    Ok(with_device(
        res,
        &device,
        new_device,
        super::auth::secure(&state, &headers),
    ))
}

#[derive(Serialize)]
struct ShownQuestion {
    /// Its number on the sheet, from 0 (the form's `q<k>`).
    k: usize,
    multiple: bool,
    prompt: String,
    choices: Vec<String>,
    /// After the round: the shown positions ticked and the right ones, and the explanation.
    picked: Vec<usize>,
    right: Vec<usize>,
    ok: Option<bool>,
    answer: String,
    learn: Option<String>,
}

#[derive(Serialize)]
struct SheetView {
    #[serde(flatten)]
    frame: Frame,
    contest: ContestFacts,
    round: RoundFacts,
    action: String,
    questions: Vec<ShownQuestion>,
    /// "answering", "expired" (never sent in time), "received" (round still open) or "marked"
    /// (round over).
    state: &'static str,
    deadline: String,
    deadline_iso: String,
    submitted_at: String,
    seconds: Option<i64>,
    score: Option<i64>,
    total: i64,
    prediction: Option<i64>,
    error: Option<String>,
}

/// The link to where an answer can be learned: an object's page or an exhibition's.
fn learn_url(state: &AppState, lang: Lang, target: &str) -> Option<String> {
    let pre = lang.prefix();
    if state.catalogue.has_object(target) {
        Some(format!("/{pre}o/{target}/"))
    } else if state.catalogue.has_exhibit(target) {
        Some(format!("/{pre}e/{target}/"))
    } else {
        None
    }
}

async fn entry_of(state: &AppState, lang: Lang, token: &str) -> Result<(Entry, Contest), WebError> {
    let hash = accounts::token_hash(&state.secret, token);
    let found = state
        .store
        .entry_by_token(&hash)
        .await
        .map_err(|e| state.internal(lang, "reading a contest entry failed", e))?;
    let Some(e) = found else {
        return Err(state.refuse(lang, StatusCode::NOT_FOUND, &["contest.unknown_entry"]));
    };
    let Some(c) = contest_of(state, &e.contest) else {
        return Err(not_found(state, lang));
    };
    Ok((e, c))
}

/// The shown positions ticked for question `k` in a form sent back (kept when the sheet is shown
/// again with a message).
fn ticked(form: &BTreeMap<String, String>, k: usize) -> Vec<usize> {
    let single = form.get(&format!("q{k}")).and_then(|v| v.trim().parse().ok());
    let prefix = format!("q{k}_");
    let many = form
        .keys()
        .filter_map(|key| key.strip_prefix(&prefix))
        .filter_map(|j| j.parse().ok());
    single.into_iter().chain(many).collect()
}

fn sheet_view(
    state: &AppState,
    lang: Lang,
    token: &str,
    e: &Entry,
    c: &Contest,
    sent: Option<(&BTreeMap<String, String>, String)>,
) -> SheetView {
    let (sent, error) = match sent {
        Some((f, msg)) => (Some(f), Some(msg)),
        None => (None, None),
    };
    let now = crate::visits::now();
    let round = c.round(e.round);
    let over = round.is_none_or(|r| now >= r.closes.unix());
    let expired = e.submitted_ms.is_none() && now_ms() > e.deadline_ms + GRACE_SECONDS * 1000;
    let st = match (e.submitted_ms, over) {
        (None, _) if expired => "expired",
        (None, _) => "answering",
        (Some(_), false) => "received",
        (Some(_), true) => "marked",
    };
    let answered: BTreeMap<&str, &contests::Answered> =
        e.answers.iter().flatten().map(|a| (a.q.as_str(), a)).collect();
    let questions = e
        .drawn
        .iter()
        .enumerate()
        .filter_map(|(k, d)| {
            let bq = c.question(&d.q)?;
            let q = &bq.question;
            let shown = |bank: usize| d.order.iter().position(|o| *o == bank);
            let marked = st == "marked";
            let a = answered.get(d.q.as_str());
            Some(ShownQuestion {
                k,
                multiple: q.kind == QuestionKind::Multiple,
                prompt: pick(&q.prompt, lang),
                choices: d
                    .order
                    .iter()
                    .filter_map(|i| q.choices.get(*i))
                    .map(|ch| pick(&ch.text, lang))
                    .collect(),
                picked: if marked {
                    a.map(|a| a.chosen.iter().filter_map(|b| shown(*b)).collect())
                        .unwrap_or_default()
                } else {
                    sent.map(|f| ticked(f, k)).unwrap_or_default()
                },
                // The right answers only once the round is over: never in a page before.
                right: if marked {
                    q.choices
                        .iter()
                        .enumerate()
                        .filter(|(_, ch)| ch.correct)
                        .filter_map(|(i, _)| shown(i))
                        .collect()
                } else {
                    vec![]
                },
                ok: if marked { a.map(|a| a.ok) } else { None },
                answer: if marked {
                    pick(&q.answer, lang)
                } else {
                    String::new()
                },
                learn: if marked {
                    bq.learn.as_ref().and_then(|(t, _)| learn_url(state, lang, t))
                } else {
                    None
                },
            })
        })
        .collect();
    let fallback_round = RoundFacts {
        number: e.round,
        title: String::new(),
        opens: String::new(),
        closes: String::new(),
    };
    SheetView {
        frame: frame(state, lang, &format!("bai-thi/{token}/")),
        contest: facts(c, lang, now),
        round: round.map_or(fallback_round, |r| round_facts(r, lang)),
        action: format!("/{}bai-thi/{token}/", lang.prefix()),
        questions,
        state: st,
        deadline: clock(e.deadline_ms, lang),
        deadline_iso: {
            let secs = e.deadline_ms.div_euclid(1000);
            crate::report::csv::iso_instant(secs)
        },
        submitted_at: e.submitted_ms.map(|s| clock(s, lang)).unwrap_or_default(),
        seconds: e.seconds(),
        score: if st == "marked" { e.score } else { None },
        total: e.total,
        prediction: e.prediction.or_else(|| {
            sent.and_then(|f| f.get("prediction"))
                .and_then(|p| p.trim().parse().ok())
        }),
        error,
    }
}

fn sheet_response(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    view: &SheetView,
) -> Result<Response, WebError> {
    let mut res = state.page(status, "contests/sheet.html", lang, view)?;
    // The address is the entry's key: never sent on to other sites. (Not `no-referrer`: with
    // it a browser sends `Origin: null` with the sheet, which is then refused as cross-site.)
    res.headers_mut()
        .insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    Ok(res)
}

async fn sheet(
    State(state): State<AppState>,
    Ui(lang): Ui,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (e, c) = entry_of(&state, lang, &token).await?;
    let view = sheet_view(&state, lang, &token, &e, &c, None);
    sheet_response(&state, lang, StatusCode::OK, &view)
}

async fn submit(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    let form = visitor_form(&state, lang, &headers, form)?;
    let arrived = now_ms();
    let (e, c) = entry_of(&state, lang, &token).await?;
    let back = format!("/{}bai-thi/{token}/", lang.prefix());
    let refuse = |key: &str| {
        state.error_page(
            lang,
            StatusCode::CONFLICT,
            &[state.locales.text(lang, key)],
            Some((&back, state.locales.text(lang, "contest.your_entry"))),
        )
    };
    if e.submitted_ms.is_some() {
        return Err(refuse("contest.already_submitted"));
    }
    if arrived > e.deadline_ms + GRACE_SECONDS * 1000 {
        let closes = c.round(e.round).map_or(0, |r| r.closes.unix() * 1000);
        return Err(refuse(if arrived >= closes + GRACE_SECONDS * 1000 {
            "contest.round_closed"
        } else {
            "contest.over_time"
        }));
    }
    let marked = match contests::mark(&c, &e.drawn, &form) {
        Ok(m) => m,
        Err(Refusal::Forged) => {
            return Err(state.refuse(lang, StatusCode::UNPROCESSABLE_ENTITY, &["contest.forged"]));
        }
        Err(Refusal::Prediction) => {
            let msg = state.locales.text(lang, "contest.prediction_missing");
            let view = sheet_view(&state, lang, &token, &e, &c, Some((&form, msg)));
            return sheet_response(&state, lang, StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let stored = state
        .store
        .submit_entry(e.id, &marked, arrived)
        .await
        .map_err(|err| state.internal(lang, "storing answers failed", err))?;
    if !stored {
        return Err(refuse("contest.already_submitted"));
    }
    Ok(Redirect::to(&back).into_response())
}
