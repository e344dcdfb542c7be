//! The passkey nudge: after a sign-in without a passkey (one the org
//! accepts: [`OrgPolicy::usable_passkeys`]), the console
//! offers to create one ("Sign in faster next time"), with "Not now"
//! (asked again after [`NOT_NOW_DAYS`]) and "Don't ask again". Where the
//! org requires passkeys it is asked at every sign-in whatever was
//! answered, with the date from which the passkey is owed
//! ([`crate::policy::OrgPolicy::passkey_owed`]).

use crate::error::{Error, Result};
use crate::policy::{OrgPolicy, PasskeyMode};
use crate::store::sessions::Session;
use crate::store::{accounts, passkeys};
use crate::Domain;
use common::{AuthMethod, NudgeAnswer, PasskeyNudge};

/// "Not now" asks again after this many days.
pub const NOT_NOW_DAYS: i64 = 14;

/// Whether the console shows the nudge to `session`'s person now.
pub async fn get(d: &Domain, session: &Session) -> Result<PasskeyNudge> {
    let policy = OrgPolicy::of_session(session);
    let required_from = match policy.passkey_mode() {
        PasskeyMode::Required { from } if policy.passkey_required() => Some(from),
        _ => None,
    };
    let signed_in_with = AuthMethod::parse(&session.signin_method);
    let show = policy.passkeys_available()
        && !matches!(signed_in_with, Some(AuthMethod::Passkey | AuthMethod::Sso))
        && !passkeys::any_usable(&d.db, &session.account_id, policy.usable_passkeys()).await?
        && (required_from.is_some() || {
            let (after, off) = accounts::passkey_nudge(&d.db, &session.account_id).await?;
            !off && d.clock.now() >= after
        });
    Ok(PasskeyNudge {
        show,
        required_from: required_from.filter(|_| show),
    })
}

/// Records the person's answer. Where the org requires passkeys, "Don't
/// ask again" is refused (it is asked at every sign-in) and "Not now"
/// changes nothing stored.
///
/// Errors: [`Error::Conflict`] ("Don't ask again" where passkeys are
/// required).
pub async fn answer(d: &Domain, session: &Session, answer: NudgeAnswer) -> Result<PasskeyNudge> {
    let required = OrgPolicy::of_session(session).passkey_required();
    match answer {
        NudgeAnswer::NotNow if required => {}
        NudgeAnswer::NotNow => {
            let after = d.clock.now() + NOT_NOW_DAYS * 86_400;
            accounts::set_passkey_nudge(&d.db, &session.account_id, after, false).await?;
        }
        NudgeAnswer::Never if required => {
            return Err(Error::Conflict(
                "Your organization requires a passkey: it asks at each sign-in.".into(),
            ))
        }
        NudgeAnswer::Never => {
            accounts::set_passkey_nudge(&d.db, &session.account_id, 0, true).await?;
        }
    }
    Ok(PasskeyNudge {
        show: false,
        required_from: None,
    })
}
