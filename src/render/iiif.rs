// IIIF documents: Image API 3.0 info.json for each tiled photo, a Presentation 3.0 manifest per
// published object (labels and metadata in Vietnamese and English, rights, credit) and a
// collection per exhibition, so any IIIF viewer or aggregator can show the collection.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;

use serde_json::{Value, json};

use super::{OutFile, RenderInput, abs, opendata};
use crate::content::{Exhibit, Item, Lang, Localized};
use crate::media::{Derived, tiles};

const PRESENTATION: &str = "http://iiif.io/api/presentation/3/context.json";

/// A IIIF language map: `{"vi": ["…"], "en": ["…"]}` with the languages that have text.
fn lang_map(l: &Localized) -> Value {
    let mut m = serde_json::Map::new();
    for lang in Lang::ALL {
        if let Some(t) = l.get(lang) {
            m.insert(lang.code().into(), json!([t]));
        }
    }
    Value::Object(m)
}

fn label_map(input: &RenderInput, key: &str) -> Value {
    json!({"vi": [input.locales.text(Lang::Vi, key)], "en": [input.locales.text(Lang::En, key)]})
}

pub fn manifest_path(id: &str) -> String {
    format!("iiif/o/{id}/manifest.json")
}

/// IIIF `rights` must be a Creative Commons or RightsStatements.org URI, in http form.
fn rights_uri(rights: &str) -> Option<String> {
    opendata::licence_url(rights).map(|u| u.replacen("https://", "http://", 1))
}

fn manifest(input: &RenderInput, it: &Item) -> Value {
    let site = input.site;
    let id = abs(site, &manifest_path(&it.id));
    let mut metadata = Vec::new();
    for (key, value) in [
        (
            "object.id",
            Localized {
                vi: Some(it.id.clone()),
                en: Some(it.id.clone()),
                pos: None,
            },
        ),
        (
            "object.accession",
            Localized {
                vi: it.accession.clone(),
                en: it.accession.clone(),
                pos: None,
            },
        ),
        ("object.kind", it.kind.clone()),
        ("object.maker", it.maker.clone()),
        ("object.date", it.date.display.clone()),
        ("object.period", it.period.clone()),
        ("object.culture", it.culture.clone()),
        ("object.material", it.material.clone()),
        ("object.technique", it.technique.clone()),
        ("object.dimensions", it.dimensions.clone()),
        ("object.inscription", it.inscription.clone()),
        ("object.find_place", it.find_place.clone()),
        ("object.provenance", it.provenance.clone()),
        ("object.acquisition", it.acquisition.clone()),
        ("object.location", it.location.clone()),
    ] {
        if !value.is_empty() {
            metadata.push(json!({"label": label_map(input, key), "value": lang_map(&value)}));
        }
    }
    let canvases: Vec<Value> = it
        .images
        .iter()
        .enumerate()
        .filter_map(|(i, im)| {
            let d = input.media.get(&im.path)?;
            let canvas = format!("{id}/canvas/{}", i + 1);
            let large = d.largest();
            let mut body = json!({
                "id": abs(site, &large.url),
                "type": "Image",
                "format": "image/jpeg",
                "width": large.width,
                "height": large.height,
            });
            if let Some(dir) = d.iiif_dir() {
                body["service"] =
                    json!([{"id": abs(site, &dir), "type": "ImageService3", "profile": "level0"}]);
            }
            let mut c = json!({
                "id": canvas,
                "type": "Canvas",
                "width": d.width,
                "height": d.height,
                "items": [{
                    "id": format!("{canvas}/page"),
                    "type": "AnnotationPage",
                    "items": [{
                        "id": format!("{canvas}/page/image"),
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": canvas,
                        "body": body,
                    }],
                }],
            });
            if !im.caption.is_empty() {
                c["label"] = lang_map(&im.caption);
            }
            Some(c)
        })
        .collect();
    let mut m = json!({
        "@context": PRESENTATION,
        "id": id,
        "type": "Manifest",
        "label": lang_map(&it.title),
        "metadata": metadata,
        "homepage": Lang::ALL.iter().map(|l| json!({
            "id": abs(site, &format!("{}o/{}/", l.prefix(), it.id)),
            "type": "Text",
            "label": lang_map(&it.title),
            "format": "text/html",
            "language": [l.code()],
        })).collect::<Vec<_>>(),
        "items": canvases,
    });
    if !it.credit.is_empty() {
        m["requiredStatement"] =
            json!({"label": label_map(input, "object.credit"), "value": lang_map(&it.credit)});
    }
    if let Some(r) = it.rights.as_deref().and_then(rights_uri) {
        m["rights"] = json!(r);
    }
    if let Some(d) = it.images.first().and_then(|im| input.media.get(&im.path)) {
        let t = d.at_least(400);
        m["thumbnail"] = json!([{"id": abs(site, &t.url), "type": "Image", "format": "image/jpeg", "width": t.width, "height": t.height}]);
    }
    m
}

fn collection(id: &str, label: &Localized, items: Vec<Value>) -> Value {
    json!({"@context": PRESENTATION, "id": id, "type": "Collection", "label": lang_map(label), "items": items})
}

/// Whether `it` gets a manifest: IIIF Presentation 3 requires at least one canvas, so an object
/// without a processed photo has none (and its page no link to one).
pub fn has_manifest(media: &HashMap<PathBuf, Derived>, it: &Item) -> bool {
    it.images.iter().any(|im| media.contains_key(&im.path))
}

/// The manifest of each published object with a photo, made one by one as they are asked for.
pub fn manifests<'a>(
    input: &'a RenderInput,
    visible: &'a BTreeSet<&str>,
) -> impl ParallelIterator<Item = OutFile> + 'a {
    visible.par_iter().filter_map(|id| {
        let it = input.site.items.get(*id)?;
        has_manifest(input.media, it).then(|| OutFile {
            path: manifest_path(id),
            bytes: serde_json::to_vec(&manifest(input, it)).unwrap_or_default(),
        })
    })
}

/// The collections (each exhibition's and the museum's) and the `info.json` of each tiled photo.
pub fn files(input: &RenderInput, visible: &BTreeSet<&str>, exhibits: &[&Exhibit]) -> Vec<OutFile> {
    let site = input.site;
    let mut out = Vec::new();
    let json_file = |path: String, v: &Value| OutFile {
        path,
        bytes: serde_json::to_vec(v).unwrap_or_default(),
    };
    // info.json of each tiled photo, once per photo.
    let mut seen = BTreeSet::new();
    for d in input.media.values() {
        if let (Some(t), Some(dir)) = (&d.tiles, d.iiif_dir())
            && seen.insert(dir.clone())
        {
            out.push(json_file(
                format!("{dir}/info.json"),
                &tiles::info_json(&abs(site, &dir), t),
            ));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest_ref = |it: &Item| json!({"id": abs(site, &manifest_path(&it.id)), "type": "Manifest", "label": lang_map(&it.title)});
    let mut top = Vec::new();
    for ex in exhibits {
        let items = ex
            .item_ids()
            .into_iter()
            .filter(|id| visible.contains(id))
            .filter_map(|id| site.items.get(id))
            .filter(|it| has_manifest(input.media, it))
            .map(manifest_ref)
            .collect();
        let id = abs(site, &format!("iiif/e/{}/collection.json", ex.slug));
        out.push(json_file(
            format!("iiif/e/{}/collection.json", ex.slug),
            &collection(&id, &ex.title, items),
        ));
        top.push(json!({"id": id, "type": "Collection", "label": lang_map(&ex.title)}));
    }
    let id = abs(site, "iiif/collection.json");
    out.push(json_file(
        "iiif/collection.json".into(),
        &collection(&id, &site.config.museum.name, top),
    ));
    out
}
