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
