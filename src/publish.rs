// Publishing from the web editor. The content folders are the working copy; the live site changes
// only when someone publishes. Publishing takes a snapshot of the content (text files copied,
// photos and sounds hard-linked: no photo is copied twice) and builds the live site from that
// snapshot, so what is live is exactly a snapshot that is kept. Restoring puts an earlier
// snapshot's content back in exhibits/ (the working copy it replaces is kept in the history) and
// publishes it. A preview builds the working copy, drafts included, beside the live site.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::build::{BuildError, BuildOptions, BuildReport, build_site};

pub fn published_dir(root: &Path) -> PathBuf {
    root.join(".vitrine").join("published")
}

/// Where the preview of the working copy is built.
pub fn preview_out(root: &Path) -> PathBuf {
    root.join(".vitrine").join("preview").join("public")
}

/// Snapshot names sort by time, to the microsecond (two publications in one second must not
/// swap places): `20261126T040102123456-3fa9c1`. Names of earlier versions, to the second
/// (`20261126T040102-3fa9c1`), sort before the names of the same second.
fn new_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let day = crate::content::Day::from_unix(secs).to_string().replace('-', "");
    let s = secs.rem_euclid(86_400);
    format!(
        "{day}T{:02}{:02}{:02}{:06}-{}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        now.subsec_micros(),
        &crate::accounts::new_token()[..6]
    )
}

/// A snapshot's name as given back by a form: refused unless it is one of ours.
pub fn snapshot_path(root: &Path, name: &str) -> Option<PathBuf> {
    let ok =
        name.len() <= 40 && !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let p = published_dir(root).join(name);
    (ok && p.join("exhibits").is_dir()).then_some(p)
}

/// The newest snapshot, if any publication was made.
pub fn latest(root: &Path) -> Option<PathBuf> {
    let mut names: Vec<String> = std::fs::read_dir(published_dir(root))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names.pop().map(|n| published_dir(root).join(n))
}

/// Text files are copied (they are small and edited in place by people's editors); everything
/// else is hard-linked (Vitrine replaces files by rename, so a linked file is never changed).
fn is_text(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "toml" | "md" | "txt" | "vtt"))
}

/// Copy the tree `from` to `to` (which must not exist), leaving out names starting with '.';
/// folders linked by a snapshot are followed, so the copy is whole.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        let m = std::fs::metadata(&src)?;
        if m.is_dir() {
            copy_tree(&src, &dst)?;
        } else if m.is_file() {
            if is_text(&src) {
                std::fs::copy(&src, &dst)?;
            } else {
                std::fs::hard_link(&src, &dst).or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))?;
            }
        }
    }
    Ok(())
}

/// What a snapshot records of each file and folder of the working copy it was taken from
/// (`.stamps`): enough to know, from `stat` alone, that a file has not changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dir: bool,
    len: u64,
    mtime: i128,
    ctime: i128,
    ino: u64,
}

const STAMPS: &str = ".stamps";

fn stamp_of(m: &std::fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    Stamp {
        dir: m.is_dir(),
        len: if m.is_dir() { 0 } else { m.len() },
        mtime: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        ctime: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
        ino: m.ino(),
    }
}

fn now_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// The folders besides exhibits/ that the web editor edits, each a flat folder of files: they are
/// part of every snapshot.
const EDITED: [&str; 2] = ["events", "contests"];

/// The content of the working copy (vitrine.toml and every file and folder under exhibits/,
/// events/ and contests/, names starting with '.' left out), by path relative to `root`.
fn content_files(root: &Path) -> BTreeMap<PathBuf, Stamp> {
    use rayon::prelude::*;
    fn walk(root: &Path, top: PathBuf, out: &mut Vec<(PathBuf, Stamp)>) {
        let mut stack = vec![top];
        while let Some(rel) = stack.pop() {
            let Ok(m) = std::fs::metadata(root.join(&rel)) else {
                continue;
            };
            out.push((rel.clone(), stamp_of(&m)));
            if !m.is_dir() {
                continue;
            }
            let Ok(rd) = std::fs::read_dir(root.join(&rel)) else {
                continue;
            };
            for e in rd.filter_map(Result::ok) {
                if !e.file_name().to_string_lossy().starts_with('.') {
                    stack.push(rel.join(e.file_name()));
                }
            }
        }
    }
    let mut out = Vec::new();
    for top in ["vitrine.toml", "exhibits"] {
        if let Ok(m) = std::fs::metadata(root.join(top)) {
            out.push((PathBuf::from(top), stamp_of(&m)));
        }
    }
    // Each exhibition's folder is walked on a thread of its own.
    let exhibitions: Vec<PathBuf> = std::fs::read_dir(root.join("exhibits"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| Path::new("exhibits").join(e.file_name()))
                .collect()
        })
        .unwrap_or_default();
    let found: Vec<Vec<(PathBuf, Stamp)>> = exhibitions
        .into_par_iter()
        .map(|top| {
            let mut v = Vec::new();
            walk(root, top, &mut v);
            v
        })
        .collect();
    out.extend(found.into_iter().flatten());
    for top in EDITED {
        walk(root, PathBuf::from(top), &mut out);
    }
    out.into_iter().collect()
}

/// The stamps a snapshot recorded, with the time they were taken; `None` for a snapshot made
/// before snapshots kept them.
fn read_stamps(snapshot: &Path) -> Option<(i128, HashMap<PathBuf, Stamp>)> {
    let text = std::fs::read_to_string(snapshot.join(STAMPS)).ok()?;
    let mut lines = text.lines();
    let taken: i128 = lines.next()?.strip_prefix("taken ")?.parse().ok()?;
    let mut out = HashMap::new();
    for line in lines {
        let (head, path) = line.split_once('\t')?;
        let f: Vec<&str> = head.split(' ').collect();
        let [kind, len, mtime, ctime, ino] = f[..] else {
            return None;
        };
        out.insert(
            PathBuf::from(path),
            Stamp {
                dir: kind == "d",
                len: len.parse().ok()?,
                mtime: mtime.parse().ok()?,
                ctime: ctime.parse().ok()?,
                ino: ino.parse().ok()?,
            },
        );
    }
    Some((taken, out))
}

fn write_stamps(to: &Path, taken: i128, files: &BTreeMap<PathBuf, Stamp>) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut text = format!("taken {taken}\n");
    for (p, s) in files {
        // A path with a newline or tab cannot be recorded: it is left out, and so compared by
        // content next time.
        let Some(p) = p.to_str().filter(|p| !p.contains(['\n', '\t'])) else {
            continue;
        };
        let _ = writeln!(
            text,
            "{} {} {} {} {}\t{p}",
            if s.dir { "d" } else { "f" },
            s.len,
            s.mtime,
            s.ctime,
            s.ino
        );
    }
    std::fs::write(to.join(STAMPS), text)
}

/// How the working copy differs from a snapshot.
struct Diff {
    /// Every file and folder of the working copy, and whether it is as in the snapshot.
    now: BTreeMap<PathBuf, (Stamp, bool)>,
    /// Files and folders of the snapshot that are gone.
    removed: Vec<PathBuf>,
}

/// Compare the working copy with the snapshot `since`. A file whose stamp equals the one the
/// snapshot recorded is the same without being read, unless it changed less than two seconds
/// before the snapshot was taken (another change in the same clock tick would keep its stamp):
/// those, and every file of a snapshot without stamps, are compared by content.
fn diff(root: &Path, since: Option<&Path>) -> Diff {
    let files = content_files(root);
    let Some(since) = since else {
        return Diff {
            now: files.into_iter().map(|(p, s)| (p, (s, false))).collect(),
            removed: Vec::new(),
        };
    };
    let recorded = read_stamps(since);
    let then: HashSet<PathBuf> = match &recorded {
        Some((_, stamps)) => stamps.keys().cloned().collect(),
        None => content_files(since).into_keys().collect(),
    };
    let now = files
        .into_iter()
        .map(|(p, s)| {
            let same = then.contains(&p)
                && (s.dir
                    || match &recorded {
                        Some((taken, stamps))
                            if stamps.get(&p) == Some(&s) && s.mtime.max(s.ctime) < taken - 2_000_000_000 =>
                        {
                            true
                        }
                        _ => same_file(&root.join(&p), &since.join(&p)),
                    });
            (p, (s, same))
        })
        .collect::<BTreeMap<_, _>>();
    let mut removed: Vec<PathBuf> = then.into_iter().filter(|p| !now.contains_key(p)).collect();
    removed.sort();
    Diff { now, removed }
}

/// Take a snapshot of the content (vitrine.toml, exhibits/, events/ and contests/; the theme and
/// static files are linked: they are not edited through the web editor). Returns its name.
///
/// Only what changed since the latest snapshot is written: a folder in which nothing changed is a
/// link to the same folder of the snapshot that holds it, an unchanged file is a hard link, a
/// changed text file a copy and a changed photo a hard link to the working copy's (Vitrine
/// replaces files by rename, so a linked file never changes). Publishing one corrected object of
/// a museum of thousands writes that object's folder and the folders above it.
pub fn snapshot(root: &Path) -> std::io::Result<String> {
    let earlier = latest(root);
    let taken = now_nanos();
    let d = diff(root, earlier.as_deref());
    snapshot_after(root, earlier, taken, &d)
}

/// `snapshot`, given how the working copy differs from the latest snapshot `earlier`, as found
/// at the time `taken`.
fn snapshot_after(root: &Path, earlier: Option<PathBuf>, taken: i128, d: &Diff) -> std::io::Result<String> {
    let dir = published_dir(root);
    std::fs::create_dir_all(&dir)?;
    let name = new_name();
    let tmp = dir.join(format!(".making-{name}"));
    // Folders holding a change: made anew. Every other folder the earlier snapshot has is linked.
    let mut dirty: HashSet<&Path> = HashSet::new();
    for (p, (s, same)) in &d.now {
        if !same {
            let from = if s.dir {
                p.as_path()
            } else {
                p.parent().unwrap_or(Path::new(""))
            };
            dirty.extend(from.ancestors());
        }
    }
    for p in &d.removed {
        dirty.extend(p.parent().into_iter().flat_map(Path::ancestors));
    }
    // A snapshot made before events/ (or contests/) was snapshotted links to the working copy's
    // folder: never link to that link, take the folder anew.
    for top in EDITED {
        if let Some(e) = &earlier
            && std::fs::symlink_metadata(e.join(top)).is_ok_and(|m| m.file_type().is_symlink())
        {
            dirty.insert(Path::new(top));
        }
    }
    let mut children: BTreeMap<&Path, Vec<&Path>> = BTreeMap::new();
    for p in d.now.keys() {
        if let Some(parent) = p.parent() {
            children.entry(parent).or_default().push(p);
        }
    }
    let made = (|| {
        std::fs::create_dir_all(&tmp)?;
        let mut stack = vec![Path::new("exhibits")];
        stack.extend(EDITED.iter().map(Path::new));
        while let Some(rel) = stack.pop() {
            let Some((stamp, _)) = d.now.get(rel) else {
                continue;
            };
            let to = tmp.join(rel);
            match &earlier {
                Some(e) if stamp.dir && !dirty.contains(rel) => {
                    std::os::unix::fs::symlink(link_to(e, rel)?, &to)?;
                }
                _ if stamp.dir => {
                    std::fs::create_dir_all(&to)?;
                    stack.extend(children.get(rel).into_iter().flatten());
                }
                _ => {
                    let src = root.join(rel);
                    match (&earlier, d.now[rel].1) {
                        (Some(e), true) => hard_link_or_copy(&e.join(rel), &to)?,
                        _ if is_text(&src) => std::fs::copy(&src, &to).map(|_| ())?,
                        _ => hard_link_or_copy(&src, &to)?,
                    }
                }
            }
        }
        std::fs::copy(root.join("vitrine.toml"), tmp.join("vitrine.toml"))?;
        let abs = root.canonicalize()?;
        for linked in ["themes", "static"] {
            if abs.join(linked).is_dir() {
                std::os::unix::fs::symlink(abs.join(linked), tmp.join(linked))?;
            }
        }
        let files: BTreeMap<PathBuf, Stamp> = d.now.iter().map(|(p, (s, _))| (p.clone(), *s)).collect();
        write_stamps(&tmp, taken, &files)?;
        std::fs::rename(&tmp, dir.join(&name))
    })();
    if made.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    made.map(|_| name)
}

fn hard_link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(|_| ()))
}

/// The text of a link, placed at `rel` in a new snapshot, to the real folder `rel` of the snapshot
/// `earlier` or of the older snapshot that `earlier` links it to: relative (`../../<name>/rel`),
/// so the museum's folder can be moved, and one link deep.
fn link_to(earlier: &Path, rel: &Path) -> std::io::Result<PathBuf> {
    let at = earlier.join(rel);
    let holder = match std::fs::read_link(&at) {
        Ok(text) => text
            .components()
            .find_map(|c| match c {
                std::path::Component::Normal(n) => Some(n.to_os_string()),
                _ => None,
            })
            .ok_or_else(|| std::io::Error::other(format!("{} is not a snapshot's link", at.display())))?,
        Err(_) => earlier
            .file_name()
            .ok_or_else(|| std::io::Error::other("a snapshot without a name"))?
            .to_os_string(),
    };
    let mut text = PathBuf::new();
    for _ in rel.components() {
        text.push("..");
    }
    Ok(text.join(holder).join(rel))
}

/// The content files that differ between the working copy and a snapshot, as
/// `exhibits/…/object.toml (~)`; all of them when there is no snapshot yet.
pub fn changes(root: &Path, since: Option<&Path>) -> Vec<String> {
    changes_in(&diff(root, since), since)
}

fn changes_in(d: &Diff, since: Option<&Path>) -> Vec<String> {
    let mut out: Vec<String> = d
        .now
        .iter()
        .filter(|(_, (s, same))| !s.dir && !same)
        .map(|(p, _)| {
            let new = since.is_none_or(|s| !s.join(p).exists());
            format!("{} ({})", p.display(), if new { "+" } else { "~" })
        })
        .collect();
    out.extend(
        d.removed
            .iter()
            .filter(|p| since.is_some_and(|s| !s.join(p).is_dir()))
            .map(|p| format!("{} (−)", p.display())),
    );
    out.sort();
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) if x.dev() == y.dev() && x.ino() == y.ino() => true,
        (Ok(x), Ok(y)) if x.len() != y.len() => false,
        (Ok(_), Ok(_)) => std::fs::read(a).ok() == std::fs::read(b).ok(),
        _ => false,
    }
}

/// What a publication did.
#[derive(Debug)]
pub struct Published {
    pub snapshot: String,
    pub changes: Vec<String>,
    pub report: BuildReport,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{0}")]
    Build(#[from] BuildError),
    #[error("the content could not be kept: {0}")]
    Io(#[from] std::io::Error),
}

/// Publish the working copy: snapshot it and build the live site (`opts.out`) from the snapshot.
/// A content error publishes nothing and keeps no snapshot.
pub fn publish(opts: &BuildOptions) -> Result<Published, PublishError> {
    let t = std::time::Instant::now();
    let earlier = latest(&opts.root);
    let taken = now_nanos();
    let d = diff(&opts.root, earlier.as_deref());
    let changes = changes_in(&d, earlier.as_deref());
    let listed = t.elapsed();
    let name = snapshot_after(&opts.root, earlier, taken, &d)?;
    let snapped = t.elapsed();
    let snap = published_dir(&opts.root).join(&name);
    match build_from(opts, &snap) {
        Ok(report) => {
            eprintln!(
                "vitrine: published {name}: {} changed files listed in {} ms, snapshot {} ms, build {} ms ({})",
                changes.len(),
                listed.as_millis(),
                (snapped - listed).as_millis(),
                (t.elapsed() - snapped).as_millis(),
                report
                    .phases
                    .iter()
                    .map(|(p, ms)| format!("{p} {ms}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(Published {
                snapshot: name,
                changes,
                report,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&snap);
            Err(e.into())
        }
    }
}

/// Build the live site from a snapshot.
pub fn build_from(opts: &BuildOptions, snapshot: &Path) -> Result<BuildReport, BuildError> {
    let mut b = opts.clone();
    b.root = snapshot.to_path_buf();
    b.drafts = false;
    build_site(&b)
}

/// Build the preview of the working copy, drafts included.
pub fn preview(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let mut b = opts.clone();
    b.out = preview_out(&opts.root);
    b.drafts = true;
    b.progress = false;
    build_site(&b)
}

/// Put the content of snapshot `name` back in exhibits/, events/ and contests/, keeping the
/// working copy it replaces in `.vitrine/history/`. The caller then publishes. (A snapshot made
/// before events/ or contests/ was snapshotted links to the working copy's: they stay as they are.)
pub fn restore(root: &Path, name: &str, who: &str) -> std::io::Result<()> {
    let snap = snapshot_path(root, name)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such publication"))?;
    let kept = crate::content::edit::history_dir(root).join(format!("{}-{who}-before-restore", new_name()));
    for part in std::iter::once("exhibits").chain(EDITED) {
        let from = snap.join(part);
        if !from.is_dir() || std::fs::symlink_metadata(&from)?.file_type().is_symlink() {
            continue;
        }
        if root.join(part).is_dir() {
            copy_tree(&root.join(part), &kept.join(part))?;
        }
        let staging = root.join(format!(".{part}.restoring-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        copy_tree(&from, &staging)?;
        crate::output::swap_in(&staging, &root.join(part)).map_err(std::io::Error::other)?;
        let _ = std::fs::remove_dir_all(&staging);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_contests_are_taken_anew_after_a_snapshot_that_linked_them() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("exhibits/x")).unwrap();
        std::fs::write(root.join("vitrine.toml"), "x").unwrap();
        for top in EDITED {
            std::fs::create_dir_all(root.join(top)).unwrap();
            std::fs::write(root.join(top).join("a.toml"), "one").unwrap();
        }
        let first = snapshot_path(root, &snapshot(root).unwrap()).unwrap();
        for top in EDITED {
            assert!(
                !std::fs::symlink_metadata(first.join(top)).unwrap().is_symlink(),
                "{top}"
            );
            // As an earlier version left it: a link to the working copy, and no stamps.
            std::fs::remove_dir_all(first.join(top)).unwrap();
            std::os::unix::fs::symlink(root.canonicalize().unwrap().join(top), first.join(top)).unwrap();
        }
        std::fs::remove_file(first.join(STAMPS)).unwrap();
        let next = snapshot_path(root, &snapshot(root).unwrap()).unwrap();
        for top in EDITED {
            let m = std::fs::symlink_metadata(next.join(top)).unwrap();
            assert!(m.is_dir() && !m.is_symlink(), "{top}: a real folder");
            assert_eq!(
                std::fs::read_to_string(next.join(top).join("a.toml")).unwrap(),
                "one"
            );
            // Later edits of the working copy do not reach the snapshot.
            let file = root.join(top).join("a.toml");
            std::fs::write(file.with_extension("tmp"), "two").unwrap();
            std::fs::rename(file.with_extension("tmp"), &file).unwrap();
            assert_eq!(
                std::fs::read_to_string(next.join(top).join("a.toml")).unwrap(),
                "one",
                "{top}"
            );
        }
    }

    #[test]
    fn a_snapshot_copies_texts_links_photos_and_lists_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let obj = root.join("exhibits/x/objects/A");
        std::fs::create_dir_all(&obj).unwrap();
        std::fs::write(root.join("vitrine.toml"), "x").unwrap();
        std::fs::write(obj.join("object.toml"), "one").unwrap();
        std::fs::write(obj.join("a.png"), "png").unwrap();
        assert_eq!(changes(root, None).len(), 3);
        let name = snapshot(root).unwrap();
        let snap = snapshot_path(root, &name).unwrap();
        assert_eq!(latest(root).as_deref(), Some(snap.as_path()));
        assert!(changes(root, Some(&snap)).is_empty());
        use std::os::unix::fs::MetadataExt;
        let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
        assert_eq!(
            ino(&obj.join("a.png")),
            ino(&snap.join("exhibits/x/objects/A/a.png"))
        );
        assert_ne!(
            ino(&obj.join("object.toml")),
            ino(&snap.join("exhibits/x/objects/A/object.toml"))
        );
        std::fs::write(obj.join("object.toml"), "two").unwrap();
        std::fs::write(obj.join("b.png"), "png").unwrap();
        std::fs::remove_file(obj.join("a.png")).unwrap();
        assert_eq!(
            changes(root, Some(&snap)),
            [
                "exhibits/x/objects/A/a.png (−)",
                "exhibits/x/objects/A/b.png (+)",
                "exhibits/x/objects/A/object.toml (~)",
            ]
        );
        // The snapshot kept the old text.
        assert_eq!(
            std::fs::read_to_string(snap.join("exhibits/x/objects/A/object.toml")).unwrap(),
            "one"
        );
        // Restoring brings it back and keeps the working copy it replaced.
        restore(root, &name, "lan").unwrap();
        assert_eq!(std::fs::read_to_string(obj.join("object.toml")).unwrap(), "one");
        assert!(obj.join("a.png").exists() && !obj.join("b.png").exists());
        assert!(changes(root, Some(&snap)).is_empty());
        assert!(snapshot_path(root, "../x").is_none());
        assert!(restore(root, "nope", "lan").is_err());
    }

    #[test]
    fn a_snapshot_writes_only_what_changed_and_links_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("museum");
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("vitrine.toml", "x");
        write("exhibits/x/objects/A/object.toml", "a1");
        write("exhibits/x/objects/B/object.toml", "b1");
        write("exhibits/y/objects/C/object.toml", "c1");
        let s1 = snapshot(&root).unwrap();
        write("exhibits/x/objects/A/object.toml", "a2 longer");
        let s2 = snapshot(&root).unwrap();
        let snap = |n: &str| published_dir(&root).join(n);
        let link = |p: PathBuf| std::fs::read_link(p).ok();
        // Untouched folders are links to the snapshot that holds them; the changed one is new.
        assert_eq!(
            link(snap(&s2).join("exhibits/y")),
            Some(Path::new("../..").join(&s1).join("exhibits/y"))
        );
        assert_eq!(
            link(snap(&s2).join("exhibits/x/objects/B")),
            Some(PathBuf::from(format!("../../../../{s1}/exhibits/x/objects/B")))
        );
        assert_eq!(link(snap(&s2).join("exhibits/x/objects/A")), None);
        let read = |n: &str, rel: &str| std::fs::read_to_string(snap(n).join(rel)).unwrap();
        assert_eq!(read(&s2, "exhibits/x/objects/A/object.toml"), "a2 longer");
        assert_eq!(read(&s1, "exhibits/x/objects/A/object.toml"), "a1");
        assert_eq!(read(&s2, "exhibits/y/objects/C/object.toml"), "c1");
        // A third snapshot links one deep, to the snapshot that really holds the folder.
        write("exhibits/x/objects/B/object.toml", "b2 longer");
        std::fs::remove_dir_all(root.join("exhibits/y/objects/C")).unwrap();
        assert_eq!(
            changes(&root, latest(&root).as_deref()),
            [
                "exhibits/x/objects/B/object.toml (~)",
                "exhibits/y/objects/C/object.toml (−)"
            ]
        );
        let s3 = snapshot(&root).unwrap();
        assert_eq!(
            link(snap(&s3).join("exhibits/x/objects/A")),
            Some(PathBuf::from(format!("../../../../{s2}/exhibits/x/objects/A")))
        );
        assert!(!snap(&s3).join("exhibits/y/objects/C").exists());
        assert!(changes(&root, latest(&root).as_deref()).is_empty());
        // Nothing changed: the whole exhibits/ folder is a link.
        let s4 = snapshot(&root).unwrap();
        assert_eq!(
            link(snap(&s4).join("exhibits")),
            Some(Path::new("..").join(&s3).join("exhibits"))
        );
        // The links are relative: the museum's folder can be moved. Restoring copies through them.
        let moved = tmp.path().join("moved");
        std::fs::rename(&root, &moved).unwrap();
        let at = |rel: &str| std::fs::read_to_string(moved.join(rel)).unwrap();
        assert_eq!(
            std::fs::read_to_string(
                published_dir(&moved)
                    .join(&s4)
                    .join("exhibits/x/objects/A/object.toml")
            )
            .unwrap(),
            "a2 longer"
        );
        restore(&moved, &s2, "lan").unwrap();
        assert_eq!(at("exhibits/x/objects/A/object.toml"), "a2 longer");
        assert_eq!(at("exhibits/x/objects/B/object.toml"), "b1");
        assert_eq!(at("exhibits/y/objects/C/object.toml"), "c1");
        assert!(!moved.join("exhibits/y").is_symlink());
    }
}
