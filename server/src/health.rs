//! Probes for whatever runs the server (a container platform, a load
//! balancer): `/healthz` — the process answers — and `/readyz` — it can
//! serve requests: the database answers and has every migration applied.
//! Both are plain GETs outside `/api`, with no session and no body to send.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// `GET /healthz`: 200 `{"status":"ok"}` while the process serves HTTP.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 `{"status":"ready"}`, or 503
/// `{"status":"unavailable"}` when the database does not answer or lacks a
/// migration (the cause goes to the log, not to the prober).
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.db.ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
