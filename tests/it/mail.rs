// Sign-up e-mails (issue 16) through a real SMTP server: aiosmtpd on a loopback port requiring
// STARTTLS (with a certificate of our own authority, given to vitrine as `ca_file`) and AUTH.
// The real `vitrine serve` process, on SQLite and PostgreSQL: a sign-up made while the mail
// server is down is kept and mailed after a crash and restart; a confirmation carries the code
// and the private link, a waiting-list place and a move up are mailed in the person's language,
// a phone number gets no mail, and the log names no address. When the museum adds places, moves
// or cancels an event, people signed up are told once, even across restarts. Bad `[mail]`
// settings are refused with the file, line and field.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vitrine::content::Day;

use crate::events::day_text;
use crate::serve::{drop_schema, runtime, stores};
use crate::support::*;

const PASSWORD: &str = "mật-khẩu thử 42";

/// aiosmtpd, or why the test cannot run here.
fn smtp_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is required in CI: pip install aiosmtpd"
        );
        eprintln!("skipping: the Python package aiosmtpd is not installed (pip install aiosmtpd)");
    }
    ok && tool("openssl", "openssl")
}

/// A certificate authority and a certificate for `localhost` signed by it, in `dir`.
pub(crate) fn certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=Vitrine test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A Python helper of the tests (`tests/…/*.py`) that prints "ready" (and maybe more on that
/// line) once it listens and stops when its standard input closes: it is stopped when dropped.
pub(crate) struct Helper(std::process::Child);

impl Helper {
    /// The helper started, and what followed "ready" on its first line.
    pub(crate) fn start(script: &str, args: &[&std::ffi::OsStr]) -> (Helper, String) {
        let mut child = Command::new("python3")
            .arg(repo().join(script))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let rest = line.trim().strip_prefix("ready").map(|r| r.trim().to_string());
        let Some(rest) = rest else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{script} did not start (it said {line:?})");
        };
        (Helper(child), rest)
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// The SMTP server on `port`, writing what it receives to `out`.
struct Smtp;

impl Smtp {
    fn start(port: u16, certs: &Path, out: &Path) -> Helper {
        let port = port.to_string();
        let (helper, _) = Helper::start(
            "tests/smtp/server.py",
            &[
                port.as_ref(),
                certs.join("server.pem").as_os_str(),
                certs.join("server.key").as_os_str(),
                out.as_os_str(),
                "vitrine".as_ref(),
                PASSWORD.as_ref(),
            ],
        );
        helper
    }
}

/// The messages the SMTP server has accepted.
fn received(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Wait until `done` holds; a deadline only keeps a broken server from hanging the test.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sign up for `event` by form; the private path of the sign-up.
fn sign_up(addr: &str, lang_prefix: &str, event: &str, fields: &[(&str, &str)]) -> String {
    let body = crate::serve::form(fields);
    let (status, head, _) = http(
        addr,
        "POST",
        &format!("/{lang_prefix}su-kien/{event}/dang-ky/"),
        Some(&body),
        "",
    );
    assert!(status.contains(" 303"), "{status}\n{head}");
    head.lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap()
        .trim()
        .to_string()
}

/// A staff page of the server at `addr`, signed in as a new member of staff.
fn staff_page(rt: &tokio::runtime::Runtime, store: &vitrine::store::Store, addr: &str, path: &str) -> String {
    let cookie = crate::support::session_over_http(rt, store, addr, vitrine::accounts::Role::Staff);
    let (status, _, page) = http(addr, "GET", path, None, &cookie);
    assert!(status.contains(" 200"), "{status}");
    page
}

/// The database `vitrine serve` is given: the SQLite file in `dir`, or the test's PostgreSQL
/// schema.
pub(crate) fn database_url(dir: &Path, schema: &Option<String>) -> String {
    match schema {
        None => format!("sqlite:{}", dir.join("vitrine.db").display()),
        Some(s) => format!(
            "{}?search_path={s}",
            std::env::var("VITRINE_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
        ),
    }
}

/// `[mail]` for the SMTP server on `port`, with the test authority's certificate when `ca`.
fn mail_settings(root: &Path, port: u16, ca: bool, extra: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(root.join("vitrine.toml"))
        .unwrap();
    write!(
        f,
        "\n[mail]\nhost = \"localhost\"\nport = {port}\nuser = \"vitrine\"\npassword_env = \"VITRINE_TEST_SMTP\"\n\
         from = \"Bảo tàng thử <baotang@tiny.example>\"\nreply_to = \"hoi@tiny.example\"\n{}{extra}",
        if ca { "ca_file = \"ca.pem\"\n" } else { "" }
    )
    .unwrap();
}

#[test]
fn sign_up_mails_go_out_through_starttls_and_survive_a_mail_server_down_and_a_crash() {
    if !smtp_available() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    certificates(certs.path());
    let (_tmp, root) = copy_fixture("tiny");
    std::fs::copy(certs.path().join("ca.pem"), root.join("ca.pem")).unwrap();
    std::fs::create_dir_all(root.join("events")).unwrap();
    let day = day_text(Day::today().add_days(20));
    std::fs::write(
        root.join("events/hoi-thao.toml"),
        format!(
            "title = {{ vi = \"Hội thảo gốm\", en = \"Pottery talk\" }}\nstarts = {day}T09:00:00\nends = {day}T11:00:00\n\
             capacity = 2\nplace = {{ vi = \"Phòng 2\", en = \"Room 2\" }}\n"
        ),
    )
    .unwrap();
    let port = free_port();
    mail_settings(&root, port, true, "");
    let db = tempfile::tempdir().unwrap();
    let rt = runtime();
    for (store, schema) in rt.block_on(stores(db.path())) {
        let d = store.dialect();
        let url = database_url(db.path(), &schema);
        let env = [("VITRINE_TEST_SMTP", PASSWORD)];
        let out = db.path().join(format!("received-{d}.jsonl"));
        let mut log = Vec::new();

        // The mail server is down: the sign-up is made and its mail waits in the queue.
        let (mut server, addr, lines) = spawn_serve(&root, &[], &url, &env);
        let (_, _, form) = http(&addr, "GET", "/su-kien/hoi-thao/dang-ky/", None, "");
        assert!(
            form.contains("Nếu ghi địa chỉ email, bạn sẽ nhận thư xác nhận"),
            "{d}: the form says mail is sent"
        );
        let lan = sign_up(
            &addr,
            "",
            "hoi-thao",
            &[
                ("kind", "individual"),
                ("people", "2"),
                ("name", "Nguyễn Thị Lan"),
                ("contact", "lan.nguyen@example.vn"),
                ("consent", "yes"),
            ],
        );
        let (status, _, page) = http(&addr, "GET", &lan, None, "");
        assert!(
            status.contains("200") && page.contains("Bạn đã có chỗ"),
            "{d}: {status}"
        );
        wait_for("a first try", || {
            let (n, next) = rt.block_on(store.mail_waiting()).unwrap();
            n == 1 && next.is_some_and(|t| t > vitrine::visits::now())
        });
        let events = staff_page(&rt, &store, &addr, "/staff/events/");
        assert!(
            events.contains("1 email xác nhận đang chờ gửi") && events.contains("Vitrine sẽ tự gửi lại"),
            "{d}: staff see the mail waiting"
        );
        // A crash: the queue is in the database.
        server.kill().unwrap();
        server.wait().unwrap();
        log.extend(lines.join().unwrap());
        assert!(
            log.iter()
                .any(|l| l.contains("failed (connection)") && l.contains("trying again")),
            "{d}: {log:?}"
        );

        // The mail server is up and vitrine starts again: the waiting mail goes out.
        let smtp = Smtp::start(port, certs.path(), &out);
        let (mut server, addr, lines) = spawn_serve(&root, &[], &url, &env);
        wait_for("the confirmation", || received(&out).len() == 1);
        let first = &received(&out)[0];
        let token = lan.trim_end_matches('/').rsplit('/').next().unwrap();
        let body = first["body"].as_str().unwrap();
        assert_eq!(first["rcpt"], serde_json::json!(["lan.nguyen@example.vn"]), "{d}");
        assert_eq!(first["subject"], "Xác nhận đăng ký: Hội thảo gốm", "{d}");
        assert_eq!(
            (first["tls"].as_bool(), first["auth"].as_bool()),
            (Some(true), Some(true)),
            "{d}: STARTTLS and AUTH"
        );
        assert_eq!(first["from"], "Bảo tàng thử <baotang@tiny.example>", "{d}");
        assert_eq!(first["reply_to"], "hoi@tiny.example", "{d}");
        // The text, and the event's calendar file to add it to a phone's calendar.
        assert_eq!(first["content_type"], "multipart/mixed", "{d}");
        let ics = &first["attachments"][0];
        assert_eq!(
            (&ics["filename"], &ics["content_type"], &ics["method"]),
            (
                &serde_json::json!("hoi-thao.ics"),
                &serde_json::json!("text/calendar"),
                &serde_json::json!("PUBLISH")
            ),
            "{d}: {first}"
        );
        let cal = ics["content"].as_str().unwrap();
        assert!(
            cal.starts_with("BEGIN:VCALENDAR") && cal.contains("SUMMARY:Hội thảo gốm"),
            "{d}: {cal}"
        );
        assert!(body.contains("Xin chào Nguyễn Thị Lan,"), "{d}: {body}");
        assert!(
            body.contains(&format!("https://tiny.example/dang-ky/{token}/")),
            "{d}: {body}"
        );
        assert!(
            body.contains("Phòng 2") && body.contains("Số người: 2"),
            "{d}: {body}"
        );
        assert!(
            body.contains("https://tiny.example/su-kien/hoi-thao.ics"),
            "{d}: {body}"
        );
        let code = rt
            .block_on(store.signups_of("hoi-thao"))
            .unwrap()
            .into_iter()
            .find(|s| s.people == 2)
            .unwrap()
            .code;
        assert!(body.contains(&vitrine::learn::spaced_code(&code)), "{d}: {body}");

        // The event is full: an English sign-up waits and is told so, in English; a phone number
        // gets no mail.
        let minh = sign_up(
            &addr,
            "en/",
            "hoi-thao",
            &[
                ("kind", "individual"),
                ("people", "1"),
                ("name", "Minh"),
                ("contact", "minh@example.vn"),
                ("consent", "yes"),
            ],
        );
        sign_up(
            &addr,
            "",
            "hoi-thao",
            &[
                ("kind", "individual"),
                ("people", "1"),
                ("name", "Hà"),
                ("contact", "0912 345 678"),
                ("consent", "yes"),
            ],
        );
        wait_for("the waiting-list mail", || received(&out).len() == 2);
        let waiting = &received(&out)[1];
        assert_eq!(waiting["rcpt"], serde_json::json!(["minh@example.vn"]), "{d}");
        assert_eq!(waiting["subject"], "Waiting list: Pottery talk", "{d}");
        assert_eq!(
            waiting["content_type"], "text/plain",
            "{d}: no calendar while waiting"
        );
        assert!(minh.starts_with("/en/dang-ky/"), "{d}: {minh}");

        // Lan cancels: she is told, and Minh, first in line, moves up and is told.
        let (status, _, _) = http(&addr, "POST", &format!("{lan}huy/"), Some(""), "");
        assert!(status.contains(" 303"), "{d}: {status}");
        wait_for("the cancellation and the move up", || received(&out).len() == 4);
        let all = received(&out);
        let to = |who: &str| {
            all.iter()
                .filter(|m| m["rcpt"][0] == who)
                .map(|m| {
                    (
                        m["subject"].as_str().unwrap().to_string(),
                        m["body"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let lan_mails = to("lan.nguyen@example.vn");
        assert_eq!(lan_mails.len(), 2, "{d}");
        assert_eq!(lan_mails[1].0, "Đã huỷ đăng ký: Hội thảo gốm", "{d}");
        let minh_mails = to("minh@example.vn");
        assert_eq!(minh_mails.len(), 2, "{d}");
        assert_eq!(minh_mails[1].0, "You have a place: Pottery talk", "{d}");
        let moved_mail = all
            .iter()
            .find(|m| m["subject"] == "You have a place: Pottery talk")
            .unwrap();
        let cal = moved_mail["attachments"][0]["content"]
            .as_str()
            .unwrap_or_default();
        assert!(
            cal.contains("SUMMARY:Pottery talk"),
            "{d}: the calendar in English: {moved_mail}"
        );
        let moved = &minh_mails[1].1;
        assert!(
            moved.contains("Hello Minh,") && moved.contains("Room 2"),
            "{d}: {moved}"
        );
        assert!(
            !moved.contains("/dang-ky/"),
            "{d}: the private link is only in the first mail"
        );
        assert!(all.iter().all(|m| m["rcpt"][0] != "0912 345 678"), "{d}");
        // The SMTP server has the last mail before the sender hears its answer and clears it
        // from the queue: the queue empties a moment after the mail arrives.
        wait_for(&format!("{d}: an empty queue"), || {
            rt.block_on(store.mail_waiting()).unwrap().0 == 0
        });

        // Staff see that the queue is empty.
        let events = staff_page(&rt, &store, &addr, "/staff/events/");
        assert!(
            events.contains("id=\"mail-queue\"") && events.contains("Mọi email xác nhận đã được gửi"),
            "{d}"
        );

        // SIGTERM; the log has numbers, never an address or a name.
        Command::new("kill")
            .arg(server.id().to_string())
            .status()
            .unwrap();
        assert!(server.wait().unwrap().success(), "{d}");
        log.extend(lines.join().unwrap());
        assert_eq!(
            log.iter()
                .filter(|l| l.contains(") of sign-up ") && l.ends_with(" sent"))
                .count(),
            4,
            "{d}: {log:?}"
        );
        for l in &log {
            assert!(
                !l.contains('@') && !l.contains("Lan") && !l.contains("Minh"),
                "{d}: {l}"
            );
        }
        drop(smtp);
        rt.block_on(drop_schema(&store, &schema));
    }
}

#[test]
fn bad_mail_settings_are_refused_with_their_field() {
    let (_tmp, root) = copy_fixture("tiny");
    mail_settings(&root, 587, false, "security = \"ssl\"\n");
    let text = std::fs::read_to_string(root.join("vitrine.toml")).unwrap();
    let text = text.replace(
        "from = \"Bảo tàng thử <baotang@tiny.example>\"",
        "from = \"Bảo tàng thử\"",
    );
    std::fs::write(root.join("vitrine.toml"), &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--root")
        .arg(&root)
        .arg("check")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for (field, line) in [
        ("mail.security", line_of("security = ")),
        ("mail.from", line_of("from = \"Bảo")),
    ] {
        assert!(
            said.lines()
                .any(|l| l.contains(&format!("vitrine.toml:{line}:")) && l.contains(field)),
            "{field} at line {line}: {said}"
        );
    }
    assert!(
        said.contains("starttls") && said.contains("not an e-mail address"),
        "{said}"
    );

    // Good settings, but the password is not in the environment: the server does not start.
    let (_tmp, root) = copy_fixture("tiny");
    mail_settings(&root, 587, false, "");
    let db = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--root")
        .arg(&root)
        .args(["serve", "--addr", "127.0.0.1:0", "--database"])
        .arg(format!("sqlite:{}", db.path().join("v.db").display()))
        .env_remove("VITRINE_TEST_SMTP")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("VITRINE_TEST_SMTP"),
        "the password's variable is named: {said}"
    );
}

#[test]
fn people_signed_up_are_mailed_when_the_museum_cancels_or_moves_the_event_and_more_places_move_the_waiting_up()
 {
    if !smtp_available() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    certificates(certs.path());
    let (_tmp, root) = copy_fixture("tiny");
    std::fs::copy(certs.path().join("ca.pem"), root.join("ca.pem")).unwrap();
    std::fs::create_dir_all(root.join("events")).unwrap();
    let day = day_text(Day::today().add_days(20));
    let later = day_text(Day::today().add_days(27));
    let event = |day: &str, capacity: u32, status: &str| {
        std::fs::write(
            root.join("events/hoi-thao.toml"),
            format!(
                "title = {{ vi = \"Hội thảo gốm\", en = \"Pottery talk\" }}\nstarts = {day}T09:00:00\n\
                 capacity = {capacity}\nplace = {{ vi = \"Phòng 2\", en = \"Room 2\" }}\nstatus = \"{status}\"\n"
            ),
        )
        .unwrap();
    };
    event(&day, 2, "published");
    let port = free_port();
    mail_settings(&root, port, true, "");
    let db = tempfile::tempdir().unwrap();
    let rt = runtime();
    for (store, schema) in rt.block_on(stores(db.path())) {
        let d = store.dialect();
        event(&day, 2, "published");
        let url = database_url(db.path(), &schema);
        let env = [("VITRINE_TEST_SMTP", PASSWORD)];
        let out = db.path().join(format!("changes-{d}.jsonl"));
        let _smtp = Smtp::start(port, certs.path(), &out);
        let mut log = Vec::new();
        let person = |name: &str, contact: &str| {
            [
                ("kind", "individual"),
                ("people", "2"),
                ("name", name),
                ("contact", contact),
                ("consent", "yes"),
            ]
            .map(|(k, v)| (k, v.to_string()))
        };
        fn fields<'a>(p: &'a [(&'a str, String); 5]) -> Vec<(&'a str, &'a str)> {
            p.iter().map(|(k, v)| (*k, v.as_str())).collect()
        }
        // Lan has the two places; Minh (English) and Hà (a phone number) wait.
        let (mut server, addr, mut lines) = spawn_serve(&root, &[], &url, &env);
        sign_up(&addr, "", "hoi-thao", &fields(&person("Lan", "lan@example.vn")));
        sign_up(
            &addr,
            "en/",
            "hoi-thao",
            &fields(&person("Minh", "minh@example.vn")),
        );
        sign_up(&addr, "", "hoi-thao", &fields(&person("Hà", "0912 345 678")));
        wait_for("the sign-up mails", || received(&out).len() == 2);
        let restart = |server: &mut std::process::Child,
                       log: &mut Vec<String>,
                       lines: std::thread::JoinHandle<Vec<String>>| {
            // Every mail sent and cleared from the queue first: a mail the SMTP server took just
            // before a kill is sent again at the next start (at least once, never lost).
            wait_for("an empty queue", || {
                rt.block_on(store.mail_waiting()).unwrap().0 == 0
            });
            server.kill().unwrap();
            server.wait().unwrap();
            log.extend(lines.join().unwrap());
            spawn_serve(&root, &[], &url, &env)
        };

        // The museum adds two places: Minh moves up without anyone cancelling, and is told.
        event(&day, 4, "published");
        let (s, _, l) = restart(&mut server, &mut log, lines);
        (server, lines) = (s, l);
        wait_for("the move up", || received(&out).len() == 3);
        assert_eq!(
            received(&out)[2]["subject"],
            "You have a place: Pottery talk",
            "{d}"
        );
        let statuses = |store: &vitrine::store::Store| {
            rt.block_on(store.signups_of("hoi-thao"))
                .unwrap()
                .into_iter()
                .map(|s| {
                    (
                        s.name.unwrap_or_default(),
                        s.status.code().to_string(),
                        s.event_day,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            statuses(&store),
            [
                ("Lan".into(), "confirmed".into(), day.clone()),
                ("Minh".into(), "confirmed".into(), day.clone()),
                ("Hà".into(), "waiting".into(), day.clone())
            ],
            "{d}"
        );
        // A restart with nothing changed tells nobody anything.
        let (s, addr2, l) = restart(&mut server, &mut log, lines);
        (server, lines) = (s, l);
        let _ = http(&addr2, "GET", "/su-kien/hoi-thao/", None, "");

        // The event moves a week later: everyone with an address is told, in their language, with
        // the new day and a new calendar file; the sign-ups count in the new day's year.
        event(&later, 4, "published");
        let (s, _, l) = restart(&mut server, &mut log, lines);
        (server, lines) = (s, l);
        wait_for("the moves", || received(&out).len() == 5);
        let all = received(&out);
        let moved: Vec<_> = all[3..].iter().collect();
        let lan = moved
            .iter()
            .find(|m| m["rcpt"][0] == "lan@example.vn")
            .expect("Lan told");
        assert_eq!(
            lan["subject"], "Sự kiện đổi thời gian hoặc địa điểm: Hội thảo gốm",
            "{d}"
        );
        let vi_day =
            vitrine::render::views::format_day(Day::today().add_days(27), vitrine::content::Lang::Vi);
        assert!(lan["body"].as_str().unwrap().contains(&vi_day), "{d}: {lan}");
        assert!(
            lan["attachments"][0]["content"]
                .as_str()
                .unwrap()
                .contains(&format!("DTSTART:{}T020000Z", later.replace('-', ""))),
            "{d}: {lan}"
        );
        let minh = moved
            .iter()
            .find(|m| m["rcpt"][0] == "minh@example.vn")
            .expect("Minh told");
        assert_eq!(minh["subject"], "New time or place: Pottery talk", "{d}");
        assert!(
            statuses(&store).iter().all(|s| s.2 == later),
            "{d}: {:?}",
            statuses(&store)
        );

        // The museum cancels it: told once each, and nobody waiting moves up into it.
        event(&later, 10, "cancelled");
        let (s, _, l) = restart(&mut server, &mut log, lines);
        (server, lines) = (s, l);
        wait_for("the cancellations", || received(&out).len() == 7);
        let all = received(&out);
        let subjects: BTreeSet<_> = all[5..]
            .iter()
            .map(|m| m["subject"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            subjects,
            BTreeSet::from([
                "Sự kiện đã bị huỷ: Hội thảo gốm".to_string(),
                "Event cancelled: Pottery talk".to_string()
            ]),
            "{d}"
        );
        assert!(
            all[5..]
                .iter()
                .all(|m| m["attachments"].as_array().unwrap().is_empty()),
            "{d}"
        );
        assert_eq!(
            statuses(&store)[2].1,
            "waiting",
            "{d}: Hà stays waiting for a cancelled event"
        );
        // A restart tells nobody again.
        let (s, addr3, l) = restart(&mut server, &mut log, lines);
        (server, lines) = (s, l);
        let _ = http(&addr3, "GET", "/su-kien/hoi-thao/", None, "");
        server.kill().unwrap();
        server.wait().unwrap();
        log.extend(lines.join().unwrap());
        assert!(
            log.iter().any(|l| l.contains("event hoi-thao: event_cancelled")),
            "{d}: {log:?}"
        );
        assert_eq!(received(&out).len(), 7, "{d}: nobody is told twice");
        for l in &log {
            assert!(
                !l.contains('@') && !l.contains("Lan") && !l.contains("Minh"),
                "{d}: {l}"
            );
        }
        rt.block_on(drop_schema(&store, &schema));
    }
}
