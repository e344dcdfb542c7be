//! Related origins (WebAuthn Level 3 §5.11, `LATCHKEY_RELATED_ORIGINS`):
//! another origin serving this console uses the same passkeys, and only
//! the origins listed do.

use crate::passkeys::{login_start, register_finish, register_start};
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;
use softauthn::SoftPasskey;

const CONSOLE: &str = "https://console.example.com";
const RELATED: &str = "https://console.example.co.uk";

async fn app_with_related_origin() -> (TestApp, String) {
    let app = TestApp::with_related_origins(CONSOLE, &[RELATED]).await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    (app, token)
}

/// A discoverable sign-in with `passkey` whose client data names `origin`.
async fn sign_in_from(
    app: &TestApp,
    passkey: &mut SoftPasskey,
    origin: &str,
    counter: u32,
) -> crate::support::Reply {
    passkey.origin = origin.to_owned();
    let start = login_start(app, None).await;
    let credential = passkey.assert(&start.body["options"], counter).unwrap();
    let body = json!({ "ceremony_id": start.body["ceremony_id"], "credential": credential });
    app.send(Method::POST, "/api/login/passkey/finish", Some(body), None)
        .await
}

#[tokio::test]
async fn a_passkey_works_on_the_listed_related_origins_and_nowhere_else() {
    let (app, token) = app_with_related_origin().await;
    // Made on the related origin: its relying party is still the console's.
    let start = register_start(&app, &token).await;
    assert_eq!(
        start.body["options"]["publicKey"]["rp"]["id"],
        "console.example.com"
    );
    let (mut passkey, credential) = SoftPasskey::register(&start.body["options"], RELATED).unwrap();
    let made = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.body);

    for (origin, counter) in [(CONSOLE, 1), (RELATED, 2)] {
        let reply = sign_in_from(&app, &mut passkey, origin, counter).await;
        assert_eq!(reply.status, StatusCode::OK, "{origin}: {:?}", reply.body);
    }
    // Not listed: another port, plain http, a look-alike, a subdomain.
    for (origin, counter) in [
        ("https://console.example.co.uk:8443", 3),
        ("http://console.example.co.uk", 4),
        ("https://console-example.co.uk", 5),
        ("https://eu.console.example.co.uk", 6),
    ] {
        let reply = sign_in_from(&app, &mut passkey, origin, counter).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{origin}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["code"], "passkey_refused", "{origin}");
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'sign_in.passkey' \
             AND outcome = 'failure' AND cause = 'wrong_origin'"
        )
        .await,
        4
    );
}

#[tokio::test]
async fn the_well_known_file_lists_the_related_origins_and_is_absent_without_them() {
    let (app, _) = app_with_related_origin().await;
    let reply = app
        .send(Method::GET, "/.well-known/webauthn", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(reply.body, json!({ "origins": [CONSOLE, RELATED] }));

    let plain = TestApp::new().await;
    let reply = plain
        .send(Method::GET, "/.well-known/webauthn", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_related_origins_own_requests_are_not_cross_site() {
    let (app, _) = app_with_related_origin().await;
    let body =
        json!({ "email": "ada@example.com", "org": "acme", "password": crate::support::PASSWORD });
    let login = |origin: &'static str| {
        let body = body.clone();
        let app = &app;
        async move {
            app.send_with(
                Method::POST,
                "/api/login/password",
                Some(body),
                &[("origin", origin.to_owned())],
            )
            .await
        }
    };
    assert_eq!(login(RELATED).await.status, StatusCode::OK);
    assert_eq!(login(CONSOLE).await.status, StatusCode::OK);
    let refused = login("https://console.example.co.uk.evil.example").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["code"], "cross_site_request");
}
