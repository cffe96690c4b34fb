// The visitor check-in form (`/checkin/`, `/en/checkin/`): the page itself is built by the
// generator; this takes its POST, validates it, stores the visit and sends the visitor to the
// thank-you page. Refusals are a 4xx page with every problem in the visitor's language.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::AppState;
use crate::content::{Day, Lang};
use crate::visits::{self, Source};

/// A check-in form is a few hundred bytes; anything near this is not a visitor.
const FORM_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        // The form page itself is a built page, served like every other.
        .route(
            "/checkin/",
            get(super::static_file).post(|s, h, f| submit(s, h, f, Lang::Vi)),
        )
        .route(
            "/en/checkin/",
            get(super::static_file).post(|s, h, f| submit(s, h, f, Lang::En)),
        )
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
    lang: Lang,
) -> Response {
    if !super::auth::same_origin(&headers) {
        return state
            .refuse(lang, StatusCode::FORBIDDEN, &["form.cross_site"])
            .into_response();
    }
    let pairs = match form {
        Ok(Form(pairs)) => pairs,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return state
                .refuse(lang, StatusCode::PAYLOAD_TOO_LARGE, &["form.too_long"])
                .into_response();
        }
        Err(_) => {
            return state
                .refuse(lang, StatusCode::BAD_REQUEST, &["form.problem"])
                .into_response();
        }
    };
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    let consent = state.locales.text(lang, "checkin.consent");
    match visits::validate(&form, Source::SelfCheckin, lang.code(), &consent, Day::today()) {
        Ok(v) => match state.store.add_visit(&v, visits::now()).await {
            Ok(_) => Redirect::to(&format!("/{}checkin/thanks/", lang.prefix())).into_response(),
            Err(e) => {
                eprintln!("vitrine: storing a check-in failed: {e}");
                state
                    .refuse(lang, StatusCode::SERVICE_UNAVAILABLE, &["form.store_failed"])
                    .into_response()
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
            state
                .refuse_lines(lang, StatusCode::UNPROCESSABLE_ENTITY, &fields)
                .into_response()
        }
    }
}
