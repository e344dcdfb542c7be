//! Server-side state of WebAuthn ceremonies.
//!
//! Between `start` and `finish` the webauthn-rs state (challenge, allowed
//! credentials, policy) waits in the database — shared by every server
//! instance — and the client holds only a random id. Finishing *takes* the
//! row with one `DELETE … RETURNING`, so a ceremony is usable exactly once
//! even when two finishes race on two instances.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::db::Db;
use crate::types::AccountId;
use crate::with_pool;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::{AtomicI64, Ordering};

/// What a ceremony is for; a ceremony started for one purpose cannot be
/// finished as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    Login,
    Reauth,
    /// A passkey standing in for the 2FA code of a password reset.
    PasswordReset,
    /// A single sign-on (or re-authentication) at the org's identity
    /// provider, between the redirect and the callback.
    Sso,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Login => "login",
            Purpose::Reauth => "reauth",
            Purpose::PasswordReset => "password_reset",
            Purpose::Sso => "sso",
        }
    }
}

/// Who a ceremony is bound to, checked again when it is taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Binding {
    /// The session that started it (its token hash), if any.
    pub session_hash: Option<String>,
    /// The account it is for, if known at the start.
    pub account_id: Option<AccountId>,
}

impl Binding {
    /// Bound to `session` and its account: only that session can finish it.
    pub fn of_session(session: &crate::store::sessions::Session) -> Self {
        Binding {
            session_hash: Some(session.token_hash.clone()),
            account_id: Some(session.account_id.clone()),
        }
    }

    /// Refuses a ceremony that the session `token_hash` did not start.
    pub fn require_session(&self, token_hash: &str) -> Result<()> {
        if self.session_hash.as_deref() != Some(token_hash) {
            tracing::warn!("a ceremony was finished by another session than started it");
            return Err(Error::CeremonyInvalid);
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    state: String,
    session_hash: Option<String>,
    account_id: Option<AccountId>,
    expires_at: i64,
}

/// How often expired ceremonies are swept, at most: sweeping on every start
/// cost one more statement per sign-in for, nearly always, nothing.
const SWEEP_EVERY_SECS: i64 = 10;

/// When this instance last swept expired ceremonies.
#[derive(Debug, Default)]
pub struct Sweeper {
    next_at: AtomicI64,
}

impl Sweeper {
    /// True at most once every [`SWEEP_EVERY_SECS`] (per instance).
    fn due(&self, now: i64) -> bool {
        let next = self.next_at.load(Ordering::Relaxed);
        now >= next
            && self
                .next_at
                .compare_exchange(
                    next,
                    now + SWEEP_EVERY_SECS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}

/// Stores `ceremony`, finishable for `lifetime_secs` seconds from now, and
/// returns the id the client will send back.
pub async fn start<S: Serialize>(
    db: &Db,
    clock: &Clock,
    sweeper: &Sweeper,
    lifetime_secs: i64,
    purpose: Purpose,
    binding: Binding,
    ceremony: &S,
) -> Result<String> {
    let now = clock.now();
    let json = serde_json::to_string(ceremony)
        .map_err(|e| Error::Internal(format!("ceremony state: {e}")))?;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let id = URL_SAFE_NO_PAD.encode(bytes);
    let sweep = sweeper.due(now);
    // Expired rows are swept as new ones come, every few seconds, so the
    // table holds at most the ceremonies of the last lifetime.
    if sweep {
        with_pool!(db, pool => sqlx::query("DELETE FROM ceremonies WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
    }
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO ceremonies (id, purpose, session_hash, account_id, state, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(purpose.as_str())
        .bind(&binding.session_hash)
        .bind(&binding.account_id)
        .bind(&json)
        .bind(now + lifetime_secs)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(id)
}

/// Removes the ceremony and returns its state and binding, if it exists,
/// has this purpose and has not expired; [`Error::CeremonyInvalid`]
/// otherwise. Whatever the outcome, the id can never be used again.
pub async fn take<S: DeserializeOwned>(
    db: &Db,
    clock: &Clock,
    purpose: Purpose,
    id: &str,
) -> Result<(S, Binding)> {
    let row = with_pool!(db, pool => sqlx::query_as::<_, Row>(
            "DELETE FROM ceremonies WHERE id = $1 AND purpose = $2 \
             RETURNING state, session_hash, account_id, expires_at",
        )
        .bind(id)
        .bind(purpose.as_str())
        .fetch_optional(pool)
        .await)?;
    let Some(row) = row else {
        return Err(Error::CeremonyInvalid);
    };
    if row.expires_at < clock.now() {
        return Err(Error::CeremonyInvalid);
    }
    let state = serde_json::from_str(&row.state)
        .map_err(|e| Error::Internal(format!("ceremony state: {e}")))?;
    let binding = Binding {
        session_hash: row.session_hash,
        account_id: row.account_id,
    };
    Ok((state, binding))
}
