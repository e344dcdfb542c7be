//! Two server instances on one database, as behind a load balancer: every
//! piece of state that matters (ceremonies, sessions, rate limits) lives in
//! the database, so any instance can carry on what another began. The test
//! command runs these on SQLite and again on PostgreSQL.

use crate::passkeys::{login_finish, login_start, register};
use crate::support::{TestApp, ORIGIN};
use axum::http::{Method, StatusCode};
use domain::limits::RateLimits;
use serde_json::json;
use softauthn::SoftPasskey;

async fn two_instances(limits: RateLimits) -> (TestApp, TestApp) {
    let a = TestApp::with_limits(limits).await;
    a.create_org("acme", "Acme Security").await;
    a.create_account("acme", "ada@example.com").await;
    let b = a.second_instance().await;
    (a, b)
}

#[tokio::test]
async fn a_ceremony_started_on_one_instance_finishes_on_the_other() {
    let (a, b) = two_instances(RateLimits::default()).await;
    let token = a.login_ok("ada@example.com", "acme").await;

    // Registration: start on A, finish on B, same session.
    let start = a
        .send(
            Method::POST,
            "/api/passkeys/register/start",
            None,
            Some(&token),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{:?}", start.body);
    let (passkey, credential) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
    let body = json!({ "ceremony_id": start.body["ceremony_id"], "credential": credential });
    let finish = b
        .send(
            Method::POST,
            "/api/passkeys/register/finish",
            Some(body),
            Some(&token),
        )
        .await;
    assert_eq!(finish.status, StatusCode::OK, "{:?}", finish.body);

    // Sign-in: start on B, finish on A.
    let start = login_start(&b, None).await;
    let assertion = passkey.assert(&start.body["options"], 1).unwrap();
    let reply = login_finish(&a, &start.body["ceremony_id"], assertion).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["email"], "ada@example.com");
}

#[tokio::test]
async fn fifty_parallel_finishes_of_one_ceremony_on_two_instances_make_one_session() {
    let (a, b) = two_instances(RateLimits::default()).await;
    let token = a.login_ok("ada@example.com", "acme").await;
    let passkey = register(&a, &token).await;
    let sessions_before = a.count("SELECT COUNT(*) FROM sessions").await;

    let start = login_start(&a, None).await;
    let id = &start.body["ceremony_id"];
    let assertion = passkey.assert(&start.body["options"], 1).unwrap();
    let finishes = (0..50).map(|i| {
        let instance = if i % 2 == 0 { &a } else { &b };
        login_finish(instance, id, assertion.clone())
    });
    let replies = futures::future::join_all(finishes).await;

    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "exactly one finish may succeed");
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
        assert_eq!(reply.body["code"], "ceremony_invalid");
    }
    let sessions_after = a.count("SELECT COUNT(*) FROM sessions").await;
    assert_eq!(sessions_after, sessions_before + 1);
    assert_eq!(a.count("SELECT COUNT(*) FROM ceremonies").await, 0);
}

#[tokio::test]
async fn a_session_made_on_one_instance_works_on_the_other_and_logout_on_either_ends_it() {
    let (a, b) = two_instances(RateLimits::default()).await;
    let token = a.login_ok("ada@example.com", "acme").await;
    assert_eq!(b.session_status(&token).await, StatusCode::OK);

    let logout = b
        .send(Method::POST, "/api/logout", None, Some(&token))
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(a.session_status(&token).await, StatusCode::NO_CONTENT);
    assert_eq!(b.session_status(&token).await, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn rate_limits_count_requests_on_every_instance_together() {
    let (a, b) = two_instances(RateLimits::per_minute(4, 3)).await;
    for instance in [&a, &b, &a, &b] {
        let reply = instance.passkey_start().await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    for instance in [&a, &b] {
        let reply = instance.passkey_start().await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reply.body["code"], "rate_limited");
    }

    for instance in [&b, &a, &b] {
        let reply = instance.login("ada@example.com", "acme", "wrong").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = a
        .login("ada@example.com", "acme", crate::support::PASSWORD)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
}

/// Two processes on one SQLite file (a second instance, or an admin
/// command beside the server): a transaction that reads before it writes
/// must not fail with "database is locked" (SQLITE_BUSY_SNAPSHOT) because
/// the other wrote in between — write transactions begin IMMEDIATE.
#[tokio::test]
async fn read_then_write_transactions_of_two_processes_wait_for_each_other() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    let other = app.second_instance().await;
    let org = domain::store::orgs::find_by_short_name(&app.state.db, "acme")
        .await
        .unwrap()
        .unwrap();
    let provider = |n: usize| domain::store::sso::Provider {
        org_id: org.id.clone(),
        issuer: format!("https://idp{}.example", n % 2),
        client_id: "latchkey".into(),
        client_secret: "secret".into(),
        scopes: String::new(),
        jit_domains: String::new(),
    };
    let reads_then_writes = async {
        for n in 0..40 {
            // SELECT the old issuer, then upsert: a read, then a write.
            domain::store::sso::set_provider(&app.state.db, &app.clock, &provider(n))
                .await
                .expect("not refused as locked");
        }
    };
    let writes = async {
        for n in 0..40 {
            let mail = other.state.outgoing(domain::mail::Email {
                to: "ada@example.com".into(),
                subject: format!("m{n}"),
                text: String::new(),
                html: String::new(),
            });
            domain::store::mail_queue::queue(&other.state.db, &mail)
                .await
                .expect("written");
            tokio::task::yield_now().await;
        }
    };
    tokio::join!(reads_then_writes, writes);
}
