//! Lockout after repeated failed password sign-ins.
//!
//! The org decides how many failures are allowed within 15 minutes and how
//! long the lockout lasts. Failures are counted per typed (email, org),
//! existing or not, so the lockout answer reveals nothing about which
//! accounts exist. Only password sign-in is locked: a passkey is a
//! different authenticator, and keeps working.

use crate::clock::{Clock, UnixTime};
use crate::db::Db;
use crate::error::Result;
use crate::orgs::Org;
use crate::with_pool;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Failures count when they fall within this window.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Rows older than this are deleted as new failures come.
const KEEP_SECS: i64 = 24 * 60 * 60;

/// How many failures lock, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub attempts: i64,
    pub lockout_secs: i64,
}

impl Policy {
    /// The org's rule, or the defaults when there is no such org (so that
    /// unknown orgs behave like a default one).
    pub fn of(org: Option<&Org>) -> Self {
        match org {
            Some(org) => Policy {
                attempts: org.lockout_attempts,
                lockout_secs: org.lockout_secs,
            },
            None => Policy {
                attempts: 6,
                lockout_secs: 900,
            },
        }
    }
}

/// The key failures are counted under.
pub fn subject(email: &str, org: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(email.trim().to_lowercase().as_bytes());
    hasher.update([0]);
    hasher.update(org.trim().to_lowercase().as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// When the lockout of `subject` ends, if it is locked at `now`.
pub async fn locked_until(
    db: &Db,
    clock: &Clock,
    subject: &str,
    policy: Policy,
) -> Result<Option<UnixTime>> {
    let now = clock.now();
    let since = now - WINDOW_SECS - policy.lockout_secs;
    let failures = with_pool!(db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT failed_at FROM login_failures WHERE subject = $1 AND failed_at > $2 ORDER BY failed_at",
        )
        .bind(subject)
        .bind(since)
        .fetch_all(pool)
        .await)?;
    Ok(lock_end(&failures, policy).filter(|end| *end > now))
}

/// The end of the latest lockout the sorted `failures` earned: `attempts`
/// failures within the window lock until the last of them plus the period.
fn lock_end(failures: &[UnixTime], policy: Policy) -> Option<UnixTime> {
    let n = usize::try_from(policy.attempts).ok().filter(|n| *n > 0)?;
    failures
        .windows(n)
        .filter(|w| w[n - 1] - w[0] <= WINDOW_SECS)
        .map(|w| w[n - 1] + policy.lockout_secs)
        .max()
}

pub async fn record_failure(db: &Db, clock: &Clock, subject: &str) -> Result<()> {
    let now = clock.now();
    // Old rows of every subject go, so typed garbage cannot pile up.
    with_pool!(db, pool => sqlx::query("DELETE FROM login_failures WHERE failed_at < $1")
        .bind(now - KEEP_SECS)
        .execute(pool)
        .await
        .map(|_| ()))?;
    with_pool!(db, pool => {
        sqlx::query("INSERT INTO login_failures (subject, failed_at) VALUES ($1, $2)")
            .bind(subject)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// Forgets the failures of `subject` after a successful sign-in.
pub async fn clear(db: &Db, subject: &str) -> Result<()> {
    with_pool!(db, pool => sqlx::query("DELETE FROM login_failures WHERE subject = $1")
        .bind(subject)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        attempts: 3,
        lockout_secs: 600,
    };

    #[test]
    fn enough_failures_within_the_window_lock() {
        assert_eq!(lock_end(&[0, 10], POLICY), None);
        assert_eq!(lock_end(&[0, 10, 20], POLICY), Some(620));
        assert_eq!(
            lock_end(&[0, 500, 1000], POLICY),
            None,
            "spread over more than 15 minutes"
        );
        assert_eq!(
            lock_end(&[0, 10, 20, 30], POLICY),
            Some(630),
            "the latest lockout counts"
        );
    }

    #[test]
    fn subjects_ignore_case_and_spacing_but_not_the_org() {
        assert_eq!(
            subject(" Ada@Example.com", "ACME"),
            subject("ada@example.com", "acme")
        );
        assert_ne!(
            subject("ada@example.com", "acme"),
            subject("ada@example.com", "globex")
        );
    }
}
