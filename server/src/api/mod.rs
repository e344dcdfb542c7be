//! The JSON API under `/api`. Each module owns its routes; this one merges
//! them and adds what applies to all of them.

mod login;
mod passkey_login;
mod passkeys;
mod reauth;
mod totp;

use crate::cross_site::refuse_cross_site;
use crate::error::Error;
use crate::state::AppState;
use axum::middleware;
use axum::Router;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(passkey_login::router())
        .merge(passkeys::router())
        .merge(reauth::router())
        .merge(totp::router())
        // An unknown API path is a JSON 404, never the HTML shell.
        .fallback(|| async { Error::NotFound })
        .layer(middleware::from_fn_with_state(state, refuse_cross_site))
}
