//! The org's identity provider, as its admins connect, change and
//! disconnect it — within the issuers the server's operator allows
//! (`LATCHKEY_SSO_ISSUERS`): connecting makes the server fetch the
//! issuer's discovery document and keys, so an admin can never point it
//! at another address (SSRF). Whether single sign-on is *required* is set
//! on the policy (which says first which sessions that ends).

use super::Admin;
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::sso_settings::{self, NewProvider};
use crate::store::{orgs, sso};
use crate::Domain;
use common::{SsoProvider, SsoProviderChange, SsoRemoved, SsoSettings};

/// The admin's org's provider (without its secret), the issuers the
/// admin may connect, and the redirect URI to register.
pub async fn get(d: &Domain, admin: &Admin) -> Result<SsoSettings> {
    let org = org_of(d, admin).await?;
    let provider = sso::provider(&d.db, &org.id).await?.map(|p| SsoProvider {
        issuer: p.issuer,
        client_id: p.client_id,
        scopes: words(&p.scopes),
        jit_domains: words(&p.jit_domains),
        required: org.sso_required,
    });
    Ok(SsoSettings {
        provider,
        allowed_issuers: d.admin_sso_issuers.to_vec(),
        redirect_uri: crate::signin::sso::redirect_uri(d, &org.short_name),
        can_change: owner_only(admin).is_ok(),
    })
}

/// Connects or changes the org's provider (discovery is checked first;
/// nothing is saved if it fails), keeping the org's requirement as it is.
/// An empty client secret keeps the stored one for the same issuer and
/// client. Replacing a provider ends the sessions the old one opened.
/// Audited as `admin.sso_changed`.
///
/// Errors: [`Error::Forbidden`] (an admin who is not an owner; an issuer
/// the operator does not allow), [`Error::Conflict`] (single sign-on is
/// required: changes wait until it is optional), [`Error::BadRequest`] (no
/// secret for a new client, invalid fields, or a provider that does not
/// answer discovery).
pub async fn set(
    d: &Domain,
    client: &Client,
    admin: &Admin,
    change: SsoProviderChange,
) -> Result<SsoSettings> {
    let who = Who::admin_on(admin.session(), None);
    let changing = async {
        owner_only(admin)?;
        let issuer = change.issuer.trim();
        if !d.admin_sso_issuers.iter().any(|allowed| allowed == issuer) {
            return Err(Error::Forbidden(
                "Your server's operator has not allowed this identity provider: ask them to add \
                 its issuer to LATCHKEY_SSO_ISSUERS.",
            ));
        }
        let org = org_of(d, admin).await?;
        let current = sso::provider(&d.db, &org.id).await?;
        // Under a requirement, a provider that turns out wrong (a secret,
        // an unregistered redirect URI, no verified emails) would leave
        // nobody able to sign in, the admin included: changes are made
        // while single sign-on is offered, tried, then required again.
        if org.sso_required {
            return Err(Error::Conflict(
                "Single sign-on is required: make it optional on the policy first, change and \
                 try the provider, then require it again."
                    .into(),
            ));
        }
        let client_secret = match current {
            Some(p)
                if change.client_secret.trim().is_empty()
                    && p.issuer == issuer
                    && p.client_id == change.client_id.trim() =>
            {
                p.client_secret
            }
            _ => change.client_secret,
        };
        sso_settings::set(
            &d.db,
            &d.clock,
            &d.oidc,
            &org.short_name,
            NewProvider {
                issuer: issuer.to_owned(),
                client_id: change.client_id,
                client_secret,
                scopes: change.scopes,
                jit_domains: change.jit_domains,
                // Requiring it is the policy's change, with its preview.
                mode: None,
            },
        )
        .await?;
        tracing::info!(admin = %admin.session().account_id, org = %org.short_name, issuer,
            "identity provider connected");
        get(d, admin).await
    };
    audit::audited(d, client, Event::SsoProviderChanged, &who, changing).await
}

/// Disconnects the org's provider: single sign-on is off, the sessions it
/// opened end (the admin's own, if it is one of them). Audited as
/// `admin.sso_removed`.
///
/// Errors: [`Error::Forbidden`] (not an owner; a provider the operator
/// connected), [`Error::Conflict`] (single sign-on is required; the admin
/// has no other way in), [`Error::BadRequest`] (no provider).
pub async fn remove(d: &Domain, client: &Client, admin: &Admin) -> Result<SsoRemoved> {
    let who = Who::admin_on(admin.session(), None);
    let removing = async {
        owner_only(admin)?;
        let org = org_of(d, admin).await?;
        if org.sso_required {
            return Err(Error::Conflict(
                "Single sign-on is required: make it optional on the policy first.".into(),
            ));
        }
        if let Some(p) = sso::provider(&d.db, &org.id).await? {
            if !d.admin_sso_issuers.contains(&p.issuer) {
                return Err(Error::Forbidden(
                    "Your server's operator connected this identity provider: ask them to \
                     disconnect it.",
                ));
            }
        }
        if !crate::store::sso::has_other_ways_in(&d.db, &admin.session().account_id).await? {
            return Err(Error::Conflict(
                "You sign in only through this identity provider: set a password or add a \
                 passkey in My Account first."
                    .into(),
            ));
        }
        let removed = sso_settings::remove(&d.db, &org.short_name).await?;
        tracing::info!(admin = %admin.session().account_id, org = %org.short_name,
            ended = removed.sessions_ended, "identity provider disconnected");
        Ok(SsoRemoved {
            sessions_ended: i64::try_from(removed.sessions_ended).unwrap_or(i64::MAX),
            members_left_without_a_way_in: removed.stranded_accounts,
        })
    };
    audit::audited(d, client, Event::SsoProviderRemoved, &who, removing).await
}

/// The provider can sign in as anyone it links by email, owners included:
/// connecting or disconnecting it is an owner's decision.
///
/// Errors: [`Error::Forbidden`] for admins who are not owners.
fn owner_only(admin: &Admin) -> Result<()> {
    if admin.role() == common::Role::Owner {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Only an owner can connect or disconnect the identity provider: it can sign in as \
             anyone in the organization.",
        ))
    }
}

async fn org_of(d: &Domain, admin: &Admin) -> Result<orgs::Org> {
    orgs::find_by_id(&d.db, &admin.session().org_id)
        .await?
        .ok_or(Error::Unauthenticated)
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}
