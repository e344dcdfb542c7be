//! My Account → Password, Recovery codes, Security activity, and the
//! passkey nudge. The rules are in `domain::account`.

use crate::auth::{
    with_session_cookie, ClientInfo, CurrentSession, FreshOrEnrolling, FreshSession,
};
use crate::error::Result;
use crate::json::Json;
use crate::state::AppState;
use axum::extract::State;
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{Activity, NewPassword, NudgeReply, PasskeyNudge, RecoveryCodes, SessionInfo};
use domain::account::{activity, password, recovery_codes};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_password, remove_password))
        .routes(routes!(new_recovery_codes))
        .routes(routes!(activity))
        .routes(routes!(passkey_nudge, answer_passkey_nudge))
}

#[utoipa::path(post, path = "/account/password", tag = "account",
    request_body = NewPassword,
    responses((status = 200, description = "The password is set; every other session of the account ended. An enrolment session is replaced by a signed-in one (new cookie)", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/account/password` {password}: change the password, or set
/// one (a passkey-only account; an enrolment session).
async fn set_password(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    FreshOrEnrolling(session): FreshOrEnrolling,
    Json(request): Json<NewPassword>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    match password::set(&state, &client, &session, request.password).await? {
        Some(opened) => {
            let jar = with_session_cookie(&state.web, jar, &opened);
            Ok((jar, Json(opened.session.info())))
        }
        None => Ok((jar, Json(described(&state, &session).await?))),
    }
}

#[utoipa::path(delete, path = "/account/password", tag = "account",
    responses((status = 200, description = "The password is removed: passkeys only from now on; every other session ended", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why (`reauth_required` until the session confirms with a passkey, `last_way_in` without a passkey)", body = ApiError)),
)]
/// `DELETE /api/account/password`: passkeys only from now on.
async fn remove_password(
    State(state): State<AppState>,
    client: ClientInfo,
    FreshSession(session): FreshSession,
) -> Result<Json<SessionInfo>> {
    password::remove(&state, &client, &session).await?;
    Ok(Json(described(&state, &session).await?))
}

#[utoipa::path(post, path = "/account/recovery-codes", tag = "account",
    responses((status = 200, description = "Ten new recovery codes, replacing the older ones; shown this once", body = RecoveryCodes), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/account/recovery-codes`: a new set of recovery codes.
async fn new_recovery_codes(
    State(state): State<AppState>,
    client: ClientInfo,
    FreshSession(session): FreshSession,
) -> Result<Json<RecoveryCodes>> {
    Ok(Json(
        recovery_codes::issue(&state, &client, &session).await?,
    ))
}

/// The session as it is after a change (the change is not on the session
/// row the request started with).
async fn described(
    state: &AppState,
    session: &domain::store::sessions::Session,
) -> Result<SessionInfo> {
    let now = domain::store::sessions::find_by_hash(&state.db, &session.token_hash)
        .await?
        .ok_or(domain::Error::Unauthenticated)?;
    Ok(now.info())
}

#[utoipa::path(get, path = "/account/activity", tag = "session",
    responses((status = 200, description = "The account's own audit events of the last 90 days, in words, newest first", body = Activity), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `GET /api/account/activity`: My Account → Security activity.
async fn activity(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Activity>> {
    Ok(Json(activity::list(&state, &session).await?))
}

#[utoipa::path(get, path = "/account/passkey-nudge", tag = "account",
    responses((status = 200, description = "Whether the console offers to create a passkey now", body = PasskeyNudge), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `GET /api/account/passkey-nudge`.
async fn passkey_nudge(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<PasskeyNudge>> {
    Ok(Json(domain::account::nudge::get(&state, &session).await?))
}

#[utoipa::path(put, path = "/account/passkey-nudge", tag = "account",
    request_body = NudgeReply,
    responses((status = 200, description = "The answer is kept (\"Not now\": asked again in 14 days)", body = PasskeyNudge), (status = "4XX", description = "Refused; `code` says why (`conflict`: \"Don't ask again\" where passkeys are required)", body = ApiError)),
)]
/// `PUT /api/account/passkey-nudge`.
async fn answer_passkey_nudge(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Json(reply): Json<NudgeReply>,
) -> Result<Json<PasskeyNudge>> {
    Ok(Json(
        domain::account::nudge::answer(&state, &session, reply.answer).await?,
    ))
}
