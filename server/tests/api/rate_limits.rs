//! Rate limits per client address on every endpoint that starts a
//! ceremony, checks a secret or sends email. (That they hold across
//! instances is in `instances.rs`.)

use crate::passkeys::register;
use crate::support::{TestApp, PASSWORD};
use axum::http::{Method, StatusCode};
use domain::limits::RateLimits;
use serde_json::json;

async fn acme_with_ada(limits: RateLimits) -> TestApp {
    let app = TestApp::with_limits(limits).await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    app
}

#[tokio::test]
async fn a_burst_of_ceremony_starts_gets_429_and_stored_ceremonies_stay_bounded() {
    let app = acme_with_ada(RateLimits::per_minute(10, 30)).await;
    let mut statuses = Vec::new();
    for _ in 0..200 {
        let reply = app.passkey_start().await;
        statuses.push(reply.status);
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, limited), (10, 190));
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 10);

    // Each minute brings a new allowance; expired ceremonies are swept, so
    // the table never holds more than the limit times the ceremony lifetime.
    for _ in 0..10 {
        app.clock.advance(60);
        for _ in 0..15 {
            app.passkey_start().await;
        }
    }
    let stored = app.count("SELECT COUNT(*) FROM ceremonies").await;
    assert!(stored <= 10 * 6, "{stored} ceremonies stored");
    assert!(app.count("SELECT COUNT(*) FROM rate_counters").await <= 2);
}

#[tokio::test]
async fn every_ceremony_start_counts_towards_one_limit() {
    let app = acme_with_ada(RateLimits::per_minute(3, 30)).await;
    let token = app.login_ok("ada@example.com", "acme").await;
    register(&app, &token).await; // the 1st start
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/passkey/start",
            None,
            Some(&token),
        )
        .await;
    assert_eq!(reauth.status, StatusCode::OK); // the 2nd
    let body = json!({ "account": { "email": "ada@example.com", "org": "acme" } });
    let login = app
        .send(Method::POST, "/api/login/passkey/start", Some(body), None)
        .await;
    assert_eq!(login.status, StatusCode::OK); // the 3rd
    for (path, body) in [
        ("/api/login/passkey/start", Some(json!({}))),
        ("/api/reauth/passkey/start", None),
        ("/api/passkeys/register/start", None),
    ] {
        let reply = app.send(Method::POST, path, body, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert_eq!(reply.body["code"], "rate_limited");
    }
}

#[tokio::test]
async fn every_password_and_code_check_counts_towards_one_limit() {
    let app = acme_with_ada(RateLimits::per_minute(100, 4)).await;
    app.create_org("secure", "Secure Org").await;
    app.exec("UPDATE orgs SET require_2fa = TRUE WHERE short_name = 'secure'")
        .await;
    app.create_account("secure", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await; // 1

    // Half signed in: the org requires 2FA, so a code step comes next.
    let half = app.login_ok("ada@example.com", "secure").await; // 2
    let reauth = json!({ "password": "wrong" });
    let reply = app
        .send(
            Method::POST,
            "/api/reauth/password",
            Some(reauth.clone()),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST); // 3: the wrong password
    let reply = app.login("ada@example.com", "acme", "wrong").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED); // 4

    let reply = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.body["code"], "rate_limited");
    let reply = app
        .send(
            Method::POST,
            "/api/reauth/password",
            Some(reauth),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let code = json!({ "code": "123456" });
    for (path, session) in [
        ("/api/totp/setup/confirm", &token),
        ("/api/login/totp/setup/confirm", &half),
        ("/api/login/totp", &half),
    ] {
        let reply = app
            .send(Method::POST, path, Some(code.clone()), Some(session))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{path}: {:?}",
            reply.body
        );
    }
    // The refusals are in the audit trail with their cause.
    let audited = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE cause = 'rate_limited' \
             AND event IN ('sign_in.password', 'sign_in.totp', 'reauth', 'totp.enabled')",
        )
        .await;
    assert_eq!(audited, 5);
    // A minute later, the right password works again.
    app.clock.advance(60);
    app.login_ok("ada@example.com", "acme").await;
}

#[tokio::test]
async fn one_address_can_have_at_most_20_emails_sent_an_hour() {
    let app = acme_with_ada(RateLimits::default()).await;
    for i in 0..20 {
        let body = json!({ "email": format!("person{i}@example.com") });
        let reply = app
            .send(Method::POST, "/api/login/org-list", Some(body), None)
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    let body = json!({ "email": "ada@example.com" });
    let reply = app
        .send(Method::POST, "/api/login/org-list", Some(body), None)
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    // Re-authentication links share the allowance.
    let token = app.login_ok("ada@example.com", "acme").await;
    let reply = app
        .send(Method::POST, "/api/reauth/email/start", None, Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.mail(0).await.len(),
        0,
        "nobody got mail: none of those emails has an account"
    );
}
