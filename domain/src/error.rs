//! The domain's one error type. Each variant has a stable [`ErrorCode`];
//! the server maps codes to HTTP statuses in one place (`server::error`).

use common::ErrorCode;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while serving a request or running an admin command.
///
/// Variants carry text only where that text is safe to show to the person
/// who made the request; internal failures are logged and answered with a
/// fixed message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that is malformed; the message says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// Any failed sign-in. One message for every cause, so that the answer
    /// never tells whether an email, an org or an account exists.
    #[error("The email, organization or password is not correct.")]
    InvalidCredentials,
    #[error("You are not signed in, or your session has ended. Please sign in.")]
    Unauthenticated,
    #[error("This request came from another site and was refused.")]
    CrossSiteRequest,
    /// The session no longer stands under the org's current policy; the
    /// text says why and what to do.
    #[error("{0}")]
    SessionEnded(&'static str),
    /// A failed sign-in, with its cause for the log and the audit trail
    /// (`wrong_password`, `unknown_account`…); the client sees exactly
    /// [`Error::InvalidCredentials`].
    #[error("The email, organization or password is not correct.")]
    SignInRefused { cause: &'static str },
    /// [`Error::SignInRefused`] for a recovery code: one message for every
    /// cause, naming the secret the person typed.
    #[error("The email, organization or recovery code is not correct.")]
    RecoveryCodeRefused { cause: &'static str },
    #[error("Not found.")]
    NotFound,
    /// The account's role does not allow this (see [`crate::admin`]); the
    /// message says what is missing.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A uniqueness rule was broken; the message names the rule.
    #[error("{0}")]
    Conflict(String),
    #[error("Please confirm it's you before making this change.")]
    ReauthRequired,
    #[error("This organization requires single sign-on: sign in through your identity provider.")]
    SsoRequired,
    /// The org's admins turned passkeys off.
    #[error(
        "Your organization has turned passkeys off. Sign in with your password, or ask your \
         organization's administrators."
    )]
    PasskeysOff,
    /// A synced (backup-eligible) passkey where the org accepts only
    /// passkeys bound to one device.
    #[error(
        "Your organization accepts only passkeys that stay on one device, such as a security key \
         or this device's own passkey, not ones synced by a password manager."
    )]
    DeviceBoundOnly,
    /// The org requires passkeys and its grace period is over: the step
    /// that adds one cannot be passed another way.
    #[error("Your organization requires a passkey: create one to continue.")]
    PasskeyOwed,
    #[error(
        "Too many failed attempts: password sign-in is locked for {minutes} minutes. \
         You can still sign in with a passkey."
    )]
    LockedOut { minutes: i64 },
    /// `cause` says why, for the log and the audit trail; the client only
    /// learns that the passkey was refused.
    #[error("The passkey could not be verified. Please try again.")]
    PasskeyRefused { cause: &'static str },
    /// The answering passkey is not registered (deleted, or its account
    /// removed). Only where that tells nothing about which accounts exist:
    /// see [`crate::factors::passkey::verify_assertion`]. Audited as
    /// `unknown_credential`.
    #[error(
        "This passkey is no longer registered with Latchkey: it may have been deleted from your \
         account. Sign in another way, and remove it from your device or password manager."
    )]
    PasskeyUnknown,
    /// An assertion (or registration) without user verification, with a
    /// valid signature. Audited as `user_not_verified`.
    #[error(
        "Your passkey did not confirm it's you (no PIN, fingerprint or face check). \
         Use a passkey protected by a screen lock or PIN, and try again."
    )]
    UserNotVerified,
    #[error("This passkey request has expired or was already used. Please try again.")]
    CeremonyInvalid,
    #[error("This link has expired or was already used. Ask for a new one.")]
    LinkInvalid,
    #[error("That code is not correct, or was already used. Enter the current code from your authenticator app.")]
    InvalidCode,
    #[error("Too many requests. Please wait a few minutes and try again.")]
    RateLimited,
    /// The change would leave the account without a way to sign in; the
    /// text says what to do first (see [`crate::ways_in`]).
    #[error("{0}")]
    LastWayIn(&'static str),
    /// Only the recovery codes would be left: the text asks the person to
    /// confirm.
    #[error("{0}")]
    ConfirmationRequired(String),
    /// Single sign-on cannot start: the org's identity provider cannot be
    /// reached (or its discovery document is broken).
    #[error("{0}")]
    SsoUnavailable(&'static str),
    /// A single sign-on callback failed. `cause` is the audit trail's
    /// word; `shown` the code the sign-in page is sent back with, which
    /// picks the words the person reads (`common::sso_failure_message`).
    #[error("Single sign-on did not complete.")]
    SsoFailed {
        cause: &'static str,
        shown: common::SsoFailure,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadRequest(_) => ErrorCode::BadRequest,
            Error::InvalidCredentials => ErrorCode::InvalidCredentials,
            Error::Unauthenticated => ErrorCode::Unauthenticated,
            Error::CrossSiteRequest => ErrorCode::CrossSiteRequest,
            Error::SessionEnded(_) => ErrorCode::SessionEnded,
            Error::SignInRefused { .. } | Error::RecoveryCodeRefused { .. } => {
                ErrorCode::InvalidCredentials
            }
            Error::NotFound => ErrorCode::NotFound,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::ReauthRequired => ErrorCode::ReauthRequired,
            Error::SsoRequired => ErrorCode::SsoRequired,
            Error::PasskeysOff | Error::DeviceBoundOnly | Error::PasskeyOwed => {
                ErrorCode::Forbidden
            }
            Error::LockedOut { .. } => ErrorCode::LockedOut,
            Error::PasskeyRefused { .. } => ErrorCode::PasskeyRefused,
            Error::PasskeyUnknown => ErrorCode::PasskeyUnknown,
            Error::UserNotVerified => ErrorCode::UserNotVerified,
            Error::CeremonyInvalid => ErrorCode::CeremonyInvalid,
            Error::LinkInvalid => ErrorCode::LinkInvalid,
            Error::InvalidCode => ErrorCode::InvalidCode,
            Error::RateLimited => ErrorCode::RateLimited,
            Error::LastWayIn(_) => ErrorCode::LastWayIn,
            Error::ConfirmationRequired(_) => ErrorCode::ConfirmationRequired,
            Error::SsoUnavailable(_) => ErrorCode::SsoUnavailable,
            // Never answered as JSON: the callback redirects with `shown`.
            Error::SsoFailed { .. } => ErrorCode::InvalidCredentials,
            Error::Database(e) if is_outage(e) => ErrorCode::Unavailable,
            Error::Database(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message a client may see. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Error::Database(e) if is_outage(e) => {
                "The service is briefly unavailable. Nothing was changed: please try again in a \
                 moment."
                    .to_owned()
            }
            Error::Database(_) | Error::Internal(_) => {
                "Something went wrong on our side. Please try again.".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// Whether a database error means the database cannot serve now — the
/// connection or pool is gone, the server is shutting down or refusing
/// connections, the disk is full or read-only — rather than a fault of
/// this request. Such requests are answered 503 `unavailable`; the
/// transaction they were in rolled back, so nothing is half-written.
fn is_outage(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL: class 08 (connection exception), 53 (insufficient
            // resources: disk full, out of memory), 57P0x (shutting down,
            // cannot connect now).
            let postgres =
                code.starts_with("08") || code.starts_with("53") || code.starts_with("57P0");
            // SQLite primary result codes: 8 read-only, 10 I/O error,
            // 13 full, 14 cannot open (extended codes carry them in the low byte).
            let sqlite = code
                .parse::<i64>()
                .is_ok_and(|c| matches!(c & 0xff, 8 | 10 | 13 | 14));
            postgres || sqlite
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_an_outage_and_a_bad_query_is_not() {
        for outage in [sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed] {
            let err = Error::Database(outage);
            assert_eq!(err.code(), ErrorCode::Unavailable);
            assert!(err.public_message().contains("try again"));
        }
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(
            Error::Database(sqlx::Error::Io(io)).code(),
            ErrorCode::Unavailable
        );
        let bug = Error::Database(sqlx::Error::ColumnNotFound("x".into()));
        assert_eq!(bug.code(), ErrorCode::Internal);
        assert!(!bug.public_message().contains('x'));
    }

    #[test]
    fn internal_errors_do_not_leak_details() {
        let err = Error::Internal("disk /var/lib/latchkey is full".into());
        assert!(!err.public_message().contains("disk"));
        assert_eq!(err.code(), ErrorCode::Internal);
    }
}
