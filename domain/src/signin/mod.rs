//! Every way into an account, ending in one [`complete`].
//!
//!   password        → [`password::sign_in`]      ─┐
//!   2FA code        → [`second_step::code`]       ├→ [`complete`]: the org's policy decides
//!   forced 2FA setup→ [`second_step::setup_confirm`] │  the step still owed, the session opens
//!   passkey         → [`passkey::finish`]         ─┤
//!   single sign-on  → [`sso::callback`]           ─┘
//!
//!   recovery code   → [`recovery::sign_in`]      ─┐ a session that can only enrol
//!   enrollment link → [`enrollment::redeem`]     ─┘ → [`enrollment::finish`] → [`complete`]
//!
//! The org list ("Email me a list of my organizations") is in [`org_list`];
//! "Forgot password?" in [`reset`].

pub mod enrollment;
pub mod org_list;
pub mod passkey;
pub mod password;
pub mod recovery;
pub mod reset;
pub mod second_step;
pub mod sso;

use crate::audit::{Client, Who};
use crate::error::Result;
use crate::limits::SecretGate;
use crate::policy::OrgPolicy;
use crate::store::accounts::Account;
use crate::store::orgs::Org;
use crate::store::sessions::{self, NewSession, Session, Stage};
use crate::types::{Email, OrgId, OrgShortName};
use crate::Domain;
use common::AuthMethod;

/// A session just opened; `token` goes into the browser's cookie.
pub struct Opened {
    pub token: String,
    pub session: Session,
}

/// How a first factor (or a second step) was proved.
pub struct Proof<'a> {
    pub method: AuthMethod,
    /// The passkey, for a passkey sign-in (or the one an enrolment added).
    pub passkey_id: Option<&'a crate::types::PasskeyId>,
    /// The session replaces an enrolment session that has just added a
    /// passkey (`passkey_id`) or set a password: `method` is the recovery
    /// code or link that opened it.
    pub after_enrolment: bool,
}

/// Ends whatever session this browser held (`previous`, its cookie token;
/// a new token every time: no session fixation, OWASP ASVS 3.2.1), asks
/// the org's policy which step the sign-in still owes, and opens the
/// session at that stage.
///
/// The one place a session is opened: every sign-in path ends here.
pub async fn complete(
    d: &Domain,
    client: &Client,
    previous: Option<&str>,
    account: &Account,
    org: &Org,
    proof: Proof<'_>,
) -> Result<Opened> {
    let policy = OrgPolicy::of(Some(org));
    policy.allows(proof.method)?;
    let totp_enabled = account.totp_secret.is_some();
    let stage = if proof.after_enrolment {
        policy.stage_after_enrolment(proof.passkey_id.is_some(), totp_enabled)
    } else {
        policy.stage_after(proof.method, totp_enabled)
    };
    // Where the org requires passkeys and its grace period is over, a
    // sign-in without one (a password, with its code if any) opens only
    // the step that adds one.
    let stage = if stage == Stage::Full
        && proof.passkey_id.is_none()
        && proof.method != AuthMethod::Sso
        && policy.passkey_owed(d.clock.now())
        && !crate::store::passkeys::any_usable(&d.db, &account.id, policy.usable_passkeys()).await?
    {
        Stage::Enroll
    } else {
        stage
    };
    if let Some(old) = previous {
        sessions::delete(&d.db, old).await?;
    }
    let (token, session) = sessions::create(
        &d.db,
        &d.clock,
        NewSession {
            account,
            org,
            method: proof.method,
            stage,
            client,
            passkey_id: proof.passkey_id,
        },
    )
    .await?;
    tracing::info!(account = %account.id, org = %org.short_name, session = %session.id,
        method = proof.method.as_str(), stage = stage.as_str(), "session opened");
    Ok(Opened { token, session })
}

/// Who a sign-in with a secret (a password, a recovery code) names: the
/// org and the account, when they exist, and the lockout gate of the
/// (email, org), opened for the check.
pub(crate) struct Claim<'a> {
    pub org: Option<Org>,
    pub account: Option<Account>,
    pub gate: SecretGate<'a>,
}

/// The first half of every sign-in with a secret: finds the org named
/// `org` and `email`'s account in it — the account is looked up even
/// without an org, so that the time of the answer tells nothing — checks
/// that the org's policy allows `method`, and opens the (email, org)'s
/// lockout gate before any secret is looked at.
///
/// Errors: [`crate::Error::SsoRequired`], [`crate::Error::RateLimited`],
/// [`crate::Error::LockedOut`].
pub(crate) async fn claim<'a>(
    d: &'a Domain,
    client: &Client,
    who: &Who,
    email: &str,
    org: &str,
    method: AuthMethod,
) -> Result<Claim<'a>> {
    let email = Email::canonical(email);
    let short_name = OrgShortName::canonical(org);
    let org = crate::store::orgs::find_by_short_name(&d.db, short_name.as_str()).await?;
    if let Some(org) = &org {
        who.set_org(&org.id);
    }
    let policy = OrgPolicy::of(org.as_ref());
    policy.allows(method)?;
    let gate = SecretGate::open(d, client, &email, &short_name, policy.lockout()).await?;
    let no_org = OrgId::from_text("");
    let org_id = org.as_ref().map_or(&no_org, |o| &o.id);
    let account = crate::store::accounts::find_by_email(&d.db, org_id, email.as_str()).await?;
    Ok(Claim { org, account, gate })
}

impl Claim<'_> {
    /// The secret was wrong, or there is no such account: the attempt
    /// counts, and the audit's cause is returned — `wrong` when the
    /// account exists (then named in `who`), `unknown_account` otherwise.
    pub(crate) async fn refused(self, who: &Who, wrong: &'static str) -> Result<&'static str> {
        self.gate.wrong().await?;
        Ok(match (&self.account, &self.org) {
            (Some(account), Some(org)) => {
                who.set(&account.id, &org.id);
                wrong
            }
            _ => "unknown_account",
        })
    }
}
