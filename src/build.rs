// The build: load → check → media → render → write into a fresh folder → swap it in. A failed or
// killed build leaves the previous output as it was. The only module that puts the others together.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::content::{Day, Site, load_site};
use crate::diag::{Diagnostics, Pos, display_path};
use crate::media::{MediaSettings, MediaStats, derive_images};
use crate::render::{OutFile, RenderError, RenderInput, Theme, render_site};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The museum's folder (holds vitrine.toml).
    pub root: PathBuf,
    /// Output folder; default `<root>/public`.
    pub out: PathBuf,
    /// Image cache; default `<root>/.vitrine/cache`.
    pub cache: PathBuf,
    /// Publish draft exhibitions too (preview).
    pub drafts: bool,
    /// Show a progress line on a terminal.
    pub progress: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> BuildOptions {
        let root = root.into();
        BuildOptions {
            out: root.join("public"),
            cache: root.join(".vitrine").join("cache"),
            root,
            drafts: false,
            progress: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Warnings of the content (errors stop the build).
    pub diagnostics: Diagnostics,
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    pub media: MediaStats,
    pub out: PathBuf,
    pub millis: u128,
    /// Milliseconds spent in each phase, in order.
    pub phases: Vec<(&'static str, u128)>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the content has {} error(s); nothing was built", .0.errors())]
    Content(Diagnostics),
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    UnsafeOutput(String),
}

/// Name of the file every built site carries, so a build only ever replaces a folder it made.
pub const SITE_MARKER: &str = ".vitrine-site";

fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // Resolve symbolic links of the existing part, so two spellings of one folder compare equal.
    match (abs.parent().and_then(|d| d.canonicalize().ok()), abs.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => abs,
    }
}

/// The output folder is replaced whole: refuse one that holds the museum's content, and one that
/// exists but was not made by Vitrine (it would be deleted).
fn check_output(root: &Path, out: &Path) -> Result<(), BuildError> {
    let (root, out_abs) = (
        root.canonicalize().unwrap_or_else(|_| absolute(root)),
        absolute(out),
    );
    if root.starts_with(&out_abs) {
        return Err(BuildError::UnsafeOutput(format!(
            "the output folder {} contains the museum's own files ({}); choose another, e.g. {}",
            out.display(),
            root.display(),
            root.join("public").display()
        )));
    }
    let non_empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty && !out.join(SITE_MARKER).is_file() {
        return Err(BuildError::UnsafeOutput(format!(
            "{} already exists and was not built by Vitrine; it would be replaced. Choose an empty or new folder",
            out.display()
        )));
    }
    Ok(())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Load and check the site: every diagnostic of the content and of the theme's UI strings.
pub fn check(root: &Path) -> (Option<(Site, Theme)>, Diagnostics) {
    let (site, mut diags) = load_site(root);
    let Some(site) = site else { return (None, diags) };
    diags.extend(crate::check::check_site(&site));
    match Theme::load(root, &site.config.theme) {
        Ok(theme) => {
            diags.extend(theme.locales().1);
            (Some((site, theme)), diags)
        }
        Err(e) => {
            diags.error(
                "unreadable-theme",
                Pos::file(format!("themes/{}", site.config.theme)),
                "",
                e.to_string(),
                "check that every file under themes/ can be read",
            );
            (None, diags)
        }
    }
}

/// Build the site into `opts.out`, atomically.
pub fn build_site(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    // Two builds of one output folder in one process (a publication while `--watch` rebuilds)
    // would share a staging folder: they take turns.
    let turn = output_lock(&opts.out);
    let _turn = turn.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let mut phases: Vec<(&'static str, u128)> = Vec::new();
    let mut mark = |name: &'static str, since: &mut Instant| {
        phases.push((name, since.elapsed().as_millis()));
        *since = Instant::now();
    };
    let mut t = Instant::now();
    let (loaded, diags) = check(&opts.root);
    mark("load and check", &mut t);
    let Some((site, theme)) = loaded.filter(|_| !diags.has_errors()) else {
        return Err(BuildError::Content(diags));
    };
    let (locales, _) = theme.locales();

    check_output(&opts.root, &opts.out)?;
    let staging = staging_dir(&opts.out);
    clean_leftovers(&opts.out);
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    // Whatever happens below, the staging folder does not outlive this function.
    let guard = RemoveOnDrop(staging.clone());

    // Media.
    let visible = site.visible_item_ids(opts.drafts);
    let sources: Vec<PathBuf> = visible
        .iter()
        .filter_map(|id| site.items.get(*id))
        .flat_map(|it| it.images.iter().map(|im| im.path.clone()))
        .collect();
    let mut settings = MediaSettings::new(site.config.image_widths.clone(), site.config.image_quality);
    settings.deep_zoom = site.config.deep_zoom;
    let progress = Progress::new(opts.progress);
    mark("prepare", &mut t);
    let (media, errors, stats) = derive_images(
        &sources,
        &settings,
        &opts.cache.join("media"),
        &staging,
        &|d, t| progress.show("images", d, t),
    );
    progress.done();
    if !errors.is_empty() {
        // Each photo is reported where object.toml names it.
        let mut named: HashMap<&Path, (Pos, String)> = HashMap::new();
        for it in site.items.values() {
            for (i, im) in it.images.iter().enumerate() {
                named.insert(&im.path, (im.pos.clone(), format!("image[{}].file", i + 1)));
            }
        }
        let mut d = Diagnostics::default();
        for e in errors {
            let (pos, field) = named
                .get(e.path.as_path())
                .cloned()
                .unwrap_or_else(|| (Pos::file(display_path(&opts.root, &e.path)), String::new()));
            d.error(
                "unreadable-image",
                pos,
                &field,
                format!(
                    "{} cannot be processed: {}",
                    display_path(&opts.root, &e.path).display(),
                    e.message
                ),
                "open it in an image editor and save it again as JPEG or PNG",
            );
        }
        return Err(BuildError::Content(d));
    }
    let audio = copy_audio(&site, &visible, &staging)?;
    copy_static(&opts.root.join("static"), &staging)?;

    let input = RenderInput {
        site: &site,
        theme: &theme,
        locales: &locales,
        media: &media,
        audio: &audio,
        drafts: opts.drafts,
        today: Day::today(),
    };
    mark("images", &mut t);
    let files = render_site(&input)?;
    mark("render", &mut t);
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    let record = site_files_path(&opts.cache, &opts.out);
    let previous: SiteFiles = std::fs::read(&record)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let site_files = write_files(&staging, &files, &opts.out, &previous)?;
    let marker = staging.join(SITE_MARKER);
    std::fs::write(
        &marker,
        "This folder is a site built by Vitrine; `vitrine build` replaces it whole.\n",
    )
    .map_err(io(&marker))?;

    mark("write", &mut t);
    swap_in(&staging, &opts.out)?;
    // Remember what the live site now holds (written beside and renamed, like every cache file).
    if let (Some(dir), Ok(bytes)) = (record.parent(), serde_json::to_vec(&site_files)) {
        let tmp = record.with_extension(format!("tmp-{}", std::process::id()));
        if std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&tmp, bytes))
            .is_ok()
        {
            let _ = std::fs::rename(&tmp, &record);
        }
    }
    drop(guard);
    let (count, bytes) = tree_size(&opts.out);
    Ok(BuildReport {
        diagnostics: diags,
        pages,
        files: count,
        bytes,
        media: stats,
        out: opts.out.clone(),
        millis: started.elapsed().as_millis(),
        phases,
    })
}

/// The lock of one output folder, shared by every build of it in this process.
fn output_lock(out: &Path) -> std::sync::Arc<std::sync::Mutex<()>> {
    type Locks = std::sync::Mutex<HashMap<PathBuf, std::sync::Arc<std::sync::Mutex<()>>>>;
    static LOCKS: std::sync::OnceLock<Locks> = std::sync::OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    locks.entry(absolute(out)).or_default().clone()
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.exists() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.{tag}"))
}

fn staging_dir(out: &Path) -> PathBuf {
    sibling(out, &format!("building-{}", std::process::id()))
}

/// Staging folders of builds that were killed. Their process is gone, so they are garbage; the
/// live output was never touched by them.
fn clean_leftovers(out: &Path) {
    let Some(parent) = out.parent() else { return };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.building-");
    let Ok(rd) = std::fs::read_dir(parent) else { return };
    for e in rd.filter_map(Result::ok) {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(crate::proc::process_is_gone)
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Put `staging` in place of `out`. On Linux the two folders are exchanged in one atomic step
/// (renameat2 RENAME_EXCHANGE), so `out` always exists and is always complete.
pub(crate) fn swap_in(staging: &Path, out: &Path) -> Result<(), BuildError> {
    if !out.exists() {
        return std::fs::rename(staging, out).map_err(io(out));
    }
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(staging.as_os_str().as_bytes())
            .map_err(|e| io(staging)(std::io::Error::other(e)))?;
        let b = CString::new(out.as_os_str().as_bytes()).map_err(|e| io(out)(std::io::Error::other(e)))?;
        // SAFETY: both are valid NUL-terminated paths; the call has no other memory effects.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            // `staging` now holds the previous site; the guard removes it.
            return Ok(());
        }
    }
    // Elsewhere (or a file system without exchange): move the old one aside, then the new one in.
    let old = sibling(out, &format!("old-{}", std::process::id()));
    std::fs::rename(out, &old).map_err(io(out))?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(io(out)(e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// What the previous build wrote into an output folder: size, modification time and content hash
/// of each file, so an unchanged file is hard-linked from the live site instead of written again.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct SiteFiles {
    files: HashMap<String, FileStamp>,
}

/// Size, modification time (ns) and content hash of one output file.
type FileStamp = (u64, i128, String);

fn site_files_path(cache: &Path, out: &Path) -> PathBuf {
    let key = blake3::hash(absolute(out).to_string_lossy().as_bytes()).to_hex()[..16].to_string();
    cache.join("sites").join(format!("{key}.json"))
}

/// Write the rendered files into `root`. A file whose bytes equal the live site's copy, untouched
/// since the last build (same size and time), is hard-linked instead: far fewer bytes written, and
/// nothing is ever written through a link (every path in `root` is new).
fn write_files(
    root: &Path,
    files: &[OutFile],
    live: &Path,
    previous: &SiteFiles,
) -> Result<SiteFiles, BuildError> {
    let dirs: std::collections::BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| root.join(&f.path).parent().map(Path::to_path_buf))
        .collect();
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    let written: Result<Vec<(String, FileStamp)>, BuildError> = files
        .par_iter()
        .map(|f| {
            let p = root.join(&f.path);
            let hash = blake3::hash(&f.bytes).to_hex()[..16].to_string();
            let old = live.join(&f.path);
            let same = previous.files.get(&f.path).is_some_and(|(len, time, h)| {
                *h == hash
                    && *len == f.bytes.len() as u64
                    && crate::media::stat_of(&old) == Some((*len, *time))
            });
            if !(same && std::fs::hard_link(&old, &p).is_ok()) {
                std::fs::write(&p, &f.bytes).map_err(io(&p))?;
            }
            let (len, time) = crate::media::stat_of(&p).unwrap_or((f.bytes.len() as u64, 0));
            Ok((f.path.clone(), (len, time, hash)))
        })
        .collect();
    Ok(SiteFiles {
        files: written?.into_iter().collect(),
    })
}

/// Audio files under content-hashed names in media/.
fn copy_audio(
    site: &Site,
    visible: &std::collections::BTreeSet<&str>,
    staging: &Path,
) -> Result<HashMap<PathBuf, String>, BuildError> {
    let mut map = HashMap::new();
    let dir = staging.join("media");
    for it in visible.iter().filter_map(|id| site.items.get(*id)) {
        for a in &it.audio {
            let bytes = std::fs::read(&a.path).map_err(io(&a.path))?;
            let ext = a
                .path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("bin")
                .to_ascii_lowercase();
            let url = format!("media/{}.{ext}", &blake3::hash(&bytes).to_hex()[..20]);
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            std::fs::write(staging.join(&url), &bytes).map_err(io(&a.path))?;
            map.insert(a.path.clone(), url);
        }
    }
    Ok(map)
}

/// Copy `static/` as it is (logo, favicon). Symbolic links are not followed.
fn copy_static(from: &Path, to: &Path) -> Result<(), BuildError> {
    if !from.is_dir() {
        return Ok(());
    }
    for e in std::fs::read_dir(from).map_err(io(from))?.filter_map(Result::ok) {
        let ft = e.file_type().map_err(io(&e.path()))?;
        let dest = to.join(e.file_name());
        if ft.is_dir() {
            std::fs::create_dir_all(&dest).map_err(io(&dest))?;
            copy_static(&e.path(), &dest)?;
        } else if ft.is_file() {
            std::fs::copy(e.path(), &dest).map_err(io(&dest))?;
        }
    }
    Ok(())
}

fn tree_size(p: &Path) -> (usize, u64) {
    let mut n = 0;
    let mut bytes = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.filter_map(Result::ok) {
            match e.file_type() {
                Ok(t) if t.is_dir() => {
                    let (a, b) = tree_size(&e.path());
                    n += a;
                    bytes += b;
                }
                Ok(_) => {
                    n += 1;
                    bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
                }
                Err(_) => {}
            }
        }
    }
    (n, bytes)
}

/// A one-line progress display on a terminal; silent otherwise.
struct Progress {
    on: bool,
}

impl Progress {
    fn new(wanted: bool) -> Progress {
        Progress {
            on: wanted && std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, what: &str, done: usize, total: usize) {
        if self.on {
            eprint!("\r  {what} {done}/{total}   ");
        }
    }

    fn done(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}
