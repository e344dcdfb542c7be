//! Single sign-on settings and links (migration 0011): an org's OpenID
//! Connect provider, and which account each (issuer, subject) signs in to.

use crate::clock::Clock;
use crate::error::Result;
use crate::store::accounts::Account;
use crate::store::db::{on_unique, Db};
use crate::types::{AccountId, OrgId};
use crate::{with_pool, with_reader};

/// An org's identity provider, as the org's admin configured it.
#[derive(Clone, sqlx::FromRow)]
pub struct Provider {
    pub org_id: OrgId,
    /// The issuer identifier, e.g. `https://login.example.com/realms/acme`:
    /// discovery is at `{issuer}/.well-known/openid-configuration`, and ID
    /// tokens must carry exactly this `iss`.
    pub issuer: String,
    pub client_id: String,
    /// Read only to redeem authorization codes. `Provider`'s `Debug` never
    /// shows it.
    pub client_secret: String,
    /// Scopes asked for besides `openid`, space-separated.
    pub scopes: String,
    /// Email domains (lower case, space-separated) whose people get an
    /// account at their first sign-in.
    pub jit_domains: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("org_id", &self.org_id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .field("jit_domains", &self.jit_domains)
            .finish()
    }
}

impl Provider {
    /// Whether people with an address at `domain` (IDNA, lower case) get
    /// an account at their first sign-in.
    pub fn creates_accounts_for(&self, domain: &str) -> bool {
        self.jit_domains.split_whitespace().any(|d| d == domain)
    }
}

const COLUMNS: &str = "org_id, issuer, client_id, client_secret, scopes, jit_domains";

/// The org's provider, if it has one.
pub async fn provider(db: &Db, org_id: &OrgId) -> Result<Option<Provider>> {
    let sql = format!("SELECT {COLUMNS} FROM org_sso WHERE org_id = $1");
    Ok(with_reader!(db, pool => sqlx::query_as::<_, Provider>(&sql)
        .bind(org_id)
        .fetch_optional(pool)
        .await)?)
}

/// Ends the org's sessions opened through single sign-on (inside the
/// transaction that takes their provider away).
const END_SSO_SESSIONS: &str = "DELETE FROM sessions WHERE signin_method = 'sso' \
     AND account_id IN (SELECT id FROM accounts WHERE org_id = $1)";

/// Sets (or replaces) the org's provider. Replaced by another issuer, the
/// old provider's sessions end in the same transaction: they were vouched
/// for by a provider the org no longer trusts. Returns how many ended.
pub async fn set_provider(db: &Db, clock: &Clock, provider: &Provider) -> Result<u64> {
    let ended = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        let old = sqlx::query_scalar::<_, String>("SELECT issuer FROM org_sso WHERE org_id = $1")
            .bind(&provider.org_id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO org_sso (org_id, issuer, client_id, client_secret, scopes, jit_domains, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, \
                 client_id = excluded.client_id, client_secret = excluded.client_secret, \
                 scopes = excluded.scopes, jit_domains = excluded.jit_domains, \
                 updated_at = excluded.updated_at",
        )
        .bind(&provider.org_id)
        .bind(&provider.issuer)
        .bind(&provider.client_id)
        .bind(&provider.client_secret)
        .bind(&provider.scopes)
        .bind(&provider.jit_domains)
        .bind(clock.now())
        .execute(&mut *tx)
        .await?;
        let mut ended = 0;
        if old.is_some_and(|old| old != provider.issuer) {
            ended = sqlx::query(END_SSO_SESSIONS)
                .bind(&provider.org_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok::<u64, sqlx::Error>(ended)
    }
    .await)?;
    Ok(ended)
}

/// Removes the org's provider and, in the same transaction, ends the
/// sessions it opened; its accounts' links stay, so that they find their
/// accounts again if it comes back. `None` if there was no provider, else
/// how many sessions ended.
pub async fn remove_provider(db: &Db, org_id: &OrgId) -> Result<Option<u64>> {
    let ended = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        let removed = sqlx::query("DELETE FROM org_sso WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(None);
        }
        let ended = sqlx::query(END_SSO_SESSIONS)
            .bind(org_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok::<Option<u64>, sqlx::Error>(Some(ended))
    }
    .await)?;
    Ok(ended)
}

/// How many of the org's accounts have no password and no passkey: with
/// single sign-on gone, they need an enrollment link to sign in again.
pub async fn accounts_without_other_ways(db: &Db, org_id: &OrgId) -> Result<i64> {
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM accounts a WHERE a.org_id = $1 AND a.password_hash = '' \
             AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id)",
        )
        .bind(org_id)
        .fetch_one(pool)
        .await)?)
}

/// The account `subject` at `issuer` is linked to in the org, if any.
pub async fn linked_account(
    db: &Db,
    org_id: &OrgId,
    issuer: &str,
    subject: &str,
) -> Result<Option<AccountId>> {
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, AccountId>(
            "SELECT account_id FROM sso_identities WHERE org_id = $1 AND issuer = $2 AND subject = $3",
        )
        .bind(org_id)
        .bind(issuer)
        .bind(subject)
        .fetch_optional(pool)
        .await)?)
}

/// Whether the account is linked to a subject at `issuer`.
pub async fn is_linked(db: &Db, account_id: &AccountId, issuer: &str) -> Result<bool> {
    let found = with_reader!(db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM sso_identities WHERE account_id = $1 AND issuer = $2",
        )
        .bind(account_id)
        .bind(issuer)
        .fetch_one(pool)
        .await)?;
    Ok(found > 0)
}

/// Links `subject` at `issuer` to `account` and queues `mail` (the
/// notice) with it. Two first sign-ins racing for one account: the second
/// is refused ([`Error::Conflict`]).
pub async fn link(
    db: &Db,
    clock: &Clock,
    account: &Account,
    issuer: &str,
    subject: &str,
    mail: &crate::mail::Outgoing,
) -> Result<()> {
    let inserted = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query(
            "INSERT INTO sso_identities (org_id, issuer, subject, account_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&account.org_id)
        .bind(issuer)
        .bind(subject)
        .bind(&account.id)
        .bind(clock.now())
        .execute(&mut *tx)
        .await?;
        crate::store::mail_queue::queue_mail!(&mut *tx, mail)?;
        tx.commit().await
    }
    .await);
    inserted.map_err(on_unique(|| {
        "This account is already linked to another identity at this provider.".to_owned()
    }))
}

/// Whether the account can sign in without single sign-on: a password or
/// a passkey.
pub async fn has_other_ways_in(db: &Db, account_id: &AccountId) -> Result<bool> {
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM accounts a WHERE a.id = $1 AND (a.password_hash <> '' \
             OR EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id))",
        )
        .bind(account_id)
        .fetch_one(pool)
        .await)?
        > 0)
}
