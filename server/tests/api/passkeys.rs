//! Passkey ceremonies at the API level, with a software authenticator:
//! the rules the server must enforce whatever the client does.

use crate::support::{Reply, TestApp, ORIGIN};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use softauthn::{Make, SoftPasskey};

pub(crate) async fn app_with_account() -> (TestApp, String) {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    (app, token)
}

pub(crate) async fn register_start(app: &TestApp, token: &str) -> Reply {
    app.send(
        Method::POST,
        "/api/passkeys/register/start",
        None,
        Some(token),
    )
    .await
}

pub(crate) async fn register_finish(
    app: &TestApp,
    token: &str,
    ceremony_id: &Value,
    credential: Value,
) -> Reply {
    let body = json!({ "ceremony_id": ceremony_id, "credential": credential });
    app.send(
        Method::POST,
        "/api/passkeys/register/finish",
        Some(body),
        Some(token),
    )
    .await
}

/// Registers a software passkey on the signed-in account (shared with the
/// other test modules).
pub(crate) async fn register(app: &TestApp, token: &str) -> SoftPasskey {
    register_returning_info(app, token).await.0
}

/// Like [`register`], also returning the server's description of the passkey.
pub(crate) async fn register_returning_info(app: &TestApp, token: &str) -> (SoftPasskey, Value) {
    let start = register_start(app, token).await;
    assert_eq!(start.status, StatusCode::OK, "{:?}", start.body);
    let (passkey, credential) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
    let finish = register_finish(app, token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    (passkey, finish.body)
}

pub(crate) async fn login_start(app: &TestApp, account: Option<(&str, &str)>) -> Reply {
    let body = match account {
        Some((email, org)) => json!({ "account": { "email": email, "org": org } }),
        None => json!({}),
    };
    let reply = app
        .send(Method::POST, "/api/login/passkey/start", Some(body), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply
}

/// A discoverable passkey sign-in ("Log in with passkey") with `passkey`,
/// its counter at `counter`: the finish's answer.
pub(crate) async fn passkey_sign_in(app: &TestApp, passkey: &SoftPasskey, counter: u32) -> Reply {
    let start = login_start(app, None).await;
    let assertion = passkey.assert(&start.body["options"], counter).unwrap();
    login_finish(app, &start.body["ceremony_id"], assertion).await
}

pub(crate) async fn login_finish(app: &TestApp, ceremony_id: &Value, assertion: Value) -> Reply {
    let body = json!({ "ceremony_id": ceremony_id, "credential": assertion });
    app.send(Method::POST, "/api/login/passkey/finish", Some(body), None)
        .await
}

#[tokio::test]
async fn a_registered_passkey_signs_in_without_an_email() {
    let (app, token) = app_with_account().await;
    let start = register_start(&app, &token).await;
    let selection = &start.body["options"]["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");
    let user_id = start.body["options"]["publicKey"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !user_id.contains("ada"),
        "the user handle is random, not the email"
    );
    // Both names carry the org: pickers that show only one of them still
    // tell apart one person's passkeys for different orgs.
    assert_eq!(
        start.body["options"]["publicKey"]["user"]["name"],
        "ada@example.com (Acme Security)"
    );
    assert_eq!(
        start.body["options"]["publicKey"]["user"]["displayName"],
        "Test Person · Acme Security"
    );
    assert_eq!(
        start.body["options"]["publicKey"]["user"]["displayName"],
        "Test Person · Acme Security"
    );
    let (passkey, credential) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
    let finish = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    assert_eq!(finish.body["name"], "Passkey");
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ceremonies").await,
        0,
        "finishing takes the ceremony"
    );

    let start = login_start(&app, None).await;
    let options = &start.body["options"];
    assert!(options["publicKey"]["allowCredentials"]
        .as_array()
        .is_none_or(Vec::is_empty));
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        passkey.assert(options, 1).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["auth_method"], "passkey");
    assert_eq!(reply.body["org"]["short_name"], "acme");
    let new_token = reply.session_cookie().unwrap();
    assert_eq!(app.session_status(&new_token).await, StatusCode::OK);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM passkeys WHERE sign_count = 1 AND last_used_at IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_replayed_finish_is_refused() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    let assertion = passkey.assert(&start.body["options"], 1).unwrap();
    let first = login_finish(&app, &start.body["ceremony_id"], assertion.clone()).await;
    assert_eq!(first.status, StatusCode::OK);
    let replay = login_finish(&app, &start.body["ceremony_id"], assertion).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert_eq!(replay.body["code"], "ceremony_invalid");
    assert!(replay.session_cookie().is_none());
}

#[tokio::test]
async fn of_two_concurrent_finishes_exactly_one_succeeds() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    let id = &start.body["ceremony_id"];
    let (a, b) = tokio::join!(
        login_finish(&app, id, passkey.assert(&start.body["options"], 1).unwrap()),
        login_finish(&app, id, passkey.assert(&start.body["options"], 2).unwrap()),
    );
    let ok = [a.status, b.status]
        .iter()
        .filter(|s| **s == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{:?} / {:?}", a.body, b.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        2,
        "the password session and one more"
    );
}

#[tokio::test]
async fn an_expired_ceremony_is_refused() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    assert_eq!(
        start.body["options"]["publicKey"]["timeout"], 300_000,
        "the default lifetime, in milliseconds"
    );
    app.clock.advance(5 * 60 + 1);
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        passkey.assert(&start.body["options"], 1).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["code"], "ceremony_invalid");
}

#[tokio::test]
async fn a_ceremony_lives_as_long_as_configured_and_its_options_say_so() {
    let app = TestApp::with_ceremony_lifetime(30).await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let registration = register_start(&app, &token).await;
    let passkey = register(&app, &token).await;
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/passkey/start",
            None,
            Some(&token),
        )
        .await;
    let discoverable = login_start(&app, None).await;
    let named = login_start(&app, Some(("ada@example.com", "acme"))).await;
    let decoy = login_start(&app, Some(("nobody@example.com", "acme"))).await;
    for (what, start) in [
        ("registration", &registration),
        ("re-authentication", &reauth),
        ("discoverable sign-in", &discoverable),
        ("sign-in naming an account", &named),
        ("sign-in naming no account", &decoy),
    ] {
        assert_eq!(
            start.body["options"]["publicKey"]["timeout"], 30_000,
            "{what}: the lifetime in milliseconds"
        );
    }

    // At its last second a ceremony still finishes; one second later not.
    app.clock.advance(30);
    let reply = login_finish(
        &app,
        &discoverable.body["ceremony_id"],
        passkey.assert(&discoverable.body["options"], 1).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    app.clock.advance(1);
    let reply = login_finish(
        &app,
        &named.body["ceremony_id"],
        passkey.assert(&named.body["options"], 2).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert_eq!(reply.body["code"], "ceremony_invalid");
}

#[tokio::test]
async fn a_counter_that_goes_backwards_is_refused() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    for (counter, expected) in [
        (5, StatusCode::OK),
        (3, StatusCode::UNAUTHORIZED),
        (5, StatusCode::UNAUTHORIZED),
        (0, StatusCode::UNAUTHORIZED),
        (6, StatusCode::OK),
    ] {
        let start = login_start(&app, None).await;
        let reply = login_finish(
            &app,
            &start.body["ceremony_id"],
            passkey.assert(&start.body["options"], counter).unwrap(),
        )
        .await;
        assert_eq!(
            reply.status, expected,
            "counter {counter}: {:?}",
            reply.body
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM passkeys WHERE sign_count = 6")
            .await,
        1
    );
}

#[tokio::test]
async fn authenticators_without_a_counter_keep_working() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    for _ in 0..3 {
        let start = login_start(&app, None).await;
        let reply = login_finish(
            &app,
            &start.body["ceremony_id"],
            passkey.assert(&start.body["options"], 0).unwrap(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
}

#[tokio::test]
async fn an_assertion_without_user_verification_is_refused() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        passkey
            .assert_with(&start.body["options"], 1, false)
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["code"], "user_not_verified");
    assert!(reply.session_cookie().is_none());
}

#[tokio::test]
async fn a_stale_session_can_neither_register_nor_delete() {
    let (app, token) = app_with_account().await;
    // Started while fresh, finished after the window: refused at the finish.
    let start = register_start(&app, &token).await;
    app.clock.advance(301);
    let (_, credential) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
    let finish = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::FORBIDDEN);
    assert_eq!(finish.body["code"], "reauth_required");
    // Refused at the start too.
    let start = register_start(&app, &token).await;
    assert_eq!(start.status, StatusCode::FORBIDDEN);
    assert_eq!(start.body["code"], "reauth_required");

    // Re-authenticating with the password opens the window again.
    let bad = app
        .send(
            Method::POST,
            "/api/reauth/password",
            Some(json!({ "password": "wrong password" })),
            Some(&token),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/password",
            Some(json!({ "password": crate::support::PASSWORD })),
            Some(&token),
        )
        .await;
    assert_eq!(reauth.status, StatusCode::NO_CONTENT);
    register(&app, &token).await;
    let list = app
        .send(Method::GET, "/api/passkeys", None, Some(&token))
        .await;
    let id = list.body["passkeys"][0]["id"].as_str().unwrap().to_owned();

    app.clock.advance(301);
    let delete = app
        .send(
            Method::DELETE,
            &format!("/api/passkeys/{id}"),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    assert_eq!(delete.body["code"], "reauth_required");
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);
}

#[tokio::test]
async fn another_accounts_credential_is_refused() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    app.create_account("acme", "bob@example.com").await;
    let ada_token = app.login_ok("ada@example.com", "acme").await;
    let ada = register(&app, &ada_token).await;
    let bob_token = app.login_ok("bob@example.com", "acme").await;
    register(&app, &bob_token).await;

    // A request limited to Bob's passkeys, answered with Ada's.
    let start = login_start(&app, Some(("bob@example.com", "acme"))).await;
    let allowed = start.body["options"]["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(allowed, 1);
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        ada.assert(&start.body["options"], 1).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["code"], "passkey_refused");
}

#[tokio::test]
async fn a_registration_cannot_be_finished_by_another_session() {
    let (app, token) = app_with_account().await;
    let other = app.login_ok("ada@example.com", "acme").await;
    let start = register_start(&app, &token).await;
    let (_, credential) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
    let finish = register_finish(&app, &other, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::BAD_REQUEST);
    assert_eq!(finish.body["code"], "ceremony_invalid");
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 0);
}

#[tokio::test]
async fn sso_required_orgs_refuse_passkeys() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    app.exec("UPDATE orgs SET sso_required = TRUE").await;

    let start = login_start(&app, None).await;
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        passkey.assert(&start.body["options"], 1).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body["code"], "sso_required");
    assert!(reply.session_cookie().is_none());

    // The password session opened before the switch ended with it.
    let start = register_start(&app, &token).await;
    assert_eq!(start.status, StatusCode::UNAUTHORIZED);
    assert_eq!(start.body["code"], "session_ended");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn options_for_unknown_accounts_look_like_options_for_accounts_with_a_passkey() {
    let (app, token) = app_with_account().await;
    register(&app, &token).await;
    let known = login_start(&app, Some(("ada@example.com", "acme"))).await;
    let unknown = login_start(&app, Some(("nobody@example.com", "nosuch"))).await;
    let unknown_again = login_start(&app, Some(("Nobody@example.com ", "NOSUCH"))).await;
    let keys = |r: &Reply| {
        let mut keys: Vec<String> = r.body["options"]["publicKey"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let allowed = |r: &Reply| r.body["options"]["publicKey"]["allowCredentials"].clone();
    assert_eq!(keys(&known), keys(&unknown));
    assert_eq!(allowed(&known).as_array().unwrap().len(), 1);
    assert_eq!(allowed(&unknown).as_array().unwrap().len(), 1);
    assert_eq!(
        allowed(&unknown),
        allowed(&unknown_again),
        "a decoy is stable, like a real credential id"
    );
    assert_ne!(allowed(&known), allowed(&unknown));
}

#[tokio::test]
async fn passkey_sign_in_keeps_working_during_a_password_lockout() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    for _ in 0..6 {
        app.login("ada@example.com", "acme", "wrong password").await;
    }
    let locked = app
        .login("ada@example.com", "acme", crate::support::PASSWORD)
        .await;
    assert_eq!(locked.body["code"], "locked_out");

    let start = login_start(&app, Some(("ada@example.com", "acme"))).await;
    let reply = login_finish(
        &app,
        &start.body["ceremony_id"],
        passkey.assert(&start.body["options"], 1).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
}

#[tokio::test]
async fn credential_ids_over_1023_bytes_are_refused() {
    let (app, token) = app_with_account().await;
    let start = register_start(&app, &token).await;
    let make = Make {
        credential_id_len: 1024,
        ..Make::default()
    };
    let (_, credential) = SoftPasskey::register_with(&start.body["options"], ORIGIN, make).unwrap();
    let finish = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::BAD_REQUEST, "{:?}", finish.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 0);
    // 1023 bytes is still a credential id.
    let start = register_start(&app, &token).await;
    let make = Make {
        credential_id_len: 1023,
        ..Make::default()
    };
    let (_, credential) = SoftPasskey::register_with(&start.body["options"], ORIGIN, make).unwrap();
    let finish = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
}

#[tokio::test]
async fn backed_up_without_backup_eligible_is_refused_and_synced_passkeys_are_labelled() {
    let (app, token) = app_with_account().await;
    let start = register_start(&app, &token).await;
    let make = Make {
        backed_up: true,
        ..Make::default()
    };
    let (_, credential) = SoftPasskey::register_with(&start.body["options"], ORIGIN, make).unwrap();
    let finish = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::UNAUTHORIZED, "{:?}", finish.body);
    assert_eq!(finish.body["code"], "passkey_refused");

    let start = register_start(&app, &token).await;
    let make = Make {
        backup_eligible: true,
        backed_up: true,
        ..Make::default()
    };
    let (_, credential) = SoftPasskey::register_with(&start.body["options"], ORIGIN, make).unwrap();
    let finish = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    assert_eq!(finish.body["backed_up"], true, "a synced passkey");
}

/// The Signal API's arguments: the account's user handle as registration
/// gave it, and exactly the credential ids it still has.
#[tokio::test]
async fn the_passkey_list_tells_the_browser_which_passkeys_the_account_keeps() {
    let (app, token) = app_with_account().await;
    let (first, info) = register_returning_info(&app, &token).await;
    let second = register(&app, &token).await;
    let signals = |app| {
        let (app, token): (&TestApp, String) = (app, token.clone());
        async move {
            let list = app
                .send(Method::GET, "/api/passkeys", None, Some(&token))
                .await;
            list.body["signals"].clone()
        }
    };
    let account_id = domain::with_pool!(&app.state.db, pool =>
        sqlx::query_scalar::<_, String>("SELECT id FROM accounts WHERE email = 'ada@example.com'")
            .fetch_one(pool)
            .await)
    .unwrap();
    let handle = uuid::Uuid::parse_str(&account_id).unwrap();
    let said = signals(&app).await;
    assert_eq!(said["user_id"], softauthn::b64(handle.as_bytes()));
    assert_eq!(said["user_id"], softauthn::b64(&first.user_handle));
    assert_eq!(said["rp_id"], "localhost");
    assert_eq!(said["name"], "ada@example.com (Acme Security)");
    let mut ids: Vec<String> =
        serde_json::from_value(said["accepted_credential_ids"].clone()).unwrap();
    ids.sort();
    let mut expected = vec![
        softauthn::b64(&first.credential_id),
        softauthn::b64(&second.credential_id),
    ];
    expected.sort();
    assert_eq!(ids, expected);

    // Deleted: no longer accepted.
    let id = info["id"].as_str().unwrap();
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/passkeys/{id}"),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    assert_eq!(
        signals(&app).await["accepted_credential_ids"],
        json!([softauthn::b64(&second.credential_id)])
    );
}
