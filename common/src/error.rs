//! The one error body every failing `/api` request returns.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable, machine-readable error codes. Clients branch on these, never on
/// the human message, so a code is never renamed once shipped.
///
/// The server maps each code to an HTTP status in exactly one function
/// (`server::error::status_for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or a parameter is malformed.
    BadRequest,
    /// Sign-in failed. Deliberately says nothing about *why*: the email, the
    /// organization, the account or the password — so that it never reveals
    /// which of them exist.
    InvalidCredentials,
    /// No valid session: not signed in, signed out, or the session expired.
    Unauthenticated,
    /// The session was ended because the org's policy changed (it now
    /// requires single sign-on, or a second factor the session lacks):
    /// sign in again. The message says which.
    SessionEnded,
    /// A state-changing request came from another site.
    CrossSiteRequest,
    /// The thing asked for does not exist (or is not visible to the caller).
    NotFound,
    /// The request conflicts with existing data (for example a duplicate).
    Conflict,
    /// The change needs a recent sign-in: re-authenticate, then retry.
    ReauthRequired,
    /// The organization requires single sign-on: no passwords, no passkeys.
    SsoRequired,
    /// Too many failed password sign-ins: password sign-in is locked for a
    /// while (passkeys still work).
    LockedOut,
    /// A passkey assertion or registration did not verify.
    PasskeyRefused,
    /// The passkey that answered is not (or no longer) registered — it may
    /// have been deleted from the account: trying it again cannot work.
    /// Only answered where it tells nothing about which accounts exist
    /// (sign-in naming no account, re-authentication); a sign-in naming an
    /// account answers [`ErrorCode::PasskeyRefused`] instead.
    PasskeyUnknown,
    /// The passkey answered without user verification (no PIN, biometric
    /// or screen-lock check), which Latchkey requires.
    UserNotVerified,
    /// The WebAuthn ceremony is unknown, expired, already used, or not
    /// this session's: start again.
    CeremonyInvalid,
    /// An emailed link is unknown, expired or already used.
    LinkInvalid,
    /// A two-factor code is wrong, expired or already used.
    InvalidCode,
    /// Too many requests of this kind; try again later.
    RateLimited,
    /// The change would leave the account with no way to sign in (its last
    /// passkey, with no password and no recovery code left; or the password
    /// of an account without a passkey).
    LastWayIn,
    /// The change leaves the account with its recovery codes as the only
    /// way back in: repeat it with the person's explicit confirmation.
    ConfirmationRequired,
    /// Single sign-on cannot start: the org's identity provider cannot be
    /// reached, or answers discovery with something unusable.
    SsoUnavailable,
    /// The database cannot be reached right now (an outage, a full or
    /// read-only disk): nothing was changed; try again in a moment.
    Unavailable,
    /// The session's account may not do this: an org admin's operation
    /// asked by a member (roles: [`crate::Role`]), or an admin acting on
    /// an owner's behalf.
    Forbidden,
    /// The server failed; the details are in its log, never in the response.
    Internal,
}

impl ErrorCode {
    /// Every code, for exhaustive tests of the status mapping.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::BadRequest,
        ErrorCode::InvalidCredentials,
        ErrorCode::Unauthenticated,
        ErrorCode::SessionEnded,
        ErrorCode::CrossSiteRequest,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::ReauthRequired,
        ErrorCode::SsoRequired,
        ErrorCode::LockedOut,
        ErrorCode::PasskeyRefused,
        ErrorCode::PasskeyUnknown,
        ErrorCode::UserNotVerified,
        ErrorCode::CeremonyInvalid,
        ErrorCode::LinkInvalid,
        ErrorCode::InvalidCode,
        ErrorCode::RateLimited,
        ErrorCode::LastWayIn,
        ErrorCode::ConfirmationRequired,
        ErrorCode::SsoUnavailable,
        ErrorCode::Unavailable,
        ErrorCode::Forbidden,
        ErrorCode::Internal,
    ];
}

/// Body of every non-2xx `/api` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people: a complete sentence that can be shown
    /// as it is.
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_stable_snake_case_strings() {
        let body = ApiError::new(ErrorCode::InvalidCredentials, "nope");
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"code":"invalid_credentials","message":"nope"}"#);
        let back: ApiError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, body);
    }
}
