// Contests in the staff area: every contest's rounds with their entries, and for one round the
// ranking (score, then the prediction's distance, then the time taken, ties shown), the winners
// list to publish with names shortened as the contest says, participation per school and per
// grade, the questions most often missed, a CSV (contacts for managers only), a printable
// certificate per entrant, and a manager's deletion of an entry at the entrant's request.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{ManagerRole, Posted, Staff};
use super::pages::WebError;
use super::signup::pick;
use super::staff::{Frame, csv_response};
use crate::accounts::Role;
use crate::content::{Contest, Lang, Round};
use crate::contests::{self, Entry, Missed, Participation, Ranked};
use crate::report::csv;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/staff", "/en/staff"] {
        r = r
            .route(&format!("{p}/contests/"), get(list))
            .route(&format!("{p}/contests/{{slug}}/{{round}}/"), get(round_page))
            .route(
                &format!("{p}/contests/{{slug}}/{{round}}/results.csv"),
                get(results_csv),
            )
            .route(
                &format!("{p}/contests/{{slug}}/{{round}}/certificate/{{id}}/"),
                get(certificate),
            )
            .route(
                &format!("{p}/contests/{{slug}}/{{round}}/delete/{{id}}/"),
                post(delete),
            )
            .route(
                &format!("{p}/contests/{{slug}}/{{round}}/publish/"),
                post(publish_results),
            );
    }
    r
}

#[derive(Serialize)]
struct RoundRow {
    number: u32,
    title: String,
    opens: String,
    closes: String,
    /// "upcoming", "open" or "over" now.
    state: &'static str,
    started: usize,
    submitted: usize,
    url: String,
}

#[derive(Serialize)]
struct ContestRow {
    slug: String,
    title: String,
    rounds: Vec<RoundRow>,
}

#[derive(Serialize)]
struct ListView {
    #[serde(flatten)]
    frame: Frame,
    contests: Vec<ContestRow>,
}

fn round_state(r: &Round, now: i64) -> &'static str {
    if now < r.opens.unix() {
        "upcoming"
    } else if now < r.closes.unix() {
        "open"
    } else {
        "over"
    }
}

async fn list(State(state): State<AppState>, me: Staff) -> Result<Response, WebError> {
    let lang = me.lang;
    let now = crate::visits::now();
    let all = state.contests();
    let mut contests = Vec::new();
    for c in all.values() {
        let mut rounds = Vec::new();
        for r in &c.rounds {
            let entries = state
                .store
                .entries_of(&c.slug, r.number)
                .await
                .map_err(|e| state.internal(lang, "reading contest entries failed", e))?;
            rounds.push(RoundRow {
                number: r.number,
                title: pick(&r.title, lang),
                opens: crate::render::events::moment_text(r.opens, lang),
                closes: crate::render::events::moment_text(r.closes, lang),
                state: round_state(r, now),
                started: entries.len(),
                submitted: entries.iter().filter(|e| e.submitted_ms.is_some()).count(),
                url: format!("/{}staff/contests/{}/{}/", lang.prefix(), c.slug, r.number),
            });
        }
        contests.push(ContestRow {
            slug: c.slug.clone(),
            title: pick(&c.title, lang),
            rounds,
        });
    }
    let view = ListView {
        frame: Frame::new(&me, "contests", "contests/"),
        contests,
    };
    state.page(StatusCode::OK, "staff/contests.html", lang, &view)
}

fn the_round(state: &AppState, lang: Lang, slug: &str, round: &str) -> Result<(Contest, Round), WebError> {
    let c = state.contests().get(slug).cloned();
    let found = c.and_then(|c| {
        let r = round.parse().ok().and_then(|n| c.round(n).cloned())?;
        Some((c, r))
    });
    found.ok_or_else(|| {
        state.error_page(
            lang,
            StatusCode::NOT_FOUND,
            &[state.locales.text(lang, "contest.no_contest")],
            Some((
                &format!("/{}staff/contests/", lang.prefix()),
                state.locales.text(lang, "staff.contests"),
            )),
        )
    })
}

/// A ranked line as shown.
#[derive(Serialize)]
struct Line {
    id: i64,
    rank: usize,
    tied: bool,
    name: String,
    published_name: String,
    school: String,
    grade: Option<u8>,
    birth_year: Option<i32>,
    score: i64,
    total: i64,
    prediction: Option<i64>,
    distance: Option<i64>,
    time: String,
    submitted: String,
    contact: String,
}

/// The winners of a ranked round: every entry placed within the contest's number of winners (a
/// shared last place is listed whole), none without a right answer.
pub(super) fn winners<'a>(c: &Contest, ranked: &'a [Ranked]) -> impl Iterator<Item = &'a Ranked> {
    let n = c.winners;
    ranked
        .iter()
        .filter(move |x| x.rank <= n && x.entry.score.unwrap_or(0) > 0)
}

pub(super) fn mm_ss(secs: Option<i64>) -> String {
    secs.map(|s| format!("{}:{:02}", s / 60, s % 60))
        .unwrap_or_default()
}

fn line(c: &Contest, r: &Ranked, lang: Lang, personal: bool) -> Line {
    let e = &r.entry;
    let name = e.name.clone().unwrap_or_default();
    Line {
        id: e.id,
        rank: r.rank,
        tied: r.tied,
        published_name: c.winner_names.apply(&name),
        name,
        school: e.school.clone(),
        grade: e.grade,
        birth_year: e.birth_year,
        score: e.score.unwrap_or(0),
        total: e.total,
        prediction: e.prediction,
        distance: r.distance,
        time: mm_ss(e.seconds()),
        submitted: e
            .submitted_ms
            .map(|s| super::contest::clock(s, lang))
            .unwrap_or_default(),
        contact: if personal {
            e.contact.clone().unwrap_or_default()
        } else {
            String::new()
        },
    }
}

#[derive(Serialize)]
struct MissedRow {
    prompt: String,
    asked: i64,
    wrong: i64,
    percent: i64,
}

#[derive(Serialize)]
struct RoundView {
    #[serde(flatten)]
    frame: Frame,
    slug: String,
    title: String,
    round: u32,
    round_title: String,
    opens: String,
    closes: String,
    state: &'static str,
    started: usize,
    submitted: usize,
    /// Entries with every answer right (what the prediction question asks).
    perfect: i64,
    lines: Vec<Line>,
    /// The first `winners` places (more when the last place is shared).
    winners: Vec<Line>,
    winners_count: usize,
    name_style: &'static str,
    participation: Participation,
    missed: Vec<MissedRow>,
    csv: String,
    base: String,
    /// When and by whom the winners were put on the public results page.
    published: Option<(String, String)>,
    /// The public results page.
    results: String,
}

async fn round_entries(state: &AppState, lang: Lang, c: &Contest, r: &Round) -> Result<Vec<Entry>, WebError> {
    state
        .store
        .entries_of(&c.slug, r.number)
        .await
        .map_err(|e| state.internal(lang, "reading contest entries failed", e))
}

/// A round and its sent entries in ranking order.
async fn ranked_round(
    state: &AppState,
    lang: Lang,
    slug: &str,
    round: &str,
) -> Result<(Contest, Round, Vec<Ranked>), WebError> {
    let (c, r) = the_round(state, lang, slug, round)?;
    let entries = round_entries(state, lang, &c, &r).await?;
    let (ranked, _) = contests::rank(entries);
    Ok((c, r, ranked))
}

async fn round_page(
    State(state): State<AppState>,
    me: Staff,
    Path((slug, round)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let (c, r) = the_round(&state, lang, &slug, &round)?;
    let entries = round_entries(&state, lang, &c, &r).await?;
    let started = entries.len();
    let participation = contests::participation(&entries);
    let missed: Vec<MissedRow> = contests::most_missed(&entries)
        .into_iter()
        .map(|Missed { q, asked, wrong }| MissedRow {
            prompt: c
                .question(&q)
                .map(|b| pick(&b.question.prompt, lang))
                .unwrap_or(q),
            percent: if asked > 0 {
                (wrong * 100 + asked / 2) / asked
            } else {
                0
            },
            asked,
            wrong,
        })
        .collect();
    let (ranked, perfect) = contests::rank(entries);
    let personal = me.account.role.allows(Role::Manager);
    let lines: Vec<Line> = ranked.iter().map(|x| line(&c, x, lang, personal)).collect();
    let winners: Vec<Line> = winners(&c, &ranked).map(|x| line(&c, x, lang, false)).collect();
    let base = format!("/{}staff/contests/{}/{}/", lang.prefix(), c.slug, r.number);
    let published = state
        .store
        .results_published(&c.slug)
        .await
        .map_err(|e| state.internal(lang, "reading the published results failed", e))?
        .into_iter()
        .find(|(n, _, _)| *n == r.number)
        .map(|(_, at, by)| (super::contest::clock(at * 1000, lang), by));
    let view = RoundView {
        frame: Frame::new(&me, "contests", &format!("contests/{}/{}/", c.slug, r.number)),
        slug: c.slug.clone(),
        title: pick(&c.title, lang),
        round: r.number,
        round_title: pick(&r.title, lang),
        opens: crate::render::events::moment_text(r.opens, lang),
        closes: crate::render::events::moment_text(r.closes, lang),
        state: round_state(&r, crate::visits::now()),
        started,
        submitted: lines.len(),
        perfect,
        lines,
        winners,
        winners_count: c.winners,
        name_style: c.winner_names.code(),
        participation,
        missed,
        csv: format!("{base}results.csv"),
        base,
        published,
        results: format!("/{}thi/{}/ket-qua/", lang.prefix(), c.slug),
    };
    state.page(StatusCode::OK, "staff/contest-round.html", lang, &view)
}

async fn results_csv(
    State(state): State<AppState>,
    me: Staff,
    Path((slug, round)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let (c, r, ranked) = ranked_round(&state, lang, &slug, &round).await?;
    // Contacts leave the server only in a manager's download (as with visits and sign-ups).
    let personal = me.account.role.allows(Role::Manager);
    let mut header = vec![
        "rank",
        "tied",
        "name",
        "published_name",
        "school",
        "grade",
        "birth_year",
        "score",
        "questions",
        "prediction",
        "prediction_distance",
        "seconds",
        "submitted_at",
    ];
    if personal {
        header.push("contact");
    }
    let rows: Vec<Vec<String>> = ranked
        .iter()
        .map(|x| {
            let e = &x.entry;
            let name = e.name.clone().unwrap_or_default();
            let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            let mut row = vec![
                x.rank.to_string(),
                if x.tied { "yes" } else { "" }.to_string(),
                name.clone(),
                c.winner_names.apply(&name),
                e.school.clone(),
                opt(e.grade.map(i64::from)),
                opt(e.birth_year.map(i64::from)),
                opt(e.score),
                e.total.to_string(),
                opt(e.prediction),
                opt(x.distance),
                opt(e.seconds()),
                e.submitted_ms
                    .map(|s| csv::iso_instant(s.div_euclid(1000)))
                    .unwrap_or_default(),
            ];
            if personal {
                row.push(e.contact.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    Ok(csv_response(
        &format!("{}-vong-{}.csv", c.slug, r.number),
        csv::document(&header, rows),
    ))
}

#[derive(Serialize)]
struct CertificateView {
    #[serde(flatten)]
    frame: Frame,
    museum: String,
    contest: String,
    round_title: String,
    round: u32,
    name: String,
    school: String,
    rank: usize,
    score: i64,
    total: i64,
    day: String,
    back: String,
}

async fn certificate(
    State(state): State<AppState>,
    me: Staff,
    Path((slug, round, id)): Path<(String, String, i64)>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let (c, r, ranked) = ranked_round(&state, lang, &slug, &round).await?;
    let Some(x) = ranked.iter().find(|x| x.entry.id == id) else {
        return Err(state.refuse(lang, StatusCode::NOT_FOUND, &["contest.unknown_entry"]));
    };
    let view = CertificateView {
        frame: Frame::new(
            &me,
            "contests",
            &format!("contests/{slug}/{round}/certificate/{id}/"),
        ),
        museum: pick(&state.museum, lang),
        contest: pick(&c.title, lang),
        round_title: pick(&r.title, lang),
        round: r.number,
        // A certificate carries the full name, as the entrant wrote it.
        name: x.entry.name.clone().unwrap_or_default(),
        school: x.entry.school.clone(),
        rank: x.rank,
        score: x.entry.score.unwrap_or(0),
        total: x.entry.total,
        day: crate::render::views::format_day(crate::content::Day::today(), lang),
        back: format!("/{}staff/contests/{slug}/{}/", lang.prefix(), r.number),
    };
    state.page(StatusCode::OK, "staff/certificate.html", lang, &view)
}

/// Put a round's winners on the contest's public results page (`action=publish`, again after
/// a correction), or take them down (`action=withdraw`). Managers only, once the round is over:
/// names leave the staff area only by this decision.
async fn publish_results(
    State(state): State<AppState>,
    Path((slug, round)): Path<(String, String)>,
    posted: Posted<ManagerRole>,
) -> Result<Response, WebError> {
    let lang = posted.me.lang;
    let (c, r) = the_round(&state, lang, &slug, &round)?;
    let by = match posted.form.get("action").map(String::as_str) {
        Some("publish") => Some(posted.me.account.username.as_str()),
        Some("withdraw") => None,
        _ => return Err(state.refuse(lang, StatusCode::UNPROCESSABLE_ENTITY, &["contest.publish_what"])),
    };
    if by.is_some() && round_state(&r, crate::visits::now()) != "over" {
        return Err(state.refuse(lang, StatusCode::CONFLICT, &["contest.publish_not_over"]));
    }
    state
        .store
        .set_results_published(&c.slug, r.number, by, crate::visits::now())
        .await
        .map_err(|e| state.internal(lang, "publishing contest results failed", e))?;
    Ok(Redirect::to(&format!(
        "/{}staff/contests/{}/{}/#winners-h",
        lang.prefix(),
        c.slug,
        r.number
    ))
    .into_response())
}

async fn delete(
    State(state): State<AppState>,
    Path((slug, round, id)): Path<(String, String, i64)>,
    posted: Posted<ManagerRole>,
) -> Result<Response, WebError> {
    let lang = posted.me.lang;
    let (c, r) = the_round(&state, lang, &slug, &round)?;
    let found = state
        .store
        .entry(id)
        .await
        .map_err(|e| state.internal(lang, "reading a contest entry failed", e))?;
    if found.is_none_or(|e| e.contest != c.slug || e.round != r.number) {
        return Err(state.refuse(lang, StatusCode::NOT_FOUND, &["contest.unknown_entry"]));
    }
    state
        .store
        .delete_entry(id)
        .await
        .map_err(|e| state.internal(lang, "deleting a contest entry failed", e))?;
    Ok(Redirect::to(&format!(
        "/{}staff/contests/{}/{}/?deleted=1",
        lang.prefix(),
        c.slug,
        r.number
    ))
    .into_response())
}
