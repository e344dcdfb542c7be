//! The one place that reads the wall clock.
//!
//! Everything that depends on time (session expiry, later ceremony expiry
//! and lockouts) asks a [`Clock`], so tests can move time forward instead of
//! sleeping. `clippy.toml` forbids reading the clock anywhere else.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Unix time in whole seconds, the unit stored in the database.
pub type UnixTime = i64;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// `None` reads the system clock; `Some` is a hand-driven test clock.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// A clock that stays at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: UnixTime) -> Self {
        Self {
            manual: Some(Arc::new(AtomicI64::new(start))),
        }
    }

    pub fn now(&self) -> UnixTime {
        match &self.manual {
            Some(t) => t.load(Ordering::SeqCst),
            #[allow(clippy::disallowed_methods)] // the one sanctioned read
            None => time::OffsetDateTime::now_utc().unix_timestamp(),
        }
    }

    /// Moves a manual clock forward. Does nothing to the system clock.
    pub fn advance(&self, seconds: i64) {
        if let Some(t) = &self.manual {
            t.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = Clock::manual(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.clone().advance(60);
        assert_eq!(clock.now(), 1_060, "clones share one time");
    }
}
