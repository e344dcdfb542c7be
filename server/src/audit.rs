//! The audit trail: who signed in, how, from where — and who failed, and
//! why — plus every change to an account's ways of signing in.
//!
//! Writing an entry never fails the request it describes: a failed write is
//! logged as an error instead.

use crate::state::AppState;
use crate::with_pool;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::SocketAddr;

/// Where a request came from, as far as the server can tell.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub addr: Option<String>,
    pub user_agent: Option<String>,
}

/// Longest user agent kept; the rest is cut.
const MAX_USER_AGENT: usize = 300;

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
        Ok(Client { addr, user_agent })
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    PasswordSignIn,
    TotpSignIn,
    PasskeySignIn,
    PasskeyAdded,
    PasskeyDeleted,
    Reauthenticated,
    TotpEnabled,
    TotpDisabled,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::PasswordSignIn => "sign_in.password",
            Event::TotpSignIn => "sign_in.totp",
            Event::PasskeySignIn => "sign_in.passkey",
            Event::PasskeyAdded => "passkey.added",
            Event::PasskeyDeleted => "passkey.deleted",
            Event::Reauthenticated => "reauth",
            Event::TotpEnabled => "totp.enabled",
            Event::TotpDisabled => "totp.disabled",
        }
    }
}

/// One line of the trail.
pub struct Entry<'a> {
    pub event: Event,
    /// `None` for success, else why it failed.
    pub failure: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub org_id: Option<&'a str>,
}

impl<'a> Entry<'a> {
    pub fn success(event: Event, account_id: &'a str, org_id: &'a str) -> Self {
        Entry {
            event,
            failure: None,
            account_id: Some(account_id),
            org_id: Some(org_id),
        }
    }

    pub fn failure(event: Event, cause: &'a str) -> Self {
        Entry {
            event,
            failure: Some(cause),
            account_id: None,
            org_id: None,
        }
    }

    /// Names the account (and its org) a failure concerns.
    pub fn of(mut self, account_id: Option<&'a str>, org_id: Option<&'a str>) -> Self {
        self.account_id = account_id;
        self.org_id = org_id;
        self
    }
}

pub async fn record(state: &AppState, client: &Client, entry: Entry<'_>) {
    let outcome = if entry.failure.is_some() {
        "failure"
    } else {
        "success"
    };
    let written = with_pool!(&state.db, pool => sqlx::query(
            "INSERT INTO audit_events (id, at, event, outcome, cause, account_id, org_id, client_addr, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(state.clock.now())
        .bind(entry.event.as_str())
        .bind(outcome)
        .bind(entry.failure)
        .bind(entry.account_id)
        .bind(entry.org_id)
        .bind(&client.addr)
        .bind(&client.user_agent)
        .execute(pool)
        .await
        .map(|_| ()));
    if let Err(e) = written {
        tracing::error!(error = %e, event = entry.event.as_str(), "audit entry not written");
    }
}

/// The audit cause for a refusal: the error's stable code, or for a
/// refused passkey what exactly was wrong with it.
pub fn cause_of(err: &crate::error::Error) -> &'static str {
    use common::ErrorCode as C;
    if let crate::error::Error::PasskeyRefused { cause } = err {
        return cause;
    }
    match err.code() {
        C::BadRequest => "bad_request",
        C::InvalidCredentials => "invalid_credentials",
        C::Unauthenticated => "unauthenticated",
        C::CrossSiteRequest => "cross_site_request",
        C::NotFound => "not_found",
        C::Conflict => "conflict",
        C::ReauthRequired => "reauth_required",
        C::SsoRequired => "sso_required",
        C::LockedOut => "locked_out",
        C::PasskeyRefused => "passkey_refused",
        C::CeremonyInvalid => "ceremony_invalid",
        C::LinkInvalid => "link_invalid",
        C::InvalidCode => "invalid_code",
        C::RateLimited => "rate_limited",
        C::Internal => "internal",
    }
}

/// Records how `result` ended for `event`; `who` is the (account, org) it
/// concerns, when known.
pub async fn outcome<T>(
    state: &AppState,
    client: &Client,
    event: Event,
    who: &Option<(String, String)>,
    result: &crate::error::Result<T>,
) {
    let (account_id, org_id) = match who {
        Some((account, org)) => (Some(account.as_str()), Some(org.as_str())),
        None => (None, None),
    };
    let failure = result.as_ref().err().map(cause_of);
    let entry = Entry {
        event,
        failure,
        account_id,
        org_id,
    };
    record(state, client, entry).await;
}
