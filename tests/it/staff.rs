// The staff area through the real router, against SQLite and PostgreSQL: signing in, roles and
// CSRF tokens checked on every route, the login rate limit, records added, corrected and deleted
// with bad input refused and nothing stored, the yearly growth computed on known counts, and one
// person's data exported and erased while the counts stay.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::{Html, Selector};
use tower::ServiceExt;
use vitrine::accounts::{Role, hash_password};
use vitrine::store::Store;
use vitrine::visits::{Purpose, Source, Visit, VisitorType};

use crate::serve::{app, body, drop_schema, form, runtime, stores};

pub(crate) const ORIGIN: &str = "http://museum.test";

type Fields<'a> = Vec<(&'a str, &'a str)>;

/// A browser of one account: its session cookie and the CSRF token of its pages.
pub(crate) struct Browser {
    pub(crate) app: axum::Router,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn send(
    app: &axum::Router,
    method: &str,
    path: &str,
    cookie: &str,
    body: Option<String>,
    extra: &[(&str, &str)],
) -> axum::response::Response {
    let mut r = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "museum.test");
    if !cookie.is_empty() {
        r = r.header(header::COOKIE, cookie);
    }
    if body.is_some() {
        r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("origin")) {
            r = r.header(header::ORIGIN, ORIGIN);
        }
    }
    for (k, v) in extra {
        r = r.header(*k, *v);
    }
    app.clone()
        .oneshot(r.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap())
        .await
        .unwrap()
}

pub(crate) fn set_cookies(res: &axum::response::Response) -> Vec<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

pub(crate) fn cookie_value(set: &[String], name: &str) -> Option<String> {
    set.iter()
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| format!("{name}={v}"))
}

pub(crate) fn input_value(html: &str, name: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn text_of(html: &str, css: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_string())
        .unwrap_or_default()
}

/// Log in through the form; returns the login response.
pub(crate) async fn login(
    app: &axum::Router,
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> axum::response::Response {
    let page = send(app, "GET", "/staff/login/", "", None, &[]).await;
    assert_eq!(page.status(), StatusCode::OK);
    let pre = cookie_value(&set_cookies(&page), "vitrine_login").expect("the login form sets its token");
    let html = String::from_utf8(body(page).await).unwrap();
    let token = input_value(&html, "csrf");
    let f = form(&[
        ("csrf", &token),
        ("username", username),
        ("password", password),
        ("next", "/staff/"),
    ]);
    send(app, "POST", "/staff/login/", &pre, Some(f), extra).await
}

pub(crate) async fn sign_in(app: &axum::Router, store: &Store, username: &str, role: Role) -> Browser {
    let pw = format!("{username}-password");
    store
        .add_user(username, "", role, &hash_password(&pw), 0)
        .await
        .unwrap();
    let res = login(app, username, &pw, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{username} signs in");
    let cookie = cookie_value(&set_cookies(&res), "vitrine_session").expect("a session cookie");
    let home = match role {
        Role::Teacher => "/staff/login/",
        Role::Curator => "/staff/content/",
        _ => "/staff/visits/",
    };
    let page = send(app, "GET", home, &cookie, None, &[]).await;
    let html = String::from_utf8(body(page).await).unwrap();
    Browser {
        app: app.clone(),
        cookie,
        csrf: input_value(&html, "csrf"),
    }
}

impl Browser {
    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = send(&self.app, "GET", path, &self.cookie, None, &[]).await;
        let status = res.status();
        (status, String::from_utf8_lossy(&body(res).await).into_owned())
    }

    pub(crate) async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> axum::response::Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        send(&self.app, "POST", path, &self.cookie, Some(form(&all)), &[]).await
    }
}

async fn count(store: &Store) -> usize {
    store
        .visits_between("1900-01-01", "2200-01-01")
        .await
        .unwrap()
        .len()
}

#[test]
fn sign_in_roles_and_csrf_tokens_guard_every_staff_route() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            let (app, _, _) = app(store.clone()).await;
            // No session: pages go to the login form and come back; forms get a 401.
            let res = send(&app, "GET", "/staff/visits/?from=2026-01-01", "", None, &[]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            assert_eq!(
                res.headers()[header::LOCATION],
                "/staff/login/?next=/staff/visits/%3Ffrom%3D2026-01-01"
            );
            let res = send(
                &app,
                "POST",
                "/staff/visits/",
                "",
                Some(form(&[("purpose", "study")])),
                &[],
            )
            .await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{d}");

            let staff = sign_in(&app, &store, "desk", Role::Staff).await;
            assert_eq!(staff.csrf.len(), 64, "staff pages carry the session's token");
            let manager = sign_in(&app, &store, "boss", Role::Manager).await;
            let teacher = sign_in(&app, &store, "teach", Role::Teacher).await;

            // Cookie flags: HttpOnly and SameSite=Strict always, Secure behind TLS.
            store
                .add_user("tls", "", Role::Staff, &hash_password("tls-password"), 0)
                .await
                .unwrap();
            let res = login(&app, "tls", "tls-password", &[("x-forwarded-proto", "https")]).await;
            let c = set_cookies(&res)
                .into_iter()
                .find(|c| c.starts_with("vitrine_session="))
                .unwrap();
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"),
                "{c}"
            );
            let plain = login(&app, "tls", "tls-password", &[]).await;
            let c = set_cookies(&plain)
                .into_iter()
                .find(|c| c.starts_with("vitrine_session="))
                .unwrap();
            assert!(c.contains("HttpOnly") && !c.contains("Secure"), "{c}");

            // Roles: staff see figures and records, not personal data; teachers see none.
            assert_eq!(staff.get("/staff/").await.0, StatusCode::OK);
            assert_eq!(staff.get("/en/staff/report/").await.0, StatusCode::OK);
            assert_eq!(staff.get("/staff/export/summary.csv").await.0, StatusCode::OK);
            let (st, page) = staff.get("/staff/people/").await;
            assert_eq!(st, StatusCode::FORBIDDEN);
            assert!(
                page.contains("không có quyền"),
                "the refusal says why, in Vietnamese"
            );
            assert_eq!(
                staff.get("/staff/export/visits.csv").await.0,
                StatusCode::FORBIDDEN
            );
            assert_eq!(manager.get("/staff/people/").await.0, StatusCode::OK);
            assert_eq!(manager.get("/staff/export/visits.csv").await.0, StatusCode::OK);
            assert_eq!(teacher.get("/staff/").await.0, StatusCode::FORBIDDEN);
            let good = [
                ("source", "walk_in"),
                ("visitor_type", "family"),
                ("purpose", "study"),
                ("group_size", "4"),
            ];
            let res = teacher.post("/staff/visits/", &good).await;
            assert_eq!(
                res.status(),
                StatusCode::FORBIDDEN,
                "{d}: a teacher cannot record visits"
            );
            assert_eq!(count(&store).await, 0);

            // CSRF: a forged token, another session's token, another site's origin.
            let forged = Browser {
                app: app.clone(),
                cookie: staff.cookie.clone(),
                csrf: "0".repeat(64),
            };
            assert_eq!(
                forged.post("/staff/visits/", &good).await.status(),
                StatusCode::FORBIDDEN
            );
            let crossed = Browser {
                app: app.clone(),
                cookie: staff.cookie.clone(),
                csrf: manager.csrf.clone(),
            };
            assert_eq!(
                crossed.post("/staff/visits/", &good).await.status(),
                StatusCode::FORBIDDEN
            );
            let mut all = vec![("csrf", staff.csrf.as_str())];
            all.extend_from_slice(&good);
            let res = send(
                &app,
                "POST",
                "/staff/visits/",
                &staff.cookie,
                Some(form(&all)),
                &[("origin", "https://evil.example")],
            )
            .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN);
            assert_eq!(count(&store).await, 0, "{d}: nothing stored by refused forms");
            // The real token works.
            assert_eq!(
                staff.post("/staff/visits/", &good).await.status(),
                StatusCode::SEE_OTHER
            );
            assert_eq!(count(&store).await, 1);

            // Login refusals: the same message for an unknown name and a wrong password.
            let a = login(&app, "desk", "wrong-password", &[]).await;
            assert_eq!(a.status(), StatusCode::UNAUTHORIZED);
            assert!(cookie_value(&set_cookies(&a), "vitrine_session").is_none());
            let a = text_of(&String::from_utf8(body(a).await).unwrap(), "#login-error");
            let b = login(&app, "nobody", "wrong-password", &[]).await;
            let b = text_of(&String::from_utf8(body(b).await).unwrap(), "#login-error");
            assert_eq!(a, b);
            assert!(!a.is_empty());
            // Rate limit: after 5 failures even the right password waits, with Retry-After.
            store
                .add_user("slow", "", Role::Staff, &hash_password("slow-password"), 0)
                .await
                .unwrap();
            for _ in 0..5 {
                assert_eq!(
                    login(&app, "slow", "guess-guess", &[]).await.status(),
                    StatusCode::UNAUTHORIZED
                );
            }
            let res = login(&app, "slow", "slow-password", &[]).await;
            assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{d}");
            assert!(res.headers().contains_key(header::RETRY_AFTER));
            assert!(cookie_value(&set_cookies(&res), "vitrine_session").is_none());
            // A login form posted without its own token is refused.
            let f = form(&[("csrf", "x"), ("username", "desk"), ("password", "desk-password")]);
            assert_eq!(
                send(&app, "POST", "/staff/login/", "", Some(f), &[])
                    .await
                    .status(),
                StatusCode::FORBIDDEN
            );

            // Signing out ends the session on the server, not only in the browser.
            assert_eq!(
                staff.post("/staff/logout/", &[]).await.status(),
                StatusCode::SEE_OTHER
            );
            assert_eq!(staff.get("/staff/").await.0, StatusCode::SEE_OTHER);
            // Disabling an account ends its sessions.
            store.set_disabled("boss", true, 1).await.unwrap();
            assert_eq!(manager.get("/staff/").await.0, StatusCode::SEE_OTHER);
            drop_schema(&store, &schema).await;
        }
    });
}

#[test]
fn staff_add_correct_and_delete_records_and_bad_input_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            let (app, _, _) = app(store.clone()).await;
            let staff = sign_in(&app, &store, "desk", Role::Staff).await;
            let today = vitrine::content::Day::today();
            let ahead = today.add_days(30).to_string();
            let group = [
                ("source", "booking"),
                ("date", ahead.as_str()),
                ("visitor_type", "school_group"),
                ("purpose", "school_programme"),
                ("group_size", "38"),
                ("organisation", "Trường THCS Trương Hán Siêu"),
                ("grade", "8"),
            ];
            let res = staff.post("/staff/visits/", &group).await;
            assert_eq!(
                res.status(),
                StatusCode::SEE_OTHER,
                "{d}: a booked group a month ahead"
            );
            let loc = res.headers()[header::LOCATION].to_str().unwrap().to_string();
            let id: i64 = loc.rsplit('=').next().unwrap().parse().unwrap();
            let stored = store.visit(id).await.unwrap().unwrap();
            assert_eq!(
                (
                    stored.visit.source,
                    stored.visit.group_size,
                    stored.visit.date.as_str()
                ),
                (Source::Booking, 38, ahead.as_str())
            );
            let (_, list) = staff.get(&loc).await;
            assert!(
                list.contains(&format!("/staff/visits/{id}/")),
                "the list links the new record"
            );
            assert!(!text_of(&list, ".notice").is_empty(), "and says it was saved");

            // Correct it: 36 came, not 38.
            let mut fixed = group.to_vec();
            fixed[4] = ("group_size", "36");
            let res = staff.post(&format!("/staff/visits/{id}/"), &fixed).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            assert_eq!(store.visit(id).await.unwrap().unwrap().visit.group_size, 36);
            let (st, edit) = staff.get(&format!("/staff/visits/{id}/")).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(input_value(&edit, "group_size"), "36");

            // Bad input: each refused with a message beside the field, and nothing changes.
            let big = "x".repeat(1 << 20);
            let cases: Vec<(Fields, StatusCode, &str)> = vec![
                (
                    vec![("visitor_type", "family"), ("group_size", "3")],
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "purpose",
                ),
                (
                    vec![
                        ("visitor_type", "family"),
                        ("purpose", "study"),
                        ("group_size", "-3"),
                    ],
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "group_size",
                ),
                (
                    vec![
                        ("visitor_type", "family"),
                        ("purpose", "study"),
                        ("group_size", "1000000000"),
                    ],
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "group_size",
                ),
                (
                    vec![
                        ("visitor_type", "school_group"),
                        ("purpose", "study"),
                        ("group_size", "30"),
                        ("organisation", "THCS"),
                        ("grade", "13"),
                    ],
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "grade",
                ),
                (
                    vec![
                        ("visitor_type", "family"),
                        ("purpose", "study"),
                        ("group_size", "3"),
                        ("date", "2026-02-30"),
                    ],
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "date",
                ),
                (
                    vec![
                        ("visitor_type", "family"),
                        ("purpose", "study"),
                        ("group_size", "3"),
                        ("name", "Lan"),
                    ],
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "consent",
                ),
                (
                    vec![
                        ("visitor_type", "family"),
                        ("purpose", "study"),
                        ("group_size", "3"),
                        ("organisation", big.as_str()),
                    ],
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "",
                ),
            ];
            for (pairs, want, field) in &cases {
                let res = staff.post("/staff/visits/", pairs).await;
                assert_eq!(res.status(), *want, "{d}: {field}");
                let html = String::from_utf8(body(res).await).unwrap();
                if !field.is_empty() {
                    let msg = text_of(&html, &format!("#{field}-error"));
                    assert!(!msg.is_empty(), "{d}: a message beside {field}");
                    // The refused form keeps what was typed.
                    assert_eq!(
                        input_value(&html, "group_size"),
                        pairs
                            .iter()
                            .find(|p| p.0 == "group_size")
                            .map(|p| p.1)
                            .unwrap_or("")
                    );
                }
            }
            let res = staff
                .post(
                    &format!("/staff/visits/{id}/"),
                    &[
                        ("visitor_type", "family"),
                        ("purpose", "study"),
                        ("group_size", "-3"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                store.visit(id).await.unwrap().unwrap().visit.group_size,
                36,
                "a refused correction changes nothing"
            );
            assert_eq!(count(&store).await, 1, "{d}: nothing stored by refused forms");

            // Delete it; deleting again is a 404.
            assert_eq!(
                staff
                    .post(&format!("/staff/visits/{id}/delete/"), &[])
                    .await
                    .status(),
                StatusCode::SEE_OTHER
            );
            assert_eq!(count(&store).await, 0);
            assert_eq!(
                staff
                    .post(&format!("/staff/visits/{id}/delete/"), &[])
                    .await
                    .status(),
                StatusCode::NOT_FOUND
            );
            assert_eq!(staff.get("/staff/visits/999999/").await.0, StatusCode::NOT_FOUND);
            drop_schema(&store, &schema).await;
        }
    });
}

fn visit(date: &str, t: VisitorType, p: Purpose, size: i64, org: &str) -> Visit {
    Visit {
        date: date.into(),
        visitor_type: t,
        purpose: p,
        group_size: size,
        organisation: org.into(),
        grade: String::new(),
        origin: String::new(),
        name: None,
        contact: None,
        consent: None,
        source: Source::Staff,
        lang: "vi".into(),
    }
}

#[test]
fn the_yearly_growth_is_computed_right_on_known_counts() {
    use Purpose::*;
    use VisitorType::*;
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            // Report year 2024 runs 25 Nov 2023 – 24 Nov 2024; 2025 runs 25 Nov 2024 – 24 Nov 2025.
            let rows = [
                ("2023-11-24", SchoolGroup, Study, 999, "THCS Trần Phú"), // before 2024's period
                ("2023-11-25", SchoolGroup, SchoolProgramme, 120, "THCS Trần Phú"),
                ("2024-05-10", Researcher, Study, 80, ""),
                ("2024-06-01", Family, Sightseeing, 50, ""), // not a study visit
                ("2024-11-25", SchoolGroup, Study, 100, "thcs tran phu"),
                ("2025-01-15", SchoolGroup, Sightseeing, 20, "THCS  Trần Phú"),
                ("2025-03-08", UniversityGroup, Study, 70, "Đại học Hoa Lư"),
                ("2025-11-24", Individual, Study, 40, ""),
                ("2025-11-25", SchoolGroup, Study, 777, "THPT"), // in 2026's period
            ];
            for (date, t, p, n, org) in rows {
                store.add_visit(&visit(date, t, p, n, org), 0).await.unwrap();
            }
            let (app, _, _) = app(store.clone()).await;
            let manager = sign_in(&app, &store, "boss", Role::Manager).await;
            // 2024: 200 study visitors; 2025: 210, so +5.0 %, exactly the 5 % target of 2025.
            let (st, html) = manager.get("/staff/?year=2025").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert_eq!(text_of(&html, "#study-this"), "210", "{d}");
            assert_eq!(text_of(&html, "#study-last"), "200", "{d}");
            assert_eq!(text_of(&html, "#growth"), "+5,0 %", "{d}");
            assert_eq!(text_of(&html, "#target"), "+5,0 %");
            assert_eq!(text_of(&html, "#standing"), "Đạt chỉ tiêu.");
            assert!(html.contains("<svg"), "charts are drawn on the server");
            // Schools merge spellings: "thcs tran phu" and "THCS  Trần Phú" are one school.
            let doc = Html::parse_document(&html);
            let row = Selector::parse("#schools-title ~ table tbody tr").unwrap();
            let first: Vec<String> = doc
                .select(&row)
                .next()
                .unwrap()
                .text()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            assert_eq!(first, ["THCS Trần Phú", "2", "120"], "{d}: 2025's schools");
            // The English report says the same in English numbers.
            let (_, en) = manager.get("/en/staff/report/?year=2025").await;
            assert_eq!(text_of(&en, "#growth"), "+5.0%");
            assert_eq!(text_of(&en, "#standing"), "Target met.");
            let (_, y2024) = manager.get("/staff/?year=2024").await;
            assert_eq!(text_of(&y2024, "#study-this"), "200");
            // 2023's period holds the 999 of 24 Nov 2023: 200 against 999 is −80 %, below target.
            assert_eq!(text_of(&y2024, "#growth"), "−80,0 %", "{d}");
            assert!(text_of(&y2024, "#standing").starts_with("Chưa đạt chỉ tiêu."));
            // The summary CSV adds up to the same figure.
            let (st, csv) = manager.get("/staff/export/summary.csv?year=2025").await;
            assert_eq!(st, StatusCode::OK);
            let mut study = 0;
            for line in csv.trim_start_matches('\u{feff}').lines().skip(1) {
                let f: Vec<&str> = line.split(',').collect();
                if f[3] == "yes" {
                    study += f[4].parse::<i64>().unwrap();
                }
            }
            assert_eq!(study, 210, "{d}");
            drop_schema(&store, &schema).await;
        }
    });
}

#[test]
fn a_persons_data_is_found_exported_and_erased_while_the_counts_stay() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            let today = vitrine::content::Day::today().to_string();
            let named = |name: &str, contact: &str| Visit {
                name: Some(name.into()),
                contact: Some(contact.into()),
                consent: Some("Tôi đồng ý".into()),
                ..visit(&today, VisitorType::Researcher, Purpose::Study, 1, "")
            };
            let a = store
                .add_visit(&named("Nguyễn Văn An", "an@example.vn"), 0)
                .await
                .unwrap();
            let b = store
                .add_visit(&named("Nguyễn Văn An", "0912 345 678"), 0)
                .await
                .unwrap();
            let c = store
                .add_visit(&named("Trần Thị Bình", "binh@example.vn"), 0)
                .await
                .unwrap();
            // The same person signed up for an event and took part in a contest.
            let signup = store
                .sign_up(
                    &vitrine::signups::NewSignup {
                        event: "ngay-bao-tang".into(),
                        event_day: today.clone(),
                        kind: vitrine::signups::Kind::Individual,
                        people: 2,
                        organisation: String::new(),
                        grade: String::new(),
                        name: Some("Nguyễn Văn An".into()),
                        contact: Some("an@example.vn".into()),
                        consent: Some("Tôi đồng ý".into()),
                        lang: "vi".into(),
                    },
                    Some(10),
                    "hash-of-an",
                    None,
                    0,
                )
                .await
                .unwrap()
                .signup
                .id;
            let now_ms = vitrine::visits::now() * 1000;
            store
                .start_entry(
                    &vitrine::contests::NewEntry {
                        contest: "thi".into(),
                        round: 1,
                        person_hash: "an".into(),
                        entrant: vitrine::contests::Entrant {
                            name: "Nguyễn Văn An".into(),
                            school: "THCS Trần Phú".into(),
                            grade: Some(7),
                            birth_year: None,
                            contact: None,
                            consent: "Tôi đồng ý".into(),
                        },
                        drawn: vec![],
                        started_ms: now_ms,
                        deadline_ms: now_ms + 600_000,
                        lang: "vi".into(),
                    },
                    "entry-of-an",
                )
                .await
                .unwrap();
            let entry = store.entries_of("thi", 1).await.unwrap()[0].id;
            let (app, _, _) = app(store.clone()).await;
            let manager = sign_in(&app, &store, "boss", Role::Manager).await;
            // Found without tone marks, as a clerk may type it.
            let (_, page) = manager.get("/staff/people/?q=nguyen+van+an").await;
            let doc = Html::parse_document(&page);
            let picks: Vec<String> = doc
                .select(&Selector::parse("input[name=id]").unwrap())
                .map(|e| e.value().attr("value").unwrap().to_string())
                .collect();
            let mut want = vec![a.to_string(), b.to_string()];
            want.sort();
            let mut got = picks.clone();
            got.sort();
            assert_eq!(got, want, "{d}");
            let picked = |name: &str| -> Vec<String> {
                doc.select(&Selector::parse(&format!("input[name={name}]")).unwrap())
                    .map(|e| e.value().attr("value").unwrap().to_string())
                    .collect()
            };
            assert_eq!(
                picked("signup"),
                [signup.to_string()],
                "{d}: the sign-up is found"
            );
            assert_eq!(
                picked("entry"),
                [entry.to_string()],
                "{d}: the contest entry is found"
            );
            let (st, csv) = manager.get("/staff/people/export.csv?q=nguyen+van+an").await;
            assert_eq!(st, StatusCode::OK);
            assert!(csv.contains("an@example.vn") && csv.contains("0912 345 678") && !csv.contains("Bình"));
            let kinds: Vec<&str> = csv.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
            assert_eq!(
                kinds,
                ["visit", "visit", "event_signup", "contest_entry"],
                "{d}: {csv}"
            );
            // Erase them: names and contacts go, the visits, places and scores still count.
            let res = manager
                .post(
                    "/staff/people/erase/",
                    &[
                        ("id", &a.to_string()),
                        ("id", &b.to_string()),
                        ("signup", &signup.to_string()),
                        ("entry", &entry.to_string()),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let s = store.signup(signup).await.unwrap().unwrap();
            assert_eq!((s.name, s.contact, s.people), (None, None, 2), "{d}");
            let e = store.entry(entry).await.unwrap().unwrap();
            assert_eq!((e.name, e.school.as_str()), (None, "THCS Trần Phú"), "{d}");
            let (_, page) = manager.get("/staff/people/?q=nguyen+van+an").await;
            assert!(
                page.contains("Không tìm thấy lượt tham quan"),
                "{d}: nothing is left to find"
            );
            for id in [a, b] {
                let v = store.visit(id).await.unwrap().unwrap();
                assert_eq!(
                    (v.visit.name, v.visit.contact, v.visit.consent),
                    (None, None, None)
                );
                assert!(v.personal_erased_at.is_some());
            }
            assert_eq!(
                store.visit(c).await.unwrap().unwrap().visit.name.as_deref(),
                Some("Trần Thị Bình")
            );
            assert_eq!(count(&store).await, 3, "{d}: the counts stay");
            // Nothing chosen: a clear 422.
            assert_eq!(
                manager.post("/staff/people/erase/", &[]).await.status(),
                StatusCode::UNPROCESSABLE_ENTITY
            );
            drop_schema(&store, &schema).await;
        }
    });
}

/// In a real Chromium on a phone: a visitor checks in, staff sign in and see the visit counted
/// on the dashboard; axe-core finds nothing on the staff pages passed on the way.
#[test]
fn a_phone_check_in_is_counted_on_the_staff_dashboard_in_chromium() {
    if !crate::gate::checkers() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("vitrine.db").display());
    let rt = runtime();
    let (addr, store) = rt.block_on(async {
        let store = Store::open(&db).await.unwrap();
        store
            .add_user(
                "boss",
                "Chị Lan",
                Role::Manager,
                &hash_password("manager-password"),
                0,
            )
            .await
            .unwrap();
        let (app, _, _) = app(store.clone()).await;
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
        .arg(crate::gate::browser_dir().join("checkin.mjs"))
        .arg(format!("http://{addr}"))
        .args(["boss", "manager-password"])
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(r["thanks"], "/checkin/thanks/");
    assert_eq!(
        r["study"], "27",
        "the 27 pupils are counted as study visitors: {r}"
    );
    assert_eq!(r["visits"], 1);
    assert_eq!(r["violations"], serde_json::json!([]), "axe on the staff pages");
    let stored = rt
        .block_on(store.visits_between("1900-01-01", "2200-01-01"))
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].visit.organisation, "Trường THCS Đinh Tiên Hoàng");
    assert_eq!(stored[0].visit.source, Source::SelfCheckin);
}

/// `[server]` and `[report]` in vitrine.toml: read when right, and each mistake named with its
/// line and field.
#[test]
fn server_and_report_settings_are_read_from_vitrine_toml() {
    let (_tmp, root) = crate::support::copy_fixture("tiny");
    let toml = root.join("vitrine.toml");
    let base = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!(
            "{base}\n[server]\naddr = \"0.0.0.0:8081\"\ndatabase_url = \"sqlite:data/museum.db\"\nretention_days = 180\nsecure_cookies = true\n\n[report]\ndeadline = \"12-15\"\n[[report.target]]\nfrom_year = 2026\nto_year = 2030\nmin = 9\nmax = 11\n"
        ),
    )
    .unwrap();
    let (cfg, diags) = vitrine::content::load_config(&root);
    assert_eq!(diags.errors(), 0);
    let cfg = cfg.unwrap();
    assert_eq!(cfg.server.addr, Some("0.0.0.0:8081".parse().unwrap()));
    assert_eq!(cfg.server.database_url.as_deref(), Some("sqlite:data/museum.db"));
    assert_eq!(
        (cfg.server.retention_days, cfg.server.secure_cookies),
        (Some(180), true)
    );
    let s = vitrine::report::Schedule::from(&cfg.report);
    assert_eq!(s.deadline, (12, 15));
    assert_eq!(s.target(2027).map(|t| (t.min, t.max)), Some((9.0, 11.0)));
    assert_eq!(s.target(2025), None, "only the configured targets apply");

    std::fs::write(
        &toml,
        format!(
            "{base}\n[server]\naddr = \"localhost\"\nretention_days = 0\n\n[report]\ndeadline = \"02-30\"\n[[report.target]]\nfrom_year = 2026\nto_year = 2030\nmin = 9\n[[report.target]]\nfrom_year = 2030\nto_year = 2031\nmin = 5\n"
        ),
    )
    .unwrap();
    let (_, diags) = vitrine::content::load_config(&root);
    let fields: Vec<(&str, usize)> = diags
        .sorted()
        .iter()
        .map(|d| (d.field.as_str(), d.pos.line))
        .collect();
    let lines = base.lines().count();
    assert_eq!(
        fields,
        [
            ("server.addr", lines + 3),
            ("server.retention_days", lines + 4),
            ("report.deadline", lines + 7),
            ("report.target", lines + 12),
        ]
    );
}
