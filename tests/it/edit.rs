// The web editor through the real router, on a copy of the demo museum, against SQLite and
// PostgreSQL: a curator edits an object (a comment in its TOML survives, only the changed lines
// change), a stale edit and bad values are refused with nothing written, photo uploads are
// checked (a path in the name, an executable, a file too large), an object is created and
// placed, a draft exhibition is seen in the preview only, publishing puts the change live with
// who and when recorded, and an earlier publication is restored. The Chromium test does it as a
// curator would, in a real browser.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use vitrine::accounts::Role;
use vitrine::build::{BuildOptions, build_site};
use vitrine::serve::{AppState, hits::Hits, router};
use vitrine::store::Store;

use crate::serve::{body, drop_schema, runtime, stores};
use crate::staff::{Browser, ORIGIN, input_value, send, sign_in, text_of};
use crate::support::{copy_dir, demo, repo};

const SECRET: &str = "a test secret that is at least thirty-two characters long";
const OBJ: &str = "/staff/content/e/co-do-hoa-lu/o/HL-001/";

/// A copy of the demo museum (content, theme, static files) with its site built, sharing the
/// demo build's image cache so nothing is encoded twice.
pub(crate) fn museum(tmp: &Path) -> BuildOptions {
    museum_with(tmp, &[])
}

/// `museum`, with the demo's folders `more` too (e.g. events/).
pub(crate) fn museum_with(tmp: &Path, more: &[&str]) -> BuildOptions {
    let root = tmp.join("museum");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(repo().join("vitrine.toml"), root.join("vitrine.toml")).unwrap();
    for d in ["exhibits", "static", "themes"].iter().chain(more) {
        if repo().join(d).is_dir() {
            copy_dir(&repo().join(d), &root.join(d));
        }
    }
    let mut o = BuildOptions::new(&root);
    o.out = tmp.join("public");
    o.cache = demo().cache_parent.join("cache");
    build_site(&o).expect("the copy of the demo builds");
    o
}

pub(crate) fn editor_app(store: Store, o: &BuildOptions, max_upload: Option<u64>) -> axum::Router {
    let (hits, _) = Hits::start(store.clone());
    let mut state = AppState::new(&o.root, &o.out, store, hits)
        .unwrap()
        .with_secret(SECRET)
        .editing(o.clone());
    if let Some(m) = max_upload {
        state = state.with_max_upload(m);
    }
    router(state)
}

/// A PNG photo of `w`×`h` pixels.
pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A multipart body: text fields, then the file field `file_field`.
fn multipart(fields: &[(&str, &str)], file_field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----vitrine-test-boundary-7d1f";
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

async fn upload(c: &Browser, path: &str, version: &str, name: &str, bytes: &[u8]) -> (StatusCode, String) {
    let fields = [
        ("csrf", c.csrf.as_str()),
        ("version", version),
        ("alt.vi", "Ảnh chụp mặt trước hiện vật"),
        ("alt.en", "Photo of the object's front"),
    ];
    send_file(c, path, &fields, "photo", name, bytes).await
}

async fn send_file(
    c: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    file_field: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    let (ct, b) = multipart(fields, file_field, name, bytes);
    let r = Request::post(path)
        .header(header::HOST, "museum.test")
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, &c.cookie)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(b))
        .unwrap();
    let res = c.app.clone().oneshot(r).await.unwrap();
    let status = res.status();
    (status, String::from_utf8_lossy(&body(res).await).into_owned())
}

async fn curator(app: &axum::Router, store: &Store, name: &str) -> Browser {
    let c = sign_in(app, store, name, Role::Curator).await;
    assert!(!c.csrf.is_empty(), "{name} lands on the content page");
    c
}

/// The files under `dir`, with their bytes, leaving out the editor's own folders.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn version_of(html: &str) -> String {
    let v = input_value(html, "version");
    assert_eq!(v.len(), 16, "the form carries the object's version");
    v
}

#[test]
fn a_curator_edits_uploads_creates_previews_publishes_and_restores() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (n, (store, schema)) in stores(tmp.path()).await.into_iter().enumerate() {
            let d = store.dialect();
            let place = tmp.path().join(format!("m{n}"));
            let o = museum(&place);
            let root = o.root.clone();
            let app = editor_app(store.clone(), &o, Some(1024 * 1024));
            let c = curator(&app, &store, "curator.lan").await;
            let exhibits = root.join("exhibits");
            let toml = exhibits.join("co-do-hoa-lu/objects/HL-001/object.toml");

            // Others may not edit; a signed-out browser is sent to sign in.
            for role in [Role::Staff, Role::Teacher] {
                let other = sign_in(&app, &store, &format!("other.{}", role.code()), role).await;
                assert_eq!(
                    other.get("/staff/content/").await.0,
                    StatusCode::FORBIDDEN,
                    "{d}: {role:?}"
                );
                assert_eq!(other.get(OBJ).await.0, StatusCode::FORBIDDEN, "{d}: {role:?}");
            }
            let anon = send(&app, "GET", "/staff/content/", "", None, &[]).await;
            assert_eq!(anon.status(), StatusCode::SEE_OTHER, "{d}");
            let m = sign_in(&app, &store, "manager.hoa", Role::Manager).await;
            assert_eq!(
                m.get("/staff/content/").await.0,
                StatusCode::OK,
                "{d}: a manager edits too"
            );

            // The curator's own comment in object.toml survives an edit through the browser,
            // and only the lines of the changed fields change.
            let original = std::fs::read_to_string(&toml).unwrap();
            let commented = format!("# Ghi chú của người phụ trách: đối chiếu sổ kiểm kê 2024.\n{original}");
            std::fs::write(&toml, &commented).unwrap();
            let (status, html) = c.get(OBJ).await;
            assert_eq!(status, StatusCode::OK, "{d}");
            let version = version_of(&html);
            assert!(
                html.contains("Đất nung"),
                "{d}: the form shows the stored material"
            );
            let res = c
                .post(
                    OBJ,
                    &[
                        ("version", &version),
                        ("material.vi", "Đất nung màu đỏ"),
                        ("title.en", "Rampart brick of Đại Việt"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            let html = String::from_utf8(body(res).await).unwrap();
            assert!(html.contains("id=\"saved\""), "{d}: the page says it was saved");
            let after = std::fs::read_to_string(&toml).unwrap();
            assert!(
                after.starts_with("# Ghi chú của người phụ trách: đối chiếu sổ kiểm kê 2024.\n"),
                "{d}: {after}"
            );
            let changed = changed_lines(&commented, &after);
            assert_eq!(
                commented.lines().count(),
                after.lines().count(),
                "{d}: no line added or lost"
            );
            assert_eq!(
                changed.len(),
                2,
                "{d}: exactly the title and material lines change: {changed:?}"
            );
            assert!(
                after.contains(r#"material = { vi = "Đất nung màu đỏ", en = "Fired clay" }"#),
                "{d}: {after}"
            );
            let new_version = version_of(&html);
            assert_ne!(new_version, version);

            // A second curator's form, opened before that save, is refused: nothing changes.
            let res = c
                .post(OBJ, &[("version", &version), ("material.vi", "Gốm")])
                .await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}: a stale edit");
            let html = String::from_utf8(body(res).await).unwrap();
            assert!(
                text_of(&html, "#stale").contains("CHƯA được lưu"),
                "{d}: a clear message"
            );
            assert_eq!(
                input_value(&html, "version"),
                version,
                "{d}: the refused form keeps its old version"
            );
            assert_eq!(
                std::fs::read_to_string(&toml).unwrap(),
                after,
                "{d}: the stale edit wrote nothing"
            );

            // Bad values are refused beside their field, with nothing written.
            for (field, value, id) in [
                ("date.from", "năm 968", "f-date-from"),
                ("date.from", "1500", "f-date-to"),
            ] {
                let res = c.post(OBJ, &[("version", &new_version), (field, value)]).await;
                assert_eq!(
                    res.status(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{d}: {field}={value}"
                );
                let html = String::from_utf8(body(res).await).unwrap();
                assert!(
                    !text_of(&html, &format!("#{id}-error")).is_empty(),
                    "{d}: {field}={value}: the error is beside the field"
                );
                assert_eq!(
                    std::fs::read_to_string(&toml).unwrap(),
                    after,
                    "{d}: {field}={value} wrote nothing"
                );
            }

            // Uploads: a name with a path, an executable, a file over the limit, something that
            // is not a photo: each refused, nothing written anywhere.
            let obj_dir = toml.parent().unwrap().to_path_buf();
            let before = snapshot(&place);
            let photo = png(1600, 1200);
            let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0 an executable";
            let up = format!("{OBJ}photo/");
            for (name, bytes, want) in [
                (
                    "../../../evil.png",
                    photo.as_slice(),
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ),
                (
                    "..%2F..%2Fevil.png",
                    photo.as_slice(),
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ),
                ("photo.exe", photo.as_slice(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
                ("photo.png", elf.as_slice(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
                (
                    "run.sh",
                    b"#!/bin/sh\nrm -rf /\n".as_slice(),
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ),
                (
                    "big.png",
                    &vec![0x89u8; 1024 * 1024 + 1],
                    StatusCode::PAYLOAD_TOO_LARGE,
                ),
            ] {
                let (status, _) = upload(&c, &up, &new_version, name, bytes).await;
                assert_eq!(status, want, "{d}: upload {name}");
            }
            assert_eq!(
                snapshot(&place),
                before,
                "{d}: refused uploads leave every file as it was"
            );
            assert!(!tmp.path().join("evil.png").exists() && !place.join("evil.png").exists());

            // A real photo: streamed in, named plainly, added with its alt text.
            let (status, _) = upload(&c, &up, &new_version, "Ảnh mặt trước.PNG", &photo).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{d}: a photo is accepted");
            assert_eq!(
                std::fs::read(obj_dir.join("anh-mat-truoc.png")).unwrap(),
                photo,
                "{d}"
            );
            let t = std::fs::read_to_string(&toml).unwrap();
            assert!(t.contains("file = \"anh-mat-truoc.png\""), "{d}: {t}");
            assert!(
                t.contains("Ảnh chụp mặt trước hiện vật"),
                "{d}: the alt text is stored"
            );
            assert!(
                std::fs::read_dir(&obj_dir).unwrap().all(|e| !e
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')),
                "{d}: no temporary file left"
            );
            // The same form again is stale now.
            let (status, _) = upload(&c, &up, &new_version, "other.png", &photo).await;
            assert_eq!(status, StatusCode::CONFLICT, "{d}: a stale upload");

            // A new object, put in the first section.
            let new_obj = [
                ("id", "hl-099"),
                ("title.vi", "Mảnh ngói ống thời Đinh"),
                ("title.en", "Cylindrical roof tile fragment, Đinh dynasty"),
                ("date.display.vi", "Thế kỷ 10"),
                ("date.from", "968"),
                ("date.to", "980"),
                ("section", "1"),
            ];
            let res = c.post("/staff/content/e/co-do-hoa-lu/objects/", &new_obj).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}: the object is created");
            assert!(exhibits.join("co-do-hoa-lu/objects/HL-099/object.toml").is_file());
            let ex_toml = std::fs::read_to_string(exhibits.join("co-do-hoa-lu/exhibit.toml")).unwrap();
            assert!(
                ex_toml.contains(r#""HL-003", "HL-099"]"#),
                "{d}: added at the end of section 1: {ex_toml}"
            );
            // The same ID again, and a malformed one, are refused beside the field.
            for id in ["HL-099", "hl 99!"] {
                let mut f = new_obj.to_vec();
                f[0] = ("id", id);
                let res = c.post("/staff/content/e/co-do-hoa-lu/objects/", &f).await;
                assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}: {id}");
                let html = String::from_utf8(body(res).await).unwrap();
                assert!(!text_of(&html, "#new-id-error").is_empty(), "{d}: {id}");
            }
            // Reordering: HL-099 moves up one place.
            let (_, html) = c.get("/staff/content/e/co-do-hoa-lu/").await;
            let ev = version_of(&html);
            let res = c
                .post(
                    "/staff/content/e/co-do-hoa-lu/arrange/",
                    &[("version", &ev), ("section", "1"), ("index", "5"), ("do", "up")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let ex_toml = std::fs::read_to_string(exhibits.join("co-do-hoa-lu/exhibit.toml")).unwrap();
            assert!(ex_toml.contains(r#""HL-099", "HL-003"]"#), "{d}: {ex_toml}");
            let res = c
                .post(
                    "/staff/content/e/co-do-hoa-lu/arrange/",
                    &[("version", &ev), ("section", "1"), ("index", "0"), ("do", "down")],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::CONFLICT,
                "{d}: arranging on a stale page is refused"
            );

            // A draft exhibition: in the preview, not on the public site.
            let res = c
                .post(
                    "/staff/content/new/",
                    &[
                        ("slug", "gom-thu-nghiem"),
                        ("title.vi", "Gốm thử nghiệm"),
                        ("title.en", "Trial ceramics"),
                    ],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::SEE_OTHER,
                "{d}: an exhibition is created"
            );
            assert_eq!(
                send(&app, "GET", "/o/HL-099/", "", None, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{d}: not live before publishing"
            );
            let res = c
                .post("/staff/content/preview/", &[("page", "/e/gom-thu-nghiem/")])
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}: the preview is built");
            let pc = crate::staff::cookie_value(&crate::staff::set_cookies(&res), "vitrine_preview")
                .expect("the preview cookie");
            let both = format!("{}; {pc}", c.cookie);
            let res = send(&app, "GET", "/e/gom-thu-nghiem/", &both, None, &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}: the draft is in the preview");
            let html = String::from_utf8(body(res).await).unwrap();
            assert!(html.contains("preview-banner"), "{d}: marked as a preview");
            let res = send(&app, "GET", "/o/HL-099/", &both, None, &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}: so is the new object");
            // The preview cookie alone (no curator session) shows the public site.
            assert_eq!(
                send(&app, "GET", "/e/gom-thu-nghiem/", &pc, None, &[])
                    .await
                    .status(),
                StatusCode::NOT_FOUND,
                "{d}"
            );

            // Publish: the change is live, the draft is not, and who/when/what is recorded.
            let res = c.post("/staff/content/publish/", &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}: published");
            let html = String::from_utf8(body(res).await).unwrap();
            assert!(text_of(&html, "#done").contains("Đã xuất bản"), "{d}");
            let res = send(&app, "GET", "/o/HL-099/", "", None, &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}: the new object is live");
            assert!(
                String::from_utf8(body(res).await)
                    .unwrap()
                    .contains("Mảnh ngói ống thời Đinh")
            );
            assert_eq!(
                send(&app, "GET", "/O/HL-099/", "", None, &[]).await.status(),
                StatusCode::OK,
                "{d}: at its QR address too"
            );
            assert!(
                o.out.join("qr/HL-099.png").is_file() && o.out.join("qr/HL-099.svg").is_file(),
                "{d}: with its QR code"
            );
            assert_eq!(
                send(&app, "GET", "/e/gom-thu-nghiem/", "", None, &[])
                    .await
                    .status(),
                StatusCode::NOT_FOUND,
                "{d}: drafts stay unpublished"
            );
            let hist = store.publishes(10).await.unwrap();
            assert_eq!(hist.len(), 1, "{d}");
            assert_eq!(hist[0].username, "curator.lan");
            assert_eq!(hist[0].action, "publish");
            assert!(
                hist[0]
                    .changes
                    .contains("exhibits/co-do-hoa-lu/objects/HL-099/object.toml (+)"),
                "{d}: {}",
                hist[0].changes
            );
            assert!(
                hist[0]
                    .changes
                    .contains("exhibits/co-do-hoa-lu/objects/HL-001/anh-mat-truoc.png (+)"),
                "{d}"
            );
            let first = hist[0].id;

            // A second publication with another title, then the first one restored.
            let hl099 = "/staff/content/e/co-do-hoa-lu/o/HL-099/";
            let (_, html) = c.get(hl099).await;
            let res = c
                .post(
                    hl099,
                    &[
                        ("version", &version_of(&html)),
                        ("title.vi", "Ngói ống (sửa nhầm)"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            let res = c.post("/staff/content/publish/", &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            let live =
                String::from_utf8(body(send(&app, "GET", "/o/HL-099/", "", None, &[]).await).await).unwrap();
            assert!(live.contains("Ngói ống (sửa nhầm)"), "{d}");
            let hist = store.publishes(1).await.unwrap();
            assert_eq!(
                hist[0].changes, "exhibits/co-do-hoa-lu/objects/HL-099/object.toml (~)",
                "{d}: the second publication lists exactly what changed since the first"
            );
            let res = c.post(&format!("/staff/content/restore/{first}/"), &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}: restored");
            let live =
                String::from_utf8(body(send(&app, "GET", "/o/HL-099/", "", None, &[]).await).await).unwrap();
            assert!(
                live.contains("Mảnh ngói ống thời Đinh") && !live.contains("sửa nhầm"),
                "{d}: the first version is live again"
            );
            let wc =
                std::fs::read_to_string(exhibits.join("co-do-hoa-lu/objects/HL-099/object.toml")).unwrap();
            assert!(
                wc.contains("Mảnh ngói ống thời Đinh"),
                "{d}: and is the working copy again"
            );
            let hist = store.publishes(10).await.unwrap();
            assert_eq!(
                hist.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(),
                ["restore", "publish", "publish"],
                "{d}"
            );
            // Nothing was lost: the replaced working copy and each saved file are in the history.
            let kept = snapshot(&root.join(".vitrine/history"));
            assert!(
                kept.iter().any(|(p, b)| p.ends_with("HL-099/object.toml")
                    && String::from_utf8_lossy(b).contains("sửa nhầm")),
                "{d}"
            );
            assert!(
                kept.iter()
                    .any(|(p, b)| p.ends_with("HL-001/object.toml") && b.as_slice() == commented.as_bytes()),
                "{d}"
            );
            assert_eq!(
                c.post("/staff/content/restore/9999/", &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{d}"
            );
            drop_schema(&store, &schema).await;
        }
    });
}

/// A curator in Chromium: signs in, creates an object with a photo, publishes; the object's
/// public page shows the photo and its QR code decodes to its address, which serves the page.
#[test]
fn a_curator_creates_an_object_with_a_photo_and_publishes_it_in_chromium() {
    if !crate::gate::checkers() || !crate::support::tool("zbarimg", "zbar-tools") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = museum(tmp.path());
    let photo = tmp.path().join("chan-tang.png");
    std::fs::write(&photo, png(1800, 1200)).unwrap();
    let rt = runtime();
    let (addr, store) = rt.block_on(async {
        let store = Store::open(&format!("sqlite:{}", tmp.path().join("vitrine.db").display()))
            .await
            .unwrap();
        store
            .add_user(
                "curator.mai",
                "Mai",
                Role::Curator,
                &vitrine::accounts::hash_password("curator-password"),
                0,
            )
            .await
            .unwrap();
        let app = editor_app(store.clone(), &o, None);
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
    });
    let out = std::process::Command::new("node")
        .arg(crate::gate::browser_dir().join("editor.mjs"))
        .arg(format!("http://{addr}"))
        .args(["curator.mai", "curator-password"])
        .arg(&photo)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(r.get("error").is_none(), "{r}");
    assert_eq!(
        r["landed"], "/staff/content/",
        "a curator lands on the content page: {r}"
    );
    assert_eq!(r["created"], "/staff/content/e/co-do-hoa-lu/o/HL-120/", "{r}");
    assert!(r["saved"].as_str().unwrap().starts_with("Đã lưu"), "{r}");
    assert_eq!(r["photo"], "chan-tang.png", "{r}");
    assert!(r["published"].as_str().unwrap().starts_with("Đã xuất bản"), "{r}");
    assert_eq!(
        r["event_title"], "Đêm thơ Ngày Sách",
        "a new event opens on its form: {r}"
    );
    assert!(o.root.join("events/dem-tho-2027.toml").is_file());
    assert_eq!(
        r["contest_title"], "Thi thử di sản",
        "a new contest opens on its form: {r}"
    );
    assert_eq!(
        r["question"], "/staff/content/contests/thi-thu-2027/questions/kinh-do-hoa-lu-thuoc/",
        "a new question is named from its prompt: {r}"
    );
    assert!(
        r["question_error"]
            .as_str()
            .unwrap_or("")
            .contains("exactly one choice with correct = true"),
        "two right answers to a single-choice question are refused beside the choices: {r}"
    );
    assert_eq!(r["question_kept"], "Thanh Hoá", "what was typed is kept: {r}");
    let contest = std::fs::read_to_string(o.root.join("contests/thi-thu-2027.toml")).unwrap();
    assert!(
        contest.contains("Kinh đô Hoa Lư thuộc tỉnh nào ngày nay?"),
        "{contest}"
    );
    assert_eq!(r["public_status"], 200, "{r}");
    assert_eq!(r["public_title"], "Chân tảng đá hoa sen", "{r}");
    assert_eq!(r["image_ok"], true, "the photo shows on the public page: {r}");
    assert_eq!(r["qr_status"], 200, "{r}");
    assert_eq!(r["qr_type"], "image/png", "{r}");
    assert_eq!(
        r["violations"],
        serde_json::json!([]),
        "axe on the editor's pages: {r}"
    );
    let dir = o.root.join("exhibits/co-do-hoa-lu/objects/HL-120");
    let toml = std::fs::read_to_string(dir.join("object.toml")).unwrap();
    assert!(
        toml.contains(r#"material = { vi = "Đá xanh", en = "Grey-blue stone" }"#),
        "{toml}"
    );
    assert!(!dir.join("vi.md").exists(), "an empty description makes no file");
    // The printed code leads to the page: decode it, and the server answers its path.
    let (site, _) = vitrine::build::check(&o.root);
    let base = site.unwrap().0.config.base_url.to_uppercase();
    let url = crate::media::decode_qr(&o.out.join("qr/HL-120.png"));
    assert_eq!(url, format!("{base}/O/HL-120/"));
    let path = &url[base.len()..];
    let res = rt.block_on(async { reqwest_get(addr, path).await });
    assert_eq!(res, 200, "{path} is served");
    let hist = rt.block_on(store.publishes(5)).unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0].username, "curator.mai");
}

/// The status of a GET over a real connection.
async fn reqwest_get(addr: std::net::SocketAddr, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..buf.len().min(20)]).into_owned();
    head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// The lines that differ between two versions of a file of the same length, as (before, after).
fn changed_lines<'a>(before: &'a str, after: &'a str) -> Vec<(&'a str, &'a str)> {
    before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect()
}

/// The raw bytes and headers of a GET as the curator.
async fn get_raw(c: &Browser, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let res = send(&c.app, "GET", path, &c.cookie, None, &[]).await;
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, body(res).await.to_vec())
}

#[test]
fn the_editor_shows_what_needs_translating_and_takes_the_translators_sheet_back() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Store::open(&format!("sqlite:{}", tmp.path().join("v.db").display()))
            .await
            .unwrap();
        let o = museum(&tmp.path().join("m"));
        // HL-001 loses its English title: one field of one object needs English.
        let toml = o.root.join("exhibits/co-do-hoa-lu/objects/HL-001/object.toml");
        let mut doc =
            vitrine::content::edit::TomlDoc::parse(&std::fs::read_to_string(&toml).unwrap()).unwrap();
        doc.set_lang_text("title", vitrine::content::Lang::En, "");
        std::fs::write(&toml, doc.text()).unwrap();
        let app = editor_app(store.clone(), &o, None);
        let c = curator(&app, &store, "curator.lan").await;
        let page = "/staff/content/e/co-do-hoa-lu/";
        let (status, html) = c.get(page).await;
        assert_eq!(status, StatusCode::OK);
        let doc = scraper::Html::parse_document(&html);
        let title: String = doc
            .select(&crate::support::sel("title"))
            .next()
            .unwrap()
            .text()
            .collect();
        assert!(!title.contains('<'), "the page title is text: {title}");
        assert_eq!(doc.select(&crate::support::sel("#coverage")).count(), 1);
        let section = doc
            .select(&crate::support::sel("#coverage"))
            .next()
            .expect("the exhibition's page has a translation section");
        let text: String = section.text().collect();
        assert!(text.contains("1 hiện vật cần bản tiếng Anh"), "{text}");
        assert!(!text.contains("cần bản tiếng Việt"), "{text}");
        let need: Vec<String> = section
            .select(&crate::support::sel(".need-list a"))
            .map(|a| a.text().collect())
            .collect();
        assert_eq!(need, ["HL-001"]);
        // The title row counts one object without English.
        let title_row = section
            .select(&crate::support::sel("tbody tr"))
            .find(|r| r.text().collect::<String>().contains("Tên hiện vật"))
            .expect("a row for the title");
        let cells: Vec<String> = title_row
            .select(&crate::support::sel("td"))
            .map(|td| td.text().collect())
            .collect();
        let n: usize = cells[0].parse().unwrap();
        assert_eq!(cells[1], cells[0], "every title has Vietnamese");
        assert_eq!(cells[2], (n - 1).to_string(), "one title lacks English");

        // The translators' sheet: HL-001 alone, its Vietnamese title beside the empty English one.
        let (status, headers, bytes) = get_raw(&c, &format!("{page}export.xlsx?untranslated=en")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("co-do-hoa-lu-en.xlsx")
        );
        let xlsx = tmp.path().join("dich.xlsx");
        std::fs::write(&xlsx, &bytes).unwrap();
        use calamine::Reader;
        let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[0], ["ID", "Title (vi)", "Title"]);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[1][0], "HL-001");
        assert_eq!(rows[1][2], "");
        let (bad, _, _) = get_raw(&c, &format!("{page}export.xlsx?untranslated=fr")).await;
        assert_eq!(bad, StatusCode::BAD_REQUEST);

        // The translated sheet goes back in: shown first, then applied; only the title changes.
        let csv = format!(
            "ID,Title (vi),Title\nHL-001,\"{}\",Brick of the Đại Việt rampart\n",
            rows[1][1]
        );
        let before = std::fs::read_to_string(&toml).unwrap();
        let (status, html) = send_file(
            &c,
            &format!("{page}import/"),
            &[("csrf", &c.csrf)],
            "sheet",
            "dich.csv",
            csv.as_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert_eq!(
            std::fs::read_to_string(&toml).unwrap(),
            before,
            "shown, not written"
        );
        assert!(html.contains("would update HL-001"), "{html}");
        let (token, ext) = (input_value(&html, "token"), input_value(&html, "ext"));
        let res = c
            .post(
                &format!("{page}import/apply/"),
                &[("token", &token), ("ext", &ext)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let after = std::fs::read_to_string(&toml).unwrap();
        assert!(
            after.contains("en = \"Brick of the Đại Việt rampart\""),
            "{after}"
        );
        let changed = changed_lines(&before, &after);
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(before.lines().count(), after.lines().count());
        let (_, html) = c.get(page).await;
        assert!(!html.contains("cần bản tiếng Anh"), "nothing left to translate");
    });
}

/// Events in the web editor: created from a plan day as a draft, edited with times, places and
/// links checked as `vitrine check` checks them (nothing written when refused), snapshotted with
/// the publication, so the served event (its page and its places) changes only when published.
#[test]
fn a_curator_creates_and_edits_an_event_that_goes_live_only_when_published() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (n, (store, schema)) in stores(tmp.path()).await.into_iter().enumerate() {
            let d = store.dialect();
            let o = museum_with(
                &tmp.path().join(format!("m{n}")),
                &["events", "programmes", "contests"],
            );
            let root = o.root.clone();
            let app = editor_app(store.clone(), &o, None);
            let c = curator(&app, &store, "curator.lan").await;
            let (st, page) = c.get("/staff/content/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(
                page.contains("href=\"/staff/content/events/ngay-bao-tang-2027/\""),
                "{d}: the demo's events are listed"
            );

            // A new event starts from a plan day, as a draft.
            let res = c
                .post(
                    "/staff/content/events/new/",
                    &[
                        ("slug", "hoi-thao-gom"),
                        ("title.vi", "Hội thảo gốm cổ"),
                        ("occasion", "ngay-bao-tang"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let file = root.join("events/hoi-thao-gom.toml");
            let made = std::fs::read_to_string(&file).unwrap();
            assert!(
                made.contains("status = \"draft\"")
                    && made.contains("occasion = \"ngay-bao-tang\"")
                    && made.contains("Hội thảo gốm cổ"),
                "{d}: {made}"
            );
            let again = c
                .post(
                    "/staff/content/events/new/",
                    &[("slug", "hoi-thao-gom"), ("occasion", "ngay-bao-tang")],
                )
                .await;
            assert_eq!(
                again.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{d}: the name is taken"
            );
            let (st, form) = c.get("/staff/content/events/hoi-thao-gom/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let version = version_of(&form);
            let good: Vec<(&str, &str)> = vec![
                ("version", &version),
                ("title.vi", "Hội thảo: gốm cổ Hoa Lư"),
                ("title.en", "Talk: ancient Hoa Lư pottery"),
                ("starts", "2027-05-18T08:30"),
                ("ends", "2027-05-18 11:00"),
                ("capacity", "30"),
                ("audience", "schools"),
                ("grades", "6 7"),
                ("exhibits", "co-do-hoa-lu"),
                ("status", "published"),
                ("desc.vi", "Mời các em học sinh đến nghe."),
            ];
            // Refused, nothing written: a time that is not one, and an exhibition that does not exist.
            for (field, bad, says) in [
                ("starts", "2027-05-18 25:00", "is not a day and time"),
                ("exhibits", "khong-co-trung-bay", "khong-co-trung-bay"),
            ] {
                let mut form: Vec<(&str, &str)> = good.clone();
                form.retain(|(k, _)| *k != field);
                form.push((field, bad));
                let res = c.post("/staff/content/events/hoi-thao-gom/", &form).await;
                assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}: {field}");
                let html = String::from_utf8(body(res).await).unwrap();
                assert!(
                    html.contains(says) && html.contains(bad),
                    "{d}: {field} is named and kept"
                );
                assert_eq!(
                    std::fs::read_to_string(&file).unwrap(),
                    made,
                    "{d}: nothing written"
                );
            }
            let res = c.post("/staff/content/events/hoi-thao-gom/", &good).await;
            let st = res.status();
            let html = String::from_utf8(body(res).await).unwrap();
            assert_eq!(st, StatusCode::OK, "{d}: {html}");
            assert!(html.contains("id=\"saved\""), "{d}");
            let saved = std::fs::read_to_string(&file).unwrap();
            for line in [
                "starts = 2027-05-18T08:30:00",
                "ends = 2027-05-18T11:00:00",
                "capacity = 30",
                "grades = [6, 7]",
                "exhibits = [\"co-do-hoa-lu\"]",
                "status = \"published\"",
                "# An event of the museum",
            ] {
                assert!(saved.contains(line), "{d}: {line} in {saved}");
            }
            assert_eq!(
                std::fs::read_to_string(root.join("events/hoi-thao-gom.vi.md"))
                    .unwrap()
                    .trim(),
                "Mời các em học sinh đến nghe.",
                "{d}"
            );
            let res = c.post("/staff/content/events/hoi-thao-gom/", &good).await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}: a stale form is refused");

            // Not live before publishing; live after, with its places and its sign-up form.
            let public = |path: &'static str| {
                let app = app.clone();
                async move {
                    let res = send(&app, "GET", path, "", None, &[]).await;
                    let st = res.status();
                    (st, String::from_utf8(body(res).await).unwrap())
                }
            };
            assert_eq!(
                public("/su-kien/hoi-thao-gom/").await.0,
                StatusCode::NOT_FOUND,
                "{d}"
            );
            assert_eq!(
                public("/su-kien/hoi-thao-gom/dang-ky/").await.0,
                StatusCode::NOT_FOUND,
                "{d}"
            );
            let res = c.post("/staff/content/publish/", &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}: published");
            let (st, live) = public("/su-kien/hoi-thao-gom/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(
                live.contains("Hội thảo: gốm cổ Hoa Lư") && live.contains("Còn 30 trên 30 chỗ"),
                "{d}"
            );
            assert_eq!(
                public("/su-kien/hoi-thao-gom/dang-ky/").await.0,
                StatusCode::OK,
                "{d}"
            );
            let snap = vitrine::publish::latest(&root).unwrap();
            assert!(
                !std::fs::symlink_metadata(snap.join("events"))
                    .unwrap()
                    .is_symlink()
                    && snap.join("events/hoi-thao-gom.toml").is_file(),
                "{d}: events are in the publication"
            );

            // An edit saved but not published leaves the served places as published.
            let (_, form) = c.get("/staff/content/events/hoi-thao-gom/").await;
            let version = version_of(&form);
            let res = c
                .post(
                    "/staff/content/events/hoi-thao-gom/",
                    &[("version", &version), ("capacity", "45")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            assert!(
                std::fs::read_to_string(&file).unwrap().contains("capacity = 45"),
                "{d}"
            );
            let (_, live) = public("/su-kien/hoi-thao-gom/").await;
            assert!(
                live.contains("Còn 30 trên 30 chỗ"),
                "{d}: still the published capacity"
            );
            let (_, content) = c.get("/staff/content/").await;
            assert!(
                content.contains("events/hoi-thao-gom.toml"),
                "{d}: the edit is pending"
            );
            drop_schema(&store, &schema).await;
        }
    });
}

/// The text of a page's response.
async fn html_of(res: axum::response::Response) -> (StatusCode, String) {
    let st = res.status();
    (st, String::from_utf8(body(res).await).unwrap())
}

#[test]
fn a_curator_writes_a_contest_its_rounds_and_its_question_bank_that_go_live_only_when_published() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (n, (store, schema)) in stores(tmp.path()).await.into_iter().enumerate() {
            let d = store.dialect();
            let place = tmp.path().join(format!("m{n}"));
            let o = museum_with(&place, &["events", "programmes", "contests"]);
            let root = o.root.clone();
            // A contest written by hand, whose questions have no id: they are named by their number.
            let hand = "# Viết tay.\ntitle = { vi = \"Thi viết tay\", en = \"Hand-written quiz\" }\nquestions_per_entry = 1\n\n[[round]]\nopens = 2030-01-01T08:00:00\ncloses = 2030-01-02T08:00:00\n\n[[question]]\ntype = \"single\"\nprompt = { vi = \"Một?\", en = \"One?\" }\nchoices = [{ vi = \"A\", en = \"A\", correct = true }, { vi = \"B\", en = \"B\" }]\n\n[[question]]\ntype = \"single\"\nprompt = { vi = \"Hai?\", en = \"Two?\" }\nchoices = [{ vi = \"C\", en = \"C\" }, { vi = \"D\", en = \"D\", correct = true }]\n";
            std::fs::write(root.join("contests/viet-tay.toml"), hand).unwrap();
            let app = editor_app(store.clone(), &o, None);
            let c = curator(&app, &store, "curator.lan").await;
            let (st, page) = c.get("/staff/content/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(
                page.contains("href=\"/staff/content/contests/thi-tim-hieu-di-san-ninh-binh/\""),
                "{d}: the demo's contest is listed"
            );

            // A new contest: a draft with one round and no questions (a warning, not an error).
            let res = c
                .post(
                    "/staff/content/contests/new/",
                    &[("slug", "thi-thu"), ("title.vi", "Thi thử di sản")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let file = root.join("contests/thi-thu.toml");
            let made = std::fs::read_to_string(&file).unwrap();
            assert!(
                made.contains("status = \"draft\"") && made.contains("[[round]]") && made.contains("Thi thử di sản"),
                "{d}: {made}"
            );
            let base = "/staff/content/contests/thi-thu/";
            let (st, page) = c.get(base).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(page.contains("Vòng 1") && page.contains("Chưa có câu hỏi nào."), "{d}");

            // A question: refused with its reason beside the choices when two answers are right
            // in a single-choice question; nothing written.
            let new_q = format!("{base}questions/new/");
            let (st, form) = c.get(&new_q).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let version = version_of(&form);
            let mut q: Vec<(&str, &str)> = vec![
                ("version", &version),
                ("type", "single"),
                ("prompt.vi", "Kinh đô Hoa Lư được chọn vào năm nào?"),
                ("prompt.en", "In which year was Hoa Lư chosen as the capital?"),
                ("choices[1].vi", "Năm 939"),
                ("choices[1].en", "939"),
                ("choices[2].vi", "Năm 968"),
                ("choices[2].en", "968"),
                ("choices[2].correct", "on"),
                ("choices[3].vi", "Năm 1010"),
                ("choices[3].en", "1010"),
                ("choices[3].correct", "on"),
                ("learn", "HL-010"),
            ];
            let (st, html) = html_of(c.post(&new_q, &q).await).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            assert!(
                html.contains("exactly one choice with correct = true") && html.contains("id=\"choices-error\""),
                "{d}: {html}"
            );
            assert!(html.contains("value=\"Năm 1010\""), "{d}: what was typed is kept");
            assert_eq!(std::fs::read_to_string(&file).unwrap(), made, "{d}: nothing written");
            // An unknown place to learn the answer is named beside its field.
            q.retain(|(k, _)| *k != "choices[3].correct" && *k != "learn");
            q.push(("learn", "KHONG-CO"));
            let (st, html) = html_of(c.post(&new_q, &q).await).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            assert!(html.contains("KHONG-CO") && html.contains("id=\"f-learn-error\""), "{d}: {html}");
            q.retain(|(k, _)| *k != "learn");
            q.push(("learn", "hl-010"));
            let res = c.post(&new_q, &q).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let to = res.headers()[header::LOCATION].to_str().unwrap().to_string();
            assert_eq!(
                to,
                format!("{base}questions/kinh-do-hoa-lu-duoc/?added"),
                "{d}: the id is made from the prompt, folded"
            );
            let (st, page) = c.get(&to).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(page.contains("id=\"saved\""), "{d}");
            let saved = std::fs::read_to_string(&file).unwrap();
            for line in [
                "[[question]]",
                "id = \"kinh-do-hoa-lu-duoc\"",
                "type = \"single\"",
                "  { vi = \"Năm 968\", en = \"968\", correct = true },",
                "  { vi = \"Năm 1010\", en = \"1010\" },",
                "learn = \"HL-010\"",
                "# A quiz contest",
            ] {
                assert!(saved.contains(line), "{d}: {line} in {saved}");
            }
            // A second question, multiple choice.
            let (_, form) = c.get(&new_q).await;
            let version = version_of(&form);
            let res = c
                .post(
                    &new_q,
                    &[
                        ("version", &version),
                        ("id", "den-vua-le"),
                        ("type", "multiple"),
                        ("prompt.vi", "Đền vua Lê thờ những ai?"),
                        ("prompt.en", "Who is honoured in King Lê's temple?"),
                        ("choices[1].vi", "Vua Lê Đại Hành"),
                        ("choices[1].en", "King Lê Đại Hành"),
                        ("choices[1].correct", "on"),
                        ("choices[2].vi", "Vua Lê Long Đĩnh"),
                        ("choices[2].en", "King Lê Long Đĩnh"),
                        ("choices[2].correct", "on"),
                        ("choices[3].vi", "Vua Lý Thái Tổ"),
                        ("choices[3].en", "King Lý Thái Tổ"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");

            // The contest's form: settings, round 1 open since yesterday, a second round added.
            let today = vitrine::content::Day::today();
            let at = |days: i64, time: &str| format!("{}T{time}", today.add_days(days));
            let (r1o, r1c, r2o, r2c) = (at(-1, "08:00"), at(2, "20:00"), at(10, "08:00"), at(12, "20:00"));
            let (_, form) = c.get(base).await;
            let version = version_of(&form);
            let settings: Vec<(&str, &str)> = vec![
                ("version", &version),
                ("title.en", "Heritage trial quiz"),
                ("questions_per_entry", "2"),
                ("time_limit_minutes", "10"),
                ("winners", "3"),
                ("prediction", "yes"),
                ("winner_names", "initials"),
                ("status", "published"),
                ("exhibits", "co-do-hoa-lu"),
                ("round[1].opens", &r1o),
                ("round[1].closes", &r1c),
                ("round[2].title.vi", "Vòng hai"),
                ("round[2].title.en", "Round two"),
                ("round[2].opens", &r2o),
                ("round[2].closes", &r2c),
                ("desc.vi", "Mỗi người một bài mỗi vòng."),
            ];
            let mut overlapping = settings.clone();
            overlapping.retain(|(k, _)| *k != "round[2].opens");
            overlapping.push(("round[2].opens", &r1o));
            let (st, html) = html_of(c.post(base, &overlapping).await).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{d}: rounds overlap");
            assert!(html.contains("round 2 opens before round 1 closes"), "{d}: {html}");
            let (st, html) = html_of(c.post(base, &settings).await).await;
            assert_eq!(st, StatusCode::OK, "{d}: {html}");
            assert!(html.contains("id=\"saved\"") && html.contains("id=\"round-open\""), "{d}");
            let saved = std::fs::read_to_string(&file).unwrap();
            for line in [
                "questions_per_entry = 2",
                "winner_names = \"initials\"",
                "status = \"published\"",
                &format!("opens = {r1o}:00"),
                &format!("closes = {r2c}:00"),
                "title = { vi = \"Vòng hai\", en = \"Round two\" }",
            ] {
                assert!(saved.contains(line), "{d}: {line} in {saved}");
            }
            assert_eq!(saved.matches("[[round]]").count(), 2, "{d}");
            // Round 1 has opened: it cannot be removed. Round 2 can.
            let (_, form) = c.get(base).await;
            let version = version_of(&form);
            let (st, html) = html_of(
                c.post(base, &[("version", &version), ("round[1].remove", "on")])
                    .await,
            )
            .await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            assert!(html.contains("round 1 has opened"), "{d}");
            let res = c
                .post(base, &[("version", &version), ("round[2].remove", "on")])
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            assert_eq!(
                std::fs::read_to_string(&file).unwrap().matches("[[round]]").count(),
                1,
                "{d}"
            );

            // While round 1 is open, a question keeps its choices (entries show them by place).
            let q_path = format!("{base}questions/den-vua-le/");
            let (st, form) = c.get(&q_path).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(form.contains("id=\"round-open\""), "{d}: the page warns");
            let version = version_of(&form);
            let fewer = [
                ("version", version.as_str()),
                ("type", "multiple"),
                ("choices[1].vi", "Vua Lê Đại Hành"),
                ("choices[1].en", "King Lê Đại Hành"),
                ("choices[1].correct", "on"),
                ("choices[2].vi", "Vua Lê Long Đĩnh"),
                ("choices[2].en", "King Lê Long Đĩnh"),
                ("choices[2].correct", "on"),
            ];
            let before = std::fs::read_to_string(&file).unwrap();
            let (st, html) = html_of(c.post(&q_path, &fewer).await).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            assert!(html.contains("round 1 is open"), "{d}");
            assert_eq!(std::fs::read_to_string(&file).unwrap(), before, "{d}");

            // Not live before publishing; live after, from the publication's copy.
            let public = |path: &'static str| {
                let app = app.clone();
                async move { html_of(send(&app, "GET", path, "", None, &[]).await).await }
            };
            assert_eq!(public("/thi/thi-thu/du-thi/").await.0, StatusCode::NOT_FOUND, "{d}");
            let res = c.post("/staff/content/publish/", &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}: published");
            let (st, entry) = public("/thi/thi-thu/du-thi/").await;
            assert_eq!(st, StatusCode::OK, "{d}: {entry}");
            assert!(
                !entry.contains("Năm 968") && !entry.contains("correct"),
                "{d}: no question before an entry starts"
            );
            let snap = vitrine::publish::latest(&root).unwrap();
            assert!(
                !std::fs::symlink_metadata(snap.join("contests")).unwrap().is_symlink()
                    && snap.join("contests/thi-thu.toml").is_file(),
                "{d}: contests are in the publication"
            );

            // A published contest cannot lose questions below what an entry is asked.
            let k_path = format!("{base}questions/kinh-do-hoa-lu-duoc/");
            let (_, form) = c.get(&k_path).await;
            let version = version_of(&form);
            let (st, html) = html_of(
                c.post(&k_path, &[("version", &version), ("action", "delete")])
                    .await,
            )
            .await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            assert!(html.contains("each entry is asked 2 questions but the bank has 1"), "{d}");

            // Taking out a hand-written question names the others by their number first, so
            // entries already taken still find them.
            let (st, form) = c.get("/staff/content/contests/viet-tay/questions/1/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let version = version_of(&form);
            let (st, html) = html_of(
                c.post(
                    "/staff/content/contests/viet-tay/questions/1/",
                    &[("version", &version), ("action", "delete")],
                )
                .await,
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{d}: {html}");
            assert!(html.contains("id=\"deleted\""), "{d}");
            let left = std::fs::read_to_string(root.join("contests/viet-tay.toml")).unwrap();
            assert!(
                left.starts_with("# Viết tay.") && left.contains("id = \"2\"") && !left.contains("Một?"),
                "{d}: {left}"
            );
            assert!(
                c.get("/staff/content/contests/viet-tay/questions/2/").await.0 == StatusCode::OK,
                "{d}"
            );
            drop_schema(&store, &schema).await;
        }
    });
}
