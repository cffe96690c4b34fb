// The editor's overview, the preview and publishing. The working copy (exhibits/) changes with
// every save; the live site changes only on "publish": a snapshot of the content is taken, the
// site is built from it beside the live one and swapped in, and the server serves the new files.
// Who published what and when is stored; an earlier publication can be restored. The preview is
// the working copy built with its drafts, served to a signed-in curator at the public addresses
// (a cookie switches it on), with a banner.

use std::path::Path as FsPath;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{Curator, CuratorRole, Posted, cookie};
use super::edit::workspace;
use super::files::SiteFiles;
use super::pages::WebError;
use super::staff::Frame;
use crate::build::{BuildError, BuildOptions};
use crate::content::Lang;
use crate::content::editor::{self, Entry};
use crate::diag::Severity;
use crate::publish;
use crate::store::Publish;

pub const PREVIEW_COOKIE: &str = "vitrine_preview";

/// Shown on every page of the preview, in both languages (the page's language is not known here).
const BANNER: &str = "<div class=\"preview-banner\" role=\"status\"><strong>Bản xem trước — chưa xuất bản</strong> · <span lang=\"en\">Preview — not published</span> · <a href=\"/staff/content/preview/off/\">Thoát xem trước</a> · <a href=\"/en/staff/content/preview/off/\" lang=\"en\">Leave the preview</a></div>\n";

/// The content folders the editor changes and the build settings of the live site.
pub struct Workspace {
    pub build: BuildOptions,
    /// One build at a time: publish, restore and preview wait for each other.
    pub lock: tokio::sync::Mutex<()>,
    pub preview: RwLock<Option<Arc<SiteFiles>>>,
    /// The largest photo accepted, in bytes.
    pub max_upload: std::sync::atomic::AtomicU64,
}

impl Workspace {
    pub fn new(build: BuildOptions) -> Workspace {
        Workspace {
            build,
            lock: tokio::sync::Mutex::new(()),
            preview: RwLock::new(None),
            max_upload: std::sync::atomic::AtomicU64::new(editor::MAX_UPLOAD_BYTES),
        }
    }

    pub fn root(&self) -> &FsPath {
        &self.build.root
    }

    fn preview_site(&self) -> Option<Arc<SiteFiles>> {
        self.preview.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl AppState {
    /// Let curators edit the content at `build.root` and publish it to `build.out`.
    pub fn editing(mut self, build: BuildOptions) -> AppState {
        self.workspace = Some(Arc::new(Workspace::new(build)));
        self
    }

    /// Accept photos up to `bytes` (default `editor::MAX_UPLOAD_BYTES`).
    pub fn with_max_upload(self, bytes: u64) -> AppState {
        if let Some(ws) = &self.workspace {
            ws.max_upload.store(bytes, std::sync::atomic::Ordering::Relaxed);
        }
        self
    }

    /// The preview's files, for a browser that asked for the preview and is signed in as a
    /// curator (or manager).
    pub(super) async fn preview_for(&self, headers: &HeaderMap) -> Option<Arc<SiteFiles>> {
        cookie(headers, PREVIEW_COOKIE)?;
        let site = self.workspace.as_ref()?.preview_site()?;
        let account = super::auth::account_of(self, headers).await?;
        account
            .role
            .allows(crate::accounts::Role::Curator)
            .then_some(site)
    }
}

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/staff/content", "/en/staff/content"] {
        r = r
            .route(&format!("{p}/"), get(overview))
            .route(&format!("{p}/preview/"), post(preview))
            .route(&format!("{p}/preview/off/"), get(preview_off))
            .route(&format!("{p}/publish/"), post(publish_now))
            .route(&format!("{p}/restore/{{id}}/"), post(restore));
    }
    r.layer(DefaultBodyLimit::max(16 * 1024))
}

#[derive(Serialize)]
struct Problem {
    file: String,
    line: usize,
    message: String,
    hint: String,
    error: bool,
}

#[derive(Serialize)]
struct HistoryRow {
    #[serde(flatten)]
    p: Publish,
    when: String,
    changes: Vec<String>,
    current: bool,
}

#[derive(Serialize)]
struct OverviewView {
    #[serde(flatten)]
    frame: Frame,
    exhibits: Vec<Entry>,
    events: Vec<editor::EventEntry>,
    contests: Vec<editor::ContestEntry>,
    /// The plan's days to come, (key, name), for a new event.
    plan_days: Vec<(String, String, String)>,
    pending: Vec<String>,
    /// Nothing was published from the editor yet: every file is new to it.
    first: bool,
    problems: Vec<Problem>,
    errors: usize,
    history: Vec<HistoryRow>,
    /// What just happened: published, restored, or a failed publication's problems.
    done: String,
    millis: i64,
}

/// When a publication happened, in the museum's time (UTC+7), as people read it.
fn when(at: i64) -> String {
    let local = at + 7 * 3600;
    let s = local.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}",
        crate::content::Day::from_unix(local),
        s / 3600,
        s % 3600 / 60
    )
}

async fn overview(State(state): State<AppState>, me: Curator) -> Result<Response, WebError> {
    render_overview(&state, &me, "", 0, Vec::new(), StatusCode::OK).await
}

async fn render_overview(
    state: &AppState,
    me: &Curator,
    done: &str,
    millis: i64,
    failed: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ws = workspace(state, me.lang)?;
    let root = ws.root().to_path_buf();
    let (exhibits, (events, contests), pending, problems) = tokio::task::spawn_blocking(move || {
        let (_, diags) = crate::build::check(&root);
        let problems: Vec<Problem> = diags.sorted().iter().map(|d| problem(d)).collect();
        let pending = publish::changes(&root, publish::latest(&root).as_deref());
        (
            editor::list_exhibits(&root),
            (editor::list_events(&root), editor::list_contests(&root)),
            pending,
            problems,
        )
    })
    .await
    .map_err(|e| state.internal(me.lang, "reading the content failed", e))?;
    let history = state
        .store
        .publishes(20)
        .await
        .map_err(|e| state.internal(me.lang, "reading the publications failed", e))?;
    let latest = history.first().map(|p| p.id);
    let problems = if failed.is_empty() { problems } else { failed };
    let view = OverviewView {
        frame: Frame::at(me, "content", "staff/content/"),
        exhibits,
        events,
        contests,
        plan_days: crate::scaffold::coming_plan_days(crate::content::Day::today())
            .into_iter()
            .map(|(d, p)| {
                let name = if me.lang == Lang::En { p.en } else { p.vi };
                (
                    p.key.to_string(),
                    format!("{:02}/{:02}/{}", d.day, d.month, d.year),
                    name.to_string(),
                )
            })
            .collect(),
        first: latest.is_none(),
        pending,
        errors: problems.iter().filter(|p| p.error).count(),
        problems,
        history: history
            .into_iter()
            .map(|p| HistoryRow {
                when: when(p.at),
                changes: p.changes.lines().map(str::to_string).collect(),
                current: Some(p.id) == latest,
                p,
            })
            .collect(),
        done: done.to_string(),
        millis,
    };
    state.page(status, "staff/content.html", me.lang, &view)
}

fn problem(d: &crate::diag::Diagnostic) -> Problem {
    Problem {
        file: d.pos.file.display().to_string(),
        line: d.pos.line,
        message: d.message.clone(),
        hint: d.hint.clone(),
        error: d.severity == Severity::Error,
    }
}

fn problems_of(e: &BuildError) -> Vec<Problem> {
    match e {
        BuildError::Content(d) => d.sorted().iter().map(|d| problem(d)).collect(),
        e => vec![Problem {
            file: String::new(),
            line: 0,
            message: e.to_string(),
            hint: String::new(),
            error: true,
        }],
    }
}

/// Build the preview and switch this browser to it.
async fn preview(State(state): State<AppState>, form: Posted<CuratorRole>) -> Result<Response, WebError> {
    let me = &form.me;
    let ws = workspace(&state, me.lang)?;
    let _one = ws.lock.lock().await;
    let opts = ws.build.clone();
    let built = tokio::task::spawn_blocking(move || {
        publish::preview(&opts).and_then(|_| {
            SiteFiles::load_with(&publish::preview_out(&opts.root), Some(BANNER)).map_err(|source| {
                BuildError::Io {
                    path: opts.root.clone(),
                    source,
                }
            })
        })
    })
    .await
    .map_err(|e| state.internal(me.lang, "the preview failed", e))?;
    match built {
        Ok(site) => {
            *ws.preview.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(site));
            let to = form
                .form
                .get("page")
                .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && p.len() < 300)
                .cloned()
                .unwrap_or_else(|| format!("/{}", me.lang.prefix()));
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "vitrine_preview=1; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict",
                ),
            );
            Ok(res)
        }
        Err(e) => {
            render_overview(
                &state,
                me,
                "preview_failed",
                0,
                problems_of(&e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn preview_off(uri: axum::http::Uri) -> Response {
    let lang = super::pages::lang_of(uri.path());
    let mut res = Redirect::to(&format!("/{}staff/content/", lang.prefix())).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("vitrine_preview=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    res
}

async fn publish_now(State(state): State<AppState>, form: Posted<CuratorRole>) -> Result<Response, WebError> {
    let me = &form.me;
    let ws = workspace(&state, me.lang)?;
    let started = std::time::Instant::now();
    let _one = ws.lock.lock().await;
    let opts = ws.build.clone();
    let r = tokio::task::spawn_blocking(move || publish::publish(&opts))
        .await
        .map_err(|e| state.internal(me.lang, "publishing failed", e))?;
    finish(&state, &ws, me, "publish", r, None, started).await
}

/// Serve what a publication (or a restoration) built and record it, or show why nothing was
/// published. `note` heads the list of changed files in the history.
async fn finish(
    state: &AppState,
    ws: &Workspace,
    me: &Curator,
    action: &str,
    r: Result<publish::Published, publish::PublishError>,
    note: Option<String>,
    started: std::time::Instant,
) -> Result<Response, WebError> {
    match r {
        Ok(mut p) => {
            p.changes = note.into_iter().chain(std::mem::take(&mut p.changes)).collect();
            let millis = go_live(state, ws, me, action, &p, started).await?;
            let done = if action == "restore" {
                "restored"
            } else {
                "published"
            };
            render_overview(state, me, done, millis, Vec::new(), StatusCode::OK).await
        }
        Err(publish::PublishError::Build(e)) => {
            let problems = problems_of(&e);
            render_overview(
                state,
                me,
                "publish_failed",
                0,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(publish::PublishError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(state.refuse(me.lang, StatusCode::NOT_FOUND, &["edit.not_found"]))
        }
        Err(e) => Err(state.internal(me.lang, "publishing failed", e)),
    }
}

/// Serve the newly built site and record who did it.
async fn go_live(
    state: &AppState,
    ws: &Workspace,
    me: &Curator,
    action: &str,
    published: &publish::Published,
    started: std::time::Instant,
) -> Result<i64, WebError> {
    let out = ws.build.out.clone();
    // Only the files the build changed are read again.
    let (live, built) = (state.site(), published.report.changes.clone());
    let site = tokio::task::spawn_blocking(move || live.refreshed(&out, &built, None))
        .await
        .map_err(|e| state.internal(me.lang, "loading the new site failed", e))?
        .map_err(|e| state.internal(me.lang, "loading the new site failed", e))?;
    state.set_site(site);
    // Events are snapshotted with the rest: the server takes them from the publication, never
    // from the working copy's unpublished edits.
    let root = ws.build.root.clone();
    state.refresh_events(&publish::latest(&root).unwrap_or(root));
    state.settle_events().await;
    let millis = started.elapsed().as_millis() as i64;
    let record = Publish {
        id: 0,
        at: crate::visits::now(),
        account_id: Some(me.account.id),
        username: me.account.username.clone(),
        action: action.to_string(),
        snapshot: published.snapshot.clone(),
        changes: published.changes.join("\n"),
        millis,
    };
    state
        .store
        .add_publish(&record)
        .await
        .map_err(|e| state.internal(me.lang, "recording the publication failed", e))?;
    Ok(millis)
}

async fn restore(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: Posted<CuratorRole>,
) -> Result<Response, WebError> {
    let me = &form.me;
    let ws = workspace(&state, me.lang)?;
    let Some(rec) = state
        .store
        .publish_record(id)
        .await
        .map_err(|e| state.internal(me.lang, "reading the publications failed", e))?
    else {
        return Err(state.refuse(me.lang, StatusCode::NOT_FOUND, &["edit.not_found"]));
    };
    let started = std::time::Instant::now();
    let _one = ws.lock.lock().await;
    let opts = ws.build.clone();
    let who = me.account.username.clone();
    let snap = rec.snapshot.clone();
    let r = tokio::task::spawn_blocking(move || {
        publish::restore(&opts.root, &snap, &who)?;
        publish::publish(&opts)
    })
    .await
    .map_err(|e| state.internal(me.lang, "restoring failed", e))?;
    let note = format!("#{id} ({})", when(rec.at));
    finish(&state, &ws, me, "restore", r, Some(note), started).await
}

/// Seconds from `now` (unix) to a few seconds past the next midnight in Vietnam.
pub fn until_next_day(now: i64) -> u64 {
    const DAY: i64 = 86_400;
    let offset = crate::content::VIETNAM_OFFSET;
    let next = ((now + offset).div_euclid(DAY) + 1) * DAY - offset;
    (next - now + 5).unsigned_abs()
}

/// Rebuild the live site every night just after midnight in Vietnam: the built pages say which
/// events are coming and which exhibitions are open on the day they were built, so a server left
/// alone would go on announcing yesterday's event. Only pages whose text changes are written.
pub fn start_daily(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    state.workspace.as_ref()?;
    let state = state.clone();
    Some(tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(until_next_day(
                crate::visits::now(),
            )))
            .await;
            let today = crate::content::Day::today();
            match rebuild_for(&state, today).await {
                Ok(files) => eprintln!("vitrine: rebuilt the site for {today}: {files} files changed"),
                Err(e) => {
                    eprintln!("vitrine: the nightly rebuild for {today} failed, yesterday's site stays: {e}")
                }
            }
        }
    }))
}

/// Build the live site (the last publication, or the working copy when nothing was published)
/// for `today` and serve it, with its events. Returns how many files changed.
pub async fn rebuild_for(state: &AppState, today: crate::content::Day) -> Result<usize, String> {
    let ws = state.workspace.clone().ok_or("this server does not build")?;
    let _one = ws.lock.lock().await;
    let mut opts = ws.build.clone();
    opts.today = Some(today);
    let root = opts.root.clone();
    let built = tokio::task::spawn_blocking(move || match publish::latest(&opts.root) {
        Some(snapshot) => publish::build_from(&opts, &snapshot),
        None => crate::build::build_site(&opts),
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    let (live, out, changes) = (state.site(), ws.build.out.clone(), built.changes.clone());
    let n = changes.changed.len() + changes.removed.len();
    let site = tokio::task::spawn_blocking(move || live.refreshed(&out, &changes, None))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    state.set_site(site);
    state.refresh_events(&publish::latest(&root).unwrap_or(root));
    state.settle_events().await;
    Ok(n)
}
