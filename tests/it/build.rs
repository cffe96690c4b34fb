// Building sites: completeness of the demo (links, languages, images, JSON-LD), drafts, the image
// cache, theme overrides, determinism, hostile content and failed builds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::*;

fn lang_of(doc: &scraper::Html) -> String {
    doc.select(&sel("html"))
        .next()
        .unwrap()
        .value()
        .attr("lang")
        .unwrap_or("")
        .to_string()
}

#[test]
fn demo_links_images_and_scripts_all_exist() {
    let d = demo();
    let linked = check_links(&d.out);
    // A crawl from the home pages reaches every published object and exhibition page in both
    // languages, and every page it reaches has no broken link (checked above for all pages).
    let crawled = crawl(&d.out);
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let mut expected = Vec::new();
    for prefix in ["", "en/"] {
        for id in site.visible_item_ids(false) {
            expected.push(d.out.join(format!("{prefix}o/{id}/index.html")));
        }
        for ex in site.visible_exhibits(false) {
            expected.push(d.out.join(format!("{prefix}e/{}/index.html", ex.slug)));
        }
        for p in &site.programmes {
            expected.push(d.out.join(format!("{prefix}p/{}/index.html", p.slug)));
        }
        for page in ["e/", "p/", "search/"] {
            expected.push(d.out.join(format!("{prefix}{page}index.html")));
        }
    }
    for p in &expected {
        assert!(
            crawled.contains(p),
            "the crawl from the home page never reaches {}",
            p.display()
        );
        assert!(linked.contains(p));
    }
    assert!(crawled.len() >= expected.len(), "{} pages crawled", crawled.len());
}

#[test]
fn every_page_exists_in_both_languages_with_the_right_lang_and_a_twin_link() {
    let d = demo();
    let pages = html_files(&d.out);
    assert!(pages.len() > 70, "only {} pages", pages.len());
    for page in &pages {
        let rel = page.strip_prefix(&d.out).unwrap();
        if let Ok(rest) = rel.strip_prefix("O") {
            // The upper-case address printed QR codes lead to: the same page as /o/<ID>/.
            let lower = d.out.join("o").join(rest);
            assert_eq!(
                std::fs::read(page).unwrap(),
                std::fs::read(&lower).unwrap(),
                "{}",
                rel.display()
            );
            continue;
        }
        let (expected, twin) = match rel.strip_prefix("en") {
            Ok(rest) => ("en", d.out.join(rest)),
            Err(_) => ("vi", d.out.join("en").join(rel)),
        };
        assert!(twin.is_file(), "{} has no twin {}", rel.display(), twin.display());
        let doc = parse(page);
        assert_eq!(lang_of(&doc), expected, "{}", rel.display());
        let switch = doc
            .select(&sel("a.lang-switch"))
            .next()
            .unwrap_or_else(|| panic!("{}: no language switch", rel.display()));
        let (target, _) = resolve(&d.out, page, switch.value().attr("href").unwrap()).unwrap();
        assert_eq!(
            target,
            twin,
            "{}: the language switch goes elsewhere",
            rel.display()
        );
        assert_eq!(
            doc.select(&sel("h1")).count(),
            1,
            "{}: one h1 per page",
            rel.display()
        );
    }
}

#[test]
fn json_ld_parses_and_names_the_right_types() {
    let d = demo();
    let mut types = BTreeMap::new();
    for page in html_files(&d.out) {
        if page.strip_prefix(&d.out).unwrap().starts_with("O") {
            continue; // copies of /o/ pages for QR codes
        }
        for s in parse(&page).select(&sel("script[type=\"application/ld+json\"]")) {
            let text: String = s.text().collect();
            let v: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
            assert_eq!(v["@context"], "https://schema.org");
            *types.entry(v["@type"].as_str().unwrap().to_string()).or_insert(0) += 1;
            if v["@type"] == "VisualArtwork" {
                assert!(
                    v["name"].is_string() && v["identifier"].is_string() && v["image"].is_array(),
                    "{v}"
                );
                assert!(v["url"].as_str().unwrap().starts_with("https://"), "{v}");
            }
        }
    }
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    assert_eq!(
        types.get("VisualArtwork"),
        Some(&(site.visible_item_ids(false).len() * 2))
    );
    assert_eq!(
        types.get("ExhibitionEvent"),
        Some(&(site.visible_exhibits(false).len() * 2))
    );
    assert_eq!(types.get("Museum"), Some(&2));
}

#[test]
fn object_pages_have_metadata_breadcrumbs_and_neighbours() {
    let d = demo();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let ex = site.visible_exhibits(false)[0];
    let ids = ex.item_ids();
    let second = parse(&d.out.join(format!("o/{}/index.html", ids[1])));
    assert!(second.select(&sel("dl.facts dt")).count() >= 4);
    assert_eq!(
        second
            .select(&sel("a[rel=prev]"))
            .next()
            .unwrap()
            .value()
            .attr("href"),
        Some(format!("../../o/{}/", ids[0]).as_str())
    );
    assert_eq!(
        second
            .select(&sel("a[rel=next]"))
            .next()
            .unwrap()
            .value()
            .attr("href"),
        Some(format!("../../o/{}/", ids[2]).as_str())
    );
    let crumbs: Vec<String> = second
        .select(&sel(".crumbs li"))
        .map(|l| l.text().collect())
        .collect();
    assert_eq!(crumbs.len(), 4, "{crumbs:?}");
    assert_eq!(crumbs[2], ex.title.vi.clone().unwrap());
    // The first object has no previous one.
    let first = parse(&d.out.join(format!("o/{}/index.html", ids[0])));
    assert!(first.select(&sel("a[rel=prev]")).next().is_none());
}

/// The tour of a programme is named as such in the crumbs, after the programme's title: the
/// trail never says the same words twice (it cost a line on a phone).
#[test]
fn a_tour_crumb_does_not_repeat_the_programme() {
    let d = demo();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let p = site.programmes.first().expect("the demo has a programme");
    for (prefix, lang, tour) in [
        ("", vitrine::content::Lang::Vi, "Làm bài"),
        ("en/", vitrine::content::Lang::En, "Class tour"),
    ] {
        let page = parse(&d.out.join(format!("{prefix}p/{}/tour/index.html", p.slug)));
        let crumbs: Vec<String> = page
            .select(&sel(".crumbs li"))
            .map(|l| l.text().collect::<String>().trim().to_string())
            .collect();
        let title = p.title.pick(lang).unwrap().0.to_string();
        assert_eq!(crumbs.len(), 4, "{crumbs:?}");
        assert_eq!(crumbs[2], title, "{crumbs:?}");
        assert_eq!(crumbs[3], tour, "{crumbs:?}");
        // The page's own title still names the programme.
        let h1: String = page.select(&sel("main h1")).next().unwrap().text().collect();
        assert_eq!(h1.trim(), title);
    }
}

/// The list the static 404 page reads to suggest an object: every published object ID, one a
/// line.
#[test]
fn the_id_list_holds_every_published_object() {
    let d = demo();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let list = std::fs::read_to_string(d.out.join("data/ids.txt")).unwrap();
    let listed: Vec<&str> = list.lines().collect();
    let mut ids: Vec<String> = site
        .visible_item_ids(false)
        .into_iter()
        .map(|s| s.to_string())
        .collect();
    ids.sort();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn images_carry_size_alt_srcset_and_lazy_loading() {
    let d = demo();
    let mut checked = 0;
    for page in html_files(&d.out) {
        let doc = parse(&page);
        for img in doc.select(&sel("main img")) {
            let a = img.value();
            assert!(
                a.attr("alt").is_some() && a.attr("width").is_some() && a.attr("height").is_some(),
                "{}: {}",
                page.display(),
                img.html()
            );
        }
        for source in doc.select(&sel("main picture source")) {
            assert_eq!(source.value().attr("type"), Some("image/webp"));
            for cand in source.value().attr("srcset").unwrap().split(',') {
                let mut parts = cand.split_whitespace();
                let file = resolve(&d.out, &page, parts.next().unwrap()).unwrap().0;
                let declared: u32 = parts.next().unwrap().trim_end_matches('w').parse().unwrap();
                let bytes = std::fs::read(&file).unwrap();
                let webp = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap();
                assert_eq!(webp.width(), declared, "{}", file.display());
            }
        }
        for (i, img) in doc.select(&sel("main picture img")).enumerate() {
            let a = img.value();
            let (w, h): (u32, u32) = (
                a.attr("width").unwrap().parse().unwrap(),
                a.attr("height").unwrap().parse().unwrap(),
            );
            assert!(a.attr("alt").is_some(), "{}: image without alt", page.display());
            let src = resolve(&d.out, &page, a.attr("src").unwrap()).unwrap().0;
            assert_eq!(
                image::image_dimensions(&src).unwrap(),
                (w, h),
                "{}: width/height differ from the file",
                page.display()
            );
            let srcset = a.attr("srcset").expect("srcset");
            for cand in srcset.split(',') {
                let mut parts = cand.split_whitespace();
                let file = resolve(&d.out, &page, parts.next().unwrap()).unwrap().0;
                let declared: u32 = parts.next().unwrap().trim_end_matches('w').parse().unwrap();
                assert_eq!(
                    image::image_dimensions(&file).unwrap().0,
                    declared,
                    "{}",
                    file.display()
                );
            }
            assert!(a.attr("sizes").is_some());
            if i > 0 {
                assert_eq!(
                    a.attr("loading"),
                    Some("lazy"),
                    "{}: image {i} is not lazy",
                    page.display()
                );
            }
            checked += 1;
        }
        // Alt text on object pages is real text, not empty.
        if page.to_string_lossy().contains("/o/") {
            let first = doc.select(&sel(".object-media img")).next().unwrap();
            assert!(
                first.value().attr("alt").unwrap().chars().count() > 10,
                "{}",
                page.display()
            );
            assert_eq!(first.value().attr("fetchpriority"), Some("high"));
        }
    }
    assert!(checked > 100, "only {checked} images checked");
}

#[test]
fn derivatives_follow_the_configured_widths_and_are_never_upscaled() {
    let d = demo();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let widths = &site.config.image_widths;
    for id in site.visible_item_ids(false) {
        let it = &site.items[id];
        let src_w = it.images[0].width;
        let mut expected: Vec<u32> = widths.iter().copied().filter(|w| *w < src_w).collect();
        if widths.iter().any(|w| *w >= src_w) {
            expected.push(src_w);
        }
        let doc = parse(&d.out.join(format!("o/{id}/index.html")));
        let img = doc.select(&sel(".object-media img")).next().unwrap();
        let got: Vec<u32> = img
            .value()
            .attr("srcset")
            .unwrap()
            .split(',')
            .map(|c| {
                c.split_whitespace()
                    .nth(1)
                    .unwrap()
                    .trim_end_matches('w')
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(got, expected, "{id}: source {src_w} px wide");
    }
}

#[test]
fn sitemap_robots_and_open_data() {
    let d = demo();
    let sitemap = std::fs::read_to_string(d.out.join("sitemap.xml")).unwrap();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let base = &site.config.base_url;
    for id in site.visible_item_ids(false) {
        assert!(sitemap.contains(&format!("<loc>{base}/o/{id}/</loc>")));
        assert!(sitemap.contains(&format!("hreflang=\"en\" href=\"{base}/en/o/{id}/\"")));
    }
    let robots = std::fs::read_to_string(d.out.join("robots.txt")).unwrap();
    assert!(robots.contains(&format!("Sitemap: {base}/sitemap.xml")));
    let mut rdr = csv::Reader::from_path(d.out.join("data/objects.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(headers.get(0), Some("dc:identifier"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), site.visible_item_ids(false).len());
    let title_vi = headers.iter().position(|h| h == "dc:title@vi").unwrap();
    let first = &rows[0];
    assert_eq!(first[title_vi], *site.items[&first[0]].title.vi.as_ref().unwrap());
}

#[test]
fn second_demo_build_decodes_and_encodes_no_image() {
    let d = demo();
    assert!(
        d.report.media.decoded > 0 && d.report.media.reused == 0,
        "{:?}",
        d.report.media
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut o = vitrine::build::BuildOptions::new(repo());
    o.out = tmp.path().join("public");
    o.cache = d.cache_parent.join("cache");
    let again = vitrine::build::build_site(&o).unwrap();
    assert_eq!((again.media.decoded, again.media.encoded), (0, 0));
    assert_eq!(again.media.reused, d.report.media.sources);
}

#[test]
fn pages_stay_small() {
    let d = demo();
    for page in html_files(&d.out) {
        let len = std::fs::metadata(&page).unwrap().len();
        assert!(len < 60_000, "{} is {len} bytes", page.display());
    }
}

/// Every file of a built site with a hash of its bytes (short enough to print when a test fails).
fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut m = BTreeMap::new();
    walk(root, &mut |p| {
        let hash = blake3::hash(&std::fs::read(p).unwrap()).to_hex()[..16].to_string();
        m.insert(p.strip_prefix(root).unwrap().to_path_buf(), hash);
    });
    m
}

#[test]
fn rebuild_reuses_every_image_and_is_byte_identical() {
    let (tmp, root) = copy_fixture("tiny");
    let first = build_into(&root, tmp.path()).unwrap();
    assert_eq!((first.media.decoded, first.media.reused), (2, 0));
    let before = tree(&tmp.path().join("public"));
    let second = build_into(&root, tmp.path()).unwrap();
    assert_eq!(
        (second.media.decoded, second.media.encoded, second.media.reused),
        (0, 0, 2)
    );
    assert_eq!(
        before,
        tree(&tmp.path().join("public")),
        "two builds of the same content differ"
    );
    // A changed photo is processed again, and only that one.
    let p = root.join("exhibits/kho-bau/objects/T-002/coin.png");
    let img = image::open(&p).unwrap().rotate90();
    img.save(&p).unwrap();
    let third = build_into(&root, tmp.path()).unwrap();
    assert_eq!((third.media.decoded, third.media.reused), (1, 1));
}

#[test]
fn drafts_are_published_only_on_request() {
    let (tmp, root) = copy_fixture("tiny");
    build_into(&root, tmp.path()).unwrap();
    let out = tmp.path().join("public");
    assert!(!out.join("o/D-001/index.html").exists());
    assert!(!out.join("e/nhap/index.html").exists());
    assert!(
        !std::fs::read_to_string(out.join("sitemap.xml"))
            .unwrap()
            .contains("D-001")
    );
    let mut o = vitrine::build::BuildOptions::new(&root);
    o.out = out.clone();
    o.cache = tmp.path().join("cache");
    o.drafts = true;
    vitrine::build::build_site(&o).unwrap();
    assert!(out.join("o/D-001/index.html").is_file());
    assert!(out.join("en/e/nhap/index.html").is_file());
    check_links(&out);
}

#[test]
fn missing_translation_is_shown_with_a_note_and_a_lang_attribute() {
    let (tmp, root) = copy_fixture("tiny");
    build_into(&root, tmp.path()).unwrap();
    let doc = parse(&tmp.path().join("public/en/o/T-002/index.html"));
    let h1 = doc
        .select(&sel("h1 span[lang=vi]"))
        .next()
        .expect("the Vietnamese title is marked lang=vi");
    assert_eq!(h1.text().collect::<String>(), "Đồng tiền Thái Bình hưng bảo");
    assert!(
        doc.select(&sel(".note")).next().is_some(),
        "no visible note about the missing English text"
    );
    assert!(doc.select(&sel(".prose[lang=vi]")).next().is_some());
    // The Vietnamese page has no such note.
    let vi = parse(&tmp.path().join("public/o/T-002/index.html"));
    assert!(vi.select(&sel(".note")).next().is_none());
}

#[test]
fn theme_override_replaces_only_the_object_page() {
    let (tmp, root) = copy_fixture("tiny");
    build_into(&root, tmp.path()).unwrap();
    let default = tree(&tmp.path().join("public"));
    std::fs::create_dir_all(root.join("themes/test")).unwrap();
    std::fs::write(
        root.join("themes/test/object.html"),
        "{% extends \"base.html\" %}{% block content %}<h1 class=\"test-theme\">{{ txt(page.title) }}</h1>{% endblock %}",
    )
    .unwrap();
    let cfg = std::fs::read_to_string(root.join("vitrine.toml"))
        .unwrap()
        .replace("format = 1", "format = 1\ntheme = \"test\"");
    std::fs::write(root.join("vitrine.toml"), cfg).unwrap();
    let out2 = tmp.path().join("second");
    build_into(&root, &out2).unwrap();
    let themed = tree(&out2.join("public"));
    assert_eq!(
        default.keys().collect::<Vec<_>>(),
        themed.keys().collect::<Vec<_>>()
    );
    for (path, hash) in &themed {
        let p = path.to_string_lossy().to_lowercase();
        let is_object = p.ends_with("index.html") && (p.starts_with("o/") || p.starts_with("en/o/"));
        let bytes = std::fs::read(out2.join("public").join(path)).unwrap();
        let marked = String::from_utf8_lossy(&bytes).contains("test-theme");
        assert_eq!(is_object, marked, "{}", path.display());
        if !is_object {
            assert_eq!(
                hash,
                &default[path],
                "{} changed although only object.html was overridden",
                path.display()
            );
        }
    }
}

#[test]
fn failed_build_leaves_the_previous_site_untouched() {
    let (tmp, root) = copy_fixture("tiny");
    build_into(&root, tmp.path()).unwrap();
    let before = tree(&tmp.path().join("public"));
    // A theme whose object template fails while rendering: media are done, pages half rendered.
    std::fs::create_dir_all(root.join("themes/broken")).unwrap();
    std::fs::write(
        root.join("themes/broken/object.html"),
        "{{ page.no_such_field.x }}",
    )
    .unwrap();
    let cfg = std::fs::read_to_string(root.join("vitrine.toml"))
        .unwrap()
        .replace("format = 1", "format = 1\ntheme = \"broken\"");
    std::fs::write(root.join("vitrine.toml"), &cfg).unwrap();
    // And a new photo, so the failing build really wrote images before it stopped.
    std::fs::write(
        root.join("exhibits/kho-bau/objects/T-002/coin.png"),
        std::fs::read(root.join("exhibits/kho-bau/objects/T-001/jar.png")).unwrap(),
    )
    .unwrap();
    let err = build_into(&root, tmp.path()).unwrap_err();
    assert!(
        err.to_string().contains("object.html") || err.to_string().contains("o/T-00"),
        "{err}"
    );
    assert_eq!(before, tree(&tmp.path().join("public")));
    // The spare tree (the next site in the making) stays, with a record of what it holds; no
    // other folder does.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with(".public") && n != ".public.spare")
        .collect();
    assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
    // Content errors stop the build before anything is written.
    std::fs::write(
        root.join("vitrine.toml"),
        cfg.replace("theme = \"broken\"", "theme = \"default\""),
    )
    .unwrap();
    std::fs::write(
        root.join("exhibits/kho-bau/objects/T-001/object.toml"),
        "id = \"T-001\"\ntitle = 3\n",
    )
    .unwrap();
    assert!(matches!(
        build_into(&root, tmp.path()),
        Err(vitrine::build::BuildError::Content(_))
    ));
    assert_eq!(before, tree(&tmp.path().join("public")));
}

#[test]
fn hostile_content_cannot_inject_script() {
    let (tmp, root) = copy_fixture("tiny");
    let p = root.join("exhibits/kho-bau/objects/T-001/object.toml");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace(
            "Bình gốm men ngọc",
            "<script>alert(1)</script>\\\" onmouseover=\\\"alert(2)",
        )
        .replace("\"A round brown jar\"", "\"\\\"><script>alert(3)</script>\"");
    std::fs::write(&p, text).unwrap();
    std::fs::write(
        root.join("exhibits/kho-bau/objects/T-001/vi.md"),
        "<script>alert(4)</script>\n\n[bấm](javascript:alert(5)) <img src=x onerror=alert(6)>\n\n<iframe src=\"https://evil.example\"></iframe>",
    )
    .unwrap();
    build_into(&root, tmp.path()).unwrap();
    for page in html_files(&tmp.path().join("public")) {
        let doc = parse(&page);
        for s in doc.select(&sel("script")) {
            let ok = s.value().attr("type") == Some("application/ld+json")
                || s.value().attr("src").is_some_and(|x| {
                    ["search", "zoom", "programmes", "tour", "notfound", "labels"]
                        .iter()
                        .any(|a| x.contains(&format!("assets/{a}.")))
                });
            assert!(ok, "{}: unexpected script {}", page.display(), s.html());
            if s.value().attr("type") == Some("application/ld+json") {
                let text: String = s.text().collect();
                assert!(!text.contains("</script"), "{}", page.display());
                serde_json::from_str::<serde_json::Value>(&text).unwrap();
            }
        }
        for el in doc.select(&sel("*")) {
            for (name, value) in el.value().attrs() {
                assert!(
                    !name.starts_with("on"),
                    "{}: event handler attribute {name}",
                    page.display()
                );
                assert!(
                    !value.trim_start().to_ascii_lowercase().starts_with("javascript:"),
                    "{}: {value}",
                    page.display()
                );
            }
        }
        assert!(doc.select(&sel("iframe")).next().is_none());
    }
    let object = std::fs::read_to_string(tmp.path().join("public/o/T-001/index.html")).unwrap();
    assert!(
        object.contains("&lt;script&gt;alert(4)&lt;/script&gt;"),
        "raw HTML is shown as text"
    );
}

#[test]
fn missing_ui_translation_is_reported_and_the_page_falls_back() {
    let (tmp, root) = copy_fixture("tiny");
    std::fs::create_dir_all(root.join("themes/thieu/locales")).unwrap();
    let en = vitrine::render::Theme::load(&root, "default")
        .unwrap()
        .text("locales/en.toml")
        .unwrap();
    std::fs::write(
        root.join("themes/thieu/locales/en.toml"),
        en.replace("details = \"Object details\"\n", ""),
    )
    .unwrap();
    let cfg = std::fs::read_to_string(root.join("vitrine.toml"))
        .unwrap()
        .replace("format = 1", "format = 1\ntheme = \"thieu\"");
    std::fs::write(root.join("vitrine.toml"), cfg).unwrap();
    let (_, d) = vitrine::build::check(&root);
    let w = d.with_code("missing-ui-translation").collect::<Vec<_>>();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].field, "object.details");
    build_into(&root, tmp.path()).unwrap();
    let doc = parse(&tmp.path().join("public/en/o/T-001/index.html"));
    let h: String = doc.select(&sel("#facts-h")).next().unwrap().text().collect();
    assert_eq!(h, "Thông tin hiện vật", "falls back to the Vietnamese string");
}

#[test]
fn closed_exhibitions_are_not_current() {
    let (tmp, root) = copy_fixture("tiny");
    let p = root.join("exhibits/kho-bau/exhibit.toml");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replace("opens = 2020-01-01", "opens = 2020-01-01\ncloses = 2021-01-01");
    std::fs::write(&p, t).unwrap();
    build_into(&root, tmp.path()).unwrap();
    let home = parse(&tmp.path().join("public/index.html"));
    assert_eq!(
        home.select(&sel("main .card")).count(),
        0,
        "a closed exhibition is listed as current"
    );
    let list: String = parse(&tmp.path().join("public/e/index.html"))
        .select(&sel(".card-meta"))
        .flat_map(|e| e.text())
        .collect();
    assert!(list.contains("Đã kết thúc"), "{list}");
}

#[test]
fn leftovers_of_killed_builds_are_removed_and_running_ones_kept() {
    let (tmp, root) = copy_fixture("tiny");
    // A pid that is not running (above the kernel's default pid_max) and one that is (ours).
    let dead = 4_194_304 + 17;
    let alive = std::process::id();
    let cache = tmp.path().join("cache/media");
    for pid in [dead, alive] {
        std::fs::create_dir_all(cache.join(format!(".tmp-0123456789abcdef0123-{pid}-ThreadId(2)"))).unwrap();
        std::fs::create_dir_all(tmp.path().join(format!(".public.building-{pid}"))).unwrap();
    }
    build_into(&root, tmp.path()).unwrap();
    let names = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    assert_eq!(
        names(&cache),
        vec![format!(".tmp-0123456789abcdef0123-{alive}-ThreadId(2)")]
    );
    let staging: Vec<String> = names(tmp.path());
    assert!(
        !staging.iter().any(|n| n.contains(&dead.to_string())),
        "{staging:?}"
    );
}

#[test]
fn audio_guide_has_a_player_a_transcript_and_its_number() {
    let (tmp, root) = copy_fixture("tiny");
    build_into(&root, tmp.path()).unwrap();
    let out = tmp.path().join("public");
    let page = out.join("en/o/T-001/index.html");
    let doc = parse(&page);
    let audio = doc.select(&sel("section.audio audio")).next().expect("a player");
    assert_eq!(audio.value().attr("controls"), Some(""));
    assert_eq!(
        audio.value().attr("preload"),
        Some("none"),
        "audio must not load before it is played"
    );
    let source = doc.select(&sel("section.audio audio source")).next().unwrap();
    assert_eq!(source.value().attr("type"), Some("audio/mpeg"));
    let file = resolve(&out, &page, source.value().attr("src").unwrap())
        .unwrap()
        .0;
    let original = root.join("exhibits/kho-bau/objects/T-001/guide.vi.mp3");
    assert_eq!(std::fs::read(&file).unwrap(), std::fs::read(&original).unwrap());
    // The recording is Vietnamese: its transcript says so to screen readers.
    let transcript = doc
        .select(&sel("section.audio details .prose[lang=vi]"))
        .next()
        .expect("a transcript");
    assert!(transcript.text().collect::<String>().contains("Hoa Lư"));
    let number: String = doc
        .select(&sel("section.audio .badge"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(number.trim(), "7");
}

/// A museum whose exhibition kho-bau holds `n` more objects, in two sections.
fn large_museum(n: usize) -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = copy_fixture("tiny");
    let objects = root.join("exhibits/kho-bau/objects");
    let mut first = vec!["\"T-001\"".to_string(), "\"T-002\"".to_string()];
    let mut second = Vec::new();
    for i in 0..n {
        let id = format!("L-{i:04}");
        std::fs::create_dir_all(objects.join(&id)).unwrap();
        std::fs::write(
            objects.join(&id).join("object.toml"),
            format!(
                "id = \"{id}\"\ntitle = {{ vi = \"Bình gốm số {i}\", en = \"Ceramic jar no. {i}\" }}\n\
                 date = {{ display = {{ vi = \"Thế kỷ 15\", en = \"15th century\" }}, from = 1401, to = 1500 }}\n\
                 material = {{ vi = \"Gốm men\", en = \"Glazed ceramic\" }}\n"
            ),
        )
        .unwrap();
        let section = if i < n * 5 / 9 { &mut first } else { &mut second };
        section.push(format!("\"{id}\""));
    }
    let text = std::fs::read_to_string(root.join("exhibits/kho-bau/exhibit.toml")).unwrap();
    let head = &text[..text.find("[[section]]").unwrap()];
    std::fs::write(
        root.join("exhibits/kho-bau/exhibit.toml"),
        format!(
            "{head}[[section]]\ntitle = {{ vi = \"Gốm\", en = \"Ceramics\" }}\ntext = {{ vi = \"Đồ gốm.\", en = \"Ceramics.\" }}\nobjects = [{}]\n\n\
             [[section]]\ntitle = {{ vi = \"Gốm men\", en = \"Glazed ware\" }}\nobjects = [{}]\n",
            first.join(", "),
            second.join(", ")
        ),
    )
    .unwrap();
    (tmp, root)
}

#[test]
fn a_large_exhibition_gets_pages_per_section_and_label_sheets_per_part() {
    let (tmp, root) = large_museum(450);
    build_into(&root, tmp.path()).unwrap();
    let out = tmp.path().join("public");
    let cards = |p: &str| parse(&out.join(p)).select(&sel(".cards > li")).count();
    // The exhibition shows each section's first cards and links to the rest.
    let ex = parse(&out.join("e/kho-bau/index.html"));
    assert_eq!(ex.select(&sel(".cards > li")).count(), 24);
    let more: Vec<String> = ex
        .select(&sel("p.more a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert_eq!(more, ["../../e/kho-bau/phan-1/", "../../e/kho-bau/phan-2/"]);
    // Section 1 (252 objects): two pages; section 2 (200): one.
    assert_eq!(cards("e/kho-bau/phan-1/index.html"), 200);
    assert_eq!(cards("e/kho-bau/phan-1/2/index.html"), 52);
    assert_eq!(cards("e/kho-bau/phan-2/index.html"), 200);
    assert!(!out.join("e/kho-bau/phan-2/2").exists());
    assert_eq!(cards("en/e/kho-bau/phan-1/2/index.html"), 52);
    let pager = parse(&out.join("e/kho-bau/phan-1/2/index.html"));
    assert_eq!(
        pager
            .select(&sel(".pager a[aria-current=page]"))
            .map(|a| a.text().collect::<String>())
            .collect::<Vec<_>>(),
        ["2"]
    );
    // Labels: the sheet lists the parts; each part is a sheet of at most 200 labels.
    let labels = |p: &str| parse(&out.join(p)).select(&sel("section.label")).count();
    let index = parse(&out.join("e/kho-bau/labels/index.html"));
    let parts: Vec<String> = index
        .select(&sel("ul.parts a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let base = "../../../e/kho-bau/labels/";
    assert_eq!(
        parts,
        [
            format!("{base}phan-1/"),
            format!("{base}phan-1/2/"),
            format!("{base}phan-2/")
        ]
    );
    assert_eq!(labels("e/kho-bau/labels/index.html"), 0);
    assert_eq!(labels("e/kho-bau/labels/phan-1/index.html"), 200);
    assert_eq!(labels("e/kho-bau/labels/phan-1/2/index.html"), 52);
    assert_eq!(labels("e/kho-bau/labels/large/phan-2/index.html"), 200);
    // Search engines find every section page, in both languages; label sheets are not pages
    // to find.
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    for page in ["e/kho-bau/phan-1/", "e/kho-bau/phan-1/2/", "e/kho-bau/phan-2/"] {
        for lang in ["", "en/"] {
            assert!(
                sitemap.contains(&format!("/{lang}{page}</loc>")),
                "{lang}{page} not in the sitemap"
            );
        }
    }
    assert!(!sitemap.contains("phan-2/2/"));
    assert!(!sitemap.contains("labels/"));
    // Every link of every page resolves, and every HTML page stays small.
    check_links(&out);
    for page in html_files(&out) {
        let len = std::fs::metadata(&page).unwrap().len();
        assert!(len < 150_000, "{} is {len} bytes", page.display());
    }
}

/// A curator prints the labels of some objects only: the list of parts keeps the parts that hold
/// them, and each part's sheet shows only the chosen labels (in Chromium, through the form).
#[test]
fn labels_can_be_chosen_by_id_and_range_across_the_parts_of_a_sheet() {
    if !crate::gate::checkers() {
        return;
    }
    let (tmp, root) = large_museum(450);
    build_into(&root, tmp.path()).unwrap();
    let out = tmp.path().join("public");
    // Without JavaScript the form stays hidden and the whole sheet prints.
    let sheet = parse(&out.join("e/kho-bau/labels/phan-1/2/index.html"));
    assert!(sheet.select(&sel("form#choose[hidden]")).next().is_some());
    let r = crate::gate::node_json(
        "labels.mjs",
        &[
            out.as_os_str(),
            "/e/kho-bau/labels/".as_ref(),
            "l-0200..L-0210, L-0300".as_ref(),
        ],
    );
    let query = "?chon=l-0200..L-0210%2C%20L-0300";
    assert_eq!(
        r["parts"],
        serde_json::json!([
            format!("/e/kho-bau/labels/phan-1/2/{query}"),
            format!("/e/kho-bau/labels/phan-2/{query}")
        ]),
        "{r}"
    );
    assert!(r["status"].as_str().unwrap().starts_with("2 trong 3 phần"), "{r}");
    let first: Vec<String> = (200..=210).map(|i| format!("L-{i:04}")).collect();
    assert_eq!(r["sheets"][0]["shown"], serde_json::json!(first), "{r}");
    assert_eq!(r["sheets"][0]["hidden"], 52 - 11);
    assert_eq!(r["sheets"][0]["choice"], "l-0200..L-0210, L-0300");
    assert_eq!(r["sheets"][0]["status"], "Sẽ in 11 trong 52 nhãn của tờ này.");
    assert_eq!(r["sheets"][1]["shown"], serde_json::json!(["L-0300"]), "{r}");
    assert_eq!(r["sheets"][1]["hidden"], 199);
}
