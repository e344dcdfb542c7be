//! Password sign-in: success, generic failures, multi-org, logout.

use crate::support::{TestApp, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn password_sign_in_opens_a_session_with_a_safe_cookie() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;

    let reply = app.login(" Ada@Example.com ", "ACME", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["email"], "ada@example.com");
    assert_eq!(reply.body["org"]["short_name"], "acme");
    assert_eq!(reply.body["org"]["name"], "Acme Security");
    assert_eq!(reply.body["auth_method"], "password");

    let cookie = reply.set_cookie_header().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    assert!(
        !cookie.contains("Secure"),
        "http origin: no Secure flag ({cookie})"
    );
    let token = reply.session_cookie().unwrap();
    assert!(token.len() >= 43, "a 256-bit token");

    let session = app
        .send(Method::GET, "/api/session", None, Some(&token))
        .await;
    assert_eq!(session.status, StatusCode::OK);
    assert_eq!(session.body["email"], "ada@example.com");
    // Only a hash of the token is stored.
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
        ))
        .await;
    assert_eq!(stored, 0, "the raw token must not be stored");
}

#[tokio::test]
async fn every_failed_sign_in_gets_the_same_answer() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_org("globex", "Globex").await;
    app.create_account("acme", "ada@example.com").await;

    let wrong_password = app
        .login("ada@example.com", "acme", "not the password")
        .await;
    let unknown_email = app.login("nobody@example.com", "acme", PASSWORD).await;
    let unknown_org = app.login("ada@example.com", "nosuchorg", PASSWORD).await;
    let other_org = app.login("ada@example.com", "globex", PASSWORD).await;
    let huge_password = app
        .login("ada@example.com", "acme", &"x".repeat(5000))
        .await;

    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.body["code"], "invalid_credentials");
    for other in [&unknown_email, &unknown_org, &other_org, &huge_password] {
        assert_eq!(other.status, wrong_password.status);
        assert_eq!(other.body, wrong_password.body);
        assert!(other.session_cookie().is_none());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn one_email_in_two_orgs_signs_into_the_org_picked() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_org("globex", "Globex Corporation").await;
    app.create_account("acme", "ada@example.com").await;
    app.create_account("globex", "ada@example.com").await;

    for (org, name) in [("acme", "Acme Security"), ("globex", "Globex Corporation")] {
        let token = app.login_ok("ada@example.com", org).await;
        let session = app
            .send(Method::GET, "/api/session", None, Some(&token))
            .await;
        assert_eq!(session.body["org"]["short_name"], org);
        assert_eq!(session.body["org"]["name"], name);
    }
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;

    let reply = app
        .send(Method::POST, "/api/logout", None, Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let cleared = reply.set_cookie_header().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The browser is told to clear this site's cookies and storage too.
    assert_eq!(reply.headers["clear-site-data"], r#""cookies", "storage""#);
    // The old cookie, replayed, signs in no one and opens nothing.
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
    let after = app
        .send(Method::GET, "/api/passkeys", None, Some(&token))
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.body["code"], "unauthenticated");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn signing_in_again_replaces_the_browsers_old_session() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let first = app.login_ok("ada@example.com", "acme").await;

    let body = json!({ "email": "ada@example.com", "org": "acme", "password": PASSWORD });
    let again = app
        .send(
            Method::POST,
            "/api/login/password",
            Some(body),
            Some(&first),
        )
        .await;
    let second = again.session_cookie().unwrap();
    assert_ne!(first, second, "a sign-in always issues a new token");
    assert_eq!(app.session_status(&first).await, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&second).await, StatusCode::OK);
}

#[tokio::test]
async fn malformed_requests_get_the_api_error_shape() {
    let app = TestApp::new().await;
    let reply = app
        .send(
            Method::POST,
            "/api/login/password",
            Some(json!({ "email": "a@b.c" })),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["code"], "bad_request");

    let unknown = app
        .send(Method::GET, "/api/no-such-endpoint", None, None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], "not_found");
}
