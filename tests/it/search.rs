// The search script run by Node against built indexes, with a fake fetch that reads the output
// folder and records every file a query fetches: ranking (exact spelling first, fields in order in
// the tone-less fallback) and what a query downloads. Node is on the CI machine (.ci/run checks it).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{build_into, demo, repo};

fn node_available() -> bool {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "node is required in CI: apt-get install nodejs"
            );
            eprintln!("skipping: node is not installed (apt-get install nodejs)");
            false
        }
    }
}

/// One query as the search page runs it.
#[derive(Debug)]
struct Found {
    /// Every result, best first: title and whether it is an exact match.
    results: Vec<(String, bool)>,
    /// Files fetched (relative to the site root) to rank the results and show the first 20 (the
    /// search page shows 20, then 20 more each time the visitor reaches the end of the list).
    fetched: Vec<String>,
    /// Document numbers of the results shown.
    shown: Vec<u64>,
    /// Address (relative to the site root) and meta line of every result, best first.
    links: Vec<(String, String)>,
}

impl Found {
    fn titles(&self) -> Vec<&str> {
        self.results.iter().map(|(t, _)| t.as_str()).collect()
    }
}

/// Runs each query with a fresh index (nothing cached) in the given language.
fn search(out: &Path, lang: &str, queries: &[&str]) -> Vec<Found> {
    let script = repo().join("themes/default/assets/search.js");
    let program = r#"
        const s = require(process.argv[1]);
        const fs = require('fs'), path = require('path');
        const [out, lang, queries] = [process.argv[2], process.argv[3], JSON.parse(process.argv[4])];
        (async () => {
          const all = [];
          for (const q of queries) {
            let fetched = [];
            const idx = new s.Index(`search/${lang}.json`, async (url) => {
              fetched.push(url);
              return JSON.parse(fs.readFileSync(path.join(out, url), 'utf8'));
            });
            const found = await idx.search(q);
            const shown = found.results.slice(0, 20);
            await idx.docs(shown);
            const seen = fetched.slice();
            const docs = await idx.docs(found.results);
            all.push({ results: docs.map((d, i) => [d.t, found.results[i].exact]), fetched: seen,
                       shown: shown.map(r => r.n), links: docs.map(d => [d.u, d.m]) });
          }
          console.log(JSON.stringify(all));
        })().catch(e => { console.error(e); process.exit(1); });
    "#;
    let o = Command::new("node")
        .arg("-e")
        .arg(program)
        .arg(&script)
        .arg(out)
        .arg(lang)
        .arg(serde_json::to_string(queries).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    v.into_iter()
        .map(|f| Found {
            results: serde_json::from_value(f["results"].clone()).unwrap(),
            fetched: serde_json::from_value(f["fetched"].clone()).unwrap(),
            shown: serde_json::from_value(f["shown"].clone()).unwrap(),
            links: serde_json::from_value(f["links"].clone()).unwrap(),
        })
        .collect()
}

#[test]
fn toneless_queries_find_vietnamese_words_and_exact_spelling_ranks_first() {
    if !node_available() {
        return;
    }
    let r = search(
        &demo().out,
        "vi",
        &["hoa lu", "Hoa Lư", "dinh", "Đinh", "HL-001", "xyzzy", "Hoa L"],
    );
    let titles = |i: usize| r[i].titles();
    assert!(!r[0].results.is_empty(), "hoa lu found nothing");
    // The best match of "hoa lu" is a title with "Hoa Lư", not a partial match elsewhere.
    assert!(r[0].results[0].0.contains("Hoa Lư"), "{:?}", titles(0));
    // While typing, the last word matches the start of a word.
    assert!(r[6].results[0].0.contains("Hoa Lư"), "{:?}", titles(6));
    // Typing without tones finds the same documents as typing with them.
    let mut a = titles(0);
    let mut b = titles(1);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // With the right tones, the best results are exact matches, and "hoa lu" finds those too.
    assert!(r[1].results.first().is_some_and(|(_, exact)| *exact));
    let exact_hits: Vec<&str> = r[1]
        .results
        .iter()
        .filter(|(_, e)| *e)
        .map(|(t, _)| t.as_str())
        .collect();
    assert!(exact_hits.iter().all(|t| titles(0).contains(t)));
    // "dinh" (how a phone without a Vietnamese keyboard types "Đinh") lists the titles that say
    // "Đinh" first, before the one text that says "dinh" ("dinh điền sứ").
    assert!(
        titles(2).iter().take(3).all(|t| t.contains("Đinh")),
        "dinh: {:?}",
        titles(2)
    );
    assert!(titles(3).iter().any(|t| t.contains("Đinh")));
    // Exact spelling first: in every result list, every exact hit comes before every tone-less one.
    for f in &r {
        let first_folded = f.results.iter().position(|(_, e)| !e).unwrap_or(f.results.len());
        assert!(f.results[first_folded..].iter().all(|(_, e)| !e), "{f:?}");
    }
    // "dinh" has no tone marks: nothing is set apart as exact; "Đinh" finds its titles exactly.
    assert!(r[2].results.iter().all(|(_, e)| !e));
    assert!(r[3].results.iter().any(|(t, e)| t.contains("Đinh") && *e));
    assert_eq!(
        r[4].results.len(),
        1,
        "an ID finds exactly its object: {:?}",
        titles(4)
    );
    assert!(r[5].results.is_empty());
}

#[test]
fn english_index_searches_english_text() {
    if !node_available() {
        return;
    }
    let r = search(&demo().out, "en", &["brick", "capital"]);
    assert!(!r[0].results.is_empty() && !r[1].results.is_empty(), "{r:?}");
}

#[test]
fn events_contests_and_programmes_are_found_beside_the_objects() {
    if !node_available() {
        return;
    }
    let r = search(
        &demo().out,
        "vi",
        &[
            "di san",
            "thi tim hieu",
            "kinh do dau tien",
            "mo cua buoi toi",
            "lớp 7",
        ],
    );
    let has = |i: usize, url: &str| r[i].links.iter().find(|(u, _)| u == url).map(|(_, m)| m.clone());
    // The Heritage Day event, with its kind and date on the meta line.
    let meta = has(0, "su-kien/ngay-di-san-2026/").unwrap_or_else(|| panic!("{:?}", r[0].links));
    assert!(
        meta.starts_with("Sự kiện · ") && meta.contains("23/11/2026"),
        "{meta}"
    );
    let meta = has(1, "thi/thi-tim-hieu-di-san-ninh-binh/").unwrap_or_else(|| panic!("{:?}", r[1].links));
    assert_eq!(meta, "Cuộc thi tìm hiểu");
    // A title word ranks the contest above objects that only mention it.
    assert_eq!(
        r[1].links[0].0, "thi/thi-tim-hieu-di-san-ninh-binh/",
        "{:?}",
        r[1].links
    );
    let meta = has(2, "p/hoa-lu-thoi-dinh-le/").unwrap_or_else(|| panic!("{:?}", r[2].links));
    assert!(meta.starts_with("Chương trình học tập"), "{meta}");
    // An event is found by words of its summary.
    assert!(has(3, "su-kien/tuan-hoc-tap-2027/").is_some(), "{:?}", r[3].links);
    // A teacher finds the programme for their grade, and not one for other grades.
    assert!(has(4, "p/hoa-lu-thoi-dinh-le/").is_some(), "{:?}", r[4].links);
    assert!(has(4, "p/trang-an-tieu-hoc/").is_none(), "{:?}", r[4].links);
    // In English, at the English addresses.
    let r = search(&demo().out, "en", &["heritage quiz", "young guides"]);
    assert_eq!(
        r[0].links[0].0, "en/thi/thi-tim-hieu-di-san-ninh-binh/",
        "{:?}",
        r[0].links
    );
    assert_eq!(r[0].links[0].1, "Quiz contest");
    assert!(
        r[1].links
            .iter()
            .any(|(u, _)| u.starts_with("en/su-kien/ngay-bao-tang-2027")),
        "{:?}",
        r[1].links
    );
}

/// Objects whose right order is known, among `FILLER` objects whose made-up words ("xa00000" …)
/// fill more than one shard's budget, so the index has many shards, split ones and many chunks.
const FILLER: usize = 200;
const WORDS_EACH: usize = 15;
const KNOWN: &[(&str, &str, &str, &str)] = &[
    // id, title, keywords, description
    ("K-001", "Bia đình làng Yên", "", "Bia dựng trước sân."),
    ("K-002", "Tượng vua Đinh", "", "Tượng tạc bằng đá."),
    ("K-003", "Mũ thời Đinh", "", "Mũ bằng đồng."),
    ("K-004", "Chuông đồng", "\"đinh\"", "Chuông treo ở chùa."),
    ("K-005", "Trống đồng", "", "Trống có hoa văn đinh tán."),
    ("K-006", "Bản đồ ruộng", "", "Bản đồ của dinh điền sứ."),
];

const DATE: &str = "date = { display = { vi = \"Thế kỷ 10\" }, from = 901, to = 1000 }\n";

fn write_museum(root: &Path) {
    let write = |p: PathBuf, s: String| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    write(
        root.join("vitrine.toml"),
        "format = 1\nbase_url = \"https://kho.example\"\n\n[museum]\n\
         name = { vi = \"Bảo tàng Kho\", en = \"Store Museum\" }\n"
            .into(),
    );
    let ex = root.join("exhibits/kho");
    let mut ids: Vec<String> = KNOWN.iter().map(|k| k.0.to_string()).collect();
    for (id, title, kw, desc) in KNOWN {
        let mut t = format!("id = \"{id}\"\ntitle = {{ vi = \"{title}\" }}\n{DATE}");
        if !kw.is_empty() {
            writeln!(t, "keywords = {{ vi = [{kw}] }}").unwrap();
        }
        write(ex.join(format!("objects/{id}/object.toml")), t);
        write(ex.join(format!("objects/{id}/vi.md")), format!("{desc}\n"));
    }
    for i in 0..FILLER {
        let id = format!("X-{i:04}");
        let made_up: Vec<String> = (0..WORDS_EACH)
            .map(|j| format!("xa{:05}", i * WORDS_EACH + j))
            .collect();
        write(
            ex.join(format!("objects/{id}/object.toml")),
            format!("id = \"{id}\"\ntitle = {{ vi = \"Mảnh vỡ số {i}\" }}\n{DATE}"),
        );
        write(
            ex.join(format!("objects/{id}/vi.md")),
            format!("{}.\n", made_up.join(" ")),
        );
        ids.push(id);
    }
    let list: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
    write(
        ex.join("exhibit.toml"),
        format!(
            "title = {{ vi = \"Kho lưu trữ\" }}\nstatus = \"published\"\n\n[[section]]\n\
             title = {{ vi = \"Tất cả\" }}\nobjects = [{}]\n",
            list.join(", ")
        ),
    );
}

struct Big {
    _tmp: tempfile::TempDir,
    out: PathBuf,
    manifest: Value,
}

fn big() -> &'static Big {
    static BIG: OnceLock<Big> = OnceLock::new();
    BIG.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("museum");
        write_museum(&root);
        if let Err(e) = build_into(&root, tmp.path()) {
            panic!(
                "the generated museum does not build: {}",
                format!("{e:?}").chars().take(2000).collect::<String>()
            );
        }
        let out = tmp.path().join("public");
        let manifest = serde_json::from_slice(&std::fs::read(out.join("search/vi.json")).unwrap()).unwrap();
        Big {
            _tmp: tmp,
            out,
            manifest,
        }
    })
}

impl Big {
    fn shard_file(&self, key: &str) -> String {
        format!(
            "search/vi/{}.json",
            self.manifest["shards"][key][0].as_str().unwrap()
        )
    }

    fn chunk_file(&self, n: u64) -> String {
        let c = n / self.manifest["chunk"].as_u64().unwrap();
        format!("search/vi/{}-{c}.json", self.manifest["chunks"].as_str().unwrap())
    }
}

#[test]
fn a_query_fetches_the_manifest_its_shards_and_the_chunks_it_shows() {
    if !node_available() {
        return;
    }
    let b = big();
    let m = &b.manifest;
    let keys: Vec<&str> = m["shards"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // The made-up words outgrow one shard: "xa…" is split by more letters.
    assert!(keys.len() >= 10, "{keys:?}");
    assert!(
        !keys.contains(&"xa") && keys.iter().any(|k| k.starts_with("xa0")),
        "{keys:?}"
    );
    let docs = m["docs"].as_u64().unwrap();
    assert!(docs / m["chunk"].as_u64().unwrap() >= 3, "{m}");
    // Every file name is ASCII lower case and the manifest names every file under search/vi/.
    let mut named: BTreeSet<String> = keys.iter().map(|k| b.shard_file(k)).collect();
    named.extend((0..docs).map(|n| b.chunk_file(n)));
    let mut on_disk = BTreeSet::new();
    for e in std::fs::read_dir(b.out.join("search/vi")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            name.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-'),
            "{name}"
        );
        on_disk.insert(format!("search/vi/{name}"));
    }
    assert_eq!(named, on_disk);

    let word = format!("xa{:05}", 17 * WORDS_EACH + 3);
    let r = search(&b.out, "vi", &[&word, "dinh", "mảnh vỡ", "xa0"]);
    let key = |w: &str| {
        *keys
            .iter()
            .filter(|k| w.starts_with(*k))
            .max_by_key(|k| k.len())
            .unwrap()
    };
    // One word: the manifest, its shard, the one chunk of its one result.
    assert_eq!(r[0].titles(), ["Mảnh vỡ số 17"]);
    assert_eq!(
        r[0].fetched,
        [
            "search/vi.json".to_string(),
            b.shard_file(key(&word)),
            b.chunk_file(r[0].shown[0])
        ]
    );
    // Several words, many results: each word's shard, and only the chunks of the 20 shown.
    for f in &r[1..3] {
        let chunks: BTreeSet<String> = f.shown.iter().map(|&n| b.chunk_file(n)).collect();
        let shards: BTreeSet<String> = f.fetched[1..f.fetched.len() - chunks.len()]
            .iter()
            .cloned()
            .collect();
        assert_eq!(f.fetched[0], "search/vi.json");
        assert_eq!(
            f.fetched[f.fetched.len() - chunks.len()..]
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>(),
            chunks,
            "{f:?}"
        );
        assert!(
            shards.len() <= 2 && shards.iter().all(|s| !chunks.contains(s)),
            "{f:?}"
        );
    }
    assert_eq!(r[2].results.len(), FILLER);
    assert!(r[2].fetched.len() < on_disk.len() / 2, "{:?}", r[2].fetched);
    // The word being typed: every shard of the words starting with it, when they are small.
    let xa0: BTreeSet<String> = keys
        .iter()
        .filter(|k| k.starts_with("xa0"))
        .map(|k| b.shard_file(k))
        .collect();
    assert!(xa0.len() >= 2);
    assert!(xa0.iter().all(|s| r[3].fetched.contains(s)), "{:?}", r[3].fetched);
    assert_eq!(r[3].results.len(), FILLER);
}

#[test]
fn toneless_matches_rank_title_then_keywords_then_body_and_the_titles_spelling_first() {
    if !node_available() {
        return;
    }
    let r = search(&big().out, "vi", &["dinh", "Đinh", "Đình"]);
    // Typed without tone marks: titles first, the spelling the titles use most ("Đinh", twice)
    // before the other ("đình"), then the keyword, then running text ("đinh" before "dinh").
    assert_eq!(
        r[0].titles(),
        [
            "Mũ thời Đinh",
            "Tượng vua Đinh",
            "Bia đình làng Yên",
            "Chuông đồng",
            "Trống đồng",
            "Bản đồ ruộng"
        ]
    );
    // With tone marks: the exact spelling first (title, keyword, text), then the tone-less
    // matches, again title before text.
    let exact = |f: &Found| f.results.iter().filter(|(_, e)| *e).count();
    assert_eq!(
        r[1].titles(),
        [
            "Mũ thời Đinh",
            "Tượng vua Đinh",
            "Chuông đồng",
            "Trống đồng",
            "Bia đình làng Yên",
            "Bản đồ ruộng"
        ]
    );
    assert_eq!(exact(&r[1]), 4);
    assert_eq!(
        r[2].titles(),
        [
            "Bia đình làng Yên",
            "Mũ thời Đinh",
            "Tượng vua Đinh",
            "Chuông đồng",
            "Bản đồ ruộng",
            "Trống đồng"
        ]
    );
    assert_eq!(exact(&r[2]), 1);
}
