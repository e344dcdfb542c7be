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
    assert_eq!(operations.len(), 24, "{operations:#?}");
    for expected in [
        "POST /login/password",
        "POST /reauth/email/describe",
        "POST /reauth/email/deny",
        "POST /login/passkey/start",
        "POST /passkeys/register/finish",
        "DELETE /passkeys/{id}",
        "GET /session",
    ] {
        assert!(
            operations.iter().any(|o| o == expected),
            "{expected} missing"
        );
    }
    // Every operation documents its refusals with the ApiError body.
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let refusal = &op["responses"]["4XX"]["content"]["application/json"]["schema"];
            assert_eq!(
                refusal["$ref"], "#/components/schemas/ApiError",
                "{method} {path}"
            );
        }
    }
    for schema in ["SessionInfo", "PasskeyInfo", "ErrorCode", "CeremonyStart"] {
        assert!(
            spec["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}
