//! Database connection: SQLite (the embedded default) or PostgreSQL (for
//! several server instances sharing one database).
//!
//! The queries are written once, in SQL both engines accept (`$1`
//! placeholders, `RETURNING`, portable types), and [`with_pool!`] expands
//! each query for both drivers, so every query is type-checked against
//! each backend without sqlx's `Any` driver and its lossy value mapping.

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The migrations under `server/migrations`, applied at every start.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool for whichever database `DATABASE_URL` names.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of either backend.
///
/// The body is expanded twice, once per driver, so it must only use what
/// both drivers support.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connects and applies pending migrations.
    ///
    /// SQLite runs in WAL mode with `synchronous = NORMAL`: a committed
    /// transaction survives the process being killed (only a power loss
    /// can lose the last commits), and readers never block the writer.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // No ping before each use: a broken connection fails its query
            // and is replaced; a ping per query doubled the round trips.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Db::Postgres(pool)
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // One connection: SQLite has one writer at a time anyway, and with
            // several connections a waiting writer sleeps in SQLite's busy
            // handler (1, 2, 5, 10… ms steps), which showed as 20-30 ms p99
            // latency under load. With one, statements queue in order and
            // each takes microseconds. (No code path holds a transaction
            // across awaits, so nothing can wait on itself.)
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            Db::Sqlite(pool)
        };
        with_pool!(&db, pool => MIGRATOR.run(pool).await)?;
        Ok(db)
    }

    /// Human name of the backend, for logs.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// True when `err` is a violated UNIQUE constraint, on either backend.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}
