//! My Account → Passkeys: list, add (register), rename, delete.
//!
//! Registration, in short:
//!   browser → POST /passkeys/register/start     (session, recent sign-in)
//!   server  ← options + ceremony id              (state kept in `ceremonies`)
//!   browser:  navigator.credentials.create(options)
//!   browser → POST /passkeys/register/finish    (ceremony id + credential)
//!   server:   take the ceremony, verify, store the passkey

use super::docs::CeremonyStartCreation;
use crate::audit::{self, Client, Event};
use crate::auth::{require_fresh, CurrentSession};
use crate::ceremonies::{self, Binding, Purpose};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::passkeys;
use crate::rate_limit;
use crate::sessions::Session;
use crate::state::AppState;
use crate::validate;
use crate::webauthn::{refused, registration_facts, require_discoverable};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use common::ApiError;
use common::{CeremonyStart, PasskeyInfo, PasskeyList, RegisterFinish, RenamePasskey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webauthn_rs::prelude::{CreationChallengeResponse, PasskeyRegistration, Uuid};

/// The longest credential id WebAuthn allows.
const MAX_CREDENTIAL_ID_LEN: usize = 1023;

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
    let passkeys = if session.org_sso_required {
        Vec::new()
    } else {
        passkeys::list_for_account(&state.db, &session.account_id)
            .await?
            .iter()
            .map(passkeys::PasskeyRow::info)
            .collect()
    };
    Ok(Json(PasskeyList {
        sso_required: session.org_sso_required,
        passkeys,
        fresh_until: session.authenticated_at + state.reauth_window_secs,
        fresh: require_fresh(&state, &session).is_ok(),
    }))
}

#[utoipa::path(post, path = "/passkeys/register/start", tag = "passkeys",
    responses((status = 200, description = "Options for navigator.credentials.create", body = CeremonyStartCreation), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn register_start(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
) -> Result<Json<CeremonyStart<CreationChallengeResponse>>> {
    if session.org_sso_required {
        return Err(Error::SsoRequired);
    }
    require_fresh(&state, &session)?;
    rate_limit::ceremony_start(&state, &client).await?;
    let existing = passkeys::list_for_account(&state.db, &session.account_id).await?;
    let exclude = existing
        .iter()
        .map(|row| row.passkey().map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>>>()?;
    let user_handle = Uuid::parse_str(&session.account_id)
        .map_err(|e| Error::Internal(format!("account id: {e}")))?;
    // The browser's passkey picker shows these: the email and the org tell
    // apart one person's passkeys for different orgs.
    let display_name = format!("{} · {}", session.display_name, session.org_name);
    let (mut options, registration) = state
        .webauthn
        .start_passkey_registration(user_handle, &session.email, &display_name, Some(exclude))
        .map_err(|e| Error::Internal(format!("start registration: {e:?}")))?;
    require_discoverable(&mut options);
    let binding = Binding {
        session_hash: Some(session.token_hash.clone()),
        account_id: Some(session.account_id.clone()),
    };
    let ceremony_id = ceremonies::start(&state, Purpose::Register, binding, &registration).await?;
    Ok(Json(CeremonyStart {
        ceremony_id,
        options,
    }))
}

#[utoipa::path(post, path = "/passkeys/register/finish", tag = "passkeys",
    request_body = RegisterFinish,
    responses((status = 200, description = "The new passkey", body = PasskeyInfo), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn register_finish(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
    Json(request): Json<RegisterFinish>,
) -> Result<Json<PasskeyInfo>> {
    let result = register_finish_inner(&state, &session, request).await;
    audit::outcome(
        &state,
        &client,
        Event::PasskeyAdded,
        &session.who(),
        &result,
    )
    .await;
    result
}

async fn register_finish_inner(
    state: &AppState,
    session: &Session,
    request: RegisterFinish,
) -> Result<Json<PasskeyInfo>> {
    if session.org_sso_required {
        return Err(Error::SsoRequired);
    }
    require_fresh(state, session)?;
    let (registration, binding) = ceremonies::take::<PasskeyRegistration>(
        &state.db,
        &state.clock,
        Purpose::Register,
        &request.ceremony_id,
    )
    .await?;
    binding.require_session(&session.token_hash)?;
    // WebAuthn caps credential ids at 1023 bytes; longer ones are refused
    // before any work is done with them.
    if request.credential.raw_id.as_ref().len() > MAX_CREDENTIAL_ID_LEN {
        return Err(Error::BadRequest(
            "This passkey's credential id is too long.".into(),
        ));
    }
    let passkey = state
        .webauthn
        .finish_passkey_registration(&request.credential, &registration)
        .map_err(|e| refused("passkey registration", e))?;
    if passkey.cred_id().len() > MAX_CREDENTIAL_ID_LEN {
        return Err(Error::BadRequest(
            "This passkey's credential id is too long.".into(),
        ));
    }
    let facts = registration_facts(request.credential.response.attestation_object.as_ref())?;
    let transports = request
        .credential
        .response
        .transports
        .iter()
        .flatten()
        .filter_map(|t| serde_json::to_value(t).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let row = passkeys::insert(
        &state.db,
        &state.clock,
        passkeys::NewPasskey {
            account_id: session.account_id.clone(),
            passkey,
            name: crate::providers::default_name(&facts.aaguid).to_owned(),
            aaguid: facts.aaguid,
            backup_eligible: facts.backup_eligible,
            backed_up: facts.backed_up,
            transports,
            sign_count: facts.sign_count,
        },
    )
    .await?;
    tracing::info!(account = %session.account_id, passkey = %row.id, "passkey added");
    notify(state, session, &row, true);
    Ok(Json(row.info()))
}

#[utoipa::path(patch, path = "/passkeys/{id}", tag = "passkeys",
    request_body = RenamePasskey,
    params(("id" = String, Path, description = "The passkey's id")),
    responses((status = 204, description = "Renamed"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn rename(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(id): Path<String>,
    Json(request): Json<RenamePasskey>,
) -> Result<StatusCode> {
    let name = validate::display_name(&request.name)?;
    passkeys::rename(&state.db, &session.account_id, &id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/passkeys/{id}", tag = "passkeys",
    params(("id" = String, Path, description = "The passkey's id")),
    responses((status = 204, description = "Deleted"), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn remove(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let result = remove_inner(&state, &session, id).await;
    audit::outcome(
        &state,
        &client,
        Event::PasskeyDeleted,
        &session.who(),
        &result,
    )
    .await;
    result
}

async fn remove_inner(state: &AppState, session: &Session, id: String) -> Result<StatusCode> {
    require_fresh(state, session)?;
    let row = passkeys::delete(&state.db, &session.account_id, &id).await?;
    tracing::info!(account = %session.account_id, passkey = %row.id, "passkey deleted");
    notify(state, session, &row, false);
    Ok(StatusCode::NO_CONTENT)
}

/// Tells the account holder, by email, that a passkey was added or deleted
/// (sent after the change is committed).
fn notify(state: &AppState, session: &Session, row: &passkeys::PasskeyRow, added: bool) {
    state.mailer.send(crate::emails::passkey_changed(
        &session.email,
        &session.org_name,
        &row.name,
        added,
        state.clock.now(),
        &state.web.origin,
    ));
}
