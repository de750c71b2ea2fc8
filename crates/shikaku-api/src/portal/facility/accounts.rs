//! Registration, login and logout.

use super::*;

// ---- registration and login ------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "portal_register.html")]
struct RegisterPage {
    lang: Lang,
    form: Registration,
    errors: Errors,
    categories: Vec<(&'static str, &'static str)>,
}

fn categories(lang: Lang) -> Vec<(&'static str, &'static str)> {
    FacilityCategory::ALL
        .iter()
        .map(|c| (c.as_str(), lang.t(c.label_ja(), c.label_en())))
        .collect()
}

pub async fn register_page(Query(q): Query<LangQuery>) -> Response {
    render(&RegisterPage {
        lang: q.lang,
        form: Registration {
            category: "clinic".into(),
            ..Default::default()
        },
        errors: Vec::new(),
        categories: categories(q.lang),
    })
}

pub async fn register(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    session: Session,
    Form(mut form): Form<Registration>,
) -> Response {
    match state.portal.register(&form).await {
        Ok(actor) => match sign_in(&session, &actor).await {
            Ok(()) => see_other("/portal/activate", q.lang),
            Err(r) => r,
        },
        Err(e) => match form_errors(q.lang, e) {
            Ok(errors) => {
                form.password.clear();
                render_form(
                    &RegisterPage {
                        lang: q.lang,
                        form,
                        errors,
                        categories: categories(q.lang),
                    },
                    true,
                )
            }
            Err(r) => r,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "portal_login.html")]
struct LoginPage {
    lang: Lang,
    login: String,
    error: Option<String>,
}

pub async fn login_page(Query(q): Query<LangQuery>) -> Response {
    render(&LoginPage {
        lang: q.lang,
        login: String::new(),
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    session: Session,
    crate::portal::inquiry::ClientAddr(client): crate::portal::inquiry::ClientAddr,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = q.lang;
    let mut retry_after = None;
    let error = match state
        .portal
        .login(&form.login, &form.password, &client)
        .await
    {
        Ok(actor) => {
            return match sign_in(&session, &actor).await {
                Ok(()) => see_other(
                    match actor {
                        Actor::Operator { .. } => "/portal/operator",
                        Actor::Pending { .. } => "/portal/activate",
                        Actor::Facility { .. } => "/portal/home",
                    },
                    lang,
                ),
                Err(r) => r,
            };
        }
        Err(PortalError::BadLogin) => lang
            .t(
                "医療機関等コード（ログインID）またはパスワードが違います。",
                "The login or the password is wrong.",
            )
            .to_string(),
        Err(PortalError::Throttled { seconds }) => {
            retry_after = Some(seconds);
            if lang.is_en() {
                format!(
                    "Too many failed attempts from here. Please try again in {seconds} seconds."
                )
            } else {
                format!("ログインの失敗が続いたため、{seconds}秒後にもう一度お試しください。")
            }
        }
        Err(other) => return error_page(lang, other),
    };
    let mut page = render(&LoginPage {
        lang,
        login: form.login,
        error: Some(error),
    });
    match retry_after {
        Some(seconds) => {
            *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                page.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        None => *page.status_mut() = StatusCode::UNAUTHORIZED,
    }
    page
}

pub async fn logout(CsrfForm(auth, _): CsrfForm<TokenOnly>) -> Response {
    if let Err(e) = auth.session.flush().await {
        tracing::error!(error = %e, "logout failed");
    }
    see_other("/portal/login", auth.lang)
}
