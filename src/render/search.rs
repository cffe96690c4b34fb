// The search index: one compact JSON file per language, read by the theme's search script. Words
// are stored as written (NFC, lower case); the script also folds them for tone-less matching.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{OutFile, RenderInput, markdown};
use crate::content::{Exhibit, Lang, Localized};
use crate::text::words;

#[derive(Serialize)]
struct Doc {
    /// URL relative to the site root, in this language.
    u: String,
    /// Title as shown.
    t: String,
    /// A short line under the title (kind · date, or the summary).
    m: String,
    /// Thumbnail, relative to the site root.
    #[serde(skip_serializing_if = "Option::is_none")]
    i: Option<String>,
    /// Words of the title and ID (ranked first), space-separated, unique.
    a: String,
    /// Words of every other searchable field, space-separated, unique, not repeating `a`.
    w: String,
}

#[derive(Serialize)]
struct Index {
    v: u32,
    lang: &'static str,
    docs: Vec<Doc>,
}

fn pick(l: &Localized, lang: Lang) -> &str {
    l.pick(lang).map_or("", |p| p.0)
}

fn unique_words<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    exclude: &BTreeSet<String>,
) -> (String, BTreeSet<String>) {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in texts {
        for w in words(t) {
            if !exclude.contains(&w) && seen.insert(w.clone()) {
                out.push(w);
            }
        }
    }
    (out.join(" "), seen)
}

pub fn index_files(input: &RenderInput, visible: &BTreeSet<&str>, exhibits: &[&Exhibit]) -> Vec<OutFile> {
    Lang::ALL
        .into_iter()
        .map(|lang| {
            let mut docs = Vec::new();
            for ex in exhibits {
                let (a, seen) = unique_words([pick(&ex.title, lang)], &BTreeSet::new());
                let intro = markdown::to_plain(pick(&ex.intro, lang));
                let (w, _) = unique_words([pick(&ex.summary, lang), intro.as_str()], &seen);
                docs.push(Doc {
                    u: format!("{}e/{}/", lang.prefix(), ex.slug),
                    t: pick(&ex.title, lang).to_string(),
                    m: crate::text::excerpt(pick(&ex.summary, lang), 120),
                    i: None,
                    a,
                    w,
                });
            }
            for id in visible {
                let Some(it) = input.site.items.get(*id) else {
                    continue;
                };
                let (a, seen) = unique_words([pick(&it.title, lang), it.id.as_str()], &BTreeSet::new());
                let desc = markdown::to_plain(pick(&it.description, lang));
                let kw = it.keywords.get(lang).join(" ");
                let fields = [
                    pick(&it.kind, lang),
                    pick(&it.date.display, lang),
                    pick(&it.period, lang),
                    pick(&it.culture, lang),
                    pick(&it.material, lang),
                    pick(&it.technique, lang),
                    pick(&it.find_place, lang),
                    kw.as_str(),
                    desc.as_str(),
                ];
                let (w, _) = unique_words(fields, &seen);
                let meta: Vec<&str> = [pick(&it.kind, lang), pick(&it.date.display, lang)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                docs.push(Doc {
                    u: format!("{}o/{}/", lang.prefix(), it.id),
                    t: pick(&it.title, lang).to_string(),
                    m: format!("{} · {}", it.id, meta.join(" · ")),
                    i: it
                        .images
                        .first()
                        .and_then(|im| input.media.get(&im.path))
                        .map(|d| d.at_least(160).url.clone()),
                    a,
                    w,
                });
            }
            let index = Index {
                v: 1,
                lang: lang.code(),
                docs,
            };
            OutFile {
                path: format!("search/{}.json", lang.code()),
                bytes: serde_json::to_vec(&index).unwrap_or_default(),
            }
        })
        .collect()
}
