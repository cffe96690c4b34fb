// Learning programmes as lessons: a teacher's assignment of a programme to a class (class codes
// that are easy to read aloud), a student's answer checked and marked against the programme's
// questions, and what a class's results add up to. Nothing here knows about HTTP or SQL.

use crate::content::{Day, Programme, Question, QuestionKind};
use crate::text::nfc;

/// Letters and digits that cannot be mistaken for one another when read aloud or off a projector:
/// no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V.
pub const CODE_ALPHABET: &[u8] = b"ACEFHJKMNPRTWXY3479";
pub const CODE_LEN: usize = 6;

/// Days after a class tour closes when its students' names and answers are erased.
pub const DEFAULT_TOUR_RETENTION_DAYS: u32 = 30;

/// Tours that closed before this day are erased: `days` full days after the closing day.
pub fn tour_cutoff(today: Day, days: u32) -> Day {
    today.add_days(-(days as i64))
}

/// A new random class code.
pub fn new_code() -> String {
    crate::accounts::random_key()
        .iter()
        .take(CODE_LEN)
        // 256 is not a multiple of 19: the first letters are very slightly likelier, which
        // does not matter for a code that only lets a student in.
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

/// A code as a student typed it ("hkt 4mx", "HKT-4MX"), or None when it cannot be one.
pub fn normalise_code(s: &str) -> Option<String> {
    let c: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (c.len() == CODE_LEN && c.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(c)
}

/// The code shown to a class: two groups of three, "HKT 4MX".
pub fn spaced_code(code: &str) -> String {
    if code.len() == CODE_LEN && code.is_ascii() {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_string()
    }
}

/// A student's display name: 1 to 40 characters after trimming, no control characters.
pub fn display_name(s: &str) -> Result<String, &'static str> {
    let n = nfc(s.split_whitespace().collect::<Vec<_>>().join(" ").as_str());
    match n.chars().count() {
        0 => Err("tour.name_missing"),
        c if c > 40 => Err("tour.name_too_long"),
        _ if n.chars().any(char::is_control) => Err("tour.name_missing"),
        _ => Ok(n),
    }
}

/// An assignment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: i64,
    pub code: String,
    /// The programme's slug.
    pub programme: String,
    pub teacher_id: i64,
    pub class_name: String,
    pub school: String,
    /// First and last day answers are taken (ISO dates, Vietnam time), both included.
    pub opens: String,
    pub closes: String,
    pub show_answers: bool,
    /// Questions in the programme when it was assigned.
    pub questions: i64,
    /// Students who joined (kept when the students' data is erased).
    pub reached: i64,
    pub created_at: i64,
    /// When the students' names and answers were erased.
    pub erased_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotYetOpen,
    Open,
    Closed,
}

impl Assignment {
    pub fn status(&self, today: Day) -> Status {
        let t = today.to_string();
        if self.erased_at.is_some() || t > self.closes {
            Status::Closed
        } else if t < self.opens {
            Status::NotYetOpen
        } else {
            Status::Open
        }
    }
}

/// What a teacher asks for.
#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub programme: String,
    pub teacher_id: i64,
    pub class_name: String,
    pub school: String,
    pub opens: Day,
    pub closes: Day,
    pub show_answers: bool,
    pub questions: i64,
}

/// A refused field of the assignment form: which field and the interface-string key saying why.
pub type FieldError = (&'static str, &'static str);

/// Validate the teacher's form against the programmes on offer.
pub fn validate_assignment(
    field: impl Fn(&str) -> String,
    programme: Option<&Programme>,
    teacher_id: i64,
    today: Day,
) -> Result<NewAssignment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = |k: &'static str, max: usize, errors: &mut Vec<FieldError>, key: &'static str| {
        let v = nfc(field(k).split_whitespace().collect::<Vec<_>>().join(" ").as_str());
        let n = v.chars().count();
        if n == 0 || n > max {
            errors.push((k, key));
        }
        v
    };
    let class_name = text("class_name", 60, &mut errors, "teach.class_missing");
    let school = text("school", 120, &mut errors, "teach.school_missing");
    if programme.is_none() {
        errors.push(("programme", "teach.programme_missing"));
    }
    let day = |k: &'static str, errors: &mut Vec<FieldError>| {
        let d = crate::visits::parse_iso_day(field(k).trim());
        if d.is_none() {
            errors.push((k, "teach.date_invalid"));
        }
        d
    };
    let opens = day("opens", &mut errors);
    let closes = day("closes", &mut errors);
    if let (Some(o), Some(c)) = (opens, closes) {
        if c < o {
            errors.push(("closes", "teach.closes_before_opens"));
        } else if c < today {
            errors.push(("closes", "teach.closes_past"));
        } else if c.to_unix() - o.to_unix() > 366 * 86_400 {
            errors.push(("closes", "teach.too_long"));
        }
    }
    match (errors.is_empty(), programme, opens, closes) {
        (true, Some(p), Some(opens), Some(closes)) => Ok(NewAssignment {
            programme: p.slug.clone(),
            teacher_id,
            class_name,
            school,
            opens,
            closes,
            show_answers: matches!(field("show_answers").as_str(), "1" | "on" | "true"),
            questions: questions(p) as i64,
        }),
        _ => Err(errors),
    }
}

/// How many stops of a programme ask a question.
pub fn questions(p: &Programme) -> usize {
    p.stops.iter().filter(|s| s.question.is_some()).count()
}

/// Questions that are marked right or wrong (choices and finds; written answers are read).
pub fn scored_questions(p: &Programme) -> usize {
    p.stops
        .iter()
        .filter_map(|s| s.question.as_ref())
        .filter(|q| q.kind != QuestionKind::Text)
        .count()
}

/// An answer as it is stored: the text kept and whether it is right (None: not marked, a
/// written answer the teacher reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    pub answer: String,
    pub correct: Option<bool>,
}

/// What a student sent for one stop: the chosen choices (0-based), the written text, or the
/// object number found.
#[derive(Debug, Default, Clone)]
pub struct Given {
    pub choices: Vec<String>,
    pub text: String,
    pub found: String,
}

/// Check an answer against the question of the stop whose object is `item`; the error is an
/// interface-string key.
pub fn mark(q: &Question, item: &str, given: &Given) -> Result<Marked, &'static str> {
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            let mut picked: Vec<usize> = Vec::new();
            for c in &given.choices {
                match c.trim().parse::<usize>() {
                    Ok(i) if i < q.choices.len() => picked.push(i),
                    _ => return Err("tour.choice_unknown"),
                }
            }
            picked.sort_unstable();
            picked.dedup();
            if picked.is_empty() {
                return Err("tour.choose");
            }
            if q.kind == QuestionKind::Single && picked.len() > 1 {
                return Err("tour.choose_one");
            }
            let right: Vec<usize> = (0..q.choices.len()).filter(|i| q.choices[*i].correct).collect();
            Ok(Marked {
                answer: picked.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","),
                correct: Some(picked == right),
            })
        }
        QuestionKind::Text => {
            let t = nfc(given.text.trim());
            match t.chars().count() {
                0 => Err("tour.write"),
                n if n > 2000 => Err("tour.too_long"),
                _ => Ok(Marked {
                    answer: t,
                    correct: None,
                }),
            }
        }
        QuestionKind::Find => {
            let f: String = given.found.trim().to_ascii_uppercase();
            if f.is_empty() {
                return Err("tour.find_missing");
            }
            if f.len() > 64
                || !f
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
            {
                return Err("tour.find_invalid");
            }
            Ok(Marked {
                correct: Some(f == item.to_ascii_uppercase()),
                answer: f,
            })
        }
    }
}

/// The answer shown to people: the chosen choices' text, the written text, the number found.
pub fn shown_answer(q: &Question, answer: &str, lang: crate::content::Lang) -> String {
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => answer
            .split(',')
            .filter_map(|i| i.parse::<usize>().ok())
            .filter_map(|i| q.choices.get(i))
            .map(|c| c.text.pick(lang).map(|(t, _)| t.to_string()).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("; "),
        _ => answer.to_string(),
    }
}

/// The right answer in words: the correct choices, the model answer, or the object to find.
pub fn right_answer(q: &Question, item: &str, lang: crate::content::Lang) -> String {
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => q
            .choices
            .iter()
            .filter(|c| c.correct)
            .map(|c| c.text.pick(lang).map(|(t, _)| t.to_string()).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("; "),
        QuestionKind::Text => q
            .answer
            .pick(lang)
            .map(|(t, _)| t.to_string())
            .unwrap_or_default(),
        QuestionKind::Find => item.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Choice, Localized};

    fn question(kind: QuestionKind, correct: &[bool]) -> Question {
        Question {
            kind,
            prompt: Localized::default(),
            choices: correct
                .iter()
                .enumerate()
                .map(|(i, c)| Choice {
                    text: Localized {
                        vi: Some(format!("lựa chọn {i}")),
                        en: Some(format!("choice {i}")),
                        pos: None,
                    },
                    correct: *c,
                })
                .collect(),
            answer: Localized::default(),
        }
    }

    fn choices(c: &[&str]) -> Given {
        Given {
            choices: c.iter().map(|s| s.to_string()).collect(),
            ..Given::default()
        }
    }

    #[test]
    fn codes_avoid_look_alikes_and_are_read_back_however_typed() {
        for _ in 0..200 {
            let c = new_code();
            assert_eq!(c.len(), CODE_LEN);
            assert!(
                !c.contains(['0', 'O', '1', 'I', 'L', '5', 'S', '8', 'B', '2', 'Z']),
                "{c}"
            );
            assert_eq!(normalise_code(&c.to_lowercase()).as_deref(), Some(c.as_str()));
        }
        assert_eq!(normalise_code(" hkt-4mx ").as_deref(), Some("HKT4MX"));
        assert_eq!(normalise_code("HKT 4M"), None);
        assert_eq!(normalise_code("HKT 4MO"), None, "O is not in the alphabet");
        assert_eq!(spaced_code("HKT4MX"), "HKT 4MX");
    }

    #[test]
    fn single_and_multiple_choices_are_marked_exactly() {
        let single = question(QuestionKind::Single, &[false, true, false]);
        assert_eq!(mark(&single, "X", &choices(&["1"])).unwrap().correct, Some(true));
        assert_eq!(mark(&single, "X", &choices(&["0"])).unwrap().correct, Some(false));
        assert_eq!(mark(&single, "X", &choices(&["0", "1"])), Err("tour.choose_one"));
        assert_eq!(mark(&single, "X", &choices(&["3"])), Err("tour.choice_unknown"));
        assert_eq!(mark(&single, "X", &choices(&["x"])), Err("tour.choice_unknown"));
        assert_eq!(mark(&single, "X", &choices(&[])), Err("tour.choose"));
        let multi = question(QuestionKind::Multiple, &[true, false, true]);
        let m = mark(&multi, "X", &choices(&["2", "0", "2"])).unwrap();
        assert_eq!((m.answer.as_str(), m.correct), ("0,2", Some(true)));
        assert_eq!(
            mark(&multi, "X", &choices(&["0"])).unwrap().correct,
            Some(false),
            "one right of two is not right"
        );
        assert_eq!(
            mark(&multi, "X", &choices(&["0", "1", "2"])).unwrap().correct,
            Some(false)
        );
        assert_eq!(
            shown_answer(&multi, "0,2", crate::content::Lang::En),
            "choice 0; choice 2"
        );
        assert_eq!(
            right_answer(&multi, "X", crate::content::Lang::Vi),
            "lựa chọn 0; lựa chọn 2"
        );
    }

    #[test]
    fn written_answers_are_kept_unmarked_and_found_objects_are_checked() {
        let text = question(QuestionKind::Text, &[]);
        let m = mark(
            &text,
            "X",
            &Given {
                text: "  Gạch xây thành  ".into(),
                ..Given::default()
            },
        )
        .unwrap();
        assert_eq!((m.answer.as_str(), m.correct), ("Gạch xây thành", None));
        assert_eq!(mark(&text, "X", &Given::default()), Err("tour.write"));
        let long = Given {
            text: "a".repeat(2001),
            ..Given::default()
        };
        assert_eq!(mark(&text, "X", &long), Err("tour.too_long"));
        let find = question(QuestionKind::Find, &[]);
        let found = |s: &str| {
            mark(
                &find,
                "HL-007",
                &Given {
                    found: s.into(),
                    ..Given::default()
                },
            )
        };
        assert_eq!(found("hl-007").unwrap().correct, Some(true));
        assert_eq!(found("HL-006").unwrap().correct, Some(false));
        assert_eq!(found("../x"), Err("tour.find_invalid"));
        assert_eq!(found(" "), Err("tour.find_missing"));
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(display_name("  An   B  ").unwrap(), "An B");
        assert_eq!(display_name(""), Err("tour.name_missing"));
        assert_eq!(display_name(&"x".repeat(41)), Err("tour.name_too_long"));
        assert_eq!(display_name("Nguye\u{0302}\u{0303}n").unwrap(), "Nguyễn");
    }

    #[test]
    fn an_assignment_is_open_from_its_first_to_its_last_day() {
        let a = Assignment {
            id: 1,
            code: "HKT4MX".into(),
            programme: "p".into(),
            teacher_id: 1,
            class_name: "7A".into(),
            school: "THCS".into(),
            opens: "2026-03-01".into(),
            closes: "2026-03-10".into(),
            show_answers: false,
            questions: 3,
            reached: 0,
            created_at: 0,
            erased_at: None,
        };
        let d = |s: &str| crate::visits::parse_iso_day(s).unwrap();
        assert_eq!(a.status(d("2026-02-28")), Status::NotYetOpen);
        assert_eq!(a.status(d("2026-03-01")), Status::Open);
        assert_eq!(a.status(d("2026-03-10")), Status::Open);
        assert_eq!(a.status(d("2026-03-11")), Status::Closed);
    }
}
