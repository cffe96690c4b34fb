// The yearly report a museum hands to the province's Department of Culture and Sports, as a
// document of counts only (format `vitrine-report/1`), and how it is signed: HMAC-SHA256 with the
// institution's key over the format, the institution, a timestamp, a nonce and the body. The
// museum's server builds and signs it (serve/province.rs); the Department's server checks it
// here, refusing a bad signature, a stale or future timestamp, or a body that is not a report of
// that institution. No HTTP and no SQL here.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::report::{Figures, Growth};

pub const FORMAT: &str = "vitrine-report/1";
pub const H_INSTITUTION: &str = "x-vitrine-institution";
pub const H_TIMESTAMP: &str = "x-vitrine-timestamp";
pub const H_NONCE: &str = "x-vitrine-nonce";
pub const H_SIGNATURE: &str = "x-vitrine-signature";
/// How far a report's timestamp may be from the receiving server's clock, in seconds, either way.
pub const MAX_SKEW: i64 = 300;
/// A report document is a few kilobytes; anything much larger is not one.
pub const MAX_BODY: usize = 256 * 1024;

/// Study and all visitors of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitors {
    pub people: i64,
    pub records: i64,
    pub study_people: i64,
    pub study_records: i64,
}

impl From<Figures> for Visitors {
    fn from(f: Figures) -> Visitors {
        Visitors {
            people: f.people,
            records: f.records,
            study_people: f.study_people,
            study_records: f.study_records,
        }
    }
}

/// One month's visitors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Month {
    pub month: String,
    pub people: i64,
    pub study_people: i64,
}

/// What the museum offers in digital space and runs for students.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Thematic exhibitions published online.
    pub exhibitions: i64,
    /// Objects with a page of their own.
    pub objects: i64,
    /// History and culture education programmes published.
    pub programmes: i64,
}

/// Class tours of the programmes in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tours {
    pub assignments: i64,
    pub students: i64,
    pub schools: i64,
}

/// Events and contests in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activities {
    pub events: i64,
    pub signed_up: i64,
    pub came: i64,
    pub contest_entries: i64,
}

/// Figures of a library or a cultural centre, typed in at the Department (a museum's server
/// leaves them empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    /// Library: lifelong-learning services or programmes held in the year.
    pub learning_services: i64,
    /// Library: digital services (a digital library, an online catalogue).
    pub digital: bool,
    /// Cultural centre: classes and clubs running, and people taking part.
    pub classes: i64,
    pub clubs: i64,
    pub participants: i64,
}

impl Services {
    pub fn is_empty(&self) -> bool {
        *self == Services::default()
    }
}

/// A museum's yearly report: counts only. It never holds a name, a contact, a school or a
/// class: schools are counted, not named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub format: String,
    /// The institution's code at the Department.
    pub institution: String,
    /// The museum's name, as its site gives it (for the Department's eyes only; the code counts).
    pub name_vi: String,
    pub name_en: String,
    pub year: i32,
    /// The report period (YYYY-MM-DD, both included) and the last day counted.
    pub from: String,
    pub to: String,
    pub counted_to: String,
    /// Whether the period is over (otherwise both years are counted to the same day).
    pub complete: bool,
    /// Unix seconds when it was made.
    pub generated_at: i64,
    pub visitors: Visitors,
    /// The same dates a year earlier.
    pub visitors_last_year: Visitors,
    /// Study visitors, percent over the year before (none without visitors the year before).
    pub growth_pct: Option<f64>,
    pub by_month: Vec<Month>,
    pub offer: Offer,
    pub tours: Tours,
    pub activities: Activities,
    /// QR scans of object labels in the period.
    pub qr_scans: i64,
    #[serde(default, skip_serializing_if = "Services::is_empty")]
    pub services: Services,
}

/// An institution of the province as the Department keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Institution {
    pub code: String,
    /// museum, library or centre.
    pub kind: String,
    /// province, district, commune or school.
    pub level: String,
    pub name_vi: String,
    pub name_en: String,
    pub address: String,
    pub contact: String,
    /// Its Vitrine server, from which the Department fetches its report ("" when it has none).
    pub site_url: String,
    /// Whether it has a key (it sends signed reports); the key itself is never shown.
    pub has_key: bool,
}

/// What kind of institution, as the plan counts them.
pub const KINDS: &[(&str, &[&str])] = &[
    ("museum", &["museum", "bao tang"]),
    ("library", &["library", "thu vien"]),
    (
        "centre",
        &[
            "centre",
            "center",
            "trung tam van hoa",
            "trung tam van hoa the thao",
            "nha van hoa",
            "trung tam",
        ],
    ),
];
/// At what level.
pub const LEVELS: &[(&str, &[&str])] = &[
    ("province", &["province", "tinh", "cap tinh"]),
    (
        "district",
        &["district", "huyen", "cap huyen", "thanh pho", "thi xa"],
    ),
    ("commune", &["commune", "xa", "cap xa", "phuong", "thi tran"]),
    ("school", &["school", "truong", "truong hoc"]),
];

/// The code (`museum`, `district`…) a cell names in `KINDS` or `LEVELS`, in English or
/// Vietnamese, any case or tone.
pub fn code_of(table: &[(&'static str, &[&str])], cell: &str) -> Option<&'static str> {
    let f = crate::text::fold(cell.trim());
    table
        .iter()
        .find(|(code, words)| *code == f || words.contains(&f.as_str()))
        .map(|(code, _)| *code)
}

/// The column an institution sheet's header names (English or Vietnamese, any case or tone).
fn column(header: &str) -> Option<&'static str> {
    let h = crate::text::fold(header.trim());
    Some(match h.as_str() {
        "code" | "ma" | "ma don vi" | "ma co so" => "code",
        "kind" | "type" | "loai" | "loai hinh" => "kind",
        "level" | "cap" => "level",
        "name" | "name_vi" | "ten" | "ten don vi" | "ten co so" | "ten tieng viet" => "name_vi",
        "name_en" | "english name" | "ten tieng anh" => "name_en",
        "address" | "dia chi" => "address",
        "contact" | "lien he" | "nguoi lien he" => "contact",
        "site_url" | "website" | "trang web" | "dia chi web" => "site_url",
        _ => return None,
    })
}

/// The institutions of a sheet (`vitrine institution import`), or every row's problem, each
/// naming the row and the column and saying what to write.
pub fn institutions_from_table(
    headers: &[String],
    rows: &[(usize, Vec<String>)],
) -> Result<Vec<Institution>, Vec<String>> {
    let cols: Vec<Option<&str>> = headers.iter().map(|h| column(h)).collect();
    let mut problems = Vec::new();
    for need in ["code", "kind", "level", "name_vi"] {
        if !cols.contains(&Some(need)) {
            problems.push(format!(
                "the sheet has no column {need} (headers: code, kind, level, name_vi, name_en, address, contact, site_url; or mã, loại, cấp, tên, tên tiếng Anh, địa chỉ, liên hệ, website)"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out: Vec<Institution> = Vec::new();
    for (n, cells) in rows {
        let get = |c: &str| {
            cols.iter()
                .position(|x| *x == Some(c))
                .and_then(|i| cells.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let code = get("code").to_lowercase();
        if !valid_code(&code) {
            problems.push(format!(
                "row {n}, code: \"{code}\" is not a code: write 2 to 40 lower-case letters a-z, digits and '-', e.g. tv-hoa-lu"
            ));
        }
        if out.iter().any(|i| i.code == code) {
            problems.push(format!("row {n}, code: {code} is already on an earlier row"));
        }
        let kind = code_of(KINDS, &get("kind"));
        if kind.is_none() {
            problems.push(format!(
                "row {n}, kind: \"{}\" is not a kind: write museum, library or centre (bảo tàng, thư viện, trung tâm văn hoá)",
                get("kind")
            ));
        }
        let level = code_of(LEVELS, &get("level"));
        if level.is_none() {
            problems.push(format!(
                "row {n}, level: \"{}\" is not a level: write province, district, commune or school (tỉnh, huyện, xã, trường)",
                get("level")
            ));
        }
        let name_vi = get("name_vi");
        if name_vi.is_empty() {
            problems.push(format!("row {n}, name_vi: the name is empty"));
        }
        let site_url = get("site_url").trim_end_matches('/').to_string();
        if !site_url.is_empty() && !site_url.starts_with("https://") && !site_url.starts_with("http://") {
            problems.push(format!(
                "row {n}, site_url: \"{site_url}\" is not a web address: write it with https://"
            ));
        }
        out.push(Institution {
            code,
            kind: kind.unwrap_or_default().to_string(),
            level: level.unwrap_or_default().to_string(),
            name_vi,
            name_en: get("name_en"),
            address: get("address"),
            contact: get("contact"),
            site_url,
            has_key: false,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Why a report is refused (the message goes back to the sender as the response body).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("the report has no {0} header")]
    Missing(&'static str),
    #[error(
        "institution {0:?} is not known to the Department (ask the Department to add it and give you its key)"
    )]
    UnknownInstitution(String),
    #[error("the signature does not match: the key is wrong or the report was changed on the way")]
    BadSignature,
    #[error(
        "the report's time is {0} s from the Department's clock (at most {MAX_SKEW} s): check the clock of the sending server"
    )]
    Skewed(i64),
    #[error("this report was already received (same nonce): a replay is not stored")]
    Replayed,
    #[error("the body is not a {FORMAT} document: {0}")]
    Malformed(String),
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    HmacSha256::new_from_slice(key).expect("HMAC accepts any key length")
}

fn signed_text(institution: &str, timestamp: i64, nonce: &str) -> String {
    format!("{FORMAT}\n{institution}\n{timestamp}\n{nonce}\n")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A new institution key: 32 random bytes, hex.
pub fn new_key() -> String {
    hex(&crate::accounts::random_key())
}

/// The key as bytes (written as 64 hex digits), or None.
pub fn parse_key(s: &str) -> Option<Vec<u8>> {
    let k = unhex(s.trim())?;
    (k.len() >= 16).then_some(k)
}

/// The signature header's value for `body` sent by `institution` at `timestamp` with `nonce`.
pub fn sign(key: &[u8], institution: &str, timestamp: i64, nonce: &str, body: &[u8]) -> String {
    let mut m = mac(key);
    m.update(signed_text(institution, timestamp, nonce).as_bytes());
    m.update(body);
    format!("v1={}", hex(&m.finalize().into_bytes()))
}

/// Whether `signature` is `sign(key, …)`, compared in constant time.
pub fn verify(
    key: &[u8],
    institution: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    let Some(sent) = signature.trim().strip_prefix("v1=").and_then(unhex) else {
        return false;
    };
    let mut m = mac(key);
    m.update(signed_text(institution, timestamp, nonce).as_bytes());
    m.update(body);
    m.verify_slice(&sent).is_ok()
}

/// The read-only token with which the Department fetches an institution's report from its
/// server: derived from the institution key, so there is no second secret to hand over, and
/// knowing the token does not give the key.
pub fn fetch_token(key: &[u8], institution: &str) -> String {
    let mut m = mac(key);
    m.update(format!("vitrine-fetch/1\n{institution}").as_bytes());
    hex(&m.finalize().into_bytes())
}

/// The headers of a signed report: (name, value).
pub fn signed_headers(
    key: &[u8],
    institution: &str,
    timestamp: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let nonce = crate::accounts::new_token();
    let signature = sign(key, institution, timestamp, &nonce, body);
    vec![
        (H_INSTITUTION, institution.to_string()),
        (H_TIMESTAMP, timestamp.to_string()),
        (H_NONCE, nonce),
        (H_SIGNATURE, signature),
    ]
}

/// The signature headers of a received report, as sent.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub institution: String,
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
}

impl Envelope {
    /// Read the headers through `get` (a header map's lookup), or say which one is missing.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Envelope, Refusal> {
        let need = |h: &'static str| get(h).filter(|v| !v.trim().is_empty()).ok_or(Refusal::Missing(h));
        let institution = need(H_INSTITUTION)?.trim().to_string();
        let timestamp = need(H_TIMESTAMP)?
            .trim()
            .parse()
            .map_err(|_| Refusal::Missing(H_TIMESTAMP))?;
        let nonce = need(H_NONCE)?.trim().to_string();
        if nonce.len() < 16 || nonce.len() > 128 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Refusal::Malformed(
                "the nonce must be 16 to 128 letters and digits".into(),
            ));
        }
        Ok(Envelope {
            institution,
            timestamp,
            nonce,
            signature: need(H_SIGNATURE)?,
        })
    }

    /// Check the signature with the institution's key and the time against `now`, then read the
    /// body. The nonce is checked by the caller, which stores it.
    pub fn open(&self, key: &[u8], body: &[u8], now: i64) -> Result<Document, Refusal> {
        if !verify(
            key,
            &self.institution,
            self.timestamp,
            &self.nonce,
            body,
            &self.signature,
        ) {
            return Err(Refusal::BadSignature);
        }
        let skew = self.timestamp - now;
        if skew.abs() > MAX_SKEW {
            return Err(Refusal::Skewed(skew));
        }
        let doc = Document::parse(body)?;
        if doc.institution != self.institution {
            return Err(Refusal::Malformed(format!(
                "it is the report of {:?}, sent as {:?}",
                doc.institution, self.institution
            )));
        }
        Ok(doc)
    }
}

impl Document {
    /// Read and check a document: its format, a plausible year and period, no negative count.
    pub fn parse(body: &[u8]) -> Result<Document, Refusal> {
        if body.len() > MAX_BODY {
            return Err(Refusal::Malformed(format!(
                "{} bytes, at most {MAX_BODY}",
                body.len()
            )));
        }
        let doc: Document = serde_json::from_slice(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
        if doc.format != FORMAT {
            return Err(Refusal::Malformed(format!(
                "format {:?}, expected {FORMAT:?}",
                doc.format
            )));
        }
        if !(2000..=2100).contains(&doc.year) {
            return Err(Refusal::Malformed(format!("year {} is out of range", doc.year)));
        }
        let v = [doc.visitors, doc.visitors_last_year];
        let counts = v
            .iter()
            .flat_map(|v| [v.people, v.records, v.study_people, v.study_records])
            .chain(doc.by_month.iter().flat_map(|m| [m.people, m.study_people]))
            .chain([
                doc.offer.exhibitions,
                doc.offer.objects,
                doc.offer.programmes,
                doc.tours.assignments,
                doc.tours.students,
                doc.tours.schools,
                doc.activities.events,
                doc.activities.signed_up,
                doc.activities.came,
                doc.activities.contest_entries,
                doc.qr_scans,
                doc.services.learning_services,
                doc.services.classes,
                doc.services.clubs,
                doc.services.participants,
            ]);
        if counts.into_iter().any(|n| n < 0) {
            return Err(Refusal::Malformed("a count is negative".into()));
        }
        if v.iter().any(|v| v.study_people > v.people) {
            return Err(Refusal::Malformed("more study visitors than visitors".into()));
        }
        Ok(doc)
    }

    /// The figures of a museum's report year, from its own statistics.
    pub fn of_growth(g: &Growth) -> (Visitors, Visitors, Vec<Month>) {
        (
            g.this.all.into(),
            g.last.all.into(),
            g.this
                .by_month
                .iter()
                .map(|(m, f)| Month {
                    month: m.clone(),
                    people: f.people,
                    study_people: f.study_people,
                })
                .collect(),
        )
    }
}

/// One institution's line of the Department's year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub institution: Institution,
    /// Its last report of the year, if any.
    pub report: Option<Document>,
    /// The kind's headline count this year and the year before (study visitors of a museum,
    /// users of a library, people taking part at a cultural centre).
    pub this: Option<i64>,
    pub last: Option<i64>,
    /// The headline count, percent over the year before.
    pub growth_pct: Option<f64>,
    /// Growth at or above the kind's target minimum (None: no report, no base or no target).
    pub growth_met: Option<bool>,
    /// Meets the kind's indicator of the plan (see `meets_indicator`).
    pub indicator: bool,
}

/// The institutions of one kind and level, summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub kind: String,
    pub level: String,
    pub institutions: usize,
    pub reported: usize,
    /// Institutions meeting the kind's indicator.
    pub indicator: usize,
    /// Whether the plan sets the kind a growth target this year.
    pub growth_target: bool,
    /// Of those reported with a count the year before: growth at least the target's minimum.
    pub with_base: usize,
    pub growth_met: usize,
    pub this: i64,
    pub last: i64,
    /// The headline count of the group over the same institutions' year before.
    pub growth_pct: Option<f64>,
    /// The plan's share of institutions that must meet the indicator in the year, if it sets one.
    pub indicator_target_pct: Option<f64>,
    /// Counted over every institution of the group: one that has not reported has not shown it.
    pub indicator_pct: Option<f64>,
}

/// The kind's headline count of a report: (this year, the year before).
pub fn headline(kind: &str, d: &Document) -> (i64, i64) {
    if kind == "museum" {
        (d.visitors.study_people, d.visitors_last_year.study_people)
    } else {
        (d.visitors.people, d.visitors_last_year.people)
    }
}

/// The plan's indicator of each kind: a museum presents thematic exhibitions in digital space and
/// runs education programmes; a library offers lifelong-learning services and digital services;
/// a cultural centre runs classes or clubs.
pub fn meets_indicator(kind: &str, d: &Document) -> bool {
    match kind {
        "museum" => d.offer.exhibitions > 0 && d.offer.programmes > 0,
        "library" => d.services.learning_services > 0 && d.services.digital,
        _ => d.services.classes + d.services.clubs > 0,
    }
}

/// A share of the province's institutions of one kind (and level, or every level) that must
/// meet the plan's indicator by the end of a year: the plan's, or `[[report.share]]` on the
/// Department's server.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub kind: String,
    /// None: every level of the kind.
    pub level: Option<String>,
    /// The last year of the share: it holds from the year after the previous `by` of the shares
    /// that apply to an institution, and the latest goes on holding after its year.
    pub by: i32,
    pub percent: f64,
}

/// The plan's shares: museums 70 % to 2025 and 100 % by 2030; district cultural centres 80 %
/// and 100 %, commune ones 70 % and 100 %. The plan leaves libraries' shares by level to the
/// province: none until `[[report.share]]` sets them.
pub fn default_shares() -> Vec<Share> {
    let share = |kind: &str, level: Option<&str>, by, percent| Share {
        kind: kind.into(),
        level: level.map(str::to_string),
        by,
        percent,
    };
    vec![
        share("museum", None, 2025, 70.0),
        share("museum", None, 2030, 100.0),
        share("centre", Some("district"), 2025, 80.0),
        share("centre", Some("district"), 2030, 100.0),
        share("centre", Some("commune"), 2025, 70.0),
        share("centre", Some("commune"), 2030, 100.0),
    ]
}

/// The plan's shares with the province's: a share the province gives replaces the plan's of the
/// same kind and year, and of the same level (of every level, when the province's names none).
pub fn with_province_shares(province: Vec<Share>) -> Vec<Share> {
    let mut out: Vec<Share> = default_shares()
        .into_iter()
        .filter(|d| {
            !province
                .iter()
                .any(|p| p.kind == d.kind && p.by == d.by && (p.level.is_none() || p.level == d.level))
        })
        .collect();
    out.extend(province);
    out
}

/// The share of institutions of `kind` and `level` that must meet the indicator in `year`. Of
/// the shares that apply (of that level, or of every level), the one with the earliest `by` not
/// before `year`, or the latest after the last `by`; of two with the same `by`, the one naming
/// the level.
pub fn indicator_target(shares: &[Share], kind: &str, level: &str, year: i32) -> Option<f64> {
    let applies = |s: &&Share| s.kind == kind && s.level.as_deref().is_none_or(|l| l == level);
    // Lower is better: (after `year`?, distance in years, kind-wide?).
    let rank = |s: &&Share| {
        let (after, distance) = if s.by >= year {
            (false, s.by - year)
        } else {
            (true, year - s.by)
        };
        (after, distance, s.level.is_none())
    };
    shares.iter().filter(applies).min_by_key(rank).map(|s| s.percent)
}

/// The growth target of the kind's headline count in `year`: museums as `[report]` says (the
/// study-visitor target), libraries +5 % a year to 2025 and +10–12 % to 2030 (users).
pub fn growth_target(
    kind: &str,
    year: i32,
    museums: Option<crate::report::Target>,
) -> Option<crate::report::Target> {
    match kind {
        "museum" => museums,
        "library" => {
            let (min, max) = if year <= 2025 { (5.0, 5.0) } else { (10.0, 12.0) };
            (2021..=2030).contains(&year).then_some(crate::report::Target {
                from_year: if year <= 2025 { 2021 } else { 2026 },
                to_year: if year <= 2025 { 2025 } else { 2030 },
                min,
                max,
            })
        }
        _ => None,
    }
}

/// Every institution against the year's reports, and the groups by kind and level, in the
/// order of `KINDS` and `LEVELS`. `museums` is the study-visitor target of the year, `shares`
/// the plan's shares of institutions meeting the indicator.
pub fn consolidate(
    institutions: &[Institution],
    reports: &[Document],
    year: i32,
    museums: Option<crate::report::Target>,
    shares: &[Share],
) -> (Vec<Line>, Vec<Group>) {
    let lines: Vec<Line> = institutions
        .iter()
        .map(|i| {
            let report = reports.iter().find(|d| d.institution == i.code).cloned();
            let counts = report.as_ref().map(|d| headline(&i.kind, d));
            let growth_pct = counts.and_then(|(a, b)| (b > 0).then(|| (a - b) as f64 * 100.0 / b as f64));
            let target = growth_target(&i.kind, year, museums);
            Line {
                growth_met: growth_pct.zip(target).map(|(g, t)| g + 1e-9 >= t.min),
                indicator: report.as_ref().is_some_and(|d| meets_indicator(&i.kind, d)),
                this: counts.map(|c| c.0),
                last: counts.map(|c| c.1),
                institution: i.clone(),
                report,
                growth_pct,
            }
        })
        .collect();
    let mut groups = Vec::new();
    for (kind, _) in KINDS {
        for (level, _) in LEVELS {
            let of: Vec<&Line> = lines
                .iter()
                .filter(|l| l.institution.kind == *kind && l.institution.level == *level)
                .collect();
            if of.is_empty() {
                continue;
            }
            let reported = of.iter().filter(|l| l.report.is_some()).count();
            let this: i64 = of.iter().filter_map(|l| l.this).sum();
            let last: i64 = of.iter().filter_map(|l| l.last).sum();
            let indicator = of.iter().filter(|l| l.indicator).count();
            groups.push(Group {
                kind: kind.to_string(),
                level: level.to_string(),
                institutions: of.len(),
                reported,
                indicator,
                growth_target: growth_target(kind, year, museums).is_some(),
                with_base: of.iter().filter(|l| l.growth_pct.is_some()).count(),
                growth_met: of.iter().filter(|l| l.growth_met == Some(true)).count(),
                this,
                last,
                growth_pct: (last > 0).then(|| (this - last) as f64 * 100.0 / last as f64),
                indicator_target_pct: indicator_target(shares, kind, level, year),
                indicator_pct: Some(indicator as f64 * 100.0 / of.len() as f64),
            });
        }
    }
    (lines, groups)
}

/// The fields of the Department's form and template, with the kinds they apply to.
pub const FIELDS: &[(&str, &[&str])] = &[
    ("visitors", &["museum", "library", "centre"]),
    ("visitors_last", &["museum", "library", "centre"]),
    ("study", &["museum"]),
    ("study_last", &["museum"]),
    ("exhibitions", &["museum"]),
    ("programmes", &["museum"]),
    ("learning_services", &["library"]),
    ("digital", &["library"]),
    ("classes", &["centre"]),
    ("clubs", &["centre"]),
];

/// A count as people type it: "1250", "1.250", "1 250" or "1,250"; empty is 0.
pub fn parse_count(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    let groups: Vec<&str> = s.split(['.', ',', ' ', '\u{a0}']).collect();
    let ok = groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && (groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)));
    let n: Option<i64> = ok.then(|| groups.concat().parse().ok()).flatten();
    n.filter(|n| *n <= 1_000_000_000)
        .ok_or_else(|| format!("\"{s}\" is not a whole number: write e.g. 1250 or 1.250"))
}

/// Yes or no, as people type it.
pub fn parse_yes(s: &str) -> Result<bool, String> {
    match crate::text::fold(s.trim()).as_str() {
        "" | "no" | "khong" | "0" | "false" => Ok(false),
        "yes" | "co" | "x" | "1" | "true" | "on" => Ok(true),
        _ => Err(format!(
            "\"{}\" is neither yes nor no: write có or không",
            s.trim()
        )),
    }
}

/// The report of an institution without Vitrine, from the fields of the Department's form or one
/// row of its template (read through `get`). Every problem is (field, what is wrong): `number`
/// (not a whole number), `yes_no`, `study_over` (more study visitors than visitors).
pub fn typed_document(
    inst: &Institution,
    year: i32,
    period: (String, String),
    get: impl Fn(&str) -> Option<String>,
    now: i64,
) -> Result<Document, Vec<(&'static str, &'static str)>> {
    let mut problems = Vec::new();
    let mut count = |key: &'static str| {
        let applies = FIELDS
            .iter()
            .any(|(k, kinds)| *k == key && kinds.contains(&inst.kind.as_str()));
        if !applies {
            return 0;
        }
        parse_count(&get(key).unwrap_or_default()).unwrap_or_else(|_| {
            problems.push((key, "number"));
            0
        })
    };
    let (visitors, visitors_last) = (count("visitors"), count("visitors_last"));
    let (study, study_last) = (count("study"), count("study_last"));
    let (exhibitions, programmes) = (count("exhibitions"), count("programmes"));
    let learning_services = count("learning_services");
    let (classes, clubs) = (count("classes"), count("clubs"));
    let digital = if inst.kind == "library" {
        parse_yes(&get("digital").unwrap_or_default()).unwrap_or_else(|_| {
            problems.push(("digital", "yes_no"));
            false
        })
    } else {
        false
    };
    if study > visitors {
        problems.push(("study", "study_over"));
    }
    if study_last > visitors_last {
        problems.push(("study_last", "study_over"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let v = |people: i64, study: i64| Visitors {
        people,
        records: 0,
        study_people: study,
        study_records: 0,
    };
    Ok(Document {
        format: FORMAT.to_string(),
        institution: inst.code.clone(),
        name_vi: inst.name_vi.clone(),
        name_en: inst.name_en.clone(),
        year,
        from: period.0,
        to: period.1.clone(),
        counted_to: period.1,
        complete: true,
        generated_at: now,
        visitors: v(visitors, study),
        visitors_last_year: v(visitors_last, study_last),
        growth_pct: None,
        by_month: Vec::new(),
        offer: Offer {
            exhibitions,
            objects: 0,
            programmes,
        },
        tours: Tours::default(),
        activities: Activities::default(),
        qr_scans: 0,
        services: Services {
            learning_services,
            digital,
            classes,
            clubs,
            participants: if inst.kind == "centre" { visitors } else { 0 },
        },
    })
}

/// The key of a template column: the name in brackets at the end of its header ("Lượt bạn đọc
/// năm nay (visitors)"), or the header itself.
pub fn template_key(header: &str) -> String {
    let h = header.trim();
    match (h.rfind('('), h.ends_with(')')) {
        (Some(i), true) => h[i + 1..h.len() - 1].trim().to_lowercase(),
        _ => crate::text::fold(h),
    }
}

/// A text in both languages, as a museum's open data gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Both {
    pub vi: Option<String>,
    pub en: Option<String>,
}

impl Both {
    /// The text in `lang`, else the other language's, else "".
    pub fn pick(&self, lang: crate::content::Lang) -> String {
        let (a, b) = if lang == crate::content::Lang::En {
            (&self.en, &self.vi)
        } else {
            (&self.vi, &self.en)
        };
        a.clone().or_else(|| b.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalExhibition {
    pub title: Both,
    #[serde(default)]
    pub summary: Both,
    pub opens: Option<String>,
    pub closes: Option<String>,
    pub url: Both,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalProgramme {
    pub title: Both,
    #[serde(default)]
    pub summary: Both,
    #[serde(default)]
    pub subject: Both,
    #[serde(default)]
    pub grades: Vec<u8>,
    pub url: Both,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalEvent {
    pub title: Both,
    pub starts: String,
    #[serde(default)]
    pub place: Both,
    #[serde(default)]
    pub cancelled: bool,
    pub url: Both,
}

/// A museum's `data/portal.json` (`vitrine-portal/1`), as its build publishes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portal {
    pub format: String,
    pub museum: Both,
    pub site: String,
    pub day: String,
    #[serde(default)]
    pub exhibitions: Vec<PortalExhibition>,
    #[serde(default)]
    pub programmes: Vec<PortalProgramme>,
    #[serde(default)]
    pub events: Vec<PortalEvent>,
}

fn web_address(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|u| {
        (u.starts_with("https://") || u.starts_with("http://")) && !u.contains(char::is_whitespace)
    })
}

impl Portal {
    /// Read a museum's portal data, refusing anything whose links are not web addresses (they
    /// become links on the Department's page).
    pub fn parse(body: &[u8]) -> Result<Portal, String> {
        let p: Portal = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if p.format != "vitrine-portal/1" {
            return Err(format!("format {:?}, expected \"vitrine-portal/1\"", p.format));
        }
        let urls = p
            .exhibitions
            .iter()
            .map(|e| &e.url)
            .chain(p.programmes.iter().map(|x| &x.url))
            .chain(p.events.iter().map(|x| &x.url));
        let site = Some(p.site.clone());
        if !web_address(&site)
            || urls
                .into_iter()
                .any(|u| !web_address(&u.vi) || !web_address(&u.en))
        {
            return Err("a link that is not a web address".into());
        }
        Ok(p)
    }
}

/// How well a text matches a search: `Some(0)` with the exact diacritics, `Some(1)` when it
/// matches only without tone marks (a dropped tone changes the word, so these come second).
pub fn search_rank(query: &str, texts: &[&str]) -> Option<u8> {
    let q = crate::text::nfc(query.trim()).to_lowercase();
    if q.is_empty() {
        return Some(0);
    }
    let words: Vec<&str> = q.split_whitespace().collect();
    let exact = texts
        .iter()
        .map(|t| crate::text::nfc(t).to_lowercase())
        .collect::<Vec<_>>()
        .join(" \n ");
    if words.iter().all(|w| exact.contains(w)) {
        return Some(0);
    }
    let folded = crate::text::fold(&exact);
    words
        .iter()
        .all(|w| folded.contains(&crate::text::fold(w)))
        .then_some(1)
}

/// A code the Department gives an institution: 2 to 40 lower-case letters, digits or '-'.
/// Names that are pages of the Department's area, never institution codes.
const RESERVED: &[&str] = &["add", "mine", "report"];

pub fn valid_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !RESERVED.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_institution_sheet_in_vietnamese_is_read_and_its_mistakes_named() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
        let headers = h(&["Mã", "Loại hình", "Cấp", "Tên", "Địa chỉ", "Website"]);
        let rows = vec![
            (
                2,
                h(&[
                    "bt-ninh-binh",
                    "Bảo tàng",
                    "Tỉnh",
                    "Bảo tàng tỉnh Ninh Bình",
                    "Hoa Lư",
                    "https://bt.example/",
                ]),
            ),
            (
                3,
                h(&[
                    "tv-kim-son",
                    "thư viện",
                    "huyện",
                    "Thư viện huyện Kim Sơn",
                    "",
                    "",
                ]),
            ),
        ];
        let got = institutions_from_table(&headers, &rows).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].kind.as_str(), got[0].level.as_str()),
            ("museum", "province")
        );
        assert_eq!(got[0].site_url, "https://bt.example");
        assert_eq!(
            (got[1].kind.as_str(), got[1].level.as_str()),
            ("library", "district")
        );
        let bad = vec![
            (2, h(&["BT Ninh Binh", "nhà hát", "tỉnh", "", "", "bt.example"])),
            (3, h(&["tv-kim-son", "thư viện", "làng", "X", "", ""])),
            (4, h(&["tv-kim-son", "thư viện", "xã", "Y", "", ""])),
        ];
        let e = institutions_from_table(&headers, &bad).unwrap_err();
        for want in [
            "row 2, code",
            "row 2, kind",
            "row 2, name_vi",
            "row 2, site_url",
            "row 3, level",
            "row 4, code: tv-kim-son is already",
        ] {
            assert!(e.iter().any(|p| p.starts_with(want)), "{want} in {e:?}");
        }
        let e = institutions_from_table(&h(&["Tên"]), &[]).unwrap_err();
        assert!(e[0].contains("no column code"), "{e:?}");
    }

    fn doc() -> Document {
        Document {
            format: FORMAT.into(),
            institution: "bt-ninh-binh".into(),
            name_vi: "Bảo tàng".into(),
            name_en: "Museum".into(),
            year: 2026,
            from: "2025-11-25".into(),
            to: "2026-11-24".into(),
            counted_to: "2026-11-24".into(),
            complete: true,
            generated_at: 1_790_000_000,
            visitors: Visitors {
                people: 120,
                records: 10,
                study_people: 100,
                study_records: 8,
            },
            visitors_last_year: Visitors::default(),
            growth_pct: None,
            by_month: vec![],
            offer: Offer::default(),
            tours: Tours::default(),
            activities: Activities::default(),
            qr_scans: 3,
            services: Services::default(),
        }
    }

    #[test]
    fn a_signed_report_opens_and_any_change_breaks_it() {
        let key = parse_key(&new_key()).unwrap();
        let body = serde_json::to_vec(&doc()).unwrap();
        let now = 1_790_000_000;
        let h = signed_headers(&key, "bt-ninh-binh", now, &body);
        let get = |name: &str| h.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let env = Envelope::read(get).unwrap();
        assert_eq!(env.open(&key, &body, now + 10).unwrap(), doc());
        // One digit changed in the body.
        let mut forged = body.clone();
        let at = forged.windows(3).position(|w| w == b"120").unwrap();
        forged[at] = b'9';
        assert_eq!(env.open(&key, &forged, now), Err(Refusal::BadSignature));
        // Another key.
        let other = parse_key(&new_key()).unwrap();
        assert_eq!(env.open(&other, &body, now), Err(Refusal::BadSignature));
        // Another timestamp than signed.
        let moved = Envelope {
            timestamp: now + 1,
            ..env.clone()
        };
        assert_eq!(moved.open(&key, &body, now), Err(Refusal::BadSignature));
        // Signed, but too old or from the future.
        assert_eq!(
            env.open(&key, &body, now + MAX_SKEW + 1),
            Err(Refusal::Skewed(-MAX_SKEW - 1))
        );
        assert_eq!(env.open(&key, &body, now - 3600), Err(Refusal::Skewed(3600)));
        // Another institution's name in the body, signed with this key.
        let mut d = doc();
        d.institution = "thu-vien".into();
        let b2 = serde_json::to_vec(&d).unwrap();
        let h2 = signed_headers(&key, "bt-ninh-binh", now, &b2);
        let env2 =
            Envelope::read(|n: &str| h2.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone())).unwrap();
        assert!(matches!(env2.open(&key, &b2, now), Err(Refusal::Malformed(_))));
    }

    #[test]
    fn malformed_bodies_and_headers_are_named() {
        assert!(matches!(Document::parse(b"{}"), Err(Refusal::Malformed(_))));
        assert!(matches!(Document::parse(b"not json"), Err(Refusal::Malformed(_))));
        let mut d = doc();
        d.visitors.people = -1;
        let e = Document::parse(&serde_json::to_vec(&d).unwrap()).unwrap_err();
        assert_eq!(e, Refusal::Malformed("a count is negative".into()));
        let mut d = doc();
        d.format = "vitrine-report/9".into();
        assert!(Document::parse(&serde_json::to_vec(&d).unwrap()).is_err());
        // A field that a report never has (a name list, say) is refused, not ignored.
        let mut v = serde_json::to_value(doc()).unwrap();
        v["visitor_names"] = serde_json::json!(["Nguyễn Văn A"]);
        assert!(Document::parse(&serde_json::to_vec(&v).unwrap()).is_err());
        assert_eq!(
            Envelope::read(|_: &str| None).unwrap_err(),
            Refusal::Missing(H_INSTITUTION)
        );
        let short = |n: &str| match n {
            H_NONCE => Some("abc".to_string()),
            _ => Some("1".to_string()),
        };
        assert!(matches!(Envelope::read(short), Err(Refusal::Malformed(_))));
    }

    #[test]
    fn the_year_is_consolidated_by_kind_and_level_against_the_targets() {
        let inst = |code: &str, kind: &str, level: &str| Institution {
            code: code.into(),
            kind: kind.into(),
            level: level.into(),
            name_vi: code.into(),
            name_en: String::new(),
            address: String::new(),
            contact: String::new(),
            site_url: String::new(),
            has_key: false,
        };
        let list = [
            inst("a", "museum", "province"),
            inst("b", "museum", "province"),
            inst("c", "museum", "province"),
            inst("l", "library", "province"),
            inst("k", "centre", "commune"),
            inst("m", "centre", "commune"),
        ];
        let with = |code: &str, this: i64, last: i64, digital: bool| {
            let mut d = doc();
            d.institution = code.into();
            d.visitors.people = this;
            d.visitors.study_people = this;
            d.visitors_last_year.people = last;
            d.visitors_last_year.study_people = last;
            d.offer = Offer {
                exhibitions: i64::from(digital),
                objects: 10,
                programmes: i64::from(digital),
            };
            d
        };
        // a: 100 → 109 (+9 %, met); b: 200 → 210 (+5 %, below 8 %); c has not reported.
        let mut lib = with("l", 1120, 1000, false);
        lib.services.learning_services = 4;
        lib.services.digital = true;
        let mut club = with("k", 50, 0, false);
        club.services.clubs = 2;
        let reports = [with("a", 109, 100, true), with("b", 210, 200, false), lib, club];
        let target = crate::report::Schedule::default().target(2026);
        let (lines, groups) = consolidate(&list, &reports, 2026, target, &default_shares());
        assert_eq!(lines[0].growth_met, Some(true));
        assert_eq!(lines[1].growth_met, Some(false));
        assert_eq!(lines[2].report, None);
        let m = &groups[0];
        assert_eq!(
            (m.kind.as_str(), m.institutions, m.reported, m.indicator),
            ("museum", 3, 2, 1)
        );
        assert_eq!((m.with_base, m.growth_met, m.this, m.last), (2, 1, 319, 300));
        assert!((m.growth_pct.unwrap() - 19.0 / 3.0).abs() < 1e-9);
        assert!((m.indicator_pct.unwrap() - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.indicator_target_pct, Some(100.0));
        // The library: users +12 % (the 10–12 % target met), services and digital.
        let l = &groups[1];
        assert_eq!(
            (l.kind.as_str(), l.indicator, l.growth_met, l.indicator_target_pct),
            ("library", 1, 1, None)
        );
        // Commune centres: one of two runs clubs, against 100 % (70 % up to 2025); no base.
        let c = &groups[2];
        assert_eq!(
            (c.kind.as_str(), c.level.as_str(), c.indicator, c.with_base),
            ("centre", "commune", 1, 0)
        );
        assert_eq!(
            (c.indicator_pct, c.indicator_target_pct),
            (Some(50.0), Some(100.0))
        );
        let plan = default_shares();
        assert_eq!(indicator_target(&plan, "museum", "district", 2025), Some(70.0));
        assert_eq!(indicator_target(&plan, "centre", "district", 2024), Some(80.0));
        assert_eq!(indicator_target(&plan, "centre", "commune", 2031), Some(100.0));
        assert_eq!(indicator_target(&plan, "library", "district", 2026), None);
        // The province sets libraries' shares: the nearest `by` applies; of two with the same
        // `by`, the one naming the level; the last share holds after its year.
        let share = |kind: &str, level: Option<&str>, by, percent| Share {
            kind: kind.into(),
            level: level.map(str::to_string),
            by,
            percent,
        };
        let mut set = with_province_shares(vec![
            share("library", None, 2025, 50.0),
            share("library", None, 2030, 90.0),
            share("library", Some("province"), 2030, 100.0),
        ]);
        assert_eq!(indicator_target(&set, "library", "district", 2024), Some(50.0));
        assert_eq!(indicator_target(&set, "library", "district", 2026), Some(90.0));
        assert_eq!(indicator_target(&set, "library", "commune", 2035), Some(90.0));
        assert_eq!(indicator_target(&set, "library", "province", 2024), Some(50.0));
        assert_eq!(indicator_target(&set, "library", "province", 2026), Some(100.0));
        assert_eq!(indicator_target(&set, "museum", "province", 2026), Some(100.0));
        let (_, groups) = consolidate(&list, &reports, 2026, target, &set);
        // The fixture's library is a provincial one: the share naming its level.
        assert_eq!(groups[1].indicator_target_pct, Some(100.0));
        set.pop();
        let (_, groups) = consolidate(&list, &reports, 2026, target, &set);
        assert_eq!(groups[1].indicator_target_pct, Some(90.0));
        // A share of the province replaces the plan's of the same kind, year and level (every
        // level when it names none); the plan's other years stay.
        let raised = with_province_shares(vec![
            share("museum", None, 2025, 80.0),
            share("centre", None, 2025, 90.0),
            share("centre", Some("commune"), 2030, 95.0),
        ]);
        assert_eq!(indicator_target(&raised, "museum", "school", 2024), Some(80.0));
        assert_eq!(indicator_target(&raised, "museum", "school", 2027), Some(100.0));
        assert_eq!(indicator_target(&raised, "centre", "district", 2025), Some(90.0));
        assert_eq!(indicator_target(&raised, "centre", "commune", 2024), Some(90.0));
        assert_eq!(indicator_target(&raised, "centre", "district", 2028), Some(100.0));
        assert_eq!(indicator_target(&raised, "centre", "commune", 2028), Some(95.0));
    }

    #[test]
    fn typed_figures_accept_what_people_write_and_name_each_problem() {
        assert_eq!(parse_count("1.250"), Ok(1250));
        assert_eq!(parse_count(" 12 345 "), Ok(12345));
        assert_eq!(parse_count(""), Ok(0));
        assert!(parse_count("12,5").is_err() && parse_count("-3").is_err() && parse_count("mười").is_err());
        assert_eq!(parse_yes("Có"), Ok(true));
        assert_eq!(parse_yes("không"), Ok(false));
        assert!(parse_yes("có lẽ").is_err());
        let lib = Institution {
            code: "tv".into(),
            kind: "library".into(),
            level: "district".into(),
            name_vi: "Thư viện".into(),
            name_en: String::new(),
            address: String::new(),
            contact: String::new(),
            site_url: String::new(),
            has_key: false,
        };
        let period = ("2025-11-25".to_string(), "2026-11-24".to_string());
        let fields = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let d = typed_document(
            &lib,
            2026,
            period.clone(),
            fields(&[
                ("visitors", "1.120"),
                ("visitors_last", "1000"),
                ("learning_services", "4"),
                ("digital", "có"),
                ("study", "99999"),
            ]),
            0,
        )
        .unwrap();
        assert_eq!(
            (
                d.visitors.people,
                d.visitors_last_year.people,
                d.services.learning_services
            ),
            (1120, 1000, 4)
        );
        assert!(d.services.digital);
        assert_eq!(d.visitors.study_people, 0, "a field of another kind is not read");
        assert_eq!(Document::parse(&serde_json::to_vec(&d).unwrap()).unwrap(), d);
        let e = typed_document(
            &lib,
            2026,
            period,
            fields(&[("visitors", "nhiều"), ("digital", "?")]),
            0,
        )
        .unwrap_err();
        assert_eq!(e.iter().map(|p| p.0).collect::<Vec<_>>(), ["visitors", "digital"]);
        assert_eq!(template_key("Lượt bạn đọc năm nay (visitors)"), "visitors");
        assert_eq!(template_key("Mã đơn vị"), "ma don vi");
    }

    #[test]
    fn the_portal_search_puts_exact_diacritics_first_and_refuses_odd_links() {
        assert_eq!(search_rank("Hoa Lư", &["Kinh đô Hoa Lư"]), Some(0));
        assert_eq!(search_rank("hoa lu", &["Kinh đô Hoa Lư"]), Some(1));
        assert_eq!(search_rank("cố đô", &["Kinh đô Hoa Lư"]), None);
        assert_eq!(search_rank("lịch sử", &["Lịch sử", "lớp 7"]), Some(0));
        let good = br#"{"format":"vitrine-portal/1","museum":{"vi":"B"},"site":"https://b.example","day":"2026-12-04",
            "programmes":[{"title":{"vi":"P"},"grades":[7],"url":{"vi":"https://b.example/p/x/","en":"https://b.example/en/p/x/"}}]}"#;
        assert_eq!(Portal::parse(good).unwrap().programmes[0].grades, [7]);
        let bad = String::from_utf8_lossy(good).replace("https://b.example/p/x/", "javascript:alert(1)");
        assert!(Portal::parse(bad.as_bytes()).is_err());
        let bad_site = String::from_utf8_lossy(good)
            .replace("\"site\":\"https://b.example\"", "\"site\":\"javascript:x\"");
        assert!(Portal::parse(bad_site.as_bytes()).is_err());
        assert!(Portal::parse(b"{}").is_err());
    }

    #[test]
    fn the_fetch_token_depends_on_key_and_institution_and_keys_are_checked() {
        let k = parse_key(&new_key()).unwrap();
        assert_ne!(fetch_token(&k, "a1"), fetch_token(&k, "a2"));
        assert_eq!(fetch_token(&k, "a1"), fetch_token(&k, "a1"));
        assert!(parse_key("zz").is_none());
        assert!(parse_key("00ff").is_none(), "too short to be a key");
        assert!(valid_code("bt-ninh-binh") && !valid_code("BT") && !valid_code("-x") && !valid_code("a"));
        assert!(
            !valid_code("mine") && !valid_code("add"),
            "pages of the Department's area"
        );
    }
}
