//! The ways back in that need no session: sign-in with a recovery code,
//! "Forgot password?", and enrollment links. The rules are in
//! `domain::signin::{recovery, reset, enrollment}`.

use super::docs::{CeremonyStartRequest, FinishBody};
use crate::auth::{session_token, with_session_cookie, ClientInfo};
use crate::error::Result;
use crate::json::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{
    CeremonyStart, LinkAccount, LinkToken, PasswordResetFinish, PasswordResetRequest,
    RecoveryLogin, SessionInfo,
};

/// [`PasswordResetFinish`] with the passkey's answer kept as JSON, checked
/// by the domain as every ceremony finish is (documented as the former).
#[derive(serde::Deserialize)]
struct ResetFinishBody {
    token: String,
    password: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    passkey: Option<FinishBody>,
}
use domain::signin::{enrollment, recovery, reset};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(recovery_login))
        .routes(routes!(reset_start))
        .routes(routes!(reset_describe))
        .routes(routes!(reset_passkey_start))
        .routes(routes!(reset_finish))
        .routes(routes!(enroll_describe))
        .routes(routes!(enroll_redeem))
}

#[utoipa::path(post, path = "/login/recovery", tag = "sign-in",
    request_body = RecoveryLogin,
    responses((status = 200, description = "An enrolment session (`pending: enroll`): it can only add a passkey or set a password; sets the session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/login/recovery` {email, org, code}: sign in with a recovery code.
async fn recovery_login(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Json(request): Json<RecoveryLogin>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let previous = session_token(&jar, &state.web);
    let opened = recovery::sign_in(
        &state,
        &client,
        previous,
        &request.email,
        &request.org,
        &request.code,
    )
    .await?;
    let jar = with_session_cookie(&state.web, jar, &opened);
    Ok((jar, Json(opened.session.info())))
}

#[utoipa::path(post, path = "/password/reset/start", tag = "password reset",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "Accepted, the same for every email and org; a link is mailed if the account exists and has a password"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/password/reset/start` {email, org}: "Forgot password?".
async fn reset_start(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<PasswordResetRequest>,
) -> Result<StatusCode> {
    reset::start(&state, &client, &request.email, &request.org).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(post, path = "/password/reset/describe", tag = "password reset",
    request_body = LinkToken,
    responses((status = 200, description = "The account the link resets; changes nothing", body = LinkAccount), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/password/reset/describe` {token}: for the reset page.
async fn reset_describe(
    State(state): State<AppState>,
    Json(request): Json<LinkToken>,
) -> Result<Json<LinkAccount>> {
    Ok(Json(reset::describe(&state, &request.token).await?))
}

#[utoipa::path(post, path = "/password/reset/passkey", tag = "password reset",
    request_body = LinkToken,
    responses((status = 200, description = "Options for navigator.credentials.get naming the account's passkeys, when its 2FA is on: a passkey may stand in for the code", body = CeremonyStartRequest), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/password/reset/passkey` {token}: a passkey instead of the code.
async fn reset_passkey_start(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<LinkToken>,
) -> Result<Json<CeremonyStart<serde_json::Value>>> {
    Ok(Json(
        reset::passkey_start(&state, &client, &request.token).await?,
    ))
}

#[utoipa::path(post, path = "/password/reset/finish", tag = "password reset",
    request_body = PasswordResetFinish,
    responses((status = 204, description = "The password is set and every session of the account ended; nobody is signed in"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/password/reset/finish` {token, password, code?}.
async fn reset_finish(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<ResetFinishBody>,
) -> Result<StatusCode> {
    let second = match (&request.passkey, request.code) {
        (Some(passkey), _) => reset::SecondFactor::Passkey {
            ceremony_id: &passkey.ceremony_id,
            credential: &passkey.credential,
        },
        (None, Some(code)) => reset::SecondFactor::Code(code),
        (None, None) => reset::SecondFactor::None,
    };
    reset::finish(&state, &client, &request.token, request.password, second).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/enroll/describe", tag = "enrollment",
    request_body = LinkToken,
    responses((status = 200, description = "The account the link enrols; changes nothing", body = LinkAccount), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/enroll/describe` {token}: for the enrollment page.
async fn enroll_describe(
    State(state): State<AppState>,
    Json(request): Json<LinkToken>,
) -> Result<Json<LinkAccount>> {
    Ok(Json(enrollment::describe(&state, &request.token).await?))
}

#[utoipa::path(post, path = "/enroll/redeem", tag = "enrollment",
    request_body = LinkToken,
    responses((status = 200, description = "An enrolment session (`pending: enroll`); sets the session cookie; the link is used up", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/enroll/redeem` {token}: uses an enrollment link.
async fn enroll_redeem(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Json(request): Json<LinkToken>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let previous = session_token(&jar, &state.web);
    let opened = enrollment::redeem(&state, &client, previous, &request.token).await?;
    let jar = with_session_cookie(&state.web, jar, &opened);
    Ok((jar, Json(opened.session.info())))
}
