// Changing content files in place, for the spreadsheet import and the web editor: a TOML file is
// edited through `toml_edit`, so its comments, key order and keys Vitrine does not know stay as
// the curator wrote them; files are written beside and renamed, so a crash leaves the old file
// or the new one, never half of each; the file being replaced is kept in `.vitrine/history/`.

use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Value};

use super::Lang;
use crate::text::nfc;

/// A choice of a question, as a form edits it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    pub vi: String,
    pub en: String,
    pub correct: bool,
}

/// A content TOML file being edited. Keys are dotted paths into inline tables
/// (`date.display`); a localised text is a table `{ vi = "…", en = "…" }` at its key.
pub struct TomlDoc {
    doc: DocumentMut,
}

impl TomlDoc {
    pub fn parse(text: &str) -> Result<TomlDoc, String> {
        text.parse::<DocumentMut>()
            .map(|doc| TomlDoc { doc })
            .map_err(|e| e.to_string())
    }

    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    fn get(&self, key: &str) -> Option<&Item> {
        let mut parts = key.split('.');
        let mut at = self.doc.as_item().get(parts.next()?)?;
        for p in parts {
            at = at.get(p)?;
        }
        Some(at)
    }

    /// The inline table (or table) at `key`, created as an inline table when missing.
    fn table_at(&mut self, key: &str) -> Option<&mut dyn toml_edit::TableLike> {
        let mut at: &mut dyn toml_edit::TableLike = self.doc.as_table_mut();
        for p in key.split('.') {
            if at.get(p).is_none_or(|i| !i.is_table_like()) {
                at.insert(p, Item::Value(Value::InlineTable(InlineTable::new())));
            }
            at = at.get_mut(p)?.as_table_like_mut()?;
        }
        Some(at)
    }

    fn remove_if_empty(&mut self, key: &str) {
        let (parent, last) = match key.rsplit_once('.') {
            Some((p, l)) => (Some(p), l),
            None => (None, key),
        };
        let empty = self
            .get(key)
            .and_then(|i| i.as_table_like())
            .is_some_and(|t| t.is_empty());
        if !empty {
            return;
        }
        match parent {
            None => {
                self.doc.as_table_mut().remove(last);
            }
            Some(p) => {
                if let Some(t) = self.get_mut(p).and_then(|i| i.as_table_like_mut()) {
                    remove_keeping_spacing(t, last);
                }
                self.remove_if_empty(p);
            }
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Item> {
        let mut parts = key.split('.');
        let mut at = self.doc.as_item_mut().get_mut(parts.next()?)?;
        for p in parts {
            at = at.get_mut(p)?;
        }
        Some(at)
    }

    /// A plain string at `key` (`rights`, `status`).
    pub fn str(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|i| i.as_str()).map(str::to_string)
    }

    /// Set or (with an empty value) remove a plain string. The value is NFC-normalised and trimmed.
    pub fn set_str(&mut self, key: &str, value: &str) {
        let v = nfc(value.trim());
        if v.is_empty() {
            self.remove(key);
        } else if self.str(key).as_deref() != Some(v.as_str()) {
            self.set_value(key, Value::from(v));
        }
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|i| i.as_integer())
    }

    pub fn set_int(&mut self, key: &str, value: Option<i64>) {
        match value {
            None => self.remove(key),
            Some(v) if self.int(key) != Some(v) => self.set_value(key, Value::from(v)),
            Some(_) => {}
        }
    }

    /// A TOML date (`opens = 2025-01-10`) as `YYYY-MM-DD`.
    pub fn date(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|i| i.as_datetime()).map(|d| d.to_string())
    }

    /// Set a TOML date from `YYYY-MM-DD`, or remove it when empty.
    pub fn set_date(&mut self, key: &str, value: &str) -> Result<(), String> {
        let v = value.trim();
        if v.is_empty() {
            self.remove(key);
            return Ok(());
        }
        if self.date(key).as_deref() == Some(v) {
            return Ok(());
        }
        match v.parse::<toml_edit::Datetime>() {
            Ok(d) if v.len() == 10 && d.time.is_none() => {
                self.set_value(key, Value::from(d));
                Ok(())
            }
            _ => Err(format!("\"{v}\" is not a day")),
        }
    }

    /// A TOML date or local date-time as a form shows it: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`
    /// (seconds only when not zero).
    pub fn moment(&self, key: &str) -> Option<String> {
        let d = self.get(key).and_then(|i| i.as_datetime())?;
        let day = d.date.map(|x| x.to_string()).unwrap_or_default();
        Some(match d.time {
            None => day,
            Some(t) => match t.second.unwrap_or(0) {
                0 => format!("{day}T{:02}:{:02}", t.hour, t.minute),
                sec => format!("{day}T{:02}:{:02}:{sec:02}", t.hour, t.minute),
            },
        })
    }

    /// Set a TOML date (`YYYY-MM-DD`) or local date-time (`YYYY-MM-DDTHH:MM`, or with a space, or
    /// with seconds) from a form, or remove it when empty. Vietnam's time is meant: no offset.
    pub fn set_moment(&mut self, key: &str, value: &str) -> Result<(), String> {
        let v = value.trim().replacen(' ', "T", 1);
        if v.is_empty() {
            self.remove(key);
            return Ok(());
        }
        if self.moment(key).as_deref() == Some(v.as_str()) {
            return Ok(());
        }
        let full = if v.len() == 16 {
            format!("{v}:00")
        } else {
            v.clone()
        };
        match full.parse::<toml_edit::Datetime>() {
            Ok(d) if d.date.is_some() && d.offset.is_none() && (v.len() == 10) == d.time.is_none() => {
                self.set_value(key, Value::from(d));
                Ok(())
            }
            _ => Err(format!("\"{}\" is not a day and time", value.trim())),
        }
    }

    /// The text of `key` in `lang` (`title`, `date.display`).
    pub fn lang_text(&self, key: &str, lang: Lang) -> Option<String> {
        self.get(key)
            .and_then(|i| i.get(lang.code()))
            .and_then(|i| i.as_str())
            .map(str::to_string)
    }

    /// Set the text of `key` in `lang`; an empty value removes that language, and the key when
    /// no language is left. An unchanged value leaves the file's formatting alone.
    pub fn set_lang_text(&mut self, key: &str, lang: Lang, value: &str) {
        let v = nfc(value.trim());
        if self.lang_text(key, lang).as_deref() == Some(v.as_str()) {
            return;
        }
        if v.is_empty() {
            if let Some(t) = self.get_mut(key).and_then(|i| i.as_table_like_mut()) {
                remove_keeping_spacing(t, lang.code());
            }
            self.remove_if_empty(key);
            return;
        }
        if let Some(t) = self.table_at(key) {
            insert_keeping_decor(t, lang.code(), Value::from(v));
        }
    }

    /// A list of strings of `key` in `lang` (`keywords`).
    pub fn lang_list(&self, key: &str, lang: Lang) -> Vec<String> {
        self.get(key)
            .and_then(|i| i.get(lang.code()))
            .and_then(|i| i.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub fn set_lang_list(&mut self, key: &str, lang: Lang, values: &[String]) {
        let vals: Vec<String> = values
            .iter()
            .map(|v| nfc(v.trim()))
            .filter(|v| !v.is_empty())
            .collect();
        if self.lang_list(key, lang) == vals {
            return;
        }
        if vals.is_empty() {
            if let Some(t) = self.get_mut(key).and_then(|i| i.as_table_like_mut()) {
                remove_keeping_spacing(t, lang.code());
            }
            self.remove_if_empty(key);
            return;
        }
        let arr: Array = vals.iter().map(String::as_str).collect();
        if let Some(t) = self.table_at(key) {
            insert_keeping_decor(t, lang.code(), Value::Array(arr));
        }
    }

    /// A top-level list of strings (`related`, a section's `objects`).
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(|i| i.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub fn set_list(&mut self, key: &str, values: &[String]) {
        if self.list(key) == values {
            return;
        }
        let arr: Array = values.iter().map(String::as_str).collect();
        self.set_value(key, Value::Array(arr));
    }

    /// A top-level list of integers (an event's `grades`).
    pub fn int_list(&self, key: &str) -> Vec<i64> {
        self.get(key)
            .and_then(|i| i.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_integer()).collect())
            .unwrap_or_default()
    }

    /// Set a list of integers; an empty one removes the key.
    pub fn set_int_list(&mut self, key: &str, values: &[i64]) {
        if values.is_empty() {
            self.remove(key);
        } else if self.int_list(key) != values {
            let arr: Array = values.iter().copied().collect();
            self.set_value(key, Value::Array(arr));
        }
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(|i| i.as_bool())
    }

    /// Set a boolean, or remove it (`None`: the default applies).
    pub fn set_bool(&mut self, key: &str, value: Option<bool>) {
        match value {
            None => self.remove(key),
            Some(v) if self.bool(key) != Some(v) => self.set_value(key, Value::from(v)),
            Some(_) => {}
        }
    }

    /// A question's `choices`: `[{ vi = "…", en = "…", correct = true }, …]`.
    pub fn choices(&self) -> Vec<Choice> {
        let Some(a) = self.get("choices").and_then(|i| i.as_array()) else {
            return Vec::new();
        };
        a.iter()
            .filter_map(|v| v.as_inline_table())
            .map(|t| {
                let s = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                Choice {
                    vi: s("vi"),
                    en: s("en"),
                    correct: t.get("correct").and_then(|v| v.as_bool()).unwrap_or(false),
                }
            })
            .collect()
    }

    /// Set a question's `choices`, one per line as in a hand-written file; unchanged choices
    /// leave the file alone. Empty texts are left out of a choice, `correct` is written only
    /// when true.
    pub fn set_choices(&mut self, choices: &[Choice]) {
        let clean: Vec<Choice> = choices
            .iter()
            .map(|c| Choice {
                vi: nfc(c.vi.trim()),
                en: nfc(c.en.trim()),
                correct: c.correct,
            })
            .collect();
        if self.choices() == clean {
            return;
        }
        let mut arr = Array::new();
        for c in &clean {
            let mut t = InlineTable::new();
            for (k, v) in [("vi", &c.vi), ("en", &c.en)] {
                if !v.is_empty() {
                    t.insert(k, Value::from(v.as_str()));
                }
            }
            if c.correct {
                t.insert("correct", Value::from(true));
            }
            let mut v = Value::InlineTable(t);
            v.decor_mut().set_prefix("\n  ");
            arr.push_formatted(v);
        }
        arr.set_trailing_comma(!clean.is_empty());
        arr.set_trailing(if clean.is_empty() { "" } else { "\n" });
        self.set_value("choices", Value::Array(arr));
    }

    fn set_value(&mut self, key: &str, v: Value) {
        match key.rsplit_once('.') {
            None => insert_keeping_decor(self.doc.as_table_mut(), key, v),
            Some((parent, last)) => {
                if let Some(t) = self.table_at(parent) {
                    insert_keeping_decor(t, last, v);
                }
            }
        }
    }

    pub fn remove(&mut self, key: &str) {
        match key.rsplit_once('.') {
            None => {
                self.doc.as_table_mut().remove(key);
            }
            Some((parent, last)) => {
                if let Some(t) = self.get_mut(parent).and_then(|i| i.as_table_like_mut()) {
                    remove_keeping_spacing(t, last);
                }
                self.remove_if_empty(parent);
            }
        }
    }

    /// The `[[name]]` blocks (`image`, `audio`, `section`), as documents of their own keys.
    pub fn blocks(&self, name: &str) -> usize {
        self.doc
            .get(name)
            .and_then(|i| i.as_array_of_tables())
            .map_or(0, |a| a.len())
    }

    /// Work on the `i`-th `[[name]]` block as its own document (its keys only).
    pub fn with_block<R>(&mut self, name: &str, i: usize, f: impl FnOnce(&mut TomlDoc) -> R) -> Option<R> {
        let arr = self.doc.get_mut(name)?.as_array_of_tables_mut()?;
        let table = arr.get_mut(i)?;
        let mut sub = TomlDoc {
            doc: DocumentMut::from(std::mem::take(table)),
        };
        let r = f(&mut sub);
        *table = sub.doc.as_table().clone();
        Some(r)
    }

    /// Read the `i`-th `[[name]]` block.
    pub fn block(&self, name: &str, i: usize) -> Option<TomlDoc> {
        let t = self.doc.get(name)?.as_array_of_tables()?.get(i)?;
        Some(TomlDoc {
            doc: DocumentMut::from(t.clone()),
        })
    }

    /// Append a `[[name]]` block built by `f`, after the existing ones.
    pub fn push_block(&mut self, name: &str, f: impl FnOnce(&mut TomlDoc)) {
        let mut sub = TomlDoc {
            doc: DocumentMut::new(),
        };
        f(&mut sub);
        let mut table = sub.doc.as_table().clone();
        // A table without a position is written after the one before it: after the last block.
        table.set_position(None);
        match self.doc.get_mut(name).and_then(|i| i.as_array_of_tables_mut()) {
            Some(arr) => arr.push(table),
            None => {
                let mut arr = toml_edit::ArrayOfTables::new();
                arr.push(table);
                self.doc.insert(name, Item::ArrayOfTables(arr));
            }
        }
    }

    /// Remove the `i`-th `[[name]]` block.
    pub fn remove_block(&mut self, name: &str, i: usize) {
        if let Some(arr) = self.doc.get_mut(name).and_then(|i| i.as_array_of_tables_mut())
            && i < arr.len()
        {
            arr.remove(i);
            if arr.is_empty() {
                self.doc.remove(name);
            }
        }
    }

    /// Move the `i`-th `[[name]]` block to position `to`. Its comments move with it.
    pub fn move_block(&mut self, name: &str, i: usize, to: usize) -> bool {
        let Some(arr) = self.doc.get_mut(name).and_then(|i| i.as_array_of_tables_mut()) else {
            return false;
        };
        if i >= arr.len() || to >= arr.len() {
            return false;
        }
        let mut tables: Vec<toml_edit::Table> = arr.iter().cloned().collect();
        // The file is written in the order of the tables' positions: the moved blocks trade them.
        let positions: Vec<Option<isize>> = tables.iter().map(toml_edit::Table::position).collect();
        let t = tables.remove(i);
        tables.insert(to, t);
        arr.clear();
        for (mut t, p) in tables.into_iter().zip(positions) {
            t.set_position(p);
            arr.push(t);
        }
        true
    }
}

/// Remove `key`; when it was the last of an inline table, the one now last takes over its
/// trailing space, so `{ vi = "…", en = "…" }` becomes `{ vi = "…" }`, not `{ vi = "…"}`.
fn remove_keeping_spacing(t: &mut dyn toml_edit::TableLike, key: &str) {
    let was_last = t.iter().last().is_some_and(|(k, _)| k == key);
    let Some(old) = t.remove(key) else { return };
    let suffix = old.as_value().and_then(|v| v.decor().suffix()).cloned();
    if let (true, Some(suffix), Some((_, last))) = (was_last, suffix, t.iter_mut().last())
        && let Some(v) = last.as_value_mut()
    {
        v.decor_mut().set_suffix(suffix);
    }
}

/// Replace `key`'s value keeping the spaces and comments around the old one.
fn insert_keeping_decor(t: &mut dyn toml_edit::TableLike, key: &str, mut v: Value) {
    if let Some(old) = t.get(key).and_then(|i| i.as_value()) {
        *v.decor_mut() = old.decor().clone();
    } else {
        v.decor_mut().set_prefix(" ");
    }
    t.insert(key, Item::Value(v));
}

/// Where replaced files are kept: `<root>/.vitrine/history/<time>-<who>/<path under root>`.
pub fn history_dir(root: &Path) -> PathBuf {
    root.join(".vitrine").join("history")
}

/// One change of content files, by one person: every file it replaces or removes is first kept in
/// the history, then the new text is written beside and renamed over the old.
pub struct Change<'a> {
    root: &'a Path,
    keep: PathBuf,
}

impl<'a> Change<'a> {
    pub fn new(root: &'a Path, who: &str) -> Change<'a> {
        let now = crate::visits::now();
        let stamp = crate::content::Day::from_unix(now).to_string();
        let secs = now.rem_euclid(86_400);
        let who: String = who
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!(
            "{stamp}T{:02}{:02}{:02}-{}-{who}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            crate::accounts::new_token().get(..8).unwrap_or("0")
        );
        Change {
            root,
            keep: history_dir(root).join(name),
        }
    }

    /// Keep the current content of `path` (under the root) in the history, once per change.
    fn keep(&self, path: &Path) -> std::io::Result<()> {
        let Ok(rel) = path.strip_prefix(self.root) else {
            return Err(std::io::Error::other(format!(
                "{} is outside the museum folder",
                path.display()
            )));
        };
        let to = self.keep.join(rel);
        if !path.is_file() || to.exists() {
            return Ok(());
        }
        if let Some(d) = to.parent() {
            std::fs::create_dir_all(d)?;
        }
        // A hard link costs nothing and keeps the old bytes: every write here replaces the file
        // by rename, so the linked inode is never changed. Copy where links are not possible.
        std::fs::hard_link(path, &to).or_else(|_| std::fs::copy(path, &to).map(|_| ()))
    }

    /// Write `bytes` to `path`, keeping the previous file.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.keep(path)?;
        write_atomic(path, bytes)
    }

    /// Put the finished file `tmp` (in the same folder) at `path`, keeping the previous file.
    pub fn place(&self, tmp: &Path, path: &Path) -> std::io::Result<()> {
        self.keep(path)?;
        std::fs::rename(tmp, path)
    }

    /// Remove `path`, keeping it in the history.
    pub fn remove(&self, path: &Path) -> std::io::Result<()> {
        self.keep(path)?;
        std::fs::remove_file(path)
    }
}

/// Many files of one change written together (an import of thousands of rows): every new text is
/// written beside its file, then one flush of the file system makes them all durable, then they
/// are renamed over the old files. One flush instead of one per file: on a disk where a flush
/// costs milliseconds, 15,000 files would otherwise spend a minute waiting for the disk.
/// Dropped without [`Batch::commit`], it removes what it wrote and no file changes.
pub struct Batch<'c, 'a> {
    change: &'c Change<'a>,
    /// (written beside, the file it replaces); `None` beside: the file is removed.
    pending: Vec<(Option<PathBuf>, PathBuf)>,
}

impl<'a> Change<'a> {
    pub fn batch<'c>(&'c self) -> Batch<'c, 'a> {
        Batch {
            change: self,
            pending: Vec::new(),
        }
    }
}

impl Batch<'_, '_> {
    /// Write `bytes` beside `path` (not yet over it), keeping the previous file in the history.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.change.keep(path)?;
        let tmp = write_beside(path, bytes, false)?;
        self.pending.push((Some(tmp), path.to_path_buf()));
        Ok(())
    }

    /// Remove `path` when the batch is committed, keeping it in the history.
    pub fn remove(&mut self, path: &Path) -> std::io::Result<()> {
        self.change.keep(path)?;
        self.pending.push((None, path.to_path_buf()));
        Ok(())
    }

    /// Make every written file durable with one flush, then put them all in place.
    pub fn commit(mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        sync_file_system(self.change.root)?;
        // Each done is taken off the list (in the order written), so a failure leaves the rest
        // to `Drop` to clean up.
        self.pending.reverse();
        while let Some((tmp, path)) = self.pending.pop() {
            match tmp {
                Some(tmp) => std::fs::rename(&tmp, &path).inspect_err(|_| {
                    let _ = std::fs::remove_file(&tmp);
                })?,
                None => match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                },
            }
        }
        // The renames themselves: one more flush, so a crash after the import reported success
        // cannot bring the old files back.
        sync_file_system(self.change.root)
    }
}

impl Drop for Batch<'_, '_> {
    fn drop(&mut self) {
        for (tmp, _) in &self.pending {
            if let Some(tmp) = tmp {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// Flush every written file of the file system that holds `dir` (Linux `syncfs`; elsewhere `sync`).
fn sync_file_system(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = std::fs::File::open(dir)?;
        // SAFETY: syncfs takes an open descriptor, which `d` holds for the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        // SAFETY: sync takes no arguments and cannot fail.
        unsafe { libc::sync() };
        Ok(())
    }
}

/// Write `bytes` to a new hidden file beside `path` and return its name; flushed when `flush`.
fn write_beside(path: &Path, bytes: &[u8], flush: bool) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        &crate::accounts::new_token()[..8]
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if flush {
            f.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| tmp)
}

/// Write beside, flush, rename over: readers see the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_beside(path, bytes, true)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// A fingerprint of files as they are now (missing files count as empty), for the version check
/// of the editor and the "changed by hand" check of the import.
pub fn fingerprint(paths: &[PathBuf]) -> String {
    let mut h = blake3::Hasher::new();
    for p in paths {
        let bytes = std::fs::read(p).unwrap_or_default();
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    h.finalize().to_hex()[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_changes_files_only_when_committed_and_keeps_the_old_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let (a, b, gone) = (root.join("x/a.toml"), root.join("x/b.md"), root.join("x/c.md"));
        std::fs::create_dir_all(root.join("x")).unwrap();
        std::fs::write(&a, "old a").unwrap();
        std::fs::write(&gone, "old c").unwrap();
        let files = |d: &Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let change = Change::new(root, "tester");
        {
            let mut batch = change.batch();
            batch.write(&a, b"new a").unwrap();
            batch.write(&b, b"new b").unwrap();
            batch.remove(&gone).unwrap();
            // Dropped without commit: nothing changed, nothing left beside.
        }
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(files(&root.join("x")), ["a.toml", "c.md"]);
        let mut batch = change.batch();
        batch.write(&a, b"new a").unwrap();
        batch.write(&b, b"new b").unwrap();
        batch.remove(&gone).unwrap();
        assert_eq!(
            std::fs::read_to_string(&a).unwrap(),
            "old a",
            "not before the commit"
        );
        batch.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(files(&root.join("x")), ["a.toml", "b.md"]);
        let kept = std::fs::read_dir(history_dir(root))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert_eq!(std::fs::read_to_string(kept.join("x/a.toml")).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(kept.join("x/c.md")).unwrap(), "old c");
    }

    const OBJ: &str = r#"# The record of a brick.
id = "HL-001"
title = { vi = "Gạch", en = "Brick" } # kept short
# Dating.
date = { display = { vi = "Thế kỷ 10", en = "10th century" }, from = 901, to = 1000 }
custom_note = "a key Vitrine does not know"

[[image]]
file = "a.png" # the main photo
alt = { vi = "Ảnh", en = "Photo" }
"#;

    #[test]
    fn editing_keeps_comments_unknown_keys_and_untouched_formatting() {
        let mut d = TomlDoc::parse(OBJ).unwrap();
        d.set_lang_text("title", Lang::En, "Rampart brick");
        d.set_lang_text("material", Lang::Vi, "Đất nung");
        d.set_lang_text("date.display", Lang::En, "");
        d.set_int("date.from", Some(968));
        let out = d.text();
        assert!(out.contains("# The record of a brick."), "{out}");
        assert!(out.contains("# kept short"), "{out}");
        assert!(
            out.contains("custom_note = \"a key Vitrine does not know\""),
            "{out}"
        );
        assert!(out.contains("file = \"a.png\" # the main photo"), "{out}");
        assert!(
            out.contains(r#"title = { vi = "Gạch", en = "Rampart brick" }"#),
            "{out}"
        );
        assert!(out.contains(r#"material = { vi = "Đất nung" }"#), "{out}");
        assert!(
            out.contains(r#"date = { display = { vi = "Thế kỷ 10" }, from = 968, to = 1000 }"#),
            "{out}"
        );
        // The new key sits with the other keys, before the [[image]] blocks.
        assert!(
            out.find("material").unwrap() < out.find("[[image]]").unwrap(),
            "{out}"
        );
        // It still reads as the content model.
        let back = TomlDoc::parse(&out).unwrap();
        assert_eq!(back.lang_text("material", Lang::Vi).as_deref(), Some("Đất nung"));
    }

    #[test]
    fn an_unchanged_save_changes_no_byte_and_empty_texts_disappear() {
        let mut d = TomlDoc::parse(OBJ).unwrap();
        d.set_lang_text("title", Lang::Vi, " Gạch ");
        d.set_int("date.to", Some(1000));
        assert_eq!(d.text(), OBJ);
        d.set_lang_text("title", Lang::Vi, "");
        d.set_lang_text("title", Lang::En, "");
        assert!(!d.text().contains("title"), "{}", d.text());
    }

    #[test]
    fn blocks_are_read_edited_added_and_moved() {
        let mut d = TomlDoc::parse(OBJ).unwrap();
        assert_eq!(d.blocks("image"), 1);
        d.with_block("image", 0, |b| b.set_lang_text("caption", Lang::Vi, "Chú thích"));
        d.push_block("image", |b| b.set_str("file", "b.jpg"));
        assert_eq!(d.blocks("image"), 2);
        assert!(d.move_block("image", 1, 0));
        assert_eq!(d.block("image", 0).unwrap().str("file").as_deref(), Some("b.jpg"));
        let out = d.text();
        assert!(out.contains("# the main photo"), "{out}");
        assert!(out.contains(r#"caption = { vi = "Chú thích" }"#), "{out}");
    }

    #[test]
    fn added_and_moved_blocks_are_written_in_their_new_order() {
        let mut d = TomlDoc::parse(&format!("{OBJ}\n[[audio]]\nfile = \"g.mp3\"\nlang = \"vi\"\n")).unwrap();
        d.push_block("image", |b| b.set_str("file", "b.jpg"));
        let out = d.text();
        let at = |s: &str, t: &str| t.find(s).unwrap();
        assert!(
            at("a.png", &out) < at("b.jpg", &out) && at("b.jpg", &out) < at("g.mp3", &out),
            "{out}"
        );
        assert!(d.move_block("image", 1, 0));
        let out = d.text();
        assert!(
            at("b.jpg", &out) < at("a.png", &out) && at("a.png", &out) < at("g.mp3", &out),
            "{out}"
        );
        let back = TomlDoc::parse(&out).unwrap();
        assert_eq!(
            back.block("image", 0).unwrap().str("file").as_deref(),
            Some("b.jpg")
        );
    }

    #[test]
    fn a_change_keeps_the_replaced_file_and_writes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let f = root.join("exhibits/x/objects/A/object.toml");
        write_atomic(&f, b"one").unwrap();
        let before = fingerprint(std::slice::from_ref(&f));
        let c = Change::new(root, "lan.nguyen");
        c.write(&f, b"two").unwrap();
        c.write(&f, b"three").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "three");
        assert_ne!(fingerprint(std::slice::from_ref(&f)), before);
        let kept: Vec<_> = std::fs::read_dir(history_dir(root)).unwrap().collect();
        assert_eq!(kept.len(), 1);
        let k = kept[0].as_ref().unwrap().path();
        assert!(k.file_name().unwrap().to_string_lossy().ends_with("-lan.nguyen"));
        // The history holds the file as it was before this change, not an intermediate state.
        assert_eq!(
            std::fs::read_to_string(k.join("exhibits/x/objects/A/object.toml")).unwrap(),
            "one"
        );
        // No temporary file is left beside.
        let names: Vec<_> = std::fs::read_dir(f.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
