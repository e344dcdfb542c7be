//! Passwords and the ways back in (issue 13): change, reset by email,
//! passkey-only accounts and the last way in, recovery codes, enrollment
//! links — each end to end through the API, checking what was stored.

use crate::passkeys::{
    app_with_account, passkey_sign_in, register, register_finish, register_start,
};
use crate::support::{find_after, Reply, TestApp, ORIGIN, PASSWORD};
use axum::http::{Method, StatusCode};
use domain::store::accounts::{self, NewAccount};
use serde_json::{json, Value};
use softauthn::SoftPasskey;

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn post(app: &TestApp, path: &str, body: Value, token: Option<&str>) -> Reply {
    app.send(Method::POST, path, Some(body), token).await
}

async fn set_password(app: &TestApp, token: &str, password: &str) -> Reply {
    post(
        app,
        "/api/account/password",
        json!({ "password": password }),
        Some(token),
    )
    .await
}

async fn ask_reset(app: &TestApp, email: &str, org: &str) -> Reply {
    post(
        app,
        "/api/password/reset/start",
        json!({ "email": email, "org": org }),
        None,
    )
    .await
}

/// The token of the newest reset link mailed (waits for it).
async fn reset_token(app: &TestApp, nth: usize) -> String {
    let message = app.nth_mail_with("Reset your Latchkey password", nth).await;
    find_after(&message, "/reset-password#token=").unwrap()
}

async fn finish_reset(app: &TestApp, token: &str, password: &str, code: Option<&str>) -> Reply {
    let body = json!({ "token": token, "password": password, "code": code });
    post(app, "/api/password/reset/finish", body, None).await
}

async fn new_codes(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app
        .send(
            Method::POST,
            "/api/account/recovery-codes",
            None,
            Some(token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    serde_json::from_value(reply.body["codes"].clone()).unwrap()
}

async fn recovery_login(app: &TestApp, email: &str, org: &str, code: &str) -> Reply {
    let body = json!({ "email": email, "org": org, "code": code });
    post(app, "/api/login/recovery", body, None).await
}

/// Adds a passkey in an enrolment session: the finish's answer.
async fn enrol_passkey(app: &TestApp, token: &str) -> (SoftPasskey, Reply) {
    let start = register_start(app, token).await;
    assert_eq!(start.status, StatusCode::OK, "{:?}", start.body);
    let (passkey, credential) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
    let finish = register_finish(app, token, &start.body["ceremony_id"], credential).await;
    (passkey, finish)
}

async fn audit_count(app: &TestApp, event: &str, outcome: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE event = '{event}' AND (outcome = '{outcome}' OR cause = '{outcome}')"
    ))
    .await
}

/// A passkey-only account (no password), as `account create --no-password` makes it.
async fn passkey_only(app: &TestApp, email: &str) {
    let new = NewAccount {
        org: "acme".into(),
        email: email.into(),
        display_name: "Katherine Johnson".into(),
        password: None,
    };
    accounts::create(&app.state.db, &app.clock, &app.state.passwords, new)
        .await
        .unwrap();
}

async fn enrollment_link(app: &TestApp, email: &str) -> String {
    let client = domain::audit::Client::new(None, Some("tests"));
    let link =
        domain::signin::enrollment::issue_link(&app.state, &client, "acme", email, 24 * 3600)
            .await
            .unwrap();
    assert!(
        link.starts_with(&format!("{ORIGIN}/enroll#token=")),
        "{link}"
    );
    find_after(&link, "#token=").unwrap()
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let (app, token) = app_with_account().await;
    let other = app.login_ok("ada@example.com", "acme").await;
    let reply = set_password(&app, &token, NEW_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["has_password"], true);
    assert_eq!(app.session_status(&token).await, StatusCode::OK);
    assert_eq!(app.session_status(&other).await, StatusCode::NO_CONTENT);
    let old = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(old.body["code"], "invalid_credentials");
    let new = app.login("ada@example.com", "acme", NEW_PASSWORD).await;
    assert_eq!(new.status, StatusCode::OK);
    let mail = app.mail_with("Your Latchkey password was changed").await;
    assert!(mail.contains("To: ada@example.com"), "{mail}");
    assert_eq!(audit_count(&app, "password.changed", "success").await, 1);
    let stored = app
        .count("SELECT COUNT(*) FROM accounts WHERE password_hash LIKE '$argon2id$%'")
        .await;
    assert_eq!(stored, 1, "stored hashed");
}

#[tokio::test]
async fn a_password_change_needs_a_fresh_session_and_follows_the_one_rule() {
    let (app, token) = app_with_account().await;
    let refused = |password: String, why: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            let reply = set_password(app, &token, &password).await;
            assert_eq!(reply.body["code"], "bad_request", "{password}");
            let message = reply.body["message"].as_str().unwrap().to_owned();
            assert!(message.contains(why), "{password}: {message}");
        }
    };
    // The password is the only factor: 15 characters at least.
    refused("fourteen chars".into(), "at least 15").await;
    refused("x".repeat(129), "at most 128").await;
    // With a passkey on the account, 8 characters are enough, but never
    // the email or the org's name.
    register(&app, &token).await;
    refused("seven c".into(), "at least 8").await;
    refused("ADA@example.com".into(), "email address").await;
    refused(" acme security ".into(), "organization's name").await;
    let reply = set_password(&app, &token, "eight ch").await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    app.clock.advance(301);
    let stale = set_password(&app, &token, NEW_PASSWORD).await;
    assert_eq!(stale.body["code"], "reauth_required");
    let still = app.login("ada@example.com", "acme", "eight ch").await;
    assert_eq!(still.status, StatusCode::OK, "nothing changed when refused");
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_ends_every_session_and_signs_nobody_in() {
    let (app, token) = app_with_account().await;
    let reply = ask_reset(&app, "ada@example.com", "acme").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let link = reset_token(&app, 1).await;
    assert_eq!(link.len(), 43, "256 bits, base64url");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM email_tokens WHERE token_hash = '{link}'"
        ))
        .await,
        0,
        "stored hashed"
    );
    // Opening the page is a GET of the app shell: it changes nothing.
    let page = app
        .send(
            Method::GET,
            &format!("/reset-password#token={link}"),
            None,
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let described = post(
        &app,
        "/api/password/reset/describe",
        json!({ "token": link }),
        None,
    )
    .await;
    assert_eq!(described.status, StatusCode::OK, "{:?}", described.body);
    assert_eq!(described.body["email"], "ada@example.com");
    assert_eq!(described.body["org"]["name"], "Acme Security");
    assert_eq!(described.body["needs_code"], false);
    assert_eq!(app.session_status(&token).await, StatusCode::OK);

    let short = finish_reset(&app, &link, "too short", None).await;
    assert_eq!(
        short.body["code"], "bad_request",
        "the rule; the link stays"
    );
    let done = finish_reset(&app, &link, NEW_PASSWORD, None).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    assert!(done.set_cookie_header().is_none(), "never signs in");
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(
        app.login("ada@example.com", "acme", PASSWORD).await.body["code"],
        "invalid_credentials"
    );
    assert_eq!(
        app.login("ada@example.com", "acme", NEW_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    let again = finish_reset(&app, &link, "another new passphrase", None).await;
    assert_eq!(again.body["code"], "link_invalid", "single use");
    app.mail_with("Your Latchkey password was reset").await;
    assert_eq!(audit_count(&app, "password.reset", "success").await, 1);
}

#[tokio::test]
async fn forgot_password_answers_alike_for_every_email_and_org() {
    let (app, _) = app_with_account().await;
    let mut answers = Vec::new();
    for (email, org) in [
        ("ada@example.com", "acme"),
        ("nobody@example.com", "acme"),
        ("ada@example.com", "no-such-org"),
    ] {
        let reply = ask_reset(&app, email, org).await;
        answers.push((reply.status, reply.body));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    reset_token(&app, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mail(1).await.len(),
        1,
        "only the real account gets mail"
    );
    // Per (email, org), existing or not: 3 an hour, then refused alike.
    for (email, org) in [("ada@example.com", "acme"), ("nobody@example.com", "acme")] {
        for _ in 0..2 {
            ask_reset(&app, email, org).await;
        }
        assert_eq!(
            ask_reset(&app, email, org).await.body["code"],
            "rate_limited"
        );
    }
    let malformed = ask_reset(&app, "not an email", "acme").await;
    assert_eq!(malformed.body["code"], "bad_request");
}

#[tokio::test]
async fn a_reset_asks_for_the_authenticator_code_when_2fa_is_on() {
    let (app, secret) = crate::totp::ada_with_totp().await;
    ask_reset(&app, "ada@example.com", "acme").await;
    let link = reset_token(&app, 1).await;
    let described = post(
        &app,
        "/api/password/reset/describe",
        json!({ "token": link }),
        None,
    )
    .await;
    assert_eq!(described.body["needs_code"], true);
    let missing = finish_reset(&app, &link, NEW_PASSWORD, None).await;
    assert_eq!(missing.body["code"], "bad_request");
    let wrong = finish_reset(&app, &link, NEW_PASSWORD, Some("000000")).await;
    assert_eq!(wrong.body["code"], "invalid_code");
    let code = crate::totp::code(&secret, app.clock.now());
    let done = finish_reset(&app, &link, NEW_PASSWORD, Some(&code)).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    // The new password still owes the code at sign-in.
    let signed = app.login("ada@example.com", "acme", NEW_PASSWORD).await;
    assert_eq!(signed.body["pending"], "totp");
}

#[tokio::test]
async fn a_link_works_only_for_its_own_purpose_and_time() {
    let (app, token) = app_with_account().await;
    ask_reset(&app, "ada@example.com", "acme").await;
    let reset = reset_token(&app, 1).await;
    app.clock.advance(301);
    app.send(Method::POST, "/api/reauth/email/start", None, Some(&token))
        .await;
    let reauth_mail = app.mail_with("Confirm it's you").await;
    let reauth = find_after(&reauth_mail, "/verify-email#token=").unwrap();
    passkey_only(&app, "katherine@example.com").await;
    let enroll = enrollment_link(&app, "katherine@example.com").await;

    // Each token on every other purpose's endpoints: refused, and unused.
    for other in [&reauth, &enroll] {
        let reply = finish_reset(&app, other, NEW_PASSWORD, None).await;
        assert_eq!(reply.body["code"], "link_invalid");
    }
    for other in [&reset, &enroll] {
        let reply = post(
            &app,
            "/api/reauth/email/confirm",
            json!({ "token": other }),
            None,
        )
        .await;
        assert_eq!(reply.body["code"], "link_invalid");
    }
    for other in [&reset, &reauth] {
        let reply = post(&app, "/api/enroll/redeem", json!({ "token": other }), None).await;
        assert_eq!(reply.body["code"], "link_invalid");
    }
    let confirmed = post(
        &app,
        "/api/reauth/email/confirm",
        json!({ "token": reauth }),
        None,
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::NO_CONTENT);
    let redeemed = post(&app, "/api/enroll/redeem", json!({ "token": enroll }), None).await;
    assert_eq!(redeemed.status, StatusCode::OK);
    // The reset link expires after 30 minutes.
    app.clock.advance(30 * 60);
    let late = finish_reset(&app, &reset, NEW_PASSWORD, None).await;
    assert_eq!(late.body["code"], "link_invalid");
}

#[tokio::test]
async fn a_new_reset_link_replaces_the_older_one() {
    let (app, _) = app_with_account().await;
    ask_reset(&app, "ada@example.com", "acme").await;
    let first = reset_token(&app, 1).await;
    ask_reset(&app, "ada@example.com", "acme").await;
    let second = reset_token(&app, 2).await;
    assert_ne!(first, second);
    assert_eq!(
        finish_reset(&app, &first, NEW_PASSWORD, None).await.body["code"],
        "link_invalid"
    );
    let done = finish_reset(&app, &second, NEW_PASSWORD, None).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn removing_the_password_needs_a_passkey_proof_and_then_passwords_fail_as_wrong_ones() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    // Fresh, but proved with the password: not enough.
    let refused = app
        .send(Method::DELETE, "/api/account/password", None, Some(&token))
        .await;
    assert_eq!(refused.body["code"], "reauth_required");
    let signed = passkey_sign_in(&app, &passkey, 1).await;
    let by_passkey = signed.session_cookie().unwrap();
    let removed = app
        .send(
            Method::DELETE,
            "/api/account/password",
            None,
            Some(&by_passkey),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);
    assert_eq!(removed.body["has_password"], false);
    assert_eq!(
        app.session_status(&token).await,
        StatusCode::NO_CONTENT,
        "others end"
    );
    let mail = app
        .mail_with("The password of your Latchkey account was removed")
        .await;
    assert!(
        mail.contains("with a passkey") && !mail.contains("change your password"),
        "{mail}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE password_hash = ''")
            .await,
        1
    );
    // The old password answers exactly as a wrong one does.
    let old = app.login("ada@example.com", "acme", PASSWORD).await;
    let wrong = app
        .login("ada@example.com", "acme", "not the password")
        .await;
    assert_eq!((old.status, &old.body), (wrong.status, &wrong.body));
    // And a reset link is not sent for an account without a password.
    ask_reset(&app, "ada@example.com", "acme").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let resets = app
        .mail(0)
        .await
        .iter()
        .filter(|m| m.contains("Reset your Latchkey"))
        .count();
    assert_eq!(resets, 0);
    // Setting a password again is the same endpoint.
    let again = set_password(&app, &by_passkey, NEW_PASSWORD).await;
    assert_eq!(again.body["has_password"], true);
    app.mail_with("A password was set on your Latchkey account")
        .await;
}

#[tokio::test]
async fn the_last_passkey_of_an_account_without_a_password_stays_unless_codes_are_relied_on() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let by_passkey = passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    app.send(
        Method::DELETE,
        "/api/account/password",
        None,
        Some(&by_passkey),
    )
    .await;
    let id = app
        .send(Method::GET, "/api/passkeys", None, Some(&by_passkey))
        .await
        .body["passkeys"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let delete = |query: &'static str| {
        let path = format!("/api/passkeys/{id}{query}");
        let app = &app;
        let token = by_passkey.clone();
        async move { app.send(Method::DELETE, &path, None, Some(&token)).await }
    };
    let last = delete("").await;
    assert_eq!(last.status, StatusCode::CONFLICT);
    assert_eq!(last.body["code"], "last_way_in");
    let relied = delete("?rely_on_recovery_codes=true").await;
    assert_eq!(relied.body["code"], "last_way_in", "no codes to rely on");
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);

    new_codes(&app, &by_passkey).await;
    let ask = delete("").await;
    assert_eq!(ask.body["code"], "confirmation_required");
    assert!(ask.body["message"]
        .as_str()
        .unwrap()
        .contains("10 unused recovery codes"));
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);
    let done = delete("?rely_on_recovery_codes=true").await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 0);
    assert_eq!(audit_count(&app, "passkey.deleted", "last_way_in").await, 2);
}

#[tokio::test]
async fn concurrent_deletions_never_remove_the_last_way_in() {
    let (app, token) = app_with_account().await;
    register(&app, &token).await;
    let passkey = register(&app, &token).await;
    let by_passkey = passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    app.send(
        Method::DELETE,
        "/api/account/password",
        None,
        Some(&by_passkey),
    )
    .await;
    let list = app
        .send(Method::GET, "/api/passkeys", None, Some(&by_passkey))
        .await;
    let ids: Vec<String> = list.body["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let paths: Vec<String> = ids.iter().map(|id| format!("/api/passkeys/{id}")).collect();
    let (a, b) = tokio::join!(
        app.send(Method::DELETE, &paths[0], None, Some(&by_passkey)),
        app.send(Method::DELETE, &paths[1], None, Some(&by_passkey)),
    );
    let statuses = [a.status, b.status];
    assert!(statuses.contains(&StatusCode::NO_CONTENT), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);
}

#[tokio::test]
async fn a_recovery_code_opens_a_session_that_can_only_enrol_then_signs_in() {
    let (app, token) = app_with_account().await;
    let codes = new_codes(&app, &token).await;
    assert_eq!(codes.len(), 10);
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'),
        "{codes:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_codes WHERE code_hash LIKE '$argon2id$%'")
            .await,
        10
    );
    app.mail_with("New recovery codes for your Latchkey account")
        .await;

    // Typed in capitals without the hyphen still counts.
    let typed = codes[0].replace('-', "").to_uppercase();
    let reply = recovery_login(&app, "ada@example.com", "acme", &typed).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["pending"], "enroll");
    assert_eq!(reply.body["auth_method"], "recovery_code");
    assert_eq!(reply.body["recovery_codes_left"], 9);
    let enrolling = reply.session_cookie().unwrap();
    let mail = app
        .mail_with("A recovery code was used on your Latchkey account")
        .await;
    assert!(mail.contains("9 unused recovery codes are left"), "{mail}");

    // It can say what it is, and enrol; nothing else.
    let me = app
        .send(Method::GET, "/api/session", None, Some(&enrolling))
        .await;
    assert_eq!(me.body["pending"], "enroll");
    for (method, path) in [
        (Method::GET, "/api/passkeys"),
        (Method::POST, "/api/account/recovery-codes"),
        (Method::POST, "/api/totp/setup"),
        (Method::DELETE, "/api/account/password"),
    ] {
        let reply = app.send(method.clone(), path, None, Some(&enrolling)).await;
        assert_eq!(reply.body["code"], "unauthenticated", "{method} {path}");
    }
    // Used once only.
    let again = recovery_login(&app, "ada@example.com", "acme", &codes[0]).await;
    assert_eq!(again.body["code"], "invalid_credentials");

    let (_, finish) = enrol_passkey(&app, &enrolling).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    let signed_in = finish.session_cookie().expect("a new session");
    assert_ne!(signed_in, enrolling);
    assert_eq!(app.session_status(&enrolling).await, StatusCode::NO_CONTENT);
    let me = app
        .send(Method::GET, "/api/session", None, Some(&signed_in))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.get("pending").is_none(), "{:?}", me.body);
    let list = app
        .send(Method::GET, "/api/passkeys", None, Some(&signed_in))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        audit_count(&app, "sign_in.recovery_code", "success").await,
        1
    );
    assert_eq!(
        audit_count(&app, "sign_in.recovery_code", "wrong_code").await,
        1
    );
}

#[tokio::test]
async fn a_recovery_session_may_set_a_password_instead() {
    let (app, token) = app_with_account().await;
    let codes = new_codes(&app, &token).await;
    let enrolling = recovery_login(&app, "ada@example.com", "acme", &codes[3])
        .await
        .session_cookie()
        .unwrap();
    let reply = set_password(&app, &enrolling, NEW_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert!(reply.body.get("pending").is_none(), "{:?}", reply.body);
    let signed_in = reply.session_cookie().expect("a new session");
    assert_eq!(app.session_status(&signed_in).await, StatusCode::OK);
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
    let login = app.login("ada@example.com", "acme", NEW_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
}

#[tokio::test]
async fn recovery_codes_share_the_password_lockout_and_answer_alike_for_unknown_accounts() {
    let (app, token) = app_with_account().await;
    let codes = new_codes(&app, &token).await;
    let unknown_email = recovery_login(&app, "nobody@example.com", "acme", &codes[0]).await;
    let unknown_org = recovery_login(&app, "ada@example.com", "nope", &codes[0]).await;
    let wrong = recovery_login(&app, "ada@example.com", "acme", "aaaaa-aaaaa").await;
    for reply in [&unknown_email, &unknown_org] {
        assert_eq!((reply.status, &reply.body), (wrong.status, &wrong.body));
    }
    // Six wrong secrets per 15 minutes, passwords and codes together.
    for _ in 0..3 {
        app.login("ada@example.com", "acme", "wrong password").await;
    }
    for _ in 0..2 {
        recovery_login(&app, "ada@example.com", "acme", "zzzzz-zzzzz").await;
    }
    let locked = recovery_login(&app, "ada@example.com", "acme", &codes[0]).await;
    assert_eq!(locked.body["code"], "locked_out", "{:?}", locked.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_codes").await,
        10,
        "the right code, refused while locked, is not used up"
    );
}

#[tokio::test]
async fn an_enrollment_link_sets_up_a_passkey_only_account() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    passkey_only(&app, "katherine@example.com").await;
    let no_password = app.login("katherine@example.com", "acme", "").await;
    assert_eq!(no_password.body["code"], "invalid_credentials");
    let older = enrollment_link(&app, "katherine@example.com").await;
    let link = enrollment_link(&app, "katherine@example.com").await;
    let replaced = post(
        &app,
        "/api/enroll/describe",
        json!({ "token": older }),
        None,
    )
    .await;
    assert_eq!(
        replaced.body["code"], "link_invalid",
        "a new link replaces the older"
    );

    let described = post(&app, "/api/enroll/describe", json!({ "token": link }), None).await;
    assert_eq!(described.status, StatusCode::OK, "{:?}", described.body);
    assert_eq!(described.body["email"], "katherine@example.com");
    assert_eq!(described.body["password_allowed"], true);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        0,
        "describing changes nothing"
    );

    let redeemed = post(&app, "/api/enroll/redeem", json!({ "token": link }), None).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{:?}", redeemed.body);
    assert_eq!(redeemed.body["pending"], "enroll");
    assert_eq!(redeemed.body["has_password"], false);
    let enrolling = redeemed.session_cookie().unwrap();
    let reused = post(&app, "/api/enroll/redeem", json!({ "token": link }), None).await;
    assert_eq!(reused.body["code"], "link_invalid");

    let (passkey, finish) = enrol_passkey(&app, &enrolling).await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);
    let signed_in = finish.session_cookie().unwrap();
    let me = app
        .send(Method::GET, "/api/session", None, Some(&signed_in))
        .await;
    assert_eq!(me.body["auth_method"], "enrollment_link");
    assert!(me.body.get("pending").is_none());
    let again = passkey_sign_in(&app, &passkey, 1).await;
    assert_eq!(again.status, StatusCode::OK, "the new passkey signs in");
    assert_eq!(
        audit_count(&app, "enrollment_link.used", "success").await,
        1
    );
    assert_eq!(
        audit_count(&app, "enrollment_link.issued", "success").await,
        2
    );
}

#[tokio::test]
async fn enrolment_with_a_password_where_2fa_is_required_leads_to_its_setup() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.exec("UPDATE orgs SET require_2fa = TRUE").await;
    passkey_only(&app, "katherine@example.com").await;
    let link = enrollment_link(&app, "katherine@example.com").await;
    let enrolling = post(&app, "/api/enroll/redeem", json!({ "token": link }), None)
        .await
        .session_cookie()
        .unwrap();
    let reply = set_password(&app, &enrolling, NEW_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["pending"], "totp_setup");
}

#[tokio::test]
async fn sso_required_orgs_have_no_password_or_recovery_ways() {
    let (app, token) = app_with_account().await;
    let codes = new_codes(&app, &token).await;
    passkey_only(&app, "katherine@example.com").await;
    let link = enrollment_link(&app, "katherine@example.com").await;
    app.exec("UPDATE orgs SET sso_required = TRUE").await;
    let recovery = recovery_login(&app, "ada@example.com", "acme", &codes[0]).await;
    assert_eq!(recovery.body["code"], "sso_required");
    let enroll = post(&app, "/api/enroll/redeem", json!({ "token": link }), None).await;
    assert_eq!(enroll.body["code"], "sso_required");
    ask_reset(&app, "ada@example.com", "acme").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let resets = app
        .mail(0)
        .await
        .iter()
        .filter(|m| m.contains("Reset your Latchkey"))
        .count();
    assert_eq!(resets, 0);
}

#[tokio::test]
async fn a_passkey_can_stand_in_for_the_code_of_a_reset() {
    let (app, secret) = crate::totp::ada_with_totp().await;
    let full = crate::totp::signed_in_with_code(&app, &secret).await;
    let passkey = register(&app, &full).await;
    ask_reset(&app, "ada@example.com", "acme").await;
    let link = reset_token(&app, 1).await;

    let start = post(
        &app,
        "/api/password/reset/passkey",
        json!({ "token": link }),
        None,
    )
    .await;
    assert_eq!(start.status, StatusCode::OK, "{:?}", start.body);
    let ceremony_id = start.body["ceremony_id"].clone();
    // A bad answer uses the ceremony up, not the link.
    let forged = passkey
        .assert_custom(
            &start.body["options"],
            &softauthn::Assert {
                counter: 1,
                bad_signature: true,
                ..softauthn::Assert::default()
            },
        )
        .unwrap();
    let body = json!({ "token": link, "password": NEW_PASSWORD,
        "passkey": { "ceremony_id": ceremony_id, "credential": forged } });
    let refused = post(&app, "/api/password/reset/finish", body, None).await;
    assert_eq!(refused.body["code"], "passkey_refused");
    let start = post(
        &app,
        "/api/password/reset/passkey",
        json!({ "token": link }),
        None,
    )
    .await;
    let answer = passkey.assert(&start.body["options"], 2).unwrap();
    let body = json!({ "token": link, "password": NEW_PASSWORD,
        "passkey": { "ceremony_id": start.body["ceremony_id"], "credential": answer } });
    let done = post(&app, "/api/password/reset/finish", body, None).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    assert_eq!(app.session_status(&full).await, StatusCode::NO_CONTENT);
    let signed = app.login("ada@example.com", "acme", NEW_PASSWORD).await;
    assert_eq!(signed.body["pending"], "totp", "2FA stays on");
}

#[tokio::test]
async fn a_reset_link_dies_with_the_password_it_would_reset() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    // Mailed, then the owner changes the password: the link is dead.
    ask_reset(&app, "ada@example.com", "acme").await;
    let before_change = reset_token(&app, 1).await;
    set_password(&app, &token, NEW_PASSWORD).await;
    let reply = finish_reset(&app, &before_change, "attacker's choice", None).await;
    assert_eq!(reply.body["code"], "link_invalid");
    // Mailed, then the password is removed: the mailbox must not give a
    // passkey-only account a password back.
    ask_reset(&app, "ada@example.com", "acme").await;
    let before_removal = reset_token(&app, 2).await;
    let by_passkey = passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    let removed = app
        .send(
            Method::DELETE,
            "/api/account/password",
            None,
            Some(&by_passkey),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    for path in ["/api/password/reset/describe", "/api/password/reset/finish"] {
        let body = json!({ "token": before_removal, "password": "mailbox8" });
        let reply = post(&app, path, body, None).await;
        assert_eq!(reply.body["code"], "link_invalid", "{path}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE password_hash = ''")
            .await,
        1
    );
    // Removing a password that is not there is refused, and changes nothing.
    let again = app
        .send(
            Method::DELETE,
            "/api/account/password",
            None,
            Some(&by_passkey),
        )
        .await;
    assert_eq!(again.body["code"], "bad_request");
    // A malformed query is an ApiError too.
    let list = app
        .send(Method::GET, "/api/passkeys", None, Some(&by_passkey))
        .await;
    let id = list.body["passkeys"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/passkeys/{id}?rely_on_recovery_codes=TRUE");
    let odd = app
        .send(Method::DELETE, &path, None, Some(&by_passkey))
        .await;
    assert_eq!(odd.body["code"], "bad_request", "{:?}", odd.body);
}

#[tokio::test]
async fn switching_an_org_to_sso_removes_its_ways_back_in_for_good() {
    let (app, token) = app_with_account().await;
    let codes = new_codes(&app, &token).await;
    ask_reset(&app, "ada@example.com", "acme").await;
    let reset = reset_token(&app, 1).await;
    passkey_only(&app, "katherine@example.com").await;
    let enroll = enrollment_link(&app, "katherine@example.com").await;
    let change = |sso: bool| domain::store::orgs::OrgUpdate {
        sso_required: Some(sso),
        ..Default::default()
    };
    domain::store::orgs::update(&app.state.db, "acme", change(true))
        .await
        .unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_tokens WHERE purpose <> 'reauth'")
            .await,
        0
    );
    // Leaving SSO does not bring them back.
    domain::store::orgs::update(&app.state.db, "acme", change(false))
        .await
        .unwrap();
    let code = recovery_login(&app, "ada@example.com", "acme", &codes[0]).await;
    assert_eq!(code.body["code"], "invalid_credentials");
    let link = finish_reset(&app, &reset, NEW_PASSWORD, None).await;
    assert_eq!(link.body["code"], "link_invalid");
    let redeemed = post(&app, "/api/enroll/redeem", json!({ "token": enroll }), None).await;
    assert_eq!(redeemed.body["code"], "link_invalid");
}

#[tokio::test]
async fn a_recovery_session_that_chose_a_password_ends_when_2fa_becomes_required() {
    let (app, token) = app_with_account().await;
    let codes = new_codes(&app, &token).await;
    let with_password = {
        let enrolling = recovery_login(&app, "ada@example.com", "acme", &codes[0])
            .await
            .session_cookie()
            .unwrap();
        set_password(&app, &enrolling, NEW_PASSWORD)
            .await
            .session_cookie()
            .unwrap()
    };
    let with_passkey = {
        let enrolling = recovery_login(&app, "ada@example.com", "acme", &codes[1])
            .await
            .session_cookie()
            .unwrap();
        enrol_passkey(&app, &enrolling)
            .await
            .1
            .session_cookie()
            .unwrap()
    };
    assert_eq!(app.session_status(&with_password).await, StatusCode::OK);
    app.exec("UPDATE orgs SET require_2fa = TRUE").await;
    let ended = app
        .send(Method::GET, "/api/passkeys", None, Some(&with_password))
        .await;
    assert_eq!(
        ended.body["code"], "session_ended",
        "one factor: a password"
    );
    assert_eq!(app.session_status(&with_passkey).await, StatusCode::OK);
}

#[tokio::test]
async fn a_password_shorter_than_15_is_never_left_as_the_only_factor() {
    // Eight characters are allowed beside a passkey…
    let (app, token) = app_with_account().await;
    register(&app, &token).await;
    assert_eq!(
        set_password(&app, &token, "eight ch").await.status,
        StatusCode::OK
    );
    let list = app
        .send(Method::GET, "/api/passkeys", None, Some(&token))
        .await;
    let path = format!(
        "/api/passkeys/{}",
        list.body["passkeys"][0]["id"].as_str().unwrap()
    );
    // …but the passkey cannot go while they would be alone.
    let refused = app.send(Method::DELETE, &path, None, Some(&token)).await;
    assert_eq!(refused.body["code"], "last_way_in");
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("15 characters"));
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);
    // Refused inside the change's transaction: its notice went with it.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!app
        .mail(0)
        .await
        .iter()
        .any(|m| m.contains("A passkey was deleted")));
    assert_eq!(
        set_password(&app, &token, NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    let deleted = app.send(Method::DELETE, &path, None, Some(&token)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);

    // The same for 2FA: it cannot be turned off over a short password.
    let (app, secret) = crate::totp::ada_with_totp().await;
    let full = crate::totp::signed_in_with_code(&app, &secret).await;
    assert_eq!(
        set_password(&app, &full, "eight ch").await.status,
        StatusCode::OK
    );
    let off = app
        .send(Method::DELETE, "/api/totp", None, Some(&full))
        .await;
    assert_eq!(off.body["code"], "last_way_in", "{:?}", off.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE totp_secret IS NOT NULL")
            .await,
        1
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!app
        .mail(0)
        .await
        .iter()
        .any(|m| m.contains("Two-factor authentication was turned off")));
}
