//! TOTP two-factor authentication: the code step after a password, the
//! setup an org that requires 2FA forces right after the password, and
//! enabling or disabling it in My Account.
//!
//!   password right, 2FA on   → session at stage `totp`       → POST /login/totp {code}
//!   password right, org 2FA  → session at stage `totp_setup` → POST /login/totp/setup,
//!                                                              POST /login/totp/setup/confirm {code, email_code}
//!   My Account (recent sign-in) → POST /totp/setup, POST /totp/setup/confirm {code, email_code?}, DELETE /totp
//!   (the mailed code only when the session proved a password alone)
//!
//! A half-signed-in session can call nothing but these steps and logout.

use crate::auth::{with_session_cookie, ClientInfo, FreshSession, PendingSession};
use crate::error::Result;
use crate::json::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{SessionInfo, TotpCode, TotpEnrolment, TotpSetup};
use domain::{account, signin};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_code))
        .routes(routes!(login_setup_start))
        .routes(routes!(login_setup_confirm))
        .routes(routes!(setup_start))
        .routes(routes!(setup_confirm))
        .routes(routes!(disable))
}

#[utoipa::path(post, path = "/login/totp", tag = "two-factor",
    request_body = TotpCode,
    responses((status = 200, description = "Signed in; a new session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/login/totp` {code}: the second step after a right password.
/// Wrong codes count towards the org's lockout, like wrong passwords.
async fn login_code(
    State(state): State<AppState>,
    client: ClientInfo,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Json(request): Json<TotpCode>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let opened = signin::second_step::code(&state, &client, &session, &request.code).await?;
    let jar = with_session_cookie(&state.web, jar, &opened);
    Ok((jar, Json(opened.session.info())))
}

#[utoipa::path(post, path = "/login/totp/setup", tag = "two-factor",
    responses((status = 200, description = "A new secret to add to an authenticator app; a code to confirm the mailbox is mailed to the account", body = TotpSetup), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_setup_start(
    State(state): State<AppState>,
    client: ClientInfo,
    PendingSession(session): PendingSession,
) -> Result<Json<TotpSetup>> {
    Ok(Json(
        signin::second_step::setup_start(&state, &client, &session).await?,
    ))
}

#[utoipa::path(post, path = "/login/totp/setup/confirm", tag = "two-factor",
    request_body = TotpEnrolment,
    responses((status = 200, description = "2FA on and signed in; a new session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_setup_confirm(
    State(state): State<AppState>,
    client: ClientInfo,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Json(request): Json<TotpEnrolment>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let opened = signin::second_step::setup_confirm(
        &state,
        &client,
        &session,
        &request.code,
        &request.email_code,
    )
    .await?;
    let jar = with_session_cookie(&state.web, jar, &opened);
    Ok((jar, Json(opened.session.info())))
}

#[utoipa::path(post, path = "/totp/setup", tag = "two-factor",
    responses((status = 200, description = "A new secret to add to an authenticator app", body = TotpSetup), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn setup_start(
    State(state): State<AppState>,
    client: ClientInfo,
    FreshSession(session): FreshSession,
) -> Result<Json<TotpSetup>> {
    Ok(Json(
        account::totp::setup_start(&state, &client, &session).await?,
    ))
}

#[utoipa::path(post, path = "/totp/setup/confirm", tag = "two-factor",
    request_body = TotpEnrolment,
    responses((status = 204, description = "2FA is on"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn setup_confirm(
    State(state): State<AppState>,
    client: ClientInfo,
    FreshSession(session): FreshSession,
    Json(request): Json<TotpEnrolment>,
) -> Result<StatusCode> {
    account::totp::setup_confirm(
        &state,
        &client,
        &session,
        &request.code,
        &request.email_code,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/totp", tag = "two-factor",
    responses((status = 204, description = "2FA is off"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `DELETE /api/totp`: turns 2FA off, unless the org requires it.
async fn disable(
    State(state): State<AppState>,
    client: ClientInfo,
    FreshSession(session): FreshSession,
) -> Result<StatusCode> {
    account::totp::disable(&state, &client, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}
