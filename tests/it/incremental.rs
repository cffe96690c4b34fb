// Incremental builds: random sequences of edits a curator makes (titles, descriptions, objects
// added, deleted or moved between sections, photos renamed or replaced, a theme file, vitrine.toml)
// and after each one the output of the incremental build equals a clean build's, byte for byte.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vitrine::build::{BuildOptions, build_site};

use crate::support::*;

#[derive(Debug, Clone)]
enum Edit {
    Title(u8, String),
    Description(u8, String),
    /// en.md written: the English page stops showing the Vietnamese text.
    English(u8, String),
    /// The kind and date, which the cards of the previous, next and related objects show.
    Card(u8, String),
    /// The exhibition's title, in every object page's breadcrumbs.
    ExhibitTitle(String),
    Add(u8),
    Delete(u8),
    Move(u8),
    RenamePhoto,
    ReplacePhoto(u8),
    Theme(String),
    Config(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let word = "[a-zđêôơư ]{1,12}";
    prop_oneof![
        (any::<u8>(), word).prop_map(|(i, w)| Edit::Title(i, w)),
        (any::<u8>(), word).prop_map(|(i, w)| Edit::Description(i, w)),
        (any::<u8>(), word).prop_map(|(i, w)| Edit::English(i, w)),
        (any::<u8>(), word).prop_map(|(i, w)| Edit::Card(i, w)),
        word.prop_map(Edit::ExhibitTitle),
        any::<u8>().prop_map(Edit::Add),
        any::<u8>().prop_map(Edit::Delete),
        any::<u8>().prop_map(Edit::Move),
        Just(Edit::RenamePhoto),
        any::<u8>().prop_map(Edit::ReplacePhoto),
        word.prop_map(Edit::Theme),
        word.prop_map(Edit::Config),
    ]
}

fn exhibit_toml(root: &Path) -> PathBuf {
    root.join("exhibits/kho-bau/exhibit.toml")
}

/// The IDs of the sections of kho-bau, read from its exhibit.toml (one `objects = [...]` a section).
fn sections(root: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(exhibit_toml(root)).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    doc["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// Write the sections back (two sections: the second one is made when needed).
fn write_sections(root: &Path, secs: &[Vec<String>]) {
    let text = std::fs::read_to_string(exhibit_toml(root)).unwrap();
    let head = &text[..text.find("[[section]]").unwrap()];
    let mut out = head.to_string();
    for (i, s) in secs.iter().enumerate() {
        let ids: Vec<String> = s.iter().map(|i| format!("\"{i}\"")).collect();
        out.push_str(&format!(
            "[[section]]\ntitle = {{ vi = \"Phần {n}\", en = \"Part {n}\" }}\nobjects = [{}]\n\n",
            ids.join(", "),
            n = i + 1
        ));
    }
    std::fs::write(exhibit_toml(root), out).unwrap();
}

fn objects(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = sections(root).into_iter().flatten().collect();
    v.sort();
    v
}

fn set_title(root: &Path, id: &str, title: &str) {
    let p = root.join("exhibits/kho-bau/objects").join(id).join("object.toml");
    edit_toml(&p, |doc| doc["title"]["vi"] = toml_edit::value(title));
}

fn edit_toml(p: &Path, change: impl FnOnce(&mut toml_edit::DocumentMut)) {
    let text = std::fs::read_to_string(p).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    change(&mut doc);
    std::fs::write(p, doc.to_string()).unwrap();
}

fn apply(root: &Path, e: &Edit, photo_seed: &mut u32) {
    let objs = objects(root);
    let pick = |i: u8| objs[i as usize % objs.len()].clone();
    let dir = |id: &str| root.join("exhibits/kho-bau/objects").join(id);
    match e {
        Edit::Title(i, w) => set_title(root, &pick(*i), &format!("Hiện vật {w}")),
        Edit::English(i, w) => {
            std::fs::write(dir(&pick(*i)).join("en.md"), format!("About *{w}*.\n")).unwrap()
        }
        Edit::Card(i, w) => edit_toml(&dir(&pick(*i)).join("object.toml"), |doc| {
            doc["kind"] = toml_edit::value(toml_edit::InlineTable::from_iter([("vi", format!("Loại {w}"))]));
            doc["date"] = toml_edit::value(toml_edit::InlineTable::from_iter([(
                "display",
                toml_edit::Value::InlineTable(toml_edit::InlineTable::from_iter([(
                    "vi",
                    format!("Năm {w}"),
                )])),
            )]));
        }),
        Edit::ExhibitTitle(w) => edit_toml(&exhibit_toml(root), |doc| {
            doc["title"]["vi"] = toml_edit::value(format!("Kho báu {w}"));
        }),
        Edit::Description(i, w) => {
            std::fs::write(dir(&pick(*i)).join("vi.md"), format!("Mô tả *{w}*.\n")).unwrap()
        }
        Edit::Add(i) => {
            let id = format!("N-{:03}", i);
            if objs.contains(&id) {
                return;
            }
            std::fs::create_dir_all(dir(&id)).unwrap();
            std::fs::write(
                dir(&id).join("object.toml"),
                format!(
                    "id = \"{id}\"\ntitle = {{ vi = \"Vật mới {i}\", en = \"New object {i}\" }}\n\
                     date = {{ display = {{ vi = \"Thế kỷ 10\", en = \"10th century\" }}, from = 901, to = 1000 }}\n\
                     related = [\"T-001\"]\n"
                ),
            )
            .unwrap();
            let mut secs = sections(root);
            let n = secs.len();
            secs[*i as usize % n].push(id);
            write_sections(root, &secs);
        }
        Edit::Delete(i) => {
            // T-001 and T-002 stay: the programme and the related lists name them.
            let id = pick(*i);
            if id.starts_with("T-") {
                return;
            }
            let mut secs = sections(root);
            for s in &mut secs {
                s.retain(|x| *x != id);
            }
            secs.retain(|s| !s.is_empty());
            write_sections(root, &secs);
            std::fs::remove_dir_all(dir(&id)).unwrap();
        }
        Edit::Move(i) => {
            let id = pick(*i);
            let mut secs = sections(root);
            let from = secs.iter().position(|s| s.contains(&id)).unwrap();
            secs[from].retain(|x| *x != id);
            if secs.len() == 1 {
                secs.push(Vec::new());
            }
            let to = (from + 1) % secs.len();
            secs[to].insert(0, id);
            secs.retain(|s| !s.is_empty());
            write_sections(root, &secs);
        }
        Edit::RenamePhoto => {
            let d = dir("T-002");
            let p = d.join("object.toml");
            let text = std::fs::read_to_string(&p).unwrap();
            let (from, to) = if text.contains("\"coin.png\"") {
                ("coin.png", "coin-2.png")
            } else {
                ("coin-2.png", "coin.png")
            };
            std::fs::rename(d.join(from), d.join(to)).unwrap();
            std::fs::write(&p, text.replace(&format!("\"{from}\""), &format!("\"{to}\""))).unwrap();
        }
        Edit::ReplacePhoto(i) => {
            let d = dir("T-002");
            let text = std::fs::read_to_string(d.join("object.toml")).unwrap();
            let name = if text.contains("\"coin.png\"") {
                "coin.png"
            } else {
                "coin-2.png"
            };
            *photo_seed += 1;
            let seed = u32::from(*i) + *photo_seed;
            let img = image::RgbImage::from_fn(64, 48, |x, y| {
                image::Rgb([(x * 3 + seed) as u8, (y * 5) as u8, (seed * 7) as u8])
            });
            img.save(d.join(name)).unwrap();
        }
        Edit::Theme(w) => {
            let t = root.join("themes/default");
            std::fs::create_dir_all(&t).unwrap();
            let original = std::fs::read_to_string(repo().join("themes/default/404.html")).unwrap();
            std::fs::write(
                t.join("404.html"),
                format!("{original}\n{{# {w} #}}<!-- {w} -->\n"),
            )
            .unwrap();
        }
        Edit::Config(w) => edit_toml(&root.join("vitrine.toml"), |doc| {
            doc["museum"]["tagline"]["vi"] = toml_edit::value(format!("Bảo tàng {w}"));
        }),
    }
}

fn options(root: &Path, dir: &Path) -> BuildOptions {
    let mut o = BuildOptions::new(root);
    o.out = dir.join("public");
    o.cache = dir.join("cache");
    o
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn an_incremental_build_equals_a_clean_build_after_every_edit(edits in prop::collection::vec(edit(), 1..6)) {
        let (tmp, root) = copy_fixture("tiny");
        let inc = options(&root, &tmp.path().join("inc"));
        build_site(&inc).unwrap();
        let mut seed = 0;
        for (step, e) in edits.iter().enumerate() {
            apply(&root, e, &mut seed);
            let r = build_site(&inc).unwrap();
            let clean_dir = tmp.path().join(format!("clean-{step}"));
            build_site(&options(&root, &clean_dir)).unwrap();
            let (a, b) = (snapshot(&inc.out), snapshot(&clean_dir.join("public")));
            let diff = differences(&a, &b);
            prop_assert!(diff.is_empty(), "after {:?} (step {} of {:?}; first: incremental, second: clean):\n{}", e, step + 1, edits, diff.join("\n"));
            // Only what changed was written: never the whole site again (the theme and
            // vitrine.toml change every page).
            if !matches!(e, Edit::Theme(_) | Edit::Config(_)) {
                prop_assert!(r.written < r.files / 2, "{:?} wrote {} of {} files", e, r.written, r.files);
            }
            std::fs::remove_dir_all(&clean_dir).unwrap();
        }
    }
}

#[test]
fn a_rebuild_of_unchanged_content_writes_nothing_and_then_reads_no_content() {
    let (tmp, root) = copy_fixture("tiny");
    let o = options(&root, tmp.path());
    let first = build_site(&o).unwrap();
    assert!(first.written > 0 && !first.unchanged);
    let before = snapshot(&o.out);
    // The content files were copied a moment ago: while their times are too recent to vouch for
    // them (the same clock tick), a build reads the content again and writes nothing; once a
    // build could trust them, the next one stops after comparing them.
    let mut builds = 0;
    loop {
        let again = build_site(&o).unwrap();
        assert_eq!(again.written, 0, "{:?}", again.changes.changed);
        assert!(again.changes.changed.is_empty() && again.changes.removed.is_empty());
        builds += 1;
        if again.unchanged {
            break;
        }
        assert!(builds < 1000, "no build ever found the content unchanged");
    }
    assert_eq!(snapshot(&o.out), before);

    // One description changed: its pages and what lists it are written, nothing else.
    let vi = root.join("exhibits/kho-bau/objects/T-001/vi.md");
    std::fs::write(&vi, "Một mô tả khác.\n").unwrap();
    let fourth = build_site(&o).unwrap();
    assert!(!fourth.unchanged);
    let changed: Vec<&str> = fourth.changes.changed.iter().map(String::as_str).collect();
    assert!(changed.contains(&"o/T-001/index.html") && changed.contains(&"O/T-001/index.html"));
    assert!(
        !changed.contains(&"o/T-002/index.html") && !changed.contains(&"en/o/T-001/index.html"),
        "{changed:?}"
    );
    assert!(fourth.written < fourth.files / 4, "{changed:?}");
    let page = std::fs::read_to_string(o.out.join("o/T-001/index.html")).unwrap();
    assert!(page.contains("Một mô tả khác."));
}

#[test]
fn the_same_content_in_another_folder_makes_no_object_page_again() {
    // A publication builds from a new snapshot folder every time, into the same site.
    let (tmp, root) = copy_fixture("tiny");
    // A setting naming a file: it is read from the snapshot, so its full path differs each time.
    let certs = root.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    crate::mail::certificates(&certs);
    edit_toml(&root.join("vitrine.toml"), |doc| {
        doc["server"]["ca_file"] = toml_edit::value("certs/ca.pem");
    });
    let o = options(&root, tmp.path());
    build_site(&o).unwrap();
    let elsewhere = tmp.path().join("snapshot-2");
    copy_dir(&root, &elsewhere);
    let again = build_site(&options(&elsewhere, tmp.path())).unwrap();
    assert!(!again.unchanged, "another folder is another input");
    let pages: Vec<&String> = again
        .changes
        .changed
        .iter()
        .filter(|p| p.contains("o/T-"))
        .collect();
    assert!(pages.is_empty(), "object pages made again: {pages:?}");
    assert!(o.out.join("o/T-001/index.html").is_file());
}

#[test]
fn the_qr_address_of_an_object_is_the_same_file_as_its_page() {
    use std::os::unix::fs::MetadataExt;
    let (tmp, root) = copy_fixture("tiny");
    let o = options(&root, tmp.path());
    build_site(&o).unwrap();
    let (a, b) = (
        std::fs::metadata(o.out.join("o/T-001/index.html")).unwrap(),
        std::fs::metadata(o.out.join("O/T-001/index.html")).unwrap(),
    );
    assert_eq!(
        (a.dev(), a.ino()),
        (b.dev(), b.ino()),
        "O/T-001/ is a second copy"
    );
}

#[test]
fn a_build_that_fails_while_rendering_leaves_a_spare_the_next_build_continues_from() {
    let (tmp, root) = copy_fixture("tiny");
    let o = options(&root, tmp.path());
    build_site(&o).unwrap();
    build_site(&o).unwrap(); // now both trees exist: the live one and the spare
    // A title changes (the exhibition pages are placed with it) and the object template breaks
    // (the build stops at the object pages): files were placed into the spare, then it failed.
    set_title(&root, "T-002", "Tiền đồng đã sửa");
    let theme = root.join("themes/default");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("object.html"), "{{ page.no_such_field.x }}").unwrap();
    let live = snapshot(&o.out);
    assert!(build_site(&o).is_err());
    assert_eq!(snapshot(&o.out), live, "the live site is untouched");
    std::fs::remove_file(theme.join("object.html")).unwrap();
    let fixed = build_site(&o).unwrap();
    // The spare was not linked again from the live tree: only what differs was placed.
    assert!(
        fixed.changes.linked + fixed.written < fixed.files / 2,
        "linked {} and wrote {} of {} files",
        fixed.changes.linked,
        fixed.written,
        fixed.files
    );
    let clean = tmp.path().join("clean");
    build_site(&options(&root, &clean)).unwrap();
    let diff = differences(&snapshot(&o.out), &snapshot(&clean.join("public")));
    assert!(
        diff.is_empty(),
        "incremental after a failed build vs clean:\n{}",
        diff.join("\n")
    );
}
