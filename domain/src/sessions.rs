//! Live sessions under the rules: each request resumes its session under
//! the org's *current* policy, and sensitive changes need a fresh one.

use crate::error::{Error, Result};
use crate::policy::{OrgPolicy, Standing};
use crate::store::sessions::{self, Session, Stage};
use crate::Domain;

/// The live session of a cookie token, checked against the org's policy
/// as it is now (so that a policy change applies to live sessions at once):
/// `Ok(None)` when there is none (unknown, ended or expired token).
///
/// Errors: [`Error::SessionEnded`] when the org's policy no longer admits
/// the session — it now requires SSO, or a second factor this session
/// never proved (then the next sign-in leads to the 2FA setup). The
/// session is deleted first.
pub async fn resume(d: &Domain, token: &str) -> Result<Option<Session>> {
    let Some(session) = live(d, &sessions::hash_token(token)).await? else {
        return Ok(None);
    };
    let why = match OrgPolicy::of_session(&session).standing(&session) {
        Standing::Good => return Ok(Some(session)),
        Standing::SsoRequired => {
            "Your organization now requires single sign-on, so this session has ended. \
             Sign in through your identity provider."
        }
        Standing::SecondFactorRequired => {
            "Your organization now requires two-factor authentication, so this session has \
             ended. Sign in again to set it up."
        }
        Standing::PasskeysOff => {
            "Your organization has turned passkeys off, so this session has ended. Sign in with \
             your password."
        }
        Standing::DeviceBoundOnly => {
            "Your organization now accepts only passkeys that stay on one device, so this \
             session, opened with a synced passkey, has ended. Sign in another way."
        }
    };
    sessions::delete_hash(&d.db, &session.token_hash).await?;
    tracing::info!(account = %session.account_id, session = %session.id, why, "session ended by a policy change");
    Err(Error::SessionEnded(why))
}

/// `last_seen_at` is written at most this often (seconds), so that every
/// request does not become a database write. Idle timeouts are therefore
/// exact to within this many seconds.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// The session hashed `token_hash` if it is live under its org's limits
/// (an expired one is deleted on the way), marked as seen now.
pub async fn live(d: &Domain, token_hash: &str) -> Result<Option<Session>> {
    let Some(mut session) = sessions::find_by_hash(&d.db, token_hash).await? else {
        return Ok(None);
    };
    let now = d.clock.now();
    if OrgPolicy::of_session(&session).session_expired(&session, now) {
        sessions::delete_hash(&d.db, token_hash).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_INTERVAL_SECS {
        sessions::touch(&d.db, token_hash, now).await?;
        session.last_seen_at = now;
    }
    Ok(Some(session))
}

/// The session hashed `token_hash` as a request from elsewhere sees it (an
/// emailed link names it): `None` unless it is live and still stands under
/// its org's policy. It is not marked as seen: looking at a session is not
/// using it.
pub async fn asking(d: &Domain, token_hash: &str) -> Result<Option<Session>> {
    let Some(session) = sessions::find_by_hash(&d.db, token_hash).await? else {
        return Ok(None);
    };
    let policy = OrgPolicy::of_session(&session);
    let stands = !policy.session_expired(&session, d.clock.now())
        && policy.standing(&session) == Standing::Good;
    Ok(stands.then_some(session))
}

/// Ends the session of a cookie token (logout), audited as `sign_out`
/// when there was one. Unknown tokens are ignored.
pub async fn end(d: &Domain, client: &crate::types::Client, token: &str) -> Result<()> {
    let token_hash = sessions::hash_token(token);
    let Some(session) = sessions::find_by_hash(&d.db, &token_hash).await? else {
        return Ok(());
    };
    let who = crate::audit::Who::session(&session);
    let ending = sessions::delete_hash(&d.db, &token_hash);
    crate::audit::audited(d, client, crate::audit::Event::SignedOut, &who, ending).await
}

/// A session that proved who it is within the re-authentication window:
/// the only way to call a sensitive change, so the check cannot be
/// forgotten (OWASP ASVS 3.7.1, re-authentication before sensitive changes).
pub struct Fresh(Session);

impl Fresh {
    /// `session`, if its last proof is recent enough.
    ///
    /// Errors: [`Error::ReauthRequired`].
    pub fn check(d: &Domain, session: Session) -> Result<Self> {
        if is_fresh(d, &session) {
            Ok(Fresh(session))
        } else {
            Err(Error::ReauthRequired)
        }
    }

    /// `session`, if it is an enrolment session (opened by a recovery code
    /// or an enrollment link a moment ago; the stage lasts at most
    /// [`crate::policy::SECOND_STEP_SECS`]): its one proof is what lets it
    /// add a passkey or set a password, and nothing else.
    ///
    /// Errors: [`Error::Unauthenticated`] for any other stage.
    pub fn enrolling(session: Session) -> Result<Self> {
        if Stage::parse(&session.stage) == Stage::Enroll {
            Ok(Fresh(session))
        } else {
            Err(Error::Unauthenticated)
        }
    }

    /// Whether this is an enrolment session (see [`Fresh::enrolling`]).
    pub fn is_enrolment(&self) -> bool {
        Stage::parse(&self.0.stage) == Stage::Enroll
    }
}

impl std::ops::Deref for Fresh {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.0
    }
}

/// Whether `session` proved who it is within the re-authentication window.
pub fn is_fresh(d: &Domain, session: &Session) -> bool {
    d.clock.now() - session.authenticated_at <= d.reauth_window_secs
}
