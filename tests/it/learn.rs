// Class tours through the real router, against SQLite and PostgreSQL: a teacher assigns a
// programme, two students join with the class code and answer (one right, one wrong), and the
// teacher's results and CSV show exactly that; another teacher cannot see the class; bad codes,
// forged student tokens and answers to a closed tour are refused; the students' data is erased
// after closing while the count stays in the museum's figures. The Chromium test cuts the network
// in the middle of a tour.

use axum::http::{StatusCode, header};
use scraper::{Html, Selector};
use vitrine::accounts::{Role, token_hash};
use vitrine::content::{Day, Programme, QuestionKind};
use vitrine::learn::NewAssignment;
use vitrine::serve::{AppState, hits::Hits, router};
use vitrine::store::Store;

use crate::serve::{body, drop_schema, form, runtime, stores};
use crate::staff::{Browser, cookie_value, input_value, send, set_cookies, sign_in, text_of};
use crate::support::{demo, repo};

const SECRET: &str = "a test secret that is at least thirty-two characters long";
const PROGRAMME: &str = "hoa-lu-thoi-dinh-le";

/// The demo's programme as the content folder says it (to know the right and wrong choices).
fn programme() -> Programme {
    let (found, _) = vitrine::build::check(&repo());
    let (site, _) = found.expect("the demo loads");
    site.programmes
        .into_iter()
        .find(|p| p.slug == PROGRAMME)
        .expect("the demo has its Hoa Lư programme")
}

/// The first single-choice stop: its number, a right choice and a wrong one.
fn single_choice(p: &Programme) -> (usize, usize, usize) {
    let (i, q) = p
        .stops
        .iter()
        .enumerate()
        .find_map(|(i, s)| {
            s.question
                .as_ref()
                .filter(|q| q.kind == QuestionKind::Single)
                .map(|q| (i, q))
        })
        .unwrap();
    let right = q.choices.iter().position(|c| c.correct).unwrap();
    let wrong = q.choices.iter().position(|c| !c.correct).unwrap();
    (i + 1, right, wrong)
}

async fn app(store: Store) -> axum::Router {
    let (hits, _) = Hits::start(store.clone());
    let state = AppState::new(&repo(), &demo().out, store, hits)
        .unwrap()
        .with_secret(SECRET);
    router(state)
}

async fn teacher(app: &axum::Router, store: &Store, name: &str, role: Role) -> Browser {
    let mut t = sign_in(app, store, name, role).await;
    let (status, html) = t.get("/teach/").await;
    assert_eq!(status, StatusCode::OK, "{name} sees the assignments page");
    t.csrf = input_value(&html, "csrf");
    t
}

/// A student's phone: the tour cookie it got when joining.
struct Phone {
    app: axum::Router,
    cookie: String,
}

impl Phone {
    async fn answer(&self, pairs: &[(&str, &str)], json: bool) -> (StatusCode, String) {
        let mut all = vec![("programme", PROGRAMME), ("lang", "vi")];
        all.extend_from_slice(pairs);
        let accept: &[(&str, &str)] = if json {
            &[("accept", "application/json")]
        } else {
            &[]
        };
        let res = send(
            &self.app,
            "POST",
            "/tour/answer/",
            &self.cookie,
            Some(form(&all)),
            accept,
        )
        .await;
        let status = res.status();
        (status, String::from_utf8_lossy(&body(res).await).into_owned())
    }
}

async fn join(app: &axum::Router, code: &str, name: &str) -> (StatusCode, Option<Phone>, String) {
    let res = send(
        app,
        "POST",
        "/tour/",
        "",
        Some(form(&[("code", code), ("name", name)])),
        &[],
    )
    .await;
    let status = res.status();
    let cookie = cookie_value(&set_cookies(&res), "vitrine_tour");
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let html = String::from_utf8_lossy(&body(res).await).into_owned();
    let phone = cookie.map(|cookie| Phone {
        app: app.clone(),
        cookie,
    });
    (status, phone, if location.is_empty() { html } else { location })
}

/// The cells of the rows `css` selects, their spaces made single.
pub(crate) fn rows(html: &str, css: &str) -> Vec<Vec<String>> {
    let doc = Html::parse_document(html);
    let row = Selector::parse(css).unwrap();
    let cell = Selector::parse("th, td").unwrap();
    doc.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| {
                    c.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_teacher_assigns_two_students_answer_and_the_results_show_exactly_that() {
    let tmp = tempfile::tempdir().unwrap();
    let p = programme();
    let (stop, right, wrong) = single_choice(&p);
    let questions = p.stops.iter().filter(|s| s.question.is_some()).count();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            let app = app(store.clone()).await;
            let lan = teacher(&app, &store, "co.lan", Role::Teacher).await;
            let minh = teacher(&app, &store, "thay.minh", Role::Teacher).await;
            let staff = teacher(&app, &store, "le.tan", Role::Staff).await;
            let today = Day::today();

            // A bad form is refused field by field and stores nothing.
            let res = lan
                .post(
                    "/teach/new/",
                    &[
                        ("programme", PROGRAMME),
                        ("class_name", "7A"),
                        ("school", "THCS Trần Phú"),
                        ("opens", &today.add_days(5).to_string()),
                        ("closes", &today.to_string()),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            let html = String::from_utf8_lossy(&body(res).await).into_owned();
            assert!(
                text_of(&html, "#closes-error").contains("sau ngày mở"),
                "{d}: {html}"
            );
            assert!(store.assignments(None).await.unwrap().is_empty(), "{d}");

            let res = lan
                .post(
                    "/teach/new/",
                    &[
                        ("programme", PROGRAMME),
                        ("class_name", "7A"),
                        ("school", "THCS Trần Phú"),
                        ("opens", &today.to_string()),
                        ("closes", &today.add_days(14).to_string()),
                        ("show_answers", "1"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let at = res.headers()[header::LOCATION].to_str().unwrap().to_string();
            let id: i64 = at
                .trim_start_matches("/teach/a/")
                .split('/')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let path = format!("/teach/a/{id}/");
            let (status, html) = lan.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{d}");
            let shown = text_of(&html, "#class-code");
            let code: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(code.len(), 6, "{d}: {shown}");
            assert!(
                text_of(&html, "#class-link").ends_with(&format!("/T/{code}")),
                "{d}"
            );
            let qr = send(&app, "GET", &format!("{path}qr.svg"), &lan.cookie, None, &[]).await;
            assert_eq!(qr.status(), StatusCode::OK, "{d}");
            assert!(
                String::from_utf8_lossy(&body(qr).await).starts_with("<svg"),
                "{d}"
            );
            // The teacher's link opens the join form with the code filled in.
            let (status, page) = {
                let r = send(&app, "GET", &format!("/T/{code}"), "", None, &[]).await;
                (r.status(), String::from_utf8_lossy(&body(r).await).into_owned())
            };
            assert_eq!(status, StatusCode::OK, "{d}");
            assert_eq!(input_value(&page, "code").replace(' ', ""), code, "{d}");

            // Bad codes: not a code at all, and a well-formed code nobody was given.
            for bad in ["0OIL15", "", "AAAAAAAA"] {
                let (status, phone, _) = join(&app, bad, "An").await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{d}: {bad:?}");
                assert!(phone.is_none(), "{d}");
            }
            let other: String = code.chars().rev().collect();
            if other != code {
                let (status, _, html) = join(&app, &other, "An").await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{d}");
                assert!(text_of(&html, "#join-error").contains("Không có lớp nào"), "{d}");
            }

            // Two students join (the code typed in lower case with a space), a third name clashes.
            let spaced = format!("{} {}", &code[..3], &code[3..]).to_lowercase();
            let (status, an, to) = join(&app, &spaced, "An").await;
            assert_eq!(
                (status, to.as_str()),
                (StatusCode::SEE_OTHER, "/p/hoa-lu-thoi-dinh-le/tour/"),
                "{d}"
            );
            let an = an.unwrap();
            let (_, binh, _) = join(&app, &code, "Bình").await;
            let binh = binh.unwrap();
            let (status, clash, _) = join(&app, &code, "  An ").await;
            assert_eq!(status, StatusCode::CONFLICT, "{d}: a second An");
            assert!(clash.is_none(), "{d}");

            // One right, one wrong; An by the script (JSON), Bình by the plain form.
            let (status, body_an) = an
                .answer(
                    &[("stop", &stop.to_string()), ("choice", &right.to_string())],
                    true,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{d}: {body_an}");
            let (status, _) = binh
                .answer(
                    &[("stop", &stop.to_string()), ("choice", &wrong.to_string())],
                    false,
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{d}");
            // Bad answers are refused and change nothing.
            for (pairs, want) in [
                (vec![("stop", stop.to_string())], StatusCode::UNPROCESSABLE_ENTITY),
                (
                    vec![("stop", stop.to_string()), ("choice", "99".into())],
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                (
                    vec![("stop", "99".into()), ("choice", "0".into())],
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
            ] {
                let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let (status, msg) = binh.answer(&pairs, true).await;
                assert_eq!(status, want, "{d}: {pairs:?}");
                assert!(msg.contains("\"error\""), "{d}: {msg}");
            }
            let wrong_tour = send(
                &app,
                "POST",
                "/tour/answer/",
                &binh.cookie,
                Some(form(&[
                    ("programme", "trang-an-tieu-hoc"),
                    ("stop", "1"),
                    ("choice", "0"),
                ])),
                &[],
            )
            .await;
            assert_eq!(wrong_tour.status(), StatusCode::CONFLICT, "{d}");
            let foreign = send(
                &app,
                "POST",
                "/tour/answer/",
                &binh.cookie,
                Some(form(&[("programme", PROGRAMME), ("stop", "1"), ("choice", "0")])),
                &[("origin", "https://evil.example")],
            )
            .await;
            assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "{d}");
            // A forged token is nobody.
            let forged = Phone {
                app: app.clone(),
                cookie: format!("vitrine_tour={}", vitrine::accounts::new_token()),
            };
            let (status, _) = forged
                .answer(&[("stop", &stop.to_string()), ("choice", "0")], true)
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{d}");
            let res = send(&app, "GET", "/tour/state.json", &forged.cookie, None, &[]).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{d}");

            // What the phone gets back to resume: its own answer only.
            let res = send(&app, "GET", "/tour/state.json", &an.cookie, None, &[]).await;
            let state: serde_json::Value = serde_json::from_slice(&body(res).await).unwrap();
            assert_eq!(state["name"], "An", "{d}");
            assert_eq!(
                state["answers"],
                serde_json::json!({ stop.to_string(): right.to_string() }),
                "{d}"
            );

            // The teacher's results: exactly one right and one wrong on that stop.
            let (_, html) = lan.get(&path).await;
            let table = rows(&html, "#students tbody tr");
            assert_eq!(table.len(), 2, "{d}: {table:?}");
            let row_of = |name: &str| table.iter().find(|r| r[0].starts_with(name)).unwrap().clone();
            let q = |r: &[String]| {
                r[3 + (p.stops[..stop].iter().filter(|s| s.question.is_some()).count() - 1)].clone()
            };
            let text = |i: usize| {
                p.stops[stop - 1].question.as_ref().unwrap().choices[i]
                    .text
                    .vi
                    .clone()
                    .unwrap()
            };
            let (ra, rb) = (row_of("An"), row_of("Bình"));
            assert_eq!(ra[1], format!("1/{questions}"), "{d}");
            assert!(ra[2].starts_with("1/"), "{d}: {ra:?}");
            assert!(rb[2].starts_with("0/"), "{d}: {rb:?}");
            assert!(
                q(&ra).starts_with(&text(right)) && q(&ra).contains('✓'),
                "{d}: {ra:?}"
            );
            assert!(
                q(&rb).starts_with(&text(wrong)) && q(&rb).contains('✗'),
                "{d}: {rb:?}"
            );
            let summary = text_of(&html, &format!("#q{stop} p.small"));
            assert!(
                summary.contains("2 em đã trả lời") && summary.contains("1 em đúng (50 %)"),
                "{d}: {summary}"
            );

            // The CSV says the same.
            let res = send(&app, "GET", &format!("{path}results.csv"), &lan.cookie, None, &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{d}");
            let bytes = body(res).await;
            let mut r = csv::Reader::from_reader(&bytes[3..]);
            let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
            let col = head
                .iter()
                .position(|h| h.starts_with(&format!("Câu {stop} (")))
                .unwrap();
            let lines: Vec<Vec<String>> = r
                .records()
                .map(|l| l.unwrap().iter().map(str::to_string).collect())
                .collect();
            assert_eq!(lines.len(), 2, "{d}");
            let line = |n: &str| lines.iter().find(|l| l[0] == n).unwrap();
            assert_eq!(
                (line("An")[col].as_str(), line("An")[col + 1].as_str()),
                (text(right).as_str(), "có"),
                "{d}"
            );
            assert_eq!(
                (line("Bình")[col].as_str(), line("Bình")[col + 1].as_str()),
                (text(wrong).as_str(), "không"),
                "{d}"
            );
            assert_eq!(
                (line("An")[2].as_str(), line("Bình")[2].as_str()),
                ("1", "0"),
                "{d}"
            );

            // One student's data erased on request: gone from the class, still counted.
            let (_, cuong, _) = join(&app, &code, "Cường").await;
            cuong
                .unwrap()
                .answer(
                    &[("stop", &stop.to_string()), ("choice", &right.to_string())],
                    true,
                )
                .await;
            let (students, _) = store.results(id).await.unwrap();
            let sid = students.iter().find(|s| s.display_name == "Cường").unwrap().id;
            let erase_one = format!("{path}students/{sid}/erase/");
            let res = minh.post(&erase_one, &[]).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{d}: not Minh's class");
            let res = lan.post(&erase_one, &[]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let (students, answers) = store.results(id).await.unwrap();
            assert_eq!(students.len(), 2, "{d}");
            assert!(
                answers.iter().all(|a| a.student_id != sid),
                "{d}: and their answers"
            );
            assert_eq!(
                store.assignment(id).await.unwrap().unwrap().reached,
                3,
                "{d}: still counted"
            );
            let res = lan.post(&erase_one, &[]).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{d}: already erased");

            // Another teacher cannot see the class; staff can.
            for sub in ["", "results.csv", "qr.svg"] {
                let (status, _) = minh.get(&format!("{path}{sub}")).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{d}: {sub}");
            }
            let res = minh.post(&format!("{path}erase/"), &[]).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{d}");
            let (_, list) = minh.get("/teach/").await;
            assert!(rows(&list, "#assignments tbody tr").is_empty(), "{d}");
            let (status, _) = staff.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{d}");
            let (_, list) = staff.get("/teach/").await;
            assert_eq!(rows(&list, "#assignments tbody tr").len(), 1, "{d}");

            // The teacher closes the tour early: answers are refused; reopened, they are taken.
            let res = minh.post(&format!("{path}closes/"), &[("now", "1")]).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{d}: not Minh's class");
            let res = lan.post(&format!("{path}closes/"), &[("now", "1")]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let again = [("stop", stop.to_string()), ("choice", wrong.to_string())];
            let again: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, _) = binh.answer(&again, true).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{d}: closed early");
            let res = lan
                .post(
                    &format!("{path}closes/"),
                    &[("closes", &today.add_days(-3).to_string())],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{d}: a past closing day"
            );
            let res = lan
                .post(
                    &format!("{path}closes/"),
                    &[("closes", &today.add_days(3).to_string())],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let (status, _) = binh.answer(&again, true).await;
            assert_eq!(status, StatusCode::OK, "{d}: reopened");
            let moved = store.assignment(id).await.unwrap().unwrap();
            assert_eq!(
                (moved.opens, moved.closes),
                (today.to_string(), today.add_days(3).to_string()),
                "{d}: the opening day stays, so the report counts the tour where it began"
            );

            // Handing in locks the answers.
            let res = send(
                &app,
                "POST",
                "/tour/submit/",
                &an.cookie,
                Some(form(&[("lang", "vi")])),
                &[],
            )
            .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let (status, msg) = an
                .answer(
                    &[("stop", &stop.to_string()), ("choice", &wrong.to_string())],
                    true,
                )
                .await;
            assert_eq!(status, StatusCode::CONFLICT, "{d}: {msg}");
            let (_, done) = {
                let r = send(&app, "GET", "/tour/done/", &an.cookie, None, &[]).await;
                (r.status(), String::from_utf8_lossy(&body(r).await).into_owned())
            };
            assert!(
                done.contains(&format!("1/{}", vitrine::learn::scored_questions(&p))),
                "{d}: the score is shown"
            );

            // A closed tour refuses answers with its closing date.
            let closed = store
                .add_assignment(
                    &NewAssignment {
                        programme: PROGRAMME.into(),
                        teacher_id: store.assignments(None).await.unwrap()[0].assignment.teacher_id,
                        class_name: "7B".into(),
                        school: "thcs tran phu".into(),
                        opens: today.add_days(-20),
                        closes: today.add_days(-1),
                        show_answers: false,
                        questions: questions as i64,
                    },
                    1,
                )
                .await
                .unwrap();
            let (status, _, html) = join(&app, &closed.code, "Chi").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{d}: joining a closed tour");
            assert!(text_of(&html, "#join-error").contains(&closed.closes), "{d}");
            let token = vitrine::accounts::new_token();
            let key = *blake3::hash(SECRET.as_bytes()).as_bytes();
            store
                .join(closed.id, "Chi", &token_hash(&key, &token), "vi", 2)
                .await
                .unwrap();
            let chi = Phone {
                app: app.clone(),
                cookie: format!("vitrine_tour={token}"),
            };
            let (status, msg) = chi
                .answer(&[("stop", &stop.to_string()), ("choice", "0")], true)
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{d}");
            let msg: serde_json::Value = serde_json::from_str(&msg).unwrap();
            let msg = msg["error"].as_str().unwrap();
            assert!(
                msg.contains("đã đóng") && msg.contains(&closed.closes),
                "{d}: {msg}"
            );
            let (status, html) = chi
                .answer(&[("stop", &stop.to_string()), ("choice", "0")], false)
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{d}");
            assert!(html.contains(&closed.closes), "{d}");

            // Erasure after closing: the closed class's students go, the open class stays, and the
            // museum's figures still count every student.
            let erased = store
                .erase_assignments(&vitrine::learn::tour_cutoff(today, 0).to_string(), None, 3)
                .await
                .unwrap();
            assert_eq!(erased, 1, "{d}");
            let (students, answers) = store.results(closed.id).await.unwrap();
            assert!(students.is_empty() && answers.is_empty(), "{d}");
            assert_eq!(
                store.assignment(closed.id).await.unwrap().unwrap().reached,
                1,
                "{d}"
            );
            assert_eq!(
                store.results(id).await.unwrap().0.len(),
                2,
                "{d}: the open class is kept"
            );
            let (_, chi_status) = {
                let r = send(&app, "GET", "/tour/state.json", &chi.cookie, None, &[]).await;
                ((), r.status())
            };
            assert_eq!(
                chi_status,
                StatusCode::UNAUTHORIZED,
                "{d}: the erased student's token is gone"
            );
            let totals = store.programme_totals("1900-01-01", "2200-01-01").await.unwrap();
            let sum: (i64, i64) = totals
                .iter()
                .fold((0, 0), |(a, s), t| (a + t.assignments, s + t.reached));
            assert_eq!(
                sum,
                (2, 4),
                "{d}: two assignments, four students (one erased on request)"
            );
            // On the dashboard, for the report year each assignment opened in.
            let schedule = vitrine::report::Schedule::default();
            let mut per_year = std::collections::BTreeMap::<i32, (i64, i64)>::new();
            for (opens, reached) in [(today, 3), (today.add_days(-20), 1)] {
                let e = per_year.entry(schedule.report_year(opens)).or_default();
                *e = (e.0 + 1, e.1 + reached);
            }
            for (year, (assignments, students)) in per_year {
                let (_, html) = staff.get(&format!("/staff/?year={year}")).await;
                let fig = rows(&html, "#programme-figures tbody tr");
                assert_eq!(fig[0][1], assignments.to_string(), "{d}: {year} {fig:?}");
                assert_eq!(fig[1][1], students.to_string(), "{d}: {year} {fig:?}");
                assert_eq!(fig[2][1], "1", "{d}: one school, however spelt");
            }
            drop_schema(&store, &schema).await;
        }
    });
}

/// A student on a phone in Chromium: joins with the class code, answers two stops, loses the
/// network while answering the third, gets it back, and the teacher's results show all three.
#[test]
fn a_tour_answered_offline_reaches_the_teacher_when_the_network_returns_in_chromium() {
    if !crate::gate::checkers() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("vitrine.db").display());
    let rt = runtime();
    let p = programme();
    let (addr, store, code, id) = rt.block_on(async {
        let store = Store::open(&db).await.unwrap();
        let teacher = store
            .add_user(
                "co.lan",
                "Cô Lan",
                Role::Teacher,
                &vitrine::accounts::hash_password("teacher-password"),
                0,
            )
            .await
            .unwrap();
        let today = Day::today();
        let a = store
            .add_assignment(
                &NewAssignment {
                    programme: PROGRAMME.into(),
                    teacher_id: teacher,
                    class_name: "7A".into(),
                    school: "THCS Trần Phú".into(),
                    opens: today,
                    closes: today.add_days(7),
                    show_answers: true,
                    questions: 5,
                },
                0,
            )
            .await
            .unwrap();
        let app = app(store.clone()).await;
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
        (addr, store, a.code, a.id)
    });
    // What the student will do at each of the first three stops with a question.
    let plan: Vec<serde_json::Value> = p
        .stops
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.question.as_ref().map(|q| (i + 1, q)))
        .take(3)
        .map(|(n, q)| match q.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                serde_json::json!({ "stop": n, "choices": [q.choices.iter().position(|c| c.correct).unwrap()] })
            }
            QuestionKind::Text => serde_json::json!({ "stop": n, "text": "Gạch xây thành của quân đội" }),
            QuestionKind::Find => serde_json::json!({ "stop": n, "found": p.stops[n - 1].item }),
        })
        .collect();
    let out = std::process::Command::new("node")
        .arg(crate::gate::browser_dir().join("tour.mjs"))
        .arg(format!("http://{addr}"))
        .arg(&code)
        .arg(serde_json::to_string(&plan).unwrap())
        .args(["co.lan", "teacher-password", &id.to_string()])
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    // Right after joining, the first stop is on the phone's first screen: the header is one
    // line and the crumbs do not say the programme's title twice.
    let fs = &r["first_screen"];
    let px = |v: &serde_json::Value| v.as_f64().unwrap();
    assert!(
        px(&fs["stop"]["bottom"]) <= px(&fs["height"]),
        "the first stop's heading is below the first screen: {fs}"
    );
    assert!(
        px(&fs["header"]["bottom"]) <= 64.0,
        "the header is one line: {fs}"
    );
    let crumbs: Vec<&str> = fs["crumbs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        crumbs.windows(2).all(|w| w[0] != w[1]),
        "no crumb repeats the one before it: {crumbs:?}"
    );
    assert_eq!(
        r["offline_pending"], "1",
        "the third answer waited on the phone: {r}"
    );
    assert!(
        r["offline_status"].as_str().unwrap().contains("Chưa có mạng"),
        "{r}"
    );
    assert!(
        r["reloaded_who"]
            .as_str()
            .is_some_and(|w| w.starts_with("Minh Anh")),
        "the page reopened offline from the phone's copy: {r}"
    );
    assert_eq!(
        r["reloaded_by_worker"], true,
        "through the tour's service worker: {r}"
    );
    assert_eq!(
        r["synced_pending"], "0",
        "and was sent when the network returned: {r}"
    );
    assert_eq!(
        r["progress"],
        format!("3/{}", p.stops.iter().filter(|s| s.question.is_some()).count()),
        "{r}"
    );
    assert_eq!(
        r["violations"],
        serde_json::json!([]),
        "axe on the tour and results pages: {r}"
    );
    let (students, answers) = rt.block_on(store.results(id)).unwrap();
    assert_eq!(students.len(), 1);
    assert_eq!(students[0].display_name, "Minh Anh");
    let stops: Vec<i64> = answers.iter().map(|a| a.stop).collect();
    let want: Vec<i64> = plan.iter().map(|s| s["stop"].as_i64().unwrap()).collect();
    assert_eq!(stops, want, "all three answers are stored");
}
