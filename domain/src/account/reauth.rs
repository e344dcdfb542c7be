//! Re-authentication ("Confirm it's you") before a sensitive change: the
//! password (and the 2FA code when it is on), a passkey of the account, or
//! a link mailed to the account's address.
//!
//! Password and code go through the same [`SecretGate`] as sign-in, so
//! the lockout holds here too: a signed-in session cannot be used to guess
//! the password.

use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::factors::passkey::{account_request, start_ceremony, verify_assertion, LoginState};
use crate::limits::{self, Limit, SecretGate};
use crate::policy::OrgPolicy;
use crate::store::ceremonies::{self, Binding, Purpose};
use crate::store::sessions::Session;
use crate::store::{accounts, email_tokens, passkeys, sessions};
use crate::{emails, Domain};
use common::{AuthMethod, CeremonyStart};
use webauthn_rs::prelude::PublicKeyCredential;

/// Re-authentication links mailed for one account: 5 per 15 minutes.
const LINKS_PER_ACCOUNT: Limit = Limit {
    name: "reauth-email",
    max: 5,
    window_secs: 15 * 60,
};

/// The session's own password (and, with 2FA on, a code) proves again
/// that the person at the browser is the account holder. Audited as
/// `reauth`.
///
/// Errors: [`Error::SsoRequired`], [`Error::RateLimited`],
/// [`Error::LockedOut`], [`Error::BadRequest`] (wrong password, or the
/// code missing), [`Error::InvalidCode`].
pub async fn with_password(
    d: &Domain,
    client: &Client,
    session: &Session,
    password: String,
    code: Option<String>,
) -> Result<()> {
    let who = Who::session(session);
    let proof = async {
        OrgPolicy::of_session(session).allows(AuthMethod::Password)?;
        let gate = SecretGate::for_session(d, client, session).await?;
        let account = accounts::find_by_id(&d.db, &session.account_id)
            .await?
            .map(|(a, _)| a);
        let stored = account.as_ref().and_then(|a| a.password_hash.clone());
        if !d.passwords.verify(password, stored).await? {
            gate.wrong().await?;
            return Err(Error::BadRequest("That password is not correct.".into()));
        }
        gate.right().await?;
        // With 2FA on, the password alone is not a fresh proof: the code too.
        let method = match account.and_then(|a| a.totp_secret) {
            Some(_) => {
                let code = code.unwrap_or_default();
                if code.trim().is_empty() {
                    return Err(Error::BadRequest(
                        "Enter the code from your authenticator app too.".into(),
                    ));
                }
                crate::factors::totp::check_code(d, client, session, &code)
                    .await?
                    .right()
                    .await?;
                AuthMethod::PasswordTotp
            }
            None => AuthMethod::Password,
        };
        sessions::reauthenticate(&d.db, &d.clock, &session.token_hash, method, None).await?;
        Ok(())
    };
    audit::audited(d, client, Event::Reauthenticated, &who, proof).await
}

/// Starts a re-authentication with one of the account's passkeys.
///
/// Errors: [`Error::SsoRequired`], [`Error::RateLimited`],
/// [`Error::BadRequest`] (the account has no passkey).
pub async fn passkey_start(
    d: &Domain,
    client: &Client,
    session: &Session,
) -> Result<CeremonyStart<serde_json::Value>> {
    OrgPolicy::of_session(session).allows(AuthMethod::Passkey)?;
    limits::ceremony_start(d, client).await?;
    let rows = passkeys::list_for_account(&d.db, &session.account_id).await?;
    if rows.is_empty() {
        return Err(Error::BadRequest(
            "You have no passkey yet: confirm with your password.".into(),
        ));
    }
    let (options, auth) = account_request(d, &rows)?;
    let binding = Binding::of_session(session);
    let ceremony_id =
        start_ceremony(d, Purpose::Reauth, binding, &LoginState::Account(auth)).await?;
    Ok(CeremonyStart {
        ceremony_id,
        options,
    })
}

/// Finishes a passkey re-authentication: the ceremony must be this
/// session's; the session records the passkey, so deleting it later ends
/// the session. Audited as `reauth`.
///
/// Errors: [`Error::CeremonyInvalid`], [`Error::PasskeyRefused`],
/// [`Error::PasskeyUnknown`] (say, a passkey deleted from the account),
/// [`Error::UserNotVerified`].
pub async fn passkey_finish(
    d: &Domain,
    client: &Client,
    session: &Session,
    ceremony_id: &str,
    credential: &serde_json::Value,
) -> Result<()> {
    let who = Who::session(session);
    let proof = async {
        let (login_state, binding) =
            ceremonies::take::<LoginState>(&d.db, &d.clock, Purpose::Reauth, ceremony_id).await?;
        binding.require_session(&session.token_hash)?;
        let credential: PublicKeyCredential = crate::webauthn::parse_answer(credential)?;
        let (row, result) = verify_assertion(d, &credential, login_state, &binding).await?;
        OrgPolicy::of_session(session).allows_passkey(row.backup_eligible)?;
        passkeys::record_use(&d.db, &d.clock, &row, &result).await?;
        sessions::reauthenticate(
            &d.db,
            &d.clock,
            &session.token_hash,
            AuthMethod::Passkey,
            Some(&row.id),
        )
        .await?;
        Ok(())
    };
    audit::audited(d, client, Event::Reauthenticated, &who, proof).await
}

/// Mails a confirmation link bound to this session. The mail names the
/// asking session (client address, browser, time) so the reader can tell
/// whether it is theirs. At most 5 links per account per 15 minutes.
/// Audited as `reauth.link_sent`.
///
/// Errors: [`Error::SsoRequired`], [`Error::RateLimited`].
pub async fn email_start(d: &Domain, client: &Client, session: &Session) -> Result<()> {
    let who = Who::session(session);
    let sending = async {
        OrgPolicy::of_session(session).allows(AuthMethod::EmailLink)?;
        limits::email(d, client).await?;
        let account = Some(session.account_id.as_str());
        limits::hit(&d.db, &d.clock, LINKS_PER_ACCOUNT, account).await?;
        let new = email_tokens::NewToken {
            purpose: email_tokens::Purpose::Reauth,
            account_id: &session.account_id,
            session_hash: Some(&session.token_hash),
            ttl_secs: email_tokens::TOKEN_TTL_SECS,
            replace_older: false,
        };
        let browser = crate::types::browser_of(session.user_agent.as_deref());
        let asker = emails::Asker {
            addr: session.client_addr.as_deref(),
            browser: &browser,
            at: d.clock.now(),
        };
        email_tokens::issue_mailed(&d.db, &d.clock, new, |token| {
            let link = format!("{}/verify-email#token={token}", d.web.origin);
            d.outgoing(emails::reauth_link(
                &session.email,
                &session.org_name,
                &link,
                &asker,
            ))
        })
        .await?;
        d.mailer.queued();
        Ok(())
    };
    audit::audited(d, client, Event::ReauthLinkSent, &who, sending).await
}

/// Confirms an emailed link (from any device: it needs no session) and
/// refreshes the session that asked for it. Audited as `reauth`.
///
/// Errors: [`Error::LinkInvalid`] (unknown, used, expired, or the asking
/// session has ended), [`Error::SsoRequired`].
pub async fn email_confirm(d: &Domain, client: &Client, token: &str) -> Result<()> {
    let who = Who::default();
    let proof = async {
        let used =
            email_tokens::redeem(&d.db, &d.clock, email_tokens::Purpose::Reauth, token).await?;
        let owner = accounts::find_by_id(&d.db, &used.account_id).await?;
        if let Some((account, org)) = &owner {
            who.set(&account.id, &org.id);
        }
        let asking = crate::sessions::asking(d, &used.session_hash).await?;
        if let Some(asking) = &asking {
            who.set_session(&asking.id);
        }
        // The org may have switched to SSO after the link was sent.
        OrgPolicy::of(owner.as_ref().map(|(_, org)| org)).allows(AuthMethod::EmailLink)?;
        if asking.is_none() {
            // The asking session has ended, or no longer stands under the
            // org's policy: there is nothing left to confirm.
            return Err(Error::LinkInvalid);
        }
        let refreshed = sessions::reauthenticate(
            &d.db,
            &d.clock,
            &used.session_hash,
            AuthMethod::EmailLink,
            None,
        )
        .await?;
        if !refreshed {
            // The asking session has ended (logout or expiry) in the meantime.
            return Err(Error::LinkInvalid);
        }
        tracing::info!(account = %used.account_id, "re-authenticated through an email link");
        Ok(())
    };
    audit::audited(d, client, Event::Reauthenticated, &who, proof).await
}

/// The session an emailed link would refresh, as its confirmation page
/// names it — address, browser, when it asked — without using the link.
///
/// Errors: [`Error::LinkInvalid`] (unknown, used or expired link, or the
/// asking session has ended).
pub async fn email_describe(d: &Domain, token: &str) -> Result<common::EmailLinkRequester> {
    let found = email_tokens::peek(&d.db, &d.clock, email_tokens::Purpose::Reauth, token).await?;
    let asking = crate::sessions::asking(d, &found.session_hash)
        .await?
        .ok_or(Error::LinkInvalid)?;
    Ok(common::EmailLinkRequester {
        address: asking.client_addr,
        browser: crate::types::browser_of(asking.user_agent.as_deref()),
        asked_at: found.created_at,
    })
}

/// "This wasn't me": uses the link up and ends the session that asked for
/// it — someone else holds it, and likely the password. Audited as
/// `reauth.denied` against that session.
///
/// Errors: [`Error::LinkInvalid`].
pub async fn email_deny(d: &Domain, client: &Client, token: &str) -> Result<()> {
    let who = Who::default();
    let denial = async {
        let used =
            email_tokens::redeem(&d.db, &d.clock, email_tokens::Purpose::Reauth, token).await?;
        if let Some((account, org)) = accounts::find_by_id(&d.db, &used.account_id).await? {
            who.set(&account.id, &org.id);
        }
        if let Some(asking) = crate::sessions::asking(d, &used.session_hash).await? {
            who.set_session(&asking.id);
        }
        sessions::delete_hash(&d.db, &used.session_hash).await?;
        tracing::warn!(account = %used.account_id, "a re-authentication link was denied: its session ended");
        Ok(())
    };
    audit::audited(d, client, Event::ReauthDenied, &who, denial).await
}
