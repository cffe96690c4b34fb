// Open data and discovery: schema.org JSON-LD, sitemap.xml with hreflang, robots.txt and a Dublin
// Core CSV of every published object. Built from the model; no templates involved.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use serde_json::{Value, json};

use super::{OutFile, RenderInput, abs};
use crate::content::{Exhibit, Item, Lang, Localized, Programme, Site};
use crate::media::Derived;

fn pick(l: &Localized, lang: Lang) -> Option<String> {
    l.pick(lang).map(|p| p.0.to_string())
}

/// A licence URL for the usual Creative Commons names ("CC BY 4.0", "CC BY-SA 3.0", "CC0 1.0"),
/// so machines can read the rights. Anything else (a free text, "© museum") gets none.
pub fn licence_url(rights: &str) -> Option<String> {
    let r = rights
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    if r == "CC0" || r == "CC0 1.0" {
        return Some("https://creativecommons.org/publicdomain/zero/1.0/".into());
    }
    let rest = r.strip_prefix("CC ")?;
    let (kind, version) = rest.split_once(' ')?;
    let kinds = ["BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND"];
    (kinds.contains(&kind) && ["2.0", "2.5", "3.0", "4.0"].contains(&version)).then(|| {
        format!(
            "https://creativecommons.org/licenses/{}/{version}/",
            kind.to_ascii_lowercase()
        )
    })
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

pub fn museum_jsonld(site: &Site, lang: Lang) -> Value {
    let m = &site.config.museum;
    strip_nulls(json!({
        "@context": "https://schema.org",
        "@type": "Museum",
        "name": pick(&m.name, lang),
        "description": pick(&m.tagline, lang),
        "url": abs(site, lang.prefix()),
        "address": pick(&m.address, lang),
        "telephone": m.phone,
        "email": m.email,
    }))
}

pub fn exhibit_jsonld(site: &Site, ex: &Exhibit, lang: Lang, image: Option<String>) -> Value {
    let m = &site.config.museum;
    strip_nulls(json!({
        "@context": "https://schema.org",
        "@type": "ExhibitionEvent",
        "name": pick(&ex.title, lang),
        "description": pick(&ex.summary, lang),
        "url": abs(site, &format!("{}e/{}/", lang.prefix(), ex.slug)),
        "inLanguage": lang.code(),
        "image": image,
        "startDate": ex.opens.map(|d| d.to_string()),
        "endDate": ex.closes.map(|d| d.to_string()),
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "location": strip_nulls(json!({
            "@type": "Museum",
            "name": pick(&m.name, lang),
            "address": pick(&m.address, lang),
        })),
    }))
}

/// ISO 8601 year or year range (`0968/1009`), for `temporalCoverage`. Content counts years as
/// historians do (-500 is 500 BCE, there is no year 0); ISO 8601 has a year 0000 for 1 BCE, so
/// 500 BCE is ISO year -0499.
fn iso_years(from: i64, to: i64) -> String {
    let y = |v: i64| {
        let iso = if v < 0 { v + 1 } else { v };
        if iso < 0 {
            format!("-{:04}", -iso)
        } else {
            format!("{iso:04}")
        }
    };
    if from == to {
        y(from)
    } else {
        format!("{}/{}", y(from), y(to))
    }
}

pub fn item_jsonld(
    site: &Site,
    it: &Item,
    lang: Lang,
    media: &HashMap<PathBuf, Derived>,
    home: Option<&Exhibit>,
) -> Value {
    let url = abs(site, &format!("{}o/{}/", lang.prefix(), it.id));
    let images: Vec<String> = it
        .images
        .iter()
        .filter_map(|im| media.get(&im.path))
        .map(|d| abs(site, &d.largest().url))
        .collect();
    let desc = it.plain().pick(lang).map(|(t, _)| crate::text::excerpt(t, 300));
    let keywords = it.keywords.get(lang).join(", ");
    let part_of = home.map(|e| {
        json!({
            "@type": "ExhibitionEvent",
            "name": pick(&e.title, lang),
            "url": abs(site, &format!("{}e/{}/", lang.prefix(), e.slug)),
        })
    });
    strip_nulls(json!({
        "@context": "https://schema.org",
        "@type": "VisualArtwork",
        "@id": format!("{url}#object"),
        "url": url,
        "name": pick(&it.title, lang),
        "identifier": match &it.accession {
            Some(acc) => json!([it.id, {"@type": "PropertyValue", "propertyID": "accession number", "value": acc}]),
            None => json!(it.id),
        },
        "creator": pick(&it.maker, lang).map(|m| json!({"@type": "Person", "name": m})),
        "description": desc,
        "image": images,
        "dateCreated": pick(&it.date.display, lang),
        "temporalCoverage": it.date.years.map(|(a, b)| iso_years(a, b)),
        "artform": pick(&it.kind, lang),
        "artMedium": pick(&it.material, lang),
        "size": pick(&it.dimensions, lang),
        "spatialCoverage": pick(&it.find_place, lang).map(|p| json!({"@type": "Place", "name": p})),
        "creditText": pick(&it.credit, lang),
        "copyrightNotice": it.rights,
        "license": it.rights.as_deref().and_then(licence_url),
        "keywords": if keywords.is_empty() { None } else { Some(keywords) },
        "inLanguage": lang.code(),
        "isPartOf": part_of,
    }))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// URLs a sitemap file may list (sitemaps.org: at most 50,000 URLs and 50 MB a file).
pub const SITEMAP_URLS: usize = 50_000;

pub fn files(
    input: &RenderInput,
    visible: &BTreeSet<&str>,
    exhibits: &[&Exhibit],
    programmes: &[&Programme],
    events: Vec<String>,
) -> Vec<OutFile> {
    let site = input.site;
    let mut paths: Vec<String> = vec![String::new(), "e/".into(), "p/".into(), "search/".into()];
    paths.extend(events);
    for e in exhibits {
        paths.push(format!("e/{}/", e.slug));
        paths.extend(super::views::section_page_paths(site, visible, e));
    }
    paths.extend(programmes.iter().map(|p| format!("p/{}/", p.slug)));
    paths.extend(visible.iter().map(|id| format!("o/{id}/")));
    let mut files = sitemaps(&site.config.base_url, &paths, SITEMAP_URLS);

    let robots = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        abs(site, "sitemap.xml")
    );

    files.extend([
        OutFile {
            path: "robots.txt".into(),
            bytes: robots.into_bytes(),
        },
        OutFile {
            path: "data/objects.csv".into(),
            bytes: dublin_core_csv(input, visible),
        },
        OutFile {
            path: "data/portal.json".into(),
            bytes: portal_json(input, exhibits, programmes),
        },
    ]);
    files
}

fn both(l: &Localized) -> Value {
    json!({ "vi": l.vi, "en": l.en })
}

/// What the province portal gathers from this museum (`vitrine-portal/1`): the exhibitions open
/// today, the learning programmes with their grades and subjects, and the coming events, with the
/// addresses of their pages in both languages. Public facts only.
fn portal_json(input: &RenderInput, exhibits: &[&Exhibit], programmes: &[&Programme]) -> Vec<u8> {
    let site = input.site;
    let today = input.today;
    let pages = |path: &str| json!({ "vi": abs(site, path), "en": abs(site, &format!("en/{path}")) });
    let exhibitions: Vec<Value> = exhibits
        .iter()
        .filter(|e| e.is_current(today))
        .map(|e| {
            json!({
                "title": both(&e.title),
                "summary": both(&e.summary),
                "opens": e.opens.map(|d| d.to_string()),
                "closes": e.closes.map(|d| d.to_string()),
                "url": pages(&format!("e/{}/", e.slug)),
            })
        })
        .collect();
    let programmes: Vec<Value> = programmes
        .iter()
        .map(|p| {
            json!({
                "title": both(&p.title),
                "summary": both(&p.summary),
                "subject": both(&p.subject),
                "grades": p.grades,
                "url": pages(&format!("p/{}/", p.slug)),
            })
        })
        .collect();
    let events: Vec<Value> = site
        .events
        .iter()
        .filter(|e| e.status != crate::content::EventStatus::Draft && !e.is_past(today))
        .map(|e| {
            json!({
                "title": both(&e.title),
                "starts": e.starts.iso(),
                "place": both(&e.place),
                "cancelled": e.status == crate::content::EventStatus::Cancelled,
                "url": pages(&format!("su-kien/{}/", e.slug)),
            })
        })
        .collect();
    let doc = json!({
        "format": "vitrine-portal/1",
        "museum": both(&site.config.museum.name),
        "site": site.config.base_url,
        "day": today.to_string(),
        "exhibitions": exhibitions,
        "programmes": programmes,
        "events": events,
    });
    serde_json::to_vec_pretty(&strip_nulls(doc)).unwrap_or_default()
}

/// The sitemap of `paths`, each in both languages with its alternates: `sitemap.xml` alone while
/// it lists at most `per_file` URLs; above that, `sitemap.xml` is an index of `sitemap-1.xml`,
/// `sitemap-2.xml`, … of `per_file` URLs each (a museum of 30,000 objects has 60,000 object pages,
/// more than one sitemap file may list).
fn sitemaps(base_url: &str, paths: &[String], per_file: usize) -> Vec<OutFile> {
    let abs = |path: &str| format!("{base_url}/{path}");
    let urlset = |paths: &[String]| {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
             xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
        );
        for p in paths {
            for lang in Lang::ALL {
                xml.push_str(&format!(
                    "  <url><loc>{}</loc>\n",
                    xml_escape(&abs(&format!("{}{p}", lang.prefix())))
                ));
                for alt in Lang::ALL {
                    xml.push_str(&format!(
                        "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>\n",
                        alt.code(),
                        xml_escape(&abs(&format!("{}{p}", alt.prefix())))
                    ));
                }
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>\n  </url>\n",
                    xml_escape(&abs(p))
                ));
            }
        }
        xml.push_str("</urlset>\n");
        xml.into_bytes()
    };
    // Each path is listed once per language.
    let per_file = (per_file / Lang::ALL.len()).max(1);
    if paths.len() <= per_file {
        return vec![OutFile {
            path: "sitemap.xml".into(),
            bytes: urlset(paths),
        }];
    }
    let mut files: Vec<OutFile> = paths
        .chunks(per_file)
        .enumerate()
        .map(|(i, chunk)| OutFile {
            path: format!("sitemap-{}.xml", i + 1),
            bytes: urlset(chunk),
        })
        .collect();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for f in &files {
        index.push_str(&format!(
            "  <sitemap><loc>{}</loc></sitemap>\n",
            xml_escape(&abs(&f.path))
        ));
    }
    index.push_str("</sitemapindex>\n");
    files.push(OutFile {
        path: "sitemap.xml".into(),
        bytes: index.into_bytes(),
    });
    files
}

/// Column names of the open-data CSV: Dublin Core terms, one column per language where the value
/// is text.
pub const CSV_COLUMNS: [&str; 31] = [
    "dc:identifier",
    "dc:title@vi",
    "dc:title@en",
    "dc:type@vi",
    "dc:type@en",
    "dc:date@vi",
    "dc:date@en",
    "dcterms:temporal",
    "dc:coverage@vi",
    "dc:coverage@en",
    "dcterms:medium@vi",
    "dcterms:medium@en",
    "dcterms:extent@vi",
    "dcterms:extent@en",
    "dc:subject@vi",
    "dc:subject@en",
    "dc:description@vi",
    "dc:description@en",
    "dc:rights",
    "dc:source",
    "dc:creator@vi",
    "dc:creator@en",
    "dcterms:provenance@vi",
    "dcterms:provenance@en",
    "accession_number",
    "acquisition@vi",
    "acquisition@en",
    "current_location@vi",
    "current_location@en",
    "inscription@vi",
    "inscription@en",
];

fn dublin_core_csv(input: &RenderInput, visible: &BTreeSet<&str>) -> Vec<u8> {
    let site = input.site;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_COLUMNS);
    let both = |l: &Localized| [l.vi.clone().unwrap_or_default(), l.en.clone().unwrap_or_default()];
    for id in visible {
        let Some(it) = site.items.get(*id) else { continue };
        let desc = |lang: Lang| it.plain().get(lang).unwrap_or_default().to_string();
        let mut row: Vec<String> = vec![it.id.clone()];
        row.extend(both(&it.title));
        row.extend(both(&it.kind));
        row.extend(both(&it.date.display));
        row.push(it.date.years.map(|(a, b)| iso_years(a, b)).unwrap_or_default());
        row.extend(both(&it.find_place));
        row.extend(both(&it.material));
        row.extend(both(&it.dimensions));
        row.push(it.keywords.vi.join("; "));
        row.push(it.keywords.en.join("; "));
        row.push(desc(Lang::Vi));
        row.push(desc(Lang::En));
        row.push(it.rights.clone().unwrap_or_default());
        row.push(abs(site, &format!("o/{}/", it.id)));
        row.extend(both(&it.maker));
        row.extend(both(&it.provenance));
        row.push(it.accession.clone().unwrap_or_default());
        row.extend(both(&it.acquisition));
        row.extend(both(&it.location));
        row.extend(both(&it.inscription));
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_from_a_closed_list_only() {
        assert_eq!(
            licence_url("CC BY 4.0").as_deref(),
            Some("https://creativecommons.org/licenses/by/4.0/")
        );
        assert_eq!(
            licence_url("cc  by-nc-sa 3.0").as_deref(),
            Some("https://creativecommons.org/licenses/by-nc-sa/3.0/")
        );
        assert_eq!(
            licence_url("CC0 1.0").as_deref(),
            Some("https://creativecommons.org/publicdomain/zero/1.0/")
        );
        assert_eq!(licence_url("CC BY 4.0 International"), None);
        assert_eq!(licence_url("© Bảo tàng tỉnh Ninh Bình"), None);
    }

    #[test]
    fn a_sitemap_over_the_limit_becomes_an_index_of_sitemaps() {
        let paths: Vec<String> = (1..=7).map(|n| format!("o/A{n}/")).collect();
        // 14 URLs (7 pages in two languages) fit in one file of 14.
        let one = sitemaps("https://m.example", &paths, 14);
        assert_eq!(one.len(), 1);
        let xml = String::from_utf8(one[0].bytes.clone()).unwrap();
        assert_eq!(one[0].path, "sitemap.xml");
        assert_eq!(xml.matches("<url>").count(), 14);
        assert!(xml.contains("<loc>https://m.example/en/o/A7/</loc>"));
        // At 6 URLs a file: three files of 3, 3 and 1 pages, and an index naming them.
        let split = sitemaps("https://m.example", &paths, 6);
        let names: Vec<&str> = split.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
        );
        let text = |i: usize| String::from_utf8(split[i].bytes.clone()).unwrap();
        assert_eq!(text(0).matches("<url>").count(), 6);
        assert_eq!(text(2).matches("<url>").count(), 2);
        assert!(text(2).contains("<loc>https://m.example/o/A7/</loc>"));
        let index = text(3);
        assert!(index.contains("<sitemapindex"));
        for n in 1..=3 {
            assert!(index.contains(&format!("<loc>https://m.example/sitemap-{n}.xml</loc>")));
        }
        assert!(!index.contains("<url>"));
    }

    #[test]
    fn bce_years_follow_iso_8601() {
        assert_eq!(iso_years(-500, -500), "-0499");
        assert_eq!(iso_years(968, 1009), "0968/1009");
        assert_eq!(iso_years(-1, 1), "0000/0001");
    }
}
