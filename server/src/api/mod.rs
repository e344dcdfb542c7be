//! The JSON API under `/api`. Each module owns its routes; this one merges
//! them and adds what applies to all of them.

mod account;
mod admin;
mod docs;
mod login;
mod passkey_login;
mod passkeys;
mod reauth;
mod recovery;
mod sessions;
mod sso;
mod totp;

use crate::cross_site::refuse_cross_site;
use crate::error::Error;
use crate::state::AppState;
use axum::http::header::CONTENT_TYPE;
use axum::middleware;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Every API route, with its OpenAPI description.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(account::router())
        .merge(admin::router())
        .merge(login::router())
        .merge(passkey_login::router())
        .merge(passkeys::router())
        .merge(reauth::router())
        .merge(recovery::router())
        .merge(sessions::router())
        .merge(sso::router())
        .merge(totp::router())
}

pub fn router(state: AppState) -> Router<AppState> {
    let (routes, mut spec) = routes().split_for_parts();
    // Paths in the description are relative to where the API is mounted.
    spec.servers = Some(vec![utoipa::openapi::Server::new("/api")]);
    // Serialised once: it never changes while the server runs (and, being
    // plain data, cannot fail to serialise).
    let spec: Arc<str> = serde_json::to_string(&spec).unwrap_or_default().into();
    routes
        .route(
            "/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move { ([(CONTENT_TYPE, "application/json")], spec.to_string()) }
            }),
        )
        // An unknown API path is a JSON 404, never the HTML shell.
        .fallback(|| async { Error(domain::Error::NotFound) })
        .layer(middleware::from_fn_with_state(state, refuse_cross_site))
}
