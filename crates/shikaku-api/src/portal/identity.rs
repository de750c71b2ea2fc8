//! Who a facility is, on the web: the activation page (a pending account's code from the
//! letter, or a transferred code's new holder), the operator's letters (PDF or CSV) and the
//! release or transfer of a code.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shikaku_app::portal::{Actor, PortalError};
use shikaku_domain::date::format_jst_minute;
use tower_sessions::Session;

use super::operator::operator_only;
use super::{Auth, error_page, form_errors, render_form, see_other, session_actor, sign_in};
use crate::AppState;
use crate::pages::{Lang, render};
use crate::portal::CsrfForm;

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Lang,
}

#[derive(askama::Template)]
#[template(path = "portal_activate.html")]
struct ActivatePage {
    lang: Lang,
    signed_in: bool,
    facility: String,
    csrf: String,
    errors: Vec<(String, String)>,
}

/// `GET /portal/activate`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<LangQuery>,
) -> Response {
    let who = match session_actor(&state, &session).await {
        Ok(who) => who,
        Err(e) => return error_page(q.lang, e),
    };
    match who {
        Some((Actor::Pending { code, .. }, csrf)) => render(&ActivatePage {
            lang: q.lang,
            signed_in: true,
            facility: code.to_string(),
            csrf,
            errors: Vec::new(),
        }),
        Some((Actor::Facility { .. }, _)) => see_other("/portal/home", q.lang),
        Some((Actor::Operator { .. }, _)) => see_other("/portal/operator", q.lang),
        None => render(&ActivatePage {
            lang: q.lang,
            signed_in: false,
            facility: String::new(),
            csrf: String::new(),
            errors: Vec::new(),
        }),
    }
}

#[derive(serde::Deserialize)]
pub struct ActivateForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
    activation_code: String,
    #[serde(default)]
    password: Option<String>,
}

/// `POST /portal/activate`.
pub async fn activate(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<LangQuery>,
    Form(form): Form<ActivateForm>,
) -> Response {
    let lang = q.lang;
    let who = match session_actor(&state, &session).await {
        Ok(who) => who,
        Err(e) => return error_page(lang, e),
    };
    let pending = match &who {
        Some((actor @ Actor::Pending { .. }, csrf)) => {
            let auth = Auth {
                actor: actor.clone(),
                csrf: csrf.clone(),
                session: session.clone(),
                lang,
                notice: None,
            };
            if let Err(r) = auth.check_csrf(&form.csrf) {
                return r;
            }
            Some(actor.clone())
        }
        Some((Actor::Facility { .. }, _)) => return see_other("/portal/home", lang),
        Some((Actor::Operator { .. }, _)) => return see_other("/portal/operator", lang),
        None => None,
    };
    let password = form.password.as_deref().filter(|p| !p.is_empty());
    match state
        .portal
        .activate(
            pending.as_ref(),
            &form.code,
            &form.activation_code,
            password,
        )
        .await
    {
        Ok(actor) => match sign_in(&session, &actor).await {
            Ok(()) => see_other("/portal/home", lang),
            Err(r) => r,
        },
        Err(e) => match form_errors(lang, e) {
            Ok(errors) => render_form(
                &ActivatePage {
                    lang,
                    signed_in: pending.is_some(),
                    facility: match &pending {
                        Some(Actor::Pending { code, .. }) => code.to_string(),
                        _ => form.code,
                    },
                    csrf: who.map(|(_, c)| c).unwrap_or_default(),
                    errors,
                },
                true,
            ),
            Err(r) => r,
        },
    }
}

struct LetterRow {
    code: String,
    name: String,
    postal: String,
    address: String,
    reason: String,
    printed: String,
    expires: String,
    /// The row's button: 印刷, or 再印刷 when a code was printed already.
    action: String,
}

#[derive(askama::Template)]
#[template(path = "op_letters.html")]
struct LettersPage {
    lang: Lang,
    csrf: String,
    rows: Vec<LetterRow>,
    errors: Vec<(String, String)>,
}

async fn letters_page(state: &AppState, auth: &Auth, errors: Vec<(String, String)>) -> Response {
    let letters = match state.portal.letters(&auth.actor).await {
        Ok(l) => l,
        Err(e) => return error_page(auth.lang, e),
    };
    let lang = auth.lang;
    let rows = letters
        .into_iter()
        .map(|l| LetterRow {
            // Stored normalized (123-4567).
            postal: l.postal_code.clone(),
            reason: match l.reason.as_str() {
                "transferred" => lang.t("移管", "transfer"),
                _ => lang.t("新規登録", "registration"),
            }
            .to_string(),
            printed: l.printed_at.map_or_else(
                || lang.t("未印刷", "not printed").to_string(),
                format_jst_minute,
            ),
            expires: l.expires_at.map(format_jst_minute).unwrap_or_default(),
            action: if l.printed_at.is_some() {
                lang.t("再印刷", "Reprint")
            } else {
                lang.t("印刷", "Print")
            }
            .to_string(),
            code: l.facility_code,
            name: l.name,
            address: l.address,
        })
        .collect();
    let has_errors = !errors.is_empty();
    render_form(
        &LettersPage {
            lang,
            csrf: auth.csrf.clone(),
            rows,
            errors,
        },
        has_errors,
    )
}

/// `GET /portal/operator/letters`.
pub async fn letters(State(state): State<AppState>, auth: Auth) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    letters_page(&state, &auth, Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct PrintForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    facility: Option<String>,
}

/// `POST /portal/operator/letters/print`: the letters as a PDF to print or a CSV for a
/// mailing service; the codes exist only in this download.
pub async fn print(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<PrintForm>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let pdf = match form.format.as_str() {
        "pdf" => true,
        "csv" => false,
        _ => {
            return error_page(
                auth.lang,
                PortalError::field(
                    "format",
                    "形式は PDF か CSV です",
                    "the format is pdf or csv",
                ),
            );
        }
    };
    // The font is checked before any code is made, so a missing font changes nothing.
    if pdf && let Err(e) = shikaku_app::letter_pdf::check_font() {
        tracing::error!(error = %e, "letters cannot be printed as PDF");
        return super::message_page(auth.lang, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    let facility = form
        .facility
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty());
    let printed = match state.portal.print_letters(&auth.actor, facility).await {
        Ok(p) => p,
        Err(e) => return error_page(auth.lang, e),
    };
    if printed.is_empty() {
        return letters_page(
            &state,
            &auth,
            vec![(
                "format".into(),
                auth.lang
                    .t(
                        "印刷する文書はありません。",
                        "There are no letters to print.",
                    )
                    .into(),
            )],
        )
        .await;
    }
    let (body, content_type, ext) = if pdf {
        match shikaku_app::letter_pdf::render(&printed) {
            Ok(bytes) => (bytes, "application/pdf", "pdf"),
            Err(e) => {
                tracing::error!(error = %e, "letters cannot be printed as PDF");
                return super::message_page(
                    auth.lang,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &e.to_string(),
                );
            }
        }
    } else {
        (
            shikaku_app::identity::letters_csv(&printed),
            "text/csv; charset=utf-8",
            "csv",
        )
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"letters.{ext}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    facility: String,
    #[serde(default)]
    reason: String,
    action: String,
}

/// `POST /portal/operator/facility-codes`: release or transfer a code, with a reason.
pub async fn release_or_transfer(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<CodeForm>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let code = form.facility.trim();
    let result = match form.action.as_str() {
        "release" => {
            state
                .portal
                .release_facility(&auth.actor, code, &form.reason)
                .await
        }
        "transfer" => {
            state
                .portal
                .transfer_facility(&auth.actor, code, &form.reason)
                .await
        }
        _ => Err(PortalError::field(
            "action",
            "解除か移管を選んでください",
            "choose release or transfer",
        )),
    };
    match result {
        Ok(()) => see_other("/portal/operator/letters", auth.lang),
        Err(PortalError::NotFound) => {
            letters_page(
                &state,
                &auth,
                vec![(
                    "facility".into(),
                    auth.lang
                        .t(
                            "この医療機関等コードの登録はありません。",
                            "No registration has this code.",
                        )
                        .into(),
                )],
            )
            .await
        }
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => letters_page(&state, &auth, errors).await,
            Err(r) => r,
        },
    }
}

// ---- the account page ------------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "portal_account.html")]
struct AccountPage {
    lang: Lang,
    csrf: String,
    code: String,
    name: String,
    address: String,
    form: shikaku_app::identity::ContactForm,
    saved: bool,
    errors: Vec<(String, String)>,
}

#[derive(serde::Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    lang: Lang,
    #[serde(default)]
    saved: Option<String>,
}

async fn account_page(
    state: &AppState,
    auth: &Auth,
    form: Option<shikaku_app::identity::ContactForm>,
    saved: bool,
    errors: Vec<(String, String)>,
) -> Response {
    let code = match &auth.actor {
        Actor::Facility { code, .. } => code.clone(),
        _ => return see_other("/portal", auth.lang),
    };
    let facility = match state.portal.facility(&auth.actor, &code).await {
        Ok(f) => f,
        Err(e) => return error_page(auth.lang, e),
    };
    let has_errors = !errors.is_empty();
    render_form(
        &AccountPage {
            lang: auth.lang,
            csrf: auth.csrf.clone(),
            form: form.unwrap_or(shikaku_app::identity::ContactForm {
                contact_name: facility.contact_name.clone(),
                email: facility.email.clone(),
                phone: facility.phone.clone(),
            }),
            address: format!("〒{} {}", facility.postal_code, facility.address),
            code: code.to_string(),
            name: facility.name,
            saved,
            errors,
        },
        has_errors,
    )
}

/// `GET /portal/account`.
pub async fn account(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AccountQuery>,
) -> Response {
    let _ = q.lang;
    account_page(&state, &auth, None, q.saved.is_some(), Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct ContactPost {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    form: shikaku_app::identity::ContactForm,
}

/// `POST /portal/account`: the contact person, mail address and phone.
pub async fn save_contact(
    State(state): State<AppState>,
    CsrfForm(auth, post): CsrfForm<ContactPost>,
) -> Response {
    match state.portal.update_contact(&auth.actor, &post.form).await {
        Ok(()) => see_other("/portal/account?saved=1", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => account_page(&state, &auth, Some(post.form), false, errors).await,
            Err(r) => r,
        },
    }
}

#[derive(serde::Deserialize)]
pub struct PasswordPost {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    current_password: String,
    password: String,
}

/// `POST /portal/account/password`: every other session of the account ends; this one is
/// signed in again.
pub async fn change_password(
    State(state): State<AppState>,
    CsrfForm(auth, post): CsrfForm<PasswordPost>,
) -> Response {
    match state
        .portal
        .change_password(&auth.actor, &post.current_password, &post.password)
        .await
    {
        Ok(()) => match sign_in(&auth.session, &auth.actor).await {
            Ok(()) => see_other("/portal/account?saved=1", auth.lang),
            Err(r) => r,
        },
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => account_page(&state, &auth, None, false, errors).await,
            Err(r) => r,
        },
    }
}

has_csrf!(CodeForm, ContactPost, PasswordPost, PrintForm);
