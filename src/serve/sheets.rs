// Spreadsheets in the editor, for curators without a terminal: download an exhibition's objects
// as .xlsx, and upload a sheet to see what it would change (the dry run of `vitrine import`)
// before applying it. The same library as the commands; the uploaded sheet waits in
// `.vitrine/uploads/` between the two steps and is deleted once applied.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{Curator, CuratorRole, Posted};
use super::edit::{blocking, receive, workspace};
use super::pages::WebError;
use super::staff::Frame;
use crate::content::editor::{EditError, exhibit_dir};
use crate::sheet::{Action, ExportOptions, HeaderLang, ImportOptions, ImportReport, export, import};

/// Largest spreadsheet accepted.
const MAX_SHEET: u64 = 20 * 1024 * 1024;
const EXTENSIONS: [&str; 4] = ["xlsx", "ods", "xls", "csv"];

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/staff/content", "/en/staff/content"] {
        r = r
            .route(&format!("{p}/e/{{slug}}/export.xlsx"), get(download))
            .route(&format!("{p}/e/{{slug}}/import/"), post(upload))
            .route(&format!("{p}/e/{{slug}}/import/apply/"), post(apply));
    }
    r.layer(DefaultBodyLimit::max(MAX_SHEET as usize + 64 * 1024))
}

fn uploads(root: &std::path::Path) -> std::path::PathBuf {
    root.join(".vitrine").join("uploads")
}

/// The waiting sheet of token `token` (24 hex digits) and extension `ext`, if it is one of ours.
fn waiting(root: &std::path::Path, token: &str, ext: &str) -> Option<std::path::PathBuf> {
    let ok = token.len() == 24 && token.bytes().all(|b| b.is_ascii_hexdigit()) && EXTENSIONS.contains(&ext);
    let p = uploads(root).join(format!("{token}.{ext}"));
    (ok && p.is_file()).then_some(p)
}

#[derive(serde::Deserialize)]
struct DownloadQuery {
    /// `vi` or `en`: only the fields with no text in that language (the translators' sheet).
    untranslated: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    me: Curator,
    Path(slug): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, WebError> {
    let lang = match q.untranslated.as_deref() {
        None => None,
        Some(l) => Some(
            crate::content::Lang::parse(l)
                .ok_or_else(|| state.refuse(me.lang, StatusCode::BAD_REQUEST, &["edit.bad_language"]))?,
        ),
    };
    let ws = workspace(&state, me.lang)?;
    let root = ws.root().to_path_buf();
    let s2 = slug.clone();
    let bytes = blocking(&state, me.lang, move || {
        exhibit_dir(&root, &s2)?;
        let dir = root.join(".vitrine").join("exports");
        std::fs::create_dir_all(&dir)?;
        let out = dir.join(format!("{}.xlsx", &crate::accounts::new_token()[..24]));
        let r = match lang {
            Some(l) => crate::sheet::export_untranslated(&root, &s2, l, &out).map(|_| ()),
            None => {
                let opts = ExportOptions {
                    out: out.clone(),
                    exhibit: s2,
                    headers: HeaderLang::Vi,
                };
                export(&root, &opts).map(|_| ())
            }
        };
        let r = r.map_err(|e| EditError::Io(std::io::Error::other(e.to_string())));
        let bytes = r.and_then(|_| Ok(std::fs::read(&out)?));
        let _ = std::fs::remove_file(&out);
        bytes
    })
    .await?
    .map_err(|e| super::edit::refusal(&state, me.lang, e))?;
    let name = match lang {
        Some(l) => format!("{slug}-{}.xlsx", l.code()),
        None => format!("{slug}.xlsx"),
    };
    Ok(super::staff::xlsx_response(&name, bytes))
}

#[derive(Serialize)]
struct ImportView {
    #[serde(flatten)]
    frame: Frame,
    slug: String,
    /// The report as `vitrine import` prints it.
    report: String,
    dry_run: bool,
    create: usize,
    update: usize,
    unchanged: usize,
    conflicts: usize,
    errors: usize,
    token: String,
    ext: String,
}

fn view(me: &Curator, slug: &str, r: &ImportReport, token: &str, ext: &str) -> ImportView {
    ImportView {
        frame: Frame::at(me, "content", &format!("staff/content/e/{slug}/")),
        slug: slug.to_string(),
        // The report, then the warnings of the imported objects summed up by kind.
        report: format!("{r}\n{}", r.findings.report()).trim_end().to_string(),
        dry_run: r.dry_run,
        create: r.count(Action::Create),
        update: r.count(Action::Update),
        unchanged: r.count(Action::Unchanged),
        conflicts: r.count(Action::Conflict),
        errors: r.errors.len(),
        token: token.to_string(),
        ext: ext.to_string(),
    }
}

fn run(
    root: &std::path::Path,
    slug: &str,
    sheet: std::path::PathBuf,
    dry_run: bool,
    force: bool,
    who: &str,
) -> Result<ImportReport, EditError> {
    exhibit_dir(root, slug)?;
    let opts = ImportOptions {
        sheet,
        exhibit: slug.to_string(),
        dry_run,
        force,
        images: None,
        who: who.to_string(),
        verbose: false,
    };
    import(root, &opts).map_err(|e| {
        EditError::Invalid(vec![crate::content::editor::FieldError {
            field: "sheet".into(),
            message: e.to_string(),
            hint: "save the sheet as .xlsx or as CSV (UTF-8) with a header row; see the README".into(),
            error: true,
        }])
    })
}

/// A sheet uploaded: kept aside, and what importing it would change is shown.
async fn upload(
    State(state): State<AppState>,
    me: Curator,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
    parts: Multipart,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let ws = workspace(&state, lang)?;
    let root = ws.root().to_path_buf();
    let dir = uploads(&root);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| state.internal(lang, "an upload could not be written", e))?;
    let token = crate::accounts::new_token()[..24].to_string();
    let tmp = dir.join(format!(".{token}.part"));
    let got = receive(&state, &me, &headers, parts, "sheet", &tmp, MAX_SHEET).await;
    let got = match got {
        Ok(g) => g,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
    };
    let sent = got.file_name.unwrap_or_default();
    let ext = sent
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !EXTENSIONS.contains(&ext.as_str()) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(state.refuse(lang, StatusCode::UNSUPPORTED_MEDIA_TYPE, &["edit.sheet_kind"]));
    }
    let sheet = dir.join(format!("{token}.{ext}"));
    tokio::fs::rename(&tmp, &sheet)
        .await
        .map_err(|e| state.internal(lang, "an upload could not be written", e))?;
    let (r2, s2, who) = (root.clone(), slug.clone(), me.account.username.clone());
    let report = blocking(&state, lang, move || run(&r2, &s2, sheet, true, false, &who)).await?;
    match report {
        Ok(r) => state.page(
            StatusCode::OK,
            "staff/import.html",
            lang,
            view(&me, &slug, &r, &token, &ext),
        ),
        Err(e) => {
            if let Some(p) = waiting(&root, &token, &ext) {
                let _ = tokio::fs::remove_file(p).await;
            }
            Err(super::edit::refusal(&state, lang, e))
        }
    }
}

/// Apply a sheet shown before (with `force`: also over hand edits).
async fn apply(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: Posted<CuratorRole>,
) -> Result<Response, WebError> {
    let me = &form.me;
    let ws = workspace(&state, me.lang)?;
    let root = ws.root().to_path_buf();
    let token = form.form.get("token").cloned().unwrap_or_default();
    let ext = form.form.get("ext").cloned().unwrap_or_default();
    let force = form.form.get("force").is_some_and(|v| v == "1");
    let Some(sheet) = waiting(&root, &token, &ext) else {
        return Err(state.refuse(me.lang, StatusCode::NOT_FOUND, &["edit.sheet_gone"]));
    };
    let (r2, s2, who, sh) = (
        root.clone(),
        slug.clone(),
        me.account.username.clone(),
        sheet.clone(),
    );
    let report = blocking(&state, me.lang, move || run(&r2, &s2, sh, false, force, &who))
        .await?
        .map_err(|e| super::edit::refusal(&state, me.lang, e))?;
    let _ = tokio::fs::remove_file(&sheet).await;
    state.page(
        StatusCode::OK,
        "staff/import.html",
        me.lang,
        view(me, &slug, &report, "", ""),
    )
}
