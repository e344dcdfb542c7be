//! Delivers the mail queue: claims each due message with a lease, sends it,
//! and deletes it once the mail server accepted it; retries with backoff;
//! gives up after a day and records that.
//!
//! Delivery is at least once. Each message is claimed by one instance at a
//! time (the lease), so several instances never send it twice while they
//! run; a process that dies after the mail server accepted a message but
//! before its row was deleted sends it again when the lease expires (the
//! copies share one `Message-ID`).
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

/// Asks a [`Sender`] to stop; cheap to clone (for a shutdown signal).
#[derive(Clone)]
pub struct StopHandle {
    stopping: Arc<AtomicBool>,
    stop: Arc<Notify>,
}

impl StopHandle {
    /// The sender finishes the message in hand and stops; the others stay
    /// queued for the next start.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.stop.notify_one();
    }
}

impl Sender {
    /// Starts delivering `d`'s queue in the background. A panic in the
    /// sender is logged and the sender started again: an instance never
    /// silently stops mailing.
    pub fn spawn(d: &Domain) -> Self {
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(Notify::new());
        let (d, flag, wake) = (d.clone(), stopping.clone(), stop.clone());
        let task = tokio::spawn(async move {
            loop {
                let run = tokio::spawn(run(d.clone(), flag.clone(), wake.clone()));
                match run.await {
                    Ok(()) => return,
                    Err(e) if flag.load(Ordering::SeqCst) => {
                        tracing::error!(error = %e, "mail sender ended abnormally while stopping");
                        return;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "mail sender failed; starting it again");
                        tokio::time::sleep(POLL).await;
                    }
                }
            }
        });
        Sender {
            stopping,
            stop,
            task,
        }
    }

    /// What stops this sender, for use while it runs.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            stopping: self.stopping.clone(),
            stop: self.stop.clone(),
        }
    }

    /// Stops after the message in hand (its delivery finishes and is
    /// recorded); the others stay queued for the next start.
    pub async fn stop(self) {
        self.stop_handle().stop();
        self.join().await;
    }

    /// Waits for the sender to end (after [`StopHandle::stop`]).
    pub async fn join(self) {
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "mail sender ended abnormally");
        }
    }
}

async fn run(d: Domain, stopping: Arc<AtomicBool>, stop: Arc<Notify>) {
    // This instance's name on the leases it takes.
    let holder = uuid::Uuid::new_v4().to_string();
    let mut last_sweep = i64::MIN;
    // Whether the last look at the queue failed: the database being away
    // is logged when it starts and when it ends, not every two seconds.
    let mut unreadable = false;
    while !stopping.load(Ordering::SeqCst) {
        let now = d.clock.now();
        if now.saturating_sub(last_sweep) >= 3600 {
            match mail_queue::forget_given_up(&d.db, now - KEEP_GIVEN_UP_SECS).await {
                Ok(_) => last_sweep = now,
                Err(e) => tracing::debug!(error = %e, "mail queue: old records not swept"),
            }
        }
        match deliver_due(&d, &holder, &stopping).await {
            Ok(()) if unreadable => {
                unreadable = false;
                tracing::info!("mail queue readable again");
            }
            Ok(()) => {}
            Err(e) if !unreadable => {
                unreadable = true;
                tracing::warn!(error = %e, "mail queue unreadable: messages wait in the \
                    database; trying again every few seconds");
            }
            Err(_) => {}
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
/// nothing leased), until none is due, the sender is stopping, or an
/// attempt fails for a reason that is not the message's own (the server
/// is down or refuses everyone: the others would fail alike, each after a
/// timeout).
async fn deliver_due(d: &Domain, holder: &str, stopping: &AtomicBool) -> Result<()> {
    while !stopping.load(Ordering::SeqCst) {
        let now = d.clock.now();
        if !mail_queue::any_due(&d.db, now).await? {
            return Ok(());
        }
        let claimed = mail_queue::claim(&d.db, holder, now, now + LEASE_SECS, 1).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        let mut retried = false;
        for message in claimed {
            retried |= deliver(d, holder, message).await? == Outcome::Retried;
        }
        if retried {
            return Ok(());
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Sent,
    Retried,
    GivenUp,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Retried => "retried",
            Outcome::GivenUp => "given_up",
        }
    }
}

async fn deliver(d: &Domain, holder: &str, message: Claimed) -> Result<Outcome> {
    let id = message.id.as_str();
    // A link, a code or a notice a day old misleads more than it helps
    // (the sender itself may have been down): it is not sent at all.
    let age = d.clock.now() - message.created_at;
    let outcome = if age >= GIVE_UP_AFTER_SECS {
        let error = "not sent: queued more than a day ago";
        lease_kept(
            id,
            mail_queue::give_up(&d.db, id, holder, d.clock.now(), error).await?,
        );
        tracing::error!(id, subject = %message.subject, "email given up: {error}");
        Outcome::GivenUp
    } else {
        match d.mailer.send_now(id, message.email()).await {
            Ok(()) => {
                record_delivery(d, id, holder).await?;
                tracing::info!(id, subject = %message.subject,
                    attempts = message.attempts, "email sent");
                Outcome::Sent
            }
            Err(e) if e.permanent || d.clock.now() - message.created_at >= GIVE_UP_AFTER_SECS => {
                let now = d.clock.now();
                lease_kept(
                    id,
                    mail_queue::give_up(&d.db, id, holder, now, &e.message).await?,
                );
                tracing::error!(id, subject = %message.subject,
                    attempts = message.attempts, error = %e, "email given up: never delivered");
                Outcome::GivenUp
            }
            Err(e) => {
                let now = d.clock.now();
                let next = now + retry_delay(message.attempts);
                lease_kept(
                    id,
                    mail_queue::retry_later(&d.db, id, holder, next, &e.message).await?,
                );
                tracing::warn!(id, subject = %message.subject,
                    attempts = message.attempts, retry_in_secs = next - now, error = %e,
                    "email not sent; will retry");
                Outcome::Retried
            }
        }
    };
    metrics::counter!("latchkey_mail_total", "outcome" => outcome.label()).increment(1);
    Ok(outcome)
}

/// Deletes a delivered message's row, trying a few times: a row left
/// behind is sent again once its lease expires (a duplicate).
async fn record_delivery(d: &Domain, id: &str, holder: &str) -> Result<()> {
    let mut tries = 0;
    loop {
        match mail_queue::delivered(&d.db, id, holder).await {
            Ok(held) => {
                lease_kept(id, held);
                return Ok(());
            }
            Err(e) if tries < 5 => {
                tries += 1;
                tracing::warn!(id, error = %e, "a delivered email is not yet recorded as sent");
                tokio::time::sleep(Duration::from_millis(200 * tries)).await;
            }
            Err(e) => {
                tracing::error!(id, error = %e, "a delivered email could not be recorded as \
                    sent: it will be sent again when its lease expires");
                return Err(e);
            }
        }
    }
}

/// Logs a lease lost before its holder recorded the outcome (its delivery
/// took longer than [`LEASE_SECS`], or the instances' clocks disagree):
/// another instance may send the message too.
fn lease_kept(id: &str, held: mail_queue::Held) {
    if !held {
        tracing::warn!(
            id,
            "an email's lease expired before its outcome was recorded; \
            another instance may send it again"
        );
    }
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
