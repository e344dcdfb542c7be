//! Single sign-on through the org's OpenID Connect provider:
//!
//!   [`start`] (or [`start_reauth`]) → the browser goes to the provider,
//!   carrying `state` (a ceremony: 10 minutes, used once, bound to this
//!   browser by a cookie) → [`callback`] → the ID token is verified
//!   ([`crate::oidc`]) → the account is found by (org, issuer, subject),
//!   or linked by its verified email, or made (just-in-time) → [`complete`].
//!
//! Every failure consumes the ceremony, writes nothing else, and is
//! audited with its exact cause; the person is told a coarse
//! [`SsoFailure`].

use super::{complete, Opened, Proof};
use crate::audit::{self, Client, Event, Who};
use crate::error::{Error, Result};
use crate::oidc::{self, Ask, Secrets};
use crate::store::accounts::{self, Account, NewAccount};
use crate::store::ceremonies::{self, Binding, Purpose};
use crate::store::orgs::{self, Org};
use crate::store::sessions;
use crate::store::sso::{self, Provider};
use crate::types::{Email, OrgId};
use crate::Domain;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{AuthMethod, SsoFailure, SsoMode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long (seconds) a person has at the provider before the callback.
pub const CEREMONY_SECS: i64 = 10 * 60;

/// How far (seconds) the provider's clock may be behind ours when a
/// re-authentication's `auth_time` is compared with its start.
const CLOCK_SKEW_SECS: i64 = 30;

/// Where the provider sends the browser back for the org `short_name`:
/// register exactly this redirect URI with the provider. One per org, so
/// that a callback names the org whose provider answered: a code minted by
/// one org's provider can never reach another org's token endpoint (the
/// mix-up attack, RFC 9700 §4.4).
pub fn redirect_uri(d: &Domain, short_name: &str) -> String {
    format!("{}/api/sso/callback/{short_name}", d.web.origin)
}

/// Where a single sign-on started on a related origin continues: the
/// public origin's sign-in page with `org` chosen. Single sign-on runs on
/// the public origin only, where its [`redirect_uri`] (and so the cookie
/// binding the sign-in to the browser) is. Built alike for any `org`, so
/// it says nothing about which orgs exist.
pub fn sign_in_page_on_public_origin(d: &Domain, org: &str) -> String {
    let org: String = url::form_urlencoded::byte_serialize(org.as_bytes()).collect();
    format!("{}/login?org={org}", d.web.origin)
}

/// What the sign-in page offers for the org named `org`: the same answer
/// ([`SsoMode::Off`]) for an org that does not exist as for one without
/// single sign-on. Counted as a ceremony start of this client, so that
/// orgs cannot be enumerated at speed.
///
/// Errors: [`Error::RateLimited`].
pub async fn mode(d: &Domain, client: &Client, org: &str) -> Result<SsoMode> {
    crate::limits::ceremony_start(d, client).await?;
    let Some(org) = orgs::find_by_short_name(&d.db, org).await? else {
        return Ok(SsoMode::Off);
    };
    if org.sso_required {
        return Ok(SsoMode::Required);
    }
    Ok(match sso::provider(&d.db, &org.id).await? {
        Some(_) => SsoMode::Offered,
        None => SsoMode::Off,
    })
}

/// A single sign-on begun: the provider's authorization URL, and the
/// secret that goes into this browser's cookie (only its hash is kept).
pub struct Started {
    pub authorize_url: String,
    pub browser_secret: String,
}

/// The ceremony's state between the redirect and the callback.
#[derive(Serialize, Deserialize)]
struct Pending {
    org_id: String,
    /// The org's short name: its callback path and redirect URI.
    org: String,
    /// The provider the request went to: a callback after the org changed
    /// providers is refused.
    issuer: String,
    secrets: Secrets,
    /// SHA-256 (base64url) of the browser's cookie secret.
    browser: String,
    /// When the request was made (Unix seconds): a re-authentication's
    /// `auth_time` must not be older.
    started_at: i64,
}

const NOT_OFFERED: &str = "Single sign-on is not set up for this organization.";
const UNREACHABLE: &str = "Your organization's identity provider could not be reached. Try again \
                           in a few minutes; if it keeps failing, tell your administrator.";

/// "Continue with single sign-on" for `email` in the org named `org`:
/// counted as a ceremony start of this client.
///
/// Errors: [`Error::RateLimited`], [`Error::BadRequest`] (no such org, or
/// no provider: the same answer), [`Error::SsoUnavailable`] (the provider
/// cannot be reached — nothing is stored).
pub async fn start(d: &Domain, client: &Client, email: &str, org: &str) -> Result<Started> {
    crate::limits::ceremony_start(d, client).await?;
    let org = orgs::find_by_short_name(&d.db, org).await?;
    let provider = match &org {
        Some(org) => sso::provider(&d.db, &org.id).await?,
        None => None,
    };
    let Some(provider) = provider else {
        return Err(Error::BadRequest(NOT_OFFERED.into()));
    };
    let hint = Email::canonical(email);
    let org_name = org.map(|o| o.short_name).unwrap_or_default();
    begin(
        d,
        &provider,
        &org_name,
        Binding::default(),
        Some(hint.as_str()),
        false,
    )
    .await
}

/// "Confirm it's you" through the provider, for a session that signed in
/// with it: the provider is asked to authenticate the person again
/// (`prompt=login`, `max_age=0`).
///
/// Errors: [`Error::RateLimited`], [`Error::SsoUnavailable`] (the provider
/// cannot be reached), [`Error::BadRequest`] (the org has no provider, or
/// the account no identity at it).
pub async fn start_reauth(
    d: &Domain,
    client: &Client,
    session: &sessions::Session,
) -> Result<Started> {
    crate::limits::ceremony_start(d, client).await?;
    let Some(provider) = sso::provider(&d.db, &session.org_id).await? else {
        return Err(Error::BadRequest(NOT_OFFERED.into()));
    };
    if !sso::is_linked(&d.db, &session.account_id, &provider.issuer).await? {
        return Err(Error::BadRequest(
            "Your account has not signed in with single sign-on yet: confirm it's you another way."
                .into(),
        ));
    }
    let org = session.org_short_name.clone();
    begin(d, &provider, &org, Binding::of_session(session), None, true).await
}

async fn begin(
    d: &Domain,
    provider: &Provider,
    org: &str,
    binding: Binding,
    login_hint: Option<&str>,
    again: bool,
) -> Result<Started> {
    let now = d.clock.now();
    let unreachable = |e: oidc::Failure| {
        tracing::warn!(issuer = %provider.issuer, error = ?e, "identity provider unreachable");
        Error::SsoUnavailable(UNREACHABLE)
    };
    // Discovery first: an unreachable provider leaves no ceremony behind.
    d.oidc
        .discover(&provider.issuer, now, false)
        .await
        .map_err(unreachable)?;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let browser_secret = URL_SAFE_NO_PAD.encode(secret);
    let pending = Pending {
        org_id: provider.org_id.to_string(),
        org: org.to_owned(),
        issuer: provider.issuer.clone(),
        secrets: Secrets::new(),
        browser: browser_hash(&browser_secret),
        started_at: now,
    };
    let state = ceremonies::start(
        &d.db,
        &d.clock,
        &d.ceremony_sweeper,
        CEREMONY_SECS,
        Purpose::Sso,
        binding,
        &pending,
    )
    .await?;
    let ask = Ask {
        state: &state,
        login_hint,
        again,
    };
    let authorize_url = d
        .oidc
        .authorization_url(provider, &redirect_uri(d, org), now, ask, &pending.secrets)
        .await
        .map_err(unreachable)?;
    Ok(Started {
        authorize_url,
        browser_secret,
    })
}

fn browser_hash(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// `GET /api/sso/callback/{org}`: the org its path names, and its query
/// (OpenID Connect Core §3.1.2.5–6, RFC 9207).
#[derive(Debug, Default)]
pub struct Callback {
    /// The org the callback path names.
    pub org: String,
    pub state: Option<String>,
    pub code: Option<String>,
    /// An error the provider answered with instead of a code.
    pub error: Option<String>,
    /// The issuer of the answer, where the provider says it (RFC 9207).
    pub iss: Option<String>,
}

impl Callback {
    /// The callback for `org` with the query string `query`. A parameter
    /// given twice is ambiguous: it counts as missing (the callback then
    /// fails as unknown).
    pub fn parse(org: &str, query: &str) -> Self {
        let mut seen: Vec<(String, String)> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            seen.push((name.into_owned(), value.into_owned()));
        }
        let one = |name: &str| {
            let mut values = seen.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
            match (values.next(), values.next()) {
                (Some(value), None) => Some(value.clone()),
                _ => None,
            }
        };
        Callback {
            org: org.to_owned(),
            state: one("state"),
            code: one("code"),
            error: one("error"),
            iss: one("iss"),
        }
    }
}

/// What a callback ended in.
pub enum Finished {
    /// A sign-in: the session opened.
    SignedIn(Box<Opened>),
    /// A re-authentication of the session that started it.
    Reauthenticated,
}

/// A refused callback, as the browser is told: what failed (coarsely),
/// and whether it was a re-authentication (the person goes back to My
/// Account rather than to the sign-in page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub shown: SsoFailure,
    pub reauth: bool,
}

fn failed(shown: SsoFailure, cause: &'static str) -> Error {
    Error::SsoFailed { cause, shown }
}

/// The provider's answer, from the browser holding the cookie secret
/// `browser_secret`. Audited as `sign_in.sso` or `reauth.sso` (`sign_in.sso`
/// when the ceremony is unknown), with the exact cause of a failure.
///
/// Errors: [`Refused`] for every failure, a database one included (the
/// ceremony is used up and nothing else is written).
pub async fn callback(
    d: &Domain,
    client: &Client,
    browser_secret: Option<&str>,
    answer: Callback,
) -> std::result::Result<Finished, Refused> {
    let who = Who::default();
    let mut event = Event::SsoSignIn;
    let result = settle(d, client, &who, &mut event, browser_secret, answer).await;
    let result = match result {
        // A database failure half-way reads, for the person, as an outage.
        Err(e @ (Error::Database(_) | Error::Internal(_))) => {
            tracing::error!(error = %e, "single sign-on callback failed");
            Err(failed(SsoFailure::Unavailable, "internal"))
        }
        other => other,
    };
    let reauth = event == Event::SsoReauthenticated;
    audit::audited(d, client, event, &who, async { result })
        .await
        .map_err(|e| Refused {
            shown: match e {
                Error::SsoFailed { shown, .. } => shown,
                _ => SsoFailure::Unavailable,
            },
            reauth,
        })
}

async fn settle(
    d: &Domain,
    client: &Client,
    who: &Who,
    event: &mut Event,
    browser_secret: Option<&str>,
    answer: Callback,
) -> Result<Finished> {
    // Unauthenticated, and each one audited: counted like a ceremony start.
    crate::limits::ceremony_start(d, client)
        .await
        .map_err(|e| match e {
            Error::RateLimited => failed(SsoFailure::RateLimited, "rate_limited"),
            other => other,
        })?;
    let state = answer.state.as_deref().unwrap_or_default();
    let (pending, binding) = ceremonies::take::<Pending>(&d.db, &d.clock, Purpose::Sso, state)
        .await
        .map_err(|e| match e {
            Error::CeremonyInvalid => failed(SsoFailure::Expired, "state_invalid"),
            other => other,
        })?;
    let org_id = OrgId::from_text(pending.org_id.clone());
    who.set_org(&org_id);
    if binding.session_hash.is_some() {
        *event = Event::SsoReauthenticated;
    }
    // The ceremony is gone from here on, whatever happens.
    if browser_secret.map(browser_hash).as_deref() != Some(pending.browser.as_str()) {
        tracing::warn!("a single sign-on callback came to another browser than started it");
        return Err(failed(SsoFailure::Expired, "other_browser"));
    }
    // The answer must come back for the org the request went out for, and
    // (where the provider says) from its issuer: otherwise another org's
    // provider answered — a mix-up — and its code must go nowhere.
    let named = crate::types::OrgShortName::canonical(&answer.org);
    if named.as_str() != pending.org {
        tracing::warn!(
            callback = named.as_str(),
            "a single sign-on answer came back for another org"
        );
        return Err(failed(SsoFailure::NotVerified, "wrong_callback"));
    }
    if answer
        .iss
        .as_deref()
        .is_some_and(|iss| iss != pending.issuer)
    {
        return Err(failed(SsoFailure::NotVerified, "issuer_mismatch"));
    }
    if let Some(error) = answer.error.as_deref() {
        return Err(match error {
            "access_denied"
            | "consent_required"
            | "login_required"
            | "interaction_required"
            | "account_selection_required" => failed(SsoFailure::Denied, "access_denied"),
            "temporarily_unavailable" | "server_error" => {
                failed(SsoFailure::Unavailable, "provider_error")
            }
            _ => failed(SsoFailure::NotVerified, "provider_error"),
        });
    }
    let org = orgs::find_by_id(&d.db, &org_id).await?;
    let provider = sso::provider(&d.db, &org_id).await?;
    let (Some(org), Some(provider)) = (org, provider) else {
        return Err(failed(SsoFailure::NotOffered, "sso_removed"));
    };
    if provider.issuer != pending.issuer {
        return Err(failed(SsoFailure::NotOffered, "provider_changed"));
    }
    let code = answer.code.as_deref().unwrap_or_default();
    if code.is_empty() {
        return Err(failed(SsoFailure::NotVerified, "code_missing"));
    }
    let identity = d
        .oidc
        .redeem(
            &provider,
            &redirect_uri(d, &pending.org),
            code,
            &pending.secrets,
            d.clock.now(),
        )
        .await
        .map_err(|e| {
            tracing::warn!(issuer = %provider.issuer, error = ?e, "single sign-on refused");
            let shown = match e {
                oidc::Failure::Unreachable(_) | oidc::Failure::Misconfigured(_) => {
                    SsoFailure::Unavailable
                }
                _ => SsoFailure::NotVerified,
            };
            failed(shown, e.cause())
        })?;
    match binding.session_hash {
        Some(session_hash) => {
            reauthenticate(d, who, &provider, &pending, &session_hash, &identity).await?;
            Ok(Finished::Reauthenticated)
        }
        None => {
            let account = account_for(d, client, who, &org, &provider, &identity).await?;
            who.set(&account.id, &org.id);
            let proof = Proof {
                method: AuthMethod::Sso,
                passkey_id: None,
                after_enrolment: false,
            };
            // The callback is a navigation from the provider's site: the
            // SameSite=Strict session cookie of an earlier session does not
            // come with it, so there is none to end here.
            let opened = complete(d, client, None, &account, &org, proof).await?;
            Ok(Finished::SignedIn(Box::new(opened)))
        }
    }
}

/// A re-authentication: the provider must name the session's own account,
/// and have authenticated the person after the request was made.
async fn reauthenticate(
    d: &Domain,
    who: &Who,
    provider: &Provider,
    pending: &Pending,
    session_hash: &str,
    identity: &oidc::Identity,
) -> Result<()> {
    let Some(session) = crate::sessions::asking(d, session_hash).await? else {
        return Err(failed(SsoFailure::Expired, "session_ended"));
    };
    who.set(&session.account_id, &session.org_id);
    let linked =
        sso::linked_account(&d.db, &session.org_id, &provider.issuer, &identity.subject).await?;
    if linked.as_ref() != Some(&session.account_id) {
        return Err(failed(SsoFailure::OtherIdentity, "other_identity"));
    }
    // max_age=0 asked for a new authentication; a provider that ignored it
    // answers with an old auth_time (Core §3.1.2.1), or none.
    match identity.auth_time {
        Some(at) if at + CLOCK_SKEW_SECS >= pending.started_at => {}
        _ => return Err(failed(SsoFailure::NotVerified, "stale_auth_time")),
    }
    if !sessions::reauthenticate(&d.db, &d.clock, session_hash, AuthMethod::Sso, None).await? {
        return Err(failed(SsoFailure::Expired, "session_ended"));
    }
    Ok(())
}

/// The account the provider's `identity` signs in to: the one linked to
/// its subject; else the org's account with its verified email, linked
/// now; else, for an email domain the org lists, a new account.
async fn account_for(
    d: &Domain,
    client: &Client,
    who: &Who,
    org: &Org,
    provider: &Provider,
    identity: &oidc::Identity,
) -> Result<Account> {
    if let Some(id) =
        sso::linked_account(&d.db, &org.id, &provider.issuer, &identity.subject).await?
    {
        if let Some((account, _)) = accounts::find_by_id(&d.db, &id).await? {
            return Ok(account);
        }
    }
    // Linking by email trusts the provider's word for the address: only
    // when it says it verified it (Core §5.1 `email_verified`).
    let email = match (&identity.email, identity.email_verified) {
        (Some(email), true) => email,
        _ => return Err(failed(SsoFailure::EmailUnverified, "email_unverified")),
    };
    let email = Email::parse(email).map_err(|_| failed(SsoFailure::NotVerified, "bad_email"))?;
    let account = match accounts::find_by_email(&d.db, &org.id, email.as_str()).await? {
        Some(account) => {
            if sso::is_linked(&d.db, &account.id, &provider.issuer).await? {
                return Err(failed(SsoFailure::OtherIdentity, "other_identity"));
            }
            account
        }
        None => {
            let domain = email.as_str().rsplit('@').next().unwrap_or_default();
            if !provider.creates_accounts_for(domain) {
                return Err(failed(SsoFailure::NoAccount, "no_account"));
            }
            let account = create(d, org, &email, identity.name.as_deref()).await?;
            let created = Who::default();
            created.set(&account.id, &org.id);
            audit::audited(d, client, Event::SsoAccountCreated, &created, async {
                Ok(())
            })
            .await?;
            account
        }
    };
    // The provider vouched for the address, and signs in to the account
    // from now on: its holder hears of it (every security change is
    // notified).
    let notice = d.outgoing(crate::emails::sso_linked(
        &account.email,
        &org.name,
        &provider.issuer,
        d.clock.now(),
        &d.web.origin,
    ));
    sso::link(
        &d.db,
        &d.clock,
        &account,
        &provider.issuer,
        &identity.subject,
        &notice,
    )
    .await
    .map_err(|e| match e {
        Error::Conflict(_) => failed(SsoFailure::OtherIdentity, "other_identity"),
        other => other,
    })?;
    d.mailer.queued();
    who.set(&account.id, &org.id);
    audit::audited(d, client, Event::SsoLinked, who, async { Ok(()) }).await?;
    Ok(account)
}

/// A just-in-time account: no password (the provider is its way in), the
/// provider's name for the person or else the email's local part.
async fn create(d: &Domain, org: &Org, email: &Email, name: Option<&str>) -> Result<Account> {
    let local = email.as_str().split('@').next().unwrap_or_default();
    let display_name = name
        .filter(|n| crate::validate::display_name(n).is_ok())
        .unwrap_or(local);
    let new = NewAccount {
        org: org.short_name.clone(),
        email: email.as_str().to_owned(),
        display_name: display_name.to_owned(),
        password: None,
    };
    let created = accounts::create(&d.db, &d.clock, &d.passwords, new).await;
    match created {
        Ok((account, _)) => Ok(account),
        // Two first sign-ins racing: the other one made it.
        Err(Error::Conflict(_)) => accounts::find_by_email(&d.db, &org.id, email.as_str())
            .await?
            .ok_or_else(|| failed(SsoFailure::Unavailable, "internal")),
        Err(e) => Err(e),
    }
}
