//! Signing in with a passkey: one ceremony from start to session, shared by
//! the "Login" button, autofill and "Use a passkey instead".

use crate::webauthn::{self, PasskeyError};
use common::{AccountHint, AssertionFinish, PasskeyLoginStart, SessionInfo};

/// How a passkey sign-in ended, when it did not sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInFailure {
    /// Aborted by another request or by leaving the page: show nothing.
    Aborted,
    /// Cancelled, or no passkey picked: show `.0` only for explicit requests.
    Cancelled(String),
    /// Refused or failed: always show.
    Failed(String),
}

/// Runs a passkey sign-in. `account` limits it to that account's passkeys;
/// `conditional` makes it wait on the email field's autofill.
pub async fn sign_in(
    account: Option<AccountHint>,
    conditional: bool,
) -> Result<SessionInfo, SignInFailure> {
    let start = crate::api::passkey_login_start(&PasskeyLoginStart { account })
        .await
        .map_err(|e| SignInFailure::Failed(e.message))?;
    let credential = match webauthn::get(start.options, conditional).await {
        Ok(credential) => credential,
        Err(PasskeyError::Aborted) => return Err(SignInFailure::Aborted),
        Err(e @ PasskeyError::Cancelled) => {
            return Err(SignInFailure::Cancelled(e.message().unwrap_or_default()))
        }
        Err(e) => return Err(SignInFailure::Failed(e.message().unwrap_or_default())),
    };
    crate::api::passkey_login_finish(&AssertionFinish {
        ceremony_id: start.ceremony_id,
        credential,
    })
    .await
    .map_err(|e| SignInFailure::Failed(e.message))
}
