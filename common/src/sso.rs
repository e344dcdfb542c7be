//! Single sign-on: whether an org offers it, starting it, and the words a
//! failed one is explained with.

use serde::{Deserialize, Serialize};

/// Whether an org signs people in through its identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SsoMode {
    /// No single sign-on (also the answer for an org that does not exist).
    Off,
    /// "Continue with single sign-on" beside the password and passkeys.
    Offered,
    /// The only way in: passwords and passkeys are refused.
    Required,
}

/// `POST /api/login/org`: which ways in the sign-in page offers for an org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgSignInRequest {
    /// The org's short name, as typed.
    pub org: String,
}

/// The answer to [`OrgSignInRequest`]. The same for an org that does not
/// exist as for one without single sign-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgSignIn {
    pub single_sign_on: SsoMode,
}

/// `POST /api/login/sso/start`: "Continue with single sign-on".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoStart {
    /// Passed to the provider as `login_hint`; the account signed in is
    /// the one the provider names, whatever was typed.
    pub email: String,
    pub org: String,
}

/// Where to send the browser: the provider's authorization endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoRedirect {
    pub authorize_url: String,
}

/// Why a single sign-on failed, as the sign-in page is told
/// (`/login?sso_error=…`): coarse on purpose — the audit trail has the
/// exact cause. Never free text in the URL, which anyone can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoFailure {
    /// The provider could not be reached, or answered nonsense.
    Unavailable,
    /// The person (or the provider) declined.
    Denied,
    /// The sign-in is unknown, used, expired, or was started in another
    /// browser.
    Expired,
    /// The provider's answer did not verify (signature, audience, issuer,
    /// expiry, nonce, the code).
    NotVerified,
    /// The provider did not vouch for the email address.
    EmailUnverified,
    /// No account matches, and the org makes none at first sign-in.
    NoAccount,
    /// The account is linked to another identity at this provider.
    OtherIdentity,
    /// The org no longer offers single sign-on.
    NotOffered,
    /// Too many sign-ins from this client address.
    RateLimited,
}

impl SsoFailure {
    const ALL: [SsoFailure; 9] = [
        SsoFailure::Unavailable,
        SsoFailure::Denied,
        SsoFailure::Expired,
        SsoFailure::NotVerified,
        SsoFailure::EmailUnverified,
        SsoFailure::NoAccount,
        SsoFailure::OtherIdentity,
        SsoFailure::NotOffered,
        SsoFailure::RateLimited,
    ];

    /// The value of `sso_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            SsoFailure::Unavailable => "unavailable",
            SsoFailure::Denied => "denied",
            SsoFailure::Expired => "expired",
            SsoFailure::NotVerified => "not_verified",
            SsoFailure::EmailUnverified => "email_unverified",
            SsoFailure::NoAccount => "no_account",
            SsoFailure::OtherIdentity => "other_identity",
            SsoFailure::NotOffered => "not_offered",
            SsoFailure::RateLimited => "rate_limited",
        }
    }

    /// Inverse of [`SsoFailure::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// What the person reads, and what to do next.
    pub fn message(self) -> &'static str {
        match self {
            SsoFailure::Unavailable => {
                "Your organization's identity provider could not be reached. Try again in a few \
                 minutes; if it keeps failing, tell your administrator."
            }
            SsoFailure::Denied => {
                "Single sign-on was cancelled at your identity provider, so you are not signed in."
            }
            SsoFailure::Expired => {
                "This single sign-on has expired, was already used, or was started in another \
                 browser. Start again here."
            }
            SsoFailure::NotVerified => {
                "Your identity provider's answer could not be verified, so you are not signed in. \
                 Try again; if it keeps failing, tell your administrator."
            }
            SsoFailure::EmailUnverified => {
                "Your identity provider has not verified your email address. Verify it there, \
                 then try again."
            }
            SsoFailure::NoAccount => {
                "There is no account for you in this organization yet. Ask your administrator \
                 to invite you."
            }
            SsoFailure::OtherIdentity => {
                "This account is linked to another identity at your organization's provider. \
                 Sign in there as that person, or ask your administrator."
            }
            SsoFailure::NotOffered => {
                "This organization no longer offers single sign-on. Sign in another way."
            }
            SsoFailure::RateLimited => {
                "Too many sign-ins from your network. Wait a few minutes, then start again."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_reads_back_as_itself() {
        for failure in SsoFailure::ALL {
            assert_eq!(SsoFailure::parse(failure.as_str()), Some(failure));
        }
        assert_eq!(SsoFailure::parse("<script>"), None);
    }
}
