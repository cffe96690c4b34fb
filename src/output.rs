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
    #[error("{0}")]
    Unsafe(String),
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

    /// Whether the live tree's contents are known (an earlier build's record matches it).
    pub fn live_is_known(&self) -> bool {
        self.live.is_some()
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

    /// Make `planned` the live site: bring the spare tree up to date, exchange it with the live
    /// one. `stamp` describes the inputs (kept with the record, for the next build's quick
    /// "nothing changed" answer).
    pub fn commit(self, planned: Vec<Planned>, stamp: Option<&str>) -> Result<Changes, OutputError> {
        let spare_keys = self.prepare_spare()?;
        self.forget(&self.spare);
        let live = self.live.as_ref();

        // Folders first (each once), then the files in parallel.
        let mut dirs: HashSet<&Path> = HashSet::new();
        for p in &planned {
            if spare_keys.get(&p.path) != Some(&p.key)
                && let Some(parent) = Path::new(&p.path).parent()
            {
                dirs.insert(parent);
            }
        }
        for d in &dirs {
            let d = self.spare.join(d);
            std::fs::create_dir_all(&d).map_err(io(&d))?;
        }
        let spare = &self.spare;
        let out = &self.out;
        let place = |p: &Planned, from_alias: bool| -> Result<u8, OutputError> {
            if spare_keys.get(&p.path) == Some(&p.key) {
                return Ok(0);
            }
            let dest = spare.join(&p.path);
            match std::fs::remove_file(&dest) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&dest)(e)),
            }
            match &p.body {
                Body::Bytes(b) => {
                    std::fs::write(&dest, b).map_err(io(&dest))?;
                    Ok(1)
                }
                Body::Link(src) => link_or_copy(src, &dest).map(|_| 2),
                Body::Known => link_or_copy(&out.join(&p.path), &dest).map(|_| 2),
                Body::Alias(other) if from_alias => link_or_copy(&spare.join(other), &dest).map(|_| 2),
                Body::Alias(_) => Ok(0),
            }
        };
        let (direct, aliases): (Vec<&Planned>, Vec<&Planned>) =
            planned.iter().partition(|p| !matches!(p.body, Body::Alias(_)));
        // The files aliases link to exist before the aliases.
        let mut counts: Vec<u8> = direct
            .par_iter()
            .map(|p| place(p, false))
            .collect::<Result<_, _>>()?;
        counts.extend(
            aliases
                .par_iter()
                .map(|p| place(p, true))
                .collect::<Result<Vec<u8>, _>>()?,
        );
        let written = counts.iter().filter(|c| **c == 1).count();
        let linked = counts.iter().filter(|c| **c == 2).count();

        // Files of the spare's previous contents that the new site no longer has.
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

fn link_or_copy(from: &Path, to: &Path) -> Result<(), OutputError> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(to).map_err(io(to))?;
            std::fs::hard_link(from, to)
                .or_else(|_| std::fs::copy(from, to).map(|_| ()))
                .map_err(io(to))
        }
        Err(_) => std::fs::copy(from, to).map(|_| ()).map_err(io(to)),
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
