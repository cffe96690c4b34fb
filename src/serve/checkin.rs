// The visitor check-in form (`/checkin/`, `/en/checkin/`): the page itself is built by the
// generator; this takes its POST, validates it, stores the visit and sends the visitor to the
// thank-you page. Refusals are a 4xx page with every problem in the visitor's language.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;

use super::AppState;
use crate::content::{Day, Lang};
use crate::visits::{self, Source};

/// A check-in form is a few hundred bytes; anything near this is not a visitor.
const FORM_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checkin/", post(|s, h, f| submit(s, h, f, Lang::Vi)))
        .route("/en/checkin/", post(|s, h, f| submit(s, h, f, Lang::En)))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
    lang: Lang,
) -> Response {
    if !same_origin(&headers) {
        return refuse(&state, lang, StatusCode::FORBIDDEN, &["form.cross_site"]);
    }
    let pairs = match form {
        Ok(Form(pairs)) => pairs,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(&state, lang, StatusCode::PAYLOAD_TOO_LARGE, &["form.too_long"]);
        }
        Err(_) => return refuse(&state, lang, StatusCode::BAD_REQUEST, &["form.problem"]),
    };
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    let consent = state.locales.text(lang, "checkin.consent");
    match visits::validate(&form, Source::SelfCheckin, lang.code(), &consent, Day::today()) {
        Ok(v) => match state.store.add_visit(&v, visits::now()).await {
            Ok(_) => Redirect::to(&format!("/{}checkin/thanks/", lang.prefix())).into_response(),
            Err(e) => {
                eprintln!("vitrine: storing a check-in failed: {e}");
                refuse(
                    &state,
                    lang,
                    StatusCode::SERVICE_UNAVAILABLE,
                    &["form.store_failed"],
                )
            }
        },
        Err(errors) => {
            let fields: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        state.locales.text(lang, &format!("checkin.{}", e.field)),
                        state.locales.text(lang, e.key)
                    )
                })
                .collect();
            refuse_lines(&state, lang, StatusCode::UNPROCESSABLE_ENTITY, &fields)
        }
    }
}

/// The request comes from a page of this site: its Origin (or, without one, its
/// Sec-Fetch-Site) names this host. Blocks other sites posting into the form.
fn same_origin(h: &HeaderMap) -> bool {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin.split_once("://").map(|(_, rest)| rest) == Some(host),
        None => h
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|s| s == "same-origin" || s == "none"),
    }
}

fn refuse(state: &AppState, lang: Lang, status: StatusCode, keys: &[&str]) -> Response {
    let lines: Vec<String> = keys.iter().map(|k| state.locales.text(lang, k)).collect();
    refuse_lines(state, lang, status, &lines)
}

fn refuse_lines(state: &AppState, lang: Lang, status: StatusCode, lines: &[String]) -> Response {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let title = esc(&state.locales.text(lang, "form.problem"));
    let back = esc(&state.locales.text(lang, "form.back"));
    let items: String = lines.iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
    let css = state
        .stylesheet
        .as_deref()
        .map(|c| format!("<link rel=\"stylesheet\" href=\"/{c}\">"))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html>\n<html lang=\"{l}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n{css}\n</head>\n<body>\n<main id=\"main\" class=\"wrap\">\n<h1>{title}</h1>\n<ul class=\"form-errors\" role=\"alert\">{items}</ul>\n<p><a href=\"/{p}checkin/\">{back}</a></p>\n</main>\n</body>\n</html>\n",
        l = lang.code(),
        p = lang.prefix(),
    );
    (status, Html(html)).into_response()
}
