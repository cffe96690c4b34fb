// Diagnostics: what is wrong with the content, where (file, line, column, field) and how to fix
// it. Collected over a whole run and printed together; no knowledge of pages or HTTP.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a content file. Line and column are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub fn file(file: impl Into<PathBuf>) -> Pos {
        Pos {
            file: file.into(),
            line: 0,
            col: 0,
        }
    }

    /// The line and column of byte `offset` in `source`.
    pub fn at(file: impl Into<PathBuf>, source: &str, offset: usize) -> Pos {
        let offset = offset.min(source.len());
        let before = &source[..floor_char_boundary(source, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Pos {
            file: file.into(),
            line,
            col,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `s` with control characters written as escapes (`\u{1b}`): text quoted from content files
/// and file names can then neither drive the terminal (colours, cursor, clearing the screen) nor
/// break the one-line layout of a diagnostic.
fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", printable(&self.file.to_string_lossy()))?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable short name of the problem, e.g. `unknown-object`, for tests and filtering.
    pub code: &'static str,
    pub pos: Pos,
    /// The field concerned, as a dotted path (`image[2].alt.en`), or empty.
    pub field: String,
    pub message: String,
    /// How to fix it, in words a curator can act on.
    pub hint: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {sev}[{}]: ", self.pos, self.code)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", printable(&self.field))?;
        }
        write!(f, "{}", printable(&self.message))?;
        if !self.hint.is_empty() {
            write!(f, "\n    fix: {}", printable(&self.hint))?;
        }
        Ok(())
    }
}

/// All diagnostics of a run, in the order they were found; sorted for printing.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        pos: Pos,
        field: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.list.push(Diagnostic {
            severity,
            code,
            pos,
            field: field.into(),
            message: message.into(),
            hint: hint.into(),
        });
    }

    pub fn error(&mut self, code: &'static str, pos: Pos, field: &str, msg: impl Into<String>, hint: &str) {
        self.push(Severity::Error, code, pos, field, msg, hint);
    }

    pub fn warn(&mut self, code: &'static str, pos: Pos, field: &str, msg: impl Into<String>, hint: &str) {
        self.push(Severity::Warning, code, pos, field, msg, hint);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.list.extend(other.list);
    }

    pub fn errors(&self) -> usize {
        self.list.iter().filter(|d| d.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.list
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// Sorted by file, line, then severity: the order a curator fixes things in.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.list.iter().collect();
        v.sort_by(|a, b| (&a.pos, b.severity, a.code).cmp(&(&b.pos, a.severity, b.code)));
        v
    }

    /// The text every command prints: errors always in full; warnings of a code found more than
    /// [`GROUP_OVER`] times summed up in one entry with a count and a few examples (a catalogue
    /// in one language has a missing translation in every field: nobody reads 44,000 lines).
    /// `vitrine build`, `check`, `import`, `serve` and the `--watch` banner all show this.
    pub fn report(&self) -> String {
        self.report_with(false)
    }

    /// Every diagnostic in full, in the order of `sorted` (`--verbose`).
    pub fn report_all(&self) -> String {
        self.report_with(true)
    }

    fn report_with(&self, all: bool) -> String {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &self.list {
            if d.severity == Severity::Warning {
                *count.entry(d.code).or_default() += 1;
            }
        }
        let grouped = |d: &Diagnostic| {
            !all && d.severity == Severity::Warning && count.get(d.code).is_some_and(|n| *n > GROUP_OVER)
        };
        let mut out = String::new();
        let mut groups: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
        for d in self.sorted() {
            if grouped(d) {
                groups.entry(d.code).or_default().push(d);
            } else {
                out.push_str(&d.to_string());
                out.push('\n');
            }
        }
        for (code, list) in groups {
            let places: BTreeSet<PathBuf> = list.iter().map(|d| place(&d.pos.file)).collect();
            let objects = places.iter().all(|p| is_object_folder(p));
            let whose = if objects { "objects" } else { "files" };
            // One finding an object ("no photograph"): count the objects; several (one a field):
            // count both.
            let count = if list.len() == places.len() {
                format!("{} {whose}", thousands(places.len()))
            } else {
                let what = if list.iter().all(|d| !d.field.is_empty()) {
                    "fields"
                } else {
                    "findings"
                };
                format!(
                    "{} {what} in {} {whose}",
                    thousands(list.len()),
                    thousands(places.len())
                )
            };
            out.push_str(&format!("warning[{code}]: {count}; e.g.\n"));
            for d in list.iter().take(EXAMPLES) {
                for line in d.to_string().lines() {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push_str("    (`vitrine check --verbose` lists all)\n");
        }
        out
    }

    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.list.iter().filter(move |d| d.code == code)
    }
}

/// Warnings of one code beyond this many are summed up by [`Diagnostics::report`].
pub const GROUP_OVER: usize = 10;
/// Examples shown with a summed-up code.
const EXAMPLES: usize = 3;

/// What a finding is about: an object's folder (`exhibits/<e>/objects/<ID>`) for its files,
/// else the file.
fn place(file: &Path) -> PathBuf {
    let parts: Vec<_> = file.components().collect();
    match parts.iter().position(|c| c.as_os_str() == "objects") {
        Some(i) if i + 1 < parts.len() - 1 => parts[..i + 2].iter().collect(),
        _ => file.to_path_buf(),
    }
}

fn is_object_folder(p: &Path) -> bool {
    p.parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "objects")
}

/// 44140 → "44,140".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A path shown to the curator: relative to the project root when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warn(d: &mut Diagnostics, code: &'static str, file: &str, field: &str) {
        d.warn(code, Pos::file(file), field, "msg", "fix it");
    }

    #[test]
    fn many_warnings_of_a_code_are_summed_up_and_errors_never() {
        let mut d = Diagnostics::default();
        for i in 0..25 {
            let f = format!("exhibits/a/objects/X-{}/object.toml", i % 5);
            warn(&mut d, "missing-translation", &f, "title.vi");
            d.error(
                "invalid-date",
                Pos::file(&f),
                "date.from",
                format!("bad {i}"),
                "fix",
            );
        }
        warn(&mut d, "no-image", "exhibits/a/objects/X-1/object.toml", "image");
        let text = d.report();
        assert_eq!(text.matches("error[invalid-date]").count(), 25, "{text}");
        assert_eq!(text.matches("warning[no-image]").count(), 1);
        assert!(
            text.contains("warning[missing-translation]: 25 fields in 5 objects; e.g.\n"),
            "{text}"
        );
        assert_eq!(text.matches("title.vi: msg").count(), EXAMPLES, "{text}");
        assert!(text.contains("`vitrine check --verbose` lists all"));
        let all = d.report_all();
        assert_eq!(all.matches("warning[missing-translation]").count(), 25);
        assert!(!all.contains("--verbose"));
    }

    #[test]
    fn ten_warnings_are_listed_and_eleven_summed_up() {
        let mut d = Diagnostics::default();
        for i in 0..GROUP_OVER {
            warn(&mut d, "small-image", &format!("static/{i}.toml"), "");
        }
        assert_eq!(d.report().matches("warning[small-image]").count(), GROUP_OVER);
        warn(&mut d, "small-image", "static/x.toml", "");
        let text = d.report();
        assert!(text.contains("warning[small-image]: 11 files; e.g."), "{text}");
        for i in 0..3 {
            warn(&mut d, "small-image", "static/x.toml", &format!("image[{i}]"));
        }
        let text = d.report();
        assert!(
            text.contains("warning[small-image]: 14 findings in 11 files; e.g."),
            "{text}"
        );
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(44_140), "44,140");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
