// `vitrine serve --watch`, the real binary on a loopback port: pages carry the reload script; a
// saved change rebuilds the site, the open page's event stream says `reload` and the new page is
// served; a broken file keeps the previous site and sends its error to the page; SIGTERM stops
// the server even with an event stream open.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::copy_fixture;

/// A plain HTTP/1.1 GET; returns the status line and the body.
fn get(addr: &str, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = String::new();
    s.read_to_string(&mut all).unwrap();
    let status = all.lines().next().unwrap_or("").to_string();
    let body = all
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Read the event stream until an event named `name`; returns its data lines. The read timeout
/// only keeps a broken server from hanging the test.
fn next_event(r: &mut BufReader<TcpStream>, name: &str) -> String {
    let mut current = String::new();
    let mut data = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            r.read_line(&mut line).unwrap() > 0,
            "the event stream ended before `{name}`"
        );
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(e) = line.strip_prefix("event:") {
            current = e.trim().to_string();
        } else if let Some(d) = line.strip_prefix("data:") {
            data.push(d.trim_start().to_string());
        } else if line.is_empty() {
            if current == name {
                return data.join("\n");
            }
            current.clear();
            data.clear();
        }
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

    let mut es = TcpStream::connect(&addr).unwrap();
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
