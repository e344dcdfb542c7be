//! Mail that is never lost: each message is queued with the change it
//! reports and delivered by the sender, through a real SMTP server
//! (`smtp-server`), with retries, leases and a day's patience.

use crate::smtp::{free_port, silent_server, subject_of, Smtp};
use crate::support::{TestApp, PASSWORD, START};
use axum::http::{Method, StatusCode};
use domain::mail::sender::{GIVE_UP_AFTER_SECS, LEASE_SECS, RETRY_FIRST_SECS};
use domain::mail::Email;
use domain::store::mail_queue;
use serde_json::json;
use std::time::Duration;

fn email(to: &str, subject: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: format!("{subject}: a link https://example.test/#token=secret"),
        html: format!("<p>{subject}</p>"),
    }
}

/// Queues `email` as a change would, and wakes the instance's sender.
async fn queue(app: &TestApp, email: Email) {
    mail_queue::queue(&app.state.db, &app.state.outgoing(email))
        .await
        .unwrap();
    app.state.mailer.queued();
}

/// Gives the sender a moment to do what it would wrongly do.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(500)).await;
}

const FAILED_ONCE: &str =
    "SELECT COUNT(*) FROM mail_queue WHERE attempts = 1 AND last_error IS NOT NULL \
     AND lease_until IS NULL AND given_up_at IS NULL";
const WAITING: &str = "SELECT COUNT(*) FROM mail_queue";

#[tokio::test]
async fn a_message_waits_out_a_mail_server_outage_and_arrives_once() {
    let port = free_port();
    let app = TestApp::with_smtp(port).await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;

    // The mail server is down: the request is answered all the same, and
    // the message waits in the queue after its first attempt.
    let asked = app
        .send(
            Method::POST,
            "/api/login/org-list",
            Some(json!({ "email": "ada@example.com" })),
            None,
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    app.until_count(FAILED_ONCE, 1).await;

    // Up again: nothing goes before the retry is due…
    let smtp = Smtp::start(port);
    app.state.mailer.queued();
    settle().await;
    assert!(smtp.messages().is_empty(), "the retry waits its turn");
    // …then the message arrives, once, and leaves the queue.
    app.clock.advance(RETRY_FIRST_SECS);
    app.state.mailer.queued();
    let arrived = smtp.wait_for(1).await;
    assert!(arrived[0].contains("To: ada@example.com"), "{}", arrived[0]);
    app.until_count(WAITING, 0).await;
    app.clock.advance(3600);
    app.state.mailer.queued();
    settle().await;
    assert_eq!(smtp.messages().len(), 1, "sent once");
}

#[tokio::test]
async fn a_change_has_its_notice_stored_with_it_before_any_delivery() {
    let app = TestApp::with_smtp(free_port()).await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    let session = app.login_ok("ada@example.com", "acme").await;
    let changed = app
        .send(
            Method::POST,
            "/api/account/password",
            Some(json!({ "password": "a brand new passphrase" })),
            Some(&session),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    // Nothing could be delivered, and the notice is kept, with the change.
    app.until_count(FAILED_ONCE, 1).await;
    let notices = app
        .count(
            "SELECT COUNT(*) FROM mail_queue WHERE recipient = 'ada@example.com' \
             AND subject LIKE '%password%'",
        )
        .await;
    assert_eq!(notices, 1);
    // A refused change queues nothing (refusals inside the change's
    // transaction: `recovery::a_password_shorter_than_15_is_never_left_as_the_only_factor`).
    let refused = app
        .send(
            Method::POST,
            "/api/account/password",
            Some(json!({ "password": "ada@example.com" })),
            Some(&session),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    settle().await;
    assert_eq!(app.count(WAITING).await, 1);
    assert_eq!(
        app.login("ada@example.com", "acme", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "the change itself stands"
    );
}

#[tokio::test]
async fn two_instances_deliver_each_message_once() {
    let smtp = Smtp::start(0);
    let app = TestApp::with_smtp(smtp.port).await;
    let other = app.second_instance().await;
    let subjects: Vec<String> = (0..30).map(|i| format!("Message {i:02}")).collect();
    for subject in &subjects {
        queue(&app, email("ada@example.com", subject)).await;
        other.state.mailer.queued();
    }
    smtp.wait_for(subjects.len()).await;
    app.until_count(WAITING, 0).await;
    settle().await;
    let mut arrived: Vec<String> = smtp.messages().iter().map(|m| subject_of(m)).collect();
    arrived.sort();
    assert_eq!(arrived, subjects, "each message once");
}

#[tokio::test]
async fn a_message_leased_by_a_stopped_instance_goes_out_when_its_lease_expires() {
    let app = TestApp::new().await;
    // Claimed by an instance that then died mid-delivery.
    app.exec(&format!(
        "INSERT INTO mail_queue (id, recipient, subject, text_body, html_body, created_at, \
         attempts, next_attempt_at, lease_until, leased_by) \
         VALUES ('m1', 'ada@example.com', 'Left behind', 'text', '<p>html</p>', {START}, 1, \
         {START}, {}, 'a-dead-instance')",
        START + LEASE_SECS
    ))
    .await;
    app.state.mailer.queued();
    settle().await;
    assert!(
        app.mail(0).await.is_empty(),
        "another instance's lease holds"
    );

    app.clock.advance(LEASE_SECS);
    app.state.mailer.queued();
    let sent = app.mail_with("Left behind").await;
    assert!(sent.contains("To: ada@example.com"));
    app.until_count(WAITING, 0).await;
}

#[tokio::test]
async fn a_refusing_mailbox_is_given_up_at_once_and_an_outage_after_a_day() {
    const GIVEN_UP: &str = "SELECT COUNT(*) FROM mail_queue WHERE given_up_at IS NOT NULL \
         AND text_body = '' AND html_body = '' AND lease_until IS NULL";

    // A permanent refusal (550): no retry can help.
    let smtp = Smtp::start(0);
    let app = TestApp::with_smtp(smtp.port).await;
    queue(&app, email("nobody@reject.test", "Refused")).await;
    app.until_count(GIVEN_UP, 1).await;
    let refused = app
        .count(
            "SELECT COUNT(*) FROM mail_queue WHERE attempts = 1 AND last_error LIKE '%550%' \
             AND subject = 'Refused' AND recipient = 'nobody@reject.test'",
        )
        .await;
    assert_eq!(refused, 1, "the record says who, what and why");

    // A mail server down for a day: retried with backoff, then given up
    // with the links and codes it carried erased.
    let down = TestApp::with_smtp(free_port()).await;
    queue(&down, email("ada@example.com", "Too late")).await;
    down.until_count(FAILED_ONCE, 1).await;
    down.clock.advance(RETRY_FIRST_SECS);
    down.state.mailer.queued();
    down.until_count(
        "SELECT COUNT(*) FROM mail_queue WHERE attempts = 2 AND lease_until IS NULL",
        1,
    )
    .await;
    assert_eq!(down.count(GIVEN_UP).await, 0, "still trying");
    down.clock.advance(GIVE_UP_AFTER_SECS);
    down.state.mailer.queued();
    down.until_count(GIVEN_UP, 1).await;
    assert_eq!(
        down.count("SELECT COUNT(*) FROM mail_queue WHERE text_body LIKE '%token%'")
            .await,
        0
    );
}

#[tokio::test]
async fn concurrent_claims_from_two_instances_never_share_a_message() {
    let app = TestApp::new().await;
    let other = app.second_instance().await;
    // Due only in the future the claims below name, so that the instances'
    // own senders leave them alone.
    let later = START + 100_000;
    for i in 0..40 {
        let mut outgoing = app
            .state
            .outgoing(email("ada@example.com", &format!("M{i}")));
        outgoing.at = later;
        mail_queue::queue(&app.state.db, &outgoing).await.unwrap();
    }
    let claims = (0..40).map(|i| {
        let db = if i % 2 == 0 {
            app.state.db.clone()
        } else {
            other.state.db.clone()
        };
        tokio::spawn(async move {
            let holder = format!("claimer-{i}");
            mail_queue::claim(&db, &holder, later, later + LEASE_SECS, 1)
                .await
                .unwrap()
        })
    });
    let mut claimed: Vec<String> = Vec::new();
    for claim in claims.collect::<Vec<_>>() {
        let got = claim.await.unwrap();
        assert!(got.len() <= 1, "a claim takes at most its limit");
        claimed.extend(got.into_iter().map(|m| m.id));
    }
    let total = claimed.len();
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), total, "a message claimed twice");
    assert!(total > 0);
    let leased = app
        .count("SELECT COUNT(*) FROM mail_queue WHERE leased_by IS NOT NULL AND attempts = 1")
        .await;
    assert_eq!(leased as usize, total, "one attempt counted per claim");
}

#[tokio::test]
async fn a_silent_or_misconfigured_mail_server_is_retried_not_given_up() {
    // Connects, then never a word: the attempt ends at the send deadline
    // (2 s in the tests, a minute in service), well within its lease.
    let (port, _silent) = silent_server().await;
    let app = TestApp::with_smtp(port).await;
    queue(&app, email("ada@example.com", "Stuck")).await;
    app.until_count(
        "SELECT COUNT(*) FROM mail_queue WHERE attempts = 1 AND lease_until IS NULL \
         AND given_up_at IS NULL AND last_error LIKE '%no answer within%'",
        1,
    )
    .await;

    // A 5xx that is the server's configuration, not the mailbox (here 530
    // "authentication required"): every message would get it, so none is
    // given up before the day is over.
    let smtp = Smtp::start_with(0, &[("SMTP_REFUSE_SENDER", "1")]);
    let app = TestApp::with_smtp(smtp.port).await;
    queue(&app, email("ada@example.com", "Misconfigured")).await;
    app.until_count(FAILED_ONCE, 1).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_queue WHERE last_error LIKE '%530%'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_message_a_day_old_is_given_up_unsent() {
    let smtp = Smtp::start(0);
    let mut app = TestApp::with_smtp(smtp.port).await;
    // Queued while no sender ran for a day (the instance was down).
    app.stop_mail_sender().await;
    queue(&app, email("ada@example.com", "Yesterday's code")).await;
    app.clock.advance(GIVE_UP_AFTER_SECS);
    let other = app.second_instance().await;
    other.state.mailer.queued();
    app.until_count(
        "SELECT COUNT(*) FROM mail_queue WHERE given_up_at IS NOT NULL AND text_body = ''",
        1,
    )
    .await;
    settle().await;
    assert!(smtp.messages().is_empty(), "a stale code is never mailed");
}
