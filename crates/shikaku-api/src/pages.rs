//! What every server-rendered page shares: the language switch (Japanese first, English on
//! `?lang=en`), vendored static files (no CDN), template rendering, and a small, safe
//! Markdown subset for content written by operators.

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

pub async fn css() -> Response {
    static_file(CSS, "text/css; charset=utf-8")
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Paragraphs, `- ` lists and `1. ` lists; everything else is text (HTML is escaped, so an
/// entry cannot inject markup).
pub fn markdown_to_html(text: &str) -> String {
    #[derive(PartialEq)]
    enum Block {
        None,
        Para,
        Ul,
        Ol,
    }
    let mut out = String::new();
    let mut block = Block::None;
    let close = |block: &mut Block, out: &mut String| {
        match block {
            Block::Para => out.push_str("</p>\n"),
            Block::Ul => out.push_str("</ul>\n"),
            Block::Ol => out.push_str("</ol>\n"),
            Block::None => {}
        }
        *block = Block::None;
    };
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            close(&mut block, &mut out);
            continue;
        }
        let numbered = t
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if let Some(item) = t.strip_prefix("- ") {
            if block != Block::Ul {
                close(&mut block, &mut out);
                out.push_str("<ul>\n");
                block = Block::Ul;
            }
            out.push_str(&format!("<li>{}</li>\n", escape(item)));
        } else if let Some((_, item)) = numbered {
            if block != Block::Ol {
                close(&mut block, &mut out);
                out.push_str("<ol>\n");
                block = Block::Ol;
            }
            out.push_str(&format!("<li>{}</li>\n", escape(item)));
        } else {
            match block {
                Block::Para => out.push_str("<br>\n"),
                _ => {
                    close(&mut block, &mut out);
                    out.push_str("<p>");
                    block = Block::Para;
                }
            }
            out.push_str(&escape(t));
        }
    }
    close(&mut block, &mut out);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_subset_is_escaped() {
        let html = markdown_to_html("前文<script>\n\n- a\n- b&c\n\n1. x\n2. y\n後文");
        assert_eq!(
            html,
            "<p>前文&lt;script&gt;</p>\n<ul>\n<li>a</li>\n<li>b&amp;c</li>\n</ul>\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n<p>後文</p>\n"
        );
    }
}
