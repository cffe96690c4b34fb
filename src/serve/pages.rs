// Pages the server makes at request time (the staff area, refusals): the theme's `staff/*`
// templates in the same template environment as the static site, and one error type whose
// response is already rendered in the visitor's language. Handlers build the context; the
// templates only present it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

use super::AppState;
use crate::content::Lang;
use crate::render::escape_html;

/// The template environment for server-made pages.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn new(
        theme: &crate::render::theme::Theme,
        locales: &crate::render::theme::Locales,
    ) -> Result<Pages, String> {
        let env = crate::render::server_environment(theme, locales).map_err(|e| e.to_string())?;
        Ok(Pages { env })
    }

    /// Render `staff/<name>.html` with `ctx` (which must hold `lang`).
    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, String> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| format!("{name}: {e:#}"))?;
        t.render(minijinja::Value::from(minijinja::value::Serde(&ctx)))
            .map_err(|e| format!("{name}: {e:#}"))
    }
}

/// A refusal or failure, ready to send: a short page in the visitor's language.
#[derive(Debug)]
pub struct WebError(pub Box<Response>);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// The language of the page asked for: English under `/en/`, otherwise Vietnamese.
#[derive(Debug, Clone, Copy)]
pub struct Ui(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Ui, Self::Rejection> {
        Ok(Ui(lang_of(parts.uri.path())))
    }
}

pub fn lang_of(path: &str) -> Lang {
    if path.starts_with("/en/") {
        Lang::En
    } else {
        Lang::Vi
    }
}

impl AppState {
    /// A refusal whose lines are interface-string keys.
    pub fn refuse(&self, lang: Lang, status: StatusCode, keys: &[&str]) -> WebError {
        let lines: Vec<String> = keys.iter().map(|k| self.locales.text(lang, k)).collect();
        self.refuse_lines(lang, status, &lines)
    }

    /// A refusal with lines already in the visitor's language. The page links back to where the
    /// visitor can try again: the staff area for staff routes, else the check-in form.
    pub fn refuse_lines(&self, lang: Lang, status: StatusCode, lines: &[String]) -> WebError {
        self.error_page(lang, status, lines, None)
    }

    pub fn error_page(
        &self,
        lang: Lang,
        status: StatusCode,
        lines: &[String],
        back: Option<(&str, String)>,
    ) -> WebError {
        let title = escape_html(&self.locales.text(lang, "form.problem"));
        let (href, label) = back.unwrap_or_else(|| {
            (
                if lang == Lang::En {
                    "/en/checkin/"
                } else {
                    "/checkin/"
                },
                self.locales.text(lang, "form.back"),
            )
        });
        let items: String = lines
            .iter()
            .map(|l| format!("<li>{}</li>", escape_html(l)))
            .collect();
        let css = self
            .stylesheet
            .as_deref()
            .map(|c| format!("<link rel=\"stylesheet\" href=\"/{c}\">"))
            .unwrap_or_default();
        let html = format!(
            "<!doctype html>\n<html lang=\"{l}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n{css}\n</head>\n<body>\n<main id=\"main\" class=\"wrap\">\n<h1>{title}</h1>\n<ul class=\"form-errors\" role=\"alert\">{items}</ul>\n<p><a href=\"{href}\">{label}</a></p>\n</main>\n</body>\n</html>\n",
            l = lang.code(),
            href = escape_html(href),
            label = escape_html(&label),
        );
        WebError(Box::new((status, Html(html)).into_response()))
    }

    /// A failure of ours: the whole error goes to the log (it never holds form values), the
    /// visitor gets a plain 500 in their language.
    pub fn internal(&self, lang: Lang, what: &str, e: impl std::fmt::Display) -> WebError {
        eprintln!("vitrine: {what}: {e}");
        self.refuse(lang, StatusCode::INTERNAL_SERVER_ERROR, &["form.store_failed"])
    }

    /// Render a staff page, or a 500 when the theme's template fails.
    pub fn page(
        &self,
        status: StatusCode,
        name: &str,
        lang: Lang,
        ctx: impl Serialize,
    ) -> Result<Response, WebError> {
        match self.pages.render(name, ctx) {
            Ok(html) => Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()),
            Err(e) => Err(self.internal(lang, "a staff page failed to render", e)),
        }
    }
}
