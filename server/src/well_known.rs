//! `/.well-known/passkey-endpoints` (W3C WebAppSec, "A Well-Known URL for
//! Passkey Endpoints"): where a password manager can send a person to
//! create a passkey for this site (`enroll`) or to manage theirs
//! (`manage`). Both are My Account, whose Passkeys section does each;
//! links are built from the configured origin, never from the request.

use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/.well-known/passkey-endpoints", get(passkey_endpoints))
}

/// `GET /.well-known/passkey-endpoints`: `{"enroll": URL, "manage": URL}`.
async fn passkey_endpoints(State(state): State<AppState>) -> Json<Value> {
    let account = format!("{}/account", state.web.origin);
    Json(json!({ "enroll": account, "manage": account }))
}
