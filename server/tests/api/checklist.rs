//! Items of the security checklist that no other file covers: a failed
//! finish uses its ceremony up, and a refused sign-in stores nothing.

use crate::passkeys::{app_with_account, login_finish, login_start, passkey_sign_in, register};
use axum::http::StatusCode;
use softauthn::Assert;

#[tokio::test]
async fn a_finish_that_fails_verification_uses_its_ceremony_up() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let start = login_start(&app, None).await;
    let tampered = Assert {
        counter: 1,
        bad_signature: true,
        ..Assert::default()
    };
    let bad = passkey
        .assert_custom(&start.body["options"], &tampered)
        .unwrap();
    let refused = login_finish(&app, &start.body["ceremony_id"], bad).await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        refused.body
    );
    // The same ceremony, now answered correctly: refused, it is gone.
    let good = passkey.assert(&start.body["options"], 2).unwrap();
    let retry = login_finish(&app, &start.body["ceremony_id"], good).await;
    assert_eq!(retry.status, StatusCode::BAD_REQUEST, "{:?}", retry.body);
    assert_eq!(retry.body["code"], "ceremony_invalid");
    assert!(retry.session_cookie().is_none());
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
}

#[tokio::test]
async fn a_sign_in_refused_after_the_signature_check_changes_no_stored_fact() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let first = passkey_sign_in(&app, &passkey, 1).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let before = app
        .count("SELECT sign_count * 1000000000000 + last_used_at FROM passkeys")
        .await;
    app.clock.advance(60);
    app.exec("UPDATE orgs SET sso_required = TRUE").await;
    // A valid assertion with a higher counter, refused by the org's policy.
    let refused = passkey_sign_in(&app, &passkey, 5).await;
    assert_eq!(refused.body["code"], "sso_required");
    let after = app
        .count("SELECT sign_count * 1000000000000 + last_used_at FROM passkeys")
        .await;
    assert_eq!(after, before, "counter and last use as they were");
}

#[tokio::test]
async fn a_user_handle_naming_another_account_is_refused_and_audited() {
    let (app, token) = app_with_account().await;
    let mut passkey = register(&app, &token).await;
    app.create_account("acme", "bob@example.com").await;
    let bob: String = domain::with_pool!(&app.state.db, pool => sqlx::query_scalar(
            "SELECT id FROM accounts WHERE email = 'bob@example.com'",
        )
        .fetch_one(pool)
        .await)
    .unwrap();
    // Ada's credential, answering as if it were Bob's.
    passkey.user_handle = uuid::Uuid::parse_str(&bob).unwrap().as_bytes().to_vec();
    let reply = passkey_sign_in(&app, &passkey, 1).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    assert_eq!(reply.body["code"], "passkey_refused");
    assert!(reply.session_cookie().is_none());
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'sign_in.passkey' \
             AND outcome = 'failure' AND cause = 'user_handle_mismatch'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_stored_backup_state_follows_the_authenticators_flag() {
    let (app, token) = app_with_account().await;
    let start = crate::passkeys::register_start(&app, &token).await;
    let make = softauthn::Make {
        backup_eligible: true,
        ..softauthn::Make::default()
    };
    let (passkey, credential) =
        softauthn::SoftPasskey::register_with(&start.body["options"], crate::support::ORIGIN, make)
            .unwrap();
    let finish =
        crate::passkeys::register_finish(&app, &token, &start.body["ceremony_id"], credential)
            .await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM passkeys WHERE backed_up")
            .await,
        0
    );
    for (counter, backed_up) in [(1, true), (2, false), (3, true)] {
        let start = login_start(&app, None).await;
        let how = Assert {
            counter,
            backup_eligible: true,
            backed_up,
            ..Assert::default()
        };
        let assertion = passkey.assert_custom(&start.body["options"], &how).unwrap();
        let reply = login_finish(&app, &start.body["ceremony_id"], assertion).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM passkeys WHERE backed_up")
                .await,
            i64::from(backed_up),
            "after a sign-in with BS = {backed_up}"
        );
    }
}

/// However many checks wait, at most the configured number of argon2 runs
/// happen at once (counted, not timed). Here rather than beside the code:
/// it keeps both cores busy, which the storage tests' timing must not share.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_more_hashes_run_at_once_than_there_are_threads() {
    for threads in [1, 2] {
        let passwords = domain::password::Passwords::new(threads).unwrap();
        let checks = (0..12).map(|i| passwords.verify(format!("guess {i}"), None));
        for verified in futures::future::join_all(checks).await {
            assert!(!verified.unwrap());
        }
        assert_eq!(passwords.peak_concurrency(), threads);
    }
}

/// Registers a passkey of `algorithm`; the finish's answer.
async fn register_algorithm(
    app: &crate::support::TestApp,
    token: &str,
    algorithm: softauthn::Algorithm,
) -> (softauthn::SoftPasskey, crate::support::Reply) {
    let start = crate::passkeys::register_start(app, token).await;
    let make = softauthn::Make {
        algorithm,
        ..softauthn::Make::default()
    };
    let (passkey, credential) =
        softauthn::SoftPasskey::register_with(&start.body["options"], crate::support::ORIGIN, make)
            .unwrap();
    let finish =
        crate::passkeys::register_finish(app, token, &start.body["ceremony_id"], credential).await;
    (passkey, finish)
}

#[tokio::test]
async fn every_offered_algorithm_registers_and_signs_in_and_no_other_does() {
    let (app, token) = app_with_account().await;
    let start = crate::passkeys::register_start(&app, &token).await;
    let offered: Vec<i64> = start.body["options"]["publicKey"]["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["alg"].as_i64().unwrap())
        .collect();
    assert_eq!(offered, [-7, -257], "ES256 and RS256");
    for algorithm in [softauthn::Algorithm::Es256, softauthn::Algorithm::Rs256] {
        let (passkey, finish) = register_algorithm(&app, &token, algorithm).await;
        assert_eq!(
            finish.status,
            StatusCode::OK,
            "{algorithm:?}: {:?}",
            finish.body
        );
        let reply = passkey_sign_in(&app, &passkey, 1).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{algorithm:?}: {:?}",
            reply.body
        );
    }
    // EdDSA was not offered; RS1 (SHA-1) never is.
    for algorithm in [softauthn::Algorithm::EdDsa, softauthn::Algorithm::Rs1] {
        let (_, finish) = register_algorithm(&app, &token, algorithm).await;
        assert_eq!(
            finish.status,
            StatusCode::UNAUTHORIZED,
            "{algorithm:?}: {:?}",
            finish.body
        );
        assert_eq!(finish.body["code"], "passkey_refused");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 2);
}

#[tokio::test]
async fn reported_transports_are_stored_as_sent_and_given_back_in_every_request() {
    use crate::passkeys::{register_finish, register_start};
    use serde_json::json;
    let (app, token) = app_with_account().await;
    let start = register_start(&app, &token).await;
    let (passkey, mut credential) =
        softauthn::SoftPasskey::register(&start.body["options"], crate::support::ORIGIN).unwrap();
    // A newer valid value, duplicates, and junk a client might send.
    credential["response"]["transports"] =
        json!(["smart-card", "usb", "USB!", "usb", "", "hybrid"]);
    let finish = register_finish(&app, &token, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    let stored = domain::with_pool!(&app.state.db, pool => {
        sqlx::query_scalar::<_, String>("SELECT transports FROM passkeys")
            .fetch_one(pool)
            .await
    })
    .unwrap();
    let expected = json!(["smart-card", "usb", "hybrid"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stored).unwrap(),
        expected
    );

    // Sent back wherever the credential is named: a sign-in for the
    // account, a re-authentication, and the exclusion list of the next
    // registration.
    let signin = login_start(&app, Some(("ada@example.com", "acme"))).await;
    assert_eq!(
        signin.body["options"]["publicKey"]["allowCredentials"][0]["transports"],
        expected
    );
    let reauth = app
        .send(
            axum::http::Method::POST,
            "/api/reauth/passkey/start",
            None,
            Some(&token),
        )
        .await;
    assert_eq!(
        reauth.body["options"]["publicKey"]["allowCredentials"][0]["transports"],
        expected
    );
    let next = register_start(&app, &token).await;
    assert_eq!(
        next.body["options"]["publicKey"]["excludeCredentials"][0]["transports"],
        expected
    );
    // The decoy lists the transports of the commonest passkeys.
    let decoy = login_start(&app, Some(("nobody@example.com", "acme"))).await;
    assert_eq!(
        decoy.body["options"]["publicKey"]["allowCredentials"][0]["transports"],
        json!(["hybrid", "internal"])
    );
    // And the passkey signs in with the request that names its transports.
    let assertion = passkey.assert(&signin.body["options"], 1).unwrap();
    let reply = login_finish(&app, &signin.body["ceremony_id"], assertion).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
}
