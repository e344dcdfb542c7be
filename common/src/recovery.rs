//! Passwords and the ways back in: change and removal, reset by email,
//! enrollment links, recovery codes.

use crate::session::OrgSummary;
use serde::{Deserialize, Serialize};
use std::fmt;

/// `POST /api/account/password`: set or change the account's password
/// (a fresh session, or a session opened by a recovery code or an
/// enrollment link).
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPassword {
    pub password: String,
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword { <redacted> }")
    }
}

/// `POST /api/account/recovery-codes`: a new set of one-time recovery
/// codes, replacing every older one. Shown once: only hashes are kept.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    /// Ten codes such as `k7pq2-mxd9h`; the hyphen is optional when typed.
    pub codes: Vec<String>,
}

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes {{ {} codes }}", self.codes.len())
    }
}

/// `POST /api/login/recovery`: sign in with a recovery code. The session
/// it opens can only add a passkey or set a password
/// ([`crate::SecondStep::Enroll`]).
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryLogin {
    pub email: String,
    /// The organization's short name.
    pub org: String,
    pub code: String,
}

impl fmt::Debug for RecoveryLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryLogin")
            .field("email", &self.email)
            .field("org", &self.org)
            .field("code", &"<redacted>")
            .finish()
    }
}

/// `POST /api/password/reset/start`: "Forgot password?". The answer is the
/// same whether or not the account exists.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub email: String,
    /// The organization's short name.
    pub org: String,
}

/// `POST /api/password/reset/describe`, `POST /api/enroll/describe` and
/// `POST /api/enroll/redeem`: the token from a mailed or printed link
/// (`…#token=…`).
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkToken {
    pub token: String,
}

impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken { <redacted> }")
    }
}

/// What a password-reset or enrollment link is for, as its page shows it
/// before anything is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkAccount {
    pub email: String,
    pub org: OrgSummary,
    /// Reset: the new password must come with an authenticator code (the
    /// account has 2FA on).
    #[serde(default)]
    pub needs_code: bool,
    /// Enrollment: whether a password may be set besides a passkey.
    #[serde(default)]
    pub password_allowed: bool,
}

/// `POST /api/password/reset/finish`: the new password, and — when the
/// account has 2FA on — an authenticator code or, instead, a passkey's
/// answer to `POST /api/password/reset/passkey`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetFinish {
    pub token: String,
    pub password: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub passkey: Option<crate::AssertionFinish>,
}

impl fmt::Debug for PasswordResetFinish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordResetFinish { <redacted> }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secrets() {
        let shown = format!(
            "{:?} {:?} {:?} {:?}",
            NewPassword {
                password: "hunter2hunter2".into()
            },
            RecoveryCodes {
                codes: vec!["abcde-fghij".into()]
            },
            RecoveryLogin {
                email: "ada@example.com".into(),
                org: "acme".into(),
                code: "abcde-fghij".into()
            },
            PasswordResetFinish {
                token: "tok3n".into(),
                password: "hunter2hunter2".into(),
                code: None,
                passkey: None,
            },
        );
        for secret in ["hunter2", "abcde", "tok3n"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
