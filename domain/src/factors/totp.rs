//! TOTP (RFC 6238) as a factor: checking a code through the secret gate,
//! shared by the sign-in code step and re-authentication, and enrolling a
//! new secret, shared by the forced setup at sign-in and My Account.

use crate::audit::Client;
use crate::error::{Error, Result};
use crate::limits::SecretGate;
use crate::policy::OrgPolicy;
use crate::store::sessions::{self, Session};
use crate::store::{accounts, orgs};
use crate::types::{Email, OrgShortName};
use crate::{emails, totp, Domain};
use common::TotpSetup;

/// Wrong codes — on one session, or in one lockout window of the (email,
/// org) — before the account holder is told by email that someone knows
/// their password. Counting per window too means signing in again after
/// every second wrong code does not avoid the warning.
const FAILURES_BEFORE_WARNING: i64 = 3;

/// Checks a 2FA code of `session`'s account through the secret gate (the
/// same lockout as passwords, on every path: sign-in and re-authentication).
/// A wrong code counts, and the third on one session or in one window
/// warns the account holder by email. Returns the gate, for the caller to close as a
/// completed sign-in or a mere right secret.
///
/// Errors: [`Error::RateLimited`], [`Error::LockedOut`],
/// [`Error::InvalidCode`], [`Error::BadRequest`] (2FA is off).
pub async fn check_code<'a>(
    d: &'a Domain,
    client: &Client,
    session: &Session,
    code: &str,
) -> Result<SecretGate<'a>> {
    let org = orgs::find_by_id(&d.db, &session.org_id).await?;
    let rule = OrgPolicy::of(org.as_ref()).lockout();
    let email = Email::canonical(&session.email);
    let short_name = OrgShortName::canonical(&session.org_short_name);
    let secret = accounts::find_by_id(&d.db, &session.account_id)
        .await?
        .and_then(|(account, _)| account.totp_secret)
        .ok_or_else(|| Error::BadRequest("Two-factor authentication is not turned on.".into()))?;
    let gate = SecretGate::open(d, client, &email, &short_name, rule).await?;
    if totp::verify_for_account(&d.db, &d.clock, &session.account_id, &secret, code).await? {
        return Ok(gate);
    }
    let in_window = gate.wrong().await?;
    let failures = sessions::count_totp_failure(&d.db, &session.token_hash).await?;
    if failures == FAILURES_BEFORE_WARNING || in_window == FAILURES_BEFORE_WARNING {
        d.mailer.send(emails::second_factor_failures(
            &session.email,
            &session.org_name,
            d.clock.now(),
            &d.web.origin,
        ));
    }
    tracing::info!(account = %session.account_id, failures, "wrong authenticator code");
    Err(Error::InvalidCode)
}

/// A new secret, remembered on the session until confirmed with a code.
pub async fn new_pending_secret(d: &Domain, session: &Session) -> Result<TotpSetup> {
    let secret = totp::new_secret();
    sessions::set_totp_pending(&d.db, &session.token_hash, Some(&secret)).await?;
    totp::setup(&secret, &session.email, &session.org_name)
}

/// Checks a code against the secret being set up and turns 2FA on; tells
/// the account holder by email.
pub async fn confirm_pending_secret(d: &Domain, session: &Session, code: &str) -> Result<()> {
    let secret = session
        .totp_pending
        .clone()
        .ok_or_else(|| Error::BadRequest("Start the setup again.".into()))?;
    let step = totp::matching_step(&secret, code, d.clock.now())?.ok_or(Error::InvalidCode)?;
    // The account's other sessions proved less than it now asks: they end
    // with the change, in its transaction.
    let ended = crate::store::totp::enable(
        &d.db,
        &session.account_id,
        &secret,
        step,
        &session.token_hash,
    )
    .await?;
    sessions::set_totp_pending(&d.db, &session.token_hash, None).await?;
    d.mailer.send(emails::totp_changed(
        &session.email,
        &session.org_name,
        true,
        d.clock.now(),
        &d.web.origin,
    ));
    tracing::info!(account = %session.account_id, ended, "two-factor authentication turned on; other sessions ended");
    Ok(())
}
