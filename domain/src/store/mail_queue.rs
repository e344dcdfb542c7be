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
pub(crate) use queue_mail;

/// Queues a message that reports no stored change (the list of an
/// address's orgs): nothing else to commit with it.
pub async fn queue(db: &Db, mail: &Outgoing) -> Result<()> {
    Ok(with_pool!(db, pool => queue_mail!(pool, mail))?)
}

/// A message claimed for delivery. Its `Debug` leaves the bodies out: they
/// may hold links and codes.
#[derive(sqlx::FromRow)]
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

impl std::fmt::Debug for Claimed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("id", &self.id)
            .field("subject", &self.subject)
            .field("created_at", &self.created_at)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
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

/// Whether any message is due at `now`: the sender's look before it
/// claims, a read, so that an idle queue costs no write (and takes no
/// write lock a command-line tool might wait for).
pub async fn any_due(db: &Db, now: UnixTime) -> Result<bool> {
    Ok(with_reader!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM (SELECT 1 FROM mail_queue WHERE given_up_at IS NULL \
         AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) LIMIT 1) due",
    )
    .bind(now)
    .fetch_one(pool)
    .await)?
        > 0)
}

/// Claims up to `limit` due messages for `holder` until `lease_until`,
/// oldest first, counting the attempt.
///
/// Of two instances claiming at once, each row goes to one:
/// - PostgreSQL: the due rows are locked first (`FOR UPDATE SKIP LOCKED`,
///   in a materialised CTE so that it runs once — a locking subquery under
///   `IN` may run again per row and claim past `limit`). A row another
///   instance is claiming is skipped, and one it claimed meanwhile fails
///   the conditions, which are checked again on the newest version when
///   it is locked. Instances so take different messages instead of
///   queueing for the oldest one.
/// - SQLite: one writer at a time; the conditions are repeated outside the
///   subquery all the same.
///
/// Leases compare the instances' clocks: keep them synchronised (NTP), as
/// sessions and ceremonies already require.
pub async fn claim(
    db: &Db,
    holder: &str,
    now: UnixTime,
    lease_until: UnixTime,
    limit: i64,
) -> Result<Vec<Claimed>> {
    const DUE: &str = "given_up_at IS NULL AND next_attempt_at <= $3 \
         AND (lease_until IS NULL OR lease_until <= $3)";
    const RETURNED: &str = "id, recipient, subject, text_body, html_body, created_at, attempts";
    let sql = match db {
        Db::Postgres(_) => format!(
            "WITH next AS MATERIALIZED (SELECT id FROM mail_queue WHERE {DUE} \
                 ORDER BY next_attempt_at, created_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
             UPDATE mail_queue SET leased_by = $1, lease_until = $2, attempts = attempts + 1 \
             FROM next WHERE mail_queue.id = next.id \
             RETURNING mail_queue.id, recipient, subject, text_body, html_body, created_at, \
                       attempts"
        ),
        Db::Sqlite { .. } => format!(
            "UPDATE mail_queue SET leased_by = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM mail_queue WHERE {DUE} \
                          ORDER BY next_attempt_at, created_at LIMIT $4) \
               AND {DUE} \
             RETURNING {RETURNED}"
        ),
    };
    Ok(with_pool!(db, pool => sqlx::query_as::<_, Claimed>(&sql)
        .bind(holder)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// What became of a row [`delivered`], [`retry_later`] or [`give_up`]
/// meant to update: `false` when `holder`'s lease was lost meanwhile (it
/// expired and another instance claimed the message), and nothing changed.
pub type Held = bool;

/// The longest `last_error` kept (characters): enough for a server's
/// reply, too short to keep a quoted message.
const ERROR_CHARS: usize = 300;

fn shortened(error: &str) -> String {
    error.chars().take(ERROR_CHARS).collect()
}

/// The mail server accepted the message: its row goes (with the links and
/// codes it held), if `holder` still holds it.
pub async fn delivered(db: &Db, id: &str, holder: &str) -> Result<Held> {
    Ok(with_pool!(db, pool => sqlx::query(
        "DELETE FROM mail_queue WHERE id = $1 AND leased_by = $2",
    )
    .bind(id)
    .bind(holder)
    .execute(pool)
    .await
    .map(|done| done.rows_affected() == 1))?)
}

/// A failed attempt: the lease is released and the message waits until
/// `next_attempt_at` (Unix seconds).
pub async fn retry_later(
    db: &Db,
    id: &str,
    holder: &str,
    next_attempt_at: UnixTime,
    error: &str,
) -> Result<Held> {
    Ok(with_pool!(db, pool => sqlx::query(
        "UPDATE mail_queue SET lease_until = NULL, leased_by = NULL, next_attempt_at = $3, \
         last_error = $4 WHERE id = $1 AND leased_by = $2",
    )
    .bind(id)
    .bind(holder)
    .bind(next_attempt_at)
    .bind(shortened(error))
    .execute(pool)
    .await
    .map(|done| done.rows_affected() == 1))?)
}

/// The sender stops trying: the row stays as the record of an undelivered
/// message (recipient, subject, attempts, last error); its bodies, which
/// may hold links and codes, are overwritten with nothing.
pub async fn give_up(db: &Db, id: &str, holder: &str, now: UnixTime, error: &str) -> Result<Held> {
    Ok(with_pool!(db, pool => sqlx::query(
        "UPDATE mail_queue SET lease_until = NULL, leased_by = NULL, given_up_at = $3, \
         last_error = $4, text_body = '', html_body = '' WHERE id = $1 AND leased_by = $2",
    )
    .bind(id)
    .bind(holder)
    .bind(now)
    .bind(shortened(error))
    .execute(pool)
    .await
    .map(|done| done.rows_affected() == 1))?)
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
