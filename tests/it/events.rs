// Events (issue 16): content checked like the rest, pages of upcoming and past events in both
// languages, iCalendar files, schema.org Event JSON-LD, the sitemap and the home page.

use std::path::Path;

use vitrine::content::Day;
use vitrine::diag::Severity;

use crate::support::*;

pub(crate) fn day_text(d: Day) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// Events around today (the build decides upcoming and past by the day it runs).
pub(crate) fn write_events(root: &Path) {
    let today = Day::today();
    let dir = root.join("events");
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "truoc",
            format!(
                "title = {{ vi = \"Buổi đã qua\", en = \"A past session\" }}\nstarts = {}T09:00:00\nends = {}T10:00:00\nobjects = [\"T-001\"]\n",
                day_text(today.add_days(-10)),
                day_text(today.add_days(-10))
            ),
        ),
        (
            "xa",
            format!(
                "title = {{ vi = \"Tuần lễ học tập\", en = \"Learning week\" }}\nstarts = {}\nends = {}\noccasion = \"tuan-hoc-tap\"\n",
                day_text(today.add_days(40)),
                day_text(today.add_days(46))
            ),
        ),
        (
            "gan",
            format!(
                "title = {{ vi = \"Ngày hội, đọc sách; kể chuyện\", en = \"Reading day\" }}\nsummary = {{ vi = \"Cùng đọc\", en = \"Read together\" }}\n\
                 starts = {}T08:30:00\nends = {}T11:00:00\naudience = \"schools\"\ngrades = [7, 6]\ncapacity = 40\n\
                 place = {{ vi = \"Sảnh\", en = \"Hall\" }}\nexhibits = [\"kho-bau\"]\nobjects = [\"T-002\"]\n",
                day_text(today.add_days(3)),
                day_text(today.add_days(3))
            ),
        ),
        (
            "huy",
            format!(
                "title = {{ vi = \"Buổi bị huỷ\", en = \"Cancelled talk\" }}\nstarts = {}T15:00:00\nstatus = \"cancelled\"\n",
                day_text(today.add_days(5))
            ),
        ),
        (
            "nhap-su-kien",
            format!(
                "title = {{ vi = \"Chưa công bố\", en = \"Not announced\" }}\nstarts = {}\nstatus = \"draft\"\n",
                day_text(today.add_days(2))
            ),
        ),
    ];
    for (slug, text) in files {
        std::fs::write(dir.join(format!("{slug}.toml")), text).unwrap();
    }
    std::fs::write(dir.join("gan.vi.md"), "Các lớp **đăng ký trước**.\n").unwrap();
    std::fs::write(dir.join("gan.en.md"), "Classes **sign up first**.\n").unwrap();
}

fn texts(doc: &scraper::Html, css: &str) -> Vec<String> {
    doc.select(&sel(css))
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

#[test]
fn events_have_pages_calendars_json_ld_and_a_place_on_the_home_page() {
    let (_tmp, root) = copy_fixture("tiny");
    write_events(&root);
    let out_parent = tempfile::tempdir().unwrap();
    build_into(&root, out_parent.path()).expect("builds");
    let out = out_parent.path().join("public");

    // The list: upcoming soonest first, past below, drafts nowhere, the cancelled one marked.
    let list = parse(&out.join("su-kien/index.html"));
    let upcoming = texts(&list, "section[aria-labelledby=upcoming-h] .event-list h3");
    assert_eq!(
        upcoming,
        ["Ngày hội, đọc sách; kể chuyện", "Buổi bị huỷ", "Tuần lễ học tập"]
    );
    assert_eq!(
        texts(&list, "section[aria-labelledby=past-h] h3"),
        ["Buổi đã qua"]
    );
    assert_eq!(texts(&list, ".event-cancelled .badge"), ["Đã huỷ"]);
    assert!(
        !out.join("su-kien/nhap-su-kien").exists(),
        "a draft event is not published"
    );
    let en = parse(&out.join("en/su-kien/index.html"));
    assert_eq!(
        texts(&en, "section[aria-labelledby=upcoming-h] .event-list h3")[0],
        "Reading day"
    );

    // One event's page: facts, text, sign-up by contact, links; JSON-LD Event in Vietnam's time.
    let page = parse(&out.join("su-kien/gan/index.html"));
    let facts = texts(&page, ".facts dd").join(" | ");
    assert!(facts.contains("08:30–11:00"), "{facts}");
    assert!(facts.contains("Lớp 6, Lớp 7"), "grades in order: {facts}");
    assert!(
        facts.contains("Miễn phí") && facts.contains("40 người"),
        "{facts}"
    );
    assert_eq!(texts(&page, ".prose strong"), ["đăng ký trước"]);
    assert!(page.select(&sel(".signup a[href^='tel:']")).next().is_some());
    assert!(page.select(&sel("a[href$='e/kho-bau/']")).next().is_some());
    assert!(page.select(&sel("a[href$='o/T-002/']")).next().is_some());
    let jsonld: serde_json::Value = serde_json::from_str(
        &page
            .select(&sel("script[type='application/ld+json']"))
            .next()
            .expect("JSON-LD")
            .inner_html(),
    )
    .unwrap();
    let start = format!("{}T08:30:00+07:00", day_text(Day::today().add_days(3)));
    assert_eq!(jsonld["@type"], "Event");
    assert_eq!(jsonld["startDate"], start.as_str());
    assert_eq!(jsonld["maximumAttendeeCapacity"], 40);
    assert_eq!(jsonld["eventStatus"], "https://schema.org/EventScheduled");
    assert_eq!(jsonld["audience"]["@type"], "EducationalAudience");
    let cancelled = std::fs::read_to_string(out.join("en/su-kien/huy/index.html")).unwrap();
    assert!(cancelled.contains("https://schema.org/EventCancelled"));
    assert!(cancelled.contains("This event has been cancelled."));

    // iCalendar: CRLF lines of at most 75 octets; times in UTC (Vietnam is UTC+7); whole days
    // end on the day after (exclusive); text escaped.
    let ics = std::fs::read_to_string(out.join("su-kien/gan.ics")).unwrap();
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75 && !line.contains('\n'), "{line:?}");
    }
    let unfolded = ics.replace("\r\n ", "");
    let d = Day::today().add_days(3);
    assert!(
        unfolded.contains(&format!(
            "\r\nDTSTART:{:04}{:02}{:02}T013000Z\r\n",
            d.year, d.month, d.day
        )),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("SUMMARY:Ngày hội\\, đọc sách\\; kể chuyện\r\n"),
        "{unfolded}"
    );
    let all = std::fs::read_to_string(out.join("en/su-kien/lich.ics")).unwrap();
    assert_eq!(
        all.matches("BEGIN:VEVENT").count(),
        4,
        "every published event, none of the drafts"
    );
    let (a, b) = (Day::today().add_days(40), Day::today().add_days(47));
    assert!(all.contains(&format!(
        "DTSTART;VALUE=DATE:{:04}{:02}{:02}\r\nDTEND;VALUE=DATE:{:04}{:02}{:02}\r\n",
        a.year, a.month, a.day, b.year, b.month, b.day
    )));
    assert!(all.contains("STATUS:CANCELLED"));

    // The home page shows the next events that will take place (not the cancelled one); the
    // exhibition shows the events linked to it.
    let home = parse(&out.join("index.html"));
    assert_eq!(
        texts(&home, "section[aria-labelledby=events-h] h3"),
        ["Ngày hội, đọc sách; kể chuyện", "Tuần lễ học tập"]
    );
    let ex = parse(&out.join("e/kho-bau/index.html"));
    assert_eq!(
        texts(&ex, "section[aria-labelledby=events-h] h3"),
        ["Ngày hội, đọc sách; kể chuyện"]
    );

    // Open data and the sitemap.
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("data/events.json")).unwrap()).unwrap();
    assert_eq!(data["events"].as_array().unwrap().len(), 4);
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("/su-kien/gan/</loc>") && sitemap.contains("/en/su-kien/</loc>"));
    check_links(&out);

    // events/ is an input of the build: a corrected event is seen by the next build.
    let xa = root.join("events/xa.toml");
    let text = std::fs::read_to_string(&xa)
        .unwrap()
        .replace("Tuần lễ học tập", "Tuần lễ hưởng ứng học tập");
    std::fs::write(&xa, text).unwrap();
    let again = build_into(&root, out_parent.path()).expect("builds");
    assert!(!again.unchanged, "the build saw the change of events/xa.toml");
    let list = parse(&out.join("su-kien/index.html"));
    assert!(texts(&list, ".event-list h3").contains(&"Tuần lễ hưởng ứng học tập".to_string()));
}

#[test]
fn a_broken_event_file_is_reported_with_file_line_and_field() {
    let (_tmp, root) = copy_fixture("tiny");
    let dir = root.join("events");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("sai.toml"),
        "title = { vi = \"Sai\" }\n\
         starts = 2027-05-18T10:00:00\n\
         ends = 2027-05-18T09:00:00\n\
         audience = \"children\"\n\
         capacity = 0\n\
         occasion = \"ngay-bao-tang-quoc-te\"\n\
         objects = [\"T-999\"]\n\
         exhibits = [\"khong-co\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("thieu.toml"),
        "title = { vi = \"Thiếu ngày\" }\nstart = 2027-01-01\n",
    )
    .unwrap();
    // Texts: sai.vi.md belongs to sai.toml; ngay-sach.vi.md and ghi-chu.md belong to no event.
    for name in ["sai.vi.md", "ngay-sach.vi.md", "ghi-chu.md"] {
        std::fs::write(dir.join(name), "Văn bản.\n").unwrap();
    }
    let (_, d) = vitrine::build::check(&root);
    let stray: Vec<_> = d.list.iter().filter(|x| x.code == "stray-text").collect();
    let files: Vec<_> = stray.iter().map(|x| x.pos.file.clone()).collect();
    assert_eq!(
        files,
        [
            Path::new("events/ghi-chu.md"),
            Path::new("events/ngay-sach.vi.md")
        ],
        "{stray:#?}"
    );
    assert!(
        stray
            .iter()
            .all(|x| x.severity == Severity::Warning && x.hint.contains(".vi.md"))
    );
    let errors: Vec<_> = d.list.iter().filter(|x| x.severity == Severity::Error).collect();
    for (code, line, field) in [
        ("invalid-date", 3, "ends"),
        ("invalid-audience", 4, "audience"),
        ("invalid-capacity", 5, "capacity"),
        ("invalid-occasion", 6, "occasion"),
        ("unknown-object", 7, "objects"),
        ("unknown-exhibit", 8, "exhibits"),
    ] {
        assert!(
            errors.iter().any(|e| e.code == code
                && e.pos.file == Path::new("events/sai.toml")
                && e.pos.line == line
                && e.field == field
                && !e.hint.is_empty()),
            "missing {code} at line {line} ({field}): {:#?}",
            errors
        );
    }
    // A misspelt key names the file and the key.
    assert!(
        errors
            .iter()
            .any(|e| e.code == "invalid-toml" && e.pos.file == Path::new("events/thieu.toml")),
        "{errors:#?}"
    );
    // The missing English title is a warning, as for every text.
    assert!(d.list.iter().any(|x| x.code == "missing-translation"
        && x.pos.file == Path::new("events/sai.toml")
        && x.field == "title.en"));
}

/// `vitrine serve` rebuilds the live site after midnight: an event that was coming yesterday is
/// listed among past events the next day, with no publication in between.
#[test]
fn the_nightly_rebuild_moves_yesterdays_event_to_the_past() {
    use vitrine::serve::{AppState, hits::Hits, router};
    let (tmp, root) = copy_fixture("tiny");
    write_events(&root);
    let mut o = vitrine::build::BuildOptions::new(&root);
    o.out = tmp.path().join("public");
    vitrine::build::build_site(&o).expect("builds");
    let rt = crate::serve::runtime();
    rt.block_on(async {
        let store = vitrine::store::Store::open(&format!("sqlite:{}", tmp.path().join("v.db").display()))
            .await
            .unwrap();
        let (hits, _writer) = Hits::start(store.clone());
        let state = AppState::new(&root, &o.out, store, hits)
            .unwrap()
            .editing(o.clone());
        let app = router(state.clone());
        let list = |app: axum::Router| async move {
            let res = crate::staff::send(&app, "GET", "/su-kien/", "", None, &[]).await;
            let html = String::from_utf8(crate::serve::body(res).await).unwrap();
            let doc = scraper::Html::parse_document(&html);
            let upcoming = texts(&doc, "section[aria-labelledby=upcoming-h] h3");
            let past = texts(&doc, "section[aria-labelledby=past-h] h3");
            (upcoming, past)
        };
        let (upcoming, past) = list(app.clone()).await;
        assert!(upcoming.iter().any(|t| t.starts_with("Ngày hội")), "{upcoming:?}");
        assert!(!past.iter().any(|t| t.starts_with("Ngày hội")), "{past:?}");
        // Five days on, the reading day (in three days) is over.
        let changed = vitrine::serve::publish::rebuild_for(&state, Day::today().add_days(5))
            .await
            .expect("rebuilds");
        assert!(changed > 0);
        let (upcoming, past) = list(app.clone()).await;
        assert!(
            !upcoming.iter().any(|t| t.starts_with("Ngày hội")),
            "{upcoming:?}"
        );
        assert!(past.iter().any(|t| t.starts_with("Ngày hội")), "{past:?}");
        // The same day again changes nothing.
        assert_eq!(
            vitrine::serve::publish::rebuild_for(&state, Day::today().add_days(5)).await,
            Ok(0)
        );
    });
}

#[test]
fn the_nightly_rebuild_wakes_just_after_midnight_in_vietnam() {
    use vitrine::serve::publish::until_next_day;
    // 2026-12-03 16:59:55 UTC is 23:59:55 in Vietnam: ten seconds to wait (5 past midnight).
    let t = 1_796_317_195;
    assert_eq!(until_next_day(t), 10);
    // Just after midnight in Vietnam: the next midnight, a day less one second away, and 5 s.
    assert_eq!(until_next_day(t + 6), 86_404);
    // Midday in Vietnam (05:00 UTC): twelve hours and five seconds.
    assert_eq!(until_next_day(1_796_274_000), 12 * 3600 + 5);
}
