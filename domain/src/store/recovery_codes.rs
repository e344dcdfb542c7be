//! One-time recovery codes, stored as argon2id hashes (see migration 0009).

use crate::clock::Clock;
use crate::error::Result;
use crate::store::db::Db;
use crate::types::AccountId;
use crate::{with_pool, with_reader};

/// Replaces the account's codes with `hashes` and queues `mail` (the
/// notice), in one transaction.
pub async fn replace(
    db: &Db,
    clock: &Clock,
    account_id: &AccountId,
    hashes: &[String],
    mail: &crate::mail::Outgoing,
) -> Result<()> {
    let now = clock.now();
    with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        for hash in hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(account_id)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        crate::store::mail_queue::queue_mail!(&mut *tx, mail)?;
        tx.commit().await
    }
    .await)?;
    Ok(())
}

/// The account's unused code hashes.
pub async fn hashes(db: &Db, account_id: &AccountId) -> Result<Vec<String>> {
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, String>(
            "SELECT code_hash FROM recovery_codes WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_all(pool)
        .await)?)
}

/// Uses up one code: `Some(codes left)` if it was still unused (two
/// requests racing with the same code: only one gets `Some`). The notice
/// `mail(codes left)` makes is queued with it.
pub async fn take(
    db: &Db,
    account_id: &AccountId,
    hash: &str,
    mail: impl FnOnce(i64) -> crate::mail::Outgoing,
) -> Result<Option<i64>> {
    let left = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        let taken = sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1 AND code_hash = $2")
            .bind(account_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if taken != 1 {
            return Ok(None);
        }
        let left = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_one(&mut *tx)
        .await?;
        crate::store::mail_queue::queue_mail!(&mut *tx, &mail(left))?;
        tx.commit().await?;
        Ok(Some(left))
    }
    .await)?;
    Ok(left)
}
