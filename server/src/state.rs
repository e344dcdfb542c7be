//! What every request handler can reach.

use crate::clock::Clock;
use crate::db::Db;
use crate::password::Passwords;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub passwords: Passwords,
    pub web: Arc<WebConfig>,
    /// The WebAuthn relying party for `web.origin`.
    pub webauthn: Arc<webauthn_rs::Webauthn>,
    /// How long after a sign-in or re-authentication sensitive changes
    /// (adding or deleting a passkey) are allowed without a new proof.
    pub reauth_window_secs: i64,
    /// Per-client-address limits on ceremony starts and secret checks.
    pub limits: crate::rate_limit::RateLimits,
    /// Paces the sweeping of expired ceremonies.
    pub ceremony_sweeper: Arc<crate::ceremonies::Sweeper>,
    /// Derives decoy credential ids for sign-in requests naming an account
    /// that does not exist or has no passkey (see `api::passkey_login`).
    pub decoy_key: Arc<[u8; 32]>,
    pub mailer: crate::mail::Mailer,
    pub leptos: LeptosOptions,
}

/// Facts about how the site is reached from browsers.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The public origin, e.g. `https://console.example.com`, without a
    /// trailing slash. Requests whose `Origin` differs are cross-site.
    pub origin: String,
    /// Whether the origin is https: then the session cookie is `Secure`
    /// and carries the `__Host-` prefix.
    pub secure: bool,
}

impl WebConfig {
    /// Parses and normalises a public origin such as `http://localhost:3000`.
    pub fn from_origin(origin: &str) -> Result<Self, String> {
        let url = url::Url::parse(origin).map_err(|e| format!("invalid origin '{origin}': {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "invalid origin '{origin}': use http(s)://host[:port]"
            ));
        }
        if url.path() != "/" || url.query().is_some() {
            return Err(format!(
                "invalid origin '{origin}': no path or query allowed"
            ));
        }
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            secure: url.scheme() == "https",
        })
    }

    /// Name of the session cookie. `__Host-` makes the browser insist on
    /// Secure, Path=/ and no Domain, so no sibling subdomain can plant it.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-latchkey_session"
        } else {
            "latchkey_session"
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        let web = WebConfig::from_origin("http://localhost:3000/").unwrap();
        assert_eq!(web.origin, "http://localhost:3000");
        assert!(!web.secure);
        assert_eq!(web.cookie_name(), "latchkey_session");
        let web = WebConfig::from_origin("https://Console.Example.com:443").unwrap();
        assert_eq!(web.origin, "https://console.example.com");
        assert_eq!(web.cookie_name(), "__Host-latchkey_session");
        assert!(WebConfig::from_origin("ftp://x").is_err());
        assert!(WebConfig::from_origin("http://x/app").is_err());
    }
}
