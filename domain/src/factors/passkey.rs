//! A passkey as a factor: the WebAuthn assertion request and its
//! verification, shared by sign-in (`crate::signin::passkey`) and
//! re-authentication (`crate::account::reauth`).

use crate::error::{Error, Result};
use crate::store::ceremonies::{self, Binding, Purpose};
use crate::store::passkeys::{self, encode_credential_id, PasskeyRow};
use crate::Domain;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyAuthentication, PublicKeyCredential, RequestChallengeResponse, WebauthnError,
};

/// The two kinds of sign-in ceremony, kept server-side between the calls.
#[derive(Serialize, Deserialize)]
pub enum LoginState {
    /// Any passkey of this site may answer.
    Discoverable(DiscoverableAuthentication),
    /// Only the listed passkeys of one account may answer.
    Account(PasskeyAuthentication),
}

/// Stores `state` as a new ceremony of `purpose`, bound to `binding`, for
/// the configured lifetime (`Domain::ceremony_lifetime_secs`, the options'
/// `timeout`); returns its id. Every passkey ceremony starts here.
pub async fn start_ceremony<S: Serialize>(
    d: &Domain,
    purpose: Purpose,
    binding: Binding,
    state: &S,
) -> Result<String> {
    ceremonies::start(
        &d.db,
        &d.clock,
        &d.ceremony_sweeper,
        d.ceremony_lifetime_secs,
        purpose,
        binding,
        state,
    )
    .await
}

/// A request only the given passkeys (of one account) may answer, as the
/// JSON sent to the browser: each `allowCredentials` entry carries the
/// transports its browser reported at registration.
pub fn account_request(
    d: &Domain,
    rows: &[PasskeyRow],
) -> Result<(serde_json::Value, PasskeyAuthentication)> {
    let keys = rows
        .iter()
        .map(PasskeyRow::passkey)
        .collect::<Result<Vec<_>>>()?;
    let (options, auth) = request_for(d, &keys)?;
    let options = crate::webauthn::with_transports(&options, "allowCredentials", |id| {
        rows.iter()
            .find(|row| row.credential_id == id)
            .map(PasskeyRow::transport_list)
            .unwrap_or_default()
    })?;
    Ok((options, auth))
}

/// A request `keys` may answer, without the members webauthn-rs adds that
/// the client decides (mediation, hints) or that no answer here uses.
pub fn request_for(
    d: &Domain,
    keys: &[Passkey],
) -> Result<(RequestChallengeResponse, PasskeyAuthentication)> {
    let (mut options, auth) = d
        .webauthn
        .start_passkey_authentication(keys)
        .map_err(|e| Error::Internal(format!("start authentication: {e:?}")))?;
    options.mediation = None;
    options.public_key.extensions = None;
    options.public_key.hints = None;
    Ok((options, auth))
}

/// A request any discoverable passkey of this site may answer.
pub fn discoverable(d: &Domain) -> Result<(RequestChallengeResponse, DiscoverableAuthentication)> {
    let (mut options, auth) = d
        .webauthn
        .start_discoverable_authentication()
        .map_err(|e| Error::Internal(format!("start authentication: {e:?}")))?;
    // webauthn-rs marks it for autofill; the client decides that.
    options.mediation = None;
    Ok((options, auth))
}

/// Verifies an assertion against the passkey it names, under `login_state`.
///
/// Errors: [`Error::PasskeyRefused`] (with its cause), and where they tell
/// nothing about which accounts exist, [`Error::PasskeyUnknown`] and
/// [`Error::UserNotVerified`]:
/// - An unknown credential is [`Error::PasskeyUnknown`] only when the
///   request named no account, or named the account of the session that
///   asked (re-authentication). A sign-in naming an account is answered
///   with the account's passkeys or, for an account that does not exist,
///   a decoy id; an assertion for the decoy finds no passkey, and must get
///   the same answer as an unknown credential of a real account.
/// - Missing user verification is [`Error::UserNotVerified`] only once the
///   signature holds (webauthn-rs checks the flag first): otherwise anyone
///   who knows a real account's credential id — a sign-in naming the
///   account lists it — could tell it from a decoy without its key.
pub async fn verify_assertion(
    d: &Domain,
    credential: &PublicKeyCredential,
    login_state: LoginState,
    binding: &Binding,
) -> Result<(PasskeyRow, AuthenticationResult)> {
    crate::webauthn::require_well_formed(
        &credential.id,
        credential.raw_id.as_ref(),
        &credential.type_,
    )?;
    crate::webauthn::refuse_cross_origin(credential)?;
    let credential_id = encode_credential_id(credential.raw_id.as_ref());
    // A ceremony bound to a session was asked for by its own account's
    // holder (re-authentication): there is nothing to hide from them.
    let may_say_unknown = match login_state {
        LoginState::Discoverable(_) => true,
        LoginState::Account(_) => binding.session_hash.is_some(),
    };
    let row = passkeys::find_by_credential_id(&d.db, &credential_id)
        .await?
        .ok_or_else(|| {
            tracing::warn!("passkey sign-in with an unknown credential");
            if may_say_unknown {
                Error::PasskeyUnknown
            } else {
                Error::PasskeyRefused {
                    cause: "unknown_credential",
                }
            }
        })?;
    let passkey = row.passkey()?;
    let refused = |err| refused_assertion(credential, &passkey, err);
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
            let (user_handle, _) = d
                .webauthn
                .identify_discoverable_authentication(credential)
                .map_err(|e| crate::webauthn::refused("passkey sign-in", e))?;
            if user_handle.to_string() != row.account_id.as_str() {
                tracing::warn!(passkey = %row.id, "user handle does not match the credential's account");
                return Err(Error::PasskeyRefused {
                    cause: "user_handle_mismatch",
                });
            }
            let key = DiscoverableKey::from(passkey.clone());
            d.webauthn
                .finish_discoverable_authentication(credential, auth, &[key])
                .map_err(refused)?
        }
        LoginState::Account(auth) => {
            if binding.account_id.as_ref() != Some(&row.account_id) {
                tracing::warn!(passkey = %row.id, "credential of another account");
                return Err(Error::PasskeyRefused {
                    cause: "credential_not_allowed",
                });
            }
            d.webauthn
                .finish_passkey_authentication(credential, &auth)
                .map_err(refused)?
        }
    };
    // webauthn-rs already requires it; checked again because everything
    // (skipping 2FA included) rests on it. The signature holds here.
    if !result.user_verified() {
        tracing::warn!(passkey = %row.id, "assertion without user verification");
        return Err(Error::UserNotVerified);
    }
    Ok((row, result))
}

/// [`crate::webauthn::refused`] for an assertion, except that missing user
/// verification is answered as such only when the signature holds under
/// `passkey`'s public key; otherwise it is a refusal like any other bad
/// signature (see [`verify_assertion`]).
fn refused_assertion(
    credential: &PublicKeyCredential,
    passkey: &Passkey,
    err: WebauthnError,
) -> Error {
    if matches!(err, WebauthnError::UserNotVerified) && !signature_holds(credential, passkey) {
        tracing::warn!("an assertion without user verification, nor a valid signature");
        return Error::PasskeyRefused {
            cause: "bad_signature",
        };
    }
    crate::webauthn::refused("passkey sign-in", err)
}

/// Whether the assertion's signature over `authenticatorData ‖
/// SHA-256(clientDataJSON)` verifies under `passkey`'s public key
/// (WebAuthn §7.2 step 21, as webauthn-rs checks it after the flags).
fn signature_holds(credential: &PublicKeyCredential, passkey: &Passkey) -> bool {
    let response = &credential.response;
    let mut signed: Vec<u8> = response.authenticator_data.as_ref().to_vec();
    signed.extend_from_slice(&Sha256::digest(response.client_data_json.as_ref()));
    passkey
        .get_public_key()
        .verify_signature(response.signature.as_ref(), &signed)
        .unwrap_or(false)
}
