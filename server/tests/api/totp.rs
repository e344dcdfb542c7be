//! TOTP two-factor authentication: setup, the code step, single use,
//! forced setup, lockout, and the passkey bypass.

use crate::passkeys::{login_finish, login_start, register};
use crate::support::{TestApp, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};

/// The code mailed for the forced 2FA setup (the test mails one).
pub(crate) async fn mailed_code(app: &TestApp) -> String {
    let message = app
        .mail_with("Your code to finish setting up two-factor authentication")
        .await;
    crate::support::find_after(&message, "enter this code: ").unwrap()
}

pub(crate) fn code(secret: &str, at: i64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).generate(at as u64)
}

async fn post(app: &TestApp, path: &str, body: Value, token: &str) -> crate::support::Reply {
    app.send(Method::POST, path, Some(body), Some(token)).await
}

/// Signs in with the password only: the half-signed-in session's token.
async fn password_step(app: &TestApp) -> String {
    let reply = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.session_cookie().unwrap()
}

/// Sends the current code for the half-signed-in session `half`.
async fn code_step(app: &TestApp, secret: &str, half: &str) -> crate::support::Reply {
    let body = json!({ "code": code(secret, app.clock.now()) });
    post(app, "/api/login/totp", body, half).await
}

/// Signs Ada in with her password and the current code of `secret`: the
/// full session's token.
pub(crate) async fn signed_in_with_code(app: &TestApp, secret: &str) -> String {
    let half = password_step(app).await;
    let reply = code_step(app, secret, &half).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.session_cookie().unwrap()
}

/// Ada, signed in, with 2FA turned on; returns the secret.
pub(crate) async fn ada_with_totp() -> (TestApp, String) {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let setup = app
        .send(Method::POST, "/api/totp/setup", None, Some(&token))
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{:?}", setup.body);
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    assert!(setup.body["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Latchkey:"));
    assert!(setup.body["qr_svg"].as_str().unwrap().contains("<svg"));
    // Signed in with a password alone: the mailbox proves itself too.
    assert_eq!(setup.body["email_code_sent"], true);
    let email_code = mailed_code(&app).await;
    let wrong = post(
        &app,
        "/api/totp/setup/confirm",
        json!({ "code": "000000", "email_code": email_code }),
        &token,
    )
    .await;
    assert_eq!(wrong.body["code"], "invalid_code");
    let ok = post(
        &app,
        "/api/totp/setup/confirm",
        json!({ "code": code(&secret, app.clock.now()), "email_code": email_code }),
        &token,
    )
    .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{:?}", ok.body);
    app.clock.advance(30);
    (app, secret)
}

#[tokio::test]
async fn a_password_sign_in_with_2fa_needs_the_code_and_nothing_else_works_before() {
    let (app, secret) = ada_with_totp().await;
    let first = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["pending"], "totp");
    let half = first.session_cookie().unwrap();
    // A half-signed-in session is not signed in, and can call nothing but
    // the code step.
    assert_eq!(app.session_status(&half).await, StatusCode::NO_CONTENT);
    for (method, path) in [
        (Method::GET, "/api/passkeys"),
        (Method::POST, "/api/passkeys/register/start"),
        (Method::POST, "/api/totp/setup"),
        (Method::POST, "/api/reauth/email/start"),
    ] {
        let reply = app.send(method.clone(), path, None, Some(&half)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }

    let wrong = post(&app, "/api/login/totp", json!({ "code": "123456" }), &half).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["code"], "invalid_code");
    let right = code_step(&app, &secret, &half).await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.body);
    assert_eq!(right.body["auth_method"], "password_totp");
    assert!(right.body.get("pending").is_none());
    let full = right.session_cookie().unwrap();
    assert_ne!(full, half, "a new token on 2FA completion");
    assert_eq!(app.session_status(&full).await, StatusCode::OK);
    assert_eq!(app.session_status(&half).await, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn each_code_works_once() {
    let (app, secret) = ada_with_totp().await;
    let now_code = code(&secret, app.clock.now());
    let half = password_step(&app).await;
    let ok = post(&app, "/api/login/totp", json!({ "code": now_code }), &half).await;
    assert_eq!(ok.status, StatusCode::OK);
    let half = password_step(&app).await;
    let again = post(&app, "/api/login/totp", json!({ "code": now_code }), &half).await;
    assert_eq!(
        again.body["code"], "invalid_code",
        "the same code, replayed"
    );
    app.clock.advance(30);
    let next = code_step(&app, &secret, &half).await;
    assert_eq!(next.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_codes_count_towards_lockout_and_warn_by_email() {
    let (app, secret) = ada_with_totp().await;
    let half = password_step(&app).await;
    for _ in 0..6 {
        post(&app, "/api/login/totp", json!({ "code": "000000" }), &half).await;
    }
    let mail = app.mail(1).await;
    assert!(mail
        .iter()
        .any(|m| m.contains("Subject: Repeated wrong authentication codes")));
    let locked = code_step(&app, &secret, &half).await;
    assert_eq!(locked.body["code"], "locked_out");
    let password = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(password.body["code"], "locked_out");
}

#[tokio::test]
async fn an_org_that_requires_2fa_makes_accounts_set_it_up_first() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    app.exec("UPDATE orgs SET require_2fa = TRUE").await;
    let first = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(first.body["pending"], "totp_setup");
    let half = first.session_cookie().unwrap();
    assert_eq!(app.session_status(&half).await, StatusCode::NO_CONTENT);
    let setup = app
        .send(Method::POST, "/api/login/totp/setup", None, Some(&half))
        .await;
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    // The password alone does not enrol a second factor: the mailbox too.
    let without = post(
        &app,
        "/api/login/totp/setup/confirm",
        json!({ "code": code(&secret, app.clock.now()) }),
        &half,
    )
    .await;
    assert_eq!(
        without.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        without.body
    );
    let email_code = mailed_code(&app).await;
    let done = post(
        &app,
        "/api/login/totp/setup/confirm",
        json!({ "code": code(&secret, app.clock.now()), "email_code": email_code }),
        &half,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    app.mail_with("Two-factor authentication was turned on")
        .await;
    assert_eq!(done.body["totp_enabled"], true);
    let full = done.session_cookie().unwrap();
    assert_eq!(app.session_status(&full).await, StatusCode::OK);
    // It cannot be turned off while the org requires it.
    let off = app
        .send(Method::DELETE, "/api/totp", None, Some(&full))
        .await;
    assert_eq!(off.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_passkey_sign_in_needs_no_code() {
    let (app, secret) = ada_with_totp().await;
    let half = password_step(&app).await;
    let full = code_step(&app, &secret, &half).await;
    let token = full.session_cookie().unwrap();
    let passkey = register(&app, &token).await;

    let start = login_start(&app, None).await;
    let assertion = passkey.assert(&start.body["options"], 1).unwrap();
    let reply = login_finish(&app, &start.body["ceremony_id"], assertion).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.get("pending").is_none());
    assert_eq!(
        app.session_status(&reply.session_cookie().unwrap()).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_half_signed_in_session_expires_after_ten_minutes() {
    let (app, secret) = ada_with_totp().await;
    let half = password_step(&app).await;
    app.clock.advance(10 * 60);
    let late = code_step(&app, &secret, &half).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(late.body["code"], "unauthenticated");
}
