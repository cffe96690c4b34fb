// The province: a museum's yearly report as a signed document of counts, sent from the staff area
// to the Department's server or fetched by it; and, on the Department's server (`[server]
// department = true`), receiving those reports, fetching them, and the year's consolidated view
// of every institution. The document and its signature are in `crate::province`; the exchange
// over HTTP in `client`.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::auth::{AnyRole, ManagerRole, Posted, Signed, Staff};
use super::pages::WebError;
use super::staff::Frame;
use crate::content::{Day, Lang};
use crate::province::{self as pv, Document, Envelope, Refusal};
use crate::report::{self, DayTotal, fmt_int, fmt_pct};

/// A museum's link to the Department: `[province]` with the key read from the environment.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub institution: String,
    pub key_env: String,
    /// None when the variable was not set (or not a key) at start: sending says so.
    pub key: Option<Vec<u8>>,
}

impl Link {
    pub fn from_config(c: &crate::content::ProvinceConfig) -> Link {
        let key = std::env::var(&c.key_env).ok().and_then(|k| pv::parse_key(&k));
        if key.is_none() {
            eprintln!(
                "vitrine: [province] is set but {} holds no key: reports cannot be sent or fetched until it does",
                c.key_env
            );
        }
        Link {
            url: c.url.clone(),
            institution: c.institution.clone(),
            key_env: c.key_env.clone(),
            key,
        }
    }
}

pub fn routes() -> Router<AppState> {
    let mut r = Router::new()
        .route("/api/province/report.json", get(document_for_department))
        .route("/tinh/", get(portal))
        .route("/en/tinh/", get(portal))
        .route(
            "/api/province/reports",
            post(receive).layer(axum::extract::DefaultBodyLimit::max(pv::MAX_BODY)),
        );
    for p in ["/staff", "/en/staff"] {
        r = r
            .route(&format!("{p}/report/document.json"), get(document_json))
            .route(&format!("{p}/report/send/"), post(send))
            .route(&format!("{p}/province/"), get(dashboard).post(upload_sheet))
            .route(&format!("{p}/province/template.xlsx"), get(template))
            .route(&format!("{p}/province/report/"), get(printable))
            .route(&format!("{p}/province/export.csv"), get(export_csv))
            .route(&format!("{p}/province/export.xlsx"), get(export_xlsx))
            .route(
                &format!("{p}/province/{{code}}/form/"),
                get(form_page).post(save_form),
            )
            .route(&format!("{p}/province/mine/"), get(mine))
            .route(&format!("{p}/province/add/"), post(add_institution))
            .route(&format!("{p}/province/{{code}}/edit/"), post(edit_institution))
            .route(&format!("{p}/province/{{code}}/key/"), post(new_key))
            .route(&format!("{p}/province/{{code}}/"), get(institution_page))
            .route(&format!("{p}/province/{{code}}/fetch/"), post(fetch));
    }
    r
}

/// The museum's report of `year` as a document of counts.
pub async fn document(state: &AppState, year: i32, institution: &str) -> Result<Document, String> {
    let s = &state.schedule;
    let today = Day::today();
    let full = s.period(year);
    let store = &state.store;
    let rows: Vec<DayTotal> = store
        .visit_totals(&full.year_before().from.to_string(), &full.to.to_string())
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(DayTotal::from)
        .collect();
    let g = report::growth(s, year, today, &rows);
    let now = g.this.period;
    let (visitors, visitors_last_year, by_month) = Document::of_growth(&g);
    let (from, to) = (now.from.to_string(), now.to.to_string());
    let tours = store
        .programme_totals(&from, &to)
        .await
        .map_err(|e| e.to_string())?;
    let (assignments, students, schools) = super::reports::programme_sums(tours.iter());
    let events = store.event_numbers(&from, &to).await.map_err(|e| e.to_string())?;
    let ms = |d: Day| (d.to_unix() - crate::content::VIETNAM_OFFSET) * 1000;
    let entries = store
        .contest_numbers(ms(now.from), ms(now.to.add_days(1)))
        .await
        .map_err(|e| e.to_string())?;
    let (a, b) = now.instants();
    let hits = store.hit_counts(a, b).await.map_err(|e| e.to_string())?;
    Ok(Document {
        format: pv::FORMAT.to_string(),
        institution: institution.to_string(),
        name_vi: state.museum.vi.clone().unwrap_or_default(),
        name_en: state.museum.en.clone().unwrap_or_default(),
        year,
        from: full.from.to_string(),
        to: full.to.to_string(),
        counted_to: now.to.to_string(),
        complete: g.complete,
        generated_at: crate::visits::now(),
        visitors,
        visitors_last_year,
        growth_pct: g.growth_pct,
        by_month,
        offer: pv::Offer {
            exhibitions: state.catalogue.online().0 as i64,
            objects: state.catalogue.online().1 as i64,
            programmes: state.programmes.len() as i64,
        },
        tours: pv::Tours {
            assignments,
            students,
            schools: schools as i64,
        },
        activities: pv::Activities {
            events: events.len() as i64,
            signed_up: events.iter().map(|e| e.confirmed).sum(),
            came: events.iter().map(|e| e.came).sum(),
            contest_entries: entries.iter().map(|e| e.1).sum(),
        },
        qr_scans: hits.iter().map(|h| h.scans).sum(),
        services: pv::Services::default(),
    })
}

#[derive(serde::Deserialize, Default)]
struct YearOnly {
    year: Option<i32>,
}

fn year_of(state: &AppState, y: Option<i32>) -> i32 {
    y.filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| state.schedule.report_year(Day::today()))
}

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

/// What the museum would send, for staff to read before sending (counts only).
async fn document_json(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearOnly>,
) -> Result<Response, WebError> {
    let code = state
        .province
        .as_ref()
        .map(|l| l.institution.clone())
        .unwrap_or_default();
    let doc = document(&state, year_of(&state, q.year), &code)
        .await
        .map_err(|e| state.internal(me.lang, "making the report document failed", e))?;
    let body = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    Ok(json(StatusCode::OK, body))
}

#[derive(Serialize)]
struct SentView {
    #[serde(flatten)]
    frame: Frame,
    year: i32,
    ok: bool,
    /// The Department's server and its answer, or what went wrong.
    url: String,
    message: String,
    version: Option<i64>,
}

/// "Send to the Department": the signed report of the year goes to the Department's server.
async fn send(State(state): State<AppState>, posted: Posted<ManagerRole>) -> Result<Response, WebError> {
    let me = &posted.me;
    let lang = me.lang;
    let year = year_of(
        &state,
        posted.form.get("year").and_then(|y| y.trim().parse().ok()),
    );
    let t = |k: &str| state.locales.text(lang, k);
    let Some(link) = state.province.clone() else {
        return Err(state.refuse(lang, StatusCode::CONFLICT, &["province.not_configured"]));
    };
    let Some(key) = link.key.clone() else {
        return Err(state.refuse_lines(
            lang,
            StatusCode::CONFLICT,
            &[t("province.no_key").replace("{var}", &link.key_env)],
        ));
    };
    let doc = document(&state, year, &link.institution)
        .await
        .map_err(|e| state.internal(lang, "making the report document failed", e))?;
    let body = serde_json::to_vec(&doc).unwrap_or_default();
    let mut headers = pv::signed_headers(&key, &link.institution, crate::visits::now(), &body);
    headers.push(("content-type", "application/json".to_string()));
    let url = format!("{}/api/province/reports", link.url);
    let reply = state
        .client
        .request(
            Method::POST,
            &url,
            &headers,
            body,
            Duration::from_secs(30),
            64 * 1024,
        )
        .await;
    let (ok, message, version) = match reply {
        Ok(r) if r.status == 201 => {
            let v = serde_json::from_slice::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| v["version"].as_i64());
            eprintln!(
                "vitrine: report {year} sent to the Department (version {})",
                v.unwrap_or(0)
            );
            (true, String::new(), v)
        }
        Ok(r) => {
            eprintln!(
                "vitrine: the Department refused report {year}: {} {}",
                r.status,
                r.text()
            );
            (false, format!("{}: {}", r.status, r.text()), None)
        }
        Err(e) => {
            eprintln!("vitrine: sending report {year} failed: {e}");
            (false, e, None)
        }
    };
    let view = SentView {
        frame: Frame::new(me, "report", &format!("report/?year={year}")),
        year,
        ok,
        url: link.url.clone(),
        message,
        version,
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    state.page(status, "staff/province-sent.html", lang, &view)
}

/// The Department fetches the museum's report with its read-only token: the same signed
/// document as a sent one.
async fn document_for_department(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<YearOnly>,
) -> Response {
    let Some(link) = state.province.clone() else {
        return plain(
            StatusCode::NOT_FOUND,
            "this server does not report to a province".into(),
        );
    };
    let Some(key) = link.key.clone() else {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the institution key is not set ({})", link.key_env),
        );
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::accounts::same_secret(sent.trim(), &pv::fetch_token(&key, &link.institution)) {
        return plain(StatusCode::UNAUTHORIZED, "a wrong or missing token".into());
    }
    let year = year_of(&state, q.year);
    match document(&state, year, &link.institution).await {
        Ok(doc) => {
            let body = serde_json::to_vec(&doc).unwrap_or_default();
            let mut res = json(StatusCode::OK, body.clone());
            for (k, v) in pv::signed_headers(&key, &link.institution, crate::visits::now(), &body) {
                if let Ok(v) = v.parse() {
                    res.headers_mut().insert(k, v);
                }
            }
            eprintln!("vitrine: report {year} fetched by the Department");
            res
        }
        Err(e) => {
            eprintln!("vitrine: making the report document failed: {e}");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the report could not be made".into(),
            )
        }
    }
}

/// Nonces are kept a little longer than a timestamp is accepted.
const KEEP_NONCES: i64 = 2 * pv::MAX_SKEW + 60;

/// Check a signed report and store it as the institution's next version of its year.
async fn accept(
    state: &AppState,
    env: &Envelope,
    body: &[u8],
    source: &str,
    by: &str,
) -> Result<(Document, i64), (StatusCode, String)> {
    let refused = |s: StatusCode, r: Refusal| (s, r.to_string());
    let key = match state.store.report_key(&env.institution).await {
        Ok(Some(k)) => pv::parse_key(&k),
        Ok(None) => None,
        Err(e) => {
            eprintln!("vitrine: reading an institution key failed: {e}");
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "the Department's database failed".into(),
            ));
        }
    };
    let Some(key) = key else {
        return Err(refused(
            StatusCode::FORBIDDEN,
            Refusal::UnknownInstitution(env.institution.clone()),
        ));
    };
    let now = crate::visits::now();
    let doc = env.open(&key, body, now).map_err(|r| match r {
        Refusal::Malformed(_) => refused(StatusCode::UNPROCESSABLE_ENTITY, r),
        _ => refused(StatusCode::UNAUTHORIZED, r),
    })?;
    let text = String::from_utf8_lossy(body);
    match state
        .store
        .receive_report(
            &env.institution,
            doc.year,
            source,
            by,
            &text,
            Some(&env.nonce),
            KEEP_NONCES,
            now,
        )
        .await
    {
        Ok(Some(v)) => Ok((doc, v)),
        Ok(None) => Err(refused(StatusCode::CONFLICT, Refusal::Replayed)),
        Err(crate::store::StoreError::Conflict(m)) => Err((StatusCode::CONFLICT, m)),
        Err(e) => {
            eprintln!("vitrine: storing a report failed: {e}");
            Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "the Department's database failed".into(),
            ))
        }
    }
}

/// The Department receives a signed report (201 with its version, or the refusal in words).
async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !state.department {
        return plain(
            StatusCode::NOT_FOUND,
            "this server is not the Department's".into(),
        );
    }
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
    let env = match Envelope::read(get) {
        Ok(e) => e,
        Err(r) => return plain(StatusCode::BAD_REQUEST, r.to_string()),
    };
    match accept(&state, &env, &body, "sent", &env.institution).await {
        Ok((doc, version)) => {
            eprintln!(
                "vitrine: report {} of {} received (version {version})",
                doc.year, env.institution
            );
            // Its portal data comes along, in the background.
            if let Ok(Some(inst)) = state.store.institution(&env.institution).await {
                let s = state.clone();
                tokio::spawn(async move {
                    let _ = refresh_portal(&s, &inst).await;
                });
            }
            let out =
                serde_json::json!({"institution": env.institution, "year": doc.year, "version": version});
            json(StatusCode::CREATED, out.to_string().into_bytes())
        }
        Err((status, why)) => {
            eprintln!(
                "vitrine: a report sent as {:?} was refused: {why}",
                env.institution
            );
            plain(status, why)
        }
    }
}

fn department_only(state: &AppState, lang: Lang) -> Result<(), WebError> {
    if state.department {
        Ok(())
    } else {
        Err(state.refuse(lang, StatusCode::NOT_FOUND, &["province.not_department"]))
    }
}

#[derive(Serialize)]
struct GroupView {
    kind: String,
    level: String,
    /// What the kind's indicator and headline count are.
    indicator_label: String,
    count_label: String,
    institutions: String,
    reported: String,
    indicator: String,
    indicator_target: String,
    indicator_met: Option<bool>,
    growth_met: String,
    this: String,
    last: String,
    growth: String,
}

#[derive(Serialize)]
struct LineView {
    code: String,
    name: String,
    kind: String,
    level: String,
    reported: bool,
    source: String,
    received: String,
    this: String,
    last: String,
    growth: String,
    growth_met: Option<bool>,
    indicator: bool,
}

#[derive(Serialize)]
struct DashboardView {
    #[serde(flatten)]
    frame: Frame,
    year: i32,
    years: Vec<i32>,
    deadline: String,
    overdue: bool,
    target: String,
    groups: Vec<GroupView>,
    lines: Vec<LineView>,
    missing: Vec<(String, String)>,
    chart: String,
    /// Reports loaded from a sheet just now.
    loaded: Option<i64>,
    /// The Department's name (the site's), for the printed report.
    department_name: String,
    kinds: Vec<(String, String)>,
    levels: Vec<(String, String)>,
}

fn pct(x: Option<f64>, lang: Lang) -> String {
    x.map(|x| fmt_pct(x, lang)).unwrap_or_else(|| "—".into())
}

/// A share without its sign: 66,7 % / 66.7%.
fn share(x: Option<f64>, lang: Lang) -> String {
    x.map(|x| fmt_pct(x, lang).trim_start_matches('+').to_string())
        .unwrap_or_else(|| "—".into())
}

fn when(secs: i64) -> String {
    let d = Day::from_unix(secs + crate::content::VIETNAM_OFFSET);
    let s = (secs + crate::content::VIETNAM_OFFSET).rem_euclid(86_400);
    format!("{d} {:02}:{:02}", s / 3600, s / 60 % 60)
}

/// The Department's year: every institution against the plan's indicators, by kind and level.
#[derive(serde::Deserialize, Default)]
struct DashboardQuery {
    year: Option<i32>,
    loaded: Option<i64>,
}

/// The year as the Department sees it: the institutions, the last version of each report, and
/// the consolidation (lines and groups).
async fn year_data(
    state: &AppState,
    lang: Lang,
    year: i32,
) -> Result<(Vec<crate::store::Received>, Vec<pv::Line>, Vec<pv::Group>), WebError> {
    let institutions = state
        .store
        .institutions()
        .await
        .map_err(|e| state.internal(lang, "reading the institutions failed", e))?;
    let received = state
        .store
        .latest_reports(year)
        .await
        .map_err(|e| state.internal(lang, "reading the reports failed", e))?;
    let docs: Vec<Document> = received
        .iter()
        .filter_map(|r| Document::parse(r.document.as_bytes()).ok())
        .collect();
    let (lines, groups) = pv::consolidate(
        &institutions,
        &docs,
        year,
        state.schedule.target(year),
        &state.schedule.shares,
    );
    Ok((received, lines, groups))
}

async fn dashboard(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    let year = year_of(&state, q.year);
    let view = year_view(&state, &me, year, q.loaded, "province/").await?;
    state.page(StatusCode::OK, "staff/province.html", lang, &view)
}

/// The consolidated report for the People's Committee, to print: the plan's indicators, every
/// institution, and the signature lines.
async fn printable(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    let year = year_of(&state, q.year);
    let view = year_view(&state, &me, year, None, "province/report/").await?;
    state.page(StatusCode::OK, "staff/province-report.html", lang, &view)
}

async fn year_view(
    state: &AppState,
    me: &Staff,
    year: i32,
    loaded: Option<i64>,
    path: &str,
) -> Result<DashboardView, WebError> {
    let lang = me.lang;
    let t = |k: &str| state.locales.text(lang, k);
    let (received, lines, groups) = year_data(state, lang, year).await?;
    let target = state.schedule.target(year);
    let name = |i: &pv::Institution| {
        if lang == Lang::En && !i.name_en.is_empty() {
            i.name_en.clone()
        } else {
            i.name_vi.clone()
        }
    };
    let deadline = state.schedule.deadline(year);
    let groups_view = groups
        .iter()
        .map(|g| GroupView {
            kind: t(&format!("province.kind_{}", g.kind)),
            level: t(&format!("province.level_{}", g.level)),
            indicator_label: t(&format!("province.indicator_{}", g.kind)),
            count_label: t(&format!("province.count_{}", g.kind)),
            institutions: fmt_int(g.institutions as i64, lang),
            reported: fmt_int(g.reported as i64, lang),
            indicator: format!(
                "{} ({})",
                fmt_int(g.indicator as i64, lang),
                share(g.indicator_pct, lang)
            ),
            indicator_target: share(g.indicator_target_pct, lang),
            indicator_met: g
                .indicator_target_pct
                .zip(g.indicator_pct)
                .map(|(t, p)| p + 1e-9 >= t),
            growth_met: if g.growth_target {
                format!(
                    "{} / {}",
                    fmt_int(g.growth_met as i64, lang),
                    fmt_int(g.with_base as i64, lang)
                )
            } else {
                "—".into()
            },
            this: fmt_int(g.this, lang),
            last: fmt_int(g.last, lang),
            growth: pct(g.growth_pct, lang),
        })
        .collect();
    let mut lines_view: Vec<LineView> = lines
        .iter()
        .map(|l| {
            let r = received.iter().find(|r| r.institution == l.institution.code);
            LineView {
                code: l.institution.code.clone(),
                name: name(&l.institution),
                kind: t(&format!("province.kind_{}", l.institution.kind)),
                level: t(&format!("province.level_{}", l.institution.level)),
                reported: l.report.is_some(),
                source: r
                    .map(|r| t(&format!("province.source_{}", r.source)))
                    .unwrap_or_default(),
                received: r.map(|r| when(r.received_at)).unwrap_or_default(),
                this: l.this.map(|n| fmt_int(n, lang)).unwrap_or_else(|| "—".into()),
                last: l.last.map(|n| fmt_int(n, lang)).unwrap_or_else(|| "—".into()),
                growth: pct(l.growth_pct, lang),
                growth_met: l.growth_met,
                indicator: l.indicator,
            }
        })
        .collect();
    crate::text::sort_vietnamese(&mut lines_view, |l| l.name.as_str());
    let mut missing: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l.report.is_none())
        .map(|l| (l.institution.code.clone(), name(&l.institution)))
        .collect();
    crate::text::sort_vietnamese(&mut missing, |m| m.1.as_str());
    let museums: Vec<&pv::Line> = lines
        .iter()
        .filter(|l| l.report.is_some() && l.institution.kind == "museum")
        .collect();
    let labels: Vec<String> = museums.iter().map(|l| l.institution.code.clone()).collect();
    let last_label = (year - 1).to_string();
    let this_label = year.to_string();
    let chart = report::chart::grouped_bars(
        "province-visitors",
        &t("province.chart_title"),
        &t("province.chart_desc"),
        &labels,
        &[
            report::chart::Series {
                label: &last_label,
                values: museums
                    .iter()
                    .filter_map(|l| l.report.as_ref())
                    .map(|d| d.visitors_last_year.study_people)
                    .collect(),
            },
            report::chart::Series {
                label: &this_label,
                values: museums
                    .iter()
                    .filter_map(|l| l.report.as_ref())
                    .map(|d| d.visitors.study_people)
                    .collect(),
            },
        ],
    );
    let today = Day::today();
    Ok(DashboardView {
        frame: Frame {
            department: true,
            ..Frame::new(me, "province", &format!("{path}?year={year}"))
        },
        department_name: state
            .museum
            .pick(lang)
            .map(|(s, _)| s.to_string())
            .unwrap_or_default(),
        kinds: choices(state, lang, pv::KINDS, "kind"),
        levels: choices(state, lang, pv::LEVELS, "level"),
        year,
        years: (year - 4..=year + 1).rev().collect(),
        deadline: deadline.to_string(),
        overdue: today > deadline,
        target: target
            .map(|tg| {
                if tg.min == tg.max {
                    fmt_pct(tg.min, lang)
                } else {
                    format!("{} – {}", fmt_pct(tg.min, lang), fmt_pct(tg.max, lang))
                }
            })
            .unwrap_or_else(|| "—".into()),
        groups: groups_view,
        lines: lines_view,
        missing,
        chart,
        loaded,
    })
}

#[derive(Serialize)]
struct VersionView {
    year: i64,
    version: i64,
    source: String,
    received: String,
    by: String,
    study_this: String,
    study_last: String,
    growth: String,
    people: String,
    programmes: String,
    exhibitions: String,
    latest: bool,
}

#[derive(Serialize)]
struct InstitutionView {
    #[serde(flatten)]
    frame: Frame,
    institution: pv::Institution,
    kind: String,
    level: String,
    versions: Vec<VersionView>,
    year: i32,
    can_fetch: bool,
    fetched: Option<String>,
    typed: Option<String>,
    saved: bool,
    kinds: Vec<(String, String)>,
    levels: Vec<(String, String)>,
}

#[derive(serde::Deserialize, Default)]
struct InstitutionQuery {
    year: Option<i32>,
    fetched: Option<i64>,
    typed: Option<i64>,
    saved: Option<i64>,
}

/// One institution: its details and every version of its reports, newest first.
async fn institution_page(
    State(state): State<AppState>,
    me: Signed<AnyRole>,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<InstitutionQuery>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    may_report_for(&state, &me, &code).await?;
    let t = |k: &str| state.locales.text(lang, k);
    let Some(inst) = state
        .store
        .institution(&code)
        .await
        .map_err(|e| state.internal(lang, "reading an institution failed", e))?
    else {
        return Err(state.refuse(lang, StatusCode::NOT_FOUND, &["province.unknown"]));
    };
    let all = state
        .store
        .reports_of(&code)
        .await
        .map_err(|e| state.internal(lang, "reading the reports failed", e))?;
    let versions = all
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let d = Document::parse(r.document.as_bytes()).ok();
            let n = |f: fn(&Document) -> i64| d.as_ref().map(|d| fmt_int(f(d), lang)).unwrap_or_default();
            VersionView {
                year: r.year,
                version: r.version,
                source: t(&format!("province.source_{}", r.source)),
                received: when(r.received_at),
                by: r.received_by.clone(),
                study_this: n(|d| d.visitors.study_people),
                study_last: n(|d| d.visitors_last_year.study_people),
                growth: pct(d.as_ref().and_then(|d| d.growth_pct), lang),
                people: n(|d| d.visitors.people),
                programmes: n(|d| d.offer.programmes),
                exhibitions: n(|d| d.offer.exhibitions),
                latest: i == 0 || all[i - 1].year != r.year,
            }
        })
        .collect();
    let view = InstitutionView {
        frame: Frame {
            department: true,
            ..Frame::new(&me, "province", &format!("province/{code}/"))
        },
        kind: t(&format!("province.kind_{}", inst.kind)),
        level: t(&format!("province.level_{}", inst.level)),
        can_fetch: inst.has_key && !inst.site_url.is_empty(),
        institution: inst,
        versions,
        year: year_of(&state, q.year),
        fetched: q.fetched.map(|v| v.to_string()),
        typed: q.typed.map(|v| v.to_string()),
        saved: q.saved.is_some(),
        kinds: choices(&state, lang, pv::KINDS, "kind"),
        levels: choices(&state, lang, pv::LEVELS, "level"),
    };
    state.page(StatusCode::OK, "staff/institution.html", lang, &view)
}

/// The Department fetches an institution's report of a year from its Vitrine server.
async fn fetch(
    State(state): State<AppState>,
    UrlPath(code): UrlPath<String>,
    posted: Posted<ManagerRole>,
) -> Result<Response, WebError> {
    let me = &posted.me;
    let lang = me.lang;
    department_only(&state, lang)?;
    let t = |k: &str| state.locales.text(lang, k);
    let year = year_of(
        &state,
        posted.form.get("year").and_then(|y| y.trim().parse().ok()),
    );
    let inst = institution_or_404(&state, lang, &code).await?;
    let key = state
        .store
        .report_key(&code)
        .await
        .map_err(|e| state.internal(lang, "reading an institution key failed", e))?
        .and_then(|k| pv::parse_key(&k));
    // The portal data comes along (or its failure is noted beside the last good copy).
    let _ = refresh_portal(&state, &inst).await;
    let (Some(key), false) = (key, inst.site_url.is_empty()) else {
        return Err(state.refuse(lang, StatusCode::CONFLICT, &["province.cannot_fetch"]));
    };
    let url = format!("{}/api/province/report.json?year={year}", inst.site_url);
    let auth = format!("Bearer {}", pv::fetch_token(&key, &code));
    let reply = state
        .client
        .request(
            Method::GET,
            &url,
            &[("authorization", auth)],
            Vec::new(),
            Duration::from_secs(30),
            pv::MAX_BODY,
        )
        .await;
    let failed = |why: String| {
        eprintln!("vitrine: fetching the report of {code} failed: {why}");
        state.refuse_lines(
            lang,
            StatusCode::BAD_GATEWAY,
            &[t("province.fetch_failed").replace("{why}", &why)],
        )
    };
    let r = reply.map_err(&failed)?;
    if r.status != 200 {
        return Err(failed(format!("{}: {}", r.status, r.text())));
    }
    let env = Envelope::read(|h| r.header(h)).map_err(|e| failed(e.to_string()))?;
    if env.institution != code {
        return Err(failed(format!("the server answered as {:?}", env.institution)));
    }
    let (_, version) = accept(&state, &env, &r.body, "fetched", &me.account.username)
        .await
        .map_err(|(_, why)| failed(why))?;
    eprintln!("vitrine: report {year} of {code} fetched (version {version})");
    let to = format!("/{}staff/province/{code}/?fetched={version}", lang.prefix());
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// One field of the Department's form.
#[derive(Serialize)]
struct FieldView {
    key: &'static str,
    label: String,
    value: String,
    yes_no: bool,
    error: Option<String>,
}

#[derive(Serialize)]
struct FormView {
    #[serde(flatten)]
    frame: Frame,
    institution: pv::Institution,
    kind: String,
    year: i32,
    fields: Vec<FieldView>,
}

/// Staff of the Department report for any institution; a reporting account only for its own.
async fn may_report_for<N>(state: &AppState, me: &Signed<N>, code: &str) -> Result<(), WebError> {
    let lang = me.lang;
    let own = if me.account.role == crate::accounts::Role::Reporter {
        state
            .store
            .user_institution(me.account.id)
            .await
            .map_err(|e| state.internal(lang, "reading an account failed", e))?
    } else {
        None
    };
    if me.account.role.allows(crate::accounts::Role::Staff) || own.as_deref() == Some(code) {
        Ok(())
    } else {
        Err(state.refuse(lang, StatusCode::FORBIDDEN, &["staff.forbidden"]))
    }
}

/// A reporting account's first page: its institution's form.
async fn mine(State(state): State<AppState>, me: Signed<AnyRole>) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    let own = state
        .store
        .user_institution(me.account.id)
        .await
        .map_err(|e| state.internal(lang, "reading an account failed", e))?;
    let to = match own {
        Some(code) => format!("/{}staff/province/{code}/form/", lang.prefix()),
        None => format!("/{}staff/", lang.prefix()),
    };
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// The words for a problem of a typed figure.
fn problem_text(state: &AppState, lang: Lang, code: &str) -> String {
    state.locales.text(lang, &format!("province.err_{code}"))
}

fn form_view(
    state: &AppState,
    me: &super::auth::Signed<impl Sized>,
    inst: pv::Institution,
    year: i32,
    values: &dyn Fn(&str) -> String,
    problems: &[(&'static str, &'static str)],
) -> FormView {
    let lang = me.lang;
    let fields = pv::FIELDS
        .iter()
        .filter(|(_, kinds)| kinds.contains(&inst.kind.as_str()))
        .map(|(key, _)| FieldView {
            key,
            label: state.locales.text(lang, &format!("province.field_{key}")),
            value: values(key),
            yes_no: *key == "digital",
            error: problems
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, code)| problem_text(state, lang, code)),
        })
        .collect();
    FormView {
        frame: Frame {
            department: true,
            ..Frame::new(
                me,
                "province",
                &format!("province/{}/form/?year={year}", inst.code),
            )
        },
        kind: state.locales.text(lang, &format!("province.kind_{}", inst.kind)),
        institution: inst,
        year,
        fields,
    }
}

async fn institution_or_404(state: &AppState, lang: Lang, code: &str) -> Result<pv::Institution, WebError> {
    state
        .store
        .institution(code)
        .await
        .map_err(|e| state.internal(lang, "reading an institution failed", e))?
        .ok_or_else(|| state.refuse(lang, StatusCode::NOT_FOUND, &["province.unknown"]))
}

/// The Department's form for an institution without Vitrine, with its last figures of the year.
async fn form_page(
    State(state): State<AppState>,
    me: Signed<AnyRole>,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<YearOnly>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    may_report_for(&state, &me, &code).await?;
    let inst = institution_or_404(&state, lang, &code).await?;
    let year = year_of(&state, q.year);
    let last = state
        .store
        .reports_of(&code)
        .await
        .map_err(|e| state.internal(lang, "reading the reports failed", e))?
        .into_iter()
        .find(|r| r.year == i64::from(year))
        .and_then(|r| Document::parse(r.document.as_bytes()).ok());
    let values = |key: &str| -> String {
        let Some(d) = &last else { return String::new() };
        let n = match key {
            "visitors" => d.visitors.people,
            "visitors_last" => d.visitors_last_year.people,
            "study" => d.visitors.study_people,
            "study_last" => d.visitors_last_year.study_people,
            "exhibitions" => d.offer.exhibitions,
            "programmes" => d.offer.programmes,
            "learning_services" => d.services.learning_services,
            "classes" => d.services.classes,
            "clubs" => d.services.clubs,
            "digital" => {
                return if d.services.digital {
                    "yes".into()
                } else {
                    "no".into()
                };
            }
            _ => 0,
        };
        n.to_string()
    };
    let view = form_view(&state, &me, inst, year, &values, &[]);
    state.page(StatusCode::OK, "staff/province-form.html", lang, &view)
}

/// The figures typed in are stored as the institution's next version of the year, or the form
/// comes back with each problem beside its field and nothing stored.
async fn save_form(
    State(state): State<AppState>,
    UrlPath(code): UrlPath<String>,
    posted: Posted<AnyRole>,
) -> Result<Response, WebError> {
    let me = &posted.me;
    let lang = me.lang;
    department_only(&state, lang)?;
    may_report_for(&state, me, &code).await?;
    let inst = institution_or_404(&state, lang, &code).await?;
    let year = year_of(
        &state,
        posted.form.get("year").and_then(|y| y.trim().parse().ok()),
    );
    let period = state.schedule.period(year);
    let now = crate::visits::now();
    let get = |k: &str| posted.form.get(k).cloned();
    match pv::typed_document(
        &inst,
        year,
        (period.from.to_string(), period.to.to_string()),
        get,
        now,
    ) {
        Ok(doc) => {
            let text = serde_json::to_string(&doc).unwrap_or_default();
            let version = state
                .store
                .receive_report(
                    &code,
                    year,
                    "form",
                    &me.account.username,
                    &text,
                    None,
                    KEEP_NONCES,
                    now,
                )
                .await
                .map_err(|e| state.internal(lang, "storing a report failed", e))?
                .unwrap_or(0);
            eprintln!("vitrine: report {year} of {code} typed in (version {version})");
            let to = format!(
                "/{}staff/province/{code}/?year={year}&typed={version}",
                lang.prefix()
            );
            Ok(axum::response::Redirect::to(&to).into_response())
        }
        Err(problems) => {
            let values = |k: &str| posted.form.get(k).cloned().unwrap_or_default();
            let view = form_view(&state, me, inst, year, &values, &problems);
            state.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "staff/province-form.html",
                lang,
                &view,
            )
        }
    }
}

/// The Department's template: one row per institution without a key (the ones that report this
/// way), the columns of the form in Vietnamese with their keys in brackets.
async fn template(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearOnly>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    let year = year_of(&state, q.year);
    let institutions = state
        .store
        .institutions()
        .await
        .map_err(|e| state.internal(lang, "reading the institutions failed", e))?;
    let vi = |k: &str| state.locales.text(Lang::Vi, k);
    let mut headers = vec![
        format!("{} (code)", vi("province.code")),
        format!("{} (name)", vi("province.name")),
        format!("{} (kind)", vi("province.kind")),
        format!("{} (year)", vi("report.year")),
    ];
    headers.extend(
        pv::FIELDS
            .iter()
            .map(|(k, _)| format!("{} ({k})", vi(&format!("province.field_{k}")))),
    );
    let rows: Vec<Vec<String>> = institutions
        .iter()
        .filter(|i| !i.has_key)
        .map(|i| {
            vec![
                i.code.clone(),
                i.name_vi.clone(),
                vi(&format!("province.kind_{}", i.kind)),
                year.to_string(),
            ]
        })
        .collect();
    let bytes = crate::sheet::xlsx_bytes(&headers, &rows, &[])
        .map_err(|e| state.internal(lang, "writing the template failed", e))?;
    Ok(super::staff::xlsx_response(
        &format!("bao-cao-{year}.xlsx"),
        bytes,
    ))
}

/// The template filled in: every row becomes its institution's next version of the year, all
/// or nothing; a problem names its row and column.
async fn upload_sheet(
    State(state): State<AppState>,
    me: Staff,
    headers: HeaderMap,
    parts: axum::extract::Multipart,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    let t = |k: &str| state.locales.text(lang, k);
    let token = crate::accounts::new_token()[..24].to_string();
    let tmp = std::env::temp_dir().join(format!(".vitrine-sheet-{token}.part"));
    let got = super::edit::receive(&state, &me, &headers, parts, "sheet", &tmp, 5 * 1024 * 1024).await;
    let got = match got {
        Ok(g) => g,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
    };
    let ext = got
        .file_name
        .unwrap_or_default()
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let sheet = tmp.with_extension(&ext);
    let read = match ["xlsx", "ods", "xls", "csv"].contains(&ext.as_str()) {
        true => tokio::fs::rename(&tmp, &sheet)
            .await
            .map_err(|e| e.to_string())
            .and_then(|_| crate::sheet::read_table(&sheet).map_err(|e| e.to_string())),
        false => Err(t("edit.sheet_kind")),
    };
    let _ = tokio::fs::remove_file(&tmp).await;
    let _ = tokio::fs::remove_file(&sheet).await;
    let table = read.map_err(|e| state.refuse_lines(lang, StatusCode::UNPROCESSABLE_ENTITY, &[e]))?;
    let institutions = state
        .store
        .institutions()
        .await
        .map_err(|e| state.internal(lang, "reading the institutions failed", e))?;
    let keys: Vec<String> = table.headers.iter().map(|h| pv::template_key(h)).collect();
    let now = crate::visits::now();
    let mut problems = Vec::new();
    let mut docs = Vec::new();
    for (n, cells) in &table.rows {
        let get = |k: &str| {
            keys.iter()
                .position(|x| x == k)
                .and_then(|i| cells.get(i))
                .cloned()
        };
        let code = get("code").unwrap_or_default().trim().to_lowercase();
        let Some(inst) = institutions.iter().find(|i| i.code == code) else {
            problems.push(
                t("province.err_row_code")
                    .replace("{row}", &n.to_string())
                    .replace("{code}", &code),
            );
            continue;
        };
        let year = match get("year").map(|y| y.trim().to_string()) {
            None => year_of(&state, None),
            Some(y) => match y.parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => y,
                _ => {
                    problems.push(
                        t("province.err_row_year")
                            .replace("{row}", &n.to_string())
                            .replace("{year}", &y),
                    );
                    continue;
                }
            },
        };
        let period = state.schedule.period(year);
        match pv::typed_document(
            inst,
            year,
            (period.from.to_string(), period.to.to_string()),
            get,
            now,
        ) {
            Ok(d) => docs.push(d),
            Err(ps) => problems.extend(ps.into_iter().map(|(field, code)| {
                format!(
                    "{} {n}, {}: {}",
                    t("province.row"),
                    t(&format!("province.field_{field}")),
                    problem_text(&state, lang, code)
                )
            })),
        }
    }
    if docs.is_empty() && problems.is_empty() {
        problems.push(t("province.err_empty_sheet"));
    }
    if !problems.is_empty() {
        return Err(state.refuse_lines(lang, StatusCode::UNPROCESSABLE_ENTITY, &problems));
    }
    for d in &docs {
        let text = serde_json::to_string(d).unwrap_or_default();
        state
            .store
            .receive_report(
                &d.institution,
                d.year,
                "sheet",
                &me.account.username,
                &text,
                None,
                KEEP_NONCES,
                now,
            )
            .await
            .map_err(|e| state.internal(lang, "storing a report failed", e))?;
    }
    eprintln!("vitrine: {} report(s) loaded from a sheet", docs.len());
    let year = docs
        .first()
        .map(|d| d.year)
        .unwrap_or_else(|| year_of(&state, None));
    let to = format!(
        "/{}staff/province/?year={year}&loaded={}",
        lang.prefix(),
        docs.len()
    );
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// The largest portal data a museum may publish.
const MAX_PORTAL: usize = 4 * 1024 * 1024;

/// Fetch an institution's public portal data (`<site>/data/portal.json`) and keep it; on failure
/// the last good copy stays and the error is noted beside it.
async fn refresh_portal(state: &AppState, inst: &pv::Institution) -> Result<(), String> {
    if inst.site_url.is_empty() {
        return Ok(());
    }
    let url = format!("{}/data/portal.json", inst.site_url);
    let got = state
        .client
        .request(
            Method::GET,
            &url,
            &[],
            Vec::new(),
            Duration::from_secs(20),
            MAX_PORTAL,
        )
        .await
        .and_then(|r| {
            if r.status == 200 {
                pv::Portal::parse(&r.body).map(|_| r.body)
            } else {
                Err(format!("{url}: {}", r.status))
            }
        });
    let now = crate::visits::now();
    let stored = match &got {
        Ok(body) => {
            state
                .store
                .save_portal(&inst.code, &String::from_utf8_lossy(body), now)
                .await
        }
        Err(e) => {
            eprintln!(
                "vitrine: the portal data of {} could not be fetched: {e}",
                inst.code
            );
            state.store.portal_failed(&inst.code, e, now).await
        }
    };
    if let Err(e) = stored {
        eprintln!("vitrine: storing the portal data of {} failed: {e}", inst.code);
    }
    got.map(|_| ())
}

/// How often the Department's server gathers the institutions' portal data.
const PORTAL_EVERY: Duration = Duration::from_secs(6 * 3600);

/// On the Department's server: gather every institution's portal data now and every six hours.
pub fn start_portal_refresh(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    if !state.department {
        return None;
    }
    let state = state.clone();
    Some(tokio::spawn(async move {
        loop {
            match state.store.institutions().await {
                Ok(list) => {
                    for i in list.iter().filter(|i| !i.site_url.is_empty()) {
                        let _ = refresh_portal(&state, i).await;
                    }
                }
                Err(e) => eprintln!("vitrine: reading the institutions failed: {e}"),
            }
            tokio::time::sleep(PORTAL_EVERY).await;
        }
    }))
}

#[derive(Serialize, Clone)]
struct PortalItem {
    kind: String,
    title: String,
    url: String,
    detail: String,
    institution: String,
}

#[derive(Serialize)]
struct PortalInstitution {
    code: String,
    name: String,
    kind: String,
    level: String,
    address: String,
    site: String,
    exhibitions: Vec<PortalItem>,
    programmes: Vec<PortalItem>,
    events: Vec<PortalItem>,
    /// When the shown copy was fetched, and whether the last try failed.
    updated: Option<String>,
    stale: bool,
}

#[derive(Serialize)]
struct PortalView {
    #[serde(flatten)]
    frame: super::signup::Frame,
    indexable: bool,
    q: String,
    grade: Option<u8>,
    grades: Vec<u8>,
    searched: bool,
    results: Vec<PortalItem>,
    institutions: Vec<PortalInstitution>,
}

#[derive(serde::Deserialize, Default)]
struct PortalQuery {
    q: Option<String>,
    lop: Option<String>,
}

/// A day and time of an ISO text (`2026-12-10T09:00:00+07:00`) as people read it: 10/12/2026 09:00.
fn shown_moment(iso: &str) -> String {
    let (d, t) = iso.split_once('T').unwrap_or((iso, ""));
    let mut p = d.split('-');
    let (y, m, dd) = (
        p.next().unwrap_or(""),
        p.next().unwrap_or(""),
        p.next().unwrap_or(""),
    );
    let time = t.get(..5).map(|t| format!(" {t}")).unwrap_or_default();
    format!("{dd}/{m}/{y}{time}")
}

/// The province portal (`/tinh/`, `/en/tinh/`): every institution with its exhibitions open now,
/// its learning programmes and its coming events, gathered from the museums' own open data, and a
/// search across them all (exact diacritics first), with a grade filter for teachers.
async fn portal(
    State(state): State<AppState>,
    super::pages::Ui(lang): super::pages::Ui,
    Query(q): Query<PortalQuery>,
) -> Result<Response, WebError> {
    department_only(&state, lang)?;
    let t = |k: &str| state.locales.text(lang, k);
    let institutions = state
        .store
        .institutions()
        .await
        .map_err(|e| state.internal(lang, "reading the institutions failed", e))?;
    let sources = state
        .store
        .portal_sources()
        .await
        .map_err(|e| state.internal(lang, "reading the portal data failed", e))?;
    let query = q.q.unwrap_or_default();
    let query = query.trim().chars().take(100).collect::<String>();
    let grade = q
        .lop
        .and_then(|g| g.trim().parse::<u8>().ok())
        .filter(|g| (1..=12).contains(g));
    let searched = !query.is_empty() || grade.is_some();
    let mut ranked: Vec<(u8, u8, PortalItem)> = Vec::new();
    let mut shown = Vec::new();
    for inst in &institutions {
        let name = if lang == Lang::En && !inst.name_en.is_empty() {
            inst.name_en.clone()
        } else {
            inst.name_vi.clone()
        };
        let source = sources.iter().find(|s| s.institution == inst.code);
        let data = source
            .and_then(|s| s.body.as_deref())
            .and_then(|b| pv::Portal::parse(b.as_bytes()).ok());
        let mut exhibitions = Vec::new();
        let mut programmes = Vec::new();
        let mut events = Vec::new();
        if let Some(p) = &data {
            for e in &p.exhibitions {
                let detail = match &e.closes {
                    Some(c) => t("province.portal_until").replace("{date}", &shown_moment(c)),
                    None => t("province.portal_permanent"),
                };
                let item = PortalItem {
                    kind: t("province.portal_exhibition"),
                    title: e.title.pick(lang),
                    url: e.url.pick(lang),
                    detail,
                    institution: name.clone(),
                };
                if grade.is_none()
                    && let Some(r) = pv::search_rank(&query, &[&e.title.pick(lang), &e.summary.pick(lang)])
                {
                    ranked.push((r, 1, item.clone()));
                }
                exhibitions.push(item);
            }
            for x in &p.programmes {
                let grades = x.grades.iter().map(u8::to_string).collect::<Vec<_>>().join(", ");
                let subject = x.subject.pick(lang);
                let mut parts = Vec::new();
                if !subject.is_empty() {
                    parts.push(subject.clone());
                }
                if !x.grades.is_empty() {
                    parts.push(t("province.portal_grades").replace("{grades}", &grades));
                }
                let detail = parts.join(" · ");
                let item = PortalItem {
                    kind: t("province.portal_programme"),
                    title: x.title.pick(lang),
                    url: x.url.pick(lang),
                    detail,
                    institution: name.clone(),
                };
                let grade_ok = grade.is_none_or(|g| x.grades.contains(&g));
                let grade_words = x
                    .grades
                    .iter()
                    .map(|g| t("province.portal_grade_word").replace("{grade}", &g.to_string()))
                    .collect::<Vec<_>>()
                    .join(" ");
                if grade_ok
                    && let Some(r) = pv::search_rank(
                        &query,
                        &[&x.title.pick(lang), &subject, &x.summary.pick(lang), &grade_words],
                    )
                {
                    ranked.push((r, 0, item.clone()));
                }
                programmes.push(item);
            }
            for e in &p.events {
                let mut detail = shown_moment(&e.starts);
                let place = e.place.pick(lang);
                if !place.is_empty() {
                    detail = format!("{detail} · {place}");
                }
                if e.cancelled {
                    detail = format!("{detail} · {}", t("province.portal_cancelled"));
                }
                let item = PortalItem {
                    kind: t("province.portal_event"),
                    title: e.title.pick(lang),
                    url: e.url.pick(lang),
                    detail,
                    institution: name.clone(),
                };
                if grade.is_none()
                    && let Some(r) = pv::search_rank(&query, &[&e.title.pick(lang), &place])
                {
                    ranked.push((r, 2, item.clone()));
                }
                events.push(item);
            }
        }
        shown.push(PortalInstitution {
            code: inst.code.clone(),
            name,
            kind: t(&format!("province.kind_{}", inst.kind)),
            level: t(&format!("province.level_{}", inst.level)),
            address: inst.address.clone(),
            site: data.as_ref().map(|p| p.site.clone()).unwrap_or_default(),
            exhibitions,
            programmes,
            events,
            updated: source.and_then(|s| s.fetched_at).map(when),
            stale: source.is_some_and(|s| s.error.is_some() && s.body.is_some()),
        });
    }
    crate::text::sort_vietnamese(&mut shown, |i| i.name.as_str());
    ranked.sort_by_key(|a| (a.0, a.1));
    let view = PortalView {
        frame: super::signup::frame(&state, lang, "tinh/"),
        indexable: true,
        q: query,
        grade,
        grades: (1..=12).collect(),
        searched,
        results: ranked.into_iter().map(|r| r.2).collect(),
        institutions: shown,
    };
    let html = state
        .pages
        .render("province/portal.html", &view)
        .map_err(|e| state.internal(lang, "the portal failed to render", e))?;
    Ok(([(header::CACHE_CONTROL, "no-cache")], axum::response::Html(html)).into_response())
}

/// The year's table, one row per institution, for a spreadsheet: raw numbers, headers in the
/// page's language with their keys in brackets.
async fn export_table(
    state: &AppState,
    lang: Lang,
    year: i32,
) -> Result<(Vec<String>, Vec<Vec<String>>), WebError> {
    let t = |k: &str| state.locales.text(lang, k);
    let (received, lines, _) = year_data(state, lang, year).await?;
    let keys = [
        ("code", "province.code"),
        ("name", "province.name"),
        ("kind", "province.kind"),
        ("level", "province.level"),
        ("source", "province.source"),
        ("received", "province.received"),
        ("visitors", "province.field_visitors"),
        ("visitors_last", "province.field_visitors_last"),
        ("study", "province.field_study"),
        ("study_last", "province.field_study_last"),
        ("growth_pct", "report.growth"),
        ("growth_met", "province.growth_met"),
        ("indicator", "province.indicator"),
        ("exhibitions", "province.field_exhibitions"),
        ("programmes", "province.field_programmes"),
        ("learning_services", "province.field_learning_services"),
        ("digital", "province.field_digital"),
        ("classes", "province.field_classes"),
        ("clubs", "province.field_clubs"),
    ];
    let headers = keys
        .iter()
        .map(|(k, label)| format!("{} ({k})", t(label)))
        .collect();
    let yes = |b: bool| if b { t("province.yes") } else { t("province.no") };
    let rows = lines
        .iter()
        .map(|l| {
            let i = &l.institution;
            let r = received.iter().find(|r| r.institution == i.code);
            let mut row = vec![
                i.code.clone(),
                i.name_vi.clone(),
                t(&format!("province.kind_{}", i.kind)),
                t(&format!("province.level_{}", i.level)),
                r.map(|r| t(&format!("province.source_{}", r.source)))
                    .unwrap_or_else(|| t("province.not_reported")),
                r.map(|r| when(r.received_at)).unwrap_or_default(),
            ];
            match &l.report {
                Some(d) => row.extend([
                    d.visitors.people.to_string(),
                    d.visitors_last_year.people.to_string(),
                    d.visitors.study_people.to_string(),
                    d.visitors_last_year.study_people.to_string(),
                    l.growth_pct.map(|g| format!("{g:.1}")).unwrap_or_default(),
                    l.growth_met.map(yes).unwrap_or_default(),
                    yes(l.indicator),
                    d.offer.exhibitions.to_string(),
                    d.offer.programmes.to_string(),
                    d.services.learning_services.to_string(),
                    yes(d.services.digital),
                    d.services.classes.to_string(),
                    d.services.clubs.to_string(),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), keys.len() - 6)),
            }
            row
        })
        .collect();
    Ok((headers, rows))
}

async fn export_csv(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearOnly>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    let year = year_of(&state, q.year);
    let (headers, rows) = export_table(&state, lang, year).await?;
    let header: Vec<&str> = headers.iter().map(String::as_str).collect();
    let bytes = crate::report::csv::document(&header, &rows);
    Ok(super::staff::csv_response(&format!("tinh-{year}.csv"), bytes))
}

async fn export_xlsx(
    State(state): State<AppState>,
    me: Staff,
    Query(q): Query<YearOnly>,
) -> Result<Response, WebError> {
    let lang = me.lang;
    department_only(&state, lang)?;
    let year = year_of(&state, q.year);
    let (headers, rows) = export_table(&state, lang, year).await?;
    // Columns of counts (visitors … growth, and exhibitions … clubs except "digital") as numbers.
    let numbers = [6, 7, 8, 9, 13, 14, 15, 17, 18];
    let bytes = crate::sheet::xlsx_bytes(&headers, &rows, &numbers)
        .map_err(|e| state.internal(lang, "writing the spreadsheet failed", e))?;
    Ok(super::staff::xlsx_response(&format!("tinh-{year}.xlsx"), bytes))
}

/// The kinds or levels for a select: (code, words in `lang`).
fn choices(state: &AppState, lang: Lang, table: &[(&str, &[&str])], what: &str) -> Vec<(String, String)> {
    table
        .iter()
        .map(|(code, _)| {
            (
                code.to_string(),
                state.locales.text(lang, &format!("province.{what}_{code}")),
            )
        })
        .collect()
}

/// The institution of a form (the Department's pages), checked as a row of the sheet is, or
/// every problem.
fn institution_of_form(
    form: &std::collections::BTreeMap<String, String>,
    code: &str,
) -> Result<pv::Institution, Vec<String>> {
    let keys = [
        "code", "kind", "level", "name_vi", "name_en", "address", "contact", "site_url",
    ];
    let headers: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let row: Vec<String> = keys
        .iter()
        .map(|k| match *k {
            "code" => code.to_string(),
            k => form.get(k).cloned().unwrap_or_default(),
        })
        .collect();
    let mut list = pv::institutions_from_table(&headers, &[(1, row)])?;
    Ok(list.remove(0))
}

/// A new institution, from the form on the Department's year page (managers).
async fn add_institution(
    State(state): State<AppState>,
    posted: Posted<ManagerRole>,
) -> Result<Response, WebError> {
    let lang = posted.me.lang;
    department_only(&state, lang)?;
    let code = posted
        .form
        .get("code")
        .map(|c| c.trim().to_lowercase())
        .unwrap_or_default();
    let inst = institution_of_form(&posted.form, &code)
        .map_err(|p| state.refuse_lines(lang, StatusCode::UNPROCESSABLE_ENTITY, &p))?;
    let exists = state
        .store
        .institution(&code)
        .await
        .map_err(|e| state.internal(lang, "reading an institution failed", e))?;
    if exists.is_some() {
        return Err(state.refuse(lang, StatusCode::CONFLICT, &["province.code_taken"]));
    }
    state
        .store
        .save_institution(&inst, crate::visits::now())
        .await
        .map_err(|e| state.internal(lang, "storing an institution failed", e))?;
    eprintln!("vitrine: institution {code} added");
    let to = format!("/{}staff/province/{code}/", lang.prefix());
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// An institution's details changed on its page (managers); its key and reports stay.
async fn edit_institution(
    State(state): State<AppState>,
    UrlPath(code): UrlPath<String>,
    posted: Posted<ManagerRole>,
) -> Result<Response, WebError> {
    let lang = posted.me.lang;
    department_only(&state, lang)?;
    institution_or_404(&state, lang, &code).await?;
    let inst = institution_of_form(&posted.form, &code)
        .map_err(|p| state.refuse_lines(lang, StatusCode::UNPROCESSABLE_ENTITY, &p))?;
    state
        .store
        .save_institution(&inst, crate::visits::now())
        .await
        .map_err(|e| state.internal(lang, "storing an institution failed", e))?;
    let to = format!("/{}staff/province/{code}/?saved=1", lang.prefix());
    Ok(axum::response::Redirect::to(&to).into_response())
}

#[derive(Serialize)]
struct KeyView {
    #[serde(flatten)]
    frame: Frame,
    institution: pv::Institution,
    key: String,
}

/// A new key for an institution's signed reports, shown once (managers); the old one stops
/// working at once.
async fn new_key(
    State(state): State<AppState>,
    UrlPath(code): UrlPath<String>,
    posted: Posted<ManagerRole>,
) -> Result<Response, WebError> {
    let me = &posted.me;
    let lang = me.lang;
    department_only(&state, lang)?;
    let inst = institution_or_404(&state, lang, &code).await?;
    let key = pv::new_key();
    state
        .store
        .set_report_key(&code, &key, crate::visits::now())
        .await
        .map_err(|e| state.internal(lang, "storing a key failed", e))?;
    eprintln!("vitrine: a new key for institution {code}");
    let view = KeyView {
        frame: Frame {
            department: true,
            ..Frame::new(me, "province", &format!("province/{code}/"))
        },
        institution: inst,
        key,
    };
    state.page(StatusCode::OK, "staff/province-key.html", lang, &view)
}
