//! The card reader's screens as a local web page (`shikaku reader serve`): put a card, choose
//! 顔認証 or 暗証番号, answer the consent screens, 初回登録 when the centre says the card is not
//! registered, and the result. It runs [`crate::reader::verify`], the same flow as the CLI.
//! Listens on the terminal's loopback only by default; PINs are never echoed back into pages.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use shikaku_pki::jpki::{CardAuth, Pin};

use crate::reader::{Centre, ReaderInput, verify};

#[derive(Clone)]
struct ReaderState {
    centre: Arc<Centre>,
    cards: Arc<PathBuf>,
}

enum Screen {
    Start,
    Register {
        card: String,
        consent_drugs: String,
        consent_checkups: String,
    },
    Done {
        status: String,
        message: String,
        rows: Vec<(&'static str, String)>,
    },
}

#[derive(askama::Template)]
#[template(path = "reader.html")]
struct Page {
    screen: Screen,
    cards: Vec<String>,
    ok: bool,
}

#[derive(Debug, serde::Deserialize)]
struct VerifyForm {
    card: String,
    method: String,
    #[serde(default)]
    face_matched: Option<String>,
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    consent_drugs: Option<String>,
    #[serde(default)]
    consent_checkups: Option<String>,
    #[serde(default)]
    register: Option<String>,
}

/// The router of the reader page.
pub fn router(centre: Centre, cards: PathBuf) -> axum::Router {
    axum::Router::new()
        .route("/", get(start))
        .route("/verify", post(submit))
        .with_state(ReaderState {
            centre: Arc::new(centre),
            cards: Arc::new(cards),
        })
}

/// Serves the reader page until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    centre: Centre,
    cards: PathBuf,
) -> anyhow::Result<()> {
    axum::serve(listener, router(centre, cards)).await?;
    Ok(())
}

fn render(page: Page) -> Response {
    use askama::Template;
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reader page rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The card files offered on the first screen (names only, never paths from the client).
fn card_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".json") || n.ends_with(".card"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn start(State(state): State<ReaderState>) -> Response {
    render(Page {
        screen: Screen::Start,
        cards: card_names(&state.cards),
        ok: true,
    })
}

fn done(status: &str, message: &str, rows: Vec<(&'static str, String)>) -> Response {
    render(Page {
        ok: matches!(status, "valid"),
        screen: Screen::Done {
            status: status.to_string(),
            message: message.to_string(),
            rows,
        },
        cards: Vec::new(),
    })
}

async fn submit(State(state): State<ReaderState>, Form(form): Form<VerifyForm>) -> Response {
    // Only a card offered by the page: a bare file name inside the card folder.
    let offered = card_names(&state.cards);
    if !offered.contains(&form.card) {
        return done("bad_card", "カードを読み取れませんでした", Vec::new());
    }
    let auth = match form.method.as_str() {
        "pin" => match form.pin.as_deref().map(Pin::parse) {
            Some(Ok(pin)) => CardAuth::Pin(pin),
            _ => return done("bad_pin", "暗証番号は数字4桁で入力してください", Vec::new()),
        },
        _ if form.face_matched.as_deref() == Some("yes") => CardAuth::FaceMatched,
        _ => {
            return done(
                "face_mismatch",
                "顔認証ができませんでした。暗証番号で本人確認してください",
                Vec::new(),
            );
        }
    };
    let yes = |v: &Option<String>| v.as_deref().map(|v| v == "yes");
    let input = ReaderInput {
        card: state.cards.join(&form.card),
        auth,
        register: yes(&form.register) == Some(true),
        consent_drugs: yes(&form.consent_drugs),
        consent_checkups: yes(&form.consent_checkups),
        consent_limit: None,
        inpatient: false,
        as_of: None,
    };
    let answer = match verify(&state.centre, &input).await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(error = %e, "the centre could not be reached");
            return done(
                "unreachable",
                "資格確認等システムに接続できません。保険証で受付してください",
                Vec::new(),
            );
        }
    };
    let status = answer["status"].as_str().unwrap_or_default().to_string();
    if status == "not_registered" {
        return render(Page {
            screen: Screen::Register {
                card: form.card,
                consent_drugs: form.consent_drugs.unwrap_or_else(|| "no".into()),
                consent_checkups: form.consent_checkups.unwrap_or_else(|| "no".into()),
            },
            cards: Vec::new(),
            ok: true,
        });
    }
    let message = answer["message"].as_str().unwrap_or_default().to_string();
    done(&status, &message, rows(&answer))
}

/// The qualification and consents as label/value rows.
fn rows(answer: &Value) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    let text = |v: &Value| v.as_str().unwrap_or("―").to_string();
    if let Some(q) = answer.get("qualification") {
        rows.push(("氏名", text(&q["name"])));
        rows.push((
            "保険者",
            format!(
                "{} {}",
                text(&q["insurer_number"]),
                text(&q["insurer_name"])
            ),
        ));
        rows.push((
            "記号・番号・枝番",
            format!(
                "{}・{}・{}",
                text(&q["symbol"]),
                text(&q["number"]),
                text(&q["branch"])
            ),
        ));
        rows.push((
            "負担割合",
            format!("{}割", q["copay_ratio"].as_u64().unwrap_or_default() / 10),
        ));
        rows.push(("資格取得年月日", text(&q["qualified_from"])));
        rows.push(("資格喪失年月日", text(&q["qualified_until"])));
    }
    if answer["registered_now"] == true {
        rows.push(("初回登録", "登録しました".into()));
    }
    if let Some(consents) = answer["consents"].as_array() {
        let has = |k: &str| consents.iter().any(|c| c == k);
        rows.push((
            "薬剤情報",
            if has("drugs") {
                "同意する"
            } else {
                "同意しない"
            }
            .into(),
        ));
        rows.push((
            "特定健診情報",
            if has("checkups") {
                "同意する"
            } else {
                "同意しない"
            }
            .into(),
        ));
    }
    rows
}
