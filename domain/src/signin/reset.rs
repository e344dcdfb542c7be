//! "Forgot password?": a single-use link, mailed, that sets a new password.
//!
//!   password step → [`start`]    (the same answer for every email and org)
//!   `/reset-password#token=…` → [`describe`] (changes nothing)
//!   the page's button         → [`finish`]   (new password, and, when the
//!                                             account has 2FA on, a code — or a
//!                                             passkey, through [`passkey_start`])
//!
//! Setting the password ends every session of the account and never signs
//! in by itself: the person signs in afterwards, as anyone would. Only an
//! account that has a password can reset it: a passkey-only account has
//! chosen to have no password, so its mailbox alone must not give it one
//! back (its ways back are recovery codes and an enrollment link).

use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::factors::passkey;
use crate::limits::{self, Limit, SecretGate};
use crate::policy::OrgPolicy;
use crate::store::ceremonies::{self, Binding, Purpose as CeremonyPurpose};
use crate::store::email_tokens::{self, NewToken, Purpose};
use crate::store::{accounts, lockout};
use crate::types::{Email, OrgShortName};
use crate::{emails, totp, Domain};
use common::{AuthMethod, LinkAccount, OrgSummary};

/// How long a reset link works (seconds).
pub const LINK_TTL_SECS: i64 = 30 * 60;

/// Reset links asked for one (email, org), existing or not: 3 an hour.
const RESETS_PER_ACCOUNT: Limit = Limit {
    name: "password-reset",
    max: 3,
    window_secs: 60 * 60,
};

/// Asks for a reset link for `email` in `org`. The answer and its timing
/// are the same for every pair: after the rate limits, which count every
/// pair alike, the lookup and the mail happen in the background. The link
/// replaces the account's older reset links. Audited as
/// `password.reset_requested` when the account exists.
///
/// Errors: [`Error::BadRequest`] (not an email address),
/// [`Error::RateLimited`] (per client address, or per email and org).
pub async fn start(d: &Domain, client: &Client, email: &str, org: &str) -> Result<()> {
    let email = Email::parse(email)?;
    let short_name = OrgShortName::canonical(org);
    limits::email(d, client).await?;
    let key = lockout::subject(&email, &short_name);
    limits::hit(&d.db, &d.clock, RESETS_PER_ACCOUNT, Some(&key)).await?;
    let (d, client) = (d.clone(), client.clone());
    tokio::spawn(async move {
        if let Err(e) = send_link(&d, &client, &email, &short_name).await {
            tracing::error!(error = %e, "password reset link not sent");
        }
    });
    Ok(())
}

/// The background half of [`start`].
async fn send_link(d: &Domain, client: &Client, email: &Email, org: &OrgShortName) -> Result<()> {
    let Some((account, org)) = accounts::find_in_org(&d.db, email.as_str(), org.as_str()).await?
    else {
        return Ok(());
    };
    let who = Who::default();
    who.set(&account.id, &org.id);
    let sending = async {
        OrgPolicy::of(Some(&org)).allows(AuthMethod::Password)?;
        if account.password_hash.is_none() {
            return Err(Error::BadRequest(
                "a passkey-only account has no password to reset".into(),
            ));
        }
        let new = NewToken {
            purpose: Purpose::PasswordReset,
            account_id: &account.id,
            session_hash: None,
            ttl_secs: LINK_TTL_SECS,
            replace_older: true,
        };
        email_tokens::issue_mailed(&d.db, &d.clock, new, |token| {
            let link = format!("{}/reset-password#token={token}", d.web.origin);
            d.outgoing(emails::password_reset_link(
                &account.email,
                &org.name,
                &link,
            ))
        })
        .await?;
        d.mailer.queued();
        Ok(())
    };
    // A refusal here is the audit's business only: the asker was answered.
    let _ = audit::audited(d, client, Event::PasswordResetRequested, &who, sending).await;
    Ok(())
}

/// What a reset link is for, without using it: the account, and whether
/// the new password needs the authenticator code too.
///
/// Errors: [`Error::LinkInvalid`], [`Error::SsoRequired`].
pub async fn describe(d: &Domain, token: &str) -> Result<LinkAccount> {
    let found = email_tokens::peek(&d.db, &d.clock, Purpose::PasswordReset, token).await?;
    let (account, org) = accounts::find_by_id(&d.db, &found.account_id)
        .await?
        .filter(|(account, _)| account.password_hash.is_some())
        .ok_or(Error::LinkInvalid)?;
    OrgPolicy::of(Some(&org)).allows(AuthMethod::Password)?;
    Ok(LinkAccount {
        email: account.email,
        org: OrgSummary {
            short_name: org.short_name,
            name: org.name,
        },
        needs_code: account.totp_secret.is_some(),
        password_allowed: true,
    })
}

/// Starts a passkey proof for a reset link whose account has 2FA on (the
/// passkey stands in for the code): options naming the account's passkeys,
/// a ceremony bound to the account. Changes nothing about the link.
///
/// Errors: [`Error::LinkInvalid`], [`Error::SsoRequired`],
/// [`Error::RateLimited`], [`Error::BadRequest`] (no passkey).
pub async fn passkey_start(
    d: &Domain,
    client: &Client,
    token: &str,
) -> Result<common::CeremonyStart<serde_json::Value>> {
    let found = email_tokens::peek(&d.db, &d.clock, Purpose::PasswordReset, token).await?;
    let (account, org) = accounts::find_by_id(&d.db, &found.account_id)
        .await?
        .ok_or(Error::LinkInvalid)?;
    OrgPolicy::of(Some(&org)).allows(AuthMethod::Passkey)?;
    limits::ceremony_start(d, client).await?;
    let rows = crate::store::passkeys::list_for_account(&d.db, &account.id).await?;
    if rows.is_empty() {
        return Err(Error::BadRequest(
            "This account has no passkey: enter the code from your authenticator app.".into(),
        ));
    }
    let (options, auth) = passkey::account_request(d, &rows)?;
    let binding = Binding {
        session_hash: None,
        account_id: Some(account.id.clone()),
    };
    let state = passkey::LoginState::Account(auth);
    let ceremony_id =
        passkey::start_ceremony(d, CeremonyPurpose::PasswordReset, binding, &state).await?;
    Ok(common::CeremonyStart {
        ceremony_id,
        options,
    })
}

/// The second factor a reset of an account with 2FA on comes with.
pub enum SecondFactor<'a> {
    None,
    Code(String),
    /// A passkey's answer to [`passkey_start`]'s ceremony.
    Passkey {
        ceremony_id: &'a str,
        credential: &'a serde_json::Value,
    },
}

/// Sets a new password through a reset link, using the link up. With 2FA
/// on, `second` must be a current authenticator code, checked through the
/// lockout gate, or a passkey of the account (a refused one of either
/// leaves the link usable). Every session of the account ends, and the
/// account's other reset links; the account holder is told by email.
/// Nobody is signed in. Audited as `password.reset`.
///
/// Errors: [`Error::LinkInvalid`], [`Error::SsoRequired`],
/// [`Error::BadRequest`] (the password rule, or the code missing),
/// [`Error::InvalidCode`], [`Error::LockedOut`], [`Error::RateLimited`],
/// and a passkey's ([`Error::CeremonyInvalid`], [`Error::PasskeyRefused`],
/// [`Error::UserNotVerified`]).
pub async fn finish(
    d: &Domain,
    client: &Client,
    token: &str,
    password: String,
    second: SecondFactor<'_>,
) -> Result<()> {
    let who = Who::default();
    let resetting = async {
        let found = email_tokens::peek(&d.db, &d.clock, Purpose::PasswordReset, token).await?;
        let (account, org) = accounts::find_by_id(&d.db, &found.account_id)
            .await?
            .ok_or(Error::LinkInvalid)?;
        who.set(&account.id, &org.id);
        let policy = OrgPolicy::of(Some(&org));
        policy.allows(AuthMethod::Password)?;
        // The password was removed since the link was mailed (removal
        // revokes reset links too; this holds for a removal racing it).
        if account.password_hash.is_none() {
            return Err(Error::LinkInvalid);
        }
        let rule = crate::validate::PasswordFor {
            email: &account.email,
            org_short_name: &org.short_name,
            org_name: &org.name,
            has_second_factor: account.totp_secret.is_some(),
        };
        crate::factors::password::check_rule(d, &account.id, rule, &password).await?;
        match (&account.totp_secret, second) {
            (None, _) => {}
            (
                Some(_),
                SecondFactor::Passkey {
                    ceremony_id,
                    credential,
                },
            ) => {
                let (state, binding) = ceremonies::take::<passkey::LoginState>(
                    &d.db,
                    &d.clock,
                    CeremonyPurpose::PasswordReset,
                    ceremony_id,
                )
                .await?;
                if binding.account_id.as_ref() != Some(&account.id) {
                    return Err(Error::CeremonyInvalid);
                }
                let credential = crate::webauthn::parse_answer(credential)?;
                let (row, result) =
                    passkey::verify_assertion(d, &credential, state, &binding).await?;
                OrgPolicy::of(Some(&org)).allows_passkey(row.backup_eligible)?;
                crate::store::passkeys::record_use(&d.db, &d.clock, &row, &result).await?;
            }
            (Some(secret), SecondFactor::Code(code)) if !code.trim().is_empty() => {
                let email = Email::canonical(&account.email);
                let short_name = OrgShortName::canonical(&org.short_name);
                let gate =
                    SecretGate::open(d, client, &email, &short_name, policy.lockout()).await?;
                if !totp::verify_for_account(&d.db, &d.clock, &account.id, secret, &code).await? {
                    gate.wrong().await?;
                    return Err(Error::InvalidCode);
                }
                gate.right().await?;
            }
            (Some(_), _) => {
                return Err(Error::BadRequest(
                    "Enter the code from your authenticator app too, or use a passkey.".into(),
                ));
            }
        }
        let enough_alone = crate::validate::enough_alone(&password);
        let hash = d.passwords.hash(password).await?;
        // Used up only now: a refused password or code leaves it usable.
        email_tokens::redeem(&d.db, &d.clock, Purpose::PasswordReset, token).await?;
        let notice = d.outgoing(emails::password_changed(
            &account.email,
            &org.name,
            emails::PasswordChange::Reset,
            d.clock.now(),
            &d.web.origin,
        ));
        let ended =
            accounts::set_password(&d.db, &account.id, Some(&hash), enough_alone, None, &notice)
                .await?;
        d.mailer.queued();
        tracing::info!(account = %account.id, ended, "password reset; every session ended");
        Ok(())
    };
    audit::audited(d, client, Event::PasswordReset, &who, resetting).await
}
