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

    // Nor made on an origin that is not listed.
    let start = register_start(&app, &token).await;
    let (_, credential) =
        SoftPasskey::register(&start.body["options"], "https://console-example.co.uk").unwrap();
    let refused = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.body["code"], "passkey_refused");

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
    // Browsers without Sec-Fetch-Site send only Origin; Host is where the
    // request went.
    let login = |origin: &'static str, host: &'static str| {
        let body = body.clone();
        let app = &app;
        async move {
            app.send_with(
                Method::POST,
                "/api/login/password",
                Some(body),
                &[("origin", origin.to_owned()), ("host", host.to_owned())],
            )
            .await
        }
    };
    assert_eq!(
        login(RELATED, "console.example.co.uk").await.status,
        StatusCode::OK
    );
    assert_eq!(
        login(CONSOLE, "console.example.com").await.status,
        StatusCode::OK
    );
    for (origin, host) in [
        (
            "https://console.example.co.uk.evil.example",
            "console.example.co.uk.evil.example",
        ),
        // A related page posting to the public origin is another site's
        // request there.
        (RELATED, "console.example.com"),
    ] {
        let refused = login(origin, host).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{origin} to {host}");
        assert_eq!(refused.body["code"], "cross_site_request");
    }
}

#[tokio::test]
async fn single_sign_on_started_on_a_related_origin_continues_on_the_public_one() {
    let (app, token) = app_with_related_origin().await;
    let from_related = |cookie: Option<&str>| {
        let mut headers = vec![
            ("sec-fetch-site", "same-origin".to_owned()),
            ("origin", RELATED.to_owned()),
            ("host", "console.example.co.uk".to_owned()),
        ];
        if let Some(token) = cookie {
            let name = server::auth::cookie_name(&app.state.web);
            headers.push(("cookie", format!("{name}={token}")));
        }
        headers
    };
    // The provider would send the browser back to the public origin, where
    // the related origin's binding cookie is not: the sign-in moves there
    // first, with the org chosen, for any org name alike.
    for org in ["acme", "no such org&x=1"] {
        let body = json!({ "email": "ada@example.com", "org": org });
        let reply = app
            .send_with(
                Method::POST,
                "/api/login/sso/start",
                Some(body),
                &from_related(None),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let org: String = url::form_urlencoded::byte_serialize(org.as_bytes()).collect();
        assert_eq!(
            reply.body["authorize_url"],
            format!("{CONSOLE}/login?org={org}")
        );
        assert!(reply.headers.get("set-cookie").is_none());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
    // Confirming it's you through the provider needs this origin's session
    // there: refused in words that name the other ways.
    let reply = app
        .send_with(
            Method::POST,
            "/api/reauth/sso/start",
            None,
            &from_related(Some(&token)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert_eq!(
        reply.body["message"],
        format!("Single sign-on can confirm it's you only at {CONSOLE}. Here, use a passkey, your password or an emailed link.")
    );
}
