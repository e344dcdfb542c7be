//! [`OrgPolicy`]: an org's rules for signing in, resolved once from the
//! org's settings and asked everywhere a rule applies — at sign-in, at
//! each request of a live session, before every change.
//!
//! It is the only reader of the policy settings (`sso_required`,
//! `require_2fa`, the passkey policy, the lockout and session limits), so
//! a rule cannot be applied on one path and forgotten on another.

use crate::error::{Error, Result};
use crate::store::lockout::Rule;
use crate::store::orgs::Org;
use crate::store::passkeys::Usable;
use crate::store::sessions::{Session, Stage};
use common::AuthMethod;

/// The lockout of an org nobody has (so that unknown orgs behave like a
/// default one and tell nothing): 6 attempts per 15 minutes, 15 minutes.
const DEFAULT_LOCKOUT: Rule = Rule {
    attempts: 6,
    lockout_secs: 900,
};

/// Whether an org's members use passkeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyMode {
    /// Passkeys are neither added nor used; sessions they opened end.
    Off,
    /// Members may add and use passkeys (the default).
    Offered,
    /// Members without a passkey are asked for one at each sign-in; from
    /// `from` (Unix seconds) on, a sign-in without a passkey opens only
    /// the step that adds one.
    Required { from: crate::clock::UnixTime },
}

impl PasskeyMode {
    /// The mode stored as `text` (`off`, `offered`, `required`) with its
    /// date; an unknown text (never stored: a CHECK constraint) is
    /// `Offered`.
    pub fn parse(text: &str, required_from: crate::clock::UnixTime) -> Self {
        match text {
            "off" => PasskeyMode::Off,
            "required" => PasskeyMode::Required {
                from: required_from,
            },
            _ => PasskeyMode::Offered,
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            PasskeyMode::Off => "off",
            PasskeyMode::Offered => "offered",
            PasskeyMode::Required { .. } => "required",
        }
    }
}

/// One org's sign-in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgPolicy {
    sso_required: bool,
    require_2fa: bool,
    passkeys: PasskeyMode,
    /// Only passkeys bound to one device (not backup eligible) count.
    device_bound_only: bool,
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
    /// The org turned passkeys off, and a passkey opened the session.
    PasskeysOff,
    /// The org accepts only device-bound passkeys, and a synced one opened
    /// the session.
    DeviceBoundOnly,
}

impl OrgPolicy {
    /// The policy of `org`, or the default one when there is no such org.
    pub fn of(org: Option<&Org>) -> Self {
        match org {
            Some(org) => OrgPolicy {
                sso_required: org.sso_required,
                require_2fa: org.require_2fa,
                passkeys: PasskeyMode::parse(&org.passkeys, org.passkeys_required_from),
                device_bound_only: org.device_bound_only,
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
                passkeys: PasskeyMode::Offered,
                device_bound_only: false,
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
            passkeys: PasskeyMode::parse(&session.org_passkeys, session.org_passkeys_required_from),
            device_bound_only: session.org_device_bound_only,
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
    /// Where the org turned passkeys off, a passkey does not either.
    ///
    /// Errors: [`Error::SsoRequired`], [`Error::PasskeysOff`].
    pub fn allows(&self, method: AuthMethod) -> Result<()> {
        if self.sso_required && method != AuthMethod::Sso {
            return Err(Error::SsoRequired);
        }
        if method == AuthMethod::Passkey && self.passkeys == PasskeyMode::Off {
            return Err(Error::PasskeysOff);
        }
        Ok(())
    }

    /// Whether a passkey whose authenticator said it may be synced
    /// (`backup_eligible`, the BE flag: WebAuthn §6.1 "authenticator
    /// data") counts in this org, at registration and at every use.
    ///
    /// Errors: [`Error::DeviceBoundOnly`] for a synced passkey where only
    /// device-bound ones count.
    pub fn accepts_passkey(&self, backup_eligible: bool) -> Result<()> {
        if self.device_bound_only && backup_eligible {
            return Err(Error::DeviceBoundOnly);
        }
        Ok(())
    }

    /// May a sign-in or re-authentication use a passkey that is (or is
    /// not) `backup_eligible`? [`OrgPolicy::allows`] for passkeys, and
    /// [`OrgPolicy::accepts_passkey`].
    ///
    /// Errors: [`Error::SsoRequired`], [`Error::PasskeysOff`],
    /// [`Error::DeviceBoundOnly`].
    pub fn allows_passkey(&self, backup_eligible: bool) -> Result<()> {
        self.allows(AuthMethod::Passkey)?;
        self.accepts_passkey(backup_eligible)
    }

    /// Whether passkeys may be added here, with the reason when not.
    ///
    /// Errors: [`Error::SsoRequired`], [`Error::PasskeysOff`].
    pub fn require_passkeys_available(&self) -> Result<()> {
        self.allows(AuthMethod::Passkey)
    }

    /// Which stored passkeys sign in under this policy. "Has a passkey"
    /// means one of these everywhere — the step owed past the date, the
    /// nudge, coverage's "no passkey yet", a policy change's stranding.
    pub fn usable_passkeys(&self) -> Usable {
        if !self.passkeys_available() {
            Usable::None
        } else if self.device_bound_only {
            Usable::DeviceBound
        } else {
            Usable::Any
        }
    }

    /// The org's passkey policy.
    pub fn passkey_mode(&self) -> PasskeyMode {
        self.passkeys
    }

    /// Whether only device-bound passkeys count.
    pub fn device_bound_only(&self) -> bool {
        self.device_bound_only
    }

    /// Whether, at `now`, a sign-in by a member without a passkey owes one
    /// before anything else: the org requires passkeys and its grace
    /// period is over.
    pub fn passkey_owed(&self, now: crate::clock::UnixTime) -> bool {
        matches!(self.passkeys, PasskeyMode::Required { from } if now >= from)
            && self.passkeys_available()
    }

    /// Whether a member without a passkey is asked for one at sign-in
    /// whatever they said before ("Don't ask again" does not apply).
    pub fn passkey_required(&self) -> bool {
        matches!(self.passkeys, PasskeyMode::Required { .. }) && self.passkeys_available()
    }

    /// Whether single sign-on is the only way in.
    pub fn sso_required(&self) -> bool {
        self.sso_required
    }

    /// Whether passkeys can be registered, listed and used in this org.
    pub fn passkeys_available(&self) -> bool {
        !self.sso_required && self.passkeys != PasskeyMode::Off
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
        if self.passkeys == PasskeyMode::Off && signed_in_with == Some(AuthMethod::Passkey) {
            return Standing::PasskeysOff;
        }
        // Whatever opened it: an enrolment that added a synced passkey
        // records it too.
        if self.device_bound_only && session.passkey_backup_eligible == Some(true) {
            return Standing::DeviceBoundOnly;
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
            passkey_backup_eligible: None,
            reauth_passkey_id: None,
            role: "member".to_owned(),
            email: "ada@example.com".to_owned(),
            display_name: "Ada".to_owned(),
            org_id: OrgId::random(),
            org_short_name: "acme".to_owned(),
            org_name: "Acme".to_owned(),
            org_sso_required: true,
            org_require_2fa: true,
            org_passkeys: "offered".to_owned(),
            org_passkeys_required_from: 0,
            org_device_bound_only: false,
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
            passkeys: PasskeyMode::Offered,
            device_bound_only: false,
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
    fn passkeys_off_refuses_them_and_ends_their_sessions_and_required_owes_one_after_its_date() {
        let mut p = policy(false, false);
        p.passkeys = PasskeyMode::Off;
        assert!(matches!(
            p.allows(AuthMethod::Passkey),
            Err(Error::PasskeysOff)
        ));
        assert!(p.allows(AuthMethod::Password).is_ok());
        assert!(!p.passkeys_available());
        let mut session = signed_in_with(AuthMethod::Passkey);
        session.org_sso_required = false;
        session.org_require_2fa = false;
        assert_eq!(p.standing(&session), Standing::PasskeysOff);
        assert_eq!(
            p.standing(&signed_in_with_org_rules(AuthMethod::Password)),
            Standing::Good
        );

        p.passkeys = PasskeyMode::Required { from: 1000 };
        assert!(p.passkey_required());
        assert!(!p.passkey_owed(999));
        assert!(p.passkey_owed(1000));
        assert_eq!(p.standing(&session), Standing::Good);
        // SSO required: no passkey is ever owed.
        p.sso_required = true;
        assert!(!p.passkey_owed(2000));
        assert!(!p.passkey_required());
    }

    #[test]
    fn device_bound_only_refuses_synced_passkeys_and_ends_their_sessions() {
        let mut p = policy(false, false);
        assert!(p.accepts_passkey(true).is_ok());
        assert_eq!(p.usable_passkeys(), Usable::Any);
        p.device_bound_only = true;
        assert!(matches!(
            p.accepts_passkey(true),
            Err(Error::DeviceBoundOnly)
        ));
        assert!(p.accepts_passkey(false).is_ok());
        assert_eq!(p.usable_passkeys(), Usable::DeviceBound);
        let mut synced = signed_in_with_org_rules(AuthMethod::Passkey);
        synced.passkey_backup_eligible = Some(true);
        assert_eq!(p.standing(&synced), Standing::DeviceBoundOnly);
        synced.passkey_backup_eligible = Some(false);
        assert_eq!(p.standing(&synced), Standing::Good);
        // Opened by a recovery code whose enrolment added a synced passkey.
        let mut enrolled = signed_in_with_org_rules(AuthMethod::RecoveryCode);
        enrolled.passkey_backup_eligible = Some(true);
        assert_eq!(p.standing(&enrolled), Standing::DeviceBoundOnly);
    }

    /// A session in an org without SSO or 2FA requirements.
    fn signed_in_with_org_rules(method: AuthMethod) -> Session {
        let mut session = signed_in_with(method);
        session.org_sso_required = false;
        session.org_require_2fa = false;
        session
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
