//! Password sign-in, the current session, and logout.

use crate::accounts;
use crate::auth::{removal_cookie, session_cookie, session_token, CurrentSession};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::sessions;
use crate::state::AppState;
use crate::validate::MAX_PASSWORD_LEN;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::CookieJar;
use common::{AuthMethod, PasswordLoginRequest, SessionInfo};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/password", post(password_login))
        .route("/logout", post(logout))
        .route("/session", get(current_session))
}

/// `POST /api/login/password` {email, org, password} → session cookie.
///
/// Every failure — unknown org, unknown email in that org, wrong password —
/// gives the same answer after the same work: when there is no account a
/// dummy hash is verified, so the timing does not tell either.
async fn password_login(
    State(state): State<AppState>,
    jar: CookieJar,
    Json(request): Json<PasswordLoginRequest>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let found = accounts::find_in_org(&state.db, &request.email, &request.org).await?;
    let too_long = request.password.len() > MAX_PASSWORD_LEN;
    let password = if too_long {
        String::new()
    } else {
        request.password
    };
    let stored = found
        .as_ref()
        .map(|(account, _)| account.password_hash.clone());
    let password_ok = state.passwords.verify(password, stored).await? && !too_long;
    let (account, org) = match found {
        Some(found) if password_ok => found,
        _ => {
            tracing::info!(org = %request.org, "password sign-in refused");
            return Err(Error::InvalidCredentials);
        }
    };

    // A sign-in always gets a fresh token; whatever this browser held before is ended.
    if let Some(old) = session_token(&jar, &state.web) {
        sessions::delete(&state.db, old).await?;
    }
    let token =
        sessions::create(&state.db, &state.clock, &account.id, AuthMethod::Password).await?;
    tracing::info!(account = %account.id, org = %org.short_name, "signed in with password");
    let info = SessionInfo {
        email: account.email,
        display_name: account.display_name,
        org: org.summary(),
        auth_method: AuthMethod::Password,
        authenticated_at: state.clock.now(),
    };
    let jar = jar.add(session_cookie(&state.web, token, org.max_session_secs));
    Ok((jar, Json(info)))
}

/// `GET /api/session` → who is signed in, or 401.
async fn current_session(CurrentSession(session): CurrentSession) -> Json<SessionInfo> {
    Json(session.info())
}

/// `POST /api/logout`: ends the session on the server and clears the cookie.
async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<(StatusCode, CookieJar)> {
    if let Some(token) = session_token(&jar, &state.web) {
        sessions::delete(&state.db, token).await?;
    }
    Ok((StatusCode::NO_CONTENT, jar.add(removal_cookie(&state.web))))
}
