//! Turning TOTP two-factor authentication on and off in My Account.
//!
//!   [`setup_start`] → a secret (QR code) kept on the session
//!   [`setup_confirm`] {code} → 2FA on; the account's other sessions end
//!   [`disable`] → 2FA off (unless the org requires it)

use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::policy::OrgPolicy;
use crate::sessions::Fresh;

use crate::{emails, Domain};
use common::TotpSetup;

/// Starts turning 2FA on: a new secret to add to an authenticator app;
/// and, when the session's last proof was a password alone, a code mailed
/// to the account, which the confirmation needs too
/// ([`crate::factors::totp::needs_mailbox_proof`]).
///
/// Errors: [`Error::RateLimited`] (codes mailed).
pub async fn setup_start(d: &Domain, client: &Client, session: &Fresh) -> Result<TotpSetup> {
    let mut setup = crate::factors::totp::new_pending_secret(d, session).await?;
    if crate::factors::totp::needs_mailbox_proof(session) {
        let who = Who::session(session);
        let sending = crate::factors::totp::mail_mailbox_code(d, client, session);
        audit::audited(d, client, Event::MailboxCodeSent, &who, sending).await?;
        setup.email_code_sent = true;
    }
    Ok(setup)
}

/// Turns 2FA on with a code from the new secret. Every other session of
/// the account ends (they proved less than the account now requires);
/// this one stays. Audited as `totp.enabled`, notified by email.
///
/// Errors: [`Error::RateLimited`], [`Error::LockedOut`],
/// [`Error::InvalidCode`], [`Error::BadRequest`] (no setup started, or the
/// mailed code missing or wrong where it is needed).
pub async fn setup_confirm(
    d: &Domain,
    client: &Client,
    session: &Fresh,
    code: &str,
    email_code: &str,
) -> Result<()> {
    let who = Who::session(session);
    let change = async {
        if !crate::factors::totp::needs_mailbox_proof(session) {
            crate::limits::secret_check(d, client).await?;
            return crate::factors::totp::confirm_pending_secret(d, session, code).await;
        }
        let gate = crate::factors::totp::check_mailbox_code(d, client, session, email_code).await?;
        let enabled = crate::factors::totp::confirm_pending_secret(d, session, code).await;
        gate.right().await?;
        enabled
    };
    audit::audited(d, client, Event::TotpEnabled, &who, change).await
}

/// Turns 2FA off, unless the org requires it. Audited as `totp.disabled`,
/// notified by email.
///
/// Errors: [`Error::BadRequest`] (the org requires 2FA).
pub async fn disable(d: &Domain, client: &Client, session: &Fresh) -> Result<()> {
    let who = Who::session(session);
    let change = async {
        if !OrgPolicy::of_session(session).allows_disabling_2fa() {
            return Err(Error::BadRequest(
                "Your organization requires two-factor authentication, so it cannot be turned off."
                    .into(),
            ));
        }
        let notice = d.outgoing(emails::totp_changed(
            &session.email,
            &session.org_name,
            false,
            d.clock.now(),
            &d.web.origin,
        ));
        crate::store::totp::disable(&d.db, &session.account_id, &notice).await?;
        d.mailer.queued();
        tracing::info!(account = %session.account_id, "two-factor authentication turned off");
        Ok(())
    };
    audit::audited(d, client, Event::TotpDisabled, &who, change).await
}
