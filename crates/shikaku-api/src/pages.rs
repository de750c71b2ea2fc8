//! What every server-rendered page shares: the language switch (Japanese first, English on
//! `?lang=en`), static files served from the binary (vendored htmx, our CSS and chat script;
//! no CDN), template rendering, and Markdown for content written by operators
//! ([`crate::markdown`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The UI language: Japanese unless `lang=en` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn is_en(&self) -> bool {
        *self == Lang::En
    }

    /// The text in this language.
    pub fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// The same language for the FAQ.
    pub fn faq(&self) -> shikaku_faq::Lang {
        match self {
            Lang::Ja => shikaku_faq::Lang::Ja,
            Lang::En => shikaku_faq::Lang::En,
        }
    }

    /// `?lang=en` to keep English across links; nothing for Japanese.
    pub fn query(&self) -> &'static str {
        match self {
            Lang::Ja => "",
            Lang::En => "?lang=en",
        }
    }
}

/// Renders an askama template as a page; a template error is a 500 without internals.
pub fn render(template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

const HTMX: &[u8] = include_bytes!("../static/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("../static/site.css");
const CHAT_JS: &[u8] = include_bytes!("../static/chat.js");

fn static_file(body: &'static [u8], content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn htmx() -> Response {
    static_file(HTMX, "text/javascript; charset=utf-8")
}

pub async fn chat_js() -> Response {
    static_file(CHAT_JS, "text/javascript; charset=utf-8")
}

pub async fn css() -> Response {
    static_file(CSS, "text/css; charset=utf-8")
}

/// Markdown as HTML (see [`crate::markdown`]).
pub fn markdown_to_html(text: &str) -> String {
    crate::markdown::to_html(text)
}

/// The content security policy of every page: only this site's own scripts, styles and
/// forms (htmx is vendored and runs without eval or inline styles), never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers on every answer of the web listener: CSP, no framing, no sniffing; pages with a
/// session's or a person's data (`/portal`, `/mynaportal`, `/inquiry`, `/chat`) are never
/// stored by a browser or proxy; HSTS when the site is served over HTTPS (`secure`).
pub async fn security_headers(
    axum::extract::State(secure): axum::extract::State<bool>,
    uri: axum::http::Uri,
    mut response: axum::response::Response,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    let path = uri.path();
    if ["/portal", "/mynaportal", "/inquiry", "/chat"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
    {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
