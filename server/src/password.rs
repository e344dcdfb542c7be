//! Password hashing with argon2id, off the async workers.
//!
//! Argon2 is deliberately slow (tens of milliseconds and 19 MiB per hash).
//! Running it on the async workers would stall every other request, so each
//! hash runs on tokio's blocking pool, and a semaphore caps how many run at
//! once: a burst of password sign-ins then queues instead of taking all the
//! CPU and memory from passkey sign-ins and page loads.

use crate::error::{Error, Result};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Verified when there is no account, so that "no such account" costs
    /// the same time as "wrong password".
    dummy_hash: Arc<str>,
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

impl Passwords {
    /// `max_parallel` hashes may run at once (usually the number of cores).
    pub fn new(max_parallel: usize) -> Result<Self> {
        Ok(Self {
            permits: Arc::new(Semaphore::new(max_parallel.max(1))),
            dummy_hash: hash_blocking(b"latchkey dummy password")?.into(),
        })
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::Internal(format!("password pool closed: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::Internal(format!("password task: {e}")))
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move || hash_blocking(password.as_bytes())).await?
    }

    /// Checks `password` against `stored`. With no stored hash (no such
    /// account) it checks a dummy hash and returns `false`, taking the same
    /// time as a real check.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool> {
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
            Ok(ok && real)
        })
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
}
