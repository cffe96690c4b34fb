// Sortable years read from the date text a curator wrote, for objects whose "Từ năm"/"Đến năm"
// cells are empty: "Năm 973", "968–1009", "Thế kỷ 10", "10th century", "c. 1860", "1950s",
// "18th–19th century", "đầu thế kỷ 20", "năm Bảo Đại thứ 5", "30/04/1975". Text that names no
// years ("không rõ", "n.d.") gives none, and the object is undated. Pure.

use crate::text::fold;

/// The year range `(from, to)` that `display` names, or `None` when it cannot be read.
pub fn years_of(display: &str) -> Option<(i64, i64)> {
    let folded = fold(display)
        .replace(['–', '—', '‒', '―'], "-")
        .replace(" - ", "-")
        .replace("mid-", "mid ")
        .replace(['(', ')', '[', ']', '?'], " ");
    let mut words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    let bce = strip_bce(&mut words);
    let circa = strip_circa(&mut words);
    let (from, to) = read(&words).or_else(|| bracketed_year(display))?;
    let (from, to) = if bce { (-to, -from) } else { (from, to) };
    Some(if circa && from == to {
        (from - CIRCA, to + CIRCA)
    } else {
        (from, to)
    })
}

/// Years either side of a year said to be approximate ("khoảng 1860", "c. 1860": 1855–1865).
pub const CIRCA: i64 = 5;

/// Texts that say the date is not known: the object is undated.
pub fn says_unknown(display: &str) -> bool {
    let f = fold(display.trim()).replace(['.', '(', ')'], "");
    matches!(
        f.trim(),
        "" | "nd"
            | "n/d"
            | "undated"
            | "unknown"
            | "date unknown"
            | "not dated"
            | "khong ro"
            | "khong ro nien dai"
            | "chua ro"
            | "chua ro nien dai"
            | "chua xac dinh"
            | "khong xac dinh"
            | "khong ro nam"
            | "-"
            | "?"
    )
}

fn strip_bce(words: &mut Vec<&str>) -> bool {
    let n = words.len();
    if matches!(
        words.last(),
        Some(&("tcn" | "bc" | "bce" | "b.c." | "b.c.e." | "trcn"))
    ) {
        words.pop();
        return true;
    }
    if n >= 3 && words[n - 3..] == ["truoc", "cong", "nguyen"] {
        words.truncate(n - 3);
        return true;
    }
    false
}

fn strip_circa(words: &mut Vec<&str>) -> bool {
    let mut circa = false;
    while let Some(&first) = words.first() {
        match first {
            "c." | "c" | "ca." | "ca" | "circa" | "about" | "approx." | "approximately" | "khoang"
            | "chung" | "vao" => {
                words.remove(0);
                circa |= first != "vao";
            }
            _ => break,
        }
    }
    if let Some(w) = words.first_mut()
        && let Some(rest) = w.strip_prefix("c.")
        && !rest.is_empty()
    {
        *w = rest;
        circa = true;
    }
    circa
}

fn read(words: &[&str]) -> Option<(i64, i64)> {
    match words {
        ["nam", y] | [y] => range_or_year(y).or_else(|| decade(y)).or_else(|| day(y)),
        ["thap", "nien" | "ky", y] | ["nhung", "nam", y] | ["cac", "nam", y] => decade_number(y),
        ["the", "ky" | "ki", c] | ["tk", c] => centuries(c, roman_or_number),
        ["the", "ky" | "ki", a, "-", b] | ["tk", a, "-", b] => {
            century_span(roman_or_number(a)?, roman_or_number(b)?)
        }
        [c, "century" | "centuries" | "c." | "c"] => centuries(c, ordinal),
        [a, "-", b, "century" | "centuries"] | [a, "to", b, "century" | "centuries"] => {
            century_span(ordinal(a)?, ordinal(b)?)
        }
        [part @ .., "the", "ky" | "ki", c] => part_of(vi_part(part)?, roman_or_number(c)?),
        [part @ .., c, "century"] => part_of(en_part(part)?, ordinal(c)?),
        ["thang", _, "nam", y] | ["ngay", _, "thang", _, "nam", y] => year(y).map(|y| (y, y)),
        _ => regnal(words),
    }
}

fn year(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().filter(|y| (0..=2100).contains(y))
}

fn range_or_year(s: &str) -> Option<(i64, i64)> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (year(a)?, year(b)?);
            (a <= b).then_some((a, b))
        }
        None => year(s).map(|y| (y, y)),
    }
}

/// "1950s", "1950's": the ten years.
fn decade(s: &str) -> Option<(i64, i64)> {
    let n = s.strip_suffix("'s").or_else(|| s.strip_suffix('s'))?;
    decade_number(n)
}

fn decade_number(n: &str) -> Option<(i64, i64)> {
    let y = year(n)?;
    (y % 10 == 0).then_some((y, y + 9))
}

/// "30/04/1975", "1975-04-30", "4/30/1975": the year of a day.
fn day(s: &str) -> Option<(i64, i64)> {
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let y = if parts[0].len() == 4 { parts[0] } else { parts[2] };
    (y.len() == 4).then(|| year(y).map(|y| (y, y))).flatten()
}

fn century(n: i64) -> Option<(i64, i64)> {
    (1..=21).contains(&n).then(|| ((n - 1) * 100 + 1, n * 100))
}

/// "X", "10" or "18-19" in one word.
fn centuries(c: &str, number: fn(&str) -> Option<i64>) -> Option<(i64, i64)> {
    match c.split_once('-') {
        Some((a, b)) => century_span(number(a)?, number(b)?),
        None => century(number(c)?),
    }
}

fn century_span(a: i64, b: i64) -> Option<(i64, i64)> {
    let (a, b) = (century(a)?, century(b)?);
    (a.0 <= b.0).then_some((a.0, b.1))
}

/// A part of a century, in years counted from its start: (first, last).
type Part = (i64, i64);
const EARLY: Part = (1, 30);
const MID: Part = (31, 70);
const LATE: Part = (71, 100);
const FIRST_HALF: Part = (1, 50);
const SECOND_HALF: Part = (51, 100);

fn vi_part(words: &[&str]) -> Option<Part> {
    match words {
        ["dau"] | ["dau", "cua"] => Some(EARLY),
        ["giua"] => Some(MID),
        ["cuoi"] => Some(LATE),
        ["nua", "dau"] => Some(FIRST_HALF),
        ["nua", "sau" | "cuoi"] => Some(SECOND_HALF),
        _ => None,
    }
}

fn en_part(words: &[&str]) -> Option<Part> {
    let words: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "the" | "of"))
        .collect();
    match words.as_slice() {
        ["early"] => Some(EARLY),
        ["mid"] | ["middle"] => Some(MID),
        ["late"] => Some(LATE),
        ["first", "half"] => Some(FIRST_HALF),
        ["second", "half"] => Some(SECOND_HALF),
        _ => None,
    }
}

fn part_of(part: Part, n: i64) -> Option<(i64, i64)> {
    let (start, _) = century(n)?;
    Some((start - 1 + part.0, start - 1 + part.1))
}

/// "10th", "1st", "21st", "mid-20th" (the part is read by the caller).
fn ordinal(s: &str) -> Option<i64> {
    let s = s.rsplit('-').next()?;
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    (digits.len() < s.len()).then(|| digits.parse().ok()).flatten()
}

/// "10" or "X" (Vietnamese centuries are often written in Roman numerals).
fn roman_or_number(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let value = |c| match c {
        'i' => Some(1),
        'v' => Some(5),
        'x' => Some(10),
        'l' => Some(50),
        _ => None,
    };
    let digits: Vec<i64> = s.chars().map(value).collect::<Option<_>>()?;
    let mut total = 0;
    for (i, d) in digits.iter().enumerate() {
        if digits.get(i + 1).is_some_and(|next| next > d) {
            total -= d;
        } else {
            total += d;
        }
    }
    Some(total)
}

/// Era names (niên hiệu), folded, with their first year (nguyên niên): the Nguyễn emperors, and
/// the Đinh, Early Lê and Lý eras of Hoa Lư and Thăng Long, and a few Lê and Tây Sơn eras common
/// on dated objects.
const ERAS: &[(&str, i64)] = &[
    ("thai binh", 970),
    ("thien phuc", 980),
    ("thuan thien", 1010),
    ("chinh hoa", 1680),
    ("vinh thinh", 1705),
    ("canh hung", 1740),
    ("quang trung", 1788),
    ("canh thinh", 1793),
    ("gia long", 1802),
    ("minh mang", 1820),
    ("minh menh", 1820),
    ("thieu tri", 1841),
    ("tu duc", 1848),
    ("hiep hoa", 1883),
    ("kien phuc", 1884),
    ("ham nghi", 1885),
    ("dong khanh", 1886),
    ("thanh thai", 1889),
    ("duy tan", 1907),
    ("khai dinh", 1916),
    ("bao dai", 1926),
];

/// "năm Bảo Đại thứ 5", "Bảo Đại năm thứ năm", "niên hiệu Tự Đức thứ 3", "Bảo Đại nguyên niên".
fn regnal(words: &[&str]) -> Option<(i64, i64)> {
    let skip = |w: &&str| !matches!(*w, "nam" | "nien" | "hieu" | "thu" | "vao");
    let text = words.join(" ");
    let (name, first) = ERAS.iter().find(|(n, _)| text.contains(n))?;
    let after = text.split_once(name)?.1;
    let rest: Vec<&str> = after.split_whitespace().collect();
    let n = if rest.first() == Some(&"nguyen") && rest.get(1) == Some(&"nien") {
        1
    } else {
        // "năm" right after "thứ" is the number five; elsewhere it is "year".
        let mut iter = rest.iter().peekable();
        let mut number = None;
        while let Some(w) = iter.next() {
            if *w == "thu" {
                number = number_word(&iter.clone().copied().collect::<Vec<_>>());
                break;
            }
            if skip(w) {
                number = number_word(&[w]);
                break;
            }
        }
        number?
    };
    (1..=70).contains(&n).then(|| (first + n - 1, first + n - 1))
}

/// 5, "năm", "mười lăm": numbers 1–29 in digits or Vietnamese words (folded).
fn number_word(words: &[&str]) -> Option<i64> {
    if let Some(n) = words.first().and_then(|w| w.parse().ok()) {
        return Some(n);
    }
    let unit = |w: &str| match w {
        "mot" | "nhat" | "mốt" => Some(1),
        "hai" => Some(2),
        "ba" => Some(3),
        "tu" | "bon" => Some(4),
        "nam" | "lam" => Some(5),
        "sau" => Some(6),
        "bay" => Some(7),
        "tam" => Some(8),
        "chin" => Some(9),
        _ => None,
    };
    match words {
        ["muoi", u, ..] if unit(u).is_some() => unit(u).map(|u| 10 + u),
        ["muoi", ..] => Some(10),
        ["hai", "muoi", u, ..] if unit(u).is_some() => unit(u).map(|u| 20 + u),
        ["hai", "muoi", ..] => Some(20),
        [u, ..] => unit(u),
        [] => None,
    }
}

/// A four-digit year in brackets anywhere in the text: "năm Khải Định (1916)".
fn bracketed_year(display: &str) -> Option<(i64, i64)> {
    let open = display.find('(')?;
    let close = open + display[open..].find(')')?;
    let inner = display[open + 1..close].trim();
    (inner.len() == 4).then(|| year(inner).map(|y| (y, y))).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_years_and_ranges() {
        assert_eq!(years_of("Năm 973"), Some((973, 973)));
        assert_eq!(years_of("973"), Some((973, 973)));
        assert_eq!(years_of("968–1009"), Some((968, 1009)));
        assert_eq!(years_of("968 – 1009"), Some((968, 1009)));
        assert_eq!(years_of("năm 1010"), Some((1010, 1010)));
    }

    #[test]
    fn centuries_in_both_languages() {
        assert_eq!(years_of("Thế kỷ 10"), Some((901, 1000)));
        assert_eq!(years_of("thế kỷ X"), Some((901, 1000)));
        assert_eq!(years_of("Thế kỷ XIX"), Some((1801, 1900)));
        assert_eq!(years_of("10th century"), Some((901, 1000)));
        assert_eq!(years_of("1st century"), Some((1, 100)));
        assert_eq!(years_of("Thế kỷ 2 TCN"), Some((-200, -101)));
        assert_eq!(years_of("thế kỷ 2 trước Công nguyên"), Some((-200, -101)));
    }

    #[test]
    fn what_real_catalogues_write() {
        // Approximate years: five years either side.
        assert_eq!(years_of("c. 1860"), Some((1855, 1865)));
        assert_eq!(years_of("c.1860"), Some((1855, 1865)));
        assert_eq!(years_of("ca. 1860"), Some((1855, 1865)));
        assert_eq!(years_of("khoảng năm 973"), Some((968, 978)));
        assert_eq!(years_of("circa 1900-1910"), Some((1900, 1910)));
        // Decades.
        assert_eq!(years_of("1950s"), Some((1950, 1959)));
        assert_eq!(years_of("thập niên 1960"), Some((1960, 1969)));
        assert_eq!(years_of("những năm 1930"), Some((1930, 1939)));
        // Spans and parts of centuries.
        assert_eq!(years_of("18th–19th century"), Some((1701, 1900)));
        assert_eq!(years_of("thế kỷ XVIII–XIX"), Some((1701, 1900)));
        assert_eq!(years_of("thế kỷ 18 - 19"), Some((1701, 1900)));
        assert_eq!(years_of("đầu thế kỷ 20"), Some((1901, 1930)));
        assert_eq!(years_of("Cuối thế kỷ 10"), Some((971, 1000)));
        assert_eq!(years_of("giữa thế kỷ XIX"), Some((1831, 1870)));
        assert_eq!(years_of("nửa đầu thế kỷ 20"), Some((1901, 1950)));
        assert_eq!(years_of("early 20th century"), Some((1901, 1930)));
        assert_eq!(years_of("late 19th century"), Some((1871, 1900)));
        assert_eq!(years_of("mid-20th century"), Some((1931, 1970)));
        assert_eq!(years_of("second half of the 18th century"), Some((1751, 1800)));
        // Regnal years of the Nguyễn.
        assert_eq!(years_of("năm Bảo Đại thứ 5"), Some((1930, 1930)));
        assert_eq!(years_of("Bảo Đại năm thứ năm"), Some((1930, 1930)));
        assert_eq!(years_of("niên hiệu Tự Đức thứ mười lăm"), Some((1862, 1862)));
        assert_eq!(years_of("Gia Long nguyên niên"), Some((1802, 1802)));
        assert_eq!(years_of("Khải Định năm thứ 3 (1918)"), Some((1918, 1918)));
        // Days, as spreadsheets write them.
        assert_eq!(years_of("30/04/1975"), Some((1975, 1975)));
        assert_eq!(years_of("1975-04-30"), Some((1975, 1975)));
        assert_eq!(years_of("tháng 4 năm 1975"), Some((1975, 1975)));
    }

    #[test]
    fn uncertain_or_unknown_text_gives_no_years() {
        assert_eq!(years_of("1009–968"), None);
        assert_eq!(years_of("Thế kỷ 40"), None);
        assert_eq!(years_of(""), None);
        assert_eq!(years_of("century"), None);
        assert_eq!(years_of("n.d."), None);
        assert_eq!(years_of("không rõ niên đại"), None);
        assert_eq!(years_of("thời Lê"), None);
        assert_eq!(years_of("năm Bảo Đại thứ 99"), None);
        assert_eq!(years_of("1955s"), None);
        for t in [
            "n.d.",
            "N.D.",
            "Không rõ niên đại",
            "unknown",
            "Undated",
            "chưa rõ",
            " - ",
        ] {
            assert!(says_unknown(t), "{t}");
        }
        for t in ["1860", "thời Lê", "c. 1860"] {
            assert!(!says_unknown(t), "{t}");
        }
    }
}
