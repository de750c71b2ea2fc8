//! A forgotten password on the web: `/portal/password/forgot` mails a single-use link to the
//! facility's registered address; `/portal/password/reset?token=…` sets the new password.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shikaku_app::portal::PortalError;

use super::{error_page, form_errors, render_form, see_other};
use crate::AppState;
use crate::pages::{Lang, render};

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Lang,
}

#[derive(askama::Template)]
#[template(path = "portal_forgot.html")]
struct ForgotPage {
    lang: Lang,
    message: Option<String>,
    error: Option<String>,
}

/// `GET /portal/password/forgot`.
pub async fn forgot_page(Query(q): Query<LangQuery>) -> Response {
    render(&ForgotPage {
        lang: q.lang,
        message: None,
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct ForgotForm {
    login: String,
}

/// `POST /portal/password/forgot`: the same answer whether or not the login exists.
pub async fn forgot(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    super::inquiry::ClientAddr(client): super::inquiry::ClientAddr,
    Form(form): Form<ForgotForm>,
) -> Response {
    let lang = q.lang;
    let base = state.public_url.get().cloned().unwrap_or_default();
    match state
        .portal
        .request_password_reset(&form.login, &client, &base)
        .await
    {
        Ok(()) => {
            // The outbox sends the mail now rather than at its next round.
            state.support.wake_handle().notify_one();
            render(&ForgotPage {
            lang,
            message: Some(lang.t(
                "ご登録のメールアドレスあてに再設定用のリンクをお送りしました（このログインIDが登録されている場合に限ります）。30分以内に開いてください。",
                "If this login is registered, a link has been sent to its mail address. Open it within 30 minutes.",
            ).to_string()),
            error: None,
        })
        }
        Err(PortalError::Throttled { seconds }) => {
            let mut page = render(&ForgotPage {
                lang,
                message: None,
                error: Some(if lang.is_en() {
                    format!("Too many requests from here. Please try again in {seconds} seconds.")
                } else {
                    format!("お手続きが続いたため、{seconds}秒後にもう一度お試しください。")
                }),
            });
            *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                page.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            page
        }
        Err(e) => error_page(lang, e),
    }
}

#[derive(askama::Template)]
#[template(path = "portal_reset.html")]
struct ResetPage {
    lang: Lang,
    valid: bool,
    token: String,
    errors: Vec<(String, String)>,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    lang: Lang,
    #[serde(default)]
    token: String,
}

/// `GET /portal/password/reset?token=…`.
pub async fn reset_page(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    match state.portal.password_reset_valid(&q.token).await {
        Ok(valid) => {
            let mut page = render(&ResetPage {
                lang: q.lang,
                valid,
                token: q.token,
                errors: Vec::new(),
            });
            if !valid {
                *page.status_mut() = StatusCode::GONE;
            }
            page
        }
        Err(e) => error_page(q.lang, e),
    }
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    token: String,
    password: String,
    password_confirm: String,
}

/// `POST /portal/password/reset`: the link is used up and every session of the account ends;
/// the facility logs in again with the new password.
pub async fn reset(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    Form(form): Form<ResetForm>,
) -> Response {
    let lang = q.lang;
    match state
        .portal
        .reset_password(&form.token, &form.password, &form.password_confirm)
        .await
    {
        Ok(()) => see_other("/portal/login", lang).into_response(),
        Err(e) => {
            let valid = state
                .portal
                .password_reset_valid(&form.token)
                .await
                .unwrap_or(false);
            match form_errors(lang, e) {
                Ok(errors) => render_form(
                    &ResetPage {
                        lang,
                        valid,
                        token: form.token,
                        errors,
                    },
                    true,
                ),
                Err(r) => r,
            }
        }
    }
}
