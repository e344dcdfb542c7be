//! My Account → Security activity: the account's own audit trail of the
//! last 90 days, in words — so that a person sees what happened to their
//! account (and notices what they did not do).

use crate::audit::Event;
use crate::error::Result;
use crate::store::audit;
use crate::store::sessions::Session;
use crate::Domain;
use common::{Activity, ActivityEntry};

/// How far back the activity goes (seconds): 90 days.
pub const WINDOW_SECS: i64 = 90 * 86_400;

/// The most entries shown.
pub const MAX_ENTRIES: i64 = 500;

/// The session's account's activity, newest first.
pub async fn list(d: &Domain, session: &Session) -> Result<Activity> {
    let since = d.clock.now() - WINDOW_SECS;
    let rows =
        audit::account_entries(&d.db, session.account_id.as_str(), since, MAX_ENTRIES).await?;
    let entries = rows
        .into_iter()
        .map(|row| ActivityEntry {
            at: row.at,
            words: Event::parse(&row.event)
                .map(Event::words)
                .unwrap_or("Something not described yet")
                .to_owned(),
            event: row.event,
            outcome: row.outcome,
            cause: row.cause,
            by_admin: row.actor_id.is_some(),
            client_addr: row.client_addr,
            browser: crate::types::browser_of(row.user_agent.as_deref()),
        })
        .collect();
    Ok(Activity { entries })
}
