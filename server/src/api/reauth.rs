//! Re-authentication with the password or an emailed link, before a
//! sensitive change (the passkey way is in `passkey_login`). The rules are
//! in `domain::account::reauth`.

use crate::auth::{ClientInfo, CurrentSession};
use crate::error::Result;
use crate::json::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use common::ApiError;
use common::{EmailLinkConfirm, EmailLinkRequester, ReauthPassword};
use domain::account::reauth;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reauth_password))
        .routes(routes!(reauth_email_start))
        .routes(routes!(reauth_email_confirm))
        .routes(routes!(reauth_email_describe))
        .routes(routes!(reauth_email_deny))
}

#[utoipa::path(post, path = "/reauth/password", tag = "re-authentication",
    request_body = ReauthPassword,
    responses((status = 204, description = "The session is recently authenticated again"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/password`: the session's own password proves, again,
/// that the person at the browser is the account holder.
async fn reauth_password(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
    Json(request): Json<ReauthPassword>,
) -> Result<StatusCode> {
    reauth::with_password(&state, &client, &session, request.password, request.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/reauth/email/start", tag = "re-authentication",
    responses((status = 202, description = "A confirmation link was mailed"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/email/start`: mails a confirmation link bound to this
/// session. At most 5 links per account per 15 minutes.
async fn reauth_email_start(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
) -> Result<StatusCode> {
    reauth::email_start(&state, &client, &session).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(post, path = "/reauth/email/confirm", tag = "re-authentication",
    request_body = EmailLinkConfirm,
    responses((status = 204, description = "The asking session is recently authenticated again"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/email/confirm` {token}: from the confirmation page
/// the link opens. Needs no session — the link may be opened on another
/// device — and refreshes the session that asked for it.
async fn reauth_email_confirm(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<EmailLinkConfirm>,
) -> Result<StatusCode> {
    reauth::email_confirm(&state, &client, &request.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/reauth/email/describe", tag = "re-authentication",
    request_body = EmailLinkConfirm,
    responses((status = 200, description = "The session that asked for the link", body = EmailLinkRequester), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/email/describe` {token}: names the asking session on
/// the confirmation page, without using the link.
async fn reauth_email_describe(
    State(state): State<AppState>,
    Json(request): Json<EmailLinkConfirm>,
) -> Result<Json<EmailLinkRequester>> {
    Ok(Json(reauth::email_describe(&state, &request.token).await?))
}

#[utoipa::path(post, path = "/reauth/email/deny", tag = "re-authentication",
    request_body = EmailLinkConfirm,
    responses((status = 204, description = "The link is used up and the asking session ended"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/email/deny` {token}: "This wasn't me".
async fn reauth_email_deny(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<EmailLinkConfirm>,
) -> Result<StatusCode> {
    reauth::email_deny(&state, &client, &request.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
