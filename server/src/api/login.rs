//! Password sign-in, the current session, logout, and the org list.

use crate::auth::{
    removal_cookie, session_token, with_session_cookie, ClientInfo, SignedInOrEnrolling,
};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{OrgListRequest, PasswordLoginRequest, SessionInfo};
use domain::signin;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(password_login))
        .routes(routes!(logout))
        .routes(routes!(current_session))
        .routes(routes!(org_list))
}

#[utoipa::path(post, path = "/login/password", tag = "sign-in",
    request_body = PasswordLoginRequest,
    responses((status = 200, description = "Signed in (or a second step is pending); sets the session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/login/password` {email, org, password} → session cookie.
///
/// The rules are `domain::signin::password::sign_in`'s.
async fn password_login(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Json(request): Json<PasswordLoginRequest>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let previous = session_token(&jar, &state.web);
    let opened = signin::password::sign_in(
        &state,
        &client,
        previous,
        &request.email,
        &request.org,
        request.password,
    )
    .await?;
    let jar = with_session_cookie(&state.web, jar, &opened);
    Ok((jar, Json(opened.session.info())))
}

#[utoipa::path(get, path = "/session", tag = "session",
    responses((status = 200, description = "The signed-in session, or an enrolment session (`pending: enroll`)", body = SessionInfo), (status = 204, description = "Nobody is signed in (no session, an ended one, or one still at its 2FA step)"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `GET /api/session` → who is signed in, or 204 when nobody is.
///
/// Being signed out is the normal answer on the sign-in page, not a
/// failure: a 401 here was logged as an error in every visitor's console.
/// An enrolment session answers too (`pending: enroll`), so that a reload
/// does not lose the recovery code or link it used up.
async fn current_session(session: Result<SignedInOrEnrolling>) -> Result<Response> {
    match session {
        Ok(SignedInOrEnrolling(session)) => Ok(Json(session.info()).into_response()),
        Err(Error(domain::Error::Unauthenticated)) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(e),
    }
}

#[utoipa::path(post, path = "/logout", tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared, and the browser told to clear this site's cookies and storage"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/logout`: ends the session on the server, clears the cookie,
/// and answers `Clear-Site-Data: "cookies", "storage"` so that nothing of
/// the session stays in the browser (OWASP Session Management Cheat Sheet,
/// "Logout"; W3C Clear Site Data). The app keeps the one thing it means to
/// keep, the organizations remembered for one-click sign-in, by writing
/// them back after this answer.
async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
) -> Result<(StatusCode, [(HeaderName, &'static str); 1], CookieJar)> {
    if let Some(token) = session_token(&jar, &state.web) {
        domain::sessions::end(&state, &client, token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(CLEAR_SITE_DATA, r#""cookies", "storage""#)],
        jar.add(removal_cookie(&state.web)),
    ))
}

/// Not in `http`'s list of standard headers.
const CLEAR_SITE_DATA: HeaderName = HeaderName::from_static("clear-site-data");

#[utoipa::path(post, path = "/login/org-list", tag = "sign-in",
    request_body = OrgListRequest,
    responses((status = 202, description = "Accepted; a list is mailed if the email has accounts"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/login/org-list` {email}: "Email me a list of my
/// organizations". The answer is the same whether or not the email has
/// accounts (the list goes to the mailbox, never to the page); an email
/// without accounts gets no message. Limited per email (3 an hour) and per
/// client address (20 an hour).
async fn org_list(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<OrgListRequest>,
) -> Result<StatusCode> {
    signin::org_list::send(&state, &client, &request.email).await?;
    Ok(StatusCode::ACCEPTED)
}
