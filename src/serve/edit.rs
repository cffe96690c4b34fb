// The web editor of the staff area (curators and managers): exhibitions, their sections and the
// order of their objects, objects in both languages, photo uploads. Handlers read the form, call
// `content::editor` off the async runtime, and show the result; errors are shown beside their
// field. Publishing and the preview are in publish.rs.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{Curator, CuratorRole, Posted};
use super::pages::WebError;
use super::publish::Workspace;
use super::staff::Frame;
use crate::content::Lang;
use crate::content::editor::{
    self, Arrange, EXHIBIT_TEXTS, EditError, Entry, FieldError, IMAGE_TEXTS, OBJECT_TEXTS, SECTION_TEXTS,
    Values,
};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    let mut up = Router::new();
    for p in ["/staff/content", "/en/staff/content"] {
        r = r
            .route(&format!("{p}/new/"), post(create_exhibit))
            .route(&format!("{p}/e/{{slug}}/"), get(exhibit_page).post(save_exhibit))
            .route(&format!("{p}/e/{{slug}}/arrange/"), post(arrange))
            .route(&format!("{p}/e/{{slug}}/objects/"), post(create_object))
            .route(
                &format!("{p}/e/{{slug}}/o/{{id}}/"),
                get(object_page).post(save_object),
            )
            .route(&format!("{p}/e/{{slug}}/o/{{id}}/image/"), post(image_action))
            .route(&format!("{p}/events/new/"), post(create_event))
            .route(&format!("{p}/events/{{slug}}/"), get(event_page).post(save_event));
        up = up.route(&format!("{p}/e/{{slug}}/o/{{id}}/photo/"), post(upload));
    }
    // Photos are large: their route has its own limit (checked again while streaming).
    r.layer(DefaultBodyLimit::max(256 * 1024))
        .merge(up.layer(DefaultBodyLimit::max(
            editor::MAX_UPLOAD_BYTES as usize + 64 * 1024,
        )))
}

pub(super) type CuratorForm = Posted<CuratorRole>;

/// What every editor form starts from: the museum's folder, who edits (kept with the replaced
/// files) and the version the form was opened at.
pub(super) struct Ctx {
    pub(super) root: std::path::PathBuf,
    pub(super) who: String,
    pub(super) version: String,
}

pub(super) fn ctx(state: &AppState, form: &CuratorForm) -> Result<Ctx, WebError> {
    let ws = workspace(state, form.me.lang)?;
    Ok(Ctx {
        root: ws.root().to_path_buf(),
        who: form.me.account.username.clone(),
        version: form.form.get("version").cloned().unwrap_or_default(),
    })
}

/// The editor's folders, or a 404 when this server does not edit content (a prebuilt site).
pub(super) fn workspace(state: &AppState, lang: Lang) -> Result<std::sync::Arc<Workspace>, WebError> {
    state
        .workspace
        .clone()
        .ok_or_else(|| state.refuse(lang, StatusCode::NOT_FOUND, &["edit.off"]))
}

/// Run editor work off the async runtime.
pub(super) async fn blocking<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce() -> Result<T, EditError> + Send + 'static,
) -> Result<Result<T, EditError>, WebError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| state.internal(lang, "an editor task failed", e))
}

/// An editor failure that is not about a field: a page of its own.
pub(super) fn refusal(state: &AppState, lang: Lang, e: EditError) -> WebError {
    match e {
        EditError::NotFound => state.refuse(lang, StatusCode::NOT_FOUND, &["edit.not_found"]),
        EditError::Stale => state.refuse(lang, StatusCode::CONFLICT, &["edit.stale", "edit.stale_hint"]),
        EditError::Refused(m) => state.refuse_lines(lang, StatusCode::UNPROCESSABLE_ENTITY, &[m.to_string()]),
        EditError::Invalid(list) => state.refuse_lines(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &list
                .iter()
                .map(|f| format!("{} ({})", f.message, f.hint))
                .collect::<Vec<_>>(),
        ),
        e => state.internal(lang, "the editor could not write", e),
    }
}

/// A save refused for what the form holds: its problems, shown beside their fields with 422, or
/// none with 409 when someone saved since the form was opened (what was typed is shown again
/// either way). Any other failure is a page of its own.
pub(super) fn refused(
    state: &AppState,
    lang: Lang,
    e: EditError,
) -> Result<(Vec<FieldError>, StatusCode), WebError> {
    match e {
        EditError::Invalid(errors) => Ok((errors, StatusCode::UNPROCESSABLE_ENTITY)),
        EditError::Stale => Ok((Vec::new(), StatusCode::CONFLICT)),
        e => Err(refusal(state, lang, e)),
    }
}

/// A form's save refused for what it holds: the problems beside their fields, the status (422
/// or 409, see `refused`) and the version the form was opened at, to show it again.
pub(super) struct Refused {
    pub(super) errors: Vec<FieldError>,
    pub(super) status: StatusCode,
    pub(super) version: String,
}

/// A save of the editor's (folder, who, name, form, version) → warnings.
pub(super) type SaveFn =
    fn(&std::path::Path, &str, &str, &Values, &str) -> Result<Vec<FieldError>, EditError>;

/// A save with the editor's shape (`editor::save_event`, `save_exhibit`, `save_contest`: the
/// folder, who, the name, the form, its version) run off the runtime: the warnings when saved,
/// or why the form comes back.
pub(super) async fn save_form(
    state: &AppState,
    form: &CuratorForm,
    slug: &str,
    save: SaveFn,
) -> Result<Result<Vec<FieldError>, Refused>, WebError> {
    let Ctx { root, who, version } = ctx(state, form)?;
    let (s2, v2, ver2) = (slug.to_string(), form.form.clone(), version.clone());
    match blocking(state, form.me.lang, move || save(&root, &who, &s2, &v2, &ver2)).await? {
        Ok(warnings) => Ok(Ok(warnings)),
        Err(e) => {
            let (errors, status) = refused(state, form.me.lang, e)?;
            Ok(Err(Refused {
                errors,
                status,
                version,
            }))
        }
    }
}

/// One input of a form.
#[derive(Serialize)]
pub(super) struct Input {
    name: String,
    value: String,
    /// `text`, `textarea`, `number`, `date`.
    kind: &'static str,
    /// `vi`, `en` or empty.
    lang: &'static str,
    errors: Vec<FieldError>,
}

/// A labelled row of one input, or of the same field in both languages.
#[derive(Serialize)]
pub(super) struct Row {
    pub(super) label: String,
    pub(super) hint: String,
    pub(super) inputs: Vec<Input>,
}

pub(super) struct FormBuilder<'a> {
    pub(super) state: &'a AppState,
    pub(super) lang: Lang,
    pub(super) values: &'a Values,
    pub(super) placed: std::collections::BTreeMap<String, Vec<FieldError>>,
    pub(super) names: Vec<String>,
}

impl FormBuilder<'_> {
    pub(super) fn input(&mut self, name: String, kind: &'static str, lang: &'static str) -> Input {
        self.names.push(name.clone());
        Input {
            value: self.values.get(&name).cloned().unwrap_or_default(),
            errors: self.placed.remove(&name).unwrap_or_default(),
            name,
            kind,
            lang,
        }
    }

    /// The label and hint of a field, by its key without the block (`alt`, `date.display`).
    pub(super) fn label(&self, key: &str) -> (String, String) {
        let k = key.replace('.', "_");
        let hint_key = format!("edit.h_{k}");
        let hint = self.state.locales.text(self.lang, &hint_key);
        (
            self.state.locales.text(self.lang, &format!("edit.f_{k}")),
            if hint == hint_key { String::new() } else { hint },
        )
    }

    /// A field in both languages (`prefix` is `image[2].` inside a block).
    pub(super) fn both(&mut self, prefix: &str, key: &str, kind: &'static str) -> Row {
        let (label, hint) = self.label(key);
        let inputs = Lang::ALL
            .iter()
            .map(|l| self.input(format!("{prefix}{key}.{}", l.code()), kind, l.code()))
            .collect();
        Row { label, hint, inputs }
    }

    pub(super) fn one(&mut self, key: &str, kind: &'static str) -> Row {
        let (label, hint) = self.label(key);
        let inputs = vec![self.input(key.to_string(), kind, "")];
        Row { label, hint, inputs }
    }
}

/// A form's values and version: the stored ones, or, after a refused save, what was typed over
/// them with the version it was typed on.
pub(super) fn with_submitted(
    stored: &Values,
    version: String,
    submitted: Option<(&Values, &str)>,
) -> (Values, String) {
    match submitted {
        Some((v, ver)) => {
            let mut all = stored.clone();
            all.extend(v.iter().map(|(k, x)| (k.clone(), x.clone())));
            (all, ver.to_string())
        }
        None => (stored.clone(), version),
    }
}

/// The names of every field of an object's or exhibition's form, for placing errors.
pub(super) fn place(
    values: &Values,
    errors: &[FieldError],
) -> (
    std::collections::BTreeMap<String, Vec<FieldError>>,
    Vec<FieldError>,
) {
    let names: Vec<String> = values.keys().cloned().collect();
    editor::place_errors(errors, &names)
}

#[derive(Serialize)]
struct ImageView {
    n: usize,
    file: String,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct ObjectView {
    #[serde(flatten)]
    frame: Frame,
    slug: String,
    id: String,
    version: String,
    rows: Vec<Row>,
    images: Vec<ImageView>,
    /// Problems no field took, shown on top.
    top_notes: Vec<FieldError>,
    saved: bool,
    stale: bool,
    max_mb: u64,
    public_path: String,
}

fn object_rows(
    state: &AppState,
    lang: Lang,
    values: &Values,
    errors: &[FieldError],
) -> (Vec<Row>, Vec<ImageView>, Vec<FieldError>) {
    let (placed, _) = place(values, errors);
    let mut b = FormBuilder {
        state,
        lang,
        values,
        placed,
        names: Vec::new(),
    };
    let mut rows: Vec<Row> = vec![b.one("accession", "text")];
    for key in OBJECT_TEXTS {
        rows.push(b.both("", key, "text"));
        if *key == "date.display" {
            rows.push(b.one("date.from", "number"));
            rows.push(b.one("date.to", "number"));
        }
    }
    rows.push(b.both("", "keywords", "text"));
    rows.push(b.one("related", "text"));
    rows.push(b.one("rights", "text"));
    rows.push(b.one("audio_number", "number"));
    rows.push(b.both("", "desc", "textarea"));
    let count = values
        .keys()
        .filter(|k| k.starts_with("image[") && k.ends_with("].file"))
        .count();
    let images = (1..=count)
        .map(|n| ImageView {
            n,
            file: values
                .get(&format!("image[{n}].file"))
                .cloned()
                .unwrap_or_default(),
            rows: IMAGE_TEXTS
                .iter()
                .map(|k| b.both(&format!("image[{n}]."), k, "text"))
                .collect(),
        })
        .collect();
    // What no field took (an unknown key, a missing photo file) goes on top.
    let general = b
        .placed
        .into_values()
        .flatten()
        .chain(unplaced(values, errors))
        .collect();
    (rows, images, general)
}

fn unplaced(values: &Values, errors: &[FieldError]) -> Vec<FieldError> {
    place(values, errors).1
}

async fn object_page(
    State(state): State<AppState>,
    me: Curator,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let ws = workspace(&state, me.lang)?;
    let root = ws.root().to_path_buf();
    let (s2, i2) = (slug.clone(), id.clone());
    let (values, version) = blocking(&state, me.lang, move || editor::read_object(&root, &s2, &i2))
        .await?
        .map_err(|e| refusal(&state, me.lang, e))?;
    render_object(
        &state,
        &me,
        &slug,
        &id,
        &values,
        &version,
        &[],
        false,
        StatusCode::OK,
    )
}

#[allow(clippy::too_many_arguments)]
fn render_object(
    state: &AppState,
    me: &Curator,
    slug: &str,
    id: &str,
    values: &Values,
    version: &str,
    errors: &[FieldError],
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (rows, images, general) = object_rows(state, me.lang, values, errors);
    let view = ObjectView {
        frame: Frame::at(me, "content", &format!("staff/content/e/{slug}/o/{id}/")),
        slug: slug.to_string(),
        id: id.to_string(),
        version: version.to_string(),
        rows,
        images,
        top_notes: general,
        saved,
        stale: status == StatusCode::CONFLICT,
        max_mb: editor::MAX_UPLOAD_BYTES / 1024 / 1024,
        public_path: format!("/{}o/{id}/", me.lang.prefix()),
    };
    state.page(status, "staff/object-edit.html", me.lang, &view)
}

async fn save_object(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    let Ctx { root, who, version } = ctx(&state, &form)?;
    let values: Values = form.form.clone();
    let (s2, i2, v2) = (slug.clone(), id.clone(), values.clone());
    let r = blocking(&state, me.lang, move || {
        editor::save_object(&root, &who, &s2, &i2, &v2, &version)
    })
    .await?;
    let root = ctx(&state, &form)?.root;
    let (s2, i2) = (slug.clone(), id.clone());
    let (stored, current) = blocking(&state, me.lang, move || editor::read_object(&root, &s2, &i2))
        .await?
        .map_err(|e| refusal(&state, me.lang, e))?;
    // A refused form shows what was typed over what is stored, with the version it was opened
    // at: saving it again is refused again until the curator opens the current one.
    let typed = || {
        let mut all = stored.clone();
        all.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    };
    let old = form.form.get("version").cloned().unwrap_or_default();
    match r {
        Ok(warnings) => render_object(
            &state,
            me,
            &slug,
            &id,
            &stored,
            &current,
            &warnings,
            true,
            StatusCode::OK,
        ),
        Err(e) => {
            let (errors, status) = refused(&state, me.lang, e)?;
            render_object(&state, me, &slug, &id, &typed(), &old, &errors, false, status)
        }
    }
}

#[derive(Serialize)]
struct SectionView {
    n: usize,
    rows: Vec<Row>,
    objects: Vec<Entry>,
}

#[derive(Serialize)]
struct ExhibitView {
    #[serde(flatten)]
    frame: Frame,
    slug: String,
    title: String,
    version: String,
    rows: Vec<Row>,
    status: String,
    opens: String,
    closes: String,
    cover: String,
    sections: Vec<SectionView>,
    /// Objects of the folder in no section.
    loose: Vec<Entry>,
    objects: Vec<Entry>,
    /// Problems no field took, shown on top.
    top_notes: Vec<FieldError>,
    errors: std::collections::BTreeMap<String, Vec<FieldError>>,
    saved: bool,
    stale: bool,
    public_path: String,
    new_object: Values,
    /// Translation coverage of the exhibition's objects, field by field.
    coverage: Option<CoverageView>,
}

/// How much of the objects' text is in each language, and what is left to translate.
#[derive(Serialize)]
struct CoverageView {
    present: usize,
    vi: usize,
    en: usize,
    vi_pct: usize,
    en_pct: usize,
    fields: Vec<crate::sheet::translate::FieldCoverage>,
    /// The first objects that need Vietnamese (English) text, and how many there are.
    need_vi: Vec<crate::sheet::translate::Todo>,
    need_en: Vec<crate::sheet::translate::Todo>,
    need_vi_count: usize,
    need_en_count: usize,
}

/// Objects listed by name on the page; the rest are in the translators' sheet.
const TODO_SHOWN: usize = 50;

fn coverage_view(c: &crate::sheet::Coverage) -> CoverageView {
    use crate::sheet::translate::percent;
    let (present, vi, en) = c.totals();
    CoverageView {
        present,
        vi,
        en,
        vi_pct: percent(vi, present),
        en_pct: percent(en, present),
        fields: c.fields.iter().filter(|f| f.present > 0).cloned().collect(),
        need_vi: c.needing(Lang::Vi).take(TODO_SHOWN).cloned().collect(),
        need_en: c.needing(Lang::En).take(TODO_SHOWN).cloned().collect(),
        need_vi_count: c.needing(Lang::Vi).count(),
        need_en_count: c.needing(Lang::En).count(),
    }
}

async fn exhibit_page(
    State(state): State<AppState>,
    me: Curator,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    render_exhibit(&state, &me, &slug, None, &[], false, StatusCode::OK).await
}

/// The exhibition's page: `submitted` replaces the stored values (a refused save shows what
/// was typed).
async fn render_exhibit(
    state: &AppState,
    me: &Curator,
    slug: &str,
    submitted: Option<(&Values, &str)>,
    errors: &[FieldError],
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ws = workspace(state, me.lang)?;
    let root = ws.root().to_path_buf();
    let s2 = slug.to_string();
    let (stored, version, objects, coverage) = blocking(state, me.lang, move || {
        let (v, ver) = editor::read_exhibit(&root, &s2)?;
        let coverage = crate::sheet::coverage(&root, &s2).ok().map(|c| coverage_view(&c));
        Ok((v, ver, editor::list_objects(&root, &s2), coverage))
    })
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
    let mut rows: Vec<Row> = EXHIBIT_TEXTS.iter().map(|k| b.both("", k, "text")).collect();
    rows.push(b.both("", "desc", "textarea"));
    let count = stored
        .keys()
        .filter(|k| k.starts_with("section[") && k.ends_with("].objects"))
        .count();
    let find = |id: &str| {
        objects.iter().find(|o| o.key == id).cloned().unwrap_or(Entry {
            key: id.to_string(),
            title_vi: String::new(),
            title_en: String::new(),
            status: String::new(),
            photos: 0,
        })
    };
    let mut shown = std::collections::BTreeSet::new();
    let sections: Vec<SectionView> = (1..=count)
        .map(|n| {
            let ids = stored
                .get(&format!("section[{n}].objects"))
                .cloned()
                .unwrap_or_default();
            SectionView {
                n,
                rows: SECTION_TEXTS
                    .iter()
                    .map(|k| {
                        b.both(
                            &format!("section[{n}]."),
                            k,
                            if *k == "text" { "textarea" } else { "text" },
                        )
                    })
                    .collect(),
                objects: ids
                    .split_whitespace()
                    .map(|id| {
                        shown.insert(id.to_string());
                        find(id)
                    })
                    .collect(),
            }
        })
        .collect();
    let loose = objects
        .iter()
        .filter(|o| !shown.contains(&o.key))
        .cloned()
        .collect();
    // Every field the template may ask about is present, empty when it has no error.
    let mut placed = b.placed;
    for k in [
        "opens",
        "closes",
        "new_section",
        "new.id",
        "new.title.vi",
        "new.title.en",
        "new.date.display.vi",
        "new.date.from",
        "new.date.to",
    ] {
        placed.entry(k.to_string()).or_default();
    }
    let view = ExhibitView {
        frame: Frame::at(me, "content", &format!("staff/content/e/{slug}/")),
        slug: slug.to_string(),
        title: stored
            .get(if me.lang == Lang::En {
                "title.en"
            } else {
                "title.vi"
            })
            .cloned()
            .unwrap_or_default(),
        version,
        status: values.get("status").cloned().unwrap_or_default(),
        opens: values.get("opens").cloned().unwrap_or_default(),
        closes: values.get("closes").cloned().unwrap_or_default(),
        cover: values.get("cover").cloned().unwrap_or_default(),
        errors: placed,
        rows,
        sections,
        loose,
        objects,
        top_notes: general,
        saved,
        stale: status == StatusCode::CONFLICT,
        public_path: format!("/{}e/{slug}/", me.lang.prefix()),
        new_object: submitted.map(|(v, _)| v.clone()).unwrap_or_default(),
        coverage,
    };
    state.page(status, "staff/exhibit-edit.html", me.lang, &view)
}

async fn save_exhibit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    match save_form(&state, &form, &slug, editor::save_exhibit).await? {
        Ok(warnings) => render_exhibit(&state, me, &slug, None, &warnings, true, StatusCode::OK).await,
        Err(r) => {
            render_exhibit(
                &state,
                me,
                &slug,
                Some((&form.form, &r.version)),
                &r.errors,
                false,
                r.status,
            )
            .await
        }
    }
}

fn num(form: &Values, key: &str) -> usize {
    form.get(key).and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// Reorder: `do` is up, down, remove, to (with `to`), add (with `id`) or section (with `title`).
async fn arrange(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    let f = &form.form;
    let (section, index) = (num(f, "section"), num(f, "index"));
    let action = match f.get("do").map(String::as_str) {
        Some("up") => Arrange::Move {
            section,
            index,
            by: -1,
        },
        Some("down") => Arrange::Move {
            section,
            index,
            by: 1,
        },
        Some("remove") => Arrange::Remove { section, index },
        Some("to") => Arrange::ToSection {
            section,
            index,
            to: num(f, "to"),
        },
        Some("add") => Arrange::Add {
            section,
            id: f.get("id").cloned().unwrap_or_default(),
        },
        Some("section") => Arrange::NewSection {
            title: f.get("new_section").cloned().unwrap_or_default(),
        },
        _ => return Err(state.refuse(me.lang, StatusCode::BAD_REQUEST, &["form.problem"])),
    };
    let Ctx { root, who, .. } = ctx(&state, &form)?;
    let version = f.get("version").cloned().unwrap_or_default();
    let s2 = slug.clone();
    let r = blocking(&state, me.lang, move || {
        editor::arrange(&root, &who, &s2, action, &version)
    })
    .await?;
    match r {
        Ok(()) => Ok(
            Redirect::to(&format!("/{}staff/content/e/{slug}/#sections", me.lang.prefix())).into_response(),
        ),
        Err(e) => {
            let (errors, status) = refused(&state, me.lang, e)?;
            render_exhibit(&state, me, &slug, None, &errors, false, status).await
        }
    }
}

async fn create_object(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    let Ctx { root, who, .. } = ctx(&state, &form)?;
    let section = num(&form.form, "section");
    let (s2, v2) = (slug.clone(), form.form.clone());
    let r = blocking(&state, me.lang, move || {
        editor::create_object(&root, &who, &s2, &v2, section)
    })
    .await?;
    match r {
        Ok(id) => {
            Ok(Redirect::to(&format!("/{}staff/content/e/{slug}/o/{id}/", me.lang.prefix())).into_response())
        }
        Err(EditError::Invalid(errors)) => {
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("new.{}", e.field);
                    e
                })
                .collect();
            let v: Values = form
                .form
                .iter()
                .map(|(k, x)| (format!("new.{k}"), x.clone()))
                .collect();
            let version = form.form.get("version").cloned().unwrap_or_default();
            render_exhibit(
                &state,
                me,
                &slug,
                Some((&v, &version)),
                &errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(refusal(&state, me.lang, e)),
    }
}

async fn create_exhibit(State(state): State<AppState>, form: CuratorForm) -> Result<Response, WebError> {
    let me = &form.me;
    let Ctx { root, who, .. } = ctx(&state, &form)?;
    let v2 = form.form.clone();
    let r = blocking(&state, me.lang, move || editor::create_exhibit(&root, &who, &v2)).await?;
    match r {
        Ok(slug) => {
            Ok(Redirect::to(&format!("/{}staff/content/e/{slug}/", me.lang.prefix())).into_response())
        }
        Err(e) => Err(refusal(&state, me.lang, e)),
    }
}

async fn image_action(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    let Ctx { root, who, .. } = ctx(&state, &form)?;
    let n = num(&form.form, "n");
    let remove = form.form.get("do").map(String::as_str) == Some("remove");
    let version = form.form.get("version").cloned().unwrap_or_default();
    let (s2, i2) = (slug.clone(), id.clone());
    blocking(&state, me.lang, move || {
        editor::image_action(&root, &who, &s2, &i2, n, remove, &version)
    })
    .await?
    .map_err(|e| refusal(&state, me.lang, e))?;
    Ok(Redirect::to(&format!(
        "/{}staff/content/e/{slug}/o/{id}/#photos",
        me.lang.prefix()
    ))
    .into_response())
}

/// What a multipart form brought: its text fields, and the name the browser gave the file it
/// streamed to `tmp` (none when no file came).
pub(super) struct Received {
    pub fields: Values,
    pub file_name: Option<String>,
}

/// Receive a multipart form whose file field is `file_field`: the file is streamed to `tmp`,
/// counted as it comes (over `limit`: 413), and only after the form's CSRF token (sent before
/// the file) was checked, so nothing is written for a forged post. The caller removes `tmp`.
pub(super) async fn receive<N>(
    state: &AppState,
    me: &super::auth::Signed<N>,
    headers: &axum::http::HeaderMap,
    mut parts: Multipart,
    file_field: &str,
    tmp: &std::path::Path,
    limit: u64,
) -> Result<Received, WebError> {
    use tokio::io::AsyncWriteExt;
    let lang = me.lang;
    if !super::auth::same_origin(headers) {
        return Err(state.refuse(lang, StatusCode::FORBIDDEN, &["staff.csrf"]));
    }
    let broken = || state.refuse(lang, StatusCode::BAD_REQUEST, &["edit.upload_broken"]);
    let too_large = || state.refuse(lang, StatusCode::PAYLOAD_TOO_LARGE, &["edit.upload_too_large"]);
    let failed = |e: std::io::Error| state.internal(lang, "an upload could not be written", e);
    let token_ok = |fields: &Values| {
        let sent = fields.get("csrf").map(String::as_str).unwrap_or("");
        crate::accounts::same_secret(sent, &me.csrf)
    };
    let mut got = Received {
        fields: Values::new(),
        file_name: None,
    };
    while let Some(mut field) = parts.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or("").to_string();
        if name == file_field && got.file_name.is_none() {
            if !token_ok(&got.fields) {
                return Err(state.refuse(lang, StatusCode::FORBIDDEN, &["staff.csrf"]));
            }
            let sent = field.file_name().unwrap_or("").to_string();
            let mut f = tokio::fs::File::create(tmp).await.map_err(failed)?;
            let mut size: u64 = 0;
            while let Some(chunk) = field.chunk().await.map_err(|_| too_large())? {
                size += chunk.len() as u64;
                if size > limit {
                    return Err(too_large());
                }
                f.write_all(&chunk).await.map_err(failed)?;
            }
            f.sync_all().await.map_err(failed)?;
            if size == 0 {
                return Err(state.refuse(lang, StatusCode::UNPROCESSABLE_ENTITY, &["edit.upload_empty"]));
            }
            got.file_name = Some(sent);
        } else if got.fields.len() < 16 {
            let text = field.text().await.map_err(|_| broken())?;
            if text.len() > 4096 {
                return Err(state.refuse(lang, StatusCode::PAYLOAD_TOO_LARGE, &["form.too_long"]));
            }
            got.fields.insert(name, text);
        }
    }
    if !token_ok(&got.fields) {
        return Err(state.refuse(lang, StatusCode::FORBIDDEN, &["staff.csrf"]));
    }
    if got.file_name.is_none() {
        return Err(state.refuse(lang, StatusCode::UNPROCESSABLE_ENTITY, &["edit.upload_empty"]));
    }
    Ok(got)
}

/// A photo upload (multipart): streamed by `receive` to a temporary file in the object's folder,
/// then checked by its first bytes and put in place by `editor::place_photo`.
async fn upload(
    State(state): State<AppState>,
    me: Curator,
    Path((slug, id)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    parts: Multipart,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let ws = workspace(&state, lang)?;
    let root = ws.root().to_path_buf();
    let dir = {
        let (r, s, i) = (root.clone(), slug.clone(), id.clone());
        blocking(&state, lang, move || editor::object_dir(&r, &s, &i))
            .await?
            .map_err(|e| refusal(&state, lang, e))?
    };
    let limit = ws.max_upload.load(std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".upload-{}", &crate::accounts::new_token()[..12]));
    let result = async {
        let got = receive(&state, &me, &headers, parts, "photo", &tmp, limit).await?;
        let who = me.account.username.clone();
        let version = got.fields.get("version").cloned().unwrap_or_default();
        let (r, s, i, f) = (root.clone(), slug.clone(), id.clone(), got.fields.clone());
        let up = editor::Upload {
            tmp: tmp.clone(),
            name: got.file_name.unwrap_or_default(),
        };
        blocking(&state, lang, move || {
            editor::place_photo(&r, &who, &s, &i, &up, &f, &version)
        })
        .await?
        .map_err(|e| match e {
            EditError::Refused(m) => {
                state.refuse_lines(lang, StatusCode::UNSUPPORTED_MEDIA_TYPE, &[m.to_string()])
            }
            e => refusal(&state, lang, e),
        })
    }
    .await;
    // Whatever happened, no partial upload stays behind.
    let _ = tokio::fs::remove_file(&tmp).await;
    result?;
    Ok(Redirect::to(&format!(
        "/{}staff/content/e/{slug}/o/{id}/?saved=1#photos",
        lang.prefix()
    ))
    .into_response())
}

#[derive(Serialize)]
struct EventView {
    #[serde(flatten)]
    frame: Frame,
    slug: String,
    title: String,
    version: String,
    audience: String,
    status: String,
    errors: std::collections::BTreeMap<String, Vec<FieldError>>,
    rows: Vec<Row>,
    top_notes: Vec<FieldError>,
    saved: bool,
    stale: bool,
    public_path: String,
}

async fn event_page(
    State(state): State<AppState>,
    me: Curator,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    render_event(&state, &me, &slug, None, &[], false, StatusCode::OK).await
}

/// An event's form: `submitted` replaces the stored values (a refused save shows what was typed).
async fn render_event(
    state: &AppState,
    me: &Curator,
    slug: &str,
    submitted: Option<(&Values, &str)>,
    errors: &[FieldError],
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ws = workspace(state, me.lang)?;
    let root = ws.root().to_path_buf();
    let s2 = slug.to_string();
    let (stored, version) = blocking(state, me.lang, move || editor::read_event(&root, &s2))
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
    let mut rows: Vec<Row> = Vec::new();
    rows.push(b.both("", "title", "text"));
    rows.push(b.both("", "summary", "text"));
    rows.extend(editor::EVENT_MOMENTS.iter().map(|k| b.one(k, "text")));
    rows.push(b.both("", "place", "text"));
    rows.push(b.one("grades", "text"));
    rows.push(b.one("capacity", "number"));
    rows.push(b.both("", "price", "text"));
    rows.extend(editor::EVENT_LINKS.iter().map(|k| b.one(k, "text")));
    rows.push(b.one("occasion", "text"));
    rows.push(b.both("", "desc", "textarea"));
    let mut placed = b.placed;
    for k in ["audience", "status"] {
        placed.entry(k.to_string()).or_default();
    }
    let title_key = if me.lang == Lang::En {
        "title.en"
    } else {
        "title.vi"
    };
    let view = EventView {
        frame: Frame::at(me, "content", &format!("staff/content/events/{slug}/")),
        slug: slug.to_string(),
        title: stored.get(title_key).cloned().unwrap_or_default(),
        version,
        audience: values.get("audience").cloned().unwrap_or_default(),
        status: values.get("status").cloned().unwrap_or_default(),
        errors: placed,
        rows,
        top_notes: general,
        saved,
        stale: status == StatusCode::CONFLICT,
        public_path: format!("/{}su-kien/{slug}/", me.lang.prefix()),
    };
    state.page(status, "staff/event-edit.html", me.lang, &view)
}

async fn save_event(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: CuratorForm,
) -> Result<Response, WebError> {
    let me = &form.me;
    match save_form(&state, &form, &slug, editor::save_event).await? {
        Ok(warnings) => render_event(&state, me, &slug, None, &warnings, true, StatusCode::OK).await,
        Err(r) => {
            render_event(
                &state,
                me,
                &slug,
                Some((&form.form, &r.version)),
                &r.errors,
                false,
                r.status,
            )
            .await
        }
    }
}

/// A new event from the plan day chosen (the soonest one to come when none), as a draft.
async fn create_event(State(state): State<AppState>, form: CuratorForm) -> Result<Response, WebError> {
    let me = &form.me;
    let Ctx { root, who, .. } = ctx(&state, &form)?;
    let day = form.form.get("occasion").cloned().filter(|d| !d.is_empty());
    let text = crate::scaffold::event_text(day.as_deref(), crate::content::Day::today())
        .map_err(|e| state.refuse_lines(me.lang, StatusCode::UNPROCESSABLE_ENTITY, &[e.to_string()]))?;
    let v2 = form.form.clone();
    let r = blocking(&state, me.lang, move || {
        editor::create_event(&root, &who, &v2, &text)
    })
    .await?;
    match r {
        Ok(slug) => {
            Ok(Redirect::to(&format!("/{}staff/content/events/{slug}/", me.lang.prefix())).into_response())
        }
        Err(e) => Err(refusal(&state, me.lang, e)),
    }
}
