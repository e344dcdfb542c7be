//! Password sign-in, the current session, and logout.

use crate::accounts;
use crate::audit::{self, Client, Entry, Event};
use crate::auth::{open_session, removal_cookie, session_token, CurrentSession};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::lockout;
use crate::orgs;
use crate::sessions;
use crate::sessions::Stage;
use crate::state::AppState;
use crate::validate::{self, MAX_PASSWORD_LEN};
use crate::{emails, rate_limit};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{AuthMethod, OrgListRequest, PasswordLoginRequest, SessionInfo};
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
/// Every failure — unknown org, unknown email in that org, wrong password —
/// gives the same answer after the same work: when there is no account a
/// dummy hash is verified, so the timing does not tell either. Two answers
/// differ on purpose, and say nothing about accounts: an org that requires
/// SSO says so, and a locked (email, org) — existing or not — says so.
async fn password_login(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Json(request): Json<PasswordLoginRequest>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let org = orgs::find_by_short_name(&state.db, &request.org).await?;
    let org_id = org.as_ref().map(|o| o.id.clone());
    let refuse = |cause: &'static str, account_id: Option<String>, err: Error| {
        let state = state.clone();
        let client = client.clone();
        let org_id = org_id.clone();
        async move {
            let entry = Entry::failure(Event::PasswordSignIn, cause)
                .of(account_id.as_deref(), org_id.as_deref());
            audit::record(&state, &client, entry).await;
            Err(err)
        }
    };
    if let Err(limited) = rate_limit::secret_check(&state, &client).await {
        return refuse("rate_limited", None, limited).await;
    }
    if org.as_ref().is_some_and(|o| o.sso_required) {
        return refuse("sso_required", None, Error::SsoRequired).await;
    }
    let subject = lockout::subject(&request.email, &request.org);
    let policy = lockout::Policy::of(org.as_ref());
    if let Some(until) = lockout::locked_until(&state.db, &state.clock, &subject, policy).await? {
        let minutes = (until - state.clock.now() + 59) / 60;
        return refuse("locked_out", None, Error::LockedOut { minutes }).await;
    }

    let account = match &org {
        Some(org) => accounts::find_by_email(&state.db, org, &request.email).await?,
        None => None,
    };
    let too_long = request.password.len() > MAX_PASSWORD_LEN;
    let password = if too_long {
        String::new()
    } else {
        request.password
    };
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let password_ok = state.passwords.verify(password, stored).await? && !too_long;
    let (account, org) = match (account, org) {
        (Some(account), Some(org)) if password_ok => (account, org),
        (account, _) => {
            lockout::record_failure(&state.db, &state.clock, &subject).await?;
            tracing::info!(org = %request.org, "password sign-in refused");
            let cause = if account.is_some() {
                "wrong_password"
            } else {
                "unknown_account"
            };
            return refuse(cause, account.map(|a| a.id), Error::InvalidCredentials).await;
        }
    };
    // The password was right. An account with 2FA still owes a code; an
    // account without it in an org that requires it must set it up. Until
    // then the session can do nothing else (see `PendingSession`).
    let stage = if account.totp_secret.is_some() {
        Stage::Totp
    } else if org.require_2fa {
        Stage::TotpSetup
    } else {
        lockout::clear(&state.db, &subject).await?;
        Stage::Full
    };
    tracing::info!(account = %account.id, org = %org.short_name, stage = stage.as_str(), "password accepted");
    let entry = Entry::success(Event::PasswordSignIn, &account.id, &org.id);
    audit::record(&state, &client, entry).await;
    let (jar, info) =
        open_session(&state, jar, &account, &org, AuthMethod::Password, stage).await?;
    Ok((jar, Json(info)))
}

#[utoipa::path(get, path = "/session", tag = "session",
    responses((status = 200, description = "The signed-in session", body = SessionInfo), (status = 204, description = "Nobody is signed in (no session, an ended one, or one still at its 2FA step)"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `GET /api/session` → who is signed in, or 204 when nobody is.
///
/// Being signed out is the normal answer on the sign-in page, not a
/// failure: a 401 here was logged as an error in every visitor's console.
async fn current_session(session: Result<CurrentSession>) -> Result<Response> {
    match session {
        Ok(CurrentSession(session)) => Ok(Json(session.info()).into_response()),
        Err(Error::Unauthenticated) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(e),
    }
}

#[utoipa::path(post, path = "/logout", tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/logout`: ends the session on the server and clears the cookie.
async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<(StatusCode, CookieJar)> {
    if let Some(token) = session_token(&jar, &state.web) {
        sessions::delete(&state.db, token).await?;
    }
    Ok((StatusCode::NO_CONTENT, jar.add(removal_cookie(&state.web))))
}

/// Org lists mailed to one address.
const ORG_LISTS_PER_EMAIL: rate_limit::Limit = rate_limit::Limit {
    name: "org-list-email",
    max: 3,
    window_secs: 60 * 60,
};

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
    client: Client,
    Json(request): Json<OrgListRequest>,
) -> Result<StatusCode> {
    let email = validate::email(&request.email)?;
    rate_limit::email(&state, &client).await?;
    let key = lockout::subject(&email, "");
    rate_limit::hit(&state.db, &state.clock, ORG_LISTS_PER_EMAIL, Some(&key)).await?;
    let orgs = accounts::orgs_of_email(&state.db, &email).await?;
    if !orgs.is_empty() {
        state
            .mailer
            .send(emails::org_list(&email, &orgs, &state.web.origin));
    }
    Ok(StatusCode::ACCEPTED)
}
