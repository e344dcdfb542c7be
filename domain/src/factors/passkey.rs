//! A passkey as a factor: the WebAuthn assertion request and its
//! verification, shared by sign-in (`crate::signin::passkey`) and
//! re-authentication (`crate::account::reauth`).

use crate::error::{Error, Result};
use crate::store::ceremonies::Binding;
use crate::store::passkeys::{self, encode_credential_id, PasskeyRow};
use crate::webauthn::refused;
use crate::Domain;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyAuthentication, PublicKeyCredential, RequestChallengeResponse,
};

/// The two kinds of sign-in ceremony, kept server-side between the calls.
#[derive(Serialize, Deserialize)]
pub enum LoginState {
    /// Any passkey of this site may answer.
    Discoverable(DiscoverableAuthentication),
    /// Only the listed passkeys of one account may answer.
    Account(PasskeyAuthentication),
}

/// A request only the given passkeys (of one account) may answer.
pub fn account_request(
    d: &Domain,
    rows: &[PasskeyRow],
) -> Result<(RequestChallengeResponse, PasskeyAuthentication)> {
    let keys = rows
        .iter()
        .map(PasskeyRow::passkey)
        .collect::<Result<Vec<_>>>()?;
    request_for(d, &keys)
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
    let row = passkeys::find_by_credential_id(&d.db, &credential_id)
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
            let (user_handle, _) = d
                .webauthn
                .identify_discoverable_authentication(credential)
                .map_err(|e| refused("passkey sign-in", e))?;
            if user_handle.to_string() != row.account_id.as_str() {
                tracing::warn!(passkey = %row.id, "user handle does not match the credential's account");
                return Err(Error::PasskeyRefused {
                    cause: "user_handle_mismatch",
                });
            }
            let key = DiscoverableKey::from(row.passkey()?);
            d.webauthn
                .finish_discoverable_authentication(credential, auth, &[key])
                .map_err(|e| refused("passkey sign-in", e))?
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
