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
pub mod metrics;
pub mod security_headers;
pub mod shell;
pub mod state;
pub mod well_known;

use axum::http::{HeaderName, Request};
use axum::Router;
use state::AppState;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The header that carries a request's id, in the response too.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every request's span: its method, path (never the query, which may
/// carry codes) and id, so that each log line of a request names it.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(),
        request_id = %id)
}

/// Drops a request id the client sent: ids are ours (a UUID per request),
/// so a client cannot write what it likes into the log.
async fn drop_client_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    request.headers_mut().remove(&REQUEST_ID);
    request
}

/// The whole HTTP surface: `/api/*` is JSON; any other path is a static
/// file from the site root (the wasm bundle, CSS, icons) or, failing that,
/// the SPA shell, whose client-side router renders the page.
pub fn app(state: AppState) -> Router {
    let shells = shell::Shells::render(&state.leptos);
    let headers = security_headers::SecurityHeaders::new(
        &shells.public,
        shell::reload_socket(&state.leptos).as_deref(),
        state.web.secure,
    );
    let site = Router::new()
        .fallback_service(shell::site(&state.leptos.site_root, shells))
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
        // After routing (a router layer), so the route template is known.
        .layer(axum::middleware::from_fn(metrics::record_request))
        // Its span covers everything else, including errors.
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // A new id for each request, answered in `x-request-id` too.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_client_request_id))
        .with_state(state)
}
