// The media pipeline checked by outside tools: QR codes decoded by zbarimg (PNG, and SVG
// rasterised by rsvg-convert), labels printed by Chromium to PDF and measured, IIIF documents and
// the tiles they promise, EXIF orientation, and the page-weight budget of object pages.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

pub(crate) fn decode_qr(png: &Path) -> String {
    let o = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(png)
        .output()
        .unwrap();
    assert!(o.status.success(), "zbarimg found no code in {}", png.display());
    String::from_utf8(o.stdout)
        .unwrap()
        .trim_end_matches('\n')
        .to_string()
}

/// The built file a URL of the site leads to (paths are case-sensitive, as on static hosts).
fn page_for(out: &Path, base_url: &str, url: &str) -> PathBuf {
    let (scheme_host, path) = url.split_at(base_url.len());
    assert!(
        scheme_host.eq_ignore_ascii_case(base_url),
        "{url} is not on {base_url}"
    );
    let mut p = out.join(path.trim_start_matches('/'));
    if path.ends_with('/') {
        p.push("index.html");
    }
    p
}

#[test]
fn every_qr_code_decodes_to_its_page_and_the_page_exists() {
    if !tool("zbarimg", "zbar-tools") || !tool("rsvg-convert", "librsvg2-bin") {
        return;
    }
    let d = demo();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let base = &site.config.base_url;
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for id in site.visible_item_ids(false) {
        let expected = format!("{}/O/{id}/", base.to_uppercase());
        let png = d.out.join(format!("qr/{id}.png"));
        assert_eq!(decode_qr(&png), expected, "{}", png.display());
        let raster = tmp.path().join(format!("{id}.png"));
        let st = Command::new("rsvg-convert")
            .args(["-w", "600", "-o"])
            .arg(&raster)
            .arg(d.out.join(format!("qr/{id}.svg")))
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(decode_qr(&raster), expected, "SVG of {id}");
        // Upper case throughout: QR alphanumeric mode.
        assert!(vitrine::media::qr::is_alphanumeric(&expected));
        let page = page_for(&d.out, base, &expected);
        assert!(page.is_file(), "{expected} leads to no page ({})", page.display());
        let h1: String = parse(&page).select(&sel("h1")).next().unwrap().text().collect();
        assert_eq!(h1, site.items[id].title.vi.clone().unwrap());
        checked += 1;
    }
    for ex in site.visible_exhibits(false) {
        let url = decode_qr(&d.out.join(format!("qr/e-{}.png", ex.slug)));
        assert_eq!(url, format!("{base}/e/{}/", ex.slug));
        assert!(page_for(&d.out, base, &url).is_file());
    }
    let checkin = decode_qr(&d.out.join("qr/checkin.png"));
    assert_eq!(checkin, format!("{base}/checkin/"));
    assert!(page_for(&d.out, base, &checkin).is_file());
    assert!(checked >= 30);
}

#[test]
fn iiif_documents_are_valid_and_their_tiles_exist() {
    let d = demo();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let read = |p: PathBuf| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
    };
    let mut tiled = 0;
    for e in std::fs::read_dir(d.out.join("iiif")).unwrap() {
        let dir = e.unwrap().path();
        if !dir.join("info.json").is_file() {
            continue;
        }
        let info = read(dir.join("info.json"));
        assert_eq!(info["@context"], "http://iiif.io/api/image/3/context.json");
        assert_eq!(
            (info["type"].as_str(), info["profile"].as_str()),
            (Some("ImageService3"), Some("level0"))
        );
        assert_eq!(info["protocol"], "http://iiif.io/api/image");
        assert!(info["id"].as_str().unwrap().starts_with(&site.config.base_url));
        let (w, h) = (info["width"].as_u64().unwrap(), info["height"].as_u64().unwrap());
        let tile = info["tiles"][0]["width"].as_u64().unwrap();
        // Every tile a IIIF level-0 client would ask for, at every scale factor, exists.
        for sf in info["tiles"][0]["scaleFactors"].as_array().unwrap() {
            let sf = sf.as_u64().unwrap();
            let span = tile * sf;
            for y in (0..h).step_by(span as usize) {
                for x in (0..w).step_by(span as usize) {
                    let (rw, rh) = (span.min(w - x), span.min(h - y));
                    let name = format!(
                        "{x},{y},{rw},{rh}/{},{}/0/default.jpg",
                        rw.div_ceil(sf),
                        rh.div_ceil(sf)
                    );
                    let f = dir.join(&name);
                    assert!(f.is_file(), "{} missing", f.display());
                    assert_eq!(
                        image::image_dimensions(&f).unwrap(),
                        (rw.div_ceil(sf) as u32, rh.div_ceil(sf) as u32)
                    );
                }
            }
        }
        for s in info["sizes"].as_array().unwrap() {
            let f = dir.join(format!("full/{},{}/0/default.jpg", s["width"], s["height"]));
            assert!(f.is_file(), "{} missing", f.display());
        }
        tiled += 1;
    }
    assert!(tiled >= 20, "only {tiled} photos have deep-zoom tiles");
    for id in site.visible_item_ids(false) {
        let m = read(d.out.join(format!("iiif/o/{id}/manifest.json")));
        assert_eq!(m["@context"], "http://iiif.io/api/presentation/3/context.json");
        assert_eq!(m["type"], "Manifest");
        assert!(
            m["label"]["vi"][0].is_string() && m["label"]["en"][0].is_string(),
            "{id}: {}",
            m["label"]
        );
        assert_eq!(m["rights"], "http://creativecommons.org/licenses/by/4.0/");
        assert!(m["requiredStatement"]["value"]["vi"][0].is_string());
        let canvas = &m["items"][0];
        assert_eq!(canvas["type"], "Canvas");
        let anno = &canvas["items"][0]["items"][0];
        assert_eq!(
            (anno["motivation"].as_str(), anno["target"].as_str()),
            (Some("painting"), canvas["id"].as_str())
        );
        let body = &anno["body"];
        let local = page_for(&d.out, &site.config.base_url, body["id"].as_str().unwrap());
        assert!(local.is_file(), "{id}: image {} missing", body["id"]);
        if let Some(service) = body["service"][0]["id"].as_str() {
            assert!(page_for(&d.out, &site.config.base_url, &format!("{service}/info.json")).is_file());
        }
    }
    for ex in site.visible_exhibits(false) {
        let c = read(d.out.join(format!("iiif/e/{}/collection.json", ex.slug)));
        assert_eq!(c["type"], "Collection");
        for item in c["items"].as_array().unwrap() {
            assert!(page_for(&d.out, &site.config.base_url, item["id"].as_str().unwrap()).is_file());
        }
    }
}

/// Width in CSS pixels of a `sizes` attribute for a viewport `vw` pixels wide (1rem = 16px).
fn eval_sizes(sizes: &str, vw: f64) -> f64 {
    let len = |v: &str| -> f64 {
        let v = v.trim();
        if let Some(n) = v.strip_suffix("vw") {
            n.parse::<f64>().unwrap() * vw / 100.0
        } else if let Some(n) = v.strip_suffix("rem") {
            n.parse::<f64>().unwrap() * 16.0
        } else {
            v.trim_end_matches("px").parse().unwrap()
        }
    };
    for entry in sizes.split(',') {
        let entry = entry.trim();
        match entry.strip_prefix("(min-width:") {
            Some(rest) => {
                let (cond, value) = rest.split_once(')').unwrap();
                if vw >= len(cond) {
                    return len(value);
                }
            }
            None => return len(entry),
        }
    }
    vw
}

#[test]
fn object_pages_first_view_on_a_phone_stays_under_150_kb() {
    let d = demo();
    let mut worst = (0u64, String::new());
    for page in html_files(&d.out.join("o")) {
        let doc = parse(&page);
        let mut bytes = std::fs::metadata(&page).unwrap().len();
        for link in doc.select(&sel("link[rel=stylesheet]")) {
            bytes += std::fs::metadata(
                resolve(&d.out, &page, link.value().attr("href").unwrap())
                    .unwrap()
                    .0,
            )
            .unwrap()
            .len();
        }
        for script in doc.select(&sel("script[src]")) {
            bytes += std::fs::metadata(
                resolve(&d.out, &page, script.value().attr("src").unwrap())
                    .unwrap()
                    .0,
            )
            .unwrap()
            .len();
        }
        // The image a 360 px wide, DPR 2 phone downloads: the smallest WebP candidate covering
        // the displayed width at two device pixels per CSS pixel.
        let source = doc.select(&sel("main picture source")).next().expect("a picture");
        let need = eval_sizes(source.value().attr("sizes").unwrap(), 360.0) * 2.0;
        let mut candidates: Vec<(u32, &str)> = source
            .value()
            .attr("srcset")
            .unwrap()
            .split(',')
            .map(|c| {
                let mut p = c.split_whitespace();
                let url = p.next().unwrap();
                (p.next().unwrap().trim_end_matches('w').parse().unwrap(), url)
            })
            .collect();
        candidates.sort();
        let chosen = candidates
            .iter()
            .find(|(w, _)| f64::from(*w) >= need)
            .unwrap_or(candidates.last().unwrap());
        bytes += std::fs::metadata(resolve(&d.out, &page, chosen.1).unwrap().0)
            .unwrap()
            .len();
        assert!(bytes < 150_000, "{}: {bytes} bytes at first view", page.display());
        if bytes > worst.0 {
            worst = (bytes, page.display().to_string());
        }
    }
    eprintln!(
        "heaviest object page at first view: {} bytes ({})",
        worst.0, worst.1
    );
}

/// A JPEG `w`×`h`, left half red and right half blue, marked with EXIF orientation 6 (the
/// camera was turned: show it rotated 90° clockwise).
fn rotated_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let mut jpeg = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90))
        .unwrap();
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0".to_vec();
    let len = (exif.len() + 2) as u16;
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(len.to_be_bytes());
    app1.append(&mut exif);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied_to_every_derivative() {
    let (tmp, root) = copy_fixture("tiny");
    let obj = root.join("exhibits/kho-bau/objects/T-001");
    std::fs::write(obj.join("jar.jpg"), rotated_jpeg(1500, 1000)).unwrap();
    let toml = std::fs::read_to_string(obj.join("object.toml"))
        .unwrap()
        .replace("jar.png", "jar.jpg");
    std::fs::write(obj.join("object.toml"), toml).unwrap();
    build_into(&root, tmp.path()).unwrap();
    let doc = parse(&tmp.path().join("public/o/T-001/index.html"));
    let img = doc.select(&sel(".object-media picture img")).next().unwrap();
    // Upright it is 1000 wide and 1500 high; widths 320, 640 and 960 are all below 1000.
    assert_eq!(
        (img.value().attr("width"), img.value().attr("height")),
        (Some("960"), Some("1440"))
    );
    let out = tmp.path().join("public");
    for cand in img.value().attr("srcset").unwrap().split(',') {
        let file = resolve(
            &out,
            &tmp.path().join("public/o/T-001/index.html"),
            cand.split_whitespace().next().unwrap(),
        )
        .unwrap()
        .0;
        let d = image::open(&file).unwrap().to_rgb8();
        assert!(d.height() > d.width(), "{} is not upright", file.display());
        let (top, bottom) = (
            d.get_pixel(d.width() / 2, d.height() / 8),
            d.get_pixel(d.width() / 2, d.height() * 7 / 8),
        );
        assert!(top[0] > 150 && top[2] < 100, "top should be red: {top:?}");
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "bottom should be blue: {bottom:?}"
        );
    }
    // Larger than the largest width: deep-zoom tiles, also upright.
    let info: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join(format!(
            "iiif/{}/info.json",
            image_key(img.value().attr("src").unwrap())
        )))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (info["width"].as_u64(), info["height"].as_u64()),
        (Some(1000), Some(1500))
    );
}

/// The content key in a derivative's file name (`…/media/<key>-<width>.jpg`).
fn image_key(url: &str) -> String {
    let name = url.rsplit('/').next().unwrap();
    name.rsplit_once('-').unwrap().0.to_string()
}

fn chromium_pdf(url: &Path, pdf: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", url.display()))
        .output()
        .unwrap();
    assert!(
        pdf.is_file(),
        "chromium printed nothing: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Page size of every page of a PDF, in points.
fn pdf_pages(pdf: &Path) -> Vec<(f64, f64)> {
    let o = Command::new("pdfinfo")
        .args(["-f", "1", "-l", "99"])
        .arg(pdf)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| {
            let nums: Vec<f64> = l
                .split(':')
                .nth(1)
                .unwrap()
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            (nums[0], nums[1])
        })
        .collect()
}

/// Page 1 of a PDF rendered at 300 dpi.
fn render_page(pdf: &Path, dir: &Path) -> PathBuf {
    let prefix = dir.join("page");
    let st = Command::new("pdftoppm")
        .args(["-r", "300", "-f", "1", "-l", "1", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .unwrap()
}

/// Texts of the QR codes zbarimg reads on a rendered page.
fn qr_texts(png: &Path) -> Vec<String> {
    let o = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(png)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Sizes in millimetres (width, height) of the QR symbols on a page rendered at 300 dpi: dark
/// connected regions at least 4 mm across (finder patterns and module clusters; letters are
/// smaller), merged when they touch or nearly touch; each square merged box of 15 mm or more is
/// one symbol.
fn qr_boxes_mm(png: &Path) -> Vec<(f64, f64)> {
    let img = image::open(png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let mm = |px: u32| f64::from(px) / 300.0 * 25.4;
    let mut seen = vec![false; (w * h) as usize];
    let mut boxes: Vec<(u32, u32, u32, u32)> = Vec::new();
    for start in 0..w * h {
        if seen[start as usize] || img.as_raw()[start as usize] > 100 {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        let mut stack = vec![start];
        seen[start as usize] = true;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            for (dx, dy) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                if nx < 0 || ny < 0 || nx >= i64::from(w) || ny >= i64::from(h) {
                    continue;
                }
                let j = (ny as u32 * w + nx as u32) as usize;
                if !seen[j] && img.as_raw()[j] <= 100 {
                    seen[j] = true;
                    stack.push(j as u32);
                }
            }
        }
        if mm(x1 - x0) >= 4.0 && mm(y1 - y0) >= 4.0 {
            boxes.push((x0, y0, x1, y1));
        }
    }
    // Merge boxes closer than 2 mm until nothing changes.
    let gap = (2.0 / 25.4 * 300.0) as u32;
    loop {
        let mut merged = false;
        'outer: for a in 0..boxes.len() {
            for b in a + 1..boxes.len() {
                let (p, q) = (boxes[a], boxes[b]);
                if p.0 <= q.2 + gap && q.0 <= p.2 + gap && p.1 <= q.3 + gap && q.1 <= p.3 + gap {
                    boxes[a] = (p.0.min(q.0), p.1.min(q.1), p.2.max(q.2), p.3.max(q.3));
                    boxes.remove(b);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            break;
        }
    }
    // Words of large type merge into wide boxes; a QR symbol is square and large.
    boxes
        .iter()
        .map(|b| (mm(b.2 - b.0 + 1), mm(b.3 - b.1 + 1)))
        .filter(|(w, h)| *w >= 15.0 && (w - h).abs() < 1.0)
        .collect()
}

#[test]
fn labels_print_from_chromium_at_the_sizes_asked() {
    if !tool("chromium", "chromium") || !tool("pdfinfo", "poppler-utils") || !tool("zbarimg", "zbar-tools") {
        return;
    }
    let d = demo();
    let tmp = tempfile::tempdir().unwrap();
    let sheet = tmp.path().join("sheet.pdf");
    chromium_pdf(&d.out.join("e/co-do-hoa-lu/labels/index.html"), &sheet);
    let pages = pdf_pages(&sheet);
    assert!(!pages.is_empty());
    for (w, h) in &pages {
        assert!(
            (w - 595.28).abs() < 1.0 && (h - 841.89).abs() < 1.0,
            "not A4: {w} × {h} pt"
        );
    }
    let dir = tmp.path().join("sheet");
    std::fs::create_dir_all(&dir).unwrap();
    let page = render_page(&sheet, &dir);
    let texts = qr_texts(&page);
    assert_eq!(texts.len(), 8, "eight labels on an A4 page: {texts:?}");
    assert!(texts.iter().all(|t| t.contains("/O/HL-")), "{texts:?}");
    let boxes = qr_boxes_mm(&page);
    assert_eq!(boxes.len(), 8, "{boxes:?}");
    for (w, h) in &boxes {
        assert!(
            *w >= 25.0 && *w < 32.5 && (w - h).abs() < 0.5,
            "QR symbol {w:.1} × {h:.1} mm"
        );
    }
    eprintln!("label QR symbols on A4: {boxes:.1?} mm");
    let large = tmp.path().join("large.pdf");
    chromium_pdf(&d.out.join("e/co-do-hoa-lu/labels/large/index.html"), &large);
    let pages = pdf_pages(&large);
    assert_eq!(pages.len(), 12, "one large label per page");
    for (w, h) in &pages {
        assert!(
            (w - 595.28).abs() < 1.0 && (h - 419.53).abs() < 1.0,
            "not A5 landscape: {w} × {h} pt"
        );
    }
    let dir = tmp.path().join("large");
    std::fs::create_dir_all(&dir).unwrap();
    let page = render_page(&large, &dir);
    assert_eq!(qr_texts(&page).len(), 1);
    let boxes = qr_boxes_mm(&page);
    assert_eq!(boxes.len(), 1, "{boxes:?}");
    assert!(boxes[0].0 >= 35.0, "large label QR symbol {:.1} mm", boxes[0].0);
}

#[test]
fn two_objects_with_the_same_photo_never_corrupt_each_other() {
    // Both objects derive and publish the same cache entry at the same time; a fallback that
    // wrote through an existing hard link once truncated files of the live site and the cache.
    let (tmp, root) = copy_fixture("tiny");
    let objects = root.join("exhibits/kho-bau/objects");
    std::fs::copy(objects.join("T-001/jar.png"), objects.join("T-002/coin.png")).unwrap();
    for _ in 0..3 {
        build_into(&root, tmp.path()).unwrap();
        let mut checked = 0;
        walk(&tmp.path().join("public"), &mut |p| {
            let name = p.to_string_lossy();
            if name.ends_with(".jpg") || name.ends_with(".webp") {
                let img = image::open(p).unwrap_or_else(|e| panic!("{name}: {e}"));
                // Tiles carry their size in their path: …/w,h/0/default.jpg.
                if let Some(size) = p
                    .parent()
                    .and_then(Path::parent)
                    .and_then(|d| d.file_name())
                    .and_then(|n| n.to_str())
                {
                    if let Some((w, h)) = size
                        .split_once(',')
                        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
                    {
                        assert_eq!((img.width(), img.height()), (w, h), "{name}");
                    }
                }
                checked += 1;
            }
        });
        assert!(checked > 10, "{checked} images");
    }
}

/// A minimal ICC v2 display profile: Adobe RGB (1998) primaries adapted to D50, gamma 563/256.
fn adobe_rgb_icc() -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
        let mut t = b"XYZ \0\0\0\0".to_vec();
        t.extend(s15(x));
        t.extend(s15(y));
        t.extend(s15(z));
        t
    }
    let curve = {
        let mut t = b"curv\0\0\0\0".to_vec();
        t.extend(1u32.to_be_bytes());
        t.extend(0x0233u16.to_be_bytes());
        t.extend([0, 0]);
        t
    };
    let desc = {
        let mut t = b"desc\0\0\0\0".to_vec();
        let name = b"Test Adobe RGB\0";
        t.extend((name.len() as u32).to_be_bytes());
        t.extend(name);
        t.extend([0u8; 4 + 4 + 2 + 1 + 67]);
        while t.len() % 4 != 0 {
            t.push(0);
        }
        t
    };
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let mut offset = 128 + 4 + 12 * tags.len();
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut data: Vec<u8> = Vec::new();
    for (sig, body) in &tags {
        table.extend(*sig);
        table.extend((offset as u32).to_be_bytes());
        table.extend((body.len() as u32).to_be_bytes());
        data.extend(body);
        offset += body.len();
    }
    let mut h = vec![0u8; 128];
    h[0..4].copy_from_slice(&(offset as u32).to_be_bytes());
    h[8..12].copy_from_slice(&0x0210_0000u32.to_be_bytes());
    h[12..16].copy_from_slice(b"mntr");
    h[16..20].copy_from_slice(b"RGB ");
    h[20..24].copy_from_slice(b"XYZ ");
    h[36..40].copy_from_slice(b"acsp");
    h[68..72].copy_from_slice(&s15(0.9642));
    h[72..76].copy_from_slice(&s15(1.0));
    h[76..80].copy_from_slice(&s15(0.8249));
    h.extend(table);
    h.extend(data);
    h
}

/// The sRGB value of an Adobe RGB colour, computed here from the two sets of primaries.
fn adobe_to_srgb(rgb: [u8; 3]) -> [f64; 3] {
    let lin: Vec<f64> = rgb
        .iter()
        .map(|v| (f64::from(*v) / 255.0).powf(563.0 / 256.0))
        .collect();
    let a = [
        [0.6097, 0.2053, 0.1492],
        [0.3111, 0.6257, 0.0632],
        [0.0195, 0.0609, 0.7446],
    ];
    let xyz: Vec<f64> = (0..3).map(|r| (0..3).map(|c| a[r][c] * lin[c]).sum()).collect();
    // sRGB primaries adapted to D50 (as in the ICC sRGB profile), inverted.
    let m = [
        [0.4361, 0.3851, 0.1431],
        [0.2225, 0.7169, 0.0606],
        [0.0139, 0.0971, 0.7141],
    ];
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let inv = |r: usize, c: usize| {
        let (r1, r2) = ((c + 1) % 3, (c + 2) % 3);
        let (c1, c2) = ((r + 1) % 3, (r + 2) % 3);
        (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / det
    };
    let enc = |v: f64| {
        let v = v.clamp(0.0, 1.0);
        255.0
            * if v <= 0.0031308 {
                12.92 * v
            } else {
                1.055 * v.powf(1.0 / 2.4) - 0.055
            }
    };
    [0, 1, 2].map(|r| enc((0..3).map(|c| inv(r, c) * xyz[c]).sum()))
}

#[test]
fn photos_with_a_colour_profile_are_converted_to_srgb() {
    let (tmp, root) = copy_fixture("tiny");
    let colour = [150u8, 110, 60];
    let img = image::RgbImage::from_pixel(1400, 1000, image::Rgb(colour));
    let mut jpeg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95);
    image::ImageEncoder::set_icc_profile(&mut enc, adobe_rgb_icc()).unwrap();
    img.write_with_encoder(enc).unwrap();
    let obj = root.join("exhibits/kho-bau/objects/T-001");
    std::fs::write(obj.join("jar.jpg"), jpeg).unwrap();
    let toml = std::fs::read_to_string(obj.join("object.toml"))
        .unwrap()
        .replace("jar.png", "jar.jpg");
    std::fs::write(obj.join("object.toml"), toml).unwrap();
    build_into(&root, tmp.path()).unwrap();
    let page = tmp.path().join("public/o/T-001/index.html");
    let src = parse(&page)
        .select(&sel(".object-media picture img"))
        .next()
        .unwrap()
        .value()
        .attr("src")
        .unwrap()
        .to_string();
    let out = image::open(resolve(&tmp.path().join("public"), &page, &src).unwrap().0)
        .unwrap()
        .to_rgb8();
    let got = out.get_pixel(out.width() / 2, out.height() / 2);
    let want = adobe_to_srgb(colour);
    for c in 0..3 {
        assert!(
            (f64::from(got[c]) - want[c]).abs() <= 6.0,
            "channel {c}: got {got:?}, want {want:?}"
        );
    }
    // The Adobe RGB numbers taken as sRGB would be visibly different: the test can fail.
    assert!(
        (0..3).any(|c| (f64::from(colour[c]) - want[c]).abs() > 10.0),
        "{want:?}"
    );
}

#[test]
fn an_object_without_a_photo_has_no_iiif_manifest_and_no_link_to_one() {
    let (tmp, root) = copy_fixture("tiny");
    let obj = root.join("exhibits/kho-bau/objects/T-002");
    let toml = std::fs::read_to_string(obj.join("object.toml")).unwrap();
    let without = toml.split("[[image]]").next().unwrap().to_string();
    std::fs::write(obj.join("object.toml"), without).unwrap();
    std::fs::remove_file(obj.join("coin.png")).unwrap();
    build_into(&root, tmp.path()).unwrap();
    let out = tmp.path().join("public");
    assert!(out.join("iiif/o/T-001/manifest.json").is_file());
    assert!(!out.join("iiif/o/T-002/manifest.json").exists());
    for page in ["o/T-001/index.html", "o/T-002/index.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert_eq!(
            html.contains("manifest.json"),
            page.contains("T-001"),
            "{page}: a IIIF link exactly when the object has a photo"
        );
    }
    let coll: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("iiif/e/kho-bau/collection.json")).unwrap()).unwrap();
    let ids: Vec<&str> = coll["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().any(|i| i.contains("/T-001/")) && !ids.iter().any(|i| i.contains("/T-002/")),
        "{ids:?}"
    );
}
