//! My Account → Passkeys: list, add (register), rename, delete.
//!
//!   browser → [`register_start`]     (fresh session)
//!   server  ← options + ceremony id   (the ceremony's state stays here, used once)
//!   browser:  navigator.credentials.create(options)
//!   browser → [`register_finish`]    (ceremony id + credential)
//!   server:   take the ceremony, verify, store the passkey, notify

use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::factors::passkey::start_ceremony;
use crate::limits;
use crate::policy::OrgPolicy;
use crate::sessions::{is_fresh, Fresh};
use crate::store::ceremonies::{self, Binding, Purpose};
use crate::store::passkeys::{self, PasskeyRow};
use crate::store::sessions::Session;
use crate::webauthn::{refused, registration_facts, require_discoverable};
use crate::{emails, validate, Domain};
use common::{CeremonyStart, CredentialSignals, PasskeyInfo, PasskeyList};
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

/// The longest credential id WebAuthn allows (bytes; WebAuthn §5.1.3).
const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// The account's passkeys, and whether changes need a re-authentication.
/// In an org where passkeys are not available (SSO required) the list is
/// empty and says why.
pub async fn list(d: &Domain, session: &Session) -> Result<PasskeyList> {
    let policy = OrgPolicy::of_session(session);
    let available = policy.passkeys_available();
    let (passkeys, signals) = if available {
        let rows = passkeys::list_for_account(&d.db, &session.account_id).await?;
        let signals = signals(d, session, &rows)?;
        (rows.iter().map(PasskeyRow::info).collect(), Some(signals))
    } else {
        (Vec::new(), None)
    };
    Ok(PasskeyList {
        sso_required: policy.sso_required(),
        passkeys_off: !available && !policy.sso_required(),
        passkeys,
        fresh_until: session.authenticated_at + d.reauth_window_secs,
        fresh: is_fresh(d, session),
        signals,
    })
}

/// What the browser is told about `session`'s account through the
/// WebAuthn Signal API: the user handle that registration gave its
/// passkeys (the account id's 16 bytes), the ones it still has, and its
/// current names.
///
/// Errors: [`Error::Internal`] for an account id that is not a UUID or an
/// origin without a host (neither is ever stored or configured).
fn signals(d: &Domain, session: &Session, rows: &[PasskeyRow]) -> Result<CredentialSignals> {
    let user_handle = Uuid::parse_str(session.account_id.as_str())
        .map_err(|e| Error::Internal(format!("account id: {e}")))?;
    let (name, display_name) = user_names(session);
    Ok(CredentialSignals {
        rp_id: crate::webauthn::rp_id(&d.web)?,
        user_id: passkeys::encode_credential_id(user_handle.as_bytes()),
        accepted_credential_ids: rows.iter().map(|r| r.credential_id.clone()).collect(),
        name,
        display_name,
    })
}

/// The WebAuthn user entity's `name` and `displayName` for `session`'s
/// account. Both carry the org, so that a picker showing only one of them
/// still tells apart one person's passkeys for different orgs:
/// `ada@example.com (Acme Security)` / `Ada Lovelace · Acme Security`.
pub fn user_names(session: &Session) -> (String, String) {
    (
        format!("{} ({})", session.email, session.org_name),
        format!("{} · {}", session.display_name, session.org_name),
    )
}

/// Starts adding a passkey: creation options that exclude the account's
/// existing passkeys (the same authenticator cannot be registered twice)
/// and require a discoverable credential with user verification.
///
/// Errors: [`Error::SsoRequired`], [`Error::RateLimited`].
pub async fn register_start(
    d: &Domain,
    client: &Client,
    session: &Fresh,
) -> Result<CeremonyStart<serde_json::Value>> {
    OrgPolicy::of_session(session).require_passkeys_available()?;
    limits::ceremony_start(d, client).await?;
    let existing = passkeys::list_for_account(&d.db, &session.account_id).await?;
    let exclude = existing
        .iter()
        .map(|row| row.passkey().map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>>>()?;
    let user_handle = Uuid::parse_str(session.account_id.as_str())
        .map_err(|e| Error::Internal(format!("account id: {e}")))?;
    let (name, display_name) = user_names(session);
    let (mut options, registration) = d
        .webauthn
        .start_passkey_registration(user_handle, &name, &display_name, Some(exclude))
        .map_err(|e| Error::Internal(format!("start registration: {e:?}")))?;
    require_discoverable(&mut options);
    let options = crate::webauthn::with_transports(&options, "excludeCredentials", |id| {
        existing
            .iter()
            .find(|row| row.credential_id == id)
            .map(PasskeyRow::transport_list)
            .unwrap_or_default()
    })?;
    let binding = Binding::of_session(session);
    let ceremony_id = start_ceremony(d, Purpose::Register, binding, &registration).await?;
    Ok(CeremonyStart {
        ceremony_id,
        options,
    })
}

/// Finishes adding a passkey: takes the ceremony (this session's, used
/// once), verifies the attestation, stores the passkey and tells the
/// account holder by email. An enrolment session is then replaced by a
/// signed-in one, returned for the cookie
/// ([`crate::signin::enrollment::finish`]). Audited as `passkey.added`.
///
/// Errors: [`Error::SsoRequired`], [`Error::CeremonyInvalid`],
/// [`Error::PasskeyRefused`], [`Error::BadRequest`] (credential id over
/// 1023 bytes), [`Error::Conflict`] (already registered).
pub async fn register_finish(
    d: &Domain,
    client: &Client,
    session: &Fresh,
    ceremony_id: &str,
    credential: &serde_json::Value,
) -> Result<(PasskeyInfo, Option<crate::signin::Opened>)> {
    let who = Who::session(session);
    let change = async {
        let policy = OrgPolicy::of_session(session);
        policy.require_passkeys_available()?;
        let (registration, binding) = ceremonies::take::<PasskeyRegistration>(
            &d.db,
            &d.clock,
            Purpose::Register,
            ceremony_id,
        )
        .await?;
        binding.require_session(&session.token_hash)?;
        let answer = credential;
        let credential: RegisterPublicKeyCredential = crate::webauthn::parse_answer(answer)?;
        let credential = &credential;
        crate::webauthn::require_well_formed(
            &credential.id,
            credential.raw_id.as_ref(),
            &credential.type_,
        )?;
        // Longer ids are refused before any work is done with them.
        if credential.raw_id.as_ref().len() > MAX_CREDENTIAL_ID_LEN {
            return Err(Error::BadRequest(
                "This passkey's credential id is too long.".into(),
            ));
        }
        let passkey = d
            .webauthn
            .finish_passkey_registration(credential, &registration)
            .map_err(|e| refused("passkey registration", e))?;
        // The id the answer names must be the one its authenticator data
        // attests (webauthn-rs stores the latter and does not compare).
        if passkey.cred_id().as_ref() != credential.raw_id.as_ref() {
            tracing::warn!("a registration whose rawId is not the attested credential id");
            return Err(Error::PasskeyRefused {
                cause: "id_mismatch",
            });
        }
        if passkey.cred_id().len() > MAX_CREDENTIAL_ID_LEN {
            return Err(Error::BadRequest(
                "This passkey's credential id is too long.".into(),
            ));
        }
        let facts = registration_facts(credential.response.attestation_object.as_ref())?;
        policy.accepts_passkey(facts.backup_eligible)?;
        let transports = crate::webauthn::reported_transports(answer);
        let name = crate::providers::default_name(&facts.aaguid);
        let row = passkeys::insert(
            &d.db,
            &d.clock,
            passkeys::NewPasskey {
                account_id: session.account_id.clone(),
                passkey,
                name: name.to_owned(),
                aaguid: facts.aaguid,
                backup_eligible: facts.backup_eligible,
                backed_up: facts.backed_up,
                transports,
                sign_count: facts.sign_count,
            },
            &notice(d, session, name, true),
        )
        .await?;
        d.mailer.queued();
        tracing::info!(account = %session.account_id, passkey = %row.id, "passkey added");
        if session.is_enrolment() {
            let opened =
                crate::signin::enrollment::finish(d, client, session, Some(&row.id)).await?;
            who.set_session(&opened.session.id);
            return Ok((row.info(), Some(opened)));
        }
        Ok((row.info(), None))
    };
    audit::audited(d, client, Event::PasskeyAdded, &who, change).await
}

/// Renames one of the account's passkeys. Audited as `passkey.renamed`.
///
/// Errors: [`Error::BadRequest`] (empty or over 100 characters),
/// [`Error::NotFound`] (not this account's passkey).
pub async fn rename(
    d: &Domain,
    client: &Client,
    session: &Session,
    id: &str,
    name: &str,
) -> Result<()> {
    let who = Who::session(session);
    let change = async {
        let name = validate::display_name(name)?;
        passkeys::rename(&d.db, &session.account_id, id, &name).await
    };
    audit::audited(d, client, Event::PasskeyRenamed, &who, change).await
}

/// Deletes one of the account's passkeys, and ends every other session it
/// opened or last re-authenticated: what it proved no longer stands
/// (OWASP ASVS 3.3.3). The deleting session stays, having just proved
/// itself. Never leaves the account without a way in
/// ([`crate::ways_in`]; `rely_on_recovery_codes`: the person
/// confirmed that only the recovery codes may be left). Audited as
/// `passkey.deleted`, notified by email.
///
/// Errors: [`Error::NotFound`] (not this account's passkey),
/// [`Error::LastWayIn`], [`Error::ConfirmationRequired`].
pub async fn delete(
    d: &Domain,
    client: &Client,
    session: &Fresh,
    id: &str,
    rely_on_recovery_codes: bool,
) -> Result<()> {
    let who = Who::session(session);
    let change = async {
        let (row, ended) = passkeys::delete_ending_its_sessions(
            &d.db,
            &session.account_id,
            id,
            &session.token_hash,
            rely_on_recovery_codes,
            |row| notice(d, session, &row.name, false),
        )
        .await?;
        d.mailer.queued();
        tracing::info!(account = %session.account_id, passkey = %row.id, ended, "passkey deleted");
        Ok(())
    };
    audit::audited(d, client, Event::PasskeyDeleted, &who, change).await
}

/// The email telling the account holder that the passkey `name` was
/// added or deleted (queued with the change).
fn notice(d: &Domain, session: &Session, name: &str, added: bool) -> crate::mail::Outgoing {
    d.outgoing(emails::passkey_changed(
        &session.email,
        &session.org_name,
        name,
        added,
        d.clock.now(),
        &d.web.origin,
    ))
}
