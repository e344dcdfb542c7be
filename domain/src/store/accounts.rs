//! Accounts: one person's membership in one org, with its own credentials.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::password::Passwords;
use crate::store::db::{on_unique, Db};
use crate::store::orgs::{self, Org};
use crate::types::{AccountId, OrgId};
use crate::validate;
use crate::{with_pool, with_reader};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    /// Random UUID; also the WebAuthn user handle, so it must never be
    /// derived from the email.
    pub id: AccountId,
    pub org_id: OrgId,
    pub email: String,
    pub display_name: String,
    /// The argon2id PHC string; `None` for a passkey-only account (stored
    /// as '', see migration 0009; [`COLUMNS`] reads it back as NULL).
    pub password_hash: Option<String>,
    /// Base32 TOTP secret; `None` when 2FA is off.
    pub totp_secret: Option<String>,
    pub created_at: i64,
    /// `member`, `admin` or `owner` ([`common::Role`]).
    pub role: String,
}

#[derive(Clone)]
pub struct NewAccount {
    pub org: String,
    pub email: String,
    pub display_name: String,
    /// `None`: a passkey-only account, which signs in first through an
    /// enrollment link.
    pub password: Option<String>,
}

/// An account's columns; a missing password ('') reads as NULL.
const COLUMNS: &str =
    "id, org_id, email, display_name, NULLIF(password_hash, '') AS password_hash, \
                       totp_secret, created_at, role";

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
    let org = orgs::find_by_short_name(db, &new.org)
        .await?
        .ok_or_else(|| {
            Error::BadRequest(format!("There is no organization '{}'.", new.org.trim()))
        })?;
    let password_hash = match new.password {
        Some(password) => {
            let account = validate::PasswordFor {
                email: &email,
                org_short_name: &org.short_name,
                org_name: &org.name,
                has_second_factor: false,
            };
            validate::new_password(&password, &account)?;
            passwords.hash(password).await?
        }
        None => String::new(),
    };
    // A new account's password is its only factor: the rule made it long
    // enough for that.
    let enough_alone = !password_hash.is_empty();
    let id = AccountId::random();
    let sql = format!(
        "INSERT INTO accounts (id, org_id, email, display_name, password_hash, created_at, \
                               password_enough_alone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    );
    let inserted = with_pool!(db, pool => sqlx::query_as::<_, Account>(&sql)
        .bind(&id)
        .bind(&org.id)
        .bind(&email)
        .bind(&display_name)
        .bind(&password_hash)
        .bind(clock.now())
        .bind(enough_alone)
        .fetch_one(pool)
        .await);
    let account = inserted.map_err(on_unique(|| {
        format!(
            "An account for {email} already exists in '{}'.",
            org.short_name
        )
    }))?;
    Ok((account, org))
}

/// The account for `email` in the org named `org_short_name`, with that
/// org. Both lookups run whether or not the org exists, so that the time
/// of the answer does not tell.
pub async fn find_in_org(
    db: &Db,
    email: &str,
    org_short_name: &str,
) -> Result<Option<(Account, Org)>> {
    let org = orgs::find_by_short_name(db, org_short_name).await?;
    let no_org = OrgId::from_text("");
    let account = find_by_email(db, org.as_ref().map_or(&no_org, |o| &o.id), email).await?;
    Ok(account.zip(org))
}

/// The account for `email` in the org `org_id`, if any.
pub async fn find_by_email(db: &Db, org_id: &OrgId, email: &str) -> Result<Option<Account>> {
    let email = crate::types::Email::canonical(email).as_str().to_owned();
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE org_id = $1 AND email = $2");
    Ok(with_reader!(db, pool => sqlx::query_as::<_, Account>(&sql)
        .bind(org_id)
        .bind(&email)
        .fetch_optional(pool)
        .await)?)
}

/// Rewrites stored emails that are not in their canonical form (accounts
/// made before addresses were normalised with NFC and IDNA), so that every
/// spelling finds them. An address whose canonical form another account of
/// the same org already has is left as it is: two accounts must not merge
/// silently. Returns how many were rewritten, and the ids of those left.
pub async fn canonicalise_emails(db: &Db) -> Result<(u64, Vec<AccountId>)> {
    let rows = with_reader!(db, pool => sqlx::query_as::<_, (AccountId, String)>(
            "SELECT id, email FROM accounts",
        )
        .fetch_all(pool)
        .await)?;
    let (mut rewritten, mut left) = (0, Vec::new());
    for (id, email) in rows {
        let canonical = crate::types::Email::canonical(&email);
        if canonical.as_str() == email {
            continue;
        }
        let updated = with_pool!(db, pool => sqlx::query("UPDATE accounts SET email = $1 WHERE id = $2")
            .bind(canonical.as_str())
            .bind(&id)
            .execute(pool)
            .await
            .map(|_| ()));
        match updated {
            Ok(()) => rewritten += 1,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => left.push(id),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((rewritten, left))
}

/// The account with this id and its org.
pub async fn find_by_id(db: &Db, id: &AccountId) -> Result<Option<(Account, Org)>> {
    // One query for both (this is on every passkey sign-in).
    let row = with_reader!(db, pool => sqlx::query_as::<_, AccountAndOrg>(
            "SELECT a.id, a.org_id, a.email, a.display_name, \
                    NULLIF(a.password_hash, '') AS password_hash, a.totp_secret, \
                    a.created_at, a.role, o.short_name, o.name, o.sso_required, o.require_2fa, \
                    o.max_session_secs, o.idle_timeout_secs, o.lockout_attempts, o.lockout_secs, \
                    o.created_at AS org_created_at, o.passkeys, o.passkeys_required_from, \
                    o.device_bound_only \
             FROM accounts a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(AccountAndOrg::split))
}

/// An account joined with its org, as one row.
#[derive(sqlx::FromRow)]
struct AccountAndOrg {
    id: AccountId,
    org_id: OrgId,
    email: String,
    display_name: String,
    password_hash: Option<String>,
    totp_secret: Option<String>,
    created_at: i64,
    role: String,
    short_name: String,
    name: String,
    sso_required: bool,
    require_2fa: bool,
    max_session_secs: i64,
    idle_timeout_secs: i64,
    lockout_attempts: i64,
    lockout_secs: i64,
    org_created_at: i64,
    passkeys: String,
    passkeys_required_from: i64,
    device_bound_only: bool,
}

impl AccountAndOrg {
    fn split(self) -> (Account, Org) {
        let org = Org {
            id: self.org_id.clone(),
            short_name: self.short_name,
            name: self.name,
            sso_required: self.sso_required,
            require_2fa: self.require_2fa,
            max_session_secs: self.max_session_secs,
            idle_timeout_secs: self.idle_timeout_secs,
            lockout_attempts: self.lockout_attempts,
            lockout_secs: self.lockout_secs,
            created_at: self.org_created_at,
            passkeys: self.passkeys,
            passkeys_required_from: self.passkeys_required_from,
            device_bound_only: self.device_bound_only,
        };
        let account = Account {
            id: self.id,
            org_id: self.org_id,
            email: self.email,
            display_name: self.display_name,
            password_hash: self.password_hash,
            totp_secret: self.totp_secret,
            created_at: self.created_at,
            role: self.role,
        };
        (account, org)
    }
}

/// (short name, display name) of every org where `email` has an account.
pub async fn orgs_of_email(db: &Db, email: &str) -> Result<Vec<(String, String)>> {
    let email = crate::types::Email::canonical(email).as_str().to_owned();
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

/// Takes the account's row lock for the rest of a transaction (a no-op
/// update: a row lock on PostgreSQL, the write lock on SQLite), so that
/// two changes to the account's ways in — deleting passkeys, removing the
/// password — run one after the other, each seeing what the other left.
/// Bind the account id as `$1`.
pub const LOCK: &str = "UPDATE accounts SET password_hash = password_hash WHERE id = $1";

/// What [`crate::ways_in`] needs to know, read in one statement
/// inside the transaction that changes it. Bind the account id as `$1`.
pub const WAYS_IN: &str = "SELECT \
     (SELECT COUNT(*) FROM passkeys WHERE account_id = $1) AS passkeys, \
     COALESCE((SELECT password_hash <> '' FROM accounts WHERE id = $1), FALSE) AS password, \
     COALESCE((SELECT password_enough_alone FROM accounts WHERE id = $1), FALSE) \
         AS password_enough_alone, \
     COALESCE((SELECT totp_secret IS NOT NULL FROM accounts WHERE id = $1), FALSE) AS totp, \
     (SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1) AS recovery_codes, \
     EXISTS (SELECT 1 FROM sso_identities i \
             JOIN org_sso p ON p.org_id = i.org_id AND p.issuer = i.issuer \
             WHERE i.account_id = $1) AS sso";

/// Sets the account's password hash (`None` removes the password), and
/// whether it is long enough to be the only factor
/// ([`crate::validate::enough_alone`]), and ends
/// every session of the account but `keep`, and its reset links (a link
/// mailed before must not undo this change), in one transaction; returns
/// how many sessions ended. `mail` (the notice) is queued with the change.
/// Removing the password is refused by [`crate::ways_in::check`] when no
/// passkey is left.
pub async fn set_password(
    db: &Db,
    account_id: &AccountId,
    hash: Option<&str>,
    enough_alone: bool,
    keep: Option<&str>,
    mail: &crate::mail::Outgoing,
) -> Result<u64> {
    let keep = keep.unwrap_or("");
    let done = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query(LOCK).bind(account_id).execute(&mut *tx).await?;
        if hash.is_none() {
            let left = sqlx::query_as::<_, crate::ways_in::WaysIn>(WAYS_IN)
                .bind(account_id)
                .fetch_one(&mut *tx)
                .await?;
            if let Err(refused) =
                crate::ways_in::check(left, crate::ways_in::Removing::Password)
            {
                return Ok(Err(refused));
            }
        }
        sqlx::query("UPDATE accounts SET password_hash = $1, password_enough_alone = $2 WHERE id = $3")
            .bind(hash.unwrap_or(""))
            .bind(enough_alone)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        let ended = sqlx::query(crate::store::sessions::END_OTHERS)
            .bind(account_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM email_tokens WHERE account_id = $1 AND purpose = 'password_reset'")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        crate::store::mail_queue::queue_mail!(&mut *tx, mail)?;
        tx.commit().await?;
        Ok(Ok(ended))
    }
    .await)?;
    done
}

/// The account's passkey nudge: from when (Unix seconds) it may be shown
/// again, and whether the person said not to ask again.
pub async fn passkey_nudge(db: &Db, id: &AccountId) -> Result<(i64, bool)> {
    Ok(with_reader!(db, pool => sqlx::query_as::<_, (i64, bool)>(
            "SELECT passkey_nudge_after, passkey_nudge_off FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?
    .unwrap_or((0, false)))
}

/// Records the person's answer to the passkey nudge: ask again from
/// `after` (Unix seconds), or (`off`) not at all.
pub async fn set_passkey_nudge(db: &Db, id: &AccountId, after: i64, off: bool) -> Result<()> {
    with_pool!(db, pool => sqlx::query(
            "UPDATE accounts SET passkey_nudge_after = $1, passkey_nudge_off = $2 WHERE id = $3",
        )
        .bind(after)
        .bind(off)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}
