//! Limits: rate limits per client, and the one gate every password or
//! code check goes through ([`SecretGate`], the lockout).
//!
//! Rate limits are fixed-window counters kept in the database, so that a
//! limit holds across every server instance sharing it.
//!
//! Each request bumps its subject's counter for the current window with one
//! upsert and is refused with [`Error::RateLimited`] (HTTP 429) once the
//! count passes the limit. Refused requests count too: a client that keeps
//! hammering stays refused until the window ends.
//!
//! Per client address — an IPv4 address, or an IPv6 address's /64 (one
//! home connection or server usually holds a whole /64; RFC 6177): every ceremony start (the rows it stores are
//! therefore bounded by the limit times the ceremony lifetime, per
//! address), every password or authenticator-code check, and every request
//! that sends email. Per account or email address, on top: the emails.

use crate::audit::Client;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::db::Db;
use crate::store::lockout::{self, Rule};
use crate::types::{Email, OrgShortName};
use crate::with_pool;
use crate::Domain;
use std::net::IpAddr;

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
    /// Emails sent on behalf of one client address: org lists,
    /// re-authentication links, reset links (20 an hour by default).
    pub emails: Limit,
}

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
            emails: Limit {
                name: "email-ip",
                max: 20,
                window_secs: 60 * 60,
            },
        }
    }

    /// These limits with at most `emails` sent per client address an hour.
    pub fn with_emails_per_hour(mut self, emails: i64) -> Self {
        self.emails.max = emails;
        self
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
pub async fn ceremony_start(d: &Domain, client: &Client) -> Result<()> {
    let limit = d.limits.ceremony_starts;
    hit(&d.db, &d.clock, limit, client_key(client).as_deref()).await
}

/// Counts a password or authenticator-code check from this client.
pub async fn secret_check(d: &Domain, client: &Client) -> Result<()> {
    let limit = d.limits.secret_checks;
    hit(&d.db, &d.clock, limit, client_key(client).as_deref()).await
}

/// The key a client is counted under: an IPv4 address as it is (an
/// IPv4-mapped IPv6 address counts as its IPv4 address), an IPv6 address
/// by its /64 prefix — one subscriber or server usually has a whole /64,
/// so counting single addresses would let it rotate past any limit.
pub fn client_key(client: &Client) -> Option<String> {
    let addr: IpAddr = client.addr.as_deref()?.parse().ok()?;
    Some(match addr {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    })
}

/// The one gate every check of a secret — a password, a 2FA code, the
/// code mailed for the forced 2FA setup, and later recovery codes — goes
/// through, on every path (sign-in, re-authentication, …): it counts the
/// check against the client's rate limit, then reserves an attempt for the
/// (email, org) *before* the secret is looked at, so that at most the
/// org's allowed attempts are checked per 15-minute window however many
/// requests arrive at once, on any instance (OWASP ASVS 2.2.1; NIST SP
/// 800-63B-4 §3.2.2). Once locked, even the right secret is refused, until
/// the lockout ends.
///
/// An opened gate ends in [`SecretGate::right`], [`SecretGate::signed_in`]
/// or [`SecretGate::wrong`]. One dropped without a verdict (an error, a
/// client gone mid-request) gives its attempt back, as a right secret
/// would: nothing was learnt about the secret.
#[must_use = "say whether the secret was right or wrong"]
pub struct SecretGate<'a> {
    d: &'a Domain,
    subject: String,
    rule: Rule,
    /// The start of the window the attempt was reserved in.
    window: crate::clock::UnixTime,
    closed: bool,
}

impl<'a> SecretGate<'a> {
    /// Counts the check and reserves an attempt at `email`'s secrets in
    /// `org` (existing or not) under `rule`.
    ///
    /// Errors: [`Error::RateLimited`] (the client checks too many secrets),
    /// [`Error::LockedOut`] (the attempts are used up; minutes until the end).
    pub async fn open(
        d: &'a Domain,
        client: &Client,
        email: &Email,
        org: &OrgShortName,
        rule: Rule,
    ) -> Result<SecretGate<'a>> {
        secret_check(d, client).await?;
        let subject = lockout::subject(email, org);
        let now = d.clock.now();
        let Some(window) = lockout::reserve(&d.db, &subject, rule, now).await? else {
            let until = lockout::locked_until(&d.db, &subject, rule, now).await?;
            metrics::counter!("latchkey_locked_out_refusals_total").increment(1);
            return Err(Error::LockedOut {
                minutes: (until - now + 59) / 60,
            });
        };
        Ok(SecretGate {
            d,
            subject,
            rule,
            window,
            closed: false,
        })
    }

    /// [`SecretGate::open`] for the account of a live session (a code step,
    /// a re-authentication), under its org's lockout rule as it is now.
    pub async fn for_session(
        d: &'a Domain,
        client: &Client,
        session: &crate::store::sessions::Session,
    ) -> Result<SecretGate<'a>> {
        let org = crate::store::orgs::find_by_id(&d.db, &session.org_id).await?;
        let rule = crate::policy::OrgPolicy::of(org.as_ref()).lockout();
        let email = Email::canonical(&session.email);
        let short_name = OrgShortName::canonical(&session.org_short_name);
        Self::open(d, client, &email, &short_name, rule).await
    }

    /// The secret was right: the attempt is given back.
    pub async fn right(mut self) -> Result<()> {
        self.closed = true;
        lockout::release(&self.d.db, &self.subject, self.window).await
    }

    /// The secret was right and the sign-in is complete: the (email, org)
    /// starts with a clean slate.
    pub async fn signed_in(mut self) -> Result<()> {
        self.closed = true;
        lockout::clear(&self.d.db, &self.subject).await
    }

    /// The secret was wrong: the attempt stays used, and the (email, org)
    /// locks once the allowance is spent. Returns the failures in this window.
    pub async fn wrong(mut self) -> Result<i64> {
        self.closed = true;
        let now = self.d.clock.now();
        lockout::sweep(&self.d.db, now - KEEP_SECS).await?;
        let failures =
            lockout::failed(&self.d.db, &self.subject, self.window, self.rule, now).await?;
        if failures == self.rule.attempts {
            metrics::counter!("latchkey_lockouts_total").increment(1);
        }
        Ok(failures)
    }
}

impl Drop for SecretGate<'_> {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        // No verdict: give the attempt back, off the dropping task.
        let (db, subject, window) = (self.d.db.clone(), self.subject.clone(), self.window);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = lockout::release(&db, &subject, window).await {
                    tracing::warn!("giving back an unchecked attempt: {e}");
                }
            });
        }
    }
}

/// Attempt rows older than this (seconds) are deleted as failures come.
const KEEP_SECS: i64 = 24 * 60 * 60;

/// Counts an email sent because of this client.
pub async fn email(d: &Domain, client: &Client) -> Result<()> {
    hit(
        &d.db,
        &d.clock,
        d.limits.emails,
        client_key(client).as_deref(),
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
        metrics::counter!("latchkey_rate_limited_total", "limit" => limit.name).increment(1);
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

    #[test]
    fn ipv6_clients_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let key = |addr: &str| {
            client_key(&Client {
                addr: Some(addr.into()),
                user_agent: None,
            })
        };
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7").as_deref(), Some("192.0.2.7"));
        assert_eq!(key("192.0.2.7").as_deref(), Some("192.0.2.7"));
        assert_eq!(key("not an address"), None);
    }
}
