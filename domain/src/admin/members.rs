//! The members page: list and search, invite, change a role, remove.

use super::Admin;
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::policy::OrgPolicy;
use crate::store::accounts::Account;
use crate::store::email_tokens::{self, NewToken, Purpose};
use crate::store::members::not_a_member;
use crate::store::orgs::Org;
use crate::store::{accounts, members};
use crate::types::{AccountId, OrgShortName};
use crate::{emails, Domain};
use common::{AuthMethod, Invitation, Member, MemberPage, Role};

/// The longest search of the members list (characters).
pub const MAX_SEARCH_CHARS: usize = 100;

/// Invitations mailed to one address of one org: 3 a day.
const INVITATIONS_PER_ADDRESS: crate::limits::Limit = crate::limits::Limit {
    name: "invitation",
    max: 3,
    window_secs: 24 * 60 * 60,
};

/// How long an invitation's enrollment link works: 7 days.
pub const INVITATION_DAYS: i64 = 7;

/// A page (from 1) of the admin's org's members whose email or name
/// contains `search` (only those without a passkey when
/// `without_passkey`: passkey coverage's "who has none yet"), by email ([`members::PAGE_SIZE`] a page). Case is
/// folded for ASCII letters on SQLite and for all letters on PostgreSQL
/// (SQLite's `LOWER` knows ASCII only); emails match in their stored,
/// canonical form (an IDNA domain as `xn--…`).
///
/// Errors: [`Error::BadRequest`] (a search over [`MAX_SEARCH_CHARS`], a
/// page below 1).
pub async fn list(
    d: &Domain,
    admin: &Admin,
    search: &str,
    without_passkey: bool,
    page: i64,
) -> Result<MemberPage> {
    if search.chars().count() > MAX_SEARCH_CHARS {
        return Err(Error::BadRequest(format!(
            "Search for at most {MAX_SEARCH_CHARS} characters."
        )));
    }
    if page < 1 {
        return Err(Error::BadRequest("Pages are numbered from 1.".into()));
    }
    let listing = if without_passkey {
        members::Listing::WithoutPasskey(OrgPolicy::of_session(admin.session()).usable_passkeys())
    } else {
        members::Listing::All
    };
    let (rows, total) =
        members::page(&d.db, &admin.session().org_id, search, listing, page).await?;
    let members = rows
        .into_iter()
        .map(|row| Member {
            id: row.id.to_string(),
            email: row.email,
            display_name: row.display_name,
            role: Role::parse(&row.role).unwrap_or(Role::Member),
            two_factor: row.two_factor,
            has_password: row.has_password,
            passkeys: row.passkeys,
            synced_passkeys: row.synced_passkeys,
            last_sign_in_at: row.last_sign_in_at,
            last_sign_in_method: row
                .last_sign_in_event
                .and_then(|e| e.strip_prefix("sign_in.").map(str::to_owned)),
        })
        .collect();
    Ok(MemberPage {
        members,
        total,
        page,
        page_size: members::PAGE_SIZE,
    })
}

/// The org's account `id`, with the org, as the admin may see it.
///
/// Errors: [`Error::Forbidden`] for another org's account or none (the
/// same answer).
async fn member(d: &Domain, admin: &Admin, id: &str) -> Result<(Account, Org)> {
    match accounts::find_by_id(&d.db, &AccountId::from_text(id)).await? {
        Some((account, org)) if org.id == admin.session().org_id => Ok((account, org)),
        _ => Err(not_a_member()),
    }
}

/// Gives the org's member `id` the role `role`; the member is told by
/// email (unless the role was theirs already: then nothing happens).
/// Audited as `admin.role_changed` against the member, naming the admin.
/// The owner rules are decided in the change's transaction
/// ([`members::set_role`]).
///
/// Errors: [`Error::Forbidden`] (not a member of the admin's org, or an
/// owner's role, or the owner role, changed by a non-owner),
/// [`Error::Conflict`] (the org's last owner).
pub async fn set_role(
    d: &Domain,
    client: &Client,
    admin: &Admin,
    id: &str,
    role: Role,
) -> Result<()> {
    let who = Who::admin_on(admin.session(), None);
    let change = async {
        let (account, org) = member(d, admin, id).await?;
        who.set_account(&account.id);
        let notice = d.outgoing(emails::role_changed(
            &account.email,
            &org.name,
            role,
            d.clock.now(),
            &d.web.origin,
        ));
        let actor = Some(&admin.session().account_id);
        let done =
            members::set_role(&d.db, &org.id, id, role.as_str(), actor, Some(&notice)).await?;
        if done == members::RoleChanged::Changed {
            d.mailer.queued();
            tracing::info!(admin = %admin.session().account_id, member = id,
                role = role.as_str(), "role changed");
        }
        Ok(())
    };
    audit::audited(d, client, Event::RoleChanged, &who, change).await
}

/// Removes the org's member `id`: the account and, with it, its passkeys,
/// sessions, links, recovery codes and provider links, in one
/// transaction; the person is told by email. An admin cannot remove their
/// own account here. Audited as `admin.member_removed` against the
/// member, naming the admin.
///
/// In an org whose identity provider creates accounts at first sign-in
/// (just-in-time domains), a removed person who can still sign in at the
/// provider gets a new account: offboarding happens at the provider.
///
/// Errors: [`Error::Forbidden`] (not a member of the admin's org, or an
/// owner removed by a non-owner), [`Error::Conflict`] (oneself, or the
/// org's last owner).
pub async fn remove(d: &Domain, client: &Client, admin: &Admin, id: &str) -> Result<()> {
    let who = Who::admin_on(admin.session(), None);
    let change = async {
        let (account, org) = member(d, admin, id).await?;
        who.set_account(&account.id);
        if account.id == admin.session().account_id {
            return Err(Error::Conflict(
                "You cannot remove your own account: ask another administrator.".into(),
            ));
        }
        let notice = d.outgoing(emails::member_removed(
            &account.email,
            &org.name,
            d.clock.now(),
        ));
        let actor = Some(&admin.session().account_id);
        members::remove(&d.db, &org.id, id, actor, &notice).await?;
        d.mailer.queued();
        tracing::info!(admin = %admin.session().account_id, member = id, "member removed");
        Ok(())
    };
    audit::audited(d, client, Event::MemberRemoved, &who, change).await
}

/// Mails `account` a new enrollment link (the older ones stop working),
/// from `inviter`, working for [`INVITATION_DAYS`].
async fn mail_invitation(d: &Domain, account: &Account, org: &Org, inviter: &str) -> Result<()> {
    let new = NewToken {
        purpose: Purpose::Enrollment,
        account_id: &account.id,
        session_hash: None,
        ttl_secs: INVITATION_DAYS * 86_400,
        replace_older: true,
    };
    email_tokens::issue_mailed(&d.db, &d.clock, new, |token| {
        let link = format!("{}/enroll#token={token}", d.web.origin);
        d.outgoing(emails::invitation(
            &account.email,
            &org.name,
            inviter,
            &link,
            INVITATION_DAYS,
        ))
    })
    .await?;
    d.mailer.queued();
    Ok(())
}

/// How long a reset's enrollment link works: 3 days.
pub const RESET_LINK_DAYS: i64 = 3;

/// "Reset sign-in" for a member who lost their devices or whose account
/// may be in other hands: their password, passkeys, sessions, recovery
/// codes and mailed links are deleted and two-factor authentication turned
/// off, in one transaction with a new enrollment link mailed to them,
/// working for [`RESET_LINK_DAYS`] — the only way back in, through their
/// mailbox. Taking the second factor but not the password would leave a
/// stolen password enough on its own. An identity-provider link stays. An
/// admin cannot reset their own account here, and only owners reset
/// owners. Audited as `admin.member_reset` against the member, naming the
/// admin.
///
/// Errors: [`Error::Forbidden`] (not a member of the admin's org; an owner
/// reset by a non-owner), [`Error::Conflict`] (oneself),
/// [`Error::SsoRequired`] (the org's members sign in through its identity
/// provider: reset them there).
pub async fn reset(d: &Domain, client: &Client, admin: &Admin, id: &str) -> Result<()> {
    let session = admin.session();
    let who = Who::admin_on(session, None);
    let resetting = async {
        let (account, org) = member(d, admin, id).await?;
        who.set_account(&account.id);
        if account.id == session.account_id {
            return Err(Error::Conflict(
                "You cannot reset your own account here: use My Account.".into(),
            ));
        }
        OrgPolicy::of(Some(&org)).allows(AuthMethod::EnrollmentLink)?;
        let (token, token_hash) = email_tokens::fresh();
        let now = d.clock.now();
        let link = members::NewEnrollment {
            token_hash,
            created_at: now,
            expires_at: now + RESET_LINK_DAYS * 86_400,
        };
        let mail = d.outgoing(emails::member_reset(
            &account.email,
            &org.name,
            &session.display_name,
            &format!("{}/enroll#token={token}", d.web.origin),
            RESET_LINK_DAYS,
            now,
        ));
        let actor = Some(&session.account_id);
        members::reset(&d.db, &org.id, id, actor, &link, &mail).await?;
        d.mailer.queued();
        tracing::info!(admin = %session.account_id, member = id, "member's sign-in reset");
        Ok(())
    };
    audit::audited(d, client, Event::MemberReset, &who, resetting).await
}

/// Passkey coverage's "Invite to add a passkey": asks the org's member
/// `id`, who has no passkey the org accepts, by email to add one — in My
/// Account after signing in with their password, or, for a member without
/// a password (never set up, or reset), a new enrollment link. Limited like
/// invitations (3 a day per address, and the client's mail limit).
/// Audited as `admin.passkey_requested` against the member.
///
/// Errors: [`Error::Forbidden`] (not a member of the admin's org),
/// [`Error::Conflict`] (they have a passkey already),
/// [`Error::SsoRequired`] or [`Error::PasskeysOff`] (the org's members
/// cannot use passkeys), [`Error::RateLimited`].
pub async fn ask_for_passkey(d: &Domain, client: &Client, admin: &Admin, id: &str) -> Result<()> {
    let session = admin.session();
    let who = Who::admin_on(session, None);
    let asking = async {
        let (account, org) = member(d, admin, id).await?;
        who.set_account(&account.id);
        let policy = OrgPolicy::of(Some(&org));
        policy.require_passkeys_available()?;
        if crate::store::passkeys::any_usable(&d.db, &account.id, policy.usable_passkeys()).await? {
            return Err(Error::Conflict("This member has a passkey already.".into()));
        }
        crate::limits::email(d, client).await?;
        let key = crate::store::lockout::subject(
            &crate::types::Email::parse(&account.email)?,
            &OrgShortName::canonical(&org.short_name),
        );
        crate::limits::hit(&d.db, &d.clock, INVITATIONS_PER_ADDRESS, Some(&key)).await?;
        // Without a password (never set up, or reset) a request to sign in
        // "as usual" would lead nowhere: an enrollment link instead.
        if account.password_hash.is_none() {
            mail_invitation(d, &account, &org, &session.display_name).await?;
        } else {
            let request = d.outgoing(emails::passkey_requested(
                &account.email,
                &org.name,
                &session.display_name,
                &d.web.origin,
            ));
            crate::store::mail_queue::queue(&d.db, &request).await?;
            d.mailer.queued();
        }
        tracing::info!(admin = %session.account_id, member = id, "asked to add a passkey");
        Ok(())
    };
    audit::audited(d, client, Event::PasskeyRequested, &who, asking).await
}

/// Invites a person to the admin's org: an account without a password
/// (the rules of `latchkey account create --no-password`) with `role`,
/// and an enrollment link mailed to them, working for
/// [`INVITATION_DAYS`]. Inviting again someone who has not set up any
/// sign-in yet mails a new link (the old one stops working). Audited as
/// `admin.member_invited`.
///
/// Errors: [`Error::BadRequest`] (email or name), [`Error::Conflict`] (an
/// account that can already sign in), [`Error::Forbidden`] (an owner
/// invited by a non-owner), [`Error::SsoRequired`] (the org's members sign
/// in through its identity provider: they get accounts there).
pub async fn invite(
    d: &Domain,
    client: &Client,
    admin: &Admin,
    invitation: Invitation,
) -> Result<Member> {
    let session = admin.session();
    let who = Who::admin_on(session, None);
    let inviting = async {
        let role = invitation.role.unwrap_or(Role::Member);
        if role == Role::Owner {
            admin.require_owner()?;
        }
        // Mail to an address the admin chooses: limited like every mail
        // that reaches outsiders, per client and per address.
        crate::limits::email(d, client).await?;
        let (_, org) = accounts::find_by_id(&d.db, &session.account_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        OrgPolicy::of(Some(&org)).allows(AuthMethod::EnrollmentLink)?;
        let email = crate::types::Email::parse(&invitation.email)?;
        let key = crate::store::lockout::subject(&email, &OrgShortName::canonical(&org.short_name));
        crate::limits::hit(&d.db, &d.clock, INVITATIONS_PER_ADDRESS, Some(&key)).await?;
        let account = match accounts::find_in_org(&d.db, email.as_str(), &org.short_name).await? {
            // Invited before and never set up: a new link, and nothing
            // else changes (its role changes on the members page, under
            // the rules there).
            Some((existing, _)) if members::never_set_up(&d.db, &existing.id).await? => {
                if existing.role != role.as_str() {
                    return Err(Error::Conflict(format!(
                        "This person is already invited, as {}: change the role on the members \
                         page.",
                        existing.role
                    )));
                }
                existing
            }
            Some(_) => {
                return Err(Error::Conflict(
                    "This person is already a member and can sign in.".into(),
                ))
            }
            None => {
                let new = accounts::NewAccount {
                    org: org.short_name.clone(),
                    email: email.as_str().to_owned(),
                    display_name: invitation.display_name.clone(),
                    password: None,
                };
                let (created, _) = accounts::create(&d.db, &d.clock, &d.passwords, new).await?;
                members::set_initial_role(&d.db, &created.id, role.as_str()).await?;
                created
            }
        };
        who.set_account(&account.id);
        mail_invitation(d, &account, &org, &session.display_name).await?;
        tracing::info!(admin = %session.account_id, member = %account.id, "member invited");
        Ok(Member {
            id: account.id.to_string(),
            email: account.email,
            display_name: account.display_name,
            role,
            two_factor: false,
            has_password: false,
            passkeys: 0,
            synced_passkeys: 0,
            last_sign_in_at: None,
            last_sign_in_method: None,
        })
    };
    audit::audited(d, client, Event::MemberInvited, &who, inviting).await
}
