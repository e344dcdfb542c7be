//! Latchkey server: the JSON API, the SPA shell, and the admin command line.
//!
//! `main.rs` only parses the command line; everything else is here so that
//! the integration tests can build the same router and drive it directly.

// Outside tests, failures are handled, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod ceremonies;
pub mod cli;
pub mod clock;
pub mod cross_site;
pub mod db;
pub mod demo;
pub mod email_tokens;
pub mod emails;
pub mod error;
pub mod json;
pub mod keys;
pub mod lockout;
pub mod mail;
pub mod orgs;
pub mod passkeys;
pub mod password;
pub mod providers;
pub mod rate_limit;
pub mod security_headers;
pub mod sessions;
pub mod shell;
pub mod state;
pub mod totp;
pub mod validate;
pub mod webauthn;

use axum::Router;
use state::AppState;
use tower_http::trace::TraceLayer;

/// The whole HTTP surface: `/api/*` is JSON; any other path is a static
/// file from the site root (the wasm bundle, CSS, icons) or, failing that,
/// the SPA shell, whose client-side router renders the page.
pub fn app(state: AppState) -> Router {
    let page = shell::render(&state.leptos);
    let headers = security_headers::SecurityHeaders::new(
        &page,
        shell::reload_socket(&state.leptos).as_deref(),
        state.web.secure,
    );
    let site = Router::new()
        .fallback_service(shell::site(&state.leptos.site_root, page))
        .layer(axum::middleware::from_fn_with_state(
            state.leptos.hash_files,
            shell::cache_control,
        ));
    Router::new()
        .nest("/api", api::router(state.clone()))
        .merge(site)
        // Every response, API and files alike, gets the security headers.
        .layer(axum::middleware::from_fn_with_state(
            headers,
            security_headers::add,
        ))
        // Outermost, so its span covers everything else, including errors.
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
