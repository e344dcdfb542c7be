//! Sign-in with a recovery code (see [`crate::account::recovery_codes`]):
//! the way back in when every passkey is lost.

use super::{complete, Opened, Proof};
use crate::account::recovery_codes::normalise;
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::limits::SecretGate;
use crate::policy::OrgPolicy;
use crate::store::{accounts, orgs, recovery_codes};
use crate::types::{Email, OrgId, OrgShortName};
use crate::{emails, Domain};
use common::AuthMethod;

/// Signs in with one of the account's recovery codes, using it up. The
/// session it opens can only add a passkey or set a password
/// ([`crate::store::sessions::Stage::Enroll`]). The code goes through the
/// same lockout gate as passwords; every failure answers as a wrong
/// password does, after the same work (one argon2 run, with or without an
/// account). The account holder is told by email, with the codes left.
///
/// Errors: [`Error::SsoRequired`], [`Error::RateLimited`],
/// [`Error::LockedOut`], [`Error::RecoveryCodeRefused`] (shown as invalid
/// credentials). Audited as `sign_in.recovery_code`.
pub async fn sign_in(
    d: &Domain,
    client: &Client,
    previous: Option<&str>,
    email: &str,
    org: &str,
    code: &str,
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
        policy.allows(AuthMethod::RecoveryCode)?;
        let gate = SecretGate::open(d, client, &email, &short_name, policy.lockout()).await?;
        let no_org = OrgId::from_text("");
        let org_id = org.as_ref().map_or(&no_org, |o| &o.id);
        let account = accounts::find_by_email(&d.db, org_id, email.as_str()).await?;
        let stored = match &account {
            Some(account) => recovery_codes::hashes(&d.db, &account.id).await?,
            None => Vec::new(),
        };
        let matched = d.passwords.match_code(normalise(code), stored).await?;
        let used = match (&account, matched) {
            (Some(account), Some(hash)) => {
                let left = recovery_codes::take(&d.db, &account.id, &hash).await?;
                if left.is_none() {
                    // The right code, used a moment ago by a request racing
                    // this one (a double submit): not a guess, so it does
                    // not count towards the lockout.
                    gate.right().await?;
                    return Err(Error::RecoveryCodeRefused {
                        cause: "code_already_used",
                    });
                }
                left
            }
            _ => None,
        };
        let (account, org, left) = match (account, org, used) {
            (Some(account), Some(org), Some(left)) => (account, org, left),
            (account, org, _) => {
                gate.wrong().await?;
                let cause = match (&account, &org) {
                    (Some(account), Some(org)) => {
                        who.set(&account.id, &org.id);
                        "wrong_code"
                    }
                    _ => "unknown_account",
                };
                return Err(Error::RecoveryCodeRefused { cause });
            }
        };
        who.set(&account.id, &org.id);
        gate.right().await?;
        let proof = Proof {
            method: AuthMethod::RecoveryCode,
            passkey_id: None,
            after_enrolment: false,
        };
        let opened = complete(d, client, previous, &account, &org, proof).await?;
        who.set_session(&opened.session.id);
        d.mailer.send(emails::recovery_codes(
            &account.email,
            &org.name,
            Some(left),
            d.clock.now(),
            &d.web.origin,
        ));
        tracing::info!(account = %account.id, left, "signed in with a recovery code");
        Ok(opened)
    };
    audit::audited(d, client, Event::RecoveryCodeSignIn, &who, attempt).await
}
