//! My Account → Passkeys: list, add (register), rename, delete. The rules
//! and the registration sequence are in `domain::account::passkeys`.

use super::docs::{CeremonyStartCreation, FinishBody};
use crate::auth::{
    with_session_cookie, ClientInfo, CurrentSession, FreshOrEnrolling, FreshSession,
};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{CeremonyStart, PasskeyInfo, PasskeyList, RegisterFinish, RenamePasskey};
use domain::account::passkeys;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(register_start))
        .routes(routes!(register_finish))
        .routes(routes!(rename, remove))
}

#[utoipa::path(get, path = "/passkeys", tag = "passkeys",
    responses((status = 200, description = "The account's passkeys", body = PasskeyList), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn list(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<PasskeyList>> {
    Ok(Json(passkeys::list(&state, &session).await?))
}

#[utoipa::path(post, path = "/passkeys/register/start", tag = "passkeys",
    responses((status = 200, description = "Options for navigator.credentials.create", body = CeremonyStartCreation), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn register_start(
    State(state): State<AppState>,
    client: ClientInfo,
    FreshOrEnrolling(session): FreshOrEnrolling,
) -> Result<Json<CeremonyStart<serde_json::Value>>> {
    Ok(Json(
        passkeys::register_start(&state, &client, &session).await?,
    ))
}

#[utoipa::path(post, path = "/passkeys/register/finish", tag = "passkeys",
    request_body = RegisterFinish,
    responses((status = 200, description = "The new passkey. An enrolment session is replaced by a signed-in one (new cookie)", body = PasskeyInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// A fresh session, or an enrolment session (recovery code, enrollment link).
async fn register_finish(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    FreshOrEnrolling(session): FreshOrEnrolling,
    Json(request): Json<FinishBody>,
) -> Result<(CookieJar, Json<PasskeyInfo>)> {
    let (info, opened) = passkeys::register_finish(
        &state,
        &client,
        &session,
        &request.ceremony_id,
        &request.credential,
    )
    .await?;
    let jar = match opened {
        Some(opened) => with_session_cookie(&state.web, jar, &opened),
        None => jar,
    };
    Ok((jar, Json(info)))
}

#[utoipa::path(patch, path = "/passkeys/{id}", tag = "passkeys",
    request_body = RenamePasskey,
    params(("id" = String, Path, description = "The passkey's id")),
    responses((status = 204, description = "Renamed"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn rename(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
    Path(id): Path<String>,
    Json(request): Json<RenamePasskey>,
) -> Result<StatusCode> {
    passkeys::rename(&state, &client, &session, &id, &request.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/passkeys/{id}[?rely_on_recovery_codes=true]`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DeleteOptions {
    /// The person confirmed that, after this deletion, the account's
    /// recovery codes may be its only way in (asked by a 409
    /// `confirmation_required`).
    #[serde(default)]
    rely_on_recovery_codes: bool,
}

#[utoipa::path(delete, path = "/passkeys/{id}", tag = "passkeys",
    params(("id" = String, Path, description = "The passkey's id"), DeleteOptions),
    responses((status = 204, description = "Deleted"), (status = "4XX", description = "Refused; `code` says why (`last_way_in`, `confirmation_required` for the last passkey of an account without a password)", body = ApiError)),
)]
async fn remove(
    State(state): State<AppState>,
    client: ClientInfo,
    FreshSession(session): FreshSession,
    Path(id): Path<String>,
    options: std::result::Result<Query<DeleteOptions>, QueryRejection>,
) -> Result<StatusCode> {
    // A malformed query is an ApiError like any other bad request.
    let Query(options) = options.map_err(|e| Error::bad_request(e.body_text()))?;
    passkeys::delete(
        &state,
        &client,
        &session,
        &id,
        options.rely_on_recovery_codes,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
