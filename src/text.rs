// Text helpers for Vietnamese and English: NFC normalisation, tone-less folding for search, word
// tokens, a Vietnamese-aware sort key and slug/ID rules. Pure functions: no I/O, no HTML.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC-normalise text as it comes from a file, a form or a spreadsheet, so that the same word
/// typed on two keyboards (precomposed or combining marks) compares equal.
pub fn nfc(s: &str) -> String {
    if is_nfc(s) {
        return s.to_string();
    }
    s.nfc().collect()
}

/// Whether `s` is certainly NFC already (nearly all text is): then it need not be recomposed.
fn is_nfc(s: &str) -> bool {
    s.is_ascii()
        || s.chars().all(surely_nfc)
        || unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes
}

/// Characters that are NFC whatever surrounds them (quick check Yes, combining class 0): all
/// below U+0300 (Latin letters with their accents, đ, ơ, ư) and the precomposed letters of Latin
/// Extended Additional (U+1E00–U+1EFF: ầ, ố, ự …). Nearly every letter of Vietnamese and English
/// text is one, so the normalisation tables are looked up only for the others.
fn surely_nfc(c: char) -> bool {
    (c as u32) < 0x300 || (0x1E00..=0x1EFF).contains(&(c as u32))
}

/// Lower case, all diacritics removed, đ → d: the form a visitor types without a Vietnamese
/// keyboard. Used only as a fallback match, since dropping a tone changes the word.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Words of a text: runs of letters and digits after NFC and lower-casing. Never stemmed, never
/// trimmed: Vietnamese syllables are short and each one matters.
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_word(s, &mut String::new(), |w| out.push(w.to_owned()));
    out
}

/// The words of `s`, as `words` makes them, given one by one and made in `buffer` (a search
/// index of thousands of documents makes no string for a word it has seen before).
pub fn each_word(s: &str, buffer: &mut String, mut each: impl FnMut(&str)) {
    buffer.clear();
    if s.is_ascii() {
        buffer.push_str(s);
        buffer.make_ascii_lowercase();
    } else if is_nfc(s) {
        buffer.extend(s.chars().flat_map(char::to_lowercase));
    } else {
        buffer.extend(s.nfc().flat_map(char::to_lowercase));
    }
    buffer
        .split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
        .filter(|w| !w.is_empty())
        .for_each(&mut each);
}

/// Position of a base letter in the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q
/// r s t u ư v x y); other characters sort after, by code point. (0, 0) is kept for "end of word".
fn base_rank(c: char) -> (u32, u32) {
    const ALPHABET: &str = "aăâbcdđeêghiklmnoôơpqrstuưvxy";
    match ALPHABET.chars().position(|a| a == c) {
        Some(p) => (1, p as u32),
        None => (2, c as u32),
    }
}

/// Tone of a syllable's vowel: none, huyền (grave), hỏi (hook), ngã (tilde), sắc (acute), nặng
/// (dot below), in the order Vietnamese dictionaries use.
fn tone_rank(mark: char) -> Option<u32> {
    match mark {
        '\u{300}' => Some(1),
        '\u{309}' => Some(2),
        '\u{303}' => Some(3),
        '\u{301}' => Some(4),
        '\u{323}' => Some(5),
        _ => None,
    }
}

/// A sort key that orders Vietnamese words as a dictionary does: letters first by the Vietnamese
/// alphabet (so "Đ" comes after "D", "Ư" after "U"), then by tone, then by case.
pub fn collation_key(s: &str) -> Vec<(u32, u32)> {
    let mut primary = Vec::new();
    let mut tones = Vec::new();
    let mut cases = Vec::new();
    for c in nfc(s).chars() {
        // Decompose one letter: base + vowel-quality marks (breve, circumflex, horn) stay part of
        // the letter; tone marks are kept apart for the secondary level.
        let lower = c.to_lowercase().next().unwrap_or(c);
        cases.push((0, u32::from(lower != c)));
        let mut base = String::new();
        let mut tone = 0;
        for d in lower.nfd() {
            match tone_rank(d) {
                Some(t) => tone = t,
                None => base.push(d),
            }
        }
        let letter: String = base.nfc().collect();
        let mut it = letter.chars();
        match (it.next(), it.next()) {
            (Some(l), None) => primary.push(base_rank(l)),
            _ => primary.extend(letter.chars().map(base_rank)),
        }
        tones.push((0, tone));
    }
    primary.push((0, 0));
    primary.extend(tones);
    primary.push((0, 0));
    primary.extend(cases);
    primary
}

/// Sort strings in Vietnamese order (see [`collation_key`]).
pub fn sort_vietnamese<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|t| collation_key(key(t)));
}

/// An exhibit or programme slug: lower-case ASCII letters, digits and '-', 1–64 characters.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An object ID: capital letters, digits, '-' and '.', 1–32 characters, so that its URL fits QR
/// alphanumeric mode. Not "." or "..": an ID becomes a folder name in the output.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// The smallest number of one-character edits between two words, to suggest a field name for a
/// typo.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Plain text of a short Markdown or HTML-free string, cut at a word boundary near `max` chars.
/// The words of a Markdown text without markup, one space between them: for search, open data
/// and page descriptions.
pub fn plain_of_markdown(md: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut out = String::with_capacity(md.len());
    for ev in Parser::new(md) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn excerpt(s: &str, max: usize) -> String {
    // Whitespace runs become one space; a text already in that form (as `plain_of_markdown`
    // makes it) is not copied twice.
    let tidy = !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        && !s.as_bytes().windows(2).any(|w| w[0] == b' ' && w[1] == b' ')
        && !s.contains(|c: char| c.is_whitespace() && c != ' ');
    let s = if tidy {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    if s.chars().count() <= max {
        return s.into_owned();
    }
    let mut out: String = s.chars().take(max).collect();
    if let Some(cut) = out.rfind(' ') {
        out.truncate(cut);
    }
    out.push('…');
    out
}

/// Natural order of object IDs: runs of digits compare as numbers (HL-9 before HL-10), the rest
/// case-insensitively; the same rule as the label sheets' choice of a range (`labels.js`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(s: &str) -> Vec<Result<u128, String>> {
        let mut out: Vec<Result<u128, String>> = Vec::new();
        let mut cur = String::new();
        let flush = |cur: &mut String, out: &mut Vec<Result<u128, String>>| {
            if cur.is_empty() {
                return;
            }
            out.push(if cur.starts_with(|c: char| c.is_ascii_digit()) {
                cur.parse().map_err(|_| cur.clone())
            } else {
                Err(cur.to_uppercase())
            });
            cur.clear();
        };
        for c in s.chars() {
            if cur
                .chars()
                .next()
                .is_some_and(|d| d.is_ascii_digit() != c.is_ascii_digit())
            {
                flush(&mut cur, &mut out);
            }
            cur.push(c);
        }
        flush(&mut cur, &mut out);
        out
    }
    let (x, y) = (runs(a), runs(b));
    for (p, q) in x.iter().zip(&y) {
        let o = match (p, q) {
            (Ok(m), Ok(n)) => m.cmp(n),
            _ => {
                let s = |r: &Result<u128, String>| r.as_ref().map_or_else(|s| s.clone(), |n| n.to_string());
                s(p).cmp(&s(q))
            }
        };
        if o.is_ne() {
            return o;
        }
    }
    x.len().cmp(&y.len())
}

/// `ids` in natural order, as runs of consecutive IDs (HL-001, HL-002, HL-003 → one run from HL-001
/// to HL-003: the same text before a number of the same width, counting up by one).
pub fn id_runs<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<(&'a str, &'a str)> {
    fn split(id: &str) -> (&str, Option<u128>, usize) {
        let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, tail) = id.split_at(id.len() - digits);
        (head, tail.parse().ok(), digits)
    }
    let mut ids: Vec<&str> = ids.into_iter().collect();
    ids.sort_by(|a, b| natural_cmp(a, b));
    ids.dedup();
    let mut runs: Vec<(&str, &str)> = Vec::new();
    for id in ids {
        if let Some(last) = runs.last_mut() {
            let (h0, n0, w0) = split(last.1);
            let (h1, n1, w1) = split(id);
            if h0 == h1 && w0 == w1 && n0.zip(n1).is_some_and(|(a, b)| a + 1 == b) {
                last.1 = id;
                continue;
            }
        }
        runs.push((id, id));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_tones_and_d_stroke() {
        assert_eq!(fold("Hoa Lư"), "hoa lu");
        assert_eq!(fold("Đinh Tiên Hoàng"), "dinh tien hoang");
        assert_eq!(fold("Phát Diệm"), "phat diem");
    }

    #[test]
    fn characters_taken_as_nfc_without_the_tables_are_nfc() {
        use unicode_normalization::{IsNormalized, is_nfc_quick};
        let all = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| surely_nfc(*c));
        let mut n = 0;
        for c in all {
            // Alone, after a letter and before one: the quick check says Yes.
            for s in [format!("{c}"), format!("a{c}"), format!("{c}b")] {
                assert_eq!(is_nfc_quick(s.chars()), IsNormalized::Yes, "U+{:04X}", c as u32);
            }
            n += 1;
        }
        assert_eq!(n, 0x300 + 0x100);
        assert!(!is_nfc("Ho\u{302}\u{300}ng") && is_nfc("Hồng Đức ưu"));
    }

    #[test]
    fn nfc_composes_combining_marks() {
        let decomposed = "Hoa Lu\u{31b}";
        assert_ne!(decomposed, "Hoa Lư");
        assert_eq!(nfc(decomposed), "Hoa Lư");
    }

    #[test]
    fn words_split_on_punctuation_and_keep_diacritics() {
        assert_eq!(
            words("Cố đô Hoa Lư (968–1009)"),
            ["cố", "đô", "hoa", "lư", "968", "1009"]
        );
        assert_eq!(words("Bronze DRUM, HL-001"), ["bronze", "drum", "hl", "001"]);
        // Combining marks (not NFC) give the same words as precomposed letters.
        assert_eq!(words("Ho\u{302}\u{300}ng"), words("Hồng"));
        // One buffer serves text after text.
        let mut buffer = String::new();
        let mut seen = Vec::new();
        each_word("Trống ĐỒNG", &mut buffer, |w| seen.push(w.to_string()));
        each_word("gốm", &mut buffer, |w| seen.push(w.to_string()));
        assert_eq!(seen, ["trống", "đồng", "gốm"]);
    }

    #[test]
    fn vietnamese_order_puts_d_stroke_after_d_and_tones_in_dictionary_order() {
        let mut v = vec!["Đinh", "Dương", "Ba", "Bà", "Bá", "Bả", "Ăn", "Anh", "Uy", "Ưng"];
        sort_vietnamese(&mut v, |s| s);
        assert_eq!(
            v,
            ["Anh", "Ăn", "Ba", "Bà", "Bả", "Bá", "Dương", "Đinh", "Uy", "Ưng"]
        );
    }

    #[test]
    fn excerpts_close_up_whitespace_and_cut_at_a_word() {
        assert_eq!(excerpt("  Trống\tđồng\n\nĐông  Sơn ", 100), "Trống đồng Đông Sơn");
        assert_eq!(excerpt("Trống đồng Đông Sơn", 100), "Trống đồng Đông Sơn");
        assert_eq!(excerpt("Trống đồng Đông Sơn", 12), "Trống đồng…");
        assert_eq!(excerpt("Trống  đồng\u{a0}Đông Sơn", 12), "Trống đồng…");
        let md = "# Tiêu đề\n\nMột *câu* với [liên kết](https://vd.vn) và `mã`.\n\n- một\n- hai";
        assert_eq!(
            plain_of_markdown(md),
            "Tiêu đề Một câu với liên kết và mã. một hai"
        );
    }

    #[test]
    fn ids_and_slugs() {
        assert!(is_valid_id("HL-001"));
        assert!(!is_valid_id("hl-001"));
        assert!(!is_valid_id(".."));
        assert!(is_valid_slug("co-do-hoa-lu"));
        assert!(!is_valid_slug("Cố đô"));
    }

    #[test]
    fn ids_sort_in_natural_order() {
        let mut ids = vec!["HL-10", "HL-9", "hl-002", "B-1", "HL-1A", "HL-1"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["B-1", "HL-1", "HL-1A", "hl-002", "HL-9", "HL-10"]);
        assert!(natural_cmp("HL-010", "HL-10").is_eq());
    }

    #[test]
    fn consecutive_ids_make_one_run() {
        let ids = [
            "HL-003", "HL-001", "HL-002", "HL-010", "B-9", "B-10", "HL-011", "X",
        ];
        assert_eq!(
            id_runs(ids),
            [
                ("B-9", "B-9"),
                ("B-10", "B-10"),
                ("HL-001", "HL-003"),
                ("HL-010", "HL-011"),
                ("X", "X")
            ]
        );
    }
}
