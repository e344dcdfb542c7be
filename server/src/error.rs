//! The one place an error becomes HTTP: the domain's error (or the
//! server's own few refusals) as a status and a `{code, message}` body.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::{ApiError, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed request: a [`domain::Error`], from the rules or from the
/// server's own checks (cross-site requests, malformed bodies, unknown
/// paths). `?` turns a domain error into one.
#[derive(Debug)]
pub struct Error(pub domain::Error);

impl From<domain::Error> for Error {
    fn from(err: domain::Error) -> Self {
        Error(err)
    }
}

impl Error {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Error(domain::Error::BadRequest(message.into()))
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code()
    }
}

/// The HTTP status of each API error code. Pinned by a unit test: changing
/// a status is a breaking change for clients.
pub fn status_for(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::SessionEnded => StatusCode::UNAUTHORIZED,
        ErrorCode::CrossSiteRequest => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::ReauthRequired => StatusCode::FORBIDDEN,
        ErrorCode::SsoRequired => StatusCode::FORBIDDEN,
        ErrorCode::LockedOut => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::PasskeyRefused => StatusCode::UNAUTHORIZED,
        ErrorCode::PasskeyUnknown => StatusCode::UNAUTHORIZED,
        ErrorCode::UserNotVerified => StatusCode::UNAUTHORIZED,
        ErrorCode::CeremonyInvalid => StatusCode::BAD_REQUEST,
        ErrorCode::LinkInvalid => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidCode => StatusCode::UNAUTHORIZED,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::LastWayIn => StatusCode::CONFLICT,
        ErrorCode::ConfirmationRequired => StatusCode::CONFLICT,
        ErrorCode::SsoUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = self.code();
        if matches!(code, ErrorCode::Internal | ErrorCode::Unavailable) {
            // The only place internal errors are logged: handlers just `?`.
            tracing::error!(error = %self.0, "request failed");
        }
        let body = ApiError::new(code, self.0.public_message());
        (status_for(code), axum::Json(body)).into_response()
    }
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        Error::bad_request(format!("Invalid request body: {}", rejection.body_text()))
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
            (ErrorCode::SessionEnded, 401),
            (ErrorCode::CrossSiteRequest, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::ReauthRequired, 403),
            (ErrorCode::SsoRequired, 403),
            (ErrorCode::LockedOut, 429),
            (ErrorCode::PasskeyRefused, 401),
            (ErrorCode::PasskeyUnknown, 401),
            (ErrorCode::UserNotVerified, 401),
            (ErrorCode::CeremonyInvalid, 400),
            (ErrorCode::LinkInvalid, 400),
            (ErrorCode::InvalidCode, 401),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::LastWayIn, 409),
            (ErrorCode::ConfirmationRequired, 409),
            (ErrorCode::SsoUnavailable, 503),
            (ErrorCode::Unavailable, 503),
            (ErrorCode::Forbidden, 403),
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
}
