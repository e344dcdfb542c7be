//! TOTP two-factor authentication: the code step after a password, the
//! setup an org that requires 2FA forces right after the password, and
//! enabling or disabling it in My Account.
//!
//!   password right, 2FA on   → session at stage `totp`       → POST /login/totp {code}
//!   password right, org 2FA  → session at stage `totp_setup` → POST /login/totp/setup,
//!                                                              POST /login/totp/setup/confirm {code}
//!   My Account (recent sign-in) → POST /totp/setup, POST /totp/setup/confirm {code}, DELETE /totp
//!
//! A half-signed-in session can call nothing but these steps and logout.

use crate::audit::{self, Client, Event};
use crate::auth::{open_session, require_fresh, CurrentSession, PendingSession};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::rate_limit;
use crate::sessions::{self, Session, Stage};
use crate::state::AppState;
use crate::{accounts, emails, lockout, totp};
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{AuthMethod, SessionInfo, TotpCode, TotpSetup};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Wrong codes on one half-signed-in session before the account holder is
/// told by email that someone knows their password.
const FAILURES_BEFORE_WARNING: i64 = 3;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_code))
        .routes(routes!(login_setup_start))
        .routes(routes!(login_setup_confirm))
        .routes(routes!(setup_start))
        .routes(routes!(setup_confirm))
        .routes(routes!(disable))
}

/// The account's secret, for a session whose account has 2FA on.
async fn secret_of(state: &AppState, session: &Session) -> Result<String> {
    accounts::find_by_id(&state.db, &session.account_id)
        .await?
        .and_then(|(account, _)| account.totp_secret)
        .ok_or_else(|| Error::BadRequest("Two-factor authentication is not turned on.".into()))
}

#[utoipa::path(post, path = "/login/totp", tag = "two-factor",
    request_body = TotpCode,
    responses((status = 200, description = "Signed in; a new session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/login/totp` {code}: the second step after a right password.
/// Wrong codes count towards the org's lockout, like wrong passwords.
async fn login_code(
    State(state): State<AppState>,
    client: Client,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Json(request): Json<TotpCode>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let check = login_code_inner(&state, &session, jar, request);
    let result = rate_limit::limited_secret_check(&state, &client, check).await;
    audit::outcome(&state, &client, Event::TotpSignIn, &session.who(), &result).await;
    result
}

async fn login_code_inner(
    state: &AppState,
    session: &Session,
    jar: CookieJar,
    request: TotpCode,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    if Stage::parse(&session.stage) != Stage::Totp {
        return Err(Error::Unauthenticated);
    }
    let subject = lockout::subject(&session.email, &session.org_short_name);
    let org = crate::orgs::find_by_id(&state.db, &session.org_id).await?;
    let policy = lockout::Policy::of(org.as_ref());
    if let Some(until) = lockout::locked_until(&state.db, &state.clock, &subject, policy).await? {
        sessions::delete_hash(&state.db, &session.token_hash).await?;
        return Err(Error::LockedOut {
            minutes: (until - state.clock.now() + 59) / 60,
        });
    }
    let secret = secret_of(state, session).await?;
    if !totp::verify_for_account(
        &state.db,
        &state.clock,
        &session.account_id,
        &secret,
        &request.code,
    )
    .await?
    {
        lockout::record_failure(&state.db, &state.clock, &subject).await?;
        let failures = sessions::count_totp_failure(&state.db, &session.token_hash).await?;
        if failures == FAILURES_BEFORE_WARNING {
            state.mailer.send(emails::second_factor_failures(
                &session.email,
                &session.org_name,
                state.clock.now(),
                &state.web.origin,
            ));
        }
        tracing::info!(account = %session.account_id, failures, "wrong authenticator code");
        return Err(Error::InvalidCode);
    }
    lockout::clear(&state.db, &subject).await?;
    let (account, org) = accounts::find_by_id(&state.db, &session.account_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let (jar, info) = open_session(
        state,
        jar,
        &account,
        &org,
        AuthMethod::PasswordTotp,
        Stage::Full,
    )
    .await?;
    tracing::info!(account = %session.account_id, "signed in with password and authenticator code");
    Ok((jar, Json(info)))
}

/// A new secret, remembered on the session until confirmed with a code.
async fn start_setup(state: &AppState, session: &Session) -> Result<Json<TotpSetup>> {
    let secret = totp::new_secret();
    sessions::set_totp_pending(&state.db, &session.token_hash, Some(&secret)).await?;
    Ok(Json(totp::setup(
        &secret,
        &session.email,
        &session.org_name,
    )?))
}

/// Checks a code against the secret being set up, and turns 2FA on.
async fn confirm_setup(state: &AppState, session: &Session, code: &str) -> Result<()> {
    let secret = session
        .totp_pending
        .clone()
        .ok_or_else(|| Error::BadRequest("Start the setup again.".into()))?;
    let step = totp::matching_step(&secret, code, state.clock.now())?.ok_or(Error::InvalidCode)?;
    totp::enable(&state.db, &session.account_id, &secret, step).await?;
    sessions::set_totp_pending(&state.db, &session.token_hash, None).await?;
    tracing::info!(account = %session.account_id, "two-factor authentication turned on");
    Ok(())
}

fn require_setup_stage(session: &Session) -> Result<()> {
    if Stage::parse(&session.stage) != Stage::TotpSetup {
        return Err(Error::Unauthenticated);
    }
    Ok(())
}

#[utoipa::path(post, path = "/login/totp/setup", tag = "two-factor",
    responses((status = 200, description = "A new secret to add to an authenticator app", body = TotpSetup), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_setup_start(
    State(state): State<AppState>,
    PendingSession(session): PendingSession,
) -> Result<Json<TotpSetup>> {
    require_setup_stage(&session)?;
    start_setup(&state, &session).await
}

#[utoipa::path(post, path = "/login/totp/setup/confirm", tag = "two-factor",
    request_body = TotpCode,
    responses((status = 200, description = "2FA on and signed in; a new session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_setup_confirm(
    State(state): State<AppState>,
    client: Client,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Json(request): Json<TotpCode>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let check = login_setup_confirm_inner(&state, &session, jar, request);
    let result = rate_limit::limited_secret_check(&state, &client, check).await;
    audit::outcome(&state, &client, Event::TotpEnabled, &session.who(), &result).await;
    result
}

async fn login_setup_confirm_inner(
    state: &AppState,
    session: &Session,
    jar: CookieJar,
    request: TotpCode,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    require_setup_stage(session)?;
    confirm_setup(state, session, &request.code).await?;
    let subject = lockout::subject(&session.email, &session.org_short_name);
    lockout::clear(&state.db, &subject).await?;
    let (account, org) = accounts::find_by_id(&state.db, &session.account_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let (jar, info) = open_session(
        state,
        jar,
        &account,
        &org,
        AuthMethod::PasswordTotp,
        Stage::Full,
    )
    .await?;
    Ok((jar, Json(info)))
}

#[utoipa::path(post, path = "/totp/setup", tag = "two-factor",
    responses((status = 200, description = "A new secret to add to an authenticator app", body = TotpSetup), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn setup_start(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<TotpSetup>> {
    require_fresh(&state, &session)?;
    start_setup(&state, &session).await
}

#[utoipa::path(post, path = "/totp/setup/confirm", tag = "two-factor",
    request_body = TotpCode,
    responses((status = 204, description = "2FA is on"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn setup_confirm(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
    Json(request): Json<TotpCode>,
) -> Result<StatusCode> {
    let check = setup_confirm_inner(&state, &session, request);
    let result = rate_limit::limited_secret_check(&state, &client, check).await;
    audit::outcome(&state, &client, Event::TotpEnabled, &session.who(), &result).await;
    result
}

async fn setup_confirm_inner(
    state: &AppState,
    session: &Session,
    request: TotpCode,
) -> Result<StatusCode> {
    require_fresh(state, session)?;
    confirm_setup(state, session, &request.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/totp", tag = "two-factor",
    responses((status = 204, description = "2FA is off"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `DELETE /api/totp`: turns 2FA off, unless the org requires it.
async fn disable(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
) -> Result<StatusCode> {
    let result = disable_inner(&state, &session).await;
    audit::outcome(
        &state,
        &client,
        Event::TotpDisabled,
        &session.who(),
        &result,
    )
    .await;
    result
}

async fn disable_inner(state: &AppState, session: &Session) -> Result<StatusCode> {
    require_fresh(state, session)?;
    if session.org_require_2fa {
        return Err(Error::BadRequest(
            "Your organization requires two-factor authentication, so it cannot be turned off."
                .into(),
        ));
    }
    totp::disable(&state.db, &session.account_id).await?;
    tracing::info!(account = %session.account_id, "two-factor authentication turned off");
    Ok(StatusCode::NO_CONTENT)
}
