//! An org's passkey policy (off, offered, required with a grace period;
//! device-bound passkeys only) and the passkey nudge after a sign-in
//! without one — each rule checked on every path it applies to.

use crate::passkeys::{login_finish, login_start, register, register_start};
use crate::support::{TestApp, ORIGIN, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use softauthn::{Make, SoftPasskey};

/// Acme with Ada (owner), signed in with a password.
async fn acme() -> (TestApp, String) {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    app.create_account("acme", "carl@example.com").await;
    app.exec("UPDATE accounts SET role = 'owner' WHERE email = 'ada@example.com'")
        .await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    (app, ada)
}

/// Changes the passkey settings of Acme's policy as `admin`.
async fn set_passkeys(app: &TestApp, admin: &str, change: Value) -> crate::support::Reply {
    let mut wanted = app
        .send(Method::GET, "/api/admin/policy", None, Some(admin))
        .await
        .body;
    for (key, value) in change.as_object().unwrap() {
        wanted[key] = value.clone();
    }
    app.send(Method::PUT, "/api/admin/policy", Some(wanted), Some(admin))
        .await
}

async fn passkey_sign_in(
    app: &TestApp,
    passkey: &SoftPasskey,
    counter: u32,
) -> crate::support::Reply {
    let start = login_start(app, None).await;
    login_finish(
        app,
        &start.body["ceremony_id"],
        passkey.assert(&start.body["options"], counter).unwrap(),
    )
    .await
}

#[tokio::test]
async fn passkeys_off_refuses_them_on_every_path_and_ends_their_sessions() {
    let (app, ada) = acme().await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    let passkey = register(&app, &carl).await;
    let by_passkey = passkey_sign_in(&app, &passkey, 1).await;
    let by_passkey = by_passkey.session_cookie().unwrap();

    let preview = app
        .send(
            Method::PUT,
            "/api/admin/policy?preview=true",
            Some({
                let mut w = app
                    .send(Method::GET, "/api/admin/policy", None, Some(&ada))
                    .await
                    .body;
                w["passkeys"] = json!("off");
                w
            }),
            Some(&ada),
        )
        .await;
    assert_eq!(preview.body["sessions_ending"], 1, "{:?}", preview.body);
    let made = set_passkeys(&app, &ada, json!({ "passkeys": "off" })).await;
    assert_eq!(made.body["applied"], true, "{:?}", made.body);

    // The passkey's session has ended; the password one goes on.
    let ended = app
        .send(Method::GET, "/api/session", None, Some(&by_passkey))
        .await;
    assert_eq!(ended.body["code"], "session_ended");
    assert_eq!(app.session_status(&carl).await, StatusCode::OK);
    // Sign-in, registration, re-authentication: refused.
    let refused = passkey_sign_in(&app, &passkey, 2).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["code"], "forbidden");
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("turned passkeys off"));
    assert_eq!(register_start(&app, &carl).await.body["code"], "forbidden");
    let reauth = app
        .send(Method::POST, "/api/reauth/passkey/start", None, Some(&carl))
        .await;
    assert_eq!(reauth.body["code"], "forbidden");
    // The list says why, and tells the browser nothing to forget.
    let list = app
        .send(Method::GET, "/api/passkeys", None, Some(&carl))
        .await;
    assert_eq!(list.body["passkeys_off"], true);
    assert_eq!(list.body["sso_required"], false);
    assert!(list.body.get("signals").is_none());
    // Offered again: the stored passkey works again.
    set_passkeys(&app, &ada, json!({ "passkeys": "offered" })).await;
    assert_eq!(
        passkey_sign_in(&app, &passkey, 3).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn device_bound_only_refuses_synced_passkeys_at_registration_and_sign_in() {
    let (app, ada) = acme().await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    // A synced passkey from before the rule.
    let start = register_start(&app, &carl).await;
    let synced_make = Make {
        backup_eligible: true,
        backed_up: true,
        ..Make::default()
    };
    let (synced, credential) =
        SoftPasskey::register_with(&start.body["options"], ORIGIN, synced_make.clone()).unwrap();
    let finish =
        crate::passkeys::register_finish(&app, &carl, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    let bound = register(&app, &carl).await;
    // A session the synced passkey opened before the rule.
    let start = login_start(&app, None).await;
    let assertion = synced
        .assert_custom(
            &start.body["options"],
            &softauthn::Assert {
                counter: 1,
                backup_eligible: true,
                backed_up: true,
                ..Default::default()
            },
        )
        .unwrap();
    let by_synced = login_finish(&app, &start.body["ceremony_id"], assertion)
        .await
        .session_cookie()
        .unwrap();

    let made = set_passkeys(&app, &ada, json!({ "device_bound_only": true })).await;
    assert_eq!(
        made.body["settings"]["device_bound_only"], true,
        "{:?}",
        made.body
    );
    let ended = app
        .send(Method::GET, "/api/session", None, Some(&by_synced))
        .await;
    assert_eq!(ended.body["code"], "session_ended", "{:?}", ended.body);

    let start = login_start(&app, None).await;
    let assertion = synced
        .assert_custom(
            &start.body["options"],
            &softauthn::Assert {
                counter: 2,
                backup_eligible: true,
                backed_up: true,
                ..Default::default()
            },
        )
        .unwrap();
    let refused = login_finish(&app, &start.body["ceremony_id"], assertion).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("one device"));
    assert!(refused.session_cookie().is_none());
    assert_eq!(
        passkey_sign_in(&app, &bound, 1).await.status,
        StatusCode::OK
    );

    // A new synced passkey is refused; nothing is stored.
    let start = register_start(&app, &carl).await;
    let (_, credential) =
        SoftPasskey::register_with(&start.body["options"], ORIGIN, synced_make).unwrap();
    let again =
        crate::passkeys::register_finish(&app, &carl, &start.body["ceremony_id"], credential).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{:?}", again.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM passkeys").await,
        2,
        "the two registered before the rule"
    );
    let failures = app
        .count("SELECT COUNT(*) FROM audit_events WHERE cause = 'synced_passkey'")
        .await;
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn required_passkeys_ask_at_each_sign_in_then_owe_one_after_the_date() {
    let (app, ada) = acme().await;
    let now = app.clock.now();
    let from = now + 7 * 86_400;
    let made = set_passkeys(
        &app,
        &ada,
        json!({ "passkeys": "required", "passkeys_required_from": from }),
    )
    .await;
    assert_eq!(
        made.body["settings"]["passkeys"], "required",
        "{:?}",
        made.body
    );
    assert_eq!(made.body["sessions_ending"], 0);

    // In the grace period: a password signs in, and the nudge asks, with
    // the date and without "Don't ask again".
    let carl = app.login_ok("carl@example.com", "acme").await;
    let nudge = app
        .send(Method::GET, "/api/account/passkey-nudge", None, Some(&carl))
        .await;
    assert_eq!(nudge.body, json!({ "show": true, "required_from": from }));
    let never = app
        .send(
            Method::PUT,
            "/api/account/passkey-nudge",
            Some(json!({ "answer": "never" })),
            Some(&carl),
        )
        .await;
    assert_eq!(never.body["code"], "conflict");

    // After the date: the password opens only the step that adds one.
    app.clock.advance(7 * 86_400);
    let reply = app.login("carl@example.com", "acme", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["pending"], "enroll");
    assert_eq!(reply.body["passkey_required"], true);
    let carl = reply.session_cookie().unwrap();
    // Nothing else is open to it; a password does not pass the step.
    let sessions = app
        .send(Method::GET, "/api/sessions", None, Some(&carl))
        .await;
    assert_eq!(sessions.status, StatusCode::UNAUTHORIZED);
    let password = app
        .send(
            Method::POST,
            "/api/account/password",
            Some(json!({ "password": "another long passphrase here" })),
            Some(&carl),
        )
        .await;
    assert_eq!(
        password.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        password.body
    );
    // A passkey does, and the session is then signed in (a new one).
    let start = register_start(&app, &carl).await;
    let (_, credential) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
    let added =
        crate::passkeys::register_finish(&app, &carl, &start.body["ceremony_id"], credential).await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.body);
    let signed_in = added
        .session_cookie()
        .expect("the session replacing the step's");
    let info = app
        .send(Method::GET, "/api/session", None, Some(&signed_in))
        .await;
    assert_eq!(info.status, StatusCode::OK);
    assert!(info.body.get("pending").is_none(), "{:?}", info.body);
    // With a passkey, a password signs in as before.
    let again = app.login("carl@example.com", "acme", PASSWORD).await;
    assert!(again.body.get("pending").is_none(), "{:?}", again.body);
}

#[tokio::test]
async fn the_nudge_asks_after_a_sign_in_without_a_passkey_and_remembers_the_answer() {
    let (app, _) = acme().await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    let nudge = |who: String| {
        let app = &app;
        async move {
            app.send(Method::GET, "/api/account/passkey-nudge", None, Some(&who))
                .await
                .body
        }
    };
    let answer = |who: String, answer: &'static str| {
        let app = &app;
        async move {
            app.send(
                Method::PUT,
                "/api/account/passkey-nudge",
                Some(json!({ "answer": answer })),
                Some(&who),
            )
            .await
        }
    };
    assert_eq!(nudge(carl.clone()).await["show"], true);
    // "Not now": asked again after 14 days.
    assert_eq!(answer(carl.clone(), "not_now").await.status, StatusCode::OK);
    assert_eq!(nudge(carl.clone()).await["show"], false);
    app.clock.advance(13 * 86_400);
    let carl = app.login_ok("carl@example.com", "acme").await;
    assert_eq!(nudge(carl.clone()).await["show"], false);
    app.clock.advance(86_400);
    assert_eq!(nudge(carl.clone()).await["show"], true);
    // "Don't ask again": never.
    answer(carl.clone(), "never").await;
    app.clock.advance(400 * 86_400);
    let carl = app.login_ok("carl@example.com", "acme").await;
    assert_eq!(nudge(carl.clone()).await["show"], false);

    // With a passkey, or signed in with one: never asked.
    let ada = app.login_ok("ada@example.com", "acme").await;
    assert_eq!(nudge(ada.clone()).await["show"], true);
    let passkey = register(&app, &ada).await;
    assert_eq!(nudge(ada).await["show"], false);
    let by_passkey = passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    assert_eq!(nudge(by_passkey).await["show"], false);
}

#[tokio::test]
async fn a_change_that_strands_passkey_only_members_says_so_and_never_strands_the_admin() {
    let (app, ada) = acme().await;
    // Carl has only a synced passkey (no password).
    let carl = app.login_ok("carl@example.com", "acme").await;
    let start = register_start(&app, &carl).await;
    let synced = Make {
        backup_eligible: true,
        backed_up: true,
        ..Make::default()
    };
    let (_, credential) =
        SoftPasskey::register_with(&start.body["options"], ORIGIN, synced).unwrap();
    let finish =
        crate::passkeys::register_finish(&app, &carl, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    app.exec("UPDATE accounts SET password_hash = '' WHERE email = 'carl@example.com'")
        .await;
    // A link to a provider the org no longer has signs nobody in.
    app.exec(
        "INSERT INTO sso_identities (org_id, issuer, subject, account_id, created_at) \
         SELECT org_id, 'https://gone.example', 'sub-carl', id, 0 FROM accounts \
         WHERE email = 'carl@example.com'",
    )
    .await;
    let mut wanted = app
        .send(Method::GET, "/api/admin/policy", None, Some(&ada))
        .await
        .body;
    wanted["device_bound_only"] = json!(true);
    let preview = app
        .send(
            Method::PUT,
            "/api/admin/policy?preview=true",
            Some(wanted.clone()),
            Some(&ada),
        )
        .await;
    assert_eq!(
        preview.body["members_left_without_a_way_in"], 1,
        "{:?}",
        preview.body
    );

    // The admin herself with only a passkey: refused, nothing changed.
    let ada_passkey = register(&app, &ada).await;
    app.exec("UPDATE accounts SET password_hash = '' WHERE email = 'ada@example.com'")
        .await;
    let ada = passkey_sign_in(&app, &ada_passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    wanted["passkeys"] = json!("off");
    let refused = app
        .send(Method::PUT, "/api/admin/policy", Some(wanted), Some(&ada))
        .await;
    assert_eq!(refused.body["code"], "conflict", "{:?}", refused.body);
    let now = app
        .send(Method::GET, "/api/admin/policy", None, Some(&ada))
        .await;
    assert_eq!(now.body["passkeys"], "offered");
}

/// Under device-bound-only, a member whose passkeys are all synced has
/// none, wherever "has a passkey" is asked.
#[tokio::test]
async fn under_device_bound_only_synced_passkeys_are_no_passkey_anywhere() {
    let (app, ada) = acme().await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    let start = register_start(&app, &carl).await;
    let synced = Make {
        backup_eligible: true,
        backed_up: true,
        ..Make::default()
    };
    let (_, credential) =
        SoftPasskey::register_with(&start.body["options"], ORIGIN, synced).unwrap();
    let finish =
        crate::passkeys::register_finish(&app, &carl, &start.body["ceremony_id"], credential).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    let without = |who: String| {
        let app = &app;
        async move {
            let page = app
                .send(
                    Method::GET,
                    "/api/admin/members?without_passkey=true",
                    None,
                    Some(&who),
                )
                .await;
            crate::admin::emails(&page.body)
        }
    };
    assert_eq!(without(ada.clone()).await, ["ada@example.com"]);

    let now = app.clock.now();
    let made = set_passkeys(
        &app,
        &ada,
        json!({ "device_bound_only": true, "passkeys": "required", "passkeys_required_from": now }),
    )
    .await;
    assert_eq!(made.body["applied"], true, "{:?}", made.body);
    // Listed as without one, asked for one, and owing one at sign-in.
    assert_eq!(
        without(ada.clone()).await,
        ["ada@example.com", "carl@example.com"]
    );
    let carl_id = crate::admin::id_of(&app, "carl@example.com").await;
    let asked = app
        .send(
            Method::POST,
            &format!("/api/admin/members/{carl_id}/passkey-request"),
            None,
            Some(&ada),
        )
        .await;
    assert_eq!(asked.status, StatusCode::NO_CONTENT, "{:?}", asked.body);
    let reply = app.login("carl@example.com", "acme", PASSWORD).await;
    assert_eq!(reply.body["pending"], "enroll", "{:?}", reply.body);
    // And the nudge asks for one (passkeys offered again, device-bound
    // only still on).
    set_passkeys(&app, &ada, json!({ "passkeys": "offered" })).await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    let nudge = app
        .send(Method::GET, "/api/account/passkey-nudge", None, Some(&carl))
        .await;
    assert_eq!(nudge.body["show"], true, "{:?}", nudge.body);
}
