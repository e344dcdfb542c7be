//! Passkey registration, sign-in and management.
//!
//! The WebAuthn options and credentials themselves are webauthn-rs-proto's
//! types: serde definitions of the WebAuthn JSON, shared by both sides.

use serde::{Deserialize, Serialize};
pub use webauthn_rs_proto::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

/// The answer to every ceremony start: options for `navigator.credentials`,
/// and the id the finish must quote. The challenge state stays on the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(bound = ""))]
pub struct CeremonyStart<T> {
    pub ceremony_id: String,
    /// For `navigator.credentials.create` or `.get`: the WebAuthn JSON.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: T,
}

/// `POST /api/passkeys/register/finish`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterFinish {
    pub ceremony_id: String,
    /// The result of `navigator.credentials.create`, as WebAuthn JSON
    /// (`credential.toJSON()` posted as it is).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::webauthn_json::RegistrationResponseJson))]
    pub credential: RegisterPublicKeyCredential,
}

/// `POST /api/login/passkey/start`. Without an account, any passkey of this
/// site may answer (the "Log in with passkey" button and autofill); with
/// one, only that account's passkeys ("Use a passkey instead").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyLoginStart {
    pub account: Option<AccountHint>,
}

/// The email and org short name typed on the sign-in form.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountHint {
    pub email: String,
    pub org: String,
}

/// `POST /api/login/passkey/finish` and `POST /api/reauth/passkey/finish`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssertionFinish {
    pub ceremony_id: String,
    /// The result of `navigator.credentials.get`, as WebAuthn JSON
    /// (`credential.toJSON()` posted as it is).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::webauthn_json::AuthenticationResponseJson))]
    pub credential: PublicKeyCredential,
}

/// One passkey as shown on its card in My Account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    /// The authenticator's provider ("iCloud Keychain", "YubiKey 5"), or "Passkey".
    pub provider: String,
    /// Synced to other devices (backed up), rather than bound to one device.
    pub backed_up: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last sign-in with it, if any.
    pub last_used_at: Option<i64>,
}

/// `GET /api/passkeys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyList {
    /// When true the org requires SSO: passkeys can be neither added nor used.
    pub sso_required: bool,
    /// When true the org's admins turned passkeys off: neither added nor
    /// used either.
    #[serde(default)]
    pub passkeys_off: bool,
    pub passkeys: Vec<PasskeyInfo>,
    /// Unix seconds until which the session counts as recently
    /// authenticated: before then, adding or deleting needs no new proof.
    pub fresh_until: i64,
    /// Whether the session is recently authenticated now (by the server's clock).
    pub fresh: bool,
    /// What the browser's password manager is told to keep in step with
    /// (the WebAuthn Signal API); absent where passkeys are not available
    /// (SSO required), so that a passing policy never wipes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<CredentialSignals>,
}

/// The arguments of `PublicKeyCredential.signalAllAcceptedCredentials` and
/// `signalCurrentUserDetails` for one account (WebAuthn Level 3 §5.1.10).
/// Each account has its own user handle, so what is said about one org's
/// account never touches the passkeys of the same person's other orgs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredentialSignals {
    /// The relying party id (this site's host).
    pub rp_id: String,
    /// The account's user handle, base64url (16 bytes: its id).
    pub user_id: String,
    /// The credential ids (base64url) of every passkey the account has:
    /// the authenticator may forget the account's others.
    pub accepted_credential_ids: Vec<String>,
    /// The user entity's `name` and `displayName`, as registration sets them.
    pub name: String,
    pub display_name: String,
}

/// `PATCH /api/passkeys/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenamePasskey {
    pub name: String,
}

/// `POST /api/reauth/email/describe`: the session an emailed link would
/// refresh, for its confirmation page to name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailLinkRequester {
    /// The client address the asking session signed in from.
    pub address: Option<String>,
    /// Its browser and OS in words ("Firefox on Linux", "an unknown
    /// browser"), never the raw User-Agent header.
    pub browser: String,
    /// When it asked for the link (Unix seconds).
    pub asked_at: i64,
}

/// `POST /api/reauth/email/confirm`, `…/describe`, `…/deny`: the token
/// from the emailed link.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailLinkConfirm {
    pub token: String,
}

impl std::fmt::Debug for EmailLinkConfirm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailLinkConfirm { token: <redacted> }")
    }
}

/// `POST /api/login/org-list`: "Email me a list of my organizations".
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgListRequest {
    pub email: String,
}

/// `POST /api/reauth/password`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReauthPassword {
    pub password: String,
    /// The authenticator code, required when the account has 2FA on.
    #[serde(default)]
    pub code: Option<String>,
}

impl std::fmt::Debug for ReauthPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReauthPassword { password: <redacted> }")
    }
}
