//! Stored passkeys: one row per WebAuthn credential, owned by one account.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::db::{on_unique, Db};
use crate::types::{AccountId, PasskeyId};
use crate::{with_pool, with_reader};
use webauthn_rs::prelude::{AuthenticationResult, Passkey};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: PasskeyId,
    pub account_id: AccountId,
    pub credential_id: String,
    pub credential: String,
    pub name: String,
    pub aaguid: String,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub transports: String,
    pub sign_count: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl PasskeyRow {
    /// The webauthn-rs credential (public key, counter, flags).
    pub fn passkey(&self) -> Result<Passkey> {
        serde_json::from_str(&self.credential)
            .map_err(|e| Error::Internal(format!("stored passkey {}: {e}", self.id)))
    }

    /// The transports the browser reported at registration (see
    /// [`crate::webauthn::reported_transports`]).
    pub fn transport_list(&self) -> Vec<String> {
        serde_json::from_str(&self.transports).unwrap_or_default()
    }

    pub fn info(&self) -> common::PasskeyInfo {
        common::PasskeyInfo {
            id: self.id.to_string(),
            name: self.name.clone(),
            provider: crate::providers::default_name(&self.aaguid).to_owned(),
            backed_up: self.backed_up,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        }
    }
}

const COLUMNS: &str = "id, account_id, credential_id, credential, name, aaguid, backup_eligible, \
                       backed_up, transports, sign_count, created_at, last_used_at";

/// What registration produced, ready to store.
pub struct NewPasskey {
    pub account_id: AccountId,
    pub passkey: Passkey,
    pub name: String,
    pub aaguid: String,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub transports: Vec<String>,
    pub sign_count: u32,
}

/// The base64url form of a credential id, as stored and compared.
pub fn encode_credential_id(id: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

/// Stores a new passkey and queues `mail` (the notice) with it.
/// `Conflict` if the credential id is already registered.
pub async fn insert(
    db: &Db,
    clock: &Clock,
    new: NewPasskey,
    mail: &crate::mail::Outgoing,
) -> Result<PasskeyRow> {
    let credential = serde_json::to_string(&new.passkey)
        .map_err(|e| Error::Internal(format!("serialise passkey: {e}")))?;
    let transports =
        serde_json::to_string(&new.transports).map_err(|e| Error::Internal(e.to_string()))?;
    let sql = format!(
        "INSERT INTO passkeys (id, account_id, credential_id, credential, name, aaguid, backup_eligible, \
         backed_up, transports, sign_count, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    );
    let inserted = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        let row = sqlx::query_as::<_, PasskeyRow>(&sql)
            .bind(PasskeyId::random())
            .bind(&new.account_id)
            .bind(encode_credential_id(new.passkey.cred_id()))
            .bind(&credential)
            .bind(&new.name)
            .bind(&new.aaguid)
            .bind(new.backup_eligible)
            .bind(new.backed_up)
            .bind(&transports)
            .bind(i64::from(new.sign_count))
            .bind(clock.now())
            .fetch_one(&mut *tx)
            .await?;
        crate::store::mail_queue::queue_mail!(&mut *tx, mail)?;
        tx.commit().await?;
        Ok(row)
    }
    .await);
    inserted.map_err(on_unique(|| "This passkey is already registered.".into()))
}

pub async fn list_for_account(db: &Db, account_id: &AccountId) -> Result<Vec<PasskeyRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM passkeys WHERE account_id = $1 ORDER BY created_at, id");
    let rows = with_reader!(db, pool => sqlx::query_as::<_, PasskeyRow>(&sql)
        .bind(account_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows)
}

/// How many passkeys the account has.
pub async fn count_for_account(db: &Db, account_id: &AccountId) -> Result<i64> {
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM passkeys WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_one(pool)
        .await)?)
}

pub async fn find_by_credential_id(db: &Db, credential_id: &str) -> Result<Option<PasskeyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
    let row = with_reader!(db, pool => sqlx::query_as::<_, PasskeyRow>(&sql)
        .bind(credential_id)
        .fetch_optional(pool)
        .await)?;
    Ok(row)
}

/// Renames one of the account's passkeys; `NotFound` if it is not theirs.
pub async fn rename(db: &Db, account_id: &AccountId, id: &str, name: &str) -> Result<()> {
    let changed = with_pool!(db, pool => sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND account_id = $3")
        .bind(name)
        .bind(id)
        .bind(account_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    if changed == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Deletes one of the account's passkeys and, in the same transaction,
/// every session but the one hashed `keep` that the passkey opened or last
/// re-authenticated; returns the passkey and how many sessions ended.
/// `NotFound` if it is not the account's; refused by
/// [`crate::ways_in::check`] when it would leave the account
/// without a way in (`rely_on_recovery_codes`: the person accepts that
/// only the recovery codes are left). The notice `mail(deleted passkey)`
/// makes is queued with the change.
pub async fn delete_ending_its_sessions(
    db: &Db,
    account_id: &AccountId,
    id: &str,
    keep: &str,
    rely_on_recovery_codes: bool,
    mail: impl FnOnce(&PasskeyRow) -> crate::mail::Outgoing,
) -> Result<(PasskeyRow, u64)> {
    use crate::ways_in::{self, Removing, WaysIn};
    let sql = format!("DELETE FROM passkeys WHERE id = $1 AND account_id = $2 RETURNING {COLUMNS}");
    let done = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query(crate::store::accounts::LOCK)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        // Sessions first: deleting the passkey clears their references.
        let ended = sqlx::query(
            "DELETE FROM sessions WHERE (passkey_id = $1 OR reauth_passkey_id = $1) \
             AND token_hash <> $2 AND account_id = $3",
        )
        .bind(id)
        .bind(keep)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let row = sqlx::query_as::<_, PasskeyRow>(&sql)
            .bind(id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            // Not this account's passkey: the transaction rolls back.
            return Ok(Err(Error::NotFound));
        };
        let left = sqlx::query_as::<_, WaysIn>(crate::store::accounts::WAYS_IN)
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
        if let Err(refused) = ways_in::check(left, Removing::Passkey { rely_on_recovery_codes }) {
            return Ok(Err(refused));
        }
        crate::store::mail_queue::queue_mail!(&mut *tx, &mail(&row))?;
        tx.commit().await?;
        Ok(Ok((row, ended)))
    }
    .await)?;
    done
}

/// Records a successful sign-in with `row`: last use, new counter and
/// backup state.
///
/// The counter is compared again inside the UPDATE, so two sign-ins racing
/// with the same counter value cannot both succeed: a counter that does not
/// move forward (when the authenticator keeps one) is a possible clone and
/// is refused.
pub async fn record_use(
    db: &Db,
    clock: &Clock,
    row: &PasskeyRow,
    result: &AuthenticationResult,
) -> Result<()> {
    let mut passkey = row.passkey()?;
    passkey.update_credential(result);
    let credential = serde_json::to_string(&passkey).map_err(|e| Error::Internal(e.to_string()))?;
    let counter = i64::from(result.counter());
    let changed = with_pool!(db, pool => sqlx::query(
            "UPDATE passkeys SET credential = $1, sign_count = $2, backed_up = $3, \
             backup_eligible = backup_eligible OR $4, last_used_at = $5 \
             WHERE id = $6 AND ($2 = 0 AND sign_count = 0 OR $2 > sign_count)",
        )
        .bind(&credential)
        .bind(counter)
        .bind(result.backup_state())
        .bind(result.backup_eligible())
        .bind(clock.now())
        .bind(&row.id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    if changed == 0 {
        tracing::warn!(passkey = %row.id, account = %row.account_id, counter, stored = row.sign_count,
            "signature counter did not increase: possible cloned authenticator; sign-in refused");
        return Err(Error::PasskeyRefused {
            cause: "counter_regression",
        });
    }
    Ok(())
}

/// Which stored passkeys a policy lets sign in, as a condition on
/// `passkeys p` (see [`any_usable`], [`crate::store::members`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usable {
    None,
    DeviceBound,
    Any,
}

impl Usable {
    pub(crate) fn condition(self) -> &'static str {
        match self {
            Usable::None => " AND 1 = 0",
            Usable::DeviceBound => " AND NOT p.backup_eligible",
            Usable::Any => "",
        }
    }
}

/// Whether the account has a passkey of the `usable` kind (one the org's
/// policy lets sign in: [`crate::policy::OrgPolicy::usable_passkeys`]) —
/// what "has a passkey" means wherever a rule asks.
pub async fn any_usable(db: &Db, account_id: &AccountId, usable: Usable) -> Result<bool> {
    let sql = format!(
        "SELECT COUNT(*) FROM passkeys p WHERE p.account_id = $1{}",
        usable.condition()
    );
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, i64>(&sql)
        .bind(account_id)
        .fetch_one(pool)
        .await)?
        > 0)
}
