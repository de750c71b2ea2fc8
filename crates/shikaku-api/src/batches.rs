//! 一括照会 over the mTLS API: `POST /v1/batches` stores a job and answers at once with its id
//! (受付番号); `GET /v1/batches/{id}` answers `queued` until the results are ready, then the
//! results in input order. A facility sees only its own jobs.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use shikaku_app::batches::{BatchItem, MAX_ITEMS};
use shikaku_domain::date::format_date;

use crate::eligibility::{parse_request, require_json};
use crate::idempotency::idempotent;
use crate::terminal::Terminal;
use crate::{ApiError, AppState};

fn rfc3339(t: time::OffsetDateTime) -> String {
    crate::card::rfc3339(t)
}

pub async fn submit(
    State(state): State<AppState>,
    Terminal(caller): Terminal,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_json(&headers)?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("JSON として読めません: {e} (malformed JSON)"),
        )
    })?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "JSON オブジェクトを送ってください (the body must be a JSON object)",
        ));
    };
    if let Some(unknown) = object.keys().find(|k| *k != "items" && *k != "as_of") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_field",
            format!("未知の項目があります: {unknown} (unknown field)"),
        ));
    }
    let Some(items) = object.get("items").and_then(Value::as_array) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "items（照会する方の配列）が必要です (items: an array of persons)",
        ));
    };
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_items",
            format!(
                "1〜{MAX_ITEMS}件です: {}件 (1 to {MAX_ITEMS} persons)",
                items.len()
            ),
        ));
    }
    let as_of = object
        .get("as_of")
        .and_then(Value::as_str)
        .map(str::to_string);
    let parsed: Vec<BatchItem> = items
        .iter()
        .map(|item| {
            let mut item = item.clone();
            if let (Some(as_of), Some(map)) = (&as_of, item.as_object_mut()) {
                map.entry("as_of")
                    .or_insert_with(|| Value::String(as_of.clone()));
            }
            let bytes = serde_json::to_vec(&item).unwrap_or_default();
            match parse_request(&bytes) {
                Ok(r) => BatchItem::Ok {
                    insurer_number: r.card.insurer.as_str().to_string(),
                    symbol: r.card.symbol_str().to_string(),
                    number: r.card.number.as_str().to_string(),
                    branch: if r.any_branch {
                        String::new()
                    } else {
                        r.card.branch.as_str().to_string()
                    },
                    birth_date: format_date(r.birth_date),
                    as_of: r.as_of.map(format_date),
                },
                Err(e) => BatchItem::Refused {
                    error: serde_json::to_value(&e.body).unwrap_or_default(),
                },
            }
        })
        .collect();
    let batches = state.batches.clone();
    let owner = caller.clone();
    idempotent(&state, &owner, &headers, "batches", &body, || async move {
        let job = batches.submit(&caller, parsed).await?;
        Ok((
            StatusCode::ACCEPTED,
            json!({"id": job.id, "status": job.status, "created_at": rfc3339(job.created_at)}),
        ))
    })
    .await
}

pub async fn get(
    State(state): State<AppState>,
    Terminal(caller): Terminal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(job) = state.batches.get(&caller, &id).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_batch",
            "受付番号が存在しません (no such batch for this facility)",
        ));
    };
    let mut answer = json!({
        "id": job.id,
        "status": job.status,
        "created_at": rfc3339(job.created_at),
    });
    if let (Some(result), Some(finished)) = (&job.result, job.finished_at) {
        answer["finished_at"] = rfc3339(finished).into();
        answer["results"] = serde_json::from_str(result).unwrap_or(Value::Null);
    }
    Ok(Json(answer).into_response())
}
