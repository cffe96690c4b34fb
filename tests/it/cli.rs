// The command line as a curator uses it: exit codes, messages, scaffolds.

use std::process::Command;

use crate::support::{copy_fixture, fixture};

fn vitrine() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vitrine"))
}

#[test]
fn check_fails_on_errors_and_prints_positions() {
    let out = vitrine()
        .arg("--root")
        .arg(fixture("broken"))
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("exhibits/hong/objects/B-001/object.toml:6:8: error[missing-image]"),
        "{err}"
    );
    assert!(err.contains("10 error(s)"), "{err}");
}

#[test]
fn check_strict_turns_warnings_into_failure() {
    let ok = vitrine()
        .arg("--root")
        .arg(fixture("tiny"))
        .arg("check")
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let strict = vitrine()
        .arg("--root")
        .arg(fixture("tiny"))
        .args(["check", "--strict"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn build_refuses_broken_content_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let r = vitrine()
        .arg("--root")
        .arg(fixture("broken"))
        .args(["build", "--quiet", "--out"])
        .arg(&out)
        .arg("--cache")
        .arg(tmp.path().join("cache"))
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert!(!out.exists());
    assert!(String::from_utf8_lossy(&r.stderr).contains("build stopped"));
}

#[test]
fn scaffolds_load_without_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("bao-tang");
    let run = |args: &[&str]| {
        let o = vitrine().arg("--root").arg(&site).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let o = vitrine().args(["new", "site"]).arg(&site).output().unwrap();
    assert!(o.status.success());
    run(&["new", "exhibit", "gom-co"]);
    run(&["new", "object", "GC-001", "--exhibit", "gom-co"]);
    run(&["new", "programme", "lop-6", "--exhibit", "gom-co"]);
    run(&["new", "event", "ngay-bao-tang", "--day", "ngay-bao-tang"]);
    run(&["new", "event", "sap-toi"]);
    let (loaded, d) = vitrine::build::check(&site);
    assert!(loaded.is_some());
    assert_eq!(d.errors(), 0, "{:#?}", d.list);
    // An event on the plan day asked for, its next date; without --day the soonest plan day.
    let events = &loaded.as_ref().unwrap().0.events;
    let museum_day = events.iter().find(|e| e.slug == "ngay-bao-tang").unwrap();
    let today = vitrine::content::Day::today();
    assert_eq!((museum_day.starts.day.month, museum_day.starts.day.day), (5, 18));
    assert!(museum_day.starts.day >= today && museum_day.starts.day.year <= today.year + 1);
    assert_eq!(museum_day.occasion.map(|o| o.key), Some("ngay-bao-tang"));
    let soonest = events.iter().find(|e| e.slug == "sap-toi").unwrap();
    assert!(soonest.starts.day >= today && soonest.starts.day <= museum_day.starts.day.add_days(366));
    assert!(
        events.iter().all(|e| e.starts.day >= soonest.starts.day),
        "no plan day comes before the one chosen"
    );
    let bad_day = vitrine()
        .arg("--root")
        .arg(&site)
        .args(["new", "event", "x", "--day", "tet"])
        .output()
        .unwrap();
    assert_eq!(bad_day.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_day.stderr).contains("ngay-bao-tang"));
    assert_eq!(
        loaded.unwrap().0.items["GC-001"].title.vi.as_deref(),
        Some("Tên hiện vật")
    );
    // Never overwrites.
    let again = vitrine()
        .arg("--root")
        .arg(&site)
        .args(["new", "object", "GC-001", "--exhibit", "gom-co"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = vitrine()
        .arg("--root")
        .arg(&site)
        .args(["new", "object", "gc 1", "--exhibit", "gom-co"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn build_prints_a_summary() {
    let (tmp, root) = copy_fixture("tiny");
    let o = vitrine().arg("--root").arg(&root).arg("build").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("built ") && err.contains("images: 2 processed"),
        "{err}"
    );
    assert!(root.join("public/index.html").is_file());
    drop(tmp);
}

#[test]
fn build_never_replaces_the_museum_folder_or_a_foreign_folder() {
    let (tmp, root) = copy_fixture("tiny");
    // The museum's own folder as output: refused, nothing deleted.
    let o = vitrine()
        .arg("--root")
        .arg(&root)
        .args(["build", "--quiet", "--out"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("contains the museum's own files"));
    assert!(root.join("vitrine.toml").is_file() && root.join("exhibits/kho-bau/exhibit.toml").is_file());
    // A parent of it: refused too.
    let o = vitrine()
        .arg("--root")
        .arg(&root)
        .args(["build", "--quiet", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // A folder with someone's files: refused and untouched.
    let foreign = tmp.path().join("documents");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("report.docx"), b"keep me").unwrap();
    let o = vitrine()
        .arg("--root")
        .arg(&root)
        .args(["build", "--quiet", "--out"])
        .arg(&foreign)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("was not built by Vitrine"));
    assert_eq!(std::fs::read(foreign.join("report.docx")).unwrap(), b"keep me");
    // A folder Vitrine built is replaced as usual.
    let site = tmp.path().join("site");
    for _ in 0..2 {
        let o = vitrine()
            .arg("--root")
            .arg(&root)
            .args(["build", "--quiet", "--out"])
            .arg(&site)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(site.join(".vitrine-site").is_file());
}

/// The diagnostic lines of a command's error output (the finding and its fix).
fn diagnostic_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(": error[") || l.contains(": warning[") || l.starts_with("    fix: "))
        .map(str::to_string)
        .collect()
}

/// `vitrine serve` on content with errors says what is wrong exactly as `vitrine build` does:
/// every finding, with its file, line and fix, in the same order; then it stops.
#[test]
fn serve_prints_every_diagnostic_as_build_does() {
    let (tmp, root) = copy_fixture("broken");
    let (_tmp2, tiny) = copy_fixture("tiny");
    let toml = tiny.join("exhibits/kho-bau/objects/T-001/object.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("title = { vi = \"Bình gốm men ngọc\"", "title = { vi = 5"),
    )
    .unwrap();
    for root in [&root, &tiny] {
        let build = vitrine()
            .arg("--root")
            .arg(root)
            .args(["build", "--out"])
            .arg(tmp.path().join("out"))
            .output()
            .unwrap();
        assert_eq!(build.status.code(), Some(1));
        let expected = diagnostic_lines(&build.stderr);
        assert!(
            expected.iter().any(|l| l.contains(": error[")),
            "{}",
            String::from_utf8_lossy(&build.stderr)
        );
        let serve = vitrine()
            .arg("--root")
            .arg(root)
            .args(["serve", "--addr", "127.0.0.1:0", "--out"])
            .arg(tmp.path().join("out"))
            .arg("--database")
            .arg(format!("sqlite:{}", tmp.path().join("s.db").display()))
            .output()
            .unwrap();
        assert_eq!(serve.status.code(), Some(1));
        assert_eq!(
            diagnostic_lines(&serve.stderr),
            expected,
            "{}",
            String::from_utf8_lossy(&serve.stderr)
        );
    }
    let serve = vitrine()
        .arg("--root")
        .arg(&tiny)
        .args(["serve", "--addr", "127.0.0.1:0", "--database"])
        .arg(format!("sqlite:{}", tmp.path().join("s.db").display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&serve.stderr);
    assert!(
        err.contains("exhibits/kho-bau/objects/T-001/object.toml:2:")
            && err.contains("error[invalid-toml]: title.vi"),
        "{err}"
    );
}
