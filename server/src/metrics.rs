//! Prometheus metrics, served on their own listen address
//! (`LATCHKEY_METRICS_ADDR`, off by default) so that they never share the
//! public port: `GET /metrics` there, in the Prometheus text format.
//!
//! What is counted, and where:
//! - `latchkey_http_requests_total{method, route, status}` and
//!   `latchkey_http_request_duration_seconds{method, route}` (histogram):
//!   [`record_request`], every request. `route` is the matched route
//!   template (`/api/passkeys/{id}`), never the raw path, so the label set
//!   stays small; static files and the shell count as `other`.
//! - `latchkey_audit_events_total{event, outcome, cause}`: every audit
//!   entry, so sign-ins by method (`sign_in.password`, `sign_in.passkey`,
//!   `sign_in.sso`…) and outcome (`domain::audit::record`).
//! - `latchkey_lockouts_total`, `latchkey_locked_out_refusals_total`,
//!   `latchkey_rate_limited_total{limit}` (`domain::limits`).
//! - `latchkey_mail_total{outcome}`: deliveries `sent`, `retried` or
//!   `given_up`, and `latchkey_mail_queue_depth`: messages waiting, set
//!   after each look at the queue (`domain::mail::sender`).
//! - `latchkey_db_connections{state}`: open and idle database connections,
//!   read at each scrape.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use domain::store::db::Db;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Whether a recorder is installed: without one, [`record_request`] does
/// nothing at all (no label strings made for a recorder that drops them).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Request durations' histogram buckets (seconds): from 1 ms, where a
/// passkey sign-in lives, to 2.5 s, past any healthy answer.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Installs the process's metrics recorder; the handle renders them.
///
/// Errors: a recorder is already installed, or the buckets are invalid.
pub fn install() -> Result<PrometheusHandle, String> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("latchkey_http_request_duration_seconds".into()),
            DURATION_BUCKETS,
        )
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())
        .inspect(|_| ENABLED.store(true, Ordering::Relaxed))
}

/// Serves `GET /metrics` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, handle: PrometheusHandle, db: Db) {
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state((handle, db));
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "the metrics listener stopped");
    }
}

async fn render(State((handle, db)): State<(PrometheusHandle, Db)>) -> String {
    let (open, idle) = db.connections();
    metrics::gauge!("latchkey_db_connections", "state" => "open").set(open as f64);
    metrics::gauge!("latchkey_db_connections", "state" => "idle").set(idle as f64);
    let (batches, batched) = db.write_batches();
    metrics::counter!("latchkey_db_write_batches_total").absolute(batches);
    metrics::counter!("latchkey_db_batched_writes_total").absolute(batched);
    handle.render()
}

/// Counts a request and times it, by its route template and status.
pub async fn record_request(request: Request, next: Next) -> Response {
    if !ENABLED.load(Ordering::Relaxed) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("latchkey_http_request_duration_seconds",
        "method" => method.clone(), "route" => route.clone())
    .record(started.elapsed().as_secs_f64());
    metrics::counter!("latchkey_http_requests_total",
        "method" => method, "route" => route, "status" => status)
    .increment(1);
    response
}
