//! Sign-in with email, org and password.

use super::{complete, Opened, Proof};
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::limits::SecretGate;
use crate::policy::OrgPolicy;
use crate::store::sessions::Stage;
use crate::store::{accounts, orgs};
use crate::types::{Email, OrgId, OrgShortName};
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
        let email = Email::canonical(email);
        let short_name = OrgShortName::canonical(org);
        let org = orgs::find_by_short_name(&d.db, short_name.as_str()).await?;
        if let Some(org) = &org {
            who.set_org(&org.id);
        }
        let policy = OrgPolicy::of(org.as_ref());
        policy.allows(AuthMethod::Password)?;
        let gate = SecretGate::open(d, client, &email, &short_name, policy.lockout()).await?;
        // Looked up even without an org, so both cost the same.
        let no_org = OrgId::from_text("");
        let org_id = org.as_ref().map_or(&no_org, |o| &o.id);
        let account = accounts::find_by_email(&d.db, org_id, email.as_str()).await?;
        let stored = account.as_ref().and_then(|a| a.password_hash.clone());
        let right = d.passwords.verify(password, stored).await?;
        let (account, org) = match (account, org) {
            (Some(account), Some(org)) if right => (account, org),
            (account, org) => {
                gate.wrong().await?;
                tracing::info!(org = %short_name, "password sign-in refused");
                let cause = match (&account, &org) {
                    (Some(account), Some(org)) => {
                        who.set(&account.id, &org.id);
                        "wrong_password"
                    }
                    _ => "unknown_account",
                };
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
