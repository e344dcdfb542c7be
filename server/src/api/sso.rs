//! Single sign-on: what an org offers, the start (a redirect to the
//! org's identity provider) and the callback it sends the browser back to.
//!
//! The rules are `domain::signin::sso`'s; this module adds the cookie
//! that binds a sign-in to the browser that started it, and turns the
//! callback's outcome into a redirect: to the console, to My Account (a
//! re-authentication), or back with `?sso_error=…` and nothing stored.

use crate::auth::{with_session_cookie, ClientInfo, CurrentSession};
use crate::error::Result;
use crate::json::Json;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use common::{ApiError, OrgSignIn, OrgSignInRequest, SsoRedirect, SsoStart};
use domain::signin::sso::{self, Callback, Finished, Refused, Started};
use domain::WebConfig;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org_sign_in))
        .routes(routes!(sso_start))
        .routes(routes!(sso_reauth_start))
        .routes(routes!(sso_callback))
}

/// The cookie that binds a single sign-on to this browser: SameSite=Lax,
/// because the callback is a top-level navigation from the provider's
/// site (a Strict cookie would not come with it); only its hash is kept
/// on the server, in the ceremony. `__Host-` (Secure, Path=/, no Domain)
/// on https, so that no sibling subdomain can plant one of its own.
fn binding_cookie_name(web: &WebConfig) -> &'static str {
    if web.secure {
        "__Host-latchkey_sso"
    } else {
        "latchkey_sso"
    }
}

const BINDING_PATH: &str = "/";

fn binding_cookie(web: &WebConfig, value: String) -> Cookie<'static> {
    Cookie::build((binding_cookie_name(web), value))
        .http_only(true)
        .secure(web.secure)
        .same_site(SameSite::Lax)
        .path(BINDING_PATH)
        .max_age(time::Duration::seconds(sso::CEREMONY_SECS))
        .build()
}

fn started(state: &AppState, jar: CookieJar, started: Started) -> (CookieJar, Json<SsoRedirect>) {
    let jar = jar.add(binding_cookie(&state.web, started.browser_secret));
    let redirect = SsoRedirect {
        authorize_url: started.authorize_url,
    };
    (jar, Json(redirect))
}

#[utoipa::path(post, path = "/login/org", tag = "sign-in",
    request_body = OrgSignInRequest,
    responses((status = 200, description = "Whether the org offers or requires single sign-on (`off` also for an org that does not exist)", body = OrgSignIn), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
/// `POST /api/login/org` {org} → which ways in the sign-in page offers.
async fn org_sign_in(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<OrgSignInRequest>,
) -> Result<Json<OrgSignIn>> {
    let single_sign_on = sso::mode(&state, &client, &request.org).await?;
    Ok(Json(OrgSignIn { single_sign_on }))
}

#[utoipa::path(post, path = "/login/sso/start", tag = "sign-in",
    request_body = SsoStart,
    responses((status = 200, description = "Send the browser to `authorize_url`: the provider (and the cookie that binds the sign-in to this browser is set), or, from a related origin, the public origin's sign-in page with the org chosen", body = SsoRedirect), (status = "4XX", description = "Refused; `code` says why", body = ApiError), (status = 503, description = "`sso_unavailable`: the org's provider cannot be reached", body = ApiError)),
)]
/// `POST /api/login/sso/start` {email, org}: "Continue with single sign-on".
///
/// From a page on a related origin, the answer sends the browser to the
/// public origin's sign-in page instead
/// ([`sso::sign_in_page_on_public_origin`]).
async fn sso_start(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    jar: CookieJar,
    Json(request): Json<SsoStart>,
) -> Result<Response> {
    if from_related_origin(&state.web, &headers) {
        let authorize_url = sso::sign_in_page_on_public_origin(&state, &request.org);
        return Ok(Json(SsoRedirect { authorize_url }).into_response());
    }
    let start = sso::start(&state, &client, &request.email, &request.org).await?;
    Ok(started(&state, jar, start).into_response())
}

/// Whether the request comes from a page on one of the related origins
/// (`Origin`, which browsers send with every POST), not the public one.
fn from_related_origin(web: &WebConfig, headers: &HeaderMap) -> bool {
    headers
        .get("origin")
        .and_then(|o| o.to_str().ok())
        .is_some_and(|origin| origin != web.origin && web.accepts(origin))
}

#[utoipa::path(post, path = "/reauth/sso/start", tag = "re-authentication",
    responses((status = 200, description = "Send the browser to `authorize_url` (the provider asks the person to sign in again)", body = SsoRedirect), (status = "4XX", description = "Refused; `code` says why", body = ApiError), (status = 503, description = "`sso_unavailable`", body = ApiError)),
)]
/// `POST /api/reauth/sso/start`: "Confirm it's you" at the identity
/// provider; the callback returns to My Account.
async fn sso_reauth_start(
    State(state): State<AppState>,
    client: ClientInfo,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<(CookieJar, Json<SsoRedirect>)> {
    // The provider answers on the public origin, where this session (a
    // related origin's cookie) is not.
    if from_related_origin(&state.web, &headers) {
        return Err(domain::Error::BadRequest(format!(
            "Single sign-on can confirm it's you only at {}. Here, use a passkey, \
             your password or an emailed link.",
            state.web.origin
        ))
        .into());
    }
    let start = sso::start_reauth(&state, &client, &session).await?;
    Ok(started(&state, jar, start))
}

#[utoipa::path(get, path = "/sso/callback/{org}", tag = "sign-in",
    params(
        ("org" = String, Path, description = "The org whose provider answers: its redirect URI is `<origin>/api/sso/callback/<org>`"),
        ("state" = Option<String>, Query, description = "The ceremony the sign-in started"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("error" = Option<String>, Query, description = "The provider's error, instead of a code"),
        ("iss" = Option<String>, Query, description = "The answering issuer (RFC 9207), when the provider sends it"),
    ),
    responses((status = 303, description = "To `/` signed in (session cookie set), to `/account?sso=confirmed` re-authenticated, or to `/login?sso_error=…` (`/account?sso_error=…`) with nothing stored")),
)]
/// `GET /api/sso/callback/{org}`: where the org's identity provider sends
/// the browser back. Always a redirect; the binding cookie is cleared
/// either way.
async fn sso_callback(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Path(org): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let answer = Callback::parse(&org, query.as_deref().unwrap_or_default());
    let secret = jar
        .get(binding_cookie_name(&state.web))
        .map(|c| c.value().to_owned());
    let finished = sso::callback(&state, &client, secret.as_deref(), answer).await;
    let mut removal = binding_cookie(&state.web, String::new());
    removal.make_removal();
    let jar = jar.add(removal);
    match finished {
        Ok(Finished::SignedIn(opened)) => {
            let jar = with_session_cookie(&state.web, jar, &opened);
            (jar, Redirect::to("/")).into_response()
        }
        Ok(Finished::Reauthenticated) => {
            (jar, Redirect::to("/account?sso=confirmed")).into_response()
        }
        Err(Refused { shown, reauth }) => {
            let page = if reauth { "/account" } else { "/login" };
            let to = format!("{page}?sso_error={}", shown.as_str());
            (jar, Redirect::to(&to)).into_response()
        }
    }
}
