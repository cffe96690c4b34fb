// `vitrine serve`: the store against a real SQLite file and a real PostgreSQL server, and the
// router driven in-process over the built demo museum: static serving, QR scans counted apart
// from views with no lost writes, the visitor check-in accepted and counted, bad input refused
// with a 4xx and nothing stored.
//
// PostgreSQL: VITRINE_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/test. Each test
// works in a schema of its own, dropped at the end. Without a server the PostgreSQL half is
// skipped with a printed reason, except in CI where it fails.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use vitrine::serve::{AppState, hits::Hits, router};
use vitrine::store::Store;
use vitrine::visits::{Purpose, Source, Visit, VisitorType};

use crate::support::*;

const PHONE: &str =
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh database of each kind: a SQLite file, and a PostgreSQL schema when a server answers.
pub(crate) async fn stores(tmp: &std::path::Path) -> Vec<(Store, Option<String>)> {
    let sqlite = Store::open(&format!("sqlite:{}", tmp.join("vitrine.db").display()))
        .await
        .expect("SQLite opens");
    let mut out = vec![(sqlite, None)];
    static N: AtomicU32 = AtomicU32::new(0);
    let url = std::env::var("VITRINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let schema = format!(
        "vitrine_t{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    match Store::open(&format!("{url}?search_path={schema}")).await {
        Ok(pg) => out.push((pg, Some(schema))),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL is required in CI ({url}): {e}"
            );
            eprintln!("skipping PostgreSQL: {url}: {e}");
        }
    }
    out
}

pub(crate) async fn drop_schema(store: &Store, schema: &Option<String>) {
    if let (Store::Postgres(p), Some(s)) = (store, schema) {
        sqlx::query(&format!("DROP SCHEMA \"{s}\" CASCADE"))
            .execute(p)
            .await
            .unwrap();
    }
    store.close().await;
}

fn visit(date: &str, size: i64, name: Option<&str>) -> Visit {
    Visit {
        date: date.into(),
        visitor_type: VisitorType::SchoolGroup,
        purpose: Purpose::SchoolProgramme,
        group_size: size,
        organisation: "Trường THCS Trương Hán Siêu".into(),
        grade: "7".into(),
        origin: "Ninh Bình".into(),
        name: name.map(str::to_string),
        contact: name.map(|_| "0912 000 000".to_string()),
        consent: name.map(|_| "Tôi đồng ý".to_string()),
        source: Source::Staff,
        lang: "vi".into(),
    }
}

#[test]
fn the_store_keeps_visits_and_hits_on_sqlite_and_postgresql() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            let a = store
                .add_visit(&visit("2025-03-10", 40, Some("Cô Lan")), 100)
                .await
                .unwrap();
            let b = store
                .add_visit(&visit("2026-03-10", 35, None), 200)
                .await
                .unwrap();
            assert_ne!(a, b);
            let all = store.visits_between("2025-01-01", "2026-12-31").await.unwrap();
            assert_eq!(all.len(), 2, "{d}");
            assert_eq!(
                all[0].visit,
                visit("2026-03-10", 35, None),
                "{d}: newest first, as stored"
            );
            assert_eq!(all[1].visit.name.as_deref(), Some("Cô Lan"), "{d}");

            // Correct a record, then delete one.
            let mut fixed = visit("2026-03-10", 36, None);
            fixed.grade = "8".into();
            assert!(store.update_visit(b, &fixed, 300).await.unwrap(), "{d}");
            assert_eq!(store.visit(b).await.unwrap().unwrap().visit, fixed, "{d}");
            assert!(!store.update_visit(b + 1000, &fixed, 300).await.unwrap(), "{d}");

            // Retention: names and contacts before 2026 are erased, the counts stay.
            assert_eq!(
                store.erase_personal_data_before("2026-01-01", 400).await.unwrap(),
                1,
                "{d}"
            );
            let old = store.visit(a).await.unwrap().unwrap();
            assert_eq!((old.visit.name, old.visit.contact), (None, None), "{d}");
            assert_eq!(old.visit.group_size, 40, "{d}");
            assert_eq!(old.personal_erased_at, Some(400), "{d}");
            let totals = store.visit_totals("2025-01-01", "2026-12-31").await.unwrap();
            assert_eq!(totals.iter().map(|t| t.3).sum::<i64>(), 76, "{d}: 40 + 36 people");
            assert!(store.delete_visit(a).await.unwrap(), "{d}");
            assert!(!store.delete_visit(a).await.unwrap(), "{d}");
            assert_eq!(
                store
                    .visits_between("2000-01-01", "2100-01-01")
                    .await
                    .unwrap()
                    .len(),
                1
            );

            // The database refuses an impossible group size even if a caller forgets to check.
            assert!(
                store.add_visit(&visit("2026-01-01", -3, None), 1).await.is_err(),
                "{d}"
            );

            drop_schema(&store, &schema).await;
        }
    });
}

/// `vitrine serve`'s router over the site built at `out` (from `root`), on a loopback port with
/// client addresses, on a fresh SQLite store in `db` holding one account `user` with `role` and
/// password `password`: for the browser checks. Returns the address and the store.
pub(crate) fn serve_on_loopback(
    rt: &tokio::runtime::Runtime,
    root: &std::path::Path,
    out: &std::path::Path,
    db: &std::path::Path,
    (user, role, password): (&str, vitrine::accounts::Role, &str),
) -> (std::net::SocketAddr, Store) {
    rt.block_on(async {
        let store = Store::open(&format!("sqlite:{}", db.join("v.db").display()))
            .await
            .unwrap();
        store
            .add_user(user, "", role, &vitrine::accounts::hash_password(password), 0)
            .await
            .unwrap();
        let (hits, _writer) = Hits::start(store.clone());
        let app = router(AppState::new(root, out, store.clone(), hits).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap()
        });
        (addr, store)
    })
}

/// Run a browser script of tests/browser against `addr` with the account's name and password;
/// its one line of JSON.
pub(crate) fn browser_run(
    script: &str,
    addr: std::net::SocketAddr,
    user: &str,
    password: &str,
) -> serde_json::Value {
    let run = std::process::Command::new("node")
        .arg(crate::gate::browser_dir().join(script))
        .arg(format!("http://{addr}"))
        .args([user, password])
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the browser run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

/// The router over the built demo, with its store and hit writer.
pub(crate) async fn app(store: Store) -> (axum::Router, Hits, tokio::task::JoinHandle<()>) {
    let (hits, writer) = Hits::start(store.clone());
    let state = AppState::new(&repo(), &demo().out, store, hits.clone()).unwrap();
    (router(state), hits, writer)
}

pub(crate) async fn get(
    app: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
) -> axum::response::Response {
    let mut r = Request::get(path);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    app.clone().oneshot(r.body(Body::empty()).unwrap()).await.unwrap()
}

pub(crate) async fn body(res: axum::response::Response) -> Vec<u8> {
    axum::body::to_bytes(res.into_body(), 4 << 20)
        .await
        .unwrap()
        .to_vec()
}

#[test]
fn static_pages_have_types_validators_compression_and_a_404() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Store::open(&format!("sqlite:{}", tmp.path().join("db").display()))
            .await
            .unwrap();
        let (app, _, _) = app(store).await;
        let res = get(&app, "/o/HL-001/", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        let etag = res.headers()[header::ETAG].to_str().unwrap().to_string();
        let page = body(res).await;
        assert_eq!(
            page,
            std::fs::read(demo().out.join("o/HL-001/index.html")).unwrap()
        );

        let res = get(&app, "/o/HL-001/", &[("if-none-match", &etag)]).await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert!(body(res).await.is_empty());

        let res = get(&app, "/o/HL-001/", &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
        let zipped = body(res).await;
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut unzipped).unwrap();
        assert_eq!(unzipped, page);

        let css = std::fs::read_dir(demo().out.join("assets"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|n| n.ends_with(".css"))
            .unwrap();
        let res = get(&app, &format!("/assets/{css}"), &[]).await;
        assert_eq!(
            res.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");

        let head = app
            .clone()
            .oneshot(Request::head("/o/HL-001/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(
            head.headers()[header::CONTENT_LENGTH],
            page.len().to_string().as_str()
        );
        assert!(body(head).await.is_empty());

        let res = get(&app, "/o/HL-001", &[]).await;
        assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(res.headers()[header::LOCATION], "/o/HL-001/");

        for (path, lang) in [
            ("/o/NO-SUCH/", "vi"),
            ("/en/o/NO-SUCH/", "en"),
            ("/../etc/passwd", "vi"),
        ] {
            let res = get(&app, path, &[]).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
            let html = String::from_utf8(body(res).await).unwrap();
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
        }
    });
}

#[test]
fn qr_scans_are_counted_apart_from_views_with_no_lost_writes() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            let (app, hits, _) = app(store.clone()).await;
            // A scan is the page itself at its QR address: one response, no redirect.
            let res = get(&app, "/O/HL-001/", &[("user-agent", PHONE)]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            get(&app, "/o/HL-001/", &[("user-agent", PHONE)]).await;
            get(
                &app,
                "/en/o/HL-001/",
                &[("user-agent", "Mozilla/5.0 (X11; Linux x86_64)")],
            )
            .await;
            get(&app, "/o/HL-001/", &[("user-agent", "Googlebot/2.1")]).await;
            get(&app, "/e/trang-an/", &[("user-agent", PHONE)]).await;
            // Many scans at once, as a school group arriving in a gallery.
            const N: usize = 400;
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let app = app.clone();
                    tokio::spawn(
                        async move { get(&app, "/O/TA-002/", &[("user-agent", PHONE)]).await.status() },
                    )
                })
                .collect();
            for t in tasks {
                assert_eq!(t.await.unwrap(), StatusCode::OK);
            }
            hits.flush().await;
            let counts = store.hit_counts(0, i64::MAX).await.unwrap();
            let of = |id: &str| counts.iter().find(|c| c.object == id).map(|c| (c.scans, c.views));
            assert_eq!(
                of("HL-001"),
                Some((1, 2)),
                "{d}: one scan, two views, the crawler not counted"
            );
            assert_eq!(of("TA-002"), Some((N as i64, 0)), "{d}: every scan stored");
            assert_eq!(counts.len(), 2, "{d}: exhibition pages are not object hits");
            drop_schema(&store, &schema).await;
        }
    });
}

/// An object ID typed or scanned in another case (people type the address under a QR code in
/// lower case; some scanner apps lower-case URLs) is redirected to the object's page, in the
/// address's language; through the QR address it is counted as a scan, once.
#[test]
fn object_addresses_in_another_case_redirect_and_a_scan_counts_once() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Store::open(&format!("sqlite:{}", tmp.path().join("db").display()))
            .await
            .unwrap();
        let (app, hits, _) = app(store.clone()).await;
        for (asked, to) in [
            ("/O/hl-001/", "/O/HL-001/"),
            ("/o/hl-001/", "/o/HL-001/"),
            ("/en/o/hl-001/", "/en/o/HL-001/"),
            ("/o/Hl-001", "/o/HL-001/"),
            ("/o/hl-001/?from=label", "/o/HL-001/?from=label"),
        ] {
            let res = get(&app, asked, &[("user-agent", PHONE)]).await;
            assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT, "{asked}");
            assert_eq!(res.headers()[header::LOCATION], to, "{asked}");
            if asked == "/O/hl-001/" {
                let res = get(&app, to, &[("user-agent", PHONE)]).await;
                assert_eq!(res.status(), StatusCode::OK);
            }
        }
        // Not an object: the 404 page as before.
        for asked in ["/o/no-such/", "/e/hl-001/"] {
            assert_eq!(
                get(&app, asked, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{asked}"
            );
        }
        hits.flush().await;
        let counts = store.hit_counts(0, i64::MAX).await.unwrap();
        let of = |id: &str| counts.iter().find(|c| c.object == id).map(|c| (c.scans, c.views));
        assert_eq!(
            of("HL-001"),
            Some((1, 0)),
            "one scan; the redirects count nothing"
        );
    });
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) async fn post(
    app: &axum::Router,
    path: &str,
    body: String,
    origin: &str,
) -> axum::response::Response {
    let r = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "museum.test")
        .header(header::ORIGIN, origin)
        .body(Body::from(body))
        .unwrap();
    app.clone().oneshot(r).await.unwrap()
}

#[test]
fn check_in_is_stored_and_bad_input_is_refused_with_nothing_stored() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            let (app, _, _) = app(store.clone()).await;
            let good = [
                ("visitor_type", "school_group"),
                ("purpose", "school_programme"),
                ("group_size", "42"),
                ("organisation", "Trường THCS Đinh Tiên Hoàng"),
                ("grade", "7"),
                ("origin", "Ninh Bình"),
            ];
            // The form is served at the address it posts to, in both languages.
            for page in ["/checkin/", "/en/checkin/"] {
                let res = get(&app, page, &[]).await;
                assert_eq!(res.status(), StatusCode::OK, "{d}: GET {page}");
                assert!(
                    String::from_utf8(body(res).await)
                        .unwrap()
                        .contains("<form class=\"checkin\"")
                );
            }
            let origin = "http://museum.test";
            let res = post(&app, "/checkin/", form(&good), origin).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            assert_eq!(res.headers()[header::LOCATION], "/checkin/thanks/");
            assert!(demo().out.join("checkin/thanks/index.html").is_file());
            let stored = store.visits_between("2000-01-01", "2100-01-01").await.unwrap();
            assert_eq!(stored.len(), 1, "{d}");
            let v = &stored[0].visit;
            assert_eq!(
                (
                    v.visitor_type,
                    v.purpose,
                    v.group_size,
                    v.grade.as_str(),
                    v.source
                ),
                (
                    VisitorType::SchoolGroup,
                    Purpose::SchoolProgramme,
                    42,
                    "7",
                    Source::SelfCheckin
                ),
                "{d}"
            );
            assert_eq!(
                v.date,
                vitrine::content::Day::today().to_string(),
                "{d}: empty date is today"
            );
            assert_eq!(v.name, None);

            // Each bad input: a 4xx with a message in the form's language, nothing stored.
            let with = |k: &'static str, val: &'static str| -> Vec<(&'static str, &'static str)> {
                let mut f: Vec<_> = good.iter().filter(|(x, _)| *x != k).copied().collect();
                f.push((k, val));
                f
            };
            let huge = "x".repeat(1 << 20);
            let mut cases: Vec<(&str, String, &str, StatusCode, &str)> = vec![
                (
                    "/checkin/",
                    form(&[("purpose", "study")]),
                    origin,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Hãy chọn một mục",
                ),
                (
                    "/checkin/",
                    form(&with("group_size", "-3")),
                    origin,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "từ 1 đến 10000",
                ),
                (
                    "/en/checkin/",
                    form(&with("group_size", "1000000000")),
                    origin,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "from 1 to 10000",
                ),
                (
                    "/en/checkin/",
                    form(&with("grade", "13")),
                    origin,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "grade must be",
                ),
                (
                    "/en/checkin/",
                    form(&with("name", "Nguyễn Văn A")),
                    origin,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "consent",
                ),
                (
                    "/checkin/",
                    form(&good),
                    "https://evil.example",
                    StatusCode::FORBIDDEN,
                    "chỉ gửi được từ trang của bảo tàng",
                ),
            ];
            cases.push((
                "/en/checkin/",
                form(&with("origin", "x")).replace("origin=x", &format!("origin={huge}")),
                origin,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too long",
            ));
            for (path, body_text, from, status, says) in cases {
                let res = post(&app, path, body_text, from).await;
                assert_eq!(res.status(), status, "{d} {path} {says}");
                let html = String::from_utf8(body(res).await).unwrap();
                assert!(html.contains(says), "{d}: {path}: {html}");
            }
            assert_eq!(
                store
                    .visits_between("2000-01-01", "2100-01-01")
                    .await
                    .unwrap()
                    .len(),
                1,
                "{d}"
            );
            drop_schema(&store, &schema).await;
        }
    });
}

#[test]
fn the_check_in_page_is_a_form_that_works_without_javascript() {
    let page = parse(&demo().out.join("checkin/index.html"));
    let form = page.select(&sel("form.checkin")).next().expect("a check-in form");
    assert_eq!(form.value().attr("method"), Some("post"));
    assert_eq!(form.value().attr("action"), Some("../checkin/"));
    let names: BTreeMap<String, usize> =
        page.select(&sel("form.checkin [name]"))
            .fold(BTreeMap::new(), |mut m, e| {
                *m.entry(e.value().attr("name").unwrap().to_string()).or_default() += 1;
                m
            });
    for n in [
        "visitor_type",
        "purpose",
        "group_size",
        "organisation",
        "grade",
        "origin",
        "date",
        "name",
        "contact",
        "consent",
    ] {
        assert!(names.contains_key(n), "no field {n}");
    }
    assert_eq!(names["visitor_type"], 7);
    assert_eq!(names["purpose"], 5);
    assert!(page.select(&sel("form.checkin script")).next().is_none());
}
