//! Re-authentication with the password, before a sensitive change.

use crate::accounts;
use crate::auth::CurrentSession;
use crate::error::{Error, Result};
use crate::json::Json;
use crate::sessions;
use crate::state::AppState;
use crate::validate::MAX_PASSWORD_LEN;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use common::{AuthMethod, ReauthPassword};

pub fn router() -> Router<AppState> {
    Router::new().route("/reauth/password", post(reauth_password))
}

/// `POST /api/reauth/password`: the session's own password proves, again,
/// that the person at the browser is the account holder.
async fn reauth_password(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Json(request): Json<ReauthPassword>,
) -> Result<StatusCode> {
    if session.org_sso_required {
        return Err(Error::SsoRequired);
    }
    let account = accounts::find_by_id(&state.db, &session.account_id)
        .await?
        .map(|(a, _)| a);
    let too_long = request.password.len() > MAX_PASSWORD_LEN;
    let password = if too_long {
        String::new()
    } else {
        request.password
    };
    let ok = state
        .passwords
        .verify(password, account.map(|a| a.password_hash))
        .await?
        && !too_long;
    if !ok {
        return Err(Error::BadRequest("That password is not correct.".into()));
    }
    sessions::reauthenticate(
        &state.db,
        &state.clock,
        &session.token_hash,
        AuthMethod::Password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
