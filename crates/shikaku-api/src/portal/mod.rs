//! The facility portal on the web listener (`/portal/…`): sessions in our own store
//! (tower-sessions with a `SessionStore` over `PortalStore`; the cookie carries a random id,
//! the database only its SHA-256), a CSRF token per session checked on every form post,
//! facility pages and the operator console. The rules are in `shikaku_app::portal`.

// Handlers stop early with the page to show (`Result<_, Response>`): the error path is a
// rendered page anyway, so boxing it buys nothing.
#![allow(clippy::result_large_err)]

/// Implements [`HasCsrf`] for form structs with a `csrf: String` field (the `_csrf` input).
macro_rules! has_csrf {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::portal::HasCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}

mod facility;
mod identity;
pub(crate) mod inquiry;
mod operator;
mod password_reset;
mod sessions;

pub use sessions::session_layer;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use shikaku_app::portal::{Actor, PortalError};
use shikaku_domain::portal::{Choice, FieldError, Lifecycle};
use time::OffsetDateTime;
use tower_sessions::Session;

use crate::AppState;
use crate::pages::{Lang, render};

/// Sessions end after this long without a request.
pub const IDLE_HOURS: i64 = 8;

/// What a session remembers: who signed in and when. What the account may do is read from
/// the store on every request (`PortalService::current_actor`), so an activation, a
/// transfer or a release takes effect at once.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct SessionActor {
    login: String,
    role: String,
    facility: Option<String>,
    /// Unix milliseconds.
    #[serde(default)]
    signed_in_ms: Option<i64>,
}

impl SessionActor {
    /// The actor this session acts as now; `Ok(None)` when the session is void.
    async fn current(&self, state: &AppState) -> Result<Option<Actor>, PortalError> {
        let at = self.signed_in_ms.and_then(|t| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(t) * 1_000_000).ok()
        });
        state.portal.current_actor(&self.login, at).await
    }
}

/// The signed-in actor of a session and its form token, if the session is live (any role).
pub(crate) async fn session_actor(
    state: &AppState,
    session: &Session,
) -> Result<Option<(Actor, String)>, PortalError> {
    let Some(stored) = session.get::<SessionActor>(ACTOR_KEY).await.ok().flatten() else {
        return Ok(None);
    };
    let Some(actor) = stored.current(state).await? else {
        let _ = session.flush().await;
        return Ok(None);
    };
    let csrf: String = session
        .get(CSRF_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    Ok(Some((actor, csrf)))
}

pub(crate) const ACTOR_KEY: &str = "actor";
const CSRF_KEY: &str = "csrf";

/// Starts a fresh session (new id: no fixation) for a logged-in actor.
pub(crate) async fn sign_in(session: &Session, actor: &Actor) -> Result<(), Response> {
    let signed_in_ms =
        i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).ok();
    let stored = match actor {
        Actor::Facility { login, code } | Actor::Pending { login, code } => SessionActor {
            login: login.clone(),
            role: "facility".into(),
            facility: Some(code.to_string()),
            signed_in_ms,
        },
        Actor::Operator { login } => SessionActor {
            login: login.clone(),
            role: "operator".into(),
            facility: None,
            signed_in_ms,
        },
    };
    let csrf = hex::encode(rand_bytes());
    let result = async {
        session.cycle_id().await?;
        session.insert(ACTOR_KEY, stored).await?;
        session.insert(CSRF_KEY, csrf).await
    }
    .await;
    result.map_err(|e| {
        tracing::error!(error = %e, "session store failed");
        unavailable(Lang::Ja)
    })
}

fn rand_bytes() -> [u8; 32] {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("system random");
    bytes
}

/// A logged-in user of the portal (any role).
pub struct Auth {
    pub actor: Actor,
    pub csrf: String,
    pub session: Session,
    pub lang: Lang,
    /// What the page confirms after an action (the redirect's `?done=…`), in words.
    pub notice: Option<&'static str>,
}

/// A form that carries the session's CSRF token.
pub trait HasCsrf {
    fn csrf(&self) -> &str;
}

/// A form posted by a logged-in user whose CSRF token has been checked before the handler
/// runs: a handler that takes its form this way cannot forget the check. The token is read
/// first, so a forged post gets the 403 page of [`Auth::check_csrf`] whatever else it holds;
/// then the whole form (a malformed one gets axum's `Form` rejection). The body is read
/// last, so this is the handler's last argument. Multipart posts check their `_csrf` field
/// themselves.
pub struct CsrfForm<T>(pub Auth, pub T);

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: serde::de::DeserializeOwned + HasCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let auth = Auth::from_request_parts(&mut parts, state).await?;
        let bytes =
            axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                .await
                .map_err(IntoResponse::into_response)?;
        let token: TokenOnly = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        auth.check_csrf(token.csrf())?;
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let axum::Form(form) = axum::Form::<T>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self(auth, form))
    }
}

/// A form with nothing but the CSRF token (log-out, cancel, download, decide).
#[derive(serde::Deserialize, Default)]
pub struct TokenOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

has_csrf!(TokenOnly);

impl Auth {
    /// Refuses a form whose token is not this session's (a forged cross-site post).
    pub fn check_csrf(&self, token: &str) -> Result<(), Response> {
        // Constant time over the token's length.
        let ok = !self.csrf.is_empty()
            && token.len() == self.csrf.len()
            && token
                .bytes()
                .zip(self.csrf.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if ok {
            Ok(())
        } else {
            tracing::warn!("portal form with a wrong CSRF token");
            Err(message_page(
                self.lang,
                StatusCode::FORBIDDEN,
                self.lang.t(
                    "フォームの有効期限が切れたか、不正な送信です。画面を開き直してください。",
                    "The form expired or was not sent from this site. Open the page again.",
                ),
            ))
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct LangOnly {
    #[serde(default)]
    lang: Lang,
}

#[derive(serde::Deserialize)]
struct DoneOnly {
    #[serde(default)]
    done: String,
}

/// The feedback after an action: the code a handler puts on its redirect (`?done=…`) and
/// what the next page says. An unknown code says nothing.
pub(crate) fn done_message(lang: Lang, code: &str) -> Option<&'static str> {
    let (ja, en) = match code {
        "reader-applied" => (
            "カードリーダーを申し込みました。配送時期が決まるとこの画面に表示されます。",
            "The card reader was applied for. The delivery month appears here once set.",
        ),
        "reader-changed" => ("申し込みを変更しました。", "The application was changed."),
        "reader-cancelled" => (
            "申し込みを取り消しました。",
            "The application was cancelled.",
        ),
        "use-filed" => (
            "利用申請を提出しました。準備の期限は下の表のとおりです。",
            "The use application was filed. The deadlines are in the table below.",
        ),
        "plan-saved" => ("予定日を保存しました。", "The planned dates were saved."),
        "step-saved" => ("準備の進み具合を保存しました。", "The step was saved."),
        "cert-applied" => (
            "電子証明書の発行を申請しました。承認後にダウンロードできます。",
            "The certificate was applied for. You can download it once approved.",
        ),
        "cert-revoked" => (
            "電子証明書を失効させました。この証明書では接続できなくなります。",
            "The certificate was revoked; it can no longer connect.",
        ),
        "subsidy-filed" => (
            "補助金を申請しました。下の3種類の書類を提出してください。",
            "The subsidy application was filed. Upload the three documents below.",
        ),
        "subsidy-resubmitted" => (
            "修正して再提出しました。",
            "The application was resubmitted.",
        ),
        "subsidy-withdrawn" => ("申請を取り下げました。", "The application was withdrawn."),
        "document-uploaded" => ("書類を提出しました。", "The document was uploaded."),
        _ => return None,
    };
    Some(lang.t(ja, en))
}

pub(crate) fn lang_of(parts: &Parts) -> Lang {
    Query::<LangOnly>::try_from_uri(&parts.uri)
        .map(|q| q.0.lang)
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(parts);
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(status, text)| (status, text).into_response())?;
        let live = session_actor(state, &session).await.map_err(|e| {
            tracing::error!(error = %e, "session load failed");
            unavailable(lang)
        })?;
        let Some((actor, csrf)) = live else {
            return Err(Redirect::to(&format!("/portal/login{}", lang.query())).into_response());
        };
        // A pending account reaches only the activation page and log-out; everything else
        // is refused by the use cases anyway.
        let path = parts.uri.path();
        if matches!(actor, Actor::Pending { .. })
            && path != "/portal/activate"
            && path != "/portal/logout"
        {
            return Err(if parts.method == axum::http::Method::GET {
                Redirect::to(&format!("/portal/activate{}", lang.query())).into_response()
            } else {
                message_page(
                    lang,
                    StatusCode::FORBIDDEN,
                    lang.t(
                        "アカウントは有効化されていません。登録先の所在地に郵送される確認コードを入力してください。",
                        "The account is not activated yet: enter the code posted to the registered address.",
                    ),
                )
            });
        }
        let notice = Query::<DoneOnly>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| done_message(lang, &q.0.done));
        Ok(Auth {
            actor,
            csrf,
            session,
            lang,
            notice,
        })
    }
}

#[derive(askama::Template)]
#[template(path = "portal_message.html")]
struct MessagePage<'a> {
    lang: Lang,
    message: &'a str,
    status: u16,
}

pub(crate) fn message_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let mut response = render(&MessagePage {
        lang,
        message,
        status: status.as_u16(),
    });
    *response.status_mut() = status;
    response
}

fn unavailable(lang: Lang) -> Response {
    message_page(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        lang.t(
            "ただいま混み合っているか、データベースに接続できません。しばらくしてからお試しください。",
            "The service is busy or the database is unreachable. Please try again shortly.",
        ),
    )
}

/// Why a page could not be shown: a use case's error (rendered as the portal's error page in
/// the visitor's language) or a finished answer (a redirect to log in, say). Handlers return
/// `Result<Response, PageError>` and use `?`.
pub(crate) enum PageError {
    Portal(Lang, PortalError),
    Answer(Response),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Portal(lang, e) => error_page(lang, e),
            PageError::Answer(r) => r,
        }
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        PageError::Answer(r)
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// `?` on a use case's result inside a page handler.
pub(crate) trait OrPage<T> {
    fn or_page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, PortalError> {
    fn or_page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError::Portal(lang, e))
    }
}

/// A portal error as a page. `Invalid` is handled by the form pages themselves (shown
/// next to the form); here it becomes a 422 message.
pub(crate) fn error_page(lang: Lang, error: PortalError) -> Response {
    match error {
        PortalError::NotFound => message_page(
            lang,
            StatusCode::NOT_FOUND,
            lang.t("ページが見つかりません。", "Not found."),
        ),
        PortalError::Forbidden => message_page(
            lang,
            StatusCode::FORBIDDEN,
            lang.t(
                "この操作の権限がありません。",
                "You are not allowed to do this.",
            ),
        ),
        PortalError::State { ja, en } => message_page(
            lang,
            StatusCode::CONFLICT,
            if lang.is_en() { &en } else { &ja },
        ),
        PortalError::Invalid(errors) => {
            let text = field_messages(lang, &errors).join(" / ");
            message_page(lang, StatusCode::UNPROCESSABLE_ENTITY, &text)
        }
        PortalError::BadLogin | PortalError::Throttled { .. } => message_page(
            lang,
            StatusCode::UNAUTHORIZED,
            lang.t("ログインしてください。", "Please log in."),
        ),
        e if e.is_unavailable() => unavailable(lang),
        PortalError::RateLimited { minutes } => message_page(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &if lang.is_en() {
                format!("Too many requests. Please try again in {minutes} minutes.")
            } else {
                format!("短時間に多くの送信がありました。{minutes}分ほど待ってからお試しください。")
            },
        ),
        other => {
            tracing::error!(error = %other, "portal request failed");
            message_page(
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                lang.t(
                    "処理できませんでした。時間をおいてお試しください。",
                    "The request could not be processed.",
                ),
            )
        }
    }
}

pub(crate) fn field_messages(lang: Lang, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            if lang.is_en() {
                e.en.clone()
            } else {
                e.ja.clone()
            }
        })
        .collect()
}

/// A page's form errors: `(field, message)` in the page's language.
pub(crate) fn form_errors(
    lang: Lang,
    error: PortalError,
) -> Result<Vec<(String, String)>, Response> {
    match error {
        PortalError::Invalid(errors) => Ok(errors
            .iter()
            .map(|e| {
                (
                    e.field.to_string(),
                    if lang.is_en() {
                        e.en.clone()
                    } else {
                        e.ja.clone()
                    },
                )
            })
            .collect()),
        other => Err(error_page(lang, other)),
    }
}

/// A form page: 422 when it is shown again with errors, 200 otherwise.
pub(crate) fn render_form(template: &impl askama::Template, has_errors: bool) -> Response {
    let mut page = render(template);
    if has_errors && page.status() == StatusCode::OK {
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    page
}

/// 303 to a page in the same language.
/// The actions a page offers on one application: exactly those its state allows the viewer
/// (the facility, or an operator), so a page never works out from a status what may be done.
#[derive(Debug, Clone, Default)]
pub(crate) struct Offered(Vec<&'static str>);

impl Offered {
    pub(crate) fn of<S: Lifecycle>(status: S, operator: bool) -> Self {
        Offered(
            status
                .actions_for(operator)
                .into_iter()
                .map(Choice::code)
                .collect(),
        )
    }

    /// The page may offer the action with this code.
    pub(crate) fn can(&self, action: &str) -> bool {
        self.0.contains(&action)
    }
}

pub(crate) fn see_other(path: &str, lang: Lang) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    let target = if lang.is_en() {
        format!("{path}{sep}lang=en")
    } else {
        path.to_string()
    };
    Redirect::to(&target).into_response()
}

/// A stored upload as a download under a plain name (`stem.ext`, never the sender's), with
/// its checked type and `nosniff`, so a browser never renders it in place.
pub(crate) fn file_download(body: Vec<u8>, content_type: &str, stem: &str) -> Response {
    use axum::http::{HeaderValue, header};
    let ext = shikaku_domain::portal::FileType::from_content_type(content_type)
        .map_or("bin", |t| t.extension());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Paging of operator lists.
pub const PAGE_SIZE: u64 = 50;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(crate::front::front))
        .route("/portal", get(facility::root))
        .route(
            "/portal/register",
            get(facility::register_page).post(facility::register),
        )
        .route(
            "/portal/login",
            get(facility::login_page).post(facility::login),
        )
        .route("/portal/logout", post(facility::logout))
        .route(
            "/portal/activate",
            get(identity::page).post(identity::activate),
        )
        .route(
            "/portal/account",
            get(identity::account).post(identity::save_contact),
        )
        .route("/portal/account/password", post(identity::change_password))
        .route(
            "/portal/password/forgot",
            get(password_reset::forgot_page).post(password_reset::forgot),
        )
        .route(
            "/portal/password/reset",
            get(password_reset::reset_page).post(password_reset::reset),
        )
        .route("/portal/operator/letters", get(identity::letters))
        .route("/portal/operator/letters/print", post(identity::print))
        .route(
            "/portal/operator/facility-codes",
            post(identity::release_or_transfer),
        )
        .route("/portal/catalogue", get(facility::catalogue))
        .route("/portal/home", get(facility::home))
        .route("/portal/plan", post(facility::plan))
        .route("/portal/steps", post(facility::step))
        .route(
            "/portal/readers",
            get(facility::readers).post(facility::apply_reader),
        )
        .route("/portal/readers/{id}", post(facility::edit_reader))
        .route(
            "/portal/readers/{id}/cancel",
            get(facility::confirm_cancel_reader).post(facility::cancel_reader),
        )
        .route(
            "/portal/use-application",
            get(facility::use_page).post(facility::use_apply),
        )
        .route(
            "/portal/certificates",
            get(facility::certificates).post(facility::apply_certificate),
        )
        .route(
            "/portal/certificates/{id}/download",
            post(facility::download_certificate),
        )
        .route(
            "/portal/certificates/{id}/revoke",
            post(facility::revoke_certificate),
        )
        .route(
            "/portal/subsidy-application",
            get(facility::subsidy_page).post(facility::subsidy_apply),
        )
        .route(
            "/portal/subsidy-application/{id}",
            get(facility::subsidy_detail),
        )
        .route(
            "/portal/subsidy-application/{id}/resubmit",
            post(facility::subsidy_resubmit),
        )
        .route(
            "/portal/subsidy-application/{id}/withdraw",
            post(facility::subsidy_withdraw),
        )
        .route(
            "/portal/subsidy-application/{id}/documents/{kind}",
            get(facility::download_document),
        )
        .route(
            "/portal/subsidy-application/{id}/forms/{kind}",
            get(facility::subsidy_form),
        )
        .route("/portal/inquiries", get(inquiry::facility_list))
        .route("/portal/inquiries/{n}", get(inquiry::thread))
        .route("/portal/inquiries/{n}/{action}", post(inquiry::act))
        .route(
            "/portal/inquiries/{n}/attachments/{seq}",
            get(inquiry::attachment),
        )
        .route("/portal/operator/inquiries", get(inquiry::inbox))
        .route("/portal/operator/links", get(operator::links))
        .route("/portal/operator/links.csv", get(operator::links_csv))
        .route("/portal/operator/links/{reference}", get(operator::link))
        .route(
            "/portal/operator/links/{reference}/confirm",
            post(operator::confirm_link),
        )
        .route("/portal/operator/help", get(operator::help))
        .route("/portal/operator/help/{name}", get(operator::help_csv))
        .route("/portal/operator/inquiries/{n}", get(inquiry::thread))
        .route(
            "/portal/operator/inquiries/{n}/{action}",
            post(inquiry::act),
        )
        .route("/inquiry", get(inquiry::form))
        .route("/inquiry/thanks", get(inquiry::thanks))
        .route("/inquiry/{n}", get(inquiry::public_thread))
        .route("/chat", get(crate::chat::page).post(crate::chat::turn))
        .route("/portal/operator", get(operator::dashboard))
        .route("/portal/operator/adoption.csv", get(operator::adoption_csv))
        .route("/portal/operator/facilities", get(operator::facilities))
        .route(
            "/portal/operator/facilities.csv",
            get(operator::facilities_csv),
        )
        .route("/portal/operator/readers", get(operator::readers))
        .route(
            "/portal/operator/readers/{id}/schedule",
            post(operator::schedule_reader),
        )
        .route("/portal/operator/certificates", get(operator::certificates))
        .route(
            "/portal/operator/certificates/{id}/{action}",
            post(operator::decide_certificate),
        )
        .route("/portal/operator/subsidies", get(operator::subsidies))
        .route("/portal/operator/subsidies/{id}", get(operator::subsidy))
        .route(
            "/portal/operator/subsidies/{id}/decide",
            post(operator::decide_subsidy),
        )
        // Forms are small; only document uploads may carry a file (10 MB plus the form).
        .layer(tower_http::limit::RequestBodyLimitLayer::new(64 * 1024))
        .route(
            "/portal/subsidy-application/{id}/documents",
            post(facility::upload_document)
                .layer::<_, std::convert::Infallible>(axum::middleware::from_fn(oversized_upload))
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/inquiry",
            post(inquiry::submit)
                .layer::<_, std::convert::Infallible>(axum::middleware::from_fn(oversized_upload))
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/inquiry/{n}",
            post(inquiry::public_follow_up)
                .layer::<_, std::convert::Infallible>(axum::middleware::from_fn(oversized_upload))
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/portal/inquiries/{n}/messages",
            post(inquiry::follow_up)
                .layer::<_, std::convert::Infallible>(axum::middleware::from_fn(oversized_upload))
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}

/// Beyond this much a too-large upload is no longer read to the end.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// A too-large upload reaches its handler with an empty body, so the page answers with its
/// own form and a Japanese message (not a bare `text/plain` 413); the rest of the upload is
/// read and dropped first (up to 32 MiB) so the browser gets to show that page.
async fn oversized_upload(request: Request, next: axum::middleware::Next) -> Response {
    use futures::StreamExt;
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let (parts, body) = request.into_parts();
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return next
            .run(Request::from_parts(parts, axum::body::Body::empty()))
            .await;
    }
    let mut stream = body.into_data_stream();
    let mut kept: Vec<axum::body::Bytes> = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            kept.clear();
            break;
        };
        seen += chunk.len();
        if seen <= UPLOAD_LIMIT {
            kept.push(chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    let body = if seen > UPLOAD_LIMIT {
        axum::body::Body::empty()
    } else {
        axum::body::Body::from(kept.concat())
    };
    next.run(Request::from_parts(parts, body)).await
}

/// The largest upload request: a 10 MB document and the form around it.
const UPLOAD_LIMIT: usize = shikaku_domain::portal::MAX_DOCUMENT_BYTES + 256 * 1024;
