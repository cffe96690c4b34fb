// The output folder of a build: two trees that take turns (the live one at `out`, a spare beside
// it), a record of what every file of each tree was made from, and the atomic exchange. Knows
// nothing of pages or content: it gets paths, keys and bodies.
//
// A build changes only the spare: it brings it up to date (files whose key differs from the
// spare's record), then exchanges it with the live tree in one step (renameat2 RENAME_EXCHANGE).
// The live tree is never written, so a killed build leaves it whole; the spare it was changing is
// marked unknown (its record removed first) and rebuilt from the live tree next time. Unchanged
// files are hard links shared by both trees; nothing is ever written through a link (a changed
// file is unlinked first).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// Name of the file every built site carries, so a build only ever replaces a folder it made.
pub const SITE_MARKER: &str = ".vitrine-site";

/// What one output file of a new build is made of.
pub enum Body {
    /// Bytes rendered in this build.
    Bytes(Vec<u8>),
    /// A file outside the output to link (or copy) in: a cached photo derivative.
    Link(PathBuf),
    /// The same bytes as another output file of this build (the upper-case copy of a page).
    Alias(String),
    /// Not made: the live tree has this path with this key, so its file is the right one.
    Known,
    /// Already put into the spare tree during the build ([`Output::place`]), `bytes` long when
    /// rendered here.
    Placed { outcome: Outcome, bytes: u64 },
}

/// What placing a file into the spare tree did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The spare had it already.
    Kept,
    Written,
    Linked,
}

/// One file of the new build: its path under the output root, a key that changes whenever its
/// bytes would (a hash of what it was made from), and its body.
pub struct Planned {
    pub path: String,
    pub key: String,
    pub body: Body,
}

/// What a commit changed, for the report and for a server that holds the site in memory.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Paths that are new or whose content changed since the previous live tree.
    pub changed: Vec<String>,
    /// Paths of the previous live tree that are gone.
    pub removed: Vec<String>,
    /// Whether every path counts as changed (there was no previous record).
    pub all: bool,
    /// Files written (rendered bytes) and linked into the spare tree.
    pub written: usize,
    pub linked: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Path → key of every file of one tree.
type Keys = HashMap<String, String>;

/// What tells one tree from another on disk: the inode of its folder and of its marker, and the
/// marker's modification time. A folder deleted and made again has a new marker.
fn identity(tree: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let d = std::fs::symlink_metadata(tree).ok()?;
    if !d.is_dir() {
        return None;
    }
    let m = std::fs::metadata(tree.join(SITE_MARKER)).ok()?;
    Some(format!(
        "{}-{}-{}-{}",
        d.dev(),
        d.ino(),
        m.ino(),
        m.mtime_nsec() + m.mtime() * 1_000_000_000
    ))
}

pub(crate) fn absolute(p: &Path) -> PathBuf {
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

pub(crate) fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.{tag}"))
}

/// The output folder of one build, locked for it.
pub struct Output {
    out: PathBuf,
    spare: PathBuf,
    records: PathBuf,
    /// Keys of the live tree, when it is known (None: every file is made and written).
    live: Option<Keys>,
    /// Keys of the spare tree once [`Output::begin`] made it known (its record then forgotten).
    spare_keys: Option<Keys>,
    /// What placing files changed in the spare since `begin`, in order: a path with its new key,
    /// or with none while its file is being replaced. A build that stops before its commit
    /// writes the spare's record from this, so the next one need not link the spare again.
    placed: std::sync::Mutex<Vec<(String, Option<String>)>>,
    /// Set when the commit starts changing the spare beyond placing files (or is done).
    committed: bool,
    _lock: std::fs::File,
}

impl Output {
    /// Lock the output folder `out` (other processes building it wait) and read what the live
    /// tree holds. `cache` keeps the records.
    pub fn open(out: &Path, cache: &Path) -> Result<Output, OutputError> {
        let out = absolute(out);
        let key = blake3::hash(out.to_string_lossy().as_bytes()).to_hex()[..16].to_string();
        let records = cache.join("sites").join(key);
        std::fs::create_dir_all(&records).map_err(io(&records))?;
        let lock_path = records.join("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        {
            use std::os::fd::AsRawFd;
            // SAFETY: a valid open descriptor; flock has no memory effects. Released on close.
            unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
        }
        let mut o = Output {
            spare: sibling(&out, "spare"),
            out,
            records,
            live: None,
            spare_keys: None,
            placed: std::sync::Mutex::new(Vec::new()),
            committed: false,
            _lock: lock,
        };
        o.live = o.read_record(&o.out);
        Ok(o)
    }

    /// Whether the live tree holds `path` made from `key`: the file need not be made again.
    pub fn known(&self, path: &str, key: &str) -> bool {
        self.live
            .as_ref()
            .and_then(|k| k.get(path))
            .is_some_and(|k| k == key)
    }

    /// The stamp of the inputs the live tree was built from, when it is known.
    pub fn live_stamp(&self) -> Option<String> {
        let id = identity(&self.out)?;
        self.live.as_ref()?;
        std::fs::read_to_string(self.records.join(format!("{id}.stamp"))).ok()
    }

    fn record_path(&self, id: &str) -> PathBuf {
        self.records.join(format!("{id}.keys"))
    }

    fn read_record(&self, tree: &Path) -> Option<Keys> {
        let id = identity(tree)?;
        let text = std::fs::read_to_string(self.record_path(&id)).ok()?;
        let mut keys = HashMap::new();
        for line in text.lines() {
            let (k, p) = line.split_once('\t')?;
            keys.insert(p.to_string(), k.to_string());
        }
        Some(keys)
    }

    fn write_record(&self, tree: &Path, keys: &Keys, stamp: Option<&str>) -> Result<(), OutputError> {
        let Some(id) = identity(tree) else {
            return Ok(());
        };
        let mut text = String::with_capacity(keys.len() * 48);
        for (p, k) in keys {
            text.push_str(k);
            text.push('\t');
            text.push_str(p);
            text.push('\n');
        }
        let path = self.record_path(&id);
        write_atomically(&path, text.as_bytes())?;
        let stamp_path = self.records.join(format!("{id}.stamp"));
        match stamp {
            Some(s) => write_atomically(&stamp_path, s.as_bytes())?,
            None => {
                let _ = std::fs::remove_file(&stamp_path);
            }
        }
        Ok(())
    }

    /// Forget a tree's record (before changing it: a change cut short leaves it unknown).
    fn forget(&self, tree: &Path) {
        if let Some(id) = identity(tree) {
            let _ = std::fs::remove_file(self.record_path(&id));
            let _ = std::fs::remove_file(self.records.join(format!("{id}.stamp")));
        }
    }

    /// Records of trees that no longer exist.
    fn prune_records(&self) {
        let keep: HashSet<String> = [identity(&self.out), identity(&self.spare)]
            .into_iter()
            .flatten()
            .collect();
        if let Ok(rd) = std::fs::read_dir(&self.records) {
            for e in rd.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some((id, _)) = name.rsplit_once('.')
                    && !keep.contains(id)
                    && name != "lock"
                {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }

    /// Start changing the spare tree: bring it to a known state (as recorded, or linked again
    /// from the live tree) and forget its record, so a build cut short from here on leaves it
    /// unknown. Files can then be [placed](Output::place) as they are made; [`Output::commit`]
    /// calls this itself when nothing was placed before.
    pub fn begin(&mut self) -> Result<(), OutputError> {
        if self.spare_keys.is_none() {
            let keys = self.prepare_spare()?;
            self.forget(&self.spare);
            self.spare_keys = Some(keys);
        }
        Ok(())
    }

    /// Put one file of the new build into the spare tree now (after [`Output::begin`]), so its
    /// bytes need not be kept until the commit. Returns it with the body
    /// [`Body::Placed`]; an alias is returned as it is (placed by the commit, after what it
    /// names).
    pub fn place(&self, p: Planned) -> Result<Planned, OutputError> {
        if matches!(p.body, Body::Alias(_) | Body::Placed { .. }) {
            return Ok(p);
        }
        let outcome = self.put(&p, false)?;
        let bytes = match &p.body {
            Body::Bytes(b) => b.len() as u64,
            _ => 0,
        };
        Ok(Planned {
            path: p.path,
            key: p.key,
            body: Body::Placed { outcome, bytes },
        })
    }

    /// Bring the spare's `p.path` to `p`: nothing when the spare has it already, else remove
    /// what is there (never write through a link) and write or link the new file.
    fn put(&self, p: &Planned, from_alias: bool) -> Result<Outcome, OutputError> {
        let spare_keys = self
            .spare_keys
            .as_ref()
            .expect("Output::begin before placing files");
        if spare_keys.get(&p.path) == Some(&p.key) {
            return Ok(Outcome::Kept);
        }
        let dest = self.spare.join(&p.path);
        let note = |key: Option<&str>| {
            if let Ok(mut v) = self.placed.lock() {
                v.push((p.path.clone(), key.map(str::to_string)));
            }
        };
        note(None);
        match std::fs::remove_file(&dest) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&dest)(e)),
        }
        let attempt = || -> std::io::Result<Outcome> {
            match &p.body {
                Body::Bytes(b) => std::fs::write(&dest, b).map(|()| Outcome::Written),
                Body::Link(src) => link_or_copy(src, &dest).map(|()| Outcome::Linked),
                Body::Known => link_or_copy(&self.out.join(&p.path), &dest).map(|()| Outcome::Linked),
                Body::Alias(other) if from_alias => {
                    link_or_copy(&self.spare.join(other), &dest).map(|()| Outcome::Linked)
                }
                Body::Alias(_) | Body::Placed { .. } => Ok(Outcome::Kept),
            }
        };
        let outcome = match attempt() {
            // The first file of a new folder: make the folder (another thread may be making it
            // at the same moment; that is fine), then again.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let d = dest.parent().unwrap_or(&self.spare);
                std::fs::create_dir_all(d).map_err(io(d))?;
                attempt().map_err(io(&dest))?
            }
            r => r.map_err(io(&dest))?,
        };
        note(Some(&p.key));
        Ok(outcome)
    }

    /// Make `planned` the live site: bring the spare tree up to date (files not placed yet,
    /// then aliases), exchange it with the live one. `stamp` describes the inputs (kept with
    /// the record, for the next build's quick "nothing changed" answer).
    pub fn commit(mut self, planned: Vec<Planned>, stamp: Option<&str>) -> Result<Changes, OutputError> {
        self.begin()?;
        let spare = &self.spare;
        let out = &self.out;
        let live = self.live.as_ref();
        let (direct, aliases): (Vec<&Planned>, Vec<&Planned>) =
            planned.iter().partition(|p| !matches!(p.body, Body::Alias(_)));
        // The files aliases link to exist before the aliases.
        let mut outcomes: Vec<Outcome> = direct
            .par_iter()
            .map(|p| match p.body {
                Body::Placed { outcome, .. } => Ok(outcome),
                _ => self.put(p, false),
            })
            .collect::<Result<_, _>>()?;
        outcomes.extend(
            aliases
                .par_iter()
                .map(|p| self.put(p, true))
                .collect::<Result<Vec<Outcome>, _>>()?,
        );
        let written = outcomes.iter().filter(|c| **c == Outcome::Written).count();
        let linked = outcomes.iter().filter(|c| **c == Outcome::Linked).count();

        // From here on the spare changes in ways `placed` does not note: a failure leaves it
        // unknown (no record), to be linked again by the next build.
        self.committed = true;
        // Files of the spare's previous contents that the new site no longer has.
        let spare_keys = self.spare_keys.as_ref().expect("begun above");
        let wanted: HashSet<&str> = planned.iter().map(|p| p.path.as_str()).collect();
        let mut emptied: HashSet<PathBuf> = HashSet::new();
        for path in spare_keys.keys().filter(|p| !wanted.contains(p.as_str())) {
            let f = spare.join(path);
            let _ = std::fs::remove_file(&f);
            if let Some(d) = f.parent() {
                emptied.insert(d.to_path_buf());
            }
        }
        remove_empty_dirs(spare, emptied);
        std::fs::create_dir_all(spare).map_err(io(spare))?;
        let marker = spare.join(SITE_MARKER);
        if !marker.is_file() {
            std::fs::write(
                &marker,
                "This folder is a site built by Vitrine; `vitrine build` replaces it whole.\n",
            )
            .map_err(io(&marker))?;
        }

        // What changed against the live site, for the server.
        let mut changes = Changes {
            written,
            linked,
            ..Default::default()
        };
        match live {
            Some(live) => {
                changes.changed = planned
                    .iter()
                    .filter(|p| live.get(&p.path) != Some(&p.key))
                    .map(|p| p.path.clone())
                    .collect();
                changes.removed = live
                    .keys()
                    .filter(|p| !wanted.contains(p.as_str()))
                    .cloned()
                    .collect();
            }
            None => {
                changes.all = true;
                changes.changed = planned.iter().map(|p| p.path.clone()).collect();
            }
        }

        let keys: Keys = planned.into_iter().map(|p| (p.path, p.key)).collect();
        let had_live = out.exists();
        swap_in(spare, out)?;
        self.write_record(out, &keys, stamp)?;
        if had_live && let Some(live) = &self.live {
            // The previous live tree is the spare now, unchanged.
            self.write_record(spare, live, None)?;
        }
        self.prune_records();
        Ok(changes)
    }

    /// The spare tree and its keys: as recorded, or made again from the live tree (hard links)
    /// when its record is gone (a build cut short, or the first incremental build).
    fn prepare_spare(&self) -> Result<Keys, OutputError> {
        if let Some(keys) = self.read_record(&self.spare) {
            return Ok(keys);
        }
        if std::fs::symlink_metadata(&self.spare).is_ok() {
            std::fs::remove_dir_all(&self.spare).map_err(io(&self.spare))?;
        }
        std::fs::create_dir_all(&self.spare).map_err(io(&self.spare))?;
        match &self.live {
            Some(live) => {
                let mut dirs: HashSet<&Path> = HashSet::new();
                for p in live.keys() {
                    if let Some(parent) = Path::new(p).parent() {
                        dirs.insert(parent);
                    }
                }
                for d in dirs {
                    let d = self.spare.join(d);
                    std::fs::create_dir_all(&d).map_err(io(&d))?;
                }
                let linked: Vec<(String, String)> = live
                    .par_iter()
                    .filter_map(|(p, k)| {
                        link_or_copy(&self.out.join(p), &self.spare.join(p))
                            .ok()
                            .map(|_| (p.clone(), k.clone()))
                    })
                    .collect();
                Ok(linked.into_iter().collect())
            }
            None => Ok(Keys::new()),
        }
    }
}

impl Drop for Output {
    /// A build that placed files and then failed (a template error, say) leaves the spare with
    /// a record of what it holds now, so the next build starts from it instead of linking the
    /// whole live tree again. (A killed build leaves no record: the spare is linked again.)
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let Some(mut keys) = self.spare_keys.take() else {
            return;
        };
        let placed = std::mem::take(self.placed.get_mut().unwrap_or_else(|e| e.into_inner()));
        for (path, key) in placed {
            match key {
                Some(k) => keys.insert(path, k),
                None => keys.remove(&path),
            };
        }
        let _ = self.write_record(&self.spare, &keys, None);
    }
}

fn remove_empty_dirs(root: &Path, dirs: HashSet<PathBuf>) {
    let mut dirs: Vec<PathBuf> = dirs.into_iter().collect();
    // Deepest first, then their parents.
    while !dirs.is_empty() {
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        let mut next = HashSet::new();
        for d in dirs {
            if d.starts_with(root)
                && d != root
                && std::fs::remove_dir(&d).is_ok()
                && let Some(p) = d.parent()
            {
                next.insert(p.to_path_buf());
            }
        }
        dirs = next.into_iter().collect();
    }
}

fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(to)?;
            std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(|_| ()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(e),
        Err(_) => std::fs::copy(from, to).map(|_| ()),
    }
}

/// Write beside, then rename: a reader sees the old file or the new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Put `staging` in place of `out`. On Linux the two folders are exchanged in one atomic step
/// (renameat2 RENAME_EXCHANGE), so `out` always exists and is always complete; `staging` then
/// holds the previous site.
pub(crate) fn swap_in(staging: &Path, out: &Path) -> Result<(), OutputError> {
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
    std::fs::rename(&old, staging).map_err(io(staging))
}
