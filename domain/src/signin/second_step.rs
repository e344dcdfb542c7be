//! The step a password sign-in may still owe: the authenticator code, or
//! — where the org requires 2FA and the account has none — its setup.
//!
//!   password right, 2FA on   → session at stage `totp`       → [`code`]
//!   password right, org 2FA  → session at stage `totp_setup` → [`setup_start`], [`setup_confirm`]
//!
//! A half-signed-in session can do nothing but these steps and log out.

use super::{complete, Opened, Proof};
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::store::accounts;
use crate::store::sessions::{self, Session, Stage};
use crate::Domain;
use common::{AuthMethod, TotpSetup};

/// `session` (half signed in, owing the code) proves the second factor;
/// the full session replaces it. Audited as `sign_in.totp`.
///
/// Errors: those of [`check_code`]; [`Error::LockedOut`] also ends the
/// half-signed-in session.
pub async fn code(d: &Domain, client: &Client, session: &Session, code: &str) -> Result<Opened> {
    let who = Who::session(session);
    let attempt = async {
        if Stage::parse(&session.stage) != Stage::Totp {
            // Counted like any code sent, so the limit says nothing either.
            crate::limits::secret_check(d, client).await?;
            return Err(Error::Unauthenticated);
        }
        let gate = match crate::factors::totp::check_code(d, client, session, code).await {
            Err(locked @ Error::LockedOut { .. }) => {
                sessions::delete_hash(&d.db, &session.token_hash).await?;
                return Err(locked);
            }
            other => other?,
        };
        let opened = open_full(d, client, session).await?;
        who.set_session(&opened.session.id);
        gate.signed_in().await?;
        tracing::info!(account = %session.account_id, "signed in with password and authenticator code");
        Ok(opened)
    };
    audit::audited(d, client, Event::TotpSignIn, &who, attempt).await
}

/// The full session after a second factor, replacing the pending one.
async fn open_full(d: &Domain, client: &Client, session: &Session) -> Result<Opened> {
    let (account, org) = accounts::find_by_id(&d.db, &session.account_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    sessions::delete_hash(&d.db, &session.token_hash).await?;
    complete(
        d,
        client,
        None,
        &account,
        &org,
        Proof {
            method: AuthMethod::PasswordTotp,
            passkey_id: None,
            after_enrolment: false,
        },
    )
    .await
}

fn require_setup_stage(session: &Session) -> Result<()> {
    if Stage::parse(&session.stage) != Stage::TotpSetup {
        return Err(Error::Unauthenticated);
    }
    Ok(())
}

/// A new secret for the forced setup, remembered on the session until
/// confirmed, and a code mailed to the account (see
/// [`crate::factors::totp::mail_mailbox_code`]): the password alone must
/// not enrol a second factor. Audited as `totp.mailbox_code_sent`.
///
/// Errors: [`Error::RateLimited`] (codes per client address and per
/// account), [`Error::Unauthenticated`] (not at the setup step).
pub async fn setup_start(d: &Domain, client: &Client, session: &Session) -> Result<TotpSetup> {
    let who = Who::session(session);
    let sending = async {
        require_setup_stage(session)?;
        crate::factors::totp::mail_mailbox_code(d, client, session).await?;
        let mut setup = crate::factors::totp::new_pending_secret(d, session).await?;
        setup.email_code_sent = true;
        Ok(setup)
    };
    audit::audited(d, client, Event::MailboxCodeSent, &who, sending).await
}

/// Confirms the forced setup with the code mailed to the account, checked
/// through the secret gate (a wrong one counts like a wrong password), and
/// a code from the new secret: 2FA turns on (notified by email) and the
/// full session replaces the pending one.
/// Audited as `totp.enabled`.
///
/// Errors: [`Error::RateLimited`], [`Error::LockedOut`],
/// [`Error::BadRequest`] (the mailed code is missing or wrong, or no setup
/// was started), [`Error::InvalidCode`] (the app's code).
pub async fn setup_confirm(
    d: &Domain,
    client: &Client,
    session: &Session,
    code: &str,
    email_code: &str,
) -> Result<Opened> {
    let who = Who::session(session);
    let attempt = async {
        require_setup_stage(session)?;
        let gate = crate::factors::totp::check_mailbox_code(d, client, session, email_code).await?;
        // The mailbox is proven: the app's code is checked against the new
        // secret, not a stored one, so a mistyped one frees the attempt.
        if let Err(e) = crate::factors::totp::confirm_pending_secret(d, session, code).await {
            gate.right().await?;
            return Err(e);
        }
        let opened = open_full(d, client, session).await?;
        who.set_session(&opened.session.id);
        gate.signed_in().await?;
        Ok(opened)
    };
    audit::audited(d, client, Event::TotpEnabled, &who, attempt).await
}
