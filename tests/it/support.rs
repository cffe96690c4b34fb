// Shared test helpers: fixture copies, one shared build of the demo museum, HTML parsing and a
// link checker over a built site.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use scraper::{Html, Selector};
use vitrine::build::{BuildOptions, BuildReport, build_site};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// A copy of a fixture in a temporary folder, so a test can change it.
pub fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dest = tmp.path().join(name);
    copy_dir(&fixture(name), &dest);
    (tmp, dest)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

pub fn build_into(root: &Path, out_parent: &Path) -> Result<BuildReport, vitrine::build::BuildError> {
    let mut o = BuildOptions::new(root);
    o.out = out_parent.join("public");
    o.cache = out_parent.join("cache");
    build_site(&o)
}

pub struct Demo {
    _tmp: tempfile::TempDir,
    pub out: PathBuf,
    pub cache_parent: PathBuf,
    pub report: BuildReport,
}

/// The demo museum (exhibits/ of this repository), built once for all tests that read it.
pub fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("temp dir");
        let report = match build_into(&repo(), tmp.path()) {
            Ok(r) => r,
            Err(vitrine::build::BuildError::Content(d)) => {
                let all: Vec<String> = d.sorted().iter().map(|x| x.to_string()).collect();
                panic!("the demo museum does not build:\n{}", all.join("\n"))
            }
            Err(e) => panic!("the demo museum does not build: {e}"),
        };
        Demo {
            out: tmp.path().join("public"),
            cache_parent: tmp.path().to_path_buf(),
            report,
            _tmp: tmp,
        }
    })
}

pub fn html_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, &mut |p| {
        if p.extension().is_some_and(|e| e == "html") {
            out.push(p.to_path_buf());
        }
    });
    out.sort();
    out
}

/// Every file under `root` (a built site, a museum folder) with its bytes, by relative path.
pub fn snapshot(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    walk(root, &mut |p| {
        files.insert(
            p.strip_prefix(root).unwrap().to_path_buf(),
            std::fs::read(p).unwrap(),
        );
    });
    files
}

/// How two snapshots differ, a line a file, for failure messages.
pub fn differences(
    a: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
    b: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (p, v) in a {
        match b.get(p) {
            None => out.push(format!("only in the first: {}", p.display())),
            Some(w) if w != v => out.push(format!("differs: {}", p.display())),
            _ => {}
        }
    }
    for p in b.keys().filter(|p| !a.contains_key(*p)) {
        out.push(format!("only in the second: {}", p.display()));
    }
    out
}

pub fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

pub fn parse(path: &Path) -> Html {
    Html::parse_document(&std::fs::read_to_string(path).unwrap())
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// Resolve a URL found in `page` (a file under `root`) to a file of the site, or None for
/// external links. Panics on a link that leaves the site folder.
pub fn resolve(root: &Path, page: &Path, url: &str) -> Option<(PathBuf, Option<String>)> {
    if url.is_empty() || url.contains("://") || url.starts_with("mailto:") || url.starts_with("tel:") {
        return None;
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (url, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let base = if path.starts_with('/') {
        root.to_path_buf()
    } else {
        page.parent().unwrap().to_path_buf()
    };
    let mut resolved = if path.is_empty() {
        page.to_path_buf()
    } else {
        base.clone()
    };
    if !path.is_empty() {
        for c in Path::new(path.trim_start_matches('/')).components() {
            match c {
                Component::ParentDir => {
                    assert!(
                        resolved.pop() && resolved.starts_with(root),
                        "{}: link {url} leaves the site",
                        page.display()
                    );
                }
                Component::Normal(n) => resolved.push(n),
                _ => {}
            }
        }
        if path.ends_with('/') {
            resolved.push("index.html");
        }
    }
    assert!(
        resolved.starts_with(root),
        "{}: link {url} leaves the site",
        page.display()
    );
    Some((resolved, fragment))
}

/// The URLs a page refers to: links, images, srcset candidates, stylesheets, scripts, audio, and
/// the files its scripts fetch (search index, deep-zoom info.json). Canonical and alternate links
/// (absolute addresses of the live site) are left out.
pub fn page_urls(doc: &Html) -> Vec<String> {
    let attrs = [
        ("a[href]", "href"),
        ("link[href]", "href"),
        ("img[src]", "src"),
        ("script[src]", "src"),
        ("source[src]", "src"),
        ("audio[src]", "src"),
    ];
    let mut urls: Vec<String> = Vec::new();
    for (s, a) in attrs {
        for el in doc.select(&sel(s)) {
            let rel = el.value().attr("rel").unwrap_or("");
            if rel == "canonical" || rel == "alternate" {
                continue;
            }
            urls.push(el.value().attr(a).unwrap().to_string());
        }
    }
    for el in doc.select(&sel("[data-index]")) {
        urls.push(el.value().attr("data-index").unwrap().to_string());
    }
    for el in doc.select(&sel("[data-zoom]")) {
        urls.push(format!("{}info.json", el.value().attr("data-zoom").unwrap()));
    }
    for el in doc.select(&sel("[srcset]")) {
        for cand in el.value().attr("srcset").unwrap().split(',') {
            urls.push(cand.split_whitespace().next().unwrap_or("").to_string());
        }
    }
    urls
}

/// Crawl the site from its home pages (`index.html` and `en/index.html`) by following links, as a
/// visitor or a search engine would. Returns every HTML page reached.
pub fn crawl(root: &Path) -> BTreeSet<PathBuf> {
    let mut seen = BTreeSet::new();
    let mut queue = vec![root.join("index.html"), root.join("en/index.html")];
    while let Some(page) = queue.pop() {
        if !page.is_file() || !seen.insert(page.clone()) {
            continue;
        }
        for u in page_urls(&parse(&page)) {
            if let Some((file, _)) = resolve(root, &page, &u)
                && file.extension().is_some_and(|e| e == "html")
                && !seen.contains(&file)
            {
                queue.push(file);
            }
        }
    }
    seen
}

/// Every internal link, image, srcset candidate, stylesheet and script of every page exists; every
/// fragment names an id of its target page. Returns the set of files reached.
pub fn check_links(root: &Path) -> BTreeSet<PathBuf> {
    let mut reached = BTreeSet::new();
    let mut broken = Vec::new();
    for page in html_files(root) {
        let doc = parse(&page);
        let urls = page_urls(&doc);
        for u in urls {
            let Some((file, frag)) = resolve(root, &page, &u) else {
                continue;
            };
            if !file.is_file() {
                broken.push(format!(
                    "{}: {u} → {} does not exist",
                    page.display(),
                    file.display()
                ));
                continue;
            }
            if let Some(f) = frag.filter(|f| !f.is_empty())
                && file.extension().is_some_and(|e| e == "html")
            {
                let target = parse(&file);
                if target.select(&sel(&format!("[id=\"{f}\"]"))).next().is_none() {
                    broken.push(format!("{}: {u} → no element with id {f}", page.display()));
                }
            }
            reached.insert(file);
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    reached
}

/// Whether an outside tool is installed. In CI a missing tool is a failure with an install hint;
/// elsewhere the test is skipped with a printed reason.
pub fn tool(cmd: &str, package: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{cmd} is required in CI: apt-get install {package}"
        );
        eprintln!("skipping: {cmd} is not installed (apt-get install {package})");
    }
    found
}

/// Start `vitrine serve` on `root` on a free loopback port, with `extra` arguments, the database
/// at `database` and `env` added to its environment; returns the child, its address, and the
/// thread that collects its log (it must go on reading, or the server blocks on a full pipe).
pub fn spawn_serve(
    root: &Path,
    extra: &[&str],
    database: &str,
    env: &[(&str, &str)],
) -> (std::process::Child, String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--root")
        .arg(root)
        .arg("serve")
        .args(extra)
        .args(["--addr", "127.0.0.1:0", "--database", database])
        .envs(env.iter().copied())
        // Not the test's own output: a server left running by a failed test would hold it open.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut before = Vec::new();
    let addr = loop {
        let mut line = String::new();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "the server stopped before serving:\n{}",
            before.join("")
        );
        if let Some(rest) = line.trim().strip_prefix("vitrine: serving http://") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        before.push(line);
    };
    let lines = std::thread::spawn(move || {
        let mut all: Vec<String> = before.iter().map(|l| l.trim_end().to_string()).collect();
        all.extend(log.lines().map_while(Result::ok));
        all
    });
    (child, addr, lines)
}

/// One HTTP/1.1 request over a new connection: a GET, or a POST of a form from the same
/// origin, with `cookie` ("name=value; …", or empty). Returns the status line, the head and the
/// body.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    form: Option<&str>,
    cookie: &str,
) -> (String, String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let body = form.unwrap_or("");
    let mut extra = if form.is_some() {
        format!(
            "Origin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        )
    } else {
        String::new()
    };
    if !cookie.is_empty() {
        extra.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut all = String::new();
    s.read_to_string(&mut all).unwrap();
    let (head, body) = all.split_once("\r\n\r\n").unwrap_or((&all, ""));
    let status = head.lines().next().unwrap_or("").to_string();
    (status, head.to_string(), body.to_string())
}

/// The session cookie of a new account with `role` on the server at `addr`, signed in over real
/// HTTP (the login form's cookie and token, then the session cookie).
pub fn session_over_http(
    rt: &tokio::runtime::Runtime,
    store: &vitrine::store::Store,
    addr: &str,
    role: vitrine::accounts::Role,
) -> String {
    let name = format!(
        "{}{}",
        role.code(),
        vitrine::accounts::new_token().get(..8).unwrap()
    );
    let password = "a staff password";
    rt.block_on(store.add_user(&name, "", role, &vitrine::accounts::hash_password(password), 0))
        .unwrap();
    let (_, head, page) = http(addr, "GET", "/staff/login/", None, "");
    let login = cookie_of(&head, "vitrine_login");
    let csrf = crate::staff::input_value(&page, "csrf");
    let body = crate::serve::form(&[("csrf", &csrf), ("username", &name), ("password", password)]);
    let (status, head, _) = http(addr, "POST", "/staff/login/", Some(&body), &login);
    assert!(status.contains(" 303"), "{status}");
    cookie_of(&head, "vitrine_session")
}

/// `name=value` of the cookie `name` set in a response head.
pub fn cookie_of(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .filter_map(|c| c.split(';').next())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name} in {head}"))
        .to_string()
}
