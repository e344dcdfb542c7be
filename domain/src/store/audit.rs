//! The `audit_events` table.

use crate::clock::UnixTime;
use crate::store::db::Db;
use crate::types::Client;
use crate::with_pool;

/// One line of the trail.
pub struct Entry<'a> {
    /// What happened (`sign_in.password`…; see `crate::audit::Event`).
    pub event: &'a str,
    /// `None` for success, else why it failed.
    pub failure: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub org_id: Option<&'a str>,
    /// The public id of the session it concerns, if one.
    pub session_id: Option<&'a str>,
    /// The account that acted, when not `account_id` itself (an org admin).
    pub actor_id: Option<&'a str>,
}

/// Appends one entry of the trail at `at`.
pub async fn insert(
    db: &Db,
    at: UnixTime,
    client: &Client,
    entry: &Entry<'_>,
) -> Result<(), sqlx::Error> {
    let outcome = if entry.failure.is_some() {
        "failure"
    } else {
        "success"
    };
    with_pool!(db, pool => sqlx::query(
            "INSERT INTO audit_events (id, at, event, outcome, cause, account_id, org_id, client_addr, user_agent, session_id, actor_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(at)
        .bind(entry.event)
        .bind(outcome)
        .bind(entry.failure)
        .bind(entry.account_id)
        .bind(entry.org_id)
        .bind(&client.addr)
        .bind(&client.user_agent)
        .bind(entry.session_id)
        .bind(entry.actor_id)
        .execute(pool)
        .await
        .map(|_| ()))
}
