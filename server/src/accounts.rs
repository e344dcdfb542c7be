//! Accounts: one person's membership in one org, with its own credentials.

use crate::clock::Clock;
use crate::db::{is_unique_violation, Db};
use crate::error::{Error, Result};
use crate::orgs::{self, Org};
use crate::password::Passwords;
use crate::validate;
use crate::with_pool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    /// Random UUID; also the WebAuthn user handle, so it must never be
    /// derived from the email.
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    /// Base32 TOTP secret; `None` when 2FA is off.
    pub totp_secret: Option<String>,
    pub created_at: i64,
}

#[derive(Clone)]
pub struct NewAccount {
    pub org: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

const COLUMNS: &str = "id, org_id, email, display_name, password_hash, totp_secret, created_at";

/// Creates an account. Everything is checked before the (slow) password
/// hash, and nothing is written unless all checks pass.
pub async fn create(
    db: &Db,
    clock: &Clock,
    passwords: &Passwords,
    new: NewAccount,
) -> Result<(Account, Org)> {
    let email = validate::email(&new.email)?;
    let display_name = validate::display_name(&new.display_name)?;
    validate::new_password(&new.password)?;
    let org = orgs::find_by_short_name(db, &new.org)
        .await?
        .ok_or_else(|| {
            Error::BadRequest(format!("There is no organization '{}'.", new.org.trim()))
        })?;
    let password_hash = passwords.hash(new.password).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let sql = format!(
        "INSERT INTO accounts (id, org_id, email, display_name, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    let inserted = with_pool!(db, pool => sqlx::query_as::<_, Account>(&sql)
        .bind(&id)
        .bind(&org.id)
        .bind(&email)
        .bind(&display_name)
        .bind(&password_hash)
        .bind(clock.now())
        .fetch_one(pool)
        .await);
    let account = inserted.map_err(|e| {
        if is_unique_violation(&e) {
            Error::Conflict(format!(
                "An account for {email} already exists in '{}'.",
                org.short_name
            ))
        } else {
            e.into()
        }
    })?;
    Ok((account, org))
}

/// The account for `email` in the org named `org_short_name`, if both exist.
/// Callers must not let the difference between "no org" and "no account"
/// show in their answer.
pub async fn find_in_org(
    db: &Db,
    email: &str,
    org_short_name: &str,
) -> Result<Option<(Account, Org)>> {
    let Some(org) = orgs::find_by_short_name(db, org_short_name).await? else {
        return Ok(None);
    };
    Ok(find_by_email(db, &org, email).await?.map(|a| (a, org)))
}

/// The account for `email` in `org`, if any.
pub async fn find_by_email(db: &Db, org: &Org, email: &str) -> Result<Option<Account>> {
    let email = email.trim().to_lowercase();
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE org_id = $1 AND email = $2");
    Ok(with_pool!(db, pool => sqlx::query_as::<_, Account>(&sql)
        .bind(&org.id)
        .bind(&email)
        .fetch_optional(pool)
        .await)?)
}

/// The account with this id and its org.
pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<(Account, Org)>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let account = with_pool!(db, pool => sqlx::query_as::<_, Account>(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    let Some(account) = account else {
        return Ok(None);
    };
    let org = orgs::find_by_id(db, &account.org_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Some((account, org)))
}

/// (short name, display name) of every org where `email` has an account.
pub async fn orgs_of_email(db: &Db, email: &str) -> Result<Vec<(String, String)>> {
    let email = email.trim().to_lowercase();
    Ok(
        with_pool!(db, pool => sqlx::query_as::<_, (String, String)>(
            "SELECT o.short_name, o.name FROM accounts a JOIN orgs o ON o.id = a.org_id \
             WHERE a.email = $1 ORDER BY o.name",
        )
        .bind(&email)
        .fetch_all(pool)
        .await)?,
    )
}
