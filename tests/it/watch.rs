// `vitrine serve --watch`, the real binary on a loopback port: pages carry the reload script; a
// saved change rebuilds the site, the open page's event stream says `reload` and the new page is
// served; a broken file keeps the previous site and sends its error to the page; SIGTERM stops
// the server even with an event stream open.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::copy_fixture;

/// A plain HTTP/1.1 GET; returns the status line and the body.
fn get(addr: &str, path: &str) -> (String, String) {
    let (status, _, body) = crate::support::http(addr, "GET", path, None, "");
    (status, body)
}

/// The next event of the stream: its name and data lines. The read timeout only keeps a broken
/// server from hanging the test.
fn any_event(r: &mut BufReader<TcpStream>) -> (String, String) {
    let mut current = String::new();
    let mut data = Vec::new();
    loop {
        let mut line = String::new();
        assert!(r.read_line(&mut line).unwrap() > 0, "the event stream ended");
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(e) = line.strip_prefix("event:") {
            current = e.trim().to_string();
        } else if let Some(d) = line.strip_prefix("data:") {
            data.push(d.trim_start().to_string());
        } else if line.is_empty() && !current.is_empty() {
            return (current, data.join("\n"));
        } else if line.is_empty() {
            data.clear();
        }
    }
}

/// Read the event stream until an event named `name`; returns its data lines.
fn next_event(r: &mut BufReader<TcpStream>, name: &str) -> String {
    loop {
        let (n, data) = any_event(r);
        if n == name {
            return data;
        }
    }
}

/// Start `vitrine serve --watch` on `root`; returns the child, its address, and the thread that
/// collects its log.
fn spawn_watching(
    root: &std::path::Path,
    db: &std::path::Path,
) -> (std::process::Child, String, std::thread::JoinHandle<Vec<String>>) {
    crate::support::spawn_serve(root, &["--watch"], &format!("sqlite:{}", db.display()), &[])
}

/// Open the event stream of the server at `addr`.
fn event_stream(addr: &str) -> BufReader<TcpStream> {
    let mut es = TcpStream::connect(addr).unwrap();
    es.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        es,
        "GET /_vitrine/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut events = BufReader::new(es);
    let mut head = String::new();
    events.read_line(&mut head).unwrap();
    assert!(head.contains("200"), "{head}");
    events
}

/// The curator starts the preview in the middle of an edit: it starts anyway, says what is wrong
/// (terminal, page, banner) and goes live when the content is fixed; with the last good site
/// when there is one, else with a page listing the errors.
#[test]
fn the_preview_starts_on_broken_content_and_goes_live_when_it_is_fixed() {
    for built_before in [true, false] {
        let (tmp, root) = copy_fixture("tiny");
        let toml = root.join("exhibits/kho-bau/objects/T-001/object.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        if built_before {
            let ok = Command::new(env!("CARGO_BIN_EXE_vitrine"))
                .arg("--root")
                .arg(&root)
                .args(["build", "--quiet"])
                .status()
                .unwrap();
            assert!(ok.success());
        }
        std::fs::write(
            &toml,
            text.replace("title = { vi = \"Bình gốm men ngọc\"", "title = { vi = 5"),
        )
        .unwrap();
        let (mut child, addr, lines) = spawn_watching(&root, &tmp.path().join("w.db"));
        let (status, page) = get(&addr, "/o/T-001/");
        if built_before {
            // The last good site, with the reload script.
            assert!(status.contains("200"), "{status}");
            assert!(page.contains("Bình gốm men ngọc") && page.contains("/_vitrine/reload.js"));
        } else {
            // A page listing the errors, which reloads itself.
            assert!(status.contains("503"), "{status}");
            let doc = scraper::Html::parse_document(&page);
            let errors: String = doc
                .select(&scraper::Selector::parse("#vitrine-errors").unwrap())
                .next()
                .expect("the errors are listed")
                .text()
                .collect();
            assert!(
                errors.contains("T-001/object.toml:2:") && errors.contains("title.vi"),
                "{errors}"
            );
            assert!(page.contains("/_vitrine/reload.js"));
            let (status, _) = get(&addr, "/en/");
            assert!(status.contains("503"), "{status}");
        }
        // A page opened now shows the errors in its banner at once.
        let mut events = event_stream(&addr);
        let why = next_event(&mut events, "failed");
        assert!(
            why.contains("T-001/object.toml:2:") && why.contains("title.vi"),
            "{why}"
        );
        // Fixed: the pages reload, and the site is live.
        std::fs::write(
            &toml,
            text.replace("Bình gốm men ngọc", "Bình gốm men ngọc đã sửa"),
        )
        .unwrap();
        next_event(&mut events, "reload");
        let (status, page) = get(&addr, "/o/T-001/");
        assert!(status.contains("200"), "{status}");
        assert!(page.contains("Bình gốm men ngọc đã sửa"));
        let (status, _) = get(&addr, "/en/");
        assert!(status.contains("200"), "{status}");
        // A page opened now has no banner to show: its first event is the next reload.
        let mut events = event_stream(&addr);
        std::fs::write(&toml, text.replace("Bình gốm men ngọc", "Bình gốm")).unwrap();
        assert_eq!(any_event(&mut events).0, "reload");

        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        assert!(child.wait().unwrap().success());
        let log = lines.join().unwrap().join("\n");
        assert!(
            log.contains("T-001/object.toml:2:") && log.contains("error[") && log.contains("rebuilt"),
            "the terminal shows the errors, then the rebuild: {log}"
        );
    }
}

#[test]
fn a_saved_change_rebuilds_and_reloads_and_a_broken_one_keeps_the_site() {
    let (tmp, root) = copy_fixture("tiny");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--root")
        .arg(&root)
        .args(["serve", "--watch", "--addr", "127.0.0.1:0", "--database"])
        .arg(format!("sqlite:{}", tmp.path().join("w.db").display()))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "the server stopped before serving"
        );
        if let Some(rest) = line.trim().strip_prefix("vitrine: serving http://") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep reading the log so the server never blocks on a full pipe.
    let lines = std::thread::spawn(move || log.lines().map_while(Result::ok).collect::<Vec<_>>());

    let (status, page) = get(&addr, "/o/T-001/");
    assert!(status.contains("200"), "{status}");
    assert!(page.contains("Bình gốm men ngọc"));
    assert!(page.contains("<script src=\"/_vitrine/reload.js\" defer></script>\n</body>"));
    let (status, js) = get(&addr, "/_vitrine/reload.js");
    assert!(status.contains("200") && js.contains("EventSource"), "{status}");

    let mut events = event_stream(&addr);

    let toml = root.join("exhibits/kho-bau/objects/T-001/object.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("Bình gốm men ngọc", "Bình gốm men ngọc thời Đinh"),
    )
    .unwrap();
    next_event(&mut events, "reload");
    let (_, page) = get(&addr, "/o/T-001/");
    assert!(
        page.contains("Bình gốm men ngọc thời Đinh"),
        "the rebuilt page is served"
    );

    // A broken file: the page is told why, and the last good site stays.
    std::fs::write(&toml, text.replace("title = {", "title = {{")).unwrap();
    let why = next_event(&mut events, "failed");
    assert!(
        why.contains("T-001/object.toml"),
        "the error names the file: {why}"
    );
    let (status, page) = get(&addr, "/o/T-001/");
    assert!(status.contains("200") && page.contains("Bình gốm men ngọc thời Đinh"));

    // SIGTERM with the event stream still open: the server stops, and cleanly.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let log = lines.join().unwrap().join("\n");
    assert!(
        log.contains("rebuilt") && log.contains("previous one is still served"),
        "{log}"
    );
}
