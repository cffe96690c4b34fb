// The search index, split so that a phone fetches only what its query needs: per language a small
// manifest naming postings shards (by the start of the tone-less word) and chunks of display data.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use super::{OutFile, RenderInput, markdown};
use crate::content::{EventStatus, Lang, Localized, Published};
use crate::text::{collation_key, fold, words};

/// Format of the manifest and the files it names; the script refuses another.
const VERSION: u32 = 2;
/// Postings are sharded by the first this many letters of the tone-less word, so the exact and the
/// tone-less lookups of one word read the same shard.
const KEY_CHARS: usize = 2;
/// A shard larger than this (bytes of JSON) is split by one more letter, as long as its words are
/// longer than its key; the words of one tone-less form are never split apart.
const SHARD_BUDGET: usize = 32 * 1024;
/// Documents per display chunk (about 3 KB at 100 bytes a document). Results of a query are
/// scattered over the documents, so a chunk costs about its size for each result shown: the
/// script shows 20 at a time, so a page of results fetches at most 20 small chunks.
const CHUNK_DOCS: usize = 32;
/// Hex digits of the content hash in a file name: names stay unique among thousands of files.
const HASH_CHARS: usize = 12;

/// Where a word occurs in a document, as an index into its postings: the script weighs title and
/// ID words above the short descriptive fields, and those above running text.
#[derive(Clone, Copy)]
enum Field {
    /// Title and ID.
    Title = 0,
    /// Kind, date, period, culture, material, technique, find place, keywords.
    Label = 1,
    /// Description, summary, introduction.
    Body = 2,
}

struct Doc {
    /// URL relative to the site root, title, meta line and thumbnail (absent when empty).
    shown: Vec<String>,
    /// Unique words by field (numbers in the language's [`Vocabulary`]); a word is kept only in
    /// the highest field it occurs in.
    words: [Vec<u32>; 3],
}

/// Every word of a language's documents once: documents hold numbers, not copies (30,000
/// documents of a hundred words each would otherwise hold three million strings).
#[derive(Default)]
struct Vocabulary {
    words: Vec<String>,
    numbers: HashMap<String, u32>,
}

impl Vocabulary {
    fn number(&mut self, w: &str) -> u32 {
        if let Some(&n) = self.numbers.get(w) {
            return n;
        }
        let n = self.words.len() as u32;
        self.words.push(w.to_owned());
        self.numbers.insert(w.to_owned(), n);
        n
    }

    /// Unique words of each field's texts, each word only in the first (highest) field it
    /// occurs in.
    fn field_words(&mut self, fields: [&[&str]; 3]) -> [Vec<u32>; 3] {
        let mut seen = HashSet::new();
        let mut buffer = String::new();
        fields.map(|texts| {
            let mut out = Vec::new();
            for t in texts {
                crate::text::each_word(t, &mut buffer, |w| {
                    let n = self.number(w);
                    if seen.insert(n) {
                        out.push(n);
                    }
                });
            }
            out
        })
    }
}

#[derive(Serialize)]
struct Manifest<'a> {
    v: u32,
    lang: &'static str,
    /// Folder of the shards and chunks, relative to the manifest.
    dir: String,
    /// Number of documents.
    docs: usize,
    /// Documents per chunk: document n is entry n % chunk of chunk n / chunk.
    chunk: usize,
    /// Hash of all the chunks: chunk c is `<chunks>-<c>.json`. One hash rather than one a chunk
    /// keeps the manifest small; documents are renumbered when a title changes anyway.
    chunks: String,
    /// Shard key → [hash, size in bytes]. A word is in the shard of the longest key its tone-less
    /// form starts with.
    shards: BTreeMap<&'a str, (String, usize)>,
}

fn pick(l: &Localized, lang: Lang) -> &str {
    l.pick(lang).map_or("", |p| p.0)
}

fn collect_docs(input: &RenderInput, published: &Published, lang: Lang) -> (Vec<Doc>, Vocabulary) {
    let (visible, exhibits) = (&published.items, &published.exhibits);
    let mut vocabulary = Vocabulary::default();
    let mut docs = Vec::new();
    for ex in exhibits {
        let intro = markdown::to_plain(pick(&ex.intro, lang));
        docs.push(Doc {
            shown: vec![
                format!("{}e/{}/", lang.prefix(), ex.slug),
                pick(&ex.title, lang).to_string(),
                crate::text::excerpt(pick(&ex.summary, lang), 120),
            ],
            words: vocabulary.field_words([
                &[pick(&ex.title, lang)],
                &[],
                &[pick(&ex.summary, lang), &intro],
            ]),
        });
    }
    // Programmes, events and contests: found by their title, subject and summary, with their kind
    // (and an event's date) on the meta line, so a teacher searching "lớp 7" or a visitor
    // searching "di sản" finds the day's activity next to the objects.
    let kind = |key: &str| input.locales.text(lang, key).to_string();
    for p in &published.programmes {
        let subject = pick(&p.subject, lang);
        // "Lớp 7" / "Grade 7": a teacher searches by the class they teach.
        let grades: Vec<String> = p
            .grades
            .iter()
            .map(|g| match g {
                13 => kind("programmes.university"),
                g => kind("programmes.grade").replace("{n}", &g.to_string()),
            })
            .collect();
        let grades = grades.join(" ");
        let meta: Vec<String> = [kind("search.kind_programme"), subject.to_string()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        docs.push(Doc {
            shown: vec![
                format!("{}p/{}/", lang.prefix(), p.slug),
                pick(&p.title, lang).to_string(),
                meta.join(" · "),
            ],
            words: vocabulary.field_words([
                &[pick(&p.title, lang)],
                &[subject, pick(&p.curriculum, lang), &grades],
                &[pick(&p.summary, lang)],
            ]),
        });
    }
    for e in &published.events {
        let mut meta = vec![kind("search.kind_event"), super::events::when(e, lang)];
        if e.status == EventStatus::Cancelled {
            meta.push(kind("events.cancelled"));
        }
        let text = markdown::to_plain(pick(&e.text, lang));
        docs.push(Doc {
            shown: vec![
                format!("{}su-kien/{}/", lang.prefix(), e.slug),
                pick(&e.title, lang).to_string(),
                meta.join(" · "),
            ],
            words: vocabulary.field_words([
                &[pick(&e.title, lang)],
                &[pick(&e.place, lang)],
                &[pick(&e.summary, lang), &text],
            ]),
        });
    }
    for c in &published.contests {
        let text = markdown::to_plain(pick(&c.text, lang));
        docs.push(Doc {
            shown: vec![
                format!("{}thi/{}/", lang.prefix(), c.slug),
                pick(&c.title, lang).to_string(),
                kind("search.kind_contest"),
            ],
            words: vocabulary.field_words([&[pick(&c.title, lang)], &[], &[pick(&c.summary, lang), &text]]),
        });
    }
    for id in visible {
        let Some(it) = input.site.items.get(*id) else {
            continue;
        };
        let desc = pick(it.plain(), lang);
        let kw = it.keywords.get(lang).join(" ");
        let labels = [
            pick(&it.kind, lang),
            pick(&it.date.display, lang),
            pick(&it.period, lang),
            pick(&it.culture, lang),
            pick(&it.material, lang),
            pick(&it.technique, lang),
            pick(&it.find_place, lang),
            kw.as_str(),
        ];
        let meta: Vec<&str> = [pick(&it.kind, lang), pick(&it.date.display, lang)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let mut shown = vec![
            format!("{}o/{}/", lang.prefix(), it.id),
            pick(&it.title, lang).to_string(),
            format!("{} · {}", it.id, meta.join(" · ")),
        ];
        let thumb = it.images.first().and_then(|im| input.media.get(&im.path));
        if let Some(d) = thumb {
            shown.push(d.at_least(160).url.clone());
        }
        docs.push(Doc {
            shown,
            words: vocabulary.field_words([&[pick(&it.title, lang), it.id.as_str()], &labels, &[desc]]),
        });
    }
    // Title order, word by word as a dictionary does ("Cố đô" before "Cột"), then URL for equal
    // titles: the script breaks ties by document number.
    docs.sort_by_cached_key(|d| {
        let title: Vec<_> = words(&d.shown[1]).iter().map(|w| collation_key(w)).collect();
        (title, d.shown[1].clone(), d.shown[0].clone())
    });
    (docs, vocabulary)
}

/// The alphabet of encoded postings: URL-safe base 64, nothing to escape in JSON.
const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A sorted list of document numbers as a string, whichever is shorter of: the gaps between
/// numbers (the first counted from -1) as base-32 digits, most significant first, every digit but
/// the last of a number taken from the upper half of the alphabet; or `~` and a bitmap, six
/// documents a character, lowest bit first.
fn encode_postings(list: &[u32]) -> String {
    let mut gaps = String::new();
    let mut prev: i64 = -1;
    for &n in list {
        let mut gap = i64::from(n) - prev;
        prev = i64::from(n);
        let mut digits = Vec::new();
        loop {
            digits.push((gap & 31) as usize);
            gap >>= 5;
            if gap == 0 {
                break;
            }
        }
        for (i, d) in digits.iter().rev().enumerate() {
            let more = if i + 1 < digits.len() { 32 } else { 0 };
            gaps.push(DIGITS[d + more] as char);
        }
    }
    let Some(&last) = list.last() else {
        return gaps;
    };
    let mut bits = vec![0u8; last as usize / 6 + 1];
    for &n in list {
        bits[n as usize / 6] |= 1 << (n % 6);
    }
    if bits.len() + 1 < gaps.len() {
        std::iter::once('~')
            .chain(bits.iter().map(|&b| DIGITS[b as usize] as char))
            .collect()
    } else {
        gaps
    }
}

fn short_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..HASH_CHARS].to_string()
}

/// The first `n` characters of `s`.
fn prefix(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// The longest shard key, in letters.
const MAX_KEY_CHARS: usize = 6;

/// Shard keys for the tone-less forms, each with its size in bytes: forms are grouped by their
/// first letters, and a group over the budget is split by one more letter (forms no longer than
/// the key stay in it), up to MAX_KEY_CHARS letters.
fn plan_shards<'a>(forms: &BTreeMap<&'a str, usize>) -> BTreeMap<String, Vec<&'a str>> {
    fn place<'a>(
        key: String,
        group: Vec<&'a str>,
        forms: &BTreeMap<&'a str, usize>,
        out: &mut BTreeMap<String, Vec<&'a str>>,
    ) {
        let len = key.chars().count();
        let size: usize = group.iter().map(|f| forms[f]).sum();
        let (stay, longer): (Vec<&str>, Vec<&str>) =
            group.into_iter().partition(|f| f.chars().count() <= len);
        // Keys stop growing at MAX_KEY_CHARS letters: forms sharing a longer start stay
        // together (the recursion is as deep as the key is long, whatever the content).
        if size <= SHARD_BUDGET || longer.is_empty() || len >= MAX_KEY_CHARS {
            out.entry(key).or_default().extend(stay.into_iter().chain(longer));
            return;
        }
        if !stay.is_empty() {
            out.insert(key, stay);
        }
        let mut children: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for f in longer {
            children
                .entry(prefix(f, len + 1).to_string())
                .or_default()
                .push(f);
        }
        for (k, g) in children {
            place(k, g, forms, out);
        }
    }
    let mut top: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for &f in forms.keys() {
        top.entry(prefix(f, KEY_CHARS).to_string()).or_default().push(f);
    }
    let mut out = BTreeMap::new();
    for (k, g) in top {
        place(k, g, forms, &mut out);
    }
    out
}

/// The manifest `search/<lang>.json` and the files it names under `search/<lang>/`: shards, each a
/// JSON object from every word (as written, lower case) to its postings by field, `title,label,body`
/// (trailing empty lists left out), and chunks, each a JSON array of `[url, title, meta, thumbnail?]`.
fn language_files(docs: &[Doc], vocabulary: &Vocabulary, lang: Lang) -> Vec<OutFile> {
    let dir = format!("search/{}/", lang.code());
    let mut files = Vec::new();

    // Postings: word → document numbers by field.
    let mut postings: Vec<[Vec<u32>; 3]> = vec![Default::default(); vocabulary.words.len()];
    for (n, d) in docs.iter().enumerate() {
        for field in [Field::Title, Field::Label, Field::Body] {
            for &w in &d.words[field as usize] {
                postings[w as usize][field as usize].push(n as u32);
            }
        }
    }
    let mut entries: BTreeMap<&str, String> = BTreeMap::new();
    let mut by_form: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (w, lists) in vocabulary.words.iter().map(String::as_str).zip(&postings) {
        let mut enc: Vec<String> = lists.iter().map(|l| encode_postings(l)).collect();
        while enc.last().is_some_and(String::is_empty) {
            enc.pop();
        }
        entries.insert(w, enc.join(","));
        by_form.entry(fold(w)).or_default().push(w);
    }
    let entry_size = |w: &str| -> usize {
        // "word":"…,…,…", as serde_json writes it.
        serde_json::to_string(w).map_or(0, |s| s.len()) + entries[w].len() + 4
    };
    let form_sizes: BTreeMap<&str, usize> = by_form
        .iter()
        .map(|(f, ws)| (f.as_str(), ws.iter().map(|w| entry_size(w)).sum()))
        .collect();
    let mut shards = BTreeMap::new();
    let plan = plan_shards(&form_sizes);
    for (key, forms) in &plan {
        let shard: BTreeMap<&str, &String> = forms
            .iter()
            .flat_map(|f| &by_form[*f])
            .map(|w| (*w, &entries[w]))
            .collect();
        let bytes = serde_json::to_vec(&shard).unwrap_or_default();
        let hash = short_hash(&bytes);
        shards.insert(key.as_str(), (hash.clone(), bytes.len()));
        files.push(OutFile {
            path: format!("{dir}{hash}.json"),
            bytes,
        });
    }

    let chunks: Vec<Vec<u8>> = docs
        .chunks(CHUNK_DOCS)
        .map(|part| {
            let shown: Vec<&Vec<String>> = part.iter().map(|d| &d.shown).collect();
            serde_json::to_vec(&shown).unwrap_or_default()
        })
        .collect();
    let chunks_hash = short_hash(&serde_json::to_vec(&chunks).unwrap_or_default());
    for (c, bytes) in chunks.into_iter().enumerate() {
        files.push(OutFile {
            path: format!("{dir}{chunks_hash}-{c}.json"),
            bytes,
        });
    }

    let manifest = Manifest {
        v: VERSION,
        lang: lang.code(),
        dir: format!("{}/", lang.code()),
        docs: docs.len(),
        chunk: CHUNK_DOCS,
        chunks: chunks_hash,
        shards,
    };
    files.push(OutFile {
        path: format!("search/{}.json", lang.code()),
        bytes: serde_json::to_vec(&manifest).unwrap_or_default(),
    });
    files
}

/// Per language: the manifest `search/<lang>.json` (the URL the search page is given), postings
/// shards (`search/<lang>/<hash>.json`) and display chunks (`search/<lang>/<hash>-<n>.json`).
/// Content-hashed names: a changed file gets a new name, so caches never serve a stale shard next
/// to a fresh manifest.
/// The two languages' indexes are independent: made side by side when `side_by_side`, else one
/// after the other (a large collection, where their working sets added up would be the build's
/// peak of memory).
pub fn index_files(input: &RenderInput, published: &Published, side_by_side: bool) -> Vec<OutFile> {
    let one = |lang: Lang| {
        let (docs, vocabulary) = collect_docs(input, published, lang);
        language_files(&docs, &vocabulary, lang)
    };
    if side_by_side {
        Lang::ALL.into_par_iter().flat_map_iter(one).collect()
    } else {
        Lang::ALL.into_iter().flat_map(one).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoder the script uses, in Rust.
    fn decode(s: &str) -> Vec<u32> {
        let digit = |c: u8| DIGITS.iter().position(|&d| d == c).unwrap() as u32;
        let mut out = Vec::new();
        if let Some(bits) = s.strip_prefix('~') {
            for (i, c) in bits.bytes().enumerate() {
                let v = digit(c);
                out.extend((0..6).filter(|b| v & (1 << b) != 0).map(|b| i as u32 * 6 + b));
            }
            return out;
        }
        let (mut prev, mut gap) = (-1i64, 0i64);
        for c in s.bytes() {
            let v = digit(c);
            gap = gap * 32 + i64::from(v & 31);
            if v < 32 {
                prev += gap;
                out.push(prev as u32);
                gap = 0;
            }
        }
        out
    }

    #[test]
    fn postings_round_trip_as_gaps_or_bitmap() {
        let cases: Vec<Vec<u32>> = vec![
            vec![],
            vec![0],
            vec![31],
            vec![32],
            vec![5, 1_000, 29_999, 1 << 20],
            (0..3000).collect(),
            (0..3000).step_by(3).collect(),
            (0..30_000).step_by(97).collect(),
        ];
        for list in cases {
            let enc = encode_postings(&list);
            assert!(enc.bytes().all(|b| b == b'~' || DIGITS.contains(&b)), "{enc}");
            assert_eq!(decode(&enc), list, "{enc}");
        }
        // A dense list is a bitmap, a sparse one gaps.
        assert!(encode_postings(&(0..3000).collect::<Vec<_>>()).starts_with('~'));
        assert!(!encode_postings(&[5, 9_000]).starts_with('~'));
        assert_eq!(encode_postings(&[0, 40, 41]), "BhIB");
        assert_eq!(encode_postings(&[0, 1, 2]), "~H");
    }

    #[test]
    fn shards_split_by_one_more_letter_when_over_budget() {
        let big = SHARD_BUDGET / 3;
        let forms: BTreeMap<&str, usize> = [
            ("a", 10),
            ("go", 10),
            ("gom", big),
            ("gomx", big),
            ("goc", big),
            ("gach", big),
            ("hoa", 100),
        ]
        .into_iter()
        .collect();
        let plan = plan_shards(&forms);
        let keys: Vec<&str> = plan.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a", "ga", "go", "goc", "gom", "ho"], "{plan:?}");
        assert_eq!(plan["go"], ["go"]);
        assert_eq!(plan["gom"], ["gom", "gomx"]);
        // Every form is in the shard of the longest key it starts with.
        for f in forms.keys() {
            let key = keys
                .iter()
                .filter(|k| f.starts_with(*k))
                .max_by_key(|k| k.len())
                .unwrap();
            assert!(plan[*key].contains(f), "{f} not in {key}");
        }
    }

    #[test]
    fn a_form_too_big_for_one_shard_stays_whole() {
        let forms: BTreeMap<&str, usize> = [("do", SHARD_BUDGET * 3)].into_iter().collect();
        let plan = plan_shards(&forms);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan["do"], ["do"]);
    }
}
