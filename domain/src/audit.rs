//! The audit trail: who signed in, how, from where — and who failed, and
//! why — plus every change to an account's ways of signing in.
//!
//! Writing an entry never fails the request it describes: a failed write is
//! logged as an error instead.

use crate::store;
use crate::store::audit::Entry;
use crate::types::{AccountId, OrgId, SessionId};
use crate::Domain;
use std::sync::Mutex;

pub use crate::types::Client;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    PasswordSignIn,
    TotpSignIn,
    PasskeySignIn,
    PasskeyAdded,
    PasskeyDeleted,
    PasskeyRenamed,
    Reauthenticated,
    /// A re-authentication link was mailed.
    ReauthLinkSent,
    /// "This wasn't me" on an emailed re-authentication link.
    ReauthDenied,
    TotpEnabled,
    TotpDisabled,
    /// The code proving the mailbox at the forced 2FA setup was mailed.
    MailboxCodeSent,
    SignedOut,
    /// The password was changed or set in My Account (or at enrolment).
    PasswordChanged,
    PasswordRemoved,
    /// "Forgot password?": a reset link was asked for (sent or not).
    PasswordResetRequested,
    /// A password was set through a reset link.
    PasswordReset,
    RecoveryCodesIssued,
    /// A sign-in with a recovery code.
    RecoveryCodeSignIn,
    /// An enrollment link was made (command line, or an admin).
    EnrollmentLinkIssued,
    /// An enrollment link opened an enrolment session.
    EnrollmentLinkUsed,
    /// A session signed out from My Account by another of the account's.
    SessionEnded,
    /// "Sign out everywhere else".
    OtherSessionsEnded,
    /// A sign-in through the org's identity provider (the callback).
    SsoSignIn,
    /// A re-authentication through the identity provider.
    SsoReauthenticated,
    /// An account was linked to its provider identity (first sign-in).
    SsoLinked,
    /// An account was made at its first single sign-on (just-in-time).
    SsoAccountCreated,
    /// An org admin invited a member (an account and an enrollment link).
    MemberInvited,
    /// An org admin removed a member's account.
    MemberRemoved,
    /// An org admin changed a member's role.
    RoleChanged,
    /// An org admin changed the org's sign-in policy.
    PolicyChanged,
    /// An org admin asked a member by email to add a passkey.
    PasskeyRequested,
    /// An org admin reset a member's sign-in (passkeys, sessions, 2FA,
    /// recovery codes) and mailed them an enrollment link.
    MemberReset,
    /// An org admin connected or changed the org's identity provider.
    SsoProviderChanged,
    /// An org admin disconnected the org's identity provider.
    SsoProviderRemoved,
}

impl Event {
    /// Every event, for lookups by name.
    pub const ALL: &'static [Event] = &[
        Event::PasswordSignIn,
        Event::TotpSignIn,
        Event::PasskeySignIn,
        Event::PasskeyAdded,
        Event::PasskeyDeleted,
        Event::PasskeyRenamed,
        Event::ReauthLinkSent,
        Event::MailboxCodeSent,
        Event::SignedOut,
        Event::Reauthenticated,
        Event::ReauthDenied,
        Event::TotpEnabled,
        Event::TotpDisabled,
        Event::PasswordChanged,
        Event::PasswordRemoved,
        Event::PasswordResetRequested,
        Event::PasswordReset,
        Event::RecoveryCodesIssued,
        Event::RecoveryCodeSignIn,
        Event::EnrollmentLinkIssued,
        Event::EnrollmentLinkUsed,
        Event::SessionEnded,
        Event::OtherSessionsEnded,
        Event::SsoSignIn,
        Event::SsoReauthenticated,
        Event::SsoLinked,
        Event::SsoAccountCreated,
        Event::MemberInvited,
        Event::MemberRemoved,
        Event::RoleChanged,
        Event::PolicyChanged,
        Event::PasskeyRequested,
        Event::MemberReset,
        Event::SsoProviderChanged,
        Event::SsoProviderRemoved,
    ];

    /// The event stored as `name`, if any.
    pub fn parse(name: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.as_str() == name)
    }

    /// What happened, in words, for people reading the trail.
    pub fn words(self) -> &'static str {
        match self {
            Event::PasswordSignIn => "Signed in with a password",
            Event::TotpSignIn => "Entered the authenticator code to sign in",
            Event::PasskeySignIn => "Signed in with a passkey",
            Event::PasskeyAdded => "Added a passkey",
            Event::PasskeyDeleted => "Deleted a passkey",
            Event::PasskeyRenamed => "Renamed a passkey",
            Event::ReauthLinkSent => "Asked for a confirmation link by email",
            Event::MailboxCodeSent => {
                "Asked for a code by email to set up two-factor authentication"
            }
            Event::SignedOut => "Signed out",
            Event::Reauthenticated => "Confirmed it was them",
            Event::ReauthDenied => "Said a confirmation request was not them",
            Event::TotpEnabled => "Turned on two-factor authentication",
            Event::TotpDisabled => "Turned off two-factor authentication",
            Event::PasswordChanged => "Changed the password",
            Event::PasswordRemoved => "Removed the password",
            Event::PasswordResetRequested => "Asked to reset the password",
            Event::PasswordReset => "Reset the password through an emailed link",
            Event::RecoveryCodesIssued => "Made new recovery codes",
            Event::RecoveryCodeSignIn => "Signed in with a recovery code",
            Event::EnrollmentLinkIssued => "Was given an enrollment link",
            Event::EnrollmentLinkUsed => "Used an enrollment link",
            Event::SessionEnded => "Signed out a session",
            Event::OtherSessionsEnded => "Signed out every other session",
            Event::SsoSignIn => "Signed in through single sign-on",
            Event::SsoReauthenticated => "Confirmed it was them through single sign-on",
            Event::SsoLinked => "Was linked to the identity provider",
            Event::SsoAccountCreated => "Got an account at the first single sign-on",
            Event::MemberInvited => "Was invited by an administrator",
            Event::MemberRemoved => "Was removed by an administrator",
            Event::RoleChanged => "Had their role changed by an administrator",
            Event::PolicyChanged => "The organization's sign-in policy was changed",
            Event::PasskeyRequested => "Was asked by an administrator to add a passkey",
            Event::MemberReset => "Had their sign-in reset by an administrator",
            Event::SsoProviderChanged => {
                "The organization's identity provider was connected or changed"
            }
            Event::SsoProviderRemoved => "The organization's identity provider was disconnected",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Event::PasswordSignIn => "sign_in.password",
            Event::TotpSignIn => "sign_in.totp",
            Event::PasskeySignIn => "sign_in.passkey",
            Event::PasskeyAdded => "passkey.added",
            Event::PasskeyDeleted => "passkey.deleted",
            Event::PasskeyRenamed => "passkey.renamed",
            Event::ReauthLinkSent => "reauth.link_sent",
            Event::MailboxCodeSent => "totp.mailbox_code_sent",
            Event::SignedOut => "sign_out",
            Event::Reauthenticated => "reauth",
            Event::ReauthDenied => "reauth.denied",
            Event::TotpEnabled => "totp.enabled",
            Event::TotpDisabled => "totp.disabled",
            Event::PasswordChanged => "password.changed",
            Event::PasswordRemoved => "password.removed",
            Event::PasswordResetRequested => "password.reset_requested",
            Event::PasswordReset => "password.reset",
            Event::RecoveryCodesIssued => "recovery_codes.issued",
            Event::RecoveryCodeSignIn => "sign_in.recovery_code",
            Event::EnrollmentLinkIssued => "enrollment_link.issued",
            Event::EnrollmentLinkUsed => "enrollment_link.used",
            Event::SessionEnded => "session.ended",
            Event::OtherSessionsEnded => "session.others_ended",
            Event::SsoSignIn => "sign_in.sso",
            Event::SsoReauthenticated => "reauth.sso",
            Event::SsoLinked => "sso.linked",
            Event::SsoAccountCreated => "sso.account_created",
            Event::MemberInvited => "admin.member_invited",
            Event::MemberRemoved => "admin.member_removed",
            Event::RoleChanged => "admin.role_changed",
            Event::PolicyChanged => "admin.policy_changed",
            Event::PasskeyRequested => "admin.passkey_requested",
            Event::MemberReset => "admin.member_reset",
            Event::SsoProviderChanged => "admin.sso_changed",
            Event::SsoProviderRemoved => "admin.sso_removed",
        }
    }
}

/// Writes one line of the trail, and counts it in the metrics
/// (`latchkey_audit_events_total` by event, outcome and cause: sign-ins by
/// method and outcome are its `sign_in.*` events). Never fails: a failed
/// write is logged.
pub async fn record(d: &Domain, client: &Client, entry: Entry<'_>) {
    metrics::counter!(
        "latchkey_audit_events_total",
        "event" => entry.event.to_owned(),
        "outcome" => if entry.failure.is_some() { "failure" } else { "success" },
        "cause" => entry.failure.unwrap_or_default().to_owned(),
    )
    .increment(1);
    let written = store::audit::insert(&d.db, d.clock.now(), client, &entry).await;
    if let Err(e) = written {
        tracing::error!(error = %e, event = entry.event, "audit entry not written");
    }
}

/// The audit cause for a refusal: the error's stable code, or for a
/// refused passkey what exactly was wrong with it.
pub fn cause_of(err: &crate::error::Error) -> &'static str {
    use common::ErrorCode as C;
    match err {
        crate::error::Error::PasskeyRefused { cause }
        | crate::error::Error::SignInRefused { cause }
        | crate::error::Error::RecoveryCodeRefused { cause }
        | crate::error::Error::SsoFailed { cause, .. } => return cause,
        crate::error::Error::PasskeysOff => return "passkeys_off",
        crate::error::Error::DeviceBoundOnly => return "synced_passkey",
        crate::error::Error::PasskeyOwed => return "passkey_required",
        _ => {}
    }
    match err.code() {
        C::BadRequest => "bad_request",
        C::InvalidCredentials => "invalid_credentials",
        C::Unauthenticated => "unauthenticated",
        C::SessionEnded => "session_ended",
        C::CrossSiteRequest => "cross_site_request",
        C::NotFound => "not_found",
        C::Conflict => "conflict",
        C::ReauthRequired => "reauth_required",
        C::SsoRequired => "sso_required",
        C::LockedOut => "locked_out",
        C::PasskeyRefused => "passkey_refused",
        // The causes these had when they were answered as `passkey_refused`.
        C::PasskeyUnknown => "unknown_credential",
        C::UserNotVerified => "user_not_verified",
        C::CeremonyInvalid => "ceremony_invalid",
        C::LinkInvalid => "link_invalid",
        C::InvalidCode => "invalid_code",
        C::RateLimited => "rate_limited",
        C::LastWayIn => "last_way_in",
        C::ConfirmationRequired => "confirmation_required",
        C::SsoUnavailable => "sso_unavailable",
        C::Unavailable => "unavailable",
        C::Forbidden => "forbidden",
        C::Internal => "internal",
    }
}

/// Who an operation concerns — the account, its org and the session, by
/// id — filled in by the operation as soon as it knows (a sign-in learns
/// the org, then the account, half-way).
#[derive(Debug, Default)]
pub struct Who(Mutex<WhoIds>);

#[derive(Debug, Default, Clone)]
struct WhoIds {
    account_id: Option<String>,
    org_id: Option<String>,
    session_id: Option<String>,
    actor_id: Option<String>,
}

impl Who {
    /// A signed-in session: its account, org and public id.
    pub fn session(session: &crate::store::sessions::Session) -> Self {
        Who(Mutex::new(WhoIds {
            account_id: Some(session.account_id.to_string()),
            org_id: Some(session.org_id.to_string()),
            session_id: Some(session.id.to_string()),
            actor_id: None,
        }))
    }

    /// An org admin's session acting on the member `subject` (`None` until
    /// known, as for an invitation): the entry concerns the member, and
    /// names the admin as its actor.
    pub fn admin_on(
        session: &crate::store::sessions::Session,
        subject: Option<&AccountId>,
    ) -> Self {
        Who(Mutex::new(WhoIds {
            account_id: subject.map(|s| s.to_string()),
            org_id: Some(session.org_id.to_string()),
            session_id: Some(session.id.to_string()),
            actor_id: Some(session.account_id.to_string()),
        }))
    }

    /// The account concerned, once known (the org is already).
    pub fn set_account(&self, account_id: &AccountId) {
        if let Ok(mut who) = self.0.lock() {
            who.account_id = Some(account_id.to_string());
        }
    }

    pub fn set(&self, account_id: &AccountId, org_id: &OrgId) {
        if let Ok(mut who) = self.0.lock() {
            who.account_id = Some(account_id.to_string());
            who.org_id = Some(org_id.to_string());
        }
    }

    /// Only the org is known (the account may not exist).
    pub fn set_org(&self, org_id: &OrgId) {
        if let Ok(mut who) = self.0.lock() {
            who.org_id = Some(org_id.to_string());
        }
    }

    /// The session concerned (by its public id), once known.
    pub fn set_session(&self, session_id: &SessionId) {
        if let Ok(mut who) = self.0.lock() {
            who.session_id = Some(session_id.to_string());
        }
    }

    fn get(&self) -> WhoIds {
        self.0.lock().map(|who| who.clone()).unwrap_or_default()
    }
}

/// Runs `operation` and records its outcome for `event` once — success,
/// or the cause of its failure — against whoever `who` names by then.
/// Every security operation goes through this, so none is left unaudited.
pub async fn audited<T>(
    d: &Domain,
    client: &Client,
    event: Event,
    who: &Who,
    operation: impl std::future::Future<Output = crate::error::Result<T>>,
) -> crate::error::Result<T> {
    let result = operation.await;
    let who = who.get();
    let entry = Entry {
        event: event.as_str(),
        failure: result.as_ref().err().map(cause_of),
        account_id: who.account_id.as_deref(),
        org_id: who.org_id.as_deref(),
        session_id: who.session_id.as_deref(),
        actor_id: who.actor_id.as_deref(),
    };
    record(d, client, entry).await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_is_found_by_its_name() {
        for event in Event::ALL {
            assert_eq!(Event::parse(event.as_str()), Some(*event));
            assert!(!event.words().is_empty());
        }
        assert_eq!(Event::parse("sign_in.nothing"), None);
    }
}
