//! The OpenAPI description served at `/api/openapi.json` (schemathesis
//! checks the running server against it in the test command).

use crate::support::TestApp;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn the_description_lists_every_operation_with_its_answers() {
    let app = TestApp::new().await;
    let reply = app.send(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let spec = reply.body;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(spec["servers"][0]["url"], "/api");
    let paths = spec["paths"].as_object().unwrap();
    let operations: Vec<String> = paths
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    assert_eq!(operations.len(), 58, "{operations:#?}");
    for expected in [
        "POST /login/password",
        "POST /reauth/email/describe",
        "POST /reauth/email/deny",
        "POST /login/passkey/start",
        "POST /passkeys/register/finish",
        "DELETE /passkeys/{id}",
        "GET /session",
        "POST /account/password",
        "DELETE /account/password",
        "POST /account/recovery-codes",
        "POST /login/recovery",
        "POST /password/reset/start",
        "POST /password/reset/describe",
        "POST /password/reset/passkey",
        "POST /password/reset/finish",
        "POST /enroll/describe",
        "POST /enroll/redeem",
        "GET /sessions",
        "DELETE /sessions/{id}",
        "POST /sessions/end-others",
        "POST /login/org",
        "POST /login/sso/start",
        "POST /reauth/sso/start",
        "GET /sso/callback/{org}",
        "GET /admin/members",
        "PUT /admin/members/{id}/role",
        "DELETE /admin/members/{id}",
        "POST /admin/invitations",
        "GET /admin/coverage",
        "GET /admin/security-log",
        "GET /admin/security-log/export",
        "GET /admin/policy",
        "PUT /admin/policy",
        "GET /account/activity",
        "POST /admin/members/{id}/reset",
        "POST /admin/members/{id}/passkey-request",
        "GET /account/passkey-nudge",
        "PUT /account/passkey-nudge",
        "GET /admin/sso",
        "PUT /admin/sso",
        "DELETE /admin/sso",
    ] {
        assert!(
            operations.iter().any(|o| o == expected),
            "{expected} missing"
        );
    }
    // Every operation documents its refusals with the ApiError body — but
    // the single sign-on callback, a browser navigation that answers every
    // outcome with a redirect.
    for (path, ops) in paths {
        if path == "/sso/callback/{org}" {
            let answers = ops["get"]["responses"].as_object().unwrap();
            assert_eq!(answers.keys().collect::<Vec<_>>(), ["303"]);
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let refusal = &op["responses"]["4XX"]["content"]["application/json"]["schema"];
            assert_eq!(
                refusal["$ref"], "#/components/schemas/ApiError",
                "{method} {path}"
            );
            // A parameter "in path" is one of the path's `{…}`; the others
            // are in the query (a query struct is described as such).
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                let expected = if in_path { "path" } else { "query" };
                assert_eq!(param["in"], expected, "{method} {path}: {name}");
            }
        }
    }
    for schema in [
        "SessionInfo",
        "PasskeyInfo",
        "ErrorCode",
        "CeremonyStartCreation",
        "CeremonyStartRequest",
    ] {
        assert!(
            spec["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}

/// The WebAuthn options and answers are described in full (WebAuthn L3
/// §5.1.8–5.1.10 JSON), not as "object": a client can learn from the
/// document alone that `options.publicKey` is what the browser's
/// `parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` take, and
/// that `credential.toJSON()` is what a finish takes.
#[tokio::test]
async fn the_webauthn_options_and_answers_are_described_in_full() {
    let app = TestApp::new().await;
    let spec = app
        .send(Method::GET, "/api/openapi.json", None, None)
        .await
        .body;
    let schemas = &spec["components"]["schemas"];
    let reference = |schema: &str, property: &str| {
        schemas[schema]["properties"][property]["$ref"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("#/components/schemas/")
            .to_owned()
    };
    assert_eq!(
        reference("CeremonyStartCreation", "options"),
        "CreationOptionsJson"
    );
    assert_eq!(
        reference("CeremonyStartRequest", "options"),
        "RequestOptionsJson"
    );
    assert_eq!(
        reference("CreationOptionsJson", "publicKey"),
        "PublicKeyCredentialCreationOptionsJson"
    );
    assert_eq!(
        reference("RequestOptionsJson", "publicKey"),
        "PublicKeyCredentialRequestOptionsJson"
    );
    assert_eq!(
        reference("RegisterFinish", "credential"),
        "RegistrationResponseJson"
    );
    assert_eq!(
        reference("AssertionFinish", "credential"),
        "AuthenticationResponseJson"
    );
    for (schema, field) in [
        ("PublicKeyCredentialCreationOptionsJson", "pubKeyCredParams"),
        ("PublicKeyCredentialRequestOptionsJson", "allowCredentials"),
        ("AttestationResponseJson", "clientDataJSON"),
        ("AssertionResponseJson", "authenticatorData"),
    ] {
        assert!(
            schemas[schema]["properties"][field].is_object(),
            "{schema}.{field}"
        );
    }

    // What the server sends has no member the description lacks: each key
    // of real options (a discoverable request, and one naming an account)
    // is a described property.
    for account in [
        serde_json::Value::Null,
        serde_json::json!({"email": "nobody@example.com", "org": "nowhere"}),
    ] {
        let start = app
            .send(
                Method::POST,
                "/api/login/passkey/start",
                Some(serde_json::json!({ "account": account })),
                None,
            )
            .await;
        assert_eq!(start.status, StatusCode::OK);
        let options = &start.body["options"]["publicKey"];
        let described = schemas["PublicKeyCredentialRequestOptionsJson"]["properties"]
            .as_object()
            .unwrap();
        for key in options.as_object().unwrap().keys() {
            assert!(
                described.contains_key(key),
                "options.publicKey.{key} is not described"
            );
        }
    }
}
