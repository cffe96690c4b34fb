// What the web editor does to the content folders, without HTTP: read an object or an exhibition
// into form fields, write the fields back through `TomlDoc` (comments and unknown keys stay),
// refuse a save made on a stale copy, validate the would-be files with the same checks as
// `vitrine check` before anything is written, create objects and exhibitions, and place uploaded
// photos. Every write goes through `edit::Change`, which keeps the replaced file.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::Lang;
use super::edit::{Change, TomlDoc, fingerprint};
use crate::diag::{Diagnostics, Severity};
use crate::text::{is_valid_id, is_valid_slug, nfc};

/// Bilingual one-line texts of object.toml, in form order.
pub const OBJECT_TEXTS: &[&str] = &[
    "title",
    "kind",
    "maker",
    "date.display",
    "period",
    "culture",
    "material",
    "technique",
    "dimensions",
    "inscription",
    "find_place",
    "provenance",
    "acquisition",
    "location",
    "credit",
];
/// Bilingual texts of each `[[image]]` block.
pub const IMAGE_TEXTS: &[&str] = &["alt", "caption", "credit"];
/// Bilingual texts of exhibit.toml and of each of its sections.
pub const EXHIBIT_TEXTS: &[&str] = &["title", "summary", "room"];
pub const SECTION_TEXTS: &[&str] = &["title", "text"];

/// Largest photo the editor accepts (the loader's pixel limits apply too).
pub const MAX_UPLOAD_BYTES: u64 = 80 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("there is no such exhibition or object")]
    NotFound,
    #[error("someone saved this since you opened it")]
    Stale,
    #[error("the content has errors")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Refused(&'static str),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0} cannot be read as TOML: {1}")]
    Unparsable(PathBuf, String),
}

/// A problem shown beside a form field (`field` is a form field name, or empty for the page).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub hint: String,
    pub error: bool,
}

/// Form values by field name: `title.vi`, `date.from`, `desc.en`, `image[2].alt.vi`,
/// `section[1].title.en` (blocks counted from 1, as `vitrine check` names them).
pub type Values = BTreeMap<String, String>;

pub fn exhibit_dir(root: &Path, slug: &str) -> Result<PathBuf, EditError> {
    let d = root.join("exhibits").join(slug);
    if is_valid_slug(slug) && d.join("exhibit.toml").is_file() {
        Ok(d)
    } else {
        Err(EditError::NotFound)
    }
}

pub fn object_dir(root: &Path, slug: &str, id: &str) -> Result<PathBuf, EditError> {
    let d = exhibit_dir(root, slug)?.join("objects").join(id);
    if is_valid_id(id) && d.join("object.toml").is_file() {
        Ok(d)
    } else {
        Err(EditError::NotFound)
    }
}

/// The files an object's form edits, in the order of its version fingerprint.
fn object_files(dir: &Path) -> [PathBuf; 3] {
    [dir.join("object.toml"), dir.join("vi.md"), dir.join("en.md")]
}

fn exhibit_files(dir: &Path) -> [PathBuf; 3] {
    [
        dir.join("exhibit.toml"),
        dir.join("intro.vi.md"),
        dir.join("intro.en.md"),
    ]
}

fn read_doc(path: &Path) -> Result<TomlDoc, EditError> {
    let text = std::fs::read_to_string(path)?;
    TomlDoc::parse(&text).map_err(|e| EditError::Unparsable(path.to_path_buf(), e))
}

fn read_md(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// An object's form values and its version.
pub fn read_object(root: &Path, slug: &str, id: &str) -> Result<(Values, String), EditError> {
    let dir = object_dir(root, slug, id)?;
    let files = object_files(&dir);
    let doc = read_doc(&files[0])?;
    let mut v = Values::new();
    read_texts(&mut v, &doc, "", OBJECT_TEXTS);
    for l in Lang::ALL {
        v.insert(
            format!("keywords.{}", l.code()),
            doc.lang_list("keywords", l).join(", "),
        );
    }
    read_descs(&mut v, &files);
    for key in ["date.from", "date.to", "audio_number"] {
        v.insert(
            key.into(),
            doc.int(key).map(|n| n.to_string()).unwrap_or_default(),
        );
    }
    v.insert("rights".into(), doc.str("rights").unwrap_or_default());
    v.insert("accession".into(), doc.str("accession").unwrap_or_default());
    v.insert("related".into(), doc.list("related").join(", "));
    for i in 0..doc.blocks("image") {
        let Some(b) = doc.block("image", i) else { continue };
        let n = i + 1;
        v.insert(format!("image[{n}].file"), b.str("file").unwrap_or_default());
        read_texts(&mut v, &b, &format!("image[{n}]."), IMAGE_TEXTS);
    }
    Ok((v, fingerprint(&files)))
}

/// Form values `desc.vi` and `desc.en`: the Markdown files `files[1]` and `files[2]` that
/// `plan_form` writes back.
fn read_descs(v: &mut Values, files: &[PathBuf; 3]) {
    for (l, f) in [(Lang::Vi, &files[1]), (Lang::En, &files[2])] {
        v.insert(format!("desc.{}", l.code()), read_md(f).trim_end().to_string());
    }
}

/// Form values `{prefix}{key}.vi` and `.en` of the localised texts `keys` of `doc`.
fn read_texts(v: &mut Values, doc: &TomlDoc, prefix: &str, keys: &[&str]) {
    for key in keys {
        for l in Lang::ALL {
            let text = doc.lang_text(key, l).unwrap_or_default();
            v.insert(format!("{prefix}{key}.{}", l.code()), text);
        }
    }
}

/// Set the localised texts `keys` of `doc` from the form values `{prefix}{key}.vi` and `.en`
/// that were sent (the others are left alone).
fn apply_texts(doc: &mut TomlDoc, v: &Values, prefix: &str, keys: &[&str]) {
    for key in keys {
        for l in Lang::ALL {
            if let Some(s) = v.get(&format!("{prefix}{key}.{}", l.code())) {
                doc.set_lang_text(key, l, s);
            }
        }
    }
}

fn int_field(v: &Values, key: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let s = v.get(key).map(|s| s.trim()).unwrap_or("");
    if s.is_empty() {
        return None;
    }
    match s.replace(['.', ' '], "").parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError {
                field: key.into(),
                message: format!("\"{s}\" is not a whole number"),
                hint: "write a year with digits only, e.g. 968 (negative for BCE)".into(),
                error: true,
            });
            None
        }
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Apply form values to an object's TOML. Keys absent from the form are left alone.
fn apply_object(doc: &mut TomlDoc, v: &Values, errors: &mut Vec<FieldError>) {
    apply_texts(doc, v, "", OBJECT_TEXTS);
    for l in Lang::ALL {
        if let Some(s) = v.get(&format!("keywords.{}", l.code())) {
            doc.set_lang_list("keywords", l, &split_list(s));
        }
    }
    for key in ["date.from", "date.to", "audio_number"] {
        if v.contains_key(key) {
            // An empty cell removes the number: undated objects are allowed.
            let n = int_field(v, key, errors);
            doc.set_int(key, n);
        }
    }
    if let Some(s) = v.get("rights") {
        doc.set_str("rights", s);
    }
    if let Some(s) = v.get("accession") {
        doc.set_str("accession", &nfc(s.trim()));
    }
    if let Some(s) = v.get("related") {
        let ids: Vec<String> = split_list(s).into_iter().map(|x| x.to_uppercase()).collect();
        doc.set_list("related", &ids);
    }
    for i in 0..doc.blocks("image") {
        let n = i + 1;
        doc.with_block("image", i, |b| {
            apply_texts(b, v, &format!("image[{n}]."), IMAGE_TEXTS)
        });
    }
}

/// Markdown as saved: NFC, Unix line ends, one final newline; empty stays empty.
fn md_text(s: &str) -> String {
    let t = nfc(s.replace("\r\n", "\n").trim_end());
    if t.is_empty() { t } else { t + "\n" }
}

/// The new bytes of every file a save would change (unchanged files are left out).
type Planned = Vec<(PathBuf, Vec<u8>)>;

/// What saving a form changes: its TOML file (`files[0]`) and the Vietnamese and English
/// Markdown files (`files[1]`, `files[2]`) from the `desc.vi` and `desc.en` values sent.
fn plan_form(files: &[PathBuf; 3], doc: &TomlDoc, v: &Values) -> Planned {
    let mut planned = Planned::new();
    plan_file(&mut planned, files[0].clone(), doc.text());
    for (l, f) in [(Lang::Vi, &files[1]), (Lang::En, &files[2])] {
        if let Some(s) = v.get(&format!("desc.{}", l.code())) {
            plan_md(&mut planned, f, s);
        }
    }
    planned
}

/// A Markdown file from a form: an empty text creates no file that did not exist.
fn plan_md(out: &mut Planned, path: &Path, text: &str) {
    let t = md_text(text);
    if !t.is_empty() || path.exists() {
        plan_file(out, path.to_path_buf(), t);
    }
}

fn plan_file(out: &mut Planned, path: PathBuf, new: String) {
    if std::fs::read(&path).ok().as_deref() != Some(new.as_bytes()) {
        out.push((path, new.into_bytes()));
    }
}

/// Save an object's form. Refused when `version` is not the object's current version, or when
/// the files would have errors; nothing is written then. Returns the warnings of the saved files.
pub fn save_object(
    root: &Path,
    who: &str,
    slug: &str,
    id: &str,
    v: &Values,
    version: &str,
) -> Result<Vec<FieldError>, EditError> {
    let dir = object_dir(root, slug, id)?;
    let files = object_files(&dir);
    let mut doc = open_current(&files, version)?;
    let mut errors = Vec::new();
    apply_object(&mut doc, v, &mut errors);
    if !errors.is_empty() {
        return Err(EditError::Invalid(errors));
    }
    let planned = plan_form(&files, &doc, v);
    commit(root, who, &[dir], planned)
}

/// Check the content as it would be with `planned` written, then write it. Errors in `scope`
/// (files, or folders) refuse the change; its warnings are returned.
fn commit<P: AsRef<Path>>(
    root: &Path,
    who: &str,
    scope: &[P],
    planned: Planned,
) -> Result<Vec<FieldError>, EditError> {
    let found = check_with(root, &planned, scope)?;
    if found.iter().any(|f| f.error) {
        return Err(EditError::Invalid(found));
    }
    let change = Change::new(root, who);
    for (path, bytes) in &planned {
        change.write(path, bytes)?;
    }
    Ok(found)
}

/// What `vitrine check` would say about the files in `scope` if `planned` were written: the check
/// runs on a mirror of the museum's folder (links to every file, real copies of the changed ones).
pub fn check_with<P: AsRef<Path>>(
    root: &Path,
    planned: &Planned,
    scope: &[P],
) -> Result<Vec<FieldError>, EditError> {
    let after: Vec<(PathBuf, After)> = planned
        .iter()
        .map(|(p, b)| (p.clone(), After::Bytes(b)))
        .collect();
    let diags = check_after(root, &after)?;
    let scope: Vec<&Path> = scope
        .iter()
        .map(|p| p.as_ref().strip_prefix(root).unwrap_or(p.as_ref()))
        .collect();
    Ok(field_errors(&diags, &scope))
}

/// A file as a change would leave it.
#[derive(Debug, Clone, Copy)]
pub enum After<'a> {
    /// Written with these bytes.
    Bytes(&'a [u8]),
    /// A copy of this file (a photo from an import's folder).
    Copy(&'a Path),
    /// Removed.
    Removed,
}

/// Every diagnostic of `vitrine check` (paths relative to `root`, as the real check gives them)
/// on the museum as it would be after `changes` (paths under `root`, joined from it). Nothing in
/// `root` is touched: the check runs on a mirror (see `scratch_dir`), removed after.
pub fn check_after(root: &Path, changes: &[(PathBuf, After)]) -> std::io::Result<Diagnostics> {
    // The links point at absolute paths: a relative --root would make every one dangle.
    let from = std::path::absolute(root)?;
    let scratch = scratch_dir(root, crate::accounts::new_token().get(..12).unwrap_or("x"));
    let result = (|| {
        let rel: Vec<(PathBuf, After)> = changes
            .iter()
            .filter_map(|(p, a)| p.strip_prefix(root).ok().map(|r| (r.to_path_buf(), *a)))
            .collect();
        let changed: HashSet<&Path> = rel.iter().map(|(p, _)| p.as_path()).collect();
        let on_the_way: HashSet<&Path> = rel
            .iter()
            .flat_map(|(p, _)| p.ancestors().skip(1))
            .filter(|a| !a.as_os_str().is_empty())
            .collect();
        mirror(&from, &scratch, Path::new(""), &changed, &on_the_way)?;
        for (r, after) in &rel {
            let to = scratch.join(r);
            if let Some(d) = to.parent() {
                std::fs::create_dir_all(d)?;
            }
            match after {
                After::Bytes(b) => std::fs::write(&to, b)?,
                After::Copy(from) => {
                    let from = std::path::absolute(from)?;
                    std::os::unix::fs::symlink(from, &to)?
                }
                After::Removed => {}
            }
        }
        Ok(crate::build::check(&scratch).1)
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Where the mirrors of `check_after` are made: in memory (`/dev/shm`) where the system has it,
/// since an import of thousands of rows writes and removes thousands of small files there, else
/// in `.vitrine/scratch/` of the museum.
fn scratch_dir(root: &Path, token: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let probe = shm.join(format!(".vitrine-{token}"));
    let private = || {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(&probe)
    };
    if shm.is_dir() && private().is_ok() {
        return probe;
    }
    root.join(".vitrine").join("scratch").join(token)
}

/// Link every entry of `from` into `to`, except the folders on the way to a changed file, which
/// are made real and mirrored in turn, and the changed files themselves.
fn mirror(
    from_root: &Path,
    to_root: &Path,
    at: &Path,
    changed: &HashSet<&Path>,
    on_the_way: &HashSet<&Path>,
) -> std::io::Result<()> {
    let to = to_root.join(at);
    std::fs::create_dir_all(&to)?;
    let Ok(rd) = std::fs::read_dir(from_root.join(at)) else {
        return Ok(());
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        let rel = at.join(&name);
        if at.as_os_str().is_empty() && (name == ".vitrine" || name == "public") {
            continue;
        }
        if changed.contains(rel.as_path()) {
            continue;
        }
        if on_the_way.contains(rel.as_path()) {
            mirror(from_root, to_root, &rel, changed, on_the_way)?;
        } else {
            std::os::unix::fs::symlink(e.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// The diagnostics of files in `scope` (relative to the museum's folder), as form errors.
fn field_errors(diags: &Diagnostics, scope: &[&Path]) -> Vec<FieldError> {
    diags
        .sorted()
        .iter()
        .filter(|d| scope.iter().any(|s| d.pos.file.starts_with(s)))
        .map(|d| {
            let file = d.pos.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let field = match (file, d.field.as_str()) {
                (f, "") if f.ends_with("vi.md") => "desc.vi".to_string(),
                (f, "") if f.ends_with("en.md") => "desc.en".to_string(),
                (_, f) => f.to_string(),
            };
            FieldError {
                field,
                message: d.message.clone(),
                hint: d.hint.clone(),
                error: d.severity == Severity::Error,
            }
        })
        .collect()
}

/// Put each error beside a field of `names`: its own, or the Vietnamese one of a bilingual field
/// (`title` → `title.vi`); the others are returned for the top of the page.
pub fn place_errors(
    errors: &[FieldError],
    names: &[String],
) -> (BTreeMap<String, Vec<FieldError>>, Vec<FieldError>) {
    let mut at: BTreeMap<String, Vec<FieldError>> = BTreeMap::new();
    let mut rest = Vec::new();
    for e in errors {
        let target = [
            e.field.clone(),
            format!("{}.vi", e.field),
            format!("{}.display.vi", e.field),
        ]
        .into_iter()
        .find(|f| !e.field.is_empty() && names.contains(f));
        match target {
            Some(f) => at.entry(f).or_default().push(e.clone()),
            None => rest.push(e.clone()),
        }
    }
    (at, rest)
}

/// Create an object in exhibition `slug`, with its ID, title and dating, added to section
/// `section` (counted from 1; 0 for none).
pub fn create_object(
    root: &Path,
    who: &str,
    slug: &str,
    v: &Values,
    section: usize,
) -> Result<String, EditError> {
    let ex = exhibit_dir(root, slug)?;
    let id = nfc(v.get("id").map(|s| s.trim()).unwrap_or("")).to_uppercase();
    let mut errors = Vec::new();
    if !is_valid_id(&id) {
        errors.push(FieldError {
            field: "id".into(),
            message: format!("\"{id}\" cannot be an object ID"),
            hint: "use capital letters A-Z, digits, '-' and '.', at most 32 characters, e.g. HL-013".into(),
            error: true,
        });
        return Err(EditError::Invalid(errors));
    }
    if id_taken(root, &id) {
        return Err(EditError::Invalid(vec![FieldError {
            field: "id".into(),
            message: format!("the ID {id} is already used by another object"),
            hint: "an ID is unique across the museum: check the number on the object's label".into(),
            error: true,
        }]));
    }
    let dir = ex.join("objects").join(&id);
    let mut doc = TomlDoc::parse(&format!(
        "# Object record (content format 1), made in the web editor. The fields are explained in\n\
         # the README (\"object.toml\"); this file can also be edited by hand.\n\
         id = \"{id}\"\n"
    ))
    .map_err(|e| EditError::Unparsable(dir.join("object.toml"), e))?;
    apply_object(&mut doc, v, &mut errors);
    if !errors.is_empty() {
        return Err(EditError::Invalid(errors));
    }
    let mut planned: Planned = vec![(dir.join("object.toml"), doc.text().into_bytes())];
    if section > 0 {
        let exf = ex.join("exhibit.toml");
        let mut exdoc = read_doc(&exf)?;
        let added = exdoc.with_block("section", section - 1, |b| {
            let mut objs = b.list("objects");
            objs.push(id.clone());
            b.set_list("objects", &objs);
        });
        if added.is_none() {
            return Err(EditError::NotFound);
        }
        planned.push((exf, exdoc.text().into_bytes()));
    }
    commit(root, who, &[&dir], planned)?;
    Ok(id)
}

fn id_taken(root: &Path, id: &str) -> bool {
    std::fs::read_dir(root.join("exhibits"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.path().join("objects").join(id).exists())
        })
        .unwrap_or(false)
}

/// An exhibition's form values (its sections included) and its version.
pub fn read_exhibit(root: &Path, slug: &str) -> Result<(Values, String), EditError> {
    let dir = exhibit_dir(root, slug)?;
    let files = exhibit_files(&dir);
    let doc = read_doc(&files[0])?;
    let mut v = Values::new();
    read_texts(&mut v, &doc, "", EXHIBIT_TEXTS);
    v.insert(
        "status".into(),
        doc.str("status").unwrap_or_else(|| "published".into()),
    );
    for key in ["opens", "closes"] {
        v.insert(key.into(), doc.date(key).unwrap_or_default());
    }
    v.insert("cover".into(), doc.str("cover").unwrap_or_default());
    read_descs(&mut v, &files);
    for i in 0..doc.blocks("section") {
        let Some(b) = doc.block("section", i) else {
            continue;
        };
        let n = i + 1;
        read_texts(&mut v, &b, &format!("section[{n}]."), SECTION_TEXTS);
        v.insert(format!("section[{n}].objects"), b.list("objects").join(" "));
    }
    Ok((v, fingerprint(&files)))
}

/// Save an exhibition's form (texts, status, dates, sections' texts).
pub fn save_exhibit(
    root: &Path,
    who: &str,
    slug: &str,
    v: &Values,
    version: &str,
) -> Result<Vec<FieldError>, EditError> {
    let dir = exhibit_dir(root, slug)?;
    let files = exhibit_files(&dir);
    let mut doc = open_current(&files, version)?;
    let mut errors = Vec::new();
    apply_texts(&mut doc, v, "", EXHIBIT_TEXTS);
    if let Some(s) = v.get("status") {
        match s.as_str() {
            "draft" | "published" => doc.set_str("status", s),
            _ => errors.push(FieldError {
                field: "status".into(),
                message: format!("\"{s}\" is not a status"),
                hint: "choose draft or published".into(),
                error: true,
            }),
        }
    }
    for key in ["opens", "closes"] {
        if let Some(s) = v.get(key)
            && let Err(m) = doc.set_date(key, s)
        {
            errors.push(FieldError {
                field: key.into(),
                message: m,
                hint: "write the day as YYYY-MM-DD, e.g. 2026-11-20, or leave it empty".into(),
                error: true,
            });
        }
    }
    if let Some(s) = v.get("cover") {
        doc.set_str("cover", &s.to_uppercase());
    }
    for i in 0..doc.blocks("section") {
        let n = i + 1;
        doc.with_block("section", i, |b| {
            apply_texts(b, v, &format!("section[{n}]."), SECTION_TEXTS)
        });
    }
    if !errors.is_empty() {
        return Err(EditError::Invalid(errors));
    }
    let planned = plan_form(&files, &doc, v);
    commit_exhibit(root, who, &dir, planned)
}

/// Like `commit`, for an exhibition: only its own files count (not its objects' problems).
fn commit_exhibit(
    root: &Path,
    who: &str,
    dir: &Path,
    planned: Planned,
) -> Result<Vec<FieldError>, EditError> {
    commit(root, who, &exhibit_files(dir), planned)
}

/// A change to the order of an exhibition's sections and their objects.
pub enum Arrange {
    /// Move object `index` (from 0) of section `section` (from 1) by `by` places.
    Move { section: usize, index: usize, by: isize },
    /// Move object `index` of section `section` to the end of section `to`.
    ToSection { section: usize, index: usize, to: usize },
    /// Add an object of the exhibition to the end of section `section`.
    Add { section: usize, id: String },
    /// Take object `index` out of section `section` (the object itself stays).
    Remove { section: usize, index: usize },
    /// Add an empty section at the end, with its Vietnamese title.
    NewSection { title: String },
}

pub fn arrange(root: &Path, who: &str, slug: &str, a: Arrange, version: &str) -> Result<(), EditError> {
    let dir = exhibit_dir(root, slug)?;
    let files = exhibit_files(&dir);
    let mut doc = open_current(&files, version)?;
    let mut lists: Vec<Vec<String>> = (0..doc.blocks("section"))
        .map(|i| {
            doc.block("section", i)
                .map(|b| b.list("objects"))
                .unwrap_or_default()
        })
        .collect();
    let bad = EditError::Refused("that place in the exhibition does not exist; reload the page");
    let sec = |s: usize| s.checked_sub(1).filter(|i| *i < lists.len());
    match a {
        Arrange::Move { section, index, by } => {
            let s = sec(section).ok_or(bad)?;
            let to = index as isize + by;
            if index >= lists[s].len() || to < 0 || to as usize >= lists[s].len() {
                return Err(EditError::Refused("that object cannot move further"));
            }
            let id = lists[s].remove(index);
            lists[s].insert(to as usize, id);
        }
        Arrange::ToSection { section, index, to } => {
            let (s, t) = (sec(section).ok_or(bad)?, sec(to).ok_or(EditError::NotFound)?);
            if index >= lists[s].len() {
                return Err(EditError::NotFound);
            }
            let id = lists[s].remove(index);
            lists[t].push(id);
        }
        Arrange::Add { section, id } => {
            let s = sec(section).ok_or(bad)?;
            let id = id.trim().to_uppercase();
            if !is_valid_id(&id) || !id_taken(root, &id) {
                return Err(EditError::Refused("there is no object with that ID"));
            }
            lists[s].push(id);
        }
        Arrange::Remove { section, index } => {
            let s = sec(section).ok_or(bad)?;
            if index >= lists[s].len() {
                return Err(EditError::NotFound);
            }
            lists[s].remove(index);
        }
        Arrange::NewSection { title } => {
            if title.trim().is_empty() {
                return Err(EditError::Invalid(vec![FieldError {
                    field: "new_section".into(),
                    message: "a section needs a title".into(),
                    hint: "write the section's title in Vietnamese".into(),
                    error: true,
                }]));
            }
            doc.push_block("section", |b| {
                b.set_lang_text("title", Lang::Vi, &title);
                b.set_list("objects", &[]);
            });
        }
    }
    for (i, l) in lists.iter().enumerate() {
        doc.with_block("section", i, |b| b.set_list("objects", l));
    }
    let planned = vec![(files[0].clone(), doc.text().into_bytes())];
    commit_exhibit(root, who, &dir, planned).map(|_| ())
}

/// The short name of the form's `slug` field for something new, or the error shown beside it:
/// not a slug, or taken (`path_of` gives where it would be). `what` is e.g. "an exhibition's".
fn new_slug(
    v: &Values,
    what: &str,
    example: &str,
    address: &str,
    path_of: impl Fn(&str) -> PathBuf,
) -> Result<String, EditError> {
    let slug = v.get("slug").map(|s| s.trim().to_lowercase()).unwrap_or_default();
    let refuse = |message: String, hint: String| {
        Err(EditError::Invalid(vec![FieldError {
            field: "slug".into(),
            message,
            hint,
            error: true,
        }]))
    };
    if !is_valid_slug(&slug) {
        return refuse(
            format!("\"{slug}\" cannot be {what} short name"),
            format!(
                "use lower-case letters a-z, digits and '-', e.g. {example} (it becomes the address {address})"
            ),
        );
    }
    if path_of(&slug).exists() {
        return refuse(
            format!("{slug} already exists"),
            "choose another short name".into(),
        );
    }
    Ok(slug)
}

/// Create an exhibition folder, as a draft, with its slug and Vietnamese title.
pub fn create_exhibit(root: &Path, who: &str, v: &Values) -> Result<String, EditError> {
    let slug = new_slug(v, "an exhibition's", "gom-bo-bat", "/e/gom-bo-bat/", |s| {
        root.join("exhibits").join(s)
    })?;
    let dir = root.join("exhibits").join(&slug);
    let mut doc = TomlDoc::parse(
        "# Exhibition (content format 1), made in the web editor. The fields are explained in the\n\
         # README (\"exhibit.toml\"); this file can also be edited by hand.\n\
         # A draft is seen only in the staff preview until its status is \"published\".\n\
         status = \"draft\"\n",
    )
    .map_err(|e| EditError::Unparsable(dir.join("exhibit.toml"), e))?;
    apply_texts(&mut doc, v, "", &["title"]);
    doc.push_block("section", |b| {
        b.set_lang_text("title", Lang::Vi, "Phần 1");
        b.set_lang_text("title", Lang::En, "Part 1");
        b.set_list("objects", &[]);
    });
    let planned = vec![(dir.join("exhibit.toml"), doc.text().into_bytes())];
    commit_exhibit(root, who, &dir, planned)?;
    Ok(slug)
}

/// The kind of image a file holds, from its first bytes (never from its name).
pub fn sniff_image(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

/// The file name an upload is saved as, or why it is refused: a plain name (no folder, no
/// leading dot, no `..`), letters kept, its extension the one of what the bytes are.
pub fn upload_name(sent: &str, kind: &str) -> Result<String, EditError> {
    let sent = nfc(sent.trim());
    if sent.contains(['/', '\\', '\0']) || sent.contains("..") || sent.starts_with('.') || sent.is_empty() {
        return Err(EditError::Refused("the file name is not a plain name"));
    }
    let (stem, ext) = sent.rsplit_once('.').unwrap_or((sent.as_str(), ""));
    let ext = ext.to_ascii_lowercase();
    let same = ext == kind || (kind == "jpg" && ext == "jpeg");
    if !same {
        return Err(EditError::Refused("the file's name does not match what it holds"));
    }
    let stem: String = crate::text::fold(stem)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-');
    let stem = if stem.is_empty() { "photo" } else { stem };
    Ok(format!("{}.{ext}", &stem[..stem.len().min(60)]))
}

/// A photo received: the temporary file it was streamed to, in the object's folder, and the
/// name the browser sent.
pub struct Upload {
    pub tmp: PathBuf,
    pub name: String,
}

/// Put an uploaded photo in place and add its `[[image]]` block (with the alt text of `alt`),
/// refusing a stale version, a name already used, or a file that is not a photo.
pub fn place_photo(
    root: &Path,
    who: &str,
    slug: &str,
    id: &str,
    upload: &Upload,
    alt: &Values,
    version: &str,
) -> Result<String, EditError> {
    let (tmp, name) = (upload.tmp.as_path(), upload.name.as_str());
    let dir = object_dir(root, slug, id)?;
    if tmp.parent() != Some(dir.as_path()) {
        return Err(EditError::Refused("the upload is not in the object's folder"));
    }
    let files = object_files(&dir);
    if fingerprint(&files) != version {
        return Err(EditError::Stale);
    }
    let mut head = [0u8; 16];
    let n = {
        use std::io::Read;
        std::fs::File::open(tmp)?.read(&mut head)?
    };
    let kind =
        sniff_image(&head[..n]).ok_or(EditError::Refused("the file is not a JPEG, PNG or WebP photo"))?;
    let file = upload_name(name, kind)?;
    let target = dir.join(&file);
    if target.exists() {
        return Err(EditError::Refused(
            "a file of that name is already in the object's folder",
        ));
    }
    let mut doc = read_doc(&files[0])?;
    doc.push_block("image", |b| {
        b.set_str("file", &file);
        apply_texts(b, alt, "", &["alt"]);
    });
    let change = Change::new(root, who);
    change.place(tmp, &target)?;
    change.write(&files[0], doc.text().as_bytes())?;
    Ok(file)
}

/// Move image `n` (from 1) to the front (the main photo), or take it off the object; the file of
/// a removed image goes to the history, not away.
pub fn image_action(
    root: &Path,
    who: &str,
    slug: &str,
    id: &str,
    n: usize,
    remove: bool,
    version: &str,
) -> Result<(), EditError> {
    let dir = object_dir(root, slug, id)?;
    let files = object_files(&dir);
    let mut doc = open_current(&files, version)?;
    let i = n
        .checked_sub(1)
        .filter(|i| *i < doc.blocks("image"))
        .ok_or(EditError::NotFound)?;
    let change = Change::new(root, who);
    if remove {
        let file = doc.block("image", i).and_then(|b| b.str("file"));
        doc.remove_block("image", i);
        change.write(&files[0], doc.text().as_bytes())?;
        if let Some(f) = file
            && !f.contains(['/', '\\'])
            && !f.starts_with('.')
            && dir.join(&f).is_file()
        {
            change.remove(&dir.join(f))?;
        }
    } else {
        doc.move_block("image", i, 0);
        change.write(&files[0], doc.text().as_bytes())?;
    }
    Ok(())
}

/// One line of the editor's lists.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    /// The slug of an exhibition, the ID of an object.
    pub key: String,
    pub title_vi: String,
    pub title_en: String,
    /// An exhibition's status; an object's number of photos.
    pub status: String,
    pub photos: usize,
}

fn entry(key: String, doc: Option<TomlDoc>) -> Entry {
    let doc = doc.as_ref();
    Entry {
        title_vi: doc
            .and_then(|d| d.lang_text("title", Lang::Vi))
            .unwrap_or_default(),
        title_en: doc
            .and_then(|d| d.lang_text("title", Lang::En))
            .unwrap_or_default(),
        status: doc
            .and_then(|d| d.str("status"))
            .unwrap_or_else(|| "published".into()),
        photos: doc.map_or(0, |d| d.blocks("image")),
        key,
    }
}

fn subfolders(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && !n.starts_with('_'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The exhibitions of the working copy, by folder name.
pub fn list_exhibits(root: &Path) -> Vec<Entry> {
    subfolders(&root.join("exhibits"))
        .into_iter()
        .filter(|s| is_valid_slug(s))
        .map(|s| {
            let doc = read_doc(&root.join("exhibits").join(&s).join("exhibit.toml")).ok();
            entry(s, doc)
        })
        .collect()
}

/// The objects in an exhibition's folder, by ID.
pub fn list_objects(root: &Path, slug: &str) -> Vec<Entry> {
    let dir = root.join("exhibits").join(slug).join("objects");
    subfolders(&dir)
        .into_iter()
        .filter(|id| is_valid_id(id))
        .map(|id| {
            let doc = read_doc(&dir.join(&id).join("object.toml")).ok();
            entry(id, doc)
        })
        .collect()
}

/// Bilingual one-line texts of an event file, in form order.
pub const EVENT_TEXTS: &[&str] = &["title", "summary", "place", "price"];
/// An event's moments: a day (`YYYY-MM-DD`) or a day and time (`YYYY-MM-DDTHH:MM`).
pub const EVENT_MOMENTS: &[&str] = &["starts", "ends", "signup_opens", "signup_closes"];
/// An event's links, written in the form as names or IDs separated by spaces.
pub const EVENT_LINKS: &[&str] = &["exhibits", "objects", "programmes"];

/// `events/<slug>.toml` and its two texts, when the event exists.
fn event_files(root: &Path, slug: &str) -> Result<[PathBuf; 3], EditError> {
    flat_files(root, "events", slug)
}

/// `<folder>/<slug>.toml` and its two texts `<slug>.vi.md` and `<slug>.en.md`, when it exists.
fn flat_files(root: &Path, folder: &str, slug: &str) -> Result<[PathBuf; 3], EditError> {
    let dir = root.join(folder);
    let toml = dir.join(format!("{slug}.toml"));
    if !is_valid_slug(slug) || !toml.is_file() {
        return Err(EditError::NotFound);
    }
    Ok([
        toml,
        dir.join(format!("{slug}.vi.md")),
        dir.join(format!("{slug}.en.md")),
    ])
}

/// An event's form values and version.
pub fn read_event(root: &Path, slug: &str) -> Result<(Values, String), EditError> {
    let files = event_files(root, slug)?;
    let doc = read_doc(&files[0])?;
    let mut v = Values::new();
    read_texts(&mut v, &doc, "", EVENT_TEXTS);
    for key in EVENT_MOMENTS {
        v.insert(key.to_string(), doc.moment(key).unwrap_or_default());
    }
    for key in EVENT_LINKS {
        v.insert(key.to_string(), doc.list(key).join(" "));
    }
    let grades: Vec<String> = doc.int_list("grades").iter().map(i64::to_string).collect();
    v.insert("grades".into(), grades.join(" "));
    v.insert(
        "capacity".into(),
        doc.int("capacity").map(|n| n.to_string()).unwrap_or_default(),
    );
    v.insert(
        "audience".into(),
        doc.str("audience").unwrap_or_else(|| "everyone".into()),
    );
    v.insert("occasion".into(), doc.str("occasion").unwrap_or_default());
    v.insert(
        "status".into(),
        doc.str("status").unwrap_or_else(|| "published".into()),
    );
    read_descs(&mut v, &files);
    Ok((v, fingerprint(&files)))
}

/// Save an event's form. The same checks as `vitrine check` run on the would-be files (times in
/// order, known exhibitions and objects, grades, capacity…); nothing is written when one fails.
pub fn save_event(
    root: &Path,
    who: &str,
    slug: &str,
    v: &Values,
    version: &str,
) -> Result<Vec<FieldError>, EditError> {
    let files = event_files(root, slug)?;
    let mut doc = open_current(&files, version)?;
    let mut errors = Vec::new();
    apply_texts(&mut doc, v, "", EVENT_TEXTS);
    for key in EVENT_MOMENTS {
        if let Some(s) = v.get(*key)
            && let Err(m) = doc.set_moment(key, s)
        {
            errors.push(FieldError {
                field: key.to_string(),
                message: m,
                hint: "write the day, or the day and time in Vietnam: 2027-05-18 or 2027-05-18T08:30".into(),
                error: true,
            });
        }
    }
    for key in EVENT_LINKS {
        if let Some(s) = v.get(*key) {
            // An empty list that was not written stays unwritten (`list` of a missing key is empty).
            doc.set_list(key, &names(s, *key == "objects"));
        }
    }
    if let Some(s) = v.get("grades") {
        let parsed: Result<Vec<i64>, _> = s
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|x| !x.is_empty())
            .map(str::parse::<i64>)
            .collect();
        match parsed {
            Ok(g) => doc.set_int_list("grades", &g),
            Err(_) => errors.push(FieldError {
                field: "grades".into(),
                message: format!("\"{s}\" is not a list of grades"),
                hint: "write school grades 1-12 (13 for university) separated by spaces, e.g. 6 7".into(),
                error: true,
            }),
        }
    }
    if v.contains_key("capacity") {
        let n = int_field(v, "capacity", &mut errors);
        doc.set_int("capacity", n);
    }
    for (key, allowed, hint) in [
        (
            "audience",
            &["everyone", "families", "schools", "researchers"][..],
            "choose everyone, families, schools or researchers",
        ),
        (
            "status",
            &["draft", "published", "cancelled"][..],
            "choose draft, published or cancelled",
        ),
    ] {
        if let Some(s) = v.get(key) {
            if allowed.contains(&s.as_str()) {
                doc.set_str(key, s);
            } else {
                errors.push(FieldError {
                    field: key.into(),
                    message: format!("\"{s}\" is not one of the choices"),
                    hint: hint.into(),
                    error: true,
                });
            }
        }
    }
    if let Some(s) = v.get("occasion") {
        if s.trim().is_empty() {
            doc.remove("occasion");
        } else {
            doc.set_str("occasion", s.trim());
        }
    }
    if !errors.is_empty() {
        return Err(EditError::Invalid(errors));
    }
    let planned = plan_form(&files, &doc, v);
    commit(root, who, &files, planned)
}

/// The names of a list field (`exhibits`, `objects`), separated by spaces or commas: object IDs
/// in capitals, short names in lower case.
fn names(s: &str, ids: bool) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|x| !x.is_empty())
        .map(|x| if ids { x.to_uppercase() } else { x.to_lowercase() })
        .collect()
}

/// The settings file (`files[0]`) of a form opened at `version`, or `Stale` when someone saved
/// any of its files since.
fn open_current(files: &[PathBuf], version: &str) -> Result<TomlDoc, EditError> {
    if fingerprint(files) != version {
        return Err(EditError::Stale);
    }
    read_doc(&files[0])
}

/// A new file of a flat content folder (`events/`, `contests/`), named from the form (see
/// `new_slug`) and made from `text` (e.g. `scaffold::event_text`), with the form's Vietnamese
/// title when one is given. `what` names the kind in messages ("an event's"); `example` is a
/// good name of the kind and `address` the page it would have.
fn create_flat(
    root: &Path,
    who: &str,
    v: &Values,
    text: &str,
    folder: &str,
    (what, example, address): (&str, &str, &str),
) -> Result<String, EditError> {
    let file = |s: &str| root.join(folder).join(format!("{s}.toml"));
    let slug = new_slug(v, what, example, address, file)?;
    let path = file(&slug);
    let mut doc = TomlDoc::parse(text).map_err(|e| EditError::Unparsable(path.clone(), e))?;
    if v.get("title.vi").is_some_and(|t| !t.trim().is_empty()) {
        apply_texts(&mut doc, v, "", &["title"]);
    }
    let planned = vec![(path.clone(), doc.text().into_bytes())];
    commit(root, who, &[path], planned)?;
    Ok(slug)
}

/// Create `events/<slug>.toml` from `text` (a new event file, see `scaffold::event_text`).
pub fn create_event(root: &Path, who: &str, v: &Values, text: &str) -> Result<String, EditError> {
    let kind = ("an event's", "ngay-bao-tang-2027", "/su-kien/ngay-bao-tang-2027/");
    create_flat(root, who, v, text, "events", kind)
}

/// An event of the working copy, as the content page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventEntry {
    pub key: String,
    pub title_vi: String,
    pub title_en: String,
    pub status: String,
    /// When it starts, as the form shows it.
    pub starts: String,
}

/// The events of the working copy, by start.
pub fn list_events(root: &Path) -> Vec<EventEntry> {
    let mut v: Vec<EventEntry> = super::load::toml_files(&root.join("events"))
        .iter()
        .filter_map(|p| {
            let key = p.file_stem()?.to_str()?.to_string();
            let doc = read_doc(p).ok();
            let starts = doc.as_ref().and_then(|d| d.moment("starts")).unwrap_or_default();
            let e = entry(key, doc);
            Some(EventEntry {
                starts,
                key: e.key,
                title_vi: e.title_vi,
                title_en: e.title_en,
                status: e.status,
            })
        })
        .collect();
    v.sort_by(|a, b| (&a.starts, &a.key).cmp(&(&b.starts, &b.key)));
    v
}

// --- Contests --------------------------------------------------------------------------------

/// Bilingual one-line texts of a contest file, in form order.
pub const CONTEST_TEXTS: &[&str] = &["title", "summary"];
/// A contest's whole numbers, in form order (empty: the default).
pub const CONTEST_NUMBERS: &[&str] = &["questions_per_entry", "time_limit_minutes", "winners"];
/// Choice rows a question's form offers at most, its own choices aside.
pub const MAX_CHOICES: usize = 8;

fn contest_files(root: &Path, slug: &str) -> Result<[PathBuf; 3], EditError> {
    flat_files(root, "contests", slug)
}

/// Now in Vietnam, as a form writes a moment (`2027-04-21T08:00`): such strings compare in time
/// order with `TomlDoc::moment`'s.
fn vietnam_now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let m = super::Moment::of_millis(ms);
    format!("{}T{}", m.day, m.clock().unwrap_or_default())
}

/// A round as the contest's page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundLine {
    /// 1, 2, … (entries refer to a round by this number).
    pub n: usize,
    /// It has opened: entries may refer to it, so it cannot be removed.
    pub opened: bool,
    /// It is open now.
    pub open: bool,
}

/// A question of the bank as the contest's page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuestionLine {
    pub n: usize,
    pub id: String,
    pub kind: String,
    pub prompt_vi: String,
    pub prompt_en: String,
    pub choices: usize,
    pub learn: String,
}

/// What a contest's page shows besides its form.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContestOutline {
    pub rounds: Vec<RoundLine>,
    pub questions: Vec<QuestionLine>,
    /// The number of the round open now.
    pub open_round: Option<usize>,
}

/// The `id` of the `i`-th question (from 0): its own, or its number in the file, as the loader
/// names it.
fn question_id(doc: &TomlDoc, i: usize) -> String {
    doc.block("question", i)
        .and_then(|b| b.str("id"))
        .unwrap_or_else(|| (i + 1).to_string())
}

fn question_index(doc: &TomlDoc, id: &str) -> Option<usize> {
    (0..doc.blocks("question")).find(|&i| question_id(doc, i) == id)
}

/// Write every question's `id` that the file leaves to its number: removing or adding a question
/// must not change the name by which entries already taken refer to the others.
fn pin_question_ids(doc: &mut TomlDoc) {
    for i in 0..doc.blocks("question") {
        doc.with_block("question", i, |b| {
            if b.str("id").is_none() {
                b.set_str("id", &(i + 1).to_string());
            }
        });
    }
}

fn outline(doc: &TomlDoc) -> ContestOutline {
    let now = vietnam_now();
    let rounds: Vec<RoundLine> = (0..doc.blocks("round"))
        .map(|i| {
            let b = doc.block("round", i);
            let at = |k: &str| b.as_ref().and_then(|b| b.moment(k)).unwrap_or_default();
            let (opens, closes) = (at("opens"), at("closes"));
            let opened = !opens.is_empty() && opens <= now;
            RoundLine {
                n: i + 1,
                opened,
                open: opened && (closes.is_empty() || now < closes),
            }
        })
        .collect();
    let questions = (0..doc.blocks("question"))
        .filter_map(|i| {
            let b = doc.block("question", i)?;
            Some(QuestionLine {
                n: i + 1,
                id: question_id(doc, i),
                kind: b.str("type").unwrap_or_default(),
                prompt_vi: b.lang_text("prompt", Lang::Vi).unwrap_or_default(),
                prompt_en: b.lang_text("prompt", Lang::En).unwrap_or_default(),
                choices: b.choices().len(),
                learn: b.str("learn").unwrap_or_default(),
            })
        })
        .collect();
    ContestOutline {
        open_round: rounds.iter().find(|r| r.open).map(|r| r.n),
        rounds,
        questions,
    }
}

/// A contest's form values, its version and its rounds and questions. Rounds are the fields
/// `round[N].title.vi`, `.en`, `round[N].opens` and `.closes`, with one more empty round to add.
pub fn read_contest(root: &Path, slug: &str) -> Result<(Values, String, ContestOutline), EditError> {
    let files = contest_files(root, slug)?;
    let doc = read_doc(&files[0])?;
    let mut v = Values::new();
    read_texts(&mut v, &doc, "", CONTEST_TEXTS);
    for key in CONTEST_NUMBERS {
        v.insert(
            key.to_string(),
            doc.int(key).map(|n| n.to_string()).unwrap_or_default(),
        );
    }
    let yes_no = if doc.bool("prediction").unwrap_or(true) {
        "yes"
    } else {
        "no"
    };
    v.insert("prediction".into(), yes_no.into());
    v.insert(
        "winner_names".into(),
        doc.str("winner_names").unwrap_or_else(|| "short".into()),
    );
    v.insert(
        "status".into(),
        doc.str("status").unwrap_or_else(|| "published".into()),
    );
    v.insert("exhibits".into(), doc.list("exhibits").join(" "));
    v.insert("event".into(), doc.str("event").unwrap_or_default());
    let rounds = doc.blocks("round");
    for i in 0..=rounds {
        let b = doc.block("round", i);
        let p = format!("round[{}].", i + 1);
        for l in Lang::ALL {
            let t = b
                .as_ref()
                .and_then(|b| b.lang_text("title", l))
                .unwrap_or_default();
            v.insert(format!("{p}title.{}", l.code()), t);
        }
        for k in ["opens", "closes"] {
            v.insert(
                format!("{p}{k}"),
                b.as_ref().and_then(|b| b.moment(k)).unwrap_or_default(),
            );
        }
    }
    read_descs(&mut v, &files);
    Ok((v, fingerprint(&files), outline(&doc)))
}

/// A choice among `allowed`, or an error beside `key`.
fn choose(doc: &mut TomlDoc, v: &Values, key: &str, allowed: &[&str], errors: &mut Vec<FieldError>) {
    let Some(s) = v.get(key) else { return };
    if allowed.contains(&s.as_str()) {
        doc.set_str(key, s);
    } else {
        errors.push(FieldError {
            field: key.into(),
            message: format!("\"{s}\" is not one of the choices"),
            hint: format!("choose {}", allowed.join(", ")),
            error: true,
        });
    }
}

/// Save a contest's form: its settings, texts and rounds. A round is added by filling in the
/// empty one, removed with its `round[N].remove` box unless it has opened (entries name their
/// round by number, so an opened round and those before it keep their places). The checks of
/// `vitrine check` run on the would-be files; nothing is written when one fails.
pub fn save_contest(
    root: &Path,
    who: &str,
    slug: &str,
    v: &Values,
    version: &str,
) -> Result<Vec<FieldError>, EditError> {
    let files = contest_files(root, slug)?;
    let mut doc = open_current(&files, version)?;
    let mut errors = Vec::new();
    apply_texts(&mut doc, v, "", CONTEST_TEXTS);
    for key in CONTEST_NUMBERS {
        if v.contains_key(*key) {
            let n = int_field(v, key, &mut errors);
            doc.set_int(key, n);
        }
    }
    match v.get("prediction").map(String::as_str) {
        Some("yes") => doc.set_bool("prediction", Some(true)),
        Some("no") => doc.set_bool("prediction", Some(false)),
        _ => {}
    }
    choose(
        &mut doc,
        v,
        "winner_names",
        &["short", "initials", "full"],
        &mut errors,
    );
    choose(&mut doc, v, "status", &["draft", "published"], &mut errors);
    if let Some(s) = v.get("exhibits") {
        doc.set_list("exhibits", &names(s, false));
    }
    if let Some(s) = v.get("event") {
        doc.set_str("event", &s.to_lowercase());
    }
    let opened: Vec<bool> = outline(&doc).rounds.iter().map(|r| r.opened).collect();
    let rounds = doc.blocks("round");
    let mut removed = Vec::new();
    for i in 0..=rounds {
        let p = format!("round[{}].", i + 1);
        let given = |k: &str| v.get(&format!("{p}{k}")).map(|s| s.trim()).unwrap_or("");
        if v.get(&format!("{p}remove")).is_some_and(|s| !s.is_empty()) && i < rounds {
            if opened.get(i) == Some(&true) {
                errors.push(FieldError {
                    field: format!("{p}remove"),
                    message: format!("round {} has opened: entries refer to it by its number", i + 1),
                    hint: "close it early by changing its closing time instead".into(),
                    error: true,
                });
            } else {
                removed.push(i);
            }
            continue;
        }
        if i == rounds && given("opens").is_empty() && given("closes").is_empty() {
            continue;
        }
        let apply = |b: &mut TomlDoc, errors: &mut Vec<FieldError>| {
            apply_texts(b, v, &p, &["title"]);
            for k in ["opens", "closes"] {
                if let Some(s) = v.get(&format!("{p}{k}"))
                    && let Err(m) = b.set_moment(k, s)
                {
                    errors.push(FieldError {
                        field: format!("{p}{k}"),
                        message: m,
                        hint: "write the day and time in Vietnam, e.g. 2027-04-21T08:00".into(),
                        error: true,
                    });
                }
            }
        };
        if i < rounds {
            doc.with_block("round", i, |b| apply(b, &mut errors));
        } else {
            doc.push_block("round", |b| apply(b, &mut errors));
        }
    }
    // Every round removed and none added.
    if !removed.is_empty() && doc.blocks("round") == removed.len() {
        errors.push(FieldError {
            field: "round[1].remove".into(),
            message: "a contest needs at least one round".into(),
            hint: "keep one round, or change its times".into(),
            error: true,
        });
    }
    if !errors.is_empty() {
        return Err(EditError::Invalid(errors));
    }
    for i in removed.into_iter().rev() {
        doc.remove_block("round", i);
    }
    let planned = plan_form(&files, &doc, v);
    commit(root, who, &files, planned)
}

/// The empty form of a new question.
pub fn blank_question() -> Values {
    let mut v = Values::new();
    v.insert("type".into(), "single".into());
    v
}

/// A question's form values: `id`, `type`, `prompt.vi`/`.en`, `choices[J].vi`/`.en`/`.correct`
/// (from 1), `answer.vi`/`.en` and `learn`; with the contest's version and the question's number.
pub fn read_question(root: &Path, slug: &str, id: &str) -> Result<(Values, String, usize), EditError> {
    let files = contest_files(root, slug)?;
    let doc = read_doc(&files[0])?;
    let i = question_index(&doc, id).ok_or(EditError::NotFound)?;
    let b = doc.block("question", i).ok_or(EditError::NotFound)?;
    let mut v = Values::new();
    v.insert("id".into(), id.to_string());
    v.insert("type".into(), b.str("type").unwrap_or_default());
    read_texts(&mut v, &b, "", &["prompt", "answer"]);
    for (j, c) in b.choices().iter().enumerate() {
        let p = format!("choices[{}].", j + 1);
        v.insert(format!("{p}vi"), c.vi.clone());
        v.insert(format!("{p}en"), c.en.clone());
        v.insert(
            format!("{p}correct"),
            if c.correct { "on".into() } else { String::new() },
        );
    }
    v.insert("learn".into(), b.str("learn").unwrap_or_default());
    Ok((v, fingerprint(&files), i + 1))
}

/// The choices of a question's form: rows `choices[J]` from 1 on, an empty row left out.
fn form_choices(v: &Values) -> Vec<super::edit::Choice> {
    (1..=MAX_CHOICES + 64)
        .filter_map(|j| {
            let get = |k: &str| v.get(&format!("choices[{j}].{k}")).cloned().unwrap_or_default();
            let c = super::edit::Choice {
                vi: get("vi"),
                en: get("en"),
                correct: !get("correct").is_empty(),
            };
            (!c.vi.trim().is_empty() || !c.en.trim().is_empty()).then_some(c)
        })
        .collect()
}

/// A short name for a new question from its prompt: its first words, folded.
fn id_from_prompt(prompt: &str) -> String {
    let folded = crate::text::fold(prompt);
    let words: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(str::to_string)
        .collect();
    let id = words.join("-");
    let id = id[..id.len().min(40)].trim_end_matches('-').to_string();
    if id.is_empty() { "cau-hoi".into() } else { id }
}

/// The errors and warnings of question number `n` with their field names as its form has them
/// (`question[3].choices[2]` → `choices[2]`; a problem with the question as a whole goes beside
/// its choices); errors elsewhere in the contest stay as they are, other questions' warnings go.
fn question_errors(found: Vec<FieldError>, n: usize) -> Vec<FieldError> {
    let own = format!("question[{n}]");
    found
        .into_iter()
        .filter_map(|mut e| {
            if e.field == own {
                e.field = "choices".into();
            } else if let Some(rest) = e.field.strip_prefix(&format!("{own}.")) {
                e.field = rest.to_string();
            } else if !e.error {
                return None;
            }
            Some(e)
        })
        .collect()
}

/// Save question `id` of a contest, or add a new one (`id` None; its id is the form's `id`, or
/// made from the prompt). While a round is open a question keeps at least the choices it has:
/// entries in progress were shown them by their place in the list. Returns the question's id and
/// its warnings.
pub fn save_question(
    root: &Path,
    who: &str,
    slug: &str,
    id: Option<&str>,
    v: &Values,
    version: &str,
) -> Result<(String, Vec<FieldError>), EditError> {
    let files = contest_files(root, slug)?;
    let mut doc = open_current(&files, version)?;
    let open_round = outline(&doc).open_round;
    pin_question_ids(&mut doc);
    let mut errors = Vec::new();
    let (i, id) = match id {
        Some(id) => (
            question_index(&doc, id).ok_or(EditError::NotFound)?,
            id.to_string(),
        ),
        None => {
            let given = v.get("id").map(|s| s.trim().to_lowercase()).unwrap_or_default();
            let id = if given.is_empty() {
                let prompt = [v.get("prompt.vi"), v.get("prompt.en")]
                    .into_iter()
                    .flatten()
                    .find(|p| !p.trim().is_empty())
                    .cloned()
                    .unwrap_or_default();
                let base = id_from_prompt(&prompt);
                let mut id = base.clone();
                let mut k = 2;
                while question_index(&doc, &id).is_some() {
                    id = format!("{base}-{k}");
                    k += 1;
                }
                id
            } else {
                given
            };
            // "new" is the address of the form for a new question.
            if !is_valid_slug(&id) || id == "new" {
                errors.push(FieldError {
                    field: "id".into(),
                    message: format!("\"{id}\" cannot name a question"),
                    hint: "use lower-case letters a-z, digits and '-', or leave it empty".into(),
                    error: true,
                });
            } else if question_index(&doc, &id).is_some() {
                errors.push(FieldError {
                    field: "id".into(),
                    message: format!("a question is already named \"{id}\""),
                    hint: "choose another name, or leave it empty".into(),
                    error: true,
                });
            }
            doc.push_block("question", |b| b.set_str("id", &id));
            (doc.blocks("question") - 1, id)
        }
    };
    let choices = form_choices(v);
    let before = doc.block("question", i).map_or(0, |b| b.choices().len());
    if let Some(r) = open_round
        && choices.len() < before
    {
        errors.push(FieldError {
            field: "choices".into(),
            message: format!(
                "round {r} is open: entries in progress show this question's choices by their place"
            ),
            hint: "correct a choice's text instead of removing it, or remove it after the round closes"
                .into(),
            error: true,
        });
    }
    doc.with_block("question", i, |b| {
        if let Some(t) = v.get("type") {
            if ["single", "multiple"].contains(&t.as_str()) {
                b.set_str("type", t);
            } else {
                errors.push(FieldError {
                    field: "type".into(),
                    message: format!("\"{t}\" is not a type of contest question"),
                    hint: "choose single or multiple".into(),
                    error: true,
                });
            }
        }
        apply_texts(b, v, "", &["prompt"]);
        b.set_choices(&choices);
        apply_texts(b, v, "", &["answer"]);
        if let Some(l) = v.get("learn") {
            let l = l.trim();
            // An exhibition's short name as it is, an object's ID in capitals.
            let exhibition = is_valid_slug(l) && root.join("exhibits").join(l).is_dir();
            let l = if exhibition {
                l.to_string()
            } else {
                l.to_uppercase()
            };
            b.set_str("learn", &l);
        }
    });
    if !errors.is_empty() {
        return Err(EditError::Invalid(errors));
    }
    let planned = plan_form(&files, &doc, v);
    match commit(root, who, &files, planned) {
        Ok(found) => Ok((id, question_errors(found, i + 1))),
        Err(EditError::Invalid(found)) => Err(EditError::Invalid(question_errors(found, i + 1))),
        Err(e) => Err(e),
    }
}

/// Take question `id` out of a contest's bank. Entries that were asked it keep their answer
/// sheet; it is no longer counted in their marks (see `contests::mark`).
pub fn delete_question(root: &Path, who: &str, slug: &str, id: &str, version: &str) -> Result<(), EditError> {
    let files = contest_files(root, slug)?;
    let mut doc = open_current(&files, version)?;
    pin_question_ids(&mut doc);
    let i = question_index(&doc, id).ok_or(EditError::NotFound)?;
    doc.remove_block("question", i);
    let planned = vec![(files[0].clone(), doc.text().into_bytes())];
    commit(root, who, &files, planned).map(|_| ())
}

/// Create `contests/<slug>.toml` (see `scaffold::contest_text`) with the form's Vietnamese title.
pub fn create_contest(root: &Path, who: &str, v: &Values, text: &str) -> Result<String, EditError> {
    let kind = ("a contest's", "thi-tim-hieu-2027", "/thi/thi-tim-hieu-2027/");
    create_flat(root, who, v, text, "contests", kind)
}

/// A contest of the working copy, as the content page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContestEntry {
    pub key: String,
    pub title_vi: String,
    pub title_en: String,
    pub status: String,
    /// When its first round opens, as the form shows it.
    pub opens: String,
    pub rounds: usize,
    pub questions: usize,
}

/// The contests of the working copy, by first round.
pub fn list_contests(root: &Path) -> Vec<ContestEntry> {
    let mut v: Vec<ContestEntry> = super::load::toml_files(&root.join("contests"))
        .iter()
        .filter_map(|p| {
            let key = p.file_stem()?.to_str()?.to_string();
            let doc = read_doc(p).ok();
            let opens = doc
                .as_ref()
                .and_then(|d| d.block("round", 0))
                .and_then(|b| b.moment("opens"))
                .unwrap_or_default();
            let (rounds, questions) = doc
                .as_ref()
                .map_or((0, 0), |d| (d.blocks("round"), d.blocks("question")));
            let e = entry(key, doc);
            Some(ContestEntry {
                opens,
                rounds,
                questions,
                key: e.key,
                title_vi: e.title_vi,
                title_en: e.title_en,
                status: e.status,
            })
        })
        .collect();
    v.sort_by(|a, b| (&a.opens, &a.key).cmp(&(&b.opens, &b.key)));
    v
}
