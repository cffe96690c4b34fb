// `vitrine serve`: builds the site if needed, serves it from memory, and adds the dynamic parts
// (page-hit counting, visitor check-in, the staff area). Each area's handlers are in their own file and expose
// `routes()`; only `router` merges them and adds the state. Serving never blocks on the database:
// hits are queued (hits.rs).

pub mod auth;
mod checkin;
mod client;
mod contest;
mod contest_edit;
mod door;
mod edit;
pub mod files;
pub mod hits;
pub mod learn;
pub mod mail;
pub mod pages;
pub mod province;
pub mod publish;
mod ranking;
mod reports;
mod sheets;
mod signup;
mod staff;
mod teach;
pub mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::content::Localized;
use crate::render::theme::Locales;
use crate::report::Schedule;
use crate::store::{PageHit, Store};
use files::{Lookup, SiteFiles};
use hits::Hits;

/// The published and cancelled events by slug.
pub type Events = std::collections::BTreeMap<String, crate::content::Event>;
pub type Contests = std::collections::BTreeMap<String, crate::content::Contest>;

/// What people signed up for an event were told of it: its status on the first line, then its
/// start, its end and its place in both languages, as written in its file (not as pages show
/// them, so that a new wording of dates in a later version is not taken for a move). A change of
/// any of them is worth a mail.
fn announced(e: &crate::content::Event) -> String {
    let status = if e.status == crate::content::EventStatus::Cancelled {
        "cancelled"
    } else {
        "published"
    };
    [
        status.to_string(),
        e.starts.iso(),
        e.ends.map(|m| m.iso()).unwrap_or_default(),
        e.place.vi.clone().unwrap_or_default(),
        e.place.en.clone().unwrap_or_default(),
    ]
    .join("\n")
}

/// The events and contests that are not drafts, by slug.
fn published_dated(
    events: Vec<crate::content::Event>,
    contests: Vec<crate::content::Contest>,
) -> (Events, Contests) {
    use crate::content::EventStatus::Draft;
    (
        events
            .into_iter()
            .filter(|e| e.status != Draft)
            .map(|e| (e.slug.clone(), e))
            .collect(),
        contests
            .into_iter()
            .filter(|c| c.status != Draft)
            .map(|c| (c.slug.clone(), c))
            .collect(),
    )
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The built site; swapped whole by `--watch` after a rebuild.
    pub site: Arc<std::sync::RwLock<Arc<SiteFiles>>>,
    /// Rebuilds announced to open pages (`--watch` only).
    pub changes: Option<Arc<tokio::sync::broadcast::Sender<watch::Change>>>,
    /// The errors of the last build when it failed (`--watch`): shown on every page opened
    /// until a build succeeds.
    pub failure: Arc<std::sync::RwLock<Option<String>>>,
    pub store: Store,
    pub hits: Hits,
    pub locales: Arc<Locales>,
    /// Path of the hashed stylesheet (`assets/style.<hash>.css`), for server-made pages.
    pub stylesheet: Option<String>,
    /// The theme's templates for the staff area.
    pub pages: Arc<pages::Pages>,
    /// Keys the hashes of session tokens kept in the database.
    pub secret: Arc<[u8; 32]>,
    pub limiter: Arc<auth::Limiter>,
    /// The yearly report's deadline and the province's growth targets.
    pub schedule: Arc<Schedule>,
    /// Object and exhibition names, for the scan figures.
    pub catalogue: Arc<reports::Catalogue>,
    pub museum: Localized,
    /// Mark cookies Secure (the site is reached over TLS, through a proxy).
    pub secure_cookies: bool,
    /// The published learning programmes by slug, with their answers (for marking).
    pub programmes: Arc<std::collections::BTreeMap<String, crate::content::Programme>>,
    /// The published and cancelled events by slug (their places, sign-up windows and titles).
    pub events: Arc<std::sync::RwLock<Arc<Events>>>,
    /// The published contests by slug, with their question banks (for drawing and marking).
    pub contests: Arc<std::sync::RwLock<Arc<Contests>>>,
    /// The site's public address (`base_url`), for the links and QR codes handed to classes.
    pub base_url: String,
    /// The content folders for the web editor and publishing (`None`: this server does not edit).
    pub workspace: Option<Arc<publish::Workspace>>,
    /// `[mail]`: the SMTP server that sends sign-up mails (None: nothing is queued or sent).
    pub mail: Option<Arc<mail::Mailer>>,
    /// `[province]`: the Department this museum reports to (None: no "Send" button).
    pub province: Option<Arc<province::Link>>,
    /// `[server] department = true`: this is the Department's server (it receives reports).
    pub department: bool,
    /// Connections to other servers (the Department's, museums'): the trusted authorities.
    pub client: client::Client,
}

impl AppState {
    /// The state for the built site at `public` and the project at `root` (for the theme's
    /// interface strings). The secret is random for this process (sessions end with it) until
    /// `with_secret`.
    pub fn new(root: &Path, public: &Path, store: Store, hits: Hits) -> std::io::Result<AppState> {
        let site = site_or_none(public, None)?;
        let (found, _) = crate::build::check(root);
        let mailer = match &found {
            Some((site, _)) => site
                .config
                .mail
                .as_ref()
                .map(|c| mail::Mailer::new(c).map(Arc::new))
                .transpose()
                .map_err(std::io::Error::other)?,
            None => None,
        };
        let (province, department, ca_file) = match &found {
            Some((site, _)) => (
                site.config
                    .province
                    .as_ref()
                    .map(|c| Arc::new(province::Link::from_config(c))),
                site.config.server.department,
                site.config.server.ca_file.clone(),
            ),
            None => (None, false, None),
        };
        let client = client::Client::new(ca_file.as_deref()).map_err(std::io::Error::other)?;
        let (theme, catalogue, museum, programmes, (events, contests), base_url) = match found {
            Some((site, theme)) => (
                theme,
                reports::Catalogue::of(&site),
                site.config.museum.name.clone(),
                site.visible_programmes(false)
                    .into_iter()
                    .map(|p| (p.slug.clone(), p.clone()))
                    .collect(),
                published_dated(site.events.clone(), site.contests.clone()),
                site.config.base_url.clone(),
            ),
            None => (
                crate::render::theme::Theme::load(root, "default")?,
                reports::Catalogue::default(),
                Localized::default(),
                Default::default(),
                Default::default(),
                String::new(),
            ),
        };
        let locales = theme.locales().0;
        let pages = pages::Pages::new(&theme, &locales).map_err(std::io::Error::other)?;
        let secret = crate::accounts::random_key();
        let stylesheet = std::fs::read_dir(public.join("assets"))
            .ok()
            .and_then(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .find(|n| n.starts_with("style.") && n.ends_with(".css"))
            })
            .map(|n| format!("assets/{n}"));
        Ok(AppState {
            site: Arc::new(std::sync::RwLock::new(Arc::new(site))),
            changes: None,
            failure: Default::default(),
            store,
            hits,
            locales: Arc::new(locales),
            stylesheet,
            pages: Arc::new(pages),
            secret: Arc::new(secret),
            limiter: Arc::new(auth::Limiter::default()),
            schedule: Arc::new(Schedule::default()),
            catalogue: Arc::new(catalogue),
            museum,
            secure_cookies: false,
            programmes: Arc::new(programmes),
            events: Arc::new(std::sync::RwLock::new(Arc::new(events))),
            contests: Arc::new(std::sync::RwLock::new(Arc::new(contests))),
            base_url,
            workspace: None,
            mail: mailer,
            province,
            department,
            client,
        })
    }

    /// The site being served now.
    pub fn site(&self) -> Arc<SiteFiles> {
        self.site.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_site(&self, site: SiteFiles) {
        *self.site.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(site);
    }

    /// The events being served now.
    pub fn events(&self) -> Arc<Events> {
        self.events.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The published contests now.
    pub fn contests(&self) -> Arc<Contests> {
        self.contests.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Read `events/` and `contests/` again after a rebuild or a publication (places, windows,
    /// rounds and questions may have changed). Their problems were reported by the build.
    pub fn refresh_events(&self, root: &Path) {
        let mut diags = crate::diag::Diagnostics::default();
        let (events, contests) = published_dated(
            crate::content::load_events(root, &mut diags),
            crate::content::load_contests(root, &mut diags),
        );
        *self.events.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(events);
        *self.contests.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(contests);
    }

    /// Tell the store about every coming event as served now: people signed up for one that was
    /// cancelled or moved since the last publication are mailed, people waiting move up when it
    /// has more places, and sign-ups take its new day (see `Store::event_published`). Run at
    /// start and after each publication or rebuild; the store remembers what people were told,
    /// so a restart neither repeats nor misses a notice.
    pub async fn settle_events(&self) {
        let today = crate::content::Day::today();
        let now = crate::visits::now();
        let mut queued = false;
        for e in self.events().values().filter(|e| !e.is_past(today)) {
            let capacity = e.capacity.map(i64::from);
            let day = e.starts.day.to_string();
            let told = self
                .store
                .event_published(&e.slug, &day, capacity, &announced(e), self.mail.is_some(), now)
                .await;
            match told {
                Ok((notice, moved)) => {
                    if let Some(n) = notice {
                        eprintln!(
                            "vitrine: event {}: {} since the last publication",
                            e.slug,
                            n.code()
                        );
                    }
                    if !moved.is_empty() {
                        eprintln!("vitrine: event {}: {} sign-up(s) moved up", e.slug, moved.len());
                    }
                    queued |= notice.is_some() || !moved.is_empty();
                }
                Err(err) => eprintln!("vitrine: recording event {} failed: {err}", e.slug),
            }
        }
        if queued {
            self.wake_mail();
        }
    }

    /// Wake the mail task after queueing mail (nothing when `[mail]` is not configured).
    pub fn wake_mail(&self) {
        if let Some(m) = &self.mail {
            m.wake();
        }
    }

    /// The errors of the last build, when it failed.
    pub fn failure(&self) -> Option<String> {
        self.failure.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_failure(&self, errors: Option<String>) {
        *self.failure.write().unwrap_or_else(|e| e.into_inner()) = errors;
    }

    /// Serve the pages of `public` with the reload script, and announce rebuilds to them.
    pub fn watching(mut self, public: &Path) -> std::io::Result<AppState> {
        self.set_site(site_or_none(public, Some(watch::SNIPPET))?);
        self.changes = Some(watch::channel());
        Ok(self)
    }

    /// A programme's title in `lang` (the other language when missing, the slug when unknown).
    pub fn programme_title(&self, slug: &str, lang: crate::content::Lang) -> String {
        self.programmes
            .get(slug)
            .and_then(|p| p.title.pick(lang).map(|(t, _)| t.to_string()))
            .unwrap_or_else(|| slug.to_string())
    }

    /// Use a configured secret, so that sessions survive a restart and are shared by several
    /// servers behind one load balancer.
    pub fn with_secret(mut self, secret: &str) -> AppState {
        self.secret = Arc::new(*blake3::hash(secret.as_bytes()).as_bytes());
        self
    }
}

/// The built site at `public`, or an empty one when nothing was ever built there (`--watch`
/// started on content with errors).
fn site_or_none(public: &Path, snippet: Option<&str>) -> std::io::Result<SiteFiles> {
    match SiteFiles::load_with(public, snippet) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !public.exists() => Ok(SiteFiles::default()),
        r => r,
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(checkin::routes())
        .merge(auth::routes())
        .merge(staff::routes())
        .merge(learn::routes())
        .merge(teach::routes())
        .merge(reports::routes())
        .merge(province::routes())
        .merge(watch::routes())
        .merge(edit::routes())
        .merge(contest_edit::routes())
        .merge(publish::routes())
        .merge(sheets::routes())
        .merge(signup::routes())
        .merge(door::routes())
        .merge(contest::routes())
        .merge(ranking::routes())
        .fallback(static_file)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // A page whose address is a secret (a sign-up's) sets a stricter one itself.
    h.entry("referrer-policy")
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    res
}

pub(super) async fn static_file(State(state): State<AppState>, req: Request) -> Response {
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let path = percent_decode(req.uri().path());
    if let Some(errors) = state.failure()
        && state.site().is_empty()
    {
        return watch::failure_page(&state, pages::lang_of(&path), &errors);
    }
    // A curator's preview is served at the public addresses; its views are not counted.
    let (site, previewing) = match state.preview_for(req.headers()).await {
        Some(preview) => (preview, true),
        None => (state.site(), false),
    };
    match site.lookup(&path) {
        Lookup::Found(f) => {
            if method == Method::GET
                && !previewing
                && let Some((id, lang, via_qr)) = files::object_of(&path)
                && let Some(device) = req
                    .headers()
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .and_then(files::device_class)
            {
                state.hits.record(PageHit {
                    object: id.to_string(),
                    at: crate::visits::now(),
                    lang: lang.to_string(),
                    device: device.to_string(),
                    via_qr,
                });
            }
            // A label scanned during a tour answers that object's "find" question.
            if method == Method::GET
                && let Some((id, _, true)) = files::object_of(&path)
                && auth::cookie(req.headers(), learn::TOUR_COOKIE).is_some()
                && let Some(res) = learn::found_by_scan(&state, req.headers(), id).await
            {
                return res;
            }
            files::respond(&f, StatusCode::OK, &method, req.headers()).await
        }
        Lookup::AddSlash => {
            let q = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
            Redirect::permanent(&format!("{}/{q}", req.uri().path())).into_response()
        }
        // An object ID typed or scanned in another case: its page (a scan is counted there).
        Lookup::Missing => match site.object_in_other_case(&path) {
            Some(to) => {
                let q = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
                Redirect::permanent(&format!("{to}{q}")).into_response()
            }
            None => match site.not_found(&path) {
                Some(f) => files::respond(&f, StatusCode::NOT_FOUND, &method, req.headers()).await,
                None => StatusCode::NOT_FOUND.into_response(),
            },
        },
    }
}

/// `%XX` escapes decoded (file names of the site are ASCII, but a browser may escape anything);
/// an invalid escape is kept as written, so the lookup simply misses.
fn percent_decode(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = ((b[i + 1] as char).to_digit(16), (b[i + 2] as char).to_digit(16))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Options of `vitrine serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub out: PathBuf,
    pub cache: PathBuf,
    pub addr: SocketAddr,
    pub database_url: String,
    /// Days after a visit when its name and contact are erased (the counts stay).
    pub retention_days: u32,
    /// Days after an assignment closes when its students' names and answers are erased.
    pub tour_retention_days: u32,
    /// Keys the session hashes (see `AppState::with_secret`).
    pub secret: String,
    pub secure_cookies: bool,
    pub schedule: Schedule,
    /// Rebuild on changes and reload open pages.
    pub watch: bool,
}

/// Build the site, open the database, serve until Ctrl-C or SIGTERM, then write the queued hits.
pub async fn run(opts: ServeOptions) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut b = crate::build::BuildOptions::new(&opts.root);
    b.out = opts.out.clone();
    b.cache = opts.cache.clone();
    // Once content has been published from the editor, the live site is the last publication
    // (the working copy may hold unpublished edits); `--watch` shows the working copy.
    let watching = opts.watch;
    let built = tokio::task::spawn_blocking(move || match crate::publish::latest(&b.root) {
        Some(snapshot) if !watching => crate::publish::build_from(&b, &snapshot),
        _ => crate::build::build_site(&b),
    })
    .await?;
    // Every diagnostic, as `vitrine build` prints it. A curator's preview starts anyway: they are
    // in the middle of editing.
    let failure = match built {
        Ok(report) => {
            eprint!("{}", report.diagnostics.report());
            eprintln!("vitrine: built {} files", report.files);
            None
        }
        Err(e) => {
            if !watching {
                if let crate::build::BuildError::Content(d) = &e {
                    eprint!("{}", d.report());
                }
                return Err(format!("the site does not build: {e}").into());
            }
            eprint!("{}", watch::failure_text(&e));
            eprintln!(
                "vitrine: the site does not build: {e}; {}",
                if opts.out.join("index.html").is_file() {
                    "the last good site is served until it does"
                } else {
                    "its address shows these errors until it does"
                }
            );
            Some(watch::failure_text(&e))
        }
    };
    let store = Store::open(&opts.database_url).await?;
    let (hits, writer) = Hits::start(store.clone());
    tokio::spawn(retention(
        store.clone(),
        opts.retention_days,
        opts.tour_retention_days,
    ));
    let mut watcher = None;
    let mut state = AppState::new(&opts.root, &opts.out, store.clone(), hits)?.with_secret(&opts.secret);
    state.secure_cookies = opts.secure_cookies;
    state.schedule = Arc::new(opts.schedule.clone());
    let mut b = crate::build::BuildOptions::new(&opts.root);
    b.out = opts.out.clone();
    b.cache = opts.cache.clone();
    state = state.editing(b);
    if !opts.watch
        && let Some(published) = crate::publish::latest(&opts.root)
    {
        // The live events are the last publication's (see `publish::snapshot`).
        state.refresh_events(&published);
    }
    state.settle_events().await;
    let daily = if opts.watch {
        None
    } else {
        publish::start_daily(&state)
    };
    let portal = province::start_portal_refresh(&state);
    if opts.watch {
        state = state.watching(&opts.out)?;
        state.set_failure(failure);
        let mut b = crate::build::BuildOptions::new(&opts.root);
        b.out = opts.out.clone();
        b.cache = opts.cache.clone();
        watcher = Some(watch::start(state.clone(), opts.root.clone(), b)?);
    }
    let changes = state.changes.clone();
    let mailing = mail::start(&state);
    if state.mail.is_some() {
        eprintln!("vitrine: sign-up mails are sent through [mail]");
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let listener = tokio::net::TcpListener::bind(opts.addr).await?;
    eprintln!(
        "vitrine: serving http://{} ({} database)",
        listener.local_addr()?,
        store.dialect()
    );
    // Without TCP_NODELAY every small response waits on Nagle's algorithm and delayed ACKs.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown().await;
            if let Some(tx) = changes {
                let _ = tx.send(watch::Change::Closing);
            }
        })
        .await?;
    // The watcher, the nightly rebuild and the mail task hold the state too: stop them, so that every hit sender is
    // gone. Mail not sent yet stays queued for the next start.
    if let Some(m) = mailing {
        m.abort();
        let _ = m.await;
    }
    for w in [watcher, daily, portal].into_iter().flatten() {
        w.abort();
        let _ = w.await;
    }
    // The router (and with it every sender) is gone: the writer drains the queue and ends.
    writer.await?;
    store.close().await;
    Ok(())
}

/// Erase names and contacts older than the retention period, and the students of class tours
/// closed long enough: at start, then every hour.
async fn retention(store: Store, days: u32, tour_days: u32) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let now = crate::visits::now();
        let cutoff = crate::visits::retention_cutoff(now, days).to_string();
        match store.erase_personal_data_before(&cutoff, now).await {
            Ok(0) => {}
            Ok(n) => {
                eprintln!("vitrine: erased names and contacts of {n} visit records dated before {cutoff}")
            }
            Err(e) => eprintln!("vitrine: the retention pass failed: {e}"),
        }
        match store.erase_signup_personal_data_before(&cutoff, now).await {
            Ok(0) => {}
            Ok(n) => {
                eprintln!("vitrine: erased names and contacts of {n} event sign-ups dated before {cutoff}")
            }
            Err(e) => eprintln!("vitrine: the sign-up retention pass failed: {e}"),
        }
        // Contest entrants: erased with the same period, counted from when the entry started.
        match store
            .erase_contest_personal_data_before(
                crate::visits::retention_cutoff(now, days).to_unix() * 1000,
                now,
            )
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                eprintln!("vitrine: erased names and contacts of {n} contest entries started before {cutoff}")
            }
            Err(e) => eprintln!("vitrine: the contest retention pass failed: {e}"),
        }
        let closed_before = crate::learn::tour_cutoff(crate::content::Day::today(), tour_days).to_string();
        match store.erase_assignments(&closed_before, None, now).await {
            Ok(0) => {}
            Ok(n) => eprintln!(
                "vitrine: erased the students' names and answers of {n} class tours closed before {closed_before}"
            ),
            Err(e) => eprintln!("vitrine: erasing closed class tours failed: {e}"),
        }
        if let Err(e) = store.end_expired_sessions(now).await {
            eprintln!("vitrine: clearing expired sessions failed: {e}");
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    eprintln!("vitrine: shutting down");
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_escapes_and_keeps_bad_ones() {
        assert_eq!(percent_decode("/o/HL%2D001/"), "/o/HL-001/");
        assert_eq!(percent_decode("/a%2"), "/a%2");
        assert_eq!(percent_decode("/a%zz"), "/a%zz");
    }
}
