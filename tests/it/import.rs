// `vitrine import` / `vitrine export`: a curator's spreadsheet creates and updates object folders,
// hand edits are never overwritten silently, and export then import changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use vitrine::content::{Item, Lang, Site};
use vitrine::sheet::{Action, ExportOptions, HeaderLang, ImportOptions, ImportReport, export, import};

use crate::support::{copy_dir, copy_fixture, fixture, repo, snapshot};

fn opts(sheet: &Path, exhibit: &str) -> ImportOptions {
    ImportOptions {
        sheet: sheet.to_path_buf(),
        exhibit: exhibit.into(),
        dry_run: false,
        force: false,
        images: None,
        who: "test".into(),
        verbose: true,
    }
}

/// The tiny museum and, in a folder of their own, the fixture sheet and its photo.
fn tiny_with_sheet() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, root) = copy_fixture("tiny");
    let sheets = tmp.path().join("sheets");
    copy_dir(&fixture("sheets"), &sheets);
    (tmp, root, sheets)
}

fn load(root: &Path) -> Site {
    let (site, d) = vitrine::build::check(root);
    let errors: Vec<String> = d
        .sorted()
        .iter()
        .filter(|x| x.severity == vitrine::diag::Severity::Error)
        .map(|x| x.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    site.expect("the site loads").0
}

fn text(item: &Item, f: impl Fn(&Item) -> &vitrine::content::Localized, lang: Lang) -> String {
    f(item).get(lang).unwrap_or_default().to_string()
}

fn assert_fixture_objects(site: &Site) {
    let bowl = &site.items["T-010"];
    assert_eq!(text(bowl, |i| &i.title, Lang::Vi), "Chén gốm hoa lam");
    assert_eq!(text(bowl, |i| &i.title, Lang::En), "Blue-and-white bowl");
    assert_eq!(bowl.date.years, Some((1401, 1500)));
    assert_eq!(text(bowl, |i| &i.date.display, Lang::Vi), "Thế kỷ 15");
    assert_eq!(text(bowl, |i| &i.material, Lang::Vi), "Gốm hoa lam");
    assert_eq!(text(bowl, |i| &i.material, Lang::En), "Blue-and-white ceramic");
    assert_eq!(
        text(bowl, |i| &i.dimensions, Lang::Vi),
        "Cao 6 cm, đường kính 12 cm"
    );
    assert_eq!(bowl.keywords.vi, ["gốm", "hoa lam"]);
    assert_eq!(
        bowl.images.iter().map(|i| i.file.as_str()).collect::<Vec<_>>(),
        ["chen.png"]
    );
    assert_eq!((bowl.images[0].width, bowl.images[0].height), (8, 6));
    assert_eq!(
        text(bowl, |i| &i.description, Lang::Vi),
        "Chén gốm men trắng vẽ lam.\n\nTìm thấy ở Hoa Lư năm 1998."
    );
    assert_eq!(
        text(bowl, |i| &i.description, Lang::En),
        "A white bowl painted in blue.\n\nFound at Hoa Lư in 1998."
    );
    let brick = &site.items["T-011"];
    assert_eq!(brick.date.years, Some((973, 973)));
    assert_eq!(
        text(brick, |i| &i.title, Lang::En),
        "Brick inscribed Đại Việt quốc quân thành chuyên"
    );
    let coin = &site.items["T-012"];
    assert_eq!(coin.date.years, Some((970, 980)));
    assert_eq!(coin.keywords.vi, ["tiền", "Nhà Đinh"]);
    // New objects with a section are listed in it, after the ones already there.
    let ex = site.exhibit("kho-bau").unwrap();
    let ids: Vec<&str> = ex.sections[0].items.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["T-001", "T-002", "T-010", "T-011"]);
}

#[test]
fn import_a_vietnamese_sheet_creates_the_objects() {
    let (_tmp, root, sheets) = tiny_with_sheet();
    let report = import(&root, &opts(&sheets.join("hien-vat.csv"), "kho-bau")).unwrap();
    assert_eq!(report.count(Action::Create), 3, "{report}");
    assert!(!report.has_problems(), "{report}");
    assert!(
        report.warnings.iter().any(|w| w.contains("\"Ghi chú\"")),
        "{:?}",
        report.warnings
    );
    assert_fixture_objects(&load(&root));
    // The photo was copied into the object's folder.
    assert_eq!(
        std::fs::read(root.join("exhibits/kho-bau/objects/T-010/chen.png")).unwrap(),
        std::fs::read(sheets.join("chen.png")).unwrap()
    );
    // Importing the same sheet again changes nothing.
    let before = snapshot(&root);
    let again = import(&root, &opts(&sheets.join("hien-vat.csv"), "kho-bau")).unwrap();
    assert!(again.nothing_to_change() && !again.has_problems(), "{again}");
    assert_eq!(again.count(Action::Unchanged), 3);
    assert!(
        again.to_string().contains("unchanged: T-010, T-011, T-012"),
        "{again}"
    );
    assert_eq!(snapshot(&root), before);
}

/// The fixture's rows, read by the library's own CSV reader so both files hold the same cells.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn an_xlsx_sheet_imports_the_same_as_the_csv() {
    let (_tmp, root, sheets) = tiny_with_sheet();
    let xlsx = sheets.join("hien-vat.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in csv_rows(&sheets.join("hien-vat.csv")).iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // Years as numbers, as a spreadsheet holds them.
            match cell.parse::<f64>() {
                Ok(n) if r > 0 => ws.write_number(r as u32, c as u16, n).unwrap(),
                _ => ws.write_string(r as u32, c as u16, cell).unwrap(),
            };
        }
    }
    wb.save(&xlsx).unwrap();
    let report = import(&root, &opts(&xlsx, "kho-bau")).unwrap();
    assert_eq!(report.count(Action::Create), 3, "{report}");
    assert_fixture_objects(&load(&root));

    // The same files as from the CSV, byte for byte.
    let (_tmp2, root2, sheets2) = tiny_with_sheet();
    import(&root2, &opts(&sheets2.join("hien-vat.csv"), "kho-bau")).unwrap();
    let objects = |r: &Path| snapshot(&r.join("exhibits"));
    assert_eq!(objects(&root), objects(&root2));
}

fn run_cli(root: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn hand_edits_are_conflicts_until_forced_and_comments_survive() {
    let (_tmp, root, sheets) = tiny_with_sheet();
    let sheet = sheets.join("hien-vat.csv");
    import(&root, &opts(&sheet, "kho-bau")).unwrap();
    let dir = root.join("exhibits/kho-bau/objects/T-010");
    let toml = dir.join("object.toml");
    let edited = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("Chén gốm hoa lam", "Chén hoa lam thời Lê")
        .replacen("id = ", "# Checked against the register, 2026.\nid = ", 1);
    std::fs::write(&toml, &edited).unwrap();
    std::fs::write(dir.join("vi.md"), "Mô tả viết lại bằng tay.\n").unwrap();
    let before = snapshot(&root);

    let (code, out) = run_cli(
        &root,
        &["import", sheet.to_str().unwrap(), "--exhibit", "kho-bau"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("title (vi): file \"Chén hoa lam thời Lê\" ≠ sheet \"Chén gốm hoa lam\""),
        "{out}"
    );
    assert!(
        out.contains("description (vi): file \"Mô tả viết lại bằng tay.\""),
        "{out}"
    );
    assert!(out.contains("--force"), "{out}");
    assert_eq!(snapshot(&root), before, "a conflicting object is left as it is");

    let mut forced = opts(&sheet, "kho-bau");
    forced.force = true;
    let report = import(&root, &forced).unwrap();
    assert_eq!(report.count(Action::Update), 1, "{report}");
    let after = std::fs::read_to_string(&toml).unwrap();
    assert!(after.contains("# Checked against the register, 2026."), "{after}");
    assert!(after.contains("vi = \"Chén gốm hoa lam\""), "{after}");
    assert!(
        std::fs::read_to_string(dir.join("vi.md"))
            .unwrap()
            .starts_with("Chén gốm men trắng")
    );

    // A change made in the sheet (not in the files) is an ordinary update.
    let changed = std::fs::read_to_string(&sheet)
        .unwrap()
        .replace("Dài 38 cm", "Dài 39 cm");
    std::fs::write(&sheet, changed).unwrap();
    let mut dry = opts(&sheet, "kho-bau");
    dry.dry_run = true;
    let before = snapshot(&root);
    let preview = import(&root, &dry).unwrap().to_string();
    assert!(preview.contains("would update T-011 (row 3)"), "{preview}");
    assert!(
        preview.contains("dimensions (vi): \"Dài 38 cm\" → \"Dài 39 cm\""),
        "{preview}"
    );
    assert_eq!(snapshot(&root), before, "a dry run writes nothing");
    let report = import(&root, &opts(&sheet, "kho-bau")).unwrap();
    assert_eq!(report.count(Action::Update), 1, "{report}");
    assert!(
        report
            .to_string()
            .contains("dimensions (vi): \"Dài 38 cm\" → \"Dài 39 cm\""),
        "{report}"
    );
}

/// Every file of the museum except the import's own records.
fn content_snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut s = snapshot(root);
    s.retain(|p, _| !p.starts_with(".vitrine"));
    s
}

fn assert_noop(root: &Path, slug: &str, sheet: &Path) -> ImportReport {
    let before = snapshot(root);
    let report = import(root, &opts(sheet, slug)).unwrap();
    assert!(report.nothing_to_change() && !report.has_problems(), "{report}");
    assert!(report.to_string().contains("nothing to change"), "{report}");
    assert_eq!(snapshot(root), before, "{slug}: {}", sheet.display());
    report
}

#[test]
fn export_then_import_changes_nothing_in_the_demo_museum() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("museum");
    copy_dir(&repo().join("exhibits"), &root.join("exhibits"));
    std::fs::copy(repo().join("vitrine.toml"), root.join("vitrine.toml")).unwrap();
    let content = content_snapshot(&root);
    for slug in ["co-do-hoa-lu", "phat-diem-kim-son", "trang-an"] {
        let objects = std::fs::read_dir(root.join("exhibits").join(slug).join("objects"))
            .unwrap()
            .count();
        for (name, headers) in [
            ("a.xlsx", HeaderLang::Vi),
            ("b.csv", HeaderLang::Vi),
            ("c.csv", HeaderLang::En),
        ] {
            let out = tmp.path().join(format!("{slug}-{name}"));
            let o = ExportOptions {
                out: out.clone(),
                exhibit: slug.into(),
                headers,
            };
            assert_eq!(export(&root, &o).unwrap().objects, objects);
            let report = assert_noop(&root, slug, &out);
            assert_eq!(report.count(Action::Unchanged), objects, "{report}");
        }
    }
    assert_eq!(content_snapshot(&root), content);
    // The binary too, with a sheet in English headers.
    let out = tmp.path().join("hl.xlsx");
    let (code, text) = run_cli(
        &root,
        &[
            "export",
            out.to_str().unwrap(),
            "--exhibit",
            "co-do-hoa-lu",
            "--headers",
            "en",
        ],
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = run_cli(
        &root,
        &["import", out.to_str().unwrap(), "--exhibit", "co-do-hoa-lu"],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("nothing to change"), "{text}");
    assert_eq!(content_snapshot(&root), content);
}

const BAD_ROWS: &str = "\u{feff}Số hiệu;Tên hiện vật;Niên đại;Từ năm;Đến năm;Ảnh\n\
HL 01;Tên;Năm 973;;;\n\
T-020;Bình;Năm 973;năm;;\n\
T-021;Bình;;1000;900;\n\
T-022;Bình;Năm 990;;;../x.png\n\
T-023;Bình tốt;;;;\n\
T-024;Lọ gốm;\"Thế kỷ 11\";;;\n\
T-024;Lọ gốm lần hai;Năm 1000;;;\n\
T-025;Ảnh thiếu;Năm 990;;;khong-co.png\n";

#[test]
fn dry_run_writes_nothing_and_bad_rows_are_reported_and_skipped() {
    let (tmp, root) = copy_fixture("tiny");
    let sheet = tmp.path().join("objects.csv");
    std::fs::write(&sheet, BAD_ROWS).unwrap();
    let before = snapshot(&root);
    let mut dry = opts(&sheet, "kho-bau");
    dry.dry_run = true;
    let report = import(&root, &dry).unwrap();
    assert_eq!(snapshot(&root), before, "a dry run writes nothing");
    let errors: Vec<(usize, Option<String>)> =
        report.errors.iter().map(|e| (e.row, e.column.clone())).collect();
    let col = |s: &str| Some(s.to_string());
    assert_eq!(
        errors,
        [
            (2, col("Số hiệu")),
            (3, col("Từ năm")),
            (4, col("Đến năm")),
            (5, col("Ảnh")),
            (8, col("Số hiệu")),
            (9, col("Ảnh")),
        ],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("objects.csv row 3, column \"Từ năm\": \"năm\" is not a year"),
        "{text}"
    );
    assert!(
        text.contains("objects.csv row 5, column \"Ảnh\": \"../x.png\""),
        "{text}"
    );
    assert!(text.contains("would create T-024 \"Lọ gốm\" (row 7)"), "{text}");

    let (code, out) = run_cli(
        &root,
        &["import", sheet.to_str().unwrap(), "--exhibit", "kho-bau"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("were not imported; the other rows were"), "{out}");
    let site = load(&root);
    assert_eq!(site.items["T-024"].date.years.map(|y| y.0), Some(1001));
    // An object nobody has dated is imported undated, never refused.
    assert!(site.items["T-023"].date.is_unknown());
    for bad in ["HL 01", "T-020", "T-021", "T-022", "T-025"] {
        assert!(!site.items.contains_key(bad), "{bad}");
    }
    assert!(!root.join("exhibits/kho-bau/objects/T-020").exists());
}

#[test]
fn unusable_input_exits_with_2() {
    let (tmp, root) = copy_fixture("tiny");
    let sheet = tmp.path().join("no-id.csv");
    std::fs::write(&sheet, "Tên hiện vật,Niên đại\nBình,Năm 973\n").unwrap();
    let (code, out) = run_cli(
        &root,
        &["import", sheet.to_str().unwrap(), "--exhibit", "kho-bau"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no-id.csv") && out.contains("no ID column"), "{out}");
    let (code, out) = run_cli(
        &root,
        &["import", sheet.to_str().unwrap(), "--exhibit", "khong-co"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("kho-bau, nhap"), "{out}");
    std::fs::write(&sheet, "ID,Title,Tên hiện vật (tiếng Anh)\nT-1,A,B\n").unwrap();
    let err = import(&root, &opts(&sheet, "kho-bau")).unwrap_err().to_string();
    assert!(err.contains("\"Title\"") && err.contains("title (en)"), "{err}");
}

#[test]
fn objects_never_imported_take_new_fields_and_photos_but_not_changed_ones() {
    let (tmp, root) = copy_fixture("tiny");
    let sheet = tmp.path().join("them.csv");
    std::fs::copy(fixture("sheets/chen.png"), tmp.path().join("back.png")).unwrap();
    std::fs::write(
        &sheet,
        "Số hiệu,Tên hiện vật,Title,Material,Ảnh,Phần trưng bày\n\
         T-002,Đồng tiền Thái Bình hưng bảo,Thái Bình hưng bảo coin,Bronze,coin.png; back.png,Gốm\n\
         T-001,Bình gốm,Celadon jar,,,\n\
         T-030,Mảnh bát,Bowl sherd,,,Phòng không có\n",
    )
    .unwrap();
    let t001 = std::fs::read(root.join("exhibits/kho-bau/objects/T-001/object.toml")).unwrap();
    let report = import(&root, &opts(&sheet, "kho-bau")).unwrap();
    let text = report.to_string();
    // T-002 had no English title and no English material: filling them in loses nothing.
    assert_eq!(report.count(Action::Update), 1, "{text}");
    assert!(
        text.contains("title (en): \"\" → \"Thái Bình hưng bảo coin\""),
        "{text}"
    );
    assert!(text.contains("images: add back.png"), "{text}");
    // T-001's Vietnamese title was written by hand and was never imported: a conflict.
    assert!(
        text.contains("title (vi): file \"Bình gốm men ngọc\" ≠ sheet \"Bình gốm\""),
        "{text}"
    );
    assert_eq!(
        std::fs::read(root.join("exhibits/kho-bau/objects/T-001/object.toml")).unwrap(),
        t001
    );
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.row == 4 && e.column.as_deref() == Some("Phần trưng bày")),
        "{text}"
    );
    assert!(report.has_problems());

    let site = load(&root);
    let coin = &site.items["T-002"];
    assert_eq!(coin.title.en.as_deref(), Some("Thái Bình hưng bảo coin"));
    assert_eq!(coin.material.en.as_deref(), Some("Bronze"));
    assert_eq!(coin.material.vi.as_deref(), Some("Đồng"));
    let files: Vec<&str> = coin.images.iter().map(|i| i.file.as_str()).collect();
    assert_eq!(files, ["coin.png", "back.png"]);
    // Its existing photo block kept its alt text.
    assert_eq!(
        coin.images[0].alt.vi.as_deref(),
        Some("Đồng tiền tròn có lỗ vuông")
    );
    assert!(!site.items.contains_key("T-030"));
}

/// The tiny museum with a new, empty exhibition `suu-tam` and the collection-export fixture.
fn tiny_with_collection() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, root) = copy_fixture("tiny");
    let ex = root.join("exhibits/suu-tam");
    std::fs::create_dir_all(&ex).unwrap();
    std::fs::write(
        ex.join("exhibit.toml"),
        "title = { vi = \"Sưu tầm\", en = \"Collection\" }\nstatus = \"published\"\n",
    )
    .unwrap();
    let sheet = tmp.path().join("collection-export.csv");
    std::fs::copy(fixture("sheets/collection-export.csv"), &sheet).unwrap();
    (tmp, root, sheet)
}

#[test]
fn a_real_collection_export_imports_with_only_its_bad_rows_left_out() {
    let (tmp, root, sheet) = tiny_with_collection();
    let report = import(&root, &opts(&sheet, "suu-tam")).unwrap();
    let errors: Vec<(usize, Option<String>)> =
        report.errors.iter().map(|e| (e.row, e.column.clone())).collect();
    let col = |s: &str| Some(s.to_string());
    // The impossible year (found by the checks of `vitrine check`), the number given twice, the
    // number that makes the same ID as another, and the row without a number.
    assert_eq!(
        errors,
        [
            (62, col("Object End Date")),
            (92, col("Object Number")),
            (122, col("Object Number")),
            (152, col("Object Number")),
        ],
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("7195 is not a plausible year"), "{text}");
    assert!(
        text.contains("79.32.12A (made from the accession number \"79.32.12A\") is already on row 14"),
        "{text}"
    );
    assert!(
        text.contains("column \"Department\" is not a field Vitrine knows"),
        "{text}"
    );
    assert_eq!(report.count(Action::Create), 216);
    // The museum still builds, and every object reads as a curator would expect.
    let site = load(&root);
    let out = tmp.path().join("out");
    crate::support::build_into(&root, &out).expect("the museum builds after the import");
    let it = |id: &str| {
        site.items
            .get(id)
            .unwrap_or_else(|| panic!("{id} was not imported"))
    };
    let bowl = it("79.32.0A");
    assert_eq!(bowl.accession.as_deref(), Some("79.32.0a"));
    assert_eq!(text_of(&bowl.title, Lang::En), "Bowl with design no. 0");
    assert_eq!(bowl.title.vi, None, "English text stays English");
    assert_eq!(text_of(&bowl.maker, Lang::En), "Nguyễn Văn A (1890–1960), potter");
    assert_eq!(text_of(&bowl.location, Lang::En), "Room 1");
    assert_eq!(text_of(&bowl.inscription, Lang::En), "Marked \"0\" on the base");
    assert!(text_of(&bowl.provenance, Lang::En).starts_with("Found in Hoa Lư"));
    assert_eq!(text_of(&bowl.credit, Lang::En), "Gift of a collector, 1990");
    assert_eq!(bowl.date.years, Some((1860, 1860)));
    // Dates as catalogues write them.
    assert_eq!(it("1975.1-A-B").date.years, Some((1855, 1865)), "c. 1860");
    assert_eq!(it("L.2019.2").date.years, Some((1950, 1959)), "1950s");
    assert_eq!(it("79.32.3A").date.years, Some((1701, 1900)), "18th–19th century");
    assert_eq!(
        it("1975.4-A-B").date.years,
        Some((1901, 1930)),
        "early 20th century"
    );
    assert_eq!(it("79.32.6A").date.years, Some((1901, 1905)));
    // Undated rows are imported undated, whatever they wrote for "no date".
    for id in ["L.2019.5", "L.2019.17", "L.2019.29", "L.2019.41"] {
        assert!(it(id).date.is_unknown(), "{id}: {:?}", it(id).date);
    }
    // Dirty text comes out clean.
    assert_eq!(text_of(&it("L.2019.170").title, Lang::En), "Bell with a dragon");
    assert_eq!(
        text_of(&it("L.2019.170").description, Lang::En),
        "Cast bronze.\n\nA second line."
    );
    let jar = it("79.32.171A");
    assert_eq!(text_of(&jar.title, Lang::En), "Jar with lid & stand");
    assert_eq!(
        text_of(&jar.description, Lang::En).trim_end(),
        "First paragraph.\n\nSecond\nparagraph – with a dash."
    );
    // The undated object's page says so, in both languages.
    let page = std::fs::read_to_string(out.join("public/o/L.2019.5/index.html")).unwrap();
    assert!(page.contains("Không rõ niên đại"), "vi page");
    let page = std::fs::read_to_string(out.join("public/en/o/L.2019.5/index.html")).unwrap();
    assert!(page.contains("Date unknown"), "en page");

    // The findings of the imported objects are summed up, not 2,000 lines.
    let findings = report.findings.report();
    assert!(
        findings.contains("warning[missing-translation]: ")
            && findings.contains(" fields in 216 objects; e.g."),
        "{findings}"
    );
    assert!(findings.lines().count() < 60, "{findings}");
    assert!(report.findings.report_all().lines().count() > 1000);
}

fn text_of(l: &vitrine::content::Localized, lang: Lang) -> String {
    l.get(lang).unwrap_or_default().to_string()
}

#[test]
fn coverage_counts_fields_in_one_language_and_the_translators_sheet_round_trips() {
    let (tmp, root, sheet) = tiny_with_collection();
    import(&root, &opts(&sheet, "suu-tam")).unwrap();
    let c = vitrine::sheet::coverage(&root, "suu-tam").unwrap();
    let (present, vi, en) = c.totals();
    assert_eq!(c.objects, 216);
    assert_eq!(vi, 0, "not one word of Vietnamese");
    assert_eq!(en, present);
    let title = c.fields.iter().find(|f| f.key == "title").unwrap();
    assert_eq!((title.present, title.vi, title.en), (216, 0, 216));
    let provenance = c.fields.iter().find(|f| f.key == "provenance").unwrap();
    assert_eq!(
        provenance.present, 32,
        "every 7th row has one, none of them left out"
    );
    assert_eq!(c.needing(Lang::Vi).count(), 216);
    assert_eq!(c.needing(Lang::En).count(), 0);
    let (code, out) = run_cli(&root, &["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("suu-tam (216 objects): Vietnamese 0 of"), "{out}");
    assert!(out.contains("(0 %), English"), "{out}");
    assert!(out.contains("need Vietnamese: 216 object(s)"), "{out}");

    // The translators' sheet: only the fields missing in Vietnamese, English beside them.
    let tr = tmp.path().join("dich.csv");
    let (code, out) = run_cli(
        &root,
        &[
            "export",
            tr.to_str().unwrap(),
            "--exhibit",
            "suu-tam",
            "--untranslated",
            "vi",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let mut rows = csv_rows(&tr);
    let header = rows[0].clone();
    assert_eq!(header[0], "Số hiệu hiện vật");
    assert_eq!(header[1], "Tên hiện vật (tiếng Anh)");
    assert_eq!(header[2], "Tên hiện vật");
    assert!(
        !header.iter().any(|h| h.starts_with("Từ năm") || h == "Ảnh"),
        "{header:?}"
    );
    assert_eq!(rows.len(), 217);
    // A translator fills in two titles; nothing else changes.
    let at = |id: &str, rows: &Vec<Vec<String>>| rows.iter().position(|r| r[0] == id).unwrap();
    let (a, b) = (at("79.32.0A", &rows), at("L.2019.2", &rows));
    rows[a][2] = "Bát vẽ hoa văn số 0".into();
    rows[b][2] = "Ảnh số 2".into();
    let mut w = csv::Writer::from_path(&tr).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    let before = snapshot(&root);
    let report = import(&root, &opts(&tr, "suu-tam")).unwrap();
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.count(Action::Update), 2, "{report}");
    let after = snapshot(&root);
    let changed: Vec<String> = crate::support::differences(&before, &after)
        .into_iter()
        .filter(|d| !d.contains(".vitrine"))
        .collect();
    assert_eq!(
        changed,
        [
            "differs: exhibits/suu-tam/objects/79.32.0A/object.toml",
            "differs: exhibits/suu-tam/objects/L.2019.2/object.toml"
        ]
    );
    let site = load(&root);
    assert_eq!(
        text_of(&site.items["79.32.0A"].title, Lang::Vi),
        "Bát vẽ hoa văn số 0"
    );
    assert_eq!(
        text_of(&site.items["79.32.0A"].title, Lang::En),
        "Bowl with design no. 0"
    );
}

#[test]
fn every_new_field_reaches_the_page_json_ld_and_csv_and_survives_export_and_import() {
    let (tmp, root) = copy_fixture("tiny");
    let dir = root.join("exhibits/kho-bau/objects/T-100");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("object.toml"),
        r#"id = "T-100"
accession = "79.32.4a"
title = { vi = "Chuông đồng", en = "Bronze bell" }
maker = { vi = "Phường đúc Ý Yên (thợ đúc)", en = "Ý Yên foundry (casters)" }
inscription = { vi = "Minh văn 12 chữ Hán", en = "Twelve Chinese characters" }
provenance = { vi = "Phát hiện ở Hoa Lư năm 1969", en = "Found in Hoa Lư in 1969" }
acquisition = { vi = "Tiếp nhận năm 1975", en = "Transferred in 1975" }
location = { vi = "Phòng 3", en = "Room 3" }

[[image]]
file = "bell.png"
alt = { vi = "Chuông đồng", en = "Bronze bell" }
"#,
    )
    .unwrap();
    std::fs::copy(
        root.join("exhibits/kho-bau/objects/T-001/jar.png"),
        dir.join("bell.png"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    crate::support::build_into(&root, &out).unwrap();
    let vi = std::fs::read_to_string(out.join("public/o/T-100/index.html")).unwrap();
    let en = std::fs::read_to_string(out.join("public/en/o/T-100/index.html")).unwrap();
    for (page, words) in [
        (
            &vi,
            [
                "79.32.4a",
                "Phường đúc Ý Yên (thợ đúc)",
                "Minh văn 12 chữ Hán",
                "Phát hiện ở Hoa Lư năm 1969",
                "Tiếp nhận năm 1975",
                "Phòng 3",
                "Không rõ niên đại",
            ],
        ),
        (
            &en,
            [
                "79.32.4a",
                "Ý Yên foundry (casters)",
                "Twelve Chinese characters",
                "Found in Hoa Lư in 1969",
                "Transferred in 1975",
                "Room 3",
                "Date unknown",
            ],
        ),
    ] {
        for w in words {
            assert!(page.contains(w), "{w} is not on the page");
        }
    }
    // JSON-LD: the maker and the accession number.
    assert!(
        en.contains(r#""creator":{"@type":"Person","name":"Ý Yên foundry (casters)"}"#),
        "{en}"
    );
    assert!(en.contains(r#""value":"79.32.4a""#));
    // IIIF metadata, labelled in both languages.
    let manifest = std::fs::read_to_string(out.join("public/iiif/o/T-100/manifest.json")).unwrap();
    for w in [
        "Nguồn gốc",
        "Provenance",
        "Found in Hoa Lư in 1969",
        "79.32.4a",
        "Tác giả / Người làm",
        "Room 3",
    ] {
        assert!(manifest.contains(w), "{w} is not in the IIIF manifest");
    }
    let csv = std::fs::read_to_string(out.join("public/data/objects.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let row = rdr
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "T-100")
        .unwrap();
    let cell = |h: &str| row[headers.iter().position(|x| x == h).unwrap()].to_string();
    assert_eq!(cell("dc:creator@vi"), "Phường đúc Ý Yên (thợ đúc)");
    assert_eq!(cell("dcterms:provenance@en"), "Found in Hoa Lư in 1969");
    assert_eq!(cell("accession_number"), "79.32.4a");
    assert_eq!(cell("current_location@vi"), "Phòng 3");
    assert_eq!(cell("inscription@en"), "Twelve Chinese characters");
    assert_eq!(cell("acquisition@vi"), "Tiếp nhận năm 1975");
    // Export then import: byte for byte the same files.
    let before = snapshot(&root);
    for (ext, headers) in [("xlsx", HeaderLang::Vi), ("csv", HeaderLang::En)] {
        let sheet = tmp.path().join(format!("all.{ext}"));
        export(
            &root,
            &ExportOptions {
                out: sheet.clone(),
                exhibit: "kho-bau".into(),
                headers,
            },
        )
        .unwrap();
        let report = import(&root, &opts(&sheet, "kho-bau")).unwrap();
        assert!(report.nothing_to_change(), "{report}");
        let after = snapshot(&root);
        let changed: Vec<String> = crate::support::differences(&before, &after)
            .into_iter()
            .filter(|d| !d.contains(".vitrine"))
            .collect();
        assert!(changed.is_empty(), "{changed:?}");
    }
}

#[test]
fn a_collectionbuilder_sheet_in_vietnamese_is_read_as_vietnamese() {
    let (tmp, root, _) = tiny_with_collection();
    let sheet = tmp.path().join("cb.csv");
    std::fs::write(
        &sheet,
        "objectid,title,date,description,subject,location\n\
         nb_001,Chuông đồng chùa Bái Đính,năm Bảo Đại thứ 5,<p>Chuông đúc bằng đồng.</p>,chuông; đồng,Gia Viễn\n\
         nb_002,Bia đá thời Lê,đầu thế kỷ 18,Bia khắc chữ Hán.,bia; đá,Hoa Lư\n",
    )
    .unwrap();
    let report = import(&root, &opts(&sheet, "suu-tam")).unwrap();
    assert!(report.errors.is_empty(), "{report}");
    let text = report.to_string();
    assert!(
        text.contains("column \"title\" holds Vietnamese text: it was read as title (vi)"),
        "{text}"
    );
    let site = load(&root);
    let bell = &site.items["NB-001"];
    assert_eq!(bell.accession.as_deref(), Some("nb_001"));
    assert_eq!(text_of(&bell.title, Lang::Vi), "Chuông đồng chùa Bái Đính");
    assert_eq!(bell.title.en, None);
    assert_eq!(bell.date.years, Some((1930, 1930)));
    assert_eq!(text_of(&bell.date.display, Lang::Vi), "năm Bảo Đại thứ 5");
    assert_eq!(
        text_of(&bell.description, Lang::Vi).trim_end(),
        "Chuông đúc bằng đồng."
    );
    assert_eq!(bell.keywords.vi, ["chuông", "đồng"]);
    assert_eq!(text_of(&bell.find_place, Lang::Vi), "Gia Viễn");
    assert_eq!(site.items["NB-002"].date.years, Some((1701, 1730)));
    // Imported again, the numbers find their objects: nothing changes.
    let again = import(&root, &opts(&sheet, "suu-tam")).unwrap();
    assert!(again.nothing_to_change(), "{again}");
}

#[test]
fn an_import_run_with_a_relative_root_checks_against_the_whole_museum() {
    let (tmp, root, _) = tiny_with_collection();
    std::fs::write(
        tmp.path().join("rel.csv"),
        "Số hiệu hiện vật,Tên hiện vật,Hiện vật liên quan\nT-300,Bình,T-001\nT-301,Lọ,T-999\n",
    )
    .unwrap();
    let rel = root.strip_prefix(tmp.path()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .current_dir(tmp.path())
        .arg("--root")
        .arg(rel)
        .args(["import", "rel.csv", "--exhibit", "suu-tam"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // T-300 names an object of another exhibition, which the check sees; T-301 one that does not
    // exist, and its row is left out.
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "rel.csv row 3, column \"Hiện vật liên quan\": there is no object with the ID \"T-999\""
        ),
        "{text}"
    );
    assert!(!text.contains("row 2,"), "row 2 has no error: {text}");
    let site = load(&root);
    assert!(site.items.contains_key("T-300"));
    assert!(!site.items.contains_key("T-301"));
}
