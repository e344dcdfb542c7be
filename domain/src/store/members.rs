//! An org's accounts as its admins see them: the members page, roles,
//! removal, and the passkey coverage figures.

use crate::clock::UnixTime;
use crate::error::{Error, Result};
use crate::mail::Outgoing;
use crate::store::db::Db;
use crate::store::mail_queue::queue_mail;
use crate::store::passkeys::Usable;
use crate::types::{AccountId, OrgId};
use crate::{with_pool, with_reader};

/// Members on one page of the members list.
pub const PAGE_SIZE: i64 = 50;

/// One row of the members page.
#[derive(Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub id: AccountId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub two_factor: bool,
    pub has_password: bool,
    pub passkeys: i64,
    pub synced_passkeys: i64,
    /// Unix seconds.
    pub last_sign_in_at: Option<i64>,
    /// The audit event of the last sign-in (`sign_in.passkey`…).
    pub last_sign_in_event: Option<String>,
}

/// The audit events that open a session (or, for `sign_in.password`, pass
/// its first step).
const SIGN_INS: &str = "('sign_in.password', 'sign_in.totp', 'sign_in.passkey', \
     'sign_in.recovery_code', 'sign_in.sso')";

/// `pattern` for `LIKE … ESCAPE '\'`: matches `text` anywhere, with `%`,
/// `_` and `\` in it taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Which members a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    All,
    /// Members without a passkey of this kind: the ones the org's policy
    /// lets sign in.
    WithoutPasskey(Usable),
}

/// A page (from 1) of the org's members whose email or name contains
/// `search` (any case), by email, as `listing` says; and how many match
/// in all.
pub async fn page(
    db: &Db,
    org_id: &OrgId,
    search: &str,
    listing: Listing,
    page: i64,
) -> Result<(Vec<MemberRow>, i64)> {
    let pattern = contains_pattern(search.trim());
    let no_passkey = match listing {
        Listing::All => String::new(),
        Listing::WithoutPasskey(usable) => format!(
            " AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id{})",
            usable.condition()
        ),
    };
    let matching = format!(
        "a.org_id = $1 AND (a.email LIKE $2 ESCAPE '\\' \
         OR LOWER(a.display_name) LIKE $2 ESCAPE '\\'){no_passkey}"
    );
    let total = with_reader!(db, pool => sqlx::query_scalar::<_, i64>(&format!(
            "SELECT COUNT(*) FROM accounts a WHERE {matching}"
        ))
        .bind(org_id)
        .bind(&pattern)
        .fetch_one(pool)
        .await)?;
    // The last sign-in per member comes from the audit trail, through its
    // (account_id, at) index: one short look per listed member.
    let sql = format!(
        "SELECT a.id, a.email, a.display_name, a.role, \
                a.totp_secret IS NOT NULL AS two_factor, a.password_hash <> '' AS has_password, \
                (SELECT COUNT(*) FROM passkeys p WHERE p.account_id = a.id) AS passkeys, \
                (SELECT COUNT(*) FROM passkeys p WHERE p.account_id = a.id \
                   AND p.backup_eligible) AS synced_passkeys, \
                (SELECT MAX(e.at) FROM audit_events e WHERE e.account_id = a.id \
                   AND e.outcome = 'success' AND e.event IN {SIGN_INS}) AS last_sign_in_at, \
                (SELECT e.event FROM audit_events e WHERE e.account_id = a.id \
                   AND e.outcome = 'success' AND e.event IN {SIGN_INS} \
                   ORDER BY e.at DESC LIMIT 1) AS last_sign_in_event \
         FROM accounts a WHERE {matching} ORDER BY a.email LIMIT $3 OFFSET $4"
    );
    let offset = (page.max(1) - 1).saturating_mul(PAGE_SIZE);
    let rows = with_reader!(db, pool => sqlx::query_as::<_, MemberRow>(&sql)
        .bind(org_id)
        .bind(&pattern)
        .bind(PAGE_SIZE)
        .bind(offset)
        .fetch_all(pool)
        .await)?;
    Ok((rows, total))
}

/// Locks the org (its row) for the rest of the transaction: role changes
/// and removals in one org then run one at a time (on SQLite the writer
/// already does that), so the owner rules below are decided on what the
/// change will really find — also in an org without owners.
const LOCK_ORG: &str = "UPDATE orgs SET id = id WHERE id = $1";

const OWNERS: &str = "SELECT COUNT(*) FROM accounts WHERE org_id = $1 AND role = 'owner'";

const ROLE: &str = "SELECT role FROM accounts WHERE id = $1 AND org_id = $2";

/// The refusal when a change would leave an org that has owners without one.
fn last_owner() -> Error {
    Error::Conflict(
        "An organization keeps at least one owner: make someone else an owner first.".into(),
    )
}

/// The refusal when a non-owner touches an owner or the owner role.
fn owners_only() -> Error {
    Error::Forbidden("Only an owner can make, unmake or remove owners.")
}

/// The refusal for an id that is not one of the org's accounts (another
/// org's or none: the same answer).
pub(crate) fn not_a_member() -> Error {
    Error::Forbidden("This account is not a member of your organization.")
}

/// What a role change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChanged {
    /// The account had that role already: nothing was written or mailed.
    Unchanged,
    /// The role was replaced and `mail` queued.
    Changed,
}

/// A change to one member, made by [`change`].
#[derive(Clone, Copy)]
enum Change<'a> {
    /// A new role (the stored form).
    Role(&'a str),
    /// The account deleted.
    Remove,
    /// The account's password, passkeys, sessions, recovery codes, links
    /// and second factor gone, and this enrollment link its way back.
    Reset(&'a NewEnrollment),
}

/// The enrollment link a reset leaves: its token's stored form and when
/// it stops working (Unix seconds).
pub struct NewEnrollment {
    pub token_hash: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// Resets the org's account `account_id` for a person who lost their
/// devices or whose account may be in other hands: deletes its password,
/// passkeys, sessions, recovery codes and mailed links, turns its TOTP off,
/// stores `link` (an enrollment link), and queues `mail` (the link's
/// message), in one transaction under the org's lock by the rules of
/// [`change`]. Its identity-provider link stays (the provider vouches for
/// it).
///
/// Errors: [`Error::Forbidden`] (not the org's account; an owner reset by
/// a non-owner).
pub async fn reset(
    db: &Db,
    org_id: &OrgId,
    account_id: &str,
    actor: Option<&AccountId>,
    link: &NewEnrollment,
    mail: &Outgoing,
) -> Result<()> {
    change(
        db,
        org_id,
        account_id,
        Change::Reset(link),
        actor,
        Some(mail),
    )
    .await
    .map(|_| ())
}

/// Gives the org's account `account_id` the role `role` (the stored form)
/// and queues `mail` (its notice, if any), in one transaction under the
/// org's lock, by the rules of [`change`].
///
/// Errors: [`Error::Forbidden`] (not the org's account, or the owner rule),
/// [`Error::Conflict`] (the last owner).
pub async fn set_role(
    db: &Db,
    org_id: &OrgId,
    account_id: &str,
    role: &str,
    actor: Option<&AccountId>,
    mail: Option<&Outgoing>,
) -> Result<RoleChanged> {
    change(db, org_id, account_id, Change::Role(role), actor, mail).await
}

/// Deletes the org's account `account_id` — its passkeys, sessions,
/// links, recovery codes and identity-provider links go with it (foreign
/// keys) — and queues `mail` (its notice), in one transaction under the
/// org's lock, by the rules of [`change`].
///
/// Errors: [`Error::Forbidden`] (not the org's account; an owner removed
/// by a non-owner), [`Error::Conflict`] (the last owner).
pub async fn remove(
    db: &Db,
    org_id: &OrgId,
    account_id: &str,
    actor: Option<&AccountId>,
    mail: &Outgoing,
) -> Result<()> {
    change(db, org_id, account_id, Change::Remove, actor, Some(mail))
        .await
        .map(|_| ())
}

/// Changes one member under the org's lock, the rules decided inside the
/// transaction on what it finds there: the account must be the org's;
/// only an owner — `actor`, the acting account, its role read under the
/// lock (a demotion committed meanwhile counts; `None` is the server's
/// operator on the command line) — makes, unmakes or removes an owner;
/// an org that had an owner keeps one. `mail` is queued with the change.
async fn change(
    db: &Db,
    org_id: &OrgId,
    account_id: &str,
    what: Change<'_>,
    actor: Option<&AccountId>,
    mail: Option<&Outgoing>,
) -> Result<RoleChanged> {
    let done = with_pool!(db, pool => async {
        let mut tx = crate::store::db::BeginWrite::begin_write(pool).await?;
        sqlx::query(LOCK_ORG).bind(org_id).execute(&mut *tx).await?;
        let current = sqlx::query_scalar::<_, String>(ROLE)
            .bind(account_id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = current else {
            return Ok(Err(not_a_member()));
        };
        if matches!(what, Change::Role(role) if role == current) {
            return Ok(Ok(RoleChanged::Unchanged));
        }
        let touches_owner = current == "owner" || matches!(what, Change::Role("owner"));
        if touches_owner {
            let actor_owns = match actor {
                None => true,
                Some(actor) => {
                    sqlx::query_scalar::<_, String>(ROLE)
                        .bind(actor)
                        .bind(org_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .as_deref()
                        == Some("owner")
                }
            };
            if !actor_owns {
                return Ok(Err(owners_only()));
            }
        }
        let owners_before = sqlx::query_scalar::<_, i64>(OWNERS).bind(org_id).fetch_one(&mut *tx).await?;
        match what {
            Change::Role(role) => {
                sqlx::query("UPDATE accounts SET role = $3 WHERE id = $1 AND org_id = $2")
                    .bind(account_id)
                    .bind(org_id)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?;
            }
            Change::Remove => {
                sqlx::query("DELETE FROM accounts WHERE id = $1 AND org_id = $2")
                    .bind(account_id)
                    .bind(org_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Change::Reset(link) => {
                // Every way in that a thief may hold goes: the password
                // too (taking only the second factor would leave a stolen
                // password alone), and every mailed link.
                for sql in [
                    "DELETE FROM passkeys WHERE account_id = $1",
                    "DELETE FROM sessions WHERE account_id = $1",
                    "DELETE FROM recovery_codes WHERE account_id = $1",
                    "UPDATE accounts SET totp_secret = NULL, password_hash = '', \
                     password_enough_alone = FALSE WHERE id = $1",
                    "DELETE FROM email_tokens WHERE account_id = $1",
                ] {
                    sqlx::query(sql).bind(account_id).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO email_tokens (token_hash, purpose, account_id, session_hash, \
                                               expires_at, created_at) \
                     VALUES ($1, 'enrollment', $2, '', $3, $4)",
                )
                .bind(&link.token_hash)
                .bind(account_id)
                .bind(link.expires_at)
                .bind(link.created_at)
                .execute(&mut *tx)
                .await?;
            }
        }
        let owners = sqlx::query_scalar::<_, i64>(OWNERS).bind(org_id).fetch_one(&mut *tx).await?;
        if owners_before > 0 && owners == 0 {
            // Rolled back as the transaction drops.
            return Ok(Err(last_owner()));
        }
        if let Some(mail) = mail {
            queue_mail!(&mut *tx, mail)?;
        }
        tx.commit().await?;
        Ok(Ok(RoleChanged::Changed))
    }
    .await)?;
    done
}

/// Whether the account has never been able to sign in: no password, no
/// passkey, no identity-provider link, no recovery code, and no
/// successful sign-in in the trail — an invitation not yet taken up,
/// which a new invitation may replace.
pub async fn never_set_up(db: &Db, account_id: &AccountId) -> Result<bool> {
    Ok(
        with_reader!(db, pool => sqlx::query_scalar::<_, bool>(&format!(
            "SELECT a.password_hash = '' \
                AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id) \
                AND NOT EXISTS (SELECT 1 FROM sso_identities i WHERE i.account_id = a.id) \
                AND NOT EXISTS (SELECT 1 FROM recovery_codes r WHERE r.account_id = a.id) \
                AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.account_id = a.id \
                                AND e.outcome = 'success' AND e.event IN {SIGN_INS}) \
             FROM accounts a WHERE a.id = $1"
        ))
        .bind(account_id)
        .fetch_optional(pool)
        .await)?
        .unwrap_or(false),
    )
}

/// The org's members by passkey coverage: (members, with a device-bound
/// passkey, with synced passkeys only).
pub async fn coverage(db: &Db, org_id: &OrgId) -> Result<(i64, i64, i64)> {
    Ok(
        with_reader!(db, pool => sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT COUNT(*), \
                    COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id \
                                 AND NOT p.backup_eligible) THEN 1 ELSE 0 END), 0), \
                    COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id) \
                                 AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id \
                                 AND NOT p.backup_eligible) THEN 1 ELSE 0 END), 0) \
             FROM accounts a WHERE a.org_id = $1",
        )
        .bind(org_id)
        .fetch_one(pool)
        .await)?,
    )
}

/// Successful sign-ins of the org's accounts since `since` (Unix
/// seconds): (day number since the epoch, audit event, count).
pub async fn sign_ins_by_day(
    db: &Db,
    org_id: &OrgId,
    since: UnixTime,
) -> Result<Vec<(i64, String, i64)>> {
    let sql = format!(
        "SELECT at / 86400 AS day, event, COUNT(*) FROM audit_events \
         WHERE org_id = $1 AND at >= $2 AND outcome = 'success' AND event IN {SIGN_INS} \
         GROUP BY at / 86400, event"
    );
    Ok(
        with_reader!(db, pool => sqlx::query_as::<_, (i64, String, i64)>(&sql)
        .bind(org_id)
        .bind(since)
        .fetch_all(pool)
        .await)?,
    )
}

/// Sets the role of an account just created (the command line's
/// `--role`, an invitation's role): never for an existing account, whose
/// role changes through [`set_role`] and its rules.
pub async fn set_initial_role(db: &Db, account_id: &AccountId, role: &str) -> Result<()> {
    with_pool!(db, pool => sqlx::query("UPDATE accounts SET role = $2 WHERE id = $1")
        .bind(account_id)
        .bind(role)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The org's accounts a passkey policy change leaves with no way in: no
/// password and no link to the org's current identity provider (a link
/// to a removed or replaced one signs nobody in), a passkey usable
/// `before` and none `after`.
pub async fn stranded_by(
    db: &Db,
    org_id: &OrgId,
    before: Usable,
    after: Usable,
) -> Result<Vec<AccountId>> {
    let sql = format!(
        "SELECT a.id FROM accounts a WHERE a.org_id = $1 AND a.password_hash = '' \
         AND NOT EXISTS (SELECT 1 FROM sso_identities i JOIN org_sso o \
             ON o.org_id = i.org_id AND o.issuer = i.issuer WHERE i.account_id = a.id) \
         AND EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id{}) \
         AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id{})",
        before.condition(),
        after.condition()
    );
    Ok(
        with_reader!(db, pool => sqlx::query_scalar::<_, AccountId>(&sql)
        .bind(org_id)
        .fetch_all(pool)
        .await)?,
    )
}
