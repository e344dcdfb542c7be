//! Org policies on password sign-in: lockout and SSO required.

use crate::support::{TestApp, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn acme_with_ada() -> TestApp {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    app
}

#[tokio::test]
async fn password_sign_in_locks_after_the_orgs_allowed_failures() {
    let app = acme_with_ada().await;
    // Default: 6 failures within 15 minutes lock for 15 minutes.
    for _ in 0..6 {
        let reply = app.login("ada@example.com", "acme", "wrong password").await;
        assert_eq!(reply.body["code"], "invalid_credentials");
    }
    let locked = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.body["code"], "locked_out");
    assert_eq!(
        locked.body["message"],
        "Too many failed attempts: password sign-in is locked for 15 minutes. You can still sign in with a passkey."
    );
    assert!(locked.session_cookie().is_none());

    // An unknown account locks exactly the same way: nothing tells them apart.
    for _ in 0..6 {
        app.login("nobody@example.com", "acme", "wrong password")
            .await;
    }
    let unknown = app.login("nobody@example.com", "acme", PASSWORD).await;
    assert_eq!(
        (unknown.status, &unknown.body),
        (locked.status, &locked.body)
    );

    // The lockout ends after its period; a success forgets the failures.
    app.clock.advance(15 * 60);
    let reply = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM secret_attempts").await,
        1,
        "Ada's failures are forgotten; the unknown account's remain"
    );
}

#[tokio::test]
async fn failures_spread_beyond_the_window_do_not_lock() {
    let app = acme_with_ada().await;
    for _ in 0..10 {
        app.login("ada@example.com", "acme", "wrong password").await;
        app.clock.advance(3 * 60);
    }
    let reply = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
}

#[tokio::test]
async fn the_orgs_own_lockout_settings_apply() {
    let app = acme_with_ada().await;
    app.exec("UPDATE orgs SET lockout_attempts = 2, lockout_secs = 120")
        .await;
    app.login("ada@example.com", "acme", "wrong password").await;
    app.login("ada@example.com", "acme", "wrong password").await;
    let locked = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(locked.body["code"], "locked_out");
    assert!(locked.body["message"]
        .as_str()
        .unwrap()
        .contains("locked for 2 minutes"));
    app.clock.advance(121);
    assert_eq!(
        app.login("ada@example.com", "acme", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_sso_required_org_refuses_password_sign_in() {
    let app = acme_with_ada().await;
    app.create_org("globex", "Globex").await;
    app.create_account("globex", "ada@example.com").await;
    app.exec("UPDATE orgs SET sso_required = TRUE WHERE short_name = 'acme'")
        .await;

    for (email, password) in [
        ("ada@example.com", PASSWORD),
        ("nobody@example.com", "whatever pw"),
    ] {
        let reply = app.login(email, "acme", password).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.body["code"], "sso_required");
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.starts_with("This organization requires single sign-on"),
            "{message}"
        );
        assert!(!message.contains("globex") && !message.contains("Globex"));
    }
    // Re-authentication by password is refused there too.
    let token = app.login_ok("ada@example.com", "globex").await;
    app.exec("UPDATE orgs SET sso_required = TRUE WHERE short_name = 'globex'")
        .await;
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/password",
            Some(json!({ "password": PASSWORD })),
            Some(&token),
        )
        .await;
    // The session itself ended with the switch (see `sessions.rs`).
    assert_eq!(reauth.body["code"], "session_ended");
}

#[tokio::test]
async fn an_org_switched_to_sso_refuses_the_second_step_of_a_password_sign_in() {
    let app = acme_with_ada().await;
    app.exec("UPDATE orgs SET require_2fa = TRUE WHERE short_name = 'acme'")
        .await;
    // Password right: half signed in, 2FA setup next.
    let half = app.login_ok("ada@example.com", "acme").await;
    app.exec("UPDATE orgs SET sso_required = TRUE WHERE short_name = 'acme'")
        .await;
    let code = json!({ "code": "123456" });
    let reply = app
        .send(
            Method::POST,
            "/api/login/totp/setup/confirm",
            Some(code.clone()),
            Some(&half),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    assert_eq!(reply.body["code"], "session_ended");
    // The half-signed-in session is ended: no other second step works either.
    for path in ["/api/login/totp/setup", "/api/login/totp"] {
        let reply = app
            .send(Method::POST, path, Some(code.clone()), Some(&half))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {:?}",
            reply.body
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}
