//! [`OrgPolicy`]: an org's rules for signing in, resolved once from the
//! org's settings and asked everywhere a rule applies — at sign-in, at
//! each request of a live session, before every change.
//!
//! It is the only reader of the policy settings (`sso_required`,
//! `require_2fa`, the lockout and session limits), so a rule cannot be
//! applied on one path and forgotten on another.

use crate::error::{Error, Result};
use crate::store::lockout::Rule;
use crate::store::orgs::Org;
use crate::store::sessions::{Session, Stage};
use common::AuthMethod;

/// The lockout of an org nobody has (so that unknown orgs behave like a
/// default one and tell nothing): 6 attempts per 15 minutes, 15 minutes.
const DEFAULT_LOCKOUT: Rule = Rule {
    attempts: 6,
    lockout_secs: 900,
};

/// One org's sign-in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgPolicy {
    sso_required: bool,
    require_2fa: bool,
    lockout: Rule,
    /// Seconds a session may last at most, and without a request.
    max_session_secs: i64,
    idle_timeout_secs: i64,
}

/// How long (seconds) a half-signed-in session (password done) has for its
/// second step.
pub const SECOND_STEP_SECS: i64 = 10 * 60;

/// Why a live session no longer stands under the current policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The session may go on.
    Good,
    /// The org now requires single sign-on; the session's method is refused.
    SsoRequired,
    /// The org now requires 2FA, and the session proved one factor only.
    SecondFactorRequired,
}

impl OrgPolicy {
    /// The policy of `org`, or the default one when there is no such org.
    pub fn of(org: Option<&Org>) -> Self {
        match org {
            Some(org) => OrgPolicy {
                sso_required: org.sso_required,
                require_2fa: org.require_2fa,
                lockout: Rule {
                    attempts: org.lockout_attempts,
                    lockout_secs: org.lockout_secs,
                },
                max_session_secs: org.max_session_secs,
                idle_timeout_secs: org.idle_timeout_secs,
            },
            None => OrgPolicy {
                sso_required: false,
                require_2fa: false,
                lockout: DEFAULT_LOCKOUT,
                max_session_secs: 0,
                idle_timeout_secs: 0,
            },
        }
    }

    /// The policy as a live session's joined row carries it.
    pub fn of_session(session: &Session) -> Self {
        OrgPolicy {
            sso_required: session.org_sso_required,
            require_2fa: session.org_require_2fa,
            // Not carried by the session row; sessions never need it.
            lockout: DEFAULT_LOCKOUT,
            max_session_secs: session.max_session_secs,
            idle_timeout_secs: session.idle_timeout_secs,
        }
    }

    /// How long (seconds) a session may last at most: also the cookie's
    /// lifetime.
    pub fn max_session_secs(&self) -> i64 {
        self.max_session_secs
    }

    /// Whether `session` has outlived the org's limits at `now` — its
    /// maximum duration or idle timeout (OWASP ASVS 3.3.1, 3.3.2) — or, half
    /// signed in, the [`SECOND_STEP_SECS`] allowed for its second step.
    pub fn session_expired(&self, session: &Session, now: crate::clock::UnixTime) -> bool {
        let pending_too_long = Stage::parse(&session.stage) != Stage::Full
            && now - session.created_at >= SECOND_STEP_SECS;
        pending_too_long
            || now - session.last_seen_at >= self.idle_timeout_secs
            || now - session.created_at >= self.max_session_secs
    }

    /// May `method` prove who someone is in this org now? In an org that
    /// requires SSO, no password, passkey or emailed link does (the
    /// product's rule: only the identity provider signs people in there).
    /// Single sign-on itself needs a provider, which
    /// [`crate::signin::sso`] looks for.
    ///
    /// Errors: [`Error::SsoRequired`].
    pub fn allows(&self, method: AuthMethod) -> Result<()> {
        if self.sso_required && method != AuthMethod::Sso {
            return Err(Error::SsoRequired);
        }
        Ok(())
    }

    /// Whether single sign-on is the only way in.
    pub fn sso_required(&self) -> bool {
        self.sso_required
    }

    /// Whether passkeys can be registered and listed in this org.
    pub fn passkeys_available(&self) -> bool {
        !self.sso_required
    }

    /// How many wrong secrets lock an (email, org), and for how long.
    pub fn lockout(&self) -> Rule {
        self.lockout
    }

    /// The step a sign-in with `method` still owes for an account that
    /// has (or has not) TOTP on. A passkey with user verification is two
    /// factors already (WebAuthn §6.2.3, NIST SP 800-63B-4 §3.1.7), so it
    /// owes nothing; a password owes the code, or its setup where the org
    /// requires 2FA.
    ///
    /// A recovery code or an enrollment link owes an enrolment: it opens a
    /// session that can only add a passkey or set a password.
    pub fn stage_after(&self, method: AuthMethod, totp_enabled: bool) -> Stage {
        match method {
            AuthMethod::Password if totp_enabled => Stage::Totp,
            AuthMethod::Password if self.require_2fa => Stage::TotpSetup,
            AuthMethod::RecoveryCode | AuthMethod::EnrollmentLink => Stage::Enroll,
            _ => Stage::Full,
        }
    }

    /// The step an enrolment session owes once it has added a passkey
    /// (nothing: a passkey is two factors) or set a password (the 2FA
    /// setup, where the org requires 2FA and the account has none; the
    /// recovery code or link already stood for the second factor).
    pub fn stage_after_enrolment(&self, added_passkey: bool, totp_enabled: bool) -> Stage {
        if !added_passkey && self.require_2fa && !totp_enabled {
            Stage::TotpSetup
        } else {
            Stage::Full
        }
    }

    /// Whether 2FA may be turned off in this org.
    pub fn allows_disabling_2fa(&self) -> bool {
        !self.require_2fa
    }

    /// Does a live session still stand under this policy? Asked at every
    /// request, so a policy change applies to live sessions at once.
    pub fn standing(&self, session: &Session) -> Standing {
        let signed_in_with = AuthMethod::parse(&session.signin_method);
        if self.sso_required && signed_in_with != Some(AuthMethod::Sso) {
            return Standing::SsoRequired;
        }
        // A recovery code or link that ended in a password (no passkey
        // recorded) proved no more than a password does.
        let via_link_or_code = matches!(
            signed_in_with,
            Some(AuthMethod::RecoveryCode | AuthMethod::EnrollmentLink)
        );
        let one_factor = matches!(signed_in_with, Some(AuthMethod::Password) | None)
            || (via_link_or_code && session.passkey_id.is_none());
        if self.require_2fa && one_factor && Stage::parse(&session.stage) == Stage::Full {
            return Standing::SecondFactorRequired;
        }
        Standing::Good
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full session opened (and last proved) with `method`.
    fn signed_in_with(method: AuthMethod) -> Session {
        use crate::types::{AccountId, OrgId, SessionId};
        Session {
            id: SessionId::random(),
            token_hash: String::new(),
            account_id: AccountId::random(),
            created_at: 0,
            last_seen_at: 0,
            authenticated_at: 0,
            auth_method: method.as_str().to_owned(),
            signin_method: method.as_str().to_owned(),
            client_addr: None,
            user_agent: None,
            passkey_id: None,
            reauth_passkey_id: None,
            role: "member".to_owned(),
            email: "ada@example.com".to_owned(),
            display_name: "Ada".to_owned(),
            org_id: OrgId::random(),
            org_short_name: "acme".to_owned(),
            org_name: "Acme".to_owned(),
            org_sso_required: true,
            org_require_2fa: true,
            totp_enabled: false,
            has_password: true,
            recovery_codes_left: 0,
            stage: Stage::Full.as_str().to_owned(),
            totp_pending: None,
            totp_failures: 0,
            mailbox_code_hash: None,
            max_session_secs: 3600,
            idle_timeout_secs: 600,
        }
    }

    fn policy(sso_required: bool, require_2fa: bool) -> OrgPolicy {
        OrgPolicy {
            sso_required,
            require_2fa,
            lockout: DEFAULT_LOCKOUT,
            max_session_secs: 3600,
            idle_timeout_secs: 600,
        }
    }

    #[test]
    fn a_passkey_owes_no_second_step_and_a_password_does_where_2fa_applies() {
        let p = policy(false, true);
        assert_eq!(p.stage_after(AuthMethod::Passkey, false), Stage::Full);
        assert_eq!(p.stage_after(AuthMethod::Password, false), Stage::TotpSetup);
        assert_eq!(p.stage_after(AuthMethod::Password, true), Stage::Totp);
        let p = policy(false, false);
        assert_eq!(p.stage_after(AuthMethod::Password, false), Stage::Full);
        assert_eq!(p.stage_after(AuthMethod::Password, true), Stage::Totp);
    }

    #[test]
    fn sso_required_refuses_every_other_method() {
        let p = policy(true, false);
        for method in [
            AuthMethod::Password,
            AuthMethod::PasswordTotp,
            AuthMethod::Passkey,
            AuthMethod::EmailLink,
            AuthMethod::RecoveryCode,
            AuthMethod::EnrollmentLink,
        ] {
            assert!(matches!(p.allows(method), Err(Error::SsoRequired)));
        }
        assert!(p.allows(AuthMethod::Sso).is_ok());
    }

    #[test]
    fn in_an_sso_required_org_only_single_sign_on_sessions_stand() {
        let p = policy(true, true);
        assert_eq!(p.stage_after(AuthMethod::Sso, false), Stage::Full);
        for (method, standing) in [
            (AuthMethod::Sso, Standing::Good),
            (AuthMethod::Passkey, Standing::SsoRequired),
            (AuthMethod::PasswordTotp, Standing::SsoRequired),
        ] {
            let session = signed_in_with(method);
            assert_eq!(p.standing(&session), standing, "{method:?}");
        }
        assert!(policy(false, true).allows(AuthMethod::Password).is_ok());
    }
}
