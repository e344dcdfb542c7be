//! Organizations: the tenants of the console, and their settings.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::db::{on_unique, Db};
use crate::types::OrgId;
use crate::validate;
use crate::{with_pool, with_reader};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Org {
    pub id: OrgId,
    pub short_name: String,
    pub name: String,
    pub sso_required: bool,
    pub require_2fa: bool,
    pub max_session_secs: i64,
    pub idle_timeout_secs: i64,
    pub lockout_attempts: i64,
    pub lockout_secs: i64,
    pub created_at: i64,
    /// `off`, `offered` or `required` ([`crate::policy::PasskeyMode`]).
    pub passkeys: String,
    /// With `required`: from when (Unix seconds) a sign-in without a
    /// passkey opens only the step that adds one.
    pub passkeys_required_from: i64,
    /// Only passkeys bound to one device are accepted.
    pub device_bound_only: bool,
}

impl Org {
    pub fn summary(&self) -> common::OrgSummary {
        common::OrgSummary {
            short_name: self.short_name.clone(),
            name: self.name.clone(),
        }
    }
}

/// What an admin gives to create an org; the other settings start at their
/// defaults (see the migration).
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub short_name: String,
    pub name: String,
    pub sso_required: bool,
    pub require_2fa: bool,
}

/// Settings an admin may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct OrgUpdate {
    pub name: Option<String>,
    pub sso_required: Option<bool>,
    pub require_2fa: Option<bool>,
    pub lockout_attempts: Option<i64>,
    pub lockout_secs: Option<i64>,
    /// Seconds.
    pub max_session_secs: Option<i64>,
    /// Seconds.
    pub idle_timeout_secs: Option<i64>,
    /// `off`, `offered` or `required`.
    pub passkeys: Option<String>,
    /// Unix seconds.
    pub passkeys_required_from: Option<i64>,
    pub device_bound_only: Option<bool>,
}

const COLUMNS: &str = "id, short_name, name, sso_required, require_2fa, max_session_secs, \
                       idle_timeout_secs, lockout_attempts, lockout_secs, created_at, passkeys, \
                       passkeys_required_from, device_bound_only";

pub async fn create(db: &Db, clock: &Clock, new: NewOrg) -> Result<Org> {
    let short_name = validate::short_name(&new.short_name)?;
    let name = validate::display_name(&new.name)?;
    let id = OrgId::random();
    let sql = format!(
        "INSERT INTO orgs (id, short_name, name, sso_required, require_2fa, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    let inserted = with_pool!(db, pool => sqlx::query_as::<_, Org>(&sql)
        .bind(&id)
        .bind(&short_name)
        .bind(&name)
        .bind(new.sso_required)
        .bind(new.require_2fa)
        .bind(clock.now())
        .fetch_one(pool)
        .await);
    inserted.map_err(on_unique(|| {
        format!("An organization with short name '{short_name}' already exists.")
    }))
}

pub async fn find_by_short_name(db: &Db, short_name: &str) -> Result<Option<Org>> {
    let short_name = crate::types::OrgShortName::canonical(short_name)
        .as_str()
        .to_owned();
    let sql = format!("SELECT {COLUMNS} FROM orgs WHERE short_name = $1");
    Ok(with_reader!(db, pool => sqlx::query_as::<_, Org>(&sql)
        .bind(&short_name)
        .fetch_optional(pool)
        .await)?)
}

pub async fn find_by_id(db: &Db, id: &OrgId) -> Result<Option<Org>> {
    let sql = format!("SELECT {COLUMNS} FROM orgs WHERE id = $1");
    Ok(with_reader!(db, pool => sqlx::query_as::<_, Org>(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?)
}

pub async fn update(db: &Db, short_name: &str, change: OrgUpdate) -> Result<Org> {
    let mut org = find_by_short_name(db, short_name).await?.ok_or_else(|| {
        Error::BadRequest(format!("There is no organization '{}'.", short_name.trim()))
    })?;
    if let Some(name) = change.name {
        org.name = validate::display_name(&name)?;
    }
    if let Some(sso) = change.sso_required {
        org.sso_required = sso;
    }
    if let Some(two_fa) = change.require_2fa {
        org.require_2fa = two_fa;
    }
    if let Some(attempts) = change.lockout_attempts {
        org.lockout_attempts = attempts;
    }
    if let Some(secs) = change.lockout_secs {
        org.lockout_secs = secs;
    }
    if let Some(secs) = change.max_session_secs {
        org.max_session_secs = secs;
    }
    if let Some(secs) = change.idle_timeout_secs {
        org.idle_timeout_secs = secs;
    }
    if let Some(mode) = change.passkeys {
        org.passkeys = mode;
    }
    if let Some(from) = change.passkeys_required_from {
        org.passkeys_required_from = from;
    }
    if let Some(only) = change.device_bound_only {
        org.device_bound_only = only;
    }
    with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query(
            "UPDATE orgs SET name = $1, sso_required = $2, require_2fa = $3, \
             lockout_attempts = $4, lockout_secs = $5, max_session_secs = $6, \
             idle_timeout_secs = $7, passkeys = $9, passkeys_required_from = $10, \
             device_bound_only = $11 WHERE id = $8",
        )
        .bind(&org.name)
        .bind(org.sso_required)
        .bind(org.require_2fa)
        .bind(org.lockout_attempts)
        .bind(org.lockout_secs)
        .bind(org.max_session_secs)
        .bind(org.idle_timeout_secs)
        .bind(&org.id)
        .bind(&org.passkeys)
        .bind(org.passkeys_required_from)
        .bind(org.device_bound_only)
        .execute(&mut *tx)
        .await?;
        if org.sso_required {
            // Only the identity provider signs people in now: the ways
            // back in that bypass it are gone, not merely refused, so that
            // leaving SSO later does not bring them back (a person removed
            // at the provider meanwhile would get in again).
            for sql in [
                "DELETE FROM recovery_codes WHERE account_id IN \
                 (SELECT id FROM accounts WHERE org_id = $1)",
                "DELETE FROM email_tokens WHERE purpose IN ('password_reset', 'enrollment') \
                 AND account_id IN (SELECT id FROM accounts WHERE org_id = $1)",
            ] {
                sqlx::query(sql).bind(&org.id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await
    }
    .await)?;
    Ok(org)
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(
        with_pool!(db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orgs")
        .fetch_one(pool)
        .await)?,
    )
}
