//! Email: re-authentication links, the list of one's organizations, and
//! security notifications — read from the outbox the mailer writes.

use crate::support::{find_after, TestApp, ORIGIN};
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn stale_session() -> (TestApp, String) {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    app.clock.advance(301);
    (app, token)
}

async fn ask_for_link(app: &TestApp, token: &str, nth: usize) -> String {
    let reply = app
        .send(Method::POST, "/api/reauth/email/start", None, Some(token))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    let message = app.nth_mail_with("Confirm it's you", nth).await;
    assert!(message.contains("To: ada@example.com"));
    let link_prefix = format!("{ORIGIN}/verify-email#token=");
    find_after(&message, &link_prefix).expect("a link from the public origin")
}

async fn confirm(app: &TestApp, link_token: &str) -> StatusCode {
    let body = json!({ "token": link_token });
    // No cookie: the link may be opened on another device.
    app.send(Method::POST, "/api/reauth/email/confirm", Some(body), None)
        .await
        .status
}

async fn can_register(app: &TestApp, token: &str) -> bool {
    let reply = app
        .send(
            Method::POST,
            "/api/passkeys/register/start",
            None,
            Some(token),
        )
        .await;
    reply.status == StatusCode::OK
}

#[tokio::test]
async fn an_email_link_refreshes_the_asking_session_once() {
    let (app, token) = stale_session().await;
    assert!(!can_register(&app, &token).await);
    let link = ask_for_link(&app, &token, 1).await;
    assert!(link.len() >= 43, "a 256-bit token");
    assert_eq!(app.count("SELECT COUNT(*) FROM email_tokens").await, 1);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM email_tokens WHERE token_hash = '{link}'"
        ))
        .await,
        0
    );

    assert_eq!(confirm(&app, &link).await, StatusCode::NO_CONTENT);
    assert!(can_register(&app, &token).await);
    let session = app
        .send(Method::GET, "/api/session", None, Some(&token))
        .await;
    assert_eq!(session.body["auth_method"], "email_link");
    assert_eq!(
        confirm(&app, &link).await,
        StatusCode::BAD_REQUEST,
        "used once"
    );
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let (app, token) = stale_session().await;
    let link = ask_for_link(&app, &token, 1).await;
    app.clock.advance(15 * 60 + 1);
    assert_eq!(confirm(&app, &link).await, StatusCode::BAD_REQUEST);
    assert!(!can_register(&app, &token).await);
}

#[tokio::test]
async fn a_link_refreshes_only_the_session_that_asked() {
    let (app, token) = stale_session().await;
    let other = app.login_ok("ada@example.com", "acme").await;
    app.clock.advance(301);
    let link = ask_for_link(&app, &token, 1).await;
    assert_eq!(confirm(&app, &link).await, StatusCode::NO_CONTENT);
    assert!(can_register(&app, &token).await);
    assert!(
        !can_register(&app, &other).await,
        "another session of the same account stays stale"
    );

    // A link whose session has ended is refused.
    let link = ask_for_link(&app, &other, 2).await;
    app.send(Method::POST, "/api/logout", None, Some(&other))
        .await;
    assert_eq!(confirm(&app, &link).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_token_cannot_serve_another_purpose() {
    let (app, token) = stale_session().await;
    let link = ask_for_link(&app, &token, 1).await;
    use domain::store::email_tokens::{redeem, Purpose};
    for purpose in [Purpose::PasswordReset, Purpose::Enrollment] {
        let other = redeem(&app.state.db, &app.clock, purpose, &link).await;
        assert!(other.is_err(), "{purpose:?}");
    }
    assert_eq!(
        confirm(&app, &link).await,
        StatusCode::NO_CONTENT,
        "the wrong-purpose try did not consume it"
    );
}

#[tokio::test]
async fn the_list_of_my_organizations_goes_to_the_mailbox_only() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_org("globex", "Globex Corporation").await;
    app.create_org("initech", "Initech").await;
    app.create_account("acme", "ada@example.com").await;
    app.create_account("globex", "ada@example.com").await;

    let known = app
        .send(
            Method::POST,
            "/api/login/org-list",
            Some(json!({ "email": "Ada@Example.com" })),
            None,
        )
        .await;
    let unknown = app
        .send(
            Method::POST,
            "/api/login/org-list",
            Some(json!({ "email": "nobody@example.com" })),
            None,
        )
        .await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(
        (known.status, &known.body),
        (unknown.status, &unknown.body),
        "the page learns nothing"
    );

    let mail = app.mail(1).await;
    assert_eq!(
        mail.len(),
        1,
        "nothing is sent to an address without accounts"
    );
    let message = &mail[0];
    assert!(message.contains("To: ada@example.com"));
    assert!(
        message.contains("Acme Security (acme)") && message.contains("Globex Corporation (globex)")
    );
    assert!(message.contains(&format!("{ORIGIN}/login?org=acme")));
    assert!(!message.contains("Initech"));

    for _ in 0..2 {
        app.send(
            Method::POST,
            "/api/login/org-list",
            Some(json!({ "email": "ada@example.com" })),
            None,
        )
        .await;
    }
    let limited = app
        .send(
            Method::POST,
            "/api/login/org-list",
            Some(json!({ "email": "ada@example.com" })),
            None,
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.body["code"], "rate_limited");
}

#[tokio::test]
async fn adding_and_deleting_a_passkey_send_notifications() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let (_, added) = crate::passkeys::register_returning_info(&app, &token).await;
    let mail = app.mail(1).await;
    assert!(mail[0].contains("Subject: A passkey was added to your Latchkey account"));
    assert!(mail[0].contains("The passkey \"Passkey\" was added to your account in Acme Security"));
    assert!(mail[0].contains("If this was not you"));

    let id = added["id"].as_str().unwrap();
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/passkeys/{id}"),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let mail = app.mail(2).await;
    assert!(mail
        .iter()
        .any(|m| m.contains("Subject: A passkey was deleted from your Latchkey account")));
}

#[tokio::test]
async fn an_email_link_is_refused_once_the_org_requires_sso() {
    let (app, token) = stale_session().await;
    let link = ask_for_link(&app, &token, 1).await;
    app.exec("UPDATE orgs SET sso_required = TRUE WHERE short_name = 'acme'")
        .await;
    assert_eq!(confirm(&app, &link).await, StatusCode::FORBIDDEN);
    let refreshed = app
        .count("SELECT COUNT(*) FROM sessions WHERE auth_method = 'email_link'")
        .await;
    assert_eq!(refreshed, 0);
    let audited = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'reauth' AND cause = 'sso_required'",
        )
        .await;
    assert_eq!(audited, 1);
}
