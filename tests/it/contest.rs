// Quiz contests "thi tìm hiểu" (issue 16) on SQLite and PostgreSQL: one entry per person per round
// under concurrent starts, an answer sheet taken once under concurrent sends; and the whole path
// through the server: a built contest page without a single question, the entry form, each
// entry's own shuffled sheet with no answer in it, marking on the server, refusals of second,
// late, over-time and forged sheets, the staff ranking with its tie-breaks, the winners list,
// participation, most missed questions, CSV, certificates, deletion, and the yearly report's
// line of online learners.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use vitrine::accounts::Role;
use vitrine::contests::{Drawn, Entrant, Marked, NewEntry};
use vitrine::serve::{AppState, hits::Hits, router};
use vitrine::store::Started;

use crate::events::day_text;
use crate::serve::{body, browser_run, drop_schema, form, runtime, serve_on_loopback, stores};
use crate::staff::{ORIGIN, send, sign_in, text_of};
use crate::support::*;

fn entrant(name: &str) -> Entrant {
    Entrant {
        name: name.to_string(),
        school: "THCS Trần Phú".to_string(),
        grade: Some(7),
        birth_year: None,
        contact: None,
        consent: "consent".to_string(),
    }
}

fn new_entry(person: &str, round: u32, started_ms: i64, deadline_ms: i64) -> NewEntry {
    NewEntry {
        contest: "thi".to_string(),
        round,
        person_hash: person.to_string(),
        entrant: entrant(person),
        drawn: vec![Drawn {
            q: "a".to_string(),
            order: vec![1, 0, 2],
        }],
        started_ms,
        deadline_ms,
        lang: "vi".to_string(),
    }
}

fn marked(score: i64) -> Marked {
    Marked {
        answers: vec![],
        score,
        total: 1,
        prediction: Some(3),
    }
}

#[test]
fn one_entry_per_person_and_round_holds_under_concurrent_starts_and_a_sheet_is_taken_once() {
    let tmp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(tmp.path()).await {
            let d = store.dialect();
            // The same person starts 12 times at once: one entry, the others resume it.
            let tasks: Vec<_> = (0..12)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .start_entry(&new_entry("lan", 1, 1_000, 2_000), &format!("token-{i}"))
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut new = 0;
            let mut ids = BTreeSet::new();
            for t in tasks {
                match t.await.unwrap() {
                    Started::New(e) => {
                        new += 1;
                        ids.insert(e.id);
                    }
                    Started::Resumed(e) => {
                        ids.insert(e.id);
                    }
                    Started::AlreadyIn(_) => panic!("{d}: nothing was submitted yet"),
                }
            }
            assert_eq!((new, ids.len()), (1, 1), "{d}");
            let id = *ids.first().unwrap();
            let e = store.entry(id).await.unwrap().unwrap();
            assert_eq!(
                e.drawn[0].order,
                [1, 0, 2],
                "{d}: a resumed entry keeps its questions"
            );
            // The link now opens with the last token handed out, and only one token works.
            let mut working = 0;
            for i in 0..12 {
                working += usize::from(
                    store
                        .entry_by_token(&format!("token-{i}"))
                        .await
                        .unwrap()
                        .is_some(),
                );
            }
            assert_eq!(working, 1, "{d}");

            // Ten sheets sent at once: one is stored.
            let sends: Vec<_> = (0..10)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(
                        async move { store.submit_entry(id, &marked(i % 2), 1_500 + i).await.unwrap() },
                    )
                })
                .collect();
            let mut stored = 0;
            for s in sends {
                stored += i64::from(s.await.unwrap());
            }
            assert_eq!(stored, 1, "{d}");
            // After sending, the same person is refused; another round is a new entry.
            assert!(matches!(
                store
                    .start_entry(&new_entry("lan", 1, 3_000, 4_000), "again")
                    .await
                    .unwrap(),
                Started::AlreadyIn(_)
            ));
            assert!(matches!(
                store
                    .start_entry(&new_entry("lan", 2, 3_000, 4_000), "round-2")
                    .await
                    .unwrap(),
                Started::New(_)
            ));
            // Other people at once: every one gets an entry.
            let others: Vec<_> = (0..15)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .start_entry(&new_entry(&format!("p{i}"), 1, 1_000, 2_000), &format!("o{i}"))
                            .await
                            .unwrap()
                    })
                })
                .collect();
            for o in others {
                assert!(matches!(o.await.unwrap(), Started::New(_)), "{d}");
            }
            assert_eq!(store.entries_of("thi", 1).await.unwrap().len(), 16, "{d}");
            assert_eq!(
                store.contest_numbers(0, 10_000).await.unwrap(),
                [("thi".to_string(), 1)],
                "{d}: only sent sheets count"
            );
            // Retention erases names and contacts; the scores and schools stay.
            assert_eq!(
                store.erase_contest_personal_data_before(2_000, 9).await.unwrap(),
                16,
                "{d}"
            );
            let e = store.entry(id).await.unwrap().unwrap();
            assert_eq!(
                (e.name, e.school.as_str(), e.score.is_some()),
                (None, "THCS Trần Phú", true)
            );
            assert!(store.delete_entry(id).await.unwrap());
            assert!(store.entry(id).await.unwrap().is_none());
            drop_schema(&store, &schema).await;
        }
    });
}

/// A question of the test contest: (id, type, prompt, [(choice, correct)], explanation).
type BankLine = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, bool)],
    &'static str,
);

const BANK: &[BankLine] = &[
    (
        "nam",
        "single",
        "Kinh đô Hoa Lư được lập năm nào?",
        &[("968", true), ("939", false), ("1010", false), ("1802", false)],
        "Năm 968, Đinh Bộ Lĩnh lập nước Đại Cồ Việt.",
    ),
    (
        "tien",
        "single",
        "Đồng tiền đầu tiên tên là gì?",
        &[
            ("Thái Bình hưng bảo", true),
            ("Thuận Thiên đại bảo", false),
            ("Minh Đạo thông bảo", false),
        ],
        "",
    ),
    (
        "cot",
        "single",
        "Cột kinh Phật dựng năm nào?",
        &[("973", true), ("968", false), ("1009", false)],
        "",
    ),
    (
        "hang",
        "multiple",
        "Trong hang Tràng An tìm thấy gì?",
        &[
            ("Công cụ đá", true),
            ("Vỏ ốc", true),
            ("Tiền đồng", false),
            ("Gạch hoa sen", false),
        ],
        "",
    ),
];

fn write_contests(root: &Path) {
    let today = vitrine::content::Day::today();
    let dir = root.join("contests");
    std::fs::create_dir_all(&dir).unwrap();
    let mut questions = String::new();
    for (id, kind, prompt, choices, answer) in BANK {
        let cs: Vec<String> = choices
            .iter()
            .map(|(c, ok)| {
                format!(
                    "{{ vi = \"{c}\", en = \"{c} (en)\"{} }}",
                    if *ok { ", correct = true" } else { "" }
                )
            })
            .collect();
        questions.push_str(&format!(
            "\n[[question]]\nid = \"{id}\"\ntype = \"{kind}\"\nprompt = {{ vi = \"{prompt}\", en = \"EN {prompt}\" }}\nchoices = [{}]\nlearn = \"T-001\"\n{}",
            cs.join(", "),
            if answer.is_empty() {
                String::new()
            } else {
                format!("answer = {{ vi = \"{answer}\", en = \"EN {answer}\" }}\n")
            }
        ));
    }
    // Round 1 closed yesterday; round 2 is open from yesterday to tomorrow; round 3 is next month.
    let contest = format!(
        "title = {{ vi = \"Thi tìm hiểu\", en = \"Quiz\" }}\nsummary = {{ vi = \"Cuộc thi thử\", en = \"A test contest\" }}\nquestions_per_entry = 3\ntime_limit_minutes = 10\nwinners = 2\nexhibits = [\"kho-bau\"]\n\n[[round]]\nopens = {}T08:00:00\ncloses = {}T00:00:00\n\n[[round]]\ntitle = {{ vi = \"Vòng hai\", en = \"Second round\" }}\nopens = {}T00:00:01\ncloses = {}T23:00:00\n\n[[round]]\nopens = {}T08:00:00\ncloses = {}T20:00:00\n{questions}",
        day_text(today.add_days(-9)),
        day_text(today.add_days(-1)),
        day_text(today.add_days(-1)),
        day_text(today.add_days(1)),
        day_text(today.add_days(30)),
        day_text(today.add_days(37)),
    );
    std::fs::write(dir.join("thi.toml"), contest).unwrap();
    std::fs::write(
        dir.join("thi.vi.md"),
        "## Thể lệ\n\nMỗi người một bài mỗi vòng.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("thi.en.md"),
        "## Rules\n\nOne entry per person per round.\n",
    )
    .unwrap();
    // A contest whose only round is ahead.
    std::fs::write(
        dir.join("sau.toml"),
        format!(
            "title = {{ vi = \"Cuộc thi sau\", en = \"Later quiz\" }}\nquestions_per_entry = 1\n\n[[round]]\nopens = {}T08:00:00\ncloses = {}T20:00:00\n\n[[question]]\ntype = \"single\"\nprompt = {{ vi = \"Câu?\", en = \"Q?\" }}\nchoices = [{{ vi = \"A\", en = \"A\", correct = true }}, {{ vi = \"B\", en = \"B\" }}]\n",
            day_text(today.add_days(20)),
            day_text(today.add_days(21))
        ),
    )
    .unwrap();
}

/// A request from a client address (the rate limit counts per address).
async fn from(
    app: &axum::Router,
    ip: [u8; 4],
    path: &str,
    cookie: &str,
    pairs: &[(&str, &str)],
) -> axum::response::Response {
    let mut r = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::HOST, "museum.test")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        r = r.header(header::COOKIE, cookie);
    }
    let mut req = r.body(Body::from(form(pairs))).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
    app.clone().oneshot(req).await.unwrap()
}

fn location(res: &axum::response::Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn device_cookie(res: &axum::response::Response) -> String {
    crate::staff::cookie_value(&crate::staff::set_cookies(res), "vitrine_device").unwrap_or_default()
}

/// A sheet as shown: per question on it, (k, prompt, choices in the order shown, multiple).
fn sheet_questions(html: &str) -> Vec<(usize, String, Vec<String>, bool)> {
    let doc = scraper::Html::parse_document(html);
    let fs = scraper::Selector::parse(".contest-sheet fieldset").unwrap();
    let legend = scraper::Selector::parse("legend").unwrap();
    let label = scraper::Selector::parse("label.choice").unwrap();
    let input = scraper::Selector::parse("input").unwrap();
    doc.select(&fs)
        .enumerate()
        .map(|(k, f)| {
            let prompt = f
                .select(&legend)
                .next()
                .unwrap()
                .text()
                .collect::<String>()
                .replace("(chọn tất cả đáp án đúng)", "")
                .trim()
                .to_string();
            let choices: Vec<String> = f
                .select(&label)
                .map(|l| l.text().collect::<String>().trim().to_string())
                .collect();
            let multiple = f.select(&input).next().unwrap().value().attr("type").unwrap() == "checkbox";
            (k, prompt, choices, multiple)
        })
        .collect()
}

/// The form fields answering a sheet: every question right, or one wrong choice in each.
fn answers(sheet: &[(usize, String, Vec<String>, bool)], right: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, prompt, choices, multiple) in sheet {
        let bank = BANK.iter().find(|q| q.2 == prompt).expect("a bank question");
        for (j, c) in choices.iter().enumerate() {
            let correct = bank.3.iter().find(|x| x.0 == c).unwrap().1;
            let first_wrong = choices
                .iter()
                .position(|x| !bank.3.iter().find(|y| y.0 == x).unwrap().1);
            let pick = if right { correct } else { Some(j) == first_wrong };
            if pick {
                if *multiple {
                    out.push((format!("q{k}_{j}"), "1".to_string()));
                } else {
                    out.push((format!("q{k}"), j.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn an_entrant_takes_a_shuffled_sheet_the_server_marks_it_and_staff_rank_the_round() {
    let (_tmp, root) = copy_fixture("tiny");
    write_contests(&root);
    let out_parent = tempfile::tempdir().unwrap();
    build_into(&root, out_parent.path()).expect("builds");
    let out = out_parent.path().join("public");
    // The built site holds no question, no choice and no explanation, in any file.
    let built = std::fs::read_to_string(out.join("thi/thi/index.html")).unwrap();
    assert!(built.contains("<!--contest-->") && !built.contains("/thi/thi/du-thi/"));
    assert!(
        built.contains("Mỗi người một bài mỗi vòng."),
        "the rules are on the page"
    );
    for (_, _, prompt, choices, answer) in BANK {
        let mut needles = vec![prompt.to_string(), format!("EN {prompt}")];
        needles.extend(choices.iter().map(|c| format!("{} (en)", c.0)));
        if !answer.is_empty() {
            needles.push(answer.to_string());
        }
        for f in walkdir(&out) {
            let bytes = std::fs::read(&f).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for n in &needles {
                assert!(!text.contains(n.as_str()), "{n:?} is in {}", f.display());
            }
        }
    }
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("/thi/thi/"));
    let events_page = std::fs::read_to_string(out.join("su-kien/index.html")).unwrap();
    assert!(events_page.contains("href=\"../thi/thi/\"") || events_page.contains("/thi/thi/"));

    let db = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for (store, schema) in stores(db.path()).await {
            let d = store.dialect();
            let (hits, _writer) = Hits::start(store.clone());
            let state = AppState::new(&root, &out, store.clone(), hits).unwrap();
            let app = router(state.clone());
            let get = |path: String, cookie: String| {
                let app = app.clone();
                async move {
                    let res = send(&app, "GET", &path, &cookie, None, &[]).await;
                    let status = res.status();
                    let dev = device_cookie(&res);
                    (status, String::from_utf8(body(res).await).unwrap(), dev)
                }
            };
            // The served page names the open round and links the form.
            let (st, page, _) = get("/thi/thi/".into(), String::new()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(text_of(&page, ".signup-live").contains("Vòng hai"), "{d}");
            assert!(page.contains("href=\"/thi/thi/du-thi/\""), "{d}");
            let (_, later, _) = get("/thi/sau/".into(), String::new()).await;
            assert!(text_of(&later, ".signup-live").contains("Vòng 1 mở lúc"), "{d}");
            // The form sets the device cookie.
            let (st, f, dev) = get("/thi/thi/du-thi/".into(), String::new()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(f.contains("name=\"consent\""), "{d}");
            assert!(dev.starts_with("vitrine_device="), "{d}");
            let ip = [10, 0, 0, 1];

            // Refusals, with nothing stored.
            let res = from(
                &app,
                ip,
                "/thi/thi/du-thi/",
                &dev,
                &[("name", "Lan"), ("school", "")],
            )
            .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            let html = String::from_utf8(body(res).await).unwrap();
            assert!(
                html.contains("id=\"school-error\"") && html.contains("value=\"Lan\""),
                "{d}"
            );
            let res = from(
                &app,
                ip,
                "/thi/sau/du-thi/",
                &dev,
                &[
                    ("name", "Lan"),
                    ("school", "S"),
                    ("grade", "7"),
                    ("consent", "yes"),
                ],
            )
            .await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}: no round open");
            let res = send(
                &app,
                "POST",
                "/thi/thi/du-thi/",
                &dev,
                Some(form(&[
                    ("name", "Lan"),
                    ("school", "S"),
                    ("grade", "7"),
                    ("consent", "yes"),
                ])),
                &[("origin", "http://evil.test")],
            )
            .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{d}");
            assert!(store.entries_of("thi", 2).await.unwrap().is_empty(), "{d}");

            // Lan enters: her own sheet, no answer in it.
            let lan = [
                ("name", "Nguyễn Thị Lan"),
                ("school", "THCS Trần Phú"),
                ("grade", "7"),
                ("consent", "yes"),
            ];
            let res = from(&app, ip, "/thi/thi/du-thi/", &dev, &lan).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let lan_sheet = location(&res);
            assert!(lan_sheet.starts_with("/bai-thi/"), "{d}");
            let (st, sheet, _) = get(lan_sheet.clone(), String::new()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let shown = sheet_questions(&sheet);
            assert_eq!(shown.len(), 3, "{d}");
            assert!(
                !sheet.contains("Đinh Bộ Lĩnh")
                    && !sheet.contains("correct")
                    && !sheet.contains("đáp án đúng<"),
                "{d}"
            );
            // The inputs carry only shown positions.
            for (k, _, choices, multiple) in &shown {
                for j in 0..choices.len() {
                    let name = if *multiple {
                        format!("name=\"q{k}_{j}\" value=\"1\"")
                    } else {
                        format!("name=\"q{k}\" value=\"{j}\"")
                    };
                    assert!(sheet.contains(&name), "{d}: {name}");
                }
            }
            // Lan again from the same device: resumes the same sheet, under a new link.
            let res = from(
                &app,
                ip,
                "/thi/thi/du-thi/",
                &dev,
                &[
                    ("name", "nguyen thi lan"),
                    ("school", "X"),
                    ("grade", "7"),
                    ("consent", "yes"),
                ],
            )
            .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let lan_sheet = location(&res);
            let (_, again, _) = get(lan_sheet.clone(), String::new()).await;
            assert_eq!(
                sheet_questions(&again),
                shown,
                "{d}: the same questions, in the same order"
            );

            // Forged sheets are refused and nothing is stored.
            for forged in [vec![("q7", "0")], vec![("q0", "9")], vec![("q1_x", "1")]] {
                let mut pairs = forged.clone();
                pairs.push(("prediction", "3"));
                let res = from(&app, ip, &lan_sheet, "", &pairs).await;
                assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}: {forged:?}");
            }
            // A missing prediction: the sheet comes back with her ticks kept.
            let right = answers(&shown, true);
            let pairs: Vec<(&str, &str)> = right.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let res = from(&app, ip, &lan_sheet, "", &pairs).await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            let back = String::from_utf8(body(res).await).unwrap();
            assert_eq!(back.matches(" checked>").count(), right.len(), "{d}");
            assert!(
                store.entries_of("thi", 2).await.unwrap()[0]
                    .submitted_ms
                    .is_none(),
                "{d}"
            );
            let mut with_prediction = pairs.clone();
            with_prediction.push(("prediction", "2"));
            let res = from(&app, ip, &lan_sheet, "", &with_prediction).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            // Received; the score is kept back until the round closes.
            let (_, received, _) = get(lan_sheet.clone(), String::new()).await;
            assert!(received.contains("Bảo tàng đã nhận bài dự thi"), "{d}");
            assert!(
                !received.contains("3/3") && !received.contains("đáp án đúng"),
                "{d}"
            );
            // A second sheet, and a second entry by the same person, are refused.
            let res = from(&app, ip, &lan_sheet, "", &with_prediction).await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}");
            let res = from(&app, ip, "/thi/thi/du-thi/", &dev, &lan).await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}");
            assert!(
                String::from_utf8(body(res).await)
                    .unwrap()
                    .contains("Bạn đã gửi bài dự thi"),
                "{d}"
            );

            // A contact is the same person on any device, whatever name is typed.
            let minh = [
                ("name", "Trần Văn Minh"),
                ("school", "THCS Lê Lợi"),
                ("grade", "8"),
                ("contact", "+84 912 000 111"),
                ("consent", "yes"),
            ];
            let res = from(&app, ip, "/thi/thi/du-thi/", "", &minh).await;
            let minh_sheet = location(&res);
            let (_, s, _) = get(minh_sheet.clone(), String::new()).await;
            let wrong = answers(&sheet_questions(&s), false);
            let mut pairs: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            pairs.push(("prediction", "1"));
            assert_eq!(
                from(&app, ip, &minh_sheet, "", &pairs).await.status(),
                StatusCode::SEE_OTHER
            );
            let other = [
                ("name", "Minh"),
                ("school", "Y"),
                ("birth_year", "1990"),
                ("contact", "0912000111"),
                ("consent", "yes"),
            ];
            assert_eq!(
                from(&app, [10, 0, 0, 9], "/thi/thi/du-thi/", "", &other)
                    .await
                    .status(),
                StatusCode::CONFLICT,
                "{d}"
            );

            // Shuffled per entry: eight more entrants do not all get the same sheet.
            let mut sheets = BTreeSet::new();
            let mut tokens = Vec::new();
            let names = [
                "Phạm Minh Anh",
                "Lê Thu Hà",
                "Đỗ Quang Huy",
                "Vũ Ngọc Mai",
                "Bùi Đức Long",
                "Hoàng Thị Yến",
                "Ngô Bảo Châu",
                "Đinh Tiến Đạt",
            ];
            for name in names {
                let res = from(
                    &app,
                    ip,
                    "/thi/thi/du-thi/",
                    "",
                    &[
                        ("name", name),
                        ("school", "THCS Trần Phú"),
                        ("grade", "6"),
                        ("consent", "yes"),
                    ],
                )
                .await;
                assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
                let t = location(&res);
                let (_, s, _) = get(t.clone(), String::new()).await;
                let q = sheet_questions(&s);
                sheets.insert(format!("{q:?}"));
                tokens.push((t, q));
            }
            assert!(sheets.len() > 1, "{d}: every entry got the same sheet");
            // Two of them answer every question right, with different predictions.
            for (i, (t, q)) in tokens.iter().take(2).enumerate() {
                let right = answers(q, true);
                let mut pairs: Vec<(&str, &str)> =
                    right.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let p = ["3", "7"][i];
                pairs.push(("prediction", p));
                assert_eq!(
                    from(&app, ip, t, "", &pairs).await.status(),
                    StatusCode::SEE_OTHER,
                    "{d}"
                );
            }

            // Over the time limit, and after the round: refused with a message.
            let secret = state.secret.clone();
            let now_ms = vitrine::visits::now() * 1000;
            let late = |person: &str, round: u32, started: i64, deadline: i64| {
                let mut e = new_entry(person, round, started, deadline);
                e.drawn = vec![Drawn {
                    q: "nam".into(),
                    order: vec![0, 1, 2, 3],
                }];
                e
            };
            let start = |e: NewEntry, token: &'static str| {
                let store = store.clone();
                let secret = secret.clone();
                async move {
                    store
                        .start_entry(&e, &vitrine::accounts::token_hash(&secret, token))
                        .await
                        .unwrap();
                }
            };
            start(
                late("slow", 2, now_ms - 20 * 60_000, now_ms - 10 * 60_000),
                "slowtoken",
            )
            .await;
            let (_, expired, _) = get("/bai-thi/slowtoken/".into(), String::new()).await;
            assert!(
                expired.contains("Thời gian làm bài đã hết") && !expired.contains("contest-sheet"),
                "{d}: the sheet is not offered any more"
            );
            let res = from(
                &app,
                ip,
                "/bai-thi/slowtoken/",
                "",
                &[("q0", "0"), ("prediction", "1")],
            )
            .await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}");
            assert!(
                String::from_utf8(body(res).await)
                    .unwrap()
                    .contains("quá thời gian"),
                "{d}"
            );
            let round1_closed = {
                let c = state.contests();
                c["thi"].round(1).unwrap().closes.unix() * 1000
            };
            start(late("old", 1, round1_closed - 60_000, round1_closed), "oldtoken").await;
            let res = from(
                &app,
                ip,
                "/bai-thi/oldtoken/",
                "",
                &[("q0", "0"), ("prediction", "1")],
            )
            .await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}");
            assert!(
                String::from_utf8(body(res).await)
                    .unwrap()
                    .contains("Vòng thi đã đóng"),
                "{d}"
            );
            assert_eq!(
                send(&app, "GET", "/bai-thi/nosuchtoken/", "", None, &[])
                    .await
                    .status(),
                StatusCode::NOT_FOUND
            );
            // A sheet of the closed round, sent in time: shown marked, with the right answers
            // and the explanation, once the round is over.
            start(
                late("done", 1, round1_closed - 120_000, round1_closed),
                "donetoken",
            )
            .await;
            let done = store
                .entries_of("thi", 1)
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.name.as_deref() == Some("done"))
                .unwrap();
            let mut sheet_form = BTreeMap::new();
            sheet_form.insert("q0".to_string(), "1".to_string());
            sheet_form.insert("prediction".to_string(), "0".to_string());
            let m = vitrine::contests::mark(&state.contests()["thi"], &done.drawn, &sheet_form).unwrap();
            assert_eq!((m.score, m.total), (0, 1));
            assert!(
                store
                    .submit_entry(done.id, &m, round1_closed - 1000)
                    .await
                    .unwrap()
            );
            let (_, marked_page, _) = get("/bai-thi/donetoken/".into(), String::new()).await;
            assert!(marked_page.contains("Bạn trả lời đúng 0/1 câu."), "{d}");
            assert!(
                marked_page.contains("Năm 968, Đinh Bộ Lĩnh lập nước Đại Cồ Việt."),
                "{d}"
            );
            assert!(
                marked_page.contains("href=\"/o/T-001/\""),
                "{d}: where to learn it"
            );

            // Staff: the ranking of round 2. Three have every answer right: Lan predicted 2
            // (1 away), Anh 3 (exact), Hà 7 (4 away). Minh has none right.
            let staff = sign_in(&app, &store, "thu", Role::Staff).await;
            let (_, list) = staff.get("/staff/contests/").await;
            assert!(list.contains("href=\"/staff/contests/thi/2/\""), "{d}");
            let (st, page) = staff.get("/staff/contests/thi/2/").await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert_eq!(text_of(&page, "#perfect"), "3", "{d}");
            let rows = cells(&page, "#ranking tbody tr");
            let order: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
            assert_eq!(
                order,
                [
                    ("1", "Phạm Minh Anh"),
                    ("2", "Nguyễn Thị Lan"),
                    ("3", "Lê Thu Hà"),
                    ("4", "Trần Văn Minh")
                ],
                "{d}: sent sheets only, by score, prediction, time"
            );
            assert_eq!(rows[0][4], "3/3", "{d}");
            assert_eq!(rows[3][4], "0/3", "{d}");
            // Winners: two places, middle names shortened.
            let winners: Vec<String> = cells(&page, "#winners li")
                .into_iter()
                .map(|r| r.concat())
                .collect();
            assert_eq!(
                winners,
                ["Phạm M. Anh – THCS Trần Phú", "Nguyễn T. Lan – THCS Trần Phú"],
                "{d}"
            );
            let schools = cells(&page, "#schools tbody tr");
            assert_eq!(schools[0], ["THCS Trần Phú", "3"], "{d}");
            assert_eq!(schools[1], ["THCS Lê Lợi", "1"], "{d}");
            let grades = cells(&page, "#grades tbody tr");
            assert_eq!(grades, [["Lớp 6", "2"], ["Lớp 7", "1"], ["Lớp 8", "1"]], "{d}");
            let missed = cells(&page, "#missed tbody tr");
            assert!(
                missed[0][2].starts_with('1') || missed[0][2].starts_with('2'),
                "{d}: {missed:?}"
            );
            assert!(
                !page.contains("0912") && !page.contains("+84 912"),
                "{d}: no contact for staff"
            );
            let (_, csv) = staff.get("/staff/contests/thi/2/results.csv").await;
            let header = csv.lines().next().unwrap();
            assert!(
                header.contains("published_name") && !header.contains("contact"),
                "{d}"
            );
            assert_eq!(csv.lines().count(), 5, "{d}: {csv}");
            let lan_id = store
                .entries_of("thi", 2)
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.name.as_deref() == Some("Nguyễn Thị Lan"))
                .unwrap()
                .id;
            let (st, cert) = staff
                .get(&format!("/staff/contests/thi/2/certificate/{lan_id}/"))
                .await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(cert.contains("Nguyễn Thị Lan") && cert.contains("hạng 2"), "{d}");
            // The yearly report counts the sent sheets as online learners, apart from visits.
            let today = day_text(vitrine::content::Day::today());
            let (_, report) = staff
                .get(&format!("/staff/report/?from={today}&to={today}"))
                .await;
            let online = cells(&report, "#online-learners");
            assert_eq!(online[0][1], "4", "{d}: {online:?}");
            // Managers see contacts and may delete an entry; staff may not.
            let res = staff
                .post(&format!("/staff/contests/thi/2/delete/{lan_id}/"), &[])
                .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{d}");
            let boss = sign_in(&app, &store, "sep", Role::Manager).await;
            let (_, csv) = boss.get("/staff/contests/thi/2/results.csv").await;
            assert!(
                csv.lines().next().unwrap().ends_with("contact") && csv.contains("+84 912 000 111"),
                "{d}"
            );
            let res = boss
                .post(&format!("/staff/contests/thi/2/delete/{lan_id}/"), &[])
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            assert!(store.entry(lan_id).await.unwrap().is_none(), "{d}");

            // The public results page: nothing is published until a manager decides, after the
            // round is over.
            let (st, results, _) = get("/thi/thi/ket-qua/".into(), String::new()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(
                results.contains("bảo tàng đang chấm"),
                "{d}: round 1 is over, not published"
            );
            assert!(
                results.contains("Kết quả được công bố sau khi vòng thi đóng"),
                "{d}: round 2 is open"
            );
            assert!(!results.contains("Phạm") && !results.contains("done"), "{d}");
            let (_, page, _) = get("/thi/thi/".into(), String::new()).await;
            assert!(!page.contains("id=\"contest-results\""), "{d}");
            let res = staff
                .post("/staff/contests/thi/1/publish/", &[("action", "publish")])
                .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{d}: managers publish");
            let res = boss
                .post("/staff/contests/thi/2/publish/", &[("action", "publish")])
                .await;
            assert_eq!(res.status(), StatusCode::CONFLICT, "{d}: round 2 is still open");
            let res = boss
                .post("/staff/contests/thi/1/publish/", &[("action", "shout")])
                .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{d}");
            // Round 1 gets a right answer from Đỗ Thị Mai, sent in time.
            start(
                late("Đỗ Thị Mai", 1, round1_closed - 300_000, round1_closed),
                "maitoken",
            )
            .await;
            let mai = store
                .entries_of("thi", 1)
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.name.as_deref() == Some("Đỗ Thị Mai"))
                .unwrap();
            let right = (0..4)
                .find_map(|i| {
                    let mut f = BTreeMap::new();
                    f.insert("q0".to_string(), i.to_string());
                    f.insert("prediction".to_string(), "1".to_string());
                    vitrine::contests::mark(&state.contests()["thi"], &mai.drawn, &f)
                        .ok()
                        .filter(|m| m.score == 1)
                })
                .unwrap();
            assert!(
                store
                    .submit_entry(mai.id, &right, round1_closed - 2000)
                    .await
                    .unwrap()
            );
            let res = boss
                .post("/staff/contests/thi/1/publish/", &[("action", "publish")])
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let (_, round1) = boss.get("/staff/contests/thi/1/").await;
            assert!(
                text_of(&round1, "#published").contains("sep"),
                "{d}: who published it"
            );
            let (_, results, _) = get("/thi/thi/ket-qua/".into(), String::new()).await;
            let rows = cells(&results, "#winners-1 tbody tr");
            assert_eq!(rows.len(), 1, "{d}: only a right answer wins: {rows:?}");
            assert_eq!(
                (
                    rows[0][0].as_str(),
                    rows[0][1].as_str(),
                    rows[0][2].as_str(),
                    rows[0][3].as_str()
                ),
                ("1", "Đỗ T. Mai", "THCS Trần Phú", "1/1"),
                "{d}"
            );
            assert!(
                !results.contains("Đỗ Thị Mai") && !results.contains("Lớp 7"),
                "{d}: the short name only"
            );
            assert!(
                results.contains("2 bài dự thi được chấm"),
                "{d}: Mai and done were marked"
            );
            let (_, page, _) = get("/thi/thi/".into(), String::new()).await;
            assert!(
                page.contains("href=\"/thi/thi/ket-qua/\""),
                "{d}: the contest page links the results"
            );
            let (st, en, _) = get("/en/thi/thi/ket-qua/".into(), String::new()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert!(
                en.contains("<h1>Contest results</h1>") && en.contains("Đỗ T. Mai"),
                "{d}"
            );
            let (st, _, _) = get("/thi/khong-co/ket-qua/".into(), String::new()).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{d}");
            // Taken down again.
            let res = boss
                .post("/staff/contests/thi/1/publish/", &[("action", "withdraw")])
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}");
            let (_, results, _) = get("/thi/thi/ket-qua/".into(), String::new()).await;
            assert!(
                !results.contains("Mai") && results.contains("bảo tàng đang chấm"),
                "{d}"
            );

            // Scripted entries: after 60 from one address in the window, a 429 with Retry-After.
            let ip = [10, 0, 0, 2];
            for i in 0..60 {
                let name = format!("Tự Động {i}");
                let res = from(
                    &app,
                    ip,
                    "/thi/thi/du-thi/",
                    "",
                    &[
                        ("name", &name),
                        ("school", "S"),
                        ("grade", "9"),
                        ("consent", "yes"),
                    ],
                )
                .await;
                assert_eq!(res.status(), StatusCode::SEE_OTHER, "{d}: entry {i}");
            }
            let res = from(
                &app,
                ip,
                "/thi/thi/du-thi/",
                "",
                &[
                    ("name", "Một Nữa"),
                    ("school", "S"),
                    ("grade", "9"),
                    ("consent", "yes"),
                ],
            )
            .await;
            assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{d}");
            assert!(res.headers().contains_key(header::RETRY_AFTER), "{d}");
            drop_schema(&store, &schema).await;
        }
    });
}

/// The texts of the cells (th and td) of each element matched.
fn cells(html: &str, css: &str) -> Vec<Vec<String>> {
    let doc = scraper::Html::parse_document(html);
    let cell = sel("th, td");
    doc.select(&sel(css))
        .map(|r| {
            let v: Vec<String> = r
                .select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect();
            if v.is_empty() {
                vec![r.text().collect::<String>().trim().to_string()]
            } else {
                v
            }
        })
        .collect()
}

/// Every file under `dir`.
fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                stack.push(e);
            } else {
                out.push(e);
            }
        }
    }
    out
}

#[test]
fn on_a_phone_an_entrant_takes_part_and_staff_open_the_ranking_in_chromium() {
    if !crate::gate::checkers() {
        return;
    }
    let (_tmp, root) = copy_fixture("tiny");
    write_contests(&root);
    let out_parent = tempfile::tempdir().unwrap();
    build_into(&root, out_parent.path()).expect("builds");
    let out = out_parent.path().join("public");
    let db = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (addr, store) = serve_on_loopback(
        &rt,
        &root,
        &out,
        db.path(),
        ("giamkhao", Role::Staff, "judge-password"),
    );
    // Round 1 (over) has one entry with a right answer, and its winners are published.
    let round1 = vitrine::content::Day::today().add_days(-2).to_unix() - vitrine::content::VIETNAM_OFFSET;
    let started_ms = (round1 + 3600) * 1000;
    rt.block_on(async {
        store
            .start_entry(
                &new_entry("Đỗ Thị Mai", 1, started_ms, started_ms + 600_000),
                "mai",
            )
            .await
            .unwrap();
        let id = store.entries_of("thi", 1).await.unwrap()[0].id;
        assert!(
            store
                .submit_entry(id, &marked(1), started_ms + 90_000)
                .await
                .unwrap()
        );
        store
            .set_results_published("thi", 1, Some("sep"), vitrine::visits::now())
            .await
            .unwrap();
    });
    let r = browser_run("contest.mjs", addr, "giamkhao", "judge-password");
    assert_eq!(
        r["results"], "Đỗ T. Mai",
        "the public results at a phone's size: {r}"
    );
    assert_eq!(r["questions"], 3, "{r}");
    assert!(r["refused"].as_str().unwrap().contains("trường"), "{r}");
    assert!(
        r["received"].as_str().unwrap().starts_with("Bảo tàng đã nhận"),
        "{r}"
    );
    assert_eq!(r["ranked"], "Nguyễn Thị Lan", "{r}");
    assert_eq!(r["certificate"], "Nguyễn Thị Lan", "{r}");
    assert_eq!(r["wide"], serde_json::json!([]), "nothing wider than the phone");
    assert_eq!(r["violations"], serde_json::json!([]), "axe");
    let entries = rt.block_on(store.entries_of("thi", 2)).unwrap();
    let sent: Vec<(Option<String>, bool)> = entries
        .iter()
        .map(|e| (e.name.clone(), e.submitted_ms.is_some()))
        .collect();
    assert_eq!(
        sent,
        [
            (Some("Nguyễn Thị Lan".to_string()), true),
            (Some("Trần Văn Minh".to_string()), false)
        ]
    );
}

/// A contest file with mistakes of every kind: each is named with its file, line and field, and
/// a hint; the contest is not published.
#[test]
fn a_broken_contest_file_is_reported_with_file_line_and_field() {
    let (_tmp, root) = copy_fixture("tiny");
    let dir = root.join("contests");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("sai.toml"),
        "title = { vi = \"Thi sai\" }\n\
         questions_per_entry = 5\n\
         winner_names = \"nickname\"\n\
         status = \"open\"\n\
         [[round]]\n\
         opens = 2027-04-21T08:00:00\n\
         closes = 2027-04-20T08:00:00\n\
         [[round]]\n\
         opens = 2027-05-01T08:00:00\n\
         closes = 2027-05-08T08:00:00\n\
         [[round]]\n\
         opens = 2027-05-05T08:00:00\n\
         closes = 2027-05-20T08:00:00\n\
         [[question]]\n\
         id = \"Câu 1\"\n\
         type = \"single\"\n\
         prompt = { vi = \"?\" }\n\
         choices = [{ vi = \"a\", correct = true }, { vi = \"b\" }]\n\
         [[question]]\n\
         id = \"hai\"\n\
         type = \"single\"\n\
         prompt = { vi = \"?\" }\n\
         choices = [{ vi = \"a\", correct = true }, { vi = \"b\" }]\n\
         [[question]]\n\
         id = \"hai\"\n\
         type = \"single\"\n\
         prompt = { vi = \"?\" }\n\
         choices = [{ vi = \"a\", correct = true }, { vi = \"b\" }]\n",
    )
    .unwrap();
    std::fs::write(dir.join("khong-vong.toml"), "title = { vi = \"Không vòng\" }\n").unwrap();
    let (_, d) = vitrine::build::check(&root);
    let errors: Vec<_> = d
        .list
        .iter()
        .filter(|x| x.severity == vitrine::diag::Severity::Error)
        .collect();
    for (file, code, line, field) in [
        ("sai", "invalid-name-style", 3, "winner_names"),
        ("sai", "invalid-status", 4, "status"),
        ("sai", "invalid-date", 7, "round[1].closes"),
        ("sai", "overlapping-rounds", 12, "round[3].opens"),
        ("sai", "invalid-question", 15, "question[1].id"),
        ("sai", "duplicate-question", 25, "question[3].id"),
        ("sai", "too-few-questions", 2, "questions_per_entry"),
        ("khong-vong", "no-round", 0, "round"),
    ] {
        let path = format!("contests/{file}.toml");
        assert!(
            errors.iter().any(|e| e.code == code
                && e.pos.file == std::path::Path::new(&path)
                && (line == 0 || e.pos.line == line)
                && e.field == field
                && !e.hint.is_empty()),
            "missing {code} at {path}:{line} ({field}): {errors:#?}"
        );
    }
}
