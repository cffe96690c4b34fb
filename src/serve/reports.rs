// The staff dashboard, the printable yearly report and the CSV exports: figures from
// `report`, charts from `report::chart`, object and exhibition names from the catalogue of the
// built site. Staff and managers see the figures; only managers export records with names.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use super::AppState;
use super::auth::{Manager, Staff};
use super::pages::WebError;
use super::staff::{Frame, csv_response};
use crate::content::{Day, Lang, Localized, Site};
use crate::report::{self, DayTotal, Growth, Period, Standing, chart, csv, fmt_int, fmt_pct};
use crate::store::HitCount;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for p in ["/staff", "/en/staff"] {
        r = r
            .route(&format!("{p}/"), get(dashboard))
            .route(&format!("{p}/report/"), get(yearly_report))
            .route(&format!("{p}/export/summary.csv"), get(summary_csv))
            .route(&format!("{p}/export/scans.csv"), get(scans_csv))
            .route(&format!("{p}/export/visits.csv"), get(visits_csv));
    }
    r
}

/// Names of the objects and exhibitions of the site, for the scan figures.
#[derive(Debug, Default)]
pub struct Catalogue {
    objects: BTreeMap<String, (Localized, Vec<String>)>,
    exhibits: Vec<(String, Localized)>,
    /// Published exhibitions, and objects with a page (for the report to the province).
    online: (usize, usize),
}

impl Catalogue {
    pub fn has_object(&self, id: &str) -> bool {
        self.objects.contains_key(id)
    }

    /// How many exhibitions are published, and how many objects have a page.
    pub fn online(&self) -> (usize, usize) {
        self.online
    }

    pub fn has_exhibit(&self, slug: &str) -> bool {
        self.exhibits.iter().any(|(s, _)| s == slug)
    }

    pub fn of(site: &Site) -> Catalogue {
        let mut objects: BTreeMap<String, (Localized, Vec<String>)> = site
            .items
            .iter()
            .map(|(id, it)| (id.clone(), (it.title.clone(), Vec::new())))
            .collect();
        for e in &site.exhibits {
            for id in e.item_ids() {
                if let Some(o) = objects.get_mut(id) {
                    o.1.push(e.slug.clone());
                }
            }
        }
        Catalogue {
            online: (
                site.visible_exhibits(false).len(),
                site.visible_item_ids(false).len(),
            ),
            objects,
            exhibits: site
                .exhibits
                .iter()
                .map(|e| (e.slug.clone(), e.title.clone()))
                .collect(),
        }
    }

    fn object_title(&self, id: &str, lang: Lang) -> String {
        self.objects
            .get(id)
            .and_then(|(t, _)| t.pick(lang).map(|(s, _)| s.to_string()))
            .unwrap_or_default()
    }

    /// Scans and views summed per exhibition that shows the object.
    fn by_exhibit(&self, hits: &[HitCount], lang: Lang) -> Vec<(String, i64, i64)> {
        let mut out: Vec<(String, i64, i64)> = self
            .exhibits
            .iter()
            .map(|(slug, title)| {
                let (s, v) = hits
                    .iter()
                    .filter(|h| self.objects.get(&h.object).is_some_and(|o| o.1.contains(slug)))
                    .fold((0, 0), |(s, v), h| (s + h.scans, v + h.views));
                (
                    title
                        .pick(lang)
                        .map(|(t, _)| t.to_string())
                        .unwrap_or_else(|| slug.clone()),
                    s,
                    v,
                )
            })
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
        out
    }
}

#[derive(serde::Deserialize, Default)]
pub struct YearQuery {
    year: Option<i32>,
    from: Option<String>,
    to: Option<String>,
}

/// A labelled figure for the tables.
#[derive(Serialize)]
struct Line {
    label: String,
    this: String,
    last: String,
}

/// One line per category (visitor type, purpose): this year's figure beside last year's.
fn lines(
    this: &[(&'static str, report::Figures)],
    last: &[(&'static str, report::Figures)],
    label: impl Fn(&str) -> String,
    pick: fn(&report::Figures) -> i64,
    lang: Lang,
) -> Vec<Line> {
    this.iter()
        .zip(last)
        .map(|((code, a), (_, b))| Line {
            label: label(code),
            this: fmt_int(pick(a), lang),
            last: fmt_int(pick(b), lang),
        })
        .collect()
}

#[derive(Serialize)]
struct Headline {
    year: i32,
    from: String,
    to: String,
    counted_to: String,
    complete: bool,
    this_study: String,
    last_study: String,
    this_all: String,
    last_all: String,
    growth: Option<String>,
    target: Option<String>,
    needed: Option<String>,
    standing: Standing,
    standing_text: String,
}

#[derive(Serialize)]
struct ObjectLine {
    id: String,
    title: String,
    scans: String,
    views: String,
}

#[derive(Serialize)]
struct Figures {
    headline: Headline,
    chart_target: String,
    chart_months: String,
    chart_types: String,
    chart_schools: String,
    months: Vec<Line>,
    types: Vec<Line>,
    purposes: Vec<Line>,
    schools: Vec<(String, String, String)>,
    objects: Vec<ObjectLine>,
    exhibits: Vec<(String, String, String)>,
    chart_objects: String,
    years: Vec<i32>,
    programmes: ProgrammeFigures,
    events: EventFigures,
}

/// Events of the period (by their first day): sign-ups and attendance, this year and the same
/// period a year earlier. Attendances are visit records already (counted above); this shows
/// which events brought them.
#[derive(Serialize)]
struct EventFigures {
    /// [events with sign-ups or attendance, people signed up, people who came], formatted.
    this: [String; 3],
    last: [String; 3],
    /// Per event this year: day, title, signed up, came (walk-ins included), walk-ins.
    rows: Vec<[String; 5]>,
    /// Online learners: contest entries sent in the period, this year and the year before. They
    /// are not visits and are counted apart.
    online: [String; 2],
    /// Per contest this year: title, entries sent.
    contests: Vec<[String; 2]>,
}

async fn event_figures(state: &AppState, lang: Lang, now: Period) -> Result<EventFigures, WebError> {
    let read = |p: Period| async move {
        state
            .store
            .event_numbers(&p.from.to_string(), &p.to.to_string())
            .await
            .map_err(|e| state.internal(lang, "reading event figures failed", e))
    };
    let this = read(now).await?;
    let last = read(now.year_before()).await?;
    let sums = |rows: &[crate::store::EventNumbers]| {
        let (a, b) = rows
            .iter()
            .fold((0, 0), |(a, b), n| (a + n.confirmed, b + n.came));
        [
            fmt_int(rows.len() as i64, lang),
            fmt_int(a, lang),
            fmt_int(b, lang),
        ]
    };
    let events_now = state.events();
    let rows = this
        .iter()
        .map(|n| {
            let title = events_now
                .get(&n.event)
                .and_then(|e| e.title.pick(lang).map(|(t, _)| t.to_string()))
                .unwrap_or_else(|| n.event.clone());
            [
                n.event_day.clone(),
                title,
                fmt_int(n.confirmed, lang),
                fmt_int(n.came, lang),
                fmt_int(n.walk_ins, lang),
            ]
        })
        .collect();
    let entries = |p: Period| async move {
        let ms = |d: crate::content::Day| (d.to_unix() - crate::content::VIETNAM_OFFSET) * 1000;
        state
            .store
            .contest_numbers(ms(p.from), ms(p.to.add_days(1)))
            .await
            .map_err(|e| state.internal(lang, "reading contest figures failed", e))
    };
    let contests_this = entries(now).await?;
    let contests_last = entries(now.year_before()).await?;
    let total = |rows: &[(String, i64)]| fmt_int(rows.iter().map(|r| r.1).sum(), lang);
    let contests_now = state.contests();
    Ok(EventFigures {
        this: sums(&this),
        last: sums(&last),
        rows,
        online: [total(&contests_this), total(&contests_last)],
        contests: contests_this
            .iter()
            .map(|(slug, n)| {
                let title = contests_now
                    .get(slug)
                    .and_then(|c| c.title.pick(lang).map(|(t, _)| t.to_string()))
                    .unwrap_or_else(|| slug.clone());
                [title, fmt_int(*n, lang)]
            })
            .collect(),
    })
}

/// Class tours of the learning programmes: assignments opened in the period, students who
/// joined them and schools they came from, this year and the same period a year earlier.
#[derive(Serialize)]
struct ProgrammeFigures {
    /// [assignments, students, schools], formatted.
    this: [String; 3],
    last: [String; 3],
    /// Per programme this year: title, assignments, students, schools.
    rows: Vec<[String; 4]>,
}

/// Assignments, students and distinct schools (spellings merged) of some totals.
pub(super) fn programme_sums<'a>(
    rows: impl Iterator<Item = &'a crate::store::ProgrammeTotal>,
) -> (i64, i64, usize) {
    let mut schools = std::collections::BTreeSet::new();
    let (mut a, mut s) = (0, 0);
    for r in rows {
        a += r.assignments;
        s += r.reached;
        schools.insert(crate::text::fold(&r.school));
    }
    (a, s, schools.len())
}

async fn programme_figures(state: &AppState, lang: Lang, now: Period) -> Result<ProgrammeFigures, WebError> {
    let read = |p: Period| async move {
        state
            .store
            .programme_totals(&p.from.to_string(), &p.to.to_string())
            .await
            .map_err(|e| state.internal(lang, "reading programme figures failed", e))
    };
    let this = read(now).await?;
    let last = read(now.year_before()).await?;
    let f = |(a, s, n): (i64, i64, usize)| [fmt_int(a, lang), fmt_int(s, lang), fmt_int(n as i64, lang)];
    let mut slugs: Vec<&str> = this.iter().map(|r| r.programme.as_str()).collect();
    slugs.dedup();
    let mut rows: Vec<[String; 4]> = slugs
        .into_iter()
        .map(|slug| {
            let [a, s, n] = f(programme_sums(this.iter().filter(|r| r.programme == slug)));
            [state.programme_title(slug, lang), a, s, n]
        })
        .collect();
    crate::text::sort_vietnamese(&mut rows, |r| r[0].as_str());
    Ok(ProgrammeFigures {
        this: f(programme_sums(this.iter())),
        last: f(programme_sums(last.iter())),
        rows,
    })
}

/// Everything the dashboard and the report show for report year `year` (or a custom period).
async fn figures(state: &AppState, lang: Lang, q: &YearQuery, top: usize) -> Result<Figures, WebError> {
    let today = Day::today();
    let s = &state.schedule;
    let custom = custom_period(q);
    let year = custom.map_or_else(|| report_year(state, q), |p| p.to.year);
    let full = custom.unwrap_or_else(|| s.period(year));
    let rows: Vec<DayTotal> = state
        .store
        .visit_totals(&full.year_before().from.to_string(), &full.to.to_string())
        .await
        .map_err(|e| state.internal(lang, "reading the statistics failed", e))?
        .into_iter()
        .map(DayTotal::from)
        .collect();
    let g: Growth = match custom {
        None => report::growth(s, year, today, &rows),
        // A custom period is compared with the same dates a year earlier, against the target of
        // the year it ends in.
        Some(p) => report::compare(p, p.to.year, s.target(p.to.year), today, &rows),
    };
    let t = |k: &str| state.locales.text(lang, k);
    let last_label = (year - 1).to_string();
    let this_label = year.to_string();
    let headline = Headline {
        year,
        from: g.period.from.to_string(),
        to: g.period.to.to_string(),
        counted_to: g.this.period.to.to_string(),
        complete: g.complete,
        this_study: fmt_int(g.this.all.study_people, lang),
        last_study: fmt_int(g.last.all.study_people, lang),
        this_all: fmt_int(g.this.all.people, lang),
        last_all: fmt_int(g.last.all.people, lang),
        growth: g.growth_pct.map(|x| fmt_pct(x, lang)),
        target: g.target.map(|tg| {
            if tg.min == tg.max {
                fmt_pct(tg.min, lang)
            } else {
                format!("{} – {}", fmt_pct(tg.min, lang), fmt_pct(tg.max, lang))
            }
        }),
        needed: g.needed.map(|n| fmt_int(n, lang)),
        standing: g.standing,
        standing_text: t(&format!(
            "report.standing_{}",
            serde_json::to_value(g.standing)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        )),
    };
    let month_label = |m: &str| {
        let (y, mm) = m.split_at(4);
        format!("{}/{}", mm.trim_start_matches('-'), &y[2..])
    };
    let months: Vec<Line> = g
        .this
        .by_month
        .iter()
        .zip(&g.last.by_month)
        .map(|((m, a), (_, b))| Line {
            label: month_label(m),
            this: fmt_int(a.study_people, lang),
            last: fmt_int(b.study_people, lang),
        })
        .collect();
    let chart_months = chart::grouped_bars(
        "months",
        &t("report.by_month"),
        &t("report.by_month_desc"),
        &g.this
            .by_month
            .iter()
            .map(|(m, _)| month_label(m))
            .collect::<Vec<_>>(),
        &[
            chart::Series {
                label: &last_label,
                values: g.last.by_month.iter().map(|(_, f)| f.study_people).collect(),
            },
            chart::Series {
                label: &this_label,
                values: g.this.by_month.iter().map(|(_, f)| f.study_people).collect(),
            },
        ],
    );
    let target_label = t("report.target_band");
    let chart_target = chart::against_target(
        "target",
        &t("report.against_target"),
        &t("report.against_target_desc"),
        (&last_label, g.last.all.study_people),
        (&this_label, g.this.all.study_people),
        g.target.filter(|_| g.last.all.study_people > 0).map(|tg| {
            let (lo, hi) = tg.bounds(g.last.all.study_people);
            (target_label.as_str(), lo, hi)
        }),
    );
    let types = lines(
        &g.this.by_type,
        &g.last.by_type,
        |code| t(&format!("visitor_type.{code}")),
        |f| f.study_people,
        lang,
    );
    let chart_types = chart::hbars(
        "types",
        &t("report.by_type"),
        &t("report.by_type_desc"),
        &g.this
            .by_type
            .iter()
            .map(|(c, f)| (t(&format!("visitor_type.{c}")), f.study_people))
            .collect::<Vec<_>>(),
    );
    let purposes = lines(
        &g.this.by_purpose,
        &g.last.by_purpose,
        |code| t(&format!("purpose.{code}")),
        |f| f.people,
        lang,
    );
    let now = g.this.period;
    let school_rows = state
        .store
        .school_totals(&now.from.to_string(), &now.to.to_string())
        .await
        .map_err(|e| state.internal(lang, "reading school figures failed", e))?;
    let schools_all = report::schools(&school_rows);
    let chart_schools = chart::hbars(
        "schools",
        &t("report.by_school"),
        &t("report.by_school_desc"),
        &schools_all
            .iter()
            .take(10)
            .map(|r| (r.name.clone(), r.people))
            .collect::<Vec<_>>(),
    );
    let schools = schools_all
        .iter()
        .take(top)
        .map(|r| (r.name.clone(), fmt_int(r.groups, lang), fmt_int(r.people, lang)))
        .collect();
    let (a, b) = now.instants();
    let hits = state
        .store
        .hit_counts(a, b)
        .await
        .map_err(|e| state.internal(lang, "reading scan figures failed", e))?;
    let objects: Vec<ObjectLine> = hits
        .iter()
        .take(top)
        .map(|h| ObjectLine {
            id: h.object.clone(),
            title: state.catalogue.object_title(&h.object, lang),
            scans: fmt_int(h.scans, lang),
            views: fmt_int(h.views, lang),
        })
        .collect();
    let chart_objects = chart::hbars(
        "objects",
        &t("report.scans_by_object"),
        &t("report.scans_by_object_desc"),
        &hits
            .iter()
            .take(10)
            .map(|h| {
                (
                    format!("{} {}", h.object, state.catalogue.object_title(&h.object, lang)),
                    h.scans,
                )
            })
            .collect::<Vec<_>>(),
    );
    let exhibits = state
        .catalogue
        .by_exhibit(&hits, lang)
        .into_iter()
        .map(|(n, s, v)| (n, fmt_int(s, lang), fmt_int(v, lang)))
        .collect();
    let current = s.report_year(today);
    Ok(Figures {
        headline,
        chart_target,
        chart_months,
        chart_types,
        chart_schools,
        months,
        types,
        purposes,
        schools,
        objects,
        exhibits,
        chart_objects,
        years: ((current - 4).max(2021)..=current).rev().collect(),
        programmes: programme_figures(state, lang, now).await?,
        events: event_figures(state, lang, now).await?,
    })
}

#[derive(Serialize)]
struct DashboardView {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    figures: Figures,
    query: String,
}

fn query_of(q: &YearQuery) -> String {
    match (&q.from, &q.to, q.year) {
        (Some(f), Some(t), _) => format!("?from={}&to={}", enc(f), enc(t)),
        (_, _, Some(y)) => format!("?year={y}"),
        _ => String::new(),
    }
}

fn enc(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect()
}

async fn dashboard(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let figures = figures(&state, me.lang, &q, 10).await?;
    let query = query_of(&q);
    let view = DashboardView {
        frame: Frame {
            department: state.department,
            ..Frame::new(&me, "dashboard", &query)
        },
        figures,
        query,
    };
    state.page(StatusCode::OK, "staff/dashboard.html", me.lang, &view)
}

#[derive(Serialize)]
struct ReportView {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    figures: Figures,
    query: String,
    museum: String,
    deadline: String,
    /// The Department's server (`[province]`), for the "Send to the Department" form.
    province: Option<String>,
}

async fn yearly_report(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    let figures = figures(&state, lang, &q, 50).await?;
    let query = query_of(&q);
    let deadline = state.schedule.deadline(figures.headline.year).to_string();
    let view = ReportView {
        frame: Frame::new(&me, "report", &format!("report/{query}")),
        figures,
        query,
        museum: state
            .museum
            .pick(lang)
            .map(|(s, _)| s.to_string())
            .unwrap_or_default(),
        deadline,
        province: state.province.as_ref().map(|l| l.url.clone()),
    };
    state.page(StatusCode::OK, "staff/report.html", lang, &view)
}

/// A custom period of at most ten years, in order (a longer one is a mistake, and would draw a
/// chart of thousands of months).
fn sensible(from: Day, to: Day) -> bool {
    from <= to && to.to_unix() - from.to_unix() <= 3660 * 86_400
}

/// A custom `from`/`to` period of the query, when it is a sensible one.
fn custom_period(q: &YearQuery) -> Option<Period> {
    let day = |d: &Option<String>| d.as_deref().and_then(crate::visits::parse_iso_day);
    match (day(&q.from), day(&q.to)) {
        (Some(from), Some(to)) if sensible(from, to) => Some(Period { from, to }),
        _ => None,
    }
}

/// The report year of the query, the current one by default.
fn report_year(state: &AppState, q: &YearQuery) -> i32 {
    q.year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| state.schedule.report_year(Day::today()))
}

/// The period of a query: a custom `from`/`to`, or a report year (the current one by default).
fn period_of(state: &AppState, q: &YearQuery) -> Period {
    custom_period(q).unwrap_or_else(|| state.schedule.period(report_year(state, q)))
}

async fn summary_csv(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let p = period_of(&state, &q);
    let rows: Vec<DayTotal> = state
        .store
        .visit_totals(&p.from.to_string(), &p.to.to_string())
        .await
        .map_err(|e| state.internal(me.lang, "reading the statistics failed", e))?
        .into_iter()
        .map(DayTotal::from)
        .collect();
    Ok(csv_response(
        &format!("study-visits-summary-{}-{}.csv", p.from, p.to),
        csv::summary(&rows),
    ))
}

async fn scans_csv(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let p = period_of(&state, &q);
    let (a, b) = p.instants();
    let hits = state
        .store
        .hit_counts(a, b)
        .await
        .map_err(|e| state.internal(me.lang, "reading scan figures failed", e))?;
    let rows = hits.iter().map(|h| {
        vec![
            h.object.clone(),
            state.catalogue.object_title(&h.object, Lang::Vi),
            state.catalogue.object_title(&h.object, Lang::En),
            h.scans.to_string(),
            h.views.to_string(),
        ]
    });
    Ok(csv_response(
        &format!("qr-scans-{}-{}.csv", p.from, p.to),
        csv::document(&["object_id", "title_vi", "title_en", "qr_scans", "views"], rows),
    ))
}

async fn visits_csv(
    State(state): State<AppState>,
    me: Manager,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let p = period_of(&state, &q);
    let records = state
        .store
        .visits_between(&p.from.to_string(), &p.to.to_string())
        .await
        .map_err(|e| state.internal(me.lang, "listing visits failed", e))?;
    Ok(csv_response(
        &format!("study-visits-{}-{}.csv", p.from, p.to),
        csv::visits(&records, true),
    ))
}
