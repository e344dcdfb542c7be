//! The `secret_attempts` table: attempts at one (email, org)'s secrets —
//! passwords and codes — reserved before they are checked.
//!
//! Only the secret gate (`SecretGate`) uses it; its documentation has the rule.

use crate::clock::UnixTime;
use crate::error::Result;
use crate::store::db::Db;
use crate::with_pool;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Attempts count within this many seconds of the window's first attempt
/// (15 minutes, the product's lockout window).
pub const WINDOW_SECS: i64 = 15 * 60;

/// How many attempts lock, and for how long (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub attempts: i64,
    pub lockout_secs: i64,
}

/// The key attempts are counted under: a hash of the canonical email and
/// org short name, whether or not such an account exists (so a lockout
/// looks the same for unknown accounts).
pub fn subject(email: &crate::types::Email, org: &crate::types::OrgShortName) -> String {
    let mut hasher = Sha256::new();
    hasher.update(email.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(org.as_str().as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Reserves one attempt for `subject` at `now`, in one statement (so that
/// concurrent requests, on any instance, cannot all pass): granted when the
/// subject is not locked and has fewer than `rule.attempts` attempts in its
/// window. A lockout that has ended, or a window that has passed, starts a
/// new window. Returns the start of the window the attempt was granted in
/// (which names that window: [`failed`] and [`release`] count only there),
/// or `None` when it was refused.
pub async fn reserve(
    db: &Db,
    subject: &str,
    rule: Rule,
    now: UnixTime,
) -> Result<Option<UnixTime>> {
    // `ended`: the row describes a window or lockout that is over.
    const ENDED: &str = "((secret_attempts.locked_until <> 0 AND secret_attempts.locked_until <= $2) \
                          OR (secret_attempts.locked_until = 0 AND secret_attempts.window_start <= $3))";
    let sql = format!(
        "INSERT INTO secret_attempts (subject, window_start, attempts, failures, locked_until) \
         VALUES ($1, $2, 1, 0, 0) \
         ON CONFLICT (subject) DO UPDATE SET \
           window_start = CASE WHEN {ENDED} THEN $2 ELSE secret_attempts.window_start END, \
           attempts = CASE WHEN {ENDED} THEN 1 ELSE secret_attempts.attempts + 1 END, \
           failures = CASE WHEN {ENDED} THEN 0 ELSE secret_attempts.failures END, \
           locked_until = CASE WHEN {ENDED} THEN 0 ELSE secret_attempts.locked_until END \
         WHERE {ENDED} OR (secret_attempts.locked_until = 0 AND secret_attempts.attempts < $4) \
         RETURNING window_start"
    );
    let granted = with_pool!(db, pool => sqlx::query_scalar::<_, i64>(&sql)
        .bind(subject)
        .bind(now)
        .bind(now - WINDOW_SECS)
        .bind(rule.attempts)
        .fetch_optional(pool)
        .await)?;
    Ok(granted)
}

/// When the lockout of `subject` ends, if it is locked at `now`; for a
/// subject refused only because its attempts are all in flight, the end a
/// failure of them would set.
pub async fn locked_until(db: &Db, subject: &str, rule: Rule, now: UnixTime) -> Result<UnixTime> {
    let until = with_pool!(db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT locked_until FROM secret_attempts WHERE subject = $1",
        )
        .bind(subject)
        .fetch_optional(pool)
        .await)?;
    Ok(until
        .filter(|t| *t > now)
        .unwrap_or(now + rule.lockout_secs))
}

/// Records that an attempt reserved in the window starting at `window`
/// was wrong; locks the subject until `now + rule.lockout_secs` once
/// `rule.attempts` attempts have failed. Returns the failures in that
/// window (0 when it has already ended: the failure counted there).
pub async fn failed(
    db: &Db,
    subject: &str,
    window: UnixTime,
    rule: Rule,
    now: UnixTime,
) -> Result<i64> {
    let failures = with_pool!(db, pool => sqlx::query_scalar::<_, i64>(
            "UPDATE secret_attempts SET failures = failures + 1, \
               locked_until = CASE WHEN failures + 1 >= $2 THEN $3 ELSE locked_until END \
             WHERE subject = $1 AND window_start = $4 RETURNING failures",
        )
        .bind(subject)
        .bind(rule.attempts)
        .bind(now + rule.lockout_secs)
        .bind(window)
        .fetch_optional(pool)
        .await)?;
    Ok(failures.unwrap_or(0))
}

/// Gives back an attempt reserved in the window starting at `window` whose
/// secret was right (it is not a failure, and must not use up the
/// allowance). Only to that window: a place in a later one was never its.
pub async fn release(db: &Db, subject: &str, window: UnixTime) -> Result<()> {
    with_pool!(db, pool => sqlx::query(
            "UPDATE secret_attempts SET attempts = attempts - 1 \
             WHERE subject = $1 AND window_start = $2 AND attempts > 0 AND locked_until = 0",
        )
        .bind(subject)
        .bind(window)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Forgets the attempts of `subject` after a complete sign-in.
pub async fn clear(db: &Db, subject: &str) -> Result<()> {
    with_pool!(db, pool => sqlx::query("DELETE FROM secret_attempts WHERE subject = $1")
        .bind(subject)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Deletes rows whose window and lockout both ended before `before`, so
/// that typed garbage cannot pile up.
pub async fn sweep(db: &Db, before: UnixTime) -> Result<()> {
    with_pool!(db, pool => sqlx::query(
            "DELETE FROM secret_attempts WHERE window_start < $1 AND locked_until < $1",
        )
        .bind(before)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Email, OrgShortName};

    #[test]
    fn subjects_are_one_per_canonical_email_and_org() {
        let s = |e: &str, o: &str| subject(&Email::canonical(e), &OrgShortName::canonical(o));
        assert_eq!(s(" Ada@Example.com", "ACME"), s("ada@example.com", "acme"));
        assert_eq!(s("jose\u{301}@x.com", "acme"), s("jos\u{e9}@x.com", "acme"));
        assert_ne!(s("ada@example.com", "acme"), s("ada@example.com", "globex"));
    }

    #[tokio::test]
    async fn at_most_the_allowed_attempts_are_granted_until_the_lockout_ends() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        let rule = Rule {
            attempts: 2,
            lockout_secs: 600,
        };
        let now = 1_000_000;
        let w = reserve(&db, "s", rule, now).await.unwrap().unwrap();
        assert_eq!(w, now);
        assert!(reserve(&db, "s", rule, now).await.unwrap().is_some());
        assert!(
            reserve(&db, "s", rule, now).await.unwrap().is_none(),
            "two in flight"
        );
        release(&db, "s", w).await.unwrap();
        assert!(
            reserve(&db, "s", rule, now).await.unwrap().is_some(),
            "a right one gave its place back"
        );
        assert_eq!(failed(&db, "s", w, rule, now).await.unwrap(), 1);
        assert_eq!(failed(&db, "s", w, rule, now + 5).await.unwrap(), 2);
        assert!(
            reserve(&db, "s", rule, now + 10).await.unwrap().is_none(),
            "locked"
        );
        assert_eq!(
            locked_until(&db, "s", rule, now + 10).await.unwrap(),
            now + 605
        );
        assert!(reserve(&db, "s", rule, now + 604).await.unwrap().is_none());
        assert!(
            reserve(&db, "s", rule, now + 605).await.unwrap().is_some(),
            "lockout over"
        );
    }

    /// An attempt that ends after its window did gives nothing back to the
    /// next window, and fails nothing there: otherwise checks still in
    /// flight at a window's end would each buy a place in the next.
    #[tokio::test]
    async fn an_attempt_counts_only_in_its_own_window() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        let rule = Rule {
            attempts: 2,
            lockout_secs: 600,
        };
        let old = reserve(&db, "s", rule, 1_000).await.unwrap().unwrap();
        let later = 1_000 + WINDOW_SECS;
        let new = reserve(&db, "s", rule, later).await.unwrap().unwrap();
        assert_ne!(old, new);
        assert!(reserve(&db, "s", rule, later).await.unwrap().is_some());
        // The old attempt ends now: it frees no place in the new window.
        release(&db, "s", old).await.unwrap();
        assert!(reserve(&db, "s", rule, later).await.unwrap().is_none());
        assert_eq!(failed(&db, "s", old, rule, later).await.unwrap(), 0);
    }
}
