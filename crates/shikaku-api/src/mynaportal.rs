//! マイナポータル (the patient's view) on the web listener: the holder signs in with the card
//! and PIN (a nonce signed by the card key, as at the reader) and sees which facility looked
//! up their qualification, drug or checkup information and when, and the consents they gave.
//! Only the holder's own entries are ever returned.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use shikaku_domain::date::JST;

use crate::card::{ChallengeView, parse_body, rfc3339};
use crate::{ApiError, AppState};

/// How many accesses a sign-in shows.
const MAX_ENTRIES: u32 = 500;

#[derive(Debug, Serialize)]
pub struct AccessView {
    /// JST, RFC 3339.
    pub at: String,
    pub facility_code: String,
    /// `card_numbers`, `my_number_card`, `drugs`, `checkups`.
    pub kind: String,
    pub kind_label: &'static str,
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct ConsentView {
    pub facility_code: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub given_at: String,
    pub expires_at: String,
    pub live: bool,
}

#[derive(Debug, Serialize)]
pub struct PatientLogView {
    pub registered_at: Option<String>,
    /// Set when the qualification data linked to the holder's 個人番号 is under review: the
    /// accesses through those rows are not shown until the insurer corrects them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<&'static str>,
    pub accesses: Vec<AccessView>,
    pub consents: Vec<ConsentView>,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "card_numbers" => "資格確認（保険証の記号・番号）",
        "my_number_card" => "資格確認（マイナンバーカード）",
        "drugs" => "薬剤情報の閲覧",
        "checkups" => "特定健診情報の閲覧",
        "card_numbers_replay" => "資格確認（保険証の記号・番号、再送への再回答）",
        "my_number_card_replay" => "資格確認（マイナンバーカード、再送への再回答）",
        "drugs_replay" => "薬剤情報の閲覧（再送への再回答）",
        "checkups_replay" => "特定健診情報の閲覧（再送への再回答）",
        _ => "その他",
    }
}

pub async fn challenge(State(state): State<AppState>) -> Result<Json<ChallengeView>, ApiError> {
    Ok(Json(ChallengeView::new(
        state.cards.patient_challenge().await?,
    )))
}

pub async fn log(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<PatientLogView>, ApiError> {
    let request = parse_body(&body)?;
    match state.cards.patient_view(&request, MAX_ENTRIES).await? {
        Ok(view) => {
            let now = time::OffsetDateTime::now_utc();
            let jst = |t: time::OffsetDateTime| rfc3339(t.to_offset(JST));
            Ok(Json(PatientLogView {
                registered_at: view.registered_at.map(jst),
                notice: view.under_review.then_some(
                    "あなたの個人番号に紐づく資格情報に確認が必要な点があり、保険者に照会中です。保険証の記号・番号による照会の記録は、確認が済むまで表示されません。",
                ),
                accesses: view
                    .accesses
                    .into_iter()
                    .map(|e| AccessView {
                        at: jst(e.at),
                        kind_label: if e.status == "no_match" {
                            "照会（不一致）"
                        } else {
                            kind_label(&e.kind)
                        },
                        facility_code: e.facility_code,
                        kind: e.kind,
                        status: e.status,
                    })
                    .collect(),
                consents: view
                    .consents
                    .into_iter()
                    .map(|c| ConsentView {
                        kind_label: kind_label(&c.kind),
                        live: c.expires_at > now,
                        given_at: jst(c.given_at),
                        expires_at: jst(c.expires_at),
                        facility_code: c.facility_code,
                        kind: c.kind,
                    })
                    .collect(),
            }))
        }
        Err(status) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            status.as_str(),
            status.message_ja(),
        )),
    }
}
