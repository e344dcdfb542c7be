//! Sign-in with a passkey, and re-authentication with one.
//!
//!   browser → POST /login/passkey/start   {account?}   (no session needed)
//!   server  ← options + ceremony id
//!   browser:  navigator.credentials.get(options)        (button, autofill, or after the org step)
//!   browser → POST /login/passkey/finish  (ceremony id + assertion)
//!   server:   take the ceremony, find the passkey by credential id, verify
//!             (user verification required), check the counter, open a session
//!
//! A passkey sign-in needs no 2FA code: a passkey with user verification is
//! already two factors. Orgs that require SSO refuse it.

use super::docs::CeremonyStartRequest;
use crate::accounts;
use crate::audit::{self, Client, Event};
use crate::auth::{open_session, CurrentSession};
use crate::ceremonies::{self, Binding, Purpose};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::passkeys::{self, encode_credential_id, PasskeyRow};
use crate::rate_limit;
use crate::sessions::Stage;
use crate::sessions::{self, Session};
use crate::state::AppState;
use crate::webauthn::refused;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use common::ApiError;
use common::{AssertionFinish, AuthMethod, CeremonyStart, PasskeyLoginStart, SessionInfo};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, PasskeyAuthentication,
    PublicKeyCredential, RequestChallengeResponse,
};
use webauthn_rs_proto::{AllowCredentials, AuthenticatorTransport};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_start))
        .routes(routes!(login_finish))
        .routes(routes!(reauth_start))
        .routes(routes!(reauth_finish))
}

/// The two kinds of sign-in ceremony, kept server-side between the calls.
#[derive(Serialize, Deserialize)]
enum LoginState {
    /// Any passkey of this site may answer.
    Discoverable(DiscoverableAuthentication),
    /// Only the listed passkeys of one account may answer.
    Account(PasskeyAuthentication),
}

#[utoipa::path(post, path = "/login/passkey/start", tag = "passkeys",
    request_body = PasskeyLoginStart,
    responses((status = 200, description = "Options for navigator.credentials.get", body = CeremonyStartRequest), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_start(
    State(state): State<AppState>,
    client: Client,
    Json(request): Json<PasskeyLoginStart>,
) -> Result<Json<CeremonyStart<RequestChallengeResponse>>> {
    rate_limit::ceremony_start(&state, &client).await?;
    let account_passkeys = match &request.account {
        None => None,
        Some(hint) => {
            let found = accounts::find_in_org(&state.db, &hint.email, &hint.org).await?;
            let rows = match found {
                Some((account, org)) if !org.sso_required => {
                    passkeys::list_for_account(&state.db, &account.id).await?
                }
                _ => Vec::new(),
            };
            Some((found_account_id(&rows), rows))
        }
    };
    let (options, login_state, binding) = match account_passkeys {
        Some((Some(account_id), rows)) => {
            let (options, auth) = account_request(&state, &rows)?;
            let binding = Binding {
                session_hash: None,
                account_id: Some(account_id),
            };
            (options, LoginState::Account(auth), binding)
        }
        // The Login button and autofill: any passkey of this site.
        None => {
            let (options, auth) = discoverable(&state)?;
            (options, LoginState::Discoverable(auth), Binding::default())
        }
        // No such account, an SSO org, or no passkeys: answer in the same
        // shape as for an account with a passkey — one allowed credential,
        // a decoy whose id is derived from the email and org, stable across
        // requests and instances — so the answer does not tell which emails
        // and orgs exist. No passkey can match it, and the binding to "no
        // account" refuses any assertion that comes back anyway.
        Some((None, _)) => {
            let (mut options, auth) = discoverable(&state)?;
            let hint = request
                .account
                .as_ref()
                .map(|h| (h.email.as_str(), h.org.as_str()));
            let (email, org) = hint.unwrap_or_default();
            options.public_key.extensions = None;
            options.public_key.allow_credentials = vec![AllowCredentials {
                type_: "public-key".into(),
                id: decoy_credential_id(&state.decoy_key, email, org).into(),
                transports: Some(vec![AuthenticatorTransport::Internal]),
            }];
            let binding = Binding {
                session_hash: None,
                account_id: Some(String::new()),
            };
            (options, LoginState::Discoverable(auth), binding)
        }
    };
    let ceremony_id = ceremonies::start(&state, Purpose::Login, binding, &login_state).await?;
    Ok(Json(CeremonyStart {
        ceremony_id,
        options,
    }))
}

/// A request only the given passkeys (of one account) may answer.
fn account_request(
    state: &AppState,
    rows: &[PasskeyRow],
) -> Result<(RequestChallengeResponse, PasskeyAuthentication)> {
    let keys = rows
        .iter()
        .map(PasskeyRow::passkey)
        .collect::<Result<Vec<_>>>()?;
    state
        .webauthn
        .start_passkey_authentication(&keys)
        .map_err(|e| Error::Internal(format!("start authentication: {e:?}")))
}

/// A request any discoverable passkey of this site may answer.
fn discoverable(
    state: &AppState,
) -> Result<(RequestChallengeResponse, DiscoverableAuthentication)> {
    let (mut options, auth) = state
        .webauthn
        .start_discoverable_authentication()
        .map_err(|e| Error::Internal(format!("start authentication: {e:?}")))?;
    // webauthn-rs marks it for autofill; the client decides that.
    options.mediation = None;
    Ok((options, auth))
}

/// 16 bytes (a common credential id length) derived from the typed email
/// and org under the server's decoy key.
fn decoy_credential_id(key: &[u8; 32], email: &str, org: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(email.trim().to_lowercase().as_bytes());
    hasher.update([0]);
    hasher.update(org.trim().to_lowercase().as_bytes());
    hasher.finalize()[..16].to_vec()
}

fn found_account_id(rows: &[PasskeyRow]) -> Option<String> {
    rows.first().map(|row| row.account_id.clone())
}

/// Verifies an assertion against the passkey it names, under `login_state`.
async fn verify_assertion(
    state: &AppState,
    credential: &PublicKeyCredential,
    login_state: LoginState,
    binding: &Binding,
) -> Result<(PasskeyRow, AuthenticationResult)> {
    crate::webauthn::refuse_cross_origin(credential)?;
    let credential_id = encode_credential_id(credential.raw_id.as_ref());
    let row = passkeys::find_by_credential_id(&state.db, &credential_id)
        .await?
        .ok_or_else(|| {
            tracing::warn!("passkey sign-in with an unknown credential");
            Error::PasskeyRefused {
                cause: "unknown_credential",
            }
        })?;
    let result = match login_state {
        LoginState::Discoverable(auth) => {
            if binding
                .account_id
                .as_ref()
                .is_some_and(|id| *id != row.account_id)
            {
                tracing::warn!(passkey = %row.id, "assertion for a request that allowed no credential of this account");
                return Err(Error::PasskeyRefused {
                    cause: "credential_not_allowed",
                });
            }
            let (user_handle, _) = state
                .webauthn
                .identify_discoverable_authentication(credential)
                .map_err(|e| refused("passkey sign-in", e))?;
            if user_handle.to_string() != row.account_id {
                tracing::warn!(passkey = %row.id, "user handle does not match the credential's account");
                return Err(Error::PasskeyRefused {
                    cause: "user_handle_mismatch",
                });
            }
            let key = DiscoverableKey::from(row.passkey()?);
            state
                .webauthn
                .finish_discoverable_authentication(credential, auth, &[key])
                .map_err(|e| refused("passkey sign-in", e))?
        }
        LoginState::Account(auth) => {
            if binding.account_id.as_deref() != Some(row.account_id.as_str()) {
                tracing::warn!(passkey = %row.id, "credential of another account");
                return Err(Error::PasskeyRefused {
                    cause: "credential_not_allowed",
                });
            }
            state
                .webauthn
                .finish_passkey_authentication(credential, &auth)
                .map_err(|e| refused("passkey sign-in", e))?
        }
    };
    // webauthn-rs already requires it; checked again because everything
    // (skipping 2FA included) rests on it.
    if !result.user_verified() {
        tracing::warn!(passkey = %row.id, "assertion without user verification");
        return Err(Error::PasskeyRefused {
            cause: "user_not_verified",
        });
    }
    Ok((row, result))
}

#[utoipa::path(post, path = "/login/passkey/finish", tag = "passkeys",
    request_body = AssertionFinish,
    responses((status = 200, description = "Signed in; sets the session cookie", body = SessionInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn login_finish(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Json(request): Json<AssertionFinish>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let mut who = None;
    let result = finish_sign_in(&state, jar, request, &mut who).await;
    audit::outcome(&state, &client, Event::PasskeySignIn, &who, &result).await;
    result
}

/// The sign-in itself; `who` is filled in as soon as the account is known,
/// for the audit trail.
async fn finish_sign_in(
    state: &AppState,
    jar: CookieJar,
    request: AssertionFinish,
    who: &mut Option<(String, String)>,
) -> Result<(CookieJar, Json<SessionInfo>)> {
    let (login_state, binding) = ceremonies::take::<LoginState>(
        &state.db,
        &state.clock,
        Purpose::Login,
        &request.ceremony_id,
    )
    .await?;
    let (row, result) = verify_assertion(state, &request.credential, login_state, &binding).await?;
    let (account, org) = accounts::find_by_id(&state.db, &row.account_id)
        .await?
        .ok_or(Error::PasskeyRefused {
            cause: "unknown_credential",
        })?;
    *who = Some((account.id.clone(), org.id.clone()));
    if org.sso_required {
        tracing::info!(account = %account.id, org = %org.short_name, "passkey sign-in refused: org requires SSO");
        return Err(Error::SsoRequired);
    }
    passkeys::record_use(&state.db, &state.clock, &row, &result).await?;

    // A passkey with user verification is two factors already: no code step.
    let (jar, info) =
        open_session(state, jar, &account, &org, AuthMethod::Passkey, Stage::Full).await?;
    tracing::info!(account = %account.id, org = %org.short_name, passkey = %row.id, "signed in with passkey");
    Ok((jar, Json(info)))
}

#[utoipa::path(post, path = "/reauth/passkey/start", tag = "re-authentication",
    responses((status = 200, description = "Options for navigator.credentials.get", body = CeremonyStartRequest), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn reauth_start(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
) -> Result<Json<CeremonyStart<RequestChallengeResponse>>> {
    if session.org_sso_required {
        return Err(Error::SsoRequired);
    }
    rate_limit::ceremony_start(&state, &client).await?;
    let rows = passkeys::list_for_account(&state.db, &session.account_id).await?;
    if rows.is_empty() {
        return Err(Error::BadRequest(
            "You have no passkey yet: confirm with your password.".into(),
        ));
    }
    let (options, auth) = account_request(&state, &rows)?;
    let binding = Binding {
        session_hash: Some(session.token_hash.clone()),
        account_id: Some(session.account_id.clone()),
    };
    let ceremony_id =
        ceremonies::start(&state, Purpose::Reauth, binding, &LoginState::Account(auth)).await?;
    Ok(Json(CeremonyStart {
        ceremony_id,
        options,
    }))
}

#[utoipa::path(post, path = "/reauth/passkey/finish", tag = "re-authentication",
    request_body = AssertionFinish,
    responses((status = 204, description = "The session is recently authenticated again"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn reauth_finish(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
    Json(request): Json<AssertionFinish>,
) -> Result<StatusCode> {
    let result = finish_reauth(&state, &session, request).await;
    let who = Some((session.account_id.clone(), session.org_id.clone()));
    audit::outcome(&state, &client, Event::Reauthenticated, &who, &result).await;
    result
}

async fn finish_reauth(
    state: &AppState,
    session: &Session,
    request: AssertionFinish,
) -> Result<StatusCode> {
    let (login_state, binding) = ceremonies::take::<LoginState>(
        &state.db,
        &state.clock,
        Purpose::Reauth,
        &request.ceremony_id,
    )
    .await?;
    binding.require_session(&session.token_hash)?;
    let (row, result) = verify_assertion(state, &request.credential, login_state, &binding).await?;
    passkeys::record_use(&state.db, &state.clock, &row, &result).await?;
    sessions::reauthenticate(
        &state.db,
        &state.clock,
        &session.token_hash,
        AuthMethod::Passkey,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
