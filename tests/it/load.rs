// Loading and checking content: the demo is clean, the broken fixture yields each expected
// diagnostic with its file and line, all in one run.

use vitrine::diag::Severity;

use crate::support::{fixture, repo};

#[test]
fn demo_museum_has_no_errors_and_no_warnings() {
    let (site, d) = vitrine::build::check(&repo());
    let (site, _) = site.expect("the demo loads");
    let all: Vec<String> = d.sorted().iter().map(|x| x.to_string()).collect();
    assert!(
        d.list.is_empty(),
        "the demo should pass `vitrine check --strict`:\n{}",
        all.join("\n")
    );
    assert!(site.visible_exhibits(false).len() >= 3);
    assert!(site.items.len() >= 30);
    assert!(!site.programmes.is_empty());
}

/// (code, file, line, field) of every problem planted in tests/fixtures/broken.
const EXPECTED: &[(&str, &str, usize, &str)] = &[
    ("invalid-date", "exhibits/hong/exhibit.toml", 4, "closes"),
    (
        "unknown-object",
        "exhibits/hong/exhibit.toml",
        8,
        "section[1].objects",
    ),
    (
        "missing-image",
        "exhibits/hong/objects/B-001/object.toml",
        6,
        "image[1].file",
    ),
    ("duplicate-id", "exhibits/khac/objects/B-003/object.toml", 1, "id"),
    (
        "invalid-toml",
        "exhibits/hong/objects/B-004/object.toml",
        3,
        "date.from",
    ),
    (
        "invalid-toml",
        "exhibits/hong/objects/B-005/object.toml",
        2,
        "titel",
    ),
    (
        "invalid-date",
        "exhibits/hong/objects/B-006/object.toml",
        3,
        "date.to",
    ),
    (
        "invalid-path",
        "exhibits/hong/objects/B-008/object.toml",
        6,
        "image[1].file",
    ),
    (
        "unknown-object",
        "exhibits/hong/programmes/sai.toml",
        4,
        "stop[1].object",
    ),
    (
        "invalid-question",
        "exhibits/hong/programmes/sai.toml",
        5,
        "stop[1].question",
    ),
];

#[test]
fn broken_fixture_reports_every_error_with_file_line_and_field() {
    let root = fixture("broken");
    let (_, d) = vitrine::build::check(&root);
    let errors: Vec<_> = d.list.iter().filter(|x| x.severity == Severity::Error).collect();
    for (code, file, line, field) in EXPECTED {
        assert!(
            errors.iter().any(|e| e.code == *code
                && e.pos.file == std::path::Path::new(file)
                && e.pos.line == *line
                && e.field == *field
                && !e.hint.is_empty()),
            "missing {code} at {file}:{line} ({field}); got:\n{}",
            d.sorted()
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert_eq!(errors.len(), EXPECTED.len(), "unexpected errors: {errors:#?}");
}

#[test]
fn broken_fixture_messages_say_how_to_fix() {
    let (_, d) = vitrine::build::check(&fixture("broken"));
    let typo = d.with_code("invalid-toml").find(|x| x.field == "titel").unwrap();
    assert!(typo.hint.contains("did you mean `title`"), "{typo}");
    let date = d
        .with_code("invalid-toml")
        .find(|x| x.field == "date.from")
        .unwrap();
    assert!(
        date.message.contains("khoảng 968") && date.hint.contains("date.display"),
        "{date}"
    );
    let unknown = d
        .with_code("unknown-object")
        .find(|x| x.message.contains("B-404"))
        .unwrap();
    assert!(unknown.hint.contains("did you mean B-"), "{unknown}");
    // Printed as file:line:col so editors can jump to it.
    assert!(
        typo.to_string()
            .starts_with("exhibits/hong/objects/B-005/object.toml:2:1: error[invalid-toml]"),
        "{typo}"
    );
}

#[test]
fn broken_fixture_warnings() {
    let (_, d) = vitrine::build::check(&fixture("broken"));
    let has = |code: &str, file: &str| {
        d.list
            .iter()
            .any(|x| x.code == code && x.pos.file.ends_with(file))
    };
    assert!(has("missing-alt", "B-007/object.toml"));
    assert!(has("small-image", "B-007/object.toml"));
    assert!(has("orphan-object", "B-007/object.toml"));
    assert!(has("missing-translation", "B-007/object.toml"));
}

#[test]
fn draft_exhibit_and_missing_translations_are_warnings() {
    let (site, d) = vitrine::build::check(&fixture("tiny"));
    assert!(site.is_some());
    assert_eq!(d.errors(), 0);
    assert!(d.list.iter().any(|x| x.code == "draft-exhibit"));
    let t = d
        .list
        .iter()
        .find(|x| x.code == "missing-translation" && x.field == "title.en")
        .unwrap();
    assert_eq!((t.pos.line, t.pos.file.ends_with("T-002/object.toml")), (2, true));
    assert!(
        d.list
            .iter()
            .any(|x| x.code == "missing-alt" && x.field == "image[1].alt.en")
    );
}

#[test]
fn vietnamese_text_is_nfc_normalised_on_load() {
    let (tmp, root) = crate::support::copy_fixture("tiny");
    let p = root.join("exhibits/kho-bau/objects/T-001/object.toml");
    // "Lư" written with a combining horn (NFD), as some keyboards and spreadsheets produce.
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("Bình gốm men ngọc", "Bi\u{300}nh Hoa Lu\u{31b}");
    std::fs::write(&p, text).unwrap();
    let (site, _) = vitrine::content::load_site(&root);
    let site = site.unwrap();
    assert_eq!(site.items["T-001"].title.vi.as_deref(), Some("Bình Hoa Lư"));
    drop(tmp);
}

#[test]
fn empty_titles_are_errors() {
    let (_tmp, root) = crate::support::copy_fixture("tiny");
    let p = root.join("exhibits/kho-bau/objects/T-001/object.toml");
    let t = std::fs::read_to_string(&p).unwrap().replace(
        "title = { vi = \"Bình gốm men ngọc\", en = \"Celadon jar\" }",
        "title = {}",
    );
    std::fs::write(&p, t).unwrap();
    let (_, d) = vitrine::build::check(&root);
    let e = d
        .with_code("empty-text")
        .next()
        .expect("an empty title is reported");
    assert_eq!((e.field.as_str(), e.pos.line), ("title", 2));
    assert!(d.has_errors());
}
