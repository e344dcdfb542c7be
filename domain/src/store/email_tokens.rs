//! Single-use tokens mailed (or printed) as links: re-authentication,
//! password reset, enrollment.
//!
//! The token travels in the link's fragment (`#token=…`): browsers never
//! send a fragment to the server, so it stays out of access logs and
//! Referer headers, and a mail scanner that fetches the link (GET or HEAD)
//! only gets the app shell. The token is used by a POST from the
//! confirmation page, which deletes it; only its SHA-256 is stored.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::mail::Outgoing;
use crate::store::db::Db;
use crate::types::AccountId;
use crate::with_pool;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a re-authentication link works (seconds).
pub const TOKEN_TTL_SECS: i64 = 15 * 60;

/// What a token may do; a token made for one purpose cannot do another:
/// every lookup names the purpose it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Refreshes the session that asked ("Confirm it's you" by email).
    Reauth,
    /// Sets a new password ("Forgot password?"); bound to no session.
    PasswordReset,
    /// Opens an enrolment session (add a passkey or set a password);
    /// bound to no session.
    Enrollment,
}

impl Purpose {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Purpose::Reauth => "reauth",
            Purpose::PasswordReset => "password_reset",
            Purpose::Enrollment => "enrollment",
        }
    }
}

/// A new link: what it is for, whose, and for how long.
pub struct NewToken<'a> {
    pub purpose: Purpose,
    pub account_id: &'a AccountId,
    /// The session that asked (re-authentication); `None` otherwise.
    pub session_hash: Option<&'a str>,
    /// Seconds the link works.
    pub ttl_secs: i64,
    /// Whether the account's older links of this purpose stop working.
    pub replace_older: bool,
}

fn hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// A new token (256 bits from the OS's CSPRNG) and its stored form
/// (SHA-256, base64url), for a change that stores it in a transaction of
/// its own ([`crate::store::members::reset`]).
pub(crate) fn fresh() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let stored = hash(&token);
    (token, stored)
}

/// Makes a token (256 bits from the OS's CSPRNG) and returns it, to be
/// printed: only its SHA-256 is stored.
pub async fn issue(db: &Db, clock: &Clock, new: NewToken<'_>) -> Result<String> {
    store(db, clock, new, None).await
}

/// Makes a token as [`issue`] does, and queues the message `mail(token)`
/// makes in the same transaction: the link works if and only if it is on
/// its way. The token itself is not returned: it only travels by mail.
pub async fn issue_mailed(
    db: &Db,
    clock: &Clock,
    new: NewToken<'_>,
    mail: impl FnOnce(&str) -> Outgoing + Send,
) -> Result<()> {
    store(db, clock, new, Some(Box::new(mail)))
        .await
        .map(|_| ())
}

/// Makes a mail for a new token.
type Mailing<'a> = Box<dyn FnOnce(&str) -> Outgoing + Send + 'a>;

async fn store(
    db: &Db,
    clock: &Clock,
    new: NewToken<'_>,
    mail: Option<Mailing<'_>>,
) -> Result<String> {
    let (token, token_hash) = fresh();
    let now = clock.now();
    with_pool!(db, pool => sqlx::query("DELETE FROM email_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ()))?;
    with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        if new.replace_older {
            sqlx::query("DELETE FROM email_tokens WHERE account_id = $1 AND purpose = $2")
                .bind(new.account_id)
                .bind(new.purpose.as_str())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, purpose, account_id, session_hash, expires_at, \
                                       created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token_hash)
        .bind(new.purpose.as_str())
        .bind(new.account_id)
        .bind(new.session_hash.unwrap_or(""))
        .bind(now + new.ttl_secs)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(mail) = mail {
            crate::store::mail_queue::queue_mail!(&mut *tx, &mail(&token))?;
        }
        tx.commit().await
    }
    .await)?;
    Ok(token)
}

/// What a used token was bound to.
#[derive(Debug, sqlx::FromRow)]
pub struct Used {
    pub account_id: AccountId,
    /// The asking session's (re-authentication links); '' otherwise.
    pub session_hash: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// When the link was made (Unix seconds).
    pub created_at: i64,
}

/// What a live token of `purpose` is bound to, without using it (for the
/// confirmation page to name the asking session). Unknown, used, expired
/// or other-purpose tokens are refused alike.
pub async fn peek(db: &Db, clock: &Clock, purpose: Purpose, token: &str) -> Result<Used> {
    let found = with_pool!(db, pool => sqlx::query_as::<_, Used>(
            "SELECT account_id, session_hash, expires_at, created_at FROM email_tokens \
             WHERE token_hash = $1 AND purpose = $2",
        )
        .bind(hash(token))
        .bind(purpose.as_str())
        .fetch_optional(pool)
        .await)?;
    match found {
        Some(found) if found.expires_at >= clock.now() => Ok(found),
        _ => Err(Error::LinkInvalid),
    }
}

/// Uses (deletes) a token of `purpose`. Unknown, already used, expired or
/// other-purpose tokens are all refused alike.
pub async fn redeem(db: &Db, clock: &Clock, purpose: Purpose, token: &str) -> Result<Used> {
    let used = with_pool!(db, pool => sqlx::query_as::<_, Used>(
            "DELETE FROM email_tokens WHERE token_hash = $1 AND purpose = $2 \
             RETURNING account_id, session_hash, expires_at, created_at",
        )
        .bind(hash(token))
        .bind(purpose.as_str())
        .fetch_optional(pool)
        .await)?;
    match used {
        Some(used) if used.expires_at >= clock.now() => Ok(used),
        _ => Err(Error::LinkInvalid),
    }
}
