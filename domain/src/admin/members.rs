//! The members page: list and search, invite, change a role, remove.

use super::Admin;
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::policy::OrgPolicy;
use crate::store::email_tokens::{self, NewToken, Purpose};
use crate::store::{accounts, members};
use crate::types::AccountId;
use crate::{emails, Domain};
use common::{AuthMethod, Invitation, Member, MemberPage, Role};

/// The answer for an id that is not a member of the admin's org — the same
/// whether it is another org's account or no account at all.
fn not_a_member() -> Error {
    Error::Forbidden("This account is not a member of your organization.")
}

/// How long an invitation's enrollment link works: 7 days.
pub const INVITATION_DAYS: i64 = 7;

/// A page (from 1) of the admin's org's members whose email or name
/// contains `search`, by email ([`members::PAGE_SIZE`] a page).
pub async fn list(d: &Domain, admin: &Admin, search: &str, page: i64) -> Result<MemberPage> {
    let page = page.max(1);
    let (rows, total) = members::page(&d.db, &admin.session().org_id, search, page).await?;
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

/// Gives the org's member `id` the role `role`; the member is told by
/// email. Audited as `admin.role_changed` against the member, naming the
/// admin.
///
/// Errors: [`Error::Forbidden`] (not a member of the admin's org, or an
/// owner's role, or the owner role, changed by a non-owner), [`Error::Conflict`] (the org's last owner).
pub async fn set_role(
    d: &Domain,
    client: &Client,
    admin: &Admin,
    id: &str,
    role: Role,
) -> Result<()> {
    let org_id = &admin.session().org_id;
    let who = Who::admin_on(admin.session(), None);
    let change = async {
        let current = members::role_of(&d.db, org_id, id)
            .await?
            .ok_or_else(not_a_member)?;
        who.set_account(&AccountId::from_text(id));
        if current == Role::Owner.as_str() || role == Role::Owner {
            admin.require_owner()?;
        }
        let (account, org) = accounts::find_by_id(&d.db, &AccountId::from_text(id))
            .await?
            .ok_or(Error::NotFound)?;
        let notice = d.outgoing(emails::role_changed(
            &account.email,
            &org.name,
            role,
            d.clock.now(),
            &d.web.origin,
        ));
        members::set_role(&d.db, org_id, id, role.as_str(), Some(&notice)).await?;
        d.mailer.queued();
        tracing::info!(admin = %admin.session().account_id, member = id, role = role.as_str(),
            "role changed");
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
/// Errors: [`Error::Forbidden`] (not a member of the admin's org, or an
/// owner removed by a non-owner), [`Error::Conflict`] (oneself, or the org's last owner).
pub async fn remove(d: &Domain, client: &Client, admin: &Admin, id: &str) -> Result<()> {
    let org_id = &admin.session().org_id;
    let who = Who::admin_on(admin.session(), None);
    let change = async {
        let current = members::role_of(&d.db, org_id, id)
            .await?
            .ok_or_else(not_a_member)?;
        who.set_account(&AccountId::from_text(id));
        if id == admin.session().account_id.as_str() {
            return Err(Error::Conflict(
                "You cannot remove your own account: ask another administrator.".into(),
            ));
        }
        if current == Role::Owner.as_str() {
            admin.require_owner()?;
        }
        let (account, org) = accounts::find_by_id(&d.db, &AccountId::from_text(id))
            .await?
            .ok_or(Error::NotFound)?;
        let notice = d.outgoing(emails::member_removed(
            &account.email,
            &org.name,
            d.clock.now(),
        ));
        members::remove(&d.db, org_id, id, &notice).await?;
        d.mailer.queued();
        tracing::info!(admin = %admin.session().account_id, member = id, "member removed");
        Ok(())
    };
    audit::audited(d, client, Event::MemberRemoved, &who, change).await
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
        let (_, org) = accounts::find_by_id(&d.db, &session.account_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        OrgPolicy::of(Some(&org)).allows(AuthMethod::EnrollmentLink)?;
        let email = crate::types::Email::parse(&invitation.email)?;
        let account = match accounts::find_in_org(&d.db, email.as_str(), &org.short_name).await? {
            Some((existing, _)) => {
                let never_set_up = existing.password_hash.is_none()
                    && crate::store::passkeys::count_for_account(&d.db, &existing.id).await? == 0;
                if !never_set_up {
                    return Err(Error::Conflict(
                        "This person is already a member and can sign in.".into(),
                    ));
                }
                existing
            }
            None => {
                let new = accounts::NewAccount {
                    org: org.short_name.clone(),
                    email: email.as_str().to_owned(),
                    display_name: invitation.display_name.clone(),
                    password: None,
                };
                accounts::create(&d.db, &d.clock, &d.passwords, new)
                    .await?
                    .0
            }
        };
        who.set_account(&account.id);
        members::set_initial_role(&d.db, &account.id, role.as_str()).await?;
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
                &session.display_name,
                &link,
                INVITATION_DAYS,
            ))
        })
        .await?;
        d.mailer.queued();
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
