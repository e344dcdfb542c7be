//! Latchkey server: HTTP around the `domain` crate — the JSON API, the SPA
//! shell, and the admin command line. It writes no SQL and holds no rule:
//! handlers extract, make one call on the domain, and map the result.
//!
//! A reading tour: [`api`] (one module per area, each with its `router()`),
//! [`auth`] (the extractors that enforce sessions, freshness and the
//! client's address, and the cookie), [`error`] (the one place an error
//! becomes HTTP), [`cross_site`] and [`security_headers`] (middleware),
//! [`shell`] (the SPA page and static files), [`health`] (`/healthz`,
//! `/readyz`), [`well_known`] (`/.well-known/passkey-endpoints`), [`cli`]
//! (the binary's commands, `serve` among them).
//!
//! `main.rs` only parses the command line; everything else is here so that
//! the integration tests can build the same router and drive it directly.

// Outside tests, failures are handled, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod auth;
pub mod cli;
pub mod cross_site;
pub mod error;
pub mod health;
pub mod json;
pub mod security_headers;
pub mod shell;
pub mod state;
pub mod well_known;

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
        .merge(health::router())
        .merge(well_known::router())
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
