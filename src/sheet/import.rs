// `vitrine import`: plan what a sheet changes in an exhibition's object folders (create, update,
// unchanged, conflict with hand edits, row errors), then write the good objects. Never deletes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::fields::{Kind, Meaning, Slot, detect_lang, header_meaning, id_from_accession, normalize_header};
use super::record::{Record, Sections, cell_value, file_record, section_title, set_field, split_list};
use super::report::{Action, FieldChange, ImportReport, ObjectPlan, RowIssue};
use super::{Base, SheetError, base_entry, exhibit_dir, object_dirs, read_base, read_doc, table, write_base};
use crate::content::Lang;
use crate::content::edit::{Change, TomlDoc};
use crate::content::editor::{After, check_after};
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
    /// List every object in the report, not a summary of long lists.
    pub verbose: bool,
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

fn map_columns(path: &Path, table: &table::Table, warnings: &mut Vec<String>) -> Result<Columns, SheetError> {
    let mut meanings: Vec<Option<Meaning>> = table.headers.iter().map(|h| header_meaning(h)).collect();
    // A column whose language the header does not say (Dublin Core, CollectionBuilder, "Title"
    // alone) is in the language its text is in, when it is the field's only column.
    for c in 0..meanings.len() {
        let Some(m) = meanings[c] else { continue };
        let alone = meanings
            .iter()
            .filter(|o| o.is_some_and(|o| o.slot.field == m.slot.field))
            .count()
            == 1;
        if m.lang_named || !alone {
            continue;
        }
        let cells = table
            .rows
            .iter()
            .filter_map(|(_, r)| r.get(c))
            .map(String::as_str);
        if let Some(lang) = detect_lang(cells)
            && Some(lang) != m.slot.lang
        {
            let slot = Slot {
                lang: Some(lang),
                ..m.slot
            };
            warnings.push(format!(
                "column \"{}\" holds {} text: it was read as {}",
                table.headers[c],
                if lang == Lang::Vi { "Vietnamese" } else { "English" },
                slot.label()
            ));
            meanings[c] = Some(Meaning {
                slot,
                lang_named: true,
            });
        }
    }
    let mut cols = Columns {
        slots: Vec::new(),
        names: BTreeMap::new(),
    };
    for (h, m) in table.headers.iter().zip(meanings) {
        let slot = m.map(|m| m.slot);
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
    if !cols
        .names
        .keys()
        .any(|s| matches!(s.field().key, "id" | "accession"))
    {
        return Err(SheetError::unreadable(
            path,
            "no ID column: name one column \"Số hiệu hiện vật\" (or \"ID\"), or \"Số đăng ký\" (\"Accession number\") for the museum's own numbers, and write each object's number in it",
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
    /// The museum's accession number of each object of the exhibition that has one, and the
    /// object of each accession number (compared as `normalize_header` writes them).
    accession_of: BTreeMap<String, String>,
    by_accession: BTreeMap<String, String>,
}

pub fn import(root: &Path, opts: &ImportOptions) -> Result<ImportReport, SheetError> {
    let exdir = exhibit_dir(root, &opts.exhibit)?;
    let table = table::read_table(&opts.sheet)?;
    let mut warnings = Vec::new();
    let cols = map_columns(&opts.sheet, &table, &mut warnings)?;
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
    let (accession_of, by_accession) = accessions(&exdir);
    let ctx = Ctx {
        root,
        accession_of,
        by_accession,
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
        findings: Default::default(),
        verbose: opts.verbose,
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (row, cells) in &table.rows {
        match plan_row(&ctx, *row, cells, &mut seen) {
            Ok(p) => report.objects.push(p),
            Err(e) => report.errors.extend(e),
        }
    }
    check_rows(&ctx, &mut report)?;
    report.errors.sort_by_key(|e| e.row);
    if !opts.dry_run {
        apply(&ctx, &opts.exhibit, &opts.who, &report)?;
    }
    Ok(report)
}

/// Run every check of `vitrine check` on the museum as the import would leave it (on a mirror:
/// nothing is written), and turn each error in an imported object into an error of its row,
/// which is then left out. Leaving a row out can break another (a row naming it as related), so
/// this repeats until no error is left; the warnings of the objects that stay are kept in the
/// report. The museum builds after the import whenever it built before.
fn check_rows(ctx: &Ctx, report: &mut ImportReport) -> Result<(), SheetError> {
    loop {
        let ops = planned_ops(ctx, report)?;
        if ops.is_empty() {
            return Ok(());
        }
        let after: Vec<(PathBuf, After)> = ops.iter().map(Op::after).collect();
        let diags = check_after(ctx.root, &after).map_err(|e| SheetError::write(&ctx.exdir, e))?;
        let objects = Path::new("exhibits").join(&report.exhibit).join("objects");
        let row_of: BTreeMap<&str, usize> = report.touched().map(|o| (o.id.as_str(), o.row)).collect();
        let mut bad: BTreeMap<String, Vec<RowIssue>> = BTreeMap::new();
        let mut findings = crate::diag::Diagnostics::default();
        for d in diags.list {
            let Ok(rest) = d.pos.file.strip_prefix(&objects) else {
                continue;
            };
            let Some(id) = rest.components().next().and_then(|c| c.as_os_str().to_str()) else {
                continue;
            };
            let Some(row) = row_of.get(id) else { continue };
            if d.severity == crate::diag::Severity::Error {
                let file = rest.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let column = slot_of_finding(file, &d.field).map(|s| ctx.cols.name(s));
                bad.entry(id.to_string()).or_default().push(RowIssue {
                    file: ctx.file.clone(),
                    row: *row,
                    column,
                    message: format!("{} ({})", d.message, d.code),
                    fix: d.hint.clone(),
                });
            } else {
                findings.list.push(d);
            }
        }
        if bad.is_empty() {
            report.findings = findings;
            return Ok(());
        }
        report.objects.retain(|o| !bad.contains_key(&o.id));
        report.errors.extend(bad.into_values().flatten());
    }
}

/// The sheet's column of a finding in an object's `file` about `field` (`date.from`,
/// `title.vi`, `image[2].file`; the description for vi.md and en.md).
fn slot_of_finding(file: &str, field: &str) -> Option<Slot> {
    match file {
        "vi.md" => return Slot::of("description", Some(Lang::Vi)),
        "en.md" => return Slot::of("description", Some(Lang::En)),
        _ => {}
    }
    if field.starts_with("image[") {
        return Slot::of("images", None);
    }
    let (key, lang) = match field.rsplit_once('.') {
        Some((k, l)) if Lang::parse(l).is_some() => (k, Lang::parse(l)),
        _ => (field, None),
    };
    let s = Slot::of(key, lang)?;
    Some(if s.field().localized() && s.lang.is_none() {
        Slot {
            lang: Some(Lang::Vi),
            ..s
        }
    } else {
        s
    })
}

/// The accession number of each object of the exhibition that has one, and the other way round.
fn accessions(exdir: &Path) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let (mut of, mut by) = (BTreeMap::new(), BTreeMap::new());
    for (id, dir) in object_dirs(exdir) {
        if let Ok((_, doc)) = read_doc(&dir.join("object.toml"))
            && let Some(acc) = doc.str("accession").filter(|a| !a.trim().is_empty())
        {
            by.insert(normalize_header(&acc), id.clone());
            of.insert(id, acc);
        }
    }
    (of, by)
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
    let acc_slot = slot("accession", None);
    let acc = sheet.get(&acc_slot).cloned().unwrap_or_default();
    let mut id = sheet.get(&id_slot).cloned().unwrap_or_default();
    let mut made_from = None;
    if id.is_empty() && !acc.is_empty() {
        // The object that has this accession number already, else an ID made from it.
        match ctx
            .by_accession
            .get(&normalize_header(&acc))
            .cloned()
            .or_else(|| id_from_accession(&acc))
        {
            Some(derived) => {
                made_from = Some(acc.clone());
                id = derived;
                sheet.insert(id_slot, id.clone());
            }
            None => errors.push(issue(
                ctx,
                row,
                Some(acc_slot),
                format!("no object ID can be made from the accession number \"{acc}\""),
                "write an ID for this object in the column \"Số hiệu hiện vật\" (\"ID\"), e.g. HL-001",
            )),
        }
    }
    if id.is_empty() && errors.is_empty() {
        let column = if ctx.cols.names.contains_key(&id_slot) {
            id_slot
        } else {
            acc_slot
        };
        errors.push(issue(
            ctx,
            row,
            Some(column),
            "the row has no ID".into(),
            "write the object's number, e.g. HL-001",
        ));
    }
    if let Some(acc) = &made_from
        && let Some(other) = ctx.accession_of.get(&id)
        && normalize_header(other) != normalize_header(acc)
    {
        errors.push(issue(
            ctx,
            row,
            Some(acc_slot),
            format!(
                "the accession number \"{acc}\" gives the ID {id}, which is the object with the accession number \"{other}\""
            ),
            "write an ID for this object in the column \"Số hiệu hiện vật\" (\"ID\")",
        ));
    }
    if !id.is_empty() {
        if let Some(first) = seen.get(&id) {
            let how = made_from
                .as_ref()
                .map(|a| format!(" (made from the accession number \"{a}\")"))
                .unwrap_or_default();
            errors.push(issue(
                ctx,
                row,
                Some(if made_from.is_some() { acc_slot } else { id_slot }),
                format!("{id}{how} is already on row {first}"),
                "each object has one row; merge the two rows, or write an ID for one of them in the column \"Số hiệu hiện vật\" (\"ID\")",
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

/// Years for a new object: the cells, else read from the date text; an object whose years
/// nobody knows is imported undated (its date text, if any, is kept as written).
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
            None => return Ok(()),
        }
    }
    let (Some(from), Some(to)) = (from.or(to), to.or(from)) else {
        return Ok(());
    };
    check_range(ctx, row, from, to)?;
    values.insert(from_s, from.to_string());
    values.insert(to_s, to.to_string());
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
    if !left("title") {
        errors.push(issue(
            ctx,
            row,
            Some(slot("title", Some(Lang::Vi))),
            "the object would have no title".into(),
            "write its name in \"Tên hiện vật\"",
        ));
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

/// A file an import writes, copies in or removes.
enum Op {
    Write(PathBuf, Vec<u8>),
    /// (to, from): a photo named in the sheet.
    Copy(PathBuf, PathBuf),
    Remove(PathBuf),
}

impl Op {
    fn after(&self) -> (PathBuf, After<'_>) {
        match self {
            Op::Write(p, b) => (p.clone(), After::Bytes(b)),
            Op::Copy(p, from) => (p.clone(), After::Copy(from)),
            Op::Remove(p) => (p.clone(), After::Removed),
        }
    }
}

/// Every file the report's objects change, then exhibit.toml when new objects join sections
/// (last: it never names an object that is not there yet).
fn planned_ops(ctx: &Ctx, report: &ImportReport) -> Result<Vec<Op>, SheetError> {
    let mut ops = Vec::new();
    let mut sections: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for plan in report.touched() {
        object_ops(ctx, plan, &mut ops)?;
        if let Some(i) = plan.section {
            sections.entry(i).or_default().push(plan.id.clone());
        }
    }
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
            ops.push(Op::Write(path, doc.text().into_bytes()));
        }
    }
    Ok(ops)
}

fn apply(ctx: &Ctx, slug: &str, who: &str, report: &ImportReport) -> Result<(), SheetError> {
    let change = Change::new(ctx.root, who);
    let mut ops = planned_ops(ctx, report)?;
    let exhibit_toml = ctx.exdir.join("exhibit.toml");
    let last = match ops.last() {
        Some(Op::Write(p, _)) if *p == exhibit_toml => ops.pop(),
        _ => None,
    };
    // The objects' files first, all made durable with one flush; the exhibition's list that
    // names the new objects after.
    let mut batch = change.batch();
    for op in ops {
        match op {
            Op::Write(p, bytes) => batch.write(&p, &bytes).map_err(|e| SheetError::write(&p, e))?,
            Op::Copy(p, from) => {
                let bytes = std::fs::read(&from).map_err(|e| SheetError::unreadable(&from, e))?;
                batch.write(&p, &bytes).map_err(|e| SheetError::write(&p, e))?;
            }
            Op::Remove(p) => batch.remove(&p).map_err(|e| SheetError::write(&p, e))?,
        }
    }
    batch
        .commit()
        .map_err(|e| SheetError::write(&ctx.exdir.join("objects"), e))?;
    if let Some(Op::Write(path, bytes)) = last {
        change
            .write(&path, &bytes)
            .map_err(|e| SheetError::write(&path, e))?;
    }
    let (_, exhibit) = read_doc(&exhibit_toml)?;
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

fn object_ops(ctx: &Ctx, plan: &ObjectPlan, ops: &mut Vec<Op>) -> Result<(), SheetError> {
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
            markdown_op(&dir, c, ops);
        } else {
            set_field(&mut doc, c.slot, &c.new);
        }
    }
    for (name, src) in &plan.new_images {
        if let Some(src) = src {
            ops.push(Op::Copy(dir.join(name), src.clone()));
        }
        doc.push_block("image", |b| b.set_str("file", name));
    }
    if old != doc.text() {
        ops.push(Op::Write(path, doc.text().into_bytes()));
    }
    Ok(())
}

fn markdown_op(dir: &Path, c: &FieldChange, ops: &mut Vec<Op>) {
    let lang = c.slot.lang.unwrap_or(Lang::Vi);
    let path = dir.join(format!("{}.md", lang.code()));
    if c.new.is_empty() {
        if path.is_file() {
            ops.push(Op::Remove(path));
        }
    } else {
        ops.push(Op::Write(path, format!("{}\n", c.new).into_bytes()));
    }
}
