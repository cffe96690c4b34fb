// Things to print and scan: QR codes for objects, exhibitions and the check-in page, the exact
// URL each encodes, and the label views (both languages on every label).

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::Serialize;

use super::{Body, Known, Planned, RenderInput};
use crate::content::{Exhibit, Item, Lang, Localized};
use crate::media::qr;

/// The URL a printed code encodes for the page at `path` (e.g. `o/HL-001/`), and the upper-case
/// path the build must also publish for it. Upper case lets the code use QR alphanumeric mode;
/// it is only possible when the site is at the root of its host (a sub-path is case-sensitive).
pub struct QrTarget {
    pub url: String,
    pub upper_path: Option<String>,
}

pub fn qr_target(input: &RenderInput, path: &str, prefer_upper: bool) -> QrTarget {
    let base = &input.site.config.base_url;
    let at_root = base
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.contains('/'));
    let upper = format!("{}/{}", base.to_uppercase(), path.to_uppercase());
    if prefer_upper && at_root && qr::is_alphanumeric(&upper) {
        QrTarget {
            url: upper,
            upper_path: Some(path.to_uppercase()),
        }
    } else {
        QrTarget {
            url: format!("{base}/{path}"),
            upper_path: None,
        }
    }
}

/// Minimum width of QR PNGs: 30 mm at 600 dpi.
const QR_PNG_PX: u32 = 720;

/// Version of the QR drawing: part of every code's key, so a change in how codes are drawn
/// makes them again.
const QR_DRAWING: &str = "qr-1";

fn qr_pair(stem: &str, url: &str, title: &str, known: &Known) -> Vec<Planned> {
    let key = super::key_of(&[QR_DRAWING.as_bytes(), url.as_bytes(), title.as_bytes()]);
    let (svg, png) = (format!("qr/{stem}.svg"), format!("qr/{stem}.png"));
    if known(&svg, &key) && known(&png, &key) {
        return [svg, png]
            .into_iter()
            .map(|path| Planned {
                path,
                key: key.clone(),
                body: Body::Known,
            })
            .collect();
    }
    match qr::encode(url) {
        Ok(code) => {
            let mut out = vec![Planned {
                path: svg,
                key: key.clone(),
                body: Body::Bytes(qr::svg(&code, title).into_bytes()),
            }];
            if let Ok(bytes) = qr::png(&code, QR_PNG_PX) {
                out.push(Planned {
                    path: png,
                    key,
                    body: Body::Bytes(bytes),
                });
            }
            out
        }
        // A URL too long for a QR code cannot happen with valid IDs and slugs; nothing to print.
        Err(_) => Vec::new(),
    }
}

fn both(l: &Localized) -> String {
    match (l.vi.as_deref(), l.en.as_deref()) {
        (Some(v), Some(e)) if v != e => format!("{v} / {e}"),
        (Some(v), _) => v.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => String::new(),
    }
}

/// QR codes (SVG for print, PNG at print resolution) for every published object, every
/// exhibition and the check-in page; and the upper-case copies of object pages they lead to.
pub fn qr_files(
    input: &RenderInput,
    visible: &BTreeSet<&str>,
    exhibits: &[&Exhibit],
    known: &Known,
    place: &(dyn Fn(Planned) -> Result<Planned, super::RenderError> + Sync),
) -> Result<Vec<Planned>, super::RenderError> {
    // (file stem, URL, title) of every code, then encoded in parallel, each placed in the output
    // as soon as it is made (the codes of 30,000 objects are hundreds of megabytes).
    let mut jobs: Vec<(String, String, String)> = Vec::new();
    for id in visible {
        if let Some(it) = input.site.items.get(*id) {
            let t = qr_target(input, &format!("o/{id}/"), true);
            jobs.push((id.to_string(), t.url, format!("{id} {}", both(&it.title))));
        }
    }
    for ex in exhibits {
        let t = qr_target(input, &format!("e/{}/", ex.slug), false);
        jobs.push((format!("e-{}", ex.slug), t.url, both(&ex.title)));
    }
    let t = qr_target(input, "checkin/", false);
    jobs.push(("checkin".into(), t.url, both(&input.site.config.museum.name)));
    jobs.par_iter()
        .flat_map_iter(|(stem, url, title)| qr_pair(stem, url, title, known))
        .map(place)
        .collect()
}

/// One gallery label: the object in both languages, whatever the page's language.
#[derive(Debug, Clone, Serialize)]
pub struct LabelView {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub date_vi: String,
    pub date_en: String,
    pub material_vi: String,
    pub material_en: String,
    pub audio_number: Option<u32>,
    /// Relative URL of the QR code SVG.
    pub qr: String,
    /// The URL the code encodes, printed small under it for people without a scanner.
    pub url: String,
}

fn pick(l: &Localized, lang: Lang) -> String {
    l.pick(lang).map(|p| p.0.to_string()).unwrap_or_default()
}

pub fn label_view(input: &RenderInput, it: &Item, root: &str) -> LabelView {
    let t = qr_target(input, &format!("o/{}/", it.id), true);
    LabelView {
        id: it.id.clone(),
        title_vi: pick(&it.title, Lang::Vi),
        title_en: pick(&it.title, Lang::En),
        date_vi: pick(&it.date.display, Lang::Vi),
        date_en: pick(&it.date.display, Lang::En),
        material_vi: pick(&it.material, Lang::Vi),
        material_en: pick(&it.material, Lang::En),
        audio_number: it.audio_number.as_ref().map(|(n, _)| *n),
        qr: format!("{root}qr/{}.svg", it.id),
        url: t.url,
    }
}
