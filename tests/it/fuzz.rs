// Bad content never breaks the site. Property tests feed the loader, the Markdown renderer and the
// build arbitrary TOML, Markdown, file names and damaged images. Whatever comes in, a run ends in a
// site or in diagnostics that name a file of the museum, never in a panic; nothing is written
// outside the output and cache folders; no text of a content file becomes script in a page.
//
// Inputs are bounded in size instead of timed (proptest's per-case timeout needs a fork per case).
// Failures are not persisted: proptest prints the minimal failing input, which is the reproduction.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use scraper::Html;
use unicode_normalization::UnicodeNormalization;
use vitrine::build::{BuildError, BuildOptions, build_site, check};
use vitrine::diag::{Diagnostic, Diagnostics, Severity};

use crate::support::{check_links, copy_fixture, html_files, parse, sel};

// ---------------------------------------------------------------------------------------------
// The harness: a copy of the tiny museum, one check and one build per case, and the invariants
// every outcome must satisfy.

fn config(cases: u32, shrink: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        max_shrink_iters: shrink,
        ..ProptestConfig::with_cases(cases)
    }
}

/// Run `test` on `cases` values of `strategy`; on failure, panic with the minimal failing input.
fn run<S: Strategy>(cases: u32, shrink: u32, strategy: S, test: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config(cases, shrink));
    if let Err(e) = runner.run(&strategy, |v| {
        test(v);
        Ok(())
    }) {
        panic!("{e}");
    }
}

const OBJECT_DIR: &str = "exhibits/kho-bau/objects/T-001";

struct Museum {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Museum {
    fn tiny() -> Museum {
        let (tmp, root) = copy_fixture("tiny");
        Museum { tmp, root }
    }

    fn out(&self) -> PathBuf {
        self.tmp.path().join("public")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        std::fs::write(self.path(rel), bytes).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Replace `from` by `to` in a content file; the text must be there.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no {from:?}");
        self.write(rel, text.replacen(from, to, 1));
    }
}

/// What became of one case: the check's diagnostics, and the build's when it refused.
struct Outcome {
    checked: Diagnostics,
    refused: Option<Diagnostics>,
}

impl Outcome {
    fn built(&self) -> bool {
        self.refused.is_none()
    }

    /// Errors of the check and of the build.
    fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.checked
            .list
            .iter()
            .chain(self.refused.iter().flat_map(|d| d.list.iter()))
            .filter(|d| d.severity == Severity::Error)
    }

    fn show(&self) -> String {
        self.errors()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Every file and folder under `dir` but the output folder `public/`, with a hash of each file.
fn outside_output(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn go(base: &Path, dir: &Path, m: &mut BTreeMap<PathBuf, String>) {
        for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            if rel == Path::new("public") {
                continue;
            }
            if p.is_dir() {
                m.insert(rel, "folder".into());
                go(base, &p, m);
            } else {
                let hash = blake3::hash(&std::fs::read(&p).unwrap()).to_hex().to_string();
                m.insert(rel, hash);
            }
        }
    }
    let mut m = BTreeMap::new();
    go(dir, dir, &mut m);
    m
}

/// Every error names, by a relative path, a file or folder of the museum, says what is wrong and
/// how to fix it; no diagnostic passes control characters of the content on to a terminal.
fn assert_errors_name_files(root: &Path, diags: &Diagnostics) {
    for d in &diags.list {
        // Printed, it is two lines and no control character of the content reaches the terminal.
        let shown = d.to_string();
        assert!(
            shown.chars().all(|c| c == '\n' || !c.is_control()) && shown.lines().count() <= 2,
            "a diagnostic prints control characters or more than two lines: {shown:?}"
        );
    }
    for d in diags.list.iter().filter(|d| d.severity == Severity::Error) {
        let f = &d.pos.file;
        let inside = !f.as_os_str().is_empty() && f.components().all(|c| matches!(c, Component::Normal(_)));
        assert!(
            inside && root.join(f).exists(),
            "{d}\n  does not name a file of the museum"
        );
        assert!(
            !d.message.trim().is_empty() && !d.hint.trim().is_empty(),
            "{d}\n  says nothing or gives no fix"
        );
    }
}

/// Check the museum, then build it into `public/` beside it with the image cache `cache`, and
/// assert what holds for every input: no panic; errors name files; content errors and only they
/// stop the build; a built site carries no script of the content; nothing outside `public/` and
/// `cache` changed.
fn check_and_build(m: &Museum, cache: &Path) -> Outcome {
    let before = outside_output(m.tmp.path());
    let (_, checked) = check(&m.root);
    assert_errors_name_files(&m.root, &checked);
    let mut o = BuildOptions::new(&m.root);
    o.out = m.out();
    o.cache = cache.to_path_buf();
    let refused = match build_site(&o) {
        Ok(_) => {
            let shown: Vec<String> = checked.list.iter().map(|d| d.to_string()).collect();
            assert!(
                !checked.has_errors(),
                "built although the check found errors:\n{}",
                shown.join("\n")
            );
            assert_site_inert(&m.out());
            None
        }
        Err(BuildError::Content(d)) => {
            assert!(d.has_errors(), "a refused build names no error");
            assert_errors_name_files(&m.root, &d);
            assert!(!m.out().exists(), "a refused build left an output folder");
            Some(d)
        }
        Err(e) => panic!("the build failed without a content diagnostic: {e}"),
    };
    assert_eq!(
        before,
        outside_output(m.tmp.path()),
        "the run changed files outside its output folder"
    );
    Outcome { checked, refused }
}

// ---------------------------------------------------------------------------------------------
// What "no script" means, for a whole built page and for a fragment of rendered Markdown.

const URL_ATTRIBUTES: [&str; 9] = [
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "cite",
    "background",
    "data",
    "xlink:href",
];

/// The scheme a browser would see in `url` (it drops outer spaces and controls and every tab and
/// newline first), lower-cased; None for a relative URL.
fn scheme(url: &str) -> Option<String> {
    let u: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (s, _) = u.split_once(':')?;
    let valid = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| s.to_ascii_lowercase())
}

/// No script the site did not put there: every `<script>` is JSON-LD or one of the site's own
/// assets (when `site_scripts`), no event handler attribute, no URL with a scheme other than
/// http(s), mailto and tel, no frame or plugin element.
fn assert_inert(doc: &Html, place: &str, site_scripts: bool) {
    for s in doc.select(&sel("script")) {
        let v = s.value();
        let json = v.attr("type") == Some("application/ld+json");
        let own = v.attr("src").is_some_and(|x| {
            ["search", "zoom", "programmes", "tour", "notfound", "labels"]
                .iter()
                .any(|a| x.contains(&format!("assets/{a}.")))
        });
        assert!(
            site_scripts && (json || own),
            "{place}: unexpected script {}",
            s.html()
        );
        if json {
            let text: String = s.text().collect();
            assert!(!text.contains("</script"), "{place}: JSON-LD closes its script");
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{place}: JSON-LD does not parse: {e}"));
        }
    }
    // One pass over every element: selectors with descendant combinators are quadratic on the
    // deeply nested trees Markdown can make.
    for el in doc.tree.values().filter_map(|n| n.as_element()) {
        let tag = el.name();
        let refresh = tag == "meta" && el.attr("http-equiv").is_some();
        assert!(!BANNED.contains(&tag) && !refresh, "{place}: a <{tag}> element");
        for (name, value) in el.attrs() {
            assert!(
                !name.to_ascii_lowercase().starts_with("on"),
                "{place}: event handler attribute {name}={value:?}"
            );
            let urls: Vec<&str> = if name == "srcset" {
                value
                    .split(',')
                    .filter_map(|c| c.split_whitespace().next())
                    .collect()
            } else if URL_ATTRIBUTES.contains(&name) {
                vec![value]
            } else {
                vec![]
            };
            for u in urls {
                let s = scheme(u);
                assert!(
                    s.as_deref()
                        .is_none_or(|s| ["http", "https", "mailto", "tel"].contains(&s)),
                    "{place}: {name}={u:?} has the scheme {s:?}"
                );
            }
        }
    }
    // The site's own icons are plain shapes.
    for svg in doc.select(&sel("svg")) {
        for el in svg.descendants().filter_map(|n| n.value().as_element()) {
            let n = el.name();
            assert!(
                ["svg", "path", "rect"].contains(&n),
                "{place}: <{n}> inside an svg"
            );
        }
    }
}

/// Elements that load other documents or plugins, change where links go, or style the page.
const BANNED: [&str; 10] = [
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "math", "template", "style",
];

/// Every page of a built site is inert.
fn assert_site_inert(out: &Path) {
    for page in html_files(out) {
        assert_inert(&parse(&page), &page.display().to_string(), true);
    }
}

/// Rendered Markdown holds only the elements and attributes Markdown itself makes.
fn assert_markdown_inert(html: &str) {
    let doc = Html::parse_fragment(html);
    let place = format!("to_html output {:?}", excerpt(html));
    assert_inert(&doc, &place, false);
    const ELEMENTS: &str = "html body p h1 h2 h3 h4 h5 h6 blockquote ul ol li a img em strong del \
                            code pre table thead tbody tr th td hr br";
    for v in doc.tree.values().filter_map(|n| n.as_element()) {
        assert!(
            ELEMENTS.split_whitespace().any(|e| e == v.name()),
            "{place}: Markdown made a <{}> element",
            v.name()
        );
        for (name, value) in v.attrs() {
            let ok = match name {
                "href" | "src" | "alt" | "title" | "start" => true,
                "class" => value.starts_with("language-"),
                "style" => value.starts_with("text-align:") && !value.contains(['(', ';']),
                _ => false,
            };
            assert!(ok, "{place}: Markdown made the attribute {name}={value:?}");
        }
    }
}

fn excerpt(s: &str) -> String {
    s.chars().take(300).collect()
}

// ---------------------------------------------------------------------------------------------
// Generators shared by the properties.

/// Any characters, control characters and NUL included.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

/// Text a hostile or careless curator might write where HTML or script could be hiding.
const HOSTILE: [&str; 30] = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "\"><script>alert(1)</script>",
    "' onmouseover='alert(1)",
    "\" onfocus=\"alert(1)\" autofocus=\"",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<!--",
    "]]>",
    "{{ 7*7 }}{% raw %}",
    "<style>body{display:none}</style>",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<math><mtext></p><script>alert(1)</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<object data=\"javascript:alert(1)\">",
    "<p onclick=alert(1)>",
    "<div",
    "</p></div></body>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "\u{0}\u{1}\u{7f}\u{feff}\u{202e}",
    "Bình gốm “men ngọc” – Đinh",
];

fn hostile() -> impl Strategy<Value = String> {
    prop::sample::select(HOSTILE.to_vec()).prop_map(String::from)
}

/// A TOML basic string holding `s` exactly.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            c if c.is_control() => q.push_str(&format!("\\u{:04X}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

// ---------------------------------------------------------------------------------------------
// a. Arbitrary TOML in the site's, an exhibition's, an object's and a programme's file.

const TOML_FILES: [&str; 5] = [
    "vitrine.toml",
    "exhibits/kho-bau/exhibit.toml",
    "exhibits/kho-bau/objects/T-001/object.toml",
    "exhibits/kho-bau/objects/T-002/object.toml",
    "exhibits/kho-bau/programmes/tham-quan.toml",
];

/// Keys of the content format (any file's: wrong places are part of the test) and near misses.
const KEYS: &str = "id title kind date display from to period culture material technique dimensions \
    find_place credit rights keywords related audio_number image file alt caption audio lang transcript \
    vi en summary status order room opens closes cover section text objects format base_url theme museum \
    name hours days time images widths quality deep_zoom stop object question type choices titel \"ảnh\"";

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(KEYS.split_whitespace().map(String::from).collect::<Vec<_>>()),
        1 => any_text(12).prop_map(|s| quote(&s)),
        1 => "[a-z_.-]{0,12}",
    ]
}

/// A value as TOML text: well-formed ones of every type, and some that are not TOML at all.
fn toml_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => any_text(40).prop_map(|s| quote(&s)),
        3 => hostile().prop_map(|s| quote(&s)),
        1 => (1usize..20_000).prop_map(|n| quote(&"Ư ".repeat(n))),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        2 => prop::sample::select(vec![
            "0", "-1", "1", "7", "30", "100", "8192", "2100", "2101", "968", "-4600000001",
            "9223372036854775807", "1e400", "nan", "-inf", "3.14", "true", "false", "1979-05-27",
            "2026-13-45", "1979-05-27T07:32:00Z", "07:32:00", "\"\"", "''", "\"T-001\"",
            "\"T-002\"", "\"D-001\"", "\"published\"", "\"draft\"", "\"single\"", "\"find\"",
            "\"vi\"", "\"jar.png\"", "\"../T-002/coin.png\"", "\"/etc/passwd\"", "\"default\"",
            "\"https://x.example\"", "[400, 800]", "[]", "[16]", "[8193]",
        ])
        .prop_map(String::from),
        1 => any_text(10),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((key(), inner.clone()), 0..6).prop_map(|kv| {
                let kv: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", kv.join(", "))
            }),
            // Bilingual text, the shape most fields want, with hostile or huge words in it.
            (inner.clone(), inner).prop_map(|(vi, en)| format!("{{ vi = {vi}, en = {en} }}")),
        ]
    })
}

fn toml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (key(), toml_value()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => key().prop_map(|k| format!("[{k}]")),
        1 => key().prop_map(|k| format!("[[{k}]]")),
        1 => any_text(30),
    ]
}

/// One change to a content file, positions taken modulo its size.
#[derive(Debug, Clone)]
enum Edit {
    /// The text inside a pair of double quotes replaced: the file stays TOML, with any words.
    SetString(usize, String),
    /// The value of a line replaced (the whole line when it has no `=`).
    SetValue(usize, String),
    InsertLine(usize, String),
    DeleteLine(usize),
    DuplicateLine(usize),
    /// Bytes inserted at an offset: often not UTF-8.
    InsertBytes(usize, Vec<u8>),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let words = prop_oneof![
        3 => hostile(),
        3 => any_text(40),
        1 => (1usize..20_000).prop_map(|n| "Ư ".repeat(n)),
        1 => prop::sample::select(vec![
            "", " ", "T-001", "T-002", "x.png", "../jar.png", "kho-bau", "vi", "en",
        ])
        .prop_map(String::from),
    ];
    prop_oneof![
        10 => (any::<usize>(), words).prop_map(|(i, w)| Edit::SetString(i, w)),
        3 => (any::<usize>(), toml_value()).prop_map(|(i, v)| Edit::SetValue(i, v)),
        2 => (any::<usize>(), toml_line()).prop_map(|(i, l)| Edit::InsertLine(i, l)),
        1 => any::<usize>().prop_map(Edit::DeleteLine),
        1 => any::<usize>().prop_map(Edit::DuplicateLine),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..4))
            .prop_map(|(i, b)| Edit::InsertBytes(i, b)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = text.to_vec();
    for e in edits {
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let n = lines.len();
        match e {
            Edit::SetValue(i, v) => {
                let l = &mut lines[i % n];
                match l.iter().position(|&b| b == b'=') {
                    Some(eq) => {
                        l.truncate(eq + 1);
                        l.push(b' ');
                        l.extend_from_slice(v.as_bytes());
                    }
                    None => *l = v.as_bytes().to_vec(),
                }
            }
            Edit::InsertLine(i, l) => lines.insert(i % (n + 1), l.as_bytes().to_vec()),
            Edit::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Edit::DuplicateLine(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::SetString(..) | Edit::InsertBytes(..) | Edit::Truncate(_) => {}
        }
        bytes = lines.join(&b'\n');
        match e {
            Edit::SetString(i, w) => {
                let spans = string_spans(&bytes);
                if !spans.is_empty() {
                    let (start, end) = spans[i % spans.len()];
                    let q = quote(w);
                    bytes.splice(start..end, q[1..q.len() - 1].bytes());
                }
            }
            Edit::InsertBytes(i, b) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            _ => {}
        }
    }
    bytes
}

/// Where the contents of the one-line "…" strings of `b` are (escapes skipped).
fn string_spans(b: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        match (b[i], open) {
            (b'\\', Some(_)) => i += 1,
            (b'"', None) => open = Some(i + 1),
            (b'"', Some(start)) => {
                spans.push((start, i));
                open = None;
            }
            (b'\n', Some(_)) => open = None,
            _ => {}
        }
        i += 1;
    }
    spans
}

#[derive(Debug, Clone)]
enum TomlInput {
    /// The fixture's file, changed a little: the likeliest way to reach every check.
    Edited(Vec<Edit>),
    /// A whole file of generated lines.
    Lines(Vec<String>),
    /// Any bytes.
    Bytes(Vec<u8>),
}

fn toml_input() -> impl Strategy<Value = TomlInput> {
    prop_oneof![
        8 => prop::collection::vec(edit(), 1..4).prop_map(TomlInput::Edited),
        1 => prop::collection::vec(toml_line(), 0..12).prop_map(TomlInput::Lines),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(TomlInput::Bytes),
    ]
}

/// Whether Vitrine's reader sees TOML in `bytes`: UTF-8 once byte-order marks are dropped, and
/// parseable once NFC-normalised.
fn is_toml(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        let s = vitrine::text::nfc(s.trim_start_matches('\u{feff}'));
        toml::from_str::<toml::Table>(&s).is_ok()
    })
}

#[test]
fn arbitrary_toml_gives_diagnostics_naming_the_file_or_a_safe_site() {
    let cache = tempfile::tempdir().unwrap();
    let strategy = (0..TOML_FILES.len(), toml_input());
    run(96, 64, strategy, |(file, input)| {
        let m = Museum::tiny();
        let rel = TOML_FILES[file];
        let bytes = match input {
            TomlInput::Edited(edits) => apply(m.read(rel).as_bytes(), &edits),
            TomlInput::Lines(lines) => lines.join("\n").into_bytes(),
            TomlInput::Bytes(b) => b,
        };
        m.write(rel, &bytes);
        let outcome = check_and_build(&m, cache.path());
        if !is_toml(&bytes) {
            assert!(
                outcome.errors().any(|d| d.pos.file == Path::new(rel)),
                "{rel} is not TOML, yet no error names it:\n{}",
                outcome.show()
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// b. Arbitrary Markdown.

/// Markdown syntax, unbalanced and nested; hostile HTML; any characters; and structures deep or
/// long enough to find recursion and quadratic time (bounded so a case stays fast).
fn markdown_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => hostile(),
        4 => prop::sample::select(vec![
            "\n", "\n\n", "# ", "###### ", "> ", "- ", "* ", "1. ", "2) ", "**", "*", "_", "__",
            "~~", "`", "```", "```html\n", "~~~", "    ", "\t", "---\n", "***\n",
            "| a | b |\n|:-|-:|\n| c | d |\n", "[", "]", "(", ")", "![", "](", "<", ">", "\\",
            "&amp;", "&#0;", "&#x110000;", "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))",
            "[x]( javascript:alert(1) )", "[x](<javascript:alert(1)>)", "[x](&#106;avascript:alert(1))",
            "[x](java&#x09;script:alert(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox(1))", "[x](//evil.example)", "![x](javascript:alert(1))",
            "![x\" onerror=\"alert(1)](x.png)", "[x](x \"t\\\" onclick=\\\"alert(1)\")",
            "<javascript:alert(1)>", "<https://example.com>", "[r]: javascript:alert(1)\n\n[r]\n",
            "[x](https://vi.wikipedia.org/wiki/Hoa_L%C6%B0)", "[Hoa Lư](#tieu-de)",
            "<mailto:a@b.example>", "```\" onclick=\"alert(1)\n", "Hoa Lư ", "ảnh ", "\r\n", "\u{0}",
            "\u{feff}",
        ])
        .prop_map(String::from),
        3 => any_text(40),
        1 => (1usize..10_000).prop_map(|n| format!("{} x\n", ">".repeat(n))),
        1 => (1usize..2_000).prop_map(|n| format!("{}x\n", "- ".repeat(n))),
        1 => (1usize..200).prop_map(|n| (0..n).map(|i| format!("{}- x\n", "  ".repeat(i))).collect()),
        1 => (1usize..5_000).prop_map(|n| "[".repeat(n)),
        1 => (1usize..5_000).prop_map(|n| "*a".repeat(n)),
        1 => (1usize..5_000).prop_map(|n| "<a".repeat(n)),
        1 => (1usize..5_000).prop_map(|n| "`".repeat(n)),
        1 => (1usize..100_000).prop_map(|n| "x".repeat(n)),
    ]
}

fn markdown(pieces: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(markdown_piece(), 0..pieces).prop_map(|v| v.concat())
}

#[test]
fn arbitrary_markdown_renders_without_script() {
    run(256, 256, (markdown(24), 0usize..8), |(md, by)| {
        let html = vitrine::render::markdown::to_html_below(&md, by);
        assert_markdown_inert(&html);
        let _ = vitrine::render::markdown::to_plain(&md);
    });
}

#[test]
fn arbitrary_markdown_in_content_files_builds_a_safe_site() {
    let cache = tempfile::tempdir().unwrap();
    run(24, 32, (markdown(12), hostile()), |(md, words)| {
        let m = Museum::tiny();
        for f in ["vi.md", "en.md", "guide.vi.md"] {
            m.write(&format!("{OBJECT_DIR}/{f}"), &md);
        }
        m.write("exhibits/kho-bau/intro.vi.md", &md);
        // Section text is Markdown inside TOML.
        m.edit(
            "exhibits/kho-bau/exhibit.toml",
            "\"Đồ gốm *thời Đinh*.\"",
            &quote(&format!("{words}\n\n{md}")),
        );
        let outcome = check_and_build(&m, cache.path());
        assert!(outcome.built(), "Markdown stopped the build:\n{}", outcome.show());
    });
}

// ---------------------------------------------------------------------------------------------
// c. File names: Vietnamese (composed and decomposed), spaces, dots, URL characters, very long.

fn name_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "ảnh", "Bình gốm men ngọc", "Đồng tiền", "Thái Bình hưng bảo", "ư", "Ệ", " ", "  ", "..",
            ".", "#", "?", "%", "%20", "%2e%2e", "'", "\"", "<", ">", "&", "&amp;", "<script>", "-",
            "_", "~", "+", ";", ":", "=", "\\", "(", ")", "[", "]", "{", "}", "*", "|", "!", "@",
            "$", "`", "\t", "\n",
        ])
        .prop_map(String::from),
        3 => "[a-zA-Z0-9]{1,12}",
        1 => (100usize..250).prop_map(|n| "x".repeat(n)),
        1 => (30usize..60).prop_map(|n| "ễ".repeat(n)),
        2 => any::<char>()
            .prop_filter("a file name character", |c| *c != '/' && *c != '\0')
            .prop_map(String::from),
    ]
}

/// What gets the generated name.
#[derive(Debug, Clone)]
enum Renamed {
    Image(&'static str),
    Audio(&'static str),
    Transcript,
    ObjectFolder,
    ExhibitFolder,
}

fn renamed() -> impl Strategy<Value = Renamed> {
    prop_oneof![
        3 => prop::sample::select(vec!["png", "PNG", "jpg", "jpeg", "webp", "gif", ""])
            .prop_map(Renamed::Image),
        2 => prop::sample::select(vec!["mp3", "MP3", "ogg", "opus", "wav"]).prop_map(Renamed::Audio),
        1 => Just(Renamed::Transcript),
        1 => Just(Renamed::ObjectFolder),
        1 => Just(Renamed::ExhibitFolder),
    ]
}

#[derive(Debug, Clone)]
struct NameCase {
    what: Renamed,
    stem: String,
    /// The name on disk is decomposed (as macOS writes it); else composed.
    disk_nfd: bool,
    /// The name in object.toml is typed decomposed; else composed.
    toml_nfd: bool,
}

/// `stem.ext` cut to at most 255 bytes (NAME_MAX), never "", "." or "..".
fn file_name(stem: &str, ext: &str) -> String {
    let ext = if ext.is_empty() {
        String::new()
    } else {
        format!(".{ext}")
    };
    let mut stem = stem.to_string();
    let mut cut = 255 - ext.len();
    if stem.len() > cut {
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        stem.truncate(cut);
    }
    let name = stem + &ext;
    if name.is_empty() || name == "." || name == ".." {
        format!("x{name}")
    } else {
        name
    }
}

#[test]
fn any_file_name_is_accepted_or_reported() {
    let cache = tempfile::tempdir().unwrap();
    let strategy = (
        renamed(),
        prop::collection::vec(name_piece(), 1..6).prop_map(|v| v.concat()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(what, stem, disk_nfd, toml_nfd)| NameCase {
            what,
            stem,
            disk_nfd,
            toml_nfd,
        });
    run(96, 64, strategy, |c| {
        let m = Museum::tiny();
        let form = |s: &str, nfd: bool| -> String { if nfd { s.nfd().collect() } else { s.nfc().collect() } };
        let ext = match c.what {
            Renamed::Image(e) | Renamed::Audio(e) => e,
            Renamed::Transcript => "md",
            Renamed::ObjectFolder | Renamed::ExhibitFolder => "",
        };
        let disk = file_name(&form(&c.stem, c.disk_nfd), ext);
        let typed = form(&disk, c.toml_nfd);
        let obj = m.path(OBJECT_DIR);
        // (file the fixture names, its field in object.toml) for files renamed inside T-001.
        let renamed_file = match c.what {
            Renamed::Image(_) => Some(("jar.png", "file = \"jar.png\"")),
            Renamed::Audio(_) => Some(("guide.vi.mp3", "file = \"guide.vi.mp3\"")),
            Renamed::Transcript => Some(("guide.vi.md", "transcript = \"guide.vi.md\"")),
            _ => None,
        };
        if let Some((old, line)) = renamed_file {
            std::fs::rename(obj.join(old), obj.join(&disk)).unwrap();
            let field = line.split(' ').next().unwrap();
            m.edit(
                &format!("{OBJECT_DIR}/object.toml"),
                line,
                &format!("{field} = {}", quote(&typed)),
            );
        }
        let folder = match c.what {
            Renamed::ObjectFolder => Some("exhibits/kho-bau/objects/T-002"),
            Renamed::ExhibitFolder => Some("exhibits/nhap"),
            _ => None,
        };
        let moved = folder.map(|f| {
            let to = m.path(f).with_file_name(&disk);
            std::fs::rename(m.path(f), &to).unwrap();
            to.strip_prefix(&m.root).unwrap().to_path_buf()
        });

        let outcome = check_and_build(&m, cache.path());
        if outcome.built() {
            check_links(&m.out());
        }
        let ignored = disk.starts_with(['.', '_']);
        if renamed_file.is_some() {
            // The loader reads the name trimmed and NFC-normalised, whatever the disk's form.
            let read = vitrine::text::nfc(typed.trim());
            let ext = Path::new(&read)
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let supported = match c.what {
                Renamed::Image(_) => ["png", "jpg", "jpeg", "webp"].contains(&ext.as_str()),
                Renamed::Audio(_) => ["mp3", "ogg", "opus"].contains(&ext.as_str()),
                _ => true,
            };
            let plain = typed.trim() == typed;
            if supported && plain {
                assert!(outcome.built(), "{disk:?} is refused:\n{}", outcome.show());
            } else {
                assert!(
                    outcome.errors().any(|d| d.message.contains(&read)),
                    "{disk:?}: no error names it:\n{}",
                    outcome.show()
                );
            }
        } else if let Some(moved) = moved.filter(|_| !ignored) {
            let valid = match c.what {
                Renamed::ExhibitFolder => vitrine::text::is_valid_slug(&disk),
                _ => false,
            };
            assert!(
                valid || outcome.errors().any(|d| d.pos.file.starts_with(&moved)),
                "{disk:?}: no error names the folder:\n{}",
                outcome.show()
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// d. Damaged, mislabelled, huge and hostile images.

fn fixture_png() -> Vec<u8> {
    std::fs::read(crate::support::fixture("tiny").join(OBJECT_DIR).join("jar.png")).unwrap()
}

fn fixture_jpeg() -> Vec<u8> {
    let img = image::load_from_memory(&fixture_png()).unwrap().into_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .unwrap();
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A PNG that only claims a size: signature, header, an empty image data chunk and the end.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

/// A real decompression bomb: a valid black 30,000 × 30,000 PNG (900 megapixels) of under a
/// megabyte, which would decode to 900 MB of grey and 2.7 GB of RGB.
fn png_bomb() -> Vec<u8> {
    let (w, h) = (30_000u32, 30_000u32);
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(png::ColorType::Grayscale);
    e.set_depth(png::BitDepth::One);
    e.set_compression(png::Compression::Fast);
    let mut writer = e.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0u8; w.div_ceil(8) as usize];
    for _ in 0..h {
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}

/// A JPEG whose frame header says `width` × `height` (the scan data is the fixture's).
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut j = fixture_jpeg();
    let sof = j
        .windows(2)
        .position(|w| w[0] == 0xFF && (0xC0..=0xC2).contains(&w[1]))
        .expect("a frame header");
    j[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    j[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    j
}

fn wide_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 251) as u8, (y * 9) as u8, 90]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Put `bytes` in T-001's folder as `name` and make it the object's photo.
fn use_photo(m: &Museum, name: &str, bytes: &[u8]) {
    m.write(&format!("{OBJECT_DIR}/{name}"), bytes);
    m.edit(
        &format!("{OBJECT_DIR}/object.toml"),
        "file = \"jar.png\"",
        &format!("file = {}", quote(name)),
    );
}

/// The photo was refused with an image error that names it, or the site built with every link
/// in place.
fn assert_photo_reported_or_built(m: &Museum, outcome: &Outcome, name: &str) {
    if outcome.built() {
        check_links(&m.out());
        return;
    }
    let named = outcome.errors().any(|d| {
        ["unreadable-image", "image-too-large"].contains(&d.code)
            && d.field == "image[1].file"
            && d.pos.file == Path::new(OBJECT_DIR).join("object.toml")
            && d.message.contains(name)
    });
    assert!(named, "{name}: no image error names it:\n{}", outcome.show());
}

#[derive(Debug, Clone)]
enum Damage {
    /// Cut at a fraction (in thousandths) of its length.
    Cut(u16),
    /// One byte changed.
    Flip(prop::sample::Index, u8),
}

#[test]
fn damaged_photos_are_reported_or_built() {
    let cache = tempfile::tempdir().unwrap();
    let (png, jpeg) = (fixture_png(), fixture_jpeg());
    let damage = prop_oneof![
        (0u16..1000).prop_map(Damage::Cut),
        (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, x)| Damage::Flip(i, x)),
    ];
    run(48, 32, (any::<bool>(), damage), |(is_png, damage)| {
        let m = Museum::tiny();
        let (name, mut bytes) = if is_png {
            ("jar.png", png.clone())
        } else {
            ("jar.jpg", jpeg.clone())
        };
        let cut = matches!(damage, Damage::Cut(_));
        match damage {
            Damage::Cut(k) => bytes.truncate(bytes.len() * usize::from(k) / 1000),
            Damage::Flip(i, x) => {
                let at = i.index(bytes.len());
                bytes[at] ^= x;
            }
        }
        use_photo(&m, name, &bytes);
        let outcome = check_and_build(&m, cache.path());
        assert_photo_reported_or_built(&m, &outcome, name);
        if cut {
            // A photo cut short is found by the check, not published half grey.
            assert!(
                outcome.checked.has_errors(),
                "{name} cut to {} bytes passes the check",
                bytes.len()
            );
        }
    });
}

/// Files that are not what they claim, and sizes no build should decode: each is refused before
/// decoding with its own clear message, or builds.
#[test]
fn wrong_empty_and_oversized_photos_get_clear_diagnostics() {
    let cache = tempfile::tempdir().unwrap();
    let png = fixture_png();
    let jpeg = fixture_jpeg();
    let bomb = png_bomb();
    assert!(bomb.len() < 1 << 20, "the bomb is {} bytes", bomb.len());
    // (file name, content, expected code or None when it builds, words the message must contain)
    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        ("empty.png", vec![], Some("unreadable-image"), "empty"),
        (
            "notes.png",
            b"not a photo\n".to_vec(),
            Some("unreadable-image"),
            "not a JPEG, PNG or WebP",
        ),
        (
            "anim.jpg",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
            Some("unreadable-image"),
            "GIF",
        ),
        (
            "zero.png",
            png_claiming(0, 10),
            Some("unreadable-image"),
            "damaged",
        ),
        ("png-named.jpg", png.clone(), None, ""),
        ("jpeg-named.png", jpeg.clone(), None, ""),
        (
            "claims.png",
            png_claiming(100_000, 100_000),
            Some("image-too-large"),
            "100000 × 100000 px",
        ),
        (
            "claims.jpg",
            jpeg_claiming(60_000, 60_000),
            Some("image-too-large"),
            "60000 × 60000 px",
        ),
        (
            "many-pixels.jpg",
            jpeg_claiming(20_000, 20_000),
            Some("image-too-large"),
            "400 megapixels",
        ),
        ("bomb.png", bomb, Some("image-too-large"), "900 megapixels"),
        ("scroll.png", wide_png(30_000, 16), None, ""),
    ];
    for (name, bytes, code, words) in cases {
        let m = Museum::tiny();
        use_photo(&m, name, &bytes);
        let outcome = check_and_build(&m, cache.path());
        match code {
            None => {
                assert!(outcome.built(), "{name} is refused:\n{}", outcome.show());
                check_links(&m.out());
                // No derivative is wider than the largest configured width (960 in the fixture).
                for f in std::fs::read_dir(m.out().join("media"))
                    .unwrap()
                    .filter_map(Result::ok)
                {
                    let p = f.path();
                    if p.extension().is_some_and(|e| e == "jpg" || e == "webp") {
                        let (w, h) = image::image_dimensions(&p).unwrap();
                        assert!(w <= 960 && h >= 1, "{}: {w}×{h}", p.display());
                    }
                }
            }
            Some(code) => {
                let d = outcome
                    .checked
                    .list
                    .iter()
                    .find(|d| d.code == code)
                    .unwrap_or_else(|| panic!("{name}: no {code} from the check:\n{}", outcome.show()));
                assert_eq!(d.pos.file, Path::new(OBJECT_DIR).join("object.toml"), "{d}");
                assert_eq!(d.field, "image[1].file", "{d}");
                assert!(
                    d.message.contains(name) && d.message.contains(words),
                    "{name}: {d}"
                );
                if code == "image-too-large" {
                    assert!(d.hint.contains("px on its long side"), "{d}");
                }
            }
        }
    }
}
