// The outcome of an import, object by object (create, update, unchanged, conflict) and row by row
// (errors), and its text for the curator. Data and wording only: no files are read or written here.

use std::fmt;
use std::path::PathBuf;

use super::fields::Slot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// Edited by hand since the last import, and the sheet says otherwise: skipped.
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub slot: Slot,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone)]
pub struct ObjectPlan {
    pub id: String,
    pub row: usize,
    pub action: Action,
    /// Every field to write (with `--force`, the conflicting ones too).
    pub changes: Vec<FieldChange>,
    /// Fields edited by hand that the sheet would overwrite.
    pub conflicts: Vec<FieldChange>,
    /// Photos to add as `[[image]]` blocks, with the file to copy in when it is not there yet.
    pub new_images: Vec<(String, Option<PathBuf>)>,
    /// The section (its Vietnamese title, as in exhibit.toml) to list a new object in.
    pub section: Option<usize>,
    pub notes: Vec<String>,
}

/// A row left out, where and why, and how to fix it.
#[derive(Debug, Clone)]
pub struct RowIssue {
    pub file: String,
    pub row: usize,
    pub column: Option<String>,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} row {}", self.file, self.row)?;
        if let Some(c) = &self.column {
            write!(f, ", column \"{c}\"")?;
        }
        write!(f, ": {}; {}", self.message, self.fix)
    }
}

#[derive(Debug)]
pub struct ImportReport {
    pub file: String,
    pub exhibit: String,
    pub dry_run: bool,
    pub objects: Vec<ObjectPlan>,
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<String>,
    /// What `vitrine check` says (warnings only: a row with an error is left out) about the
    /// objects written, paths relative to the museum's folder.
    pub findings: crate::diag::Diagnostics,
    /// List every created and updated object; otherwise long lists are summed up.
    pub verbose: bool,
}

impl ImportReport {
    pub fn count(&self, a: Action) -> usize {
        self.objects.iter().filter(|o| o.action == a).count()
    }

    /// Nothing would be (or was) written.
    pub fn nothing_to_change(&self) -> bool {
        self.count(Action::Create) + self.count(Action::Update) == 0
    }

    /// Rows with errors or conflicts were left out.
    pub fn has_problems(&self) -> bool {
        !self.errors.is_empty() || self.count(Action::Conflict) > 0
    }

    /// Objects whose files were (or would be) written.
    pub fn touched(&self) -> impl Iterator<Item = &ObjectPlan> {
        self.objects
            .iter()
            .filter(|o| matches!(o.action, Action::Create | Action::Update))
    }
}

/// How many objects of a kind the report lists before summing up (without --verbose).
const BRIEF: usize = 20;

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\n', "\\n"))
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (create, update) = if self.dry_run {
            ("would create", "would update")
        } else {
            ("created", "updated")
        };
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        // Thousands of new objects are summed up in one line; updates show their first few.
        let creates = self.count(Action::Create);
        let brief_creates = !self.verbose && creates > BRIEF;
        let mut updates_shown = 0;
        for o in &self.objects {
            match o.action {
                Action::Create if brief_creates => {}
                Action::Update if !self.verbose && updates_shown >= BRIEF => {}
                Action::Create => {
                    let title = o.changes.iter().find(|c| c.slot.field().key == "title");
                    let title = title.map(|c| format!(" {}", quote(&c.new))).unwrap_or_default();
                    writeln!(f, "{create} {}{title} (row {})", o.id, o.row)?;
                }
                Action::Update => {
                    updates_shown += 1;
                    writeln!(f, "{update} {} (row {})", o.id, o.row)?;
                    for c in &o.changes {
                        writeln!(f, "  {}: {} → {}", c.slot.label(), quote(&c.old), quote(&c.new))?;
                    }
                    for (name, _) in &o.new_images {
                        writeln!(f, "  images: add {name}")?;
                    }
                }
                Action::Conflict => {
                    writeln!(
                        f,
                        "conflict {} (row {}): skipped, nothing of it written",
                        o.id, o.row
                    )?;
                    for c in &o.conflicts {
                        writeln!(
                            f,
                            "  {}: file {} ≠ sheet {}",
                            c.slot.label(),
                            quote(&c.old),
                            quote(&c.new)
                        )?;
                    }
                }
                Action::Unchanged => {}
            }
            for n in &o.notes {
                writeln!(f, "  note: {n}")?;
            }
        }
        if brief_creates {
            let ids: Vec<&str> = self
                .touched()
                .filter(|o| o.action == Action::Create)
                .map(|o| o.id.as_str())
                .collect();
            writeln!(
                f,
                "{create} {creates} objects: {}, … {} (--verbose lists each)",
                ids[..3].join(", "),
                ids[ids.len() - 1]
            )?;
        }
        let updates = self.count(Action::Update);
        if updates_shown < updates {
            writeln!(
                f,
                "… and {} more {update} objects (--verbose lists each change)",
                updates - updates_shown
            )?;
        }
        let unchanged: Vec<&str> = self
            .objects
            .iter()
            .filter(|o| o.action == Action::Unchanged)
            .map(|o| o.id.as_str())
            .collect();
        if !unchanged.is_empty() && (self.verbose || unchanged.len() <= BRIEF) {
            writeln!(f, "unchanged: {}", unchanged.join(", "))?;
        }
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        let conflicts = self.count(Action::Conflict);
        if conflicts > 0 {
            writeln!(
                f,
                "{conflicts} object(s) were edited in their files since the last import or export: \
                 edit the sheet to match, or run again with --force to take the sheet's values"
            )?;
        }
        write!(
            f,
            "{}: {} {create}, {} {update}, {} unchanged, {conflicts} conflict(s), {} row error(s)",
            self.file,
            self.count(Action::Create),
            self.count(Action::Update),
            self.count(Action::Unchanged),
            self.errors.len()
        )?;
        if self.nothing_to_change() {
            write!(f, "; nothing to change")?;
        } else if self.dry_run {
            write!(f, "; dry run: nothing written")?;
        }
        if self.has_problems() && !self.dry_run {
            write!(
                f,
                "\nthe rows above with errors or conflicts were not imported; the other rows were"
            )?;
        }
        Ok(())
    }
}
