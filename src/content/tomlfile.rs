// Reading one TOML content file into its serde mirror, turning parser errors into diagnostics
// that name the file, line, column and field, with a suggestion for misspelt keys.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostics, Pos, display_path};
use crate::text::{edit_distance, nfc};

/// A content file's text (NFC-normalised) and its path as shown to the curator.
pub struct Source {
    pub shown: PathBuf,
    pub text: String,
}

impl Source {
    pub fn pos(&self, span: std::ops::Range<usize>) -> Pos {
        Pos::at(&self.shown, &self.text, span.start)
    }
}

/// Read a UTF-8 text file, NFC-normalised. Errors become diagnostics.
pub fn read_text(root: &Path, path: &Path, diags: &mut Diagnostics) -> Option<Source> {
    let shown = display_path(root, path);
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Some(Source {
                shown,
                text: nfc(s.trim_start_matches('\u{feff}')),
            }),
            Err(e) => {
                let bytes = e.into_bytes();
                let good = std::str::from_utf8(&bytes)
                    .map_err(|e| e.valid_up_to())
                    .err()
                    .unwrap_or(0);
                let text = String::from_utf8_lossy(&bytes[..good]).into_owned();
                diags.error(
                    "not-utf8",
                    Pos::at(&shown, &text, good),
                    "",
                    "this file is not UTF-8 text",
                    "save it as UTF-8 (in most editors: Save as… → Encoding: UTF-8)",
                );
                None
            }
        },
        Err(e) => {
            diags.error(
                "unreadable-file",
                Pos::file(&shown),
                "",
                format!("cannot read this file: {e}"),
                "check that the file exists and that you may read it (file permissions)",
            );
            None
        }
    }
}

/// Parse `path` as `T`. On failure, one diagnostic with position, field and a fix.
pub fn parse_file<T: DeserializeOwned>(
    root: &Path,
    path: &Path,
    diags: &mut Diagnostics,
) -> Option<(T, Source)> {
    let src = read_text(root, path, diags)?;
    match toml::from_str::<T>(&src.text) {
        Ok(v) => Some((v, src)),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            let pos = if e.span().is_some() {
                Pos::at(&src.shown, &src.text, offset)
            } else {
                Pos::file(&src.shown)
            };
            let field = field_at(&src.text, offset);
            let (message, hint) = explain(e.message(), &field);
            diags.error("invalid-toml", pos, &field, message, &hint);
            None
        }
    }
}

/// A best guess of the dotted field name at byte `offset`: the enclosing `[table]` header, the key
/// at the start of the line and, inside an inline table, the key just before the value.
fn field_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let mut start = offset;
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[line_start..line_end];
    let before = &text[line_start..start];

    let mut table = String::new();
    for l in text[..line_start].lines().rev() {
        let t = l.trim();
        if t.starts_with('[') {
            table = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            break;
        }
    }
    let key_of = |s: &str| -> Option<String> {
        let s = s.trim_end();
        let s = s.strip_suffix('=')?.trim_end();
        let k: String = s
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        (!k.is_empty()).then_some(k)
    };
    let line_key = line
        .split_once('=')
        .map(|(k, _)| k.trim().to_string())
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
        });
    // The error may point at a key itself (unknown field): then the key is the text at offset.
    let at_key: String = text[start..line_end]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let inner = key_of(before);
    let mut parts: Vec<String> = Vec::new();
    if !table.is_empty() {
        parts.push(table);
    }
    match (line_key, inner) {
        (Some(l), Some(i)) if l != i => {
            parts.push(l);
            parts.push(i);
        }
        (Some(l), _) => parts.push(l),
        (None, Some(i)) => parts.push(i),
        (None, None) if !at_key.is_empty() => parts.push(at_key),
        _ => {}
    }
    parts.join(".")
}

/// Curator-friendly wording of a parser message, and a fix.
fn explain(message: &str, field: &str) -> (String, String) {
    let message = message.trim().to_string();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (name, rest) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        let best = allowed
            .iter()
            .map(|a| (edit_distance(name, a), *a))
            .filter(|(d, _)| *d <= 3)
            .min();
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = match best {
            Some((_, a)) => format!("did you mean `{a}`? The fields allowed here are {list}"),
            None => format!("remove it or correct it; the fields allowed here are {list}"),
        };
        return (format!("unknown field `{name}`"), hint);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return (
            format!("the required field `{name}` is missing"),
            format!("add `{name} = …` (see `vitrine new`)"),
        );
    }
    let leaf = field.rsplit('.').next().unwrap_or("");
    // `invalid type: string "khoảng 968", expected i64` → `"khoảng 968" is not a whole number`.
    let message = match message
        .strip_prefix("invalid type: string ")
        .and_then(|r| r.rsplit_once(", expected "))
    {
        Some((value, "i64" | "u32" | "u8" | "an integer")) => format!("{value} is not a whole number"),
        Some((value, expected)) => format!("{value} is text, but {expected} is needed here"),
        None => message,
    };
    let hint = match leaf {
        "from" | "to" => {
            "write the year as a number, e.g. from = 968 (negative for BCE), and keep words such \
                          as \"khoảng\" or \"circa\" in date.display"
                .to_string()
        }
        "opens" | "closes" => {
            "write the date as YYYY-MM-DD without quotes, e.g. opens = 2026-01-15".to_string()
        }
        "widths" => "write a list of pixel widths, e.g. widths = [400, 800, 1600, 2400]".to_string(),
        _ if message.contains("expected text in both languages") => {
            format!("write {leaf} = {{ vi = \"…\", en = \"…\" }}")
        }
        _ => "check the TOML syntax at this place: strings in \"quotes\", dates as YYYY-MM-DD, lists in [ ]"
            .to_string(),
    };
    (message, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_from_inline_tables_and_table_headers() {
        let t = "id = \"A\"\ndate = { display = { vi = \"x\" }, from = \"khoảng 968\", to = 1 }\n[[image]]\nfile = 3\n";
        let off = t.find("\"khoảng").unwrap();
        assert_eq!(field_at(t, off), "date.from");
        let off = t.find("3\n").unwrap();
        assert_eq!(field_at(t, off), "image.file");
    }

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let (m, h) = explain(
            "unknown field `titel`, expected one of `id`, `title`, `kind`",
            "titel",
        );
        assert_eq!(m, "unknown field `titel`");
        assert!(h.starts_with("did you mean `title`?"), "{h}");
    }
}
