// Diagnostics: what is wrong with the content, where (file, line, column, field) and how to fix
// it. Collected over a whole run and printed together; no knowledge of pages or HTTP.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a content file. Line and column are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
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

    /// The text every command prints: one diagnostic after another in the order of `sorted`,
    /// each ending with a newline (empty when there is none). `vitrine build`, `check`, `serve`
    /// and the `--watch` banner all show this, so a change of layout reaches each of them.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            out.push_str(&d.to_string());
            out.push('\n');
        }
        out
    }

    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.list.iter().filter(move |d| d.code == code)
    }
}

/// A path shown to the curator: relative to the project root when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
