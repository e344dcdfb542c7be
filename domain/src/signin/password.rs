//! Sign-in with email, org and password.

use super::{claim, complete, Claim, Opened, Proof};
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::store::sessions::Stage;
use crate::Domain;
use common::AuthMethod;

/// Signs in with a password; `previous` is the session token this browser
/// already holds, if any (it ends).
///
/// Every failure — unknown org, unknown email in that org, wrong password —
/// gives the same answer after the same work: without an account a dummy
/// hash is verified, so the timing does not tell either. Two answers differ
/// on purpose and say nothing about accounts: an org that requires SSO says
/// so, and a locked (email, org) — existing or not — says so.
///
/// Errors: [`Error::SsoRequired`], [`Error::RateLimited`],
/// [`Error::LockedOut`], [`Error::SignInRefused`] (shown as invalid
/// credentials). Audited as `sign_in.password`.
pub async fn sign_in(
    d: &Domain,
    client: &Client,
    previous: Option<&str>,
    email: &str,
    org: &str,
    password: String,
) -> Result<Opened> {
    let who = Who::default();
    let attempt = async {
        let claim = claim(d, client, &who, email, org, AuthMethod::Password).await?;
        let stored = claim.account.as_ref().and_then(|a| a.password_hash.clone());
        let right = d.passwords.verify(password, stored).await?;
        let (account, org, gate) = match (claim.account, claim.org) {
            (Some(account), Some(org)) if right => (account, org, claim.gate),
            (account, org) => {
                let claim = Claim {
                    account,
                    org,
                    gate: claim.gate,
                };
                tracing::info!("password sign-in refused");
                let cause = claim.refused(&who, "wrong_password").await?;
                return Err(Error::SignInRefused { cause });
            }
        };
        who.set(&account.id, &org.id);
        let opened = complete(
            d,
            client,
            previous,
            &account,
            &org,
            Proof {
                method: AuthMethod::Password,
                passkey_id: None,
                after_enrolment: false,
            },
        )
        .await?;
        who.set_session(&opened.session.id);
        // The attempts start over only once the sign-in is complete: a
        // password whose code is still owed is not yet a sign-in.
        if Stage::parse(&opened.session.stage) == Stage::Full {
            gate.signed_in().await?;
        } else {
            gate.right().await?;
        }
        Ok(opened)
    };
    audit::audited(d, client, Event::PasswordSignIn, &who, attempt).await
}
