// Skeleton files for `vitrine new`, every field commented. Never overwrites a curator's file.

use std::path::{Path, PathBuf};

use crate::text::{is_valid_id, is_valid_slug};

pub const SITE: &str = include_str!("vitrine.toml");
pub const EXHIBIT: &str = include_str!("exhibit.toml");
pub const ITEM: &str = include_str!("object.toml");
pub const PROGRAMME: &str = include_str!("programme.toml");

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("\"{0}\" is not one of the plan's days: {1}")]
    BadDay(String, String),
    #[error("{0} already exists; nothing was changed")]
    Exists(PathBuf),
    #[error("\"{0}\" cannot be a name here: use lower-case letters a-z, digits and '-', e.g. co-do-hoa-lu")]
    BadSlug(String),
    #[error("\"{0}\" cannot be an object ID: use capital letters A-Z, digits, '-' and '.', e.g. HL-013")]
    BadId(String),
    #[error("there is no exhibition folder {0}; create it first with `vitrine new exhibit`")]
    NoExhibit(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn write_new(path: &Path, text: &str) -> Result<PathBuf, ScaffoldError> {
    if path.exists() {
        return Err(ScaffoldError::Exists(path.to_path_buf()));
    }
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|source| ScaffoldError::Io {
            path: d.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path.to_path_buf())
}

pub fn new_site(folder: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    let cfg = folder.join("vitrine.toml");
    let mut out = vec![write_new(&cfg, SITE)?];
    let ex = folder.join("exhibits");
    std::fs::create_dir_all(&ex).map_err(|source| ScaffoldError::Io {
        path: ex.clone(),
        source,
    })?;
    out.push(ex);
    Ok(out)
}

pub fn new_exhibit(root: &Path, slug: &str) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !is_valid_slug(slug) {
        return Err(ScaffoldError::BadSlug(slug.to_string()));
    }
    let dir = root.join("exhibits").join(slug);
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir));
    }
    Ok(vec![
        write_new(&dir.join("exhibit.toml"), EXHIBIT)?,
        write_new(&dir.join("intro.vi.md"), "Giới thiệu trưng bày (Markdown).\n")?,
        write_new(
            &dir.join("intro.en.md"),
            "Introduction to the exhibition (Markdown).\n",
        )?,
    ])
}

fn exhibit_dir(root: &Path, slug: &str) -> Result<PathBuf, ScaffoldError> {
    let dir = root.join("exhibits").join(slug);
    if !is_valid_slug(slug) || !dir.is_dir() {
        return Err(ScaffoldError::NoExhibit(dir));
    }
    Ok(dir)
}

pub fn new_item(root: &Path, exhibit: &str, id: &str) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !is_valid_id(id) {
        return Err(ScaffoldError::BadId(id.to_string()));
    }
    let dir = exhibit_dir(root, exhibit)?.join("objects").join(id);
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir));
    }
    Ok(vec![
        write_new(&dir.join("object.toml"), &ITEM.replace("__ID__", id))?,
        write_new(&dir.join("vi.md"), "Mô tả chi tiết hiện vật (Markdown).\n")?,
        write_new(&dir.join("en.md"), "Full description of the object (Markdown).\n")?,
    ])
}

pub fn new_programme(root: &Path, exhibit: &str, slug: &str) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !is_valid_slug(slug) {
        return Err(ScaffoldError::BadSlug(slug.to_string()));
    }
    let path = exhibit_dir(root, exhibit)?
        .join("programmes")
        .join(format!("{slug}.toml"));
    Ok(vec![write_new(&path, PROGRAMME)?])
}

/// The next date of each of the plan's days, from `today` on (this year's when still to come,
/// else next year's), soonest first.
pub fn coming_plan_days(
    today: crate::content::Day,
) -> Vec<(crate::content::Day, &'static crate::content::PlanDay)> {
    use crate::content::{Day, PLAN_DAYS};
    let mut v: Vec<(Day, &'static crate::content::PlanDay)> = PLAN_DAYS
        .iter()
        .map(|p| {
            let this = Day {
                year: today.year,
                month: p.month,
                day: p.day,
            };
            let d = if this >= today {
                this
            } else {
                Day {
                    year: today.year + 1,
                    ..this
                }
            };
            (d, p)
        })
        .collect();
    v.sort_by_key(|(d, _)| *d);
    v
}

/// `events/<name>.toml` for the plan day `day` (its key), or the soonest plan day to come; the
/// plan's days of the coming year are listed in a comment, as a starting point.
pub fn new_event(
    root: &Path,
    slug: &str,
    day: Option<&str>,
    today: crate::content::Day,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !is_valid_slug(slug) {
        return Err(ScaffoldError::BadSlug(slug.to_string()));
    }
    let t = event_text(day, today)?;
    let path = root.join("events").join(format!("{slug}.toml"));
    Ok(vec![write_new(&path, &t)?])
}

/// The text of a new event file for plan day `day` (its key), or the soonest plan day to come.
pub fn event_text(day: Option<&str>, today: crate::content::Day) -> Result<String, ScaffoldError> {
    let coming = coming_plan_days(today);
    let (date, plan) = match day {
        None => coming[0],
        Some(k) => *coming.iter().find(|(_, p)| p.key == k).ok_or_else(|| {
            ScaffoldError::BadDay(
                k.to_string(),
                coming.iter().map(|(_, p)| p.key).collect::<Vec<_>>().join(", "),
            )
        })?,
    };
    let mut t = String::from(
        "# An event of the museum: its page is /su-kien/<file name>/. Times are Vietnam's (UTC+7).\n\
         # The long text goes in <file name>.vi.md and <file name>.en.md beside this file.\n\
         # The plan's days of the coming year (occasion = \"…\"):\n",
    );
    for (d, p) in &coming {
        t.push_str(&format!(
            "#   {:02}/{:02}/{}  {:<20} {} / {}\n",
            d.day, d.month, d.year, p.key, p.vi, p.en
        ));
    }
    t.push_str("#   (the Lifelong Learning Week's dates are announced each year: correct them)\n\n");
    t.push_str(&format!(
        "title = {{ vi = \"{}\", en = \"{}\" }}\n\
         summary = {{ vi = \"\", en = \"\" }}\n\
         starts = {d}T08:00:00          # or a whole day: {d}\n\
         ends = {d}T11:00:00\n\
         place = {{ vi = \"\", en = \"\" }}\n\
         audience = \"everyone\"              # everyone | families | schools | researchers\n\
         # grades = [6, 7]                    # for school groups: 1-12, 13 = university\n\
         # price = {{ vi = \"20.000 đ\", en = \"20,000 VND\" }}   # no price: free\n\
         # capacity = 60                      # people; no capacity: no limit\n\
         # signup_opens = {d}T08:00:00\n\
         # signup_closes = {d}T17:00:00\n\
         occasion = \"{}\"\n\
         exhibits = []                        # e.g. [\"co-do-hoa-lu\"]\n\
         objects = []                         # e.g. [\"HL-001\"]\n\
         programmes = []\n\
         status = \"draft\"                     # draft | published | cancelled\n",
        plan.vi,
        plan.en,
        plan.key,
        d = date,
    ));
    Ok(t)
}

/// A new contest `contests/<slug>.toml`, a draft with one round from next week.
pub fn new_contest(
    root: &Path,
    slug: &str,
    today: crate::content::Day,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !is_valid_slug(slug) {
        return Err(ScaffoldError::BadSlug(slug.to_string()));
    }
    let path = root.join("contests").join(format!("{slug}.toml"));
    Ok(vec![write_new(&path, &contest_text(today))?])
}

/// The text of a new contest file: a draft with one round (opening in a week, open for a week)
/// and no questions yet. A draft may have fewer questions than an entry is asked.
pub fn contest_text(today: crate::content::Day) -> String {
    let opens = today.add_days(7);
    let closes = today.add_days(14);
    format!(
        "# A quiz contest (\"thi tìm hiểu\"): its page is /thi/<file name>/. Times are Vietnam's (UTC+7).\n\
         # The rules and prizes go in <file name>.vi.md and <file name>.en.md beside this file.\n\
         # The fields are explained in the README (\"contests/<name>.toml\"). Nobody sees a draft.\n\
         title = {{ vi = \"Cuộc thi mới\", en = \"New contest\" }}\n\
         summary = {{ vi = \"\", en = \"\" }}\n\
         questions_per_entry = 10             # questions drawn from the bank for each entry\n\
         time_limit_minutes = 15              # remove for no limit\n\
         prediction = true                    # the tie-break question: how many entries get every answer right\n\
         winners = 10                         # winners listed per round\n\
         winner_names = \"short\"               # short (Nguyễn T. Lan) | initials (N. T. Lan) | full\n\
         exhibits = []                        # where the answers are, e.g. [\"co-do-hoa-lu\"]\n\
         status = \"draft\"                     # draft | published\n\
         \n\
         [[round]]\n\
         title = {{ vi = \"Vòng 1\", en = \"Round 1\" }}\n\
         opens = {opens}T08:00:00\n\
         closes = {closes}T20:00:00\n\
         \n\
         # The question bank: add [[question]] blocks, e.g.\n\
         # [[question]]\n\
         # id = \"kinh-do-hoa-lu\"                # a name of its own: entries refer to it\n\
         # type = \"single\"                      # single | multiple\n\
         # prompt = {{ vi = \"…?\", en = \"…?\" }}\n\
         # choices = [\n\
         #   {{ vi = \"…\", en = \"…\" }},\n\
         #   {{ vi = \"…\", en = \"…\", correct = true }},\n\
         # ]\n\
         # learn = \"HL-010\"                     # the object or exhibition where the answer is\n"
    )
}
