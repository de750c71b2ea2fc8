//! The agent's status for `agent status` and Prometheus.

use super::*;

/// Serves `GET /metrics` (Prometheus text) from the agent's status file.
pub async fn serve_metrics(listener: tokio::net::TcpListener, dir: PathBuf) -> anyhow::Result<()> {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let dir = dir.clone();
            async move {
                match read_status(&dir) {
                    Ok(status) => (
                        axum::http::StatusCode::OK,
                        [("content-type", "text/plain; version=0.0.4")],
                        prometheus(&status),
                    ),
                    Err(e) => (
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        [("content-type", "text/plain; version=0.0.4")],
                        format!("# {e}\n"),
                    ),
                }
            }
        }),
    );
    axum::serve(listener, app).await?;
    Ok(())
}

/// Reads the status file of an agent folder.
pub fn read_status(dir: &Path) -> anyhow::Result<AgentStatus> {
    let path = dir.join(STATUS_FILE);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "{} がありません（エージェントが一度も動いていません） (no status file)",
            path.display()
        )
    })?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// The status in Prometheus text format.
pub fn prometheus(status: &AgentStatus) -> String {
    let ts = |s: &Option<String>| {
        s.as_deref()
            .and_then(|t| {
                OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map_or(0, |t| t.unix_timestamp())
    };
    format!(
        "# HELP shikaku_agent_queue_length Requests claimed and not yet answered.\n# TYPE shikaku_agent_queue_length gauge\nshikaku_agent_queue_length {}\n\
         # HELP shikaku_agent_oldest_waiting_timestamp_seconds When the oldest waiting request was written (0: none).\n# TYPE shikaku_agent_oldest_waiting_timestamp_seconds gauge\nshikaku_agent_oldest_waiting_timestamp_seconds {}\n\
         # HELP shikaku_agent_last_success_timestamp_seconds Last result written after contacting the centre.\n# TYPE shikaku_agent_last_success_timestamp_seconds gauge\nshikaku_agent_last_success_timestamp_seconds {}\n\
         # HELP shikaku_agent_last_error_timestamp_seconds Last error (0: none).\n# TYPE shikaku_agent_last_error_timestamp_seconds gauge\nshikaku_agent_last_error_timestamp_seconds {}\n\
         # HELP shikaku_agent_results_written_total Results written by this run.\n# TYPE shikaku_agent_results_written_total counter\nshikaku_agent_results_written_total {}\n\
         # HELP shikaku_agent_refused_requests_total Requests answered with a file-level error result (malformed, unsupported, another facility's code).\n# TYPE shikaku_agent_refused_requests_total counter\nshikaku_agent_refused_requests_total {}\n",
        status.queue_length,
        ts(&status.oldest_waiting_since),
        ts(&status.last_success_at),
        ts(&status.last_error_at),
        status.results_written,
        status.refused_requests
    )
}
