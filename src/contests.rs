// Taking part in a quiz contest: who an entrant is (the minimum for results and certificates, a
// contact only with consent), the one-entry-per-person rule, the questions each entry draws and
// their shuffled choices, marking on the server, and the ranking of a round (score, then the
// prediction's distance, then the time taken, ties shared). Nothing here knows about HTTP or SQL.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::content::{Contest, QuestionKind};
use crate::text::fold;
use crate::visits::{FieldError, field};

/// Seconds after the time limit during which an answer sheet is still taken: the page was sent
/// before the limit over a slow mobile network.
pub const GRACE_SECONDS: i64 = 30;
/// Largest prediction accepted.
pub const MAX_PREDICTION: i64 = 1_000_000;

/// A question as drawn for one entry: the bank's question and the order its choices are shown in
/// (`order[k]` is the bank's index of the choice shown k-th).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    pub q: String,
    pub order: Vec<usize>,
}

/// A question as answered: the bank's indices of the choices ticked, and whether that is right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    pub q: String,
    pub chosen: Vec<usize>,
    pub ok: bool,
}

/// An entrant as validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrant {
    pub name: String,
    /// School and class, or where the entrant is from.
    pub school: String,
    pub grade: Option<u8>,
    pub birth_year: Option<i32>,
    pub contact: Option<String>,
    /// The consent text shown and ticked.
    pub consent: String,
}

/// An entry as started: the entrant, the keyed hash of who they are (`person`), and the questions
/// drawn for them.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub contest: String,
    pub round: u32,
    pub person_hash: String,
    pub entrant: Entrant,
    pub drawn: Vec<Drawn>,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub lang: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub contest: String,
    pub round: u32,
    /// None once erased.
    pub name: Option<String>,
    pub school: String,
    pub grade: Option<u8>,
    pub birth_year: Option<i32>,
    pub contact: Option<String>,
    pub drawn: Vec<Drawn>,
    pub answers: Option<Vec<Answered>>,
    pub score: Option<i64>,
    pub total: i64,
    pub prediction: Option<i64>,
    pub started_ms: i64,
    /// The time limit's end (or the round's close, whichever is first), in milliseconds.
    pub deadline_ms: i64,
    pub submitted_ms: Option<i64>,
}

impl Entry {
    /// Whole seconds from the questions being sent to the answers arriving.
    pub fn seconds(&self) -> Option<i64> {
        self.submitted_ms.map(|s| (s - self.started_ms).max(0) / 1000)
    }
}

/// Validate the entry form. Every problem is returned.
pub fn validate(
    form: &BTreeMap<String, String>,
    this_year: i32,
    consent_text: &str,
) -> Result<Entrant, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &'static str, key: &'static str| errors.push(FieldError { field, key });
    let name = field(form, "name")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match name.chars().count() {
        0 => err("name", "contest.name_missing"),
        n if n > 60 => err("name", "contest.too_long"),
        _ => {}
    }
    let school = field(form, "school")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match school.chars().count() {
        0 => err("school", "contest.school_missing"),
        n if n > 120 => err("school", "contest.too_long"),
        _ => {}
    }
    let grade_text = field(form, "grade");
    let grade = match grade_text.as_str() {
        "" => None,
        g => match crate::visits::school_grade(g) {
            Some(g) => g.parse().ok(),
            None => {
                err("grade", "contest.grade_invalid");
                None
            }
        },
    };
    let year_text = field(form, "birth_year");
    let birth_year = match year_text.as_str() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if (this_year - 110..=this_year - 3).contains(&y) => Some(y),
            _ => {
                err("birth_year", "contest.birth_year_invalid");
                None
            }
        },
    };
    if grade_text.is_empty() && year_text.is_empty() {
        err("grade", "contest.grade_or_year");
    }
    let contact = field(form, "contact");
    if contact.chars().count() > 120 {
        err("contact", "contest.too_long");
    }
    if !crate::visits::consented(form) {
        err("consent", "contest.consent_needed");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Entrant {
        name,
        school,
        grade,
        birth_year,
        contact: (!contact.is_empty()).then_some(contact),
        consent: consent_text.to_string(),
    })
}

/// What makes two entries the same person's, before it is hashed with the server's key: the
/// contact when given (an e-mail address in lower case, a phone number's digits), otherwise this
/// device's cookie and the name without case or tone marks.
pub fn person(entrant: &Entrant, device: &str) -> String {
    match &entrant.contact {
        Some(c) if c.contains('@') => format!("contact:{}", c.trim().to_lowercase()),
        Some(c) => {
            let digits: String = c.chars().filter(char::is_ascii_digit).collect();
            // Vietnamese numbers are written 0912… or +84 912…: the same phone.
            let local = digits
                .strip_prefix("84")
                .filter(|_| c.trim_start().starts_with('+'));
            let digits = match local {
                Some(rest) => format!("0{rest}"),
                None => digits,
            };
            if digits.len() >= 6 {
                format!("contact:{digits}")
            } else {
                format!("contact:{}", fold(c))
            }
        }
        None => format!("device:{device}:{}", fold(&entrant.name)),
    }
}

/// A source of random numbers below a bound (the server's uses the OS generator).
pub trait Dice {
    fn below(&mut self, n: usize) -> usize;
}

/// The OS generator, 32 bytes at a time.
pub struct OsDice {
    buf: [u8; 32],
    at: usize,
}

impl Default for OsDice {
    fn default() -> Self {
        OsDice {
            buf: crate::accounts::random_key(),
            at: 0,
        }
    }
}

impl Dice for OsDice {
    fn below(&mut self, n: usize) -> usize {
        if self.at + 4 > self.buf.len() {
            self.buf = crate::accounts::random_key();
            self.at = 0;
        }
        let b = &self.buf[self.at..self.at + 4];
        self.at += 4;
        // The bias of a 32-bit draw over at most a few hundred choices is negligible.
        (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize) % n.max(1)
    }
}

fn shuffle<T>(v: &mut [T], dice: &mut impl Dice) {
    for i in (1..v.len()).rev() {
        let j = dice.below(i + 1);
        v.swap(i, j);
    }
}

/// The questions of a new entry: `questions_per_entry` of the bank, in a random order, each with
/// its choices in a random order.
pub fn draw(contest: &Contest, dice: &mut impl Dice) -> Vec<Drawn> {
    let mut ids: Vec<usize> = (0..contest.questions.len()).collect();
    shuffle(&mut ids, dice);
    ids.truncate(contest.questions_per_entry);
    ids.into_iter()
        .map(|i| {
            let q = &contest.questions[i];
            let mut order: Vec<usize> = (0..q.question.choices.len()).collect();
            shuffle(&mut order, dice);
            Drawn {
                q: q.id.clone(),
                order,
            }
        })
        .collect()
}

/// Why an answer sheet is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It names questions or choices that were not sent to this entry.
    Forged,
    /// The prediction is missing or not a number.
    Prediction,
}

/// A marked answer sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    pub answers: Vec<Answered>,
    pub score: i64,
    pub total: i64,
    pub prediction: Option<i64>,
}

/// Mark the answers of an entry. The form holds `q<k>` = the shown position of the choice picked
/// (single choice) or `q<k>_<j>` for each shown choice ticked (multiple choice), k and j from 0,
/// and `prediction` when the contest asks it. An unanswered question is wrong. A question taken
/// out of the bank since the entry was drawn is not counted.
pub fn mark(contest: &Contest, drawn: &[Drawn], form: &BTreeMap<String, String>) -> Result<Marked, Refusal> {
    let mut picked: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); drawn.len()];
    for (key, value) in form {
        let Some(rest) = key.strip_prefix('q') else {
            continue;
        };
        let (k, shown) = match rest.split_once('_') {
            Some((k, j)) => (k.parse::<usize>(), j.parse::<usize>()),
            None => (rest.parse::<usize>(), value.trim().parse::<usize>()),
        };
        let (Ok(k), Ok(shown)) = (k, shown) else {
            return Err(Refusal::Forged);
        };
        let Some(d) = drawn.get(k) else {
            return Err(Refusal::Forged);
        };
        let Some(&choice) = d.order.get(shown) else {
            return Err(Refusal::Forged);
        };
        picked[k].insert(choice);
    }
    let mut answers = Vec::new();
    let mut score = 0;
    for (d, chosen) in drawn.iter().zip(picked) {
        let Some(q) = contest.question(&d.q) else {
            continue;
        };
        if q.question.kind == QuestionKind::Single && chosen.len() > 1 {
            return Err(Refusal::Forged);
        }
        let right: BTreeSet<usize> = q
            .question
            .choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.correct)
            .map(|(i, _)| i)
            .collect();
        let ok = chosen == right;
        score += i64::from(ok);
        answers.push(Answered {
            q: d.q.clone(),
            chosen: chosen.into_iter().collect(),
            ok,
        });
    }
    let prediction = if contest.prediction {
        match field(form, "prediction")
            .replace(['.', ',', ' '], "")
            .parse::<i64>()
        {
            Ok(p) if (0..=MAX_PREDICTION).contains(&p) => Some(p),
            _ => return Err(Refusal::Prediction),
        }
    } else {
        None
    };
    Ok(Marked {
        total: answers.len() as i64,
        answers,
        score,
        prediction,
    })
}

/// An entry's place in its round.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    /// 1 for the best; entries that tie share it.
    pub rank: usize,
    /// Shares its rank with another entry.
    pub tied: bool,
    pub distance: Option<i64>,
    pub entry: Entry,
}

/// The round's submitted entries in order: score (high first), then the distance of the
/// prediction from the number of entries with every answer right (entries without one last), then
/// the whole seconds taken. Entries equal on all three share a rank. Returns the ranking and the
/// number of entries with every answer right.
pub fn rank(entries: Vec<Entry>) -> (Vec<Ranked>, i64) {
    let done: Vec<Entry> = entries.into_iter().filter(|e| e.submitted_ms.is_some()).collect();
    let perfect = done
        .iter()
        .filter(|e| e.total > 0 && e.score == Some(e.total))
        .count() as i64;
    let key = |e: &Entry| {
        (
            std::cmp::Reverse(e.score.unwrap_or(0)),
            e.prediction.map_or(i64::MAX, |p| (p - perfect).abs()),
            e.seconds().unwrap_or(i64::MAX),
        )
    };
    let mut done = done;
    done.sort_by(|a, b| key(a).cmp(&key(b)).then(a.submitted_ms.cmp(&b.submitted_ms)));
    let keys: Vec<_> = done.iter().map(key).collect();
    let mut out = Vec::with_capacity(done.len());
    let mut rank = 0;
    for (i, e) in done.into_iter().enumerate() {
        if i == 0 || keys[i] != keys[i - 1] {
            rank = i + 1;
        }
        let tied = (i > 0 && keys[i] == keys[i - 1]) || keys.get(i + 1) == Some(&keys[i]);
        out.push(Ranked {
            rank,
            tied,
            distance: e.prediction.map(|p| (p - perfect).abs()),
            entry: e,
        });
    }
    (out, perfect)
}

/// Participation of a round by school and by grade.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Participation {
    /// (school as first written, entries), most entries first then by name.
    pub schools: Vec<(String, i64)>,
    /// (grade, entries), grades in order; entrants who gave only a year of birth are not here.
    pub grades: Vec<(u8, i64)>,
}

pub fn participation(entries: &[Entry]) -> Participation {
    let mut schools: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut grades: BTreeMap<u8, i64> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.submitted_ms.is_some()) {
        let s = schools
            .entry(fold(&e.school))
            .or_insert_with(|| (e.school.clone(), 0));
        s.1 += 1;
        if let Some(g) = e.grade {
            *grades.entry(g).or_default() += 1;
        }
    }
    let mut schools: Vec<(String, i64)> = schools.into_values().collect();
    schools.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| crate::text::collation_key(&a.0).cmp(&crate::text::collation_key(&b.0)))
    });
    Participation {
        schools,
        grades: grades.into_iter().collect(),
    }
}

/// How often each question was missed in a round.
#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    pub q: String,
    pub asked: i64,
    pub wrong: i64,
}

/// The questions of the round's submitted entries, most often missed first (by share).
pub fn most_missed(entries: &[Entry]) -> Vec<Missed> {
    let mut by: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for a in entries.iter().filter_map(|e| e.answers.as_ref()).flatten() {
        let m = by.entry(&a.q).or_default();
        m.0 += 1;
        m.1 += i64::from(!a.ok);
    }
    let mut v: Vec<Missed> = by
        .into_iter()
        .map(|(q, (asked, wrong))| Missed {
            q: q.to_string(),
            asked,
            wrong,
        })
        .collect();
    // wrong/asked descending, compared without division.
    v.sort_by(|a, b| {
        (b.wrong * a.asked)
            .cmp(&(a.wrong * b.asked))
            .then(b.asked.cmp(&a.asked))
            .then_with(|| a.q.cmp(&b.q))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_entrant_gives_a_name_a_school_a_grade_or_year_and_consent() {
        let ok = validate(
            &form(&[
                ("name", " Nguyễn  Thị Lan "),
                ("school", "THCS Trần Phú, 7A"),
                ("grade", "7"),
                ("consent", "yes"),
            ]),
            2027,
            "C",
        )
        .unwrap();
        assert_eq!(ok.name, "Nguyễn Thị Lan");
        assert_eq!(ok.grade, Some(7));
        assert_eq!(ok.contact, None);
        let bad = validate(&form(&[("grade", "13"), ("birth_year", "2030")]), 2027, "C").unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "school", "grade", "birth_year", "consent"]);
        let neither = validate(
            &form(&[("name", "A"), ("school", "B"), ("consent", "yes")]),
            2027,
            "C",
        )
        .unwrap_err();
        assert_eq!(neither[0].key, "contest.grade_or_year");
    }

    #[test]
    fn the_same_phone_or_address_is_the_same_person_whatever_the_device() {
        let e = |contact: Option<&str>, name: &str| Entrant {
            name: name.into(),
            school: "S".into(),
            grade: Some(7),
            birth_year: None,
            contact: contact.map(String::from),
            consent: String::new(),
        };
        assert_eq!(
            person(&e(Some("+84 912 345 678"), "A"), "d1"),
            person(&e(Some("0912.345.678"), "B"), "d2")
        );
        assert_eq!(
            person(&e(Some("Lan@Example.VN"), "A"), "d1"),
            person(&e(Some("lan@example.vn"), "A"), "d2")
        );
        assert_eq!(
            person(&e(None, "Nguyễn Thị Lan"), "d1"),
            person(&e(None, "nguyen thi lan"), "d1")
        );
        assert_ne!(
            person(&e(None, "Nguyễn Thị Lan"), "d1"),
            person(&e(None, "Nguyễn Thị Lan"), "d2")
        );
    }

    fn entry(id: i64, score: i64, prediction: Option<i64>, secs: i64) -> Entry {
        Entry {
            id,
            contest: "c".into(),
            round: 1,
            name: Some(format!("E{id}")),
            school: "S".into(),
            grade: None,
            birth_year: None,
            contact: None,
            drawn: vec![],
            answers: None,
            score: Some(score),
            total: 3,
            prediction,
            started_ms: 0,
            deadline_ms: 0,
            submitted_ms: Some(secs * 1000 + 400),
        }
    }

    #[test]
    fn the_ranking_breaks_ties_by_prediction_then_time_and_shows_true_ties() {
        let (r, perfect) = rank(vec![
            entry(1, 2, Some(2), 100),
            entry(2, 3, Some(5), 50),
            entry(3, 3, Some(2), 90),
            entry(4, 3, Some(2), 80),
            entry(5, 2, Some(2), 100),
            entry(6, 2, None, 10),
        ]);
        assert_eq!(perfect, 3);
        let order: Vec<(i64, usize, bool)> = r.iter().map(|x| (x.entry.id, x.rank, x.tied)).collect();
        // Perfect = 3: entry 2's prediction 5 is 2 away, 3 and 4's are 1 away.
        assert_eq!(
            order,
            [
                (4, 1, false),
                (3, 2, false),
                (2, 3, false),
                (1, 4, true),
                (5, 4, true),
                (6, 6, false)
            ]
        );
    }
}
