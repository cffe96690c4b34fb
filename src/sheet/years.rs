// Sortable years read from the date text a curator wrote ("Năm 973", "Thế kỷ 10", "10th
// century", "968–1009"), for new objects whose "Từ năm"/"Đến năm" cells are empty. Pure.

use crate::text::fold;

/// The year range `(from, to)` that `display` names, if it is a plain year, a range of years
/// or a century; `None` for anything less certain ("khoảng", "cuối", …).
pub fn years_of(display: &str) -> Option<(i64, i64)> {
    let folded = fold(display).replace(['–', '—'], "-");
    let mut words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let bce = matches!(words.last(), Some(&("tcn" | "bc" | "bce" | "b.c." | "trcn")));
    if bce {
        words.pop();
    }
    let sign = if bce { -1 } else { 1 };
    let (from, to) = match words.as_slice() {
        ["nam", y] | [y] => range_or_year(y)?,
        ["the", "ky" | "ki", c] | ["tk", c] => century(roman_or_number(c)?)?,
        [c, "century" | "c."] => century(ordinal(c)?)?,
        _ => return None,
    };
    Some(if bce { (sign * to, sign * from) } else { (from, to) })
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

fn century(n: i64) -> Option<(i64, i64)> {
    (1..=21).contains(&n).then(|| ((n - 1) * 100 + 1, n * 100))
}

/// "10th", "1st", "21st".
fn ordinal(s: &str) -> Option<i64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_years_and_ranges() {
        assert_eq!(years_of("Năm 973"), Some((973, 973)));
        assert_eq!(years_of("973"), Some((973, 973)));
        assert_eq!(years_of("968–1009"), Some((968, 1009)));
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
    }

    #[test]
    fn uncertain_text_gives_no_years() {
        assert_eq!(years_of("khoảng năm 973"), None);
        assert_eq!(years_of("Cuối thế kỷ 10"), None);
        assert_eq!(years_of("1009–968"), None);
        assert_eq!(years_of("Thế kỷ 40"), None);
        assert_eq!(years_of(""), None);
        assert_eq!(years_of("century"), None);
    }
}
