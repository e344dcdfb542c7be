//! State-changing API requests from other sites are refused.

use crate::support::{TestApp, ORIGIN, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::json;

fn login_body() -> serde_json::Value {
    json!({ "email": "ada@example.com", "org": "acme", "password": PASSWORD })
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_they_do_anything() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;

    let cases: [&[(&str, String)]; 4] = [
        &[("sec-fetch-site", "cross-site".into())],
        &[
            ("sec-fetch-site", "same-site".into()),
            ("origin", "http://evil.localhost:3000".into()),
        ],
        &[("origin", "https://evil.example".into())],
        &[("origin", "http://localhost:3001".into())],
    ];
    for headers in cases {
        let reply = app
            .send_with(
                Method::POST,
                "/api/login/password",
                Some(login_body()),
                headers,
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(reply.body["code"], "cross_site_request");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn same_origin_and_non_browser_posts_pass() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let browser = [
        ("sec-fetch-site", "same-origin".into()),
        ("origin", ORIGIN.into()),
    ];
    let reply = app
        .send_with(
            Method::POST,
            "/api/login/password",
            Some(login_body()),
            &browser,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // A script sends neither header: it carries no ambient cookie to abuse.
    let reply = app
        .send_with(Method::POST, "/api/login/password", Some(login_body()), &[])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn cross_site_logout_does_not_end_the_session() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let headers = [
        ("sec-fetch-site", "cross-site".into()),
        ("cookie", format!("latchkey_session={token}")),
    ];
    let reply = app
        .send_with(Method::POST, "/api/logout", None, &headers)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.session_status(&token).await, StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let shell = app.send_with(Method::GET, "/account", None, &[]).await;
    assert_eq!(shell.status, StatusCode::OK, "deep links get the app shell");
    let api = app.send_with(Method::GET, "/api/session", None, &[]).await;
    for reply in [&shell, &api] {
        let csp = reply.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(reply.headers["x-content-type-options"], "nosniff");
        assert_eq!(reply.headers["referrer-policy"], "no-referrer");
        assert!(
            reply.headers.get("strict-transport-security").is_none(),
            "no HSTS on http"
        );
    }
}
