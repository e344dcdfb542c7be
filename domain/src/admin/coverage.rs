//! Passkey coverage: how far the org has moved to passkeys — the one
//! figure an org rolling them out watches.

use super::Admin;
use crate::error::Result;
use crate::store::members;
use crate::Domain;
use common::{Coverage, DaySignIns};

/// Days of sign-ins in [`Coverage::sign_ins`].
pub const DAYS: i64 = 30;

/// The admin's org: members by passkey coverage, and successful sign-ins
/// by day (UTC) and method over the last [`DAYS`] days, today included.
pub async fn of_org(d: &Domain, admin: &Admin) -> Result<Coverage> {
    let org_id = &admin.session().org_id;
    let (total, device_bound, synced_only) = members::coverage(&d.db, org_id).await?;
    let today = d.clock.now().div_euclid(86_400);
    let first = today - (DAYS - 1);
    let mut days: Vec<DaySignIns> = (first..=today)
        .map(|day| DaySignIns {
            day: day_name(day),
            passkey: 0,
            password: 0,
            sso: 0,
            other: 0,
        })
        .collect();
    for (day, event, count) in members::sign_ins_by_day(&d.db, org_id, first * 86_400).await? {
        let Some(entry) = usize::try_from(day - first)
            .ok()
            .and_then(|i| days.get_mut(i))
        else {
            continue;
        };
        match event.as_str() {
            "sign_in.passkey" => entry.passkey += count,
            // The password step of a sign-in; its second step
            // (`sign_in.totp`) is the same sign-in.
            "sign_in.password" => entry.password += count,
            "sign_in.sso" => entry.sso += count,
            "sign_in.recovery_code" => entry.other += count,
            _ => {}
        }
    }
    Ok(Coverage {
        members: total,
        with_device_bound_passkey: device_bound,
        with_synced_passkeys_only: synced_only,
        without_passkey: total - device_bound - synced_only,
        sign_ins: days,
    })
}

/// `YYYY-MM-DD` of a day number since the Unix epoch.
fn day_name(day: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(day * 86_400)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_named_in_utc() {
        assert_eq!(day_name(0), "1970-01-01");
        assert_eq!(day_name(1_767_225_600 / 86_400), "2026-01-01");
    }
}
