//! Extractors that make the rules impossible to forget — a handler cannot
//! run without the session, the fresh session or the client it asks for —
//! and the session cookie.

use crate::error::Error;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::audit::Client;
use domain::policy::OrgPolicy;
use domain::sessions::Fresh;
use domain::signin::Opened;
use domain::store::sessions::{Session, Stage};
use domain::WebConfig;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// A handler argument that demands a signed-in session, resumed under the
/// org's current policy, and answers 401 `unauthenticated` otherwise —
/// also for a half-signed-in session (password done, second step
/// pending), which can call nothing else — or 401 `session_ended` when a
/// policy change ended it.
pub struct CurrentSession(pub Session);

/// A handler argument for a sensitive change: a signed-in session whose
/// last proof is within the re-authentication window; 403
/// `reauth_required` otherwise.
pub struct FreshSession(pub Fresh);

/// A handler argument for the org admin console: a signed-in session of
/// an org `admin` or `owner` (403 `forbidden` otherwise), within the
/// re-authentication window (403 `reauth_required` otherwise). The rule is
/// `domain::admin::Admin`'s; every admin operation takes one.
pub struct OrgAdmin(pub domain::admin::Admin);

/// A handler argument for the second sign-in step: a session whose
/// password was right and whose second step is still pending.
pub struct PendingSession(pub Session);

/// A handler argument for adding a passkey or setting a password: a
/// signed-in session within the re-authentication window (403
/// `reauth_required` otherwise), or an enrolment session — opened by a
/// recovery code or an enrollment link, which can do only this.
pub struct FreshOrEnrolling(pub Fresh);

/// A handler argument that takes a signed-in session or an enrolment
/// session (what `GET /api/session` describes); 401 `unauthenticated`
/// otherwise.
pub struct SignedInOrEnrolling(pub Session);

async fn session_of(parts: &Parts, state: &AppState) -> Result<Session, Error> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = session_token(&jar, &state.web).ok_or(domain::Error::Unauthenticated)?;
    Ok(domain::sessions::resume(state, token)
        .await?
        .ok_or(domain::Error::Unauthenticated)?)
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts, state).await?;
        if Stage::parse(&session.stage) != Stage::Full {
            return Err(domain::Error::Unauthenticated.into());
        }
        Ok(CurrentSession(session))
    }
}

impl FromRequestParts<AppState> for FreshSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        Ok(FreshSession(Fresh::check(state, session)?))
    }
}

impl FromRequestParts<AppState> for OrgAdmin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        domain::admin::Admin::role_of(&session)?;
        let fresh = Fresh::check(state, session)?;
        Ok(OrgAdmin(domain::admin::Admin::check(fresh)?))
    }
}

impl FromRequestParts<AppState> for FreshOrEnrolling {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts, state).await?;
        let fresh = match Stage::parse(&session.stage) {
            Stage::Full => Fresh::check(state, session)?,
            Stage::Enroll => Fresh::enrolling(session)?,
            Stage::Totp | Stage::TotpSetup => return Err(domain::Error::Unauthenticated.into()),
        };
        Ok(FreshOrEnrolling(fresh))
    }
}

impl FromRequestParts<AppState> for SignedInOrEnrolling {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts, state).await?;
        match Stage::parse(&session.stage) {
            Stage::Full | Stage::Enroll => Ok(SignedInOrEnrolling(session)),
            Stage::Totp | Stage::TotpSetup => Err(domain::Error::Unauthenticated.into()),
        }
    }
}

impl FromRequestParts<AppState> for PendingSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts, state).await?;
        if Stage::parse(&session.stage) == Stage::Full {
            return Err(Error::bad_request("You are already signed in."));
        }
        Ok(PendingSession(session))
    }
}

/// The client a request came from: the connection's address or — when the
/// connection comes from a proxy listed in `LATCHKEY_TRUSTED_PROXIES` —
/// the address those proxies put in `X-Forwarded-For` (the rightmost one
/// that is not itself a trusted proxy; anything left of it could have been
/// written by the client). Without trusted proxies the header is ignored.
pub struct ClientInfo(pub Client);

impl std::ops::Deref for ClientInfo {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.0
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let addr = peer.map(|peer| client_addr(peer, &forwarded, &state.trusted_proxies));
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        Ok(ClientInfo(Client::new(
            addr.map(|a| a.to_string()),
            user_agent,
        )))
    }
}

/// The client's address for a connection from `peer` carrying the
/// `X-Forwarded-For` list `forwarded`, trusting only `trusted` proxies.
pub fn client_addr(peer: IpAddr, forwarded: &str, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            // A malformed entry: nothing left of it can be trusted.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// Parses `LATCHKEY_TRUSTED_PROXIES`: addresses or CIDR blocks, separated
/// by commas or spaces (`10.0.0.0/8, 192.0.2.1`).
pub fn parse_trusted_proxies(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("LATCHKEY_TRUSTED_PROXIES: '{s}' is not an address or CIDR block")
                })
        })
        .collect()
}

/// Sets the cookie of a session just opened.
pub fn with_session_cookie(web: &WebConfig, jar: CookieJar, opened: &Opened) -> CookieJar {
    jar.add(session_cookie(
        web,
        opened.token.clone(),
        OrgPolicy::of_session(&opened.session).max_session_secs(),
    ))
}

/// The session cookie's names: on https (`__Host-`: the browser insists
/// on Secure, Path=/ and no Domain, so no sibling subdomain can plant it),
/// and on plain http.
const COOKIE_NAMES: [&str; 2] = ["__Host-latchkey_session", "latchkey_session"];

/// Name of the session cookie for `web`'s scheme.
pub fn cookie_name(web: &WebConfig) -> &'static str {
    if web.secure {
        COOKIE_NAMES[0]
    } else {
        COOKIE_NAMES[1]
    }
}

/// Whether a cookie named `name` is a session cookie (of either scheme).
pub fn is_session_cookie(name: &str) -> bool {
    COOKIE_NAMES.contains(&name)
}

/// The session token the browser sent, if any.
pub fn session_token<'a>(jar: &'a CookieJar, web: &WebConfig) -> Option<&'a str> {
    jar.get(cookie_name(web)).map(Cookie::value)
}

/// The cookie that carries a new session token.
///
/// HttpOnly keeps it from scripts; SameSite=Strict keeps other sites'
/// requests from carrying it; `max_age` makes it last as long as the org
/// allows a session to last, even across browser restarts.
pub fn session_cookie(web: &WebConfig, token: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((cookie_name(web), token))
        .http_only(true)
        .secure(web.secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time::Duration::seconds(max_age_secs))
        .build()
}

/// A cookie that tells the browser to forget the session token.
pub fn removal_cookie(web: &WebConfig) -> Cookie<'static> {
    let mut cookie = session_cookie(web, String::new(), 0);
    cookie.make_removal();
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let trusted = parse_trusted_proxies("10.0.0.0/8, 192.0.2.1").unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Not from a proxy: the header is the client's own words.
        assert_eq!(
            client_addr(ip("203.0.113.9"), "1.2.3.4", &trusted),
            ip("203.0.113.9")
        );
        // From a proxy: the rightmost untrusted hop.
        assert_eq!(
            client_addr(ip("10.0.0.5"), "6.6.6.6, 198.51.100.7, 192.0.2.1", &trusted),
            ip("198.51.100.7")
        );
        // A proxy without the header: the proxy is all we know.
        assert_eq!(client_addr(ip("10.0.0.5"), "", &trusted), ip("10.0.0.5"));
        // No trusted proxies: the header is ignored.
        assert_eq!(client_addr(ip("10.0.0.5"), "1.2.3.4", &[]), ip("10.0.0.5"));
        assert!(parse_trusted_proxies("nonsense").is_err());
    }
}
