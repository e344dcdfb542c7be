//! An org's single sign-on settings: its identity provider and whether
//! it is offered or required. The command line calls these (and the admin
//! console will); the sign-in rules are in [`crate::signin::sso`].

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::oidc::RelyingParty;
use crate::store::db::Db;
use crate::store::orgs::{self, Org, OrgUpdate};
use crate::store::sso::{self, Provider};
use crate::types::Email;
use common::SsoMode;

/// What an admin gives to connect a provider.
pub struct NewProvider {
    /// The issuer identifier (https, or http on localhost for tests).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes besides `openid` (default: `email profile`).
    pub scopes: Vec<String>,
    /// Email domains whose people get an account at their first sign-in.
    pub jit_domains: Vec<String>,
    /// [`SsoMode::Offered`] or [`SsoMode::Required`]; `None` leaves the
    /// org's requirement as it is (the admin console: requiring is a
    /// policy change, with its preview).
    pub mode: Option<SsoMode>,
}

/// Connects the org's identity provider, after checking that it answers
/// OpenID Connect discovery (nothing is saved otherwise), and sets the
/// mode. Requiring SSO also ends the org's ways around it (see
/// [`orgs::update`]). The client secret is stored for the token requests
/// and never shown again.
///
/// Errors: [`Error::BadRequest`] (no such org, an invalid issuer, client,
/// scope or domain, [`SsoMode::Off`], or the provider cannot be reached).
pub async fn set(
    db: &Db,
    clock: &Clock,
    oidc: &RelyingParty,
    org: &str,
    new: NewProvider,
) -> Result<Org> {
    let found = orgs::find_by_short_name(db, org).await?;
    let org = found.ok_or_else(|| no_such_org(org))?;
    let issuer = issuer(&new.issuer)?;
    let client_id = new.client_id.trim();
    let client_secret = new.client_secret.trim();
    if client_id.is_empty() || client_secret.is_empty() {
        return Err(Error::BadRequest(
            "Give the client id and secret your provider issued.".into(),
        ));
    }
    let mut scopes = if new.scopes.is_empty() {
        vec!["email".to_owned(), "profile".to_owned()]
    } else {
        new.scopes
    };
    if let Some(bad) = scopes.iter().find(|s| {
        s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
    }) {
        return Err(Error::BadRequest(format!("'{bad}' is not a valid scope.")));
    }
    scopes.retain(|s| s != "openid");
    let mut jit_domains = Vec::new();
    for domain in &new.jit_domains {
        // The same canonical form as an account's email domain.
        let email = Email::parse(&format!("x@{}", domain.trim()))
            .map_err(|_| Error::BadRequest(format!("'{domain}' is not an email domain.")))?;
        let canonical = email.as_str().rsplit('@').next().unwrap_or_default();
        jit_domains.push(canonical.to_owned());
    }
    let required = match new.mode {
        None => None,
        Some(SsoMode::Offered) => Some(false),
        Some(SsoMode::Required) => Some(true),
        Some(SsoMode::Off) => {
            return Err(Error::BadRequest(
                "To turn single sign-on off, remove the provider.".into(),
            ))
        }
    };
    oidc.discover(&issuer, clock.now(), true)
        .await
        .map_err(|e| {
            let why = match e {
                crate::oidc::Failure::Unreachable(why)
                | crate::oidc::Failure::Misconfigured(why) => why,
                other => other.cause().to_owned(),
            };
            Error::BadRequest(format!(
                "The provider at {issuer} did not answer OpenID Connect discovery ({why}); \
                 nothing was saved."
            ))
        })?;
    let provider = Provider {
        org_id: org.id.clone(),
        issuer,
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        scopes: scopes.join(" "),
        jit_domains: jit_domains.join(" "),
    };
    let ended = sso::set_provider(db, clock, &provider).await?;
    if ended > 0 {
        tracing::info!(org = %org.short_name, ended, "sessions of the replaced identity provider ended");
    }
    match required {
        None => Ok(org),
        Some(required) => {
            let change = OrgUpdate {
                sso_required: Some(required),
                ..OrgUpdate::default()
            };
            orgs::update(db, &org.short_name, change).await
        }
    }
}

/// What removing a provider did.
pub struct Removed {
    pub org: Org,
    /// Sessions opened through the provider, now ended.
    pub sessions_ended: u64,
    /// Accounts left with no password and no passkey (made just-in-time,
    /// say): they need an enrollment link to sign in again.
    pub stranded_accounts: i64,
}

/// Disconnects the org's provider, ends the sessions it opened, and turns
/// single sign-on off (a requirement without a provider would let nobody
/// in). Accounts keep their links, found again if a provider with the same
/// issuer returns.
///
/// Errors: [`Error::BadRequest`] (no such org, or it has no provider).
pub async fn remove(db: &Db, org: &str) -> Result<Removed> {
    let found = orgs::find_by_short_name(db, org).await?;
    let org = found.ok_or_else(|| no_such_org(org))?;
    let Some(sessions_ended) = sso::remove_provider(db, &org.id).await? else {
        return Err(Error::BadRequest(format!(
            "'{}' has no identity provider.",
            org.short_name
        )));
    };
    let change = OrgUpdate {
        sso_required: Some(false),
        ..OrgUpdate::default()
    };
    let org = orgs::update(db, &org.short_name, change).await?;
    let stranded_accounts = sso::accounts_without_other_ways(db, &org.id).await?;
    Ok(Removed {
        org,
        sessions_ended,
        stranded_accounts,
    })
}

fn no_such_org(org: &str) -> Error {
    Error::BadRequest(format!("There is no organization '{}'.", org.trim()))
}

/// The issuer exactly as given (ID tokens must carry exactly it: some
/// providers' issuers end in a slash, Auth0's for one): an https URL
/// without query or fragment (OpenID Connect Discovery 1.0 §2), or http on
/// a loopback host (development and tests).
fn issuer(raw: &str) -> Result<String> {
    let bad =
        |why: &str| Error::BadRequest(format!("'{}' is not a valid issuer: {why}.", raw.trim()));
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("not a URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if crate::oidc::is_loopback(&url) => {}
        _ => return Err(bad("use https")),
    }
    if url.query().is_some() || url.fragment().is_some() || url.host_str().is_none() {
        return Err(bad("no query or fragment allowed"));
    }
    Ok(raw.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback_http() {
        assert_eq!(
            issuer(" https://tenant.auth0.com/ ").unwrap(),
            "https://tenant.auth0.com/"
        );
        assert_eq!(
            issuer("http://localhost:9000").unwrap(),
            "http://localhost:9000"
        );
        assert!(issuer("http://[::1]:9000").is_ok());
        assert!(issuer("http://127.0.0.1:9000").is_ok());
        assert!(issuer("http://login.example.com").is_err());
        assert!(issuer("https://login.example.com/?x=1").is_err());
        assert!(issuer("ftp://login.example.com").is_err());
        assert!(issuer("login.example.com").is_err());
    }
}
