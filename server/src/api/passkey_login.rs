//! Sign-in with a passkey, and re-authentication with one: each handler
//! makes one call on the domain (`domain::signin::passkey`,
//! `domain::account::reauth`), where the sequence and the rules are.

use super::docs::{CeremonyStartRequest, FinishBody};
use crate::auth::{session_token, with_session_cookie, ClientInfo, CurrentSession};
use crate::error::Result;
use crate::json::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{AssertionFinish, CeremonyStart, PasskeyLoginStart, SessionInfo};
use domain::{account, signin};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_start))
        .routes(routes!(login_finish))
        .routes(routes!(reauth_start))
        .routes(routes!(reauth_finish))
}

#[utoipa::path(post, path = "/login/passkey/start", tag = "passkeys",
    request_body = PasskeyLoginStart,
    responses((status = 200, description = "Options for navigator.credentials.get", body = CeremonyStartRequest), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_start(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<PasskeyLoginStart>,
) -> Result<Json<CeremonyStart<serde_json::Value>>> {
    let hint = request
        .account
        .as_ref()
        .map(|h| (h.email.as_str(), h.org.as_str()));
    Ok(Json(signin::passkey::start(&state, &client, hint).await?))
}

#[utoipa::path(post, path = "/login/passkey/finish", tag = "passkeys",
    request_body = AssertionFinish,
    responses((status = 200, description = "Signed in; sets the session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_finish(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Json(request): Json<FinishBody>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let previous = session_token(&jar, &state.web);
    let opened = signin::passkey::finish(
        &state,
        &client,
        previous,
        &request.ceremony_id,
        &request.credential,
    )
    .await?;
    let jar = with_session_cookie(&state.web, jar, &opened);
    Ok((jar, Json(opened.session.info())))
}

#[utoipa::path(post, path = "/reauth/passkey/start", tag = "re-authentication",
    responses((status = 200, description = "Options for navigator.credentials.get", body = CeremonyStartRequest), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn reauth_start(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
) -> Result<Json<CeremonyStart<serde_json::Value>>> {
    Ok(Json(
        account::reauth::passkey_start(&state, &client, &session).await?,
    ))
}

#[utoipa::path(post, path = "/reauth/passkey/finish", tag = "re-authentication",
    request_body = AssertionFinish,
    responses((status = 204, description = "The session is recently authenticated again"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn reauth_finish(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
    Json(request): Json<FinishBody>,
) -> Result<StatusCode> {
    account::reauth::passkey_finish(
        &state,
        &client,
        &session,
        &request.ceremony_id,
        &request.credential,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
