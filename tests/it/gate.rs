// The quality gate: outside checkers over the built demo museum. The Nu Html Checker (vnu)
// validates every page and the stylesheet; axe-core in headless Chromium audits every page type
// in both languages at a phone and a desktop viewport (WCAG 2.2 A and AA); a keyboard-only walk
// operates the language switch, search, the zoom viewer and the audio guide. A theme fixture with a
// missing alt text and an unclosed element proves the checks can fail.
//
// The checkers live in tests/browser/ (npm: vnu-jar, axe-core, playwright-core; Debian's
// chromium). `.ci/run` installs them; elsewhere the tests skip with the install command.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::*;

pub(crate) fn browser_dir() -> PathBuf {
    repo().join("tests/browser")
}

/// Whether node, java, chromium and the npm packages of tests/browser are there. In CI a missing
/// one is a failure; elsewhere the test is skipped with the reason.
pub(crate) fn checkers() -> bool {
    if !(tool("node", "nodejs") && tool("java", "default-jre-headless") && tool("chromium", "chromium")) {
        return false;
    }
    let ok = browser_dir().join("node_modules/playwright-core").is_dir()
        && browser_dir().join("node_modules/axe-core").is_dir()
        && vnu_jar().is_file();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "the checkers are required in CI: npm ci --prefix tests/browser"
        );
        eprintln!("skipping: the checkers are not installed (npm ci --prefix tests/browser)");
    }
    ok
}

fn vnu_jar() -> PathBuf {
    browser_dir().join("node_modules/vnu-jar/build/dist/vnu.jar")
}

/// One message of the Nu Html Checker.
#[derive(Debug)]
struct Finding {
    file: String,
    line: u64,
    kind: String,
    message: String,
}

/// Run vnu over `files` (HTML, CSS, SVG); returns its errors and warnings (not its infos).
fn vnu(files: &[PathBuf]) -> Vec<Finding> {
    let out = Command::new("java")
        .arg("-jar")
        .arg(vnu_jar())
        .args([
            "--also-check-css",
            "--also-check-svg",
            "--format",
            "json",
            "--exit-zero-always",
        ])
        .args(files)
        .output()
        .expect("java runs");
    assert!(
        out.status.success(),
        "vnu failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stderr).expect("vnu prints JSON on stderr");
    report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "error" || m["subType"] == "warning" || m["type"] == "non-document-error")
        .map(|m| Finding {
            file: m["url"].as_str().unwrap_or("").to_string(),
            line: m["lastLine"].as_u64().unwrap_or(0),
            kind: m["subType"]
                .as_str()
                .or(m["type"].as_str())
                .unwrap_or("")
                .to_string(),
            message: m["message"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

fn show(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{}:{}: {}: {}", f.file, f.line, f.kind, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// axe-core over `pages` (site-relative paths) of the site at `root`, at both viewports.
/// Returns (page, viewport, violations) for every audit.
fn axe(root: &Path, pages: &[String]) -> Vec<(String, String, Vec<Value>)> {
    let out = Command::new("node")
        .arg(browser_dir().join("audit.mjs"))
        .arg(root)
        .args(pages)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "audit.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Value = serde_json::from_slice(&out.stdout).expect("audit.mjs prints JSON");
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["page"].as_str().unwrap().to_string(),
                r["viewport"].as_str().unwrap().to_string(),
                r["violations"].as_array().unwrap().clone(),
            )
        })
        .collect()
}

/// One page of each kind the build makes, in both languages.
fn page_types() -> Vec<String> {
    let d = demo();
    let (site, _) = vitrine::build::check(&repo());
    let site = site.unwrap().0;
    let ex = &site.visible_exhibits(false)[0].slug;
    let ids = site.visible_item_ids(false);
    // An object with an audio guide and one without.
    let with_audio = ids
        .iter()
        .find(|id| d.out.join(format!("o/{id}/index.html")).is_file() && has_audio(&d.out, id))
        .expect("the demo has an object with an audio guide");
    let without = ids.iter().find(|id| !has_audio(&d.out, id)).unwrap();
    let prog = &site.programmes.first().expect("the demo has a programme").slug;
    // The event with the most on its page: sign-up box, linked exhibitions and programme.
    let event = &site
        .events
        .iter()
        .find(|e| e.capacity.is_some() && !e.programmes.is_empty())
        .expect("the demo has an event with places and a programme")
        .slug;
    let kinds = [
        String::new(),
        "e/".into(),
        format!("e/{ex}/"),
        format!("o/{with_audio}/"),
        format!("o/{without}/"),
        "p/".into(),
        format!("p/{prog}/"),
        format!("p/{prog}/tour/"),
        "tour/".into(),
        "search/".into(),
        "404.html".into(),
        "labels/".into(),
        format!("e/{ex}/labels/"),
        format!("e/{ex}/labels/large/"),
        "checkin/".into(),
        "su-kien/".into(),
        format!("su-kien/{event}/"),
    ];
    let mut pages = Vec::new();
    for k in kinds {
        pages.push(k.clone());
        pages.push(format!("en/{k}"));
    }
    for p in &pages {
        let file = if p.is_empty() || p.ends_with('/') {
            d.out.join(p).join("index.html")
        } else {
            d.out.join(p)
        };
        assert!(file.is_file(), "{} is not built", file.display());
    }
    pages
}

fn has_audio(out: &Path, id: &str) -> bool {
    std::fs::read_to_string(out.join(format!("o/{id}/index.html"))).is_ok_and(|s| s.contains("<audio"))
}

#[test]
fn every_page_and_the_stylesheet_pass_the_nu_html_checker() {
    if !checkers() {
        return;
    }
    let d = demo();
    let mut files = html_files(&d.out);
    let pages = files.len();
    // Every kind of page is among them, in both languages.
    for p in page_types() {
        let f = if p.is_empty() || p.ends_with('/') {
            d.out.join(&p).join("index.html")
        } else {
            d.out.join(&p)
        };
        assert!(files.contains(&f), "{} is not validated", f.display());
    }
    walk(&d.out.join("assets"), &mut |p| {
        if p.extension().is_some_and(|e| e == "css" || e == "svg") {
            files.push(p.to_path_buf());
        }
    });
    // The QR codes of one exhibition (SVG).
    walk(&d.out.join("qr"), &mut |p| {
        if p.extension().is_some_and(|e| e == "svg") && files.len() < pages + 20 {
            files.push(p.to_path_buf());
        }
    });
    assert!(pages > 100, "only {pages} pages");
    let findings = vnu(&files);
    assert!(
        findings.is_empty(),
        "{} of {} files have errors or warnings:\n{}",
        findings.len(),
        files.len(),
        show(&findings)
    );
    eprintln!(
        "vnu: {} files ({pages} pages) without errors or warnings",
        files.len()
    );
}

#[test]
fn every_page_type_passes_axe_at_phone_and_desktop_sizes() {
    if !checkers() {
        return;
    }
    let d = demo();
    let pages = page_types();
    let results = axe(&d.out, &pages);
    assert_eq!(results.len(), pages.len() * 2, "every page audited at both sizes");
    let mut failures = Vec::new();
    for (page, viewport, violations) in &results {
        for v in violations {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| format!("      {} {}", n["target"], n["html"]))
                .collect();
            failures.push(format!(
                "{page} at {viewport}: {} ({}): {}\n{}",
                v["id"],
                v["impact"],
                v["help"],
                nodes.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "axe-core violations:\n{}",
        failures.join("\n")
    );
    eprintln!("axe-core: {} audits without violations", results.len());
}

#[test]
fn language_switch_search_zoom_and_audio_work_with_the_keyboard_alone() {
    if !checkers() {
        return;
    }
    let d = demo();
    let out = Command::new("node")
        .arg(browser_dir().join("keyboard.mjs"))
        .arg(&d.out)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "keyboard walk failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Four steps at each of the two viewports.
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
        8,
        "{stdout}"
    );
}

/// The checks are not vacuous: a theme whose object page has a photo without alt text and an
/// unclosed element fails both of them, and the default theme passes them on the same content.
#[test]
fn a_broken_theme_fails_the_validator_and_the_audit() {
    if !checkers() {
        return;
    }
    let (tmp, root) = copy_fixture("tiny");
    let broken = tmp.path().join("broken");
    copy_dir(&root, &broken);
    let theme = broken.join("themes/broken");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::copy(fixture("themes/broken/object.html"), theme.join("object.html")).unwrap();
    let config = std::fs::read_to_string(broken.join("vitrine.toml")).unwrap();
    std::fs::write(
        broken.join("vitrine.toml"),
        config.replacen("format = 1\n", "format = 1\ntheme = \"broken\"\n", 1),
    )
    .unwrap();

    let good_out = tmp.path().join("good-out");
    let bad_out = tmp.path().join("bad-out");
    build_into(&root, &good_out).unwrap();
    build_into(&broken, &bad_out).unwrap();
    let page = "o/T-001/index.html";

    let good = vnu(&[good_out.join("public").join(page)]);
    assert!(good.is_empty(), "{}", show(&good));
    let bad = vnu(&[bad_out.join("public").join(page)]);
    assert!(
        bad.iter()
            .any(|f| f.kind == "error" && f.message.contains("Unclosed element “div”")),
        "vnu must report the unclosed div:\n{}",
        show(&bad)
    );

    // The default theme passes, also on an English page whose text exists only in Vietnamese
    // (shown with lang="vi" and a note).
    let pages = ["o/T-001/".to_string(), "en/o/T-002/".to_string()];
    let good = axe(&good_out.join("public"), &pages);
    assert_eq!(good.len(), 4);
    assert!(good.iter().all(|(_, _, v)| v.is_empty()), "{good:?}");
    let fallback = std::fs::read_to_string(good_out.join("public/en/o/T-002/index.html")).unwrap();
    assert!(
        fallback.contains("lang=\"vi\""),
        "the Vietnamese text is marked as such"
    );
    let bad = axe(&bad_out.join("public"), &pages[..1]);
    assert_eq!(bad.len(), 2);
    for (_, viewport, violations) in &bad {
        assert!(
            violations.iter().any(|v| v["id"] == "image-alt"),
            "axe must report the missing alt text at {viewport}: {violations:?}"
        );
    }
}

/// Run `script` from tests/browser with `args`; its one JSON line.
pub(crate) fn node_json(script: &str, args: &[&std::ffi::OsStr]) -> Value {
    let out = Command::new("node")
        .arg(browser_dir().join(script))
        .args(args)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("one JSON line")
}

/// On a 360×740 phone the site header is one line, its menu behind a button that works without
/// JavaScript (and passes axe when open), and an object page opened from a QR code shows the
/// object's title and photo on the first screen.
#[test]
fn on_a_phone_the_header_is_one_line_and_the_object_is_on_the_first_screen() {
    if !checkers() {
        return;
    }
    let d = demo();
    let r = node_json("phone.mjs", &[d.out.as_os_str(), "o/HL-001/".as_ref()]);
    let px = |v: &Value| v.as_f64().unwrap_or_else(|| panic!("not measured: {r}"));
    let height = px(&r["viewport"]["height"]);
    assert_eq!(height, 740.0, "{r}");
    assert!(px(&r["header"]["bottom"]) <= 64.0, "the header is one line: {r}");
    assert!(px(&r["header_en"]["bottom"]) <= 64.0, "in English too: {r}");
    assert!(
        px(&r["title"]["bottom"]) <= height,
        "the title is on the first screen: {r}"
    );
    assert!(
        px(&r["photo"]["bottom"]) <= height,
        "the photo is on the first screen: {r}"
    );
    assert_eq!(r["menu_hidden"], true, "the menu waits behind its button: {r}");
    assert_eq!(
        r["menu_shown"], true,
        "the button opens it without JavaScript: {r}"
    );
    assert_eq!(r["menu_went"], "/search/", "{r}");
    assert_eq!(
        r["violations"],
        serde_json::json!([]),
        "axe with the menu open: {r}"
    );
}

/// A static host cannot redirect `/o/hl-001/` (paths are case-sensitive): its 404 page offers
/// the object whose ID matches in another case, in the address's language, and nothing else.
#[test]
fn the_static_404_page_offers_the_object_whose_id_matches_in_another_case() {
    if !checkers() {
        return;
    }
    let d = demo();
    let asked = [
        "/o/hl-001/",
        "/en/o/Hl-001",
        "/O/hl-001/",
        "/o/NO-SUCH/",
        "/e/hl-001/",
    ];
    let mut args = vec![d.out.as_os_str()];
    args.extend(asked.iter().map(|a| std::ffi::OsStr::new(*a)));
    let r = node_json("notfound.mjs", &args);
    let got: Vec<(&str, u64, Option<&str>)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["address"].as_str().unwrap(),
                x["status"].as_u64().unwrap(),
                x["suggestion"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("/o/hl-001/", 404, Some("/o/HL-001/")),
            ("/en/o/Hl-001", 404, Some("/en/o/HL-001/")),
            ("/O/hl-001/", 404, Some("/o/HL-001/")),
            ("/o/NO-SUCH/", 404, None),
            ("/e/hl-001/", 404, None),
        ]
    );
}
