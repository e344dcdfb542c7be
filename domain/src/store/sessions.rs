//! Server-side sessions.
//!
//! The browser holds a random 256-bit token in an HttpOnly cookie; the
//! database holds only its SHA-256, so reading the table does not let
//! anyone sign in. Each sign-in makes a new token (no session fixation),
//! and a session ends on logout, after the org's idle timeout, or after the
//! org's maximum duration, whichever comes first.

use crate::clock::{Clock, UnixTime};
use crate::error::Result;
use crate::store::accounts::Account;
use crate::store::db::Db;
use crate::store::orgs::Org;
use crate::types::Client;
use crate::types::{AccountId, OrgId, PasskeyId, SessionId};
use crate::{with_pool, with_reader};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{AuthMethod, OrgSummary, SessionInfo};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A live session, joined with its account and org.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    /// Public id (a random UUID), safe to show and to name in mail and the
    /// audit trail; unrelated to the token.
    pub id: SessionId,
    pub token_hash: String,
    pub account_id: AccountId,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub authenticated_at: UnixTime,
    /// How the session last proved who it is (an [`AuthMethod`]).
    pub auth_method: String,
    /// How the session was opened (an [`AuthMethod`]).
    pub signin_method: String,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// The passkey that opened the session, if one did.
    pub passkey_id: Option<PasskeyId>,
    /// Whether that passkey is a synced one (backup eligible), if it
    /// still exists: an org accepting only device-bound passkeys ends the
    /// session.
    pub passkey_backup_eligible: Option<bool>,
    /// The passkey of the session's last re-authentication, if one was used.
    pub reauth_passkey_id: Option<PasskeyId>,
    pub email: String,
    pub display_name: String,
    /// The account's role in its org ([`common::Role`]).
    pub role: String,
    pub org_id: OrgId,
    pub org_short_name: String,
    pub org_name: String,
    pub org_sso_required: bool,
    pub org_require_2fa: bool,
    /// The org's passkey policy (`off`, `offered`, `required`).
    pub org_passkeys: String,
    pub org_passkeys_required_from: i64,
    pub org_device_bound_only: bool,
    pub totp_enabled: bool,
    /// Whether the account has a password (a passkey-only account has none).
    pub has_password: bool,
    /// The account's unused recovery codes.
    pub recovery_codes_left: i64,
    /// `full`, or a second step still to do (see [`Stage`]).
    pub stage: String,
    pub totp_pending: Option<String>,
    pub totp_failures: i64,
    /// SHA-256 (base64url) of the code mailed for the forced 2FA setup.
    pub mailbox_code_hash: Option<String>,
    pub max_session_secs: i64,
    pub idle_timeout_secs: i64,
}

impl Session {
    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            org: OrgSummary {
                short_name: self.org_short_name.clone(),
                name: self.org_name.clone(),
            },
            // Only this module writes the column, always from an AuthMethod.
            auth_method: AuthMethod::parse(&self.auth_method).unwrap_or(AuthMethod::Password),
            authenticated_at: self.authenticated_at,
            pending: Stage::parse(&self.stage).second_step(),
            totp_enabled: self.totp_enabled,
            org_requires_2fa: self.org_require_2fa,
            has_password: self.has_password,
            recovery_codes_left: u32::try_from(self.recovery_codes_left).unwrap_or(0),
            // Only the members store writes the column, from a Role.
            role: common::Role::parse(&self.role).unwrap_or(common::Role::Member),
            // Opened at the enrolment step after the org's date for
            // passkeys: the step is owed for want of a passkey
            // (`signin::complete`).
            passkey_required: Stage::parse(&self.stage) == Stage::Enroll
                && self.org_passkeys == "required"
                && self.created_at >= self.org_passkeys_required_from,
        }
    }
}

/// How far a session has got with signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Signed in.
    Full,
    /// Password done; the authenticator code is pending.
    Totp,
    /// Password done; the org requires 2FA, which must be set up first.
    TotpSetup,
    /// Opened by a recovery code or an enrollment link: it can only add a
    /// passkey or set a password, and is then replaced by a full session.
    Enroll,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::Totp => "totp",
            Stage::TotpSetup => "totp_setup",
            Stage::Enroll => "enroll",
        }
    }

    /// Unknown values count as the most restricted stage.
    pub fn parse(s: &str) -> Self {
        match s {
            "full" => Stage::Full,
            "totp_setup" => Stage::TotpSetup,
            "enroll" => Stage::Enroll,
            _ => Stage::Totp,
        }
    }

    pub fn second_step(self) -> Option<common::SecondStep> {
        match self {
            Stage::Full => None,
            Stage::Totp => Some(common::SecondStep::Totp),
            Stage::TotpSetup => Some(common::SecondStep::TotpSetup),
            Stage::Enroll => Some(common::SecondStep::Enroll),
        }
    }
}

/// A passkey deleted while the session it proves was being recorded: the
/// proof no longer stands (the `passkey_id` reference fails). Its
/// signature held, so saying it is unknown tells nothing about accounts.
fn passkey_gone(err: sqlx::Error) -> crate::Error {
    match &err {
        sqlx::Error::Database(e) if e.is_foreign_key_violation() => crate::Error::PasskeyUnknown,
        _ => err.into(),
    }
}

/// A new session token: 256 bits from the operating system's CSPRNG,
/// base64url without padding (43 characters).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token or code, base64url: what is stored in its place.
pub fn hash_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// What a new session is opened with.
pub struct NewSession<'a> {
    pub account: &'a Account,
    pub org: &'a Org,
    pub method: AuthMethod,
    pub stage: Stage,
    pub client: &'a Client,
    /// The passkey that proved who it is, for a passkey sign-in.
    pub passkey_id: Option<&'a PasskeyId>,
}

/// Opens a session; returns the token for the cookie and the session as
/// [`find`] would return it (built from what the caller already loaded, to
/// save a read per sign-in).
pub async fn create(db: &Db, clock: &Clock, new: NewSession<'_>) -> Result<(String, Session)> {
    let NewSession {
        account,
        org,
        method,
        stage,
        client,
        passkey_id,
    } = new;
    let token = new_token();
    let token_hash = hash_token(&token);
    let id = SessionId::random();
    let now = clock.now();
    // The account's recovery codes are counted in the same statement, for
    // the session's description (a sign-in answers with it).
    let recovery_codes_left = with_pool!(db, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO sessions (token_hash, id, account_id, created_at, last_seen_at, authenticated_at, \
                                   auth_method, signin_method, stage, client_addr, user_agent, passkey_id) \
             VALUES ($1, $2, $3, $4, $4, $4, $5, $5, $6, $7, $8, $9) \
             RETURNING (SELECT COUNT(*) FROM recovery_codes WHERE account_id = $3)",
        )
        .bind(&token_hash)
        .bind(&id)
        .bind(&account.id)
        .bind(now)
        .bind(method.as_str())
        .bind(stage.as_str())
        .bind(&client.addr)
        .bind(&client.user_agent)
        .bind(passkey_id)
        .fetch_one(pool)
        .await)
    .map_err(passkey_gone)?;
    let session = Session {
        id,
        token_hash,
        account_id: account.id.clone(),
        created_at: now,
        last_seen_at: now,
        authenticated_at: now,
        auth_method: method.as_str().to_owned(),
        signin_method: method.as_str().to_owned(),
        client_addr: client.addr.clone(),
        user_agent: client.user_agent.clone(),
        passkey_id: passkey_id.cloned(),
        // Read with the row from the next request on.
        passkey_backup_eligible: None,
        reauth_passkey_id: None,
        email: account.email.clone(),
        display_name: account.display_name.clone(),
        role: account.role.clone(),
        org_id: org.id.clone(),
        org_short_name: org.short_name.clone(),
        org_name: org.name.clone(),
        org_sso_required: org.sso_required,
        org_require_2fa: org.require_2fa,
        org_passkeys: org.passkeys.clone(),
        org_passkeys_required_from: org.passkeys_required_from,
        org_device_bound_only: org.device_bound_only,
        totp_enabled: account.totp_secret.is_some(),
        has_password: account.password_hash.is_some(),
        recovery_codes_left,
        stage: stage.as_str().to_owned(),
        totp_pending: None,
        totp_failures: 0,
        mailbox_code_hash: None,
        max_session_secs: org.max_session_secs,
        idle_timeout_secs: org.idle_timeout_secs,
    };
    Ok((token, session))
}

/// A session row joined with its account and org: the columns of
/// [`Session`], then the FROM clause (`s`, `a`, `o`).
const SELECT_SESSION: &str =
    "SELECT s.id, s.token_hash, s.account_id, s.created_at, s.last_seen_at, \
        s.authenticated_at, s.auth_method, s.signin_method, s.client_addr, s.user_agent, \
        s.passkey_id, \
        (SELECT p.backup_eligible FROM passkeys p WHERE p.id = s.passkey_id) \
            AS passkey_backup_eligible, \
        s.reauth_passkey_id, a.email, a.display_name, a.role, o.id AS org_id, \
        o.short_name AS org_short_name, o.name AS org_name, o.sso_required AS org_sso_required, \
        o.require_2fa AS org_require_2fa, o.passkeys AS org_passkeys, \
        o.passkeys_required_from AS org_passkeys_required_from, \
        o.device_bound_only AS org_device_bound_only, a.totp_secret IS NOT NULL AS totp_enabled, \
        a.password_hash <> '' AS has_password, \
        (SELECT COUNT(*) FROM recovery_codes r WHERE r.account_id = a.id) AS recovery_codes_left, \
        s.stage, s.totp_pending, s.totp_failures, s.mailbox_code_hash, \
        o.max_session_secs, o.idle_timeout_secs \
    FROM sessions s \
    JOIN accounts a ON a.id = s.account_id \
    JOIN orgs o ON o.id = a.org_id";

/// The session whose token hashes to `token_hash`, joined with its
/// account and org, live or not (see `crate::sessions` for the rules).
pub async fn find_by_hash(db: &Db, token_hash: &str) -> Result<Option<Session>> {
    let sql = format!("{SELECT_SESSION} WHERE s.token_hash = $1");
    Ok(with_reader!(db, pool => sqlx::query_as::<_, Session>(&sql)
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?)
}

/// A session of an account, with the name of the passkey that opened it.
#[derive(Debug, sqlx::FromRow)]
pub struct Listed {
    #[sqlx(flatten)]
    pub session: Session,
    pub passkey_name: Option<String>,
}

/// Every session row of the account, live or not (the caller applies the
/// org's limits), the most recently seen first.
pub async fn list_for_account(db: &Db, account_id: &AccountId) -> Result<Vec<Listed>> {
    let sql = SELECT_SESSION.replacen(
        " FROM sessions s",
        ", p.name AS passkey_name FROM sessions s LEFT JOIN passkeys p ON p.id = s.passkey_id",
        1,
    ) + " WHERE s.account_id = $1 ORDER BY s.last_seen_at DESC, s.created_at DESC";
    Ok(with_reader!(db, pool => sqlx::query_as::<_, Listed>(&sql)
        .bind(account_id)
        .fetch_all(pool)
        .await)?)
}

/// Every session row of the org's accounts, live or not (the caller
/// applies the org's limits).
pub async fn list_for_org(db: &Db, org_id: &OrgId) -> Result<Vec<Session>> {
    let sql = format!("{SELECT_SESSION} WHERE a.org_id = $1");
    Ok(with_reader!(db, pool => sqlx::query_as::<_, Session>(&sql)
        .bind(org_id)
        .fetch_all(pool)
        .await)?)
}

/// Ends the account's session with the public id `id`; whether there was one.
pub async fn delete_of_account(db: &Db, account_id: &AccountId, id: &str) -> Result<bool> {
    let deleted = with_pool!(db, pool => sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(deleted == 1)
}

/// Ends every session of the account (`$1`) but the one hashed `$2`: also
/// run inside the transactions that change what those sessions proved
/// (a password, 2FA).
pub const END_OTHERS: &str = "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2";

/// Ends every session of the account but the one hashed `keep`; how many.
pub async fn delete_others(db: &Db, account_id: &AccountId, keep: &str) -> Result<u64> {
    Ok(with_pool!(db, pool => sqlx::query(END_OTHERS)
        .bind(account_id)
        .bind(keep)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}

/// Records that the session hashed `token_hash` was seen at `now`.
pub async fn touch(db: &Db, token_hash: &str, now: UnixTime) -> Result<()> {
    with_pool!(db, pool => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Records a fresh proof of identity on a live session (re-authentication
/// before a sensitive change). Returns whether the session still exists.
pub async fn reauthenticate(
    db: &Db,
    clock: &Clock,
    token_hash: &str,
    method: AuthMethod,
    passkey_id: Option<&PasskeyId>,
) -> Result<bool> {
    let changed = with_pool!(db, pool => sqlx::query(
            "UPDATE sessions SET authenticated_at = $1, auth_method = $2, reauth_passkey_id = $3 \
             WHERE token_hash = $4",
        )
        .bind(clock.now())
        .bind(method.as_str())
        .bind(passkey_id)
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
    .map_err(passkey_gone)?;
    Ok(changed == 1)
}

/// Stores (or clears) the TOTP secret a session is setting up.
pub async fn set_totp_pending(db: &Db, token_hash: &str, secret: Option<&str>) -> Result<()> {
    with_pool!(db, pool => sqlx::query("UPDATE sessions SET totp_pending = $1 WHERE token_hash = $2")
        .bind(secret)
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Stores (or clears) the hash of the code mailed to a session's account.
///
/// `mail` (the message carrying a new code) is queued in the same
/// transaction: the code is stored if and only if it is on its way.
pub async fn set_mailbox_code(
    db: &Db,
    token_hash: &str,
    code_hash: Option<&str>,
    mail: Option<&crate::mail::Outgoing>,
) -> Result<()> {
    with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query("UPDATE sessions SET mailbox_code_hash = $1 WHERE token_hash = $2")
            .bind(code_hash)
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        if let Some(mail) = mail {
            crate::store::mail_queue::queue_mail!(&mut *tx, mail)?;
        }
        tx.commit().await
    }
    .await)?;
    Ok(())
}

/// Counts a wrong authenticator code on a half-signed-in session and
/// returns how many there have been.
pub async fn count_totp_failure(db: &Db, token_hash: &str) -> Result<i64> {
    Ok(with_pool!(db, pool => sqlx::query_scalar::<_, i64>(
            "UPDATE sessions SET totp_failures = totp_failures + 1 WHERE token_hash = $1 RETURNING totp_failures",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?
    .unwrap_or(0))
}

/// Ends a session by its stored hash.
pub async fn delete_hash(db: &Db, token_hash: &str) -> Result<()> {
    delete_by_hash(db, token_hash).await
}

/// Ends the session of a cookie token (logout). Unknown tokens are ignored.
pub async fn delete(db: &Db, token: &str) -> Result<()> {
    delete_by_hash(db, &hash_token(token)).await
}

async fn delete_by_hash(db: &Db, token_hash: &str) -> Result<()> {
    with_pool!(db, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10,000 tokens from the real generator are distinct, and their
    /// characters use the base64url alphabet evenly: Pearson's chi-square
    /// over the 64 symbols of the first 42 characters (the 43rd carries
    /// only 4 bits) stays under 110 — the 99.97th percentile for 63
    /// degrees of freedom, so an honest generator fails about once in
    /// 3,000 runs, and a biased one (a symbol twice as likely) far above.
    #[test]
    fn session_tokens_are_distinct_and_uniform() {
        let tokens: Vec<String> = (0..10_000).map(|_| new_token()).collect();
        let distinct: std::collections::HashSet<&String> = tokens.iter().collect();
        assert_eq!(distinct.len(), tokens.len());
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut counts = [0u64; 64];
        for token in &tokens {
            assert_eq!(token.len(), 43);
            for c in token.chars().take(42) {
                counts[alphabet.find(c).expect("base64url")] += 1;
            }
        }
        let expected = (tokens.len() * 42) as f64 / 64.0;
        let chi_square: f64 = counts
            .iter()
            .map(|&n| (n as f64 - expected).powi(2) / expected)
            .sum();
        assert!(
            chi_square < 110.0,
            "chi-square {chi_square:.1} over 64 symbols"
        );
    }

    #[test]
    fn tokens_are_stored_hashed() {
        let h = hash_token("abc");
        assert_ne!(h, "abc");
        assert_eq!(h.len(), 43, "SHA-256 in unpadded base64url");
    }
}
