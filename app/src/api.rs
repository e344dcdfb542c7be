//! Typed client for the JSON API: one function per endpoint.
//!
//! Every failure becomes a [`common::ApiError`], so pages handle one error
//! type whether the server refused, the network failed or the answer was
//! unreadable.

use common::{ApiError, ErrorCode, PasswordLoginRequest, SessionInfo};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

fn network_error() -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        "The server could not be reached. Check your connection and try again.",
    )
}

/// Turns a non-2xx answer into the server's error body (or a generic one).
async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    response.json::<ApiError>().await.unwrap_or_else(|_| {
        ApiError::new(
            ErrorCode::Internal,
            format!("The server answered with an unexpected error ({status})."),
        )
    })
}

async fn json_of<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = response.map_err(|_| network_error())?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    response.json::<T>().await.map_err(|_| network_error())
}

async fn empty_of(response: Result<Response, gloo_net::Error>) -> Result<(), ApiError> {
    let response = response.map_err(|_| network_error())?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

/// `GET /api/session`: the signed-in session, or `None` when signed out.
pub async fn session() -> Result<Option<SessionInfo>, ApiError> {
    match json_of(Request::get("/api/session").send().await).await {
        Ok(info) => Ok(Some(info)),
        Err(e) if e.code == ErrorCode::Unauthenticated => Ok(None),
        Err(e) => Err(e),
    }
}

/// `POST /api/login/password`.
pub async fn login_password(body: &PasswordLoginRequest) -> Result<SessionInfo, ApiError> {
    let request = Request::post("/api/login/password")
        .json(body)
        .map_err(|_| network_error())?;
    json_of(request.send().await).await
}

/// `POST /api/logout`.
pub async fn logout() -> Result<(), ApiError> {
    empty_of(Request::post("/api/logout").send().await).await
}
