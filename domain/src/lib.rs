//! Latchkey's rules and storage — everything that is not HTTP.
//!
//! A reading tour, from the outside in:
//! - [`signin`]: every way into an account (password, passkey, the second
//!   step, the org list) ending in one [`signin::complete`] that decides
//!   the second step and opens the session.
//! - [`account`]: what a signed-in person changes (passkeys, 2FA) and the
//!   re-authentication ("Confirm it's you") those changes need.
//! - [`factors`]: a passkey assertion and a TOTP code, checked the same
//!   way by both of the above (one verification, one lockout gate).
//! - [`ways_in`]: the last way in — no change leaves an account nobody
//!   can sign in to (the store asks it inside each such change).
//! - [`policy`]: [`policy::OrgPolicy`], the only reader of an org's policy
//!   settings: may this account use this method now?
//! - [`limits`]: rate limits per client address, and the one gate every
//!   password or code check goes through (lockout).
//! - [`audit`]: the security trail, written once per outcome.
//! - [`types`]: typed ids and the normalised [`types::Email`] and
//!   [`types::OrgShortName`].
//! - [`store`]: the only folder with SQL, one file per table family.
//! - [`password`], [`totp`], [`webauthn`]: the cryptography (argon2id,
//!   RFC 6238, the WebAuthn relying party).
//! - [`mail`], [`emails`]: sending mail, and the messages' words.
//!
//! The server crate turns HTTP requests into calls on a [`Domain`] and
//! [`Error`]s into HTTP; the command line calls the same functions.

// Outside tests, failures are handled, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod account;
pub mod admin;
pub mod audit;
pub mod clock;
pub mod config;
pub mod demo;
pub mod emails;
pub mod error;
pub mod factors;
pub mod limits;
pub mod mail;
pub mod oidc;
pub mod password;
pub mod policy;
pub mod providers;
pub mod sessions;
pub mod signin;
pub mod sso_settings;
pub mod store;
pub mod totp;
pub mod types;
pub mod validate;
pub mod ways_in;
pub mod webauthn;

pub use config::WebConfig;
pub use error::{Error, Result};

use clock::Clock;
use limits::RateLimits;
use mail::Mailer;
use password::Passwords;
use std::sync::Arc;
use store::db::Db;

/// Everything the rules need, built once by [`Domain::new`] and shared by
/// every request (cloning is cheap: handles and `Arc`s).
#[derive(Clone)]
pub struct Domain {
    pub db: Db,
    pub clock: Clock,
    pub passwords: Passwords,
    /// The public origin, e.g. `https://console.example.com`.
    pub web: Arc<WebConfig>,
    /// The WebAuthn relying party for `web.origin`.
    pub webauthn: Arc<webauthn_rs::Webauthn>,
    /// How long (seconds) after a sign-in or re-authentication sensitive
    /// changes are allowed without a new proof (OWASP ASVS 3.7.1).
    pub reauth_window_secs: i64,
    /// How long (seconds) a started WebAuthn ceremony can be finished; the
    /// options sent to browsers carry it as `publicKey.timeout` (in
    /// milliseconds), so a client can renew a waiting request in time.
    pub ceremony_lifetime_secs: i64,
    /// Per-client-address limits on ceremony starts and secret checks.
    pub limits: RateLimits,
    /// Paces the sweeping of expired ceremonies.
    pub ceremony_sweeper: Arc<store::ceremonies::Sweeper>,
    /// Derives decoy credential ids for sign-in requests naming an account
    /// that does not exist or has no passkey (see [`signin::passkey`]).
    pub decoy_key: Arc<[u8; 32]>,
    pub mailer: Mailer,
    /// The OpenID Connect relying party (single sign-on), with the
    /// providers' metadata it has fetched.
    pub oidc: Arc<oidc::RelyingParty>,
    /// Issuers org admins may connect from the admin console
    /// (`LATCHKEY_SSO_ISSUERS`); empty: only the operator connects
    /// providers (`latchkey org sso set`). The server fetches what an
    /// issuer names, so admins never make it fetch other addresses (SSRF).
    pub admin_sso_issuers: Arc<[String]>,
}

/// What [`Domain::new`] needs besides a connected database.
pub struct Config {
    pub web: WebConfig,
    pub clock: Clock,
    /// Threads that hash passwords (argon2id is memory-hard: each uses 19 MiB).
    pub hash_threads: usize,
    /// Seconds; see [`Domain::reauth_window_secs`].
    pub reauth_window_secs: i64,
    /// Seconds; see [`Domain::ceremony_lifetime_secs`]. Positive, and at
    /// most a few hours (the browser's timeout is a `u32` of milliseconds).
    pub ceremony_lifetime_secs: i64,
    pub limits: RateLimits,
    pub mailer: Mailer,
    /// See [`Domain::admin_sso_issuers`].
    pub admin_sso_issuers: Vec<String>,
}

impl Domain {
    /// The one constructor: `serve` and the tests build their handle here.
    /// It also puts stored emails in their canonical form (see
    /// [`store::accounts::canonicalise_emails`]). Fails when the relying
    /// party cannot be made from the origin and ceremony lifetime, or on a
    /// database error.
    pub async fn new(db: Db, config: Config) -> Result<Self> {
        let webauthn = webauthn::relying_party(&config.web, config.ceremony_lifetime_secs)
            .map_err(Error::BadRequest)?;
        let decoy_key = store::keys::load_or_create(&db, "decoy_credential_ids").await?;
        let (rewritten, left) = store::accounts::canonicalise_emails(&db).await?;
        if rewritten > 0 {
            tracing::info!(rewritten, "stored emails put in their canonical form");
        }
        for account in left {
            tracing::warn!(%account, "this account's email has the canonical form of another account's \
                in the same org: it keeps its old spelling until one of the two is removed");
        }
        Ok(Domain {
            db,
            clock: config.clock,
            passwords: Passwords::new(config.hash_threads)?,
            web: Arc::new(config.web),
            webauthn: Arc::new(webauthn),
            reauth_window_secs: config.reauth_window_secs,
            ceremony_lifetime_secs: config.ceremony_lifetime_secs,
            limits: config.limits,
            ceremony_sweeper: Default::default(),
            decoy_key: Arc::new(decoy_key),
            mailer: config.mailer,
            oidc: Arc::new(oidc::RelyingParty::new()?),
            admin_sso_issuers: config.admin_sso_issuers.into(),
        })
    }

    /// `email`, to be queued now with the change it reports.
    pub fn outgoing(&self, email: mail::Email) -> mail::Outgoing {
        mail::Outgoing {
            email,
            at: self.clock.now(),
        }
    }
}
