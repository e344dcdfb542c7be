//! Sign-in requests and the description of the signed-in session.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `POST /api/login/password`: sign in to one organization's account.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordLoginRequest {
    pub email: String,
    /// The organization's short name, as typed or picked.
    pub org: String,
    pub password: String,
}

/// Redacts the password so that a request can be logged safely.
impl fmt::Debug for PasswordLoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordLoginRequest")
            .field("email", &self.email)
            .field("org", &self.org)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// An organization as shown to someone who belongs to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgSummary {
    /// Unique short name people type to pick the org (`acme`).
    pub short_name: String,
    /// Display name (`Acme Security`).
    pub name: String,
}

/// How the session last proved who it is. Sensitive changes look at this
/// and at [`SessionInfo::authenticated_at`] to ask for a fresh proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Password,
    PasswordTotp,
    Passkey,
    EmailLink,
    /// A one-time recovery code: the session can only add a passkey or set
    /// a password until it has ([`SecondStep::Enroll`]).
    RecoveryCode,
    /// A single-use enrollment link (`latchkey account enroll-link`, an
    /// admin's invite): likewise limited to enrolment.
    EnrollmentLink,
    /// Single sign-on through the org's OpenID Connect provider.
    Sso,
}

impl AuthMethod {
    /// The name stored in the database and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::PasswordTotp => "password_totp",
            AuthMethod::Passkey => "passkey",
            AuthMethod::EmailLink => "email_link",
            AuthMethod::RecoveryCode => "recovery_code",
            AuthMethod::EnrollmentLink => "enrollment_link",
            AuthMethod::Sso => "sso",
        }
    }

    /// Inverse of [`AuthMethod::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "password" => AuthMethod::Password,
            "password_totp" => AuthMethod::PasswordTotp,
            "passkey" => AuthMethod::Passkey,
            "email_link" => AuthMethod::EmailLink,
            "recovery_code" => AuthMethod::RecoveryCode,
            "enrollment_link" => AuthMethod::EnrollmentLink,
            "sso" => AuthMethod::Sso,
            _ => return None,
        })
    }
}

/// `GET /api/session` and the answer to a successful sign-in: who is signed
/// in, to which org, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub email: String,
    pub display_name: String,
    pub org: OrgSummary,
    pub auth_method: AuthMethod,
    /// Unix time (seconds) of the last sign-in or re-authentication.
    pub authenticated_at: i64,
    /// Set when the password was right but a second step remains: the
    /// session can do nothing else until it is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<SecondStep>,
    /// Whether the account has TOTP two-factor authentication on.
    #[serde(default)]
    pub totp_enabled: bool,
    /// Whether the org requires two-factor authentication.
    #[serde(default)]
    pub org_requires_2fa: bool,
    /// Whether the account has a password (a passkey-only account has none).
    #[serde(default = "yes")]
    pub has_password: bool,
    /// How many unused recovery codes the account has (0 to 10).
    #[serde(default)]
    pub recovery_codes_left: u32,
    /// The account's role in its org: the console shows "Admin" to
    /// admins and owners (the server checks the role on every admin
    /// request, whatever the console shows).
    #[serde(default = "member")]
    pub role: crate::Role,
    /// At the enrolment step because the org requires a passkey: only a
    /// passkey lets this session go on (no password instead).
    #[serde(default)]
    pub passkey_required: bool,
}

fn member() -> crate::Role {
    crate::Role::Member
}

fn yes() -> bool {
    true
}

/// The step left after a correct password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecondStep {
    /// Enter the 6-digit code from the authenticator app.
    Totp,
    /// The org requires 2FA: set it up now.
    TotpSetup,
    /// Signed in with a recovery code or an enrollment link: add a passkey
    /// (or set a password) to go on.
    Enroll,
}

/// What it takes to add a TOTP secret to an authenticator app.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSetup {
    /// Base32, for typing in by hand.
    pub secret: String,
    /// `otpauth://totp/…`, the content of the QR code.
    pub otpauth_uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
    /// Whether a code was mailed to the account that the confirmation
    /// needs too (the session proved a password alone).
    #[serde(default)]
    pub email_code_sent: bool,
}

impl fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSetup { <redacted> }")
    }
}

/// `POST /api/login/totp`, `…/setup/confirm`: a 6-digit code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpCode {
    pub code: String,
}

/// `POST /api/login/totp/setup/confirm`: enrolling the first second
/// factor where the org requires one — a code from the new authenticator
/// app, and the code mailed to the account's address (proof of the
/// mailbox: the password alone must not enrol a second factor).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    /// The 6-digit code from the authenticator app.
    pub code: String,
    /// The 6-digit code mailed by `POST /api/login/totp/setup`.
    #[serde(default)]
    pub email_code: String,
}

/// One live session of the account, as My Account → Sessions lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionRecord {
    /// The session's public id (never its token).
    pub id: String,
    /// Browser and OS in words ("Firefox on Linux", "an unknown browser"),
    /// never the raw User-Agent header.
    pub browser: String,
    /// The client address it signed in from.
    pub address: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, exact to within a minute.
    pub last_seen_at: i64,
    /// How the person signed in.
    pub signed_in_with: AuthMethod,
    /// The passkey that signed it in, by its name (deleted: none).
    pub passkey: Option<String>,
    /// Whether this is the session asking.
    pub current: bool,
}

/// `GET /api/sessions`: the account's live sessions, the current first,
/// then the most recently active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub sessions: Vec<SessionRecord>,
}

/// One line of My Account's security activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    /// Unix seconds.
    pub at: i64,
    /// The stored event name (`sign_in.passkey`, `passkey.added`…).
    pub event: String,
    /// What happened, in words ("Signed in with a passkey").
    pub words: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// Why it failed (`wrong_password`…), for failures.
    pub cause: Option<String>,
    /// Whether an org administrator did it (a role change, say).
    pub by_admin: bool,
    pub client_addr: Option<String>,
    /// The browser and system, in words from the user-agent parser's own
    /// list (never the client's text).
    pub browser: String,
}

/// `GET /api/account/activity`: the account's own audit events of the
/// last 90 days, newest first (at most 500).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub entries: Vec<ActivityEntry>,
}

/// `GET /api/account/passkey-nudge`: whether the console offers to create
/// a passkey now ("Sign in faster next time").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyNudge {
    pub show: bool,
    /// Where the org requires passkeys: from when (Unix seconds) a
    /// sign-in without one must add one to go on. No "Don't ask again".
    #[serde(default)]
    pub required_from: Option<i64>,
}

/// `PUT /api/account/passkey-nudge`: the person's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NudgeReply {
    pub answer: NudgeAnswer,
}

/// "Not now" (asked again after 14 days) or "Don't ask again".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NudgeAnswer {
    NotNow,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_password() {
        let req = PasswordLoginRequest {
            email: "ada@example.com".into(),
            org: "acme".into(),
            password: "correct horse".into(),
        };
        let shown = format!("{req:?}");
        assert!(!shown.contains("correct horse"), "{shown}");
        assert!(shown.contains("ada@example.com"));
    }

    #[test]
    fn auth_method_round_trips_through_its_name() {
        for m in [
            AuthMethod::Password,
            AuthMethod::PasswordTotp,
            AuthMethod::Passkey,
            AuthMethod::EmailLink,
            AuthMethod::RecoveryCode,
            AuthMethod::EnrollmentLink,
        ] {
            assert_eq!(AuthMethod::parse(m.as_str()), Some(m));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.as_str()));
        }
        assert_eq!(AuthMethod::parse("sms"), None);
    }
}
