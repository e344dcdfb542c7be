//! The org's sign-in policy, as its admins see and change it: what a
//! change would do is shown first, then done, through the one reader of
//! policy settings ([`crate::policy::OrgPolicy`]).

use super::Admin;
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::policy::{OrgPolicy, PasskeyMode, Standing};
use crate::store::orgs::{self, Org, OrgUpdate};
use crate::store::{members, sessions, sso};
use crate::Domain;
use common::{OrgPolicySettings, PasskeyPolicy, PolicyChange};

/// Bounds of the settings (seconds unless said).
const LOCKOUT_ATTEMPTS: std::ops::RangeInclusive<i64> = 1..=1000;
const LOCKOUT_SECS: std::ops::RangeInclusive<i64> = 60..=30 * 86_400;
const MAX_SESSION_SECS: std::ops::RangeInclusive<i64> = 300..=400 * 86_400;
const MIN_IDLE_SECS: i64 = 60;

/// The admin's org's policy.
pub async fn get(d: &Domain, admin: &Admin) -> Result<OrgPolicySettings> {
    let org = org_of(d, admin).await?;
    let sso_available = sso::provider(&d.db, &org.id).await?.is_some();
    Ok(settings(&org, sso_available))
}

/// Changes the admin's org's policy to `wanted` — or, with `preview`,
/// only says what that would do. Live sessions that no longer meet it end
/// at their next request (the policy is read at every request,
/// [`crate::sessions`]); they are counted here.
///
/// Audited as `admin.policy_changed` (a preview is not).
///
/// Errors: [`Error::BadRequest`] (a setting out of bounds, or SSO required
/// without an identity provider).
pub async fn change(
    d: &Domain,
    client: &Client,
    admin: &Admin,
    wanted: OrgPolicySettings,
    preview: bool,
) -> Result<PolicyChange> {
    if preview {
        return decide(d, admin, wanted, true).await;
    }
    let who = Who::admin_on(admin.session(), None);
    let changing = decide(d, admin, wanted, false);
    audit::audited(d, client, Event::PolicyChanged, &who, changing).await
}

async fn decide(
    d: &Domain,
    admin: &Admin,
    wanted: OrgPolicySettings,
    preview: bool,
) -> Result<PolicyChange> {
    let org = org_of(d, admin).await?;
    let sso_available = sso::provider(&d.db, &org.id).await?.is_some();
    check(&wanted, sso_available)?;
    let after = Org {
        sso_required: wanted.sso_required,
        require_2fa: wanted.require_2fa,
        lockout_attempts: wanted.lockout_attempts,
        lockout_secs: wanted.lockout_secs,
        max_session_secs: wanted.max_session_secs,
        idle_timeout_secs: wanted.idle_timeout_secs,
        passkeys: wanted.passkeys.as_str().to_owned(),
        passkeys_required_from: wanted.passkeys_required_from,
        device_bound_only: wanted.device_bound_only,
        ..org.clone()
    };
    let (before, policy) = (OrgPolicy::of(Some(&org)), OrgPolicy::of(Some(&after)));
    let now = d.clock.now();
    let mut ending = 0;
    let mut ends_yours = false;
    for session in sessions::list_for_org(&d.db, &org.id).await? {
        if before.session_expired(&session, now) {
            continue; // ending anyway
        }
        if policy.standing(&session) != Standing::Good || policy.session_expired(&session, now) {
            ending += 1;
            ends_yours |= session.token_hash == admin.session().token_hash;
        }
    }
    // Accounts with only passkeys (no password, no provider link) that the
    // change would leave with no way in: counted, and refused outright for
    // the admin's own account.
    let stranded = members::stranded_by(
        &d.db,
        &org.id,
        before.usable_passkeys(),
        policy.usable_passkeys(),
    )
    .await?;
    if stranded.contains(&admin.session().account_id) {
        return Err(Error::Conflict(
            "This change would leave your own account without a way to sign in (you have no \
             password, and your passkeys would no longer count). Set a password in My Account \
             first."
                .into(),
        ));
    }
    if !preview {
        orgs::update(
            &d.db,
            &org.short_name,
            OrgUpdate {
                sso_required: Some(wanted.sso_required),
                require_2fa: Some(wanted.require_2fa),
                lockout_attempts: Some(wanted.lockout_attempts),
                lockout_secs: Some(wanted.lockout_secs),
                max_session_secs: Some(wanted.max_session_secs),
                idle_timeout_secs: Some(wanted.idle_timeout_secs),
                passkeys: Some(wanted.passkeys.as_str().to_owned()),
                passkeys_required_from: Some(wanted.passkeys_required_from),
                device_bound_only: Some(wanted.device_bound_only),
                ..OrgUpdate::default()
            },
        )
        .await?;
        tracing::info!(admin = %admin.session().account_id, org = %org.id, ending,
            "org policy changed");
    }
    Ok(PolicyChange {
        settings: settings(&after, sso_available),
        sessions_ending: ending,
        ends_your_session: ends_yours,
        members_left_without_a_way_in: stranded.len() as i64,
        applied: !preview,
    })
}

async fn org_of(d: &Domain, admin: &Admin) -> Result<Org> {
    orgs::find_by_id(&d.db, &admin.session().org_id)
        .await?
        .ok_or(Error::Unauthenticated)
}

fn settings(org: &Org, sso_available: bool) -> OrgPolicySettings {
    OrgPolicySettings {
        sso_required: org.sso_required,
        sso_available,
        require_2fa: org.require_2fa,
        lockout_attempts: org.lockout_attempts,
        lockout_secs: org.lockout_secs,
        max_session_secs: org.max_session_secs,
        idle_timeout_secs: org.idle_timeout_secs,
        passkeys: match PasskeyMode::parse(&org.passkeys, org.passkeys_required_from) {
            PasskeyMode::Off => PasskeyPolicy::Off,
            PasskeyMode::Offered => PasskeyPolicy::Offered,
            PasskeyMode::Required { .. } => PasskeyPolicy::Required,
        },
        passkeys_required_from: org.passkeys_required_from,
        device_bound_only: org.device_bound_only,
    }
}

/// The bounds of each setting.
///
/// Errors: [`Error::BadRequest`], saying which and why.
fn check(wanted: &OrgPolicySettings, sso_available: bool) -> Result<()> {
    let bad = |message: &str| Err(Error::BadRequest(message.to_owned()));
    if wanted.sso_required && !sso_available {
        return bad(
            "Single sign-on cannot be required before the organization's identity \
                    provider is connected.",
        );
    }
    if !LOCKOUT_ATTEMPTS.contains(&wanted.lockout_attempts) {
        return bad("Allow from 1 to 1000 failed attempts before a lockout.");
    }
    if !LOCKOUT_SECS.contains(&wanted.lockout_secs) {
        return bad("A lockout lasts from one minute to 30 days.");
    }
    if !MAX_SESSION_SECS.contains(&wanted.max_session_secs) {
        return bad("A session lasts from 5 minutes to 400 days at most.");
    }
    if wanted.idle_timeout_secs < MIN_IDLE_SECS
        || wanted.idle_timeout_secs > wanted.max_session_secs
    {
        return bad("The idle timeout is from one minute up to the session's maximum duration.");
    }
    if wanted.passkeys_required_from < 0 {
        return bad("The date from which passkeys are required is not a date.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OrgPolicySettings {
        OrgPolicySettings {
            sso_required: false,
            sso_available: false,
            require_2fa: false,
            lockout_attempts: 6,
            lockout_secs: 900,
            max_session_secs: 86_400,
            idle_timeout_secs: 3600,
            passkeys: PasskeyPolicy::Offered,
            passkeys_required_from: 0,
            device_bound_only: false,
        }
    }

    #[test]
    fn each_setting_has_its_bounds() {
        assert!(check(&settings(), false).is_ok());
        let cases: [fn(&mut OrgPolicySettings); 7] = [
            |s| s.sso_required = true,
            |s| s.passkeys_required_from = -1,
            |s| s.lockout_attempts = 0,
            |s| s.lockout_secs = 59,
            |s| s.max_session_secs = 299,
            |s| s.idle_timeout_secs = 59,
            |s| s.idle_timeout_secs = s.max_session_secs + 1,
        ];
        for break_it in cases {
            let mut s = settings();
            break_it(&mut s);
            assert!(check(&s, false).is_err(), "{s:?}");
        }
        let mut sso = settings();
        sso.sso_required = true;
        assert!(check(&sso, true).is_ok());
    }
}
