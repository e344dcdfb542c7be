//! The SQLite writing connection, with group commit.
//!
//! Every write ([`crate::with_pool!`]) is an *intent*: one statement, or
//! one transaction of its own. With nobody else waiting for the
//! connection, an intent runs as it always did, committed by itself
//! (SQLite's autocommit). When others are queued behind it, it opens a
//! *batch* — `BEGIN IMMEDIATE` — and leaves it open; the intents queued
//! behind run in the same transaction, and the last of them (nobody left
//! waiting, or [`MAX_BATCH`] reached) commits. Each intent is answered
//! only after the commit of its batch: nothing acknowledged can be lost
//! that a single commit would have kept (`synchronous = NORMAL` in WAL
//! mode: safe from a killed process; see `scripts/crash-safety.sh`).
//!
//! Why one intent cannot fail the others without a savepoint of its own:
//! a failing statement is undone by SQLite alone (a constraint error
//! aborts the statement, not the transaction: SQLite §"ON CONFLICT
//! clause"), and an intent of several statements runs in its own
//! transaction, which inside a batch [`super::db::BeginWrite`] makes a
//! savepoint. After any failure the batch is committed at once, so an
//! error that makes SQLite roll the whole transaction back by itself
//! (`SQLITE_FULL`, an I/O error) fails that batch's intents, never later
//! ones.
//!
//! What it saves: a commit in WAL mode takes and releases SQLite's
//! shared-memory locks (`fcntl` calls) and writes each dirty page to the
//! WAL, so `b` intents in one batch do that once instead of `b` times, and
//! a page several of them touch (an index's last leaf) is written once.
//! What it costs: `BEGIN` and `COMMIT`, two more statements per batch,
//! paid only under contention. BENCHMARKS.md has the measurement.

use super::db::Plain;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, TransactionManager};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Mutex, MutexGuard, OwnedMutexGuard};

/// The most intents one batch holds before it is committed, so that a
/// steady stream of writes cannot hold its first intents' answers back.
pub const MAX_BATCH: usize = 64;

/// A batch's outcome, once committed: `Ok`, or the commit's error in words
/// (shared by every intent of the batch).
type Outcome = Option<Result<(), Arc<str>>>;

/// The writing connection and its open batch.
#[derive(Debug)]
pub struct Writer {
    /// In an `Arc` so that a commit can own the lock in a task of its own.
    inner: Arc<Mutex<Inner>>,
    /// Intents waiting for the connection (counted before they lock it).
    waiting: AtomicUsize,
    /// Batches committed, and the intents they held (for the metrics).
    batches: AtomicU64,
    batched: AtomicU64,
}

/// What the writer's lock guards.
#[derive(Debug)]
pub struct Inner {
    pub(super) plain: Plain,
    batch: Option<Batch>,
}

/// A transaction holding several intents, not yet committed.
#[derive(Debug)]
struct Batch {
    intents: usize,
    done: watch::Sender<Outcome>,
}

impl Writer {
    /// A writer over `plain`, with no batch open.
    pub(super) fn new(plain: Plain) -> Self {
        Writer {
            inner: Arc::new(Mutex::new(Inner { plain, batch: None })),
            waiting: AtomicUsize::new(0),
            batches: AtomicU64::new(0),
            batched: AtomicU64::new(0),
        }
    }

    /// Waits for the connection, for one intent (see [`Turn`]).
    pub async fn enter(self: &Arc<Self>) -> Turn<'_> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let mut waiting = Waiting {
            writer: self.clone(),
            abandoned: true,
        };
        let guard = self.inner.clone().lock_owned().await;
        waiting.abandoned = false;
        drop(waiting);
        Turn {
            writer: self,
            guard: Some(guard),
        }
    }

    /// The connection with no batch left open (any open one committed
    /// first): for the checkpoints, which must not run inside a write
    /// transaction, and for closing.
    pub async fn lock_idle(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock().await;
        // Its intents are told the outcome (and a failure is logged).
        let _ = inner.commit_batch(self).await;
        inner
    }

    /// Batches committed so far, and the intents they held.
    pub fn batches(&self) -> (u64, u64) {
        (
            self.batches.load(Ordering::Relaxed),
            self.batched.load(Ordering::Relaxed),
        )
    }

    /// Commits whatever batch an abandoned intent left open (from a spawned
    /// task: an intent's future dropped half-way cannot await).
    fn commit_later(self: &Arc<Self>) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let writer = self.clone();
            runtime.spawn(async move {
                drop(writer.lock_idle().await);
            });
        }
    }
}

/// Counts an intent as waiting until it has the connection; an intent
/// dropped while waiting (its request gone) may have been the one the
/// batch ahead was left open for, so the batch is committed for it.
struct Waiting {
    writer: Arc<Writer>,
    /// Still set when dropped: the intent's future was dropped waiting.
    abandoned: bool,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.writer.waiting.fetch_sub(1, Ordering::AcqRel);
        if self.abandoned {
            self.writer.commit_later();
        }
    }
}

impl Inner {
    /// Commits the open batch, if any, and tells its intents. A failed
    /// commit is rolled back; a connection left in a transaction even then
    /// is dropped, to be reopened by the next statement.
    async fn commit_batch(&mut self, writer: &Writer) -> Result<(), Arc<str>> {
        let Some(batch) = self.batch.take() else {
            return Ok(());
        };
        let outcome = match self.plain.conn.as_mut() {
            None => Err(Arc::from("the database connection was lost")),
            Some(conn) => match sqlx::sqlite::SqliteTransactionManager::commit(conn).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    tracing::error!("committing a batch of {} writes: {e}", batch.intents);
                    if sqlx::sqlite::SqliteTransactionManager::rollback(conn)
                        .await
                        .is_err()
                        || conn.is_in_transaction()
                    {
                        self.plain.conn = None;
                    }
                    Err(Arc::from(e.to_string()))
                }
            },
        };
        writer.batches.fetch_add(1, Ordering::Relaxed);
        writer
            .batched
            .fetch_add(batch.intents as u64, Ordering::Relaxed);
        // Nobody listening (every intent of it gone) is no error.
        let _ = batch.done.send(Some(outcome.clone()));
        outcome
    }
}

/// One intent's hold on the writing connection, from [`Writer::enter`]
/// to [`Turn::finish`].
pub struct Turn<'a> {
    writer: &'a Arc<Writer>,
    /// `None` once finished.
    guard: Option<OwnedMutexGuard<Inner>>,
}

impl Turn<'_> {
    /// The connection for this intent: in the open batch if there is one;
    /// in a new batch if other intents are waiting; else on its own.
    ///
    /// Errors: the driver's (the connection cannot be reopened, or
    /// `BEGIN IMMEDIATE` failed: the database is locked by another process
    /// past the busy timeout); `PoolClosed` once closed.
    pub async fn connection(&mut self) -> Result<&mut SqliteConnection, sqlx::Error> {
        let Some(inner) = self.guard.as_mut() else {
            return Err(sqlx::Error::PoolClosed);
        };
        let inner = &mut **inner;
        // No intent runs alone inside a transaction it cannot see (see
        // `Plain::connection`).
        let conn = inner.plain.connection(inner.batch.is_some()).await?;
        if inner.batch.is_none() && self.writer.waiting.load(Ordering::Acquire) > 0 {
            // Recorded before the `BEGIN` is sent: if this intent is
            // dropped while it runs (after SQLite began, before sqlx
            // answered), the batch is known to be open and is committed
            // (see `Drop`); a `COMMIT` with nothing begun does nothing.
            inner.batch = Some(Batch {
                intents: 0,
                done: watch::channel(None).0,
            });
            let begun =
                sqlx::sqlite::SqliteTransactionManager::begin(conn, Some("BEGIN IMMEDIATE".into()))
                    .await;
            if let Err(e) = begun {
                inner.batch = None;
                return Err(e);
            }
        }
        if let Some(batch) = inner.batch.as_mut() {
            batch.intents += 1;
        }
        Ok(conn)
    }

    /// Ends the intent with its `result`: alone, it is already committed;
    /// in a batch, the batch is committed now if nobody is waiting, it is
    /// full, or this intent failed, and otherwise by a later intent. Returns
    /// `result` once it is committed, or the batch's commit error
    /// (`Io`: answered 503, as a database outage is).
    pub async fn finish<T>(mut self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        let Some(mut inner) = self.guard.take() else {
            return result;
        };
        inner.plain.after(&result);
        let Some(batch) = inner.batch.as_ref() else {
            return result;
        };
        let mut done = batch.done.subscribe();
        let commit_now = result.is_err()
            || batch.intents >= MAX_BATCH
            || self.writer.waiting.load(Ordering::Acquire) == 0;
        let outcome = if commit_now {
            // In a task of its own, holding the lock: a request dropped
            // while its commit runs must not leave sqlx half-way through
            // the batch's `COMMIT` (its answer lost, the batch's intents
            // told nothing, the connection's transaction count wrong).
            let writer = self.writer.clone();
            let commit = tokio::spawn(async move {
                let mut inner = inner;
                inner.commit_batch(&writer).await
            });
            commit
                .await
                .unwrap_or_else(|e| Err(Arc::from(format!("the commit task failed: {e}"))))
        } else {
            drop(inner);
            match done.wait_for(Option::is_some).await {
                Ok(outcome) => outcome.clone().unwrap_or(Ok(())),
                Err(_) => Err(Arc::from("the batch was abandoned")),
            }
        };
        match (outcome, result) {
            (_, Err(e)) => Err(e),
            (Ok(()), ok) => ok,
            (Err(e), Ok(_)) => Err(sqlx::Error::Io(std::io::Error::other(format!(
                "the write's batch was not committed: {e}"
            )))),
        }
    }
}

impl Drop for Turn<'_> {
    /// An intent dropped holding the connection (its request gone) may
    /// leave a batch open that nobody else would commit.
    fn drop(&mut self) {
        if let Some(inner) = self.guard.take() {
            let open = inner.batch.is_some();
            drop(inner);
            if open {
                self.writer.commit_later();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::db::Db;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    /// A fresh database with a table `t` of integer keys.
    async fn temp_db() -> (tempfile::TempDir, Db) {
        let (dir, db) = crate::store::db::tests::temp_db().await;
        crate::with_pool!(&db, pool => sqlx::query("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .execute(pool)
            .await
            .map(|_| ()))
        .unwrap();
        (dir, db)
    }

    fn writer(db: &Db) -> &std::sync::Arc<super::Writer> {
        let Db::Sqlite { writer, .. } = db else {
            unreachable!()
        };
        writer
    }

    async fn insert(db: &Db, x: i64) -> Result<(), sqlx::Error> {
        crate::with_pool!(db, pool => sqlx::query("INSERT INTO t (x) VALUES ($1)")
            .bind(x)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Whether a reading connection (which sees only commits) sees `x`.
    async fn committed(db: &Db, x: i64) -> bool {
        crate::with_reader!(db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM t WHERE x = $1")
            .bind(x)
            .fetch_one(pool)
            .await)
        .unwrap()
            == 1
    }

    /// Starts `intents` writes while the connection is held, so that they
    /// all queue behind it, then lets them go; returns their tasks.
    async fn queued<F, Fut>(db: &Db, intents: i64, write: F) -> Vec<tokio::task::JoinHandle<bool>>
    where
        F: Fn(Db, i64) -> Fut,
        Fut: std::future::Future<Output = bool> + Send + 'static,
    {
        let held = writer(db).lock_idle().await;
        let tasks: Vec<_> = (0..intents)
            .map(|x| tokio::spawn(write(db.clone(), x)))
            .collect();
        while writer(db).waiting.load(Ordering::Acquire) < intents as usize {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(held);
        tasks
    }

    /// Every write that was answered `Ok` is already visible to other
    /// connections, and writes queued together share one commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_writes_share_a_commit_and_are_answered_once_committed() {
        let (_dir, db) = temp_db().await;
        let before = db.write_batches();
        let tasks = queued(&db, 20, |db, x| async move {
            insert(&db, x).await.unwrap();
            committed(&db, x).await
        })
        .await;
        for task in tasks {
            assert!(task.await.unwrap(), "answered before its commit");
        }
        let (batches, batched) = db.write_batches();
        // The first ran alone or opened the batch; the others joined it.
        assert!(batches - before.0 <= 2, "{batches} batches");
        assert!(batched - before.1 >= 19, "{batched} writes batched");
        db.close().await;
    }

    /// A write that fails (here a duplicate key) fails alone: the others of
    /// its batch are committed, before and after it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_failing_write_does_not_fail_its_batch() {
        let (_dir, db) = temp_db().await;
        insert(&db, 7).await.unwrap();
        let tasks = queued(&db, 16, |db, x| async move { insert(&db, x).await.is_ok() }).await;
        for (x, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), x != 7, "write {x}");
        }
        for x in 0..16 {
            assert!(committed(&db, x).await, "row {x}");
        }
        db.close().await;
    }

    /// A transaction of several statements inside a batch (a savepoint)
    /// that fails half-way leaves nothing, and its neighbours are kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_transaction_in_a_batch_is_rolled_back_alone() {
        use crate::store::db::BeginWrite;
        let (_dir, db) = temp_db().await;
        let tasks = queued(&db, 8, |db, x| async move {
            if x != 3 {
                return insert(&db, x).await.is_ok();
            }
            let outcome: Result<(), sqlx::Error> = crate::with_pool!(&db, pool => async {
                let mut tx = pool.begin_write().await?;
                sqlx::query("INSERT INTO t (x) VALUES (100)").execute(&mut *tx).await?;
                // Fails: a key already written above.
                sqlx::query("INSERT INTO t (x) VALUES (100)").execute(&mut *tx).await?;
                tx.commit().await
            }
            .await);
            outcome.is_ok()
        })
        .await;
        for (x, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), x != 3, "write {x}");
        }
        assert!(!committed(&db, 100).await, "half a transaction was kept");
        for x in (0..8).filter(|x| *x != 3) {
            assert!(committed(&db, x).await, "row {x}");
        }
        db.close().await;
    }

    /// A transaction left open on the writing connection by something
    /// cancelled half-way is never where a later write is acknowledged:
    /// that write would be invisible to everyone else, then rolled back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_write_is_acknowledged_inside_a_transaction_left_open() {
        use sqlx::TransactionManager;
        let (_dir, db) = temp_db().await;
        {
            let mut inner = writer(&db).lock_idle().await;
            let conn = inner.plain.connection(false).await.unwrap();
            sqlx::sqlite::SqliteTransactionManager::begin(conn, None)
                .await
                .unwrap();
        }
        insert(&db, 5).await.unwrap();
        assert!(committed(&db, 5).await, "acknowledged but not committed");
        db.close().await;
    }

    /// A batch left open for a write that then gave up waiting (its
    /// request gone) is still committed, and its writes answered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_left_open_for_an_abandoned_write_is_still_committed() {
        let (_dir, db) = temp_db().await;
        let held = writer(&db).lock_idle().await;
        let first = tokio::spawn({
            let db = db.clone();
            async move { insert(&db, 1).await }
        });
        while writer(&db).waiting.load(Ordering::Acquire) < 1 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // A second write, polled until it waits behind the first, then
        // dropped once the first has left its batch open for it.
        let mut second = Box::pin(insert(&db, 2));
        assert!(tokio::time::timeout(Duration::from_millis(20), &mut second)
            .await
            .is_err());
        drop(held);
        // The first now runs, sees the second waiting, and leaves its
        // batch open for it (the connection is handed to the second, which
        // is never polled again); without the commit on abandonment it
        // would wait for ever.
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(second);
        tokio::time::timeout(Duration::from_secs(5), first)
            .await
            .expect("the first write was answered")
            .unwrap()
            .unwrap();
        assert!(committed(&db, 1).await);
        assert!(!committed(&db, 2).await);
        db.close().await;
    }
}
