//! My Account → Password: change it, set one (a passkey-only account, or
//! an enrolment session), or remove it (passkeys only from then on).

use crate::audit::{self, Client, Event, Who};
use crate::emails::{self, PasswordChange};
use crate::error::{Error, Result};
use crate::policy::OrgPolicy;
use crate::sessions::Fresh;
use crate::signin::Opened;
use crate::store::accounts;
use crate::validate::PasswordFor;
use crate::Domain;
use common::AuthMethod;

/// Sets a new password. Every other session of the account ends (whoever
/// knew the old password is out); the account holder is told by email.
/// An enrolment session is then replaced by a signed-in one, which is
/// returned for the cookie (see [`crate::signin::enrollment::finish`]).
/// Audited as `password.changed`.
///
/// Errors: [`Error::SsoRequired`], [`Error::BadRequest`] (the rule).
pub async fn set(
    d: &Domain,
    client: &Client,
    session: &Fresh,
    password: String,
) -> Result<Option<Opened>> {
    let who = Who::session(session);
    let change = async {
        let policy = OrgPolicy::of_session(session);
        policy.allows(AuthMethod::Password)?;
        // The step that adds the passkey the org requires cannot be
        // passed with a password.
        if session.is_enrolment() && policy.passkey_owed(d.clock.now()) {
            return Err(Error::PasskeyOwed);
        }
        let account = PasswordFor {
            email: &session.email,
            org_short_name: &session.org_short_name,
            org_name: &session.org_name,
            has_second_factor: session.totp_enabled,
        };
        crate::factors::password::check_rule(d, &session.account_id, account, &password).await?;
        let enough_alone = crate::validate::enough_alone(&password);
        let hash = d.passwords.hash(password).await?;
        let change = if session.has_password {
            PasswordChange::Changed
        } else {
            PasswordChange::Set
        };
        let ended = accounts::set_password(
            &d.db,
            &session.account_id,
            Some(&hash),
            enough_alone,
            Some(&session.token_hash),
            &notice(d, session, change),
        )
        .await?;
        d.mailer.queued();
        tracing::info!(account = %session.account_id, ended, "password set; other sessions ended");
        if session.is_enrolment() {
            let opened = crate::signin::enrollment::finish(d, client, session, None).await?;
            who.set_session(&opened.session.id);
            return Ok(Some(opened));
        }
        Ok(None)
    };
    audit::audited(d, client, Event::PasswordChanged, &who, change).await
}

/// Removes the password: the account signs in with passkeys from then on.
/// The session must have proved itself with a passkey — the password
/// cannot vouch for its own removal — and the account must keep a passkey
/// ([`crate::ways_in`]). Every other session ends; the account
/// holder is told by email. Audited as `password.removed`.
///
/// Errors: [`Error::ReauthRequired`] (the last proof was not a passkey),
/// [`Error::LastWayIn`] (no passkey), [`Error::BadRequest`] (no password).
pub async fn remove(d: &Domain, client: &Client, session: &Fresh) -> Result<()> {
    let who = Who::session(session);
    let change = async {
        if AuthMethod::parse(&session.auth_method) != Some(AuthMethod::Passkey) {
            return Err(Error::ReauthRequired);
        }
        if !session.has_password {
            return Err(Error::BadRequest(
                "Your account has no password to remove.".into(),
            ));
        }
        let ended = accounts::set_password(
            &d.db,
            &session.account_id,
            None,
            false,
            Some(&session.token_hash),
            &notice(d, session, PasswordChange::Removed),
        )
        .await?;
        d.mailer.queued();
        tracing::info!(account = %session.account_id, ended, "password removed; other sessions ended");
        Ok(())
    };
    audit::audited(d, client, Event::PasswordRemoved, &who, change).await
}

/// The email telling the account holder of `change` (queued with it).
fn notice(d: &Domain, session: &Fresh, change: PasswordChange) -> crate::mail::Outgoing {
    d.outgoing(emails::password_changed(
        &session.email,
        &session.org_name,
        change,
        d.clock.now(),
        &d.web.origin,
    ))
}
