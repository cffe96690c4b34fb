// The build: load → check → media → render → write into a fresh folder → swap it in. A failed or
// killed build leaves the previous output as it was. The only module that puts the others together.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::content::{Day, Site, load_site};
use crate::diag::{Diagnostics, Pos, display_path};
use crate::media::{MediaSettings, MediaStats, derive_images};
pub use crate::output::SITE_MARKER;
use crate::output::{Body, Changes, Output, OutputError, Planned, absolute, sibling};
use crate::render::{RenderError, RenderInput, Theme, render_site};

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
    /// The day the site is built for (which events are coming, which exhibitions are open);
    /// `None`: today in Vietnam (see `Day::today`).
    pub today: Option<Day>,
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
            today: None,
        }
    }

    /// The day the site is built for.
    pub fn today(&self) -> Day {
        self.today.unwrap_or_else(Day::today)
    }
}

#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Warnings of the content (errors stop the build).
    pub diagnostics: Diagnostics,
    /// Pages and files of the built site.
    pub pages: usize,
    pub files: usize,
    /// Files written in this build (made anew), and their bytes; the others were kept.
    pub written: usize,
    pub bytes: u64,
    pub media: MediaStats,
    pub out: PathBuf,
    pub millis: u128,
    /// Milliseconds spent in each phase, in order.
    pub phases: Vec<(&'static str, u128)>,
    /// What changed in the live site.
    pub changes: Changes,
    /// Nothing was built: the inputs are those of the live site.
    pub unchanged: bool,
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

impl From<OutputError> for BuildError {
    fn from(e: OutputError) -> BuildError {
        let OutputError::Io { path, source } = e;
        BuildError::Io { path, source }
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

/// Build the site into `opts.out`, atomically: only files whose inputs changed are made and
/// written (see `output`), and a build whose inputs did not change at all stops after reading
/// their sizes and times.
pub fn build_site(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let mut phases: Vec<(&'static str, u128)> = Vec::new();
    let mut mark = |name: &'static str, since: &mut Instant| {
        phases.push((name, since.elapsed().as_millis()));
        *since = Instant::now();
    };
    let mut t = Instant::now();
    // Two builds of one output folder (a publication while `--watch` rebuilds, or two commands)
    // take turns: the lock is held until the new site is in place.
    check_output(&opts.root, &opts.out)?;
    let mut output = Output::open(&opts.out, &opts.cache).map_err(BuildError::from)?;
    let stamp = input_stamp(opts);
    if let (Some(now), Some(live)) = (&stamp, output.live_stamp())
        && *now == live
    {
        mark("nothing changed", &mut t);
        return Ok(BuildReport {
            diagnostics: Diagnostics::default(),
            pages: 0,
            files: 0,
            written: 0,
            bytes: 0,
            media: MediaStats::default(),
            out: opts.out.clone(),
            millis: started.elapsed().as_millis(),
            phases,
            changes: Changes::default(),
            unchanged: true,
        });
    }
    mark("compare inputs", &mut t);
    let (loaded, diags) = check(&opts.root);
    mark("load and check", &mut t);
    let Some((site, theme)) = loaded.filter(|_| !diags.has_errors()) else {
        return Err(BuildError::Content(diags));
    };
    let (locales, _) = theme.locales();

    // Photo derivatives are linked from the cache into a folder of this build, then into the site.
    let side = staging_dir(&opts.out);
    clean_leftovers(&opts.out);
    std::fs::create_dir_all(&side).map_err(io(&side))?;
    // Whatever happens below, this folder does not outlive this function.
    let guard = RemoveOnDrop(side.clone());

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
    let (media, errors, stats) =
        derive_images(&sources, &settings, &opts.cache.join("media"), &side, &|d, t| {
            progress.show("images", d, t)
        });
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
    let mut planned = linked_files(&side)?;
    let (audio, audio_files) = plan_audio(&site, &visible)?;
    planned.extend(audio_files);
    planned.extend(plan_static(&opts.root.join("static"))?);

    let input = RenderInput {
        site: &site,
        theme: &theme,
        locales: &locales,
        media: &media,
        audio: &audio,
        drafts: opts.drafts,
        today: opts.today(),
    };
    mark("images", &mut t);
    // Pages and files go into the spare tree as they are made: the build holds their paths and
    // keys, not their bytes.
    output.begin()?;
    let (rendered, render_parts) = render_site(&input, &|p, k| output.known(p, k), &|p| output.place(p))?;
    planned.extend(rendered);
    mark("render", &mut t);
    // One file per path (two objects may share a photo, so its derivatives are listed twice).
    let mut seen = std::collections::HashSet::new();
    planned.retain(|p| seen.insert(p.path.clone()));
    let pages = planned.iter().filter(|f| f.path.ends_with(".html")).count();
    let files = planned.len();
    let bytes: u64 = planned
        .iter()
        .map(|p| match &p.body {
            Body::Bytes(b) => b.len() as u64,
            Body::Placed { bytes, .. } => *bytes,
            _ => 0,
        })
        .sum();
    let changes = output.commit(planned, stamp.as_deref())?;
    mark("write", &mut t);
    phases.extend(render_parts);
    drop(guard);
    Ok(BuildReport {
        diagnostics: diags,
        pages,
        files,
        written: changes.written,
        bytes,
        media: stats,
        out: opts.out.clone(),
        millis: started.elapsed().as_millis(),
        phases,
        changes,
        unchanged: false,
    })
}

/// A description of every input of a build (the size and modification time of each file under
/// vitrine.toml, exhibits/, events/, contests/, themes/ and static/, the day, the options and Vitrine's version), or
/// None when a file changed so recently that a second change in the same clock tick could go
/// unseen (such a build reads the content and writes only what differs). Equal stamps mean the same site.
fn input_stamp(opts: &BuildOptions) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as i128;
    let mut h = blake3::Hasher::new();
    h.update(crate::render::program_identity().as_bytes());
    h.update(format!("{:?} {} {}", opts.today(), opts.drafts, opts.cache.display()).as_bytes());
    let mut racy = false;
    let mut entry = |p: &Path, m: &std::fs::Metadata, h: &mut blake3::Hasher| {
        let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
        let ctime = i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec());
        // Changed within the last 100 ms: another change in the same clock tick would keep
        // these times, so this stamp cannot vouch for it.
        racy |= now - mtime.max(ctime) < 100_000_000;
        h.update(p.as_os_str().as_encoded_bytes());
        h.update(&m.len().to_le_bytes());
        h.update(&mtime.to_le_bytes());
        h.update(&ctime.to_le_bytes());
        h.update(&m.ino().to_le_bytes());
    };
    for top in [
        "vitrine.toml",
        "exhibits",
        "events",
        "contests",
        "themes",
        "static",
    ] {
        let mut stack = vec![opts.root.join(top)];
        while let Some(p) = stack.pop() {
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                h.update(b"-");
                continue;
            };
            entry(&p, &m, &mut h);
            if m.is_dir() {
                let mut names: Vec<PathBuf> = std::fs::read_dir(&p)
                    .ok()?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .collect();
                names.sort();
                stack.extend(names.into_iter().rev());
            } else if m.file_type().is_symlink() {
                // A linked file or folder (a mirror of the museum): what it points to counts.
                if let Ok(target) = std::fs::metadata(&p) {
                    entry(&p, &target, &mut h);
                    if target.is_dir() {
                        return None;
                    }
                }
            }
        }
    }
    (!racy).then(|| h.finalize().to_hex().to_string())
}

/// The files derive_images linked into `side` (photo derivatives and tiles, named by content
/// hash), to be linked into the site. The key is the cache file they are linked from.
fn linked_files(side: &Path) -> Result<Vec<Planned>, BuildError> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut stack = vec![side.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            let m = e.metadata().map_err(io(&p))?;
            if m.is_dir() {
                stack.push(p);
            } else if let Some(rel) = p.strip_prefix(side).ok().and_then(|r| r.to_str()) {
                out.push(Planned {
                    path: rel.replace('\\', "/"),
                    key: format!("f{}-{}-{}", m.dev(), m.ino(), m.len()),
                    body: Body::Link(p.clone()),
                });
            }
        }
    }
    Ok(out)
}

/// The key and body of a file copied as it is: its bytes' hash.
fn plan_copy(path: String, source: &Path, bytes: &[u8]) -> Planned {
    Planned {
        path,
        key: blake3::hash(bytes).to_hex()[..20].to_string(),
        body: Body::Link(source.to_path_buf()),
    }
}

/// Audio files under content-hashed names in media/: the public path of each, and the files.
fn plan_audio(
    site: &Site,
    visible: &std::collections::BTreeSet<&str>,
) -> Result<(HashMap<PathBuf, String>, Vec<Planned>), BuildError> {
    let mut map = HashMap::new();
    let mut files = Vec::new();
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
            files.push(plan_copy(url.clone(), &a.path, &bytes));
            map.insert(a.path.clone(), url);
        }
    }
    Ok((map, files))
}

/// `static/` as it is (logo, favicon). Symbolic links are not followed.
fn plan_static(from: &Path) -> Result<Vec<Planned>, BuildError> {
    let mut out = Vec::new();
    let mut stack = vec![from.to_path_buf()];
    while let Some(d) = stack.pop() {
        if !d.is_dir() {
            continue;
        }
        for e in std::fs::read_dir(&d).map_err(io(&d))?.filter_map(Result::ok) {
            let ft = e.file_type().map_err(io(&e.path()))?;
            let p = e.path();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file()
                && let Some(rel) = p.strip_prefix(from).ok().and_then(|r| r.to_str())
            {
                let bytes = std::fs::read(&p).map_err(io(&p))?;
                out.push(plan_copy(rel.replace('\\', "/"), &p, &bytes));
            }
        }
    }
    Ok(out)
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.exists() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn staging_dir(out: &Path) -> PathBuf {
    sibling(out, &format!("building-{}", std::process::id()))
}

/// Folders of builds that were killed. Their process is gone, so they are garbage; the live
/// output was never touched by them.
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
