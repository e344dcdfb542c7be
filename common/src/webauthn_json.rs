//! The WebAuthn JSON the ceremony endpoints exchange, described for the
//! OpenAPI document only (the `openapi` feature). The values themselves are
//! webauthn-rs-proto's types; these mirror the shapes of WebAuthn Level 3
//! §5.1.8–5.1.10 (`PublicKeyCredentialCreationOptionsJSON`,
//! `PublicKeyCredentialRequestOptionsJSON`, `RegistrationResponseJSON`,
//! `AuthenticationResponseJSON`), so that a client can hand
//! `options.publicKey` to `PublicKeyCredential.parseCreationOptionsFromJSON`
//! / `parseRequestOptionsFromJSON` and post `credential.toJSON()` back.
//! Binary fields are base64url without padding.

use serde::Serialize;
use utoipa::ToSchema;

/// `options` of a registration start: `{ "publicKey": … }`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptionsJson {
    pub public_key: PublicKeyCredentialCreationOptionsJson,
}

/// `options` of a sign-in or re-authentication start: `{ "publicKey": … }`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestOptionsJson {
    pub public_key: PublicKeyCredentialRequestOptionsJson,
}

/// WebAuthn §5.4: what `navigator.credentials.create` needs.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyCredentialCreationOptionsJson {
    pub rp: RelyingPartyJson,
    pub user: UserJson,
    /// base64url.
    pub challenge: String,
    pub pub_key_cred_params: Vec<CredentialParameterJson>,
    /// Milliseconds: the ceremony's lifetime on the server.
    pub timeout: Option<u32>,
    /// The account's passkeys, so an authenticator holding one refuses.
    pub exclude_credentials: Option<Vec<CredentialDescriptorJson>>,
    pub authenticator_selection: Option<AuthenticatorSelectionJson>,
    /// `none`.
    pub attestation: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub extensions: Option<()>,
    pub hints: Option<Vec<String>>,
}

/// WebAuthn §5.5: what `navigator.credentials.get` needs.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyCredentialRequestOptionsJson {
    /// base64url.
    pub challenge: String,
    /// Milliseconds: the ceremony's lifetime on the server.
    pub timeout: Option<u32>,
    pub rp_id: Option<String>,
    /// Empty for a discoverable request; the account's passkeys (or one
    /// decoy) for a request that names an account.
    pub allow_credentials: Option<Vec<CredentialDescriptorJson>>,
    /// `required`.
    pub user_verification: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub extensions: Option<()>,
    pub hints: Option<Vec<String>>,
}

/// The relying party: this site.
#[derive(Serialize, ToSchema)]
pub struct RelyingPartyJson {
    pub id: Option<String>,
    pub name: String,
}

/// The account a new passkey belongs to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserJson {
    /// base64url: the user handle, random (no email in it).
    pub id: String,
    pub name: String,
    pub display_name: String,
}

/// A signature algorithm the site accepts (COSE: -7 ES256, -257 RS256).
#[derive(Serialize, ToSchema)]
pub struct CredentialParameterJson {
    /// `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    pub alg: i64,
}

/// A credential by its id.
#[derive(Serialize, ToSchema)]
pub struct CredentialDescriptorJson {
    /// `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    /// base64url.
    pub id: String,
    pub transports: Option<Vec<String>>,
}

/// Which authenticators may answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelectionJson {
    pub authenticator_attachment: Option<String>,
    pub resident_key: Option<String>,
    pub require_resident_key: Option<bool>,
    pub user_verification: Option<String>,
}

/// WebAuthn §5.1.8 `RegistrationResponseJSON`: `credential.toJSON()` after
/// `navigator.credentials.create`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponseJson {
    /// base64url of `rawId`.
    pub id: String,
    /// base64url.
    pub raw_id: String,
    /// `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AttestationResponseJson,
    pub authenticator_attachment: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub client_extension_results: Option<()>,
}

/// The authenticator's attestation.
#[derive(Serialize, ToSchema)]
pub struct AttestationResponseJson {
    /// base64url.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// base64url (CBOR).
    #[serde(rename = "attestationObject")]
    pub attestation_object: String,
    pub transports: Option<Vec<String>>,
}

/// WebAuthn §5.1.8 `AuthenticationResponseJSON`: `credential.toJSON()`
/// after `navigator.credentials.get`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponseJson {
    /// base64url of `rawId`.
    pub id: String,
    /// base64url.
    pub raw_id: String,
    /// `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AssertionResponseJson,
    pub authenticator_attachment: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub client_extension_results: Option<()>,
}

/// The authenticator's assertion.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponseJson {
    /// base64url.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// base64url.
    pub authenticator_data: String,
    /// base64url.
    pub signature: String,
    /// base64url: the account's user handle.
    pub user_handle: Option<String>,
}
