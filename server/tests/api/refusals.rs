//! What a refused passkey says: a deleted passkey and a passkey without
//! user verification each have their own answer, where that answer tells
//! nothing about which accounts exist; a sign-in naming an account keeps
//! the one generic refusal for anything a decoy could tell apart.

use crate::passkeys::{
    app_with_account, login_finish, login_start, passkey_sign_in, register, register_returning_info,
};
use crate::support::{Reply, TestApp, ORIGIN};
use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use softauthn::{Assert, SoftPasskey};

const UNKNOWN: &str = "This passkey is no longer registered with Latchkey: it may have been \
    deleted from your account. Sign in another way, and remove it from your device or password manager.";
const NOT_VERIFIED: &str = "Your passkey did not confirm it's you (no PIN, fingerprint or face \
    check). Use a passkey protected by a screen lock or PIN, and try again.";
const REFUSED: &str = "The passkey could not be verified. Please try again.";

fn assert_answer(reply: &Reply, code: &str, message: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    assert_eq!(reply.body["code"], code);
    assert_eq!(reply.body["message"], message);
    assert!(reply.session_cookie().is_none());
}

/// Deletes the signed-in account's passkey `id` (the session is fresh).
async fn delete(app: &TestApp, token: &str, id: &str) {
    let path = format!("/api/passkeys/{id}");
    let reply = app.send(Method::DELETE, &path, None, Some(token)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
}

/// How many failed `event`s the audit trail holds with `cause`.
async fn audited(app: &TestApp, event: &str, cause: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE event = '{event}' \
         AND outcome = 'failure' AND cause = '{cause}'"
    ))
    .await
}

#[tokio::test]
async fn a_deleted_passkey_is_unknown_to_a_sign_in_naming_no_account() {
    let (app, token) = app_with_account().await;
    let (passkey, info) = register_returning_info(&app, &token).await;
    delete(&app, &token, info["id"].as_str().unwrap()).await;

    let reply = passkey_sign_in(&app, &passkey, 1).await;
    assert_answer(&reply, "passkey_unknown", UNKNOWN);
    assert_eq!(
        audited(&app, "sign_in.passkey", "unknown_credential").await,
        1
    );
}

#[tokio::test]
async fn a_re_authentication_with_a_deleted_passkey_is_unknown() {
    let (app, token) = app_with_account().await;
    let (deleted, info) = register_returning_info(&app, &token).await;
    register(&app, &token).await;
    delete(&app, &token, info["id"].as_str().unwrap()).await;

    let start = app
        .send(
            Method::POST,
            "/api/reauth/passkey/start",
            None,
            Some(&token),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{:?}", start.body);
    // The browser offers only the remaining passkey; an authenticator that
    // still holds the deleted one may answer with it all the same.
    let assertion = deleted.assert(&start.body["options"], 1).unwrap();
    let reply = app
        .finish(
            "/api/reauth/passkey/finish",
            &start.body,
            &assertion,
            Some(&token),
        )
        .await;
    assert_answer(&reply, "passkey_unknown", UNKNOWN);
    assert_eq!(audited(&app, "reauth", "unknown_credential").await, 1);
}

/// A sign-in naming `account`, answered by `passkey` as `how` says.
async fn named_sign_in(
    app: &TestApp,
    account: (&str, &str),
    passkey: &SoftPasskey,
    how: &Assert,
) -> Reply {
    let start = login_start(app, Some(account)).await;
    let assertion = passkey.assert_custom(&start.body["options"], how).unwrap();
    login_finish(app, &start.body["ceremony_id"], assertion).await
}

/// A passkey that claims the credential id a sign-in naming `account` is
/// offered (a decoy, when the account does not exist), signing with a key
/// of its own.
async fn forged_for(app: &TestApp, account: (&str, &str), key: SoftPasskey) -> SoftPasskey {
    let start = login_start(app, Some(account)).await;
    let allowed = start.body["options"]["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(allowed.len(), 1);
    let id = allowed[0]["id"].as_str().unwrap();
    let mut forged = key;
    forged.credential_id = URL_SAFE_NO_PAD.decode(id).unwrap();
    forged
}

/// A passkey made for the signed-in account but never registered.
async fn unregistered(app: &TestApp, token: &str) -> SoftPasskey {
    let start = crate::passkeys::register_start(app, token).await;
    SoftPasskey::register(&start.body["options"], ORIGIN)
        .unwrap()
        .0
}

#[tokio::test]
async fn an_assertion_forged_for_a_decoy_id_gets_the_answer_of_a_bad_signature() {
    let (app, token) = app_with_account().await;
    let ada = ("ada@example.com", "acme");
    register(&app, &token).await;
    // The real account's passkey id, without its private key.
    let forged_ada = forged_for(&app, ada, unregistered(&app, &token).await).await;
    let accounts = [
        ("nobody@example.com", "acme"),
        ("ada@example.com", "nosuch"),
    ];
    for how in [
        Assert {
            counter: 1,
            ..Assert::default()
        },
        Assert {
            counter: 1,
            user_verified: false,
            ..Assert::default()
        },
    ] {
        let real = named_sign_in(&app, ada, &forged_ada, &how).await;
        assert_answer(&real, "passkey_refused", REFUSED);
        for account in accounts {
            let decoy = forged_for(&app, account, unregistered(&app, &token).await).await;
            let reply = named_sign_in(&app, account, &decoy, &how).await;
            assert_answer(&reply, "passkey_refused", REFUSED);
            assert_eq!(reply.body, real.body, "{account:?} {how:?}");
        }
        // A credential the server never saw, for the real account: the same.
        let unknown = named_sign_in(&app, ada, &unregistered(&app, &token).await, &how).await;
        assert_eq!(unknown.status, real.status);
        assert_eq!(unknown.body, real.body);
    }
}

#[tokio::test]
async fn an_assertion_without_user_verification_says_so_once_its_signature_holds() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let unverified = |counter| Assert {
        counter,
        user_verified: false,
        ..Assert::default()
    };
    // Named or not, the account's own passkey learns what to change.
    let start = login_start(&app, None).await;
    let assertion = passkey
        .assert_custom(&start.body["options"], &unverified(1))
        .unwrap();
    let reply = login_finish(&app, &start.body["ceremony_id"], assertion).await;
    assert_answer(&reply, "user_not_verified", NOT_VERIFIED);
    let ada = ("ada@example.com", "acme");
    let reply = named_sign_in(&app, ada, &passkey, &unverified(2)).await;
    assert_answer(&reply, "user_not_verified", NOT_VERIFIED);
    assert_eq!(
        audited(&app, "sign_in.passkey", "user_not_verified").await,
        2
    );
    // Without a valid signature it is refused like any bad signature.
    let how = Assert {
        bad_signature: true,
        ..unverified(3)
    };
    let reply = named_sign_in(&app, ada, &passkey, &how).await;
    assert_answer(&reply, "passkey_refused", REFUSED);
    assert_eq!(audited(&app, "sign_in.passkey", "bad_signature").await, 1);
}
