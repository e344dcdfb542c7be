//! The audit trail records sign-ins (with the cause of failures) and changes
//! to how an account signs in, with the client's address and user agent.

use crate::passkeys::{login_finish, login_start, register_returning_info};
use crate::support::{TestApp, PASSWORD, USER_AGENT};
use axum::http::Method;
use serde_json::json;

async fn entries(app: &TestApp, event: &str, outcome: &str, cause: Option<&str>) -> i64 {
    let cause = match cause {
        Some(c) => format!("cause = '{c}'"),
        None => "cause IS NULL".to_owned(),
    };
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE event = '{event}' AND outcome = '{outcome}' AND {cause} \
         AND client_addr = '127.0.0.1' AND user_agent = '{USER_AGENT}'"
    ))
    .await
}

#[tokio::test]
async fn sign_ins_and_changes_are_recorded_with_their_cause_and_client() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;

    app.login("ada@example.com", "acme", "wrong password").await;
    app.login("nobody@example.com", "acme", PASSWORD).await;
    let token = app.login_ok("ada@example.com", "acme").await;
    assert_eq!(
        entries(&app, "sign_in.password", "failure", Some("wrong_password")).await,
        1
    );
    assert_eq!(
        entries(&app, "sign_in.password", "failure", Some("unknown_account")).await,
        1
    );
    assert_eq!(entries(&app, "sign_in.password", "success", None).await, 1);
    let with_account = app
        .count("SELECT COUNT(*) FROM audit_events WHERE cause = 'wrong_password' AND account_id IS NOT NULL AND org_id IS NOT NULL")
        .await;
    assert_eq!(
        with_account, 1,
        "a wrong password names the account it was for"
    );

    // A passkey: added, used, refused without user verification, deleted.
    let (passkey, added) = register_returning_info(&app, &token).await;
    assert_eq!(entries(&app, "passkey.added", "success", None).await, 1);

    for (counter, verified) in [(1, true), (2, false)] {
        let start = login_start(&app, None).await;
        let assertion = passkey
            .assert_with(&start.body["options"], counter, verified)
            .unwrap();
        login_finish(&app, &start.body["ceremony_id"], assertion).await;
    }
    assert_eq!(entries(&app, "sign_in.passkey", "success", None).await, 1);
    assert_eq!(
        entries(
            &app,
            "sign_in.passkey",
            "failure",
            Some("user_not_verified")
        )
        .await,
        1
    );

    app.send(
        Method::POST,
        "/api/reauth/password",
        Some(json!({ "password": "nope nope" })),
        Some(&token),
    )
    .await;
    app.send(
        Method::POST,
        "/api/reauth/password",
        Some(json!({ "password": PASSWORD })),
        Some(&token),
    )
    .await;
    assert_eq!(
        entries(&app, "reauth", "failure", Some("bad_request")).await,
        1
    );
    assert_eq!(entries(&app, "reauth", "success", None).await, 1);

    let id = added["id"].as_str().unwrap();
    app.send(
        Method::PATCH,
        &format!("/api/passkeys/{id}"),
        Some(json!({ "name": "Work laptop" })),
        Some(&token),
    )
    .await;
    assert_eq!(entries(&app, "passkey.renamed", "success", None).await, 1);
    app.send(Method::POST, "/api/reauth/email/start", None, Some(&token))
        .await;
    assert_eq!(entries(&app, "reauth.link_sent", "success", None).await, 1);
    app.send(
        Method::DELETE,
        &format!("/api/passkeys/{id}"),
        None,
        Some(&token),
    )
    .await;
    assert_eq!(entries(&app, "passkey.deleted", "success", None).await, 1);

    // Every entry about this session names it; logout is the last one.
    app.send(Method::POST, "/api/logout", None, Some(&token))
        .await;
    assert_eq!(entries(&app, "sign_out", "success", None).await, 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(DISTINCT session_id) FROM audit_events \
             WHERE event IN ('passkey.renamed', 'reauth.link_sent', 'passkey.deleted', 'sign_out')"
        )
        .await,
        1
    );
}
