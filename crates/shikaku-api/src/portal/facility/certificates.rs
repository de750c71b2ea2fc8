//! The facility's certificate pages: apply, the one download, revoke.

use super::*;
use crate::portal::{CsrfForm, OrPage, PageResult, TokenOnly};
use axum::response::IntoResponse;

// ---- certificates ----------------------------------------------------------------------

pub(super) struct CertRow {
    id: String,
    terminal: String,
    os: String,
    status: &'static str,
    status_text: String,
    actions: crate::portal::Offered,
    serial: String,
    applied_at: String,
}

#[derive(askama::Template)]
#[template(path = "portal_certs.html")]
pub(super) struct CertsPage {
    lang: Lang,
    notice: Option<&'static str>,
    csrf: String,
    oses: Vec<(&'static str, &'static str)>,
    rows: Vec<CertRow>,
    errors: Errors,
    terminal: String,
}

pub(super) async fn certs_page(
    state: &AppState,
    auth: &Auth,
    terminal: String,
    errors: Errors,
) -> PageResult {
    facility_only(auth)?;
    let lang = auth.lang;
    let certificates = state
        .portal
        .my_certificates(&auth.actor)
        .await
        .or_page(lang)?;
    let rows = certificates
        .iter()
        .map(|c| CertRow {
            id: c.id.clone(),
            terminal: c.terminal_name.clone(),
            os: TerminalOs::parse(&c.os)
                .map(|x| lang.t(x.label_ja(), x.label_en()).to_string())
                .unwrap_or_else(|| c.os.clone()),
            status: c.status.code(),
            status_text: status_text(lang, c.status),
            actions: crate::portal::Offered::of(c.status, false),
            serial: c.serial.clone().unwrap_or_default(),
            applied_at: format_jst_minute(c.applied_at),
        })
        .collect();
    let has_errors = !errors.is_empty();
    Ok(render_form(
        &CertsPage {
            lang,
            notice: auth.notice,
            csrf: auth.csrf.clone(),
            oses: TerminalOs::ALL
                .iter()
                .map(|o| (o.code(), lang.t(o.label_ja(), o.label_en())))
                .collect(),
            rows,
            errors,
            terminal,
        },
        has_errors,
    ))
}

pub async fn certificates(State(state): State<AppState>, auth: Auth) -> PageResult {
    certs_page(&state, &auth, String::new(), Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct CertForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    terminal_name: String,
    #[serde(default)]
    os: String,
}

pub async fn apply_certificate(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<CertForm>,
) -> Response {
    match state
        .portal
        .apply_certificate(&auth.actor, &form.terminal_name, &form.os)
        .await
    {
        Ok(_) => see_other("/portal/certificates?done=cert-applied", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => certs_page(&state, &auth, form.terminal_name, errors)
                .await
                .into_response(),
            Err(r) => r,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "portal_cert_download.html")]
pub(super) struct DownloadPage {
    lang: Lang,
    file_name: String,
    password: String,
    data_url: String,
}

/// The one download: a page with the password and the PKCS#12 as a `data:` link, so nothing
/// of it stays on the server.
pub async fn download_certificate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    crate::portal::inquiry::ClientAddr(client): crate::portal::inquiry::ClientAddr,
    CsrfForm(auth, _): CsrfForm<TokenOnly>,
) -> Response {
    use base64::Engine;
    // The one-time certificate and its password never cross a network in clear: over plain
    // HTTP only to this machine itself (the demo's loopback mode).
    let loopback = client
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback());
    if !state.secure_cookies && !loopback {
        return crate::portal::message_page(
            auth.lang,
            StatusCode::FORBIDDEN,
            auth.lang.t(
                "電子証明書のダウンロードは HTTPS でのみ行えます。運用者にお問い合わせください。",
                "Certificates are downloaded over HTTPS only. Please contact the operator.",
            ),
        );
    }
    match state.portal.download_certificate(&auth.actor, &id).await {
        Ok(d) => {
            let mut page = render(&DownloadPage {
                lang: auth.lang,
                data_url: format!(
                    "data:application/x-pkcs12;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&d.p12)
                ),
                file_name: d.file_name,
                password: d.password,
            });
            page.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            page
        }
        Err(e) => error_page(auth.lang, e),
    }
}

pub async fn revoke_certificate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(auth, _): CsrfForm<TokenOnly>,
) -> Response {
    match state.portal.revoke_certificate(&auth.actor, &id).await {
        Ok(_) => see_other(
            if auth.actor.is_operator() {
                "/portal/operator/certificates"
            } else {
                "/portal/certificates?done=cert-revoked"
            },
            auth.lang,
        ),
        Err(e) => error_page(auth.lang, e),
    }
}

has_csrf!(CertForm);
