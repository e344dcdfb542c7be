//! A FIDO-conformance-style table of malformed answers to every ceremony
//! finish — registration, sign-in, re-authentication. Each row checks the
//! exact refusal (status and code), that nothing was stored, and that the
//! ceremony was used up: the same ceremony answered correctly afterwards
//! is refused.

use crate::passkeys::{
    app_with_account, login_finish, login_start, register, register_finish, register_start,
};
use crate::support::ORIGIN;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use softauthn::{b64, SoftPasskey};

/// A change to an honest answer, named for the report.
type Mutation = (&'static str, fn(&mut Value));

fn decode(text: &Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.as_str().unwrap())
        .unwrap()
}

/// What every finish shares: the answer's outer shape and clientDataJSON.
fn common_mutations() -> Vec<Mutation> {
    vec![
        ("no credential", |c| *c = Value::Null),
        ("credential not an object", |c| *c = json!([1, 2])),
        ("no response", |c| {
            c.as_object_mut().unwrap().remove("response");
        }),
        ("clientDataJSON a number", |c| {
            c["response"]["clientDataJSON"] = json!(5)
        }),
        ("clientDataJSON empty", |c| {
            c["response"]["clientDataJSON"] = json!("")
        }),
        ("clientDataJSON not base64url", |c| {
            c["response"]["clientDataJSON"] = json!("%%%")
        }),
        ("clientDataJSON not UTF-8", |c| {
            c["response"]["clientDataJSON"] = json!(b64(&[0xff, 0xfe, 0xfd]))
        }),
        ("clientDataJSON not JSON", |c| {
            c["response"]["clientDataJSON"] = json!(b64(b"not json"))
        }),
        ("clientDataJSON with a duplicate key", |c| {
            let text = String::from_utf8(decode(&c["response"]["clientDataJSON"])).unwrap();
            let doubled = text.replacen('{', "{\"type\":\"webauthn.other\",", 1);
            c["response"]["clientDataJSON"] = json!(b64(doubled.as_bytes()));
        }),
        ("id and rawId empty", |c| {
            c["id"] = json!("");
            c["rawId"] = json!("");
        }),
        ("id and rawId of 5 bytes", |c| {
            c["id"] = json!(b64(&[1, 2, 3, 4, 5]));
            c["rawId"] = json!(b64(&[1, 2, 3, 4, 5]));
        }),
        ("id not the rawId", |c| c["id"] = json!(b64(&[9; 32]))),
        ("type not public-key", |c| c["type"] = json!("password")),
    ]
}

fn assertion_mutations() -> Vec<Mutation> {
    let mut rows = common_mutations();
    rows.extend([
        (
            "authenticatorData too short",
            (|c: &mut Value| c["response"]["authenticatorData"] = json!(b64(&[0u8; 10])))
                as fn(&mut Value),
        ),
        ("signature empty", |c| {
            c["response"]["signature"] = json!("")
        }),
        ("signature not DER", |c| {
            c["response"]["signature"] = json!(b64(&[1u8; 64]))
        }),
    ]);
    rows
}

fn registration_mutations() -> Vec<Mutation> {
    let mut rows = common_mutations();
    rows.extend([
        (
            "attestationObject not CBOR",
            (|c: &mut Value| c["response"]["attestationObject"] = json!(b64(b"\xff\xff not cbor")))
                as fn(&mut Value),
        ),
        ("attestationObject empty", |c| {
            c["response"]["attestationObject"] = json!("")
        }),
        ("attestation fmt packed without a statement", |c| {
            set_in_attestation(c, "fmt", serde_cbor_2::Value::Text("packed".into()))
        }),
        ("authenticatorData too short", |c| {
            set_in_attestation(c, "authData", serde_cbor_2::Value::Bytes(vec![0u8; 10]))
        }),
    ]);
    rows
}

/// Sets `key` of the answer's attestation object (a CBOR map) to `value`.
fn set_in_attestation(answer: &mut Value, key: &str, value: serde_cbor_2::Value) {
    let bytes = decode(&answer["response"]["attestationObject"]);
    let mut object: serde_cbor_2::Value = serde_cbor_2::from_slice(&bytes).unwrap();
    if let serde_cbor_2::Value::Map(map) = &mut object {
        map.insert(serde_cbor_2::Value::Text(key.into()), value);
    }
    answer["response"]["attestationObject"] = json!(b64(&serde_cbor_2::to_vec(&object).unwrap()));
}

/// Which finish a row's answer goes to.
#[derive(Clone, Copy, PartialEq)]
enum Finish {
    /// A sign-in naming no account, or a re-authentication: a credential id
    /// that names no passkey is answered as such.
    Assertion,
    Registration,
}

/// The refusal expected for `row`: an answer that is not WebAuthn JSON of
/// the right shape is 400 `bad_request`; an assertion naming a credential
/// id that is not registered is 401 `passkey_unknown`; one of the right
/// shape whose content does not verify is 401 `passkey_refused`.
fn expected(row: &str, finish: Finish) -> (StatusCode, &'static str) {
    const MALFORMED: [&str; 5] = [
        "no credential",
        "credential not an object",
        "no response",
        "clientDataJSON a number",
        "clientDataJSON not base64url",
    ];
    const UNKNOWN_IDS: [&str; 2] = ["id and rawId empty", "id and rawId of 5 bytes"];
    if MALFORMED.contains(&row) {
        (StatusCode::BAD_REQUEST, "bad_request")
    } else if finish == Finish::Assertion && UNKNOWN_IDS.contains(&row) {
        (StatusCode::UNAUTHORIZED, "passkey_unknown")
    } else {
        (StatusCode::UNAUTHORIZED, "passkey_refused")
    }
}

fn check(name: &str, finish: Finish, reply: &crate::support::Reply) {
    let (status, code) = expected(name, finish);
    assert_eq!(reply.status, status, "{name}: {:?}", reply.body);
    assert_eq!(reply.body["code"], code, "{name}");
    assert!(reply.session_cookie().is_none(), "{name}");
}

#[tokio::test]
async fn malformed_sign_in_answers_are_refused_store_nothing_and_use_the_ceremony_up() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let mut counter = 0;
    for (name, mutate) in assertion_mutations() {
        let sessions = app.count("SELECT COUNT(*) FROM sessions").await;
        let use_before = app
            .count("SELECT COUNT(*) FROM passkeys WHERE last_used_at IS NOT NULL")
            .await;
        let start = login_start(&app, None).await;
        counter += 1;
        let mut answer = passkey.assert(&start.body["options"], counter).unwrap();
        mutate(&mut answer);
        let reply = login_finish(&app, &start.body["ceremony_id"], answer).await;
        check(name, Finish::Assertion, &reply);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM sessions").await,
            sessions,
            "{name}"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM passkeys WHERE last_used_at IS NOT NULL")
                .await,
            use_before,
            "{name}"
        );
        // Used up: the same ceremony, answered honestly, is refused.
        let honest = passkey.assert(&start.body["options"], counter).unwrap();
        let retry = login_finish(&app, &start.body["ceremony_id"], honest).await;
        assert_eq!(retry.body["code"], "ceremony_invalid", "{name}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
}

#[tokio::test]
async fn malformed_re_authentication_answers_are_refused_and_use_the_ceremony_up() {
    let (app, token) = app_with_account().await;
    let passkey = register(&app, &token).await;
    let mut counter = 0;
    for (name, mutate) in assertion_mutations() {
        let before = app.count("SELECT authenticated_at FROM sessions").await;
        app.clock.advance(1);
        let start = app
            .send(
                Method::POST,
                "/api/reauth/passkey/start",
                None,
                Some(&token),
            )
            .await;
        counter += 1;
        let mut answer = passkey.assert(&start.body["options"], counter).unwrap();
        mutate(&mut answer);
        let reply = app
            .finish(
                "/api/reauth/passkey/finish",
                &start.body,
                &answer,
                Some(&token),
            )
            .await;
        check(name, Finish::Assertion, &reply);
        assert_eq!(
            app.count("SELECT authenticated_at FROM sessions").await,
            before,
            "{name}"
        );
        let honest = passkey.assert(&start.body["options"], counter).unwrap();
        let retry = app
            .finish(
                "/api/reauth/passkey/finish",
                &start.body,
                &honest,
                Some(&token),
            )
            .await;
        assert_eq!(retry.body["code"], "ceremony_invalid", "{name}");
    }
}

#[tokio::test]
async fn malformed_registration_answers_are_refused_store_nothing_and_use_the_ceremony_up() {
    let (app, token) = app_with_account().await;
    for (name, mutate) in registration_mutations() {
        let start = register_start(&app, &token).await;
        let (_, mut answer) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
        mutate(&mut answer);
        let reply = register_finish(&app, &token, &start.body["ceremony_id"], answer).await;
        check(name, Finish::Registration, &reply);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM passkeys").await,
            0,
            "{name}"
        );
        let (_, honest) = SoftPasskey::register(&start.body["options"], ORIGIN).unwrap();
        let retry = register_finish(&app, &token, &start.body["ceremony_id"], honest).await;
        assert_eq!(retry.body["code"], "ceremony_invalid", "{name}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
}
