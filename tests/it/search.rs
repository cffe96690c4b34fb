// The search script run by Node against the built demo index: tone-less queries find Vietnamese
// words, and exact spellings rank first. Node is on the CI machine (.ci/run checks it).

use std::process::Command;

use crate::support::{demo, repo};

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

/// Titles found for each query, best first, in the given language's index.
fn search(lang: &str, queries: &[&str]) -> Vec<Vec<(String, bool)>> {
    let script = repo().join("themes/default/assets/search.js");
    let index = demo().out.join(format!("search/{lang}.json"));
    let program = r#"
        const s = require(process.argv[1]);
        const idx = s.prepare(JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')));
        const out = JSON.parse(process.argv[3]).map(q => s.search(idx, q).map(r => [r.doc.t, r.exact]));
        console.log(JSON.stringify(out));
    "#;
    let o = Command::new("node")
        .arg("-e")
        .arg(program)
        .arg(&script)
        .arg(&index)
        .arg(serde_json::to_string(queries).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn toneless_queries_find_vietnamese_words_and_exact_spelling_ranks_first() {
    if !node_available() {
        return;
    }
    let r = search(
        "vi",
        &["hoa lu", "Hoa Lư", "dinh", "Đinh", "HL-001", "xyzzy", "Hoa L"],
    );
    let titles = |i: usize| r[i].iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>();
    assert!(!r[0].is_empty(), "hoa lu found nothing");
    // The best match of "hoa lu" is a title with "Hoa Lư", not a partial match elsewhere.
    assert!(r[0][0].0.contains("Hoa Lư"), "{:?}", titles(0));
    // While typing, the last word matches the start of a word.
    assert!(r[6][0].0.contains("Hoa Lư"), "{:?}", titles(6));
    // Typing without tones finds the same documents as typing with them.
    let mut a = titles(0);
    let mut b = titles(1);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // With the right tones, the best results are exact matches, and "hoa lu" finds those too.
    assert!(r[1].first().is_some_and(|(_, exact)| *exact));
    let exact_hits: Vec<&str> = r[1].iter().filter(|(_, e)| *e).map(|(t, _)| t.as_str()).collect();
    assert!(exact_hits.iter().all(|t| titles(0).contains(t)));
    assert!(
        titles(2).iter().any(|t| t.contains("Đinh")),
        "dinh did not find Đinh: {:?}",
        titles(2)
    );
    assert!(titles(3).iter().any(|t| t.contains("Đinh")));
    // Exact spelling first: in every result list, every exact hit comes before every tone-less one.
    for list in &r {
        let first_folded = list.iter().position(|(_, e)| !e).unwrap_or(list.len());
        assert!(list[first_folded..].iter().all(|(_, e)| !e), "{list:?}");
    }
    // "dinh" has no tone marks, so Đinh is only a tone-less match; "Đinh" finds it exactly.
    assert!(r[2].iter().any(|(t, e)| t.contains("Đinh") && !e));
    assert!(r[3].iter().any(|(t, e)| t.contains("Đinh") && *e));
    assert_eq!(r[4].len(), 1, "an ID finds exactly its object: {:?}", titles(4));
    assert!(r[5].is_empty());
}

#[test]
fn english_index_searches_english_text() {
    if !node_available() {
        return;
    }
    let r = search("en", &["brick", "capital"]);
    assert!(!r[0].is_empty() && !r[1].is_empty(), "{r:?}");
}
