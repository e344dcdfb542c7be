//! My Account → Sessions: list, sign out one, sign out everywhere else.
//! The rules are in `domain::account::sessions`.

use crate::auth::{ClientInfo, CurrentSession};
use crate::error::Result;
use crate::json::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use common::{ApiError, SessionList};
use domain::account::sessions;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(end))
        .routes(routes!(end_others))
}

#[utoipa::path(get, path = "/sessions", tag = "session",
    responses((status = 200, description = "The account's live sessions, the current first", body = SessionList), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `GET /api/sessions`.
async fn list(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<SessionList>> {
    Ok(Json(sessions::list(&state, &session).await?))
}

#[utoipa::path(delete, path = "/sessions/{id}", tag = "session",
    params(("id" = String, Path, description = "The session's public id")),
    responses((status = 204, description = "That session is signed out"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `DELETE /api/sessions/{id}`: signs out another session of the account.
async fn end(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    sessions::end(&state, &client, &session, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/sessions/end-others", tag = "session",
    responses((status = 204, description = "Every other session of the account is signed out"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/sessions/end-others`: "Sign out everywhere else".
async fn end_others(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
) -> Result<StatusCode> {
    sessions::end_others(&state, &client, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}
