//! The parts of the OpenAPI description that belong to no one handler:
//! the document's title and tags, and names for the ceremony-start bodies.
//!
//! Each handler carries its own `#[utoipa::path]` (method, path, body,
//! answers); `api::routes` collects them as it builds the router, so the
//! description cannot list a route the router lacks, or the reverse.

use common::{CeremonyStart, CreationChallengeResponse, RequestChallengeResponse};
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

/// `POST /passkeys/register/start`: options for `navigator.credentials.create`.
pub type CeremonyStartCreation = CeremonyStart<CreationChallengeResponse>;
/// Sign-in and re-authentication starts: options for `navigator.credentials.get`.
pub type CeremonyStartRequest = CeremonyStart<RequestChallengeResponse>;

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
    )
)]
pub struct ApiDoc;
