//! The server's one error type, and the one place it becomes HTTP.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::{ApiError, ErrorCode};

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
    #[error("Not found.")]
    NotFound,
    /// A uniqueness rule was broken; the message names the rule.
    #[error("{0}")]
    Conflict(String),
    #[error("Please confirm it's you before making this change.")]
    ReauthRequired,
    #[error("This organization requires single sign-on: sign in through your identity provider.")]
    SsoRequired,
    #[error(
        "Too many failed attempts: password sign-in is locked for {minutes} minutes. \
         You can still sign in with a passkey."
    )]
    LockedOut { minutes: i64 },
    /// `cause` says why, for the log and the audit trail; the client only
    /// learns that the passkey was refused.
    #[error("The passkey could not be verified. Please try again.")]
    PasskeyRefused { cause: &'static str },
    #[error("This passkey request has expired or was already used. Please try again.")]
    CeremonyInvalid,
    #[error("This link has expired or was already used. Ask for a new one.")]
    LinkInvalid,
    #[error("That code is not correct, or was already used. Enter the current code from your authenticator app.")]
    InvalidCode,
    #[error("Too many requests. Please wait a few minutes and try again.")]
    RateLimited,
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
            Error::NotFound => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::ReauthRequired => ErrorCode::ReauthRequired,
            Error::SsoRequired => ErrorCode::SsoRequired,
            Error::LockedOut { .. } => ErrorCode::LockedOut,
            Error::PasskeyRefused { .. } => ErrorCode::PasskeyRefused,
            Error::CeremonyInvalid => ErrorCode::CeremonyInvalid,
            Error::LinkInvalid => ErrorCode::LinkInvalid,
            Error::InvalidCode => ErrorCode::InvalidCode,
            Error::RateLimited => ErrorCode::RateLimited,
            Error::Database(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message a client may see. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Error::Database(_) | Error::Internal(_) => {
                "Something went wrong on our side. Please try again.".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// The HTTP status of each API error code. Pinned by a unit test: changing
/// a status is a breaking change for clients.
pub fn status_for(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::CrossSiteRequest => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::ReauthRequired => StatusCode::FORBIDDEN,
        ErrorCode::SsoRequired => StatusCode::FORBIDDEN,
        ErrorCode::LockedOut => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::PasskeyRefused => StatusCode::UNAUTHORIZED,
        ErrorCode::CeremonyInvalid => StatusCode::BAD_REQUEST,
        ErrorCode::LinkInvalid => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidCode => StatusCode::UNAUTHORIZED,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = self.code();
        if code == ErrorCode::Internal {
            // The only place internal errors are logged: handlers just `?`.
            tracing::error!(error = %self, "request failed");
        }
        let body = ApiError::new(code, self.public_message());
        (status_for(code), axum::Json(body)).into_response()
    }
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        Error::BadRequest(format!("Invalid request body: {}", rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_pinned_status() {
        let expected = [
            (ErrorCode::BadRequest, 400),
            (ErrorCode::InvalidCredentials, 401),
            (ErrorCode::Unauthenticated, 401),
            (ErrorCode::CrossSiteRequest, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::ReauthRequired, 403),
            (ErrorCode::SsoRequired, 403),
            (ErrorCode::LockedOut, 429),
            (ErrorCode::PasskeyRefused, 401),
            (ErrorCode::CeremonyInvalid, 400),
            (ErrorCode::LinkInvalid, 400),
            (ErrorCode::InvalidCode, 401),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::Internal, 500),
        ];
        assert_eq!(
            expected.len(),
            ErrorCode::ALL.len(),
            "a code has no pinned status"
        );
        for (code, status) in expected {
            assert_eq!(status_for(code).as_u16(), status, "{code:?}");
        }
    }

    #[test]
    fn internal_errors_do_not_leak_details() {
        let err = Error::Internal("disk /var/lib/latchkey is full".into());
        assert!(!err.public_message().contains("disk"));
        assert_eq!(err.code(), ErrorCode::Internal);
    }
}
