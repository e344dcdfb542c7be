//! Sign-in with a passkey.
//!
//!   browser → start {account?}        (no session needed)
//!   server  ← options + ceremony id   (the ceremony's state stays here, used once)
//!   browser:  navigator.credentials.get(options)  (button, autofill, or after the org step)
//!   browser → finish (ceremony id + assertion)
//!   server:   take the ceremony, find the passkey by credential id, verify
//!             (user verification required), check the counter, [`complete`]
//!
//! A passkey sign-in owes no 2FA code: a passkey with user verification is
//! already two factors. Orgs that require SSO refuse it ([`OrgPolicy`]).

use super::{complete, Opened, Proof};
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::factors::passkey::{
    account_request, discoverable, request_for, start_ceremony, verify_assertion, LoginState,
};
use crate::limits;
use crate::policy::OrgPolicy;
use crate::store::accounts;
use crate::store::ceremonies::{self, Binding, Purpose};
use crate::store::passkeys;
use crate::types::{AccountId, Email, OrgShortName};
use crate::Domain;
use common::{AuthMethod, CeremonyStart};
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{Passkey, PublicKeyCredential};
use webauthn_rs_proto::AllowCredentials;

/// Length (bytes) of a decoy credential id: the length of the ids that
/// the authenticators people use most (platform authenticators, password
/// managers, the virtual authenticator) give, so a decoy looks like them.
const DECOY_ID_LEN: usize = 32;

/// The transports a decoy credential lists (see [`start`]).
const DECOY_TRANSPORTS: [&str; 2] = ["hybrid", "internal"];

/// A stored passkey as the `passkeys.credential` column holds it, parsed
/// for every decoy request exactly as a real account's passkeys are, so
/// both answers cost the same work. It is the public key of a throwaway
/// key pair whose private half was never kept, and no account owns it: an
/// assertion naming it finds no passkey and is refused.
const DECOY_PASSKEY: &str = r#"{"cred":{"cred_id":"1bt0bLsH1devFSbmHAVMlo90_RXDfmiEpKopRJ3uIGs","cred":{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"-1ZKomneSGhJ04eSxJ4L4OtqO41hj_1sEY-AAmwBRLs","y":"k4Him8hUmM8duNTkSDzpFYL92I_QBLuUbEX2aTh4M0M"}}},"counter":0,"transports":null,"user_verified":true,"backup_eligible":false,"backup_state":false,"registration_policy":"required","extensions":{"cred_protect":"Ignored","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"Ignored"},"attestation":{"data":"None","metadata":"None"},"attestation_format":"none"}}"#;

/// Starts a passkey sign-in. With `account` (the email and org typed on
/// the page), only that account's passkeys may answer; without, any
/// passkey of this site (the "Login" button and autofill).
///
/// An account hint that names no account, an SSO org, or an account
/// without passkeys gets an answer of the same shape as a real one — one
/// allowed credential of the same form, a decoy whose id is derived from
/// the email and org under a server key, stable across requests and
/// instances — after the same lookups, so the answer does not tell which
/// emails and orgs exist. No passkey can match it, and the ceremony's
/// binding to "no account" refuses any assertion that comes back anyway.
///
/// Errors: [`Error::RateLimited`] (ceremony starts per client).
pub async fn start(
    d: &Domain,
    client: &Client,
    account: Option<(&str, &str)>,
) -> Result<CeremonyStart<serde_json::Value>> {
    limits::ceremony_start(d, client).await?;
    let Some((email, org)) = account else {
        // The Login button and autofill: any passkey of this site.
        let (options, auth) = discoverable(d)?;
        let options = serde_json::to_value(&options)
            .map_err(|e| Error::Internal(format!("options as JSON: {e}")))?;
        let state = LoginState::Discoverable(auth);
        let ceremony_id = start_ceremony(d, Purpose::Login, Binding::default(), &state).await?;
        return Ok(CeremonyStart {
            ceremony_id,
            options,
        });
    };
    let email = Email::canonical(email);
    let short_name = OrgShortName::canonical(org);
    let found = accounts::find_in_org(&d.db, email.as_str(), short_name.as_str()).await?;
    // Every lookup runs whatever it finds (an unknown account's passkeys
    // are looked up under an id nobody has), so the work is the same.
    let nobody = AccountId::from_text("");
    let account_id = match &found {
        Some((account, org)) if OrgPolicy::of(Some(org)).passkeys_available() => &account.id,
        _ => &nobody,
    };
    let rows = passkeys::list_for_account(&d.db, account_id).await?;
    let (options, auth, account_id) = match rows.first().map(|row| row.account_id.clone()) {
        Some(account_id) => {
            let (options, auth) = account_request(d, &rows)?;
            (options, auth, account_id)
        }
        None => {
            // The same steps as for a real account: parse a stored
            // passkey, build the request, then put the decoy id in.
            let template: Passkey = serde_json::from_str(DECOY_PASSKEY)
                .map_err(|e| Error::Internal(format!("decoy passkey: {e}")))?;
            let (mut options, auth) = request_for(d, &[template])?;
            options.public_key.allow_credentials = vec![AllowCredentials {
                type_: "public-key".into(),
                id: decoy_credential_id(&d.decoy_key, &email, &short_name).into(),
                transports: None,
            }];
            // The transports of the commonest passkeys (platform ones,
            // synced): what most real answers list.
            let options = crate::webauthn::with_transports(&options, "allowCredentials", |_| {
                DECOY_TRANSPORTS.map(String::from).to_vec()
            })?;
            // Bound to "no account": nothing can finish it.
            (options, auth, AccountId::from_text(""))
        }
    };
    let state = LoginState::Account(auth);
    let binding = Binding {
        session_hash: None,
        account_id: Some(account_id),
    };
    let ceremony_id = start_ceremony(d, Purpose::Login, binding, &state).await?;
    Ok(CeremonyStart {
        ceremony_id,
        options,
    })
}

/// [`DECOY_ID_LEN`] bytes derived from the canonical email and org under
/// the server's decoy key.
fn decoy_credential_id(key: &[u8; 32], email: &Email, org: &OrgShortName) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(email.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(org.as_str().as_bytes());
    hasher.finalize()[..DECOY_ID_LEN].to_vec()
}

/// Finishes a passkey sign-in: takes the ceremony (used once, whatever
/// the outcome), verifies the assertion, and opens the session through
/// [`complete`]. Audited as `sign_in.passkey`.
///
/// Errors: [`Error::CeremonyInvalid`], [`Error::PasskeyRefused`] (with
/// its cause for the audit), [`Error::PasskeyUnknown`] and
/// [`Error::UserNotVerified`] (where they reveal no account: see
/// [`verify_assertion`]), [`Error::SsoRequired`].
pub async fn finish(
    d: &Domain,
    client: &Client,
    previous: Option<&str>,
    ceremony_id: &str,
    credential: &serde_json::Value,
) -> Result<Opened> {
    let who = Who::default();
    let attempt = async {
        let (login_state, binding) =
            ceremonies::take::<LoginState>(&d.db, &d.clock, Purpose::Login, ceremony_id).await?;
        let credential: PublicKeyCredential = crate::webauthn::parse_answer(credential)?;
        let (row, result) = verify_assertion(d, &credential, login_state, &binding).await?;
        // A passkey whose account is gone is as unknown as a deleted one
        // (its signature held: saying so tells nothing about accounts).
        let (account, org) = accounts::find_by_id(&d.db, &row.account_id)
            .await?
            .ok_or(Error::PasskeyUnknown)?;
        who.set(&account.id, &org.id);
        // Asked before anything is stored: a refused sign-in leaves the
        // passkey's counter and last use as they were.
        OrgPolicy::of(Some(&org)).allows_passkey(row.backup_eligible)?;
        passkeys::record_use(&d.db, &d.clock, &row, &result).await?;
        let opened = complete(
            d,
            client,
            previous,
            &account,
            &org,
            Proof {
                method: AuthMethod::Passkey,
                passkey_id: Some(&row.id),
                after_enrolment: false,
            },
        )
        .await?;
        who.set_session(&opened.session.id);
        tracing::info!(account = %account.id, org = %org.short_name, passkey = %row.id, "signed in with passkey");
        Ok(opened)
    };
    audit::audited(d, client, Event::PasskeySignIn, &who, attempt).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoy_passkey_parses_as_a_stored_one_does() {
        let passkey: Passkey = serde_json::from_str(DECOY_PASSKEY).unwrap();
        assert_eq!(passkey.cred_id().len(), DECOY_ID_LEN);
    }
}
