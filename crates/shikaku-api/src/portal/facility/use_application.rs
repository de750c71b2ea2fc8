//! The use application's page.

use super::*;

// ---- use application -------------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "portal_use.html")]
struct UsePage {
    lang: Lang,
    csrf: String,
    form: UseForm,
    line_types: Vec<(&'static str, &'static str)>,
    services: Vec<(&'static str, &'static str, String)>,
    errors: Errors,
    filed: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct UseForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    line_type: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    start_month: String,
    #[serde(default)]
    test_month: String,
    #[serde(default)]
    setup_date: String,
    #[serde(default)]
    online_claims: String,
}

/// The use-application page: the form as typed (`Some`, shown again with its errors) or as
/// filed (`None`).
async fn use_page_with(
    state: &AppState,
    auth: &Auth,
    typed: Option<UseForm>,
    errors: Errors,
) -> Response {
    if let Err(r) = facility_only(auth) {
        return r;
    }
    let lang = auth.lang;
    let stored = match state.portal.use_application(&auth.actor).await {
        Ok(u) => u,
        Err(e) => return error_page(lang, e),
    };
    let filed = stored.as_ref().map(|u| format_jst_minute(u.submitted_at));
    let form = typed.unwrap_or_else(|| {
        stored
            .map(|u| UseForm {
                csrf: String::new(),
                line_type: u.line_type,
                service: u.provider,
                customer_id: u.customer_id.unwrap_or_default(),
                start_month: u.start_month,
                test_month: u.test_month.unwrap_or_default(),
                setup_date: u.setup_date.to_string(),
                online_claims: if u.online_claims {
                    "1".into()
                } else {
                    String::new()
                },
            })
            .unwrap_or_default()
    });
    let has_errors = !errors.is_empty();
    render_form(
        &UsePage {
            lang,
            csrf: auth.csrf.clone(),
            form,
            line_types: LineType::ALL
                .iter()
                .map(|t| (t.code(), lang.t(t.label_ja(), t.label_en())))
                .collect(),
            services: LINE_SERVICES
                .iter()
                .map(|s| {
                    (
                        s.code,
                        s.line_type.code(),
                        format!("{} — {}", s.carrier, s.name),
                    )
                })
                .collect(),
            errors,
            filed,
        },
        has_errors,
    )
}

pub async fn use_page(State(state): State<AppState>, auth: Auth) -> Response {
    use_page_with(&state, &auth, None, Vec::new()).await
}

pub async fn use_apply(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<UseForm>,
) -> Response {
    let input = UseApplicationForm {
        line_type: form.line_type.clone(),
        service: form.service.clone(),
        customer_id: form.customer_id.clone(),
        start_month: form.start_month.clone(),
        test_month: form.test_month.clone(),
        setup_date: form.setup_date.clone(),
        online_claims: form.online_claims == "1",
    };
    match state.portal.file_use_application(&auth.actor, &input).await {
        Ok(_) => see_other("/portal/home?done=use-filed", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => use_page_with(&state, &auth, Some(form), errors).await,
            Err(r) => r,
        },
    }
}

has_csrf!(UseForm);
