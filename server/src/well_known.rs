//! `/.well-known/passkey-endpoints` (W3C WebAppSec, "A Well-Known URL for
//! Passkey Endpoints"): where a password manager can send a person to
//! create a passkey for this site (`enroll`) or to manage theirs
//! (`manage`). Both are My Account, whose Passkeys section does each;
//! links are built from the configured origin, never from the request.
//!
//! `/.well-known/webauthn` (WebAuthn Level 3 §5.11.1, "Related origin
//! requests"): `{"origins": [...]}`, the public origin and those of
//! `LATCHKEY_RELATED_ORIGINS`. A browser on a related origin asked for a
//! passkey of this relying party fetches it from `https://<RP ID>` and goes
//! on only if its own origin is listed. Unconfigured, it is 404, as for any
//! site without related origins.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/passkey-endpoints", get(passkey_endpoints))
        .route("/.well-known/webauthn", get(related_origins))
}

/// `GET /.well-known/passkey-endpoints`: `{"enroll": URL, "manage": URL}`.
async fn passkey_endpoints(State(state): State<AppState>) -> Json<Value> {
    let account = format!("{}/account", state.web.origin);
    Json(json!({ "enroll": account, "manage": account }))
}

/// `GET /.well-known/webauthn`: `{"origins": [public origin, related…]}`
/// (JSON, `application/json`), or 404 without related origins.
async fn related_origins(State(state): State<AppState>) -> Response {
    let web = &state.web;
    if web.related_origins.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let origins: Vec<&str> = std::iter::once(web.origin.as_str())
        .chain(web.related_origins.iter().map(String::as_str))
        .collect();
    Json(json!({ "origins": origins })).into_response()
}
