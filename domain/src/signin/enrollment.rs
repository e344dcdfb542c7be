//! Enrollment links, and the enrolment sessions they and recovery codes
//! open.
//!
//!   `latchkey account enroll-link` → [`issue_link`] → `/enroll#token=…`
//!   the page's button              → [`redeem`]     → session at stage `enroll`
//!   a passkey added or a password set               → [`finish`] → signed in
//!
//! A link is single-use, lives as long as its maker says (24 hours by
//! default, at most 30 days), and a new one replaces the account's older
//! ones. Like every mailed link, its token is in the URL fragment and only
//! its SHA-256 is stored (see [`crate::store::email_tokens`]).

use super::{complete, Opened, Proof};
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::policy::OrgPolicy;
use crate::sessions::Fresh;
use crate::store::email_tokens::{self, NewToken, Purpose};
use crate::store::{accounts, sessions};
use crate::types::PasskeyId;
use crate::Domain;
use common::{AuthMethod, LinkAccount, OrgSummary};

/// How long an enrollment link works unless its maker says otherwise (seconds).
pub const DEFAULT_VALID_FOR_SECS: i64 = 24 * 60 * 60;
/// The longest an enrollment link may work (seconds): 30 days.
pub const MAX_VALID_FOR_SECS: i64 = 30 * 24 * 60 * 60;

/// Makes an enrollment link for the account of `email` in `org` and
/// returns it (`{origin}/enroll#token=…`); the account's older enrollment
/// links stop working. For the command line and the admin console, which
/// may say which accounts exist. Audited as `enrollment_link.issued`.
///
/// Errors: [`Error::BadRequest`] (no such account, or a lifetime outside
/// 1 minute – 30 days), [`Error::SsoRequired`].
pub async fn issue_link(
    d: &Domain,
    client: &Client,
    org: &str,
    email: &str,
    valid_for_secs: i64,
) -> Result<String> {
    let who = Who::default();
    let issuing = async {
        if !(60..=MAX_VALID_FOR_SECS).contains(&valid_for_secs) {
            return Err(Error::BadRequest(
                "An enrollment link works for 1 minute to 30 days.".into(),
            ));
        }
        let (account, org) = accounts::find_in_org(&d.db, email, org)
            .await?
            .ok_or_else(|| {
                Error::BadRequest(format!(
                    "There is no account {} in '{}'.",
                    email.trim(),
                    org.trim()
                ))
            })?;
        who.set(&account.id, &org.id);
        OrgPolicy::of(Some(&org)).allows(AuthMethod::EnrollmentLink)?;
        let new = NewToken {
            purpose: Purpose::Enrollment,
            account_id: &account.id,
            session_hash: None,
            ttl_secs: valid_for_secs,
            replace_older: true,
        };
        let token = email_tokens::issue(&d.db, &d.clock, new).await?;
        Ok(format!("{}/enroll#token={token}", d.web.origin))
    };
    audit::audited(d, client, Event::EnrollmentLinkIssued, &who, issuing).await
}

/// What an enrollment link is for, without using it.
///
/// Errors: [`Error::LinkInvalid`] (unknown, used, expired or another
/// purpose's token), [`Error::SsoRequired`].
pub async fn describe(d: &Domain, token: &str) -> Result<LinkAccount> {
    let found = email_tokens::peek(&d.db, &d.clock, Purpose::Enrollment, token).await?;
    let (account, org) = accounts::find_by_id(&d.db, &found.account_id)
        .await?
        .ok_or(Error::LinkInvalid)?;
    let policy = OrgPolicy::of(Some(&org));
    policy.allows(AuthMethod::EnrollmentLink)?;
    Ok(LinkAccount {
        email: account.email,
        org: OrgSummary {
            short_name: org.short_name,
            name: org.name,
        },
        needs_code: false,
        password_allowed: policy.allows(AuthMethod::Password).is_ok()
            && !policy.passkey_owed(d.clock.now()),
    })
}

/// Uses an enrollment link: opens an enrolment session for its account
/// (`previous`, this browser's session token, ends). Audited as
/// `enrollment_link.used`.
///
/// Errors: [`Error::LinkInvalid`], [`Error::SsoRequired`].
pub async fn redeem(
    d: &Domain,
    client: &Client,
    previous: Option<&str>,
    token: &str,
) -> Result<Opened> {
    let who = Who::default();
    let using = async {
        let used = email_tokens::redeem(&d.db, &d.clock, Purpose::Enrollment, token).await?;
        let (account, org) = accounts::find_by_id(&d.db, &used.account_id)
            .await?
            .ok_or(Error::LinkInvalid)?;
        who.set(&account.id, &org.id);
        let proof = Proof {
            method: AuthMethod::EnrollmentLink,
            passkey_id: None,
            after_enrolment: false,
        };
        let opened = complete(d, client, previous, &account, &org, proof).await?;
        who.set_session(&opened.session.id);
        Ok(opened)
    };
    audit::audited(d, client, Event::EnrollmentLinkUsed, &who, using).await
}

/// Ends an enrolment session that has just added `passkey` (or, with
/// `None`, set a password) and opens the session that replaces it, under
/// a new token (the session's rights grow: OWASP ASVS 3.2.1). The stage
/// is the org policy's ([`OrgPolicy::stage_after_enrolment`]).
///
/// Errors: [`Error::Unauthenticated`] (the account is gone).
pub async fn finish(
    d: &Domain,
    client: &Client,
    session: &Fresh,
    passkey: Option<&PasskeyId>,
) -> Result<Opened> {
    let (account, org) = accounts::find_by_id(&d.db, &session.account_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    sessions::delete_hash(&d.db, &session.token_hash).await?;
    let method = AuthMethod::parse(&session.signin_method).unwrap_or(AuthMethod::RecoveryCode);
    let proof = Proof {
        method,
        passkey_id: passkey,
        after_enrolment: true,
    };
    complete(d, client, None, &account, &org, proof).await
}
