//! The parts of the OpenAPI description that belong to no one handler:
//! the document's title and tags, and the ceremony-start answers described
//! with their options' full shape (`common::webauthn_json`).
//!
//! Each handler carries its own `#[utoipa::path]` (method, path, body,
//! answers); `api::routes` collects them as it builds the router, so the
//! description cannot list a route the router lacks, or the reverse.

use utoipa::OpenApi;

/// The body of every ceremony finish as the server reads it: the ceremony
/// id, and the browser's answer left as JSON until the ceremony is taken,
/// so that a malformed answer uses the ceremony up like any failed finish
/// (the domain reads it into its WebAuthn type). Described in the OpenAPI
/// document as `AssertionFinish` / `RegisterFinish`.
#[derive(Debug, serde::Deserialize)]
pub struct FinishBody {
    pub ceremony_id: String,
    /// Missing counts as malformed, after the ceremony is taken.
    #[serde(default)]
    pub credential: serde_json::Value,
}

/// `POST /passkeys/register/start` answers a `CeremonyStart` of creation
/// options; described under this name with the options' full shape.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes an answer; never built.
pub struct CeremonyStartCreation {
    pub ceremony_id: String,
    /// Hand `options.publicKey` to `PublicKeyCredential.parseCreationOptionsFromJSON`.
    pub options: common::webauthn_json::CreationOptionsJson,
}

/// Sign-in and re-authentication starts answer a `CeremonyStart` of
/// request options; described under this name with their full shape.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes an answer; never built.
pub struct CeremonyStartRequest {
    pub ceremony_id: String,
    /// Hand `options.publicKey` to `PublicKeyCredential.parseRequestOptionsFromJSON`.
    pub options: common::webauthn_json::RequestOptionsJson,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey API",
        description = "Sign-in with passkeys and passwords for a multi-organization console. \
            Every refusal is a 4xx with an `ApiError` body; the session is an HttpOnly cookie.",
    ),
    tags(
        (name = "sign-in", description = "Password sign-in and the org list"),
        (name = "passkeys", description = "Passkey sign-in, registration and management"),
        (name = "re-authentication", description = "Proving it's you again before a sensitive change"),
        (name = "two-factor", description = "TOTP codes"),
        (name = "session", description = "The signed-in session"),
        (name = "admin", description = "The org admin console: members, roles, invitations, passkey coverage (org admins and owners, re-authenticated)"),
    )
)]
pub struct ApiDoc;
