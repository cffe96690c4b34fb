// The province (issue 17): three real `vitrine serve` processes on loopback ports — two museums,
// each on its own SQLite file, and the Department's server on PostgreSQL (SQLite where no
// PostgreSQL answers, outside CI). The Department loads its institutions from a spreadsheet in
// Vietnamese and makes their keys with the CLI; both museums record visits of known counts; one
// sends its report from the staff area (twice: two versions), the Department fetches the other's;
// the consolidated year shows the expected shares and growth; forged, replayed, stale, future,
// unknown and malformed reports are refused and stored nowhere; a museum that is down makes the
// fetch fail with nothing stored; the report carries counts and never a name, contact or school.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use vitrine::accounts::Role;
use vitrine::content::Day;
use vitrine::report::Schedule;
use vitrine::store::Store;
use vitrine::visits::{Purpose, Source, Visit, VisitorType};

use crate::serve::{drop_schema, form, runtime, stores};
use crate::staff::input_value;
use crate::support::*;

/// One HTTP/1.1 request with extra headers and a raw body: (status code, body).
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut all = String::new();
    s.read_to_string(&mut all).unwrap();
    let (head, body) = all.split_once("\r\n\r\n").unwrap_or((&all, ""));
    let code = head.split_whitespace().nth(1).unwrap_or("0").parse().unwrap();
    (code, body.to_string())
}

/// Wait (at most a minute) until `done`: for work the server does in the background.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < until, "{what}: not within a minute");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Stops the servers when the test fails before it stops them itself.
struct StopOnPanic(Vec<u32>);

impl StopOnPanic {
    /// Stop `child` now; it is no longer killed on a panic (its id may be reused once reaped).
    fn stop(&mut self, child: &mut std::process::Child) {
        self.0.retain(|p| *p != child.id());
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for StopOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for pid in &self.0 {
                // SAFETY: kill(2) on our own children's ids, which are still unreaped here.
                unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
            }
        }
    }
}

/// A GET with a session cookie: (status code, body bytes).
fn request_bytes(addr: &str, path: &str, cookie: &str) -> (u16, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let at = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..at]).to_string();
    assert!(
        !head.to_lowercase().contains("transfer-encoding: chunked"),
        "{head}"
    );
    (
        head.split_whitespace().nth(1).unwrap().parse().unwrap(),
        all[at + 4..].to_vec(),
    )
}

/// A file posted as multipart/form-data from the same origin, after the form's CSRF token.
fn upload(addr: &str, path: &str, cookie: &str, csrf: &str, name: &str, bytes: &[u8]) -> (u16, String) {
    let b = "----vitrine-test-boundary";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\n\
         Content-Disposition: form-data; name=\"sheet\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    request(
        addr,
        "POST",
        path,
        &[
            ("Origin", format!("http://{addr}")),
            ("Cookie", cookie.to_string()),
            ("Content-Type", format!("multipart/form-data; boundary={b}")),
        ],
        &body,
    )
}

/// The text of the element with this id.
fn text_of_id(html: &str, id: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    doc.select(&sel(&format!("#{id}")))
        .next()
        .map(|e| e.text().collect())
        .unwrap_or_default()
}

/// `vitrine institution …` against the Department's database; its standard output.
fn institution_cli(root: &Path, db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--root")
        .arg(root)
        .arg("institution")
        .args(args)
        .args(["--database", db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vitrine institution {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn append(file: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn visit(date: Day, size: i64, purpose: Purpose, name: Option<&str>) -> Visit {
    Visit {
        date: date.to_string(),
        visitor_type: if name.is_some() {
            VisitorType::Individual
        } else {
            VisitorType::SchoolGroup
        },
        purpose,
        group_size: size,
        organisation: if name.is_some() {
            String::new()
        } else {
            "Trường THCS Trương Hán Siêu".into()
        },
        grade: String::new(),
        origin: String::new(),
        name: name.map(str::to_string),
        contact: name.map(|_| "rieng.nguyen@example.com".to_string()),
        consent: name.map(|_| "Tôi đồng ý".to_string()),
        source: Source::Staff,
        lang: "vi".into(),
    }
}

/// A museum's site linked to the Department at `province`, as institution `code`, its key in
/// the environment variable `key_env`.
fn museum(province: &str, code: &str, key_env: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, root) = copy_fixture("tiny");
    append(
        &root.join("vitrine.toml"),
        &format!(
            "\n[province]\nurl = \"http://{province}/\"\ninstitution = \"{code}\"\nkey_env = \"{key_env}\"\n"
        ),
    );
    (tmp, root)
}

/// The CSRF token of the first form on a staff page.
fn csrf(addr: &str, path: &str, cookie: &str) -> String {
    let (status, _, page) = http(addr, "GET", path, None, cookie);
    assert!(status.contains(" 200"), "{path}: {status}");
    input_value(&page, "csrf")
}

#[test]
fn two_museums_report_to_the_department_one_sends_one_is_fetched_and_forgeries_are_refused() {
    let rt = runtime();
    let db = tempfile::tempdir().unwrap();
    // The Department on PostgreSQL when a server answers (required in CI).
    let (pstore, schema) = rt.block_on(stores(db.path())).pop().unwrap();
    let purl = crate::mail::database_url(db.path(), &schema);
    let (_pt, proot) = copy_fixture("tiny");
    // The province sets its district libraries' share (the plan leaves it to the province).
    append(
        &proot.join("vitrine.toml"),
        "\n[server]\ndepartment = true\n\n[[report.share]]\nkind = \"thư viện\"\nlevel = \"huyện\"\nby = 2030\npercent = 100\n",
    );
    let (mut province, paddr, plog) = spawn_serve(&proot, &[], &purl, &[]);

    // Institutions from the Department's sheet, with Vietnamese headers; keys for the museums.
    let sheet = db.path().join("co-so.csv");
    std::fs::write(
        &sheet,
        "Mã,Loại hình,Cấp,Tên,Tên tiếng Anh,Website\n\
         bt-a,Bảo tàng,Tỉnh,Bảo tàng A,Museum A,\n\
         bt-b,bảo tàng,tỉnh,Bảo tàng B,,\n\
         tv-c,Thư viện,Huyện,Thư viện C,,\n\
         tt-d,Trung tâm văn hoá,Xã,Trung tâm D,,\n",
    )
    .unwrap();
    assert!(
        institution_cli(&proot, &purl, &["import", sheet.to_str().unwrap()]).contains("4 institution(s)")
    );
    let key_of = |code: &str| {
        institution_cli(&proot, &purl, &["key", code])
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    let (key_a, key_b) = (key_of("bt-a"), key_of("bt-b"));
    assert_eq!(key_a.len(), 64);
    let bad_sheet = db.path().join("sai.csv");
    std::fs::write(&bad_sheet, "Mã,Loại hình,Cấp,Tên\nBT X,nhà hát,tỉnh,\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args([
            "--root",
            proot.to_str().unwrap(),
            "institution",
            "import",
            bad_sheet.to_str().unwrap(),
        ])
        .args(["--database", &purl])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("nothing was stored") && err.contains("row 2, code") && err.contains("row 2, kind"),
        "{err}"
    );

    // The two museums, each with its own SQLite file and key.
    let (_at, aroot) = museum(&paddr, "bt-a", "VITRINE_PROVINCE_KEY");
    let (_bt, broot) = museum(&paddr, "bt-b", "BT_B_KEY");
    // B's programme is for grade 7, about Hoa Lư.
    let programme = broot.join("exhibits/kho-bau/programmes/tham-quan.toml");
    let text = std::fs::read_to_string(&programme)
        .unwrap()
        .replace("Tham quan kho báu", "Tìm hiểu kinh đô Hoa Lư")
        .replace("grades = [6]", "grades = [7]");
    std::fs::write(&programme, text).unwrap();
    let aurl = format!("sqlite:{}", db.path().join("a.db").display());
    let burl = format!("sqlite:{}", db.path().join("b.db").display());
    let (mut a, aaddr, alog) = spawn_serve(&aroot, &[], &aurl, &[("VITRINE_PROVINCE_KEY", &key_a)]);
    let (mut b, baddr, blog) = spawn_serve(&broot, &[], &burl, &[("BT_B_KEY", &key_b)]);
    let mut stop = StopOnPanic(vec![province.id(), a.id(), b.id()]);
    // The Department learns where B's server is (a second import updates; the key stays).
    std::fs::write(
        &sheet,
        format!(
            "code,kind,level,name_vi,name_en,site_url\nbt-a,museum,province,Bảo tàng A,Museum A,http://{aaddr}\n\
             bt-b,museum,province,Bảo tàng B,,http://{baddr}\n"
        ),
    )
    .unwrap();
    institution_cli(&proot, &purl, &["import", sheet.to_str().unwrap()]);

    // Known counts, in the last complete report year and the year before: A 100 → 109 study
    // visitors (+9 %, the 8–10 % target met), B 200 → 210 (+5 %, below). A also has a named
    // visitor (with consent) who came for leisure.
    let schedule = Schedule::default();
    let year = schedule.report_year(Day::today()) - 1;
    let period = schedule.period(year);
    let (this_day, last_day) = (period.from.add_days(40), period.year_before().from.add_days(40));
    let astore = rt.block_on(Store::open(&aurl)).unwrap();
    let bstore = rt.block_on(Store::open(&burl)).unwrap();
    rt.block_on(async {
        for (s, last, this) in [(&astore, 100, 109), (&bstore, 200, 210)] {
            s.add_visit(&visit(last_day, last, Purpose::SchoolProgramme, None), 0)
                .await
                .unwrap();
            s.add_visit(&visit(this_day, this, Purpose::SchoolProgramme, None), 0)
                .await
                .unwrap();
        }
        astore
            .add_visit(
                &visit(this_day, 1, Purpose::Sightseeing, Some("Nguyễn Thị Riêng")),
                0,
            )
            .await
            .unwrap();
    });

    // Museum A: the document is counts only.
    let a_manager = session_over_http(&rt, &astore, &aaddr, Role::Manager);
    let (status, _, doc) = http(
        &aaddr,
        "GET",
        &format!("/staff/report/document.json?year={year}"),
        None,
        &a_manager,
    );
    assert!(status.contains(" 200"), "{status}");
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(v["format"], "vitrine-report/1");
    assert_eq!(v["institution"], "bt-a");
    assert_eq!(v["visitors"]["study_people"], 109);
    assert_eq!(v["visitors"]["people"], 110);
    assert_eq!(v["visitors_last_year"]["study_people"], 100);
    assert_eq!(v["complete"], true);
    for private in ["Riêng", "rieng.nguyen", "Trương Hán Siêu", "Tôi đồng ý"] {
        assert!(!doc.contains(private), "the report holds {private}: {doc}");
    }
    assert!(
        v["offer"]["exhibitions"].as_i64().unwrap() >= 1 && v["offer"]["programmes"].as_i64().unwrap() >= 1
    );

    // A sends it from the yearly report page, twice: two versions.
    let report = format!("/staff/report/?year={year}");
    let (_, _, page) = http(&aaddr, "GET", &report, None, &a_manager);
    assert!(
        page.contains("action=\"/staff/report/send/\""),
        "the send form is there"
    );
    for n in 1..=2 {
        let token = csrf(&aaddr, &report, &a_manager);
        let (status, _, page) = http(
            &aaddr,
            "POST",
            "/staff/report/send/",
            Some(&form(&[("csrf", &token), ("year", &year.to_string())])),
            &a_manager,
        );
        assert!(status.contains(" 200"), "{status}: {page}");
        assert!(page.contains(&format!("(lần gửi thứ {n})")), "{page}");
    }
    // Staff who are not managers cannot send.
    let a_staff = session_over_http(&rt, &astore, &aaddr, Role::Staff);
    let token = csrf(&aaddr, &report, &a_staff);
    let (status, _, _) = http(
        &aaddr,
        "POST",
        "/staff/report/send/",
        Some(&form(&[("csrf", &token), ("year", &year.to_string())])),
        &a_staff,
    );
    assert!(status.contains(" 403"), "{status}");
    let sent = rt.block_on(pstore.reports_of("bt-a")).unwrap();
    assert_eq!(
        sent.iter()
            .map(|r| (r.version, r.source.as_str()))
            .collect::<Vec<_>>(),
        [(2, "sent"), (1, "sent")]
    );

    // The Department fetches B's report; B refuses a wrong token.
    let (code, _) = request(
        &baddr,
        "GET",
        &format!("/api/province/report.json?year={year}"),
        &[("Authorization", "Bearer 00ff".into())],
        b"",
    );
    assert_eq!(code, 401);
    let d_manager = session_over_http(&rt, &pstore, &paddr, Role::Manager);
    let inst_page = "/staff/province/bt-b/";
    let token = csrf(&paddr, inst_page, &d_manager);
    let fetch = form(&[("csrf", &token), ("year", &year.to_string())]);
    let (status, head, _) = http(
        &paddr,
        "POST",
        "/staff/province/bt-b/fetch/",
        Some(&fetch),
        &d_manager,
    );
    assert!(status.contains(" 303"), "{status}");
    assert!(head.contains("/staff/province/bt-b/?fetched=1"), "{head}");
    let (_, _, page) = http(&paddr, "GET", "/staff/province/bt-b/?fetched=1", None, &d_manager);
    assert!(page.contains("Đã lấy báo cáo về (lần thứ 1)"), "{page}");
    let fetched = rt.block_on(pstore.reports_of("bt-b")).unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].source, "fetched");
    assert!(fetched[0].received_by.starts_with("manager"));

    // The portal: B's data came with the fetch, A's after its report (in the background).
    wait_until("A's portal data", || {
        rt.block_on(pstore.portal_sources())
            .unwrap()
            .iter()
            .any(|s| s.institution == "bt-a" && s.body.is_some())
    });
    let (status, _, page) = http(&paddr, "GET", "/tinh/?lop=7", None, "");
    assert!(status.contains(" 200") && !page.contains("noindex"), "{status}");
    let doc = scraper::Html::parse_document(&page);
    let found: Vec<(String, String)> = doc
        .select(&sel("#results li a"))
        .map(|a| (a.text().collect(), a.value().attr("href").unwrap().to_string()))
        .collect();
    assert_eq!(
        found,
        [(
            "Tìm hiểu kinh đô Hoa Lư".to_string(),
            "https://tiny.example/p/tham-quan/".to_string()
        )],
        "a teacher of grade 7 finds B's programme and goes to B's page"
    );
    for q in ["hoa%20lu", "Hoa%20L%C6%B0"] {
        let (_, _, page) = http(&paddr, "GET", &format!("/tinh/?q={q}"), None, "");
        assert!(
            page.contains("Tìm hiểu kinh đô Hoa Lư") && page.contains("Kết quả (1)"),
            "{q}"
        );
    }
    let (_, _, page) = http(&paddr, "GET", "/tinh/?lop=6", None, "");
    assert!(
        page.contains("Tham quan kho báu") && !page.contains("Tìm hiểu kinh đô"),
        "A's grade-6 programme"
    );
    let (_, _, en) = http(&paddr, "GET", "/en/tinh/", None, "");
    assert!(
        en.contains("Visit the treasures")
            && en.contains("Museum A")
            && en.contains("Treasures of the Đinh court")
    );
    let (status, _, _) = http(&aaddr, "GET", "/tinh/", None, "");
    assert!(status.contains(" 404"), "a museum has no portal: {status}");

    // The consolidated year: both museums (province level) reported, both present exhibitions
    // and programmes online (100 % against the 2030 target of 100 %), one of two met the growth
    // target, 300 → 319 study visitors (+6,3 %); the library has not reported.
    let (status, _, page) = http(
        &paddr,
        "GET",
        &format!("/staff/province/?year={year}"),
        None,
        &d_manager,
    );
    assert!(status.contains(" 200"), "{status}");
    let doc = scraper::Html::parse_document(&page);
    let title: String = doc.select(&sel("title")).next().unwrap().text().collect();
    assert!(
        title.starts_with(&format!("Báo cáo toàn tỉnh năm {year} · ")) && !title.contains('<'),
        "the window's title is text: {title}"
    );
    let rows = crate::learn::rows(&page, "#groups tbody tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][..4], ["Bảo tàng", "Tỉnh", "2", "2"]);
    assert!(rows[0][5].starts_with("2 (100,0 %)"), "{rows:?}");
    assert_eq!(rows[0][6], "100,0 %");
    assert_eq!(rows[0][8..], ["300", "319", "+6,3 %", "1 / 2"]);
    assert_eq!(rows[1][..4], ["Thư viện", "Huyện", "1", "0"]);
    assert!(rows[1][5].starts_with("0 (0,0 %) chưa đạt"), "{rows:?}");
    assert_eq!(
        rows[1][6], "100,0 %",
        "the province's share for district libraries"
    );
    assert_eq!(rows[2][..4], ["Trung tâm văn hoá", "Xã", "1", "0"]);
    assert!(rows[2][5].starts_with("0 (0,0 %) chưa đạt"), "{rows:?}");
    let missing: Vec<String> = doc
        .select(&sel("#missing li"))
        .map(|li| li.text().collect())
        .collect();
    assert_eq!(missing, ["Thư viện C", "Trung tâm D"]);
    let a_row: String = doc
        .select(&sel("#institutions tr[data-code=bt-a]"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(a_row.contains("+9,0 %") && a_row.contains("đạt"), "{a_row}");
    let (_, _, en) = http(
        &paddr,
        "GET",
        &format!("/en/staff/province/?year={year}"),
        None,
        &d_manager,
    );
    assert!(
        en.contains("Not reported yet (2)") && en.contains("Museum A"),
        "English names and labels"
    );
    // The library has no Vitrine: the Department types its figures into the form. A mistake
    // comes back beside its field, with what was typed, and nothing is stored.
    let form_path = format!("/staff/province/tv-c/form/?year={year}");
    let (status, _, page) = http(&paddr, "GET", &form_path, None, &d_manager);
    assert!(status.contains(" 200"), "{status}");
    assert!(
        page.contains("name=\"learning_services\"") && !page.contains("name=\"study\""),
        "library fields only"
    );
    let token = input_value(&page, "csrf");
    let typed = |visitors: &str| {
        form(&[
            ("csrf", &token),
            ("year", &year.to_string()),
            ("visitors", visitors),
            ("visitors_last", "1000"),
            ("learning_services", "4"),
            ("digital", "yes"),
        ])
    };
    let (status, _, page) = http(
        &paddr,
        "POST",
        "/staff/province/tv-c/form/",
        Some(&typed("nhiều")),
        &d_manager,
    );
    assert!(status.contains(" 422"), "{status}");
    assert!(
        text_of_id(&page, "e-visitors").contains("Không phải số nguyên"),
        "{page}"
    );
    assert_eq!(input_value(&page, "visitors"), "nhiều");
    assert!(rt.block_on(pstore.reports_of("tv-c")).unwrap().is_empty());
    // The library's own reporting account (made with the CLI) signs in, lands on its form, may
    // open nothing else, and sends the figures.
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args([
            "--root",
            proot.to_str().unwrap(),
            "user",
            "add",
            "tv.kimson",
            "--role",
            "reporter",
        ])
        .args(["--institution", "tv-c", "--database", &purl])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"library password 1\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, head, page) = http(&paddr, "GET", "/staff/login/", None, "");
    let login = cookie_of(&head, "vitrine_login");
    let body = form(&[
        ("csrf", &input_value(&page, "csrf")),
        ("username", "tv.kimson"),
        ("password", "library password 1"),
    ]);
    let (status, head, _) = http(&paddr, "POST", "/staff/login/", Some(&body), &login);
    assert!(
        status.contains(" 303") && head.contains("location: /staff/province/mine/"),
        "{head}"
    );
    let reporter = cookie_of(&head, "vitrine_session");
    let (_, head, _) = http(&paddr, "GET", "/staff/province/mine/", None, &reporter);
    assert!(head.contains("location: /staff/province/tv-c/form/"), "{head}");
    for other in [
        "/staff/province/",
        "/staff/province/tt-d/form/",
        "/staff/province/bt-a/",
        "/staff/report/",
    ] {
        let (status, _, _) = http(&paddr, "GET", other, None, &reporter);
        assert!(status.contains(" 403"), "{other}: {status}");
    }
    let (status, _, page) = http(&paddr, "GET", &form_path, None, &reporter);
    assert!(status.contains(" 200"), "{status}");
    assert!(
        !page.contains("/staff/visits/"),
        "a reporter's menu has nothing else"
    );
    let token = input_value(&page, "csrf");
    let own = form(&[
        ("csrf", &token),
        ("year", &year.to_string()),
        ("visitors", "1.120"),
        ("visitors_last", "1000"),
        ("learning_services", "4"),
        ("digital", "yes"),
    ]);
    let (status, head, _) = http(
        &paddr,
        "POST",
        "/staff/province/tv-c/form/",
        Some(&own),
        &reporter,
    );
    assert!(
        status.contains(" 303") && head.contains("typed=1"),
        "{status} {head}"
    );
    let typed_in = rt.block_on(pstore.reports_of("tv-c")).unwrap();
    assert_eq!(typed_in[0].source, "form");
    assert_eq!(typed_in[0].received_by, "tv.kimson");

    // The cultural centre fills in the Department's template: downloaded, filled, uploaded.
    let (code, xlsx) = request_bytes(
        &paddr,
        &format!("/staff/province/template.xlsx?year={year}"),
        &d_manager,
    );
    assert_eq!(code, 200);
    let template = db.path().join("mau.xlsx");
    std::fs::write(&template, &xlsx).unwrap();
    let table = vitrine::sheet::read_table(&template).unwrap();
    let codes: Vec<&str> = table.rows.iter().map(|(_, r)| r[0].as_str()).collect();
    assert_eq!(codes, ["tt-d", "tv-c"], "the institutions without a key");
    assert!(
        table.headers.iter().any(|h| h.ends_with("(classes)")),
        "{:?}",
        table.headers
    );
    let filled = |code: &str| {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&table.headers).unwrap();
        let row: Vec<String> = table
            .headers
            .iter()
            .map(|h| match vitrine::province::template_key(h).as_str() {
                "code" => code.to_string(),
                "year" => year.to_string(),
                "visitors" => "450".into(),
                "visitors_last" => "400".into(),
                "classes" => "3".into(),
                "clubs" => "2".into(),
                _ => String::new(),
            })
            .collect();
        w.write_record(&row).unwrap();
        w.into_inner().unwrap()
    };
    let upload_to = |bytes: Vec<u8>| {
        let token = csrf(&paddr, "/staff/province/", &d_manager);
        upload(
            &paddr,
            "/staff/province/",
            &d_manager,
            &token,
            "bao-cao.csv",
            &bytes,
        )
    };
    let (code, page) = upload_to(filled("tt-khong-co"));
    assert_eq!(code, 422, "{page}");
    assert!(page.contains("Dòng 2") && page.contains("tt-khong-co"), "{page}");
    assert!(
        rt.block_on(pstore.reports_of("tt-d")).unwrap().is_empty(),
        "nothing stored"
    );
    let (code, _) = upload_to(filled("tt-d"));
    assert_eq!(code, 303);
    assert_eq!(rt.block_on(pstore.reports_of("tt-d")).unwrap()[0].source, "sheet");

    // Now every institution has reported: the library's users grew 12 % (the 10–12 % target
    // met) and it offers services and digital services; the commune centre runs classes and
    // clubs (100 % against 100 %), with no growth target.
    let (_, _, page) = http(
        &paddr,
        "GET",
        &format!("/staff/province/?year={year}"),
        None,
        &d_manager,
    );
    let rows = crate::learn::rows(&page, "#groups tbody tr");
    assert_eq!(rows[1][2..4], ["1", "1"]);
    assert!(rows[1][5].starts_with("1 (100,0 %) đạt"), "{rows:?}");
    assert_eq!(rows[1][8..], ["1.000", "1.120", "+12,0 %", "1 / 1"]);
    assert!(rows[2][5].starts_with("1 (100,0 %) đạt"), "{rows:?}");
    assert_eq!(rows[2][8..], ["400", "450", "+12,5 %", "—"]);
    assert!(page.contains("Mọi đơn vị đã báo cáo."));

    // The consolidated report to print, and the year as CSV and XLSX.
    let (status, _, page) = http(
        &paddr,
        "GET",
        &format!("/staff/province/report/?year={year}"),
        None,
        &d_manager,
    );
    assert!(status.contains(" 200"), "{status}");
    assert!(page.contains("Giám đốc Sở") && page.contains(&format!("kế hoạch năm {year}")));
    assert_eq!(
        scraper::Html::parse_document(&page)
            .select(&sel("#groups tbody tr"))
            .count(),
        3
    );
    let (code, csv_bytes) = request_bytes(
        &paddr,
        &format!("/staff/province/export.csv?year={year}"),
        &d_manager,
    );
    assert_eq!(code, 200);
    let csv_text = String::from_utf8(csv_bytes).unwrap();
    let csv_rows: Vec<&str> = csv_text.lines().collect();
    assert!(
        csv_rows[0].starts_with("\u{feff}Mã đơn vị (code)"),
        "{}",
        csv_rows[0]
    );
    assert_eq!(csv_rows.len(), 5, "{csv_text}");
    let library = csv_rows.iter().find(|r| r.starts_with("tv-c,")).unwrap();
    assert!(
        library.contains(",1120,1000,") && library.contains(",12.0,"),
        "{library}"
    );
    let (code, xlsx) = request_bytes(
        &paddr,
        &format!("/staff/province/export.xlsx?year={year}"),
        &d_manager,
    );
    assert_eq!(code, 200);
    let exported = db.path().join("tinh.xlsx");
    std::fs::write(&exported, &xlsx).unwrap();
    let table = vitrine::sheet::read_table(&exported).unwrap();
    assert_eq!(table.rows.len(), 4);
    let row_a = table.rows.iter().find(|(_, r)| r[0] == "bt-a").unwrap();
    assert_eq!(
        (row_a.1[8].as_str(), row_a.1[9].as_str()),
        ("109", "100"),
        "{:?}",
        row_a.1
    );

    // A museum's server is not the Department's.
    let (code, _) = request(&aaddr, "POST", "/api/province/reports", &[], b"{}");
    assert_eq!(code, 404);

    // Forged, replayed, stale, future, unknown and malformed reports, straight to the API.
    let body = serde_json::to_vec(&v).unwrap();
    let key = vitrine::province::parse_key(&key_a).unwrap();
    let now = vitrine::visits::now();
    let post = |headers: Vec<(&'static str, String)>, body: &[u8]| {
        let mut h: Vec<(&str, String)> = headers;
        h.push(("Content-Type", "application/json".into()));
        request(&paddr, "POST", "/api/province/reports", &h, body)
    };
    let signed =
        |key: &[u8], code: &str, at: i64, body: &[u8]| vitrine::province::signed_headers(key, code, at, body);
    let mut changed = body.clone();
    let at = String::from_utf8_lossy(&changed).find("109").unwrap();
    changed[at] = b'9';
    let (code, why) = post(signed(&key, "bt-a", now, &body), &changed);
    assert_eq!(code, 401, "a changed body: {why}");
    assert!(why.contains("signature"), "{why}");
    let other = vitrine::province::parse_key(&key_b).unwrap();
    assert_eq!(
        post(signed(&other, "bt-a", now, &body), &body).0,
        401,
        "B's key for A"
    );
    let (code, why) = post(signed(&key, "bt-a", now - 3600, &body), &body);
    assert!(code == 401 && why.contains("clock"), "stale: {code} {why}");
    assert_eq!(
        post(signed(&key, "bt-a", now + 3600, &body), &body).0,
        401,
        "from the future"
    );
    let (code, why) = post(signed(&key, "bt-x", now, &body), &body);
    assert!(code == 403 && why.contains("bt-x"), "unknown: {code} {why}");
    let (code, why) = post(signed(&key, "bt-a", now, b"{\"format\":1}"), b"{\"format\":1}");
    assert!(
        code == 422 && why.contains("vitrine-report/1"),
        "malformed: {code} {why}"
    );
    let mut names = v.clone();
    names["visitor_names"] = serde_json::json!(["Nguyễn Thị Riêng"]);
    let names = serde_json::to_vec(&names).unwrap();
    assert_eq!(
        post(signed(&key, "bt-a", now, &names), &names).0,
        422,
        "a field a report never has"
    );
    assert_eq!(post(Vec::new(), &body).0, 400, "no signature headers");
    let once = signed(&key, "bt-a", now, &body);
    assert_eq!(post(once.clone(), &body).0, 201);
    let (code, why) = post(once, &body);
    assert!(
        code == 409 && why.contains("already received"),
        "replayed: {code} {why}"
    );
    let versions = rt.block_on(pstore.reports_of("bt-a")).unwrap();
    assert_eq!(versions.len(), 3, "only the one good report was stored");

    // B's server is down: the fetch fails, and nothing is stored.
    stop.stop(&mut b);
    let token = csrf(&paddr, inst_page, &d_manager);
    let fetch = form(&[("csrf", &token), ("year", &year.to_string())]);
    let (status, _, page) = http(
        &paddr,
        "POST",
        "/staff/province/bt-b/fetch/",
        Some(&fetch),
        &d_manager,
    );
    assert!(status.contains(" 502"), "{status}");
    assert!(page.contains("Chưa lấy được báo cáo"), "{page}");
    assert_eq!(rt.block_on(pstore.reports_of("bt-b")).unwrap().len(), 1);
    // The portal still shows B's last copy, and says it is not fresh.
    let (_, _, page) = http(&paddr, "GET", "/tinh/", None, "");
    let doc = scraper::Html::parse_document(&page);
    let b_part: String = doc.select(&sel("#i-bt-b")).next().unwrap().text().collect();
    assert!(b_part.contains("Tìm hiểu kinh đô Hoa Lư"), "{b_part}");
    assert!(b_part.contains("Chưa lấy được bản mới"), "{b_part}");

    // The Department's pages and the portal in Chromium, at a phone's width and a desktop's,
    // audited with axe.
    if crate::gate::checkers() {
        let password = "a department password";
        rt.block_on(pstore.add_user(
            "so.vhtt",
            "",
            Role::Manager,
            &vitrine::accounts::hash_password(password),
            0,
        ))
        .unwrap();
        let r = crate::serve::browser_run("province.mjs", paddr.parse().unwrap(), "so.vhtt", password);
        assert_eq!(r["violations"], serde_json::json!([]), "{r}");
        assert_eq!(r["wide"], serde_json::json!([]), "{r}");
        assert!(
            r["refused"].as_str().unwrap().contains("Không phải số nguyên"),
            "{r}"
        );
        assert_eq!(r["grade7"], "Tìm hiểu kinh đô Hoa Lư");
    }

    // Institutions are added and edited on the web, and a key is made there (managers only).
    let token = csrf(&paddr, "/staff/province/", &d_manager);
    let new_one = |code: &str| {
        form(&[
            ("csrf", &token),
            ("code", code),
            ("name_vi", "Bảo tàng Mới"),
            ("kind", "museum"),
            ("level", "district"),
            ("site_url", ""),
        ])
    };
    let add = |code: &str| {
        http(
            &paddr,
            "POST",
            "/staff/province/add/",
            Some(&new_one(code)),
            &d_manager,
        )
    };
    let (status, _, page) = add("BT Mới");
    assert!(
        status.contains(" 422") && page.contains("row 1, code"),
        "{status}"
    );
    let (status, head, _) = add("bt-moi");
    assert!(
        status.contains(" 303") && head.contains("/staff/province/bt-moi/"),
        "{status}"
    );
    let (status, _, _) = add("bt-moi");
    assert!(status.contains(" 409"), "{status}");
    let d_staff = session_over_http(&rt, &pstore, &paddr, Role::Staff);
    let staff_token = csrf(&paddr, "/staff/province/", &d_staff);
    let by_staff = form(&[
        ("csrf", &staff_token),
        ("code", "bt-khac"),
        ("name_vi", "X"),
        ("kind", "museum"),
        ("level", "district"),
    ]);
    let (status, _, _) = http(&paddr, "POST", "/staff/province/add/", Some(&by_staff), &d_staff);
    assert!(status.contains(" 403"), "{status}");
    // The edit form is on the institution's page, filled in with what is stored.
    let (_, _, page) = http(&paddr, "GET", "/staff/province/bt-moi/", None, &d_manager);
    let doc = scraper::Html::parse_document(&page);
    let edit = doc
        .select(&sel("main form[action=\"/staff/province/bt-moi/edit/\"]"))
        .next()
        .expect("the edit form is shown");
    let name_vi = edit
        .select(&sel("input[name=name_vi]"))
        .next()
        .and_then(|i| i.value().attr("value"))
        .map(str::to_string);
    assert!(name_vi.is_some_and(|n| !n.is_empty()), "{page}");
    let token = csrf(&paddr, "/staff/province/bt-moi/", &d_manager);
    let edited = form(&[
        ("csrf", &token),
        ("name_vi", "Bảo tàng Mới Hoa Lư"),
        ("kind", "museum"),
        ("level", "district"),
        ("site_url", "https://moi.example/"),
    ]);
    let (status, head, _) = http(
        &paddr,
        "POST",
        "/staff/province/bt-moi/edit/",
        Some(&edited),
        &d_manager,
    );
    assert!(status.contains(" 303") && head.contains("saved=1"), "{status}");
    let moi = rt.block_on(pstore.institution("bt-moi")).unwrap().unwrap();
    assert_eq!(
        (moi.name_vi.as_str(), moi.site_url.as_str(), moi.has_key),
        ("Bảo tàng Mới Hoa Lư", "https://moi.example", false)
    );
    let (status, _, page) = http(
        &paddr,
        "POST",
        "/staff/province/bt-moi/key/",
        Some(&form(&[("csrf", &token)])),
        &d_manager,
    );
    assert!(status.contains(" 200"), "{status}");
    let shown = text_of_id(&page, "key");
    assert_eq!(
        rt.block_on(pstore.report_key("bt-moi")).unwrap(),
        Some(shown.clone())
    );
    assert_eq!(shown.len(), 64);

    stop.stop(&mut a);
    stop.stop(&mut province);
    let logs: Vec<String> = [plog, alog, blog]
        .into_iter()
        .flat_map(|l| l.join().unwrap())
        .collect();
    for private in ["Riêng", "rieng.nguyen", "Trương"] {
        assert!(!logs.iter().any(|l| l.contains(private)), "a log holds {private}");
    }
    assert!(
        logs.iter().any(|l| l.contains("refused")),
        "refusals are logged: {logs:?}"
    );
    rt.block_on(async {
        astore.close().await;
        bstore.close().await;
        drop_schema(&pstore, &schema).await;
    });
}

/// `vitrine check` of `root`: (passed, what it printed).
fn check(root: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--root")
        .arg(root)
        .arg("check")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), said)
}

#[test]
fn bad_province_settings_are_refused_with_their_file_line_and_field() {
    let (_tmp, root) = copy_fixture("tiny");
    append(
        &root.join("vitrine.toml"),
        "\n[province]\nurl = \"baocao.example\"\ninstitution = \"BT Ninh Bình\"\nkey_env = \"my key\"\n",
    );
    let text = std::fs::read_to_string(root.join("vitrine.toml")).unwrap();
    let (ok, said) = check(&root);
    assert!(!ok, "{said}");
    let line_of = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    for (field, line) in [
        ("province.url", line_of("url = ")),
        ("province.institution", line_of("institution = ")),
        ("province.key_env", line_of("key_env = ")),
    ] {
        assert!(
            said.lines()
                .any(|l| l.contains(&format!("vitrine.toml:{line}:")) && l.contains(field)),
            "{field} at line {line}: {said}"
        );
    }
    // A share of a kind that does not exist, or over 100 %, names its line and field.
    let (_tmp, root) = copy_fixture("tiny");
    append(
        &root.join("vitrine.toml"),
        "\n[[report.share]]\nkind = \"nhà hát\"\nby = 2025\npercent = 70\n\n[[report.share]]\nkind = \"library\"\nby = 2025\npercent = 170\n",
    );
    let text = std::fs::read_to_string(root.join("vitrine.toml")).unwrap();
    let (ok, said) = check(&root);
    assert!(!ok, "{said}");
    let kind_line = text.lines().position(|l| l.contains("nhà hát")).unwrap() + 1;
    let percent_line = text.lines().position(|l| l == "percent = 170").unwrap() + 1;
    for (field, line) in [
        ("report.share.kind", kind_line),
        ("report.share.percent", percent_line),
    ] {
        assert!(
            said.lines()
                .any(|l| l.contains(&format!("vitrine.toml:{line}:")) && l.contains(field)),
            "{field} at line {line}: {said}"
        );
    }
    // Plain http to another machine is allowed, with a warning (reports would travel unencrypted).
    let (_tmp, root) = copy_fixture("tiny");
    append(
        &root.join("vitrine.toml"),
        "\n[province]\nurl = \"http://baocao.example\"\ninstitution = \"bt-ninh-binh\"\n",
    );
    let (ok, said) = check(&root);
    assert!(ok && said.contains("province-unencrypted"), "{said}");
}

/// A TLS front (`tests/tls/relay.py`) for the plain server at `upstream`, with the server
/// certificate of `certs` (signed by the test authority `ca.pem`), and the port it listens on.
fn relay(certs: &Path, upstream: &str) -> (crate::mail::Helper, u16) {
    let (helper, said) = crate::mail::Helper::start(
        "tests/tls/relay.py",
        &[
            certs.join("server.pem").as_os_str(),
            certs.join("server.key").as_os_str(),
            upstream.as_ref(),
        ],
    );
    let port = said
        .parse()
        .unwrap_or_else(|_| panic!("the relay's port: {said:?}"));
    (helper, port)
}

#[test]
fn a_report_goes_over_https_to_a_department_whose_certificate_the_province_signed() {
    if !tool("openssl", "openssl") || !tool("python3", "python3") {
        return;
    }
    let rt = runtime();
    let db = tempfile::tempdir().unwrap();
    let certs = tempfile::tempdir().unwrap();
    crate::mail::certificates(certs.path());
    let (_pt, proot) = copy_fixture("tiny");
    append(&proot.join("vitrine.toml"), "\n[server]\ndepartment = true\n");
    let purl = format!("sqlite:{}", db.path().join("department.db").display());
    let sheet = db.path().join("co-so.csv");
    std::fs::write(&sheet, "Mã,Loại hình,Cấp,Tên\nbt-a,Bảo tàng,Tỉnh,Bảo tàng A\n").unwrap();
    institution_cli(&proot, &purl, &["import", sheet.to_str().unwrap()]);
    let key = institution_cli(&proot, &purl, &["key", "bt-a"])
        .lines()
        .next()
        .unwrap()
        .to_string();
    let (mut province, paddr, _plog) = spawn_serve(&proot, &[], &purl, &[]);
    let mut stop = StopOnPanic(vec![province.id()]);
    // The Department's https:// address: a TLS front whose certificate the province's own
    // authority signed, as no public authority would for a test.
    let (_relay, port) = relay(certs.path(), &paddr);
    let (_at, aroot) = copy_fixture("tiny");
    append(
        &aroot.join("vitrine.toml"),
        &format!("\n[province]\nurl = \"https://localhost:{port}\"\ninstitution = \"bt-a\"\n"),
    );
    let aurl = format!("sqlite:{}", db.path().join("a.db").display());
    let astore = rt.block_on(Store::open(&aurl)).unwrap();
    let year = Schedule::default().report_year(Day::today()) - 1;
    let report = format!("/staff/report/?year={year}");
    let send = |addr: &str, cookie: &str| {
        let token = csrf(addr, &report, cookie);
        http(
            addr,
            "POST",
            "/staff/report/send/",
            Some(&form(&[("csrf", &token), ("year", &year.to_string())])),
            cookie,
        )
    };

    // Trusting only the public authorities, the museum refuses the certificate and says so.
    let env = [("VITRINE_PROVINCE_KEY", key.as_str())];
    let (mut a, aaddr, alog) = spawn_serve(&aroot, &[], &aurl, &env);
    stop.0.push(a.id());
    let manager = session_over_http(&rt, &astore, &aaddr, Role::Manager);
    let (status, _, page) = send(&aaddr, &manager);
    assert!(status.contains(" 502"), "{status}: {page}");
    assert!(page.contains("secure connection"), "{page}");
    stop.stop(&mut a);
    let log = alog.join().unwrap();
    assert!(
        log.iter()
            .any(|l| l.contains("sending report") && l.contains("secure connection")),
        "{log:?}"
    );
    let dstore = rt.block_on(Store::open(&purl)).unwrap();
    assert!(rt.block_on(dstore.reports_of("bt-a")).unwrap().is_empty());

    // `[server] ca_file` names the province's authority: the report goes, over TLS.
    std::fs::copy(certs.path().join("ca.pem"), aroot.join("ca-tinh.pem")).unwrap();
    append(
        &aroot.join("vitrine.toml"),
        "\n[server]\nca_file = \"ca-tinh.pem\"\n",
    );
    let (mut a, aaddr, _alog) = spawn_serve(&aroot, &[], &aurl, &env);
    stop.0.push(a.id());
    let manager = session_over_http(&rt, &astore, &aaddr, Role::Manager);
    let (status, _, page) = send(&aaddr, &manager);
    assert!(status.contains(" 200"), "{status}: {page}");
    assert!(page.contains("(lần gửi thứ 1)"), "{page}");
    let sent = rt.block_on(dstore.reports_of("bt-a")).unwrap();
    assert_eq!(
        sent.iter().map(|r| r.source.as_str()).collect::<Vec<_>>(),
        ["sent"]
    );

    // A ca_file that is not a certificate is named with its file, line and field.
    std::fs::write(aroot.join("ca-tinh.pem"), "not a certificate\n").unwrap();
    let (ok, said) = check(&aroot);
    let text = std::fs::read_to_string(aroot.join("vitrine.toml")).unwrap();
    let line = text.lines().position(|l| l.starts_with("ca_file")).unwrap() + 1;
    assert!(!ok, "{said}");
    assert!(
        said.lines().any(|l| l.contains(&format!("vitrine.toml:{line}:"))
            && l.contains("server.ca_file")
            && l.contains("holds no certificate")),
        "{said}"
    );
    stop.stop(&mut a);
    stop.stop(&mut province);
    rt.block_on(async {
        astore.close().await;
        dstore.close().await;
    });
}
