// Quiz contests about the province's history and culture ("thi tìm hiểu"): `contests/<slug>.toml`
// with the rules and prizes in `<slug>.vi.md` and `<slug>.en.md`. A contest has rounds, each open
// between two moments (Vietnam's time), and a bank of single- and multiple-choice questions from
// which each entry draws its own. The bank never goes into a built page: questions are shown
// only to an entrant, by `vitrine serve`, and marked there.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use super::events::moment;
use super::load::{file_slug, load_question, markdown_pair, require, spanned_text, toml_files};
use super::raw::{RawChoice, RawQuestion, RawText};
use super::tomlfile::{Source, parse_file};
use super::{EventStatus, Localized, Moment, Question};
use crate::diag::{Diagnostics, Pos};
use crate::text::{is_valid_slug, nfc};

/// Questions an entry may be asked at most (a phone page stays short).
pub const MAX_QUESTIONS_PER_ENTRY: usize = 50;

/// How winners' names are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameStyle {
    /// "Nguyễn Thị Lan"
    Full,
    /// "Nguyễn T. Lan": family and given name, middle names as initials.
    Short,
    /// "N. T. Lan": only the given name in full.
    Initials,
}

impl NameStyle {
    /// How `winner_names` writes it.
    pub fn code(self) -> &'static str {
        match self {
            NameStyle::Full => "full",
            NameStyle::Short => "short",
            NameStyle::Initials => "initials",
        }
    }

    /// A person's name as published: Vietnamese names are family name first, given name last.
    pub fn apply(self, name: &str) -> String {
        let words: Vec<&str> = name.split_whitespace().collect();
        let initial = |w: &str| {
            w.chars()
                .next()
                .map(|c| format!("{}.", c.to_uppercase()))
                .unwrap_or_default()
        };
        match (self, words.as_slice()) {
            (NameStyle::Full, _) | (_, []) | (_, [_]) => words.join(" "),
            (NameStyle::Short, [first, middle @ .., last]) => {
                let mut v = vec![first.to_string()];
                v.extend(middle.iter().map(|w| initial(w)));
                v.push(last.to_string());
                v.join(" ")
            }
            (NameStyle::Initials, [rest @ .., last]) => {
                let mut v: Vec<String> = rest.iter().map(|w| initial(w)).collect();
                v.push(last.to_string());
                v.join(" ")
            }
        }
    }
}

/// A round: entries are taken from `opens` until `closes`.
#[derive(Debug, Clone)]
pub struct Round {
    /// 1, 2, … in the file's order.
    pub number: u32,
    pub title: Localized,
    pub opens: Moment,
    pub closes: Moment,
}

impl Round {
    pub fn is_open(&self, now: i64) -> bool {
        self.opens.unix() <= now && now < self.closes.unix()
    }
}

/// A question of the bank.
#[derive(Debug, Clone)]
pub struct BankQuestion {
    /// Stable name of the question (its `id`, or its number in the file): entries refer to it.
    pub id: String,
    pub pos: Pos,
    pub question: Question,
    /// Object ID or exhibition slug where the answer can be learned.
    pub learn: Option<(String, Pos)>,
}

#[derive(Debug, Clone)]
pub struct Contest {
    pub slug: String,
    pub pos: Pos,
    pub title: Localized,
    pub summary: Localized,
    /// Rules and prizes (Markdown).
    pub text: Localized,
    pub questions_per_entry: usize,
    pub time_limit_minutes: Option<u32>,
    /// The tie-break question: how many entries of the round will answer every question right.
    pub prediction: bool,
    /// Winners listed per round.
    pub winners: usize,
    pub winner_names: NameStyle,
    pub exhibits: Vec<(String, Pos)>,
    pub event: Option<(String, Pos)>,
    pub status: EventStatus,
    pub rounds: Vec<Round>,
    pub questions: Vec<BankQuestion>,
}

/// Where a contest stands at a moment.
#[derive(Debug, Clone, Copy)]
pub enum Phase<'a> {
    Open(&'a Round),
    /// No round open now; this one is next.
    Between(&'a Round),
    Over,
}

impl Contest {
    pub fn phase(&self, now: i64) -> Phase<'_> {
        if let Some(r) = self.rounds.iter().find(|r| r.is_open(now)) {
            return Phase::Open(r);
        }
        match self
            .rounds
            .iter()
            .filter(|r| r.opens.unix() > now)
            .min_by_key(|r| r.opens.unix())
        {
            Some(r) => Phase::Between(r),
            None => Phase::Over,
        }
    }

    pub fn round(&self, number: u32) -> Option<&Round> {
        self.rounds.iter().find(|r| r.number == number)
    }

    pub fn question(&self, id: &str) -> Option<&BankQuestion> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The first moment of the contest (its first round's opening), for sorting.
    pub fn starts(&self) -> Option<Moment> {
        self.rounds.iter().map(|r| r.opens).min()
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RawContest {
    title: Spanned<RawText>,
    summary: Option<Spanned<RawText>>,
    questions_per_entry: Option<Spanned<i64>>,
    time_limit_minutes: Option<Spanned<i64>>,
    prediction: Option<bool>,
    winners: Option<Spanned<i64>>,
    winner_names: Option<Spanned<String>>,
    #[serde(default)]
    exhibits: Vec<Spanned<String>>,
    event: Option<Spanned<String>>,
    status: Option<Spanned<String>>,
    #[serde(default)]
    round: Vec<Spanned<RawRound>>,
    #[serde(default)]
    question: Vec<Spanned<RawBankQuestion>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RawRound {
    title: Option<RawText>,
    opens: Spanned<Datetime>,
    closes: Spanned<Datetime>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RawBankQuestion {
    id: Option<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    prompt: Spanned<RawText>,
    #[serde(default)]
    choices: Vec<RawChoice>,
    /// Explanation shown with the marked entry once the round is over.
    answer: Option<RawText>,
    learn: Option<Spanned<String>>,
}

/// Every contest of `<root>/contests/`, sorted by first round then name.
pub fn load_contests(root: &Path, diags: &mut Diagnostics) -> Vec<Contest> {
    let dir = root.join("contests");
    let mut contests: Vec<Contest> = toml_files(&dir)
        .iter()
        .filter_map(|p| load_contest(root, &dir, p, diags))
        .collect();
    super::load::stray_texts(root, &dir, "thi-tim-hieu-2027", diags);
    contests.sort_by(|a, b| (a.starts(), &a.slug).cmp(&(b.starts(), &b.slug)));
    contests
}

/// A whole number in `range`, or an error naming the field.
fn bounded(
    src: &Source,
    raw: Option<&Spanned<i64>>,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
    example: &str,
    diags: &mut Diagnostics,
) -> Option<i64> {
    let r = raw?;
    let v = *r.get_ref();
    if range.contains(&v) {
        return Some(v);
    }
    diags.error(
        "invalid-number",
        src.pos(r.span()),
        field,
        format!("{v} is not between {} and {}", range.start(), range.end()),
        &format!("write a whole number, e.g. {field} = {example}"),
    );
    None
}

fn load_contest(root: &Path, dir: &Path, path: &Path, diags: &mut Diagnostics) -> Option<Contest> {
    let (raw, src): (RawContest, Source) = parse_file(root, path, diags)?;
    let file = Pos::file(&src.shown);
    let slug = file_slug(path, &src, "thi-tim-hieu-2027.toml", diags)?;
    let title = spanned_text(&src, Some(&raw.title));
    require(diags, &title, &file, "title");

    let mut rounds: Vec<Round> = Vec::new();
    for (i, r) in raw.round.iter().enumerate() {
        let rr = r.get_ref();
        let field = |f: &str| format!("round[{}].{f}", i + 1);
        let opens = moment(&src, &rr.opens, &field("opens"), diags);
        let closes = moment(&src, &rr.closes, &field("closes"), diags);
        let (Some(opens), Some(closes)) = (opens, closes) else {
            continue;
        };
        if closes.unix() <= opens.unix() {
            diags.error(
                "invalid-date",
                src.pos(rr.closes.span()),
                &field("closes"),
                "the round closes before it opens",
                "write a closing time after `opens`",
            );
            continue;
        }
        if let Some(prev) = rounds.last()
            && opens.unix() < prev.closes.unix()
        {
            diags.error(
                "overlapping-rounds",
                src.pos(rr.opens.span()),
                &field("opens"),
                format!("round {} opens before round {} closes", i + 1, i),
                "write the rounds in order, each opening after the one before closes",
            );
            continue;
        }
        rounds.push(Round {
            number: i as u32 + 1,
            title: super::load::text(rr.title.as_ref()),
            opens,
            closes,
        });
    }
    if raw.round.is_empty() {
        diags.error(
            "no-round",
            file.clone(),
            "round",
            "the contest has no round",
            "add a round: [[round]] with opens = 2027-04-21T08:00:00 and closes = 2027-04-28T20:00:00",
        );
    }

    let mut questions: Vec<BankQuestion> = Vec::new();
    for (i, q) in raw.question.into_iter().enumerate() {
        let at = src.pos(q.span());
        let q = q.into_inner();
        let field = format!("question[{}]", i + 1);
        let id = match &q.id {
            Some(s) => {
                let id = s.get_ref().trim().to_string();
                if !is_valid_slug(&id) {
                    diags.error(
                        "invalid-question",
                        src.pos(s.span()),
                        &format!("{field}.id"),
                        format!("\"{id}\" cannot name a question"),
                        "write lower-case letters a-z, digits and '-', e.g. id = \"thap-chuong\"",
                    );
                    continue;
                }
                id
            }
            None => (i + 1).to_string(),
        };
        if questions.iter().any(|x| x.id == id) {
            diags.error(
                "duplicate-question",
                q.id.as_ref().map_or_else(|| at.clone(), |s| src.pos(s.span())),
                &format!("{field}.id"),
                format!("two questions are named \"{id}\""),
                "give every question its own id: entries already taken refer to it",
            );
            continue;
        }
        let learn = q
            .learn
            .as_ref()
            .map(|l| (nfc(l.get_ref().trim()), src.pos(l.span())))
            .filter(|(l, _)| !l.is_empty());
        let raw_q = RawQuestion {
            kind: q.kind,
            prompt: q.prompt,
            choices: q.choices,
            answer: q.answer,
        };
        if let Some(question) = load_question(&src, &raw_q, at.clone(), &field, true, diags) {
            questions.push(BankQuestion {
                id,
                pos: at,
                question,
                learn,
            });
        }
    }
    let per_entry = bounded(
        &src,
        raw.questions_per_entry.as_ref(),
        "questions_per_entry",
        1..=MAX_QUESTIONS_PER_ENTRY as i64,
        "10",
        diags,
    )
    .map(|v| v as usize)
    .unwrap_or(questions.len().clamp(1, 10));
    let status = match raw.status.as_ref().map(|s| (s.get_ref().trim(), s.span())) {
        None | Some(("published", _)) => EventStatus::Published,
        Some(("draft", _)) => EventStatus::Draft,
        Some((other, span)) => {
            diags.error(
                "invalid-status",
                src.pos(span),
                "status",
                format!("\"{other}\" is not a status of a contest"),
                "write status = \"published\" or \"draft\"",
            );
            EventStatus::Draft
        }
    };
    // A draft's bank is still being written: too few questions is a warning until it is published.
    if questions.len() < per_entry {
        // An unknown status is an error of its own, not a draft's leniency.
        let draft = raw.status.as_ref().is_some_and(|s| s.get_ref().trim() == "draft");
        let report = if draft {
            Diagnostics::warn
        } else {
            Diagnostics::error
        };
        report(
            diags,
            "too-few-questions",
            raw.questions_per_entry
                .as_ref()
                .map_or_else(|| file.clone(), |q| src.pos(q.span())),
            "questions_per_entry",
            format!(
                "each entry is asked {per_entry} questions but the bank has {}",
                questions.len()
            ),
            "add [[question]] blocks, or lower questions_per_entry",
        );
    }
    let time_limit_minutes = bounded(
        &src,
        raw.time_limit_minutes.as_ref(),
        "time_limit_minutes",
        1..=600,
        "15",
        diags,
    )
    .map(|v| v as u32);
    let winners = bounded(&src, raw.winners.as_ref(), "winners", 1..=500, "10", diags).unwrap_or(10) as usize;
    let winner_names = match raw.winner_names.as_ref().map(|s| (s.get_ref().trim(), s.span())) {
        None | Some(("short", _)) => NameStyle::Short,
        Some(("full", _)) => NameStyle::Full,
        Some(("initials", _)) => NameStyle::Initials,
        Some((other, span)) => {
            diags.error(
                "invalid-name-style",
                src.pos(span),
                "winner_names",
                format!("\"{other}\" is not a way to write names"),
                "write winner_names = \"short\" (Nguyễn T. Lan), \"initials\" (N. T. Lan) or \"full\"",
            );
            NameStyle::Short
        }
    };
    Some(Contest {
        title,
        summary: spanned_text(&src, raw.summary.as_ref()),
        text: markdown_pair(root, dir, &slug, diags),
        questions_per_entry: per_entry,
        time_limit_minutes,
        prediction: raw.prediction.unwrap_or(true),
        winners,
        winner_names,
        exhibits: raw
            .exhibits
            .iter()
            .map(|s| (nfc(s.get_ref().trim()), src.pos(s.span())))
            .collect(),
        event: raw
            .event
            .as_ref()
            .map(|s| (nfc(s.get_ref().trim()), src.pos(s.span()))),
        status,
        rounds,
        questions,
        pos: file,
        slug,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winners_names_are_shortened_family_name_first() {
        let n = "Nguyễn  Thị Lan";
        assert_eq!(NameStyle::Full.apply(n), "Nguyễn Thị Lan");
        assert_eq!(NameStyle::Short.apply(n), "Nguyễn T. Lan");
        assert_eq!(NameStyle::Initials.apply(n), "N. T. Lan");
        assert_eq!(NameStyle::Short.apply("Đặng Văn Minh Đức"), "Đặng V. M. Đức");
        assert_eq!(NameStyle::Initials.apply("đinh bộ lĩnh"), "Đ. B. lĩnh");
        assert_eq!(NameStyle::Short.apply("Lan"), "Lan");
        assert_eq!(NameStyle::Short.apply("Trần Hưng"), "Trần Hưng");
    }
}
