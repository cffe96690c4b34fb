// The web editor's contests: a contest's settings, texts and rounds on one form, its question
// bank as a list with a form per question (add, edit, take out). The files are written by
// `content::editor` with the checks of `vitrine check`; the live contest changes on publishing.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::Curator;
use super::edit::{
    Ctx, CuratorForm, FormBuilder, Row, blocking, ctx, place, refusal, refused, save_form, with_submitted,
    workspace,
};
use super::pages::WebError;
use super::staff::Frame;
use crate::content::Lang;
use crate::content::editor::{self, ContestOutline, FieldError, Values};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/staff/content/contests", "/en/staff/content/contests"] {
        r = r
            .route(&format!("{p}/new/"), post(create_contest))
            .route(&format!("{p}/{{slug}}/"), get(contest_page).post(save_contest))
            .route(
                &format!("{p}/{{slug}}/questions/new/"),
                get(new_question_page).post(create_question),
            )
            .route(
                &format!("{p}/{{slug}}/questions/{{id}}/"),
                get(question_page).post(save_question),
            );
    }
    r
}

#[derive(Serialize)]
struct RoundView {
    n: usize,
    /// The empty round at the end, to add one.
    new: bool,
    opened: bool,
    open: bool,
    rows: Vec<Row>,
    remove_errors: Vec<FieldError>,
}

#[derive(Serialize)]
struct ContestView {
    #[serde(flatten)]
    frame: Frame,
    slug: String,
    title: String,
    version: String,
    status: String,
    prediction: String,
    winner_names: String,
    /// Errors beside the selects.
    errors: std::collections::BTreeMap<String, Vec<FieldError>>,
    rows: Vec<Row>,
    rounds: Vec<RoundView>,
    outline: ContestOutline,
    top_notes: Vec<FieldError>,
    /// What just happened: "saved", "deleted" or nothing.
    done: &'static str,
    stale: bool,
    public_path: String,
}

fn title_of(values: &Values, lang: Lang) -> String {
    let (first, second) = if lang == Lang::En {
        ("title.en", "title.vi")
    } else {
        ("title.vi", "title.en")
    };
    values
        .get(first)
        .filter(|t| !t.is_empty())
        .or_else(|| values.get(second))
        .cloned()
        .unwrap_or_default()
}

async fn contest_page(
    State(state): State<AppState>,
    me: Curator,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    render_contest(&state, &me, &slug, None, &[], "", StatusCode::OK).await
}

async fn render_contest(
    state: &AppState,
    me: &Curator,
    slug: &str,
    submitted: Option<(&Values, &str)>,
    errors: &[FieldError],
    done: &'static str,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ws = workspace(state, me.lang)?;
    let root = ws.root().to_path_buf();
    let s2 = slug.to_string();
    let (stored, version, outline) = blocking(state, me.lang, move || editor::read_contest(&root, &s2))
        .await?
        .map_err(|e| refusal(state, me.lang, e))?;
    let (values, version) = with_submitted(&stored, version, submitted);
    let (placed, general) = place(&values, errors);
    let mut b = FormBuilder {
        state,
        lang: me.lang,
        values: &values,
        placed,
        names: Vec::new(),
    };
    let mut rows: Vec<Row> = editor::CONTEST_TEXTS
        .iter()
        .map(|k| b.both("", k, "text"))
        .collect();
    rows.extend(editor::CONTEST_NUMBERS.iter().map(|k| b.one(k, "number")));
    rows.push(b.one("exhibits", "text"));
    rows.push(b.one("event", "text"));
    let mut rules = b.both("", "desc", "textarea");
    (rules.label, rules.hint) = b.label("rules");
    rows.push(rules);
    let rounds: Vec<RoundView> = (1..=outline.rounds.len() + 1)
        .map(|n| {
            let line = outline.rounds.get(n - 1);
            let p = format!("round[{n}].");
            let mut rows = vec![b.both(&p, "title", "text")];
            for k in ["opens", "closes"] {
                let (label, hint) = b.label(&format!("round_{k}"));
                rows.push(Row {
                    label,
                    hint,
                    inputs: vec![b.input(format!("{p}{k}"), "text", "")],
                });
            }
            RoundView {
                n,
                new: line.is_none(),
                opened: line.is_some_and(|l| l.opened),
                open: line.is_some_and(|l| l.open),
                rows,
                remove_errors: b.placed.remove(&format!("{p}remove")).unwrap_or_default(),
            }
        })
        .collect();
    let mut placed = b.placed;
    for k in ["status", "prediction", "winner_names"] {
        placed.entry(k.to_string()).or_default();
    }
    let view = ContestView {
        frame: Frame::at(me, "content", &format!("staff/content/contests/{slug}/")),
        slug: slug.to_string(),
        title: title_of(&stored, me.lang),
        version,
        status: values.get("status").cloned().unwrap_or_default(),
        prediction: values.get("prediction").cloned().unwrap_or_default(),
        winner_names: values.get("winner_names").cloned().unwrap_or_default(),
        errors: placed,
        rows,
        rounds,
        outline,
        top_notes: general,
        done,
        stale: status == StatusCode::CONFLICT,
        public_path: format!("/{}thi/{slug}/", me.lang.prefix()),
    };
    state.page(status, "staff/contest-edit.html", me.lang, &view)
}

async fn save_contest(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    match save_form(&state, &form, &slug, editor::save_contest).await? {
        Ok(warnings) => render_contest(&state, me, &slug, None, &warnings, "saved", StatusCode::OK).await,
        Err(r) => {
            render_contest(
                &state,
                me,
                &slug,
                Some((&form.form, &r.version)),
                &r.errors,
                "",
                r.status,
            )
            .await
        }
    }
}

/// A new contest, as a draft with one round from next week and an empty bank.
async fn create_contest(State(state): State<AppState>, form: CuratorForm) -> Result<Response, WebError> {
    let me = &form.me;
    let Ctx { root, who, .. } = ctx(&state, &form)?;
    let text = crate::scaffold::contest_text(crate::content::Day::today());
    let v2 = form.form.clone();
    let r = blocking(&state, me.lang, move || {
        editor::create_contest(&root, &who, &v2, &text)
    })
    .await?;
    match r {
        Ok(slug) => {
            Ok(Redirect::to(&format!("/{}staff/content/contests/{slug}/", me.lang.prefix())).into_response())
        }
        Err(e) => Err(refusal(&state, me.lang, e)),
    }
}

#[derive(Serialize)]
struct ChoiceView {
    n: usize,
    row: Row,
    correct: bool,
}

#[derive(Serialize)]
struct QuestionView {
    #[serde(flatten)]
    frame: Frame,
    slug: String,
    contest_title: String,
    /// None for a new question.
    id: Option<String>,
    /// Its number in the bank.
    n: usize,
    version: String,
    kind: String,
    errors: std::collections::BTreeMap<String, Vec<FieldError>>,
    id_row: Option<Row>,
    prompt: Row,
    choices: Vec<ChoiceView>,
    after: Vec<Row>,
    open_round: Option<usize>,
    top_notes: Vec<FieldError>,
    saved: bool,
    stale: bool,
}

async fn question_page(
    State(state): State<AppState>,
    me: Curator,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    // `?added`: the new question was just saved (see `write_question`).
    let added = query.as_deref() == Some("added");
    render_question(&state, &me, &slug, Some(&id), None, &[], added, StatusCode::OK).await
}

async fn new_question_page(
    State(state): State<AppState>,
    me: Curator,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    render_question(&state, &me, &slug, None, None, &[], false, StatusCode::OK).await
}

/// A question's form (`id` None: a new one); `submitted` replaces the stored values.
#[allow(clippy::too_many_arguments)]
async fn render_question(
    state: &AppState,
    me: &Curator,
    slug: &str,
    id: Option<&str>,
    submitted: Option<(&Values, &str)>,
    errors: &[FieldError],
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ws = workspace(state, me.lang)?;
    let root = ws.root().to_path_buf();
    let (s2, id2) = (slug.to_string(), id.map(str::to_string));
    let (stored, version, n, contest, outline) = blocking(state, me.lang, move || {
        let (contest, version, outline) = editor::read_contest(&root, &s2)?;
        let (q, n) = match &id2 {
            Some(id) => {
                let (q, _, n) = editor::read_question(&root, &s2, id)?;
                (q, n)
            }
            None => (editor::blank_question(), outline.questions.len() + 1),
        };
        Ok((q, version, n, contest, outline))
    })
    .await?
    .map_err(|e| refusal(state, me.lang, e))?;
    let mut stored = stored;
    if submitted.is_some() {
        // An unticked box is not sent: the stored ticks must not come back.
        stored.retain(|k, _| !k.ends_with(".correct"));
    }
    let (mut values, version) = with_submitted(&stored, version, submitted);
    let given = (1..)
        .take_while(|j| {
            values.contains_key(&format!("choices[{j}].vi"))
                || values.contains_key(&format!("choices[{j}].en"))
        })
        .count();
    let shown = (given + 2).clamp(4, editor::MAX_CHOICES).max(given);
    for j in 1..=shown {
        for l in ["vi", "en"] {
            values.entry(format!("choices[{j}].{l}")).or_default();
        }
    }
    // Every field an error may be placed beside, empty when new.
    for k in [
        "id",
        "type",
        "choices",
        "prompt.vi",
        "prompt.en",
        "answer.vi",
        "answer.en",
        "learn",
    ] {
        values.entry(k.into()).or_default();
    }
    let (placed, general) = place(&values, errors);
    let mut b = FormBuilder {
        state,
        lang: me.lang,
        values: &values,
        placed,
        names: Vec::new(),
    };
    let id_row = id.is_none().then(|| {
        let mut r = b.one("id", "text");
        (r.label, r.hint) = b.label("question_id");
        r
    });
    let prompt = b.both("", "prompt", "textarea");
    let choices = (1..=shown)
        .map(|j| {
            let label = state
                .locales
                .text(me.lang, "edit.f_choice")
                .replace("{n}", &j.to_string());
            let inputs = ["vi", "en"]
                .into_iter()
                .map(|l| b.input(format!("choices[{j}].{l}"), "text", l))
                .collect();
            ChoiceView {
                n: j,
                correct: values
                    .get(&format!("choices[{j}].correct"))
                    .is_some_and(|c| !c.is_empty()),
                row: Row {
                    label,
                    hint: String::new(),
                    inputs,
                },
            }
        })
        .collect();
    let after = vec![b.both("", "answer", "textarea"), b.one("learn", "text")];
    let mut placed = b.placed;
    for k in ["type", "choices"] {
        placed.entry(k.to_string()).or_default();
    }
    let path = match id {
        Some(id) => format!("staff/content/contests/{slug}/questions/{id}/"),
        None => format!("staff/content/contests/{slug}/questions/new/"),
    };
    let view = QuestionView {
        frame: Frame::at(me, "content", &path),
        slug: slug.to_string(),
        contest_title: title_of(&contest, me.lang),
        id: id.map(str::to_string),
        n,
        version,
        kind: values.get("type").cloned().unwrap_or_default(),
        errors: placed,
        id_row,
        prompt,
        choices,
        after,
        open_round: outline.open_round,
        top_notes: general,
        saved,
        stale: status == StatusCode::CONFLICT,
    };
    state.page(status, "staff/question-edit.html", me.lang, &view)
}

async fn create_question(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    write_question(state, slug, None, form).await
}

async fn save_question(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    write_question(state, slug, Some(id), form).await
}

/// Save, add or (`action=delete`) take out a question.
async fn write_question(
    state: AppState,
    slug: String,
    id: Option<String>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    let Ctx { root, who, version } = ctx(&state, &form)?;
    let contest_path = format!("/{}staff/content/contests/{slug}/", me.lang.prefix());
    if let Some(id) = id.as_deref()
        && form.form.get("action").map(String::as_str) == Some("delete")
    {
        let (s2, id2, ver2) = (slug.clone(), id.to_string(), version.clone());
        let r = blocking(&state, me.lang, move || {
            editor::delete_question(&root, &who, &s2, &id2, &ver2)
        })
        .await?;
        return match r {
            Ok(()) => render_contest(&state, me, &slug, None, &[], "deleted", StatusCode::OK).await,
            Err(e) => {
                let (errors, status) = refused(&state, me.lang, e)?;
                render_question(&state, me, &slug, Some(id), None, &errors, false, status).await
            }
        };
    }
    let (s2, id2, v2, ver2) = (slug.clone(), id.clone(), form.form.clone(), version.clone());
    let r = blocking(&state, me.lang, move || {
        editor::save_question(&root, &who, &s2, id2.as_deref(), &v2, &ver2)
    })
    .await?;
    let (errors, status) = match r {
        Ok((saved_id, warnings)) => {
            if id.is_none() {
                // A new question: its own page, where the next save goes.
                return Ok(
                    Redirect::to(&format!("{contest_path}questions/{saved_id}/?added")).into_response(),
                );
            }
            return render_question(
                &state,
                me,
                &slug,
                Some(&saved_id),
                None,
                &warnings,
                true,
                StatusCode::OK,
            )
            .await;
        }
        Err(e) => refused(&state, me.lang, e)?,
    };
    render_question(
        &state,
        me,
        &slug,
        id.as_deref(),
        Some((&form.form, &version)),
        &errors,
        false,
        status,
    )
    .await
}
