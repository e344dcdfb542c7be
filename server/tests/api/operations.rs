//! What runs the server asks of it: health and readiness probes, and the
//! well-known passkey endpoints password managers read.

use crate::support::{TestApp, ORIGIN};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn health_and_readiness_answer_and_readiness_follows_the_database() {
    let app = TestApp::new().await;
    let health = app.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (health.status, health.body),
        (StatusCode::OK, json!({ "status": "ok" }))
    );
    let ready = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (ready.status, ready.body),
        (StatusCode::OK, json!({ "status": "ready" }))
    );
    // A migration this build knows, missing from the database: not ready.
    app.exec(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await;
    let missing = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(missing.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        missing.body,
        json!({ "status": "unavailable" }),
        "no detail to the prober"
    );
    // The database gone: not ready, and the process still healthy.
    app.state.db.close().await;
    let closed = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(closed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        app.send(Method::GET, "/healthz", None, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_passkey_endpoints_name_my_account_on_the_configured_origin() {
    let app = TestApp::new().await;
    let reply = app
        .send_with(
            Method::GET,
            "/.well-known/passkey-endpoints",
            None,
            &[("host", "evil.example".to_owned())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["content-type"].to_str().unwrap(),
        "application/json"
    );
    let account = format!("{ORIGIN}/account");
    assert_eq!(reply.body, json!({ "enroll": account, "manage": account }));
}
