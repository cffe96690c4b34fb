// The content model: a museum site as curators wrote it (exhibits, sections, items, programmes),
// validated and typed. Knows nothing about HTML, images' derivatives or HTTP.

mod contests;
pub mod edit;
pub mod editor;
mod events;
mod load;
mod raw;
mod tomlfile;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::diag::Pos;
pub use contests::{BankQuestion, Contest, MAX_QUESTIONS_PER_ENTRY, NameStyle, Phase, Round, load_contests};
pub use events::{Audience, Event, EventStatus, Moment, PLAN_DAYS, PlanDay, VIETNAM_OFFSET, load_events};
pub use load::{IMAGE_EXTENSIONS, load_config, load_site};

/// The two languages of every page. Vietnamese is the default, served at `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The path prefix of this language's pages: "" for Vietnamese, "en/" for English.
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::Vi => "",
            Lang::En => "en/",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Text in Vietnamese and English; either may be missing (reported by `vitrine check`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Localized {
    pub vi: Option<String>,
    pub en: Option<String>,
    /// Where it was written, for diagnostics.
    #[serde(skip)]
    pub pos: Option<Pos>,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Vi => self.vi.as_deref(),
            Lang::En => self.en.as_deref(),
        }
    }

    /// The text in `lang`, or else in the other language, with the language it is really in.
    pub fn pick(&self, lang: Lang) -> Option<(&str, Lang)> {
        self.get(lang)
            .map(|t| (t, lang))
            .or_else(|| self.get(lang.other()).map(|t| (t, lang.other())))
    }

    pub fn is_empty(&self) -> bool {
        self.vi.is_none() && self.en.is_none()
    }

    pub fn missing(&self) -> Vec<Lang> {
        Lang::ALL.into_iter().filter(|l| self.get(*l).is_none()).collect()
    }
}

/// Lists in both languages (keywords, objectives).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LocalizedList {
    pub vi: Vec<String>,
    pub en: Vec<String>,
}

impl LocalizedList {
    pub fn get(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Published,
}

/// A calendar date written YYYY-MM-DD in exhibit.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Day {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Without a trailing slash, e.g. `https://baotang.ninhbinh.example`.
    pub base_url: String,
    pub theme: String,
    pub museum: Museum,
    pub image_widths: Vec<u32>,
    pub image_quality: u8,
    /// IIIF deep-zoom tiles for photos wider than the largest width.
    pub deep_zoom: bool,
    /// `[server]`: what `vitrine serve` uses unless a flag or an environment variable says
    /// otherwise.
    pub server: ServerConfig,
    /// `[report]`: the yearly report's deadline and the province's growth targets.
    pub report: ReportConfig,
    /// `[mail]`: the SMTP server that sends sign-up confirmations (none: nothing is sent).
    pub mail: Option<MailConfig>,
    /// `[province]`: the Department's server this museum reports to (none: it does not send).
    pub province: Option<ProvinceConfig>,
}

/// `[province]` in vitrine.toml.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvinceConfig {
    /// The Department's server, without a trailing slash.
    pub url: String,
    /// This institution's code there.
    pub institution: String,
    /// The environment variable holding the institution key (never written in this file).
    pub key_env: String,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refused when the server cannot.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    /// The account on the SMTP server; its password is read from the environment variable
    /// `password_env` when the server starts, never from this file.
    pub user: Option<String>,
    pub password_env: String,
    /// `Name <address>` the mails come from, and where replies go.
    pub from: String,
    pub reply_to: Option<String>,
    /// A PEM file of the certificate authority that signed the server's certificate, for a
    /// relay with a private certificate (the public roots are always trusted).
    pub ca_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerConfig {
    pub addr: Option<std::net::SocketAddr>,
    pub database_url: Option<String>,
    pub retention_days: Option<u32>,
    /// Days after an assignment closes when its students' names and answers are erased.
    pub tour_retention_days: Option<u32>,
    pub secure_cookies: bool,
    /// This server is the province's Department: it receives the institutions' reports.
    pub department: bool,
    /// A certificate authority (PEM) trusted, beside the public ones, when this server connects
    /// to another (the Department's server, or a museum's): a province's own authority.
    pub ca_file: Option<std::path::PathBuf>,
}

/// A growth target: (first year, last year, minimum %, maximum %).
pub type TargetRange = (i32, i32, f64, f64);

#[derive(Debug, Clone, PartialEq)]
pub struct ReportConfig {
    /// (month, day) the report is due every year.
    pub deadline: (u8, u8),
    pub targets: Vec<TargetRange>,
    /// `[[report.share]]`: the plan's shares of institutions meeting its indicator, on the
    /// Department's server (the plan's own when none is given for a kind).
    pub shares: Vec<crate::province::Share>,
}

impl Default for ReportConfig {
    /// The province's programme: due 25 November; +5 % a year to 2025, +8–10 % a year 2026–2030.
    fn default() -> ReportConfig {
        ReportConfig {
            deadline: (11, 25),
            targets: vec![(2021, 2025, 5.0, 5.0), (2026, 2030, 8.0, 10.0)],
            shares: crate::province::default_shares(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Museum {
    pub name: Localized,
    pub tagline: Localized,
    pub address: Localized,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hours: Vec<Hours>,
}

#[derive(Debug, Clone)]
pub struct Hours {
    pub days: Localized,
    pub time: String,
}

#[derive(Debug, Clone)]
pub struct Exhibit {
    pub slug: String,
    pub dir: PathBuf,
    pub pos: Pos,
    pub title: Localized,
    pub summary: Localized,
    /// Markdown source of intro.vi.md / intro.en.md.
    pub intro: Localized,
    pub status: Status,
    pub order: i64,
    pub room: Localized,
    pub opens: Option<Day>,
    pub closes: Option<Day>,
    pub cover: Option<(String, Pos)>,
    pub sections: Vec<Section>,
}

impl Exhibit {
    /// IDs shown in this exhibition, in walking order, each once.
    pub fn item_ids(&self) -> Vec<&str> {
        let mut seen = std::collections::BTreeSet::new();
        self.sections
            .iter()
            .flat_map(|s| s.items.iter())
            .map(|(id, _)| id.as_str())
            .filter(|id| seen.insert(*id))
            .collect()
    }

    /// Where to look for the cover picture: the `cover` object, then the objects shown.
    pub fn cover_candidates(&self) -> Vec<&str> {
        self.cover
            .as_ref()
            .map(|c| c.0.as_str())
            .into_iter()
            .chain(self.item_ids())
            .collect()
    }

    /// Open on `today`: opened already (or no date) and not closed yet.
    pub fn is_current(&self, today: Day) -> bool {
        self.opens.is_none_or(|d| d <= today) && self.closes.is_none_or(|d| d >= today)
    }
}

#[derive(Debug, Clone)]
pub struct Section {
    pub title: Localized,
    pub text: Localized,
    pub items: Vec<(String, Pos)>,
}

/// When an object was made. Every part is optional: real catalogues have undated objects
/// ("n.d.", "không rõ niên đại"), and dates such as "năm Bảo Đại thứ 5" whose years nobody has
/// worked out yet.
#[derive(Debug, Clone, Default, Hash)]
pub struct Dating {
    /// The text shown; made from the years when only they are written; empty when undated.
    pub display: Localized,
    /// The earliest and latest year (negative BCE), for sorting, filters and open data.
    pub years: Option<(i64, i64)>,
}

impl Dating {
    /// Neither a text nor years: pages say "Không rõ niên đại" / "Date unknown".
    pub fn is_unknown(&self) -> bool {
        self.display.is_empty() && self.years.is_none()
    }

    /// The text of a year range as a museum writes it: "973", "968–1009", "200 TCN" / "200 BCE".
    pub fn years_text(from: i64, to: i64, lang: Lang) -> String {
        let era = match lang {
            Lang::Vi => "TCN",
            Lang::En => "BCE",
        };
        let one = |y: i64| {
            if y < 0 {
                format!("{} {era}", -y)
            } else {
                y.to_string()
            }
        };
        if from == to {
            one(from)
        } else if from < 0 && to < 0 {
            format!("{}–{} {era}", -from, -to)
        } else {
            format!("{}–{}", one(from), one(to))
        }
    }
}

/// A museum object (called "item" in the code: `Object` clashes with too much).
#[derive(Debug, Clone, Hash)]
pub struct Item {
    pub id: String,
    /// Slug of the exhibit whose folder holds it.
    pub exhibit: String,
    pub dir: PathBuf,
    pub pos: Pos,
    /// Where the `id` is written.
    pub id_pos: Pos,
    /// The museum's own accession or inventory number, as written ("79.32.4a", "BTNB 1234/2");
    /// the ID is the address.
    pub accession: Option<String>,
    pub title: Localized,
    pub kind: Localized,
    /// Maker(s): names, roles and life dates as the museum writes them.
    pub maker: Localized,
    pub date: Dating,
    pub period: Localized,
    pub culture: Localized,
    pub material: Localized,
    pub technique: Localized,
    pub dimensions: Localized,
    /// Inscriptions and marks.
    pub inscription: Localized,
    pub find_place: Localized,
    /// Where the object comes from and how it reached the museum.
    pub provenance: Localized,
    /// How and when the museum acquired it ("Hiến tặng, 1998").
    pub acquisition: Localized,
    /// Where it is now: on view in which room, or in storage.
    pub location: Localized,
    pub credit: Localized,
    pub rights: Option<String>,
    pub keywords: LocalizedList,
    pub related: Vec<(String, Pos)>,
    pub audio_number: Option<(u32, Pos)>,
    pub images: Vec<ImageRef>,
    pub audio: Vec<AudioRef>,
    /// Markdown source of vi.md / en.md.
    pub description: Localized,
    /// The words of `description` without markup: see `Item::plain`.
    pub plain: PlainText,
}

/// The words of a description without markup, made the first time a build asks for them (the
/// page description, the JSON-LD, the search index and the open data all read them), never by
/// `vitrine check` or the editor, which do not.
#[derive(Debug, Clone, Default)]
pub struct PlainText(std::sync::OnceLock<Localized>);

/// Made from the description, which is hashed: nothing to add.
impl std::hash::Hash for PlainText {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Item {
    /// The description without markup, in the same languages.
    pub fn plain(&self) -> &Localized {
        self.plain.0.get_or_init(|| Localized {
            vi: self.description.vi.as_deref().map(crate::text::plain_of_markdown),
            en: self.description.en.as_deref().map(crate::text::plain_of_markdown),
            pos: None,
        })
    }
}

#[derive(Debug, Clone, Hash)]
pub struct ImageRef {
    /// Absolute path of the full-resolution file.
    pub path: PathBuf,
    pub file: String,
    pub pos: Pos,
    pub alt: Localized,
    pub caption: Localized,
    pub credit: Localized,
    /// Pixel size as stored (before EXIF orientation).
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Hash)]
pub struct AudioRef {
    pub path: PathBuf,
    pub file: String,
    pub lang: Lang,
    /// Markdown transcript.
    pub transcript: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Programme {
    pub slug: String,
    pub exhibit: String,
    pub pos: Pos,
    pub title: Localized,
    pub summary: Localized,
    pub grades: Vec<u8>,
    pub subject: Localized,
    pub curriculum: Localized,
    pub duration_minutes: Option<u32>,
    pub objectives: LocalizedList,
    pub stops: Vec<Stop>,
}

#[derive(Debug, Clone)]
pub struct Stop {
    pub item: String,
    pub pos: Pos,
    pub look: Localized,
    pub question: Option<Question>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    Single,
    Multiple,
    Text,
    Find,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub kind: QuestionKind,
    pub prompt: Localized,
    pub choices: Vec<Choice>,
    pub answer: Localized,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub text: Localized,
    pub correct: bool,
}

/// Everything loaded from a project folder.
#[derive(Debug, Clone)]
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    /// Sorted by `order`, then slug.
    pub exhibits: Vec<Exhibit>,
    /// All items by ID. Duplicated IDs keep the first found; the others are in `duplicates`.
    pub items: BTreeMap<String, Item>,
    pub duplicates: Vec<Item>,
    /// Object folders that failed to load (their errors are reported); references to them are
    /// not reported again.
    pub broken_ids: std::collections::BTreeSet<String>,
    pub programmes: Vec<Programme>,
    /// Events (`events/<slug>.toml`), by start.
    pub events: Vec<Event>,
    /// Quiz contests (`contests/<slug>.toml`), by first round.
    pub contests: Vec<Contest>,
}

impl Site {
    pub fn exhibit(&self, slug: &str) -> Option<&Exhibit> {
        self.exhibits.iter().find(|e| e.slug == slug)
    }
}

/// What one build publishes, worked out once: the visible exhibitions, objects and programmes,
/// each exhibition's visible objects in walking order, and the exhibitions showing each object.
#[derive(Debug)]
pub struct Published<'a> {
    pub exhibits: Vec<&'a Exhibit>,
    pub items: std::collections::BTreeSet<&'a str>,
    pub programmes: Vec<&'a Programme>,
    /// Published and cancelled events (drafts too in a preview), by start.
    pub events: Vec<&'a Event>,
    /// Published contests (drafts too in a preview), by first round.
    pub contests: Vec<&'a Contest>,
    /// Visible object IDs of each visible exhibition (by slug), in walking order, each once.
    pub walk: std::collections::HashMap<&'a str, Vec<&'a str>>,
    /// Visible exhibitions showing each object, in site order.
    pub shown_in: std::collections::HashMap<&'a str, Vec<&'a Exhibit>>,
    /// The exhibition an object's page belongs to (breadcrumbs, previous/next): the first that
    /// shows it, else its folder's exhibition when that is visible.
    pub home: std::collections::HashMap<&'a str, &'a Exhibit>,
}

impl<'a> Published<'a> {
    pub fn new(site: &'a Site, drafts: bool) -> Published<'a> {
        let exhibits = site.visible_exhibits(drafts);
        let items = site.visible_item_ids(drafts);
        let mut walk = std::collections::HashMap::new();
        let mut shown_in: std::collections::HashMap<&str, Vec<&Exhibit>> = std::collections::HashMap::new();
        for ex in &exhibits {
            let ids: Vec<&str> = ex
                .item_ids()
                .into_iter()
                .filter(|id| items.contains(id))
                .collect();
            for id in &ids {
                shown_in.entry(*id).or_default().push(ex);
            }
            walk.insert(ex.slug.as_str(), ids);
        }
        let mut home = std::collections::HashMap::new();
        for id in &items {
            let folder = site
                .items
                .get(*id)
                .and_then(|it| exhibits.iter().find(|e| e.slug == it.exhibit));
            if let Some(e) = shown_in.get(id).and_then(|v| v.first()).or(folder) {
                home.insert(*id, *e);
            }
        }
        let programmes = site.visible_programmes(drafts);
        let events = site
            .events
            .iter()
            .filter(|e| drafts || e.status != EventStatus::Draft)
            .collect();
        let contests = site
            .contests
            .iter()
            .filter(|c| drafts || c.status != EventStatus::Draft)
            .collect();
        Published {
            exhibits,
            items,
            programmes,
            events,
            contests,
            walk,
            shown_in,
            home,
        }
    }

    /// Visible objects of an exhibition, in walking order.
    pub fn walk_of(&self, slug: &str) -> &[&'a str] {
        self.walk.get(slug).map_or(&[], Vec::as_slice)
    }
}

impl Site {
    /// Exhibitions that go on the site: published ones, or all with `drafts`.
    pub fn visible_exhibits(&self, drafts: bool) -> Vec<&Exhibit> {
        self.exhibits
            .iter()
            .filter(|e| drafts || e.status == Status::Published)
            .collect()
    }

    /// IDs of items that get a page: those shown in a visible exhibition's sections, and those
    /// whose folder is in a visible exhibition.
    pub fn visible_item_ids(&self, drafts: bool) -> std::collections::BTreeSet<&str> {
        let ex = self.visible_exhibits(drafts);
        let mut ids: std::collections::BTreeSet<&str> = ex
            .iter()
            .flat_map(|e| e.sections.iter().flat_map(|s| s.items.iter()))
            .filter_map(|(id, _)| self.items.get_key_value(id.as_str()).map(|(k, _)| k.as_str()))
            .collect();
        for it in self.items.values() {
            if ex.iter().any(|e| e.slug == it.exhibit) {
                ids.insert(it.id.as_str());
            }
        }
        ids
    }

    pub fn visible_programmes(&self, drafts: bool) -> Vec<&Programme> {
        let ex = self.visible_exhibits(drafts);
        self.programmes
            .iter()
            .filter(|p| ex.iter().any(|e| e.slug == p.exhibit))
            .collect()
    }
}

impl Day {
    /// The UTC calendar day of a Unix time (Howard Hinnant's civil-from-days).
    pub fn from_unix(secs: i64) -> Day {
        let z = secs.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Day { year, month, day }
    }

    /// Unix seconds at 00:00 UTC of this day (days-from-civil, the inverse of `from_unix`).
    pub fn to_unix(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * 86_400
    }

    /// The day `n` days later (earlier when negative).
    pub fn add_days(self, n: i64) -> Day {
        Day::from_unix(self.to_unix() + n * 86_400)
    }

    /// Today in Vietnam (UTC+7), or the day of `SOURCE_DATE_EPOCH` when set (reproducible
    /// builds). Decides which exhibitions the home page shows as open: rebuild daily (the warm
    /// build takes well under a second) to keep that current on a static host.
    pub fn today() -> Day {
        let secs = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0)
            });
        Day::from_unix(secs + 7 * 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::Day;

    #[test]
    fn days_go_to_unix_and_back() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (2026, 11, 25),
            (1899, 12, 31),
            (2100, 3, 1),
        ] {
            let day = Day {
                year: y,
                month: m,
                day: d,
            };
            assert_eq!(Day::from_unix(day.to_unix()), day);
            assert_eq!(day.add_days(1).add_days(-1), day);
        }
        assert_eq!(
            Day {
                year: 1970,
                month: 1,
                day: 2
            }
            .to_unix(),
            86_400
        );
        assert_eq!(
            Day {
                year: 2024,
                month: 2,
                day: 28
            }
            .add_days(1),
            Day {
                year: 2024,
                month: 2,
                day: 29
            }
        );
        assert_eq!(
            Day {
                year: 2025,
                month: 11,
                day: 25
            }
            .add_days(-1),
            Day {
                year: 2025,
                month: 11,
                day: 24
            }
        );
    }

    #[test]
    fn civil_days() {
        assert_eq!(
            Day::from_unix(0),
            Day {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            Day::from_unix(1_795_564_800),
            Day {
                year: 2026,
                month: 11,
                day: 25
            }
        );
        assert_eq!(
            Day::from_unix(951_782_400),
            Day {
                year: 2000,
                month: 2,
                day: 29
            }
        );
    }
}
