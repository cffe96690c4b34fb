// The teacher's side of a learning programme: assign a programme to a class (a class code, a
// link and a QR code to project), follow who joined and what they answered, export the results,
// erase the students' data. A teacher sees only their own assignments; staff and managers see
// every one. An assignment someone may not see is a 404, as if it did not exist.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{AnyRole, Posted, Signed};
use super::pages::WebError;
use super::staff::{Frame, csv_response};
use crate::accounts::Role;
use crate::content::{Day, Lang, Programme, QuestionKind};
use crate::learn::{self, Assignment};
use crate::report::csv;
use crate::store::{Answer, Student};

type Anyone = Signed<AnyRole>;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/teach", "/en/teach"] {
        r = r
            .route(&format!("{p}/"), get(list))
            .route(&format!("{p}/new/"), get(new_form).post(create))
            .route(&format!("{p}/a/{{id}}/"), get(results))
            .route(&format!("{p}/a/{{id}}/results.csv"), get(results_csv))
            .route(&format!("{p}/a/{{id}}/qr.svg"), get(qr_svg))
            .route(&format!("{p}/a/{{id}}/erase/"), post(erase))
            .route(&format!("{p}/a/{{id}}/closes/"), post(set_closes))
            .route(
                &format!("{p}/a/{{id}}/students/{{sid}}/erase/"),
                post(erase_student),
            );
    }
    r
}

#[derive(Serialize)]
struct ProgrammeChoice {
    slug: String,
    title: String,
    grades: String,
    subject: String,
    questions: usize,
}

fn programme_choices(state: &AppState, lang: Lang) -> Vec<ProgrammeChoice> {
    let mut v: Vec<ProgrammeChoice> = state
        .programmes
        .values()
        .map(|p| ProgrammeChoice {
            slug: p.slug.clone(),
            title: state.programme_title(&p.slug, lang),
            grades: p
                .grades
                .iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            subject: p
                .subject
                .pick(lang)
                .map(|(t, _)| t.to_string())
                .unwrap_or_default(),
            questions: learn::questions(p),
        })
        .collect();
    crate::text::sort_vietnamese(&mut v, |c| c.title.as_str());
    v
}

#[derive(Serialize)]
struct Row {
    id: i64,
    code: String,
    programme: String,
    class_name: String,
    school: String,
    teacher: String,
    opens: String,
    closes: String,
    status: learn::Status,
    joined: i64,
    submitted: i64,
    reached: i64,
    erased: bool,
}

#[derive(Serialize)]
struct ListView {
    #[serde(flatten)]
    frame: Frame,
    everyone: bool,
    rows: Vec<Row>,
    programmes: Vec<ProgrammeChoice>,
}

/// Whose assignments this account sees: a teacher their own, staff everyone's.
fn scope(me: &Anyone) -> Option<i64> {
    (me.account.role == Role::Teacher).then_some(me.account.id)
}

async fn list(State(state): State<AppState>, me: Anyone) -> Result<Response, WebError> {
    let lang = me.lang;
    let all = state
        .store
        .assignments(scope(&me))
        .await
        .map_err(|e| state.internal(lang, "listing assignments failed", e))?;
    let today = Day::today();
    let rows = all
        .into_iter()
        .map(|s| Row {
            id: s.assignment.id,
            code: learn::spaced_code(&s.assignment.code),
            programme: state.programme_title(&s.assignment.programme, lang),
            class_name: s.assignment.class_name.clone(),
            school: s.assignment.school.clone(),
            teacher: s.teacher,
            opens: s.assignment.opens.clone(),
            closes: s.assignment.closes.clone(),
            status: s.assignment.status(today),
            joined: s.joined,
            submitted: s.submitted,
            reached: s.assignment.reached,
            erased: s.assignment.erased_at.is_some(),
        })
        .collect();
    let view = ListView {
        frame: Frame::at(&me, "teach", "teach/"),
        everyone: scope(&me).is_none(),
        rows,
        programmes: programme_choices(&state, lang),
    };
    state.page(StatusCode::OK, "staff/teach.html", lang, &view)
}

#[derive(Serialize, Default)]
struct NewFields {
    programme: String,
    class_name: String,
    school: String,
    opens: String,
    closes: String,
    show_answers: bool,
}

/// The message of each refused field (empty when accepted), every one present for the template.
#[derive(Serialize, Default)]
struct NewErrors {
    refused: bool,
    programme: String,
    class_name: String,
    school: String,
    opens: String,
    closes: String,
}

#[derive(Serialize)]
struct NewView {
    #[serde(flatten)]
    frame: Frame,
    values: NewFields,
    errors: NewErrors,
    programmes: Vec<ProgrammeChoice>,
}

#[derive(serde::Deserialize)]
struct NewQuery {
    programme: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    me: Anyone,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    let today = Day::today();
    // The school a teacher wrote last time, so that it need not be typed again.
    let last_school = state
        .store
        .assignments(Some(me.account.id))
        .await
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|s| s.assignment.school)
        .unwrap_or_default();
    let values = NewFields {
        programme: q
            .programme
            .filter(|p| state.programmes.contains_key(p))
            .unwrap_or_default(),
        class_name: String::new(),
        school: last_school,
        opens: today.to_string(),
        closes: today.add_days(14).to_string(),
        show_answers: true,
    };
    render_new(&state, &me, values, NewErrors::default(), StatusCode::OK)
}

fn render_new(
    state: &AppState,
    me: &Anyone,
    values: NewFields,
    errors: NewErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = NewView {
        frame: Frame::at(me, "teach", "teach/new/"),
        values,
        errors,
        programmes: programme_choices(state, me.lang),
    };
    state.page(status, "staff/assign.html", me.lang, &view)
}

async fn create(State(state): State<AppState>, posted: Posted<AnyRole>) -> Result<Response, WebError> {
    let Posted { me, form, .. } = posted;
    let lang = me.lang;
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let programme = state.programmes.get(&field("programme"));
    match learn::validate_assignment(field, programme, me.account.id, Day::today()) {
        Ok(new) => {
            let a = state
                .store
                .add_assignment(&new, crate::visits::now())
                .await
                .map_err(|e| state.internal(lang, "storing an assignment failed", e))?;
            Ok(Redirect::to(&format!("/{}teach/a/{}/?created=1", lang.prefix(), a.id)).into_response())
        }
        Err(errors) => {
            let values = NewFields {
                programme: field("programme"),
                class_name: field("class_name"),
                school: field("school"),
                opens: field("opens"),
                closes: field("closes"),
                show_answers: form.contains_key("show_answers"),
            };
            let mut shown = NewErrors {
                refused: true,
                ..NewErrors::default()
            };
            for (f, key) in errors {
                let slot = match f {
                    "programme" => &mut shown.programme,
                    "class_name" => &mut shown.class_name,
                    "school" => &mut shown.school,
                    "opens" => &mut shown.opens,
                    _ => &mut shown.closes,
                };
                *slot = state.locales.text(lang, key);
            }
            let errors = shown;
            render_new(&state, &me, values, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// The assignment, if this account may see it; a 404 otherwise.
async fn visible(state: &AppState, me: &Anyone, id: i64) -> Result<Assignment, WebError> {
    let a = state
        .store
        .assignment(id)
        .await
        .map_err(|e| state.internal(me.lang, "reading an assignment failed", e))?;
    match a {
        Some(a) if scope(me).is_none_or(|t| t == a.teacher_id) => Ok(a),
        _ => Err(state.refuse(me.lang, StatusCode::NOT_FOUND, &["teach.no_such_assignment"])),
    }
}

/// The address a class types or scans: `/T/<CODE>` under the site's address, upper case when the
/// site is at the root of its host (QR alphanumeric mode: a smaller code that scans from afar).
fn class_link(state: &AppState, host: Option<&str>, code: &str) -> String {
    short_link(state, host, "T", code)
}

/// `<base>/<letter>/<CODE>`, upper case when the site is at its host's root (see `class_link`).
pub(super) fn short_link(state: &AppState, host: Option<&str>, letter: &str, code: &str) -> String {
    let base = if state.base_url.is_empty() {
        format!("http://{}", host.unwrap_or("localhost"))
    } else {
        state.base_url.clone()
    };
    let at_root = base
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.contains('/'));
    let upper = format!("{}/{letter}/{code}", base.to_uppercase());
    if at_root && crate::media::qr::is_alphanumeric(&upper) {
        upper
    } else {
        format!("{base}/{letter}/{code}")
    }
}

#[derive(Serialize)]
struct Cell {
    answer: String,
    correct: Option<bool>,
}

#[derive(Serialize)]
struct StudentRow {
    id: i64,
    name: String,
    answered: usize,
    score: usize,
    submitted: bool,
    cells: Vec<Option<Cell>>,
}

#[derive(Serialize)]
struct ChoiceCount {
    text: String,
    correct: bool,
    count: usize,
}

#[derive(Serialize)]
struct QuestionSummary {
    number: usize,
    object: String,
    kind: QuestionKind,
    prompt: String,
    right: String,
    answered: usize,
    correct: usize,
    /// Share of those who answered who got it right, in whole per cent (None: not marked).
    percent: Option<u32>,
    hard: bool,
    choices: Vec<ChoiceCount>,
    texts: Vec<(String, String)>,
}

#[derive(Serialize)]
struct ResultsView {
    #[serde(flatten)]
    frame: Frame,
    id: i64,
    code: String,
    link: String,
    programme: String,
    programme_slug: String,
    class_name: String,
    school: String,
    teacher_id: i64,
    opens: String,
    closes: String,
    status: learn::Status,
    show_answers: bool,
    created: bool,
    erased: bool,
    reached: i64,
    scored: usize,
    students: Vec<StudentRow>,
    questions: Vec<QuestionSummary>,
}

/// The results of a class: one row per student and one summary per question.
fn tabulate(
    p: Option<&Programme>,
    lang: Lang,
    students: &[Student],
    answers: &[Answer],
) -> (Vec<StudentRow>, Vec<QuestionSummary>) {
    let asked: Vec<(usize, &crate::content::Stop, &crate::content::Question)> = p
        .map(|p| {
            p.stops
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.question.as_ref().map(|q| (i + 1, s, q)))
                .collect()
        })
        .unwrap_or_default();
    let by: BTreeMap<(i64, i64), &Answer> = answers.iter().map(|a| ((a.student_id, a.stop), a)).collect();
    let rows = students
        .iter()
        .map(|s| {
            let cells: Vec<Option<Cell>> = asked
                .iter()
                .map(|(n, _, q)| {
                    by.get(&(s.id, *n as i64)).map(|a| Cell {
                        answer: learn::shown_answer(q, &a.answer, lang),
                        correct: a.correct,
                    })
                })
                .collect();
            StudentRow {
                id: s.id,
                name: s.display_name.clone(),
                answered: cells.iter().flatten().count(),
                score: cells.iter().flatten().filter(|c| c.correct == Some(true)).count(),
                submitted: s.submitted_at.is_some(),
                cells,
            }
        })
        .collect();
    let names: BTreeMap<i64, &str> = students.iter().map(|s| (s.id, s.display_name.as_str())).collect();
    let questions = asked
        .iter()
        .map(|(n, stop, q)| {
            let given: Vec<&Answer> = answers.iter().filter(|a| a.stop == *n as i64).collect();
            let correct = given.iter().filter(|a| a.correct == Some(true)).count();
            let marked = q.kind != QuestionKind::Text;
            let percent = (marked && !given.is_empty()).then(|| (correct * 100 / given.len()) as u32);
            QuestionSummary {
                number: *n,
                object: stop.item.clone(),
                kind: q.kind,
                prompt: q
                    .prompt
                    .pick(lang)
                    .map(|(t, _)| t.to_string())
                    .unwrap_or_default(),
                right: learn::right_answer(q, &stop.item, lang),
                answered: given.len(),
                correct,
                percent,
                hard: percent.is_some_and(|p| p < 50),
                choices: q
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ChoiceCount {
                        text: c.text.pick(lang).map(|(t, _)| t.to_string()).unwrap_or_default(),
                        correct: c.correct,
                        count: given
                            .iter()
                            .filter(|a| a.answer.split(',').any(|x| x == i.to_string()))
                            .count(),
                    })
                    .collect(),
                texts: if q.kind == QuestionKind::Text {
                    given
                        .iter()
                        .map(|a| {
                            (
                                names.get(&a.student_id).copied().unwrap_or("").to_string(),
                                a.answer.clone(),
                            )
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    (rows, questions)
}

/// An assignment this account may see, with its table of students and its questions: what the
/// results page and its CSV show.
async fn class_results(
    state: &AppState,
    me: &Anyone,
    id: i64,
) -> Result<(Assignment, Vec<StudentRow>, Vec<QuestionSummary>), WebError> {
    let a = visible(state, me, id).await?;
    let (students, answers) = state
        .store
        .results(a.id)
        .await
        .map_err(|e| state.internal(me.lang, "reading results failed", e))?;
    let (rows, questions) = tabulate(state.programmes.get(&a.programme), me.lang, &students, &answers);
    Ok((a, rows, questions))
}

#[derive(serde::Deserialize, Default)]
struct ResultsQuery {
    created: Option<u8>,
}

async fn results(
    State(state): State<AppState>,
    me: Anyone,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let (a, rows, questions) = class_results(&state, &me, id).await?;
    let p = state.programmes.get(&a.programme);
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let view = ResultsView {
        frame: Frame::at(&me, "teach", &format!("teach/a/{id}/")),
        id,
        code: learn::spaced_code(&a.code),
        link: class_link(&state, host, &a.code),
        programme: state.programme_title(&a.programme, lang),
        programme_slug: a.programme.clone(),
        class_name: a.class_name.clone(),
        school: a.school.clone(),
        teacher_id: a.teacher_id,
        opens: a.opens.clone(),
        closes: a.closes.clone(),
        status: a.status(Day::today()),
        show_answers: a.show_answers,
        created: q.created.is_some(),
        erased: a.erased_at.is_some(),
        reached: a.reached,
        scored: p.map_or(0, learn::scored_questions),
        students: rows,
        questions,
    };
    state.page(StatusCode::OK, "staff/results.html", lang, &view)
}

async fn results_csv(
    State(state): State<AppState>,
    me: Anyone,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let (a, rows, questions) = class_results(&state, &me, id).await?;
    let t = |k: &str| state.locales.text(lang, k);
    let mut header: Vec<String> = vec![t("teach.student"), t("teach.handed_in"), t("teach.score")];
    for q in &questions {
        let n = t("teach.question_n").replace("{n}", &q.number.to_string());
        header.push(format!("{n} ({})", q.object));
        header.push(format!("{n}: {}", t("teach.right")));
    }
    let (yes, no) = (t("teach.yes"), t("teach.no"));
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line = vec![
                r.name.clone(),
                if r.submitted { yes.clone() } else { no.clone() },
                r.score.to_string(),
            ];
            for c in &r.cells {
                line.push(c.as_ref().map(|c| c.answer.clone()).unwrap_or_default());
                line.push(match c.as_ref().and_then(|c| c.correct) {
                    Some(true) => yes.clone(),
                    Some(false) => no.clone(),
                    None => String::new(),
                });
            }
            line
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    Ok(csv_response(
        &format!("vitrine-{}-{}.csv", a.programme, a.code),
        csv::document(&header, body),
    ))
}

async fn qr_svg(
    State(state): State<AppState>,
    me: Anyone,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let a = visible(&state, &me, id).await?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let link = class_link(&state, host, &a.code);
    let title = format!(
        "{} {}",
        state.locales.text(me.lang, "teach.code"),
        learn::spaced_code(&a.code)
    );
    let svg = tokio::task::spawn_blocking(move || {
        crate::media::qr::encode(&link).map(|q| crate::media::qr::svg(&q, &title))
    })
    .await
    .map_err(|e| state.internal(me.lang, "drawing a QR code failed", e))?
    .map_err(|e| state.internal(me.lang, "drawing a QR code failed", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}

/// Move the closing day: a later day extends the tour, "close now" (`now=1`) ends it yesterday so
/// no more answers are taken from today. The opening day stays (the report counts by it), even
/// when a tour closed on its first day now ends before it.
async fn set_closes(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<AnyRole>,
) -> Result<Response, WebError> {
    let Posted { me, form, .. } = posted;
    let lang = me.lang;
    let a = visible(&state, &me, id).await?;
    let today = Day::today();
    let opens = crate::visits::parse_iso_day(&a.opens).unwrap_or(today);
    let closes = if form.contains_key("now") {
        Some(today.add_days(-1))
    } else {
        form.get("closes")
            .and_then(|d| crate::visits::parse_iso_day(d.trim()))
            .filter(|d| *d >= today && *d >= opens && d.to_unix() - opens.to_unix() <= 366 * 86_400)
    };
    let Some(closes) = closes else {
        return Err(state.error_page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &[state.locales.text(lang, "teach.closes_invalid")],
            Some((
                &format!("/{}teach/a/{id}/", lang.prefix()),
                state.locales.text(lang, "teach.back"),
            )),
        ));
    };
    state
        .store
        .set_assignment_closes(a.id, &closes.to_string())
        .await
        .map_err(|e| state.internal(lang, "changing an assignment failed", e))?;
    Ok(Redirect::to(&format!("/{}teach/a/{id}/", lang.prefix())).into_response())
}

/// Erase one student's name and answers (a request from the student or their parents).
async fn erase_student(
    State(state): State<AppState>,
    Path((id, sid)): Path<(i64, i64)>,
    posted: Posted<AnyRole>,
) -> Result<Response, WebError> {
    let me = posted.me;
    let a = visible(&state, &me, id).await?;
    let found = state
        .store
        .erase_student(a.id, sid)
        .await
        .map_err(|e| state.internal(me.lang, "erasing a student failed", e))?;
    if !found {
        return Err(state.refuse(me.lang, StatusCode::NOT_FOUND, &["teach.no_such_student"]));
    }
    Ok(Redirect::to(&format!("/{}teach/a/{id}/", me.lang.prefix())).into_response())
}

/// Erase the students' names and answers of an assignment now (the count of students stays).
async fn erase(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<AnyRole>,
) -> Result<Response, WebError> {
    let me = posted.me;
    let a = visible(&state, &me, id).await?;
    state
        .store
        .erase_assignments("", Some(a.id), crate::visits::now())
        .await
        .map_err(|e| state.internal(me.lang, "erasing an assignment failed", e))?;
    Ok(Redirect::to(&format!("/{}teach/a/{id}/", me.lang.prefix())).into_response())
}
