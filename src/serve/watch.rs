// `vitrine serve --watch`: for curators previewing their work. Changes to the content, theme or
// static files rebuild the site (the same incremental build, off the async runtime), swap the new
// files in, and tell open pages to reload through a server-sent event stream. A build that fails
// keeps the previous site (or, when there is none yet, a page listing the errors) and shows its
// errors in the terminal and on every open or newly opened page, until a build succeeds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use tokio::sync::{broadcast, mpsc};

use super::AppState;

/// Placed before `</body>` of every page while watching.
pub const SNIPPET: &str = "<script src=\"/_vitrine/reload.js\" defer></script>\n";

/// Listens to the event stream: reloads on `reload`, shows a banner on `failed`.
const RELOAD_JS: &str = r#"(function () {
  var es = new EventSource('/_vitrine/events');
  es.addEventListener('reload', function () { window.location.reload(); });
  es.addEventListener('failed', function (e) {
    var b = document.getElementById('vitrine-build-error') || document.createElement('pre');
    b.id = 'vitrine-build-error';
    b.setAttribute('role', 'alert');
    b.style.cssText = 'position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;margin:0;padding:1rem;background:#7d1a13;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:9999';
    b.textContent = e.data;
    document.body.appendChild(b);
  });
})();
"#;

/// What the open pages are told: the site was rebuilt, or the build failed (with its errors).
#[derive(Debug, Clone)]
pub enum Change {
    Rebuilt,
    Failed(String),
    /// The server is stopping: event streams end, so the graceful shutdown does not wait on them.
    Closing,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_vitrine/reload.js", get(reload_js))
        .route("/_vitrine/events", get(events))
}

async fn reload_js(State(state): State<AppState>) -> Response {
    if state.changes.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        RELOAD_JS,
    )
        .into_response()
}

/// One `failed` event; a carriage return would end the event early (axum refuses it).
fn failed_event(msg: &str) -> Event {
    Event::default().event("failed").data(msg.replace('\r', ""))
}

async fn events(State(state): State<AppState>) -> Response {
    let Some(tx) = &state.changes else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let rx = tx.subscribe();
    // A page opened while the content is broken shows the errors at once, not at the next save.
    let now = state
        .failure()
        .map(|msg| Ok::<_, std::convert::Infallible>(failed_event(&msg)));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(Change::Rebuilt) => {
                    return Some((
                        Ok::<_, std::convert::Infallible>(Event::default().event("reload").data("")),
                        rx,
                    ));
                }
                Ok(Change::Failed(msg)) => return Some((Ok(failed_event(&msg)), rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Ok(Change::Closing) | Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter(now), stream);
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// What a failed build shows the curator: every diagnostic as `vitrine build` prints it, or the
/// error that stopped it.
pub fn failure_text(e: &crate::build::BuildError) -> String {
    match e {
        crate::build::BuildError::Content(d) => d.report(),
        e => format!("{e}\n"),
    }
}

/// The page served at every address while no site was ever built (`--watch` started on content
/// with errors): what is wrong, in the visitor's language, and the reload script, so the real page
/// replaces it as soon as the content builds.
pub fn failure_page(state: &AppState, lang: crate::content::Lang, errors: &str) -> Response {
    use crate::render::escape_html;
    let title = escape_html(&state.locales.text(lang, "preview.failed_title"));
    let text = escape_html(&state.locales.text(lang, "preview.failed_text"));
    let html = format!(
        "<!doctype html>\n<html lang=\"{l}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n</head>\n<body>\n<main id=\"main\">\n<h1>{title}</h1>\n<p>{text}</p>\n<pre id=\"vitrine-errors\">{errors}</pre>\n</main>\n{SNIPPET}</body>\n</html>\n",
        l = lang.code(),
        errors = escape_html(errors),
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CACHE_CONTROL, "no-store")],
        axum::response::Html(html),
    )
        .into_response()
}

/// What a rebuild writes, and so must not start another: the output folder, its staging and
/// retired siblings (`.public.building-…`), the image cache; and folders of tools.
struct Ignored {
    root: PathBuf,
    out: PathBuf,
    cache: PathBuf,
}

impl Ignored {
    /// Whether a changed path is one of the museum's sources.
    fn is_source(&self, p: &Path) -> bool {
        if p.starts_with(&self.out) || p.starts_with(&self.cache) {
            return false;
        }
        if let (Some(parent), Some(name)) = (self.out.parent(), self.out.file_name())
            && let Ok(rest) = p.strip_prefix(parent)
            && let Some(first) = rest.components().next()
            && first
                .as_os_str()
                .to_string_lossy()
                .starts_with(&format!(".{}.", name.to_string_lossy()))
        {
            return false;
        }
        let inside = p.strip_prefix(&self.root).unwrap_or(p);
        !inside
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some(".git" | "target" | ".vitrine")))
    }
}

/// Start watching `root` now (before the server announces itself, so that no change made after
/// that is missed), and return the task that rebuilds on changes until the server stops.
pub fn start(
    state: AppState,
    root: PathBuf,
    build: crate::build::BuildOptions,
) -> Result<tokio::task::JoinHandle<()>, notify::Error> {
    let (ev_tx, ev_rx) = mpsc::unbounded_channel::<PathBuf>();
    let abs = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let root_abs = abs(&root);
    let ignored = Ignored {
        root: root_abs.clone(),
        out: abs(&build.out),
        cache: abs(&build.cache),
    };
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && !matches!(ev.kind, notify::EventKind::Access(_))
        {
            for p in ev.paths {
                let _ = ev_tx.send(p);
            }
        }
    })?;
    watcher.watch(&root_abs, RecursiveMode::Recursive)?;
    eprintln!("vitrine: watching {} for changes", root.display());
    Ok(tokio::spawn(rebuild_on_changes(
        state, watcher, ev_rx, ignored, build,
    )))
}

/// Debounce bursts of changes (an editor's save is several events), rebuild, swap the site in
/// and tell the pages.
async fn rebuild_on_changes(
    state: AppState,
    watcher: notify::RecommendedWatcher,
    mut ev_rx: mpsc::UnboundedReceiver<PathBuf>,
    ignored: Ignored,
    build: crate::build::BuildOptions,
) {
    let Some(tx) = state.changes.clone() else { return };
    while let Some(first) = ev_rx.recv().await {
        let mut relevant = ignored.is_source(&first);
        // Quiet for 200 ms: the burst of one save is over.
        while let Ok(Some(p)) = tokio::time::timeout(Duration::from_millis(200), ev_rx.recv()).await {
            relevant |= ignored.is_source(&p);
        }
        if !relevant {
            continue;
        }
        let b = build.clone();
        let started = std::time::Instant::now();
        let built = tokio::task::spawn_blocking(move || crate::build::build_site(&b)).await;
        let change = match built {
            Ok(Ok(report)) => {
                // Started on broken content with no site to show: read the whole new one.
                let site = if state.site().is_empty() {
                    super::files::SiteFiles::load_with(&build.out, Some(SNIPPET))
                } else {
                    state.site().refreshed(&build.out, &report.changes, Some(SNIPPET))
                };
                match site {
                    Ok(site) => {
                        state.set_site(site);
                        state.refresh_events(&build.root);
                        state.settle_events().await;
                        eprint!("{}", report.diagnostics.report());
                        eprintln!(
                            "vitrine: rebuilt {} files in {} ms; pages reload",
                            report.files,
                            started.elapsed().as_millis()
                        );
                        Change::Rebuilt
                    }
                    Err(e) => Change::Failed(format!("reading the new site failed: {e}")),
                }
            }
            Ok(Err(e)) => Change::Failed(failure_text(&e)),
            Err(e) => Change::Failed(format!("the build stopped: {e}")),
        };
        match &change {
            Change::Failed(msg) if state.site().is_empty() => {
                eprintln!("{}", msg.trim_end());
                eprintln!("vitrine: the site still does not build; its address shows these errors");
            }
            Change::Failed(msg) => {
                eprintln!("{}", msg.trim_end());
                eprintln!("vitrine: the site was not rebuilt; the previous one is still served");
            }
            _ => {}
        }
        state.set_failure(match &change {
            Change::Failed(msg) => Some(msg.clone()),
            _ => None,
        });
        let _ = tx.send(change);
    }
    drop(watcher);
}

/// The broadcast of changes for a watching server.
pub fn channel() -> Arc<broadcast::Sender<Change>> {
    Arc::new(broadcast::channel(16).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builds_own_writes_are_not_sources() {
        let i = Ignored {
            root: "/m".into(),
            out: "/m/public".into(),
            cache: "/m/.vitrine/cache".into(),
        };
        assert!(i.is_source(Path::new("/m/exhibits/a/objects/X-1/object.toml")));
        assert!(i.is_source(Path::new("/m/themes/t/base.html")));
        assert!(i.is_source(Path::new("/m/public-notes.txt")));
        for p in [
            "/m/public/o/X-1/index.html",
            "/m/.public.building-123/o/X-1/index.html",
            "/m/.public.old-123",
            "/m/.vitrine/cache/ab/cd.webp",
            "/m/.vitrine/vitrine.db-wal",
            "/m/.git/index",
            "/m/target/debug/vitrine",
        ] {
            assert!(!i.is_source(Path::new(p)), "{p}");
        }
        // A museum kept under a folder named `target` is still watched.
        let j = Ignored {
            root: "/srv/target/m".into(),
            out: "/srv/target/m/public".into(),
            cache: "/srv/target/m/.vitrine/cache".into(),
        };
        assert!(j.is_source(Path::new("/srv/target/m/exhibits/e/exhibit.toml")));
    }
}
