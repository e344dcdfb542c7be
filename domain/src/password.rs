//! Password hashing with argon2id, off the async workers.
//!
//! Argon2 is deliberately slow (tens of milliseconds and 19 MiB per hash).
//! Running it on the async workers would stall every other request, so each
//! hash runs on one of a fixed number of dedicated threads: a burst of
//! password sign-ins then queues instead of taking all the CPU and memory
//! from passkey sign-ins and page loads.

use crate::error::{Error, Result};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

/// A password job for the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords on a fixed set of dedicated threads.
///
/// Each argon2 run allocates 19 MiB. On tokio's blocking pool, runs land on
/// ever-different threads, and the allocator keeps a freed block in each
/// thread's arena: peak memory grew to ~550 MB under a password flood.
/// A fixed set of threads reuses the same blocks, so memory stays at about
/// threads × 19 MiB, and the queue in front of them is what makes argon2
/// wait, never the async runtime.
#[derive(Clone)]
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
    dummy_hash: Arc<str>,
    /// Hashes running now, and the most that ever ran at once.
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

/// Argon2id with the OWASP-recommended parameters (m = 19 MiB, t = 2, p = 1),
/// which are the crate's defaults.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

fn hash_blocking(password: &[u8]) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2 hash: {e}")))
}

/// Lowers the calling thread's scheduling priority (nice 10), on Linux.
///
/// A flood of password sign-ins keeps every hashing thread busy; at a lower
/// priority they still use all the CPU nobody else wants, but a passkey
/// sign-in or a page load preempts them instead of queueing behind argon2.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; on Linux, who =
    // 0 with PRIO_PROCESS means the calling thread.
    unsafe {
        if libc::setpriority(libc::PRIO_PROCESS, 0, 10) != 0 {
            tracing::warn!("could not lower the password threads' priority");
        }
    }
}

impl Passwords {
    /// Starts `threads` hashing threads (at least one; usually the number
    /// of cores): at most that many hashes run at once.
    pub fn new(threads: usize) -> Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only while taking the next job.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // every sender is gone
                        }
                    }
                })
                .map_err(|e| Error::Internal(format!("password thread: {e}")))?;
        }
        Ok(Self {
            jobs,
            dummy_hash: hash_blocking(b"latchkey dummy password")?.into(),
            running: Arc::default(),
            peak: Arc::default(),
        })
    }

    /// The most hashes that have run at once since start: never more than
    /// the threads given to [`Passwords::new`] (each takes 19 MiB).
    pub fn peak_concurrency(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let (running, peak) = (self.running.clone(), self.peak.clone());
        let job: Job = Box::new(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let output = work();
            running.fetch_sub(1, Ordering::SeqCst);
            // The caller may have gone (request cancelled): nothing to do then.
            let _ = done.send(output);
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::Internal("password threads stopped".into()))?;
        result
            .await
            .map_err(|_| Error::Internal("password job dropped".into()))
    }

    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move || hash_blocking(password.as_bytes())).await?
    }

    /// Checks `password` against `stored`. With no stored hash (no such
    /// account) it checks a dummy hash and returns `false`, taking the same
    /// time as a real check.
    ///
    /// A password longer than [`crate::validate::MAX_PASSWORD_LEN`] bytes
    /// is never hashed (it bounds the work attacker input can cause): an
    /// empty one is checked in its place and the answer is `false`, after
    /// the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool> {
        let too_long = password.len() > crate::validate::MAX_PASSWORD_LEN;
        let password = if too_long { String::new() } else { password };
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.to_string(), false),
        };
        self.run(move || {
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| Error::Internal(format!("stored hash unreadable: {e}")))?;
            let ok = argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(ok && real && !too_long)
        })
        .await?
    }
}

/// Hashes a set of recovery codes with one shared salt (see migration
/// 0009: a typed code is then hashed once, whichever code it is).
fn hash_codes_blocking(codes: &[String]) -> Result<Vec<String>> {
    let salt = SaltString::generate(&mut OsRng);
    codes
        .iter()
        .map(|code| {
            argon2()
                .hash_password(code.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::Internal(format!("argon2 hash: {e}")))
        })
        .collect()
}

/// The stored hash among `stored` (PHC strings sharing one salt) that
/// `code` matches, comparing in constant time; one argon2 run whatever
/// the number of codes (the dummy's salt when there are none).
fn match_code_blocking(code: &str, stored: &[String], dummy: &str) -> Result<Option<String>> {
    let unreadable = |e| Error::Internal(format!("stored code hash unreadable: {e}"));
    let first = stored.first().map_or(dummy, String::as_str);
    let salt = PasswordHash::new(first).map_err(unreadable)?.salt;
    let salt = salt.ok_or_else(|| Error::Internal("stored code hash has no salt".into()))?;
    let typed = argon2()
        .hash_password(code.as_bytes(), salt)
        .map_err(|e| Error::Internal(format!("argon2 hash: {e}")))?
        .hash;
    for hash in stored {
        let parsed = PasswordHash::new(hash).map_err(unreadable)?;
        // `Output` compares in constant time.
        if parsed.hash.is_some() && parsed.hash == typed {
            return Ok(Some(hash.clone()));
        }
    }
    Ok(None)
}

impl Passwords {
    /// Hashes a new set of recovery codes (one salt for the set).
    pub async fn hash_codes(&self, codes: Vec<String>) -> Result<Vec<String>> {
        self.run(move || hash_codes_blocking(&codes)).await?
    }

    /// Which of `stored` (one account's code hashes) `code` is, if any:
    /// one argon2 run, the same with no stored codes (no such account).
    pub async fn match_code(&self, code: String, stored: Vec<String>) -> Result<Option<String>> {
        let dummy = self.dummy_hash.clone();
        self.run(move || match_code_blocking(&code, &stored, &dummy))
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_the_dummy_never_matches() {
        let pw = Passwords::new(2).unwrap();
        let hash = pw.hash("correct horse".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(pw
            .verify("correct horse".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!pw.verify("wrong horse".into(), Some(hash)).await.unwrap());
        assert!(!pw
            .verify("latchkey dummy password".into(), None)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_code_matches_its_own_hash_in_the_set_and_nothing_else() {
        let pw = Passwords::new(1).unwrap();
        let codes: Vec<String> = ["aaaaa", "bbbbb", "ccccc"].map(String::from).into();
        let hashes = pw.hash_codes(codes).await.unwrap();
        let salt = |h: &str| PasswordHash::new(h).unwrap().salt.unwrap().to_string();
        assert!(hashes.iter().all(|h| salt(h) == salt(&hashes[0])));
        let found = pw.match_code("bbbbb".into(), hashes.clone()).await;
        assert_eq!(found.unwrap().as_ref(), Some(&hashes[1]));
        assert_eq!(pw.match_code("ddddd".into(), hashes).await.unwrap(), None);
        assert_eq!(pw.match_code("aaaaa".into(), vec![]).await.unwrap(), None);
    }
}
