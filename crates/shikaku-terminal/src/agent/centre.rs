//! Talking to the centre: one request with its Idempotency-Key, and what its answer means
//! (an answer, or a reason to try again later).

use super::*;

/// Why the centre was last not reachable, for the status file (this process's requests).
static LAST_RETRY: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

pub(super) fn note_retry(why: &str) {
    if let Ok(mut last) = LAST_RETRY.lock() {
        *last = Some(why.to_string());
    }
}

pub(super) fn take_retry() -> Option<String> {
    LAST_RETRY.lock().ok().and_then(|mut last| last.take())
}

/// The answer the centre gave, or why there is none yet.
pub(super) enum Centre {
    Answer(u16, Value),
    /// Unreachable, timed out, or 5xx: try again later.
    Retry(String),
}

pub(super) fn refusal(status: u16, v: &Value) -> String {
    match status {
        403 => format!(
            "端末の電子証明書が失効しているか登録されていません。ポータルサイトで確認してください ({})",
            v["message"].as_str().unwrap_or("forbidden")
        ),
        _ => format!(
            "資格確認等システムが要求を受け付けませんでした ({status}: {})",
            v["message"].as_str().unwrap_or("")
        ),
    }
}

pub(super) async fn send(
    client: &reqwest::Client,
    timeout: Duration,
    method: &str,
    url: &str,
    idempotency: &str,
    body: Option<&Value>,
) -> Centre {
    let request = match method {
        "GET" => client.get(url),
        _ => client.post(url).header("idempotency-key", idempotency),
    }
    .timeout(timeout);
    let request = match body {
        Some(b) => request.json(b),
        None => request,
    };
    match request.send().await {
        Err(e) => {
            // The centre refusing this terminal's certificate in the handshake (revoked,
            // expired, unknown) is an answer, not an outage: retrying cannot help.
            let chain = format!("{e:?}");
            if [
                "CertificateRevoked",
                "CertificateExpired",
                "BadCertificate",
                "UnknownCA",
            ]
            .iter()
            .any(|alert| chain.contains(alert))
            {
                Centre::Answer(
                    403,
                    json!({"message": "the centre refused this terminal's certificate in the TLS handshake"}),
                )
            } else {
                note_retry(&format!("接続できません (cannot connect): {e}"));
                Centre::Retry(e.to_string())
            }
        }
        Ok(r) => {
            let status = r.status().as_u16();
            let value = r.json::<Value>().await.unwrap_or(Value::Null);
            // A refusal for too many no-match answers is an answer (the receipt computer
            // gets an error result saying so); other 429s and 5xx are tried again.
            if status >= 500 || (status == 429 && value["error"] != "too_many_no_match") {
                note_retry(&format!("HTTP {status}"));
                Centre::Retry(format!("{status}"))
            } else {
                Centre::Answer(status, value)
            }
        }
    }
}
