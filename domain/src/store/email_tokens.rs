//! Single-use tokens mailed as links, for re-authentication by email.
//!
//! The token travels in the link's fragment (`#token=…`): browsers never
//! send a fragment to the server, so it stays out of access logs and
//! Referer headers, and a mail scanner that fetches the link (GET or HEAD)
//! only gets the app shell. The token is used by a POST from the
//! confirmation page, which deletes it; only its SHA-256 is stored.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::db::Db;
use crate::types::AccountId;
use crate::with_pool;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a mailed link works.
pub const TOKEN_TTL_SECS: i64 = 15 * 60;

/// What a token may do; a token made for one purpose cannot do another.
pub const PURPOSE_REAUTH: &str = "reauth";

fn hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Makes a token for `account_id`, bound to the asking session, and
/// returns it (to be mailed; it is not stored).
pub async fn issue(
    db: &Db,
    clock: &Clock,
    purpose: &str,
    account_id: &AccountId,
    session_hash: &str,
) -> Result<String> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = clock.now();
    with_pool!(db, pool => sqlx::query("DELETE FROM email_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ()))?;
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, purpose, account_id, session_hash, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash(&token))
        .bind(purpose)
        .bind(account_id)
        .bind(session_hash)
        .bind(now + TOKEN_TTL_SECS)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(token)
}

/// What a used token was bound to.
#[derive(Debug, sqlx::FromRow)]
pub struct Used {
    pub account_id: AccountId,
    pub session_hash: String,
    /// Unix seconds; the token was issued [`TOKEN_TTL_SECS`] before.
    pub expires_at: i64,
}

/// What a live token of `purpose` is bound to, without using it (for the
/// confirmation page to name the asking session). Unknown, used, expired
/// or other-purpose tokens are refused alike.
pub async fn peek(db: &Db, clock: &Clock, purpose: &str, token: &str) -> Result<Used> {
    let found = with_pool!(db, pool => sqlx::query_as::<_, Used>(
            "SELECT account_id, session_hash, expires_at FROM email_tokens \
             WHERE token_hash = $1 AND purpose = $2",
        )
        .bind(hash(token))
        .bind(purpose)
        .fetch_optional(pool)
        .await)?;
    match found {
        Some(found) if found.expires_at >= clock.now() => Ok(found),
        _ => Err(Error::LinkInvalid),
    }
}

/// Uses (deletes) a token of `purpose`. Unknown, already used, expired or
/// other-purpose tokens are all refused alike.
pub async fn redeem(db: &Db, clock: &Clock, purpose: &str, token: &str) -> Result<Used> {
    let used = with_pool!(db, pool => sqlx::query_as::<_, Used>(
            "DELETE FROM email_tokens WHERE token_hash = $1 AND purpose = $2 \
             RETURNING account_id, session_hash, expires_at",
        )
        .bind(hash(token))
        .bind(purpose)
        .fetch_optional(pool)
        .await)?;
    match used {
        Some(used) if used.expires_at >= clock.now() => Ok(used),
        _ => Err(Error::LinkInvalid),
    }
}
