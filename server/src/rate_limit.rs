//! Rate limits: fixed-window counters kept in the database, so that a limit
//! holds across every server instance sharing it.
//!
//! Each request bumps its subject's counter for the current window with one
//! upsert and is refused with [`Error::RateLimited`] (HTTP 429) once the
//! count passes the limit. Refused requests count too: a client that keeps
//! hammering stays refused until the window ends.
//!
//! Per client address: every ceremony start (the rows it stores are
//! therefore bounded by the limit times the ceremony lifetime, per
//! address), every password or authenticator-code check, and every request
//! that sends email. Per account or email address, on top: the emails.

use crate::audit::Client;
use crate::clock::Clock;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::with_pool;

/// One limit: at most `max` requests per `window_secs` for each subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Prefix of the subject, naming what is limited.
    pub name: &'static str,
    pub max: i64,
    pub window_secs: i64,
}

/// The per-address limits an operator can tune (see `ServeArgs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Passkey sign-in, re-authentication and registration starts.
    pub ceremony_starts: Limit,
    /// Passwords and authenticator codes checked.
    pub secret_checks: Limit,
}

/// Emails sent on behalf of one client address: org lists and re-authentication links.
pub const EMAILS_PER_ADDRESS: Limit = Limit {
    name: "email-ip",
    max: 20,
    window_secs: 60 * 60,
};

impl RateLimits {
    /// Limits of `per_minute` ceremony starts and secret checks per address.
    pub fn per_minute(ceremony_starts: i64, secret_checks: i64) -> Self {
        RateLimits {
            ceremony_starts: Limit {
                name: "ceremony-ip",
                max: ceremony_starts,
                window_secs: 60,
            },
            secret_checks: Limit {
                name: "secret-ip",
                max: secret_checks,
                window_secs: 60,
            },
        }
    }
}

impl Default for RateLimits {
    /// Generous enough for an office behind one address signing in at nine,
    /// tight enough that one address cannot guess passwords or fill the
    /// ceremony table.
    fn default() -> Self {
        Self::per_minute(120, 30)
    }
}

/// Counts a ceremony start from this client.
pub async fn ceremony_start(state: &AppState, client: &Client) -> Result<()> {
    let limit = state.limits.ceremony_starts;
    hit(&state.db, &state.clock, limit, client.addr.as_deref()).await
}

/// Counts a password or authenticator-code check from this client.
pub async fn secret_check(state: &AppState, client: &Client) -> Result<()> {
    let limit = state.limits.secret_checks;
    hit(&state.db, &state.clock, limit, client.addr.as_deref()).await
}

/// Runs `check` (a password or code check) if the client is within its
/// limit of secret checks, which it counts.
pub async fn limited_secret_check<T>(
    state: &AppState,
    client: &Client,
    check: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    secret_check(state, client).await?;
    check.await
}

/// Counts an email sent because of this client.
pub async fn email(state: &AppState, client: &Client) -> Result<()> {
    hit(
        &state.db,
        &state.clock,
        EMAILS_PER_ADDRESS,
        client.addr.as_deref(),
    )
    .await
}

/// Counts one request against `limit` for `key` (a client address, an
/// account id…). With no key (no client address is known) nothing is
/// counted.
pub async fn hit(db: &Db, clock: &Clock, limit: Limit, key: Option<&str>) -> Result<()> {
    let Some(key) = key else {
        return Ok(());
    };
    let now = clock.now();
    let window_start = now - now.rem_euclid(limit.window_secs);
    let expires_at = window_start + limit.window_secs;
    let subject = format!("{}:{key}", limit.name);
    let hits = with_pool!(db, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO rate_counters (subject, window_start, expires_at, hits) \
             VALUES ($1, $2, $3, 1) \
             ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_counters.hits + 1 \
             RETURNING hits",
        )
        .bind(&subject)
        .bind(window_start)
        .bind(expires_at)
        .fetch_one(pool)
        .await)?;
    if hits == 1 {
        // A new window for this subject: a good moment to drop ended ones,
        // which keeps the table to about one row per active subject.
        with_pool!(db, pool => sqlx::query("DELETE FROM rate_counters WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
    }
    if hits > limit.max {
        tracing::warn!(limit = limit.name, "rate limit reached");
        return Err(Error::RateLimited);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_limit_refuses_past_its_max_until_the_window_ends() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        let clock = Clock::manual(1_000_020);
        let limit = Limit {
            name: "t",
            max: 2,
            window_secs: 60,
        };
        hit(&db, &clock, limit, Some("a")).await.unwrap();
        hit(&db, &clock, limit, Some("a")).await.unwrap();
        assert!(matches!(
            hit(&db, &clock, limit, Some("a")).await,
            Err(Error::RateLimited)
        ));
        // Other keys have their own count; no key is not counted.
        hit(&db, &clock, limit, Some("b")).await.unwrap();
        for _ in 0..5 {
            hit(&db, &clock, limit, None).await.unwrap();
        }
        clock.advance(60);
        hit(&db, &clock, limit, Some("a")).await.unwrap();
    }
}
