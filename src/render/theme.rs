// The theme: templates, assets and UI strings. The default theme is embedded in the binary;
// `themes/<name>/` in the project overrides any single file of it. No rendering here.

use std::collections::BTreeMap;
use std::path::Path;

use rust_embed::RustEmbed;

use crate::content::Lang;
use crate::diag::{Diagnostics, Pos};

#[derive(RustEmbed)]
#[folder = "themes/default/"]
struct DefaultTheme;

/// Where a theme file came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    Project(std::path::PathBuf),
}

#[derive(Debug, Clone)]
pub struct ThemeFile {
    pub bytes: Vec<u8>,
    pub origin: Origin,
}

/// All files of the theme in use, by path relative to the theme folder (`object.html`,
/// `assets/style.css`, `locales/vi.toml`).
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    pub files: BTreeMap<String, ThemeFile>,
}

/// UI strings per language, from `locales/<lang>.toml` (flat `key = "text"` tables, dotted keys
/// allowed).
#[derive(Debug, Clone, Default)]
pub struct Locales {
    pub vi: BTreeMap<String, String>,
    pub en: BTreeMap<String, String>,
}

impl Locales {
    pub fn get(&self, lang: Lang) -> &BTreeMap<String, String> {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }

    /// The string for `key` in `lang`, falling back to the other language, then to the key.
    pub fn text(&self, lang: Lang, key: &str) -> String {
        self.get(lang)
            .get(key)
            .or_else(|| self.get(lang.other()).get(key))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }
}

impl Theme {
    /// The embedded default theme overlaid with `project/themes/<name>/`, if that folder exists.
    pub fn load(project: &Path, name: &str) -> std::io::Result<Theme> {
        let mut files = BTreeMap::new();
        for path in DefaultTheme::iter() {
            if let Some(f) = DefaultTheme::get(&path) {
                files.insert(
                    path.to_string(),
                    ThemeFile {
                        bytes: f.data.into_owned(),
                        origin: Origin::Embedded,
                    },
                );
            }
        }
        let dir = project.join("themes").join(name);
        if dir.is_dir() {
            overlay(&dir, &dir, &mut files)?;
        }
        Ok(Theme {
            name: name.to_string(),
            files,
        })
    }

    pub fn text(&self, path: &str) -> Option<String> {
        self.files
            .get(path)
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
    }

    pub fn templates(&self) -> impl Iterator<Item = (&str, String)> {
        self.files
            .iter()
            .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".xml") || p.ends_with(".txt"))
            .filter(|(p, _)| !p.starts_with("assets/"))
            .map(|(p, f)| (p.as_str(), String::from_utf8_lossy(&f.bytes).into_owned()))
    }

    pub fn assets(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files
            .iter()
            .filter_map(|(p, f)| p.strip_prefix("assets/").map(|n| (n, f.bytes.as_slice())))
    }

    fn shown(&self, path: &str) -> std::path::PathBuf {
        match self.files.get(path).map(|f| &f.origin) {
            Some(Origin::Project(p)) => p.clone(),
            _ => Path::new("(built-in theme)").join(path),
        }
    }

    /// Read the UI strings. Problems (bad TOML, a key in one language only) are diagnostics.
    pub fn locales(&self) -> (Locales, Diagnostics) {
        let mut d = Diagnostics::default();
        let mut out = Locales::default();
        for lang in Lang::ALL {
            let path = format!("locales/{}.toml", lang.code());
            let Some(text) = self.text(&path) else {
                d.error(
                    "missing-locale",
                    Pos::file(self.shown(&path)),
                    "",
                    "the theme has no UI strings for this language",
                    "",
                );
                continue;
            };
            match text.parse::<toml::Table>() {
                Ok(t) => {
                    let mut map = BTreeMap::new();
                    flatten("", &toml::Value::Table(t), &mut map);
                    match lang {
                        Lang::Vi => out.vi = map,
                        Lang::En => out.en = map,
                    }
                }
                Err(e) => {
                    let pos = match e.span() {
                        Some(s) => Pos::at(self.shown(&path), &text, s.start),
                        None => Pos::file(self.shown(&path)),
                    };
                    d.error("invalid-toml", pos, "", e.message().to_string(), "");
                }
            }
        }
        for lang in Lang::ALL {
            let other = lang.other();
            for key in out.get(other).keys() {
                if !out.get(lang).contains_key(key) {
                    d.warn(
                        "missing-ui-translation",
                        Pos::file(self.shown(&format!("locales/{}.toml", lang.code()))),
                        key,
                        format!("the interface text `{key}` has no {} version", lang.code()),
                        &format!("add {key} = \"…\" (the {} text is shown meanwhile)", other.code()),
                    );
                }
            }
        }
        (out, d)
    }
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), crate::text::nfc(s));
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn overlay(base: &Path, dir: &Path, files: &mut BTreeMap<String, ThemeFile>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            overlay(base, &p, files)?;
        } else if let Ok(rel) = p.strip_prefix(base) {
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.insert(
                key,
                ThemeFile {
                    bytes: std::fs::read(&p)?,
                    origin: Origin::Project(p.clone()),
                },
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window's title is text: markup inside `{% block title %}` would show as text in the
    /// tab and the history (it happened to the Department's year page and institution page).
    #[test]
    fn title_blocks_of_the_default_theme_hold_no_markup() {
        let mut seen = 0;
        for path in DefaultTheme::iter().filter(|p| p.ends_with(".html")) {
            let file = DefaultTheme::get(&path).unwrap();
            let text = std::str::from_utf8(&file.data).unwrap();
            for (at, _) in text.match_indices("{% block title %}") {
                let rest = &text[at + "{% block title %}".len()..];
                let end = rest.find("{% endblock %}").unwrap_or(rest.len());
                let title = &rest[..end];
                assert!(
                    !title.contains('<'),
                    "{path}: markup in the title block: {title:?}"
                );
                seen += 1;
            }
        }
        assert!(seen > 20, "only {seen} title blocks found");
    }
}
