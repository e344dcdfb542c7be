//! Attacks on the WebAuthn ceremonies, one named test each: what a
//! malicious page, a broken or cloned authenticator, or a replaying client
//! would send. Every refusal must be a 4xx that says nothing more than
//! "refused" (but for a missing user verification, which the person can
//! fix), store nothing, and leave its precise cause in the audit trail.

use crate::passkeys::{
    app_with_account, login_finish, login_start, register, register_finish, register_start,
};
use crate::support::{Reply, TestApp, ORIGIN, PASSWORD};
use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use softauthn::{Assert, ClientData, Make, SoftPasskey};
use std::collections::HashSet;

fn decode(text: &Value) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text.as_str().unwrap()).unwrap()
}

/// Asserts that `reply` is the generic passkey refusal — or, for a missing
/// user verification, the refusal that says so — and that the audit trail
/// recorded `event` failing with `cause`.
async fn assert_refused(app: &TestApp, reply: &Reply, event: &str, cause: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    if cause == "user_not_verified" {
        // The one cause a person can act on (see `refusals`).
        assert_eq!(reply.body["code"], "user_not_verified");
    } else {
        assert_eq!(reply.body["code"], "passkey_refused");
        assert_eq!(
            reply.body["message"], "The passkey could not be verified. Please try again.",
            "the client learns nothing about the cause"
        );
    }
    let logged = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE event = '{event}' \
             AND outcome = 'failure' AND cause = '{cause}' AND client_addr = '127.0.0.1'"
        ))
        .await;
    assert_eq!(logged, 1, "audit entry for {event} refused as {cause}");
}

/// Registers with a tampered answer and checks it is refused with `cause`.
async fn registration_refused(make: Make, cause: &str) {
    let (app, token) = app_with_account().await;
    let start = register_start(&app, &token).await;
    let (_, credential) = SoftPasskey::register_with(&start.body["options"], ORIGIN, make).unwrap();
    let reply = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_refused(&app, &reply, "passkey.added", cause).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 0);
}

/// Signs in with a tampered assertion and checks it is refused with `cause`.
async fn sign_in_refused(how: Assert, cause: &str) {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let sessions = app.count("SELECT COUNT(*) FROM sessions").await;
    let start = login_start(&app, None).await;
    let assertion = passkey.assert_custom(&start.body["options"], &how).unwrap();
    let reply = login_finish(&app, &start.body["ceremony_id"], assertion).await;
    assert_refused(&app, &reply, "sign_in.passkey", cause).await;
    assert!(reply.session_cookie().is_none());
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, sessions);
}

fn client(origin: Option<&str>, kind: Option<&str>, cross_origin: bool) -> ClientData {
    ClientData {
        kind: kind.map(str::to_owned),
        origin: origin.map(str::to_owned),
        cross_origin,
        challenge: None,
    }
}

fn make_with(client: ClientData) -> Make {
    Make {
        client,
        ..Make::default()
    }
}

fn assert_with(client: ClientData) -> Assert {
    Assert {
        counter: 1,
        client,
        ..Assert::default()
    }
}

// --- Challenges and ceremony ids -------------------------------------------

#[tokio::test]
async fn challenges_are_at_least_16_random_bytes_and_never_repeat() {
    let (app, token) = app_with_account().await;
    let mut seen = HashSet::new();
    for _ in 0..20 {
        let start = login_start(&app, None).await;
        let challenge = decode(&start.body["options"]["publicKey"]["challenge"]);
        assert!(challenge.len() >= 16, "{} bytes", challenge.len());
        assert!(seen.insert(challenge), "a challenge came twice");
    }
    for _ in 0..5 {
        let start = register_start(&app, &token).await;
        let challenge = decode(&start.body["options"]["publicKey"]["challenge"]);
        assert!(challenge.len() >= 16);
        assert!(seen.insert(challenge));
    }
    // Not all zero, nor a counter: bytes vary across the set.
    let distinct_first_bytes: HashSet<u8> = seen.iter().map(|c| c[0]).collect();
    assert!(distinct_first_bytes.len() > 5);
}

#[tokio::test]
async fn a_ceremony_start_sends_only_the_options_and_an_opaque_id() {
    let (app, _) = app_with_account().await;
    let start = login_start(&app, None).await;
    let keys: Vec<&String> = start.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ceremony_id", "options"]);
    assert_eq!(
        decode(&start.body["ceremony_id"]).len(),
        16,
        "128 random bits"
    );
    // The stored state (challenge plus policy) stays in the database.
    let stored = app.count("SELECT COUNT(*) FROM ceremonies").await;
    assert_eq!(stored, 1);
    let body = start.body.to_string();
    assert!(
        !body.contains("\"state\"") && !body.contains("ast"),
        "{body}"
    );
}

#[tokio::test]
async fn a_forged_ceremony_id_fails() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    let assertion = passkey.assert(&start.body["options"], 1).unwrap();
    for forged in [
        json!("AAAAAAAAAAAAAAAAAAAAAA"),
        json!(""),
        json!("x".repeat(5000)),
    ] {
        let reply = login_finish(&app, &forged, assertion.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
        assert_eq!(reply.body["code"], "ceremony_invalid");
    }
    // The real one still works afterwards.
    let reply = login_finish(&app, &start.body["ceremony_id"], assertion).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_ceremony_of_another_purpose_fails() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    // A sign-in ceremony cannot finish a re-authentication, nor the reverse.
    let login = login_start(&app, None).await;
    let assertion = passkey.assert(&login.body["options"], 1).unwrap();
    let reply = app
        .finish(
            "/api/reauth/passkey/finish",
            &login.body,
            &assertion,
            Some(&token),
        )
        .await;
    assert_eq!(reply.body["code"], "ceremony_invalid");
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/passkey/start",
            None,
            Some(&token),
        )
        .await;
    assert_eq!(reauth.status, StatusCode::OK);
    let assertion = passkey.assert(&reauth.body["options"], 2).unwrap();
    let reply = login_finish(&app, &reauth.body["ceremony_id"], assertion).await;
    assert_eq!(reply.body["code"], "ceremony_invalid");
    // A registration ceremony cannot finish a sign-in.
    let registration = register_start(&app, &token).await;
    let assertion = passkey.assert(&registration.body["options"], 3);
    assert!(
        assertion.is_err(),
        "creation options have no rpId to sign for"
    );
    let assertion = passkey
        .assert(&login_start(&app, None).await.body["options"], 3)
        .unwrap();
    let reply = login_finish(&app, &registration.body["ceremony_id"], assertion).await;
    assert_eq!(reply.body["code"], "ceremony_invalid");
}

#[tokio::test]
async fn a_reauthentication_started_in_one_session_cannot_be_finished_from_another() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let other = app.login_ok("ada@example.com", "acme").await;
    let start = app
        .send(
            Method::POST,
            "/api/reauth/passkey/start",
            None,
            Some(&token),
        )
        .await;
    let assertion = passkey.assert(&start.body["options"], 1).unwrap();
    let reply = app
        .finish(
            "/api/reauth/passkey/finish",
            &start.body,
            &assertion,
            Some(&other),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["code"], "ceremony_invalid");
}

// --- Registration answers a browser would never send -----------------------

#[tokio::test]
async fn registration_with_the_get_type_is_refused() {
    registration_refused(
        make_with(client(None, Some("webauthn.get"), false)),
        "wrong_type",
    )
    .await;
}

#[tokio::test]
async fn registration_from_another_host_is_refused() {
    let other = client(Some("http://evil.example:3000"), None, false);
    registration_refused(make_with(other), "wrong_origin").await;
}

#[tokio::test]
async fn registration_from_another_port_is_refused() {
    let other = client(Some("http://localhost:3001"), None, false);
    registration_refused(make_with(other), "wrong_origin").await;
}

#[tokio::test]
async fn registration_from_another_scheme_is_refused() {
    let other = client(Some("https://localhost:3000"), None, false);
    registration_refused(make_with(other), "wrong_origin").await;
}

#[tokio::test]
async fn registration_with_another_rp_id_hash_is_refused() {
    let make = Make {
        rp_id: Some("evil.example".into()),
        ..Make::default()
    };
    registration_refused(make, "wrong_rp_id").await;
}

#[tokio::test]
async fn registration_from_a_cross_origin_frame_is_refused() {
    registration_refused(make_with(client(None, None, true)), "cross_origin").await;
}

#[tokio::test]
async fn registration_without_user_presence_is_refused() {
    let make = Make {
        user_present: false,
        ..Make::default()
    };
    registration_refused(make, "user_not_present").await;
}

#[tokio::test]
async fn registration_without_user_verification_is_refused() {
    let make = Make {
        user_verified: false,
        ..Make::default()
    };
    registration_refused(make, "user_not_verified").await;
}

#[tokio::test]
async fn registration_answering_another_challenge_is_refused() {
    let mut data = client(None, None, false);
    data.challenge = Some(URL_SAFE_NO_PAD.encode([7u8; 32]));
    registration_refused(make_with(data), "wrong_challenge").await;
}

// --- Sign-in answers a browser would never send ----------------------------

#[tokio::test]
async fn sign_in_with_the_create_type_is_refused() {
    sign_in_refused(
        assert_with(client(None, Some("webauthn.create"), false)),
        "wrong_type",
    )
    .await;
}

#[tokio::test]
async fn sign_in_from_another_host_is_refused() {
    let other = client(Some("http://evil.example:3000"), None, false);
    sign_in_refused(assert_with(other), "wrong_origin").await;
}

#[tokio::test]
async fn sign_in_from_another_port_is_refused() {
    let other = client(Some("http://localhost:8080"), None, false);
    sign_in_refused(assert_with(other), "wrong_origin").await;
}

#[tokio::test]
async fn sign_in_from_another_scheme_is_refused() {
    let other = client(Some("https://localhost:3000"), None, false);
    sign_in_refused(assert_with(other), "wrong_origin").await;
}

#[tokio::test]
async fn sign_in_with_another_rp_id_hash_is_refused() {
    let how = Assert {
        counter: 1,
        rp_id: Some("evil.example".into()),
        ..Assert::default()
    };
    sign_in_refused(how, "wrong_rp_id").await;
}

#[tokio::test]
async fn sign_in_from_a_cross_origin_frame_is_refused() {
    sign_in_refused(assert_with(client(None, None, true)), "cross_origin").await;
}

#[tokio::test]
async fn sign_in_with_a_bad_signature_is_refused() {
    let how = Assert {
        counter: 1,
        bad_signature: true,
        ..Assert::default()
    };
    sign_in_refused(how, "bad_signature").await;
}

#[tokio::test]
async fn sign_in_without_user_presence_is_refused() {
    let how = Assert {
        counter: 1,
        user_present: false,
        ..Assert::default()
    };
    sign_in_refused(how, "user_not_present").await;
}

#[tokio::test]
async fn sign_in_without_user_verification_is_refused() {
    let how = Assert {
        counter: 1,
        user_verified: false,
        ..Assert::default()
    };
    sign_in_refused(how, "user_not_verified").await;
}

#[tokio::test]
async fn sign_in_answering_another_challenge_is_refused() {
    let mut data = client(None, None, false);
    data.challenge = Some(URL_SAFE_NO_PAD.encode([7u8; 32]));
    sign_in_refused(assert_with(data), "wrong_challenge").await;
}

#[tokio::test]
async fn a_counter_regression_is_logged_as_a_possible_clone() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        passkey.assert(&start.body["options"], 9).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let start = login_start(&app, None).await;
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        passkey.assert(&start.body["options"], 4).unwrap(),
    )
    .await;
    assert_refused(&app, &reply, "sign_in.passkey", "counter_regression").await;
}

// --- Credential ids and user handles ---------------------------------------

#[tokio::test]
async fn a_credential_id_is_unique_across_accounts_even_when_registered_concurrently() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_org("globex", "Globex").await;
    app.create_account("acme", "ada@example.com").await;
    app.create_account("globex", "bob@example.com").await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let bob = app.login_ok("bob@example.com", "globex").await;
    let same_id = vec![42u8; 32];
    let make = Make {
        credential_id: Some(same_id.clone()),
        ..Make::default()
    };
    let start_ada = register_start(&app, &ada).await;
    let start_bob = register_start(&app, &bob).await;
    let (_, for_ada) =
        SoftPasskey::register_with(&start_ada.body["options"], ORIGIN, make.clone()).unwrap();
    let (_, for_bob) =
        SoftPasskey::register_with(&start_bob.body["options"], ORIGIN, make).unwrap();
    let (a, b) = tokio::join!(
        register_finish(&app, &ada, &start_ada.body["ceremony_id"], for_ada),
        register_finish(&app, &bob, &start_bob.body["ceremony_id"], for_bob),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{:?} {:?}",
        a.body,
        b.body
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);
}

#[tokio::test]
async fn user_handles_are_random_short_and_hold_no_email() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_org("globex", "Globex").await;
    app.create_account("acme", "ada@example.com").await;
    app.create_account("globex", "ada@example.com").await;
    let mut handles = Vec::new();
    for org in ["acme", "globex"] {
        let token = app.login_ok("ada@example.com", org).await;
        let first = register_start(&app, &token).await;
        let again = register_start(&app, &token).await;
        let handle = decode(&first.body["options"]["publicKey"]["user"]["id"]);
        assert_eq!(
            handle,
            decode(&again.body["options"]["publicKey"]["user"]["id"]),
            "stable for one account"
        );
        assert!(
            !handle.is_empty() && handle.len() <= 64,
            "{} bytes",
            handle.len()
        );
        let text = String::from_utf8_lossy(&handle).to_lowercase();
        assert!(!text.contains("ada") && !text.contains("example"), "{text}");
        handles.push(handle);
    }
    assert_ne!(
        handles[0], handles[1],
        "one email, two accounts, two handles"
    );
}

// --- Cookies ---------------------------------------------------------------

#[tokio::test]
async fn on_https_the_session_cookie_is_secure_and_host_prefixed() {
    let app = TestApp::with_origin("https://console.example.com").await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let reply = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let cookie = reply.set_cookie_header().unwrap();
    assert!(cookie.starts_with("__Host-latchkey_session="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let token = reply.session_cookie().unwrap();
    assert_eq!(app.session_status(&token).await, StatusCode::OK);
    // HSTS on https.
    assert!(reply.headers.contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_passkey_sign_in_gets_a_new_token_and_the_old_one_stops_working() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    let body = json!({ "ceremony_id": start.body["ceremony_id"],
        "credential": passkey.assert(&start.body["options"], 1).unwrap() });
    // The browser still holds the password session's cookie.
    let reply = app
        .send(
            Method::POST,
            "/api/login/passkey/finish",
            Some(body),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let new = reply.session_cookie().unwrap();
    assert_ne!(new, token);
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&new).await, StatusCode::OK);
}
