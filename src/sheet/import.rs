// `vitrine import`: plan what a sheet changes in an exhibition's object folders (create, update,
// unchanged, conflict with hand edits, row errors), then write the good objects. Never deletes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::fields::{Kind, Slot, map_header, normalize_header};
use super::record::{Record, Sections, cell_value, file_record, section_title, set_field, split_list};
use super::report::{Action, FieldChange, ImportReport, ObjectPlan, RowIssue};
use super::{Base, SheetError, base_entry, exhibit_dir, object_dirs, read_base, read_doc, table, write_base};
use crate::content::Lang;
use crate::content::edit::{Batch, Change, TomlDoc};
use crate::text::nfc;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub sheet: PathBuf,
    pub exhibit: String,
    /// Report only; write nothing.
    pub dry_run: bool,
    /// Take the sheet's values where the files were edited by hand since the last import.
    pub force: bool,
    /// Where photos named in the sheet are found; default: the sheet's folder.
    pub images: Option<PathBuf>,
    /// Name kept with the replaced files in `.vitrine/history/`.
    pub who: String,
}

/// The sheet's columns: which slot each column fills, and the header it was written with.
struct Columns {
    slots: Vec<Option<Slot>>,
    names: BTreeMap<Slot, String>,
}

impl Columns {
    fn name(&self, slot: Slot) -> String {
        self.names.get(&slot).cloned().unwrap_or_else(|| {
            let f = slot.field();
            match slot.lang {
                Some(Lang::En) => format!("{} (tiếng Anh)", f.vi[0]),
                _ => f.vi[0].to_string(),
            }
        })
    }
}

fn map_columns(path: &Path, headers: &[String], warnings: &mut Vec<String>) -> Result<Columns, SheetError> {
    let mut cols = Columns {
        slots: Vec::new(),
        names: BTreeMap::new(),
    };
    for h in headers {
        let slot = map_header(h);
        match slot {
            Some(s) => {
                if let Some(first) = cols.names.insert(s, h.clone()) {
                    return Err(SheetError::unreadable(
                        path,
                        format!(
                            "the columns \"{first}\" and \"{h}\" both mean {}; keep one of them",
                            s.label()
                        ),
                    ));
                }
            }
            None if h.is_empty() => {}
            None => warnings.push(format!(
                "column \"{h}\" is not a field Vitrine knows; it was ignored"
            )),
        }
        cols.slots.push(slot);
    }
    if !cols.names.keys().any(|s| s.field().kind == Kind::Id) {
        return Err(SheetError::unreadable(
            path,
            "no ID column: name one column \"Số hiệu hiện vật\" (or \"ID\") and write each object's accession number in it",
        ));
    }
    Ok(cols)
}

struct Ctx<'a> {
    root: &'a Path,
    exdir: PathBuf,
    exhibit: TomlDoc,
    /// The section of each object the exhibition lists.
    sections: Sections,
    base: Base,
    images: PathBuf,
    force: bool,
    file: String,
    cols: Columns,
    /// Object IDs in other exhibitions' folders.
    elsewhere: BTreeMap<String, String>,
}

pub fn import(root: &Path, opts: &ImportOptions) -> Result<ImportReport, SheetError> {
    let exdir = exhibit_dir(root, &opts.exhibit)?;
    let table = table::read_table(&opts.sheet)?;
    let mut warnings = Vec::new();
    let cols = map_columns(&opts.sheet, &table.headers, &mut warnings)?;
    let (_, exhibit) = read_doc(&exdir.join("exhibit.toml"))?;
    let file = opts
        .sheet
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let images = opts.images.clone().unwrap_or_else(|| {
        opts.sheet
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    let ctx = Ctx {
        root,
        base: read_base(root, &opts.exhibit)?,
        elsewhere: ids_elsewhere(root, &opts.exhibit),
        exdir,
        sections: Sections::of(&exhibit),
        exhibit,
        images,
        force: opts.force,
        file,
        cols,
    };
    let mut report = ImportReport {
        file: ctx.file.clone(),
        exhibit: opts.exhibit.clone(),
        dry_run: opts.dry_run,
        objects: Vec::new(),
        errors: Vec::new(),
        warnings,
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (row, cells) in &table.rows {
        match plan_row(&ctx, *row, cells, &mut seen) {
            Ok(p) => report.objects.push(p),
            Err(e) => report.errors.extend(e),
        }
    }
    if !opts.dry_run {
        apply(&ctx, &opts.exhibit, &opts.who, &report)?;
    }
    Ok(report)
}

fn ids_elsewhere(root: &Path, slug: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(root.join("exhibits"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name != slug {
            for (id, _) in object_dirs(&e.path()) {
                out.insert(id, name.clone());
            }
        }
    }
    out
}

fn issue(ctx: &Ctx, row: usize, slot: Option<Slot>, message: String, fix: &str) -> RowIssue {
    RowIssue {
        file: ctx.file.clone(),
        row,
        column: slot.map(|s| ctx.cols.name(s)),
        message,
        fix: fix.to_string(),
    }
}

fn slot(key: &str, lang: Option<Lang>) -> Slot {
    // Every key used here is in FIELDS; the fallback is never taken.
    Slot::of(key, lang).unwrap_or(Slot { field: 0, lang: None })
}

fn plan_row(
    ctx: &Ctx,
    row: usize,
    cells: &[String],
    seen: &mut BTreeMap<String, usize>,
) -> Result<ObjectPlan, Vec<RowIssue>> {
    let mut sheet = Record::new();
    let mut errors = Vec::new();
    for (c, s) in ctx.cols.slots.iter().enumerate() {
        let Some(s) = s else { continue };
        match cell_value(*s, cells.get(c).map_or("", String::as_str)) {
            Ok(v) => {
                sheet.insert(*s, v);
            }
            Err(e) => errors.push(issue(ctx, row, Some(*s), e.message, &e.fix)),
        }
    }
    let id_slot = slot("id", None);
    let id = sheet.get(&id_slot).cloned().unwrap_or_default();
    if id.is_empty() && errors.is_empty() {
        errors.push(issue(
            ctx,
            row,
            Some(id_slot),
            "the row has no ID".into(),
            "write the object's accession number, e.g. HL-001",
        ));
    }
    if !id.is_empty() {
        if let Some(first) = seen.get(&id) {
            errors.push(issue(
                ctx,
                row,
                Some(id_slot),
                format!("{id} is already on row {first}"),
                "each object has one row; merge the two rows or correct the ID",
            ));
        } else {
            seen.insert(id.clone(), row);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let dir = ctx.exdir.join("objects").join(&id);
    if dir.join("object.toml").is_file() {
        plan_update(ctx, row, &id, &dir, &sheet)
    } else {
        plan_create(ctx, row, &id, &dir, &sheet)
    }
}

fn empty_plan(id: &str, row: usize, action: Action) -> ObjectPlan {
    ObjectPlan {
        id: id.to_string(),
        row,
        action,
        changes: Vec::new(),
        conflicts: Vec::new(),
        new_images: Vec::new(),
        section: None,
        notes: Vec::new(),
    }
}

/// Fields written straight into object.toml or vi.md/en.md (images and section are handled apart).
fn is_plain_field(s: Slot) -> bool {
    !matches!(s.field().kind, Kind::Id | Kind::Images | Kind::Section)
}

fn plan_create(
    ctx: &Ctx,
    row: usize,
    id: &str,
    dir: &Path,
    sheet: &Record,
) -> Result<ObjectPlan, Vec<RowIssue>> {
    let mut errors = Vec::new();
    if let Some(ex) = ctx.elsewhere.get(id) {
        errors.push(issue(
            ctx,
            row,
            Some(slot("id", None)),
            format!("{id} is already an object of the exhibition \"{ex}\""),
            "an ID is unique in the museum; import it with --exhibit of that exhibition, or correct the ID",
        ));
    }
    let get = |k: &str, l: Option<Lang>| sheet.get(&slot(k, l)).cloned().unwrap_or_default();
    if get("title", Some(Lang::Vi)).is_empty() && get("title", Some(Lang::En)).is_empty() {
        errors.push(issue(
            ctx,
            row,
            Some(slot("title", Some(Lang::Vi))),
            format!("the new object {id} has no title"),
            "write its name in \"Tên hiện vật\"",
        ));
    }
    let mut values = sheet.clone();
    if let Err(e) = fill_years(ctx, row, &mut values) {
        errors.push(e);
    }
    let mut plan = empty_plan(id, row, Action::Create);
    plan.changes = values
        .iter()
        .filter(|(s, v)| is_plain_field(**s) && !v.is_empty())
        .map(|(s, v)| FieldChange {
            slot: *s,
            old: String::new(),
            new: v.clone(),
        })
        .collect();
    match locate_images(ctx, row, dir, &[], sheet) {
        Ok(im) => plan.new_images = im,
        Err(e) => errors.extend(e),
    }
    let section = get("section", None);
    // exhibit.toml may list the object already, before its folder existed.
    if !section.is_empty() && ctx.sections.of_object(id).is_none() {
        match find_section(&ctx.exhibit, &section) {
            Some(i) => plan.section = Some(i),
            None => errors.push(issue(
                ctx,
                row,
                Some(slot("section", None)),
                format!("exhibit.toml has no section titled \"{section}\""),
                &format!("write one of: {}", section_titles(&ctx.exhibit).join("; ")),
            )),
        }
    }
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

/// Years for a new object: the cells, else read from the date text, else an error.
fn fill_years(ctx: &Ctx, row: usize, values: &mut Record) -> Result<(), RowIssue> {
    let (from_s, to_s) = (slot("date.from", None), slot("date.to", None));
    let num = |s: Slot, v: &Record| v.get(&s).and_then(|x| x.parse::<i64>().ok());
    let (mut from, mut to) = (num(from_s, values), num(to_s, values));
    if from.is_none() && to.is_none() {
        let guess = Lang::ALL
            .iter()
            .filter_map(|l| values.get(&slot("date.display", Some(*l))))
            .find_map(|d| super::years::years_of(d));
        match guess {
            Some((a, b)) => (from, to) = (Some(a), Some(b)),
            None => {
                return Err(issue(
                    ctx,
                    row,
                    Some(from_s),
                    "the years of the new object are not known".into(),
                    "write them in \"Từ năm\" and \"Đến năm\" (the same year in both for one year), \
                     or a date such as \"Năm 973\" or \"Thế kỷ 10\" in \"Niên đại\"",
                ));
            }
        }
    }
    let (from, to) = (from.or(to).unwrap_or(0), to.or(from).unwrap_or(0));
    check_range(ctx, row, from, to)?;
    values.insert(from_s, from.to_string());
    values.insert(to_s, to.to_string());
    let (dvi, den) = (
        slot("date.display", Some(Lang::Vi)),
        slot("date.display", Some(Lang::En)),
    );
    if values.get(&dvi).is_none_or(String::is_empty) && values.get(&den).is_none_or(String::is_empty) {
        let text = if from == to {
            from.to_string()
        } else {
            format!("{from}–{to}")
        };
        values.insert(dvi, text);
    }
    Ok(())
}

fn check_range(ctx: &Ctx, row: usize, from: i64, to: i64) -> Result<(), RowIssue> {
    if from > to {
        return Err(issue(
            ctx,
            row,
            Some(slot("date.to", None)),
            format!("the years end ({to}) before they start ({from})"),
            "\"Từ năm\" is the earliest year and \"Đến năm\" the latest; swap them",
        ));
    }
    Ok(())
}

fn find_section(exhibit: &TomlDoc, title: &str) -> Option<usize> {
    let want = normalize_header(title);
    (0..exhibit.blocks("section")).find(|i| {
        exhibit.block("section", *i).is_some_and(|s| {
            Lang::ALL.iter().any(|l| {
                s.lang_text("title", *l)
                    .is_some_and(|t| normalize_header(&t) == want)
            })
        })
    })
}

fn section_titles(exhibit: &TomlDoc) -> Vec<String> {
    (0..exhibit.blocks("section"))
        .filter_map(|i| exhibit.block("section", i))
        .map(|s| section_title(&s))
        .collect()
}

/// Photos named in the sheet that the object does not have yet, and where to copy each from.
fn locate_images(
    ctx: &Ctx,
    row: usize,
    dir: &Path,
    have: &[String],
    sheet: &Record,
) -> Result<Vec<(String, Option<PathBuf>)>, Vec<RowIssue>> {
    let s = slot("images", None);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for name in split_list(sheet.get(&s).map_or("", String::as_str)) {
        if have.contains(&name) || out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        if find_nfc(dir, &name).is_some() {
            out.push((name, None));
        } else if let Some(src) = find_nfc(&ctx.images, &name) {
            out.push((name, Some(src)));
        } else {
            errors.push(issue(
                ctx,
                row,
                Some(s),
                format!(
                    "the photo \"{name}\" is neither in the object's folder nor in {}",
                    ctx.images.display()
                ),
                "put the photo beside the sheet (or in the folder given with --images), or correct its name",
            ));
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// `name` in `dir`, also when the disk spells it decomposed (NFD).
fn find_nfc(dir: &Path, name: &str) -> Option<PathBuf> {
    let p = dir.join(name);
    if p.is_file() {
        return Some(p);
    }
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_str().is_some_and(|n| nfc(n) == name) && e.path().is_file())
        .map(|e| e.path())
}

fn plan_update(
    ctx: &Ctx,
    row: usize,
    id: &str,
    dir: &Path,
    sheet: &Record,
) -> Result<ObjectPlan, Vec<RowIssue>> {
    let path = dir.join("object.toml");
    let doc = read_doc(&path).map(|(_, d)| d).map_err(|e| {
        vec![issue(
            ctx,
            row,
            None,
            format!("{id}'s object.toml cannot be read ({e})"),
            "correct it by hand (`vitrine check` shows where), then import again",
        )]
    })?;
    let file = file_record(&doc, dir, &ctx.sections);
    let base = ctx.base.get(id);
    let mut plan = empty_plan(id, row, Action::Unchanged);
    for (s, new) in sheet.iter().filter(|(s, _)| is_plain_field(**s)) {
        let old = file.get(s).cloned().unwrap_or_default();
        let required = matches!(s.field().key, "date.from" | "date.to");
        if *new == old || (required && new.is_empty()) {
            continue;
        }
        let change = FieldChange {
            slot: *s,
            old: old.clone(),
            new: new.clone(),
        };
        // Without a base record an empty field has nothing of a curator's to lose.
        let edited = match base {
            Some(b) => b.get(&s.key()).map_or("", String::as_str) != old,
            None => !old.is_empty(),
        };
        if edited {
            plan.conflicts.push(change.clone());
        }
        if !edited || ctx.force {
            plan.changes.push(change);
        }
    }
    let mut errors = Vec::new();
    let year = |k: &str| {
        let s = slot(k, None);
        sheet
            .get(&s)
            .filter(|v| !v.is_empty())
            .or(file.get(&s))
            .and_then(|v| v.parse::<i64>().ok())
    };
    if let (Some(from), Some(to)) = (year("date.from"), year("date.to"))
        && let Err(e) = check_range(ctx, row, from, to)
    {
        errors.push(e);
    }
    // The text that would be left in some language: a cell given wins over the file.
    let left = |key: &str| {
        Lang::ALL.iter().any(|l| {
            let s = slot(key, Some(*l));
            sheet.get(&s).or(file.get(&s)).is_some_and(|v| !v.is_empty())
        })
    };
    for (key, what, fix) in [
        ("title", "title", "write its name in \"Tên hiện vật\""),
        (
            "date.display",
            "date text",
            "write it in \"Niên đại\", e.g. \"Thế kỷ 10\"",
        ),
    ] {
        if !left(key) {
            errors.push(issue(
                ctx,
                row,
                Some(slot(key, Some(Lang::Vi))),
                format!("the object would have no {what}"),
                fix,
            ));
        }
    }
    let have = split_list(file.get(&slot("images", None)).map_or("", String::as_str));
    match locate_images(ctx, row, dir, &have, sheet) {
        Ok(im) => plan.new_images = im,
        Err(e) => errors.extend(e),
    }
    plan_section(ctx, row, id, sheet, &mut plan, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    plan.action = if !plan.conflicts.is_empty() && !ctx.force {
        Action::Conflict
    } else if plan.changes.is_empty() && plan.new_images.is_empty() && plan.section.is_none() {
        Action::Unchanged
    } else {
        Action::Update
    };
    Ok(plan)
}

/// An existing object is listed in the sheet's section when no section lists it yet; moving it
/// between sections is left to exhibit.toml (the walking order is the curator's).
fn plan_section(
    ctx: &Ctx,
    row: usize,
    id: &str,
    sheet: &Record,
    plan: &mut ObjectPlan,
    errors: &mut Vec<RowIssue>,
) {
    let want = sheet.get(&slot("section", None)).cloned().unwrap_or_default();
    if want.is_empty() {
        return;
    }
    match (ctx.sections.of_object(id), find_section(&ctx.exhibit, &want)) {
        (None, Some(i)) => plan.section = Some(i),
        (Some(cur), Some(_)) if normalize_header(&cur) != normalize_header(&want) => plan.notes.push(
            format!("{id} stays in the section \"{cur}\": move it between sections in exhibit.toml"),
        ),
        (_, None) => errors.push(issue(
            ctx,
            row,
            Some(slot("section", None)),
            format!("exhibit.toml has no section titled \"{want}\""),
            &format!("write one of: {}", section_titles(&ctx.exhibit).join("; ")),
        )),
        _ => {}
    }
}

fn apply(ctx: &Ctx, slug: &str, who: &str, report: &ImportReport) -> Result<(), SheetError> {
    let change = Change::new(ctx.root, who);
    let mut sections: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    // The objects' files first, all made durable with one flush; the exhibition's list that
    // names the new objects after, so it never names an object that is not there.
    let mut batch = change.batch();
    for plan in report.touched() {
        apply_object(ctx, &mut batch, plan)?;
        if let Some(i) = plan.section {
            sections.entry(i).or_default().push(plan.id.clone());
        }
    }
    batch
        .commit()
        .map_err(|e| SheetError::write(&ctx.exdir.join("objects"), e))?;
    if !sections.is_empty() {
        let path = ctx.exdir.join("exhibit.toml");
        let (old, mut doc) = read_doc(&path)?;
        for (i, ids) in sections {
            doc.with_block("section", i, |s| {
                let mut list = s.list("objects");
                list.extend(
                    ids.into_iter()
                        .filter(|id| !list.contains(id))
                        .collect::<Vec<_>>(),
                );
                s.set_list("objects", &list);
            });
        }
        if old != doc.text() {
            change
                .write(&path, doc.text().as_bytes())
                .map_err(|e| SheetError::write(&path, e))?;
        }
    }
    let (_, exhibit) = read_doc(&ctx.exdir.join("exhibit.toml"))?;
    let sections = Sections::of(&exhibit);
    let mut base = ctx.base.clone();
    let done: BTreeSet<&str> = report
        .objects
        .iter()
        .filter(|o| o.action != Action::Conflict)
        .map(|o| o.id.as_str())
        .collect();
    for id in done {
        let dir = ctx.exdir.join("objects").join(id);
        if let Ok((_, doc)) = read_doc(&dir.join("object.toml")) {
            base.insert(id.to_string(), base_entry(&file_record(&doc, &dir, &sections)));
        }
    }
    write_base(ctx.root, slug, &base)
}

fn write_if_changed(batch: &mut Batch, path: &Path, old: &str, new: &str) -> Result<(), SheetError> {
    if old == new {
        return Ok(());
    }
    batch
        .write(path, new.as_bytes())
        .map_err(|e| SheetError::write(path, e))
}

fn apply_object(ctx: &Ctx, batch: &mut Batch, plan: &ObjectPlan) -> Result<(), SheetError> {
    let dir = ctx.exdir.join("objects").join(&plan.id);
    let path = dir.join("object.toml");
    let (old, mut doc) = if plan.action == Action::Create {
        (
            String::new(),
            TomlDoc::parse("").map_err(|e| SheetError::write(&path, e))?,
        )
    } else {
        read_doc(&path)?
    };
    if plan.action == Action::Create {
        doc.set_str("id", &plan.id);
    }
    // In FIELDS order, so a new object.toml reads like the skeleton of `vitrine new object`.
    let mut changes: Vec<&FieldChange> = plan.changes.iter().collect();
    changes.sort_by_key(|c| c.slot);
    for c in &changes {
        if c.slot.field().kind == Kind::Markdown {
            write_markdown(batch, &dir, c)?;
        } else {
            set_field(&mut doc, c.slot, &c.new);
        }
    }
    for (name, src) in &plan.new_images {
        if let Some(src) = src {
            let bytes = std::fs::read(src).map_err(|e| SheetError::unreadable(src, e))?;
            let to = dir.join(name);
            batch.write(&to, &bytes).map_err(|e| SheetError::write(&to, e))?;
        }
        doc.push_block("image", |b| b.set_str("file", name));
    }
    write_if_changed(batch, &path, &old, &doc.text())
}

fn write_markdown(batch: &mut Batch, dir: &Path, c: &FieldChange) -> Result<(), SheetError> {
    let lang = c.slot.lang.unwrap_or(Lang::Vi);
    let path = dir.join(format!("{}.md", lang.code()));
    if c.new.is_empty() {
        if path.is_file() {
            batch.remove(&path).map_err(|e| SheetError::write(&path, e))?;
        }
        return Ok(());
    }
    batch
        .write(&path, format!("{}\n", c.new).as_bytes())
        .map_err(|e| SheetError::write(&path, e))
}
