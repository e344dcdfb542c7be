//! Session lifetime: the org's idle timeout and maximum duration, driven
//! by the manual clock.

use crate::support::TestApp;
use axum::http::StatusCode;

const MINUTE: i64 = 60;
const DAY: i64 = 24 * 60 * MINUTE;

async fn signed_in() -> (TestApp, String) {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    (app, token)
}

#[tokio::test]
async fn an_idle_session_expires_after_the_orgs_idle_timeout() {
    let (app, token) = signed_in().await;
    // Default idle timeout: 7 days. Activity just before it keeps the session.
    app.clock.advance(7 * DAY - MINUTE);
    assert_eq!(app.session_status(&token).await, StatusCode::OK);
    app.clock.advance(7 * DAY - MINUTE);
    assert_eq!(
        app.session_status(&token).await,
        StatusCode::OK,
        "activity reset the idle timer"
    );
    app.clock.advance(7 * DAY);
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        0,
        "expired rows are removed"
    );
}

#[tokio::test]
async fn an_active_session_ends_at_the_orgs_maximum_duration() {
    let (app, token) = signed_in().await;
    // Default maximum: 60 days. Daily use does not extend it.
    for _ in 0..59 {
        app.clock.advance(DAY);
        assert_eq!(app.session_status(&token).await, StatusCode::OK);
    }
    app.clock.advance(DAY);
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_orgs_own_limits_apply() {
    let (app, token) = signed_in().await;
    app.exec("UPDATE orgs SET idle_timeout_secs = 600, max_session_secs = 3600")
        .await;
    app.clock.advance(9 * MINUTE);
    assert_eq!(app.session_status(&token).await, StatusCode::OK);
    app.clock.advance(10 * MINUTE);
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn list(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let reply = app
        .send(axum::http::Method::GET, "/api/sessions", None, Some(token))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["sessions"].as_array().unwrap().clone()
}

#[tokio::test]
async fn my_account_lists_the_live_sessions_and_signs_out_the_others() {
    use axum::http::Method;
    use serde_json::json;
    let (app, token) = signed_in().await;
    app.create_account("acme", "grace@example.com").await;
    // Another browser, with its own User-Agent.
    let body =
        json!({ "email": "ada@example.com", "org": "acme", "password": crate::support::PASSWORD });
    let headers = [
        ("sec-fetch-site", "same-origin".to_owned()),
        ("origin", app.origin.clone()),
        ("user-agent", FIREFOX.to_owned()),
    ];
    let firefox = app
        .send_with(Method::POST, "/api/login/password", Some(body), &headers)
        .await
        .session_cookie()
        .unwrap();
    // A passkey sign-in, and a session that has gone idle too long.
    let passkey = crate::passkeys::register(&app, &token).await;
    app.clock.advance(120);
    let by_passkey = crate::passkeys::passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    let idle = app.login_ok("ada@example.com", "acme").await;
    let idle_hash = domain::store::sessions::hash_token(&idle);
    app.exec(&format!(
        "UPDATE sessions SET last_seen_at = 0 WHERE token_hash = '{idle_hash}'"
    ))
    .await;
    let grace = app.login_ok("grace@example.com", "acme").await;

    // The idle one is still stored, but not live: not listed.
    let sessions = list(&app, &token).await;
    assert_eq!(sessions.len(), 3, "{sessions:#?}");
    assert_eq!(app.session_status(&idle).await, StatusCode::NO_CONTENT);
    assert_eq!(sessions[0]["current"], true);
    assert!(sessions[1..].iter().all(|s| s["current"] == false));
    let firefox_row = sessions
        .iter()
        .find(|s| s["browser"] == "Firefox on Linux")
        .expect("the other browser, in words");
    let passkey_row = sessions
        .iter()
        .find(|s| s["signed_in_with"] == "passkey")
        .unwrap();
    assert_eq!(passkey_row["passkey"], "Passkey");
    assert_eq!(passkey_row["address"], "127.0.0.1");
    let text = serde_json::to_string(&sessions).unwrap();
    assert!(
        !text.contains("Gecko") && !text.contains(&token),
        "no raw header, no token"
    );

    // Sign out one: its next request is signed out.
    let path = format!("/api/sessions/{}", firefox_row["id"].as_str().unwrap());
    let ended = app.send(Method::DELETE, &path, None, Some(&token)).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&firefox).await, StatusCode::NO_CONTENT);
    let again = app.send(Method::DELETE, &path, None, Some(&token)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // Not the asking session, nor another account's.
    let own = format!("/api/sessions/{}", sessions[0]["id"].as_str().unwrap());
    let refused = app.send(Method::DELETE, &own, None, Some(&token)).await;
    assert_eq!(refused.body["code"], "bad_request");
    let grace_id = list(&app, &grace).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = format!("/api/sessions/{grace_id}");
    let refused = app.send(Method::DELETE, &theirs, None, Some(&token)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(app.session_status(&grace).await, StatusCode::OK);

    // Everywhere else.
    let reply = app
        .send(Method::POST, "/api/sessions/end-others", None, Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.session_status(&by_passkey).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.session_status(&token).await, StatusCode::OK);
    assert_eq!(app.session_status(&grace).await, StatusCode::OK);
    assert_eq!(list(&app, &token).await.len(), 1);
    let audited = |event: &'static str, outcome: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE event = '{event}' AND (outcome = '{outcome}' OR cause = '{outcome}')"
            ))
            .await
        }
    };
    assert_eq!(audited("session.ended", "success").await, 1);
    assert_eq!(audited("session.ended", "not_found").await, 2);
    assert_eq!(audited("session.others_ended", "success").await, 1);
}

#[tokio::test]
async fn my_activity_lists_my_own_events_of_the_last_90_days_in_words() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    app.create_account("acme", "grace@example.com").await;
    app.login_ok("ada@example.com", "acme").await;
    app.clock.advance(91 * 86_400);
    let wrong = app.login("ada@example.com", "acme", "not it").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    app.login_ok("grace@example.com", "acme").await;
    app.clock.advance(1);
    let ada = app.login_ok("ada@example.com", "acme").await;
    let activity = app
        .send(
            axum::http::Method::GET,
            "/api/account/activity",
            None,
            Some(&ada),
        )
        .await;
    assert_eq!(activity.status, StatusCode::OK, "{:?}", activity.body);
    let entries = activity.body["entries"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["words"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    // Newest first; Grace's sign-in is not Ada's; the one of 91 days ago
    // is past the window.
    assert_eq!(
        seen,
        [
            ("Signed in with a password", "success"),
            ("Signed in with a password", "failure")
        ]
    );
    assert_eq!(entries[1]["cause"], "wrong_password");
    assert_eq!(entries[0]["by_admin"], false);
    assert!(!activity
        .body
        .to_string()
        .contains(crate::support::USER_AGENT));
    let nobody = app
        .send(axum::http::Method::GET, "/api/account/activity", None, None)
        .await;
    assert_eq!(nobody.body["code"], "unauthenticated");
}
