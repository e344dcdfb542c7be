//! Delivers the mail queue: claims each due message with a lease, sends it,
//! and deletes it once the mail server accepted it; retries with backoff;
//! gives up after a day and records that.
//!
//! Delivery is at least once. Each message is claimed by one instance at a
//! time (the lease), so several instances never send it twice while they
//! run; a process that dies after the mail server accepted a message but
//! before its row was deleted sends it again when the lease expires.
//!
//! Times come from [`crate::clock::Clock`] (the tests turn it by hand);
//! only the pause between two looks at the queue is real time.

use crate::error::Result;
use crate::store::mail_queue::{self, Claimed};
use crate::Domain;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How long a claimed message is this instance's to send (seconds): more
/// than one SMTP exchange may take, so a live sender never loses it.
pub const LEASE_SECS: i64 = 120;

/// The wait after the first failed attempt (seconds); it doubles with
/// each failure, up to [`RETRY_MAX_SECS`].
pub const RETRY_FIRST_SECS: i64 = 5;

/// The longest wait between two attempts (seconds).
pub const RETRY_MAX_SECS: i64 = 30 * 60;

/// How long after it was queued a message is given up (seconds): a link
/// or a code mailed later than that has expired anyway, and a notice
/// that late misleads.
pub const GIVE_UP_AFTER_SECS: i64 = 24 * 3600;

/// How long the record of a given-up message is kept (seconds).
pub const KEEP_GIVEN_UP_SECS: i64 = 30 * 24 * 3600;

/// How often the queue is looked at without a wake-up: messages queued by
/// another instance or the command line, and retries falling due.
const POLL: Duration = Duration::from_secs(2);

/// The wait before the attempt after `attempts` failed ones (seconds).
pub fn retry_delay(attempts: i64) -> i64 {
    // 2^20 × 5 s is far past the cap: no overflow, whatever the count.
    let doublings = attempts.clamp(1, 21) - 1;
    RETRY_FIRST_SECS
        .saturating_mul(1 << doublings)
        .min(RETRY_MAX_SECS)
}

/// The running sender of one instance.
pub struct Sender {
    stopping: Arc<AtomicBool>,
    stop: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Sender {
    /// Starts delivering `d`'s queue in the background.
    pub fn spawn(d: &Domain) -> Self {
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(Notify::new());
        let task = tokio::spawn(run(d.clone(), stopping.clone(), stop.clone()));
        Sender {
            stopping,
            stop,
            task,
        }
    }

    /// Stops after the message in hand (its delivery finishes and is
    /// recorded); the others stay queued for the next start.
    pub async fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.stop.notify_one();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "mail sender ended abnormally");
        }
    }
}

async fn run(d: Domain, stopping: Arc<AtomicBool>, stop: Arc<Notify>) {
    // This instance's name on the leases it takes.
    let holder = uuid::Uuid::new_v4().to_string();
    let mut last_sweep = i64::MIN;
    while !stopping.load(Ordering::SeqCst) {
        let now = d.clock.now();
        if now.saturating_sub(last_sweep) >= 3600 {
            last_sweep = now;
            if let Err(e) = mail_queue::forget_given_up(&d.db, now - KEEP_GIVEN_UP_SECS).await {
                tracing::warn!(error = %e, "mail queue: cannot forget old given-up messages");
            }
        }
        match deliver_due(&d, &holder, &stopping).await {
            Ok(()) => {}
            // The database is away: the messages wait in it; look again later.
            Err(e) => tracing::warn!(error = %e, "mail queue unreadable; trying again shortly"),
        }
        if let Ok(depth) = mail_queue::depth(&d.db).await {
            metrics::gauge!("latchkey_mail_queue_depth").set(depth as f64);
        }
        tokio::select! {
            () = d.mailer.wait_queued() => {}
            () = stop.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Sends every due message, one claim at a time (so that a stop leaves
/// nothing leased), until none is due or the sender is stopping.
async fn deliver_due(d: &Domain, holder: &str, stopping: &AtomicBool) -> Result<()> {
    while !stopping.load(Ordering::SeqCst) {
        let now = d.clock.now();
        let claimed = mail_queue::claim(&d.db, holder, now, now + LEASE_SECS, 1).await?;
        let Some(message) = claimed.into_iter().next() else {
            return Ok(());
        };
        deliver(d, message).await?;
    }
    Ok(())
}

async fn deliver(d: &Domain, message: Claimed) -> Result<()> {
    let outcome = d.mailer.send_now(message.email()).await;
    let now = d.clock.now();
    let outcome = match outcome {
        Ok(()) => {
            mail_queue::delivered(&d.db, &message.id).await?;
            tracing::info!(id = %message.id, subject = %message.subject,
                attempts = message.attempts, "email sent");
            "sent"
        }
        Err(e) if e.permanent || now - message.created_at >= GIVE_UP_AFTER_SECS => {
            mail_queue::give_up(&d.db, &message.id, now, &e.message).await?;
            tracing::error!(id = %message.id, subject = %message.subject,
                attempts = message.attempts, error = %e, "email given up: never delivered");
            "given_up"
        }
        Err(e) => {
            let next = now + retry_delay(message.attempts);
            mail_queue::retry_later(&d.db, &message.id, next, &e.message).await?;
            tracing::warn!(id = %message.id, subject = %message.subject,
                attempts = message.attempts, retry_in_secs = next - now, error = %e,
                "email not sent; will retry");
            "retried"
        }
    };
    metrics::counter!("latchkey_mail_total", "outcome" => outcome).increment(1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_five_seconds_up_to_half_an_hour() {
        let waits: Vec<i64> = (1..=11).map(retry_delay).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800]);
        assert_eq!(retry_delay(i64::MAX), RETRY_MAX_SECS);
        assert_eq!(retry_delay(0), RETRY_FIRST_SECS);
    }
}
