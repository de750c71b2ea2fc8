//! shikaku-api — HTTP. Two listeners: the eligibility API, which requires a client
//! certificate issued by the system's CA (mutual TLS), and the plain web listener (health,
//! OpenAPI, later the portal). Only this crate knows HTTP.

mod batches;
mod card;
mod chat;
mod eligibility;
mod error;
mod faq;
mod fhir;
mod front;
mod health;
mod idempotency;
mod markdown;
mod medical;
mod mynaportal;
pub mod openapi;
mod pages;
mod portal;
pub mod server;
mod subsidy;
pub mod telemetry;
mod terminal;
pub mod tls;

pub use error::ApiError;
pub use server::{Running, ServeConfig, start};

use shikaku_app::EligibilityService;

/// What handlers share: one allocation, so the per-request `State` extraction is one
/// reference-count increment (cloning the fields cost about 1.5 % of a lookup's server time
/// in the profile of bench/RESULTS.md).
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> Self {
        Self(std::sync::Arc::new(shared))
    }
}

/// The services and settings behind [`AppState`].
pub struct Shared {
    pub service: EligibilityService,
    /// The FAQ and its search index (read-only; shared by every request).
    pub faq: std::sync::Arc<shikaku_faq::FaqIndex>,
    /// My Number Card verification (nonces, JPKI chain, register).
    pub cards: shikaku_app::card_verify::CardVerifier,
    /// 一括照会 jobs.
    pub batches: shikaku_app::batches::BatchService,
    /// Subsidy rule sets for the estimate page.
    pub subsidy_rules: std::sync::Arc<shikaku_domain::subsidy::RuleBook>,
    /// The facility portal and operator console.
    pub portal: shikaku_app::portal::PortalService,
    /// Inquiries, their threads and the mail outbox.
    pub support: shikaku_app::support::SupportService,
    /// 「役に立ちましたか」 and unanswered questions.
    pub help: shikaku_app::help::HelpService,
    /// Suspect links between qualification rows and 個人番号 (the operator's review).
    pub links: shikaku_app::linkage::LinkageService,
    /// Where the outbox's mails go (started with the listeners).
    pub mailer: std::sync::Arc<shikaku_app::mail::Mailer>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the inquiry form's rate
    /// limit); from any other peer the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Mark the portal's session cookie `Secure` (the site is served over TLS, e.g. behind
    /// a terminating proxy).
    pub secure_cookies: bool,
    /// The web site's address as users reach it (`--public-url`), for links in mails (a
    /// password reset). Never taken from a request's `Host` header; when not configured, the
    /// web listener's own address once it is bound.
    pub public_url: std::sync::OnceLock<String>,
}

/// The router of the mTLS eligibility listener.
pub fn api_router(state: AppState) -> axum::Router {
    use axum::routing::{get, post};
    telemetry::handle();
    axum::Router::new()
        .route("/v1/eligibility", post(eligibility::lookup))
        .route("/v1/batches/{id}", get(batches::get))
        .route("/v1/card/challenge", post(card::challenge))
        .route("/v1/card/verify", post(card::verify))
        .route("/v1/discharge", post(card::discharge))
        .route("/v1/drugs", post(medical::drugs))
        .route("/v1/checkups", post(medical::checkups))
        .route(
            "/fhir/r4/CoverageEligibilityRequest",
            post(fhir::coverage_eligibility),
        )
        .route("/fhir/r4/metadata", get(fhir::metadata))
        .route("/healthz", get(health::healthz))
        .route("/openapi.json", get(openapi::document))
        .route("/v1/batches", post(batches::submit))
        // route_layer: only matched routes, so MatchedPath is known.
        .route_layer(axum::middleware::from_fn(telemetry::track))
        .layer(axum::middleware::from_fn(read_body_first))
        .with_state(state)
}

/// The largest body of one request: a lookup is a few hundred bytes; a batch of up to 10,000
/// persons a few MiB.
fn body_limit(path: &str) -> usize {
    if path == "/v1/batches" {
        8 << 20
    } else {
        16 * 1024
    }
}

/// How much of a body over its limit is still read (and dropped) before the 413 goes out.
const DRAIN_LIMIT: usize = 32 << 20;

/// Reads the whole request body before any handler or extractor can answer, so a refusal
/// (403 for a revoked certificate, 413, 422) reaches an HTTP/2 client whole instead of being
/// cut off by the stream reset that answering an unread body causes. A body over its limit
/// is read on (up to `DRAIN_LIMIT`) and answered with the JSON `payload_too_large`.
async fn read_body_first(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use futures::StreamExt;
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        // Not worth reading: the client learns the limit from the 413 it may or may not see.
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    // Usually one chunk, kept as it came (no copy on the lookup path).
    let mut kept: Vec<axum::body::Bytes> = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "bad_body",
                "要求の本文を読み取れませんでした (the request body could not be read)",
            )
            .into_response();
        };
        seen += chunk.len();
        if seen <= limit {
            kept.push(chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > limit {
        return too_large();
    }
    let kept = match kept.len() {
        0 => axum::body::Bytes::new(),
        1 => kept.remove(0),
        _ => kept.concat().into(),
    };
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(kept));
    next.run(request).await
}

fn too_large() -> axum::response::Response {
    use axum::response::IntoResponse;
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "要求が大きすぎます（照会は16 KiB、一括照会は8 MiBまで） (the request body is too large: 16 KiB, or 8 MiB for a batch)",
    )
    .into_response()
}

/// The router of the plain web listener.
pub fn web_router(state: AppState) -> axum::Router {
    use axum::routing::{get, post};
    let sessions = portal::session_layer(state.portal.clone(), state.secure_cookies);
    axum::Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/openapi.json", get(openapi::document))
        .route(
            "/mynaportal/challenge",
            axum::routing::post(mynaportal::challenge),
        )
        .route("/mynaportal/log", axum::routing::post(mynaportal::log))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(16 * 1024))
        .route("/metrics", get(telemetry::render))
        .route("/subsidy", get(subsidy::page))
        .route("/faq", get(faq::index))
        .route("/faq/search", get(faq::search))
        .route("/faq/{id}", get(faq::entry))
        .route("/faq/{id}/feedback", post(faq::feedback))
        .route("/static/htmx-2.0.11.min.js", get(pages::htmx))
        .route("/static/site.css", get(pages::css))
        .route("/static/chat.js", get(pages::chat_js))
        .merge(portal::router().layer(sessions))
        .layer(axum::middleware::map_response_with_state(
            state.secure_cookies,
            pages::security_headers,
        ))
        .with_state(state)
}
