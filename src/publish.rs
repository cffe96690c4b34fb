// Publishing from the web editor. The content folders are the working copy; the live site changes
// only when someone publishes. Publishing takes a snapshot of the content (text files copied,
// photos and sounds hard-linked: no photo is copied twice) and builds the live site from that
// snapshot, so what is live is exactly a snapshot that is kept. Restoring puts an earlier
// snapshot's content back in exhibits/ (the working copy it replaces is kept in the history) and
// publishes it. A preview builds the working copy, drafts included, beside the live site.

use std::path::{Path, PathBuf};

use crate::build::{BuildError, BuildOptions, BuildReport, build_site};

pub fn published_dir(root: &Path) -> PathBuf {
    root.join(".vitrine").join("published")
}

/// Where the preview of the working copy is built.
pub fn preview_out(root: &Path) -> PathBuf {
    root.join(".vitrine").join("preview").join("public")
}

/// Snapshot names sort by time: `20261126T040102-3fa9c1`.
fn new_name() -> String {
    let now = crate::visits::now();
    let day = crate::content::Day::from_unix(now).to_string().replace('-', "");
    let s = now.rem_euclid(86_400);
    format!(
        "{day}T{:02}{:02}{:02}-{}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
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

/// Copy the tree `from` to `to` (which must not exist), leaving out names starting with '.'.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    copy_tree_beside(from, to, None)
}

/// Copy the tree `from` to `to`; a text file equal to its namesake in the earlier snapshot
/// `earlier` is hard-linked from it instead (snapshots are never changed), so a publication of
/// one corrected object writes one file, not the whole catalogue.
fn copy_tree_beside(from: &Path, to: &Path, earlier: Option<&Path>) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        let ft = e.file_type()?;
        let before = earlier.map(|e| e.join(&name));
        if ft.is_dir() {
            copy_tree_beside(&src, &dst, before.as_deref())?;
        } else if ft.is_file() {
            if is_text(&src) {
                match before.filter(|b| same_file(&src, b)) {
                    Some(b) => {
                        std::fs::hard_link(&b, &dst).or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))?
                    }
                    None => {
                        std::fs::copy(&src, &dst)?;
                    }
                }
            } else {
                std::fs::hard_link(&src, &dst).or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))?;
            }
        }
    }
    Ok(())
}

/// Take a snapshot of the content (vitrine.toml and exhibits/; the theme and static files are
/// linked, they are not curators' content). Returns its name.
pub fn snapshot(root: &Path) -> std::io::Result<String> {
    let dir = published_dir(root);
    std::fs::create_dir_all(&dir)?;
    let name = new_name();
    let tmp = dir.join(format!(".making-{name}"));
    let earlier = latest(root).map(|l| l.join("exhibits"));
    let made = (|| {
        copy_tree_beside(&root.join("exhibits"), &tmp.join("exhibits"), earlier.as_deref())?;
        std::fs::copy(root.join("vitrine.toml"), tmp.join("vitrine.toml"))?;
        let abs = root.canonicalize()?;
        for linked in ["themes", "static"] {
            if abs.join(linked).is_dir() {
                std::os::unix::fs::symlink(abs.join(linked), tmp.join(linked))?;
            }
        }
        std::fs::rename(&tmp, dir.join(&name))
    })();
    if made.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    made.map(|_| name)
}

/// The content files that differ between the working copy and a snapshot, as
/// `exhibits/…/object.toml (changed)`; all of them when there is no snapshot yet.
pub fn changes(root: &Path, since: Option<&Path>) -> Vec<String> {
    let mut now = Vec::new();
    list_files(&root.join("exhibits"), Path::new("exhibits"), &mut now);
    now.push(PathBuf::from("vitrine.toml"));
    let mut then = Vec::new();
    if let Some(s) = since {
        list_files(&s.join("exhibits"), Path::new("exhibits"), &mut then);
        then.push(PathBuf::from("vitrine.toml"));
    }
    let (now_set, then_set): (
        std::collections::HashSet<&PathBuf>,
        std::collections::HashSet<&PathBuf>,
    ) = (now.iter().collect(), then.iter().collect());
    let mut out = Vec::new();
    for f in &now {
        let a = root.join(f);
        match since
            .map(|s| s.join(f))
            .filter(|b| then_set.contains(f) && b.exists())
        {
            None => out.push(format!("{} (+)", f.display())),
            Some(b) if !same_file(&a, &b) => out.push(format!("{} (~)", f.display())),
            Some(_) => {}
        }
    }
    for f in then.iter().filter(|f| !now_set.contains(f)) {
        out.push(format!("{} (−)", f.display()));
    }
    out.sort();
    out
}

fn list_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            list_files(&p, &rel.join(&name), out);
        } else {
            out.push(rel.join(&name));
        }
    }
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
    let changes = changes(&opts.root, latest(&opts.root).as_deref());
    let name = snapshot(&opts.root)?;
    let snap = published_dir(&opts.root).join(&name);
    match build_from(opts, &snap) {
        Ok(report) => Ok(Published {
            snapshot: name,
            changes,
            report,
        }),
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

/// Put the content of snapshot `name` back in exhibits/, keeping the working copy it replaces in
/// `.vitrine/history/`. The caller then publishes.
pub fn restore(root: &Path, name: &str, who: &str) -> std::io::Result<()> {
    let snap = snapshot_path(root, name)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such publication"))?;
    let kept = crate::content::edit::history_dir(root).join(format!("{}-{who}-before-restore", new_name()));
    copy_tree(&root.join("exhibits"), &kept.join("exhibits"))?;
    let staging = root.join(format!(".exhibits.restoring-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    copy_tree(&snap.join("exhibits"), &staging)?;
    crate::output::swap_in(&staging, &root.join("exhibits")).map_err(std::io::Error::other)?;
    let _ = std::fs::remove_dir_all(&staging);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
