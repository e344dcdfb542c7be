//! The session cookie, and the extractor that turns it into a session.

use crate::accounts::Account;
use crate::error::Error;
use crate::orgs::Org;
use crate::sessions::{self, Session, Stage};
use crate::state::{AppState, WebConfig};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use common::{AuthMethod, SessionInfo};

/// A handler argument that demands a signed-in session and answers
/// 401 `unauthenticated` otherwise — also for a half-signed-in session
/// (password done, second step pending), which can call nothing else.
pub struct CurrentSession(pub Session);

/// A handler argument for the second sign-in step: a session whose
/// password was right and whose second step is still pending.
pub struct PendingSession(pub Session);

async fn session_of(parts: &Parts, state: &AppState) -> Result<Session, Error> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = session_token(&jar, &state.web).ok_or(Error::Unauthenticated)?;
    sessions::find(&state.db, &state.clock, token)
        .await?
        .ok_or(Error::Unauthenticated)
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts, state).await?;
        if Stage::parse(&session.stage) != Stage::Full {
            return Err(Error::Unauthenticated);
        }
        Ok(CurrentSession(session))
    }
}

impl FromRequestParts<AppState> for PendingSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts, state).await?;
        if Stage::parse(&session.stage) == Stage::Full {
            return Err(Error::BadRequest("You are already signed in.".into()));
        }
        if session.org_sso_required {
            // The org switched to SSO after the password step: the second
            // step must not finish a password sign-in it now forbids.
            sessions::delete_hash(&state.db, &session.token_hash).await?;
            return Err(Error::SsoRequired);
        }
        Ok(PendingSession(session))
    }
}

/// Opens a session after a successful sign-in step: ends whatever session
/// this browser held (a new token every time: no session fixation), sets
/// the cookie, and describes the new session.
pub async fn open_session(
    state: &AppState,
    jar: CookieJar,
    account: &Account,
    org: &Org,
    method: AuthMethod,
    stage: Stage,
) -> Result<(CookieJar, SessionInfo), Error> {
    if let Some(old) = session_token(&jar, &state.web) {
        sessions::delete(&state.db, old).await?;
    }
    let (token, session) =
        sessions::create(&state.db, &state.clock, account, org, method, stage).await?;
    let jar = jar.add(session_cookie(&state.web, token, session.max_session_secs));
    Ok((jar, session.info()))
}

/// Refuses a sensitive change unless the session proved who it is within
/// the re-authentication window.
pub fn require_fresh(state: &AppState, session: &Session) -> Result<(), Error> {
    if state.clock.now() - session.authenticated_at > state.reauth_window_secs {
        return Err(Error::ReauthRequired);
    }
    Ok(())
}

/// The session token the browser sent, if any.
pub fn session_token<'a>(jar: &'a CookieJar, web: &WebConfig) -> Option<&'a str> {
    jar.get(web.cookie_name()).map(Cookie::value)
}

/// The cookie that carries a new session token.
///
/// HttpOnly keeps it from scripts; SameSite=Strict keeps other sites'
/// requests from carrying it; `max_age` makes it last as long as the org
/// allows a session to last, even across browser restarts.
pub fn session_cookie(web: &WebConfig, token: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((web.cookie_name(), token))
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
