//! Fixed-window counters kept in the database, so that a limit holds
//! across every server instance. Used where a request sends email.

use crate::clock::Clock;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::with_pool;

/// Events older than this are deleted as new ones come.
const KEEP_SECS: i64 = 24 * 60 * 60;

/// Records an event for each subject and refuses with
/// [`Error::RateLimited`] if any subject already had `max` events in the
/// last `window_secs` (then nothing is recorded).
pub async fn check(
    db: &Db,
    clock: &Clock,
    subjects: &[&str],
    max: i64,
    window_secs: i64,
) -> Result<()> {
    let now = clock.now();
    for subject in subjects {
        let count = with_pool!(db, pool => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM rate_events WHERE subject = $1 AND created_at > $2",
            )
            .bind(subject)
            .bind(now - window_secs)
            .fetch_one(pool)
            .await)?;
        if count >= max {
            return Err(Error::RateLimited);
        }
    }
    with_pool!(db, pool => {
        sqlx::query("DELETE FROM rate_events WHERE created_at < $1")
            .bind(now - KEEP_SECS)
            .execute(pool)
            .await?;
        for subject in subjects {
            sqlx::query("INSERT INTO rate_events (subject, created_at) VALUES ($1, $2)")
                .bind(subject)
                .bind(now)
                .execute(pool)
                .await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}
