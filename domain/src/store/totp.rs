//! The TOTP columns of `accounts`: the secret and the last step used.

use crate::error::Result;
use crate::store::db::Db;
use crate::types::AccountId;
use crate::with_pool;

/// Records `step` as used by `account_id` unless it (or a later one) was
/// already: `Ok(false)` for a replayed code.
pub async fn use_step(db: &Db, account_id: &AccountId, step: i64) -> Result<bool> {
    let updated = with_pool!(db, pool => sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        )
        .bind(step)
        .bind(account_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(updated == 1)
}

/// Turns 2FA on with `secret`, recording `step` as used, and in the same
/// transaction ends every session of the account but the one hashed
/// `keep` (they proved less than the account now asks), and queues `mail`
/// (the notice). Returns how many sessions ended.
pub async fn enable(
    db: &Db,
    account_id: &AccountId,
    secret: &str,
    step: i64,
    keep: &str,
    mail: &crate::mail::Outgoing,
) -> Result<u64> {
    Ok(with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        crate::store::mail_queue::queue_mail!(&mut *tx, mail)?;
        sqlx::query("UPDATE accounts SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
            .bind(secret)
            .bind(step)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        let ended = sqlx::query(crate::store::sessions::END_OTHERS)
            .bind(account_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(ended)
    }
    .await)?)
}

/// Turns 2FA off, unless that would leave a short password as the
/// account's only factor ([`crate::ways_in::check`], in the same
/// transaction, under the account's lock), and queues `mail` (the notice).
pub async fn disable(db: &Db, account_id: &AccountId, mail: &crate::mail::Outgoing) -> Result<()> {
    use crate::store::accounts::{LOCK, WAYS_IN};
    use crate::ways_in::{self, Removing, WaysIn};
    let done = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query(LOCK).bind(account_id).execute(&mut *tx).await?;
        sqlx::query("UPDATE accounts SET totp_secret = NULL WHERE id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        let left = sqlx::query_as::<_, WaysIn>(WAYS_IN)
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
        if let Err(refused) = ways_in::check(left, Removing::Totp) {
            return Ok(Err(refused));
        }
        crate::store::mail_queue::queue_mail!(&mut *tx, mail)?;
        tx.commit().await?;
        Ok(Ok(()))
    }
    .await)?;
    done
}
