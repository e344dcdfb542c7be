//! The rules that used to hold on one path and not another, each tested
//! on every path it applies to (issue "One home for the rules", faults
//! a–j). Run on SQLite and, in the test command, on PostgreSQL.

use crate::passkeys::{app_with_account, login_start, passkey_sign_in, register};
use crate::support::{TestApp, PASSWORD};
use crate::totp::{ada_with_totp, code};
use axum::http::{Method, StatusCode};
use futures::future::join_all;
use serde_json::{json, Value};

async fn acme_with_ada() -> TestApp {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    app
}

async fn checked_passwords(app: &TestApp) -> i64 {
    app.count(
        "SELECT COUNT(*) FROM audit_events WHERE event = 'sign_in.password' \
         AND (outcome = 'success' OR cause = 'wrong_password')",
    )
    .await
}

// --- a. Secret checks are reserved before they run. ---------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lockout_of_one_attempt_checks_one_of_two_concurrent_passwords() {
    let app = acme_with_ada().await;
    app.exec("UPDATE orgs SET lockout_attempts = 1").await;
    let replies =
        join_all((0..2).map(|_| app.login("ada@example.com", "acme", "wrong password"))).await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [401, 429],
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(checked_passwords(&app).await, 1, "one password was checked");
    // Locked: the right password is refused too.
    let right = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(right.body["code"], "locked_out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_gets_no_more_checks_than_the_org_allows() {
    let app = acme_with_ada().await;
    app.exec("UPDATE orgs SET lockout_attempts = 3").await;
    let mut burst: Vec<_> = (0..20)
        .map(|_| app.login("ada@example.com", "acme", "wrong password"))
        .collect();
    burst.insert(10, app.login("ada@example.com", "acme", PASSWORD));
    let replies = join_all(burst).await;
    let count = |status: u16| {
        replies
            .iter()
            .filter(|r| r.status.as_u16() == status)
            .count()
    };
    assert!(
        count(401) + count(200) <= 3,
        "401: {}, 200: {}",
        count(401),
        count(200)
    );
    assert_eq!(count(401) + count(200) + count(429), 21);
    assert!(checked_passwords(&app).await <= 3);
    assert!(
        replies
            .iter()
            .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
            .all(|r| r.body["code"] == "locked_out"),
        "refused by the lockout, not by the per-address limit"
    );
}

// --- b. Every secret check goes through the one gate. --------------------

#[tokio::test]
async fn re_authentication_is_refused_while_password_sign_in_is_locked() {
    let app = acme_with_ada().await;
    let token = app.login_ok("ada@example.com", "acme").await;
    for _ in 0..6 {
        app.login("ada@example.com", "acme", "wrong password").await;
    }
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/password",
            Some(json!({ "password": PASSWORD })),
            Some(&token),
        )
        .await;
    assert_eq!(
        reauth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        reauth.body
    );
    assert_eq!(reauth.body["code"], "locked_out");
}

#[tokio::test]
async fn wrong_passwords_at_re_authentication_count_towards_the_lockout() {
    let app = acme_with_ada().await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let wrong = json!({ "password": "wrong password" });
    for _ in 0..6 {
        let reply = app
            .send(
                Method::POST,
                "/api/reauth/password",
                Some(wrong.clone()),
                Some(&token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    }
    let right = json!({ "password": PASSWORD });
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/password",
            Some(right),
            Some(&token),
        )
        .await;
    assert_eq!(reauth.body["code"], "locked_out");
    let sign_in = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(sign_in.body["code"], "locked_out");
}

#[tokio::test]
async fn wrong_codes_at_re_authentication_are_counted_and_warned_about() {
    let (app, secret) = ada_with_totp().await;
    let token = app.login("ada@example.com", "acme", PASSWORD).await;
    let half = token.session_cookie().unwrap();
    let reply = app
        .send(
            Method::POST,
            "/api/login/totp",
            Some(json!({ "code": code(&secret, app.clock.now()) })),
            Some(&half),
        )
        .await;
    let token = reply.session_cookie().unwrap();
    let wrong = json!({ "password": PASSWORD, "code": "000000" });
    for _ in 0..3 {
        let reply = app
            .send(
                Method::POST,
                "/api/reauth/password",
                Some(wrong.clone()),
                Some(&token),
            )
            .await;
        assert_eq!(reply.body["code"], "invalid_code");
    }
    // The third wrong code warns the account holder.
    app.mail_with("Repeated wrong authentication codes").await;
    for _ in 0..3 {
        app.send(
            Method::POST,
            "/api/reauth/password",
            Some(wrong.clone()),
            Some(&token),
        )
        .await;
    }
    let sign_in = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(
        sign_in.body["code"], "locked_out",
        "wrong codes count like wrong passwords"
    );
}

// --- c. A session is checked against the org's policy at every request. --

#[tokio::test]
async fn a_password_session_ends_when_its_org_requires_sso() {
    let app = acme_with_ada().await;
    let token = app.login_ok("ada@example.com", "acme").await;
    app.exec("UPDATE orgs SET sso_required = TRUE").await;
    let reply = app
        .send(Method::GET, "/api/session", None, Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["code"], "session_ended");
    assert!(reply.body["message"]
        .as_str()
        .unwrap()
        .contains("single sign-on"));
    // Nor can it turn 2FA on, or anything else: it is gone.
    let setup = app
        .send(Method::POST, "/api/totp/setup", None, Some(&token))
        .await;
    assert_eq!(setup.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn a_one_factor_session_ends_when_its_org_requires_2fa_and_a_passkey_session_stays() {
    let (app, password_session) = app_with_account().await;
    let passkey = register(&app, &password_session).await;
    let passkey_session = passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    app.exec("UPDATE orgs SET require_2fa = TRUE").await;

    let reply = app
        .send(Method::GET, "/api/session", None, Some(&password_session))
        .await;
    assert_eq!(reply.body["code"], "session_ended");
    assert!(reply.body["message"]
        .as_str()
        .unwrap()
        .contains("two-factor"));
    assert_eq!(app.session_status(&passkey_session).await, StatusCode::OK);
    // Signing in again with the password leads to the 2FA setup step.
    let again = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(again.body["pending"], "totp_setup");
}

// --- d. A session ends with the credential that made it. -----------------

#[tokio::test]
async fn deleting_a_passkey_ends_the_sessions_it_opened_or_re_authenticated() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let passkey_id = app
        .send(Method::GET, "/api/passkeys", None, Some(&token))
        .await
        .body["passkeys"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let opened = passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    // A third session re-authenticates with the passkey.
    let other = app.login_ok("ada@example.com", "acme").await;
    app.clock.advance(10 * 60);
    let start = app
        .send(
            Method::POST,
            "/api/reauth/passkey/start",
            None,
            Some(&other),
        )
        .await;
    let body = json!({
        "ceremony_id": start.body["ceremony_id"],
        "credential": passkey.assert(&start.body["options"], 2).unwrap(),
    });
    let reauth = app
        .send(
            Method::POST,
            "/api/reauth/passkey/finish",
            Some(body),
            Some(&other),
        )
        .await;
    assert_eq!(reauth.status, StatusCode::NO_CONTENT, "{:?}", reauth.body);
    let deleter = app.login_ok("ada@example.com", "acme").await;

    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/passkeys/{passkey_id}"),
            None,
            Some(&deleter),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    assert_eq!(app.session_status(&opened).await, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&other).await, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&deleter).await, StatusCode::OK);
    assert_eq!(
        app.session_status(&token).await,
        StatusCode::OK,
        "a password session stays"
    );
}

/// A sign-in whose passkey is deleted between the check and the recording
/// of the session opens nothing: the session's reference to the passkey
/// fails, on both databases.
#[tokio::test]
async fn a_session_cannot_be_recorded_for_a_passkey_deleted_meanwhile() {
    let app = acme_with_ada().await;
    let (account, org) =
        domain::store::accounts::find_in_org(&app.state.db, "ada@example.com", "acme")
            .await
            .unwrap()
            .unwrap();
    let gone = domain::types::PasskeyId::random();
    let opened = domain::store::sessions::create(
        &app.state.db,
        &app.clock,
        domain::store::sessions::NewSession {
            account: &account,
            org: &org,
            method: common::AuthMethod::Passkey,
            stage: domain::store::sessions::Stage::Full,
            client: &domain::types::Client::default(),
            passkey_id: Some(&gone),
        },
    )
    .await;
    assert!(
        matches!(opened, Err(domain::Error::PasskeyUnknown)),
        "{:?}",
        opened.err()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn turning_2fa_on_ends_the_accounts_other_sessions() {
    let app = acme_with_ada().await;
    let other = app.login_ok("ada@example.com", "acme").await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let setup = app
        .send(Method::POST, "/api/totp/setup", None, Some(&token))
        .await;
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    let email_code = crate::totp::mailed_code(&app).await;
    let body = json!({ "code": code(&secret, app.clock.now()), "email_code": email_code });
    let on = app
        .send(
            Method::POST,
            "/api/totp/setup/confirm",
            Some(body),
            Some(&token),
        )
        .await;
    assert_eq!(on.status, StatusCode::NO_CONTENT, "{:?}", on.body);
    assert_eq!(app.session_status(&other).await, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&token).await, StatusCode::OK);
}

// --- e. The decoy for an unknown account looks like a real answer. ------

/// The shape of a JSON value: its keys and value kinds, recursively, with
/// base64url strings replaced by their decoded length.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(s) => json!(format!("string of {} chars", s.len())),
        Value::Number(_) => json!("number"),
        other => other.clone(),
    }
}

#[tokio::test]
async fn the_decoy_for_an_unknown_account_has_the_shape_of_a_real_answer() {
    let (app, token) = app_with_account().await;
    register(&app, &token).await;
    let real = login_start(&app, Some(("ada@example.com", "acme"))).await;
    for (email, org) in [
        ("nobody@example.com", "acme"),
        ("ada@example.com", "nowhere"),
    ] {
        let decoy = login_start(&app, Some((email, org))).await;
        let options = |r: &crate::support::Reply| {
            let mut options = r.body["options"].clone();
            // The challenge differs in value only.
            options["publicKey"]["challenge"] = json!("");
            shape(&options)
        };
        assert_eq!(options(&decoy), options(&real), "{email} in {org}");
    }
}

// --- f. Rate limits count IPv6 clients by their /64. --------------------

#[tokio::test]
async fn ceremony_starts_from_one_ipv6_64_count_together() {
    let app = acme_with_ada().await;
    let mut limited = 0;
    for i in 0..200u16 {
        let peer = std::net::IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, i + 1]);
        let reply = app
            .send_from(
                peer,
                Method::POST,
                "/api/login/passkey/start",
                Some(json!({})),
                &[],
            )
            .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert_eq!(
        limited,
        200 - 120,
        "the default is 120 starts a minute per client"
    );
    // Another /64 has its own count.
    let peer = std::net::IpAddr::from([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]);
    let reply = app
        .send_from(
            peer,
            Method::POST,
            "/api/login/passkey/start",
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn the_forwarded_client_counts_only_behind_a_trusted_proxy() {
    let forwarded = [("x-forwarded-for", "198.51.100.7".to_owned())];
    let proxy = std::net::IpAddr::from([10, 0, 0, 5]);
    let body = json!({ "email": "ada@example.com", "org": "acme", "password": "wrong" });

    let app = TestApp::behind_proxies("10.0.0.0/8").await;
    app.create_org("acme", "Acme Security").await;
    app.send_from(
        proxy,
        Method::POST,
        "/api/login/password",
        Some(body.clone()),
        &forwarded,
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE client_addr = '198.51.100.7'")
            .await,
        1
    );

    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.send_from(
        proxy,
        Method::POST,
        "/api/login/password",
        Some(body),
        &forwarded,
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE client_addr = '10.0.0.5'")
            .await,
        1,
        "without trusted proxies the header is ignored"
    );
}

// --- g. One canonical form of an email address. --------------------------

#[tokio::test]
async fn every_spelling_of_an_email_is_one_account() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "jose\u{301}@example.com").await;
    let composed = domain::store::accounts::create(
        &app.state.db,
        &app.clock,
        &app.state.passwords,
        domain::store::accounts::NewAccount {
            org: "acme".into(),
            email: "JOS\u{c9}@Example.com".into(),
            display_name: "José".into(),
            password: Some(PASSWORD.into()),
        },
    )
    .await;
    assert!(
        matches!(composed, Err(domain::Error::Conflict(_))),
        "one account"
    );
    for spelling in ["jos\u{e9}@example.com", "JOSE\u{301}@EXAMPLE.COM"] {
        let reply = app.login(spelling, "acme", PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{spelling}: {:?}", reply.body);
    }
    // Failures of each spelling count against the one account.
    for spelling in ["jos\u{e9}@example.com", "jose\u{301}@example.com"].repeat(3) {
        app.login(spelling, "acme", "wrong").await;
    }
    let locked = app.login("jos\u{e9}@example.com", "acme", PASSWORD).await;
    assert_eq!(locked.body["code"], "locked_out");
}

#[tokio::test]
async fn emails_stored_before_normalisation_are_canonicalised_at_start() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    for email in ["bob@example.com", "carol@example.com", "dave@example.com"] {
        app.create_account("acme", email).await;
    }
    // As an older version could store them: a decomposed address, and two
    // spellings of one address as two accounts.
    app.exec(
        "UPDATE accounts SET email = 'jose\u{301}@example.com' WHERE email = 'bob@example.com'",
    )
    .await;
    app.exec(
        "UPDATE accounts SET email = 'zoe\u{308}@example.com' WHERE email = 'carol@example.com'",
    )
    .await;
    app.exec("UPDATE accounts SET email = 'zo\u{eb}@example.com' WHERE email = 'dave@example.com'")
        .await;
    let restarted = app.second_instance().await;
    let reply = restarted
        .login("jos\u{e9}@example.com", "acme", PASSWORD)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let restarted = &restarted;
    let count = |email: &str| {
        let sql = format!("SELECT COUNT(*) FROM accounts WHERE email = '{email}'");
        async move { restarted.count(&sql).await }
    };
    assert_eq!(count("jos\u{e9}@example.com").await, 1, "rewritten");
    assert_eq!(count("jose\u{301}@example.com").await, 0);
    // The clash is left for an admin: the two accounts do not merge.
    assert_eq!(count("zoe\u{308}@example.com").await, 1);
    assert_eq!(count("zo\u{eb}@example.com").await, 1);
}

// --- h. Every security change is notified. -------------------------------

#[tokio::test]
async fn turning_2fa_on_and_off_is_notified_by_email() {
    let (app, secret) = ada_with_totp().await;
    app.mail_with("Two-factor authentication was turned on")
        .await;
    let half = app
        .login("ada@example.com", "acme", PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let body = json!({ "code": code(&secret, app.clock.now()) });
    let token = app
        .send(Method::POST, "/api/login/totp", Some(body), Some(&half))
        .await
        .session_cookie()
        .unwrap();
    let off = app
        .send(Method::DELETE, "/api/totp", None, Some(&token))
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT, "{:?}", off.body);
    app.mail_with("Two-factor authentication was turned off")
        .await;
}

#[tokio::test]
async fn the_password_alone_cannot_enrol_the_first_second_factor() {
    let app = acme_with_ada().await;
    app.exec("UPDATE orgs SET require_2fa = TRUE").await;
    let half = app
        .login("ada@example.com", "acme", PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let setup = app
        .send(Method::POST, "/api/login/totp/setup", None, Some(&half))
        .await;
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    let mailed = crate::totp::mailed_code(&app).await;
    let wrong = if mailed == "000000" {
        "111111"
    } else {
        "000000"
    };
    for email_code in ["", wrong] {
        let body = json!({ "code": code(&secret, app.clock.now()), "email_code": email_code });
        let reply = app
            .send(
                Method::POST,
                "/api/login/totp/setup/confirm",
                Some(body),
                Some(&half),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
        assert!(reply.session_cookie().is_none());
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE totp_secret IS NOT NULL")
            .await,
        0
    );
    // Wrong mailed codes count like wrong passwords.
    assert_eq!(app.count("SELECT failures FROM secret_attempts").await, 2);
}

#[tokio::test]
async fn mistyped_app_codes_at_the_forced_setup_do_not_lock_the_account() {
    let app = acme_with_ada().await;
    app.exec("UPDATE orgs SET require_2fa = TRUE").await;
    let half = app
        .login("ada@example.com", "acme", PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    app.send(Method::POST, "/api/login/totp/setup", None, Some(&half))
        .await;
    let mailed = crate::totp::mailed_code(&app).await;
    for _ in 0..7 {
        let body = json!({ "code": "000000", "email_code": mailed });
        let reply = app
            .send(
                Method::POST,
                "/api/login/totp/setup/confirm",
                Some(body),
                Some(&half),
            )
            .await;
        assert_eq!(reply.body["code"], "invalid_code", "{:?}", reply.body);
    }
    let again = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
}

/// In My Account too: a session that proved only a password cannot enrol
/// the first second factor without the code mailed to the account; one
/// that proved more (here a passkey) can.
#[tokio::test]
async fn my_account_needs_the_mailbox_to_enrol_2fa_after_a_password_alone() {
    let (app, token) = app_with_account().await;
    let setup = app
        .send(Method::POST, "/api/totp/setup", None, Some(&token))
        .await;
    assert_eq!(setup.body["email_code_sent"], true);
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    let without = json!({ "code": code(&secret, app.clock.now()) });
    let refused = app
        .send(
            Method::POST,
            "/api/totp/setup/confirm",
            Some(without),
            Some(&token),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        refused.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE totp_secret IS NOT NULL")
            .await,
        0
    );
    // Signed in with a passkey: no mailed code asked.
    let passkey = register(&app, &token).await;
    let by_passkey = passkey_sign_in(&app, &passkey, 1)
        .await
        .session_cookie()
        .unwrap();
    let setup = app
        .send(Method::POST, "/api/totp/setup", None, Some(&by_passkey))
        .await;
    assert_eq!(setup.body["email_code_sent"], false);
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    let body = json!({ "code": code(&secret, app.clock.now()) });
    let on = app
        .send(
            Method::POST,
            "/api/totp/setup/confirm",
            Some(body),
            Some(&by_passkey),
        )
        .await;
    assert_eq!(on.status, StatusCode::NO_CONTENT, "{:?}", on.body);
}

// --- i. The re-authentication mail names the asking session. ------------

/// POSTs `link` (an emailed link's token) to `/api/reauth/email/{action}`,
/// as the confirmation page does (no session needed).
async fn on_link(app: &TestApp, action: &str, link: &str) -> crate::support::Reply {
    let path = format!("/api/reauth/email/{action}");
    app.send(Method::POST, &path, Some(json!({ "token": link })), None)
        .await
}

/// Asks for a re-authentication link for the session `token`; its token.
async fn email_link(app: &TestApp, token: &str) -> String {
    let reply = app
        .send(Method::POST, "/api/reauth/email/start", None, Some(token))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    let message = app.mail_with("Confirm it's you").await;
    crate::support::find_after(&message, "verify-email#token=").unwrap()
}

#[tokio::test]
async fn the_re_authentication_mail_names_the_asking_session() {
    let app = acme_with_ada().await;
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let login = app
        .send_with(
            Method::POST,
            "/api/login/password",
            Some(json!({ "email": "ada@example.com", "org": "acme", "password": PASSWORD })),
            &[
                ("sec-fetch-site", "same-origin".to_owned()),
                ("origin", app.origin.clone()),
                ("user-agent", firefox.to_owned()),
            ],
        )
        .await;
    let token = login.session_cookie().unwrap();
    let reply = app
        .send(Method::POST, "/api/reauth/email/start", None, Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let message = app.mail_with("Confirm it's you").await;
    assert!(message.contains("with Firefox on Linux"), "{message}");
    assert!(message.contains("127.0.0.1"), "{message}");
    // The header itself, which the client writes, never reaches the mail.
    assert!(!message.contains("Gecko/20100101"), "{message}");
}

#[tokio::test]
async fn this_wasnt_me_ends_the_asking_session_and_is_audited_against_it() {
    let app = acme_with_ada().await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let session_id: String = domain::with_pool!(&app.state.db, pool => sqlx::query_scalar(
            "SELECT id FROM sessions",
        )
        .fetch_one(pool)
        .await)
    .unwrap();
    let link = email_link(&app, &token).await;

    // The confirmation page names the asking session, and that uses nothing.
    let described = on_link(&app, "describe", &link).await;
    assert_eq!(described.status, StatusCode::OK, "{:?}", described.body);
    assert_eq!(described.body["address"], "127.0.0.1");
    assert_eq!(described.body["browser"], "an unknown browser");
    assert_eq!(described.body["asked_at"], app.clock.now());
    assert_eq!(app.session_status(&token).await, StatusCode::OK);

    let denied = on_link(&app, "deny", &link).await;
    assert_eq!(denied.status, StatusCode::NO_CONTENT, "{:?}", denied.body);
    assert_eq!(app.session_status(&token).await, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'reauth.denied' \
             AND outcome = 'success' AND session_id = '{session_id}'"
        ))
        .await,
        1
    );
    // The link is used up: it can neither confirm nor be described again.
    for action in ["confirm", "describe"] {
        let reply = on_link(&app, action, &link).await;
        assert_eq!(reply.body["code"], "link_invalid", "{action}");
    }
}

#[tokio::test]
async fn a_confirmed_link_is_audited_against_the_asking_session() {
    let app = acme_with_ada().await;
    let token = app.login_ok("ada@example.com", "acme").await;
    let link = email_link(&app, &token).await;
    let confirmed = on_link(&app, "confirm", &link).await;
    assert_eq!(confirmed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events a JOIN sessions s ON s.id = a.session_id \
             WHERE a.event = 'reauth' AND a.outcome = 'success'"
        )
        .await,
        1
    );
}
