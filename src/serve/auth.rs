// Signing in to the staff area: the login form, sessions in cookies (HttpOnly, SameSite=Strict,
// Secure behind TLS), CSRF tokens on every staff form, a login rate limit, and extractors that
// check the role before a handler runs, so no staff route can forget to. Passwords are verified
// off the async runtime.

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Mutex;

use axum::Router;
use axum::extract::{ConnectInfo, Form, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::pages::{Ui, WebError, lang_of};
use crate::accounts::{self, Account, Role};
use crate::content::Lang;

pub const SESSION_COOKIE: &str = "vitrine_session";
/// The login form's own token (double submit): no session exists yet to hold one.
const LOGIN_COOKIE: &str = "vitrine_login";
/// A signed-in session lasts a working day.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Failed logins allowed per user name, and per client address, in `WINDOW` seconds.
const MAX_PER_USER: usize = 5;
const MAX_PER_CLIENT: usize = 20;
const WINDOW: i64 = 15 * 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/login/", get(login_page).post(login))
        .route("/en/staff/login/", get(login_page).post(login))
        .route("/staff/logout/", post(logout))
        .route("/en/staff/logout/", post(logout))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
}

/// Which role a route needs.
pub trait Need: Send + Sync + 'static {
    /// None: any signed-in account.
    const ROLE: Option<Role>;
}
pub struct AnyRole;
pub struct StaffRole;
pub struct ManagerRole;
pub struct TeacherRole;
pub struct CuratorRole;
impl Need for AnyRole {
    const ROLE: Option<Role> = None;
}
impl Need for StaffRole {
    const ROLE: Option<Role> = Some(Role::Staff);
}
impl Need for ManagerRole {
    const ROLE: Option<Role> = Some(Role::Manager);
}
impl Need for TeacherRole {
    const ROLE: Option<Role> = Some(Role::Teacher);
}
impl Need for CuratorRole {
    const ROLE: Option<Role> = Some(Role::Curator);
}

/// A signed-in account allowed by `N`. Extracting it is the role check.
pub struct Signed<N> {
    pub account: Account,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    pub lang: Lang,
    token_hash: String,
    _need: PhantomData<N>,
}

pub type Staff = Signed<StaffRole>;
pub type Manager = Signed<ManagerRole>;
pub type Curator = Signed<CuratorRole>;

impl<N: Need> FromRequestParts<AppState> for Signed<N> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let lang = lang_of(parts.uri.path());
        let token = cookie(&parts.headers, SESSION_COOKIE).unwrap_or_default();
        let hash = accounts::token_hash(&state.secret, &token);
        let found = if token.is_empty() {
            None
        } else {
            state
                .store
                .session(&hash, crate::visits::now())
                .await
                .map_err(|e| state.internal(lang, "reading a session failed", e))?
        };
        let Some((account, csrf)) = found else {
            return Err(sign_in_first(state, lang, parts));
        };
        if let Some(need) = N::ROLE
            && !account.role.allows(need)
        {
            return Err(state.error_page(
                lang,
                StatusCode::FORBIDDEN,
                &[state.locales.text(lang, "staff.forbidden")],
                Some((home(lang), state.locales.text(lang, "staff.back_home"))),
            ));
        }
        Ok(Signed {
            account,
            csrf,
            lang,
            token_hash: hash,
            _need: PhantomData,
        })
    }
}

/// The account signed in on this browser, if any (for the preview, which is not a staff route).
pub async fn account_of(state: &AppState, headers: &HeaderMap) -> Option<Account> {
    let token = cookie(headers, SESSION_COOKIE)?;
    let hash = accounts::token_hash(&state.secret, &token);
    let found = state.store.session(&hash, crate::visits::now()).await.ok()??;
    Some(found.0)
}

/// A page asked for without a session goes to the login form and comes back; a form posted
/// without one cannot be replayed and gets a 401.
fn sign_in_first(state: &AppState, lang: Lang, parts: &Parts) -> WebError {
    if parts.method == axum::http::Method::GET || parts.method == axum::http::Method::HEAD {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/staff/");
        let to = format!("/{}staff/login/?next={}", lang.prefix(), url_encode(next));
        WebError(Box::new(Redirect::to(&to).into_response()))
    } else {
        state.error_page(
            lang,
            StatusCode::UNAUTHORIZED,
            &[state.locales.text(lang, "staff.signed_out")],
            Some((login_path(lang), state.locales.text(lang, "staff.login"))),
        )
    }
}

fn home(lang: Lang) -> &'static str {
    if lang == Lang::En { "/en/staff/" } else { "/staff/" }
}

fn login_path(lang: Lang) -> &'static str {
    if lang == Lang::En {
        "/en/staff/login/"
    } else {
        "/staff/login/"
    }
}

/// A staff form, posted from this site, by an account allowed by `N`, with the session's CSRF
/// token. Extracting it is all three checks.
pub struct Posted<N> {
    pub me: Signed<N>,
    pub form: BTreeMap<String, String>,
    /// Repeated fields (check boxes), in order.
    pub pairs: Vec<(String, String)>,
}

/// Staff forms are small; uploads come with the editor's own limit.
const STAFF_FORM_LIMIT: usize = 64 * 1024;

impl<N: Need> FromRequest<AppState> for Posted<N> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let me = Signed::<N>::from_request_parts(&mut parts, state).await?;
        let lang = me.lang;
        if !same_origin(&parts.headers) {
            return Err(expired(state, lang));
        }
        let req = Request::from_parts(parts, body);
        let pairs = match Form::<Vec<(String, String)>>::from_request(req, &()).await {
            Ok(Form(p)) => p,
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(state.refuse(lang, StatusCode::PAYLOAD_TOO_LARGE, &["form.too_long"]));
            }
            Err(_) => return Err(state.refuse(lang, StatusCode::BAD_REQUEST, &["form.problem"])),
        };
        if pairs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() > STAFF_FORM_LIMIT {
            return Err(state.refuse(lang, StatusCode::PAYLOAD_TOO_LARGE, &["form.too_long"]));
        }
        let form: BTreeMap<String, String> = pairs.iter().cloned().collect();
        let sent = form.get("csrf").map(String::as_str).unwrap_or("");
        if !accounts::same_secret(sent, &me.csrf) {
            return Err(expired(state, lang));
        }
        Ok(Posted { me, form, pairs })
    }
}

/// A forged or stale form: nothing was done; reloading the page gives a fresh token.
fn expired(state: &AppState, lang: Lang) -> WebError {
    state.error_page(
        lang,
        StatusCode::FORBIDDEN,
        &[state.locales.text(lang, "staff.csrf")],
        Some((home(lang), state.locales.text(lang, "staff.back_home"))),
    )
}

/// A visitor's form (sign-up, contest entry, answer sheet), read only when it comes from a page of
/// this site: 403 from another site, 413 over the route's limit, 400 when it cannot be read.
pub(super) fn visitor_form(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<BTreeMap<String, String>, WebError> {
    if !same_origin(headers) {
        return Err(state.refuse(lang, StatusCode::FORBIDDEN, &["form.cross_site"]));
    }
    match form {
        Ok(Form(f)) => Ok(f),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(state.refuse(lang, StatusCode::PAYLOAD_TOO_LARGE, &["form.too_long"]))
        }
        Err(_) => Err(state.refuse(lang, StatusCode::BAD_REQUEST, &["form.problem"])),
    }
}

/// The limiter's key for this client address under `kind` (None without an address, as in
/// tests through the router), or a 429 with `Retry-After` saying `message` once the address has
/// used up `max` in the limiter's window. The address is kept in memory only, never logged.
pub(super) fn client_limit(
    state: &AppState,
    ext: &axum::http::Extensions,
    kind: &str,
    max: usize,
    now: i64,
    lang: Lang,
    message: &str,
) -> Result<Option<String>, WebError> {
    let key = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| format!("{kind}:{}", c.0.ip()));
    if let Some(k) = &key
        && let Some(wait) = state.limiter.wait(k, max, now)
    {
        let mut res = state
            .refuse(lang, StatusCode::TOO_MANY_REQUESTS, &[message])
            .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Err(WebError(Box::new(res)));
    }
    Ok(key)
}

/// The request comes from a page of this site: its Origin (or, without one, its
/// Sec-Fetch-Site) names this host.
pub fn same_origin(h: &HeaderMap) -> bool {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin.split_once("://").map(|(_, rest)| rest) == Some(host),
        None => h
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|s| s == "same-origin" || s == "none"),
    }
}

/// The value of cookie `name`.
pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() <= 128 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Secure cookies when the site is reached over TLS: configured, or told by the proxy in front.
pub(super) fn secure(state: &AppState, h: &HeaderMap) -> bool {
    state.secure_cookies
        || h.get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let s = format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""))
}

#[derive(Serialize)]
struct LoginView<'a> {
    lang: &'a str,
    other_lang: &'a str,
    twin: String,
    csrf: &'a str,
    next: &'a str,
    username: &'a str,
    error: Option<String>,
    account: Option<Account>,
    prefix: &'a str,
    nav: &'a str,
    root: &'a str,
}

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only a path of the staff area is a place to return to (never another site).
fn safe_next(next: Option<&str>, lang: Lang) -> String {
    match next {
        Some(n)
            if (n.starts_with("/staff/")
                || n.starts_with("/en/staff/")
                || n.starts_with("/teach/")
                || n.starts_with("/en/teach/"))
                && !n.contains("//")
                && !n.contains('\\')
                && n.len() < 512 =>
        {
            n.to_string()
        }
        _ => home(lang).to_string(),
    }
}

async fn login_page(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    q: Query<NextQuery>,
) -> Response {
    let token = cookie(&headers, LOGIN_COOKIE).unwrap_or_else(accounts::new_token);
    let next = safe_next(q.next.as_deref(), lang);
    render_login(&state, lang, &headers, &token, &next, "", None, StatusCode::OK)
}

#[allow(clippy::too_many_arguments)]
fn render_login(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    token: &str,
    next: &str,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let view = LoginView {
        lang: lang.code(),
        other_lang: lang.other().code(),
        twin: format!("/{}staff/login/", lang.other().prefix()),
        csrf: token,
        next,
        username,
        error,
        account: None,
        prefix: lang.prefix(),
        nav: "login",
        root: "/",
    };
    match state.page(status, "staff/login.html", lang, &view) {
        Ok(mut res) => {
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LOGIN_COOKIE, token, 3600, secure(state, headers)),
            );
            res
        }
        Err(e) => e.into_response(),
    }
}

/// Failed logins in the last `WINDOW` seconds, per user name and per client address. Kept in
/// memory only: the addresses are never stored or logged.
#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl Limiter {
    /// Seconds to wait before `key` may try again, if it has used up `max` attempts.
    pub(super) fn wait(&self, key: &str, max: usize, now: i64) -> Option<i64> {
        let mut m = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let v = m.get_mut(key)?;
        v.retain(|t| *t > now - WINDOW);
        (v.len() >= max)
            .then(|| v[v.len() - max] + WINDOW - now)
            .map(|s| s.max(1))
    }

    pub(super) fn fail(&self, key: &str, now: i64) {
        let mut m = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 10_000 {
            m.retain(|_, v| v.iter().any(|t| *t > now - WINDOW));
        }
        m.entry(key.to_string()).or_default().push(now);
    }

    fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

async fn login(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return state
            .refuse(lang, StatusCode::BAD_REQUEST, &["form.problem"])
            .into_response();
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let next = safe_next(Some(field("next")), lang);
    let cookie_token = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !same_origin(&headers)
        || cookie_token.is_empty()
        || !accounts::same_secret(field("csrf"), &cookie_token)
    {
        let token = accounts::new_token();
        let msg = state.locales.text(lang, "staff.csrf");
        return render_login(
            &state,
            lang,
            &headers,
            &token,
            &next,
            "",
            Some(msg),
            StatusCode::FORBIDDEN,
        );
    }
    let username = accounts::normalise_username(field("username")).unwrap_or_default();
    let password = field("password").to_string();
    let now = crate::visits::now();
    let user_key = format!("u:{username}");
    let client_key = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| format!("ip:{}", c.0.ip()));
    let wait = state.limiter.wait(&user_key, MAX_PER_USER, now).or_else(|| {
        client_key
            .as_deref()
            .and_then(|k| state.limiter.wait(k, MAX_PER_CLIENT, now))
    });
    if let Some(secs) = wait {
        let minutes = (secs + 59) / 60;
        let msg = state
            .locales
            .text(lang, "staff.too_many")
            .replace("{minutes}", &minutes.to_string());
        let mut res = render_login(
            &state,
            lang,
            &headers,
            &cookie_token,
            &next,
            &username,
            Some(msg),
            StatusCode::TOO_MANY_REQUESTS,
        );
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return res;
    }
    let found = match state.store.login(&username).await {
        Ok(f) => f,
        Err(e) => {
            return state
                .internal(lang, "reading an account failed", e)
                .into_response();
        }
    };
    // A password longer than any allowed one is not verified (argon2 would hash megabytes).
    let password: String = password.chars().take(accounts::MAX_PASSWORD + 1).collect();
    let ok = tokio::task::spawn_blocking(move || match found {
        Some(l) if !l.disabled => accounts::verify_password(&l.password_hash, &password).then_some(l.account),
        _ => {
            accounts::verify_nobody(&password);
            None
        }
    })
    .await
    .ok()
    .flatten();
    let Some(account) = ok else {
        state.limiter.fail(&user_key, now);
        if let Some(k) = &client_key {
            state.limiter.fail(k, now);
        }
        let msg = state.locales.text(lang, "staff.wrong_login");
        return render_login(
            &state,
            lang,
            &headers,
            &cookie_token,
            &next,
            &username,
            Some(msg),
            StatusCode::UNAUTHORIZED,
        );
    };
    state.limiter.clear(&user_key);
    let token = accounts::new_token();
    let csrf = accounts::new_token();
    let hash = accounts::token_hash(&state.secret, &token);
    if let Err(e) = state
        .store
        .add_session(&hash, account.id, &csrf, now, now + SESSION_SECONDS)
        .await
    {
        return state
            .internal(lang, "storing a session failed", e)
            .into_response();
    }
    // A teacher's place is their classes, a curator's the exhibitions, not the statistics.
    let next = match account.role {
        Role::Teacher if next.contains("/staff/") => format!("/{}teach/", lang.prefix()),
        Role::Curator if !next.contains("/staff/content/") => format!("/{}staff/content/", lang.prefix()),
        Role::Reporter if !next.contains("/staff/province/") => {
            format!("/{}staff/province/mine/", lang.prefix())
        }
        _ => next,
    };
    let mut res = Redirect::to(&next).into_response();
    let sec = secure(&state, &headers);
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, SESSION_SECONDS, sec),
    );
    res.headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0, sec));
    res
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<AnyRole>,
) -> Result<Response, WebError> {
    let lang = posted.me.lang;
    state
        .store
        .end_session(&posted.me.token_hash)
        .await
        .map_err(|e| state.internal(lang, "ending a session failed", e))?;
    let mut res = Redirect::to(login_path(lang)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, secure(&state, &headers)),
    );
    Ok(res)
}

/// `%`-escape a path for a query value.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_counts_failures_in_a_window() {
        let l = Limiter::default();
        for t in 0..5 {
            assert_eq!(l.wait("u:a", 5, 100 + t), None);
            l.fail("u:a", 100 + t);
        }
        assert_eq!(l.wait("u:a", 5, 105), Some(100 + WINDOW - 105));
        assert_eq!(l.wait("u:b", 5, 105), None, "other names are not locked");
        assert_eq!(
            l.wait("u:a", 5, 100 + WINDOW),
            None,
            "the oldest failure has aged out"
        );
        l.clear("u:a");
        assert_eq!(l.wait("u:a", 5, 106), None);
    }

    #[test]
    fn only_staff_paths_are_returned_to() {
        assert_eq!(
            safe_next(Some("/staff/visits/?from=2026-01-01"), Lang::Vi),
            "/staff/visits/?from=2026-01-01"
        );
        assert_eq!(safe_next(Some("//evil.example/staff/"), Lang::Vi), "/staff/");
        assert_eq!(safe_next(Some("https://evil.example/"), Lang::En), "/en/staff/");
        assert_eq!(safe_next(Some("/staff//evil"), Lang::Vi), "/staff/");
    }
}
