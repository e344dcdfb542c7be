//! The mail queue table: messages written in the transaction of the change
//! they report, claimed and delivered by [`crate::mail::sender`].
//!
//! A change's store function queues its notice with [`queue_mail!`] on its
//! own transaction, so the change and its mail commit together or not at
//! all: a process killed right after the commit still has the message to
//! send when it starts again.

use crate::clock::UnixTime;
use crate::error::Result;
use crate::mail::{Email, Outgoing};
use crate::store::db::Db;
use crate::{with_pool, with_reader};

/// The statement [`queue_mail!`] runs: `$1` id, `$2` recipient, `$3`
/// subject, `$4` text, `$5` HTML, `$6` now (Unix seconds).
pub const INSERT: &str = "INSERT INTO mail_queue \
     (id, recipient, subject, text_body, html_body, created_at, next_attempt_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6)";

/// Queues an [`Outgoing`] message on a transaction's connection, in the
/// two-driver SQL of [`crate::store::db`]: `queue_mail!(&mut *tx, &mail)`,
/// inside a [`crate::with_pool!`] body. Evaluates to
/// `Result<(), sqlx::Error>`.
#[macro_export]
macro_rules! queue_mail {
    ($conn:expr, $mail:expr) => {{
        let mail: &$crate::mail::Outgoing = $mail;
        sqlx::query($crate::store::mail_queue::INSERT)
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&mail.email.to)
            .bind(&mail.email.subject)
            .bind(&mail.email.text)
            .bind(&mail.email.html)
            .bind(mail.at)
            .execute($conn)
            .await
            .map(|_| ())
    }};
}

/// Queues a message that reports no stored change (the list of an
/// address's orgs): nothing else to commit with it.
pub async fn queue(db: &Db, mail: &Outgoing) -> Result<()> {
    Ok(with_pool!(db, pool => queue_mail!(pool, mail))?)
}

/// A message claimed for delivery.
#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// Unix seconds.
    pub created_at: UnixTime,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

impl Claimed {
    /// The message, as the mailer sends it.
    pub fn email(&self) -> Email {
        Email {
            to: self.recipient.clone(),
            subject: self.subject.clone(),
            text: self.text_body.clone(),
            html: self.html_body.clone(),
        }
    }
}

/// Claims up to `limit` due messages for `holder` until `lease_until`,
/// oldest first, counting the attempt.
///
/// One statement; its conditions are repeated outside the subquery so
/// that of two instances claiming at once, the second finds the first's
/// lease when it re-reads a row it waited for (PostgreSQL re-checks an
/// `UPDATE`'s conditions on the newest row version; SQLite has a single
/// writer): each row is claimed by one instance.
pub async fn claim(
    db: &Db,
    holder: &str,
    now: UnixTime,
    lease_until: UnixTime,
    limit: i64,
) -> Result<Vec<Claimed>> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, Claimed>(
        "UPDATE mail_queue SET leased_by = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM mail_queue \
                      WHERE given_up_at IS NULL AND next_attempt_at <= $3 \
                        AND (lease_until IS NULL OR lease_until <= $3) \
                      ORDER BY next_attempt_at, created_at LIMIT $4) \
           AND given_up_at IS NULL AND next_attempt_at <= $3 \
           AND (lease_until IS NULL OR lease_until <= $3) \
         RETURNING id, recipient, subject, text_body, html_body, created_at, attempts",
    )
    .bind(holder)
    .bind(lease_until)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// The mail server accepted the message: its row goes (with the links and
/// codes it held).
pub async fn delivered(db: &Db, id: &str) -> Result<()> {
    with_pool!(db, pool => sqlx::query("DELETE FROM mail_queue WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A failed attempt: the lease is released and the message waits until
/// `next_attempt_at` (Unix seconds).
pub async fn retry_later(db: &Db, id: &str, next_attempt_at: UnixTime, error: &str) -> Result<()> {
    with_pool!(db, pool => sqlx::query(
        "UPDATE mail_queue SET lease_until = NULL, leased_by = NULL, next_attempt_at = $2, \
         last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The sender stops trying: the row stays as the record of an undelivered
/// message (recipient, subject, attempts, last error); its bodies, which
/// may hold links and codes, are erased.
pub async fn give_up(db: &Db, id: &str, now: UnixTime, error: &str) -> Result<()> {
    with_pool!(db, pool => sqlx::query(
        "UPDATE mail_queue SET lease_until = NULL, leased_by = NULL, given_up_at = $2, \
         last_error = $3, text_body = '', html_body = '' WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(error)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Deletes the records of messages given up before `before` (Unix
/// seconds); returns how many.
pub async fn forget_given_up(db: &Db, before: UnixTime) -> Result<u64> {
    Ok(with_pool!(db, pool => sqlx::query(
        "DELETE FROM mail_queue WHERE given_up_at IS NOT NULL AND given_up_at < $1",
    )
    .bind(before)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?)
}

/// How many messages wait to be delivered (given-up ones excluded).
pub async fn depth(db: &Db) -> Result<i64> {
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM mail_queue WHERE given_up_at IS NULL",
    )
    .fetch_one(pool)
    .await)?)
}
