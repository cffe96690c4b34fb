// Event sign-ups (issue 16) on SQLite and PostgreSQL: places counted in people under concurrent
// sign-ups, the waiting list served first in first out and moved up on cancellation, the door's
// marks turned into one visit record each; and the whole path through the server: the event page
// completed with the places left, the form, the confirmation with its code and QR code, cancelling,
// the door list, walk-ins, CSV and the yearly report.

use std::collections::BTreeSet;

use axum::http::{StatusCode, header};
use vitrine::accounts::Role;
use vitrine::content::Day;
use vitrine::serve::{AppState, hits::Hits, router};
use vitrine::signups::{Kind, NewSignup, Status};
use vitrine::store::Store;
use vitrine::visits::{Purpose, VisitorType};

use crate::events::{day_text, write_events};
use crate::serve::{body, browser_run, drop_schema, form, runtime, serve_on_loopback, stores};
use crate::staff::{send, sign_in, text_of};
use crate::support::*;

fn new(event: &str, kind: Kind, people: i64, name: Option<&str>) -> NewSignup {
    NewSignup {
        event: event.to_string(),
        event_day: "2027-05-18".to_string(),
        kind,
        people,
        organisation: if kind == Kind::Individual {
            String::new()
        } else {
            "THCS Trần Phú".to_string()
        },
        grade: if kind == Kind::SchoolGroup {
            "7".to_string()
        } else {
            String::new()
        },
        name: name.map(str::to_string),
        contact: name.map(|_| "0912 345 678".to_string()),
        consent: name.map(|_| "consent".to_string()),
        lang: "vi".to_string(),
    }
}

async fn visits(store: &Store) -> Vec<vitrine::visits::VisitRecord> {
    store.visits_between("1900-01-01", "2200-01-01").await.unwrap()
}

#[test]
fn concurrent_sign_ups_never_overbook_and_the_waiting_list_moves_up_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            const N: i64 = 24;
            // N + 10 people at once for N places.
            let tasks: Vec<_> = (0..N + 10)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .sign_up(
                                &new("ngay-hoi", Kind::Individual, 1, None),
                                Some(N),
                                &format!("t{i}"),
                                None,
                                1_000 + i,
                            )
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut done = Vec::new();
            for t in tasks {
                done.push(t.await.unwrap());
            }
            let all = store.signups_of("ngay-hoi").await.unwrap();
            let confirmed: Vec<i64> = all
                .iter()
                .filter(|s| s.status == Status::Confirmed)
                .map(|s| s.id)
                .collect();
            let waiting: Vec<i64> = all
                .iter()
                .filter(|s| s.status == Status::Waiting)
                .map(|s| s.id)
                .collect();
            assert_eq!(
                (confirmed.len(), waiting.len()),
                (N as usize, 10),
                "{d}: exactly N places taken"
            );
            // In order: everyone who waits signed up after everyone who got a place, and their
            // positions are 1..10 in the order they came.
            assert!(confirmed.iter().max() < waiting.iter().min(), "{d}");
            let mut positions: Vec<(i64, i64)> = done
                .iter()
                .filter_map(|s| s.position.map(|p| (s.signup.id, p)))
                .collect();
            positions.sort();
            assert_eq!(
                positions.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
                (1..=10).collect::<Vec<_>>(),
                "{d}"
            );
            let codes: BTreeSet<&str> = all.iter().map(|s| s.code.as_str()).collect();
            assert_eq!(codes.len(), all.len(), "{d}: every code is its own");

            // A cancellation moves the first waiting person up, and only them.
            let first_confirmed = done
                .iter()
                .find(|s| s.signup.status == Status::Confirmed)
                .unwrap();
            let token = format!("t{}", first_confirmed.signup.created_at - 1_000);
            let c = store
                .cancel_signup(&token, |_| Some(N), false, 5_000)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(c.signup.status, Status::Cancelled, "{d}");
            assert_eq!(c.moved_up, vec![waiting[0]], "{d}: the first in line moves up");
            let (s, pos) = store
                .signup_by_token(&format!(
                    "t{}",
                    done.iter()
                        .find(|x| x.signup.id == waiting[1])
                        .unwrap()
                        .signup
                        .created_at
                        - 1_000
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (s.status, pos),
                (Status::Waiting, Some(1)),
                "{d}: the next one is now first"
            );
            // Cancelling twice changes nothing.
            let again = store
                .cancel_signup(&token, |_| Some(N), false, 5_001)
                .await
                .unwrap()
                .unwrap();
            assert!(again.moved_up.is_empty(), "{d}");
            assert!(
                store
                    .cancel_signup("no such token", |_| Some(N), false, 5_002)
                    .await
                    .unwrap()
                    .is_none()
            );

            // First in, first out in people: a class of 3 waits with 2 places free, and a single
            // person who signs up after it waits behind it; when 3 more places free, both move up.
            let ev = "lop";
            let a = store
                .sign_up(&new(ev, Kind::SchoolGroup, 3, None), Some(5), "a", None, 1)
                .await
                .unwrap();
            let b = store
                .sign_up(&new(ev, Kind::SchoolGroup, 3, None), Some(5), "b", None, 2)
                .await
                .unwrap();
            let c1 = store
                .sign_up(&new(ev, Kind::Individual, 1, None), Some(5), "c", None, 3)
                .await
                .unwrap();
            assert_eq!(
                (a.signup.status, b.signup.status, c1.signup.status, c1.position),
                (Status::Confirmed, Status::Waiting, Status::Waiting, Some(2)),
                "{d}: a later, smaller sign-up does not pass the class"
            );
            let moved = store
                .cancel_signup("a", |_| Some(5), false, 4)
                .await
                .unwrap()
                .unwrap()
                .moved_up;
            assert_eq!(moved, vec![b.signup.id, c1.signup.id], "{d}");
            // A capacity raised in the content moves people up at the next change.
            let x = store
                .sign_up(&new(ev, Kind::Individual, 2, None), Some(5), "x", None, 5)
                .await
                .unwrap();
            assert_eq!(x.signup.status, Status::Waiting, "{d}");
            let y = store
                .sign_up(&new(ev, Kind::Individual, 1, None), Some(8), "y", None, 6)
                .await
                .unwrap();
            assert_eq!(y.moved_up, vec![x.signup.id], "{d}");
            assert_eq!(y.signup.status, Status::Confirmed, "{d}");

            // The door: a mark is one visit record, marking again corrects it, 0 takes it back.
            let class = store.signup_by_token("b").await.unwrap().unwrap().0;
            let m = store
                .mark_came(ev, Some(8), class.id, 3, "2027-05-18", 10)
                .await
                .unwrap();
            let m2 = store
                .mark_came(ev, Some(8), class.id, 2, "2027-05-18", 11)
                .await
                .unwrap();
            assert_eq!(
                (m.visit_id, m2.came),
                (m2.visit_id, Some(2)),
                "{d}: scanning twice counts once"
            );
            let v = visits(&store).await;
            assert_eq!(v.len(), 1, "{d}");
            let vv = &v[0].visit;
            assert_eq!(
                (
                    vv.visitor_type,
                    vv.purpose,
                    vv.group_size,
                    vv.grade.as_str(),
                    vv.organisation.as_str()
                ),
                (
                    VisitorType::SchoolGroup,
                    Purpose::SchoolProgramme,
                    2,
                    "7",
                    "THCS Trần Phú"
                ),
                "{d}: a class counts as a school programme"
            );
            // Once marked at the door, the link no longer cancels it.
            let kept = store
                .cancel_signup("b", |_| Some(8), false, 11)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(kept.signup.status, Status::Confirmed, "{d}");
            store
                .mark_came(ev, Some(8), class.id, 0, "2027-05-18", 12)
                .await
                .unwrap();
            assert!(
                visits(&store).await.is_empty(),
                "{d}: unmarked, its visit is gone"
            );
            // A cancelled sign-up, or one of another event, cannot be marked.
            let gone = store.signup_by_token("a").await.unwrap().unwrap().0;
            assert!(
                store
                    .mark_came(ev, Some(8), gone.id, 3, "2027-05-18", 13)
                    .await
                    .is_err(),
                "{d}"
            );
            assert!(
                store
                    .mark_came("ngay-hoi", Some(N), class.id, 3, "2027-05-18", 13)
                    .await
                    .is_err(),
                "{d}"
            );
            // A walk-in is a line of the event and a visit, holding no place.
            let w = store
                .add_walk_in(&new(ev, Kind::Individual, 4, None), "2027-05-18", 14)
                .await
                .unwrap();
            assert_eq!((w.status, w.came), (Status::WalkIn, Some(4)), "{d}");
            let v = visits(&store).await;
            assert_eq!(
                (v.len(), v[0].visit.visitor_type, v[0].visit.purpose),
                (1, VisitorType::Family, Purpose::Event),
                "{d}"
            );
            let n = store.event_numbers("2027-01-01", "2027-12-31").await.unwrap();
            let lop = n.iter().find(|n| n.event == ev).unwrap();
            assert_eq!(
                (
                    lop.confirmed,
                    lop.waiting,
                    lop.came,
                    lop.walk_ins,
                    lop.cancelled_signups
                ),
                (7, 0, 4, 4, 1),
                "{d}: {lop:?}"
            );

            // Names and contacts (given with consent) are erased with the retention period.
            store
                .sign_up(
                    &new(ev, Kind::Individual, 1, Some("Nguyễn Văn A")),
                    Some(8),
                    "named",
                    None,
                    20,
                )
                .await
                .unwrap();
            assert_eq!(
                store
                    .erase_signup_personal_data_before("2027-05-18", 30)
                    .await
                    .unwrap(),
                0
            );
            assert_eq!(
                store
                    .erase_signup_personal_data_before("2027-05-19", 30)
                    .await
                    .unwrap(),
                1,
                "{d}"
            );
            let named = store.signup_by_token("named").await.unwrap().unwrap().0;
            assert_eq!((named.name, named.contact, named.people), (None, None, 1), "{d}");
            drop_schema(&store, &schema).await;
        }
    });
}

/// An `href`'s target in a page.
fn hrefs(html: &str, css: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    doc.select(&sel(css))
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect()
}

#[test]
fn a_class_and_a_family_sign_up_get_codes_the_door_marks_them_and_the_report_counts_them() {
    let (_tmp, root) = copy_fixture("tiny");
    write_events(&root);
    // One more event whose sign-up opens next week.
    let today = Day::today();
    std::fs::write(
        root.join("events/sau.toml"),
        format!(
            "title = {{ vi = \"Buổi sau\", en = \"Later\" }}\nstarts = {}T09:00:00\ncapacity = 10\nsignup_opens = {}T08:00:00\n",
            day_text(today.add_days(30)),
            day_text(today.add_days(7))
        ),
    )
    .unwrap();
    let out_parent = tempfile::tempdir().unwrap();
    build_into(&root, out_parent.path()).expect("builds");
    let out = out_parent.path().join("public");
    // A static host: the box says to call the museum, and has no form.
    let built = std::fs::read_to_string(out.join("su-kien/gan/index.html")).unwrap();
    assert!(built.contains("<!--signup-->") && !built.contains("/su-kien/gan/dang-ky/"));
    let db = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(db.path()).await {
            let d = store.dialect();
            let (hits, _writer) = Hits::start(store.clone());
            let state = AppState::new(&root, &out, store.clone(), hits).unwrap();
            let app = router(state.clone());
            let get = |path: &'static str| {
                let app = app.clone();
                async move {
                    let res = send(&app, "GET", path, "", None, &[]).await;
                    let status = res.status();
                    (status, String::from_utf8(body(res).await).unwrap())
                }
            };
            // The served page has the places left and the form's link, in both languages.
            let (st, page) = get("/su-kien/gan/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(page.contains("Còn 40 trên 40 chỗ"), "{d}");
            assert_eq!(
                hrefs(&page, ".signup-live a.button"),
                ["/su-kien/gan/dang-ky/"],
                "{d}"
            );
            let (_, en) = get("/en/su-kien/gan/").await;
            assert!(en.contains("40 of 40 places left"), "{d}");
            // The English address a reader guesses leads there.
            for (from, to) in [
                ("/en/events/", "/en/su-kien/"),
                ("/en/events/gan/", "/en/su-kien/gan/"),
            ] {
                let res = send(&app, "GET", from, "", None, &[]).await;
                assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT, "{d}: {from}");
                assert_eq!(res.headers()[header::LOCATION], to, "{d}");
            }
            let res = send(&app, "GET", "/en/events/%0d%0aX:%20y/", "", None, &[]).await;
            assert_eq!(
                res.status(),
                StatusCode::NOT_FOUND,
                "{d}: no header from the address"
            );
            let (st, f) = get("/su-kien/gan/dang-ky/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(
                f.contains("value=\"school_group\" required checked") && !f.contains("Nếu ghi địa chỉ email"),
                "{d}: a school event suggests a class"
            );
            // Not taking sign-ups, or not yet.
            assert_eq!(get("/su-kien/xa/dang-ky/").await.0, StatusCode::NOT_FOUND, "{d}");
            let (_, later) = get("/su-kien/sau/").await;
            assert!(
                later.contains("Mở đăng ký") && !later.contains("/su-kien/sau/dang-ky/\""),
                "{d}"
            );
            let post = |path: &str, pairs: &[(&str, &str)]| {
                let app = app.clone();
                let (path, body) = (path.to_string(), form(pairs));
                async move { send(&app, "POST", &path, "", Some(body), &[]).await }
            };
            let res = post("/su-kien/sau/dang-ky/", &[("kind", "individual")]).await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}: not open yet");

            // Refusals: a 4xx with the reason, nothing stored.
            let res = post(
                "/su-kien/gan/dang-ky/",
                &[("kind", "school_group"), ("people", "30")],
            )
            .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            let html = String::from_utf8(body(res).await).unwrap();
            assert!(
                html.contains("aria-invalid=\"true\"") && html.contains("value=\"30\""),
                "{d}: the form comes back filled in"
            );
            let res = post(
                "/en/su-kien/gan/dang-ky/",
                &[
                    ("kind", "school_group"),
                    ("people", "41"),
                    ("organisation", "X"),
                    ("grade", "7"),
                ],
            )
            .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            assert!(
                String::from_utf8(body(res).await)
                    .unwrap()
                    .contains("from 1 to 40"),
                "{d}"
            );
            let res = send(
                &app,
                "POST",
                "/su-kien/gan/dang-ky/",
                "",
                Some(form(&[("kind", "individual")])),
                &[("origin", "https://evil.example")],
            )
            .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{d}");
            assert_eq!(
                post("/su-kien/khong-co/dang-ky/", &[("kind", "individual")])
                    .await
                    .status(),
                StatusCode::NOT_FOUND
            );
            assert!(store.signups_of("gan").await.unwrap().is_empty(), "{d}");

            // A teacher signs up a class of 30, a family of 10 fills the event, the next waits.
            let signup = |pairs: Vec<(&'static str, &'static str)>, en: bool| async move {
                let path = if en {
                    "/en/su-kien/gan/dang-ky/"
                } else {
                    "/su-kien/gan/dang-ky/"
                };
                let res = post(path, &pairs).await;
                assert_eq!(res.status(), StatusCode::SEE_OTHER);
                res.headers()[header::LOCATION].to_str().unwrap().to_string()
            };
            let class = signup(
                vec![
                    ("kind", "school_group"),
                    ("people", "30"),
                    ("organisation", "THCS Trần Phú"),
                    ("grade", "7"),
                    ("name", "Cô Lan"),
                    ("contact", "lan@example.vn"),
                    ("consent", "yes"),
                ],
                false,
            )
            .await;
            assert!(class.starts_with("/dang-ky/") && class.len() > 30, "{d}: {class}");
            let family = signup(vec![("kind", "individual"), ("people", "10")], true).await;
            assert!(family.starts_with("/en/dang-ky/"), "{d}");
            let late = signup(vec![("kind", "individual"), ("people", "2")], false).await;
            let page_of = |url: String| {
                let app = app.clone();
                async move {
                    let res = send(&app, "GET", &url, "", None, &[]).await;
                    assert_eq!(res.status(), StatusCode::OK, "{url}");
                    assert_eq!(res.headers()[header::REFERRER_POLICY], "same-origin");
                    String::from_utf8(body(res).await).unwrap()
                }
            };
            let c = page_of(class.clone()).await;
            assert_eq!(text_of(&c, "h1"), "Bạn đã có chỗ", "{d}");
            let code = text_of(&c, ".ticket-code strong");
            assert_eq!(code.len(), 7, "{d}: two groups of three: {code}");
            assert!(c.contains("<svg") && c.contains("/su-kien/gan.ics"), "{d}");
            assert!(
                !c.contains("lan@example.vn"),
                "{d}: the page does not repeat the contact"
            );
            if tool("zbarimg", "zbar-tools") && tool("rsvg-convert", "librsvg2-bin") {
                let doc = scraper::Html::parse_document(&c);
                let svg = doc.select(&sel(".ticket-qr svg")).next().unwrap().html();
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(dir.path().join("t.svg"), svg).unwrap();
                let png = dir.path().join("t.png");
                let st = std::process::Command::new("rsvg-convert")
                    .args(["-w", "400", "-b", "white", "-o"])
                    .arg(&png)
                    .arg(dir.path().join("t.svg"))
                    .status()
                    .unwrap();
                assert!(st.success());
                let compact = code.replace(' ', "");
                assert_eq!(
                    crate::media::decode_qr(&png),
                    format!("HTTPS://TINY.EXAMPLE/D/{compact}"),
                    "{d}"
                );
            }
            let l = page_of(late.clone()).await;
            assert_eq!(text_of(&l, "h1"), "Bạn đang trong danh sách chờ", "{d}");
            assert!(l.contains("thứ 1 trong danh sách chờ"), "{d}");
            let (_, full) = get("/su-kien/gan/").await;
            assert!(full.contains("Đã hết chỗ"), "{d}");

            // The family cancels: the waiting sign-up gets its places.
            let res = post(&format!("{family}huy/"), &[]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let fam = page_of(family.clone()).await;
            assert_eq!(text_of(&fam, "h1"), "Sign-up cancelled", "{d}");
            assert!(
                !fam.contains("<form method=\"post\""),
                "{d}: nothing left to cancel"
            );
            assert_eq!(
                text_of(&page_of(late.clone()).await, "h1"),
                "Bạn đã có chỗ",
                "{d}"
            );
            assert_eq!(
                get("/dang-ky/khong-phai-ma-that/").await.0,
                StatusCode::NOT_FOUND,
                "{d}"
            );

            // Anyone scanning the code sees its event and status, never the name.
            let compact = code.replace(' ', "");
            let res = send(&app, "GET", &format!("/D/{compact}"), "", None, &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            let public = String::from_utf8(body(res).await).unwrap();
            assert!(public.contains("Đã có chỗ") && !public.contains("Cô Lan"), "{d}");

            // Staff scanning it are taken to the door list, and mark the class: one visit record.
            let staff = sign_in(&app, &store, "cua", Role::Staff).await;
            let res = send(&app, "GET", &format!("/D/{compact}"), &staff.cookie, None, &[]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let door_url = res.headers()[header::LOCATION].to_str().unwrap().to_string();
            assert!(
                door_url.starts_with(&format!("/staff/events/gan/?code={compact}#s")),
                "{d}: {door_url}"
            );
            let (st, door) = staff.get(door_url.split('#').next().unwrap()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(door.contains("Cô Lan") && door.contains("class=\"asked\""), "{d}");
            let id = crate::staff::input_value(&door, "id");
            for n in ["28", "29"] {
                let res = staff
                    .post("/staff/events/gan/came/", &[("id", &id), ("came", n)])
                    .await;
                assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            }
            let v = visits(&store).await;
            assert_eq!(v.len(), 1, "{d}: marked twice, counted once");
            assert_eq!(
                (v[0].visit.group_size, v[0].visit.purpose, v[0].visit.date.clone()),
                (29, Purpose::SchoolProgramme, today.to_string()),
                "{d}"
            );
            assert_eq!(v[0].visit.name, None, "{d}: names stay with the sign-up");
            let res = staff
                .post("/staff/events/gan/came/", &[("id", &id), ("came", "-1")])
                .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            let res = staff
                .post(
                    "/staff/events/gan/walk-in/",
                    &[("kind", "individual"), ("people", "3")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let res = staff
                .post(
                    "/staff/events/gan/walk-in/",
                    &[("kind", "school_group"), ("people", "3")],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{d}: a class needs its school"
            );
            assert_eq!(visits(&store).await.len(), 2, "{d}");
            let (_, list) = staff.get("/staff/events/").await;
            assert!(list.contains("/staff/events/gan/"), "{d}");
            // The list as CSV: without names for staff, with them for a manager.
            let (st, csv) = staff.get("/staff/events/gan/list.csv").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(
                csv.contains(&compact) && !csv.contains("Cô Lan") && csv.lines().count() == 5,
                "{d}: {csv}"
            );
            let manager = sign_in(&app, &store, "quanly", Role::Manager).await;
            let (_, csv) = manager.get("/staff/events/gan/list.csv").await;
            assert!(csv.contains("Cô Lan") && csv.contains("lan@example.vn"), "{d}");
            // The yearly report has the event's line.
            let on = day_text(today.add_days(3));
            let (_, report) = staff.get(&format!("/staff/report/?from={on}&to={on}")).await;
            let doc = scraper::Html::parse_document(&report);
            let row: Vec<String> = doc
                .select(&sel("#event-figures tbody tr td"))
                .map(|e| e.text().collect::<String>())
                .collect();
            assert_eq!(row.len(), 8, "{d}: {row:?}");
            assert_eq!(
                (row[6].as_str(), row[7].as_str()),
                ("0", "0"),
                "{d}: no online learner"
            );
            assert_eq!(
                (row[0].as_str(), row[2].as_str(), row[4].as_str()),
                ("1", "32", "32"),
                "{d}: 30 + 2 signed up; 29 + 3 came"
            );
            // A capacity the curator raises is seen after the next rebuild or publication.
            let toml = root.join("events/gan.toml");
            let text = std::fs::read_to_string(&toml).unwrap();
            std::fs::write(&toml, text.replace("capacity = 40", "capacity = 45")).unwrap();
            state.refresh_events(&root);
            let (_, raised) = get("/su-kien/gan/").await;
            assert!(raised.contains("Còn 13 trên 45 chỗ"), "{d}");
            std::fs::write(&toml, text).unwrap();
            drop_schema(&store, &schema).await;
        }
    });
}

/// In a real Chromium on a 360 px phone: a family and a teacher's class sign up, staff record
/// the family at the door; axe-core finds nothing on the pages passed, at both sizes.
#[test]
fn on_a_phone_a_family_and_a_class_sign_up_and_the_door_records_them_in_chromium() {
    if !crate::gate::checkers() {
        return;
    }
    let (_tmp, root) = copy_fixture("tiny");
    write_events(&root);
    let out_parent = tempfile::tempdir().unwrap();
    build_into(&root, out_parent.path()).expect("builds");
    let out = out_parent.path().join("public");
    let db = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (addr, store) = serve_on_loopback(&rt, &root, &out, db.path(), ("cua", Role::Staff, "door-password"));
    let r = browser_run("signup.mjs", addr, "cua", "door-password");
    assert_eq!(r["family"]["h1"], "Bạn đã có chỗ", "{r}");
    assert_eq!(r["family"]["qr"], 1, "{r}");
    assert_eq!(r["klass"]["h1"], "Bạn đã có chỗ", "{r}");
    assert_eq!(r["klass"]["cancelled"], "Đăng ký đã huỷ", "{r}");
    assert!(r["refused"].as_str().unwrap().contains("tên trường"), "{r}");
    assert!(r["marked"].as_str().unwrap().starts_with("Đã ghi nhận mã"), "{r}");
    assert_eq!(r["wide"], serde_json::json!([]), "nothing wider than the phone");
    assert_eq!(r["violations"], serde_json::json!([]), "axe");
    let all = rt.block_on(store.signups_of("gan")).unwrap();
    let people: Vec<(Kind, i64, Option<i64>)> = all.iter().map(|s| (s.kind, s.people, s.came)).collect();
    assert_eq!(
        people,
        [(Kind::Individual, 3, Some(3)), (Kind::SchoolGroup, 35, None)]
    );
    assert_eq!(all[1].status, Status::Cancelled);
    assert_eq!(rt.block_on(visits(&store)).len(), 1);
}
