//! Re-authentication with the password, before a sensitive change.

use crate::accounts;
use crate::audit::{self, Client, Event};
use crate::auth::CurrentSession;
use crate::error::{Error, Result};
use crate::json::Json;
use crate::sessions::{self, Session};
use crate::state::AppState;
use crate::validate::MAX_PASSWORD_LEN;
use crate::{email_tokens, emails, rate_limit, totp};
use axum::extract::State;
use axum::http::StatusCode;
use common::ApiError;
use common::{AuthMethod, EmailLinkConfirm, ReauthPassword};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reauth_password))
        .routes(routes!(reauth_email_start))
        .routes(routes!(reauth_email_confirm))
}

#[utoipa::path(post, path = "/reauth/password", tag = "re-authentication",
    request_body = ReauthPassword,
    responses((status = 204, description = "The session is recently authenticated again"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/password`: the session's own password proves, again,
/// that the person at the browser is the account holder.
async fn reauth_password(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
    Json(request): Json<ReauthPassword>,
) -> Result<StatusCode> {
    let check = reauth_password_inner(&state, &session, request);
    let result = rate_limit::limited_secret_check(&state, &client, check).await;
    audit::outcome(
        &state,
        &client,
        Event::Reauthenticated,
        &session.who(),
        &result,
    )
    .await;
    result
}

async fn reauth_password_inner(
    state: &AppState,
    session: &Session,
    request: ReauthPassword,
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
        .verify(password, account.as_ref().map(|a| a.password_hash.clone()))
        .await?
        && !too_long;
    if !ok {
        return Err(Error::BadRequest("That password is not correct.".into()));
    }
    // With 2FA on, the password alone is not a fresh proof: the code too.
    let method = match account.and_then(|a| a.totp_secret) {
        Some(secret) => {
            let code = request.code.unwrap_or_default();
            if code.trim().is_empty() {
                return Err(Error::BadRequest(
                    "Enter the code from your authenticator app too.".into(),
                ));
            }
            if !totp::verify_for_account(
                &state.db,
                &state.clock,
                &session.account_id,
                &secret,
                &code,
            )
            .await?
            {
                return Err(Error::InvalidCode);
            }
            AuthMethod::PasswordTotp
        }
        None => AuthMethod::Password,
    };
    sessions::reauthenticate(&state.db, &state.clock, &session.token_hash, method).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Re-authentication links mailed for one account.
const REAUTH_LINKS_PER_ACCOUNT: rate_limit::Limit = rate_limit::Limit {
    name: "reauth-email",
    max: 5,
    window_secs: 15 * 60,
};

#[utoipa::path(post, path = "/reauth/email/start", tag = "re-authentication",
    responses((status = 202, description = "A confirmation link was mailed"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/email/start`: mails a confirmation link bound to this
/// session. At most 5 links per account per 15 minutes.
async fn reauth_email_start(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
) -> Result<StatusCode> {
    if session.org_sso_required {
        return Err(Error::SsoRequired);
    }
    rate_limit::email(&state, &client).await?;
    let account = Some(session.account_id.as_str());
    rate_limit::hit(&state.db, &state.clock, REAUTH_LINKS_PER_ACCOUNT, account).await?;
    let token = email_tokens::issue(
        &state.db,
        &state.clock,
        email_tokens::PURPOSE_REAUTH,
        &session.account_id,
        &session.token_hash,
    )
    .await?;
    let link = format!("{}/verify-email#token={token}", state.web.origin);
    state.mailer.send(emails::reauth_link(
        &session.email,
        &session.org_name,
        &link,
    ));
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(post, path = "/reauth/email/confirm", tag = "re-authentication",
    request_body = EmailLinkConfirm,
    responses((status = 204, description = "The asking session is recently authenticated again"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/reauth/email/confirm` {token}: from the confirmation page
/// the link opens. Needs no session — the link may be opened on another
/// device — and refreshes the session that asked for it.
async fn reauth_email_confirm(
    State(state): State<AppState>,
    client: Client,
    Json(request): Json<EmailLinkConfirm>,
) -> Result<StatusCode> {
    let mut who = None;
    let result = confirm_email_link(&state, request, &mut who).await;
    audit::outcome(&state, &client, Event::Reauthenticated, &who, &result).await;
    result
}

async fn confirm_email_link(
    state: &AppState,
    request: EmailLinkConfirm,
    who: &mut Option<(String, String)>,
) -> Result<StatusCode> {
    let used = email_tokens::redeem(
        &state.db,
        &state.clock,
        email_tokens::PURPOSE_REAUTH,
        &request.token,
    )
    .await?;
    let owner = accounts::find_by_id(&state.db, &used.account_id).await?;
    *who = owner
        .as_ref()
        .map(|(account, org)| (account.id.clone(), org.id.clone()));
    if owner.is_some_and(|(_, org)| org.sso_required) {
        // The org switched to SSO after the link was sent.
        return Err(Error::SsoRequired);
    }
    let refreshed = sessions::reauthenticate(
        &state.db,
        &state.clock,
        &used.session_hash,
        AuthMethod::EmailLink,
    )
    .await?;
    if !refreshed {
        // The asking session has ended (logout or expiry) in the meantime.
        return Err(Error::LinkInvalid);
    }
    tracing::info!(account = %used.account_id, "re-authenticated through an email link");
    Ok(StatusCode::NO_CONTENT)
}
