//! TOTP (RFC 6238) as a factor: checking a code through the secret gate,
//! shared by the sign-in code step and re-authentication, and enrolling a
//! new secret, shared by the forced setup at sign-in and My Account.

use crate::audit::Client;
use crate::error::{Error, Result};
use crate::limits::SecretGate;
use crate::store::accounts;
use crate::store::sessions::{self, Session};
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
    let secret = accounts::find_by_id(&d.db, &session.account_id)
        .await?
        .and_then(|(account, _)| account.totp_secret)
        .ok_or_else(|| Error::BadRequest("Two-factor authentication is not turned on.".into()))?;
    let gate = SecretGate::for_session(d, client, session).await?;
    if totp::verify_for_account(&d.db, &d.clock, &session.account_id, &secret, code).await? {
        return Ok(gate);
    }
    let in_window = gate.wrong().await?;
    let failures = sessions::count_totp_failure(&d.db, &session.token_hash).await?;
    if failures == FAILURES_BEFORE_WARNING || in_window == FAILURES_BEFORE_WARNING {
        // The warning reports attempts already counted, not a change of
        // the account: it is queued on its own, right after them.
        let warning = d.outgoing(emails::second_factor_failures(
            &session.email,
            &session.org_name,
            d.clock.now(),
            &d.web.origin,
        ));
        crate::store::mail_queue::queue(&d.db, &warning).await?;
        d.mailer.queued();
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
    let notice = d.outgoing(emails::totp_changed(
        &session.email,
        &session.org_name,
        true,
        d.clock.now(),
        &d.web.origin,
    ));
    let ended = crate::store::totp::enable(
        &d.db,
        &session.account_id,
        &secret,
        step,
        &session.token_hash,
        &notice,
    )
    .await?;
    d.mailer.queued();
    sessions::set_totp_pending(&d.db, &session.token_hash, None).await?;
    tracing::info!(account = %session.account_id, ended, "two-factor authentication turned on; other sessions ended");
    Ok(())
}

/// Codes mailed to prove the mailbox, per account: 5 per 15 minutes.
const MAILBOX_CODES_PER_ACCOUNT: crate::limits::Limit = crate::limits::Limit {
    name: "mailbox-code",
    max: 5,
    window_secs: 15 * 60,
};

/// Whether enrolling a second factor in `session` needs the mailbox proven
/// too: when the session's last proof was a password alone. Otherwise the
/// password would enrol a factor by itself — the only one ever proved —
/// and an attacker who has it would lock the owner out behind their own
/// authenticator (NIST SP 800-63B-4 §4.1.2.2: binding an authenticator
/// needs one of the account's existing assurance, or an out-of-band
/// confirmation). A passkey, a code, or an emailed link is enough.
pub fn needs_mailbox_proof(session: &Session) -> bool {
    common::AuthMethod::parse(&session.auth_method) == Some(common::AuthMethod::Password)
}

/// Mails a 6-digit code to the account, stored hashed on the session (a
/// new one voids the old).
///
/// Errors: [`Error::RateLimited`] (per client address and per account).
pub async fn mail_mailbox_code(d: &Domain, client: &Client, session: &Session) -> Result<()> {
    crate::limits::email(d, client).await?;
    let account = Some(session.account_id.as_str());
    crate::limits::hit(&d.db, &d.clock, MAILBOX_CODES_PER_ACCOUNT, account).await?;
    let code = format!(
        "{:06}",
        rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..1_000_000u32)
    );
    let mail = d.outgoing(emails::mailbox_code(
        &session.email,
        &session.org_name,
        &code,
    ));
    sessions::set_mailbox_code(
        &d.db,
        &session.token_hash,
        Some(&sessions::hash_token(&code)),
        Some(&mail),
    )
    .await?;
    d.mailer.queued();
    Ok(())
}

/// Checks the code mailed by [`mail_mailbox_code`] through the secret gate
/// (a wrong one counts like a wrong password). Returns the open gate.
///
/// Errors: [`Error::RateLimited`], [`Error::LockedOut`],
/// [`Error::BadRequest`] (missing or wrong).
pub async fn check_mailbox_code<'a>(
    d: &'a Domain,
    client: &Client,
    session: &Session,
    email_code: &str,
) -> Result<SecretGate<'a>> {
    let gate = SecretGate::for_session(d, client, session).await?;
    let expected = session.mailbox_code_hash.as_deref();
    let sent = sessions::hash_token(email_code.trim());
    if expected.is_none_or(|expected| !constant_time_eq(expected, &sent)) {
        gate.wrong().await?;
        return Err(Error::BadRequest(
            "That is not the code we emailed you. Check the newest email from Latchkey.".into(),
        ));
    }
    Ok(gate)
}

/// Compares two hashes without an early exit (their length is public).
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
