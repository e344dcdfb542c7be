//! The `audit_events` table.

use crate::clock::UnixTime;
use crate::store::db::Db;
use crate::types::{Client, OrgId};
use crate::{with_pool, with_reader};

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

/// Which of an org's entries the security log shows; empty or `None`
/// fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// The account's id.
    pub member: String,
    /// A stored event name.
    pub event: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// Unix seconds, inclusive.
    pub from: Option<UnixTime>,
    /// Unix seconds, inclusive.
    pub to: Option<UnixTime>,
}

/// One entry of an org's trail, with the emails of its member and actor
/// (when their accounts still exist).
#[derive(Debug, sqlx::FromRow)]
pub struct OrgEntry {
    pub at: UnixTime,
    pub event: String,
    pub outcome: String,
    pub cause: Option<String>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub member_email: Option<String>,
    pub actor_email: Option<String>,
}

const ORG_FILTER: &str = "e.org_id = $1 AND ($2 = '' OR e.account_id = $2) \
     AND ($3 = '' OR e.event = $3) AND ($4 = '' OR e.outcome = $4) \
     AND e.at >= $5 AND e.at <= $6";

/// The org's entries matching `filter`, newest first: `limit` of them
/// after skipping `offset`; and how many match in all.
pub async fn org_entries(
    db: &Db,
    org_id: &OrgId,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> crate::error::Result<(Vec<OrgEntry>, i64)> {
    let (from, to) = (
        filter.from.unwrap_or(i64::MIN),
        filter.to.unwrap_or(i64::MAX),
    );
    let total = with_reader!(db, pool => sqlx::query_scalar::<_, i64>(&format!(
            "SELECT COUNT(*) FROM audit_events e WHERE {ORG_FILTER}"
        ))
        .bind(org_id)
        .bind(&filter.member)
        .bind(&filter.event)
        .bind(&filter.outcome)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await)?;
    let sql = format!(
        "SELECT e.at, e.event, e.outcome, e.cause, e.client_addr, e.user_agent, \
                m.email AS member_email, a.email AS actor_email \
         FROM audit_events e \
         LEFT JOIN accounts m ON m.id = e.account_id AND m.org_id = e.org_id \
         LEFT JOIN accounts a ON a.id = e.actor_id AND a.org_id = e.org_id \
         WHERE {ORG_FILTER} ORDER BY e.at DESC, e.id LIMIT $7 OFFSET $8"
    );
    let rows = with_reader!(db, pool => sqlx::query_as::<_, OrgEntry>(&sql)
        .bind(org_id)
        .bind(&filter.member)
        .bind(&filter.event)
        .bind(&filter.outcome)
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)?;
    Ok((rows, total))
}

/// One entry of an account's own trail.
#[derive(Debug, sqlx::FromRow)]
pub struct AccountEntry {
    pub at: UnixTime,
    pub event: String,
    pub outcome: String,
    pub cause: Option<String>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// Set when an org admin acted (the entry concerns the account).
    pub actor_id: Option<String>,
}

/// The account's entries since `since` (Unix seconds), newest first, at
/// most `limit`.
pub async fn account_entries(
    db: &Db,
    account_id: &str,
    since: UnixTime,
    limit: i64,
) -> crate::error::Result<Vec<AccountEntry>> {
    Ok(with_reader!(db, pool => sqlx::query_as::<_, AccountEntry>(
            "SELECT at, event, outcome, cause, client_addr, user_agent, actor_id \
             FROM audit_events WHERE account_id = $1 AND at >= $2 \
             ORDER BY at DESC, id LIMIT $3",
        )
        .bind(account_id)
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}
